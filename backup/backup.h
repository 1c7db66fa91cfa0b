// Backups and point-in-time copies of a ledger (docs/BACKUP.md, SPEC §9).
//
// A backup directory DIR holds, for one ledger (one origin):
//   DIR/LOCK                         flock(2)ed: exclusively by create and
//                                    purge, shared by list, verify, restore
//   DIR/log/                         rocksdb::BackupEngine of the log's
//                                    database (incremental: table files are
//                                    shared between backups; checksummed)
//   DIR/personal/                    the same for <ledger>/personal, the
//                                    personal-data store (when it exists)
//   DIR/ERASURES                     every subject erased in the ledger, one
//                                    BackupErasure (backup.proto) in JSON a
//                                    line; written by every create (merged,
//                                    never shrinks), re-applied by restore
//   DIR/backups/<id>/checkpoints/    the issued checkpoints, copied
//   DIR/backups/<id>/MANIFEST.json   the BackupManifest (backup.proto),
//                                    written last, whole (temporary name,
//                                    link): a backup without it is
//                                    incomplete, never restored, and deleted
//                                    by the next create or purge.
// <id> is the id of the log's backup in DIR/log. The views are not backed
// up (they are rebuilt from the log).
//
// A backup is consistent: it is taken under the writer lock with appends
// held (Ledger::WithFrozenDatabase), and never holds a log shorter than its
// checkpoints say (each copied checkpoint is checked against the backed-up
// tree). Every restore is verified before it is accepted.
//
// Errors: kUnavailable (reason "backup_lock_held": another process holds
// DIR; or the ledger's writer lock, "writer_lock_held"), kNotFound (no
// backup, no such id), kAlreadyExists (restore/snapshot target exists),
// kFailedPrecondition (a restore that would lose issued positions, a DIR of
// another ledger), kInvalidArgument (DIR and the ledger, the target or the
// snapshot contain each other), kDataLoss (a backup that fails its checks), kUnavailable
// / kInternal / kResourceExhausted on I/O errors.
//
// Thread-safety: the functions keep no state; processes are serialized by
// DIR/LOCK and the ledger's writer lock.
#ifndef ENFORCEMENT_BACKUP_BACKUP_H_
#define ENFORCEMENT_BACKUP_BACKUP_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "enforcement/api/v1/backup.pb.h"
#include "ledger/ledger.h"

namespace backup {

// The default retention: backups older than this are purged by `backup
// create` (and by `backup purge` without --keep-days).
inline constexpr int kDefaultRetentionDays = 30;

struct RetentionOptions {
  // Backups created before now - keep_for are deleted ...
  absl::Duration keep_for = absl::Hours(24 * kDefaultRetentionDays);
  // ... except the newest keep_last of them.
  uint32_t keep_last = 1;
  // The clock; defaults to absl::Now. For tests.
  std::function<absl::Time()> clock;
};

struct CreateOptions {
  RetentionOptions retention;
  // Purge by `retention` after the backup (and delete incomplete ones).
  bool purge = true;
};

// Backs up `db` (opened for writing: the caller holds its writer lock for the
// whole call, and has its personal-data store closed: the call opens it)
// into `dir` (created if absent). First adds the erased subjects of its
// personal-data store (format 2) to DIR/ERASURES. Then deletes incomplete
// backups and, with options.purge, the backups older than the retention.
absl::StatusOr<enforcement::api::v1::BackupCreateAnswer> CreateBackup(
    ledger::Ledger& db, const std::string& dir, const CreateOptions& options);

// The backups in `dir`, oldest first, with the incomplete ones.
absl::StatusOr<enforcement::api::v1::BackupListAnswer> ListBackups(const std::string& dir);

// Deletes the backups created before now - keep_for (except the newest
// keep_last) and the incomplete ones. A backup's manifest goes first, so a
// crash midway leaves an incomplete backup, which the next purge deletes.
absl::StatusOr<enforcement::api::v1::BackupPurgeAnswer> PurgeBackups(
    const std::string& dir, const RetentionOptions& options);

// Checks backup `id` (default: the newest complete one): every file's size
// and checksum (BackupEngine::VerifyBackup), then restores it into a
// temporary directory (under $TMPDIR) and runs the log's full verify
// (Ledger::Verify), compares the head with the manifest's and every copied
// checkpoint's root with the restored tree's at its size. A backup that
// fails is an answer with ok false, not an error.
absl::StatusOr<enforcement::api::v1::BackupVerifyAnswer> VerifyBackup(
    const std::string& dir, std::optional<uint64_t> id);

struct RestoreOptions {
  // Replace an existing ledger at the target.
  bool overwrite = false;
  // Accept that the target's high-water mark or issued checkpoints are
  // beyond the restored tree size (those positions are lost).
  bool allow_rollback = false;
};

// Restores backup `id` (default: the newest complete one) into `target`:
// into a temporary directory beside it, verified as VerifyBackup does, with
// a fresh high-water mark at the restored head (the one operation that
// moves a mark back); then every erasure listed in DIR/ERASURES, and (with
// overwrite) every erasure of the target's own personal-data store, whose
// subject the copy holds unerased is re-applied to it (ingest::EraseSubject:
// one Erasure event appended each, listed in the answer); then moved into
// place (rename, or an atomic exchange with an existing target). A target
// whose personal-data store cannot be read is refused (its erasures would be
// lost), with the store's error code. kAlreadyExists when `target` exists (a
// non-empty directory) without overwrite; kUnavailable when a writer holds
// it; kFailedPrecondition naming the lost range [restored size, mark) when
// the target is ahead of the backup without allow_rollback; kDataLoss when
// the backup fails its checks (the target is untouched).
absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> RestoreBackup(
    const std::string& dir, std::optional<uint64_t> id, const std::string& target,
    const RestoreOptions& options);

// An analyst's point-in-time copy of `db` (opened for writing) in `dir`,
// which must not exist: rocksdb::Checkpoint (hard links) of the log and of
// the personal-data store, the issued checkpoints and a high-water mark at
// the copy's head, so that `ledger verify --db dir` and queries work on it.
// Built beside `dir` and renamed into place.
absl::StatusOr<enforcement::api::v1::SnapshotAnswer> Snapshot(ledger::Ledger& db,
                                                              const std::string& dir);

}  // namespace backup

#endif  // ENFORCEMENT_BACKUP_BACKUP_H_
