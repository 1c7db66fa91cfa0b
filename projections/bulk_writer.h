// The write side of a bulk build of the views store (a build from position
// 0): every write goes to a sorted run of its column family (SortedRun), and
// full runs are sorted, written as SST files and ingested by a background
// thread while the build goes on. Nothing written here can be read back
// until Wait() returns: only families that the build never reads go here.
//
// Order: runs are ingested in the order Drain is called, each on top of
// everything before it, so a later write of a key wins over an earlier one.
//
// Memory: the runs being filled plus, during a drain, the runs being
// ingested; the caller bounds the first with bytes() and Drain.
//
// Thread-compatible: one thread calls every method; the background thread
// only touches the runs handed to it.
#ifndef ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_
#define ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_

#include <cstddef>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "projections/sorted_run.h"
#include "projections/store_coding.h"
#include "rocksdb/db.h"

namespace projections::internal {

class BulkWriter {
 public:
  // `db` and `cfs` (indexed by Cf) must outlive the writer; run files are
  // written under `tmp_dir` (in the store's Env) before ingestion.
  BulkWriter(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
             const std::string& tmp_dir);
  // Waits for a drain in flight (its error is lost: call Wait() first).
  ~BulkWriter();

  void Put(Cf c, absl::string_view key, absl::string_view value) { active_[c]->Put(key, value); }
  void Delete(Cf c, absl::string_view key) { active_[c]->Delete(key); }

  // Bytes held by the runs being filled.
  size_t bytes() const;

  // Waits for the previous drain, then hands every non-empty run to a
  // background thread that ingests them. Returns the previous drain's error.
  absl::Status Drain();
  // Waits for the drain in flight; its error, if any.
  absl::Status Wait();

 private:
  std::vector<std::unique_ptr<SortedRun>> active_, draining_;  // indexed by Cf
  std::future<absl::Status> in_flight_;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_BULK_WRITER_H_
