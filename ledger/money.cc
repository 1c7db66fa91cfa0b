// ISO 4217 minor units. Source: ISO 4217 Table A.1 ("list one": current
// currency and funds codes, column "Minor unit"), as maintained by SIX on
// behalf of ISO, in the 2025 edition that added XCG; transcribed for this
// project on 2026-12-03. Every code of ledger::IsCurrencyCode (ledger/
// iso_codes.cc) has exponent 2 unless listed below; tests/money_test.cc
// checks both lists name only active codes. ICU's table is not used: it says
// 0 for MMK, LAK, IQD and RSD where ISO 4217 says 2, 2, 3 and 2.
#include "ledger/money.h"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ledger/validate.h"
#include "util/text.h"

namespace ledger {
namespace {

struct Exponent {
  std::string_view code;
  int exponent;
};

// Codes whose minor unit is not 2, sorted.
inline constexpr std::array<Exponent, 26> kNotTwo = {{
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
    {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
    {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
    {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
}};

// Codes whose minor unit is "N.A.", sorted.
inline constexpr std::array<std::string_view, 13> kNoMinorUnit = {
    "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX",
};

constexpr bool Sorted() {
  for (size_t i = 1; i < kNotTwo.size(); ++i) {
    if (!(kNotTwo[i - 1].code < kNotTwo[i].code)) return false;
  }
  for (size_t i = 1; i < kNoMinorUnit.size(); ++i) {
    if (!(kNoMinorUnit[i - 1] < kNoMinorUnit[i])) return false;
  }
  return true;
}
static_assert(Sorted(), "currency exponent tables: sorted, unique");

// Whether `s` is '-'? digit+ ; sets the sign and the digits.
bool SplitInteger(absl::string_view s, bool* negative, absl::string_view* digits) {
  *negative = !s.empty() && s.front() == '-';
  if (*negative) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  *digits = s;
  return true;
}

// The major and minor parts of |amount| at `exponent`: "2796000000", 2 ->
// {"27960000", "00"}.
void SplitAtExponent(absl::string_view digits, int exponent, std::string* major,
                     std::string* minor) {
  const size_t e = static_cast<size_t>(exponent);
  std::string padded(digits);
  if (padded.size() <= e) padded.insert(0, e + 1 - padded.size(), '0');
  *major = padded.substr(0, padded.size() - e);
  *minor = padded.substr(padded.size() - e);
}

bool IsZero(absl::string_view digits) { return digits == "0"; }

}  // namespace

std::optional<int> CurrencyExponent(absl::string_view currency) {
  if (!IsCurrencyCode(currency)) return std::nullopt;
  const std::string_view code(currency.data(), currency.size());
  for (std::string_view na : kNoMinorUnit) {
    if (na == code) return std::nullopt;
  }
  for (const Exponent& e : kNotTwo) {
    if (e.code == code) return e.exponent;
  }
  return 2;
}

absl::string_view CurrencyTableSource() {
  return "ISO 4217 Table A.1 (list one, minor units), 2025 edition; transcribed 2026-12-03";
}

std::string MinorUnitsToDecimal(absl::string_view minor_units, int exponent) {
  bool negative;
  absl::string_view digits;
  if (exponent < 0 || !SplitInteger(minor_units, &negative, &digits)) return "";
  std::string major, minor;
  SplitAtExponent(digits, exponent, &major, &minor);
  const char* sign = negative && !IsZero(digits) ? "-" : "";
  if (exponent == 0) return absl::StrCat(sign, major);
  return absl::StrCat(sign, major, ".", minor);
}

std::string FormatMoney(absl::string_view currency, absl::string_view minor_units) {
  bool negative;
  absl::string_view digits;
  if (!SplitInteger(minor_units, &negative, &digits)) {
    return absl::StrCat(currency, " ", minor_units);
  }
  const char* sign = negative && !IsZero(digits) ? "-" : "";
  const std::optional<int> exponent = CurrencyExponent(currency);
  if (!exponent) {
    return absl::StrCat(currency, " ", sign, Thousands(digits), " (minor units; ", currency,
                        IsCurrencyCode(currency) ? " has no ISO 4217 minor unit)"
                                                 : " is not an ISO 4217 currency)");
  }
  std::string major, minor;
  SplitAtExponent(digits, *exponent, &major, &minor);
  if (*exponent == 0) return absl::StrCat(currency, " ", sign, Thousands(major));
  return absl::StrCat(currency, " ", sign, Thousands(major), ".", minor);
}

std::string FormatMoney(absl::string_view currency, long long minor_units) {
  return FormatMoney(currency, absl::StrCat(minor_units));
}

}  // namespace ledger
