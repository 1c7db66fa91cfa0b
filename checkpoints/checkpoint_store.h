// The checkpoints a ledger has issued, kept in an append-only directory
// beside its database, and the rule that the ledger never signs two
// checkpoints that are not consistent (docs/TAMPER_EVIDENCE.md §9).
//
// Why a directory and not the RocksDB database: checkpoints are signed by
// `ledger checkpoint`, which opens the ledger read-only (a RocksDB secondary
// instance) so that it works while a writer runs; only the one writing
// process may write the database. The directory is shared by all of them
// and serialized by its own lock.
//
//   <ledger>/checkpoints/LOCK     flock(2)ed (exclusive) while a checkpoint
//                                 is checked and added
//   <ledger>/checkpoints/<size>-<root>-<key>.ckpt
//                                 one signed checkpoint note, byte for byte
//                                 as issued; <size> is the tree size as 20
//                                 decimal digits (so names sort by size),
//                                 <root> the first 8 bytes of the root hash
//                                 in hex, <key> the signer's key hash in hex
//
// Files are never rewritten, renamed or removed. A new file is written to a
// temporary name in the directory, fsynced, linked to its final name (link(2)
// fails rather than replace an existing file), and the directory is fsynced.
// Names starting with '.' (temporary files left by a crash) and LOCK are not
// checkpoints.
//
// Thread-safety: a CheckpointStore holds only its path; its methods may be
// called from any thread. Mutual exclusion between processes is the LOCK
// file's: call Add and CheckConsistent while holding a Lock.
#ifndef ENFORCEMENT_CHECKPOINTS_CHECKPOINT_STORE_H_
#define ENFORCEMENT_CHECKPOINTS_CHECKPOINT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "checkpoints/checkpoint.h"
#include "merkle/merkle.h"

namespace ledger {

// One issued checkpoint, as stored. The signatures are NOT verified here (the
// store may hold checkpoints signed with keys since rotated away); callers
// that need them verified open `signed_note` with VerifyCheckpoint.
struct IssuedCheckpoint {
  std::string file;         // file name inside the checkpoints directory
  std::string signed_note;  // the file's bytes
  Checkpoint checkpoint;    // parsed from the note's text
  // "<name>+<key hash>" of each signature line, as written (not verified).
  std::vector<std::string> signers;
};

// Splits a signed note into its text (up to and including the newline before
// the last blank line) without checking any signature. kInvalidArgument if
// there is no blank line. For reading the store and for reports; checking a
// checkpoint is VerifyCheckpoint's job.
absl::StatusOr<std::string> UnverifiedNoteText(absl::string_view signed_note);

class CheckpointStore {
 public:
  // The store of the ledger in directory `ledger_path`. No I/O.
  explicit CheckpointStore(std::string ledger_path);

  // <ledger_path>/checkpoints
  const std::string& dir() const { return dir_; }

  // Holds the store's LOCK until destroyed.
  class Lock {
   public:
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    friend class CheckpointStore;
    explicit Lock(int fd) : fd_(fd) {}
    int fd_;
  };
  // Creates the directory if needed and takes the lock, waiting for another
  // process that holds it. The LOCK file is opened with OpenLockFile: a
  // symlink there is refused (kFailedPrecondition), never followed.
  // kUnavailable/kInternal on I/O errors (e.g. a ledger directory that is
  // not writable).
  absl::StatusOr<std::unique_ptr<Lock>> Acquire() const;

  // Every issued checkpoint, ordered by tree size, then file name. An absent
  // directory is an empty store. kDataLoss naming the file when a *.ckpt
  // file is not a well-formed checkpoint note, not a regular file (a FIFO,
  // a link to /dev/zero) or larger than kMaxCheckpointFileBytes (each file
  // is read bounded, and a FIFO is never waited on).
  absl::StatusOr<std::vector<IssuedCheckpoint>> List() const;

  // Whether `c` may be issued beside every checkpoint already issued, given
  // the ledger's stored tree (`nodes`, valid for every node below
  // `tree_size`). Checks, for real, from the stored hashes:
  //  - every issued checkpoint has c's origin and a size <= tree_size;
  //  - no two checkpoints (issued or c) of one size have different roots;
  //  - with L the latest issued checkpoint of size <= c.size and E the
  //    earliest of size >= c.size: a consistency proof L -> c and c -> E,
  //    generated from `nodes` with merkle::ConsistencyProof, verifies with
  //    merkle::VerifyConsistency against the roots the checkpoints state
  //    (from size 0 the root must be SHA-256(""));
  //  - every issued checkpoint states merkle::RootAt(nodes, its size) (one
  //    edited after it was issued is caught even when not a neighbour).
  // Because each checkpoint was checked against its neighbours when issued,
  // the issued checkpoints then form one chain of consistent trees.
  // kFailedPrecondition "refusing to sign ..." naming the file and what
  // differs when a check fails; kDataLoss (malformed file, missing node) or
  // other codes on I/O errors. REQUIRES: the caller holds a Lock.
  absl::Status CheckConsistent(const Checkpoint& c, const merkle::NodeReader& nodes,
                               uint64_t tree_size) const;

  struct AddResult {
    std::string file;             // file name inside dir()
    bool already_issued = false;  // an identical file was there: nothing written
  };
  // Stores `signed_note`, the checkpoint `c` signed by the key with hash
  // `key_hash`, durably. Identical bytes already stored under that name are
  // not written again (Ed25519 signing is deterministic, so re-issuing the
  // same checkpoint with the same key is idempotent); different bytes under
  // that name are kAlreadyExists. REQUIRES: the caller holds a Lock and
  // CheckConsistent(c, ...) returned OK under it.
  absl::StatusOr<AddResult> Add(const Checkpoint& c, absl::string_view signed_note,
                                uint32_t key_hash) const;

  // The file name Add uses for `c` signed by `key_hash`.
  static std::string FileName(const Checkpoint& c, uint32_t key_hash);

 private:
  std::string dir_;
};

}  // namespace ledger

#endif  // ENFORCEMENT_CHECKPOINTS_CHECKPOINT_STORE_H_
