#include "ledger/ledger.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/file_io.h"
#include "ledger/high_water_mark.h"
#include "ledger/key_coding.h"
#include "ledger/ledger_internal.h"
#include "ledger/record_coding.h"
#include "ledger/rocks_log.h"
#include "ledger/rocks_log_capture.h"
#include "ledger/validate.h"
#include "util/error_detail.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"

namespace ledger {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

namespace {

constexpr size_t kMaxCachedStreams = size_t{1} << 20;
constexpr char kLockFileName[] = "WRITER.lock";

const char* const kFamilyNames[] = {kMetaFamily,     kRecordsFamily, kStreamsFamily,
                                    kEventIdsFamily, kMerkleFamily,  kRetractedFamily};

rocksdb::ColumnFamilyOptions IndexFamilyOptions() {
  // Small memtables keep the skiplists of random keys cache-friendly
  // (LIMITS.md: 4 MiB index memtables raise the append rate by ~75%); bloom
  // filters make the idempotency lookups of new event ids cheap.
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 4 << 20;
  rocksdb::BlockBasedTableOptions t;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> FamilyDescriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  rocksdb::ColumnFamilyOptions plain;
  d.emplace_back(kMetaFamily, plain);
  d.emplace_back(kRecordsFamily, plain);
  d.emplace_back(kStreamsFamily, IndexFamilyOptions());
  d.emplace_back(kEventIdsFamily, IndexFamilyOptions());
  d.emplace_back(kMerkleFamily, plain);
  d.emplace_back(kRetractedFamily, IndexFamilyOptions());
  return d;
}

// An error about input event `index` of a batch: its message names the
// event, its ErrorDetail (util/error_detail.h) carries the index, the
// event_id, the field and the rule for programs.
absl::Status EventError(absl::StatusCode code, size_t index, const Event& e,
                        absl::string_view message, absl::string_view reason,
                        absl::string_view field_path = "") {
  util::ErrorDetail detail;
  detail.set_reason(std::string(reason));
  detail.set_event_index(static_cast<uint32_t>(index));
  detail.set_event_id(e.event_id());
  detail.set_field_path(std::string(field_path));
  return util::WithErrorDetail(
      absl::Status(code, absl::StrFormat("event %d (event_id \"%s\"): %s", index,
                                         absl::CHexEscape(e.event_id()), message)),
      detail);
}

// The body kind a correction of `e` must carry: its own body kind, or, for a
// correction, the kind of its replacement (which is the corrected fact's).
Event::BodyCase EffectiveKind(const Event& e) {
  if (e.body_case() == Event::kCorrection) return e.correction().replacement().body_case();
  return e.body_case();
}

absl::Status ParseRecord(absl::string_view value, uint64_t position, StoredRecord* out) {
  absl::StatusOr<absl::string_view> bytes = RecordBytesFromValue(value, position);
  if (!bytes.ok()) return bytes.status();
  out->bytes.assign(bytes->data(), bytes->size());
  if (!out->record.ParseFromString(out->bytes)) {
    return absl::DataLossError(absl::StrCat("record ", position, ": stored bytes do not parse"));
  }
  if (out->record.position() != position) {
    return absl::DataLossError(absl::StrCat("record ", position, ": stored under position ",
                                            position, " but says position ",
                                            out->record.position()));
  }
  return absl::OkStatus();
}

// A RocksDB secondary instance needs a directory of its own for its info
// log. It lives in <ledger>/readers/ (or $TMPDIR when the ledger directory is
// not writable, e.g. an auditor's read-only copy), named after the reader's
// pid, so that directories left by killed readers are swept by the next one.
absl::StatusOr<std::string> MakeReaderDir(const std::string& ledger_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string base = ledger_path + "/readers";
  fs::create_directories(base, ec);
  if (ec || access(base.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    base = std::string(tmp && *tmp ? tmp : "/tmp");
  }
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    int pid = 0;
    if (std::sscanf(name.c_str(), "ledger-reader-%d-", &pid) == 1 && pid > 0 &&
        kill(pid, 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
  std::string tmpl = absl::StrCat(base, "/ledger-reader-", getpid(), "-XXXXXX");
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a reader directory in ", base, ": ",
                                            strerror(errno)));
  }
  return tmpl;
}

// Refuses to create a ledger where one seems to have lived: RocksDB files or
// a high-water mark without CURRENT is a damaged ledger, not an empty
// directory.
absl::Status CheckNoLedgerRemains(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return absl::OkStatus();
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "MANIFEST-") || absl::EndsWith(name, ".sst") ||
        absl::EndsWith(name, ".log")) {
      return absl::DataLossError(absl::StrCat(
          path, "/CURRENT is missing but ", name,
          " is there: the ledger's database is damaged (restore it from a backup)"));
    }
  }
  absl::StatusOr<HighWaterMark> mark = ReadHighWaterMark(path);
  if (absl::IsNotFound(mark.status())) return absl::OkStatus();
  if (!mark.ok()) return mark.status();
  return absl::DataLossError(absl::StrCat(
      path, "/CURRENT is missing but ", kHighWaterMarkFileName, " says the ledger acknowledged ",
      mark->tree_size, " records: the ledger's database is gone or damaged"));
}

// An error from RocksDB's open, with the code and words of what it means.
absl::Status OpenError(const std::string& path, const rocksdb::Status& s,
                       const RocksLogCapture& log) {
  std::string text = s.ToString();
  if (const std::string named = log.FileMessages(); !named.empty()) {
    absl::StrAppend(&text, " [RocksDB: ", named, "]");
  }
  if (absl::StrContains(absl::AsciiStrToLower(text), "column famil")) {
    return absl::DataLossError(absl::StrCat(path, " is not a ledger of this format: ", text));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat("opening ", path, ": ", text,
                                            " (a damaged write-ahead log, MANIFEST or table "
                                            "file; nothing was changed)"));
  }
  if (s.IsPathNotFound() || s.IsTryAgain() ||
      (s.IsIOError() && absl::StrContains(text, "No such file"))) {
    // CURRENT names a MANIFEST that is gone, or the MANIFEST lists a file
    // that is gone.
    return absl::DataLossError(
        absl::StrCat("opening ", path, ": a file of the database is missing: ", text));
  }
  return FromRocks(s, absl::StrCat("opening ", path));
}

// A RocksDB secondary instance silently leaves out a table file it cannot
// open (it expects the primary to delete files under it), which would show
// a reader a log with holes and an index without entries. So a reader first
// checks every file the MANIFEST lists — present, of its recorded size, a
// table whose footer and identity match — with a strict read-only open that
// stops before replaying the WAL (error_if_wal_file_exists), a few ms.
// A writer's compaction may replace files between the MANIFEST read and the
// check: a failure is believed only when it repeats.
absl::Status CheckTableFilesForReader(const std::string& path, rocksdb::DBOptions options,
                                      const RocksLogCapture& log) {
  options.max_open_files = -1;
  options.paranoid_checks = true;
  rocksdb::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) usleep(20000);
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    s = rocksdb::DB::OpenForReadOnly(options, path, FamilyDescriptors(), &handles, &raw,
                                     /*error_if_wal_file_exists=*/true);
    if (s.ok()) {
      for (auto* h : handles) raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      raw->Close().PermitUncheckedError();
      delete raw;
      return absl::OkStatus();
    }
    if (absl::StrContains(s.ToString(), "error_if_wal_file_exists")) return absl::OkStatus();
  }
  return OpenError(path, s, log);
}

// The value of the format_version key for a format this program writes, or
// null.
const char* FormatVersionValue(uint32_t format_version) {
  switch (format_version) {
    case 1:
      return kFormatVersion1;
    case 2:
      return kFormatVersion2;
    default:
      return nullptr;
  }
}

HighWaterMark InitialMark(absl::string_view origin, uint32_t format_version) {
  HighWaterMark m;
  m.format_version = format_version;
  m.origin_hash = OriginHash(origin);
  m.tree_size = 0;
  m.root = merkle::EmptyRoot();
  return m;
}

// The newest issued checkpoints, as their file names say (docs/FORMAT.md:
// <size, 20 digits>-<root, 16 hex>-<key hash, 8 hex>.ckpt). A directory that
// is absent or cannot be listed has none.
NewestCheckpoints ScanCheckpointNames(const std::string& ledger_dir) {
  NewestCheckpoints out;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(ledger_dir + "/checkpoints", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 20 + 1 + 16 + 1 + 8 + 5 || name[0] == '.' ||
        !absl::EndsWith(name, ".ckpt") || name[20] != '-' || name[37] != '-') {
      continue;
    }
    uint64_t size = 0;
    if (!absl::SimpleAtoi(absl::string_view(name).substr(0, 20), &size)) continue;
    if (size < out.size) continue;
    if (size > out.size) out.files_and_roots.clear();
    out.size = size;
    out.files_and_roots.emplace_back(name, absl::AsciiStrToLower(name.substr(21, 16)));
  }
  return out;
}

// fsyncs the write-ahead log files in `dir` without RocksDB, whose WAL writer
// must not be used again once a write through it failed: the batches
// appended before the failure are in those files.
absl::Status SyncWalFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log") continue;
    const std::string file = entry.path().string();
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // made obsolete meanwhile
      return ErrnoStatus("cannot open the WAL file", file);
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
      errno = err;
      return ErrnoStatus("cannot sync the WAL file", file);
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no space left on device while ", context, " (", s.ToString(), ")"));
  }
  std::string msg = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return absl::AbortedError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

std::string MissingRecordText(uint64_t expect, absl::string_view after,
                              const rocksdb::Iterator& it, const RocksLogCapture* log) {
  std::string text = absl::StrCat("record ", expect, " is missing (", after, ")");
  if (!it.status().ok()) {
    absl::StrAppend(&text, ": ", it.status().ToString());
  } else if (log != nullptr) {
    if (const std::string named = log->FileMessages(); !named.empty()) {
      absl::StrAppend(&text, " [RocksDB: ", named, "]");
    }
  }
  return text;
}

absl::StatusOr<merkle::Hash> RocksNodeReader::GetNode(int level, uint64_t index) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  std::string value;
  rocksdb::Status s = db_->Get(ro, cf_, MerkleKey(level, index), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("merkle node (level ", level, ", index ", index, ") is missing"));
  }
  if (!s.ok()) return FromRocks(s, "reading merkle node");
  if (value.size() != 32) {
    return absl::DataLossError(absl::StrCat("merkle node (level ", level, ", index ", index,
                                            ") has ", value.size(), " bytes, not 32"));
  }
  merkle::Hash h;
  std::memcpy(h.data(), value.data(), 32);
  return h;
}

std::string ExpectedVersion::ToString() const {
  if (is_any()) return "any";
  if (is_no_stream()) return "no stream";
  return absl::StrCat(v_);
}

Ledger::Impl::~Impl() {
  if (db) {
    for (auto* h : handles) {
      if (h != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    handles.clear();
    db->Close().PermitUncheckedError();
    db.reset();
  }
  if (lock_fd >= 0) close(lock_fd);  // releases the flock
  if (!secondary_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir, ec);
  }
}

absl::Status Ledger::Impl::LoadHead() {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf(kMeta), kHeadKey, &value);
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading the head of ", path));
  std::optional<HeadValue> hv = DecodeHead(value);
  if (!hv) return absl::DataLossError(absl::StrCat(path, ": head value is malformed"));
  absl::StatusOr<merkle::CompactRange> r = merkle::CompactRange::Load(*node_reader, hv->tree_size);
  if (!r.ok()) return r.status();
  if (r->Root() != hv->root) {
    return absl::DataLossError(absl::StrCat(
        path, ": the stored Merkle nodes give root ", merkle::ToHex(r->Root()),
        " but the head says ", merkle::ToHex(hv->root), " for tree size ", hv->tree_size));
  }
  std::string origin;
  s = db->Get(rocksdb::ReadOptions(), cf(kMeta), kOriginKey, &origin);
  if (!s.ok()) return FromRocks(s, "reading the origin");
  std::lock_guard<std::mutex> l(mu);
  range = *std::move(r);
  head.tree_size = hv->tree_size;
  head.root = hv->root;
  head.origin = origin;
  head.last_recorded_at = hv->tree_size == 0 ? absl::InfinitePast()
                                             : absl::FromUnixNanos(hv->last_recorded_at_nanos);
  return absl::OkStatus();
}

absl::Status Ledger::Impl::CheckHighWaterMarks(const HighWaterMark* m,
                                               const NewestCheckpoints& newest) const {
  const Head h = [&] {
    std::lock_guard<std::mutex> l(mu);
    return head;
  }();
  auto root_at = [&](uint64_t size) -> absl::StatusOr<merkle::Hash> {
    if (size == h.tree_size) return h.root;
    return merkle::RootAt(*node_reader, size);
  };
  const std::string mark_path = absl::StrCat(path, "/", kHighWaterMarkFileName);
  if (m != nullptr) {
    if (m->format_version != format_version) {
      return absl::DataLossError(absl::StrCat(mark_path, " is for storage format ",
                                              m->format_version, ", the database is format ",
                                              format_version));
    }
    if (m->origin_hash != OriginHash(h.origin)) {
      return absl::DataLossError(absl::StrCat(
          mark_path, " belongs to a ledger of another origin than \"", absl::CHexEscape(h.origin),
          "\": the mark or the database was swapped in from another ledger"));
    }
    if (h.tree_size < m->tree_size) {
      return absl::DataLossError(absl::StrCat(
          "the log at ", path, " ends at tree size ", h.tree_size, ", but the ledger acknowledged ",
          m->tree_size, " records (", kHighWaterMarkFileName, "): records ", h.tree_size, "..",
          m->tree_size - 1,
          " are lost — a damaged, truncated, deleted or older write-ahead log (*.log) or table "
          "file. Nothing was changed; restore from a backup or an export"));
    }
    absl::StatusOr<merkle::Hash> root = root_at(m->tree_size);
    if (!root.ok()) return root.status();
    if (*root != m->root) {
      return absl::DataLossError(absl::StrCat(
          "the log at ", path, " has root ", merkle::ToHex(*root), " at tree size ", m->tree_size,
          ", but the ledger acknowledged root ", merkle::ToHex(m->root), " at that size (",
          kHighWaterMarkFileName, "): a file of another ledger or an older copy was swapped in"));
    }
  }
  if (newest.files_and_roots.empty()) return absl::OkStatus();
  if (newest.size > h.tree_size) {
    return absl::DataLossError(absl::StrCat(
        "the log at ", path, " ends at tree size ", h.tree_size, ", but checkpoints/",
        newest.files_and_roots.front().first, " was issued at tree size ", newest.size,
        ": records ", h.tree_size, "..", newest.size - 1, " are lost"));
  }
  absl::StatusOr<merkle::Hash> root = root_at(newest.size);
  if (!root.ok()) return root.status();
  const std::string prefix = merkle::ToHex(*root).substr(0, 16);
  for (const auto& [file, root_prefix] : newest.files_and_roots) {
    if (root_prefix != prefix) {
      return absl::DataLossError(absl::StrCat(
          "the log at ", path, " has root ", merkle::ToHex(*root), " at tree size ", newest.size,
          ", but checkpoints/", file, " was issued for a root starting ", root_prefix,
          ": the log was rewritten or swapped"));
    }
  }
  return absl::OkStatus();
}

absl::Status Ledger::Impl::CheckMarkNotRequired() const {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf(kMeta), kHighWaterMarkKey, &value);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return FromRocks(s, "reading the high_water_mark key");
  return absl::DataLossError(absl::StrCat(path, "/", kHighWaterMarkFileName,
                                          " is missing, but this ledger has kept one since it "
                                          "was created: the directory is damaged"));
}

AcknowledgedMarks ReadAcknowledgedMarks(const std::string& path) {
  AcknowledgedMarks m;
  m.mark = ReadHighWaterMark(path);
  m.checkpoints = ScanCheckpointNames(path);
  return m;
}

absl::Status Ledger::Impl::CheckAgainst(const AcknowledgedMarks& m) const {
  if (!m.mark.ok() && !absl::IsNotFound(m.mark.status())) return m.mark.status();
  if (!m.mark.ok()) {
    if (absl::Status s = CheckMarkNotRequired(); !s.ok()) return s;
  }
  return CheckHighWaterMarks(m.mark.ok() ? &*m.mark : nullptr, m.checkpoints);
}

absl::Status Ledger::Impl::ValidateOpened(const std::optional<AcknowledgedMarks>& marks) {
  std::string version;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf(kMeta), kFormatVersionKey, &version);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat(path, " has no format_version: not a ledger"));
  }
  if (!s.ok()) return FromRocks(s, "reading format_version");
  if (version == kFormatVersion1) {
    format_version = 1;
  } else if (version == kFormatVersion2) {
    format_version = 2;
  } else {
    return absl::UnimplementedError(
        absl::StrCat(path, " has storage format \"", absl::CHexEscape(version),
                     "\"; this program reads formats 1 and 2 (a newer program wrote it?)"));
  }
  if (absl::Status st = LoadHead(); !st.ok()) return st;
  if (marks) return CheckAgainst(*marks);
  return absl::OkStatus();
}

absl::Status Ledger::Impl::OpenWriterMark() {
  absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> w = HighWaterMarkWriter::Open(path);
  if (w.ok()) {
    if (absl::Status s = CheckHighWaterMarks(&(*w)->current(), ScanCheckpointNames(path));
        !s.ok()) {
      return s;
    }
    mark = *std::move(w);
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(w.status())) return w.status();
  if (absl::Status s = CheckMarkNotRequired(); !s.ok()) return s;
  if (absl::Status s = CheckHighWaterMarks(nullptr, ScanCheckpointNames(path)); !s.ok()) return s;
  // A ledger from before high-water marks: its mark starts at the head it
  // has now (docs/FORMAT.md), and from then on it is required.
  HighWaterMark m;
  {
    std::lock_guard<std::mutex> l(mu);
    m = InitialMark(head.origin, format_version);
    m.tree_size = head.tree_size;
    m.root = head.root;
  }
  absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> created =
      HighWaterMarkWriter::Create(path, m);
  if (!created.ok()) return created.status();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (absl::Status s = FromRocks(db->Put(wo, cf(kMeta), kHighWaterMarkKey, "1"),
                                 "recording the high-water mark");
      !s.ok()) {
    return s;
  }
  mark = *std::move(created);
  return absl::OkStatus();
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path,
                                                     const OpenOptions& options) {
  if (path.empty()) return absl::InvalidArgumentError("ledger path is empty");
  if (options.read_only && options.create_if_missing) {
    return absl::InvalidArgumentError("a read-only open cannot create a ledger");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  if (!impl->options.clock) impl->options.clock = [] { return absl::Now(); };

  std::error_code ec;
  const bool exists = std::filesystem::exists(path + "/CURRENT", ec);
  if (!exists) {
    // Without CURRENT RocksDB would create a new, empty database over the old
    // files (and delete them as obsolete): refuse when anything says a ledger
    // lived here.
    if (absl::Status s = CheckNoLedgerRemains(path); !s.ok()) return s;
  }
  if (exists && options.error_if_exists) {
    return absl::AlreadyExistsError(absl::StrCat("a ledger already exists at ", path));
  }
  if (!exists && !options.create_if_missing) {
    return absl::NotFoundError(
        absl::StrCat("no ledger at ", path, " (create one with `ledger init`)"));
  }
  if (!exists && options.origin.empty()) {
    return absl::InvalidArgumentError("creating a ledger needs an origin name");
  }
  if (!exists && FormatVersionValue(options.format_version) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("format_version ", options.format_version,
                                                   ": this program writes formats 1 and 2"));
  }

  if (!options.read_only) {
    std::filesystem::create_directories(path, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", ec.message()));
    const std::string lock_path = path + "/" + kLockFileName;
    // O_NOFOLLOW: a symlink planted as WRITER.lock must not make the
    // writer truncate its target.
    impl->lock_fd =
        ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (impl->lock_fd < 0) {
      if (errno == ELOOP) {
        return absl::DataLossError(absl::StrCat(
            lock_path, " is a symbolic link; refusing to use it as the writer lock"));
      }
      return absl::InternalError(absl::StrCat("cannot open ", lock_path, ": ", strerror(errno)));
    }
    struct stat lock_st;
    if (fstat(impl->lock_fd, &lock_st) != 0 || !S_ISREG(lock_st.st_mode)) {
      return absl::DataLossError(
          absl::StrCat(lock_path, " is not a regular file; refusing to use it as the writer lock"));
    }
    if (flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {0};
      ssize_t n = pread(impl->lock_fd, buf, sizeof(buf) - 1, 0);
      std::string holder = n > 0 ? absl::StrCat(" (pid ", absl::StripAsciiWhitespace(buf), ")")
                                 : std::string();
      // Lock contention is kUnavailable everywhere (the views' lock too):
      // the one code that says "retry later".
      util::ErrorDetail detail;
      detail.set_reason("writer_lock_held");
      return util::WithErrorDetail(
          absl::UnavailableError(absl::StrCat(
              "the ledger at ", path, " is being written by another process", holder,
              "; only one writer at a time (readers may open it read-only)")),
          detail);
    }
    std::string pid = absl::StrCat(getpid(), "\n");
    if (ftruncate(impl->lock_fd, 0) != 0 ||
        pwrite(impl->lock_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      return ErrnoStatus("cannot write", lock_path);
    }
  }

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = !exists;
  dbo.create_missing_column_families = !exists;
  dbo.keep_log_file_num = 4;
  // The meta family's head key is rewritten by every append and so keeps the
  // memtable (and every WAL) alive; bounding the WAL forces flushes, so that
  // readers do not replay gigabytes of WAL on open after a bulk import.
  dbo.max_total_wal_size = 64 << 20;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Only an incomplete last WAL record (a write cut by a crash, never
  // acknowledged) may be dropped; any other damage to the WAL refuses to
  // open instead of silently recovering to an earlier point (RocksDB's
  // default, kPointInTimeRecovery). docs/FORMAT.md "Recovery".
  dbo.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // Recovery keeps the WAL instead of flushing what it recovered into new
  // table files: a log found behind its high-water mark below is refused
  // with its files as they were.
  dbo.avoid_flush_during_recovery = true;
  // RocksDB names the damaged file in its info log, not always in the
  // status it returns: keep its warnings for the error messages.
  impl->log_capture = std::make_shared<RocksLogCapture>();
  dbo.info_log = impl->log_capture;
  // A reader reads the mark before it opens the database, so that a writer
  // moving both on meanwhile cannot make the log look behind its mark.
  AcknowledgedMarks reader_marks;
  if (options.read_only) reader_marks = ReadAcknowledgedMarks(path);
  if (options.env) dbo.env = options.env.get();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    // A secondary instance follows the writer's WAL (TryCatchUp) and needs all
    // files open up front so the writer's compactions cannot pull them away.
    dbo.max_open_files = -1;
    if (absl::Status st = CheckTableFilesForReader(path, dbo, *impl->log_capture); !st.ok()) {
      return st;
    }
    absl::StatusOr<std::string> dir = MakeReaderDir(path);
    if (!dir.ok()) return dir.status();
    impl->secondary_dir = *dir;
    impl->log_capture->set_target(NewInfoLog(impl->secondary_dir, dbo.info_log_level));
    s = rocksdb::DB::OpenAsSecondary(dbo, path, impl->secondary_dir, FamilyDescriptors(),
                                     &handles, &raw);
  } else {
    impl->log_capture->set_target(NewInfoLog(path, dbo.info_log_level));
    s = rocksdb::DB::Open(dbo, path, FamilyDescriptors(), &handles, &raw);
  }
  if (!s.ok()) return OpenError(path, s, *impl->log_capture);
  impl->db.reset(raw);
  impl->handles = std::move(handles);
  impl->node_reader = std::make_unique<RocksNodeReader>(impl->db.get(), impl->cf(Impl::kMerkle));

  if (!exists) {
    // The mark before the batch that makes the database a ledger (created
    // whole or not at all, HighWaterMarkWriter::Create).
    absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> mark =
        HighWaterMarkWriter::Create(path, InitialMark(options.origin, options.format_version));
    if (!mark.ok()) return mark.status();
    impl->mark = *std::move(mark);
    rocksdb::WriteBatch b;
    b.Put(impl->cf(Impl::kMeta), kFormatVersionKey, FormatVersionValue(options.format_version));
    b.Put(impl->cf(Impl::kMeta), kOriginKey, options.origin);
    b.Put(impl->cf(Impl::kMeta), kHighWaterMarkKey, "1");
    b.Put(impl->cf(Impl::kMeta), kHeadKey, EncodeHead(HeadValue{0, merkle::EmptyRoot(), 0}));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = impl->db->Write(wo, &b);
    if (!s.ok()) return FromRocks(s, "initialising the ledger");
  }
  if (options.read_only) {
    // A secondary instance can briefly see less than the writer made durable
    // (it read the MANIFEST before a flush whose WAL the writer then purged;
    // every writer open flushes): a refusal is believed when it repeats after
    // catching up again, up to 3 times 20 ms apart.
    absl::Status st = impl->ValidateOpened(reader_marks);
    for (int attempt = 0; !st.ok() && attempt < 3; ++attempt) {
      usleep(20000);
      reader_marks = ReadAcknowledgedMarks(path);
      if (absl::Status c = FromRocks(impl->db->TryCatchUpWithPrimary(), "catching up with the writer");
          !c.ok()) {
        return c;
      }
      st = impl->ValidateOpened(reader_marks);
    }
    if (!st.ok()) return st;
  } else {
    if (absl::Status st = impl->ValidateOpened(std::nullopt); !st.ok()) return st;
  }
  if (!options.read_only && !impl->mark) {
    if (absl::Status st = impl->OpenWriterMark(); !st.ok()) return st;
    // The log is whole: now move what recovery replayed from the WALs into
    // table files, as RocksDB would have done during recovery, so that the
    // WALs do not pile up for readers to replay.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    if (absl::Status st = FromRocks(impl->db->Flush(fo, impl->handles),
                                    "flushing what was recovered from the WAL");
        !st.ok()) {
      return st;
    }
  }
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

bool Ledger::read_only() const { return impl_->options.read_only; }
uint32_t Ledger::format_version() const { return impl_->format_version; }
const std::string& Ledger::path() const { return impl_->path; }
const merkle::NodeReader& Ledger::nodes() const { return *impl_->node_reader; }

Head Ledger::GetHead() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->head;
}

absl::Status Ledger::TryCatchUp() {
  if (!read_only()) return absl::OkStatus();
  // The marks first (see Open): the writer only moves them past records
  // that are durable, so the caught-up log must reach them.
  // A refusal is believed when it repeats (see Open).
  absl::Status st;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt > 0) usleep(20000);
    const AcknowledgedMarks marks = ReadAcknowledgedMarks(impl_->path);
    rocksdb::Status s = impl_->db->TryCatchUpWithPrimary();
    if (!s.ok()) return FromRocks(s, "catching up with the writer");
    st = impl_->LoadHead();
    if (st.ok()) st = impl_->CheckAgainst(marks);
    if (st.ok()) return st;
  }
  return st;
}

absl::Status Ledger::Flush() {
  if (read_only()) return absl::FailedPreconditionError("the ledger is open read-only");
  Impl& im = *impl_;
  std::lock_guard<std::mutex> lock(im.mu);
  if (!im.write_failure.ok()) {
    // RocksDB's WAL writer is not to be used again; the batches that were
    // written before the failure (the head) are in the *.log files: sync
    // them and their directory ourselves, then the mark may cover them.
    if (absl::Status s = SyncWalFiles(im.path); !s.ok()) return s;
    if (absl::Status s = SyncDir(im.path); !s.ok()) return s;
    return im.mark->Advance(im.head.tree_size, im.head.root);
  }
  absl::Status s = FromRocks(im.db->SyncWAL(), "syncing the WAL");
  if (!s.ok()) {
    im.write_failure = s;
    return s;
  }
  return im.mark->Advance(im.head.tree_size, im.head.root);
}

absl::StatusOr<AppendResult> Ledger::Append(absl::string_view stream, ExpectedVersion expected,
                                            absl::Span<const Event> events) {
  return AppendInternal(&stream, expected, events);
}

absl::StatusOr<AppendResult> Ledger::AppendEvents(absl::Span<const Event> events) {
  return AppendInternal(nullptr, ExpectedVersion::Any(), events);
}

absl::StatusOr<AppendResult> Ledger::AppendInternal(const absl::string_view* stream,
                                                    ExpectedVersion expected,
                                                    absl::Span<const Event> events) {
  Impl& im = *impl_;
  if (read_only()) return absl::FailedPreconditionError("the ledger is open read-only");
  if (stream != nullptr && !IsValidStreamName(*stream)) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream: \"", absl::CHexEscape(*stream), "\" is not a valid stream name"));
  }
  const size_t n = events.size();
  AppendResult result;
  result.events.resize(n);
  if (n == 0) {
    result.tree_size = GetHead().tree_size;
    return result;
  }

  // 1. Stateless validation and the one serialization of each event. A
  // refusal is held until the idempotency check: an event stored before a
  // rule was added, retried unchanged, is a duplicate, not an error.
  std::vector<std::string> event_bytes(n);
  std::vector<absl::Status> invalid;  // sized n on the first refusal
  for (size_t i = 0; i < n; ++i) {
    const Event& e = events[i];
    if (absl::Status s = ValidateEventForFormat(e, im.format_version); !s.ok()) {
      if (invalid.empty()) invalid.resize(n);
      // ValidateEvent's message is "<field path>: <rule>" (ledger/validate.h).
      const absl::string_view msg = s.message();
      const size_t colon = msg.find(": ");
      invalid[i] = EventError(absl::StatusCode::kInvalidArgument, i, e, msg, "invalid_event",
                              colon == absl::string_view::npos ? "" : msg.substr(0, colon));
    }
    if (stream != nullptr && e.stream() != *stream) {
      return EventError(absl::StatusCode::kInvalidArgument, i, e,
                        absl::StrCat("stream: \"", absl::CHexEscape(e.stream()),
                                     "\" differs from the stream appended to, \"",
                                     absl::CHexEscape(*stream), "\""),
                        "stream_mismatch", "stream");
    }
    if (!SerializeEventDeterministic(e, &event_bytes[i])) {
      return EventError(absl::StatusCode::kInternal, i, e, "cannot serialize", "internal");
    }
  }

  std::lock_guard<std::mutex> lock(im.mu);
  if (!im.write_failure.ok()) {
    return absl::Status(im.write_failure.code(),
                        absl::StrCat("an earlier write failed (", im.write_failure.message(),
                                     "); reopen the ledger to append again"));
  }
  rocksdb::ReadOptions ro;

  // 2. Idempotency: existing ids (one MultiGet) and repeats inside the batch.
  std::vector<rocksdb::Slice> keys;
  keys.reserve(n);
  for (const Event& e : events) keys.emplace_back(e.event_id());
  std::vector<rocksdb::PinnableSlice> found(n);
  std::vector<rocksdb::Status> statuses(n);
  im.db->MultiGet(ro, im.cf(Impl::kEventIds), n, keys.data(), found.data(), statuses.data());
  // first_in_batch[id] = index of the first new event with that id.
  absl::flat_hash_map<absl::string_view, size_t> first_in_batch;
  first_in_batch.reserve(n);
  std::vector<int64_t> duplicate_of(n, -1);  // index in batch of the original, or -2 if stored
  size_t new_count = 0;
  for (size_t i = 0; i < n; ++i) {
    const Event& e = events[i];
    if (statuses[i].ok()) {
      if (found[i].size() != 8) {
        return absl::DataLossError(absl::StrCat("event_ids entry of \"", e.event_id(),
                                                "\" is malformed"));
      }
      const uint64_t pos = DecodeFixed64BE(found[i].data());
      std::string value;
      rocksdb::Status s = im.db->Get(ro, im.cf(Impl::kRecords), RecordKey(pos), &value);
      if (!s.ok()) return FromRocks(s, absl::StrCat("reading record ", pos));
      StoredRecord stored;
      if (absl::Status ps = ParseRecord(value, pos, &stored); !ps.ok()) return ps;
      std::string stored_bytes;
      SerializeEventDeterministic(stored.record.event(), &stored_bytes);
      if (stored_bytes != event_bytes[i]) {
        if (!invalid.empty() && !invalid[i].ok()) return invalid[i];
        return EventError(absl::StatusCode::kAlreadyExists, i, e,
                          absl::StrCat("event_id is already in the ledger at position ", pos,
                                       " with different content"),
                          "event_id_conflict", "event_id");
      }
      result.events[i] = {pos, stored.record.stream_version(), true};
      duplicate_of[i] = -2;
      continue;
    }
    if (!statuses[i].IsNotFound()) return FromRocks(statuses[i], "looking up event ids");
    if (!invalid.empty() && !invalid[i].ok()) return invalid[i];
    auto [it, inserted] = first_in_batch.try_emplace(e.event_id(), i);
    if (!inserted) {
      if (event_bytes[it->second] != event_bytes[i]) {
        return EventError(absl::StatusCode::kAlreadyExists, i, e,
                          "event_id appears earlier in this batch with different content",
                          "event_id_conflict", "event_id");
      }
      duplicate_of[i] = static_cast<int64_t>(it->second);
      continue;
    }
    ++new_count;
  }

  auto fill_duplicates = [&] {
    for (size_t i = 0; i < n; ++i) {
      if (duplicate_of[i] >= 0) {
        result.events[i] = result.events[duplicate_of[i]];
        result.events[i].duplicate = true;
      }
    }
  };

  // A retry of a batch that is entirely in the ledger succeeds as it did.
  if (new_count == 0) {
    fill_duplicates();
    result.tree_size = im.head.tree_size;
    return result;
  }

  // 3. Stream versions, and the expected-version check.
  std::unique_ptr<rocksdb::Iterator> stream_it;
  auto next_version = [&](absl::string_view s) -> absl::StatusOr<uint64_t> {
    if (auto it = im.next_stream_version.find(s); it != im.next_stream_version.end()) {
      return it->second;
    }
    if (!stream_it) stream_it.reset(im.db->NewIterator(ro, im.cf(Impl::kStreams)));
    stream_it->SeekForPrev(StreamKey(s, ~uint64_t{0}));
    uint64_t next = 0;
    if (stream_it->Valid()) {
      absl::string_view key_stream;
      uint64_t version;
      if (ParseStreamKey(absl::string_view(stream_it->key().data(), stream_it->key().size()),
                         &key_stream, &version) &&
          key_stream == s) {
        next = version + 1;
      }
    } else if (!stream_it->status().ok()) {
      return FromRocks(stream_it->status(), "reading the stream index");
    }
    return next;
  };
  absl::flat_hash_map<absl::string_view, uint64_t> batch_next;  // stream -> next version
  if (stream != nullptr) {
    absl::StatusOr<uint64_t> next = next_version(*stream);
    if (!next.ok()) return next.status();
    const bool empty = *next == 0;
    bool ok = true;
    if (expected.is_no_stream()) ok = empty;
    else if (!expected.is_any()) ok = !empty && *next - 1 == expected.exact();
    if (!ok) {
      std::string actual = empty ? "has no events" : absl::StrCat("is at version ", *next - 1);
      return absl::AbortedError(absl::StrCat("stream \"", absl::CHexEscape(*stream), "\" ",
                                             actual, ", expected ",
                                             expected.is_no_stream() ? "no stream"
                                                                     : absl::StrCat("version ", expected.ToString()),
                                             "; nothing was written"));
    }
    batch_next[*stream] = *next;
  }

  // 4. Stateful rules of corrections and retractions.
  absl::flat_hash_set<absl::string_view> retracted_in_batch;
  for (size_t i = 0; i < n; ++i) {
    if (duplicate_of[i] != -1) continue;
    const Event& e = events[i];
    const bool is_correction = e.body_case() == Event::kCorrection;
    if (!is_correction && e.body_case() != Event::kRetraction) continue;
    const std::string& target =
        is_correction ? e.correction().target_event_id() : e.retraction().target_event_id();
    const char* field = is_correction ? "correction.target_event_id" : "retraction.target_event_id";
    const Event* target_event = nullptr;
    StoredRecord stored;
    if (auto it = first_in_batch.find(target); it != first_in_batch.end() && it->second < i) {
      target_event = &events[it->second];
    } else {
      std::string pos_value;
      rocksdb::Status s = im.db->Get(ro, im.cf(Impl::kEventIds), target, &pos_value);
      if (s.IsNotFound() || pos_value.size() != 8) {
        return EventError(absl::StatusCode::kInvalidArgument, i, e,
                          absl::StrCat(field, ": \"", absl::CHexEscape(target),
                                       "\" is not an event in the ledger"),
                          "target_not_found", field);
      }
      if (!s.ok()) return FromRocks(s, "looking up a correction target");
      const uint64_t pos = DecodeFixed64BE(pos_value.data());
      std::string value;
      s = im.db->Get(ro, im.cf(Impl::kRecords), RecordKey(pos), &value);
      if (!s.ok()) return FromRocks(s, absl::StrCat("reading record ", pos));
      if (absl::Status ps = ParseRecord(value, pos, &stored); !ps.ok()) return ps;
      target_event = &stored.record.event();
    }
    if (target_event->body_case() == Event::kRetraction) {
      return EventError(absl::StatusCode::kInvalidArgument, i, e,
                        absl::StrCat(field, ": \"", absl::CHexEscape(target),
                                     "\" is a retraction, which cannot be corrected or retracted"),
                        "target_is_retraction", field);
    }
    if (target_event->body_case() == Event::kErasure) {
      return EventError(absl::StatusCode::kInvalidArgument, i, e,
                        absl::StrCat(field, ": \"", absl::CHexEscape(target),
                                     "\" is an erasure, which cannot be corrected or retracted "
                                     "(an erasure cannot be undone)"),
                        "target_is_erasure", field);
    }
    std::string ignored;
    bool retracted = retracted_in_batch.contains(target);
    if (!retracted) {
      rocksdb::Status s = im.db->Get(ro, im.cf(Impl::kRetracted), target, &ignored);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading retractions");
      retracted = s.ok();
    }
    if (retracted) {
      return EventError(absl::StatusCode::kInvalidArgument, i, e,
                        absl::StrCat(field, ": \"", absl::CHexEscape(target),
                                     "\" has been retracted"),
                        "target_retracted", field);
    }
    if (is_correction) {
      const Event::BodyCase want = EffectiveKind(*target_event);
      const Event::BodyCase got = e.correction().replacement().body_case();
      if (want != got) {
        return EventError(absl::StatusCode::kInvalidArgument, i, e,
                          absl::StrCat("correction.replacement: carries a ", BodyName(got),
                                       " body but its target \"", absl::CHexEscape(target),
                                       "\" is a ", BodyName(want)),
                          "correction_body_mismatch", "correction.replacement");
      }
    } else {
      retracted_in_batch.insert(target);
    }
  }

  // 5. Positions, versions, records, index entries and Merkle nodes: one batch.
  absl::Time recorded_at = im.options.clock();
  if (im.head.tree_size > 0 && recorded_at < im.head.last_recorded_at) {
    recorded_at = im.head.last_recorded_at;  // the ledger clock never goes back
  }
  merkle::CompactRange range = im.range;
  rocksdb::WriteBatch batch;
  std::string record_bytes, value, key;
  uint64_t position = im.head.tree_size;
  for (size_t i = 0; i < n; ++i) {
    if (duplicate_of[i] != -1) continue;
    const Event& e = events[i];
    auto [it, inserted] = batch_next.try_emplace(e.stream(), 0);
    if (inserted) {
      absl::StatusOr<uint64_t> next = next_version(e.stream());
      if (!next.ok()) return next.status();
      it->second = *next;
    }
    const uint64_t version = it->second++;
    record_bytes.clear();
    AppendRecordBytes(position, recorded_at, version, event_bytes[i], &record_bytes);
    if (im.format_version == 2 && record_bytes.size() > kMaxRecordBytesFormat2) {
      return EventError(absl::StatusCode::kInvalidArgument, i, e,
                        absl::StrCat("its record would be ", record_bytes.size(),
                                     " bytes; a format-2 record is at most 65,535 bytes: the "
                                     "entry limit of the tlog-tiles publication format; nothing "
                                     "was written"),
                        "record_too_large");
    }
    value.clear();
    value.push_back(static_cast<char>(kRecordValueTag));
    value.append(record_bytes);
    key.clear();
    PutFixed64BE(&key, position);
    batch.Put(im.cf(Impl::kRecords), key, value);
    batch.Put(im.cf(Impl::kStreams), StreamKey(e.stream(), version), key);
    batch.Put(im.cf(Impl::kEventIds), e.event_id(), key);
    if (e.body_case() == Event::kRetraction) {
      batch.Put(im.cf(Impl::kRetracted), e.retraction().target_event_id(), key);
    }
    range.Append(merkle::LeafHash(record_bytes),
                 [&](int level, uint64_t index, const merkle::Hash& h) {
                   batch.Put(im.cf(Impl::kMerkle), MerkleKey(level, index),
                             rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
                 });
    result.events[i] = {position, version, false};
    ++position;
  }
  const merkle::Hash root = range.Root();
  batch.Put(im.cf(Impl::kMeta), kHeadKey,
            EncodeHead(HeadValue{range.size(), root, absl::ToUnixNanos(recorded_at)}));

  rocksdb::WriteOptions wo;
  wo.sync = im.options.durability == Durability::kSync;
  rocksdb::Status s = im.db->Write(wo, &batch);
  if (!s.ok()) {
    im.write_failure = FromRocks(s, "writing the batch");
    return im.write_failure;
  }

  // 6. Only now, with the batch durable, move the in-memory head.
  im.range = std::move(range);
  im.head.tree_size = im.range.size();
  im.head.root = root;
  im.head.last_recorded_at = recorded_at;
  if (im.next_stream_version.size() + batch_next.size() > kMaxCachedStreams) {
    im.next_stream_version.clear();
  }
  for (const auto& [name, next] : batch_next) im.next_stream_version[name] = next;
  fill_duplicates();
  result.appended = new_count;
  result.tree_size = im.head.tree_size;
  if (im.options.durability == Durability::kSync) {
    // The batch is durable: move the mark outside RocksDB to it. On failure
    // the records stay written (a retry finds them as duplicates) but the
    // append is not reported as acknowledged.
    if (absl::Status ms = im.mark->Advance(im.head.tree_size, root); !ms.ok()) {
      return absl::Status(ms.code(), absl::StrCat("the batch was written at positions ",
                                                  im.head.tree_size - new_count, "..",
                                                  im.head.tree_size - 1,
                                                  ", but the high-water mark could not be "
                                                  "synced: ",
                                                  ms.message()));
    }
  }
  return result;
}

absl::Status Ledger::Scan(uint64_t from, uint64_t to,
                          const std::function<absl::Status(StoredRecord&)>& fn) const {
  Impl& im = *impl_;
  to = std::min(to, GetHead().tree_size);
  if (from >= to) return absl::OkStatus();
  const std::string lower = RecordKey(from), upper = RecordKey(to);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(im.db->NewIterator(ro, im.cf(Impl::kRecords)));
  StoredRecord rec;
  uint64_t expect = from;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (it->key().size() != 8) {
      return absl::DataLossError(absl::StrCat("records key of ", it->key().size(),
                                              " bytes after position ", expect));
    }
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    if (pos != expect) {
      return absl::DataLossError(MissingRecordText(
          expect, absl::StrCat("next stored is ", pos), *it, im.log_capture.get()));
    }
    absl::Status s = ParseRecord(absl::string_view(it->value().data(), it->value().size()), pos,
                                 &rec);
    if (!s.ok()) return s;
    s = fn(rec);
    if (!s.ok()) return s;
    ++expect;
  }
  if (absl::Status s = FromRocks(it->status(), "reading records"); !s.ok()) return s;
  if (expect != to) {
    return absl::DataLossError(MissingRecordText(
        expect, absl::StrCat("tree size ", GetHead().tree_size), *it, im.log_capture.get()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredRecord>> Ledger::Read(uint64_t from, uint64_t to,
                                                       uint64_t limit) const {
  std::vector<StoredRecord> out;
  const uint64_t size = GetHead().tree_size;
  to = std::min(to, size);
  if (limit == 0 || from >= to) return out;
  if (to - from > limit) to = from + limit;
  absl::Status s = Scan(from, to, [&](const StoredRecord& r) {
    out.push_back(r);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<StoredRecord> Ledger::ReadOne(uint64_t position) const {
  const uint64_t size = GetHead().tree_size;
  if (position >= size) {
    return absl::OutOfRangeError(
        absl::StrCat("position ", position, " is past the head (tree size ", size, ")"));
  }
  std::string value;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(Impl::kRecords), RecordKey(position), &value);
  if (s.IsNotFound()) {
    std::string text = absl::StrCat("record ", position, " is missing");
    if (const std::string named = impl_->log_capture->FileMessages(); !named.empty()) {
      absl::StrAppend(&text, " [RocksDB: ", named, "]");
    }
    return absl::DataLossError(text);
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading record ", position));
  StoredRecord rec;
  if (absl::Status ps = ParseRecord(value, position, &rec); !ps.ok()) return ps;
  return rec;
}

absl::StatusOr<std::vector<uint64_t>> Ledger::StreamPositions(absl::string_view stream,
                                                              uint64_t from_version,
                                                              uint64_t limit) const {
  std::vector<uint64_t> out;
  const std::string lower = StreamKey(stream, from_version), upper = StreamKeyEnd(stream);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf(Impl::kStreams)));
  for (it->Seek(lower); it->Valid() && out.size() < limit; it->Next()) {
    if (it->value().size() != 8) {
      return absl::DataLossError(absl::StrCat("stream index entry of \"", stream,
                                              "\" is malformed"));
    }
    out.push_back(DecodeFixed64BE(it->value().data()));
  }
  if (absl::Status s = FromRocks(it->status(), "reading the stream index"); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::optional<uint64_t>> Ledger::StreamVersion(absl::string_view stream) const {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf(Impl::kStreams)));
  it->SeekForPrev(StreamKey(stream, ~uint64_t{0}));
  if (!it->Valid()) {
    if (absl::Status s = FromRocks(it->status(), "reading the stream index"); !s.ok()) return s;
    return std::optional<uint64_t>();
  }
  absl::string_view key_stream;
  uint64_t version;
  if (ParseStreamKey(absl::string_view(it->key().data(), it->key().size()), &key_stream,
                     &version) &&
      key_stream == stream) {
    return std::optional<uint64_t>(version);
  }
  return std::optional<uint64_t>();
}

absl::StatusOr<uint64_t> Ledger::FindEvent(absl::string_view event_id) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(Impl::kEventIds),
                                     rocksdb::Slice(event_id.data(), event_id.size()), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("no event with event_id \"", absl::CHexEscape(event_id), "\""));
  }
  if (!s.ok()) return FromRocks(s, "reading the event-id index");
  if (value.size() != 8) return absl::DataLossError("event-id index entry is malformed");
  return DecodeFixed64BE(value.data());
}

absl::StatusOr<merkle::Hash> Ledger::RootAt(uint64_t size) const {
  const Head h = GetHead();
  if (size > h.tree_size) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", size, " is past the head (tree size ", h.tree_size, ")"));
  }
  if (size == h.tree_size) return h.root;
  return merkle::RootAt(nodes(), size);
}

}  // namespace ledger
