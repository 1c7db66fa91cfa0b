#include "projections/json_writer.h"

#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/json_quote.h"

namespace projections {

std::string JsonQuote(absl::string_view s) { return util::JsonQuote(s); }

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
  util::AppendJsonQuoted(key, &out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(absl::string_view s) {
  BeforeValue();
  util::AppendJsonQuoted(s, &out_);
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
