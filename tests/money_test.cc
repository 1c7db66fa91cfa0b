// ledger/money.h: ISO 4217 exponents and amounts in major units.
#include <string>

#include "absl/strings/str_cat.h"

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ingest/migrate.h"
#include "ledger/ledger.h"
#include "ledger/money.h"
#include "ledger/validate.h"
#include "tests/support/paths.h"
#include "util/text.h"

namespace ledger {
namespace {

TEST(CurrencyExponentTest, FollowsIso4217NotIcu) {
  EXPECT_EQ(CurrencyExponent("CNY"), 2);
  EXPECT_EQ(CurrencyExponent("USD"), 2);
  EXPECT_EQ(CurrencyExponent("JPY"), 0);
  EXPECT_EQ(CurrencyExponent("KRW"), 0);
  EXPECT_EQ(CurrencyExponent("VND"), 0);
  EXPECT_EQ(CurrencyExponent("BHD"), 3);
  EXPECT_EQ(CurrencyExponent("KWD"), 3);
  EXPECT_EQ(CurrencyExponent("CLF"), 4);
  // Where ICU's table disagrees with ISO 4217 (ICU says 0 for all four).
  EXPECT_EQ(CurrencyExponent("MMK"), 2);
  EXPECT_EQ(CurrencyExponent("LAK"), 2);
  EXPECT_EQ(CurrencyExponent("IQD"), 3);
  EXPECT_EQ(CurrencyExponent("RSD"), 2);
}

TEST(CurrencyExponentTest, NoneForCodesWithoutMinorUnitOrNotCurrencies) {
  for (const char* code : {"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XBA", "XSU", "XUA"}) {
    EXPECT_TRUE(IsCurrencyCode(code)) << code;
    EXPECT_EQ(CurrencyExponent(code), std::nullopt) << code;
  }
  for (const char* code : {"RMB", "cny", "", "HRK"}) {
    EXPECT_EQ(CurrencyExponent(code), std::nullopt) << code;
  }
}

TEST(CurrencyExponentTest, EveryActiveCodeHasAKnownExponentOrNone) {
  int with = 0, without = 0;
  std::string code(3, 'A');
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      for (char c = 'A'; c <= 'Z'; ++c) {
        code = {a, b, c};
        const std::optional<int> e = CurrencyExponent(code);
        if (e) {
          EXPECT_TRUE(IsCurrencyCode(code)) << code;
          EXPECT_TRUE(*e == 0 || *e == 2 || *e == 3 || *e == 4) << code;
          ++with;
        } else if (IsCurrencyCode(code)) {
          ++without;
        }
      }
    }
  }
  EXPECT_EQ(with + without, 182);
  EXPECT_EQ(without, 13);
}

TEST(MinorUnitsToDecimalTest, PlacesTheDecimalPoint) {
  EXPECT_EQ(MinorUnitsToDecimal("2796000000", 2), "27960000.00");
  EXPECT_EQ(MinorUnitsToDecimal("2796000050", 2), "27960000.50");
  EXPECT_EQ(MinorUnitsToDecimal("5", 3), "0.005");
  EXPECT_EQ(MinorUnitsToDecimal("-5", 3), "-0.005");
  EXPECT_EQ(MinorUnitsToDecimal("1500", 0), "1500");
  EXPECT_EQ(MinorUnitsToDecimal("0", 2), "0.00");
  EXPECT_EQ(MinorUnitsToDecimal("-0", 2), "0.00");
  EXPECT_EQ(MinorUnitsToDecimal("007", 2), "0.07");
  // Aggregates beyond int64 stay exact.
  EXPECT_EQ(MinorUnitsToDecimal("123456789012345678901234", 2), "1234567890123456789012.34");
  EXPECT_EQ(MinorUnitsToDecimal("12x", 2), "");
  EXPECT_EQ(MinorUnitsToDecimal("", 2), "");
  EXPECT_EQ(MinorUnitsToDecimal("-", 2), "");
}

TEST(FormatMoneyTest, MajorUnitsWithThousands) {
  EXPECT_EQ(FormatMoney("CNY", 2796000000LL), "CNY 27,960,000.00");
  EXPECT_EQ(FormatMoney("CNY", 2796000050LL), "CNY 27,960,000.50");
  EXPECT_EQ(FormatMoney("JPY", 1500LL), "JPY 1,500");
  EXPECT_EQ(FormatMoney("BHD", 1234567LL), "BHD 1,234.567");
  EXPECT_EQ(FormatMoney("BHD", 5LL), "BHD 0.005");
  EXPECT_EQ(FormatMoney("USD", -123456LL), "USD -1,234.56");
  EXPECT_EQ(FormatMoney("USD", "100000000000000000000"), "USD 1,000,000,000,000,000,000.00");
}

TEST(FormatMoneyTest, CurrencyWithoutMinorUnitShowsMarkedInteger) {
  EXPECT_EQ(FormatMoney("XAU", 1234LL), "XAU 1,234 (minor units; XAU has no ISO 4217 minor unit)");
  EXPECT_EQ(FormatMoney("RMB", 10LL), "RMB 10 (minor units; RMB is not an ISO 4217 currency)");
}

TEST(ThousandsTest, OneStyle) {
  EXPECT_EQ(Thousands("1719796"), "1,719,796");
  EXPECT_EQ(Thousands("582000"), "582,000");
  EXPECT_EQ(Thousands("999"), "999");
  EXPECT_EQ(Thousands("-1000"), "-1,000");
  EXPECT_EQ(Thousands("0"), "0");
  EXPECT_EQ(Thousands("abc"), "abc");
}

// A format-1 record stored before currencies without a minor unit were
// refused still migrates to format 2 (migration re-validates every record),
// and its amount keeps its recorded integer.
TEST(OldAmountsTest, AFormat1RecordInXauStillMigrates) {
  testing_support::TempDir dir;
  enforcement::v1::Event event;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"eventId": "x-xau", "stream": "case/c1", "occurredAt": "2024-06-01T00:00:00Z",
                      "occurredPrecision": "PRECISION_MONTH",
                      "source": {"publisher": "Test Desk", "reference": "money_test"},
                      "recordedBy": "money_test",
                      "sentencing": {"caseId": "c1", "suspectId": "s1", "offences": ["fraud"],
                                     "prisonMonths": "12",
                                     "amountDefrauded": {"currency": "XAU", "minorUnits": "5"}}})",
                  &event)
                  .ok());
  EXPECT_FALSE(ValidateNewAmounts(event).ok());
  {
    OpenOptions o;
    o.create_if_missing = true;
    o.origin = "old.example/log";
    o.format_version = 1;
    auto db = Ledger::Open(dir.Sub("old"), o);
    ASSERT_TRUE(db.ok()) << db.status();
    // The log's own validation accepts it (as it did when it was stored).
    auto appended = (*db)->AppendEvents({event});
    ASSERT_TRUE(appended.ok()) << appended.status();
  }
  ingest::MigrateOptions m;
  m.from = dir.Sub("old");
  m.to = dir.Sub("new");
  m.origin = "new.example/log";
  ingest::MigrateOutcome out = ingest::MigrateToFormat2(m);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.report.records, 1u);
  EXPECT_EQ(FormatMoney("XAU", 5LL), "XAU 5 (minor units; XAU has no ISO 4217 minor unit)");
}

// import and append refuse a new amount in XAU, in both formats, writing nothing.
TEST(OldAmountsTest, ImportAndAppendRefuseANewAmountWithoutMinorUnit) {
  const std::string line =
      R"({"eventId": "x-xau", "stream": "case/c1", "occurredAt": "2024-06-01T00:00:00Z", )"
      R"("occurredPrecision": "PRECISION_MONTH", "source": {"publisher": "Desk", "reference": "t"}, )"
      R"("recordedBy": "t", "sentencing": {"caseId": "c1", "suspectId": "s1", "offences": ["fraud"], )"
      R"("prisonMonths": "12", "amountDefrauded": {"currency": "XXX", "minorUnits": "5"}}})"
      "\n";
  for (const char* format : {"1", "2"}) {
    testing_support::TempDir dir;
    const std::string ledger = absl::StrCat(testing_support::Quote(testing_support::LedgerBinary()),
                                            " --db ", testing_support::Quote(dir.Sub("db")), " ");
    ASSERT_EQ(testing_support::RunCommand(
                  absl::StrCat(ledger, "init --origin t.example/l --format ", format))
                  .exit_code,
              0);
    for (const char* command : {"import -", "append --stream case/c1"}) {
      testing_support::CommandResult r =
          testing_support::RunCommand(absl::StrCat(ledger, command), line);
      EXPECT_EQ(r.exit_code, 3) << format << " " << command << ": " << r.err;
      EXPECT_NE(r.err.find("\"XXX\" has no ISO 4217 minor unit"), std::string::npos) << r.err;
    }
    testing_support::CommandResult head = testing_support::RunCommand(absl::StrCat(ledger, "head"));
    EXPECT_NE(head.out.find("tree size:         0"), std::string::npos) << head.out;
  }
}

}  // namespace
}  // namespace ledger
