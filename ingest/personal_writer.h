// Opening a format-2 ledger's personal-data store for a writer
// (docs/PERSONAL_DATA.md, "Write order"): the store beside the log, created
// when missing, with every pending record a crash left swept against the log
// before anything is persisted.
//
// Thread-compatible: call once, after opening the ledger for writing.
#ifndef ENFORCEMENT_INGEST_PERSONAL_WRITER_H_
#define ENFORCEMENT_INGEST_PERSONAL_WRITER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"

namespace ingest {

// For a format-2 ledger open for writing: its personal-data store, open for
// writing (created when the log is empty, e.g. by init; kDataLoss when it is
// missing beside a log with records) and swept; *sweep (may be null) says what
// the sweep removed. nullptr (and OK) for a format-1 ledger, which has none.
// Errors: the store's (kDataLoss when damaged, I/O codes).
absl::StatusOr<std::unique_ptr<personal::PersonalStore>> OpenPersonalStoreForWriter(
    const ledger::Ledger& db, personal::SweepReport* sweep = nullptr);

// Whether `event_id` is in the log, for PersonalStore::Sweep.
absl::StatusOr<bool> EventInLog(const ledger::Ledger& db, absl::string_view event_id);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_PERSONAL_WRITER_H_
