// The one JSON style of every answer (import, audit and verify reports,
// query answers, error details) printed by the CLI's --json and returned by
// the coming gRPC API's JSON mapping: protobuf's printer with proto field
// names (snake_case), primitive fields always printed, enums by name. The
// style and what it means for scripts is docs/JSON.md. Characters that act
// on a terminal or reorder text (DEL, C1 and bidirectional controls, line
// and paragraph separators) print as \uXXXX escapes (util/json_quote.h).
//
// Not for the events' own interchange JSON (SPEC §2: lowerCamelCase,
// defaults omitted; ingest's ToCanonicalJson), nor proof JSON (SPEC §4).
//
// Thread-safe.
#ifndef ENFORCEMENT_UTIL_ANSWER_JSON_H_
#define ENFORCEMENT_UTIL_ANSWER_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace util {

// `answer` as one line of JSON in the answer style (no trailing newline).
// Errors: kInternal if protobuf cannot print it (it always can for the
// messages of proto/enforcement/api/v1).
absl::StatusOr<std::string> AnswerJson(const google::protobuf::Message& answer);

}  // namespace util

#endif  // ENFORCEMENT_UTIL_ANSWER_JSON_H_
