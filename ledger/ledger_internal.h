// Internals of Ledger shared by ledger.cc (open, append, read) and
// verify.cc. Not part of the public API.
#ifndef ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_
#define ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "rocksdb/db.h"

namespace ledger {

// Reads stored perfect-subtree hashes from the merkle family.
class RocksNodeReader : public merkle::NodeReader {
 public:
  // `db` and `cf` must outlive this reader. `snapshot` may be null.
  RocksNodeReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                  const rocksdb::Snapshot* snapshot = nullptr)
      : db_(db), cf_(cf), snapshot_(snapshot) {}
  absl::StatusOr<merkle::Hash> GetNode(int level, uint64_t index) const override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const rocksdb::Snapshot* snapshot_;
};

// Maps a RocksDB status to an absl::Status with `context` prefixed.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context);

class Ledger::Impl {
 public:
  ~Impl();

  std::string path;
  OpenOptions options;
  std::unique_ptr<rocksdb::DB> db;
  // Indexed by the Family enum below.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  int lock_fd = -1;
  std::string secondary_dir;  // read-only instances: RocksDB secondary path
  std::unique_ptr<RocksNodeReader> node_reader;

  // Guards everything below and serializes appends.
  mutable std::mutex mu;
  merkle::CompactRange range;
  Head head;
  // Next stream_version of recently appended streams (writer only). Bounded:
  // cleared when it grows past kMaxCachedStreams.
  absl::flat_hash_map<std::string, uint64_t> next_stream_version;
  // The first failed write of the batch or of the WAL sync, if any. RocksDB
  // must not be asked to write again after one (its WAL writer asserts), so
  // later appends fail with it and Flush syncs the WAL files itself.
  absl::Status write_failure;

  enum Family { kMeta = 0, kRecords, kStreams, kEventIds, kMerkle, kRetracted, kNumFamilies };
  rocksdb::ColumnFamilyHandle* cf(Family f) const { return handles[f]; }

  // Reloads head and compact range from storage (open and catch-up).
  absl::Status LoadHead();
};

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_
