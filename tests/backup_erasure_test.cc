// Erasures survive restores (docs/BACKUP.md, "Erasure and backups — the
// guarantee"): `backup::CreateBackup` lists the erased subjects in
// DIR/ERASURES (accumulated), and `backup::RestoreBackup` re-applies them —
// and the replaced target's own erasures — to a restored copy of a backup
// taken before the erasure: the subject is erased there, its name is in no
// file, the copy verifies, its log holds one erasure event more.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backup/backup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/erase.h"
#include "ingest/event_batch.h"
#include "ingest/personal_writer.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace {

namespace fs = std::filesystem;
using enforcement::v1::Event;
using testing::ElementsAre;
using testing::HasSubstr;
using testing_support::TempDir;

constexpr char kAgencyA[] = "cn-erased-5d1c07";
constexpr char kNameA[] = "Uniquename Erasedperson";
constexpr char kAgencyB[] = "cn-kept-9b2e44";
constexpr char kNameB[] = "Uniquename Keptperson";

std::string FileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool AnyFileContains(const std::string& dir, const std::string& needle, std::string* where) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (FileBytes(e.path()).find(needle) != std::string::npos) {
      *where = e.path().string();
      return true;
    }
  }
  return false;
}

// A format-2 ledger open for writing, with its personal-data store.
struct Writer {
  std::unique_ptr<ledger::Ledger> db;
  std::unique_ptr<personal::PersonalStore> store;
};

Writer OpenWriter(const std::string& path, bool create) {
  Writer w;
  ledger::OpenOptions o;
  o.create_if_missing = create;
  o.origin = "erasure.example/log";
  o.format_version = 2;
  auto db = ledger::Ledger::Open(path, o);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return w;
  w.db = *std::move(db);
  auto store = ingest::OpenPersonalStoreForWriter(*w.db);
  EXPECT_TRUE(store.ok()) << store.status();
  if (store.ok()) w.store = *std::move(store);
  return w;
}

// Arrests with names through the format-2 split.
void AppendArrests(Writer& w, const std::vector<std::pair<std::string, std::string>>& people,
                   const std::string& id_prefix) {
  ingest::EventBatch batch;
  batch.input_name = "<test>";
  int i = 0;
  for (const auto& [agency, name] : people) {
    Event e = testing_support::ArrestEvent(absl::StrCat(id_prefix, i++), agency);
    e.mutable_arrest()->mutable_suspect()->set_name(name);
    batch.events.push_back(std::move(e));
    batch.lines.push_back(static_cast<uint64_t>(i));
    batch.derived_id.push_back(false);
  }
  auto appended = ingest::AppendEventBatch(*w.db, batch, std::nullopt,
                                           ledger::ExpectedVersion::Any(), w.store.get());
  ASSERT_TRUE(appended.ok()) << appended.status();
}

std::string Erase(Writer& w, const std::string& agency) {
  ingest::EraseRequest req;
  req.subject = agency;
  req.authority = "Court order 2026/7";
  req.reason = "acquitted";
  auto out = ingest::EraseSubject(*w.db, *w.store, req);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? out->subject.subject_id : "";
}

// A backup (the caller's store handle closed first: CreateBackup opens the
// store itself, as the CLI's `backup create`, which has none).
enforcement::api::v1::BackupManifest Backup(Writer& w, const std::string& dir) {
  w.store.reset();
  backup::CreateOptions o;
  o.purge = false;
  auto a = backup::CreateBackup(*w.db, dir, o);
  EXPECT_TRUE(a.ok()) << a.status();
  auto store = ingest::OpenPersonalStoreForWriter(*w.db);
  EXPECT_TRUE(store.ok()) << store.status();
  if (store.ok()) w.store = *std::move(store);
  return a.ok() ? a->backup() : enforcement::api::v1::BackupManifest();
}

// The restored ledger at `path`: verifies; `subject` erased with the
// authority given, its name in no file; kNameB still revealed.
void ExpectErasedThere(const std::string& path, const std::string& subject) {
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto db = ledger::Ledger::Open(path, ro);
  ASSERT_TRUE(db.ok()) << db.status();
  auto verified = (*db)->Verify();
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;

  personal::StoreOptions so;
  so.mode = personal::StoreOptions::Mode::kReadOnly;
  auto store = personal::PersonalStore::Open(path, so);
  ASSERT_TRUE(store.ok()) << store.status();
  auto info = (*store)->GetSubject(subject);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->erased);
  EXPECT_EQ(info->authority, "Court order 2026/7");
  EXPECT_EQ(info->reason, "acquitted");
  EXPECT_EQ((*store)->Reveal(subject, "a0", "arrest.suspect.name").status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto b = (*store)->FindSubjectByAgencyId(kAgencyB);
  ASSERT_TRUE(b.ok() && b->has_value());
  auto name_b = (*store)->Reveal(**b, "a1", "arrest.suspect.name");
  ASSERT_TRUE(name_b.ok()) << name_b.status();
  EXPECT_EQ(*name_b, kNameB);
  store->reset();
  db->reset();

  std::string where;
  EXPECT_FALSE(AnyFileContains(path, kNameA, &where)) << "the erased name is in " << where;
  EXPECT_FALSE(AnyFileContains(path, kAgencyA, &where)) << "the erased agency id is in " << where;
}

// The record at `position` of the ledger at `path` is the erasure of `subject`.
void ExpectErasureRecord(const std::string& path, uint64_t position, const std::string& subject) {
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto db = ledger::Ledger::Open(path, ro);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->GetHead().tree_size, position + 1);
  auto rec = (*db)->ReadOne(position);
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_TRUE(rec->record.event().has_erasure());
  EXPECT_EQ(rec->record.event().erasure().subject_id(), subject);
  EXPECT_EQ(rec->record.event().erasure().authority(), "Court order 2026/7");
}

TEST(BackupErasureTest, AnErasureAfterABackupIsReappliedWhenThatBackupIsRestored) {
  TempDir tmp;
  const std::string bak = tmp.Sub("bak");
  Writer w = OpenWriter(tmp.Sub("db"), /*create=*/true);
  ASSERT_TRUE(w.db && w.store);
  AppendArrests(w, {{kAgencyA, kNameA}, {kAgencyB, kNameB}}, "a");
  const enforcement::api::v1::BackupManifest before = Backup(w, bak);
  EXPECT_FALSE(fs::exists(bak + "/ERASURES"));  // nothing erased yet

  const std::string subject = Erase(w, kAgencyA);
  ASSERT_FALSE(subject.empty());
  const enforcement::api::v1::BackupManifest after = Backup(w, bak);
  const std::string listed = FileBytes(bak + "/ERASURES");
  const std::vector<std::string> lines = absl::StrSplit(listed, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << listed;
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"subject_id\":\"", subject, "\"")));
  EXPECT_THAT(lines[0], HasSubstr("\"authority\":\"Court order 2026/7\""));
  EXPECT_THAT(lines[0], HasSubstr("\"reason\":\"acquitted\""));
  EXPECT_THAT(lines[0], HasSubstr("\"erased_at\":\"20"));
  EXPECT_EQ(listed.find(kNameA), std::string::npos);

  // Accumulated: an entry the live store does not know stays listed, and a
  // restore skips it (its subject is not in the backup).
  {
    std::ofstream out(bak + "/ERASURES", std::ios::app);
    out << R"({"subject_id":"sub_00000000000000000000000000000000","erased_at":"2026-01-01T00:00:00Z","authority":"X","reason":"Y"})"
        << "\n";
  }
  Backup(w, bak);
  EXPECT_THAT(FileBytes(bak + "/ERASURES"), HasSubstr("sub_00000000000000000000000000000000"));
  EXPECT_THAT(FileBytes(bak + "/ERASURES"), HasSubstr(subject));
  w = Writer();

  // The backup from before the erasure, restored elsewhere: erased there.
  const std::string restored = tmp.Sub("restored");
  auto a = backup::RestoreBackup(bak, before.id(), restored, {});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->verified().backup().id(), before.id());
  EXPECT_EQ(a->erasures_reapplied(), 1u);
  EXPECT_THAT(a->reapplied_subject_ids(), ElementsAre(subject));
  ExpectErasedThere(restored, subject);
  ExpectErasureRecord(restored, before.tree_size(), subject);

  // The backup from after it holds the tombstone already: nothing to re-apply.
  auto b = backup::RestoreBackup(bak, after.id(), tmp.Sub("restored2"), {});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->erasures_reapplied(), 0u);
  EXPECT_EQ(b->reapplied_subject_ids_size(), 0);
  ExpectErasedThere(tmp.Sub("restored2"), subject);
}

TEST(BackupErasureTest, RestoringOverATargetReappliesTheTargetsOwnErasures) {
  TempDir tmp;
  const std::string bak = tmp.Sub("bak");
  const std::string db = tmp.Sub("db");
  Writer w = OpenWriter(db, /*create=*/true);
  ASSERT_TRUE(w.db && w.store);
  AppendArrests(w, {{kAgencyA, kNameA}, {kAgencyB, kNameB}}, "a");
  const enforcement::api::v1::BackupManifest before = Backup(w, bak);
  // Erased after the last backup: DIR/ERASURES does not list it.
  const std::string subject = Erase(w, kAgencyA);
  ASSERT_FALSE(subject.empty());
  w = Writer();
  EXPECT_FALSE(fs::exists(bak + "/ERASURES"));

  // The target is ahead (its erasure event): a rollback, accepted.
  backup::RestoreOptions o;
  o.overwrite = true;
  auto refused = backup::RestoreBackup(bak, before.id(), db, o);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  o.allow_rollback = true;
  auto a = backup::RestoreBackup(bak, before.id(), db, o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->replaced());
  EXPECT_EQ(a->erasures_reapplied(), 1u);
  EXPECT_THAT(a->reapplied_subject_ids(), ElementsAre(subject));
  ExpectErasedThere(db, subject);
  ExpectErasureRecord(db, before.tree_size(), subject);
}

}  // namespace
