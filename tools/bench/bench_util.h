// Measurement scaffolding shared by the benchmark programs in tools/bench/:
// clocks, the median, the resource use of a child process, and a built
// ledger's RocksDB (its column families, and flushing it before it is
// measured). Built as the bench_util library, which every
// tools/bench/*_bench.cc links. Their command lines: bench_args.h.
#ifndef ENFORCEMENT_TOOLS_BENCH_BENCH_UTIL_H_
#define ENFORCEMENT_TOOLS_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rocksdb/db.h"

namespace bench {

using Clock = std::chrono::steady_clock;

// A duration in seconds.
double Seconds(Clock::duration d);

// The CPU time (user + system) the calling thread has used, in microseconds.
// On a shared machine the wall-clock tail of a 50-us operation is mostly time
// spent descheduled; the thread's CPU time (system time too, so reads from the
// page cache count) is what the operation itself costs.
double ThreadCpuMicros();

// The middle value of `v`: for an even count the mean of the two middle
// values; 0 if `v` is empty.
double Median(std::vector<double> v);

// How a child process ended and what it used, from wait4. If wait4 failed,
// `waited` is false and the other fields keep the defaults below.
struct ChildExit {
  bool waited = false;           // wait4 returned the child
  int exit_code = -1;            // its exit status, or -1 if it did not exit normally
  double wall_s = 0;             // from the `start` given to WaitChild to the end of wait4
  double user_s = 0, sys_s = 0;  // its CPU time
  long max_rss_kib = 0;          // its peak RSS (ru_maxrss, KiB on Linux)
};

// Waits for the child `pid`, forked at `start`, to end.
ChildExit WaitChild(pid_t pid, Clock::time_point start);

// The ledger's column families in its order (meta, records, streams, event
// ids, Merkle nodes, retracted), with default options: enough to open a
// ledger's RocksDB read-only or to flush it, not what the ledger writes with.
std::vector<rocksdb::ColumnFamilyDescriptor> LedgerFamilies();

// Flushes every memtable of the closed ledger at `path` to table files, with
// RocksDB directly, so that its write-ahead logs are no longer needed and
// readers find the records in SSTs (without this a reader replays every WAL
// the writer kept, at each open, and reads records from memtables; see "WAL
// retention" in docs/PERFORMANCE.md). An error says "settle <path>: ...".
absl::Status SettleLedger(const std::string& path);

}  // namespace bench

#endif  // ENFORCEMENT_TOOLS_BENCH_BENCH_UTIL_H_
