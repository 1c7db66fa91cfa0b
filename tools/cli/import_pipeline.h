// The engine of `ledger import`: a pipeline that parses in parallel with
// appending, and the batching, rejects and reporting rules of
// docs/IMPORT.md.
//
//   reader thread      RowSource::Next: lines (NDJSON) or records (CSV),
//                      grouped into chunks of rows, numbered in input order
//   N parser threads   RowParser (JSON or CSV mapping) + event-id derivation
//                      + ledger::ValidateEvent, one chunk at a time
//   calling thread     takes chunks back in input order, cuts batches of
//                      --batch events (or 64 MiB), writes rejects (fsync) and
//                      calls Ledger::AppendEvents, one batch at a time
//
// At most a fixed number of chunks is in flight, so memory stays flat
// however long the input is.
//
// Thread-safety: RunImportPipeline is called from one thread; `parser` is
// called from several at once and must be thread-safe.
#ifndef ENFORCEMENT_TOOLS_CLI_IMPORT_PIPELINE_H_
#define ENFORCEMENT_TOOLS_CLI_IMPORT_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "enforcement/v1/event.pb.h"
#include "ledger/ledger.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/import_reader.h"
#include "tools/cli/import_rejects.h"

namespace cli {

// Builds an event from a row. Returns false with *column (1-based byte of
// the row, 0 when not located) and *message on failure. Thread-safe.
using RowParser = std::function<bool(const Row& row, enforcement::v1::Event* event,
                                     uint64_t* column, std::string* message)>;

struct ImportConfig {
  std::string format;                // "ndjson" or "csv", for the summary
  uint64_t batch_size = 1000;        // events per atomic batch
  size_t max_batch_bytes = size_t{64} << 20;
  int threads = 2;                   // parser threads
  bool dry_run = false;
  bool bulk = false;
  // NDJSON only: also parse every accepted line with protobuf's
  // JsonStringToMessage and fail if the two messages differ
  // ($LEDGER_IMPORT_CROSSCHECK=1; for tests).
  bool crosscheck = false;
};

// Runs the import of `source` into `db` (nullptr for a dry run), with
// `rejects` (nullptr: stop at the first bad row). Prints the summary (or
// the error and what was committed) as the command's output and returns
// the exit code.
int RunImportPipeline(const Invocation& inv, RowSource& source, const RowParser& parser,
                      ledger::Ledger* db, RejectsFile* rejects, const ImportConfig& config);

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_IMPORT_PIPELINE_H_
