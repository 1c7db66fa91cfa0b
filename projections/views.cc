// Views: opening and locking the store, catching up from the log, rebuild,
// as-of and verification. The queries are in views_query.cc.
#include "projections/views.h"
#include "util/error_detail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "util/file_io.h"
#include "ledger/rocks_log.h"
#include "projections/bulk_writer.h"
#include "projections/projector.h"
#include "projections/scan_ahead.h"
#include "projections/views_internal.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"

namespace projections {

using internal::Checkpoint;
using internal::kCfNames;
using internal::kNumCfs;

namespace {

constexpr char kLockFileName[] = "VIEWS.lock";
constexpr char kSnapshotsDirName[] = "snapshots";
// A batch is committed when it holds this many bytes, whatever its records.
constexpr size_t kMaxBatchBytes = size_t{64} << 20;
// A catch-up of at least this many records flushes the store when it ends.
constexpr uint64_t kFlushAfterRecords = 10000;
// Present while a persistent store is being built from position 0 (a bulk
// build, written without the WAL): a store found with it was interrupted
// mid-build and is emptied when opened. Outside RocksDB, so that snapshots
// taken during the build do not carry it.
constexpr char kBuildingFileName[] = "BUILDING";
// A bulk build's temporary files (runs, SST files before ingestion).
constexpr char kBulkDirName[] = "bulk";

// One block cache for every family of every views store of the process.
std::shared_ptr<rocksdb::Cache> BlockCache() {
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(size_t{64} << 20);
  return cache;
}

bool Lz4Supported() {
  static const bool supported = [] {
    const std::vector<rocksdb::CompressionType> all = rocksdb::GetSupportedCompressions();
    return std::find(all.begin(), all.end(), rocksdb::kLZ4Compression) != all.end();
  }();
  return supported;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  for (int i = 0; i < kNumCfs; ++i) {
    rocksdb::ColumnFamilyOptions o;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = BlockCache();
    if (i == internal::kEventsCf || i == internal::kMetaCf) {
      o.write_buffer_size = 16 << 20;  // keyed by position: appended in order
    } else if (i == internal::kTimelinesCf) {
      // Random keys, but only ever scanned: bloom filters would never be
      // read (and cost the writes a hash per key).
      o.write_buffer_size = 4 << 20;
    } else {
      // Random keys: small memtables keep their skiplists in cache (the
      // effect LIMITS.md measures on the ledger's index families), and bloom
      // filters make point reads of absent keys cheap.
      o.write_buffer_size = 4 << 20;
      o.memtable_prefix_bloom_size_ratio = 0.05;
      o.memtable_whole_key_filtering = true;
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    }
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    // LZ4 compresses the views about as well as RocksDB's default (Snappy)
    // for less CPU: a 1,000,000-record rebuild spends 0.3 s less.
    if (Lz4Supported()) o.compression = rocksdb::kLZ4Compression;
    d.emplace_back(kCfNames[i], o);
  }
  return d;
}

rocksdb::DBOptions DbOptions(rocksdb::Env* env, bool scratch) {
  rocksdb::DBOptions o;
  if (env != nullptr) o.env = env;
  // A scratch store is written without a WAL and thrown away: nothing to
  // flush when it closes.
  o.avoid_flush_during_shutdown = scratch;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.keep_log_file_num = 2;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return o;
}

absl::Status TakeLock(const std::string& dir, absl::Duration timeout, int* fd_out) {
  const std::string path = absl::StrCat(dir, "/", kLockFileName);
  absl::StatusOr<int> opened = ledger::OpenLockFile(path);  // never through a symlink
  if (!opened.ok()) return absl::InternalError(opened.status().message());
  const int fd = *opened;
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration nap = absl::Milliseconds(2);
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      close(fd);
      return absl::InternalError(absl::StrCat("cannot lock ", path, ": ", strerror(err)));
    }
    if (absl::Now() >= deadline) {
      close(fd);
      util::ErrorDetail detail;
      detail.set_reason("views_lock_held");
      return util::WithErrorDetail(
          absl::UnavailableError(
              absl::StrCat("the views at ", dir, " are in use by another process (waited ",
                           absl::FormatDuration(timeout), " for ", path, "); retry later")),
          detail);
    }
    absl::SleepFor(nap);
    nap = std::min(nap * 2, absl::Milliseconds(50));
  }
  *fd_out = fd;
  return absl::OkStatus();
}

std::string BuildingMarker(const std::string& dir) {
  return absl::StrCat(dir, "/", kBuildingFileName);
}

// Durably marks the store as being built.
absl::Status CreateBuildingMarker(const std::string& dir) {
  const std::string path = BuildingMarker(dir);
  // An empty marker: no O_TRUNC, and O_NOFOLLOW so that a symlink planted
  // there never has its target created or changed.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::DataLossError(absl::StrCat(path, " is not a regular file"));
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return absl::InternalError(absl::StrCat("cannot sync ", path, ": ", strerror(err)));
  return ledger::SyncDir(dir);
}

absl::Status RemoveBuildingMarker(const std::string& dir) {
  const std::string path = BuildingMarker(dir);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("cannot remove ", path, ": ", strerror(errno)));
  }
  return ledger::SyncDir(dir);
}

std::string HashBytes(const merkle::Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace

absl::Status ViewsFromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "views store: no space left on device while ", context, " (", s.ToString(), ")"));
  }
  const std::string msg = absl::StrCat("views store: ", context, ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return absl::AbortedError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

std::string DefaultViewsDir(const std::string& ledger_dir) {
  return absl::StrCat(ledger_dir, "/views");
}

// --- Impl ------------------------------------------------------------------------

Views::Impl::~Impl() {
  CloseDb();
  if (lock_fd >= 0) close(lock_fd);
  if (scratch && !dir.empty() && !mem_env) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

void Views::Impl::CloseDb() {
  if (!db) return;
  for (auto* h : cfs) {
    if (h != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  cfs.clear();
  db->Close().PermitUncheckedError();
  db.reset();
}

absl::Status Views::Impl::OpenDb() {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions options = DbOptions(mem_env.get(), scratch);
  // RocksDB's own LOG writer aborts after a failed write (ledger/rocks_log.h).
  if (!mem_env) options.info_log = ledger::NewInfoLog(dir, options.info_log_level);
  rocksdb::Status s = rocksdb::DB::Open(options, dir, Descriptors(), &handles, &raw);
  if (!s.ok() && s.IsInvalidArgument()) {
    // A store with other column families (another format): start afresh.
    rocksdb::Options o;
    if (mem_env) o.env = mem_env.get();
    rocksdb::Status d = rocksdb::DestroyDB(dir, o);
    if (!d.ok()) return ViewsFromRocks(d, absl::StrCat("destroying ", dir));
    s = rocksdb::DB::Open(options, dir, Descriptors(), &handles, &raw);
  }
  if (!s.ok()) return ViewsFromRocks(s, absl::StrCat("opening ", dir));
  db.reset(raw);
  cfs = std::move(handles);
  return LoadMeta();
}

absl::Status Views::Impl::LoadMeta() {
  applied = 0;
  root.clear();
  origin.clear();
  format.clear();
  rocksdb::ReadOptions ro;
  std::string v;
  rocksdb::Status s = db->Get(ro, cf(internal::kMetaCf), internal::kFormatKey, &format);
  if (!s.ok() && !s.IsNotFound()) return ViewsFromRocks(s, "reading the format");
  s = db->Get(ro, cf(internal::kMetaCf), internal::kOriginKey, &origin);
  if (!s.ok() && !s.IsNotFound()) return ViewsFromRocks(s, "reading the origin");
  s = db->Get(ro, cf(internal::kMetaCf), internal::kCheckpointKey, &v);
  if (s.ok()) {
    Checkpoint c;
    if (!internal::DecodeCheckpoint(v, &c)) {
      return absl::DataLossError(absl::StrCat("views store ", dir, ": malformed checkpoint"));
    }
    applied = c.applied;
    root = c.root;
  } else if (!s.IsNotFound()) {
    return ViewsFromRocks(s, "reading the checkpoint");
  }
  if (format.empty() && applied == 0) {
    // A new store: say what it is.
    s = db->Put(rocksdb::WriteOptions(), cf(internal::kMetaCf), internal::kFormatKey,
                internal::kViewsFormatVersion);
    if (!s.ok()) return ViewsFromRocks(s, "writing the format");
    format = std::string(internal::kViewsFormatVersion);
  }
  return absl::OkStatus();
}

absl::Status Views::Impl::Wipe() {
  CloseDb();
  if (!scratch) {
    std::error_code ec;
    std::filesystem::remove_all(absl::StrCat(dir, "/", kSnapshotsDirName), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot remove the snapshots of ", dir));
  }
  rocksdb::Options o;
  if (mem_env) o.env = mem_env.get();
  rocksdb::Status s = rocksdb::DestroyDB(dir, o, Descriptors());
  if (!s.ok()) return ViewsFromRocks(s, absl::StrCat("destroying ", dir));
  return OpenDb();
}

// --- Views -------------------------------------------------------------------------

Views::Views(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Views::~Views() = default;

absl::StatusOr<std::unique_ptr<Views>> Views::Open(const std::string& ledger_dir,
                                                   const ViewsOptions& options) {
  std::error_code ec;
  if (options.dir.empty() && !std::filesystem::exists(absl::StrCat(ledger_dir, "/CURRENT"), ec)) {
    return absl::NotFoundError(
        absl::StrCat("no ledger at ", ledger_dir, " (no views without one)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->dir = options.dir.empty() ? DefaultViewsDir(ledger_dir) : options.dir;
  std::filesystem::create_directories(impl->dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", impl->dir, ": ", ec.message()));
  }
  if (absl::Status s = TakeLock(impl->dir, options.lock_timeout, &impl->lock_fd); !s.ok()) {
    return s;
  }
  if (absl::Status s = impl->OpenDb(); !s.ok()) return s;
  if (std::filesystem::exists(BuildingMarker(impl->dir), ec)) {
    // A build from position 0 was interrupted: its state (written without
    // the WAL) may not be at a record boundary.
    if (absl::Status s = impl->Wipe(); !s.ok()) return s;
    if (absl::Status s = RemoveBuildingMarker(impl->dir); !s.ok()) return s;
    impl->discarded = "an interrupted build of the views was discarded";
  } else if (impl->format != internal::kViewsFormatVersion) {
    const std::string old = impl->format;
    const bool had_state = impl->applied != 0;
    if (absl::Status s = impl->Wipe(); !s.ok()) return s;
    // Said once, by the catch-up that rebuilds it (CatchUpResult).
    if (had_state) {
      impl->discarded = absl::StrCat("the views store was of format ", old, ", this version uses ",
                                     internal::kViewsFormatVersion);
    }
  }
  return std::unique_ptr<Views>(new Views(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Views>> Views::OpenScratch(const ScratchOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->scratch = true;
  impl->options.batch_records = options.batch_records;
  impl->options.bulk_memory_bytes = options.bulk_memory_bytes;
  if (options.in_memory) {
    impl->mem_env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    impl->dir = options.dir.empty() ? "/ledger-views-scratch" : options.dir;
  } else if (options.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/ledger-views-XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create a scratch directory: ", strerror(errno)));
    }
    impl->dir = tmpl;
  } else {
    impl->dir = options.dir;
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot create ", options.dir, ": ", ec.message()));
    }
  }
  if (absl::Status s = impl->OpenDb(); !s.ok()) return s;
  if (impl->format != internal::kViewsFormatVersion || impl->applied != 0) {
    if (absl::Status s = impl->Wipe(); !s.ok()) return s;
  }
  return std::unique_ptr<Views>(new Views(std::move(impl)));
}

uint64_t Views::checkpoint() const { return impl_->applied; }
const std::string& Views::dir() const { return impl_->dir; }

namespace {

std::string SnapshotsDir(const Views::Impl& im) {
  return absl::StrCat(im.dir, "/", kSnapshotsDirName);
}

std::string SnapshotName(uint64_t size) { return absl::StrFormat("%020d", size); }

absl::StatusOr<std::vector<uint64_t>> ListSnapshots(const Views::Impl& im) {
  std::vector<uint64_t> sizes;
  std::error_code ec;
  const std::string root = SnapshotsDir(im);
  if (!std::filesystem::exists(root, ec)) return sizes;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    uint64_t size;
    if (name.size() == 20 && absl::SimpleAtoi(name, &size)) sizes.push_back(size);
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", root, ": ", ec.message()));
  std::sort(sizes.begin(), sizes.end());
  return sizes;
}

// Keeps at most `max` snapshots: while there are more, removes the inner one
// whose neighbours are closest (the first and the latest always stay).
absl::Status PruneSnapshots(const Views::Impl& im, size_t max) {
  absl::StatusOr<std::vector<uint64_t>> sizes = ListSnapshots(im);
  if (!sizes.ok()) return sizes.status();
  max = std::max<size_t>(max, 2);
  while (sizes->size() > max) {
    size_t victim = 1;
    for (size_t i = 1; i + 1 < sizes->size(); ++i) {
      if ((*sizes)[i + 1] - (*sizes)[i - 1] < (*sizes)[victim + 1] - (*sizes)[victim - 1]) {
        victim = i;
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(
        absl::StrCat(SnapshotsDir(im), "/", SnapshotName((*sizes)[victim])), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot remove a snapshot: ", ec.message()));
    sizes->erase(sizes->begin() + victim);
  }
  return absl::OkStatus();
}

// A RocksDB checkpoint of the store as it stands (all committed), published
// atomically under snapshots/<size>.
absl::Status TakeSnapshot(Views::Impl& im, uint64_t size) {
  std::error_code ec;
  const std::string root = std::filesystem::absolute(SnapshotsDir(im), ec).string();
  if (ec) return absl::InternalError(absl::StrCat("cannot resolve ", SnapshotsDir(im)));
  const std::string final_dir = absl::StrCat(root, "/", SnapshotName(size));
  const std::string tmp_dir = absl::StrCat(root, "/tmp-", SnapshotName(size));
  if (std::filesystem::exists(final_dir, ec)) return absl::OkStatus();
  std::filesystem::create_directories(root, ec);
  std::filesystem::remove_all(tmp_dir, ec);
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(im.db.get(), &raw);
  if (!s.ok()) return ViewsFromRocks(s, "preparing a snapshot");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(tmp_dir, /*log_size_for_flush=*/0);
  if (!s.ok()) return ViewsFromRocks(s, absl::StrCat("writing the snapshot ", tmp_dir));
  std::filesystem::rename(tmp_dir, final_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot publish ", final_dir, ": ", ec.message()));
  return PruneSnapshots(im, im.options.max_snapshots);
}

absl::Status Flush(Views::Impl& im) {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return ViewsFromRocks(im.db->Flush(fo, im.cfs), "flushing");
}

absl::Status SetAutoCompactions(Views::Impl& im, bool on) {
  for (rocksdb::ColumnFamilyHandle* h : im.cfs) {
    rocksdb::Status s =
        im.db->SetOptions(h, {{"disable_auto_compactions", on ? "false" : "true"}});
    if (!s.ok()) return ViewsFromRocks(s, "setting the store's options");
  }
  return absl::OkStatus();
}

void Progress(const CatchUpOptions& options, uint64_t from, uint64_t next, uint64_t total) {
  if (options.progress) options.progress(next - from, total);
}

// Builds an empty store's views from records [0, end) as an external sort
// (docs/PROJECTIONS.md §8): the records are applied with every write going
// to sorted runs written out in the background (only event states are read
// back, for corrections and retractions), then each family's runs are merged
// once into its last level, every entity view built on the way. Without the
// WAL: a persistent store is marked BUILDING until everything is flushed.
// `total` is for progress. On an error the store is left partly written:
// the caller must empty it (CatchUpImpl does).
absl::Status BulkBuildInto(Views::Impl& im, const ledger::Ledger& ledger, uint64_t end,
                           const std::string& origin, const CatchUpOptions& options,
                           uint64_t total) {
  if (!im.scratch) {
    if (absl::Status s = CreateBuildingMarker(im.dir); !s.ok()) return s;
  }
  internal::Projector projector(im.db.get(), im.cfs,
                                [&ledger](absl::string_view id) { return ledger.FindEvent(id); });
  // No compactions during the build (the few level-0 files it leaves would
  // compete with it for the CPU); they resume when it ends, however it ends.
  struct Resume {
    Views::Impl& im;
    bool done = false;
    ~Resume() {
      if (!done) (void)SetAutoCompactions(im, true);
    }
  } resume{im};
  if (absl::Status a = SetAutoCompactions(im, false); !a.ok()) return a;
  const size_t memory = std::max<size_t>(1, im.options.bulk_memory_bytes);
  internal::BulkWriter writer(im.db.get(), im.cfs, absl::StrCat(im.dir, "/", kBulkDirName),
                              memory / 8);
  if (absl::Status o = writer.Open(); !o.ok()) return o;
  projector.StartBulk(&writer, memory);
  const size_t batch_records = std::max<size_t>(1, im.options.batch_records);
  uint64_t next = 0;
  absl::Status s = internal::ScanAhead(ledger, 0, end, [&](const ledger::StoredRecord& r) {
    if (r.record.position() != next) {
      return absl::DataLossError(absl::StrCat("the log gave record ", r.record.position(),
                                              " where ", next, " was expected"));
    }
    if (absl::Status a = projector.Apply(r); !a.ok()) return a;
    ++next;
    if (projector.pending_records() >= batch_records) {
      if (absl::Status b = projector.BulkStep(); !b.ok()) return b;
      Progress(options, 0, next, total);
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (next != end) {
    return absl::DataLossError(
        absl::StrCat("the log ended at record ", next, " before tree size ", end));
  }
  absl::StatusOr<merkle::Hash> root = ledger.RootAt(end);
  if (!root.ok()) return root.status();
  const Checkpoint c{end, HashBytes(*root)};
  if (absl::Status f = projector.BulkFinish(c, origin, options.merging); !f.ok()) return f;
  resume.done = true;
  if (absl::Status a = SetAutoCompactions(im, true); !a.ok()) return a;
  if (!im.scratch) {
    if (absl::Status f = Flush(im); !f.ok()) return f;
    if (absl::Status m = RemoveBuildingMarker(im.dir); !m.ok()) return m;
  }
  im.applied = c.applied;
  im.root = c.root;
  im.origin = origin;
  Progress(options, 0, end, total);
  return absl::OkStatus();
}

// BulkBuildInto, and on an error the store emptied again (so that a later
// catch-up starts from an empty store, as a bulk build requires).
absl::Status BulkBuild(Views::Impl& im, const ledger::Ledger& ledger, uint64_t end,
                       const std::string& origin, const CatchUpOptions& options, uint64_t total) {
  if (end == 0) return absl::OkStatus();
  absl::Status s = BulkBuildInto(im, ledger, end, origin, options, total);
  if (s.ok()) return s;
  if (absl::Status w = im.Wipe(); !w.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), "; then emptying the views failed: ",
                                               w.message()));
  }
  if (!im.scratch) (void)RemoveBuildingMarker(im.dir);
  return s;
}

// Applies records [im.applied, size) one batch at a time, each committed with
// its checkpoint; takes snapshots at multiples of snapshot_every.
absl::Status Replay(Views::Impl& im, const ledger::Ledger& ledger, uint64_t size,
                    const std::string& origin, const CatchUpOptions& options, uint64_t from,
                    uint64_t total) {
  if (im.applied >= size) return absl::OkStatus();
  internal::Projector projector(im.db.get(), im.cfs,
                                [&ledger](absl::string_view id) { return ledger.FindEvent(id); });
  const bool no_wal = im.scratch;
  uint64_t next = im.applied;
  auto commit = [&]() -> absl::Status {
    absl::StatusOr<merkle::Hash> root = ledger.RootAt(next);
    if (!root.ok()) return root.status();
    Checkpoint c{next, HashBytes(*root)};
    if (im.origin.empty()) projector.PutMeta(internal::kOriginKey, origin);
    if (absl::Status s = projector.Commit(c, im.options.sync, no_wal); !s.ok()) return s;
    im.applied = c.applied;
    im.root = c.root;
    im.origin = origin;
    Progress(options, from, next, total);
    return absl::OkStatus();
  };
  const size_t batch_records = std::max<size_t>(1, im.options.batch_records);
  const uint64_t snapshot_every = im.scratch ? 0 : im.options.snapshot_every;
  absl::Status s = ledger.Scan(im.applied, size, [&](const ledger::StoredRecord& r) {
    if (r.record.position() != next) {
      return absl::DataLossError(absl::StrCat("the log gave record ", r.record.position(),
                                              " where ", next, " was expected"));
    }
    if (absl::Status a = projector.Apply(r); !a.ok()) return a;
    ++next;
    const bool snapshot = snapshot_every != 0 && next % snapshot_every == 0;
    if (projector.pending_records() >= batch_records ||
        projector.pending_bytes() >= kMaxBatchBytes || snapshot) {
      if (absl::Status c = commit(); !c.ok()) return c;
    }
    if (snapshot) return TakeSnapshot(im, next);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (next != size) {
    return absl::DataLossError(
        absl::StrCat("the log ended at record ", next, " before tree size ", size));
  }
  if (projector.pending_records() > 0) return commit();
  return absl::OkStatus();
}

// The catch-up shared by CatchUp, CatchUpTo and Rebuild. `size` is the tree
// size to reach; with `allow_ahead` (CatchUp), a store past the log's head
// is refused as kDataLoss, otherwise a store past `size` is
// kFailedPrecondition.
absl::StatusOr<CatchUpResult> CatchUpImpl(Views::Impl& im, const ledger::Ledger& ledger,
                                          uint64_t size, bool allow_ahead,
                                          const CatchUpOptions& options) {
  CatchUpResult result;
  const ledger::Head head = ledger.GetHead();
  if (size > head.tree_size) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", size, " is past the head (tree size ", head.tree_size, ")"));
  }
  // Is the store a prefix of this log?
  std::string reason;
  if (!im.origin.empty() && im.origin != head.origin) {
    reason = absl::StrCat("the views were built from the log \"", im.origin, "\", not \"",
                          head.origin, "\"");
  } else if (im.applied > 0 && im.applied <= head.tree_size) {
    absl::StatusOr<merkle::Hash> root = ledger.RootAt(im.applied);
    if (!root.ok()) return root.status();
    if (HashBytes(*root) != im.root) {
      reason = absl::StrCat("the views' checkpoint (tree size ", im.applied,
                            ") has a Merkle root the log does not have at that size");
    }
  }
  if (!reason.empty()) {
    if (absl::Status s = im.Wipe(); !s.ok()) return s;
    result.rebuilt = true;
    result.rebuild_reason = reason;
  } else if (!im.discarded.empty()) {
    result.rebuilt = true;
    result.rebuild_reason = im.discarded;
  }
  im.discarded.clear();
  result.from = im.applied;
  if (im.applied > size) {
    if (allow_ahead && im.applied > head.tree_size) {
      // Views past the log's head: records the views were built from are
      // gone from the log (SPEC §8), or the caller's read-only ledger is
      // older than the process that advanced the views (catch it up and
      // retry). Never answer from them.
      return absl::DataLossError(absl::StrCat(
          "the views are at tree size ", im.applied, ", ahead of the log's head (tree size ",
          head.tree_size, "): the log lost records the views were built from, or this reader "
          "is behind the writer. If 'ledger verify' of the log passes, 'ledger rebuild' "
          "rebuilds the views from the log as it is"));
    }
    return absl::FailedPreconditionError(absl::StrCat("the views are at tree size ", im.applied,
                                                      ", past ", size,
                                                      "; use BuildAsOf for an earlier point"));
  }
  if (im.applied == size) {
    result.to = size;
    return result;
  }

  const uint64_t total = size - im.applied;
  if (im.applied == 0) {
    // A store built from position 0 is built in bulk (BulkBuild), to the
    // end; then it takes one snapshot (a store complete at its size), unless
    // it is smaller than the snapshot interval.
    const uint64_t every = im.scratch ? 0 : im.options.snapshot_every;
    if (absl::Status s = BulkBuild(im, ledger, size, head.origin, options, total); !s.ok()) {
      return s;
    }
    if (every != 0 && size >= every) {
      if (absl::Status s = TakeSnapshot(im, size); !s.ok()) return s;
    }
  }
  if (absl::Status s = Replay(im, ledger, size, head.origin, options, result.from, total);
      !s.ok()) {
    return s;
  }
  result.to = im.applied;
  result.applied = result.to - result.from;
  if (!im.scratch && result.applied >= kFlushAfterRecords) {
    // After a big catch-up, the next Open need not replay (and flush) a
    // large WAL: the process that did the big catch-up pays.
    if (absl::Status f = Flush(im); !f.ok()) return f;
  }
  return result;
}

}  // namespace

absl::StatusOr<CatchUpResult> Views::CatchUp(const ledger::Ledger& ledger,
                                             const CatchUpOptions& options) {
  return CatchUpImpl(*impl_, ledger, ledger.GetHead().tree_size, /*allow_ahead=*/true, options);
}

absl::StatusOr<CatchUpResult> Views::CatchUpTo(const ledger::Ledger& ledger, uint64_t size,
                                               const CatchUpOptions& options) {
  return CatchUpImpl(*impl_, ledger, size, /*allow_ahead=*/false, options);
}

absl::StatusOr<CatchUpResult> Views::Rebuild(const ledger::Ledger& ledger,
                                             const CatchUpOptions& options) {
  if (absl::Status s = impl_->Wipe(); !s.ok()) return s;
  absl::StatusOr<CatchUpResult> r = CatchUp(ledger, options);
  if (r.ok()) {
    r->rebuilt = true;
    if (r->rebuild_reason.empty()) r->rebuild_reason = "rebuild requested";
  }
  return r;
}

absl::StatusOr<std::unique_ptr<Views>> BuildAsOf(const ledger::Ledger& ledger, uint64_t size,
                                                 const ScratchOptions& scratch,
                                                 const CatchUpOptions& options) {
  const uint64_t head = ledger.GetHead().tree_size;
  if (size > head) {
    return absl::OutOfRangeError(
        absl::StrCat("as of tree size ", size, ": past the head (tree size ", head, ")"));
  }
  absl::StatusOr<std::unique_ptr<Views>> v = Views::OpenScratch(scratch);
  if (!v.ok()) return v.status();
  absl::StatusOr<CatchUpResult> r = (*v)->CatchUpTo(ledger, size, options);
  if (!r.ok()) return r.status();
  return v;
}

absl::StatusOr<std::vector<uint64_t>> Views::Snapshots() const { return ListSnapshots(*impl_); }

absl::StatusOr<std::unique_ptr<Views>> Views::AsOf(const ledger::Ledger& ledger, uint64_t size,
                                                   const ScratchOptions& scratch,
                                                   const CatchUpOptions& options) const {
  const uint64_t head = ledger.GetHead().tree_size;
  if (size > head) {
    return absl::OutOfRangeError(absl::StrCat("as of tree size ", size,
                                              ": past the head (tree size ", head, ")"));
  }
  absl::StatusOr<std::vector<uint64_t>> sizes = ListSnapshots(*impl_);
  if (!sizes.ok()) return sizes.status();
  auto best = std::upper_bound(sizes->begin(), sizes->end(), size);
  if (scratch.in_memory || best == sizes->begin()) {
    return BuildAsOf(ledger, size, scratch, options);
  }
  const uint64_t from = *std::prev(best);
  // A private copy of the snapshot: SST files hard-linked (they are never
  // modified), the rest copied.
  absl::StatusOr<std::unique_ptr<Views>> empty = OpenScratch(scratch);
  if (!empty.ok()) return empty.status();
  std::unique_ptr<Views> v = *std::move(empty);
  Impl& im = *v->impl_;
  im.CloseDb();
  std::error_code ec;
  std::filesystem::remove_all(im.dir, ec);
  std::filesystem::create_directories(im.dir, ec);
  const std::string source = absl::StrCat(SnapshotsDir(*impl_), "/", SnapshotName(from));
  for (const auto& entry : std::filesystem::directory_iterator(source, ec)) {
    const std::filesystem::path target = std::filesystem::path(im.dir) / entry.path().filename();
    std::error_code link_ec;
    if (entry.path().extension() == ".sst") {
      std::filesystem::create_hard_link(entry.path(), target, link_ec);
    }
    if (entry.path().extension() != ".sst" || link_ec) {
      std::filesystem::copy_file(entry.path(), target, link_ec);
      if (link_ec) {
        return absl::InternalError(absl::StrCat("cannot copy the snapshot ", source, ": ",
                                                link_ec.message()));
      }
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot read ", source, ": ", ec.message()));
  if (absl::Status s = im.OpenDb(); !s.ok()) return s;
  if (im.format != internal::kViewsFormatVersion || im.applied != from) {
    if (absl::Status s = im.Wipe(); !s.ok()) return s;  // not what it claims: replay it all
  }
  absl::StatusOr<CatchUpResult> r = v->CatchUpTo(ledger, size, options);
  if (!r.ok()) return r.status();
  return v;
}

absl::StatusOr<uint64_t> SizeAsOfTime(const ledger::Ledger& ledger, absl::Time t) {
  const ledger::Head head = ledger.GetHead();
  if (head.tree_size == 0 || head.last_recorded_at <= t) return head.tree_size;
  // First position recorded after t.
  uint64_t lo = 0, hi = head.tree_size;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    absl::StatusOr<ledger::StoredRecord> r = ledger.ReadOne(mid);
    if (!r.ok()) return r.status();
    const auto& ts = r->record.recorded_at();
    const absl::Time at = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
    if (at <= t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

absl::StatusOr<absl::Time> ParseTimeBound(const std::string& text, bool end) {
  const std::string s(absl::StripAsciiWhitespace(text));
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  // A date, a month or a year: its first instant, or its last (UTC).
  static constexpr const char* kUnits[] = {"%Y-%m-%d", "%Y-%m", "%Y"};
  for (int u = 0; u < 3; ++u) {
    if (s.size() != (u == 0 ? 10u : u == 1 ? 7u : 4u)) continue;
    std::string ignored;
    if (!absl::ParseTime(kUnits[u], s, absl::UTCTimeZone(), &t, &ignored)) continue;
    // ParseTime normalises "2024-13" to 2025-01 and "2024-02-30" to March:
    // only a date that formats back to itself is one.
    if (absl::FormatTime(kUnits[u], t, absl::UTCTimeZone()) != s) continue;
    if (!end) return t;
    const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
    absl::CivilSecond next;
    if (u == 0) next = absl::CivilSecond(absl::CivilDay(c) + 1);
    if (u == 1) next = absl::CivilSecond(absl::CivilMonth(c) + 1);
    if (u == 2) next = absl::CivilSecond(absl::CivilYear(c) + 1);
    return absl::FromCivil(next, absl::UTCTimeZone()) - absl::Nanoseconds(1);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", absl::CHexEscape(s), "\" is neither a date (2024-04-01, 2024-04, 2024) nor an RFC 3339 time (",
      err, ")"));
}

absl::StatusOr<absl::Time> ParseAsOfTime(const std::string& as_of) {
  const std::string s(absl::StripAsciiWhitespace(as_of));
  if (!s.empty() &&
      std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "as of \"", s, "\": a bare number is not a recorded time; give a date (2024-04-01) or"
        " an RFC 3339 time, or the number of records as the as-of position (--as-of-position ",
        s, ")"));
  }
  // Only a whole day or an exact time: "2024-04" would hide which end is meant.
  if (s.size() != 10 && s.find('T') == std::string::npos && s.find('t') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "as of \"", absl::CHexEscape(s), "\": give a date (2024-04-01) or an RFC 3339 time"));
  }
  absl::StatusOr<absl::Time> t = ParseTimeBound(s, /*end=*/true);
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("as of ", t.status().message()));
  return t;
}

absl::StatusOr<uint64_t> ResolveAsOf(const ledger::Ledger& ledger, const std::string& as_of) {
  absl::StatusOr<absl::Time> t = ParseAsOfTime(as_of);
  if (!t.ok()) return t.status();
  return SizeAsOfTime(ledger, *t);
}

absl::StatusOr<ViewsVerifyReport> VerifyViews(const ledger::Ledger& ledger, const Views& views,
                                              const ScratchOptions& scratch,
                                              const CatchUpOptions& options) {
  ViewsVerifyReport report;
  report.checkpoint = views.checkpoint();
  absl::StatusOr<std::unique_ptr<Views>> fresh =
      BuildAsOf(ledger, report.checkpoint, scratch, options);
  if (!fresh.ok()) return fresh.status();
  absl::StatusOr<std::vector<ViewDigest>> stored = views.Digests();
  if (!stored.ok()) return stored.status();
  absl::StatusOr<std::vector<ViewDigest>> rebuilt = (*fresh)->Digests();
  if (!rebuilt.ok()) return rebuilt.status();
  report.stored = *std::move(stored);
  report.rebuilt = *std::move(rebuilt);
  for (size_t i = 0; i < report.stored.size() && i < report.rebuilt.size(); ++i) {
    if (report.stored[i] == report.rebuilt[i]) continue;
    absl::StatusOr<std::string> where = views.FirstDifference(**fresh, report.stored[i].view);
    report.problem =
        absl::StrCat("view ", report.stored[i].view, ": stored digest ", report.stored[i].sha256,
                     " (", report.stored[i].entries, " entries), rebuilt from the log ",
                     report.rebuilt[i].sha256, " (", report.rebuilt[i].entries, " entries)");
    if (where.ok() && !where->empty())
      absl::StrAppend(&report.problem, "; first difference at ", *where);
    break;
  }
  return report;
}

}  // namespace projections
