// Storage faults (SPEC §8, docs/FORMAT.md "Recovery and the high-water
// mark"): every kind of file in a ledger's directory is flipped, truncated,
// deleted and swapped for another ledger's, and after each damage no front
// door may report success on a history shorter than, or different from, the
// one the ledger acknowledged. Refusing (kDataLoss, exit 10, verify exit 1)
// is always allowed; answering with the acknowledged history is allowed when
// the damage did not touch it (e.g. an OPTIONS file).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "ledger/validate.h"
#include "rocksdb/db.h"
#include "tests/support/event_builders.h"
#include "tests/support/json_fields.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using enforcement::v1::Event;
using testing_support::Quote;
using testing_support::RunCommand;
using testing_support::TempDir;

constexpr char kOrigin[] = "faults.example/log";
constexpr int kFlushed = 600;  // events in table files
constexpr int kInWal = 400;    // events only in the write-ahead log
constexpr int kBatch = 50;

struct Acknowledged {
  uint64_t size = 0;
  merkle::Hash root{};
};

std::string Cli(const std::string& db) {
  return absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ");
}

std::vector<Event> Events(const std::string& prefix, int from, int count) {
  std::vector<Event> out;
  for (int i = from; i < from + count; ++i) {
    out.push_back(testing_support::RaidEvent(absl::StrCat(prefix, "-", i),
                                             absl::StrCat("op-", prefix, "-", i % 7), 10 + i % 90,
                                             i % 3));
  }
  return out;
}

// A new, empty ledger at `dir` (origin kOrigin), open for writing; null
// (and a failed expectation) if it cannot be created.
std::unique_ptr<Ledger> CreateLedger(const std::string& dir,
                                     Durability durability = Durability::kSync) {
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = kOrigin;
  o.durability = durability;
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

void AppendAll(Ledger& db, const std::vector<Event>& events) {
  for (size_t i = 0; i < events.size(); i += kBatch) {
    const size_t n = std::min<size_t>(kBatch, events.size() - i);
    absl::StatusOr<AppendResult> r =
        db.AppendEvents(absl::MakeConstSpan(events).subspan(i, n));
    ASSERT_TRUE(r.ok()) << r.status();
  }
}

// Runs `fn` on the (closed) ledger at `dir` opened with RocksDB directly,
// every family in the ledger's order (default = meta first).
void WithRawDb(const std::string& dir,
               const std::function<void(rocksdb::DB&,
                                        const std::vector<rocksdb::ColumnFamilyHandle*>&)>& fn) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {"default", "records", "streams", "event_ids", "merkle", "retracted"}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  fn(*raw, handles);
  for (auto* h : handles) EXPECT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(raw->Close().ok());
  delete raw;
}

// Moves every memtable of the (closed) ledger at `dir` into table files.
void FlushToTableFiles(const std::string& dir) {
  WithRawDb(dir, [](rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
    rocksdb::Status s = db.Flush(rocksdb::FlushOptions(), cfs);
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
}

// A ledger with kFlushed events in table files and kInWal more in its WAL.
Acknowledged BuildLedger(const std::string& dir, const std::string& prefix) {
  {
    OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return {};
    AppendAll(**db, Events(prefix, 0, kFlushed));
  }
  FlushToTableFiles(dir);
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return {};
  AppendAll(**db, Events(prefix, kFlushed, kInWal));
  const Head h = (*db)->GetHead();
  return {h.tree_size, h.root};
}

void CopyTree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::copy(from, to, fs::copy_options::recursive, ec);
  ASSERT_FALSE(ec) << ec.message();
}

// Two ledgers built the same way with different events, and the first one's
// checkpoint signed at its head (so checkpoints/*.ckpt is in the sweep).
class StorageFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    templates_ = new TempDir();
    main_ = templates_->Sub("main");
    other_ = templates_->Sub("other");
    ack_ = BuildLedger(main_, "main");
    BuildLedger(other_, "other");
    const std::string key = templates_->Sub("signer");
    testing_support::CommandResult k =
        RunCommand(absl::StrCat(Cli(main_), "keygen --name ", kOrigin, " --out ", Quote(key)));
    ASSERT_EQ(k.exit_code, 0) << k.err;
    testing_support::CommandResult c =
        RunCommand(absl::StrCat(Cli(main_), "checkpoint --key ", Quote(key + ".key")));
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  static void TearDownTestSuite() {
    delete templates_;
    templates_ = nullptr;
  }

  // A fresh copy of the main ledger to damage.
  std::string FreshCopy() {
    const std::string dir = scratch_.Sub(absl::StrCat("copy-", copies_++));
    CopyTree(main_, dir);
    return dir;
  }

  // The files to damage: every regular file of the ledger directory (RocksDB's
  // and ours) and the issued checkpoints; not RocksDB's info logs (LOG*),
  // which nothing reads.
  static std::vector<std::string> FilesToDamage(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (!e.is_regular_file() || absl::StartsWith(name, "LOG")) continue;
      out.push_back(name);
    }
    for (const auto& e : fs::directory_iterator(dir + "/checkpoints")) {
      const std::string name = e.path().filename().string();
      if (absl::EndsWith(name, ".ckpt")) out.push_back("checkpoints/" + name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Every front door, on the damaged ledger at `dir`; fails the test when
  // any reports success on a shorter or different history. Returns whether
  // anything refused (for tests that require a refusal).
  bool ExpectNoShorterOrChangedHistory(const std::string& dir, const std::string& what) {
    SCOPED_TRACE(what);
    bool refused = false;
    const std::string new_id = absl::StrCat("after-damage-", copies_);
    // Readers: open, head, every record, verify.
    {
      OpenOptions o;
      o.read_only = true;
      absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
      if (!db.ok()) {
        refused = true;
      } else {
        const Head h = (*db)->GetHead();
        EXPECT_GE(h.tree_size, ack_.size) << "a reader opened a shorter log";
        std::vector<merkle::Hash> leaves;
        absl::Status scan = (*db)->Scan(0, ack_.size, [&](StoredRecord& r) {
          leaves.push_back(merkle::LeafHash(r.bytes));
          return absl::OkStatus();
        });
        if (scan.ok()) {
          EXPECT_EQ(leaves.size(), ack_.size);
          EXPECT_EQ(merkle::RootFromLeafHashes(leaves), ack_.root)
              << "a reader read changed records without an error";
        } else {
          refused = true;
        }
        absl::StatusOr<VerifyReport> v = (*db)->Verify();
        if (v.ok() && v->ok()) {
          EXPECT_GE(v->tree_size, ack_.size);
          EXPECT_TRUE(scan.ok()) << "verify passed on records that cannot be read: "
                                 << scan;
        } else {
          refused = true;
        }
      }
    }
    // The CLI's verify (log, checkpoints, views).
    {
      testing_support::CommandResult r = RunCommand(Cli(dir) + "--json verify");
      EXPECT_NE(r.exit_code, -1) << "verify crashed: " << r.err;
      if (r.exit_code == 0) {
        const auto o = testing_support::ParseJsonObject(r.out);
        EXPECT_GE(std::stoull(testing_support::StringField(o, "tree_size")), ack_.size);
      } else {
        refused = true;
      }
    }
    // The writer: open and append one new event.
    {
      absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
      if (!db.ok()) {
        refused = true;
      } else {
        EXPECT_GE((*db)->GetHead().tree_size, ack_.size) << "the writer opened a shorter log";
        const Event e = testing_support::RaidEvent(new_id, "op-new");
        absl::StatusOr<AppendResult> a = (*db)->AppendEvents({e});
        if (a.ok()) {
          EXPECT_GT(a->tree_size, ack_.size) << "an append reused acknowledged positions";
          absl::StatusOr<merkle::Hash> root = (*db)->RootAt(ack_.size);
          if (root.ok()) EXPECT_EQ(*root, ack_.root);
        } else {
          refused = true;
        }
      }
    }
    return refused;
  }

  static TempDir* templates_;
  static std::string main_, other_;
  static Acknowledged ack_;
  TempDir scratch_;
  int copies_ = 0;
};

TempDir* StorageFaultTest::templates_ = nullptr;
std::string StorageFaultTest::main_;
std::string StorageFaultTest::other_;
Acknowledged StorageFaultTest::ack_;

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

uint64_t FileSize(const std::string& path) { return fs::file_size(path); }

// The newest file named *suffix (RocksDB numbers its files in order): the
// write-ahead log the last writer wrote to, for ".log".
std::string NewestFileEndingWith(const std::string& dir, const std::string& suffix) {
  std::string found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (absl::EndsWith(name, suffix) && name > found) found = name;
  }
  EXPECT_FALSE(found.empty()) << "no *" << suffix << " in " << dir;
  return found;
}

// --- The sweeps: every file, every kind of damage ---------------------------

TEST_F(StorageFaultTest, FlippedByteInAnyFileNeverYieldsAShorterOrChangedHistory) {
  for (const std::string& name : FilesToDamage(main_)) {
    const uint64_t size = FileSize(main_ + "/" + name);
    if (size == 0) continue;
    for (uint64_t offset : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      const std::string dir = FreshCopy();
      FlipByte(dir + "/" + name, offset);
      ExpectNoShorterOrChangedHistory(dir, absl::StrCat(name, ": byte ", offset, " flipped"));
    }
  }
}

TEST_F(StorageFaultTest, TruncatedFileNeverYieldsAShorterOrChangedHistory) {
  for (const std::string& name : FilesToDamage(main_)) {
    const uint64_t size = FileSize(main_ + "/" + name);
    if (size == 0) continue;
    for (uint64_t keep : {uint64_t{0}, size / 2, size - 1}) {
      const std::string dir = FreshCopy();
      fs::resize_file(dir + "/" + name, keep);
      ExpectNoShorterOrChangedHistory(dir, absl::StrCat(name, ": cut to ", keep, " bytes"));
    }
  }
}

TEST_F(StorageFaultTest, DeletedFileNeverYieldsAShorterOrChangedHistory) {
  for (const std::string& name : FilesToDamage(main_)) {
    const std::string dir = FreshCopy();
    fs::remove(dir + "/" + name);
    ExpectNoShorterOrChangedHistory(dir, absl::StrCat(name, ": deleted"));
  }
}

TEST_F(StorageFaultTest, FileSwappedInFromAnotherLedgerNeverYieldsAShorterOrChangedHistory) {
  // The other ledger was built the same way, so its files have the same
  // names; a file it lacks is swapped for its file of the same kind.
  for (const std::string& name : FilesToDamage(main_)) {
    std::string source = other_ + "/" + name;
    if (!fs::exists(source)) {
      const std::string ext = fs::path(name).extension().string();
      for (const auto& e : fs::directory_iterator(other_)) {
        if (e.path().extension().string() == ext && !ext.empty()) source = e.path().string();
      }
    }
    if (!fs::exists(source)) continue;
    const std::string dir = FreshCopy();
    fs::copy_file(source, dir + "/" + name, fs::copy_options::overwrite_existing);
    ExpectNoShorterOrChangedHistory(dir, absl::StrCat(name, ": swapped for ", source));
  }
}

TEST_F(StorageFaultTest, DamagedViewsFileNeverYieldsADifferentAnswer) {
  // The views are derived: a damaged views file may be refused or rebuilt
  // from the log, but a query must never answer from it with other figures.
  const std::string base = FreshCopy();
  testing_support::CommandResult built = RunCommand(Cli(base) + "--json stats");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(base + "/views")) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && !absl::StartsWith(name, "LOG") && fs::file_size(e.path()) > 0) {
      files.push_back(name);
    }
  }
  ASSERT_FALSE(files.empty());
  for (const std::string& name : files) {
    for (int damage = 0; damage < 3; ++damage) {
      const std::string dir = FreshCopy();
      CopyTree(base + "/views", dir + "/views");
      const std::string path = dir + "/views/" + name;
      const uint64_t size = FileSize(path);
      const char* what = damage == 0 ? "flipped" : damage == 1 ? "cut in half" : "deleted";
      if (damage == 0) FlipByte(path, size / 2);
      if (damage == 1) fs::resize_file(path, size / 2);
      if (damage == 2) fs::remove(path);
      testing_support::CommandResult r = RunCommand(Cli(dir) + "--json stats");
      EXPECT_NE(r.exit_code, -1) << "views/" << name << " " << what << ": crashed: " << r.err;
      if (r.exit_code == 0) {
        EXPECT_EQ(r.out, built.out) << "views/" << name << " " << what << ": " << r.err;
      }
    }
  }
}

// --- The write-ahead log, one case at a time --------------------------------

TEST_F(StorageFaultTest, FlippedWalByteRefusesToOpenWithDataLossNamingTheWal) {
  const std::string wal = NewestFileEndingWith(main_, ".log");
  const uint64_t size = FileSize(main_ + "/" + wal);
  for (uint64_t offset : {uint64_t{7}, size / 4, size / 2, 3 * size / 4, size - 40}) {
    const std::string dir = FreshCopy();
    FlipByte(dir + "/" + wal, offset);
    for (bool read_only : {false, true}) {
      OpenOptions o;
      o.read_only = read_only;
      absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
      ASSERT_FALSE(db.ok()) << "offset " << offset << " read_only " << read_only;
      EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
      EXPECT_TRUE(absl::StrContains(db.status().message(), wal) ||
                  absl::StrContains(db.status().message(), "HIGH_WATER_MARK"))
          << "offset " << offset << ": " << db.status();
    }
    EXPECT_TRUE(ExpectNoShorterOrChangedHistory(dir, absl::StrCat("WAL byte ", offset)));
  }
}

TEST_F(StorageFaultTest, DeletedWalIsReportedAsLostRecords) {
  const std::string dir = FreshCopy();
  fs::remove(dir + "/" + NewestFileEndingWith(dir, ".log"));
  ASSERT_TRUE(absl::EndsWith(NewestFileEndingWith(dir, ".log"), ".log"));
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(db.status().message(),
                                absl::StrCat("ends at tree size ", kFlushed)))
      << db.status();
  EXPECT_TRUE(absl::StrContains(db.status().message(), absl::StrCat("acknowledged ", ack_.size)))
      << db.status();
  EXPECT_TRUE(ExpectNoShorterOrChangedHistory(dir, "WAL deleted"));
}

TEST_F(StorageFaultTest, WalCutAtABatchBoundaryIsReportedAsLostRecords) {
  // Sizes of the WAL after each synced batch are batch boundaries.
  TempDir t;
  const std::string dir = t.Sub("db");
  std::vector<uint64_t> wal_sizes;
  {
    std::unique_ptr<Ledger> db = CreateLedger(dir);
    ASSERT_NE(db, nullptr);
    for (int b = 0; b < 6; ++b) {
      ASSERT_TRUE(db->AppendEvents(Events("cut", b * kBatch, kBatch)).ok());
      wal_sizes.push_back(FileSize(dir + "/" + NewestFileEndingWith(dir, ".log")));
    }
  }
  const std::string wal = dir + "/" + NewestFileEndingWith(dir, ".log");
  fs::resize_file(wal, wal_sizes[2]);
  for (bool read_only : {true, false}) {
    OpenOptions o;
    o.read_only = read_only;
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
    ASSERT_FALSE(db.ok()) << "a WAL cut after batch 3 of 6 opened";
    EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(db.status().message(), "ends at tree size 150"))
        << db.status();
    EXPECT_TRUE(absl::StrContains(db.status().message(), "acknowledged 300")) << db.status();
  }
  // The damaged WAL is kept as it was (recovery does not flush it away).
  EXPECT_EQ(FileSize(wal), wal_sizes[2]);
}

TEST_F(StorageFaultTest, TornTailOfAnUnacknowledgedWriteIsDroppedAndTheLedgerOpens) {
  // A writer killed in the middle of its last write: the WAL ends inside a
  // record that was never acknowledged, so the mark is still the one from
  // before that write.
  TempDir t;
  const std::string dir = t.Sub("db");
  std::string mark_before;
  uint64_t acknowledged = 0;
  {
    std::unique_ptr<Ledger> db = CreateLedger(dir);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->AppendEvents(Events("torn", 0, kBatch)).ok());
    acknowledged = db->GetHead().tree_size;
    mark_before = testing_support::ReadFileOrDie(dir + "/" + kHighWaterMarkFileName);
    ASSERT_TRUE(db->AppendEvents(Events("torn", kBatch, kBatch)).ok());
  }
  const std::string wal = dir + "/" + NewestFileEndingWith(dir, ".log");
  fs::resize_file(wal, FileSize(wal) - 100);
  testing_support::WriteFileOrDie(dir + "/" + kHighWaterMarkFileName, mark_before);
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->GetHead().tree_size, acknowledged);
  absl::StatusOr<VerifyReport> v = (*db)->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem;
  // Appending resumes at the next position.
  absl::StatusOr<AppendResult> a = (*db)->AppendEvents(Events("torn", 5000, 1));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->events[0].position, acknowledged);
}

TEST_F(StorageFaultTest, WalSwappedInFromAnotherLedgerIsReported) {
  const std::string dir = FreshCopy();
  const std::string wal = NewestFileEndingWith(dir, ".log");
  fs::remove(dir + "/" + wal);
  fs::copy_file(other_ + "/" + NewestFileEndingWith(other_, ".log"), dir + "/" + wal);
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_TRUE(ExpectNoShorterOrChangedHistory(dir, "WAL swapped"));
}

// --- The high-water mark itself ---------------------------------------------

TEST_F(StorageFaultTest, OneTornMarkSlotFallsBackToTheOtherSlot) {
  for (uint64_t offset : {uint64_t{20}, uint64_t{512 + 20}}) {
    const std::string dir = FreshCopy();
    FlipByte(dir + "/" + kHighWaterMarkFileName, offset);
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
    ASSERT_TRUE(db.ok()) << "slot byte " << offset << ": " << db.status();
    EXPECT_EQ((*db)->GetHead().tree_size, ack_.size);
    // The next append rewrites the torn slot or the other; both stay readable.
    ASSERT_TRUE((*db)->AppendEvents(Events("slot", 0, 1)).ok());
    ASSERT_TRUE((*db)->AppendEvents(Events("slot", 1, 1)).ok());
    db->reset();
    absl::StatusOr<HighWaterMark> m = ReadHighWaterMark(dir);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->tree_size, ack_.size + 2);
  }
}

TEST_F(StorageFaultTest, BothMarkSlotsDamagedRefusesToOpen) {
  const std::string dir = FreshCopy();
  FlipByte(dir + "/" + kHighWaterMarkFileName, 40);
  FlipByte(dir + "/" + kHighWaterMarkFileName, 512 + 40);
  for (bool read_only : {false, true}) {
    OpenOptions o;
    o.read_only = read_only;
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(db.status().message(), "neither slot")) << db.status();
  }
}

TEST_F(StorageFaultTest, MissingMarkOfALedgerThatKeptOneRefusesToOpen) {
  const std::string dir = FreshCopy();
  fs::remove(dir + "/" + kHighWaterMarkFileName);
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(db.status().message(), "HIGH_WATER_MARK is missing"))
      << db.status();
  // And nothing was created in its place.
  EXPECT_FALSE(fs::exists(dir + "/" + kHighWaterMarkFileName));
}

TEST_F(StorageFaultTest, LedgerFromBeforeMarksGetsOneAtItsFirstWriterOpen) {
  // An old ledger: no mark file and no high_water_mark key.
  const std::string dir = FreshCopy();
  fs::remove(dir + "/" + kHighWaterMarkFileName);
  WithRawDb(dir, [](rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
    EXPECT_TRUE(db.Delete(rocksdb::WriteOptions(), cfs[0], "high_water_mark").ok());
  });
  OpenOptions ro;
  ro.read_only = true;
  EXPECT_TRUE(Ledger::Open(dir, ro).ok()) << "a reader of an old ledger";
  {
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
    ASSERT_TRUE(db.ok()) << db.status();
  }
  absl::StatusOr<HighWaterMark> m = ReadHighWaterMark(dir);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->tree_size, ack_.size);
  EXPECT_EQ(m->root, ack_.root);
  // From now on the mark is required.
  fs::remove(dir + "/" + kHighWaterMarkFileName);
  EXPECT_EQ(Ledger::Open(dir, {}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(StorageFaultTest, MarkAdvancesWithEverySyncedAppendAndWithFlushInBulkMode) {
  TempDir t;
  const std::string dir = t.Sub("db");
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = kOrigin;
  {
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, o);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(ReadHighWaterMark(dir)->tree_size, 0u);
    ASSERT_TRUE((*db)->AppendEvents(Events("m", 0, 3)).ok());
    EXPECT_EQ(ReadHighWaterMark(dir)->tree_size, 3u);
    EXPECT_EQ(ReadHighWaterMark(dir)->root, (*db)->GetHead().root);
  }
  OpenOptions bulk;
  bulk.durability = Durability::kBulk;
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, bulk);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->AppendEvents(Events("m", 3, 4)).ok());
  // Not durable yet: the mark must not claim it.
  EXPECT_EQ(ReadHighWaterMark(dir)->tree_size, 3u);
  ASSERT_TRUE((*db)->Flush().ok());
  EXPECT_EQ(ReadHighWaterMark(dir)->tree_size, 7u);
}

// --- Rolled back together, caught by what was issued from it ---------------

TEST_F(StorageFaultTest, DirectoryRolledBackWithItsMarkIsCaughtByAnIssuedCheckpoint) {
  // An old copy of the database and its mark (600 records), beside the
  // checkpoint issued later at 1,000.
  TempDir t;
  const std::string old_dir = t.Sub("old");
  {
    std::unique_ptr<Ledger> db = CreateLedger(old_dir);
    ASSERT_NE(db, nullptr);
    AppendAll(*db, Events("main", 0, kFlushed));
  }
  CopyTree(main_ + "/checkpoints", old_dir + "/checkpoints");
  for (bool read_only : {false, true}) {
    OpenOptions o;
    o.read_only = read_only;
    absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(old_dir, o);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(db.status().message(),
                                  absl::StrCat("was issued at tree size ", ack_.size)))
        << db.status();
  }
  testing_support::CommandResult v = RunCommand(Cli(old_dir) + "verify");
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
}

TEST_F(StorageFaultTest, QueriesRefuseViewsAheadOfTheLogAndVerifyFails) {
  const std::string dir = FreshCopy();
  testing_support::CommandResult q = RunCommand(Cli(dir) + "stats");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  // The log rolled back (with its mark) under views built at 1,000.
  TempDir t;
  const std::string old_dir = t.Sub("old");
  {
    std::unique_ptr<Ledger> db = CreateLedger(old_dir);
    ASSERT_NE(db, nullptr);
    AppendAll(*db, Events("main", 0, kFlushed));
  }
  CopyTree(dir + "/views", old_dir + "/views");
  testing_support::CommandResult stats = RunCommand(Cli(old_dir) + "stats");
  EXPECT_EQ(stats.exit_code, 10) << stats.out << stats.err;
  EXPECT_TRUE(absl::StrContains(stats.err, "ahead of the log")) << stats.err;
  EXPECT_TRUE(stats.out.empty()) << stats.out;
  testing_support::CommandResult v = RunCommand(Cli(old_dir) + "verify");
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_TRUE(absl::StrContains(v.out + v.err, "ahead of the log")) << v.out << v.err;
  // The remedy the message names: rebuild the views from the log as it is.
  testing_support::CommandResult rebuild = RunCommand(Cli(old_dir) + "rebuild");
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_EQ(RunCommand(Cli(old_dir) + "stats").exit_code, 0);
}

// --- The reproduction of the report, through the CLI -----------------------

TEST_F(StorageFaultTest, CliFlippedWalByteThenAppendIsRefusedAndVerifyFails) {
  TempDir t;
  const std::string db = t.Sub("db");
  ASSERT_EQ(RunCommand(Cli(db) + "init --origin " + kOrigin).exit_code, 0);
  const std::string data = t.Sub("gen.ndjson");
  ASSERT_EQ(RunCommand(Cli(db) + "gen --events 10000 --seed 1 --out " + Quote(data)).exit_code, 0);
  testing_support::CommandResult imp = RunCommand(Cli(db) + "import " + Quote(data));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  const std::string wal = db + "/" + NewestFileEndingWith(db, ".log");
  FlipByte(wal, FileSize(wal) / 2);
  std::string ten;
  for (int i = 0; i < 10; ++i) {
    ten += testing_support::NdjsonLine(
               testing_support::RaidEvent(absl::StrCat("more-", i), "op-more")) +
           "\n";
  }
  testing_support::CommandResult app =
      RunCommand(Cli(db) + "append --stream operation/op-more -", ten);
  EXPECT_EQ(app.exit_code, 10) << app.out << app.err;
  EXPECT_TRUE(absl::StrContains(app.err, ".log")) << app.err;
  testing_support::CommandResult head = RunCommand(Cli(db) + "head");
  EXPECT_EQ(head.exit_code, 10) << head.out << head.err;
  testing_support::CommandResult v = RunCommand(Cli(db) + "verify");
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_TRUE(absl::StrContains(v.err, "FAILED")) << v.err;
}

TEST_F(StorageFaultTest, CliDeletedOrTruncatedWalFailsEveryCommandIncludingAudit) {
  // The report: truncating or deleting the WAL lost the last acknowledged
  // appends, and verify and audit exited 0.
  TempDir t;
  const std::string key = t.Sub("signer");
  ASSERT_EQ(RunCommand(Cli(main_) + "keygen --name " + kOrigin + " --out " + Quote(key)).exit_code,
            0);
  for (bool truncate : {false, true}) {
    const std::string dir = FreshCopy();
    const std::string ckpt = t.Sub(absl::StrCat("checkpoint-", truncate, ".txt"));
    testing_support::CommandResult c = RunCommand(
        Cli(dir) + "checkpoint --key " + Quote(key + ".key") + " --out " + Quote(ckpt));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const std::string wal = dir + "/" + NewestFileEndingWith(dir, ".log");
    if (truncate) {
      fs::resize_file(wal, FileSize(wal) / 2);
    } else {
      fs::remove(wal);
    }
    const char* what = truncate ? "WAL cut in half" : "WAL deleted";
    for (const std::string& cmd :
         {std::string("head"), std::string("read"), std::string("export --out -"),
          std::string("stats"), std::string("verify"),
          "audit --checkpoint " + Quote(ckpt) + " --key @" + Quote(key + ".pub"),
          std::string("append --stream operation/op-more -")}) {
      testing_support::CommandResult r = RunCommand(
          Cli(dir) + cmd,
          testing_support::NdjsonLine(testing_support::RaidEvent("more-0", "op-more")) + "\n");
      EXPECT_NE(r.exit_code, 0) << what << ", " << cmd << " succeeded: " << r.out;
      EXPECT_NE(r.exit_code, -1) << what << ", " << cmd << " crashed: " << r.err;
    }
  }
}

TEST_F(StorageFaultTest, CliMissingCurrentIsDamageAndInitRefusesToCreateOverIt) {
  const std::string dir = FreshCopy();
  fs::remove(dir + "/CURRENT");
  testing_support::CommandResult h = RunCommand(Cli(dir) + "head");
  EXPECT_EQ(h.exit_code, 10) << h.err;
  EXPECT_TRUE(absl::StrContains(h.err, "CURRENT is missing")) << h.err;
  testing_support::CommandResult init = RunCommand(Cli(dir) + "init --origin " + kOrigin);
  EXPECT_NE(init.exit_code, 0) << init.out;
  EXPECT_FALSE(fs::exists(dir + "/CURRENT")) << "init created a new database over the old files";
}

TEST_F(StorageFaultTest, CliMissingManifestIsDataLossNotAConflict) {
  const std::string dir = FreshCopy();
  std::string manifest;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (absl::StartsWith(n, "MANIFEST-")) manifest = n;
  }
  ASSERT_FALSE(manifest.empty());
  fs::remove(dir + "/" + manifest);
  for (const char* cmd : {"head", "read", "stats"}) {
    testing_support::CommandResult r = RunCommand(Cli(dir) + cmd);
    EXPECT_EQ(r.exit_code, 10) << cmd << ": " << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "damaged")) << cmd << ": " << r.err;
  }
  testing_support::CommandResult v = RunCommand(Cli(dir) + "verify");
  EXPECT_EQ(v.exit_code, 1) << v.err;
}

TEST_F(StorageFaultTest, CliUnknownFormatVersionIsNotReportedAsALock) {
  const std::string dir = FreshCopy();
  WithRawDb(dir, [](rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs) {
    EXPECT_TRUE(db.Put(rocksdb::WriteOptions(), cfs[0], "format_version", "7").ok());
  });
  for (const char* cmd : {"head", "append --stream operation/x -"}) {
    testing_support::CommandResult r = RunCommand(Cli(dir) + cmd, "");
    EXPECT_EQ(r.exit_code, 10) << cmd << ": " << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "storage format \"7\"")) << r.err;
    EXPECT_FALSE(absl::StrContains(r.err, "locked")) << r.err;
    EXPECT_FALSE(absl::StrContains(r.err, "other writer")) << r.err;
  }
}

TEST_F(StorageFaultTest, WriterLockThatIsASymlinkIsRefusedAndItsTargetUntouched) {
  const std::string dir = FreshCopy();
  TempDir t;
  const std::string victim = t.Sub("victim.txt");
  testing_support::WriteFileOrDie(victim, "precious\n");
  fs::remove(dir + "/WRITER.lock");
  fs::create_symlink(victim, dir + "/WRITER.lock");
  absl::StatusOr<std::unique_ptr<Ledger>> db = Ledger::Open(dir, {});
  EXPECT_FALSE(db.ok());
  EXPECT_TRUE(absl::StrContains(db.status().message(), "symbolic link")) << db.status();
  EXPECT_EQ(testing_support::ReadFileOrDie(victim), "precious\n");
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

TEST(VerifyReportTest, FailedVerifyPrintsNoMadeUpRoot) {
  testing_support::TempDir t;
  const std::string db = t.Sub("db");
  {
    std::unique_ptr<Ledger> l = CreateLedger(db);
    ASSERT_NE(l, nullptr);
    ASSERT_TRUE(l->AppendEvents(Events("v", 0, 20)).ok());
  }
  testing_support::ReplaceRecord(db, 5, std::string("\x01garbage", 8));
  const std::string zeros(64, '0');
  testing_support::CommandResult text = RunCommand(Cli(db) + "verify");
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_FALSE(absl::StrContains(text.out, zeros)) << text.out;
  EXPECT_TRUE(absl::StrContains(text.out, "not computed")) << text.out;
  testing_support::CommandResult json = RunCommand(Cli(db) + "--json verify");
  EXPECT_EQ(json.exit_code, 1) << json.err;
  EXPECT_FALSE(absl::StrContains(json.out, zeros)) << json.out;
  EXPECT_FALSE(absl::StrContains(json.out, "\"root_hex\"")) << json.out;  // absent: not computed
}

}  // namespace
}  // namespace ledger

namespace ledger {
namespace {

// A writer appending, reopening (each open flushes and purges its WALs) and
// signing checkpoints, while readers open and catch up again and again:
// a reader must never mistake the writer's progress for lost records.
TEST(HighWaterMarkConcurrencyTest, ReadersNeverSeeDataLossWhileAWriterAppendsAndSigns) {
  testing_support::TempDir t;
  const std::string db = t.Sub("db");
  {
    OpenOptions o;
    o.create_if_missing = true;
    o.origin = "faults.example/log";
    ASSERT_TRUE(Ledger::Open(db, o).ok());
  }
  const std::string key = t.Sub("signer");
  ASSERT_EQ(RunCommand(Cli(db) + "keygen --name faults.example/log --out " + Quote(key)).exit_code,
            0);
  std::atomic<bool> done{false};
  std::atomic<int> appended_batches{0};
  std::thread writer([&] {
    for (int round = 0; round < 12; ++round) {
      {
        absl::StatusOr<std::unique_ptr<Ledger>> w = Ledger::Open(db, {});
        ASSERT_TRUE(w.ok()) << w.status();
        for (int b = 0; b < 5; ++b) {
          ASSERT_TRUE((*w)->AppendEvents(Events(absl::StrCat("c", round, "-", b), 0, 20)).ok());
          ++appended_batches;
        }
      }
      testing_support::CommandResult c =
          RunCommand(Cli(db) + "checkpoint --key " + Quote(key + ".key"));
      EXPECT_EQ(c.exit_code, 0) << c.err;
    }
    done = true;
  });
  int opens = 0, catch_ups = 0;
  while (!done) {
    OpenOptions o;
    o.read_only = true;
    absl::StatusOr<std::unique_ptr<Ledger>> r = Ledger::Open(db, o);
    ASSERT_TRUE(r.ok()) << "reader open " << opens << ": " << r.status();
    ++opens;
    for (int i = 0; i < 5 && !done; ++i) {
      absl::Status s = (*r)->TryCatchUp();
      ASSERT_TRUE(s.ok()) << "catch-up " << catch_ups << ": " << s;
      ++catch_ups;
    }
  }
  writer.join();
  EXPECT_EQ(appended_batches.load(), 60);
  EXPECT_GT(opens, 3);
}

TEST(RevalidationTest, AnEventStoredBeforeARuleIsStillADuplicateWhenRetried) {
  testing_support::TempDir t;
  const std::string db = t.Sub("db");
  Event stored = testing_support::RaidEvent("old-1", "op-old");
  {
    std::unique_ptr<Ledger> l = CreateLedger(db);
    ASSERT_NE(l, nullptr);
    ASSERT_TRUE(l->AppendEvents({stored}).ok());
  }
  // As an older ledger with laxer rules stored it: a newline in a place name.
  testing_support::RewriteEvent(db, 0, [](Event* e) {
    e->mutable_raid()->mutable_location()->set_place("Muse\nnorth");
  });
  stored.mutable_raid()->mutable_location()->set_place("Muse\nnorth");
  ASSERT_FALSE(ValidateEvent(stored).ok());
  {
    absl::StatusOr<std::unique_ptr<Ledger>> l = Ledger::Open(db, {});
    ASSERT_TRUE(l.ok()) << l.status();
    absl::StatusOr<AppendResult> again = (*l)->AppendEvents({stored});
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->events[0].duplicate);
    EXPECT_EQ(again->appended, 0u);
    // The same id with other content, or a new event, is still refused.
    Event other = stored;
    other.set_event_id("old-2");
    EXPECT_EQ((*l)->AppendEvents({other}).status().code(), absl::StatusCode::kInvalidArgument);
  }
  // Through the importer: counted as a duplicate, not rejected.
  const std::string file = t.Sub("again.ndjson");
  testing_support::WriteFileOrDie(file, testing_support::NdjsonLine(stored) + "\n");
  testing_support::CommandResult r =
      RunCommand(Cli(db) + "--json import --rejects " + Quote(t.Sub("rejects")) + " " +
                 Quote(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto o = testing_support::ParseJsonObject(r.out);
  EXPECT_EQ(testing_support::StringField(o, "duplicates"), "1");
  EXPECT_EQ(testing_support::StringField(o, "rejected"), "0");
}

TEST(DurableCheckpointTest, CheckpointRefusesRecordsThatAreNotYetDurable) {
  testing_support::TempDir t;
  const std::string db = t.Sub("db");
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = "faults.example/log";
  o.durability = Durability::kBulk;
  absl::StatusOr<std::unique_ptr<Ledger>> l = Ledger::Open(db, o);
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE((*l)->AppendEvents(Events("bulk", 0, 10)).ok());
  ASSERT_TRUE((*l)->Flush().ok());
  ASSERT_TRUE((*l)->AppendEvents(Events("bulk", 10, 10)).ok());  // not synced
  const std::string key = t.Sub("signer");
  ASSERT_EQ(RunCommand(Cli(db) + "keygen --name faults.example/log --out " + Quote(key)).exit_code,
            0);
  testing_support::CommandResult c = RunCommand(Cli(db) + "checkpoint --key " + Quote(key + ".key"));
  EXPECT_EQ(c.exit_code, 6) << c.out << c.err;
  EXPECT_TRUE(absl::StrContains(c.err, "records 10..19 are written but not yet durable")) << c.err;
  EXPECT_EQ(RunCommand(Cli(db) + "checkpoint --size 10 --key " + Quote(key + ".key")).exit_code, 0);
  ASSERT_TRUE((*l)->Flush().ok());
  c = RunCommand(Cli(db) + "checkpoint --key " + Quote(key + ".key"));
  EXPECT_EQ(c.exit_code, 0) << c.err;
}

}  // namespace
}  // namespace ledger
