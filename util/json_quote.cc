#include "util/json_quote.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace util {
namespace {

// The \uXXXX escape of the multi-byte UTF-8 character at s[i] when it is a
// C1 control, a bidirectional control or a line/paragraph separator, with
// its length in *len; 0 otherwise.
uint32_t EscapedCodePoint(absl::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto at = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  if (b0 == 0xC2 && at(1) >= 0x80 && at(1) <= 0x9F) {
    *len = 2;
    return at(1);  // U+0080..U+009F
  }
  if (b0 == 0xD8 && at(1) == 0x9C) {
    *len = 2;
    return 0x061C;
  }
  if (b0 == 0xE2 && (at(1) == 0x80 || at(1) == 0x81)) {
    const uint32_t cp = 0x2000 | ((at(1) & 0x3F) << 6) | (at(2) & 0x3F);
    if ((at(2) & 0xC0) == 0x80 &&
        (cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069))) {
      *len = 3;
      return cp;
    }
  }
  return 0;
}

}  // namespace

void AppendJsonQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          absl::StrAppendFormat(out, "\\u%04x", u);
        } else if (u >= 0x80) {
          size_t len = 0;
          if (const uint32_t cp = EscapedCodePoint(s, i, &len); cp != 0) {
            absl::StrAppendFormat(out, "\\u%04x", cp);
            i += len - 1;
          } else {
            out->push_back(c);
          }
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string JsonQuote(absl::string_view s) {
  std::string out;
  AppendJsonQuoted(s, &out);
  return out;
}

void EscapeUnsafeCharactersInJson(std::string* json) {
  const std::string& in = *json;
  size_t i = 0;
  // Fast path: most answers are ASCII without DEL.
  while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x7F) ++i;
  if (i == in.size()) return;
  std::string out(in, 0, i);
  for (; i < in.size(); ++i) {
    const auto u = static_cast<unsigned char>(in[i]);
    if (u == 0x7F) {
      out.append("\\u007f");
      continue;
    }
    if (u >= 0x80) {
      size_t len = 0;
      if (const uint32_t cp = EscapedCodePoint(in, i, &len); cp != 0) {
        absl::StrAppendFormat(&out, "\\u%04x", cp);
        i += len - 1;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  *json = std::move(out);
}

}  // namespace util
