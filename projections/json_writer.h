// A small streaming JSON writer for the view structs' ToJson(). Produces
// compact JSON with keys in the order they are written. Strings are escaped
// per RFC 8259: control characters (C0, DEL, and C1 U+0080..U+009F) and the
// bidirectional controls (util/text.h) as \uXXXX, other bytes passed
// through, so valid UTF-8 in gives valid UTF-8 out, and no text of the log
// reaches a terminal that prints the JSON as a control.
//
// Not thread-safe; one writer per output string.
#ifndef ENFORCEMENT_PROJECTIONS_JSON_WRITER_H_
#define ENFORCEMENT_PROJECTIONS_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"

namespace projections {

class JsonWriter {
 public:
  JsonWriter() = default;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The key of the next value inside an object.
  JsonWriter& Key(absl::string_view key);
  JsonWriter& String(absl::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  // A 128-bit integer as an exact decimal number (JSON numbers have no
  // range; a reader that maps them to doubles loses digits beyond 2^53).
  JsonWriter& Int128(absl::int128 v);
  JsonWriter& Bool(bool b);
  JsonWriter& Null();
  // Inserts already-serialized JSON as one value. REQUIRES: `json` is valid JSON.
  JsonWriter& Raw(absl::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();
  std::string out_;
  // One entry per open container: true once it has an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// `s` as a quoted JSON string.
std::string JsonQuote(absl::string_view s);

// Appends `v` in decimal ("-170141183460469231731687303715884105728" at the
// least) to `out`.
void AppendDecimal(absl::int128 v, std::string* out);

}  // namespace projections

#endif  // ENFORCEMENT_PROJECTIONS_JSON_WRITER_H_
