// backup/ (backup/backup.h) as a library: backup -> restore round trips
// with the personal-data store, incremental backups, the refusals of a
// restore (existing target, a target ahead of the backup), a corrupted
// backup file, purge by age, and snapshots.
#include "backup/backup.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "rocksdb/db.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"
#include "util/error_detail.h"

namespace {

namespace fs = std::filesystem;
using enforcement::v1::Event;
using testing::HasSubstr;
using testing_support::ArrestEvent;
using testing_support::TempDir;

constexpr char kOrigin[] = "test.example/log";

std::unique_ptr<ledger::Ledger> OpenWriter(const std::string& path, bool create = false) {
  ledger::OpenOptions o;
  o.create_if_missing = create;
  o.origin = kOrigin;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(path, o);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

std::unique_ptr<ledger::Ledger> OpenReader(const std::string& path) {
  ledger::OpenOptions o;
  o.read_only = true;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(path, o);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

void AppendArrests(ledger::Ledger& db, int from, int count) {
  std::vector<Event> batch;
  for (int i = from; i < from + count; ++i) {
    batch.push_back(ArrestEvent(absl::StrCat("e", i), absl::StrCat("s", i % 97)));
    if (batch.size() == 100) {
      ASSERT_TRUE(db.AppendEvents(batch).ok());
      batch.clear();
    }
  }
  if (!batch.empty()) ASSERT_TRUE(db.AppendEvents(batch).ok());
}

// A stand-in personal-data store: a RocksDB with default options at
// <ledger>/personal holding `n` keys.
void WritePersonal(const std::string& ledger_dir, int from, int n) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, ledger_dir + "/personal", &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (int i = from; i < from + n; ++i) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), absl::StrCat("subject/", i), "key").ok());
  }
}

int CountPersonal(const std::string& ledger_dir) {
  rocksdb::Options o;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(o, ledger_dir + "/personal", &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

backup::CreateOptions NoPurge() {
  backup::CreateOptions o;
  o.purge = false;
  return o;
}

TEST(BackupTest, RoundTripRestoresTheSameHeadAndThePersonalStore) {
  TempDir tmp;
  const std::string db_dir = tmp.Sub("db");
  auto db = OpenWriter(db_dir, true);
  AppendArrests(*db, 0, 1000);
  WritePersonal(db_dir, 0, 50);
  absl::StatusOr<enforcement::api::v1::BackupCreateAnswer> created =
      backup::CreateBackup(*db, tmp.Sub("bak"), backup::CreateOptions());
  ASSERT_TRUE(created.ok()) << created.status();
  const ledger::Head head = db->GetHead();
  EXPECT_EQ(created->backup().tree_size(), 1000u);
  EXPECT_EQ(created->backup().root_hex(), merkle::ToHex(head.root));
  EXPECT_TRUE(created->backup().has_personal_backup_id());
  EXPECT_EQ(created->oldest_held().id(), created->backup().id());
  db.reset();

  absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> restored =
      backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, tmp.Sub("restored"), {});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_TRUE(restored->verified().ok());
  EXPECT_FALSE(restored->replaced());
  {
    auto r = OpenReader(tmp.Sub("restored"));
    EXPECT_EQ(r->GetHead().tree_size, head.tree_size);
    EXPECT_EQ(r->GetHead().root, head.root);
    absl::StatusOr<ledger::VerifyReport> v = r->Verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok()) << v->problem;
  }
  EXPECT_EQ(CountPersonal(tmp.Sub("restored")), 50);
  // The restored ledger takes appends (its mark is at its head).
  auto w = OpenWriter(tmp.Sub("restored"));
  AppendArrests(*w, 1000, 10);
  EXPECT_EQ(w->GetHead().tree_size, 1010u);
  // No temporary directory is left beside the target.
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
  }
}

TEST(BackupTest, SecondBackupIsIncremental) {
  TempDir tmp;
  auto db = OpenWriter(tmp.Sub("db"), true);
  AppendArrests(*db, 0, 3000);
  ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  AppendArrests(*db, 3000, 100);
  absl::StatusOr<enforcement::api::v1::BackupCreateAnswer> second =
      backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->backup().tree_size(), 3100u);
  EXPECT_EQ(second->oldest_held().tree_size(), 3000u);

  absl::StatusOr<enforcement::api::v1::BackupListAnswer> list = backup::ListBackups(tmp.Sub("bak"));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->backups_size(), 2);
  uint64_t listed = 0;
  for (const auto& e : list->backups()) {
    EXPECT_TRUE(e.complete());
    listed += e.size_bytes();
  }
  // Shared table files are stored once: the directory holds less than the
  // two backups' sizes added up.
  uint64_t stored = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp.Sub("bak/log"))) {
    if (e.is_regular_file()) stored += e.file_size();
  }
  EXPECT_LT(stored, listed * 3 / 4) << stored << " vs " << listed;

  // Both verify and restore to their own heads.
  for (const auto& e : list->backups()) {
    absl::StatusOr<enforcement::api::v1::BackupVerifyAnswer> v =
        backup::VerifyBackup(tmp.Sub("bak"), e.manifest().id());
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->ok()) << v->problem();
    EXPECT_EQ(v->log().tree_size(), e.manifest().tree_size());
  }
}

TEST(BackupTest, RestoreRefusesAnExistingTargetWithoutOverwrite) {
  TempDir tmp;
  auto db = OpenWriter(tmp.Sub("db"), true);
  AppendArrests(*db, 0, 200);
  ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  testing_support::WriteFileOrDie(tmp.Sub("other"), "");
  fs::create_directories(tmp.Sub("target"));
  testing_support::WriteFileOrDie(tmp.Sub("target/file"), "keep me");
  absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> r =
      backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, tmp.Sub("target"), {});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("--overwrite"));
  EXPECT_EQ(testing_support::ReadFileOrDie(tmp.Sub("target/file")), "keep me");
  // The live ledger itself, with its writer open: refused as busy.
  backup::RestoreOptions over;
  over.overwrite = true;
  r = backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, tmp.Sub("db"), over);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_TRUE(util::IsLockContention(r.status()));
}

TEST(BackupTest, RestoreBelowTheHighWaterMarkNamesTheLostRange) {
  TempDir tmp;
  const std::string db_dir = tmp.Sub("db");
  auto db = OpenWriter(db_dir, true);
  AppendArrests(*db, 0, 500);
  ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  AppendArrests(*db, 500, 250);
  db.reset();
  backup::RestoreOptions o;
  o.overwrite = true;
  absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> r =
      backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, db_dir, o);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("[500, 750)"));
  EXPECT_THAT(r.status().message(), HasSubstr("--allow-rollback"));
  EXPECT_EQ(OpenReader(db_dir)->GetHead().tree_size, 750u);  // untouched

  o.allow_rollback = true;
  r = backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, db_dir, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->replaced());
  EXPECT_EQ(r->lost_from(), 500u);
  EXPECT_EQ(r->lost_to(), 750u);
  absl::StatusOr<ledger::HighWaterMark> mark = ledger::ReadHighWaterMark(db_dir);
  ASSERT_TRUE(mark.ok());
  EXPECT_EQ(mark->tree_size, 500u);  // moved back, by restore only
  auto w = OpenWriter(db_dir);
  EXPECT_EQ(w->GetHead().tree_size, 500u);
  AppendArrests(*w, 500, 1);
  EXPECT_EQ(w->GetHead().tree_size, 501u);
}

TEST(BackupTest, VerifyDetectsACorruptedBackupFile) {
  TempDir tmp;
  auto db = OpenWriter(tmp.Sub("db"), true);
  AppendArrests(*db, 0, 2000);
  ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  db.reset();
  // Flip one byte in the middle of the largest shared table file.
  std::string victim;
  uintmax_t largest = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp.Sub("bak/log"))) {
    if (e.is_regular_file() && e.path().extension() == ".sst" && e.file_size() > largest) {
      largest = e.file_size();
      victim = e.path().string();
    }
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(largest / 2));
    char c = 0;
    f.read(&c, 1);
    c ^= 0x40;
    f.seekp(static_cast<std::streamoff>(largest / 2));
    f.write(&c, 1);
  }
  absl::StatusOr<enforcement::api::v1::BackupVerifyAnswer> v =
      backup::VerifyBackup(tmp.Sub("bak"), std::nullopt);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->ok());
  EXPECT_FALSE(v->files_ok());
  EXPECT_THAT(v->problem(), HasSubstr("checksum"));
  absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> r =
      backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, tmp.Sub("restored"), {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
  EXPECT_FALSE(fs::exists(tmp.Sub("restored")));
}

TEST(BackupTest, PurgeByAgeKeepsTheNewest) {
  TempDir tmp;
  auto db = OpenWriter(tmp.Sub("db"), true);
  WritePersonal(tmp.Sub("db"), 0, 5);
  for (int i = 0; i < 3; ++i) {
    AppendArrests(*db, i * 100, 100);
    ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  }
  backup::RetentionOptions keep;
  keep.keep_for = absl::Hours(24 * 30);
  absl::StatusOr<enforcement::api::v1::BackupPurgeAnswer> p =
      backup::PurgeBackups(tmp.Sub("bak"), keep);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->purged_size(), 0);  // all younger than 30 days
  EXPECT_EQ(p->held(), 3u);

  // 31 days later: all but the newest (keep_last 1) go.
  const absl::Time later = absl::Now() + absl::Hours(24 * 31);
  keep.clock = [later] { return later; };
  p = backup::PurgeBackups(tmp.Sub("bak"), keep);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->purged_size(), 2);
  EXPECT_EQ(p->held(), 1u);
  EXPECT_EQ(p->oldest_held().tree_size(), 300u);
  ASSERT_TRUE(backup::VerifyBackup(tmp.Sub("bak"), std::nullopt)->ok());

  // --keep-days 0 --keep-last 0: nothing held, nothing of the personal store.
  backup::RetentionOptions none;
  none.keep_for = absl::ZeroDuration();
  none.keep_last = 0;
  p = backup::PurgeBackups(tmp.Sub("bak"), none);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->held(), 0u);
  EXPECT_FALSE(p->has_oldest_held());
  for (const std::string sub : {"bak/log", "bak/personal"}) {
    for (const auto& e : fs::recursive_directory_iterator(tmp.Sub(sub))) {
      EXPECT_NE(e.path().extension(), ".sst") << e.path();
    }
  }
  absl::StatusOr<enforcement::api::v1::BackupListAnswer> list = backup::ListBackups(tmp.Sub("bak"));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->backups_size(), 0);
}

TEST(BackupTest, SnapshotVerifiesAndTheLedgerKeepsWorking) {
  TempDir tmp;
  const std::string db_dir = tmp.Sub("db");
  auto db = OpenWriter(db_dir, true);
  AppendArrests(*db, 0, 800);
  WritePersonal(db_dir, 0, 7);
  absl::StatusOr<enforcement::api::v1::SnapshotAnswer> s = backup::Snapshot(*db, tmp.Sub("snap"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->tree_size(), 800u);
  EXPECT_TRUE(s->personal());
  AppendArrests(*db, 800, 100);
  EXPECT_EQ(db->GetHead().tree_size, 900u);
  {
    auto snap = OpenReader(tmp.Sub("snap"));
    EXPECT_EQ(snap->GetHead().tree_size, 800u);
    absl::StatusOr<ledger::VerifyReport> v = snap->Verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok()) << v->problem;
  }
  EXPECT_EQ(CountPersonal(tmp.Sub("snap")), 7);
  // A second snapshot into the same directory is refused.
  EXPECT_EQ(backup::Snapshot(*db, tmp.Sub("snap")).status().code(),
            absl::StatusCode::kAlreadyExists);
  db.reset();
  auto again = OpenWriter(db_dir);
  EXPECT_EQ(again->GetHead().tree_size, 900u);
}

TEST(BackupTest, RefusesDirectoriesInsideEachOther) {
  TempDir tmp;
  auto db = OpenWriter(tmp.Sub("db"), true);
  AppendArrests(*db, 0, 10);
  EXPECT_EQ(backup::CreateBackup(*db, tmp.Sub("db/bak"), NoPurge()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(backup::CreateBackup(*db, tmp.path(), NoPurge()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(backup::Snapshot(*db, tmp.Sub("db/snap")).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(backup::CreateBackup(*db, tmp.Sub("bak"), NoPurge()).ok());
  EXPECT_EQ(backup::RestoreBackup(tmp.Sub("bak"), std::nullopt, tmp.Sub("bak/x"), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BackupTest, RefusesTheBackupsOfAnotherLedger) {
  TempDir tmp;
  auto a = OpenWriter(tmp.Sub("a"), true);
  AppendArrests(*a, 0, 10);
  ASSERT_TRUE(backup::CreateBackup(*a, tmp.Sub("bak"), NoPurge()).ok());
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "other.example/log";
  auto b = ledger::Ledger::Open(tmp.Sub("b"), o);
  ASSERT_TRUE(b.ok());
  absl::StatusOr<enforcement::api::v1::BackupCreateAnswer> r =
      backup::CreateBackup(**b, tmp.Sub("bak"), NoPurge());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
}

}  // namespace
