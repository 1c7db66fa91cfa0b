// Format 2 end to end, through the real `ledger` binary on temporary ledgers
// (docs/PERSONAL_DATA.md): no name or agency suspect id in any record or in
// any file of the log; `erase` destroys them in the personal-data store while
// every proof and checkpoint issued before still verifies and an export keeps
// its bytes; hostile uses of erase; re-imports after an erasure; `migrate`
// from format 1.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "enforcement/api/v1/backup.pb.h"
#include "enforcement/api/v1/personal.pb.h"
#include "gmock/gmock.h"
#include "rocksdb/db.h"
#include "gtest/gtest.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::ReadFileOrDie;
using testing_support::TempDir;
using testing_support::WriteFileOrDie;

// Distinctive strings, to look for on disk.
constexpr char kName1[] = "Zhangwei Uniquename Alpha";
constexpr char kAgency1[] = "cn-zhangwei-7f3a91";
constexpr char kName2[] = "\xe6\x9d\x8e\xe5\xbc\xba Betaname";  // 李强 Betaname
constexpr char kAgency2[] = "cn-liqiang-55c0e2";

std::string ArrestLine(const std::string& id, const std::string& agency_id,
                       const std::string& name, const std::string& month) {
  return absl::StrCat(
      R"({"eventId":")", id, R"(","stream":"suspect/)", agency_id, R"(","occurredAt":"2024-)",
      month, R"(-01T00:00:00Z","occurredPrecision":"PRECISION_MONTH","source":{"publisher":"Xinhua"},)",
      R"("arrest":{"suspect":{"suspectId":")", agency_id, R"(","name":")", name,
      R"(","nationality":"CN","role":"ROLE_MEMBER"},"location":{"country":"MM"}}})", "\n");
}

std::string SentencingLine(const std::string& agency_id, const std::string& name) {
  return absl::StrCat(
      R"({"stream":"case/c-1","occurredAt":"2024-06-01T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
      R"("source":{"publisher":"Court"},"sentencing":{"caseId":"c-1","suspectId":")", agency_id,
      R"(","suspectName":")", name, R"(","prisonMonths":"60"}})", "\n");
}

std::string HandoverLine() {
  return absl::StrCat(
      R"({"stream":"handover/h-1","occurredAt":"2024-05-01T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
      R"("source":{"publisher":"MPS"},"handover":{"fromCountry":"MM","toCountry":"CN",)",
      R"("suspectIds":[")", kAgency1, R"(",")", kAgency2, R"("],"suspectsCount":"2"}})", "\n");
}

// Every byte of every regular file under `dir`.
bool AnyFileContains(const std::string& dir, const std::string& needle,
                     std::string* where = nullptr) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.find(needle) != std::string::npos) {
      if (where != nullptr) *where = e.path().string();
      return true;
    }
  }
  return false;
}

class PersonalCliTest : public ::testing::Test {
 protected:
  CommandResult LedgerAt(const std::string& db, const std::string& args,
                         const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args),
        stdin_data);
  }
  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return LedgerAt(db_, args, stdin_data);
  }
  void Init(const std::string& db, const std::string& extra = "") {
    CommandResult r = LedgerAt(db, "init --origin test.example/log " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void Import(const std::string& db, const std::string& ndjson, const std::string& name) {
    const std::string path = dir_.Sub(name);
    WriteFileOrDie(path, ndjson);
    CommandResult r = LedgerAt(db, "import " + Quote(path));
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  std::string Export(const std::string& db, const std::string& name) {
    const std::string out = dir_.Sub(name);
    CommandResult r = LedgerAt(db, "export --format delimited --out " + Quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ReadFileOrDie(out);
  }
  std::string Data() {
    return ArrestLine("a-1", kAgency1, kName1, "03") + ArrestLine("a-2", kAgency2, kName2, "04") +
           HandoverLine() + SentencingLine(kAgency1, kName1);
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

TEST_F(PersonalCliTest, InitCreatesFormat2WhoseLogHoldsNoNameOrAgencyId) {
  Init(db_);
  ASSERT_TRUE(std::filesystem::is_directory(db_ + "/personal"));
  Import(db_, Data(), "in.ndjson");
  const std::string exported = Export(db_, "all.bin");
  for (const std::string& s : {std::string(kName1), std::string(kName2), std::string(kAgency1),
                               std::string(kAgency2), std::string("Zhangwei")}) {
    EXPECT_EQ(exported.find(s), std::string::npos) << s;
    std::string where;
    EXPECT_FALSE(AnyFileContains(db_, s, &where)) << s << " found in " << where;
  }
  EXPECT_THAT(exported, HasSubstr("sub_"));
  CommandResult v = Ledger("verify");
  EXPECT_EQ(v.exit_code, 0) << v.err << v.out;
}

TEST_F(PersonalCliTest, EraseKeepsEveryProofAndRecordAndForgetsTheSubject) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  const std::string key = dir_.Sub("k");
  ASSERT_EQ(Ledger("keygen --name test.example/log --out " + Quote(key)).exit_code, 0);
  CommandResult cp = Ledger("checkpoint --key " + Quote(key + ".key"));
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  WriteFileOrDie(dir_.Sub("c1.txt"), cp.out);
  ASSERT_EQ(Ledger("prove inclusion --position 0 --record-out " + Quote(dir_.Sub("r0.bin")) +
                   " --out " + Quote(dir_.Sub("p0.json")))
                .exit_code,
            0);
  const std::string before = Export(db_, "before.bin");

  CommandResult e = Ledger(absl::StrCat("--json erase --subject ", kAgency1,
                                        " --authority 'Court order 2026/118' --reason acquitted"));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::EraseAnswer>(e.out);
  EXPECT_FALSE(answer.already_erased());
  EXPECT_TRUE(answer.erasure_event_appended());
  EXPECT_GE(answer.values_destroyed(), 4u);  // id x3 (arrest, stream, handover, sentencing), names

  // The log: every old record unchanged, one erasure record more.
  const std::string after = Export(db_, "after.bin");
  ASSERT_GT(after.size(), before.size());
  EXPECT_EQ(after.substr(0, before.size()), before);
  EXPECT_EQ(Ledger("verify").exit_code, 0);
  CommandResult check = Ledger("check inclusion --proof " + Quote(dir_.Sub("p0.json")) +
                               " --record " + Quote(dir_.Sub("r0.bin")) + " --checkpoint " +
                               Quote(dir_.Sub("c1.txt")) + " --key " + Quote(key + ".pub"));
  EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
  CommandResult audit = Ledger("audit --checkpoint " + Quote(dir_.Sub("c1.txt")) + " --key " +
                               Quote(key + ".pub"));
  EXPECT_EQ(audit.exit_code, 0) << audit.err << audit.out;

  // Twice: nothing more; by subject id too.
  CommandResult again = Ledger(absl::StrCat("--json erase --subject ", answer.subject_id(),
                                            " --authority other --reason other"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = testing_support::ParseAnswer<enforcement::api::v1::EraseAnswer>(again.out);
  EXPECT_TRUE(second.already_erased());
  EXPECT_FALSE(second.erasure_event_appended());
  EXPECT_EQ(second.authority(), "Court order 2026/118");
  EXPECT_EQ(second.erasure_position(), answer.erasure_position());

  // A re-import of the same file is all duplicates; a new event of the
  // erased person keeps no personal data.
  CommandResult re = Ledger("--json import " + Quote(dir_.Sub("in.ndjson")));
  ASSERT_EQ(re.exit_code, 0) << re.err;
  EXPECT_THAT(re.out, HasSubstr("\"appended\":\"0\""));
  Import(db_, ArrestLine("a-9", kAgency1, kName1, "09"), "later.ndjson");
  // The second subject is still there, the erased one nowhere.
  EXPECT_EQ(Ledger("verify").exit_code, 0);
}

TEST_F(PersonalCliTest, RestoringABackupFromBeforeAnErasureReappliesIt) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  const std::string bak = dir_.Sub("bak");
  CommandResult c1 = Ledger("--json backup create --to " + Quote(bak));
  ASSERT_EQ(c1.exit_code, 0) << c1.err;
  const auto first = testing_support::ParseAnswer<enforcement::api::v1::BackupCreateAnswer>(c1.out);
  CommandResult e = Ledger(absl::StrCat("--json erase --subject ", kAgency1,
                                        " --authority 'Court order 2026/118' --reason acquitted"));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto erased = testing_support::ParseAnswer<enforcement::api::v1::EraseAnswer>(e.out);
  ASSERT_EQ(Ledger("backup create --to " + Quote(bak)).exit_code, 0);
  EXPECT_THAT(ReadFileOrDie(bak + "/ERASURES"), HasSubstr(erased.subject_id()));

  const std::string restored = dir_.Sub("restored");
  CommandResult r = LedgerAt(restored, absl::StrCat("--json backup restore --from ", Quote(bak),
                                                    " --id ", first.backup().id()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto answer = testing_support::ParseAnswer<enforcement::api::v1::BackupRestoreAnswer>(r.out);
  EXPECT_EQ(answer.erasures_reapplied(), 1u);
  ASSERT_EQ(answer.reapplied_subject_ids_size(), 1);
  EXPECT_EQ(answer.reapplied_subject_ids(0), erased.subject_id());
  EXPECT_EQ(LedgerAt(restored, "verify").exit_code, 0);
  CommandResult shown = LedgerAt(restored, absl::StrCat("suspects show ", erased.subject_id(),
                                                        " --personal"));
  EXPECT_EQ(shown.out.find(kName1), std::string::npos) << shown.out;
  std::string where;
  EXPECT_FALSE(AnyFileContains(restored, kName1, &where)) << where;

  CommandResult text = LedgerAt(dir_.Sub("restored2"), absl::StrCat("backup restore --from ",
                                                                    Quote(bak), " --id ",
                                                                    first.backup().id()));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("erasures re-applied"));
  EXPECT_THAT(text.out, HasSubstr(erased.subject_id()));
}

TEST_F(PersonalCliTest, RejectsOfAnErasedSubjectKeepNoPersonalData) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  ASSERT_EQ(Ledger(absl::StrCat("erase --subject ", kAgency1, " --authority A --reason R")).exit_code,
            0);
  // A row refused by validation (a control character in the name), a row
  // the ledger refuses (its correction's target does not exist), and a bad
  // row of a live subject, which keeps its row.
  const std::string bad_name = ArrestLine("a-7", kAgency1, std::string(kName1) + "\\u0007", "07");
  const std::string bad_target = absl::StrCat(
      R"({"eventId":"fix-1","stream":"suspect/)", kAgency1,
      R"(","occurredAt":"2024-08-01T00:00:00Z","occurredPrecision":"PRECISION_DAY","source":{"publisher":"X"},)",
      R"("correction":{"targetEventId":"no-such-event","reason":"r","replacement":{"arrest":{"suspect":{"suspectId":")",
      kAgency1, R"(","name":")", kName1, R"("}}}}})", "\n");
  const std::string live_bad = ArrestLine("a-8", kAgency2, std::string(kName2) + "\\u0007", "08");
  // The stored arrest a-1 of the erased person, sent again with another date:
  // a conflict (same id, other content), its commitments borrowed from the log.
  const std::string conflict = ArrestLine("a-1", kAgency1, kName1, "11");
  WriteFileOrDie(dir_.Sub("bad.ndjson"), bad_name + bad_target + live_bad + conflict);
  const std::string rejects = dir_.Sub("rejects.ndjson");
  CommandResult r = Ledger("import " + Quote(dir_.Sub("bad.ndjson")) + " --rejects " + Quote(rejects));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string kept = ReadFileOrDie(rejects);
  EXPECT_EQ(kept.find(kName1), std::string::npos) << kept;
  EXPECT_EQ(kept.find(kAgency1), std::string::npos) << kept;
  EXPECT_THAT(kept, HasSubstr("\"row_redacted\":true"));
  EXPECT_THAT(kept, HasSubstr("cn-liqiang"));  // the live subject's row is kept as it was
  const size_t entries = std::count(kept.begin(), kept.end(), '\n');
  EXPECT_EQ(entries, 4u);
  // A re-run records nothing twice.
  r = Ledger("import " + Quote(dir_.Sub("bad.ndjson")) + " --rejects " + Quote(rejects));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileOrDie(rejects), kept);
}

TEST_F(PersonalCliTest, VerifyPersonalFindsAStoreOutOfStepWithTheLog) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  CommandResult ok = Ledger("--json verify --personal");
  ASSERT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("\"personal\":{\"ok\":true"));
  // One kept value deleted underneath (not by erase): the log still commits to it.
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), db_ + "/personal", &raw).ok());
    std::unique_ptr<rocksdb::DB> store(raw);
    std::unique_ptr<rocksdb::Iterator> it(store->NewIterator(rocksdb::ReadOptions()));
    it->Seek("v/");
    ASSERT_TRUE(it->Valid() && it->key().starts_with("v/"));
    ASSERT_TRUE(store->Delete(rocksdb::WriteOptions(), it->key()).ok());
  }
  CommandResult bad = Ledger("verify --personal");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_THAT(bad.out + bad.err, HasSubstr("the store lost it"));
  // The log itself is intact: verify without --personal passes.
  EXPECT_EQ(Ledger("verify").exit_code, 0);
}

TEST_F(PersonalCliTest, MigrateListsRecordsTooLargeForFormat2AndWritesNothing) {
  const std::string v1 = dir_.Sub("v1");
  Init(v1, "--format 1");
  // Format 1 takes events up to 1 MiB; format 2 records stop at 65,535 bytes.
  auto raid = [](const std::string& id, size_t note_bytes) {
    return absl::StrCat(
        R"({"eventId":")", id, R"(","stream":"operation/op-1","occurredAt":"2024-03-01T00:00:00Z",)",
        R"("occurredPrecision":"PRECISION_MONTH","source":{"publisher":"X"},"raid":{"operationId":"op-1",)",
        R"("note":")", std::string(note_bytes, 'n'), R"("}})", "\n");
  };
  Import(v1, raid("small", 10) + raid("big-1", 70000) + ArrestLine("a-1", kAgency1, kName1, "03") +
                 raid("big-2", 100000),
         "big.ndjson");
  const std::string v2 = dir_.Sub("v2");
  CommandResult m = LedgerAt(v1, "--json migrate --to " + Quote(v2) + " --origin test.example/v2");
  EXPECT_EQ(m.exit_code, 3) << m.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::MigrateAnswer>(m.out);
  EXPECT_FALSE(answer.ok());
  ASSERT_EQ(answer.too_large_size(), 2);
  EXPECT_EQ(answer.too_large(0).position(), 1u);
  EXPECT_EQ(answer.too_large(0).event_id(), "big-1");
  EXPECT_GT(answer.too_large(0).bytes(), 65535u);
  EXPECT_EQ(answer.too_large(1).event_id(), "big-2");
  EXPECT_FALSE(std::filesystem::exists(v2));
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find("migrating"), std::string::npos) << e.path();
  }
}

TEST_F(PersonalCliTest, AMissingStoreBesideRecordsIsDamageNotANewStore) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  std::filesystem::remove_all(db_ + "/personal");
  WriteFileOrDie(dir_.Sub("more.ndjson"), ArrestLine("a-5", kAgency1, kName1, "05"));
  CommandResult r = Ledger("import " + Quote(dir_.Sub("more.ndjson")));
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no personal-data store"));
  EXPECT_FALSE(std::filesystem::exists(db_ + "/personal"));
  CommandResult e = Ledger(absl::StrCat("erase --subject ", kAgency1, " --authority A --reason R"));
  EXPECT_EQ(e.exit_code, 10) << e.err;
}

TEST_F(PersonalCliTest, EraseRefusesWhatItCannotDo) {
  Init(db_);
  Import(db_, Data(), "in.ndjson");
  CommandResult unknown = Ledger("erase --subject nobody-1 --authority A --reason R");
  EXPECT_EQ(unknown.exit_code, 5) << unknown.err;
  EXPECT_THAT(unknown.err, HasSubstr("no subject"));
  CommandResult no_authority = Ledger(absl::StrCat("erase --subject ", kAgency1, " --reason R"));
  EXPECT_EQ(no_authority.exit_code, 2) << no_authority.err;
  CommandResult control = Ledger(absl::StrCat("erase --subject ", kAgency1,
                                              " --authority A --reason \"$(printf 'bad\\007reason')\""));
  EXPECT_EQ(control.exit_code, 3) << control.err;
  EXPECT_THAT(control.err, HasSubstr("nothing was erased"));

  const std::string v1 = dir_.Sub("v1");
  Init(v1, "--format 1");
  CommandResult f1 = LedgerAt(v1, absl::StrCat("erase --subject ", kAgency1,
                                               " --authority A --reason R"));
  EXPECT_EQ(f1.exit_code, 4) << f1.err;
  EXPECT_THAT(f1.err, HasSubstr("format 1"));
  EXPECT_THAT(f1.err, HasSubstr("ledger migrate"));
}

TEST_F(PersonalCliTest, AppendSplitsLikeImport) {
  Init(db_);
  CommandResult r = Ledger("--json append --stream suspect/" + std::string(kAgency1) +
                               " --expected-version none",
                           ArrestLine("a-1", kAgency1, kName1, "03"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"stream\":\"suspect/sub_"));
  EXPECT_THAT(r.out, Not(HasSubstr(kAgency1)));
  // The same event by import is a duplicate: same id, same bytes.
  WriteFileOrDie(dir_.Sub("one.ndjson"), ArrestLine("a-1", kAgency1, kName1, "03"));
  CommandResult i = Ledger("--json import " + Quote(dir_.Sub("one.ndjson")));
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_THAT(i.out, HasSubstr("\"duplicates\":\"1\""));
}

TEST_F(PersonalCliTest, MigrateCopiesAFormat1LedgerWithoutPersonalData) {
  const std::string v1 = dir_.Sub("v1");
  Init(v1, "--format 1");
  // Derived ids (no eventId) and a retraction of one of them.
  Import(v1, SentencingLine(kAgency1, kName1) + HandoverLine(), "in.ndjson");
  const std::string v1_export = Export(v1, "v1.bin");
  EXPECT_NE(v1_export.find(kName1), std::string::npos);

  const std::string v2 = dir_.Sub("v2");
  CommandResult same = LedgerAt(v1, "migrate --to " + Quote(v2) + " --origin test.example/log");
  EXPECT_EQ(same.exit_code, 2) << same.err;  // the old origin
  CommandResult m = LedgerAt(v1, "--json migrate --to " + Quote(v2) + " --origin test.example/v2");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::MigrateAnswer>(m.out);
  EXPECT_EQ(answer.records(), 2u);
  EXPECT_EQ(answer.ids_rederived(), 2u);
  EXPECT_EQ(answer.subjects(), 2u);
  EXPECT_EQ(LedgerAt(v2, "verify").exit_code, 0);
  const std::string v2_export = Export(v2, "v2.bin");
  EXPECT_EQ(v2_export.find(kName1), std::string::npos);
  EXPECT_EQ(v2_export.find(kAgency1), std::string::npos);
  // The old ledger is unchanged; a second migrate into the same place is refused.
  EXPECT_EQ(Export(v1, "v1-again.bin"), v1_export);
  CommandResult twice = LedgerAt(v1, "migrate --to " + Quote(v2) + " --origin test.example/v2");
  EXPECT_NE(twice.exit_code, 0);
  // The new ledger can erase.
  CommandResult e = LedgerAt(v2, absl::StrCat("erase --subject ", kAgency1,
                                              " --authority A --reason R"));
  EXPECT_EQ(e.exit_code, 0) << e.err;
  // A format-2 ledger is not migrated again.
  CommandResult f2 = LedgerAt(v2, "migrate --to " + Quote(dir_.Sub("v3")) + " --origin x.example/3");
  EXPECT_EQ(f2.exit_code, 3) << f2.err;
  EXPECT_THAT(f2.err, HasSubstr("format 2 already"));
}

}  // namespace
