// JSON helpers for tests that run the CLI: an event as an NDJSON line, and
// the fields of a JSON object the CLI printed (--json). Failures are gtest
// failures (EXPECT), with a neutral value returned so that the test goes on.
#ifndef ENFORCEMENT_TESTS_SUPPORT_JSON_FIELDS_H_
#define ENFORCEMENT_TESTS_SUPPORT_JSON_FIELDS_H_

#include <string>

#include "enforcement/v1/event.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace testing_support {

// The canonical proto3 JSON of `e`, then "\n".
std::string NdjsonLine(const enforcement::v1::Event& e);
// `text` parsed as a JSON object (empty on failure).
google::protobuf::Struct ParseJsonObject(const std::string& text);
// The number / string at top-level `key` of `s` (-1 / "" when missing).
double NumberField(const google::protobuf::Struct& s, const std::string& key);
std::string StringField(const google::protobuf::Struct& s, const std::string& key);
// A 64-bit integer at top-level `key`, which answers print as a JSON string
// of decimal digits (docs/JSON.md); a test failure when it is anything else
// (a number included). 0 when missing or malformed.
uint64_t Uint64Field(const google::protobuf::Struct& s, const std::string& key);

// `json` (an answer the CLI printed with --json) parsed as the message T,
// strictly: a field T does not have fails the test (docs/JSON.md).
template <typename T>
T ParseAnswer(const std::string& json) {
  T answer;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &answer, options);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << json;
  return answer;
}

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_JSON_FIELDS_H_
