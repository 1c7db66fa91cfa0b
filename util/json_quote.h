// Writing JSON strings that are safe to show: the one quoting rule of every
// JSON the product writes by hand (the rejects file, the CLI's remaining
// hand-written answers) and the post-pass of util::AnswerJson.
//
// Beyond RFC 8259's required escapes, characters that would act on a
// terminal or reorder displayed text are escaped as \uXXXX: C0 controls and
// DEL, C1 controls (U+0080..U+009F), the bidirectional controls (U+061C,
// U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the line and
// paragraph separators (U+2028, U+2029). The JSON value is unchanged.
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_UTIL_JSON_QUOTE_H_
#define ENFORCEMENT_UTIL_JSON_QUOTE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace util {

// Appends `s` as a quoted JSON string to *out.
void AppendJsonQuoted(absl::string_view s, std::string* out);

// `s` as a quoted JSON string.
std::string JsonQuote(absl::string_view s);

// Rewrites, in JSON text `json` (as a JSON printer wrote it), every DEL, C1
// control, bidirectional control and line/paragraph separator as its \uXXXX
// escape. Such characters can only stand inside strings in printed JSON,
// where the escape denotes the same character.
void EscapeUnsafeCharactersInJson(std::string* json);

}  // namespace util

#endif  // ENFORCEMENT_UTIL_JSON_QUOTE_H_
