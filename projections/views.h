// Projections of the ledger: current-state views and timelines, persisted in
// their own RocksDB next to the log, updated incrementally from the log and
// rebuildable from it to an identical state. See docs/PROJECTIONS.md for the
// views, their rules (corrections, retractions, no double counting,
// precision), the storage layout and the JSON shapes of the answers.
//
// Typical query (what the CLI does):
//
//   auto ledger = ledger::Ledger::Open(dir, {.read_only = true});   // check ok()
//   auto views = projections::Views::Open(dir);                      // check ok()
//   if (auto s = (*views)->CatchUp(**ledger); !s.ok()) ...
//   auto op = (*views)->GetOperation("op-2024-muse-01");
//   std::cout << *util::AnswerJson(projections::ToMessage(*op));  // view_messages.h
//
// As of an earlier point of the log (a recorded date or RFC 3339 time; or a
// tree size given to AsOf directly):
//
//   auto size = projections::ResolveAsOf(**ledger, "2024-04-01T00:00:04Z");
//   auto past = (*views)->AsOf(**ledger, *size);   // from the nearest snapshot
//   auto op = (*past)->GetOperation("op-2024-muse-01");
//
// Ownership and threads: a Views owns its store and, for the persistent store,
// an exclusive lock on it (one process at a time; others wait up to
// ViewsOptions::lock_timeout). const methods (the queries) may be called from
// several threads at once; CatchUp, CatchUpTo and Rebuild need exclusive
// access. The Ledger passed to CatchUp must outlive the call only.
#ifndef ENFORCEMENT_PROJECTIONS_VIEWS_H_
#define ENFORCEMENT_PROJECTIONS_VIEWS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "projections/view_types.h"

namespace projections {

struct ViewsOptions {
  // Where the views store lives. Default: <ledger dir>/views.
  std::string dir;
  // How long Open waits for another process holding the views lock.
  absl::Duration lock_timeout = absl::Seconds(30);
  // Records per committed batch (state and checkpoint in one WriteBatch).
  size_t batch_records = 4096;
  // fsync each committed batch. Views can always be rebuilt from the log, so
  // the default does not: a power loss may lose the last batches, which the
  // next catch-up re-applies (the checkpoint is in the same batch).
  bool sync = false;
  // Keep a snapshot of the store (a RocksDB checkpoint: hard links, cheap)
  // whenever the checkpoint reaches a multiple of this many records, so that
  // Views::AsOf replays at most this many records, and at the end of a build
  // from position 0 of at least this many. 0 = no snapshots.
  uint64_t snapshot_every = 65536;
  // At most this many snapshots are kept; older ones are thinned out
  // evenly (the first and the latest are always kept). Each snapshot pins
  // the store's files of its time: in the worst case the snapshots take
  // several times the store's size on disk.
  size_t max_snapshots = 8;
  // A build from position 0 (a bulk build, docs/PROJECTIONS.md §8) holds
  // about this many bytes of writes in memory before it sorts and ingests
  // them (in the background, so up to twice this at once). Smaller: less
  // memory, more and smaller files.
  size_t bulk_memory_bytes = size_t{32} << 20;
};

// Where a scratch store (as-of, verification) lives.
struct ScratchOptions {
  // A directory to use (created if needed; removed with the Views). Empty: a
  // new temporary directory under $TMPDIR (or /tmp).
  std::string dir;
  // Keep the scratch store in memory (a RocksDB in-memory Env) instead of on
  // disk: faster, but memory grows with the records replayed.
  bool in_memory = false;
  size_t batch_records = 4096;
  size_t bulk_memory_bytes = size_t{32} << 20;  // as ViewsOptions::bulk_memory_bytes
};

// What a catch-up did.
struct CatchUpResult {
  uint64_t from = 0;     // checkpoint before
  uint64_t to = 0;       // checkpoint after
  uint64_t applied = 0;  // records applied
  // The store was rebuilt from position 0 first, and why: a store of another
  // format, or one built from another log (origin or Merkle root differ).
  bool rebuilt = false;
  std::string rebuild_reason;
};

struct CatchUpOptions {
  // Called now and then with (records done, records to do). May be empty.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // A catch-up from an empty store (a bulk build, docs/PROJECTIONS.md §8)
  // applies every record, then merges what they wrote into the store (about
  // a third of its time, during which `progress` stands still): called as
  // that merge goes, with the fraction done, from 0 to 1. Called from the
  // build's threads, one call at a time. May be empty.
  std::function<void(double fraction)> merging;
};

// What VerifyViews found.
struct ViewsVerifyReport {
  uint64_t checkpoint = 0;                  // the size both stores reflect
  std::vector<ViewDigest> stored, rebuilt;  // same order
  // Empty when every digest matches; else the first differing view, and the
  // first key where the stores differ.
  std::string problem;
  bool ok() const { return problem.empty(); }
};

class Views {
 public:
  // Opens (creating if needed) the persistent views store of the ledger at
  // `ledger_dir` (options.dir overrides the location) and takes its lock,
  // waiting up to options.lock_timeout. Errors: kNotFound (no ledger at
  // `ledger_dir`, when options.dir is empty), kUnavailable (another process
  // held the lock past the timeout), kInternal / kDataLoss (I/O). The store
  // may be behind the log: call CatchUp before answering queries. A store of
  // another format version is emptied (and rebuilt by CatchUp).
  static absl::StatusOr<std::unique_ptr<Views>> Open(const std::string& ledger_dir,
                                                     const ViewsOptions& options = {});
  // An empty scratch store, removed with the Views. Used for as-of queries
  // and verification. No lock: nobody else knows it.
  static absl::StatusOr<std::unique_ptr<Views>> OpenScratch(const ScratchOptions& options = {});

  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;
  ~Views();

  // Applies every record of `ledger` from the checkpoint to the ledger's head
  // (GetHead() now; for a read-only ledger, call its TryCatchUp() first to
  // see the writer's latest appends). Afterwards, queries reflect every
  // event appended before the call. If the store was built from another log
  // or in another format, it is rebuilt first (CatchUpResult says so). If the
  // store is ahead of `ledger`'s head: kDataLoss, nothing applied and no
  // answer may be given from it — either the log lost records the views
  // were built from, or `ledger` is a reader older than the process that
  // advanced the views (call its TryCatchUp() and retry once).
  absl::StatusOr<CatchUpResult> CatchUp(const ledger::Ledger& ledger,
                                        const CatchUpOptions& options = {});
  // Same, up to tree size `size` (<= head) only. kFailedPrecondition if the
  // store is already past `size`.
  absl::StatusOr<CatchUpResult> CatchUpTo(const ledger::Ledger& ledger, uint64_t size,
                                          const CatchUpOptions& options = {});
  // Drops every view (and snapshot) and replays the log from position 0 to
  // its head.
  absl::StatusOr<CatchUpResult> Rebuild(const ledger::Ledger& ledger,
                                        const CatchUpOptions& options = {});

  // Views as of tree size `size`, exactly as BuildAsOf (below) gives them,
  // but starting from this store's latest snapshot at or before `size` (a
  // copy of it in a scratch directory) and replaying only the records after
  // it. Falls back to BuildAsOf without a usable snapshot or with
  // scratch.in_memory. kOutOfRange if size > the ledger's head.
  absl::StatusOr<std::unique_ptr<Views>> AsOf(const ledger::Ledger& ledger, uint64_t size,
                                              const ScratchOptions& scratch = {},
                                              const CatchUpOptions& options = {}) const;
  // Tree sizes of the snapshots this store keeps, ascending.
  absl::StatusOr<std::vector<uint64_t>> Snapshots() const;

  // The projection checkpoint: the number of records applied, i.e. the views
  // reflect positions [0, checkpoint()).
  uint64_t checkpoint() const;
  const std::string& dir() const;

  // --- queries (kNotFound for an unknown id) ---
  absl::StatusOr<SuspectView> GetSuspect(const std::string& suspect_id) const;
  // Suspects by suspect_id, filtered, after filter.after, at most filter.limit.
  absl::StatusOr<std::vector<SuspectView>> ListSuspects(const SuspectFilter& filter = {}) const;
  absl::StatusOr<OperationView> GetOperation(const std::string& operation_id,
                                             const OperationQuery& query = {}) const;
  // Operations by operation_id, after `after`, at most `limit` (0 = all).
  absl::StatusOr<std::vector<OperationView>> ListOperations(const OperationQuery& query = {},
                                                            size_t limit = 0,
                                                            const std::string& after = "") const;
  absl::StatusOr<CaseView> GetCase(const std::string& case_id) const;
  absl::StatusOr<std::vector<CaseView>> ListCases(size_t limit = 0,
                                                  const std::string& after = "") const;
  // Custody flows, rows ordered by (from_country, to_country, period).
  absl::StatusOr<std::vector<FlowRow>> Flows(const FlowQuery& query = {}) const;
  // Totals, with every reported figure in effect beside its derived figure.
  absl::StatusOr<Totals> GetTotals() const;
  // A timeline, ordered by occurred time, then position (reversed with
  // newest_first). An unknown key gives an empty timeline.
  absl::StatusOr<std::vector<TimelineEntry>> Timeline(const TimelineQuery& query) const;

  // The record at `position` as the timelines show it (corrected by,
  // retracted by, in effect) and the events that fix it, from the stored
  // state of that record (one read, plus one for a fix's root): no scan.
  // kOutOfRange when position >= checkpoint().
  absl::StatusOr<EventHistory> History(uint64_t position) const;

  // One digest per view over its stored state (docs/PROJECTIONS.md,
  // "Digests"). Equal digests mean equal stored states.
  absl::StatusOr<std::vector<ViewDigest>> Digests() const;

  // For tests and tools: the first key at which the stored state of view
  // `view` differs from `other`'s, or "" if identical.
  absl::StatusOr<std::string> FirstDifference(const Views& other, const std::string& view) const;

  // The implementation (projections/views_internal.h); not part of the API.
  class Impl;

 private:
  explicit Views(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Views as of tree size `size` (records [0, size)), built by replaying them
// into a scratch store (see ScratchOptions; removed with the returned
// Views). Answers exactly what the views answered when the log held `size`
// records. Cost: a replay of `size` records, about the speed of a rebuild
// (docs/PROJECTIONS.md, "As of"). kOutOfRange if size > head.
absl::StatusOr<std::unique_ptr<Views>> BuildAsOf(const ledger::Ledger& ledger, uint64_t size,
                                                 const ScratchOptions& scratch = {},
                                                 const CatchUpOptions& options = {});

// The tree size of the longest prefix of the log whose records were all
// recorded at or before `t` (recorded_at is non-decreasing, so this is a
// binary search: O(log n) reads).
absl::StatusOr<uint64_t> SizeAsOfTime(const ledger::Ledger& ledger, absl::Time t);

// Parses a time bound: an RFC 3339 time, or a date "2024-04-01", month
// "2024-04" or year "2024" (UTC), read as its first instant, or with `end`
// its last (2024-04-01T23:59:59.999999999Z). kInvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseTimeBound(const std::string& text, bool end);

// Parses an as-of argument, a *recorded* time: a date ("2024-04-01": every
// record recorded up to the end of that day, UTC) or an RFC 3339 time.
// kInvalidArgument otherwise; a bare number ("3") is refused with a hint to
// give it as an as-of position (a tree size) instead.
absl::StatusOr<absl::Time> ParseAsOfTime(const std::string& as_of);
// ParseAsOfTime, then SizeAsOfTime.
absl::StatusOr<uint64_t> ResolveAsOf(const ledger::Ledger& ledger, const std::string& as_of);

// Rebuilds the views from position 0 up to views.checkpoint() in a scratch
// store and compares every view's digest with the stored one. `options`
// reports the rebuild's progress.
absl::StatusOr<ViewsVerifyReport> VerifyViews(const ledger::Ledger& ledger, const Views& views,
                                              const ScratchOptions& scratch = {},
                                              const CatchUpOptions& options = {});

// The default views directory of a ledger: <ledger_dir>/views.
std::string DefaultViewsDir(const std::string& ledger_dir);

}  // namespace projections

#endif  // ENFORCEMENT_PROJECTIONS_VIEWS_H_
