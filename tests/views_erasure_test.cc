// Erasures in the projections (docs/PROJECTIONS.md "Erasure";
// docs/PERSONAL_DATA.md): an Erasure marks its subject erased in the suspects
// view, keeps the non-personal facts, shows in the timelines, is counted in
// the totals, and survives later events and rebuilds.
//
// Only a format-2 ledger accepts erasures (`ledger erase`), and this tree's
// test ledgers are format 1: each erasure is appended as a release of the
// same subject and rewritten into the erasure underneath the closed ledger
// (tests/support/ledger_surgery.h). The projections do not depend on the
// format. Events are format-2-shaped where it matters: subject ids in the
// suspect id fields, PersonalField entries, no names.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "projections/store_coding.h"
#include "projections/view_messages.h"
#include "projections/views.h"
#include "rocksdb/db.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"
#include "util/answer_json.h"

namespace projections {
namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing_support::TempDir;

constexpr int64_t kMar2024 = 1709251200;  // 2024-03-01
constexpr int64_t kMay2024 = 1714521600;  // 2024-05-01
constexpr int64_t kJun2024 = 1717200000;  // 2024-06-01
constexpr int64_t kJan2025 = 1735689600;  // 2025-01-01

constexpr char kSubject[] = "sub_0123456789abcdef0123456789abcdef";
constexpr char kUnseen[] = "sub_fedcba9876543210fedcba9876543210";

Event Base(const std::string& id, const std::string& stream, int64_t at) {
  Event e;
  e.set_event_id(id);
  e.set_stream(stream);
  e.mutable_occurred_at()->set_seconds(at);
  e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
  e.mutable_source()->set_publisher("Test Agency");
  e.set_recorded_by("views_erasure_test");
  return e;
}

void Personal(Event* e, const std::string& path, const std::string& subject) {
  auto* p = e->add_personal();
  p->set_field_path(path);
  p->set_subject_id(subject);
  p->set_commitment(std::string(32, '\x5a'));
}

// A format-2-shaped arrest: the subject id in suspect_id, no name, a
// commitment for each.
Event Arrest(const std::string& id, const std::string& subject, int64_t at,
             const std::string& country = "MM") {
  Event e = Base(id, "suspect/" + subject, at);
  auto* a = e.mutable_arrest();
  a->mutable_suspect()->set_suspect_id(subject);
  a->mutable_suspect()->set_nationality("CN");
  a->mutable_suspect()->set_role(enforcement::v1::ROLE_RECRUITER);
  a->set_operation_id("op-1");
  a->mutable_location()->set_country(country);
  Personal(&e, "arrest.suspect.name", subject);
  Personal(&e, "arrest.suspect.suspect_id", subject);
  Personal(&e, "stream", subject);  // the stream suspect/<subject>
  return e;
}

Event Handover(const std::string& id, const std::vector<std::string>& subjects, int64_t at) {
  Event e = Base(id, "handover/" + id, at);
  auto* h = e.mutable_handover();
  h->set_from_country("MM");
  h->set_to_country("CN");
  h->set_suspects_count(static_cast<int64_t>(subjects.size()) + 3);
  for (size_t i = 0; i < subjects.size(); ++i) {
    h->add_suspect_ids(subjects[i]);
    Personal(&e, absl::StrCat("handover.suspect_ids[", i, "]"), subjects[i]);
  }
  return e;
}

Event Sentencing(const std::string& id, const std::string& subject, int64_t at) {
  Event e = Base(id, "case/case-1", at);
  auto* s = e.mutable_sentencing();
  s->set_case_id("case-1");
  s->set_suspect_id(subject);
  s->set_prison_months(36);
  s->set_court_country("CN");
  Personal(&e, "sentencing.suspect_id", subject);
  return e;
}

Event Erasure(const std::string& id, const std::string& subject, int64_t at) {
  Event e = Base(id, "suspect/" + subject, at);
  e.mutable_source()->set_reference("erase order");
  auto* x = e.mutable_erasure();
  x->set_subject_id(subject);
  x->set_authority("Court of X, order 2026/118");
  x->set_reason("acquitted");
  return e;
}

std::string Print(const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = util::AnswerJson(m);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : "";
}

class ErasureTest : public testing::Test {
 protected:
  void SetUp() override { OpenLedger(); }

  void OpenLedger() {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "erasure-test.example/log";
    o.format_version = 2;
    o.durability = ledger::Durability::kBulk;
    o.clock = [this] {
      now_ += absl::Seconds(1);
      return now_;
    };
    auto l = ledger::Ledger::Open(db(), o);
    ASSERT_TRUE(l.ok()) << l.status();
    ledger_ = *std::move(l);
  }

  std::string db() const { return dir_.Sub("db"); }

  // Appends `events`, one append each (a format-2 ledger: erasures go in as
  // they are).
  void Append(const std::vector<Event>& events) {
    for (const Event& e : events) {
      auto r = ledger_->AppendEvents({e});
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }

  std::unique_ptr<Views> OpenViews(const ViewsOptions& o = {}) {
    auto v = Views::Open(db(), o);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : nullptr;
  }

  std::unique_ptr<Views> CaughtUp(const ViewsOptions& o = {}) {
    auto v = OpenViews(o);
    if (v == nullptr) return nullptr;
    auto r = v->CatchUp(*ledger_);
    EXPECT_TRUE(r.ok()) << r.status();
    return v;
  }

  TempDir dir_;
  absl::Time now_ = absl::FromUnixSeconds(1735689600);
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(ErasureTest, ErasureMarksSuspectErased) {
  Append({Arrest("a1", kSubject, kMar2024), Handover("h1", {kSubject}, kMay2024),
          Sentencing("t1", kSubject, kJun2024), Erasure("x1", kSubject, kJan2025)});
  auto views = CaughtUp();
  ASSERT_NE(views, nullptr);
  auto v = views->GetSuspect(kSubject);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->erased);
  EXPECT_EQ(v->erased_at, (Date{kJan2025, 0, enforcement::v1::PRECISION_DAY}));
  EXPECT_EQ(v->erasure_authority, "Court of X, order 2026/118");
  EXPECT_EQ(v->erasure_reason, "acquitted");
  EXPECT_EQ(v->name, "");
  // The non-personal facts stay.
  EXPECT_EQ(v->status, "sentenced");
  EXPECT_EQ(v->custody_country, "CN");
  EXPECT_EQ(v->nationality, "CN");
  EXPECT_EQ(v->role, "recruiter");
  EXPECT_EQ(v->operation_id, "op-1");
  ASSERT_TRUE(v->sentence.has_value());
  EXPECT_EQ(v->sentence->prison_months, 36);
  ASSERT_EQ(v->events.size(), 4u);
  EXPECT_EQ(v->events.back().kind, "erasure");
  EXPECT_EQ(v->events.back().event_id, "x1");
  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->suspects, 1);
  EXPECT_EQ(t->suspects_erased, 1);
  EXPECT_EQ(t->suspects_by_status.at("sentenced"), 1);
  EXPECT_EQ(t->handovers, 1);
  EXPECT_EQ(t->sentencings, 1);
  // The answer says so, in JSON too.
  const std::string json = Print(ToMessage(*v));
  EXPECT_THAT(json, HasSubstr("\"erased\":true,\"erased_at\":{\"at\":\"2025-01-01T00:00:00Z\""));
  EXPECT_THAT(json, HasSubstr("\"erasure_authority\":\"Court of X, order 2026/118\","
                              "\"erasure_reason\":\"acquitted\""));
  EXPECT_THAT(Print(ToMessage(*t)), HasSubstr("\"suspects_erased\":\"1\""));
}

TEST_F(ErasureTest, NotErasedSuspectSaysSoAndPrintsNoErasureFields) {
  Append({Arrest("a1", kSubject, kMar2024)});
  auto views = CaughtUp();
  auto v = views->GetSuspect(kSubject);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->erased);
  const std::string json = Print(ToMessage(*v));
  EXPECT_THAT(json, HasSubstr("\"erased\":false"));
  EXPECT_FALSE(absl::StrContains(json, "erasure_")) << json;
  EXPECT_FALSE(absl::StrContains(json, "erased_at")) << json;
  EXPECT_EQ(views->GetTotals()->suspects_erased, 0);
}

TEST_F(ErasureTest, ErasureOfUnseenSubjectCreatesErasedEntry) {
  Append({Arrest("a1", kSubject, kMar2024), Erasure("x1", kUnseen, kJan2025)});
  auto views = CaughtUp();
  auto v = views->GetSuspect(kUnseen);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->erased);
  EXPECT_EQ(v->status, "unknown");
  EXPECT_EQ(v->custody_country, "");
  ASSERT_EQ(v->events.size(), 1u);
  EXPECT_EQ(v->events[0].kind, "erasure");
  auto t = views->GetTotals();
  EXPECT_EQ(t->suspects, 2);
  EXPECT_EQ(t->suspects_erased, 1);
  EXPECT_EQ(t->suspects_by_status.at("unknown"), 1);
  // Named in a handover only, then erased: the same.
  Append({Handover("h1", {kSubject, "sub_11111111111111111111111111111111"}, kMay2024),
          Erasure("x2", "sub_11111111111111111111111111111111", kJan2025)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto h = views->GetSuspect("sub_11111111111111111111111111111111");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->erased);
  EXPECT_EQ(h->status, "handed_over");
  EXPECT_EQ(h->custody_country, "CN");
  SuspectFilter unknown;
  unknown.status = "unknown";
  auto listed = views->ListSuspects(unknown);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].suspect_id, kUnseen);
}

TEST_F(ErasureTest, LaterEventsKeepSubjectErased) {
  Append({Arrest("a1", kSubject, kMar2024), Erasure("x1", kSubject, kMay2024)});
  auto views = CaughtUp();
  ASSERT_TRUE(views->GetSuspect(kSubject)->erased);
  // A later arrest in another country, a sentencing, and an event dated
  // before the erasure but recorded after it: state moves, erased stays.
  Event later = Arrest("a2", kSubject, kJan2025, "TH");
  Append({later, Sentencing("t1", kSubject, kJun2024), Arrest("a0", kSubject, kMar2024 - 86400)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto v = views->GetSuspect(kSubject);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->erased);
  EXPECT_EQ(v->erased_at, (Date{kMay2024, 0, enforcement::v1::PRECISION_DAY}));
  EXPECT_EQ(v->custody_country, "TH");
  EXPECT_EQ(v->status, "sentenced");
  EXPECT_EQ(v->events.size(), 5u);
  // A correction of an event of the erased subject changes its facts, never
  // the erasure; a retraction likewise.
  Event fixed = later;
  fixed.mutable_arrest()->mutable_location()->set_country("LA");
  Event c = Base("c1", later.stream(), kJan2025 + 86400);
  c.mutable_correction()->set_target_event_id("a2");
  c.mutable_correction()->set_reason("a better source");
  *c.mutable_correction()->mutable_replacement() = fixed;
  c.mutable_correction()->mutable_replacement()->clear_event_id();
  c.mutable_correction()->mutable_replacement()->clear_stream();
  c.mutable_correction()->mutable_replacement()->clear_source();
  c.mutable_correction()->mutable_replacement()->clear_occurred_at();
  c.mutable_correction()->mutable_replacement()->clear_occurred_precision();
  c.mutable_correction()->mutable_replacement()->clear_recorded_by();
  c.mutable_correction()->mutable_replacement()->clear_personal();  // entries live at the top
  Personal(&c, "correction.replacement.arrest.suspect.name", kSubject);
  Personal(&c, "correction.replacement.arrest.suspect.suspect_id", kSubject);
  Personal(&c, "stream", kSubject);
  Append({c});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  v = views->GetSuspect(kSubject);
  EXPECT_TRUE(v->erased);
  EXPECT_EQ(v->custody_country, "LA");
  EXPECT_EQ(views->GetTotals()->suspects_erased, 1);
}

TEST_F(ErasureTest, TimelineShowsErasureEntry) {
  Append({Arrest("a1", kSubject, kMar2024), Erasure("x1", kSubject, kJan2025)});
  auto views = CaughtUp();
  for (const TimelineQuery& q :
       {TimelineQuery{TimelineKind::kSuspect, kSubject}, TimelineQuery{TimelineKind::kGlobal, ""}}) {
    auto t = views->Timeline(q);
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_EQ(t->size(), 2u);
    const TimelineEntry& e = t->back();
    EXPECT_EQ(e.event_id, "x1");
    EXPECT_EQ(e.kind, "erasure");
    EXPECT_EQ(e.stream, absl::StrCat("suspect/", kSubject));
    EXPECT_EQ(e.summary,
              absl::StrCat("erasure of ", kSubject, " by Court of X, order 2026/118: acquitted"));
    EXPECT_TRUE(e.in_effect);
    EXPECT_EQ(e.occurred, (Date{kJan2025, 0, enforcement::v1::PRECISION_DAY}));
  }
  // Not in any other scope.
  auto op = views->Timeline({TimelineKind::kOperation, "op-1"});
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->size(), 1u);
}

// Every key and value of every family of the views store, concatenated.
std::string StoreBytes(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int i = 0; i < internal::kNumCfs; ++i) {
    families.emplace_back(internal::kCfNames[i], rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string out;
  for (auto* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, it->key().ToString(), "\n", it->value().ToString(), "\n");
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  return out;
}

// Format 2: the records hold subject ids and commitments, never the name
// nor the agency's suspect id (those live in the personal-data store), so
// nothing the views store keeps (states, members, entity views, timelines,
// snapshots) can hold them; the suspect view of an erased subject has no
// name even when a record (of another format) carried one.
TEST_F(ErasureTest, ViewsDbHoldsNoNameAfterErasure) {
  const std::string name = "Zhang Wei";
  const std::string agency_id = "cn-zhangwei-01";
  Event named = Arrest("a9", "sub_22222222222222222222222222222222", kMar2024);
  Append({Arrest("a1", kSubject, kMar2024), Handover("h1", {kSubject}, kMay2024),
          Sentencing("t1", kSubject, kJun2024), named});
  // A name in a record, as a format-1 record holds one (format 2 refuses it
  // at append): written underneath.
  ledger_.reset();
  testing_support::RewriteEvent(db(), 3, [&name](Event* e) {
    e->mutable_arrest()->mutable_suspect()->set_name(name);
  });
  OpenLedger();
  ViewsOptions o;
  o.snapshot_every = 2;
  auto views = CaughtUp(o);
  EXPECT_EQ(views->GetSuspect("sub_22222222222222222222222222222222")->name, name);
  Append({Erasure("x1", kSubject, kJan2025),
          Erasure("x9", "sub_22222222222222222222222222222222", kJan2025)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto erased = views->GetSuspect("sub_22222222222222222222222222222222");
  ASSERT_TRUE(erased.ok());
  EXPECT_TRUE(erased->erased);
  EXPECT_EQ(erased->name, "");
  EXPECT_FALSE(absl::StrContains(Print(ToMessage(*erased)), name));
  views.reset();
  const std::string store = StoreBytes(DefaultViewsDir(db()));
  ASSERT_FALSE(store.empty());
  EXPECT_TRUE(absl::StrContains(store, kSubject));
  EXPECT_FALSE(absl::StrContains(store, agency_id));
  // The entity views of both subjects hold no name.
  auto v = CaughtUp();
  // (The StatusOr must outlive the loop: `*v->ListSuspects({})` would not.)
  absl::StatusOr<std::vector<SuspectView>> listed = v->ListSuspects({});
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const SuspectView& s : *listed) {
    EXPECT_TRUE(s.erased);
    EXPECT_EQ(s.name, "") << s.suspect_id;
  }
}

TEST_F(ErasureTest, RebuildGivesSameErasedState) {
  Append({Arrest("a1", kSubject, kMar2024), Handover("h1", {kSubject, kUnseen}, kMay2024)});
  ViewsOptions one;
  one.batch_records = 1;
  auto views = CaughtUp(one);  // a bulk build of the first records
  Append({Erasure("x1", kSubject, kJan2025), Erasure("x2", kUnseen, kJun2024),
          Sentencing("t1", kSubject, kJan2025 + 86400)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());  // record by record
  auto incremental = views->Digests();
  ASSERT_TRUE(incremental.ok());
  const SuspectView before = *views->GetSuspect(kSubject);
  auto report = VerifyViews(*ledger_, *views);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problem;
  auto r = views->Rebuild(*ledger_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*views->Digests(), *incremental);
  EXPECT_EQ(*views->GetSuspect(kSubject), before);
  EXPECT_TRUE(before.erased);
  EXPECT_TRUE(views->GetSuspect(kUnseen)->erased);
}

TEST_F(ErasureTest, FixesNeverTargetAnErasureInTheViews) {
  // The ledger refuses them; a log that holds one anyway (rewritten
  // underneath) leaves the erasure in effect: the fix has no effect.
  Append({Arrest("a1", kSubject, kMar2024), Erasure("x1", kSubject, kMay2024)});
  Event retraction = Base("r1", "case/c-1", kJun2024);
  retraction.mutable_retraction()->set_target_event_id("a1");
  retraction.mutable_retraction()->set_reason("placeholder");
  Append({retraction});
  ledger_.reset();
  testing_support::RewriteEvent(db(), 2, [](Event* e) {
    e->mutable_retraction()->set_target_event_id("x1");
  });
  OpenLedger();
  auto views = CaughtUp();
  auto v = views->GetSuspect(kSubject);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->erased);
  auto g = views->Timeline({TimelineKind::kGlobal, ""});
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->at(1).retracted);
}

}  // namespace
}  // namespace projections
