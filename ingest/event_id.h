// Deterministic event ids for importers (SPEC §2: "importers derive a
// deterministic one from content when the source has none").
//
// The rule (docs/IMPORT.md, "Event ids"): for an event whose event_id is
// empty, the id is
//     "sha256:" + the first 32 lowercase hex digits (128 bits) of
//     SHA-256(deterministic protobuf serialization of the event, event_id empty)
// The serialization is the one the ledger stores and compares for
// idempotency (ledger/record_coding.h): fields in field-number order,
// default values omitted, map entries sorted by key, no unknown fields.
// So the same content always gets the same id, whichever file or format
// (NDJSON or CSV) it came from, and re-importing a file, or an overlapping
// one, appends nothing twice.
//
// Thread-safe.
#ifndef ENFORCEMENT_INGEST_EVENT_ID_H_
#define ENFORCEMENT_INGEST_EVENT_ID_H_

#include <string>

#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"

namespace ingest {

inline constexpr char kDerivedIdPrefix[] = "sha256:";
inline constexpr size_t kDerivedIdHexDigits = 32;

// The derived id of `event` (its event_id is ignored: treated as empty).
std::string DeriveEventId(const enforcement::v1::Event& event);

// Sets event->event_id to DeriveEventId(*event) when it is empty. Returns
// true when it derived one.
bool EnsureEventId(enforcement::v1::Event* event);

// Lowercase hex SHA-256 of `data` (64 digits).
std::string Sha256Hex(absl::string_view data);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_EVENT_ID_H_
