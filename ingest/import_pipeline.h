// The import engine (docs/IMPORT.md): reads NDJSON or CSV rows, parses them
// in parallel with appending, and commits atomic batches to a ledger, with
// the batching, rejects and reporting rules of docs/IMPORT.md. No terminal,
// no exit codes: the answer is an enforcement.api.v1.ImportReport and an
// absl::Status.
//
//   reader thread      RowSource::Next: lines (NDJSON) or records (CSV),
//                      grouped into chunks of rows, numbered in input order
//   N parser threads   RowParser (JSON or CSV mapping) + event-id derivation
//                      + ledger::ValidateEvent, one chunk at a time
//   calling thread     takes chunks back in input order, cuts batches of
//                      batch_size events (or 64 MiB), writes rejects (fsync)
//                      and calls Ledger::AppendEvents, one batch at a time
//
// At most a fixed number of chunks is in flight, so memory stays flat
// however long the input is.
//
// Thread-safety: RunImport is called from one thread and blocks until the
// import ends; it starts and joins its own threads. The progress callback
// is called on the calling thread.
#ifndef ENFORCEMENT_INGEST_IMPORT_PIPELINE_H_
#define ENFORCEMENT_INGEST_IMPORT_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "enforcement/api/v1/ingest.pb.h"
#include "enforcement/v1/event.pb.h"
#include "ingest/import_reader.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"

namespace ingest {

using ImportReport = enforcement::api::v1::ImportReport;

// Where the import is, for a progress display.
struct ImportProgress {
  uint64_t rows = 0;                       // rows taken so far
  uint64_t bytes_read = 0;                 // input bytes consumed
  std::optional<uint64_t> input_bytes;     // the input's size (regular files)
  double seconds = 0;                      // since the pipeline started
};
using ProgressCallback = std::function<void(const ImportProgress&)>;

struct ImportOptions {
  std::string input;                        // a path, or "-" for standard input
  std::optional<std::string> mapping_path;  // CSV input with this mapping; NDJSON without
  std::optional<std::string> rejects_path;  // reject bad rows there; without: stop at the first
  uint64_t batch_size = 1000;               // events per atomic batch
  size_t max_batch_bytes = size_t{64} << 20;
  int threads = 2;                          // parser threads
  bool dry_run = false;                     // parse and validate only; `db` is nullptr
  // The ledger was opened for bulk writing (OpenMode kWriteBulk): the
  // import flushes it at the end (and after an error, what was committed).
  bool bulk = false;
  // NDJSON only: also parse every accepted line with protobuf's
  // JsonStringToMessage and fail the row if the two messages differ (tests).
  bool crosscheck = false;
  // Called every chunk of rows (~256) with where the import is; may be empty.
  ProgressCallback progress;
  // Required for a format-2 ledger (docs/PERSONAL_DATA.md): its personal-data
  // store, open for writing and swept (OpenPersonalStoreForWriter). Each
  // batch's names and agency ids go there, synced, before the batch goes to
  // the log. Not owned.
  personal::PersonalStore* personal_store = nullptr;
};

// The result: `status` is OK when the whole input was imported (bad rows
// rejected into the rejects file count as imported). Otherwise the import
// stopped, and `report` still says what was committed before the error
// (report.ok() is false, committed_* and tree_size are the ledger's state,
// error/error_detail repeat the status). Either way, `report` is the answer.
//
// The status's code says what kind of failure it is; its
// util::ErrorDetail (util/error_detail.h) says where: file, line and column
// for a row, merged with what the ledger knew (event_index, field_path,
// reason) for an append error. Codes and reasons:
//   kInvalidArgument  a row cannot be parsed or is invalid (reason
//                     "invalid_json", "invalid_row", "invalid_event", or the
//                     ledger's); unreadable CSV header ("invalid_csv_header");
//                     an overlong line ("invalid_row")
//   kNotFound / kInvalidArgument / kPermissionDenied / kUnavailable with
//                     reason "input_not_opened": the input cannot be opened
//   reason "invalid_mapping": the mapping file cannot be used
//   reason "rejects_file_refused" (kFailedPrecondition): the output-file
//                     policy refuses the rejects path (the input itself, a
//                     symlink, inside a ledger...)
//   reason "rejects_file_unusable": the rejects file is not a rejects file
//                     (kInvalidArgument) or cannot be opened
//   reason "rejects_write_failed": writing or syncing the rejects file
//                     failed during the import (I/O codes)
//   others            what Ledger::AppendEvents returned (conflicts,
//                     lock, I/O), or a read error of the input (kDataLoss)
// For the setup errors (input, CSV header, mapping, rejects file) nothing
// was read or written and report.failed_through_line is 0.
struct ImportOutcome {
  absl::Status status;
  ImportReport report;
};

// Imports options.input into `db` (nullptr exactly when options.dry_run).
// `db` must be open for writing; the caller holds it for the whole call.
ImportOutcome RunImport(ledger::Ledger* db, const ImportOptions& options);

// The sentence that says what a failed import left in the ledger, e.g.
// "lines 1–2000 (2000 events, 1990 new, 10 duplicates) were committed in 2
// earlier batches; nothing from lines 2001–3000 was written", or
// "dry run: nothing was written", or "nothing was written"; "" when the
// failure came after the last batch (a --bulk flush: the error says so).
std::string CommittedSentence(const ImportReport& report);

// ---------------------------------------------------------------------------
// The lower level, for tests and tools that bring their own rows.

// Builds an event from a row. Returns false with *column (1-based byte of
// the row, 0 when not located) and *message on failure. Thread-safe.
using RowParser = std::function<bool(const Row& row, enforcement::v1::Event* event,
                                     uint64_t* column, std::string* message)>;

// The parser of NDJSON rows: ParseEventJson (ingest/import_json.h).
RowParser NdjsonRowParser();

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_IMPORT_PIPELINE_H_
