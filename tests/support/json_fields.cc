#include "tests/support/json_fields.h"

#include "absl/strings/numbers.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace testing_support {

std::string NdjsonLine(const enforcement::v1::Event& e) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(e, &json).ok());
  return json + "\n";
}

google::protobuf::Struct ParseJsonObject(const std::string& text) {
  google::protobuf::Struct s;
  auto status = google::protobuf::util::JsonStringToMessage(text, &s);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << text;
  return s;
}

double NumberField(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  EXPECT_NE(it, s.fields().end()) << "no field " << key;
  return it == s.fields().end() ? -1 : it->second.number_value();
}

std::string StringField(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  EXPECT_NE(it, s.fields().end()) << "no field " << key;
  return it == s.fields().end() ? "" : it->second.string_value();
}

uint64_t Uint64Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  EXPECT_NE(it, s.fields().end()) << "no field " << key;
  if (it == s.fields().end()) return 0;
  EXPECT_EQ(it->second.kind_case(), google::protobuf::Value::kStringValue)
      << key << " is not printed as a string, as 64-bit integers are";
  uint64_t v = 0;
  EXPECT_TRUE(absl::SimpleAtoi(it->second.string_value(), &v))
      << key << " = \"" << it->second.string_value() << "\" is not a decimal integer";
  return v;
}

}  // namespace testing_support
