// Pieces of JSON text handling: \u escapes and UTF-8 encoding of code
// points, for util::CheckJsonString (util/utf8.h) and the proof JSON decoder
// (merkle/proof_json.cc). Event JSON is read by simdjson
// (ingest/import_json.cc), which unescapes strings itself.
#ifndef ENFORCEMENT_UTIL_JSON_TEXT_H_
#define ENFORCEMENT_UTIL_JSON_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger::json_text {

// The value of a hex digit (either case), or -1.
inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at the start of `s` (a \u escape's), or false if there
// are fewer than four or one is not a hex digit.
inline bool Hex4(absl::string_view s, uint32_t* out) {
  if (s.size() < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = HexDigit(s[i]);
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

// The character a one-letter JSON escape (the letter after '\\') stands
// for, appended to `out`; false if `e` is not one of " \\ / b f n r t
// (\\u is handled by the caller).
inline bool AppendSimpleEscape(char e, std::string* out) {
  switch (e) {
    case '"': out->push_back('"'); return true;
    case '\\': out->push_back('\\'); return true;
    case '/': out->push_back('/'); return true;
    case 'b': out->push_back('\b'); return true;
    case 'f': out->push_back('\f'); return true;
    case 'n': out->push_back('\n'); return true;
    case 'r': out->push_back('\r'); return true;
    case 't': out->push_back('\t'); return true;
    default: return false;
  }
}

inline bool IsHighSurrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
inline bool IsLowSurrogate(uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }
// The code point of a surrogate pair. REQUIRES: IsHighSurrogate(hi), IsLowSurrogate(lo).
inline uint32_t CombineSurrogates(uint32_t hi, uint32_t lo) {
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

// Appends the UTF-8 encoding of code point `cp` (REQUIRES: cp <= 0x10FFFF,
// not a surrogate).
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace ledger::json_text

#endif  // ENFORCEMENT_UTIL_JSON_TEXT_H_
