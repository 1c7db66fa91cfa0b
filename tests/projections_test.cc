// Behaviour of projections::Views: the views of SPEC §5 over the shipped data
// of SPEC §1, the correction and retraction rules, no double counting,
// precision, as-of, restart, rebuild and verification.
#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "projections/view_messages.h"
#include "projections/views.h"
#include "rocksdb/db.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"
#include "util/answer_json.h"

namespace projections {
namespace {

using enforcement::v1::Event;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;
using testing_support::TempDir;

// An answer's JSON: its message (view_messages.h) printed by util::AnswerJson.
std::string Print(const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = util::AnswerJson(m);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : "";
}
std::string ToJson(const Totals& v) { return Print(ToMessage(v)); }
std::string ToJson(const OperationView& v) { return Print(ToMessage(v)); }
std::string ToJson(const CaseView& v) { return Print(ToMessage(v)); }
std::string ToJson(const std::vector<FlowRow>& v) { return Print(ToList(v)); }
std::string ToJson(const std::vector<TimelineEntry>& v) { return Print(ToList(v)); }

constexpr int64_t kFeb2024 = 1706745600;  // 2024-02-01
constexpr int64_t kMar2024 = 1709251200;  // 2024-03-01
constexpr int64_t kMar31 = 1711843200;    // 2024-03-31
constexpr int64_t kJan2023 = 1672531200;  // 2023-01-01

// --- builders -----------------------------------------------------------------

Event Base(const std::string& id, const std::string& stream, int64_t at,
           enforcement::v1::Precision p = enforcement::v1::PRECISION_DAY) {
  Event e;
  e.set_event_id(id);
  e.set_stream(stream);
  e.mutable_occurred_at()->set_seconds(at);
  e.set_occurred_precision(p);
  e.mutable_source()->set_publisher("Test Agency");
  e.set_recorded_by("projections_test");
  return e;
}

Event Raid(const std::string& id, const std::string& op, int64_t detained, int64_t cn,
           int64_t ringleaders, int64_t at = kMar2024) {
  Event e = Base(id, "operation/" + op, at, enforcement::v1::PRECISION_MONTH);
  auto* r = e.mutable_raid();
  r->set_operation_id(op);
  r->mutable_location()->set_place("Muse");
  r->mutable_location()->set_country("MM");
  r->set_suspects_detained(detained);
  (*r->mutable_detained_by_nationality())["CN"] = cn;
  r->set_ringleaders_detained(ringleaders);
  return e;
}

Event Arrest(const std::string& id, const std::string& suspect, const std::string& op,
             int64_t at = kMar2024) {
  Event e = Base(id, "suspect/" + suspect, at);
  auto* a = e.mutable_arrest();
  a->mutable_suspect()->set_suspect_id(suspect);
  a->mutable_suspect()->set_nationality("CN");
  a->set_operation_id(op);
  a->mutable_location()->set_country("MM");
  return e;
}

Event Handover(const std::string& id, const std::string& from, const std::string& to, int64_t count,
               std::vector<std::string> ids = {}, int64_t at = kMar31,
               enforcement::v1::Precision p = enforcement::v1::PRECISION_DAY) {
  Event e = Base(id, "handover/" + id, at, p);
  auto* h = e.mutable_handover();
  h->set_from_country(from);
  h->set_to_country(to);
  h->set_suspects_count(count);
  for (const auto& s : ids) h->add_suspect_ids(s);
  return e;
}

Event Release(const std::string& id, const std::string& suspect, int64_t at) {
  Event e = Base(id, "suspect/" + suspect, at);
  auto* r = e.mutable_release();
  r->set_suspect_id(suspect);
  r->set_country("CN");
  r->set_reason("acquitted");
  return e;
}

Event Correct(const std::string& id, const Event& target, const Event& replacement_from,
              bool with_date = false) {
  Event e = Base(id, target.stream(), kMar31 + 86400 * 10);
  auto* c = e.mutable_correction();
  c->set_target_event_id(target.event_id());
  c->set_reason("a better source");
  Event* r = c->mutable_replacement();
  *r = replacement_from;
  r->clear_event_id();
  r->clear_stream();
  r->clear_source();
  r->clear_recorded_by();
  if (!with_date) {
    r->clear_occurred_at();
    r->set_occurred_precision(enforcement::v1::PRECISION_UNSPECIFIED);
  }
  return e;
}

Event Retract(const std::string& id, const Event& target) {
  Event e = Base(id, target.stream(), kMar31 + 86400 * 20);
  e.mutable_retraction()->set_target_event_id(target.event_id());
  e.mutable_retraction()->set_reason("withdrawn by the source");
  return e;
}

// --- fixture ------------------------------------------------------------------

class ViewsTest : public testing::Test {
 protected:
  void SetUp() override { OpenLedger(); }

  void OpenLedger() {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "projections-test.example/log";
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

  void Append(const std::vector<Event>& events) {
    auto r = ledger_->AppendEvents(events);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  void LoadShippedData() {
    const std::string text =
        testing_support::ReadFileOrDie(testing_support::SourceDir() + "/data/enforcement.ndjson");
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      Event e;
      auto s = google::protobuf::util::JsonStringToMessage(std::string(line), &e);
      ASSERT_TRUE(s.ok()) << s.ToString();
      Append({e});
    }
  }

  std::unique_ptr<Views> OpenViews(const ViewsOptions& o = {}) {
    auto v = Views::Open(db(), o);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *std::move(v) : nullptr;
  }

  std::unique_ptr<Views> CaughtUp() {
    auto v = OpenViews();
    if (v == nullptr) return nullptr;
    auto r = v->CatchUp(*ledger_);
    EXPECT_TRUE(r.ok()) << r.status();
    return v;
  }

  TempDir dir_;
  absl::Time now_ = absl::FromUnixSeconds(1711929600);  // 2024-04-01
  std::unique_ptr<ledger::Ledger> ledger_;
};

std::vector<std::string> Ids(const std::vector<TimelineEntry>& t) {
  std::vector<std::string> out;
  for (const auto& e : t) out.push_back(e.event_id);
  return out;
}

// --- the shipped data: SPEC §1 --------------------------------------------------

TEST_F(ViewsTest, ShippedDataMuseOperationShowsReportedCounts) {
  LoadShippedData();
  auto views = CaughtUp();
  auto op = views->GetOperation("op-2024-muse-01");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->detained, 807);
  EXPECT_EQ(op->detained_by_nationality.at("CN"), 352);
  EXPECT_EQ(op->detained_by_nationality.at("MM"), 455);
  EXPECT_EQ(op->ringleaders_detained, 21);
  EXPECT_EQ(op->place, "Muse");
  EXPECT_EQ(op->region, "Shan State");
  EXPECT_EQ(op->country, "MM");
  EXPECT_THAT(op->tip_from_countries, ElementsAre("CN"));
  ASSERT_EQ(op->agencies.size(), 2u);
  EXPECT_EQ(op->agencies[0].country, "CN");
  ASSERT_EQ(op->raids.size(), 1u);
  EXPECT_EQ(op->raids[0].event.event_id, "xinhua-2024-04-01-muse-raid");
  EXPECT_EQ(op->raids[0].event.position, 0u);
  EXPECT_EQ(DateText(op->first_raid), "2024-03");
  ASSERT_EQ(op->seized.size(), 3u);
  EXPECT_TRUE(op->seized[0].quantity_unknown);  // "a large number"
  EXPECT_EQ(op->seized[0].quantity, 0);
  // Handed over so far, from the handover naming the operation.
  EXPECT_EQ(op->handed_over, 352);
  EXPECT_EQ(op->handovers, 1);
  EXPECT_EQ(op->handed_over_to.at("CN"), 352);
  ASSERT_EQ(op->handover_events.size(), 1u);
  EXPECT_EQ(op->handover_events[0].event_id, "xinhua-2024-04-01-muse-handover-352");
  EXPECT_EQ(op->arrests_recorded, 0);
}

TEST_F(ViewsTest, ShippedDataFlowsByMonthAndYear) {
  LoadShippedData();
  auto views = CaughtUp();
  auto months = views->Flows({});
  ASSERT_TRUE(months.ok()) << months.status();
  ASSERT_EQ(months->size(), 2u);
  const FlowRow& la = (*months)[0];  // ordered by (from, to, period)
  EXPECT_EQ(la.from_country, "LA");
  EXPECT_EQ(la.to_country, "CN");
  EXPECT_EQ(la.period, "2024-02");
  EXPECT_EQ(la.people, 268);
  EXPECT_FALSE(la.month_unknown);
  ASSERT_EQ(la.events.size(), 1u);
  EXPECT_EQ(la.events[0].event_id, "ecns-2024-02-28-laos-handover-268");
  const FlowRow& mm = (*months)[1];
  EXPECT_EQ(mm.from_country, "MM");
  EXPECT_EQ(mm.period, "2024-03");
  EXPECT_EQ(mm.people, 352);
  EXPECT_EQ(mm.identified, 0);
  EXPECT_EQ(mm.handovers, 1);

  FlowQuery years;
  years.granularity = Granularity::kYear;
  years.to_country = "CN";
  auto y = views->Flows(years);
  ASSERT_TRUE(y.ok());
  ASSERT_EQ(y->size(), 2u);
  EXPECT_EQ((*y)[0].period, "2024");
  EXPECT_EQ((*y)[0].people + (*y)[1].people, 620);

  FlowQuery march;
  march.from_period = "2024-03";
  march.to_period = "2024-03";
  auto m = views->Flows(march);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].people, 352);
}

TEST_F(ViewsTest, ShippedDataReportedFigureIsShownBesideTheDerivedFigure) {
  LoadShippedData();
  auto views = CaughtUp();
  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->figures.size(), 1u);
  const FigureComparison& f = t->figures[0];
  EXPECT_EQ(f.metric, "suspects_handed_over");
  EXPECT_EQ(f.reported, 48000);
  EXPECT_TRUE(f.approximate);
  EXPECT_EQ(f.figure.event_id, "xinhua-2024-04-01-figure-suspects-handed-over-48000");
  EXPECT_EQ(f.source.publisher, "Xinhua");
  EXPECT_EQ(DateText(f.period_from), "2023");
  EXPECT_EQ(DateText(f.period_to), "2024-04-01");
  ASSERT_TRUE(f.derivable);
  EXPECT_EQ(f.derived, 352);  // the Muse handover: MM -> CN, CN nationals, inside the period
  EXPECT_EQ(f.derived_events, 1);
  EXPECT_EQ(f.uncertain, 0);
  // The reported figure is never added to the totals.
  EXPECT_EQ(t->handed_over, 352 + 268);
  EXPECT_EQ(t->reported_figures, 1);
  EXPECT_EQ(t->detained, 807);
  EXPECT_EQ(t->applied, 6u);
}

TEST_F(ViewsTest, ShippedDataCaseAndSentencedSuspect) {
  LoadShippedData();
  auto views = CaughtUp();
  auto c = views->GetCase("cn-fraud-ringleader-yunnan-01");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->victims, 196);
  EXPECT_EQ(c->prison_months_total, 186);
  ASSERT_EQ(c->amounts_defrauded.size(), 1u);
  EXPECT_EQ(c->amounts_defrauded[0].currency, "CNY");
  EXPECT_EQ(c->amounts_defrauded[0].minor_units, 2796000000);
  ASSERT_EQ(c->amounts_defrauded_equivalent.size(), 1u);
  EXPECT_EQ(c->amounts_defrauded_equivalent[0].minor_units, 387000000);
  ASSERT_EQ(c->defendants.size(), 1u);
  EXPECT_EQ(c->defendants[0].sentence.prison_months, 186);
  EXPECT_EQ(c->defendants[0].role, "ringleader");
  EXPECT_EQ(DateText(c->offence_from), "2019-04");
  EXPECT_EQ(DateText(c->offence_to), "2020-10");

  auto s = views->GetSuspect("cn-ringleader-yunnan-01");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->status, "sentenced");
  EXPECT_EQ(s->nationality, "CN");
  EXPECT_EQ(s->role, "ringleader");
  ASSERT_TRUE(s->sentence.has_value());
  EXPECT_EQ(s->sentence->prison_months, 186);
  EXPECT_EQ(s->sentence->case_id, "cn-fraud-ringleader-yunnan-01");
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(s->events[0].kind, "arrest");  // 2020 (year) before March 2024

  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->victims, 196);
  EXPECT_EQ(t->prison_months, 186);
  EXPECT_EQ(t->suspects, 1);
  EXPECT_EQ(t->suspects_by_status.at("sentenced"), 1);
}

TEST_F(ViewsTest, ShippedDataTimelinesAreOrderedByOccurredTimeThenPosition) {
  LoadShippedData();
  auto views = CaughtUp();
  auto g = views->Timeline({});
  ASSERT_TRUE(g.ok()) << g.status();
  // 2020 (year), 2024-02 (month), 2024-03 (month) x2 by position, 2024-03-31, 2024-04-01.
  std::vector<uint64_t> positions;
  for (const auto& e : *g) positions.push_back(e.position);
  EXPECT_THAT(positions, ElementsAre(4, 3, 0, 5, 1, 2));
  EXPECT_EQ((*g)[0].occurred.precision, enforcement::v1::PRECISION_YEAR);
  EXPECT_EQ(DateText((*g)[1].occurred), "2024-02");
  EXPECT_EQ((*g)[4].source.publisher, "Xinhua");
  EXPECT_EQ((*g)[4].source.published_at, "2024-04-01T00:00:00Z");
  EXPECT_FALSE((*g)[4].corrected);
  EXPECT_FALSE((*g)[4].retracted);
  EXPECT_TRUE((*g)[4].in_effect);

  TimelineQuery cn{TimelineKind::kCountry, "CN"};
  auto c = views->Timeline(cn);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(Ids(*c),
              ElementsAre("ecns-2024-02-28-laos-handover-268", "xinhua-2024-04-01-muse-raid",
                          "xinhua-2024-04-01-muse-handover-352",
                          "xinhua-2024-04-01-figure-suspects-handed-over-48000"));
  TimelineQuery op{TimelineKind::kOperation, "op-2024-muse-01"};
  auto o = views->Timeline(op);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->size(), 2u);
  TimelineQuery newest{TimelineKind::kGlobal, "", 2, true};
  auto n = views->Timeline(newest);
  ASSERT_TRUE(n.ok());
  std::vector<uint64_t> np;
  for (const auto& e : *n) np.push_back(e.position);
  EXPECT_THAT(np, ElementsAre(2, 1));
}

// --- counts and individuals -------------------------------------------------------

TEST_F(ViewsTest, HandoverListingFiveIdsWithCount352Moves352People) {
  Append({Handover("h1", "MM", "CN", 352, {"s1", "s2", "s3", "s4", "s5"})});
  auto views = CaughtUp();
  auto rows = views->Flows({});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].people, 352);  // not 357, not 5
  EXPECT_EQ((*rows)[0].identified, 5);
  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->handed_over, 352);
  EXPECT_EQ(t->handed_over_identified, 5);
  EXPECT_EQ(t->suspects, 5);
  auto s = views->GetSuspect("s3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, "handed_over");
  EXPECT_EQ(s->custody_country, "CN");
}

TEST_F(ViewsTest, ArrestsInsideAnOperationAreShownBesideTheRaidTotalsNeverAdded) {
  Append({Raid("r1", "op1", 807, 352, 21), Arrest("a1", "s1", "op1"), Arrest("a2", "s2", "op1"),
          Arrest("a3", "s3", "op1")});
  auto views = CaughtUp();
  auto op = views->GetOperation("op1");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->detained, 807);
  EXPECT_EQ(op->arrests_recorded, 3);
  EXPECT_EQ(op->arrests_by_nationality.at("CN"), 3);
  ASSERT_EQ(op->arrest_events.size(), 3u);
  EXPECT_EQ(op->arrest_events[2].event_id, "a3");
  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->detained, 807);
  EXPECT_EQ(t->arrests_in_operations, 3);
  auto s = views->GetSuspect("s1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->status, "detained");
  EXPECT_EQ(s->custody_country, "MM");
  EXPECT_EQ(s->operation_id, "op1");
}

TEST_F(ViewsTest, SentencingsOfOneCaseTakeTheLargestVictimsFigureNotTheSum) {
  auto sentencing = [](const std::string& id, const std::string& who, int64_t months) {
    Event e = Base(id, "case/c1", kMar2024, enforcement::v1::PRECISION_MONTH);
    auto* s = e.mutable_sentencing();
    s->set_case_id("c1");
    s->set_suspect_id(who);
    s->set_prison_months(months);
    s->set_victims(196);
    s->mutable_amount_defrauded()->set_currency("CNY");
    s->mutable_amount_defrauded()->set_minor_units(2796000000);
    return e;
  };
  Append({sentencing("t1", "s1", 186), sentencing("t2", "s2", 60)});
  auto views = CaughtUp();
  auto c = views->GetCase("c1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->victims, 196);
  EXPECT_EQ(c->amounts_defrauded[0].minor_units, 2796000000);
  EXPECT_EQ(c->prison_months_total, 246);
  EXPECT_EQ(c->defendants.size(), 2u);
}

// --- corrections and retractions ---------------------------------------------------

TEST_F(ViewsTest, CorrectionReplacesTheBodyInEveryViewAndStaysVisibleInTimelines) {
  const Event h = Handover("h1", "MM", "CN", 352, {}, kMar31);
  Event fixed = h;
  fixed.mutable_handover()->set_suspects_count(350);
  Append({Raid("r1", "op1", 807, 352, 21), h});
  auto views = CaughtUp();
  Append({Correct("c1", h, fixed)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto rows = views->Flows({});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].people, 350);
  EXPECT_EQ(views->GetTotals()->handed_over, 350);
  EXPECT_EQ(views->GetTotals()->corrections, 1);
  auto g = views->Timeline({});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 3u);
  const TimelineEntry& fact = (*g)[1];
  EXPECT_EQ(fact.event_id, "h1");
  EXPECT_TRUE(fact.corrected);
  EXPECT_EQ(fact.corrected_by, "c1");
  EXPECT_THAT(fact.summary, HasSubstr("350 people"));
  const TimelineEntry& fix = (*g)[2];
  EXPECT_EQ(fix.kind, "correction");
  EXPECT_EQ(fix.target_event_id, "h1");
  EXPECT_TRUE(fix.in_effect);
  EXPECT_THAT(fix.summary, HasSubstr("a better source"));
}

TEST_F(ViewsTest, CorrectionOfACorrectionWinsAndRetractingItRestoresTheBodyItReplaced) {
  const Event h = Handover("h1", "MM", "CN", 352);
  Event v2 = h, v3 = h;
  v2.mutable_handover()->set_suspects_count(300);
  v3.mutable_handover()->set_suspects_count(310);
  const Event c1 = Correct("c1", h, v2);
  Event c2 = Correct("c2", h, v3);
  c2.mutable_correction()->set_target_event_id("c1");  // corrects the correction
  Append({h, c1, c2});
  auto views = CaughtUp();
  EXPECT_EQ(views->GetTotals()->handed_over, 310);
  Append({Retract("x2", c2)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetTotals()->handed_over, 300);
  Append({Retract("x1", c1)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetTotals()->handed_over, 352);
  auto g = views->Timeline({});
  ASSERT_TRUE(g.ok());
  // The whole history stays visible: the fact, both corrections, both retractions.
  EXPECT_EQ(g->size(), 5u);
  for (const auto& e : *g) {
    if (e.event_id == "h1") {
      EXPECT_FALSE(e.corrected);
      EXPECT_TRUE(e.in_effect);
    }
    if (e.event_id == "c1") {
      EXPECT_TRUE(e.retracted);
      EXPECT_EQ(e.retracted_by, "x1");
      EXPECT_FALSE(e.in_effect);
    }
  }
}

TEST_F(ViewsTest, RetractingACorrectedEventRemovesItsEffectEverywhere) {
  const Event r = Raid("r1", "op1", 807, 352, 21);
  Event fixed = r;
  fixed.mutable_raid()->set_suspects_detained(808);
  Append({r, Correct("c1", r, fixed), Arrest("a1", "s1", "op1")});
  auto views = CaughtUp();
  EXPECT_EQ(views->GetOperation("op1")->detained, 808);
  Append({Retract("x1", r)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto op = views->GetOperation("op1");
  ASSERT_TRUE(op.ok());  // still known through its arrest
  EXPECT_EQ(op->detained, 0);
  EXPECT_TRUE(op->raids.empty());
  auto t = views->GetTotals();
  EXPECT_EQ(t->detained, 0);
  EXPECT_EQ(t->raids, 0);
  EXPECT_EQ(t->retracted, 1);
  auto g = views->Timeline({TimelineKind::kOperation, "op1"});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 4u);  // raid, correction, arrest, retraction
  EXPECT_EQ((*g)[0].event_id, "r1");
  EXPECT_TRUE((*g)[0].retracted);
  EXPECT_TRUE((*g)[0].corrected);
  EXPECT_FALSE((*g)[0].in_effect);
  EXPECT_EQ((*g)[0].retracted_by, "x1");
}

TEST_F(ViewsTest, RetractingTheOnlyEventOfAnEntityRemovesTheEntity) {
  const Event a = Arrest("a1", "s1", "op1");
  Append({a});
  auto views = CaughtUp();
  ASSERT_TRUE(views->GetSuspect("s1").ok());
  Append({Retract("x1", a)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetSuspect("s1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(views->GetOperation("op1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(views->GetTotals()->suspects, 0);
  // The history is still in the suspect's timeline.
  auto t = views->Timeline({TimelineKind::kSuspect, "s1"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 2u);
}

TEST_F(ViewsTest, ReleaseIsTheStatusUntilALaterCustodyEvent) {
  const Event a = Arrest("a1", "s1", "op1");                      // March 2024, in MM
  const Event h = Handover("h1", "MM", "CN", 1, {"s1"});          // 31 March
  const Event r = Release("r1", "s1", kMar31 + 86400 * 5);        // 5 April
  Append({a, h, r});
  auto views = CaughtUp();
  auto s1 = views->GetSuspect("s1");
  ASSERT_TRUE(s1.ok()) << s1.status();
  EXPECT_EQ(s1->status, "released");
  EXPECT_EQ(s1->custody_country, "");
  EXPECT_EQ(s1->events.size(), 3u);
  EXPECT_EQ(views->GetTotals()->releases, 1);
  EXPECT_EQ(views->GetTotals()->suspects_by_status.at("released"), 1);
  // Released by the order of events in the world, not of recording: a
  // handover that happened after the release ends it.
  Append({Handover("h2", "CN", "MM", 1, {"s1"}, kMar31 + 86400 * 9)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetSuspect("s1")->status, "handed_over");
  EXPECT_EQ(views->GetSuspect("s1")->custody_country, "MM");
  // A release recorded late but dated before the handover changes nothing.
  Append({Release("r0", "s1", kMar31 + 86400 * 1)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetSuspect("s1")->status, "handed_over");
  auto t = views->Timeline({TimelineKind::kSuspect, "s1"});
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(Ids(*t), ElementsAre("a1", "h1", "r0", "r1", "h2"));
  EXPECT_EQ((*t)[3].kind, "release");
  EXPECT_THAT((*t)[3].summary, HasSubstr("release of s1 in CN: acquitted"));
}

TEST_F(ViewsTest, SentencingIsInItsCourtCountrysTimeline) {
  Event t = Base("t1", "case/k1", kMar31 + 86400 * 30);
  t.mutable_sentencing()->set_case_id("k1");
  t.mutable_sentencing()->set_suspect_id("s1");
  t.mutable_sentencing()->set_prison_months(12);
  Event untold = t;
  untold.set_event_id("t2");
  t.mutable_sentencing()->set_court_country("CN");
  Append({t, untold});
  auto views = CaughtUp();
  auto cn = views->Timeline({TimelineKind::kCountry, "CN"});
  ASSERT_TRUE(cn.ok());
  EXPECT_THAT(Ids(*cn), ElementsAre("t1"));  // a sentencing without court_country is in none
  EXPECT_THAT((*cn)[0].summary, HasSubstr("court in CN"));
}

TEST_F(ViewsTest, RetractedReleaseRestoresThePreviousStatus) {
  const Event r = Release("r1", "s1", kMar31 + 86400 * 5);
  Append({Arrest("a1", "s1", "op1"), r});
  auto views = CaughtUp();
  EXPECT_EQ(views->GetSuspect("s1")->status, "released");
  Append({Retract("x1", r)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetSuspect("s1")->status, "detained");
  EXPECT_EQ(views->GetSuspect("s1")->custody_country, "MM");
  EXPECT_EQ(views->GetTotals()->releases, 0);
}

TEST_F(ViewsTest, CorrectionChangingTheSuspectMovesTheArrestBetweenSuspects) {
  const Event a = Arrest("a1", "s1", "op1");
  Event fixed = a;
  fixed.mutable_arrest()->mutable_suspect()->set_suspect_id("s2");
  Append({a, Correct("c1", a, fixed)});
  auto views = CaughtUp();
  EXPECT_EQ(views->GetSuspect("s1").status().code(), absl::StatusCode::kNotFound);
  auto s2 = views->GetSuspect("s2");
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->events[0].event_id, "a1");
  // Both suspects' timelines show the arrest and its correction.
  auto t1 = views->Timeline({TimelineKind::kSuspect, "s1"});
  auto t2 = views->Timeline({TimelineKind::kSuspect, "s2"});
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_THAT(Ids(*t1), ElementsAre("a1", "c1"));
  EXPECT_THAT(Ids(*t2), ElementsAre("a1", "c1"));
}

TEST_F(ViewsTest, CorrectionCarryingADateMovesTheEventInTimelinesAndFlows) {
  const Event h = Handover("h1", "MM", "CN", 352, {}, kMar31);
  Event fixed = h;
  fixed.mutable_occurred_at()->set_seconds(kFeb2024);
  fixed.set_occurred_precision(enforcement::v1::PRECISION_MONTH);
  Append({Raid("r1", "op1", 807, 352, 21, kMar2024), h});
  auto views = CaughtUp();
  Append({Correct("c1", h, fixed, /*with_date=*/true)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto rows = views->Flows({});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].period, "2024-02");
  auto g = views->Timeline({});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)[0].event_id, "h1");  // now before the March raid
  EXPECT_EQ(DateText((*g)[0].occurred), "2024-02");
  EXPECT_EQ(DateText((*g)[0].original_occurred), "2024-03-31");
}

// --- precision --------------------------------------------------------------------------

TEST_F(ViewsTest, YearPrecisionHandoverIsOnlyInTheYearViewNeverOnAMadeUpMonth) {
  Append({Handover("h1", "MM", "CN", 100, {}, kJan2023, enforcement::v1::PRECISION_YEAR),
          Handover("h2", "MM", "CN", 5, {}, kJan2023, enforcement::v1::PRECISION_DAY)});
  auto views = CaughtUp();
  auto months = views->Flows({});
  ASSERT_TRUE(months.ok());
  ASSERT_EQ(months->size(), 2u);
  EXPECT_EQ((*months)[0].period, "2023");  // month unknown
  EXPECT_TRUE((*months)[0].month_unknown);
  EXPECT_EQ((*months)[0].people, 100);
  EXPECT_EQ((*months)[1].period, "2023-01");
  EXPECT_EQ((*months)[1].people, 5);
  FlowQuery yq;
  yq.granularity = Granularity::kYear;
  auto years = views->Flows(yq);
  ASSERT_TRUE(years.ok());
  ASSERT_EQ(years->size(), 1u);
  EXPECT_EQ((*years)[0].people, 105);
}

TEST_F(ViewsTest, MonthPrecisionEventStraddlingAFigurePeriodIsUncertainNotDerived) {
  Event fig = Base("f1", "figure/f1", kMar31);
  auto* f = fig.mutable_reported_figure();
  f->set_metric("suspects_handed_over");
  f->set_to_country("CN");
  f->mutable_period_from()->set_seconds(kFeb2024 + 14 * 86400);  // 2024-02-15
  f->set_period_from_precision(enforcement::v1::PRECISION_DAY);
  f->mutable_period_to()->set_seconds(kMar31);
  f->set_period_to_precision(enforcement::v1::PRECISION_DAY);
  f->set_value(600);
  Append({Handover("h1", "LA", "CN", 268, {}, kFeb2024, enforcement::v1::PRECISION_MONTH),
          Handover("h2", "MM", "CN", 352, {}, kMar31), fig});
  auto views = CaughtUp();
  auto t = views->GetTotals();
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->figures.size(), 1u);
  EXPECT_EQ(t->figures[0].derived, 352);
  EXPECT_EQ(t->figures[0].uncertain, 268);  // "in February": maybe after the 15th, maybe not
  EXPECT_EQ(t->figures[0].uncertain_events, 1);
}

// --- catch-up, restart, rebuild, verify ----------------------------------------------

TEST_F(ViewsTest, QueryReflectsEveryEventAppendedBeforeItFromAReadOnlyProcess) {
  Append({Handover("h1", "MM", "CN", 10)});
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto reader = ledger::Ledger::Open(db(), ro);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto views = OpenViews();
  ASSERT_TRUE(views->CatchUp(**reader).ok());
  EXPECT_EQ(views->GetTotals()->handed_over, 10);
  Append({Handover("h2", "MM", "CN", 5)});
  ASSERT_TRUE((*reader)->TryCatchUp().ok());
  auto r = views->CatchUp(**reader);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 1u);
  EXPECT_EQ(views->GetTotals()->handed_over, 15);
  EXPECT_EQ(views->checkpoint(), 2u);
}

TEST_F(ViewsTest, ViewsAheadOfTheLogAreRefusedUntilTheReaderCatchesUp) {
  Append({Handover("h1", "MM", "CN", 10)});
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto stale = ledger::Ledger::Open(db(), ro);  // sees 1 record
  ASSERT_TRUE(stale.ok());
  Append({Handover("h2", "MM", "CN", 5)});
  auto views = CaughtUp();  // with the writer: 2 records
  // Ahead of the head this reader sees: lost records, as far as it can
  // tell; nothing is applied and nothing may be answered (SPEC §8).
  auto ahead = views->CatchUp(**stale);
  EXPECT_EQ(ahead.status().code(), absl::StatusCode::kDataLoss) << ahead.status();
  EXPECT_TRUE(absl::StrContains(ahead.status().message(), "ahead of the log")) << ahead.status();
  EXPECT_EQ(views->checkpoint(), 2u);
  ASSERT_TRUE((*stale)->TryCatchUp().ok());
  auto r = views->CatchUp(**stale);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 0u);
  EXPECT_FALSE(r->rebuilt);
  EXPECT_EQ(views->checkpoint(), 2u);
  EXPECT_EQ(views->GetTotals()->handed_over, 15);
}

TEST_F(ViewsTest, OpenWithoutALedgerIsNotFound) {
  auto v = Views::Open(dir_.Sub("nothing-here"));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ViewsTest, StateSurvivesARestartAndIsNotReapplied) {
  LoadShippedData();
  std::string before;
  {
    auto views = CaughtUp();
    before = ToJson(*views->GetTotals());
  }
  auto views = OpenViews();
  EXPECT_EQ(views->checkpoint(), 6u);
  EXPECT_EQ(ToJson(*views->GetTotals()), before);
  auto r = views->CatchUp(*ledger_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 0u);
  EXPECT_FALSE(r->rebuilt);
}


// SPEC §8: aggregates never overflow. A log written before the domain
// bounds may hold counts and amounts near INT64_MAX (they were valid then):
// the views add them up exactly, in 128 bits, record by record and in a bulk
// build alike, and never refuse a record already in the log.
TEST_F(ViewsTest, AggregatesOfValuesNearInt64MaxAreExactAndNeverWrap) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const absl::int128 k = kMax;
  Event small = Raid("big-r0", "op-big", 1, 1, 1);
  std::vector<Event> events;
  for (int i = 1; i <= 3; ++i) {
    Event r = Raid(absl::StrCat("big-r", i), "op-big", 1, 1, 1);
    auto* item = r.mutable_raid()->add_seized();
    item->set_item("phones");
    item->set_quantity(1);
    events.push_back(r);
  }
  for (int i = 4; i <= 5; ++i) {
    Event h = Handover(absl::StrCat("big-h", i), "MM", "CN", 1);
    h.mutable_handover()->set_operation_id("op-big");
    events.push_back(h);
  }
  for (int i = 6; i <= 8; ++i) {
    Event t = Base(absl::StrCat("big-s", i), "case/big", kMar31);
    auto* s = t.mutable_sentencing();
    s->set_case_id(i < 8 ? "case-big" : "case-big-2");
    s->set_suspect_id(absl::StrCat("big-s", i));
    s->set_prison_months(1);
    s->set_victims(1);
    s->mutable_amount_defrauded()->set_currency("CNY");
    s->mutable_amount_defrauded()->set_minor_units(1);
    events.push_back(t);
  }
  Event figure = Base("big-f9", "figure/big", kMar31);
  figure.mutable_reported_figure()->set_metric("suspects_handed_over");
  figure.mutable_reported_figure()->set_to_country("CN");
  figure.mutable_reported_figure()->set_value(1);
  events.push_back(figure);
  Append({small});
  // The views apply record 0 now (a bulk build), the rest record by record.
  auto incremental = CaughtUp();
  ASSERT_NE(incremental, nullptr);
  Append(events);
  ledger_.reset();
  for (uint64_t pos = 1; pos <= 3; ++pos) {
    testing_support::RewriteEvent(db(), pos, [&](Event* e) {
      auto* r = e->mutable_raid();
      r->set_suspects_detained(kMax - static_cast<int64_t>(pos - 1));
      (*r->mutable_detained_by_nationality())["CN"] = kMax - static_cast<int64_t>(pos - 1);
      r->set_ringleaders_detained(kMax - static_cast<int64_t>(pos - 1));
      r->mutable_seized(0)->set_quantity(kMax);
    });
  }
  for (uint64_t pos = 4; pos <= 5; ++pos) {
    testing_support::RewriteEvent(db(), pos, [&](Event* e) {
      e->mutable_handover()->set_suspects_count(kMax);
      e->mutable_handover()->set_ringleaders_count(kMax);
    });
  }
  for (uint64_t pos = 6; pos <= 8; ++pos) {
    testing_support::RewriteEvent(db(), pos, [&](Event* e) {
      e->mutable_sentencing()->set_prison_months(kMax);
      e->mutable_sentencing()->set_victims(kMax);
      e->mutable_sentencing()->mutable_amount_defrauded()->set_minor_units(kMax);
    });
  }
  testing_support::RewriteEvent(db(), 9,
                                [&](Event* e) { e->mutable_reported_figure()->set_value(kMax); });
  OpenLedger();

  auto check = [&](const Views& views, absl::int128 detained, const std::string& detained_text) {
    auto t = views.GetTotals();
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->detained, detained);
    EXPECT_EQ(t->detained_by_nationality.at("CN"), detained);
    EXPECT_EQ(t->ringleaders_detained, detained);
    EXPECT_EQ(t->handed_over, 2 * k);
    EXPECT_EQ(t->handed_over_ringleaders, 2 * k);
    EXPECT_EQ(t->prison_months, 3 * k);
    EXPECT_EQ(t->victims, 2 * k);  // the largest figure of each case, summed
    ASSERT_EQ(t->amounts_defrauded.size(), 1u);
    EXPECT_EQ(t->amounts_defrauded[0].minor_units, 2 * k);
    ASSERT_EQ(t->figures.size(), 1u);
    EXPECT_EQ(t->figures[0].reported, kMax);
    EXPECT_EQ(t->figures[0].derived, 2 * k);
    const std::string json = ToJson(*t);
    EXPECT_THAT(json, HasSubstr(absl::StrCat("\"detained\":{\"total\":\"", detained_text, "\",")));
    EXPECT_THAT(json, HasSubstr("\"people\":\"18446744073709551614\","));
    EXPECT_THAT(json, HasSubstr("\"prison_months\":\"27670116110564327421\","));
    auto op = views.GetOperation("op-big");
    ASSERT_TRUE(op.ok()) << op.status();
    EXPECT_EQ(op->detained, detained);
    EXPECT_EQ(op->ringleaders_detained, detained);
    ASSERT_EQ(op->seized.size(), 1u);
    EXPECT_EQ(op->seized[0].quantity, 3 * k);
    EXPECT_EQ(op->handed_over, 2 * k);
    EXPECT_EQ(op->handed_over_to.at("CN"), 2 * k);
    EXPECT_THAT(ToJson(*op), HasSubstr(absl::StrCat("\"total\":\"", detained_text, "\",")));
    auto c = views.GetCase("case-big");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->prison_months_total, 2 * k);
    EXPECT_THAT(ToJson(*c), HasSubstr("\"prison_months_total\":\"18446744073709551614\","));
    auto flows = views.Flows();
    ASSERT_TRUE(flows.ok()) << flows.status();
    ASSERT_EQ(flows->size(), 1u);
    EXPECT_EQ((*flows)[0].people, 2 * k);
    EXPECT_EQ((*flows)[0].ringleaders, 2 * k);
  };
  // 1 + kMax + (kMax - 1) + (kMax - 2).
  ASSERT_TRUE(incremental->CatchUp(*ledger_).ok());
  check(*incremental, 3 * k - 2, "27670116110564327419");
  auto bulk = BuildAsOf(*ledger_, ledger_->GetHead().tree_size);
  ASSERT_TRUE(bulk.ok()) << bulk.status();
  check(**bulk, 3 * k - 2, "27670116110564327419");
  EXPECT_EQ(*incremental->Digests(), *(*bulk)->Digests());

  // A correction takes a huge figure out again: 1 + 2 + (kMax - 1) + (kMax - 2).
  Event fixed = events[0];
  fixed.mutable_raid()->set_suspects_detained(2);
  (*fixed.mutable_raid()->mutable_detained_by_nationality())["CN"] = 2;
  Append({Correct("big-fix", events[0], fixed)});
  ASSERT_TRUE(incremental->CatchUp(*ledger_).ok());
  auto t = incremental->GetTotals();
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->detained, 2 * k);
  EXPECT_EQ(t->ringleaders_detained, 2 * k - 1);  // 1 + 1 + (kMax - 1) + (kMax - 2)
  auto rebuilt = BuildAsOf(*ledger_, ledger_->GetHead().tree_size);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(*incremental->Digests(), *(*rebuilt)->Digests());
  EXPECT_EQ(*incremental->GetTotals(), *(*rebuilt)->GetTotals());
}

TEST_F(ViewsTest, AFailedBulkBuildLeavesAnEmptyStoreThatTheNextCatchUpBuildsWhole) {
  LoadShippedData();
  for (int i = 0; i < 30; ++i) {
    Append({Arrest(absl::StrCat("ab", i), absl::StrCat("sb", i % 7), "op-2024-muse-01")});
  }
  const Event h = Handover("hb", "MM", "CN", 5);
  Event fixed = h;
  fixed.mutable_handover()->set_suspects_count(6);
  Append({h, Correct("cb", h, fixed), Arrest("ab-last", "sb1", "op-2024-muse-01")});
  const uint64_t size = ledger_->GetHead().tree_size;
  auto expected = BuildAsOf(*ledger_, size);
  ASSERT_TRUE(expected.ok()) << expected.status();
  // The last record stops parsing: the build fails after many drains.
  ledger_.reset();
  const std::string good = testing_support::ReplaceRecord(db(), size - 1, std::string("\x01\x0a\xff", 3));
  OpenLedger();
  ViewsOptions o;
  o.bulk_memory_bytes = 1;  // a drain (and a merge of counters) after every batch
  o.batch_records = 2;
  o.snapshot_every = 0;
  auto views = OpenViews(o);
  auto failed = views->CatchUp(*ledger_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss) << failed.status();
  EXPECT_EQ(views->checkpoint(), 0u);
  // Repaired, the next catch-up builds everything once: nothing of the
  // failed build is left to be counted twice.
  ledger_.reset();
  testing_support::ReplaceRecord(db(), size - 1, good);
  OpenLedger();
  auto r = views->CatchUp(*ledger_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*views->Digests(), *(*expected)->Digests());
}

TEST_F(ViewsTest, RebuildReachesTheIncrementalStateDigestForDigest) {
  LoadShippedData();
  ViewsOptions small;
  small.batch_records = 1;  // a commit after every record
  auto views = OpenViews(small);
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  const Event h = Handover("h9", "MM", "CN", 7);
  Event fixed = h;
  fixed.mutable_handover()->set_suspects_count(8);
  Append({h, Correct("c9", h, fixed), Retract("x9", h)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto incremental = views->Digests();
  ASSERT_TRUE(incremental.ok());
  EXPECT_EQ(incremental->size(), 7u);
  auto report = VerifyViews(*ledger_, *views);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok()) << report->problem;
  auto r = views->Rebuild(*ledger_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->rebuilt);
  EXPECT_EQ(*views->Digests(), *incremental);
}

TEST_F(ViewsTest, ABulkBuildReportsItsMergeFromZeroToOneAndARecordByRecordCatchUpDoesNot) {
  LoadShippedData();
  ViewsOptions o;
  o.bulk_memory_bytes = 2000;  // several runs, several merge ranges
  auto views = OpenViews(o);
  std::vector<double> fractions;
  uint64_t last_done = 0;
  CatchUpOptions options;
  options.progress = [&](uint64_t done, uint64_t) { last_done = done; };
  options.merging = [&](double f) { fractions.push_back(f); };
  auto r = views->CatchUp(*ledger_, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(last_done, r->applied);
  ASSERT_GE(fractions.size(), 3u);
  EXPECT_EQ(fractions.front(), 0.0);
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  fractions.clear();
  Append({Arrest("a-late", "s-late", "op-2024-muse-01")});
  ASSERT_TRUE(views->CatchUp(*ledger_, options).ok());
  EXPECT_TRUE(fractions.empty());
}

TEST_F(ViewsTest, VerifyReportsTheViewWhoseStoredStateWasAltered) {
  LoadShippedData();
  std::string views_dir;
  {
    auto views = CaughtUp();
    views_dir = views->dir();
  }
  {  // Tamper with a totals counter behind the views' back.
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n :
         {"default", "events", "suspects", "operations", "cases", "flows", "totals", "timelines"}) {
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), views_dir, cfs, &handles, &raw).ok());
    std::string v(16, '\0');  // a counter: 16 bytes (format 3)
    v[15] = 1;
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[6], "chanded_over", v).ok());
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  auto views = OpenViews();
  EXPECT_EQ(views->GetTotals()->handed_over, 1);
  auto report = VerifyViews(*ledger_, *views);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok());
  EXPECT_THAT(report->problem, HasSubstr("view totals"));
  EXPECT_THAT(report->problem, HasSubstr("chanded_over"));
}

TEST_F(ViewsTest, ViewsBuiltFromAnotherLogAreRebuiltOnCatchUp) {
  Append({Handover("h1", "MM", "CN", 10)});
  { auto views = CaughtUp(); }
  // Another ledger, same views directory.
  TempDir other;
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "projections-test.example/log";
  auto l2 = ledger::Ledger::Open(other.Sub("db"), o);
  ASSERT_TRUE(l2.ok());
  ASSERT_TRUE((*l2)->AppendEvents({Handover("h2", "LA", "CN", 3)}).ok());
  ViewsOptions vo;
  vo.dir = DefaultViewsDir(db());
  auto views = Views::Open(other.Sub("db"), vo);
  ASSERT_TRUE(views.ok());
  auto r = (*views)->CatchUp(**l2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->rebuilt);
  EXPECT_THAT(r->rebuild_reason, HasSubstr("Merkle root"));
  EXPECT_EQ((*views)->GetTotals()->handed_over, 3);
}

TEST_F(ViewsTest, AStoreOfAnOlderFormatIsRebuiltAndSaysSo) {
  LoadShippedData();
  std::string views_dir;
  {
    auto views = CaughtUp();
    views_dir = views->dir();
  }
  {  // Make it a format-4 store (entity keys in byte order).
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n :
         {"default", "events", "suspects", "operations", "cases", "flows", "totals", "timelines"}) {
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), views_dir, cfs, &handles, &raw).ok());
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[0], "format", "4").ok());
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  auto views = OpenViews();
  auto r = views->CatchUp(*ledger_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->rebuilt);
  EXPECT_EQ(r->rebuild_reason, "the views store was of format 4, this version uses 5");
  EXPECT_EQ(r->applied, 6u);
  EXPECT_EQ(views->ListOperations()->size(), 1u);
}

TEST_F(ViewsTest, SecondOpenWaitsForTheLockThenGivesUp) {
  auto first = OpenViews();
  ViewsOptions o;
  o.lock_timeout = absl::Milliseconds(50);
  auto second = Views::Open(db(), o);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use by another process"));
  first.reset();
  EXPECT_TRUE(Views::Open(db(), o).ok());
}

// --- as of -----------------------------------------------------------------------------

TEST_F(ViewsTest, AsOfPositionAnswersExactlyWhatTheViewsAnsweredThen) {
  LoadShippedData();
  auto views = CaughtUp();
  const std::string totals_then = ToJson(*views->GetTotals());
  const std::string timeline_then = ToJson(*views->Timeline({}));
  auto digests_then = views->Digests();
  auto stored = ledger_->ReadOne(1);
  ASSERT_TRUE(stored.ok());
  Event fixed = stored->record.event();
  fixed.mutable_handover()->set_suspects_count(353);
  Append({Correct("fix-1", stored->record.event(), fixed), Handover("h-later", "TH", "CN", 9)});
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  EXPECT_EQ(views->GetTotals()->handed_over, 353 + 268 + 9);

  auto past = BuildAsOf(*ledger_, 6);
  ASSERT_TRUE(past.ok()) << past.status();
  EXPECT_EQ((*past)->checkpoint(), 6u);
  EXPECT_EQ(ToJson(*(*past)->GetTotals()), totals_then);
  EXPECT_EQ(ToJson(*(*past)->Timeline({})), timeline_then);
  EXPECT_EQ(*(*past)->Digests(), *digests_then);
  // Before the Laos handover was recorded (position 3) it is absent, though it occurred first.
  auto early = BuildAsOf(*ledger_, 3);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ((*early)->GetTotals()->handed_over, 352);
  EXPECT_EQ(BuildAsOf(*ledger_, 99).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(views->CatchUpTo(*ledger_, 3).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ViewsTest, AsOfFromASnapshotEqualsAReplayFromPositionZero) {
  LoadShippedData();
  const Event h = Handover("h7", "MM", "CN", 7);
  Event fixed = h;
  fixed.mutable_handover()->set_suspects_count(70);
  Append({h, Arrest("a7", "s7", "op-2024-muse-01"), Correct("c7", h, fixed), Retract("x7", h),
          Handover("h8", "LA", "CN", 8)});
  ViewsOptions o;
  o.snapshot_every = 2;
  o.max_snapshots = 3;
  o.batch_records = 3;
  auto views = OpenViews(o);
  // A build from position 0 is a bulk build, which takes one snapshot at
  // its end (none below snapshot_every); catch-ups take one at every multiple.
  ASSERT_TRUE(views->CatchUpTo(*ledger_, 1).ok());
  ASSERT_TRUE(views->CatchUp(*ledger_).ok());
  auto snapshots = views->Snapshots();
  ASSERT_TRUE(snapshots.ok()) << snapshots.status();
  EXPECT_THAT(*snapshots, ElementsAre(2, 6, 10));  // thinned to 3, first and latest kept
  for (uint64_t n = 0; n <= 11; ++n) {
    auto fast = views->AsOf(*ledger_, n);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ScratchOptions memory;
    memory.in_memory = true;
    auto slow = BuildAsOf(*ledger_, n, memory);
    ASSERT_TRUE(slow.ok()) << slow.status();
    EXPECT_EQ((*fast)->checkpoint(), n);
    EXPECT_EQ(*(*fast)->Digests(), *(*slow)->Digests()) << "as of " << n;
  }
  EXPECT_EQ(views->AsOf(*ledger_, 12).status().code(), absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(views->Rebuild(*ledger_).ok());
  EXPECT_THAT(*views->Snapshots(), ElementsAre(11));
  for (uint64_t n : {9, 10, 11}) {
    auto fast = views->AsOf(*ledger_, n);
    ASSERT_TRUE(fast.ok()) << fast.status();
    auto slow = BuildAsOf(*ledger_, n);
    ASSERT_TRUE(slow.ok()) << slow.status();
    EXPECT_EQ(*(*fast)->Digests(), *(*slow)->Digests()) << "as of " << n << " after a rebuild";
  }
}

TEST_F(ViewsTest, AsOfRecordedTimeIsTheLongestPrefixRecordedAtOrBeforeIt) {
  LoadShippedData();  // recorded at 2024-04-01T00:00:01Z, :02, ... :06
  auto at = [&](const std::string& t) {
    absl::Time when;
    std::string err;
    EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, t, &when, &err)) << err;
    return *SizeAsOfTime(*ledger_, when);
  };
  EXPECT_EQ(at("2024-03-31T23:59:59Z"), 0u);
  EXPECT_EQ(at("2024-04-01T00:00:01Z"), 1u);
  EXPECT_EQ(at("2024-04-01T00:00:03.5Z"), 3u);
  EXPECT_EQ(at("2030-01-01T00:00:00Z"), 6u);
  EXPECT_EQ(*ResolveAsOf(*ledger_, "2024-04-01T00:00:04Z"), 4u);
  EXPECT_EQ(*ResolveAsOf(*ledger_, "2024-04-01"), 6u);  // to the end of that day
  EXPECT_EQ(ResolveAsOf(*ledger_, "2").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveAsOf(*ledger_, "yesterday").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ResolveAsOf(*ledger_, "7").status().message()),
              testing::HasSubstr("--as-of-position 7"));
}

// --- queries and JSON ----------------------------------------------------------------------

TEST_F(ViewsTest, ListSuspectsFiltersAndPages) {
  Append({Arrest("a1", "s1", "op1"), Arrest("a2", "s2", "op1"), Arrest("a3", "s3", "op2"),
          Handover("h1", "MM", "CN", 2, {"s1", "s3"})});
  auto views = CaughtUp();
  SuspectFilter f;
  f.status = "handed_over";
  auto l = views->ListSuspects(f);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[1].suspect_id, "s3");
  SuspectFilter page;
  page.limit = 1;
  page.after = "s1";
  auto p = views->ListSuspects(page);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].suspect_id, "s2");
  EXPECT_EQ(views->ListOperations()->size(), 2u);
  EXPECT_EQ(views->GetSuspect("nobody").status().code(), absl::StatusCode::kNotFound);
  TimelineKind kind;
  EXPECT_TRUE(ParseTimelineKind("country", &kind));
  EXPECT_EQ(kind, TimelineKind::kCountry);
  EXPECT_FALSE(ParseTimelineKind("planet", &kind));
  EXPECT_TRUE(views->Timeline({TimelineKind::kSuspect, "nobody"})->empty());
}

TEST_F(ViewsTest, JsonShapesAreStable) {
  LoadShippedData();
  auto views = CaughtUp();
  const std::string op = ToJson(*views->GetOperation("op-2024-muse-01"));
  EXPECT_THAT(op, HasSubstr("\"operation_id\":\"op-2024-muse-01\",\"place\":\"Muse\""));
  EXPECT_THAT(op, HasSubstr("\"detained\":{\"total\":\"807\",\"ringleaders\":\"21\","
                            "\"by_nationality\":{\"CN\":\"352\",\"MM\":\"455\"}}"));
  const std::string flows = ToJson(*views->Flows({}));
  EXPECT_THAT(flows, HasSubstr("{\"from_country\":\"MM\",\"to_country\":\"CN\","
                               "\"period\":\"2024-03\",\"month_unknown\":false,"
                               "\"people\":\"352\",\"identified\":\"0\",\"ringleaders\":\"21\","
                               "\"handovers\":\"1\",\"events\":[{\"event_id\":"
                               "\"xinhua-2024-04-01-muse-handover-352\",\"position\":\"1\"}]}"));
  const std::string totals = ToJson(*views->GetTotals());
  EXPECT_THAT(totals, HasSubstr("\"reported\":\"48000\",\"approximate\":true"));
  EXPECT_THAT(totals, HasSubstr("\"derived\":{\"value\":\"352\",\"events\":\"1\","
                                "\"uncertain\":\"0\",\"uncertain_events\":\"0\"}"));
  const std::string t =
      ToJson(*views->Timeline({TimelineKind::kSuspect, "cn-ringleader-yunnan-01"}));
  EXPECT_THAT(t, HasSubstr("\"occurred\":{\"at\":\"2020-01-01T00:00:00Z\",\"precision\":\"year\","
                           "\"text\":\"2020\"}"));
}

// The answer messages (view_messages.h): aggregates as exact decimal text,
// unknown dates and absent sentences and fines left out, the rest field by
// field; map keys print sorted, whatever the map's order in memory.
TEST(ViewMessagesTest, ConvertFieldByField) {
  SuspectView s;
  s.suspect_id = "s1";
  s.status = "sentenced";
  s.first_occurred = Date{kMar2024, 0, enforcement::v1::PRECISION_MONTH};
  SentenceInfo sentence;
  sentence.case_id = "c1";
  sentence.prison_months = std::numeric_limits<int64_t>::max();
  sentence.event = {"e9", 9};
  s.sentence = sentence;
  s.events.push_back({"e9", 9, "sentencing", Date{}});
  const enforcement::api::v1::SuspectView m = ToMessage(s);
  EXPECT_EQ(m.first_occurred().text(), "2024-03");
  EXPECT_EQ(m.first_occurred().precision(), "month");
  EXPECT_EQ(m.first_occurred().at(), "2024-03-01T00:00:00Z");
  EXPECT_FALSE(m.has_last_occurred());
  EXPECT_FALSE(m.sentence().has_fine());
  EXPECT_FALSE(m.sentence().has_occurred());
  EXPECT_EQ(m.sentence().prison_months(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(m.sentence().event().position(), 9u);
  ASSERT_EQ(m.events_size(), 1);
  EXPECT_FALSE(m.events(0).has_occurred());
  EXPECT_FALSE(ToMessage(SuspectView{}).has_sentence());

  Totals t;
  t.applied = 7;
  t.detained = absl::MakeInt128(1, 5);  // 2^64 + 5
  t.retracted = -absl::MakeInt128(2, 0);
  for (const char* cc : {"VN", "CN", "TH", "ID", "MM", "LA", "KH", "PH", "MY", "BD"}) {
    t.detained_by_nationality[cc] = 1;
  }
  const std::string json = Print(ToMessage(t));
  EXPECT_THAT(json, HasSubstr("\"applied\":\"7\""));
  EXPECT_THAT(json, HasSubstr("\"total\":\"18446744073709551621\""));
  EXPECT_THAT(json, HasSubstr("\"retracted\":\"-36893488147419103232\""));
  EXPECT_THAT(json, HasSubstr("\"by_nationality\":{\"BD\":\"1\",\"CN\":\"1\",\"ID\":\"1\","
                              "\"KH\":\"1\",\"LA\":\"1\",\"MM\":\"1\",\"MY\":\"1\","
                              "\"PH\":\"1\",\"TH\":\"1\",\"VN\":\"1\"}"));
  EXPECT_THAT(json, Not(HasSubstr("null")));

  FigureComparison f;
  f.derivable = false;
  enforcement::api::v1::FigureComparison fm;
  ToMessage(f, &fm);
  EXPECT_FALSE(fm.has_derived());
  EXPECT_FALSE(fm.source().has_published_at());
  f.derivable = true;
  f.derived = 3;
  f.source.published_at = "2024-04-01T00:00:00Z";
  fm.Clear();
  ToMessage(f, &fm);
  EXPECT_EQ(fm.derived().value(), "3");
  EXPECT_EQ(fm.source().published_at(), "2024-04-01T00:00:00Z");

  EXPECT_EQ(ToPage(std::vector<CaseView>(2), true).items_size(), 2);
  EXPECT_TRUE(ToPage(std::vector<CaseView>(), true).more());
  EXPECT_EQ(SumText(std::numeric_limits<absl::int128>::min()),
            "-170141183460469231731687303715884105728");
}

TEST(ParseTimeBoundTest, RefusesDatesThatDoNotExist) {
  for (const char* bad : {"2024-13", "2024-00", "2024-02-30", "2023-02-29", "2024-04-31"}) {
    EXPECT_EQ(ParseTimeBound(bad, false).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(ParseTimeBound("2024-02-29", false).ok());
  EXPECT_EQ(*ParseTimeBound("2024-12", true),
            absl::FromCivil(absl::CivilSecond(2025, 1, 1, 0, 0, 0), absl::UTCTimeZone()) -
                absl::Nanoseconds(1));
}

}  // namespace
}  // namespace projections
