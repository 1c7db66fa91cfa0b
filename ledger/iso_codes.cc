// ISO 3166-1 alpha-2 and ISO 4217 code lists, and O(1) membership tests.
//
// Sources: the country list is the 249 officially assigned ISO 3166-1 alpha-2
// codes (user-assigned codes such as XK and exceptionally reserved ones such
// as UK or EU are not countries here). The currency list is ISO 4217 Table
// A.1 (current currency and funds codes) as shipped by Debian's iso-codes
// 4.15, without HRK (withdrawn when Croatia adopted the euro on 2023-01-01)
// and with the codes added since: ZWG (Zimbabwe Gold, 2024) and XCG
// (Caribbean guilder, 2025). Codes in their withdrawal transition (ANG, SLL,
// ZWL) are still accepted. Update both lists by hand when the standards
// change; the static_asserts below keep them sorted and well-formed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/strings/string_view.h"
#include "ledger/validate.h"

namespace ledger {
namespace {

inline constexpr std::array<std::string_view, 249> kCountryCodes = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

inline constexpr std::array<std::string_view, 182> kCurrencyCodes = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR",
    "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
};

constexpr bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Every entry is `width` upper-case letters, and the list is strictly sorted.
template <size_t N>
constexpr bool WellFormed(const std::array<std::string_view, N>& codes, size_t width) {
  for (size_t i = 0; i < N; ++i) {
    if (codes[i].size() != width) return false;
    for (char c : codes[i]) {
      if (!IsUpper(c)) return false;
    }
    if (i > 0 && !(codes[i - 1] < codes[i])) return false;
  }
  return true;
}
static_assert(WellFormed(kCountryCodes, 2), "country codes: 2 upper-case letters, sorted, unique");
static_assert(WellFormed(kCurrencyCodes, 3),
              "currency codes: 3 upper-case letters, sorted, unique");

// A code of `width` upper-case letters as a number in base 26.
constexpr size_t CodeIndex(std::string_view code) {
  size_t index = 0;
  for (char c : code) index = index * 26 + static_cast<size_t>(c - 'A');
  return index;
}

// A bit per possible code: the lists compiled into a constant-time lookup.
template <size_t kBits>
using CodeBitmap = std::array<uint64_t, (kBits + 63) / 64>;

template <size_t kBits, size_t N>
constexpr CodeBitmap<kBits> BuildBitmap(const std::array<std::string_view, N>& codes) {
  CodeBitmap<kBits> bits{};
  for (std::string_view code : codes) {
    const size_t i = CodeIndex(code);
    bits[i / 64] |= uint64_t{1} << (i % 64);
  }
  return bits;
}

inline constexpr size_t kCountryBits = 26 * 26;
inline constexpr size_t kCurrencyBits = 26 * 26 * 26;
inline constexpr CodeBitmap<kCountryBits> kCountryBitmap = BuildBitmap<kCountryBits>(kCountryCodes);
inline constexpr CodeBitmap<kCurrencyBits> kCurrencyBitmap =
    BuildBitmap<kCurrencyBits>(kCurrencyCodes);

// absl::string_view is not std::string_view in every Abseil build (Debian's
// is its own class), so the constexpr tables use std::string_view and the
// API converts.
template <size_t kWords>
bool InBitmap(const std::array<uint64_t, kWords>& bits, absl::string_view abseil_code,
              size_t width) {
  const std::string_view code(abseil_code.data(), abseil_code.size());
  if (code.size() != width) return false;
  for (char c : code) {
    if (!IsUpper(c)) return false;
  }
  const size_t i = CodeIndex(code);
  return (bits[i / 64] >> (i % 64)) & 1;
}

}  // namespace

bool IsCountryCode(absl::string_view code) { return InBitmap(kCountryBitmap, code, 2); }

bool IsCurrencyCode(absl::string_view code) { return InBitmap(kCurrencyBitmap, code, 3); }

}  // namespace ledger
