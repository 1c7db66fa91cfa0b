// The store of issued checkpoints. See checkpoint_store.h for the contract
// and docs/TAMPER_EVIDENCE.md §9 for the layout.
#include "checkpoints/checkpoint_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "util/file_io.h"

namespace ledger {
namespace {

constexpr char kLockName[] = "LOCK";
constexpr char kSuffix[] = ".ckpt";

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string Describe(const IssuedCheckpoint& i) {
  return absl::StrCat("checkpoints/", i.file, " (tree size ", i.checkpoint.size, ", root ",
                      merkle::ToBase64(i.checkpoint.root), ")");
}

// Checks that the tree (size1, root1) is a prefix of (size2, root2) with a
// consistency proof generated from the stored nodes. REQUIRES size1 <= size2.
absl::Status ProveConsistent(const merkle::NodeReader& nodes, uint64_t size1,
                             const merkle::Hash& root1, uint64_t size2, const merkle::Hash& root2,
                             const std::string& what) {
  if (size1 == size2) {
    if (root1 == root2) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to sign: ", what, ": two different roots for tree size ", size1,
                     ": ", merkle::ToBase64(root1), " and ", merkle::ToBase64(root2),
                     " (the log forked, or the checkpoints directory was tampered with)"));
  }
  if (size1 == 0) {
    if (root1 == merkle::EmptyRoot()) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("refusing to sign: ", what,
                                                      ": a checkpoint of tree size 0 must have the "
                                                      "empty-tree root ",
                                                      merkle::ToBase64(merkle::EmptyRoot()),
                                                      ", not ", merkle::ToBase64(root1)));
  }
  absl::StatusOr<std::vector<merkle::Hash>> proof = merkle::ConsistencyProof(nodes, size1, size2);
  if (!proof.ok()) return proof.status();
  if (absl::Status v = merkle::VerifyConsistency(size1, size2, root1, root2, *proof); !v.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to sign: ", what, ": the consistency proof from tree size ", size1,
        " to tree size ", size2, " (generated from the stored tree) does not verify: ", v.message(),
        " (the log forked, or the checkpoints directory was tampered with)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> UnverifiedNoteText(absl::string_view signed_note) {
  // The text ends at the last blank line: "...\n\n— sig\n".
  const size_t blank = signed_note.rfind("\n\n");
  if (blank == absl::string_view::npos) {
    return absl::InvalidArgumentError("malformed note: no blank line before the signatures");
  }
  return std::string(signed_note.substr(0, blank + 1));
}

CheckpointStore::CheckpointStore(std::string ledger_path)
    : dir_(std::move(ledger_path) + "/checkpoints") {}

CheckpointStore::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

absl::StatusOr<std::unique_ptr<CheckpointStore::Lock>> CheckpointStore::Acquire() const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create the checkpoints directory ", dir_, ": ", ec.message()));
  }
  const std::string path = absl::StrCat(dir_, "/", kLockName);
  absl::StatusOr<int> opened = OpenLockFile(path);  // never through a symlink
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const absl::Status s = ErrnoError("cannot lock", path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<Lock>(new Lock(fd));
}

std::string CheckpointStore::FileName(const Checkpoint& c, uint32_t key_hash) {
  return absl::StrFormat(
      "%020u-%s-%08x%s", c.size,
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(c.root.data()), 8)),
      key_hash, kSuffix);
}

absl::StatusOr<std::vector<IssuedCheckpoint>> CheckpointStore::List() const {
  std::vector<IssuedCheckpoint> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return out;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, ".") || !absl::EndsWith(name, kSuffix)) continue;
    names.push_back(name);
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot list ", dir_, ": ", ec.message()));
  }
  for (const std::string& name : names) {
    IssuedCheckpoint i;
    i.file = name;
    absl::StatusOr<std::string> data =
        ReadWholeFile(absl::StrCat(dir_, "/", name), kMaxCheckpointFileBytes);
    if (!data.ok()) {
      if (data.status().code() != absl::StatusCode::kInvalidArgument) return data.status();
      // Not a regular file (a FIFO, /dev/zero) or far too large: whatever
      // it is, it is not a checkpoint this ledger issued.
      return absl::DataLossError(absl::StrCat("checkpoints/", name,
                                              " is not a well-formed checkpoint: ",
                                              data.status().message()));
    }
    i.signed_note = *std::move(data);
    absl::StatusOr<std::string> text = UnverifiedNoteText(i.signed_note);
    absl::StatusOr<Checkpoint> c =
        text.ok() ? ParseCheckpoint(*text) : absl::StatusOr<Checkpoint>(text.status());
    if (!c.ok()) {
      return absl::DataLossError(absl::StrCat(
          "checkpoints/", name, " is not a well-formed checkpoint: ", c.status().message()));
    }
    i.checkpoint = *std::move(c);
    // Signature lines: "— <name> <base64(key hash || signature)>".
    absl::string_view sigs = absl::string_view(i.signed_note).substr(text->size() + 1);
    for (absl::string_view line : absl::StrSplit(sigs, '\n', absl::SkipEmpty())) {
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
      std::string raw;
      if (parts.size() == 3 && absl::Base64Unescape(parts[2], &raw) && raw.size() >= 4) {
        i.signers.push_back(absl::StrCat(
            parts[1], "+", absl::BytesToHexString(absl::string_view(raw).substr(0, 4))));
      } else {
        i.signers.push_back(
            absl::StrCat("(malformed signature line \"", absl::CHexEscape(line), "\")"));
      }
    }
    out.push_back(std::move(i));
  }
  std::sort(out.begin(), out.end(), [](const IssuedCheckpoint& a, const IssuedCheckpoint& b) {
    return a.checkpoint.size != b.checkpoint.size ? a.checkpoint.size < b.checkpoint.size
                                                  : a.file < b.file;
  });
  return out;
}

absl::Status CheckpointStore::CheckConsistent(const Checkpoint& c, const merkle::NodeReader& nodes,
                                              uint64_t tree_size) const {
  if (c.size > tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree size ", c.size, " is past the head (tree size ", tree_size, ")"));
  }
  absl::StatusOr<std::vector<IssuedCheckpoint>> issued = List();
  if (!issued.ok()) {
    if (issued.status().code() == absl::StatusCode::kDataLoss) {
      return absl::FailedPreconditionError(
          absl::StrCat("refusing to sign: ", issued.status().message()));
    }
    return issued.status();
  }
  std::map<uint64_t, const IssuedCheckpoint*> by_size;
  const IssuedCheckpoint* latest_le = nullptr;
  const IssuedCheckpoint* earliest_ge = nullptr;
  for (const IssuedCheckpoint& i : *issued) {
    const Checkpoint& ic = i.checkpoint;
    if (ic.origin != c.origin) {
      return absl::FailedPreconditionError(absl::StrCat("refusing to sign: ", Describe(i),
                                                        " is a checkpoint of the log \"", ic.origin,
                                                        "\", not of this log \"", c.origin, "\""));
    }
    if (ic.size > tree_size) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to sign: ", Describe(i), " was issued for ", ic.size,
          " records but the ledger has only ", tree_size,
          " (records it had signed are gone, or the checkpoints directory was tampered with)"));
    }
    auto [it, inserted] = by_size.emplace(ic.size, &i);
    if (!inserted && it->second->checkpoint.root != ic.root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to sign: ", Describe(*it->second), " and ", Describe(i),
          " are issued checkpoints of the same tree size with different roots (the log forked, "
          "or the checkpoints directory was tampered with)"));
    }
    if (ic.size <= c.size) latest_le = &i;
    if (ic.size >= c.size && earliest_ge == nullptr) earliest_ge = &i;
  }
  if (latest_le != nullptr) {
    const Checkpoint& l = latest_le->checkpoint;
    if (absl::Status s = ProveConsistent(nodes, l.size, l.root, c.size, c.root,
                                         absl::StrCat("against ", Describe(*latest_le)));
        !s.ok()) {
      return s;
    }
  }
  if (earliest_ge != nullptr) {
    const Checkpoint& e = earliest_ge->checkpoint;
    if (absl::Status s = ProveConsistent(nodes, c.size, c.root, e.size, e.root,
                                         absl::StrCat("against ", Describe(*earliest_ge)));
        !s.ok()) {
      return s;
    }
  }
  // Every issued checkpoint, not only the neighbours, must still state the
  // stored tree's root at its size: one edited in the directory after it was
  // issued breaks the chain that the neighbour checks rely on, and anything
  // inconsistent blocks signing (docs/TAMPER_EVIDENCE.md §10).
  for (const IssuedCheckpoint& i : *issued) {
    absl::StatusOr<merkle::Hash> stored = merkle::RootAt(nodes, i.checkpoint.size);
    if (!stored.ok()) return stored.status();
    if (*stored != i.checkpoint.root) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to sign: ", Describe(i), " does not match the ledger's tree, whose root at tree size ",
          i.checkpoint.size, " is ", merkle::ToBase64(*stored),
          " (the checkpoints directory was tampered with, or the log rewrote history)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckpointStore::AddResult> CheckpointStore::Add(const Checkpoint& c,
                                                                absl::string_view signed_note,
                                                                uint32_t key_hash) const {
  AddResult result;
  result.file = FileName(c, key_hash);
  const std::string path = absl::StrCat(dir_, "/", result.file);
  if (absl::StatusOr<std::string> existing = ReadWholeFile(path, kMaxCheckpointFileBytes);
      existing.ok() || existing.status().code() != absl::StatusCode::kNotFound) {
    if (!existing.ok()) {
      return absl::AlreadyExistsError(absl::StrCat("checkpoints/", result.file,
                                                   " already exists and is not this checkpoint (",
                                                   existing.status().message(), "); not replaced"));
    }
    if (*existing == signed_note) {
      result.already_issued = true;
      return result;
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "checkpoints/", result.file, " already exists with different contents; not replaced"));
  }
  // CreateFileWhole links, and link(2) never replaces an existing file: the
  // store stays append-only even if the lock were bypassed.
  if (absl::Status s = CreateFileWhole(path, signed_note, 0644); !s.ok()) {
    if (absl::IsAlreadyExists(s)) {
      return absl::AlreadyExistsError(
          absl::StrCat("checkpoints/", result.file, " appeared meanwhile"));
    }
    return s;
  }
  SyncDir(dir_).IgnoreError();  // the file itself is synced; best effort
  return result;
}

}  // namespace ledger
