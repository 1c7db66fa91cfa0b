// `ledger migrate`: a format-1 ledger (names in its records) copied into a new
// format-2 ledger (docs/PERSONAL_DATA.md), whose records keep personal data
// out of the log. A new log with a new origin: the old leaves hold names and
// can never be published, so the new tree cannot extend the old one.
//
// Every record is split as an import splits it (ingest/personal_split.h), in
// order, one new record per old one: positions, streams (suspect/<agency id>
// becomes suspect/<subject id>), stream versions and recorded_at times are
// kept; derived ids ("sha256:…" that the old event's content derives) are
// derived again from the format-2 event, and the targets of corrections and
// retractions are rewritten to the new ids. Ids producers gave are kept.
//
// All or nothing: the new ledger is built in a temporary directory beside
// `to` and renamed into place only when complete and verified against the
// old one's count; a record whose format-2 form exceeds 65,535 bytes is
// listed (all of them) and nothing is written.
//
// Thread-compatible. The source is opened read-only (a writer may run).
#ifndef ENFORCEMENT_INGEST_MIGRATE_H_
#define ENFORCEMENT_INGEST_MIGRATE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "merkle/merkle.h"

namespace ingest {

struct MigrateOptions {
  std::string from;    // the format-1 ledger
  std::string to;      // the new ledger's directory: must not exist, or be empty
  std::string origin;  // the new log's origin (must differ from the old one's)
  // Called now and then with records done and the total.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct TooLargeRecord {
  uint64_t position = 0;
  std::string event_id;
  uint64_t bytes = 0;  // its format-2 record size
};

struct MigrateReport {
  uint64_t records = 0;
  uint64_t ids_rederived = 0;      // derived ids derived again
  uint64_t targets_rewritten = 0;  // correction/retraction targets rewritten
  uint64_t subjects = 0;           // subjects in the new personal-data store
  uint64_t tree_size = 0;
  merkle::Hash root{};
  std::string origin;
  std::vector<TooLargeRecord> too_large;  // non-empty: nothing was written
};

// The result: `status` OK when the new ledger is in place at `to`. Errors:
// kInvalidArgument (empty origin, or the old origin; `to` not empty),
// kFailedPrecondition (the source is format 2 already; or records too
// large: report.too_large lists them all), kNotFound (no ledger at `from`),
// the ledgers' and the store's errors (naming the position). On any error
// `to` is left as it was.
struct MigrateOutcome {
  absl::Status status;
  MigrateReport report;
};
MigrateOutcome MigrateToFormat2(const MigrateOptions& options);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_MIGRATE_H_
