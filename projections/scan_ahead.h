// Reading the log one step ahead of the records' use: a bulk build spends
// about a quarter of its main thread reading and parsing records, which a
// second thread can do meanwhile. Internal to projections/.
#ifndef ENFORCEMENT_PROJECTIONS_SCAN_AHEAD_H_
#define ENFORCEMENT_PROJECTIONS_SCAN_AHEAD_H_

#include <cstddef>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "ledger/ledger.h"

namespace projections::internal {

// Calls `fn` for every record in [from, to), in order, on the calling
// thread, like ledger.Scan; the records are read and parsed on a thread of
// its own, up to `batches` batches of `batch_records` records ahead. Stops
// at the first error (the reader's or fn's) and returns it; the reading
// thread has ended when this returns. `ledger` must allow reads from
// another thread (a Ledger does).
absl::Status ScanAhead(const ledger::Ledger& ledger, uint64_t from, uint64_t to,
                       const std::function<absl::Status(const ledger::StoredRecord&)>& fn,
                       size_t batch_records = 256, size_t batches = 4);

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_SCAN_AHEAD_H_
