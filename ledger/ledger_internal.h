// Internals of Ledger shared by ledger.cc (open, append, read) and
// verify.cc. Not part of the public API.
#ifndef ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_
#define ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "ledger/rocks_log_capture.h"
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

// "record <expect> is missing (<after>)", followed by what RocksDB knows of
// the cause: the iterator's error (a table file that cannot be opened or
// read, named by RocksDB) or, failing that, the last warning RocksDB logged
// about a file. A merging iterator skips a level whose file it cannot read,
// so a gap in the records is often the only symptom of a damaged file.
std::string MissingRecordText(uint64_t expect, absl::string_view after,
                              const rocksdb::Iterator& it, const RocksLogCapture* log);

// The newest issued checkpoints, as their file names in <ledger>/checkpoints
// say: the largest tree size and (file, first 16 hex digits of the root) of
// every checkpoint of that size.
struct NewestCheckpoints {
  uint64_t size = 0;
  std::vector<std::pair<std::string, std::string>> files_and_roots;
};

// What the writer has acknowledged outside RocksDB: the high-water mark
// (kNotFound when the file is absent) and the newest issued checkpoints.
struct AcknowledgedMarks {
  absl::StatusOr<HighWaterMark> mark = absl::NotFoundError("not read");
  NewestCheckpoints checkpoints;
};
// Reads both; a reader does this BEFORE it (re)reads the database, so that a
// writer moving them on meanwhile cannot make the log look behind them.
AcknowledgedMarks ReadAcknowledgedMarks(const std::string& ledger_dir);

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
  // RocksDB's info log: its last warnings, for naming damaged files.
  std::shared_ptr<RocksLogCapture> log_capture;
  std::unique_ptr<RocksNodeReader> node_reader;
  // The writer's high-water mark (null for readers); advanced under `mu`
  // after every durable append (kSync) or Flush (kBulk).
  std::unique_ptr<HighWaterMarkWriter> mark;
  // The storage format (1 or 2), from the format_version key; set by
  // ValidateOpened and constant afterwards.
  uint32_t format_version = 0;

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
  // kDataLoss unless the loaded head is consistent with `mark` (same format
  // and origin, at least its size, the same root at its size) and with the
  // newest issued checkpoint (not past the head, same root prefix).
  absl::Status CheckHighWaterMarks(const HighWaterMark* mark,
                                  const NewestCheckpoints& newest) const;
  // CheckHighWaterMarks against `marks`, and CheckMarkNotRequired when the
  // mark file is absent.
  absl::Status CheckAgainst(const AcknowledgedMarks& marks) const;
  // After RocksDB opened: the format version (sets format_version), the head (LoadHead) and, for a
  // reader, CheckAgainst(marks) read before the open.
  absl::Status ValidateOpened(const std::optional<AcknowledgedMarks>& marks);
  // kDataLoss if the database says it keeps a mark file (which is absent).
  absl::Status CheckMarkNotRequired() const;
  // Writer open: opens and checks the mark file, or for a ledger from before
  // marks creates it at the current head.
  absl::Status OpenWriterMark();
};

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_LEDGER_INTERNAL_H_
