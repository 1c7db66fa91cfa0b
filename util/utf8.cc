#include "util/utf8.h"

#include <cstdint>
#include <cstring>

#include "util/json_text.h"

namespace util {

size_t FindInvalidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      // ASCII runs eight bytes at a time.
      uint64_t word;
      while (i + 8 <= n) {
        std::memcpy(&word, p + i, 8);
        if (word & 0x8080808080808080ULL) break;
        i += 8;
      }
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                          (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return absl::string_view::npos;
}

const char* CheckJsonString(absl::string_view s, size_t* pos) {
  namespace jt = ledger::json_text;
  const size_t n = s.size();
  size_t i = 1;
  uint32_t cp = 0;
  while (true) {
    while (i < n && s[i] != '"' && s[i] != '\\' && static_cast<unsigned char>(s[i]) >= 0x20) ++i;
    if (i >= n) {
      *pos = 0;
      return "unterminated string";
    }
    if (s[i] == '"') {
      *pos = i + 1;
      return nullptr;
    }
    if (s[i] != '\\') {
      *pos = i;
      return "control character in a string (must be escaped)";
    }
    const size_t at = i;
    if (i + 1 >= n) {
      *pos = 0;
      return "unterminated string";
    }
    const char e = s[i + 1];
    i += 2;
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
        e == 't') {
      continue;
    }
    if (e != 'u') {
      *pos = at;
      return "invalid escape in a string";
    }
    if (n - i < 4) {
      *pos = i;
      return "truncated \\u escape";
    }
    if (!jt::Hex4(s.substr(i, 4), &cp)) {
      *pos = i;
      return "invalid \\u escape: expected 4 hex digits";
    }
    i += 4;
    if (jt::IsLowSurrogate(cp)) {
      *pos = at;
      return "lone low surrogate in \\u escape";
    }
    if (!jt::IsHighSurrogate(cp)) continue;
    if (n - i < 2 || s[i] != '\\' || s[i + 1] != 'u') {
      *pos = at;
      return "high surrogate in \\u escape not followed by a low surrogate";
    }
    i += 2;
    if (n - i < 4) {
      *pos = i;
      return "truncated \\u escape";
    }
    if (!jt::Hex4(s.substr(i, 4), &cp)) {
      *pos = i;
      return "invalid \\u escape: expected 4 hex digits";
    }
    i += 4;
    if (!jt::IsLowSurrogate(cp)) {
      *pos = at;
      return "high surrogate in \\u escape not followed by a low surrogate";
    }
  }
}

}  // namespace util
