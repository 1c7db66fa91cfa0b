// The write side of a bulk build of the views store (a build from position
// 0), an external sort: every write goes to a sorted run of its column
// family (SortedRun); full runs are sorted and written out by a background
// thread while the build goes on, and Finish merges each family's runs once
// into SST files ingested into the family's last level (run_merge.h),
// building the entity views on the way. Event states are the exception:
// their runs are ingested as they are drained (the build reads them back).
//
// Order: a later write of a key wins over an earlier one, across runs too.
// Nothing written here is readable before Finish, except event states once
// the drain that took them has been waited for (Wait, or the next Drain).
//
// Memory: the runs being filled plus, during a drain, the runs being
// written; the caller bounds the first with bytes() and Drain.
//
// Thread-compatible: one thread calls every method. The background thread
// works on the runs handed to it, the list of raw run files and the store;
// the caller's thread touches the first two only after waiting for it.
// Finish runs the merge on the caller's thread and others it starts and
// joins (each range on one thread, the side job on one), which share only
// the task list, the error and the progress, under locks.
#ifndef ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_
#define ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_

#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "projections/entity_build.h"
#include "projections/run_merge.h"
#include "projections/sorted_run.h"
#include "projections/store_coding.h"
#include "rocksdb/db.h"

namespace projections::internal {

class BulkWriter {
 public:
  // `db` and `cfs` (indexed by Cf) must outlive the writer; its temporary
  // files live in `tmp_dir` (in the store's Env), which Open empties. The
  // merge's key ranges hold at least about `min_range_bytes` of run data
  // (an eighth of a run is a good size).
  BulkWriter(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
             std::string tmp_dir, size_t min_range_bytes);
  // Waits for a drain in flight (its error is lost: call Wait() first).
  ~BulkWriter();
  BulkWriter(const BulkWriter&) = delete;  // the background thread holds `this`
  BulkWriter& operator=(const BulkWriter&) = delete;

  // Creates (or empties) the temporary directory.
  absl::Status Open();

  // Event states (kEventsCf) must be of records after every state of earlier
  // drains, so that their files do not overlap.
  void Put(Cf c, absl::string_view key, absl::string_view value) { active_[c]->Put(key, value); }
  void Delete(Cf c, absl::string_view key) { active_[c]->Delete(key); }

  // Bytes held by the runs being filled.
  size_t bytes() const;

  // Waits for the previous drain, then hands every non-empty run to a
  // background thread. Returns the previous drain's error.
  absl::Status Drain();
  // Waits for the drain in flight; its error, if any.
  absl::Status Wait();

  // Drains what is left, then merges every family's runs into the store,
  // building the views of suspects, operations and cases from their
  // members, and adds their totals to `totals`; removes the temporary files.
  // The merge is cut into key ranges of about equal size (entities never
  // split), taken by `threads` threads, largest first; each family's files
  // are ingested at once at the end. `side_job` (if any) runs on one of the
  // threads meanwhile, first; it must not touch the runs' key ranges.
  // `progress` (if any) is called with the fraction of the run data merged,
  // from 0 to 1, one call at a time. Nothing may be written after.
  absl::Status Finish(CounterMap* totals, const std::function<absl::Status()>& side_job = {},
                      const std::function<void(double)>& progress = {}, int threads = 2);

 private:
  struct MergeTask;
  // The merge's ranges, largest first, for `threads` threads.
  std::vector<MergeTask> PlanMerge(int threads) const;
  // Merges one range of a family into SST files: its keys' files, then its
  // entity views' files, appended to *key_files and *view_files.
  absl::Status MergeRange(const MergeTask& task, CounterMap* totals,
                          std::vector<std::string>* key_files,
                          std::vector<std::string>* view_files);

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  std::string tmp_dir_;
  size_t min_range_bytes_;
  std::vector<std::unique_ptr<SortedRun>> active_, draining_;  // indexed by Cf
  // Raw run files per family, oldest first (written by the drains).
  std::vector<std::vector<RawRun>> raw_runs_;
  std::future<absl::Status> in_flight_;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_
