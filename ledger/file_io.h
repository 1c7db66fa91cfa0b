// Small POSIX file helpers shared by the ledger, the views and the CLI: whole
// writes, whole reads and directory syncs, with errors as absl::Status.
// Thread-safe (no shared state).
#ifndef ENFORCEMENT_LEDGER_FILE_IO_H_
#define ENFORCEMENT_LEDGER_FILE_IO_H_

#include <cstdint>
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

// fsyncs the directory `dir`, so that the entries created, renamed or removed
// in it survive a power loss. kUnavailable if it cannot be opened or synced.
absl::Status SyncDir(const std::string& dir);

// The whole file at `path`. kNotFound if it does not exist, kUnavailable on
// another I/O error, kInvalidArgument if it holds more than `max_bytes`.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          uint64_t max_bytes = ~uint64_t{0});

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_FILE_IO_H_
