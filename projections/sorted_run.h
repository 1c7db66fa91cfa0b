// A sorted run: writes to one column family collected in memory, then
// sorted and either written as one SST file (rocksdb::SstFileWriter) and
// ingested into the store, or written as a raw run file for a later merge
// (run_merge.h). Either way the writes bypass the memtable, the WAL and the
// compactions that random keys would otherwise cost. Used by bulk builds of
// the views store (a store built from position 0).
//
// Order: within a run the last write of a key wins; runs are ingested (or
// merged) in the order they are written, each on top of everything before
// it, so a run's writes override earlier runs' and earlier batches'.
//
// Memory is bounded by the caller (bytes()).
//
// Not thread-safe: one thread, and `db` / `cf` must outlive the run.
#ifndef ENFORCEMENT_PROJECTIONS_SORTED_RUN_H_
#define ENFORCEMENT_PROJECTIONS_SORTED_RUN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "projections/run_merge.h"
#include "rocksdb/db.h"

namespace projections::internal {

class SortedRun {
 public:
  // SST files are written under `tmp_dir` (in the store's Env) before
  // ingestion, named run-<family>-<n>.sst.
  SortedRun(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string tmp_dir);

  void Put(absl::string_view key, absl::string_view value) { Add(key, value, false); }
  void Delete(absl::string_view key) { Add(key, {}, true); }

  size_t bytes() const { return arena_.size() + entries_.size() * sizeof(Entry); }
  bool empty() const { return entries_.empty(); }

  // Writes the run as one SST and ingests it into the family; the run is
  // then empty. A no-op when empty. Errors: kInternal / kDataLoss (I/O).
  absl::Status Ingest();

  // Writes the run, sorted, the last write of each key only, as a raw run
  // file at `path` (run_merge.h reads it; deletions are kept as such),
  // described in *written; the run is then empty. Errors: kInternal /
  // kDataLoss (I/O).
  absl::Status WriteRaw(const std::string& path, RawRun* written);

  // Exchanges the collected writes (not the family or the file names) with
  // `other`'s.
  void SwapContents(SortedRun& other) {
    arena_.swap(other.arena_);
    entries_.swap(other.entries_);
  }

 private:
  struct Entry {
    // The key's first 16 bytes, big-endian, zero-padded: most comparisons
    // of a sort end here, without reaching into the arena.
    uint64_t head0, head1;
    uint64_t offset;  // in arena_: key, then value
    uint32_t key_size;
    uint32_t value_size;
    uint32_t seq;  // order of the write within the run
    bool del;
  };
  void Add(absl::string_view key, absl::string_view value, bool del);
  // Sorts entries_ by (key, seq).
  void Sort();
  // Whether entries_[i] (sorted) is overwritten by the next entry.
  bool Overwritten(size_t i) const {
    return i + 1 < entries_.size() && KeyOf(entries_[i + 1]) == KeyOf(entries_[i]);
  }
  absl::string_view KeyOf(const Entry& e) const {
    return absl::string_view(arena_.data() + e.offset, e.key_size);
  }
  absl::string_view ValueOf(const Entry& e) const {
    return absl::string_view(arena_.data() + e.offset + e.key_size, e.value_size);
  }
  void Clear() {
    arena_.clear();
    entries_.clear();
  }

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  std::string tmp_dir_;
  std::string arena_;
  std::vector<Entry> entries_;
  uint64_t files_ = 0;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_SORTED_RUN_H_
