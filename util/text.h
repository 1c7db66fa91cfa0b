// The text rules of SPEC §8 ("text fields carry no control characters"),
// shared by validation (ledger/validate.cc) and by everything that prints
// text from the log (the CLI's tables, error messages).
//
// Pure functions of their arguments; thread-safe; no allocation except the
// escaped strings returned.
#ifndef ENFORCEMENT_UTIL_TEXT_H_
#define ENFORCEMENT_UTIL_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger {

// A character a text rule refuses, found in a string.
struct TextFault {
  size_t offset = absl::string_view::npos;  // byte offset; npos: none found
  uint32_t code_point = 0;
  bool bidi = false;  // a bidirectional control rather than a control character
  bool found() const { return offset != absl::string_view::npos; }
};

// The first control character of `s`: C0 (U+0000..U+001F), DEL (U+007F) or
// C1 (U+0080..U+009F, as UTF-8). Every text field of an event is free of
// them.
TextFault FindControlCharacter(absl::string_view s);

// The first control character or bidirectional control of `s`. The
// bidirectional controls are ALM U+061C, LRM U+200E, RLM U+200F, the
// embeddings and overrides U+202A..U+202E and the isolates U+2066..U+2069:
// identifiers (event ids, streams, suspect, operation and case ids, metric
// names) are free of them, so that an id displays as the bytes it is.
TextFault FindControlOrBidi(absl::string_view s);

// `s` with every character that does not print escaped, for a terminal or
// a message: control characters as C escapes (\n, \r, \t, else \xNN),
// C1 and bidirectional controls as \uNNNN, bytes that are not UTF-8 as
// \xNN. Everything else (printable ASCII, other UTF-8) is kept. With
// `quoted`, `\`, `"` and `'` are escaped too (the form inside quotes, which
// reads back unambiguously); without, they are kept (display text).
std::string EscapeText(absl::string_view s, bool quoted = false);

// Whether EscapeText(s, false) differs from `s`: a fast check for the
// common case of clean text.
bool NeedsEscape(absl::string_view s);

// The one number style of text output (docs/OUTPUT.md): thousands
// separators, a singular for exactly one, "about" for an approximate figure.
//
// "1,234,567" for a decimal integer string (optional '-', digits); other
// input is returned unchanged.
std::string Thousands(absl::string_view integer);
std::string Thousands(long long n);
// `one` when n is 1, else `many`: Plural(n, "raid", "raids").
std::string Plural(long long n, absl::string_view one, absl::string_view many);
// The count and its noun: "1 raid", "0 raids", "1,234 raids". The string
// form takes a decimal integer (e.g. a 128-bit sum as text).
std::string Counted(long long n, absl::string_view one, absl::string_view many);
std::string Counted(absl::string_view integer, absl::string_view one, absl::string_view many);
// An approximate figure: "about 48,000".
std::string Approximately(long long n);
std::string Approximately(absl::string_view integer);

}  // namespace ledger

#endif  // ENFORCEMENT_UTIL_TEXT_H_
