// util/: the shared pieces every library uses (UTF-8, error details, the
// answers' JSON).
#include <string>

#include "absl/time/civil_time.h"
#include "enforcement/api/v1/error.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/answer_json.h"
#include "util/error_detail.h"
#include "util/json_quote.h"
#include "util/time_format.h"
#include "util/utf8.h"

namespace util {
namespace {

using ::testing::HasSubstr;

TEST(Utf8Test, FindsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("plain"), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xc3\xa9"), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xc0\xafz"), 2u);          // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("a\xed\xa0\x80"), 1u);        // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);     // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xe2\x82"), 2u);           // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
  // The eight-byte ASCII steps find a bad byte at any offset.
  const std::string ascii(37, 'a');
  for (size_t at = 0; at <= ascii.size(); ++at) {
    EXPECT_EQ(FindInvalidUtf8(ascii.substr(0, at) + "\x80" + ascii), at);
  }
}

TEST(Utf8Test, ChecksJsonStringTokens) {
  struct Case {
    std::string token;
    const char* rule;  // nullptr: well-formed
    size_t pos;        // the token's length, or the offending byte
  };
  const Case cases[] = {
      {"\"plain\" tail", nullptr, 7},
      {"\"a\\\"b\\\\\\/\\b\\f\\n\\r\\t\"", nullptr, 20},
      {"\"\\u00e9\\ud83d\\ude00\"", nullptr, 20},
      {"\"open", "unterminated string", 0},
      {"\"open\\", "unterminated string", 0},
      {"\"a\x01\"", "control character in a string (must be escaped)", 2},
      {"\"a\\x\"", "invalid escape in a string", 2},
      {"\"\\u12\"}", "invalid \\u escape: expected 4 hex digits", 3},
      {"\"\\u12", "truncated \\u escape", 3},
      {"\"x\\udc00\"", "lone low surrogate in \\u escape", 2},
      {"\"\\ud800\"", "high surrogate in \\u escape not followed by a low surrogate", 1},
      {"\"\\ud800\\u0041\"", "high surrogate in \\u escape not followed by a low surrogate", 1},
      {"\"\\ud800\\uzzzz\"", "invalid \\u escape: expected 4 hex digits", 9},
  };
  for (const Case& c : cases) {
    size_t pos = 99;
    const char* rule = CheckJsonString(c.token, &pos);
    if (c.rule == nullptr) {
      EXPECT_EQ(rule, nullptr) << c.token << ": " << rule;
    } else {
      EXPECT_STREQ(rule, c.rule) << c.token;
    }
    EXPECT_EQ(pos, c.pos) << c.token;
  }
}

TEST(ErrorDetailTest, RoundTripsAndMerges) {
  ErrorDetail d;
  d.set_reason("invalid_event");
  d.set_event_index(3);
  d.set_field_path("raid.place");
  absl::Status s = WithErrorDetail(absl::InvalidArgumentError("bad"), d);
  ASSERT_TRUE(GetErrorDetail(s).has_value());
  EXPECT_EQ(*FailedEventIndex(s), 3u);
  ErrorDetail more;
  more.set_file("in.ndjson");
  more.set_line(7);
  s = AddErrorDetail(s, more);
  EXPECT_EQ(GetErrorDetail(s)->file(), "in.ndjson");
  EXPECT_EQ(GetErrorDetail(s)->field_path(), "raid.place");
  EXPECT_FALSE(FailedEventIndex(absl::InvalidArgumentError("plain")).has_value());
  EXPECT_TRUE(WithErrorDetail(absl::OkStatus(), d).ok());
}

TEST(ErrorDetailTest, LockContentionIsUnavailableWithALockReason) {
  ErrorDetail d;
  d.set_reason("writer_lock_held");
  EXPECT_TRUE(IsLockContention(WithErrorDetail(absl::UnavailableError("held"), d)));
  EXPECT_FALSE(IsLockContention(absl::UnavailableError("cannot read: EIO")));
  EXPECT_FALSE(IsLockContention(WithErrorDetail(absl::InternalError("held"), d)));
}

TEST(JsonQuoteTest, EscapesWhatActsOnATerminal) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(JsonQuote("\x1b[2J\x7f"), R"("\u001b[2J\u007f")");
  EXPECT_EQ(JsonQuote("x\xe2\x80\xaey"), R"("x\u202ey")");  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(JsonQuote("\xc2\x85"), R"("\u0085")");          // C1 NEL
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");   // ordinary UTF-8 kept
}

TEST(AnswerJsonTest, PrintsProtoNamesAllFieldsAndEscapesBidi) {
  ErrorDetail d;
  d.set_reason("x\xe2\x80\xaey\x7f");
  absl::StatusOr<std::string> json = AnswerJson(d);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr(R"("reason":"x\u202ey\u007f")"));
  EXPECT_THAT(*json, HasSubstr(R"("field_path":"")"));     // primitive fields always printed
  EXPECT_THAT(*json, HasSubstr(R"("line":"0")"));          // uint64 as a string
  EXPECT_THAT(*json, HasSubstr(R"("column":0)"));          // uint32 as a number
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("event_index")));  // optional, unset
}

}  // namespace
}  // namespace util

namespace util {
namespace {

TEST(TimeFormatTest, Rfc3339AndPrecisionsWithFourDigitYears) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(1709632800);  // 2024-03-05T10:00:00Z
  ts.set_nanos(250000000);
  EXPECT_EQ(FormatRfc3339(ts), "2024-03-05T10:00:00.25Z");
  EXPECT_EQ(FormatAtPrecision(ts, enforcement::v1::PRECISION_DAY), "2024-03-05");
  EXPECT_EQ(FormatAtPrecision(ts, enforcement::v1::PRECISION_MONTH), "2024-03");
  EXPECT_EQ(FormatAtPrecision(ts, enforcement::v1::PRECISION_YEAR), "2024");
  EXPECT_EQ(FormatAtPrecision(ts, enforcement::v1::PRECISION_EXACT), "2024-03-05T10:00:00.25Z");
  // Year 5 (valid: years 0001-9999): RFC 3339 wants four digits.
  const absl::Time early =
      absl::FromCivil(absl::CivilSecond(5, 3, 4, 1, 2, 3), absl::UTCTimeZone());
  EXPECT_EQ(FormatRfc3339(early), "0005-03-04T01:02:03Z");
  EXPECT_EQ(FormatAtPrecision(absl::ToUnixSeconds(early), 0, enforcement::v1::PRECISION_YEAR),
            "0005");
  EXPECT_EQ(FormatRfc3339(absl::InfinitePast()), "-");
}

}  // namespace
}  // namespace util
