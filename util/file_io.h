// Small POSIX file helpers shared by the ledger, the views and the CLI: whole
// writes, bounded whole reads of regular files, lock files that are never
// followed through a symlink, and directory syncs, with errors as
// absl::Status. The rules for the files a user names (inputs and outputs)
// are in docs/FILES.md; outputs are util/output_file.h's.
// Thread-safe (no shared state).
#ifndef ENFORCEMENT_UTIL_FILE_IO_H_
#define ENFORCEMENT_UTIL_FILE_IO_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ledger {

// "<what> <path>: <strerror(errno)>" as kNotFound when errno is ENOENT,
// kResourceExhausted when it is ENOSPC or EDQUOT (a full disk, as RocksDB's
// NoSpace), else kUnavailable. Call right after the failing system call.
absl::Status ErrnoStatus(absl::string_view what, const std::string& path);

// Writes all of `data` to `fd`, retrying short writes and EINTR. False on an
// error (errno tells which).
bool WriteAllFd(int fd, absl::string_view data);

// Creates the file `path` holding exactly `data`, with permission bits
// `mode`, whole or not at all: written and fsynced under a temporary name in
// the same directory, then linked to `path`. link(2) never replaces a file,
// so an existing `path` is kAlreadyExists and stays untouched; a crash or a
// full disk never leaves a short file under `path`. The directory entry is
// not synced (call SyncDir when it must survive a power loss). Other errors
// as ErrnoStatus.
absl::Status CreateFileWhole(const std::string& path, absl::string_view data, unsigned mode);

// fsyncs the directory `dir`, so that the entries created, renamed or removed
// in it survive a power loss. kUnavailable if it cannot be opened or synced.
absl::Status SyncDir(const std::string& dir);

// Size limits of the files read whole (docs/FILES.md, "Inputs"). Each is far
// above what a genuine file of its kind holds and far below what would hurt.
// (Proof JSON: kMaxProofJsonBytes in merkle/proof_json.h.)
inline constexpr uint64_t kMaxSignerKeyFileBytes = 4096;          // PRIVATE+KEY+... (~100 B)
inline constexpr uint64_t kMaxVerifierKeyFileBytes = 64 << 10;    // keys, one a line (~80 B each)
inline constexpr uint64_t kMaxCheckpointFileBytes = 1 << 20;      // a signed note (~300 B)
inline constexpr uint64_t kMaxRecordFileBytes = (1 << 20) + 1024; // a LedgerRecord: event <= 1 MiB
inline constexpr uint64_t kMaxMappingFileBytes = 1 << 20;         // a CSV mapping (~2 KiB)

// A file's identity: device and inode (what makes two names one file).
struct FileId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  friend bool operator==(const FileId& a, const FileId& b) {
    return a.dev == b.dev && a.ino == b.ino;
  }
};
// The identity of the file `path` names, symlinks followed; nullopt if it
// cannot be stat(2)ed (absent, no permission).
std::optional<FileId> IdentifyPath(const std::string& path);
// The identity of the open file `fd`; nullopt if fstat(2) fails.
std::optional<FileId> IdentifyFd(int fd);

// "a FIFO", "a character device", "a directory", ... for messages.
const char* DescribeFileType(mode_t mode);

// What ReadWholeFile saw of the file it read (from fstat on the open file,
// so it describes the bytes returned, whatever the path names now).
struct ReadFileInfo {
  FileId id;
  mode_t mode = 0;  // st_mode
};

// The whole regular file at `path`, symlinks followed. The file is opened
// with O_NONBLOCK and checked with fstat(2) before anything is read, so a
// FIFO, a device (/dev/zero), a directory or a socket is refused at once:
// kInvalidArgument "<path> is not a regular file (it is a FIFO)". A file of
// more than `max_bytes` (by its size, or by what a read returns when it
// grows) is kInvalidArgument "<path> is more than <max_bytes> bytes";
// nothing beyond max_bytes + 1 bytes is ever read. kNotFound if it does not
// exist, kUnavailable on another I/O error. `info`, if not null, receives
// what fstat said of the file read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes,
                                          ReadFileInfo* info = nullptr);

// Opens the lock file at `path` for flock(2), creating it (mode 0644) if
// absent, with O_NOFOLLOW: a symlink planted there is never followed (nor
// its target created or truncated), and anything but a regular file is
// refused. Returns the descriptor (the caller closes it). kFailedPrecondition
// "<path> is a symbolic link ..." / "... is not a regular file"; kUnavailable
// on another I/O error.
absl::StatusOr<int> OpenLockFile(const std::string& path);

}  // namespace ledger

#endif  // ENFORCEMENT_UTIL_FILE_IO_H_
