// UTF-8 well-formedness (RFC 3629): the one check every reader of outside
// text uses (event JSON, CSV cells, signed notes, proof JSON). JSON parsers
// are not trusted with it: simdjson reports no offset for invalid UTF-8 and
// RapidJSON accepts a lone surrogate escape.
//
// Pure functions; thread-safe; no allocation.
#ifndef ENFORCEMENT_UTIL_UTF8_H_
#define ENFORCEMENT_UTIL_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace util {

// The byte offset of the first byte of `s` that is not well-formed UTF-8
// (no overlong forms, no surrogates U+D800..U+DFFF, at most U+10FFFF), or
// absl::string_view::npos when all of `s` is.
size_t FindInvalidUtf8(absl::string_view s);

// Checks the JSON string token at the start of `s` (s[0] is its opening
// '"') the way RFC 8259 and the strict readers want it: closed before the end
// of `s`, no raw control character (U+0000..U+001F), only the escapes
// \" \\ \/ \b \f \n \r \t \uXXXX, and no \u escape that leaves a lone
// surrogate (a high one not followed by a \u low one, or a low one alone) —
// which simdjson and RapidJSON do not all refuse, or refuse without an offset.
// Returns nullptr when the token is well-formed, with *pos its length
// (quotes included). Otherwise returns the rule broken and sets *pos to the
// offset of the offending byte: the opening quote for "unterminated string",
// the backslash of a bad escape, the first digit of a bad \u escape.
const char* CheckJsonString(absl::string_view s, size_t* pos);

// Whether all of `s` is well-formed UTF-8.
inline bool IsValidUtf8(absl::string_view s) {
  return FindInvalidUtf8(s) == absl::string_view::npos;
}

}  // namespace util

#endif  // ENFORCEMENT_UTIL_UTF8_H_
