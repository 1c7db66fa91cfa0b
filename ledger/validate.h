// Stateless validation of an Event before it is written (SPEC §3). Rules that
// need the ledger's state (a correction's target exists and is not
// retracted; idempotency) are checked by Ledger::Append.
#ifndef ENFORCEMENT_LEDGER_VALIDATE_H_
#define ENFORCEMENT_LEDGER_VALIDATE_H_

#include <cstddef>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"

namespace ledger {

// An event serializes to at most this many bytes.
inline constexpr size_t kMaxEventBytes = size_t{1} << 20;

// Checks every stateless rule of SPEC §3 and the field comments of
// proto/enforcement/v1/event.proto. Returns OK, or kInvalidArgument whose
// message is "<field path>: <rule>", the path in proto field names from the
// Event root, e.g.
//   "handover.suspects_count: 3 is less than the 5 suspect_ids"
//   "correction.replacement.raid.location.country: \"XX\" is not an ISO 3166-1 alpha-2 code"
// The first failing rule is reported. Thread-safe.
absl::Status ValidateEvent(const enforcement::v1::Event& event);

// ISO 3166-1 alpha-2 (assigned codes only) and ISO 4217 (active codes).
bool IsCountryCode(absl::string_view code);
bool IsCurrencyCode(absl::string_view code);

// The stream kinds of SPEC §2: "operation", "suspect", "case", "handover",
// "figure". A stream is "<kind>/<name>" with a non-empty name.
bool IsValidStreamName(absl::string_view stream);

// The proto field name of a body ("raid", "arrest", ..., "release"), from
// the descriptor, so a new body is named without code; "none" when no body
// is set. Thread-safe.
std::string BodyName(enforcement::v1::Event::BodyCase k);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_VALIDATE_H_
