// A strict, fast parser of one NDJSON line into an enforcement.v1.Event, in
// the canonical proto3 JSON mapping (SPEC §2), for `ledger import`.
//
// Why not protobuf's JsonStringToMessage alone: it is lenient where an
// audited system must not guess (it silently keeps the last of two
// duplicate keys, merges a message given twice, accepts single quotes,
// unquoted keys, trailing commas and `[null]`), and it is slow (about 90k
// events/s on one core, as slow as the whole append path; see
// ../shared/LIMITS.md). This parser accepts exactly RFC 8259 JSON whose
// object is an Event in the proto3 JSON mapping and refuses everything else
// with the byte column, the field path and the rule. docs/IMPORT.md lists
// what it accepts; every event it accepts parses to the same message under
// JsonStringToMessage (tests/import_test.cc checks that with
// LEDGER_IMPORT_CROSSCHECK=1, which makes `import` run both and compare).
//
// The JSON syntax is read with simdjson's On Demand API (one parser per
// thread); the mapping onto the Event, and every rule above that simdjson
// does not enforce the way we need (lone surrogate escapes, exact integers,
// duplicate keys, columns), are ours (import_json.cc says how).
//
// Thread-safe: each thread uses its own simdjson parser (thread_local); no
// shared mutable state.
#ifndef ENFORCEMENT_INGEST_IMPORT_JSON_H_
#define ENFORCEMENT_INGEST_IMPORT_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"

namespace ingest {

// Nesting deeper than this (objects plus arrays) is refused. An Event's
// legitimate depth is under 10 (a correction's replacement is an Event).
inline constexpr int kMaxJsonDepth = 32;

// Bytes simdjson may read after a line's last byte (their values do not
// matter): ParseEventJsonInPlace uses a std::string's spare capacity for
// them; the import's rows reserve it (import_reader.cc), so lines are parsed
// where they are read, without a copy.
inline constexpr size_t kJsonPadding = 64;

// Where and why a line was refused.
struct JsonParseError {
  uint64_t column = 0;  // 1-based byte offset in the line (ParseEventJson always sets one)
  std::string message;  // "invalid JSON...: <path>: <rule>" or "not valid UTF-8 ..."
};

// Parses `line` (one JSON text, no line terminator) into *event (cleared
// first). Returns true on success; otherwise fills *error and leaves *event
// in an unspecified state.
//
// Accepted: exactly one JSON object (RFC 8259; whitespace around it is
// fine) whose keys are Event field names, lowerCamelCase or as in the
// .proto; int64/int32 values as JSON integers or decimal strings, or as
// numbers with a fraction or exponent whose exact decimal value (never a
// rounded double) is an integer of magnitude at most 2^53; enums by
// name or known number; Timestamps as RFC 3339 strings (uppercase T and Z,
// or a numeric offset; years 0001-9999); maps as objects; repeated fields
// as arrays; null for a field means "not set".
// Refused, each with its own message: invalid UTF-8, any JSON syntax error,
// nesting deeper than kMaxJsonDepth, a key given twice in one object (also
// as `eventId` and `event_id`), two members of one oneof, unknown fields,
// null inside an array, numbers out of range or not integral, unknown enum
// names and numbers, malformed timestamps, anything after the object.
bool ParseEventJson(absl::string_view line, enforcement::v1::Event* event,
                    JsonParseError* error);

// The same, for a line held in a std::string: parsed in place when it has
// at least kJsonPadding bytes of spare capacity, otherwise copied (into a
// per-thread buffer) as ParseEventJson does.
bool ParseEventJsonInPlace(const std::string& line, enforcement::v1::Event* event,
                           JsonParseError* error);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_IMPORT_JSON_H_
