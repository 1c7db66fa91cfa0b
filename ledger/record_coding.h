// The bytes of a LedgerRecord and of a value in the records family.
// A record is serialized once, here; those bytes are stored, hashed and
// exported unchanged (docs/FORMAT.md, "Record values").
#ifndef ENFORCEMENT_LEDGER_RECORD_CODING_H_
#define ENFORCEMENT_LEDGER_RECORD_CODING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enforcement/v1/ledger_record.pb.h"

namespace ledger {

// Appends to *out the serialization of LedgerRecord{position, recorded_at,
// stream_version, event} where `event_bytes` is the serialized Event. The
// result is byte-identical to protobuf's (deterministic) serialization of the
// same message: fields in number order, proto3 zero values omitted. Composing
// it by hand avoids copying the Event into a LedgerRecord.
void AppendRecordBytes(uint64_t position, absl::Time recorded_at, uint64_t stream_version,
                       absl::string_view event_bytes, std::string* out);

// The value stored under a records key: kRecordValueTag then the record bytes.
std::string EncodeRecordValue(absl::string_view record_bytes);
// The record bytes inside a stored value; kDataLoss naming `position` if the
// tag is unknown or the value is empty.
absl::StatusOr<absl::string_view> RecordBytesFromValue(absl::string_view value,
                                                       uint64_t position);

// The bytes of field 4 (the Event) inside serialized LedgerRecord bytes, as
// stored: for a record this ledger wrote, the Event's deterministic
// serialization. A view into `record_bytes`. False when the bytes are not a
// well-formed message, or hold field 4 more than once (a parse would merge
// the occurrences; this ledger never writes that); an empty view when the
// record has no event field.
bool EventBytesOfRecord(absl::string_view record_bytes, absl::string_view* event_bytes);

// Deterministic serialization of an Event (map entries sorted), the form
// hashed into records and compared for idempotency.
bool SerializeEventDeterministic(const enforcement::v1::Event& event, std::string* out);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_RECORD_CODING_H_
