// One batch of events from NDJSON input, for `ledger append`: the import's
// input policy (ingest/import_reader.h rows, the strict parser of
// ingest/import_json.h, derived event ids of ingest/event_id.h), appended in
// one atomic Ledger::Append with an expected version. Validation is the
// ledger's, after its idempotency check (an event already stored with the
// same content is a duplicate even if a newer rule would refuse it), as in
// an import.
//
// The input is read whole before the ledger is touched (so that the caller
// can take the writer lock only once the input is known to parse).
//
// Thread-compatible.
#ifndef ENFORCEMENT_INGEST_EVENT_BATCH_H_
#define ENFORCEMENT_INGEST_EVENT_BATCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "enforcement/v1/event.pb.h"
#include "ledger/ledger.h"

namespace ingest {

struct EventBatch {
  std::string input_name;                     // the path, or "<stdin>"
  std::vector<enforcement::v1::Event> events;  // in input order, event ids set
  std::vector<uint64_t> lines;                 // the 1-based line of each event
};

// Reads every non-blank line of `input` (a path; "-" is standard input) as
// an Event. When `stream` is set, every event must belong to it. Errors
// carry a util::ErrorDetail with file, line and column:
//   input_not_opened  (kNotFound, kInvalidArgument for a directory,
//                      kPermissionDenied, kUnavailable)
//   invalid_json, invalid_row, stream_mismatch   (kInvalidArgument)
//   input_read_error  (kDataLoss)
absl::StatusOr<EventBatch> ReadEventBatch(const std::string& input,
                                          const std::optional<std::string>& stream);

// Appends `batch` atomically: Ledger::Append(*stream, expected, ...) when
// `stream` is set, else Ledger::AppendEvents. The ledger's errors keep
// their code and detail, with the file and line of the failing event added
// to the detail and "<file>:<line>: " to the message. An empty batch
// appends nothing and reports the current tree size.
absl::StatusOr<ledger::AppendResult> AppendEventBatch(ledger::Ledger& db, const EventBatch& batch,
                                                      const std::optional<std::string>& stream,
                                                      ledger::ExpectedVersion expected);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_EVENT_BATCH_H_
