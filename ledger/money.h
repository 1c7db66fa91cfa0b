// Money as people read it: ISO 4217 minor-unit exponents and the text of an
// amount in major units.
//
// Amounts are recorded in minor units (enforcement.v1.Money.minor_units:
// fen for CNY, yen for JPY, fils for BHD). A currency's exponent says how many
// of its minor units make one major unit (10^exponent). The table is ISO 4217
// Table A.1 kept in this project (ledger/money.cc says its source and date),
// not ICU's: ICU's exponents differ from ISO 4217 for MMK, LAK, IQD and RSD,
// currencies this ledger meets.
//
// Currencies with no minor unit in ISO 4217 ("N.A.": precious metals such as
// XAU, bond units, XDR, the testing code XTS and "no currency" XXX) have no
// exponent. New events with such an amount are refused (ledger/validate.h);
// an existing ledger that recorded one shows its minor units as a bare
// integer, marked as such.
//
// Thread-safe: pure functions over constant tables.
#ifndef ENFORCEMENT_LEDGER_MONEY_H_
#define ENFORCEMENT_LEDGER_MONEY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger {

// The ISO 4217 minor-unit exponent of `currency` (0, 2, 3 or 4), or nullopt
// when `currency` is not an active ISO 4217 code (IsCurrencyCode) or has no
// minor unit ("N.A." in Table A.1).
std::optional<int> CurrencyExponent(absl::string_view currency);

// Where the exponent table comes from, for docs and `--version`-style output.
absl::string_view CurrencyTableSource();

// `minor_units` (a decimal integer: optional '-', then digits, as
// projections::SumText and the JSON answers write it) in major units with
// `exponent` decimals and no separators: ("2796000000", 2) -> "27960000.00",
// ("-5", 3) -> "-0.005", ("1500", 0) -> "1500". Returns "" when `minor_units`
// is not such an integer.
std::string MinorUnitsToDecimal(absl::string_view minor_units, int exponent);

// The text of an amount for people: the currency code, then the amount in
// major units with thousands separators: "CNY 27,960,000.00", "JPY 1,500",
// "BHD 0.005". A currency without an exponent shows its recorded integer:
// "XAU 1,234 (minor units; XAU has no ISO 4217 minor unit)". An input that is
// not a decimal integer is shown as given, after the code.
std::string FormatMoney(absl::string_view currency, absl::string_view minor_units);
// The same for an int64 amount (enforcement.v1.Money).
std::string FormatMoney(absl::string_view currency, long long minor_units);

// Thousands separators: ledger::Thousands (util/text.h), the one style.

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_MONEY_H_
