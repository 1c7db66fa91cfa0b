// The few fields of a stored LedgerRecord that Ledger::Verify needs, read
// from the record's bytes without building the message when that is certainly
// what protobuf's parser would give, and with protobuf's parser otherwise.
//
// A record "parses" when protobuf's parser accepts its bytes. A conservative
// wire-format checker driven by the LedgerRecord descriptor accepts only what
// protobuf certainly accepts (known fields with their declared wire types,
// complete varints, lengths in bounds, valid UTF-8 in string fields, nested
// messages recursively); anything else -- unknown or repeated fields, groups,
// deep nesting, bad bytes -- goes to protobuf's own ParseFromArray, which
// decides. So ReadRecordFields accepts exactly the bytes protobuf accepts and
// reads the values protobuf would.
//
// Thread-safe (the schema is built once, on first use).
#ifndef ENFORCEMENT_LEDGER_RECORD_FIELDS_H_
#define ENFORCEMENT_LEDGER_RECORD_FIELDS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "enforcement/v1/ledger_record.pb.h"

namespace ledger {

// The fields of a record that verify needs. The string views point into the
// record's bytes or into the scratch message ReadRecordFields was given.
struct RecordFields {
  uint64_t position = 0;
  int64_t recorded_seconds = 0;
  int32_t recorded_nanos = 0;
  uint64_t stream_version = 0;
  absl::string_view event_id, stream;
  bool retraction = false;
  absl::string_view retraction_target;
};

// The fields of any record bytes: the fast path when it is sure, otherwise
// protobuf's parser (`scratch` holds the parse; the views point into it).
// False when the bytes do not parse as a LedgerRecord.
bool ReadRecordFields(absl::string_view bytes, enforcement::v1::LedgerRecord* scratch,
                      RecordFields* out);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_RECORD_FIELDS_H_
