// Property test of erasure (issue 13, docs/PERSONAL_DATA.md): random logs of
// generated events with names, appended through the format-2 split in random
// batches, with random erasures (by subject id or agency id) in between, and
// then:
//   - every root and inclusion proof taken before an erasure still verifies
//     against the same root, and the records before it keep their bytes;
//   - `verify` passes;
//   - no file under the ledger directory (log, personal-data store, views)
//     holds an erased subject's agency id or name, or any opening of its
//     commitments (scanned after the erasure's compaction);
//   - the views equal the reference fold (erased subjects erased), and
//     RevealSubject shows live subjects verified and erased ones empty;
//   - a backup restored elsewhere has the same root and verifies;
//   - hostile erasures (unknown subject, twice, no authority) change nothing.
// CI: 4 seeds of 400 events; LEDGER_TEST_LONG=1: 25 seeds of 1,500.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backup/backup.h"
#include "gtest/gtest.h"
#include "ingest/erase.h"
#include "ingest/event_batch.h"
#include "ingest/personal_writer.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "personal/personal_crypto.h"
#include "personal/personal_store.h"
#include "projections/views.h"
#include "query/personal_reveal.h"
#include "tests/support/paths.h"
#include "tests/support/reference_projection.h"
#include "workload/generator.h"

namespace {

using enforcement::v1::Event;
using testing_support::TempDir;

bool LongMode() {
  const char* v = std::getenv("LEDGER_TEST_LONG");
  return v != nullptr && std::string(v) == "1";
}

std::string FileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The personal values of a producer's event, by agency id: the agency ids
// and names that belong to each.
void CollectPersonal(const Event& e, std::map<std::string, std::set<std::string>>* by_agency) {
  switch (e.body_case()) {
    case Event::kArrest:
      (*by_agency)[e.arrest().suspect().suspect_id()].insert(e.arrest().suspect().name());
      break;
    case Event::kSentencing:
      (*by_agency)[e.sentencing().suspect_id()].insert(e.sentencing().suspect_name());
      break;
    case Event::kHandover:
      for (const std::string& id : e.handover().suspect_ids()) (*by_agency)[id];
      break;
    case Event::kRelease:
      (*by_agency)[e.release().suspect_id()];
      break;
    case Event::kCorrection:
      CollectPersonal(e.correction().replacement(), by_agency);
      break;
    default:
      break;
  }
}

struct Proof {
  uint64_t index, size;
  merkle::Hash leaf, root;
  std::vector<merkle::Hash> path;
};

void RunSeed(uint64_t seed, int events) {
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  TempDir dir;
  const std::string db_path = dir.Sub("db");
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "property.example/log";
  o.format_version = 2;
  auto opened = ledger::Ledger::Open(db_path, o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<ledger::Ledger> db = *std::move(opened);
  auto store_or = ingest::OpenPersonalStoreForWriter(*db);
  ASSERT_TRUE(store_or.ok()) << store_or.status();
  std::unique_ptr<personal::PersonalStore> store = *std::move(store_or);

  workload::GeneratorOptions g;
  g.seed = seed;
  workload::EventGenerator gen(g);
  std::mt19937_64 rng(seed);
  std::map<std::string, std::set<std::string>> personal;  // agency id -> names
  std::set<std::string> erased_agency;
  std::map<std::string, std::vector<personal::Digest>> openings;  // agency id -> its openings
  std::vector<Proof> proofs;
  std::vector<std::string> record_bytes;  // as appended

  auto take_proof = [&] {
    const uint64_t size = db->GetHead().tree_size;
    if (size == 0) return;
    Proof p;
    p.size = size;
    p.index = std::uniform_int_distribution<uint64_t>(0, size - 1)(rng);
    p.root = db->GetHead().root;
    auto path = merkle::InclusionProof(db->nodes(), p.index, size);
    ASSERT_TRUE(path.ok()) << path.status();
    p.path = *path;
    auto rec = db->ReadOne(p.index);
    ASSERT_TRUE(rec.ok());
    p.leaf = merkle::LeafHash(rec->bytes);
    proofs.push_back(std::move(p));
  };

  auto erase = [&](const std::string& agency) {
    // The openings of every kept value, to look for on disk afterwards.
    auto subject = store->FindSubjectByAgencyId(agency);
    ASSERT_TRUE(subject.ok());
    if (!subject->has_value()) return;
    auto refs = store->ListValues(**subject);
    ASSERT_TRUE(refs.ok());
    for (const auto& r : *refs) {
      auto op = store->OpeningFor(**subject, r.event_id, r.field_path);
      if (op.ok()) openings[agency].push_back(*op);
    }
    ingest::EraseRequest req;
    req.subject = (rng() % 2 == 0) ? agency : **subject;
    req.authority = absl::StrCat("order ", seed, "/", erased_agency.size());
    req.reason = "property test";
    auto out = ingest::EraseSubject(*db, *store, req);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_FALSE(out->already_erased);
    erased_agency.insert(agency);
  };

  int made = 0;
  while (made < events) {
    const int n = std::uniform_int_distribution<int>(1, 60)(rng);
    ingest::EventBatch batch;
    batch.input_name = "<generated>";
    for (int i = 0; i < n && made < events; ++i, ++made) {
      Event e = gen.Next();
      CollectPersonal(e, &personal);
      batch.events.push_back(std::move(e));
      batch.lines.push_back(static_cast<uint64_t>(made + 1));
      batch.derived_id.push_back(false);
    }
    auto appended = ingest::AppendEventBatch(*db, batch, std::nullopt,
                                             ledger::ExpectedVersion::Any(), store.get());
    ASSERT_TRUE(appended.ok()) << appended.status();
    if (rng() % 3 == 0) take_proof();
    if (rng() % 4 == 0 && !personal.empty()) {
      auto it = personal.begin();
      std::advance(it, static_cast<long>(rng() % personal.size()));
      if (!erased_agency.count(it->first)) erase(it->first);
    }
  }
  take_proof();
  if (erased_agency.empty()) erase(personal.begin()->first);

  // Hostile erasures change nothing.
  const uint64_t size_before = db->GetHead().tree_size;
  {
    ingest::EraseRequest unknown{"cn-nobody-at-all", "order", "reason", {}};
    EXPECT_EQ(ingest::EraseSubject(*db, *store, unknown).status().code(),
              absl::StatusCode::kNotFound);
    ingest::EraseRequest no_authority{*erased_agency.begin(), "", "reason", {}};
    EXPECT_EQ(ingest::EraseSubject(*db, *store, no_authority).status().code(),
              absl::StatusCode::kInvalidArgument);
    ingest::EraseRequest twice{*erased_agency.begin(), "other order", "again", {}};
    auto again = ingest::EraseSubject(*db, *store, twice);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->already_erased);
    EXPECT_FALSE(again->erasure_event_appended);
    EXPECT_EQ(db->GetHead().tree_size, size_before);
  }

  // Proofs taken before (and between) erasures still verify.
  for (const Proof& p : proofs) {
    auto root = db->RootAt(p.size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, p.root);
    EXPECT_TRUE(merkle::VerifyInclusion(p.index, p.size, p.leaf, p.path, p.root).ok());
    auto rec = db->ReadOne(p.index);
    ASSERT_TRUE(rec.ok());
    EXPECT_EQ(merkle::LeafHash(rec->bytes), p.leaf);
  }
  auto verified = db->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->problem;

  // Views against the reference fold.
  std::vector<enforcement::v1::LedgerRecord> records;
  ASSERT_TRUE(db->Scan(0, db->GetHead().tree_size, [&](ledger::StoredRecord& r) {
                    records.push_back(r.record);
                    return absl::OkStatus();
                  }).ok());
  const testing_support::ReferenceViews ref = testing_support::ReferenceProject(records);
  {
    auto views = projections::Views::Open(db_path, {});
    ASSERT_TRUE(views.ok()) << views.status();
    ASSERT_TRUE((*views)->CatchUp(*db).ok());
    projections::SuspectFilter all;
    all.limit = 0;
    auto suspects = (*views)->ListSuspects(all);
    ASSERT_TRUE(suspects.ok());
    EXPECT_EQ(*suspects, ref.suspects);
    std::set<std::string> erased_subjects;
    for (const std::string& agency : erased_agency) {
      erased_subjects.insert(**store->FindSubjectByAgencyId(agency));
    }
    for (const auto& s : *suspects) {
      EXPECT_EQ(s.erased, erased_subjects.count(s.suspect_id) == 1) << s.suspect_id;
      EXPECT_EQ(s.name, "");
    }
    // Personal data: live subjects verified, erased ones empty.
    int checked = 0;
    for (const auto& [agency, names] : personal) {
      if (++checked > 25) break;
      auto data = query::RevealSubject(*db, *store, agency);
      ASSERT_TRUE(data.ok()) << data.status();
      EXPECT_EQ(data->subject.erased, erased_agency.count(agency) == 1);
      if (data->subject.erased) EXPECT_TRUE(data->values.empty());
      for (const auto& v : data->values) {
        EXPECT_EQ(v.check, query::ValueCheck::kVerified) << v.field_path;
      }
    }
  }

  // Nothing of an erased subject on disk.
  std::vector<std::string> needles;
  for (const std::string& agency : erased_agency) {
    needles.push_back(agency);
    for (const std::string& name : personal[agency]) {
      if (name.size() >= 6) needles.push_back(name);  // short names may occur by chance
    }
    for (const personal::Digest& d : openings[agency]) {
      needles.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
    }
  }
  for (const auto& f : std::filesystem::recursive_directory_iterator(db_path)) {
    if (!f.is_regular_file()) continue;
    const std::string bytes = FileBytes(f.path());
    for (const std::string& n : needles) {
      ASSERT_EQ(bytes.find(n), std::string::npos)
          << f.path() << " holds " << (n.size() == 32 ? "an opening" : n) << " of an erased subject";
    }
  }

  // A backup restored elsewhere: same root, verifies.
  // (backup::CreateBackup opens the personal-data store itself: this
  // process closes its handle first, as the CLI's `backup create` has none.)
  const merkle::Hash root = db->GetHead().root;
  store.reset();
  auto created = backup::CreateBackup(*db, dir.Sub("backups"), {});
  ASSERT_TRUE(created.ok()) << created.status();
  db.reset();
  auto restored = backup::RestoreBackup(dir.Sub("backups"), std::nullopt, dir.Sub("restored"), {});
  ASSERT_TRUE(restored.ok()) << restored.status();
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto back = ledger::Ledger::Open(dir.Sub("restored"), ro);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->GetHead().root, root);
  EXPECT_EQ((*back)->format_version(), 2u);
  auto back_verified = (*back)->Verify();
  ASSERT_TRUE(back_verified.ok());
  EXPECT_TRUE(back_verified->ok()) << back_verified->problem;
}

TEST(PersonalPropertyTest, ErasuresKeepProofsViewsAndBackupsAndLeaveNothingOnDisk) {
  const int seeds = LongMode() ? 25 : 4;
  const int events = LongMode() ? 1500 : 400;
  for (int s = 1; s <= seeds; ++s) {
    RunSeed(static_cast<uint64_t>(s), events);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
