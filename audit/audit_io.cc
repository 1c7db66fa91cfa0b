#include "audit/audit_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "util/file_io.h"

namespace audit {
namespace {

using ledger::ErrnoStatus;

std::string DirOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}


struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

// Largest record length accepted in an export: a record holds an event of
// at most 1 MiB (SPEC §3) plus a few bytes of framing.
constexpr uint64_t kMaxExportRecord = ledger::kMaxRecordFileBytes;

}  // namespace

absl::Status CreateFileExclusively(const std::string& path, absl::string_view data, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(path, " already exists; not overwritten"));
    }
    return ErrnoStatus("cannot create", path);
  }
  // The umask can only have removed bits; make the mode exactly `mode`.
  bool ok = ::fchmod(fd, mode) == 0 && ledger::WriteAllFd(fd, data) && ::fsync(fd) == 0;
  absl::Status s = ok ? absl::OkStatus() : ErrnoStatus("cannot write", path);
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus("cannot write", path);
  if (!s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  ledger::SyncDir(DirOf(path)).IgnoreError();  // the file itself is synced; best effort
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ledger::NoteVerifier>> LoadVerifierKeys(const std::string& arg) {
  std::string text = arg;
  std::string source = "--key";
  std::error_code ec;
  const bool is_file_ref = absl::StartsWith(arg, "@");
  const std::string path = is_file_ref ? arg.substr(1) : arg;
  if (is_file_ref || (std::filesystem::is_regular_file(path, ec) && !path.empty())) {
    absl::StatusOr<std::string> data = ReadWholeFile(path, ledger::kMaxVerifierKeyFileBytes);
    if (!data.ok()) return data.status();
    text = *std::move(data);
    source = path;
  }
  std::vector<ledger::NoteVerifier> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (absl::StartsWith(line, "PRIVATE+KEY+")) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, " holds a signer (private) key; give the verifier key (PREFIX.pub)"));
    }
    absl::StatusOr<ledger::NoteVerifier> v = ledger::NoteVerifier::Parse(line);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          source == "--key"
              ? absl::StrCat("--key is neither a file nor a verifier key: ", v.status().message())
              : absl::StrCat(source, " line ", line_no, ": ", v.status().message()));
    }
    out.push_back(*std::move(v));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " holds no key"));
  return out;
}

absl::StatusOr<ledger::NoteSigner> LoadSignerKey(const std::string& path, ledger::FileId* id) {
  ledger::ReadFileInfo info;
  absl::StatusOr<std::string> data = ReadWholeFile(path, ledger::kMaxSignerKeyFileBytes, &info);
  if (!data.ok()) return data.status();
  if (id != nullptr) *id = info.id;
  absl::string_view key = absl::StripAsciiWhitespace(*data);
  absl::StatusOr<ledger::NoteSigner> signer = ledger::NoteSigner::Parse(key);
  // Wipe our copy of the secret.
  std::fill(data->begin(), data->end(), '\0');
  if (!signer.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     " does not hold a signer key (PRIVATE+KEY+..., as written by "
                     "'ledger keygen'): ",
                     signer.status().message()));
  }
  // A secret that group or others can read (or replace) is refused, as ssh
  // refuses such a private key: by the mode of the file read (fstat).
  if ((info.mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "the signer key %s is readable or writable by group or others (mode %04o): refused, "
        "as ssh refuses such a private key; chmod 600 it (and consider it exposed)",
        absl::Utf8SafeCHexEscape(path), static_cast<unsigned>(info.mode & 07777)));
  }
  return signer;
}

absl::Status ForEachExportedRecord(
    const std::string& path,
    const std::function<absl::Status(uint64_t position, absl::string_view bytes)>& fn) {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return ErrnoStatus("cannot open", path);
  std::string buf;
  enforcement::v1::LedgerRecord rec;
  uint64_t index = 0, offset = 0;
  while (true) {
    const uint64_t start = offset;
    int c = std::getc(f.get());
    if (c == EOF) {
      if (std::ferror(f.get())) return ErrnoStatus("cannot read", path);
      return absl::OkStatus();
    }
    // Varint length, minimal encoding, at most 10 bytes.
    uint64_t len = 0;
    int shift = 0;
    int nbytes = 0;
    std::string problem;
    while (true) {
      ++nbytes;
      ++offset;
      len |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) {
        if (nbytes > 1 && c == 0) problem = "the length prefix is not minimally encoded";
        break;
      }
      shift += 7;
      if (nbytes == 10) {
        problem = "the length prefix is longer than 10 bytes";
        break;
      }
      c = std::getc(f.get());
      if (c == EOF) {
        problem = "the file ends inside a length prefix";
        break;
      }
    }
    if (problem.empty() && len > kMaxExportRecord) {
      problem =
          absl::StrCat("the length prefix says ", len, " bytes, more than any record can have");
    }
    if (!problem.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": record at position ", index, " (byte offset ", start, "): ", problem,
          "; the export is corrupt or truncated from position ", index, " on"));
    }
    buf.resize(len);
    const size_t got = len == 0 ? 0 : std::fread(buf.data(), 1, len, f.get());
    if (got != len) {
      if (std::ferror(f.get())) return ErrnoStatus("cannot read", path);
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": record at position ", index, " (byte offset ", start, "): the length prefix ",
          "says ", len, " bytes but only ", got, " remain; the export is truncated"));
    }
    offset += len;
    const bool parsed = rec.ParseFromString(buf);
    if (!parsed || !rec.has_event()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the record at position ", index, " (byte offset ", start, ") ",
                       parsed ? "has no event" : "is not a well-formed LedgerRecord",
                       ": it was changed, or a length prefix before it was"));
    }
    if (rec.position() != index) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": the record at position ", index, " (byte offset ", start, ") says position ",
          rec.position(), " (event \"", absl::CHexEscape(rec.event().event_id()),
          "\"): a record is missing, duplicated or out of order at position ", index));
    }
    if (absl::Status s = fn(index, buf); !s.ok()) return s;
    ++index;
  }
}

}  // namespace audit
