#include "projections/json_writer.h"

#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace projections {

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

void AppendQuoted(absl::string_view s, std::string* out) {
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

}  // namespace

std::string JsonQuote(absl::string_view s) {
  std::string out;
  AppendQuoted(s, &out);
  return out;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_.push_back(',');
    has_element_.back() = true;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_element_.push_back(false);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  has_element_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(absl::string_view key) {
  BeforeValue();
  AppendQuoted(key, &out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(absl::string_view s) {
  BeforeValue();
  AppendQuoted(s, &out_);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  absl::StrAppend(&out_, v);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  absl::StrAppend(&out_, v);
  return *this;
}

JsonWriter& JsonWriter::Int128(absl::int128 v) {
  BeforeValue();
  AppendDecimal(v, &out_);
  return *this;
}

void AppendDecimal(absl::int128 v, std::string* out) {
  if (v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max()) {
    absl::StrAppend(out, static_cast<int64_t>(v));
    return;
  }
  // |v| as unsigned: for the least value, -v overflows, but its bits are |v|.
  absl::uint128 m = v < 0 ? -absl::uint128(v) : absl::uint128(v);
  char digits[40];
  int n = 0;
  while (m != 0) {
    digits[n++] = static_cast<char>('0' + static_cast<int>(absl::Uint128Low64(m % 10)));
    m /= 10;
  }
  if (v < 0) out->push_back('-');
  while (n > 0) out->push_back(digits[--n]);
}

JsonWriter& JsonWriter::Bool(bool b) {
  BeforeValue();
  out_.append(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(absl::string_view json) {
  BeforeValue();
  out_.append(json.data(), json.size());
  return *this;
}

}  // namespace projections
