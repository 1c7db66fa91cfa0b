// Raw run files and their merge: the second half of a bulk build's external
// sort. A bulk build writes each family's writes as sorted runs (raw run
// files, SortedRun::WriteRaw), then merges each family's runs once, in key
// order, into SST files that are ingested into the family's last level, so
// that the store is left as compactions would leave it, without them.
//
// Raw run file (temporary; written and read by the same process, under the
// store's directory, removed after the merge): a sequence of entries, each
// fixed32 key size, fixed32 value size with bit 31 set for a deletion
// (little-endian), the key, the value; keys strictly increasing.
//
// Internal to projections/. Each object is used by one thread at a time.
#ifndef ENFORCEMENT_PROJECTIONS_RUN_MERGE_H_
#define ENFORCEMENT_PROJECTIONS_RUN_MERGE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"

namespace projections::internal {

// A written raw run file, with a sparse index for reading part of it.
struct RawRun {
  std::string path;
  uint64_t bytes = 0;
  // About every kRawRunSampleBytes: an entry's key and its offset in the
  // file; keys increasing. The first entry is always sampled.
  std::vector<std::pair<std::string, uint64_t>> samples;
};
inline constexpr uint64_t kRawRunSampleBytes = uint64_t{128} << 10;

class RawRunWriter {
 public:
  explicit RawRunWriter(rocksdb::Env* env) : env_(env) {}
  absl::Status Open(const std::string& path);
  // REQUIRES: keys strictly increasing.
  absl::Status Add(absl::string_view key, absl::string_view value, bool del);
  absl::Status Close();
  // The run written (after Close).
  RawRun& run() { return run_; }

 private:
  absl::Status FlushBuffer();
  rocksdb::Env* env_;
  std::unique_ptr<rocksdb::WritableFile> file_;
  std::string buffer_;
  uint64_t flushed_ = 0;      // bytes of the file before buffer_
  uint64_t next_sample_ = 0;  // offset from which the next entry is sampled
  RawRun run_;
};

// A range of keys: [lo, hi), or [lo, end) without `hi`.
struct KeyRange {
  std::string lo;
  bool has_hi = false;
  std::string hi;
  bool Below(absl::string_view key) const { return key < lo; }
  bool Above(absl::string_view key) const { return has_hi && key >= hi; }
};

// Calls `fn` for every key of `runs` (oldest first) within `range`, in key
// order, with the value of the newest run that has the key; keys whose
// newest entry is a deletion are skipped (the runs lie on an empty family).
// Each run is read from its last sample at or below range.lo.
// Errors: fn's, kDataLoss (a malformed run), kInternal (I/O).
absl::Status MergeRawRuns(
    rocksdb::Env* env, absl::Span<const RawRun> runs, const KeyRange& range,
    const std::function<absl::Status(absl::string_view key, absl::string_view value)>& fn);

// Writes keys in increasing order as SST files of about `max_file_bytes`
// each, under `dir`, for the caller to ingest (IngestSstFiles), with the
// files of other sinks of disjoint ranges. The keys must not overlap
// anything else in the family (they then go to its last level).
class SstSink {
 public:
  SstSink(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string dir, std::string name,
          size_t max_file_bytes = size_t{64} << 20);
  ~SstSink();
  // REQUIRES: keys strictly increasing.
  absl::Status Put(absl::string_view key, absl::string_view value);
  // Finishes the last file and appends the paths of the files written to
  // `files` (in key order), without ingesting them.
  absl::Status Close(std::vector<std::string>* files);

 private:
  absl::Status CloseFile();
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  std::string dir_, name_;
  size_t max_file_bytes_;
  rocksdb::Options options_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;
  std::vector<std::string> files_;
};

// Ingests SST files of disjoint key ranges, written by SstSinks, into `cf`
// at once (moving them). A no-op without files.
absl::Status IngestSstFiles(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                            const std::vector<std::string>& files);

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_RUN_MERGE_H_
