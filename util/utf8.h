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

// Whether all of `s` is well-formed UTF-8.
inline bool IsValidUtf8(absl::string_view s) {
  return FindInvalidUtf8(s) == absl::string_view::npos;
}

}  // namespace util

#endif  // ENFORCEMENT_UTIL_UTF8_H_
