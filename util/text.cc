#include "util/text.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger {
namespace {

// The UTF-8 sequence starting at s[i]: its length (2..4) with *cp set, or 0
// when the bytes there are not a well-formed sequence (overlong forms,
// surrogates and code points above U+10FFFF are not). REQUIRES: s[i] >= 0x80.
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t v, min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, v = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, v = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

bool IsBidiControl(uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// What a terminal must not be given raw: controls, bidirectional controls,
// and the line and paragraph separators U+2028, U+2029.
bool IsUnprintable(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || IsBidiControl(cp) || cp == 0x2028 ||
         cp == 0x2029;
}

// Whether the 8 bytes of `w` are all printable ASCII (0x20..0x7E): no byte
// below 0x20 and none above 0x7E (the "hasless"/"hasmore" bit tricks).
inline bool PlainAscii(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  const uint64_t below = (w - kOnes * 0x20) & ~w & kHigh;
  const uint64_t above = ((w + kOnes) | w) & kHigh;
  return (below | above) == 0;
}

template <bool kBidi>
TextFault Find(absl::string_view s) {
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    // The common case, clean ASCII text, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!PlainAscii(w)) break;
      i += 8;
    }
    if (i >= n) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) continue;  // the common case
    if (c < 0x20 || c == 0x7F) return TextFault{i, c, false};
    if (c == 0xC2) {  // U+0080..U+00BF: C1 is U+0080..U+009F
      if (i + 1 < n) {
        const auto next = static_cast<unsigned char>(s[i + 1]);
        if (next >= 0x80 && next <= 0x9F) return TextFault{i, next, false};
      }
      continue;
    }
    if (!kBidi) continue;
    if (c == 0xD8 && i + 1 < n && static_cast<unsigned char>(s[i + 1]) == 0x9C) {
      return TextFault{i, 0x061C, true};
    }
    if (c == 0xE2 && i + 2 < n) {
      uint32_t cp = 0;
      if (DecodeUtf8(s, i, &cp) == 3 && IsBidiControl(cp)) return TextFault{i, cp, true};
    }
  }
  return TextFault{};
}

void AppendHex(uint32_t v, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 0xF]);
}

}  // namespace

TextFault FindControlCharacter(absl::string_view s) { return Find<false>(s); }

TextFault FindControlOrBidi(absl::string_view s) { return Find<true>(s); }

bool NeedsEscape(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    if (c < 0x80) return true;
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0 || IsUnprintable(cp)) return true;
    i += len;
  }
  return false;
}

std::string EscapeText(absl::string_view s, bool quoted) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      if (quoted && (c == '\\' || c == '"' || c == '\'')) {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c >= 0x20 && c < 0x7F) {
        out.push_back(static_cast<char>(c));
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append("\\x");
        AppendHex(c, 2, &out);
      }
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {  // not UTF-8: the byte
      out.append("\\x");
      AppendHex(c, 2, &out);
      ++i;
    } else if (IsUnprintable(cp)) {
      out.append("\\u");
      AppendHex(cp, 4, &out);
      i += len;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

std::string Thousands(absl::string_view integer) {
  const size_t sign = !integer.empty() && integer[0] == '-' ? 1 : 0;
  if (integer.size() == sign) return std::string(integer);
  for (size_t i = sign; i < integer.size(); ++i) {
    if (integer[i] < '0' || integer[i] > '9') return std::string(integer);
  }
  std::string out(integer.substr(0, sign));
  const size_t digits = integer.size() - sign;
  for (size_t i = 0; i < digits; ++i) {
    if (i > 0 && (digits - i) % 3 == 0) out.push_back(',');
    out.push_back(integer[sign + i]);
  }
  return out;
}

std::string Thousands(long long n) { return Thousands(std::to_string(n)); }

std::string Plural(long long n, absl::string_view one, absl::string_view many) {
  return std::string(n == 1 ? one : many);
}

std::string Counted(long long n, absl::string_view one, absl::string_view many) {
  return Thousands(n) + " " + Plural(n, one, many);
}

std::string Counted(absl::string_view integer, absl::string_view one, absl::string_view many) {
  return Thousands(integer) + " " + std::string(integer == "1" ? one : many);
}

std::string Approximately(long long n) { return "about " + Thousands(n); }
std::string Approximately(absl::string_view integer) { return "about " + Thousands(integer); }

}  // namespace ledger
