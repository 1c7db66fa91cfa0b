// The enforcement ledger: an append-only log of enforcement events stored in
// RocksDB, with a stream index, an event-id index and an incrementally
// maintained RFC 6962 Merkle tree. See docs/FORMAT.md for the storage layout
// and ../shared/SPEC.md §3 for the promises this class keeps.
//
// Thread-safety: a Ledger opened for writing may be used from several threads;
// appends are serialized internally. Reads never block appends. A read-only
// Ledger sees the data as of Open() plus whatever TryCatchUp() brings in.
#ifndef ENFORCEMENT_LEDGER_LEDGER_H_
#define ENFORCEMENT_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "enforcement/v1/event.pb.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "merkle/merkle.h"

namespace rocksdb {
class DB;
class Env;
}  // namespace rocksdb

namespace ledger {

// The optimistic-concurrency condition of an append to one stream.
class ExpectedVersion {
 public:
  // Append whatever the stream's version.
  static ExpectedVersion Any() { return ExpectedVersion(kAny); }
  // Append only if the stream has no event yet.
  static ExpectedVersion NoStream() { return ExpectedVersion(kNoStream); }
  // Append only if the stream's last event has stream_version `v`.
  static ExpectedVersion Exact(uint64_t v) { return ExpectedVersion(v); }

  bool is_any() const { return v_ == kAny; }
  bool is_no_stream() const { return v_ == kNoStream; }
  uint64_t exact() const { return v_; }  // REQUIRES: !is_any() && !is_no_stream()
  std::string ToString() const;

 private:
  static constexpr uint64_t kAny = ~uint64_t{0};
  static constexpr uint64_t kNoStream = ~uint64_t{0} - 1;
  explicit ExpectedVersion(uint64_t v) : v_(v) {}
  uint64_t v_;
};

enum class Durability {
  // The WAL is fsynced before Append returns: survives kill -9 and power loss.
  kSync,
  // Bulk import: WAL written but not fsynced. A crash may lose whole
  // trailing batches (never part of one); call Flush() to make them durable.
  kBulk,
};

struct OpenOptions {
  // Create the database if it does not exist (writers only). `origin` is then
  // required: the checkpoint origin line, e.g. "enforcement-ledger.example/log".
  bool create_if_missing = false;
  std::string origin;
  // The storage format of a ledger created by this open (docs/FORMAT.md): 1,
  // or 2 (docs/PERSONAL_DATA.md: no personal data in the log, erasures,
  // records of at most kMaxRecordBytesFormat2 bytes). Used only when
  // creating; an existing ledger keeps the format it has. The default is 1
  // so that library tests appending events with names keep working; the
  // CLI's `init` passes 2. Anything else is kInvalidArgument.
  uint32_t format_version = 1;
  // Fail with kAlreadyExists if a ledger already exists at the path.
  bool error_if_exists = false;
  // Open for reading only, alongside a running writer.
  bool read_only = false;
  Durability durability = Durability::kSync;
  // Clock for recorded_at; defaults to absl::Now. For tests.
  std::function<absl::Time()> clock;
  // The RocksDB environment the ledger's files go through; null for the
  // default one. For tests, e.g. one whose writes fail as on a full disk.
  std::shared_ptr<rocksdb::Env> env;
};

// The outcome for one event of an Append.
struct AppendedEvent {
  uint64_t position = 0;
  uint64_t stream_version = 0;
  bool duplicate = false;  // already in the ledger, identical: nothing written
};

struct AppendResult {
  std::vector<AppendedEvent> events;  // one per input event, in input order
  uint64_t appended = 0;              // how many were written
  uint64_t tree_size = 0;             // tree size after the append
};

// The head of the log: size and Merkle root.
struct Head {
  uint64_t tree_size = 0;
  merkle::Hash root{};       // RFC 6962 root; SHA-256("") for the empty tree
  std::string origin;        // the log's origin line
  absl::Time last_recorded_at = absl::InfinitePast();
};

// A stored record: the exact bytes and their parse.
struct StoredRecord {
  std::string bytes;                        // serialized LedgerRecord, as hashed
  enforcement::v1::LedgerRecord record;
};

// What verification found. ok() when nothing differs.
struct VerifyReport {
  uint64_t records_checked = 0;
  uint64_t tree_size = 0;
  // The root recomputed from every stored record; meaningful only when
  // root_computed (a check that stops at the first difference may not reach
  // the end of the log).
  merkle::Hash root{};
  bool root_computed = false;
  // First problem found, if any.
  std::optional<uint64_t> first_bad_position;
  std::string problem;  // empty when ok
  bool ok() const { return problem.empty(); }
};

class Ledger {
 public:
  // Opens (or with options.create_if_missing creates) the ledger at `path`.
  // Errors: kNotFound (no ledger at path), kUnavailable (another writer
  // holds the lock; the message says so, the ErrorDetail's reason is
  // "writer_lock_held"), kDataLoss (format or
  // integrity problem on open), kInvalidArgument (bad options),
  // kResourceExhausted (a full disk: opening for writing needs some space).
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(const std::string& path,
                                                      const OpenOptions& options);

  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  ~Ledger();

  // Atomically appends `events` to `stream`: all are written or none.
  // Every event's `stream` must equal `stream`.
  // Every error about one input event carries a util::ErrorDetail
  // (util/error_detail.h) with its event_index, event_id, the reason and,
  // where one field is at fault, its field_path.
  //  - Validation failure: kInvalidArgument naming the event index, the field
  //    path and the rule; nothing written. The rules are those of the
  //    ledger's format (ledger/validate.h: ValidateEvent for format 1,
  //    ValidateEventFormat2 for format 2).
  //  - Format 2: a record (the LedgerRecord bytes) of more than
  //    kMaxRecordBytesFormat2 (65,535) bytes: kInvalidArgument, reason
  //    "record_too_large", the message stating its size and the rule;
  //    nothing written.
  //  - A correction or retraction whose target is an erasure:
  //    kInvalidArgument, reason "target_is_erasure"; nothing written.
  //  - Expected version mismatch: kAborted naming the stream, its version
  //    and the expected one; nothing written. A retry of events that are all
  //    already in the ledger succeeds whatever `expected` says (idempotence).
  //  - An event_id already present with identical content: reported as
  //    duplicate with its original position, not written again. Same id with
  //    different content: kAlreadyExists.
  //  - Storage failure: kResourceExhausted when the disk is full (the
  //    message says "no space left on device while ..."), kInternal for
  //    another I/O error. The batch is not acknowledged; should its bytes
  //    have reached the log before the failure (e.g. only the fsync
  //    failed), it is found after a reopen, so retry with the same event
  //    ids (it is then a duplicate). Every acknowledged append stays. After
  //    such a failure this Ledger accepts no more appends (they fail with
  //    the same code, nothing written): reopen it, with space, to go on.
  //    If the batch was written but the high-water mark (docs/FORMAT.md)
  //    could not be synced, the error says so; the batch is in the log (a
  //    retry finds it as a duplicate) and later appends are still accepted.
  //  - Validation runs only on events that are not already stored with
  //    identical content: a retry of an event stored before a validation
  //    rule was added is still a duplicate.
  absl::StatusOr<AppendResult> Append(absl::string_view stream,
                                      ExpectedVersion expected,
                                      absl::Span<const enforcement::v1::Event> events);

  // Atomically appends events that may belong to different streams, each
  // with ExpectedVersion::Any(); same validation and idempotence rules.
  // This is the importer's path.
  absl::StatusOr<AppendResult> AppendEvents(
      absl::Span<const enforcement::v1::Event> events);

  // Makes everything appended so far durable (fsync of the WAL) and moves
  // the high-water mark to it. Useful in Durability::kBulk mode. Also after
  // a failed append (see Append), when it syncs the write-ahead log files
  // and their directory itself; kResourceExhausted or kUnavailable if that
  // fails.
  absl::Status Flush();

  // The current head.
  Head GetHead() const;

  // The ledger's storage format, 1 or 2 (OpenOptions::format_version).
  uint32_t format_version() const;

  // Reads records with positions in [from, to), at most `limit`. Positions
  // past the head are simply absent. kDataLoss if a stored value is corrupt.
  absl::StatusOr<std::vector<StoredRecord>> Read(uint64_t from, uint64_t to,
                                                 uint64_t limit = ~uint64_t{0}) const;
  // Reads one record. kOutOfRange if position >= tree size.
  absl::StatusOr<StoredRecord> ReadOne(uint64_t position) const;
  // Calls `fn` for every record in [from, to) in order; stops early and
  // returns fn's error if it returns one. Reads a consistent snapshot. `fn`
  // may take the record's contents (e.g. swap them out): the next record
  // overwrites whatever it leaves.
  absl::Status Scan(uint64_t from, uint64_t to,
                    const std::function<absl::Status(StoredRecord&)>& fn) const;

  // Positions of a stream's events, versions [from_version, ...), at most limit.
  absl::StatusOr<std::vector<uint64_t>> StreamPositions(
      absl::string_view stream, uint64_t from_version = 0,
      uint64_t limit = ~uint64_t{0}) const;
  // The last stream_version of `stream`, or nullopt if it has no events.
  absl::StatusOr<std::optional<uint64_t>> StreamVersion(absl::string_view stream) const;
  // Position of an event by id, or kNotFound.
  absl::StatusOr<uint64_t> FindEvent(absl::string_view event_id) const;

  // The Merkle root of the tree of the first `size` records, size <= head.
  // O(log size) reads of stored subtree hashes.
  absl::StatusOr<merkle::Hash> RootAt(uint64_t size) const;
  // Access to stored complete-subtree hashes, for proofs.
  const merkle::NodeReader& nodes() const;

  // Recomputes every leaf hash from the stored record bytes, the Merkle root,
  // the stored subtree hashes, the stream index and the event-id index, and
  // reports the first position where anything differs. `progress` (may be
  // empty) is called now and then with the number of records checked.
  absl::StatusOr<VerifyReport> Verify(
      const std::function<void(uint64_t done, uint64_t total)>& progress = {}) const;

  // For a read-only ledger: picks up records appended by the writer since
  // open. No-op for a writer.
  absl::Status TryCatchUp();

  bool read_only() const;
  const std::string& path() const;

  // Backups and point-in-time copies (ledger/ledger_backup.cc; used by
  // backup/). Calls `fn` with the writer's RocksDB handle and the head while
  // holding the append mutex: no append of this Ledger runs meanwhile, so a
  // copy fn makes of the database (rocksdb::BackupEngine, rocksdb::Checkpoint,
  // both of which flush the memtables first) holds exactly the records up to
  // `head`. fn must not write to the database nor call this Ledger (the
  // mutex is not reentrant); the handle is valid only during the call.
  // Returns fn's status; kFailedPrecondition for a read-only Ledger or one
  // that refuses appends after a failed write (reopen it first).
  absl::Status WithFrozenDatabase(
      const std::function<absl::Status(rocksdb::DB& db, const Head& head)>& fn);

 private:
  class Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  // Append with `stream` (and `expected`) when stream != nullptr, else
  // AppendEvents.
  absl::StatusOr<AppendResult> AppendInternal(const absl::string_view* stream,
                                              ExpectedVersion expected,
                                              absl::Span<const enforcement::v1::Event> events);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_LEDGER_H_
