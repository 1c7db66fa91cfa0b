// ledger/money.h: ISO 4217 exponents and amounts in major units.
#include <string>

#include "gtest/gtest.h"
#include "ledger/money.h"
#include "ledger/validate.h"

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

TEST(GroupThousandsTest, OneStyle) {
  EXPECT_EQ(GroupThousands("1719796"), "1,719,796");
  EXPECT_EQ(GroupThousands("582000"), "582,000");
  EXPECT_EQ(GroupThousands("999"), "999");
  EXPECT_EQ(GroupThousands("-1000"), "-1,000");
  EXPECT_EQ(GroupThousands("0"), "0");
  EXPECT_EQ(GroupThousands("abc"), "abc");
}

}  // namespace
}  // namespace ledger
