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
#include "personal/personal_store.h"

namespace ingest {

struct EventBatch {
  std::string input_name;                     // the path, or "<stdin>"
  std::vector<enforcement::v1::Event> events;  // in input order, event ids set
  std::vector<uint64_t> lines;                 // the 1-based line of each event
  std::vector<bool> derived_id;                // the event id was derived (none in the input)
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
//
// A format-2 ledger needs `store` (ingest/personal_writer.h): each event is
// split as an import splits it (ingest/personal_split.h: validated by the
// rules that see names, agency ids replaced by subjects, derived ids
// re-derived without personal data) — in place, so that batch.events then
// hold what the log stores (and `stream` "suspect/<agency id>" becomes the
// subject's stream) — and the values go to the store before the log.
absl::StatusOr<ledger::AppendResult> AppendEventBatch(ledger::Ledger& db, EventBatch& batch,
                                                      const std::optional<std::string>& stream,
                                                      ledger::ExpectedVersion expected,
                                                      personal::PersonalStore* store = nullptr);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_EVENT_BATCH_H_
