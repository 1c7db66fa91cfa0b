// The output-file policy. See output_file.h and docs/FILES.md.
#include "util/output_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ledger {
namespace {

constexpr char kSignerKeyPrefix[] = "PRIVATE+KEY+";

std::string Shown(const std::string& path) { return absl::Utf8SafeCHexEscape(path); }

std::string DirOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? std::string(".") : dir;
}

absl::Status Refused(const OutputRules& rules, const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat(rules.option, " ", Shown(path), " ", why,
                   ": refused (an output replaces nothing but a regular file it owns; see "
                   "docs/FILES.md)"));
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool Exists(const std::string& path, bool want_dir) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && (!want_dir || S_ISDIR(st.st_mode));
}

bool IsLedgerDirectory(const std::string& dir) {
  const std::string base = dir == "/" ? std::string() : dir;
  return IsRegularFile(base + "/CURRENT") &&
         (Exists(base + "/WRITER.lock", false) || Exists(base + "/checkpoints", true) ||
          Exists(base + "/IDENTITY", false));
}

// Whether the regular file at `path` starts with a signer key. Opened with
// O_NOFOLLOW | O_NONBLOCK: the caller has seen a regular file there, and a
// swap for something else must not make this read block or follow a link.
bool HoldsSignerKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return false;
  struct stat st;
  char buf[sizeof(kSignerKeyPrefix) - 1];
  size_t got = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    while (got < sizeof(buf)) {
      const ssize_t n = ::read(fd, buf + got, sizeof(buf) - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return got == sizeof(buf) && std::memcmp(buf, kSignerKeyPrefix, sizeof(buf)) == 0;
}

}  // namespace

std::optional<std::string> EnclosingLedgerDirectory(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(DirOf(path).c_str(), resolved) == nullptr) return std::nullopt;
  std::filesystem::path dir(resolved);
  while (true) {
    if (IsLedgerDirectory(dir.string())) return dir.string();
    if (!dir.has_relative_path()) return std::nullopt;  // "/" checked
    dir = dir.parent_path();
  }
}

absl::StatusOr<OutputTarget> CheckOutputPath(const std::string& path, const OutputRules& rules) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(rules.option, " wants a file"));
  OutputTarget target;
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return Refused(rules, path, "is a symbolic link (an output is never written through one)");
    }
    if (!S_ISREG(st.st_mode)) {
      return Refused(rules, path, absl::StrCat("is ", DescribeFileType(st.st_mode)));
    }
    target.existing = FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  } else if (errno != ENOENT) {
    return ErrnoStatus("cannot check the output file", path);
  }
  if (std::optional<std::string> ledger_dir = EnclosingLedgerDirectory(path)) {
    return Refused(rules, path,
                   absl::StrCat("is inside the ledger directory ", Shown(*ledger_dir),
                                " (only the ledger writes there)"));
  }
  if (target.existing) {
    for (const ProtectedFile& p : rules.inputs) {
      if (p.id == *target.existing) {
        return Refused(rules, path, absl::StrCat("is ", p.role, " of this command"));
      }
    }
    if (HoldsSignerKey(path)) {
      return Refused(rules, path, "holds a signer key (PRIVATE+KEY+...)");
    }
  }
  return target;
}

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path,
                                                               const OutputRules& rules,
                                                               mode_t mode) {
  absl::StatusOr<OutputTarget> target = CheckOutputPath(path, rules);
  if (!target.ok()) return target.status();
  const std::string dir = DirOf(path);
  std::string tmp = absl::StrCat(dir, "/.", std::filesystem::path(path).filename().string(),
                                 ".tmp-XXXXXX");
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return ErrnoStatus("cannot create a temporary file in", dir);
  if (::fchmod(fd, mode) != 0) {
    absl::Status s = ErrnoStatus("cannot set the mode of", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    absl::Status s = ErrnoStatus("cannot open", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  return std::unique_ptr<OutputFile>(
      new OutputFile(path, std::move(tmp), f, target->existing, rules.option));
}

OutputFile::~OutputFile() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_) ::unlink(tmp_.c_str());
}

absl::Status OutputFile::Write(absl::string_view data) {
  if (f_ == nullptr) return absl::FailedPreconditionError("the output file is closed");
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), f_) != data.size()) {
    return ErrnoStatus("cannot write", tmp_);
  }
  return absl::OkStatus();
}

absl::Status OutputFile::Commit() {
  if (f_ == nullptr) return absl::FailedPreconditionError("the output file is closed");
  const bool flushed = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  absl::Status s = flushed ? absl::OkStatus() : ErrnoStatus("cannot write", tmp_);
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0 && s.ok()) s = ErrnoStatus("cannot write", tmp_);
  if (!s.ok()) return s;
  const OutputRules rules{option_, {}};
  if (!existing_) {
    // The path was free: link(2) fails rather than replace whatever
    // appeared there meanwhile.
    if (::link(tmp_.c_str(), path_.c_str()) == 0) {
      ::unlink(tmp_.c_str());
    } else if (errno == EEXIST) {
      return Refused(rules, path_, "appeared while the output was being written");
    } else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOTSUP) {
      // A file system without hard links: look again, then rename (the
      // window between the two is as small as it gets there).
      struct stat st;
      if (::lstat(path_.c_str(), &st) == 0 || errno != ENOENT) {
        return Refused(rules, path_, "appeared while the output was being written");
      }
      if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        return ErrnoStatus("cannot rename a temporary file to", path_);
      }
    } else {
      return ErrnoStatus("cannot create", path_);
    }
  } else {
    struct stat st;
    if (::lstat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        !(FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)} ==
          *existing_)) {
      return Refused(rules, path_, "changed while the output was being written");
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return ErrnoStatus("cannot rename a temporary file to", path_);
    }
  }
  committed_ = true;
  SyncDir(DirOf(path_)).IgnoreError();  // the file itself is synced; best effort
  return absl::OkStatus();
}

absl::Status WriteOutputFile(const std::string& path, absl::string_view data,
                             const OutputRules& rules, mode_t mode) {
  absl::StatusOr<std::unique_ptr<OutputFile>> f = OutputFile::Create(path, rules, mode);
  if (!f.ok()) return f.status();
  if (absl::Status s = (*f)->Write(data); !s.ok()) return s;
  return (*f)->Commit();
}

absl::StatusOr<int> OpenOutputInPlace(const std::string& path, const OutputRules& rules) {
  absl::StatusOr<OutputTarget> target = CheckOutputPath(path, rules);
  if (!target.ok()) return target.status();
  // Create only what was absent (O_EXCL): a file that appeared since the
  // check (e.g. a link to an input) was not checked and is refused.
  const int create = target->existing ? 0 : O_CREAT | O_EXCL;
  const int fd =
      ::open(path.c_str(), O_RDWR | create | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0) {
    if (errno == EEXIST || (errno == ENOENT && target->existing)) {
      return Refused(rules, path, "changed while it was being opened");
    }
    if (errno == ELOOP) {
      return Refused(rules, path, "is a symbolic link (an output is never written through one)");
    }
    return ErrnoStatus("cannot open", path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    absl::Status s = ErrnoStatus("cannot stat", path);
    ::close(fd);
    return s;
  }
  const FileId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  if (!S_ISREG(st.st_mode) || (target->existing && !(id == *target->existing))) {
    ::close(fd);
    return Refused(rules, path,
                   S_ISREG(st.st_mode) ? std::string("changed while it was being opened")
                                       : absl::StrCat("is ", DescribeFileType(st.st_mode)));
  }
  // A file created just now is new: nothing of ours to check. A file that
  // existed was checked against the inputs above, by the same identity.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace ledger
