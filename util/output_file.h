// The one policy for every file a command writes at a path the user names
// (`--out`, `--record-out`, `--rejects`, the keygen prefix); docs/FILES.md
// states it for users. An output is written only over nothing or over a
// regular file that the command owns by contract. Refused, untouched:
//  - anything that is not a regular file: a device node (/dev/null), a FIFO,
//    a socket, a directory, a symbolic link (even one to a regular file, or
//    a dangling one: it is never followed);
//  - anything inside a ledger directory (EnclosingLedgerDirectory);
//  - one of the command's own inputs (OutputRules::inputs), compared by
//    device and inode, not by name: `./in.ndjson`, a hard link or a
//    symlinked directory name the same file;
//  - a regular file that holds a signer key ("PRIVATE+KEY+", what `ledger
//    keygen` writes to PREFIX.key), whichever command names it.
// There is no --force: none of these is what a user means, and replacing a
// regular file given as --out is already the default.
//
// Writing: a temporary file `.<name>.tmp-XXXXXX` beside the target, fsynced,
// then, if the target was absent, link(2)ed to its name (which fails rather
// than replace a file that appeared meanwhile; on a file system without hard
// links, renamed after looking again), else renamed over it after
// checking that it is still the same regular file; then the directory is
// fsynced. A temporary file is removed on every failure.
//
// Errors: kFailedPrecondition for a refusal, naming the option, the path
// and why ("--out /dev/null is a character device: refused; ..."); the CLI
// reports it as a usage error (exit 2). kNotFound / kUnavailable for I/O
// errors (e.g. no such directory).
//
// Thread-compatible: an OutputFile is used by one thread; the functions
// have no shared state.
#ifndef ENFORCEMENT_UTIL_OUTPUT_FILE_H_
#define ENFORCEMENT_UTIL_OUTPUT_FILE_H_

#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "util/file_io.h"

namespace ledger {

// The ledger directory that holds `path`, if any: the nearest of path's
// directory (symlinks resolved with realpath(3)) and its ancestors that is a
// ledger directory, i.e. holds a regular file `CURRENT` beside `WRITER.lock`,
// a `checkpoints` directory or `IDENTITY`. That covers every ledger (its
// RocksDB files, WRITER.lock and checkpoints/), its views store (<db>/views)
// and any other RocksDB database. nullopt if there is none, or if path's
// directory does not exist.
std::optional<std::string> EnclosingLedgerDirectory(const std::string& path);

// A file the command reads, which its output must not be.
struct ProtectedFile {
  FileId id;
  std::string role;  // for the message, e.g. "the input", "the signer key file (--key)"
};

struct OutputRules {
  std::string option;                  // for messages, e.g. "--out"
  std::vector<ProtectedFile> inputs;   // the command's inputs and keys
};

// What is at an output path that passed CheckOutputPath.
struct OutputTarget {
  std::optional<FileId> existing;  // the regular file there, if any
};

// Checks `path` against the policy above without writing anything.
absl::StatusOr<OutputTarget> CheckOutputPath(const std::string& path, const OutputRules& rules);

// An output written atomically under the policy. Create checks the target
// and creates the temporary file; write to file(); Commit makes it the
// target's content. Destroying an uncommitted OutputFile removes the
// temporary file and leaves the target as it was.
class OutputFile {
 public:
  // REQUIRES: `path` is not empty. `mode` is the new file's exact mode.
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path,
                                                            const OutputRules& rules,
                                                            mode_t mode = 0644);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // The temporary file, open for writing. Valid until Commit.
  FILE* file() const { return f_; }
  // Writes all of `data` to file(); kUnavailable on an error.
  absl::Status Write(absl::string_view data);
  // Flushes, fsyncs and closes the temporary file, checks the target again
  // (kFailedPrecondition if a file appeared at a path that was free, or the
  // file there is no longer the regular file that was checked), puts the
  // temporary file in its place and fsyncs the directory. Call once.
  absl::Status Commit();

  const std::string& path() const { return path_; }

 private:
  OutputFile(std::string path, std::string tmp, FILE* f, std::optional<FileId> existing,
             std::string option)
      : path_(std::move(path)),
        tmp_(std::move(tmp)),
        f_(f),
        existing_(existing),
        option_(std::move(option)) {}
  std::string path_, tmp_;
  FILE* f_;
  std::optional<FileId> existing_;
  std::string option_;
  bool committed_ = false;
};

// Create + Write + Commit.
absl::Status WriteOutputFile(const std::string& path, absl::string_view data,
                             const OutputRules& rules, mode_t mode = 0644);

// Opens, creating it (mode 0644) if absent, an output that the command
// updates in place rather than replaces (the rejects file of `ledger import
// --rejects`, which it reads and appends to): CheckOutputPath, then
// open(O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK), then fstat(2) on the
// descriptor must show a regular file (and the one checked, if there was
// one). Returns the descriptor in blocking mode; the caller closes it and
// judges the content.
absl::StatusOr<int> OpenOutputInPlace(const std::string& path, const OutputRules& rules);

}  // namespace ledger

#endif  // ENFORCEMENT_UTIL_OUTPUT_FILE_H_
