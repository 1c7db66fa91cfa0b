#include "ingest/import_rejects.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "ingest/event_id.h"
#include "util/json_quote.h"
#include "ingest/ndjson.h"

namespace ingest {
namespace {

// How every entry starts (Add writes "input" first).
constexpr char kEntryStart[] = "{\"input\":";
// The row_sha256 of a redacted entry (AddRedacted).
constexpr char kRedactedHash[] = "redacted";

absl::Status Errno(absl::string_view what, const std::string& path) {
  const int err = errno;
  const std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::UnavailableError(msg);
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write the rejects file", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RejectsFile>> RejectsFile::Open(const std::string& path,
                                                               const std::string& input_name,
                                                               const ledger::OutputRules& rules) {
  absl::StatusOr<int> opened = ledger::OpenOutputInPlace(path, rules);
  if (!opened.ok()) {
    if (opened.status().code() == absl::StatusCode::kFailedPrecondition) return opened.status();
    return absl::UnavailableError(
        absl::StrCat("cannot open the rejects file: ", opened.status().message()));
  }
  const int fd = *opened;
  std::unique_ptr<RejectsFile> f(new RejectsFile(fd, path, input_name));
  // Read what is there.
  std::string content;
  {
    char buf[1 << 16];
    while (true) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot read the rejects file", path);
      }
      if (n == 0) break;
      content.append(buf, static_cast<size_t>(n));
    }
  }
  size_t start = 0;
  uint64_t line_no = 0;
  size_t keep = 0;  // bytes of complete entries
  while (start < content.size()) {
    const size_t nl = content.find('\n', start);
    if (nl == std::string::npos) break;  // torn last entry: cut below
    ++line_no;
    const absl::string_view line(content.data() + start, nl - start);
    google::protobuf::Struct entry;
    const auto s = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), &entry);
    auto field = [&](const char* name) -> const google::protobuf::Value* {
      auto it = entry.fields().find(name);
      return it == entry.fields().end() ? nullptr : &it->second;
    };
    const google::protobuf::Value* l = s.ok() ? field("line") : nullptr;
    const google::protobuf::Value* h = s.ok() ? field("row_sha256") : nullptr;
    if (l == nullptr || h == nullptr || l->kind_case() != google::protobuf::Value::kNumberValue ||
        h->kind_case() != google::protobuf::Value::kStringValue) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no,
                       ": not a rejects entry (with \"line\" and \"row_sha256\"): not a rejects "
                       "file; refused untouched (name a new file, or the rejects file of this "
                       "import)"));
    }
    f->entries_[static_cast<uint64_t>(l->number_value())].insert(h->string_value());
    ++f->entries_at_open_;
    start = nl + 1;
    keep = start;
  }
  if (keep != content.size()) {
    // Text after the last line end. Only a torn entry of ours may be cut:
    // every entry starts with kEntryStart, and a kill while writing leaves
    // some prefix of one. Anything else (a note without a final line end)
    // is not a rejects file, and is left untouched.
    const absl::string_view tail = absl::string_view(content).substr(keep);
    const absl::string_view start(kEntryStart);
    const bool torn_entry = absl::StartsWith(tail, start) || absl::StartsWith(start, tail);
    if (!torn_entry) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_no + 1,
          ": not a rejects entry (a last line without a line end that does not start like one, ",
          start, "): not a rejects file; refused untouched (name a new file, or the rejects "
          "file of this import)"));
    }
    // The process was killed while writing the last entry, before its
    // fsync: that entry never counted. Cut it; it is written again.
    if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
      return Errno("cannot cut the torn last entry of the rejects file", path);
    }
  }
  if (::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0) {
    return Errno("cannot seek in the rejects file", path);
  }
  return f;
}

RejectsFile::~RejectsFile() { ::close(fd_); }

std::string RejectsFile::RowHash(const Row& row) {
  return row.truncated ? row.raw_sha256 : Sha256Hex(row.raw);
}

bool RejectsFile::Contains(uint64_t line, absl::string_view row_sha256) const {
  auto it = entries_.find(line);
  return it != entries_.end() &&
         (it->second.contains(row_sha256) || it->second.contains(kRedactedHash));
}

void RejectsFile::AddRedacted(const Row& row, absl::string_view reason) {
  if (!entries_[row.line].insert(kRedactedHash).second) return;
  using util::JsonQuote;
  absl::StrAppend(&pending_, "{\"input\":", JsonQuote(input_name_), ",\"line\":", row.line,
                  ",\"last_line\":", row.last_line, ",\"row_sha256\":", JsonQuote(kRedactedHash),
                  ",\"reason\":", JsonQuote(reason), ",\"row_redacted\":true}\n");
  ++added_;
}

void RejectsFile::Add(const Row& row, absl::string_view reason) {
  const std::string hash = RowHash(row);
  if (!entries_[row.line].insert(hash).second) return;
  // One entry, fields in the documented order (see the header).
  using util::JsonQuote;
  std::string o = absl::StrCat("{\"input\":", JsonQuote(input_name_), ",\"line\":", row.line,
                               ",\"last_line\":", row.last_line,
                               ",\"row_sha256\":", JsonQuote(hash), ",\"reason\":",
                               JsonQuote(reason));
  if (row.truncated) absl::StrAppend(&o, ",\"row_truncated\":true,\"row_bytes\":", row.raw_bytes);
  if (FindInvalidUtf8(row.raw) == absl::string_view::npos) {
    absl::StrAppend(&o, ",\"row\":", JsonQuote(row.raw), "}");
  } else {
    absl::StrAppend(&o, ",\"row_base64\":", JsonQuote(absl::Base64Escape(row.raw)), "}");
  }
  pending_ += o;
  pending_ += '\n';
  ++added_;
}

absl::Status RejectsFile::Sync() {
  if (pending_.empty() && dir_synced_) return absl::OkStatus();
  if (absl::Status s = WriteAll(fd_, pending_, path_); !s.ok()) return s;
  pending_.clear();
  if (::fsync(fd_) != 0) return Errno("cannot sync the rejects file", path_);
  if (!dir_synced_) {
    // The file's directory entry must survive a crash too.
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    dir_synced_ = true;
  }
  return absl::OkStatus();
}

}  // namespace ingest
