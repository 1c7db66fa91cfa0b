// Property test of projections::Views against the reference projection
// (tests/support/reference_projection.h): random logs, appended to a real
// ledger, with corrections (including corrections of corrections),
// retractions (including of corrected events and of corrections),
// duplicates (re-appends the ledger skips) and occurred times out of
// recording order, at every precision. For each log:
//
//  - incremental equality: the persistent views, caught up now and then (in
//    batches of random size, closed and reopened at random: restarts),
//    answer exactly what the reference answers for the log so far;
//  - as-of equality: views built as of a random tree size N answer what the
//    reference answers for the first N records, and as of a size the
//    incremental views once stood at, their digests are those the
//    incremental views had then;
//  - rebuild equality: a rebuild from position 0 has the incremental
//    views' digests (VerifyViews).
//
// A third test adds erasures (format 2, docs/PERSONAL_DATA.md) to random
// logs: a format-1 ledger refuses them, so they are appended as releases and
// rewritten into erasures underneath the closed ledger (ledger_surgery.h);
// the projections do not depend on the format.
//
// Every prefix of a log is itself a random event sequence: each comparison
// checks one, and the second test compares every prefix of its logs. CI runs
// a bounded count, also bounded in time (well under a minute in all);
// LEDGER_TEST_LONG=1 runs many more; LEDGER_PROPERTY_SEED=<n> runs one log of
// the first test. Seeds are fixed, so a run is reproducible.
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "ledger/record_coding.h"
#include "projections/rules.h"
#include "projections/view_messages.h"
#include "projections/views.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"
#include "tests/support/reference_projection.h"
#include "util/answer_json.h"

namespace projections {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

bool Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

// A directory for the test's ledgers: under /dev/shm when it is writable and
// roomy (RocksDB creation is dominated by file-system syncs, and RocksDB
// preallocates tens of MiB per WAL), else $TMPDIR.
bool RoomyTmpfs(const char* path) {
  struct statvfs st;
  if (access(path, W_OK) != 0 || statvfs(path, &st) != 0) return false;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize >= (uint64_t{2} << 30);
}

class FastTempDir {
 public:
  FastTempDir() {
    std::string base = "/dev/shm";
    if (!RoomyTmpfs(base.c_str())) {
      const char* t = std::getenv("TMPDIR");
      base = t != nullptr && *t != '\0' ? t : "/tmp";
    }
    std::string tmpl = base + "/ledger-prop-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~FastTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& s) const { return path_ + "/" + s; }

 private:
  std::string path_;
};

// --- the generator ----------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  // The next event to append; may repeat an earlier one (a duplicate).
  Event Next() {
    for (;;) {
      const int dice = Uniform(0, 99);
      if (dice < 10) return Remember(Fact(Event::kRaid));
      if (dice < 26) return Remember(Fact(Event::kArrest));
      if (dice < 42) return Remember(Fact(Event::kHandover));
      if (dice < 50) return Remember(Fact(Event::kSentencing));
      if (dice < 54) return Remember(Fact(Event::kReportedFigure));
      if (dice < 58) return Remember(Fact(Event::kRelease));
      if (dice < 74) {
        if (auto e = Correction()) return Remember(*e);
        continue;
      }
      if (dice < 84) {
        if (auto e = Retraction()) return Remember(*e);
        continue;
      }
      if (!appended_.empty()) return appended_[Uniform(0, appended_.size() - 1)];
    }
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

 private:
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Uniform(0, static_cast<int>(v.size()) - 1)];
  }
  std::string Maybe(const std::vector<std::string>& v, int percent = 70) {
    return Chance(percent) ? Pick(v) : std::string();
  }

  // A random date at a random precision, the first instant of its unit.
  void RandomDate(google::protobuf::Timestamp* ts, enforcement::v1::Precision* p) {
    const int year = Uniform(2019, 2025);
    const int month = Uniform(1, 12);
    const int day = Uniform(1, 28);
    const int precision = Uniform(1, 4);
    absl::CivilSecond c;
    switch (precision) {
      case 4:
        c = absl::CivilSecond(year, 1, 1);
        break;
      case 3:
        c = absl::CivilSecond(year, month, 1);
        break;
      case 2:
        c = absl::CivilSecond(year, month, day);
        break;
      default:
        c = absl::CivilSecond(year, month, day, Uniform(0, 23), Uniform(0, 59), 0);
    }
    ts->set_seconds(absl::ToUnixSeconds(absl::FromCivil(c, absl::UTCTimeZone())));
    ts->set_nanos(precision == 1 && Chance(30) ? Uniform(0, 999999) * 1000 : 0);
    *p = static_cast<enforcement::v1::Precision>(precision);
  }

  // Two random dates, the earlier first (a period that never ends before it starts).
  void RandomPeriod(google::protobuf::Timestamp* from, enforcement::v1::Precision* from_p,
                    google::protobuf::Timestamp* to, enforcement::v1::Precision* to_p) {
    RandomDate(from, from_p);
    RandomDate(to, to_p);
    if (std::make_pair(to->seconds(), to->nanos()) <
        std::make_pair(from->seconds(), from->nanos())) {
      std::swap(*from, *to);
      std::swap(*from_p, *to_p);
    }
  }

  Event Envelope(const std::string& stream) {
    Event e;
    e.set_event_id(absl::StrCat("e", next_id_++));
    e.set_stream(stream);
    enforcement::v1::Precision p;
    RandomDate(e.mutable_occurred_at(), &p);
    e.set_occurred_precision(p);
    auto* s = e.mutable_source();
    s->set_publisher(Pick(publishers_));
    if (Chance(50)) s->set_title("title " + std::to_string(Uniform(1, 9)));
    if (Chance(40)) s->mutable_published_at()->set_seconds(1711929600 + Uniform(0, 99) * 86400);
    e.set_recorded_by("property-test");
    return e;
  }

  // A random body of kind `k` written into `e`.
  void Body(Event::BodyCase k, Event* e) {
    switch (k) {
      case Event::kRaid: {
        auto* r = e->mutable_raid();
        r->set_operation_id(Pick(ops_));
        if (Chance(80)) r->mutable_location()->set_place(Pick(places_));
        if (Chance(50)) r->mutable_location()->set_region("Shan State");
        r->mutable_location()->set_country(Maybe(countries_, 80));
        for (int i = Uniform(0, 2); i > 0; --i) {
          auto* a = r->add_agencies();
          a->set_name(Pick(agencies_));
          a->set_country(Maybe(countries_, 80));
        }
        r->set_tip_from_country(Maybe(countries_, 50));
        const int detained = Uniform(0, 900);
        r->set_suspects_detained(detained);
        int left = detained;
        for (const char* nat : {"CN", "MM"}) {
          if (Chance(60)) {
            const int n = Uniform(0, left);
            (*r->mutable_detained_by_nationality())[nat] = n;
            left -= n;
          }
        }
        r->set_ringleaders_detained(Uniform(0, std::min(detained, 30)));
        for (int i = Uniform(0, 2); i > 0; --i) {
          auto* s = r->add_seized();
          s->set_item(Pick(items_));
          s->set_quantity(Chance(50) ? 0 : Uniform(1, 50));
        }
        if (Chance(30)) r->set_note("a note");
        break;
      }
      case Event::kArrest: {
        auto* a = e->mutable_arrest();
        a->mutable_suspect()->set_suspect_id(Pick(suspects_));
        if (Chance(40)) a->mutable_suspect()->set_name(Pick(names_));
        a->mutable_suspect()->set_nationality(Maybe(countries_, 70));
        a->mutable_suspect()->set_role(static_cast<enforcement::v1::Role>(Uniform(0, 5)));
        a->set_operation_id(Maybe(ops_, 60));
        a->mutable_location()->set_country(Maybe(countries_, 50));
        if (Chance(40)) {
          a->mutable_agency()->set_name(Pick(agencies_));
          a->mutable_agency()->set_country(Maybe(countries_, 80));
        }
        break;
      }
      case Event::kHandover: {
        auto* h = e->mutable_handover();
        const std::string from = Pick(countries_);
        std::string to = Pick(countries_);
        while (to == from) to = Pick(countries_);
        h->set_from_country(from);
        h->set_to_country(to);
        std::vector<std::string> ids = suspects_;
        std::shuffle(ids.begin(), ids.end(), rng_);
        const int n = Uniform(0, 3);
        for (int i = 0; i < n; ++i) h->add_suspect_ids(ids[i]);
        const int count = std::max(1, n + (Chance(70) ? Uniform(0, 400) : 0));
        h->set_suspects_count(count);
        h->set_ringleaders_count(Uniform(0, std::min(count, 21)));
        h->set_nationality(Maybe(countries_, 50));
        h->set_operation_id(Maybe(ops_, 50));
        if (Chance(30)) {
          h->mutable_to_agency()->set_name(Pick(agencies_));
          h->mutable_to_agency()->set_country(to);
        }
        break;
      }
      case Event::kSentencing: {
        auto* s = e->mutable_sentencing();
        s->set_case_id(Pick(cases_));
        s->set_suspect_id(Pick(suspects_));
        if (Chance(60)) s->set_court(Pick(courts_));
        s->set_role(static_cast<enforcement::v1::Role>(Uniform(0, 5)));
        if (Chance(50)) s->add_offences("fraud");
        if (Chance(30)) s->add_offences("illegal border crossing");
        s->set_prison_months(Uniform(0, 300));
        if (Chance(30)) {
          s->mutable_fine()->set_currency("CNY");
          s->mutable_fine()->set_minor_units(Uniform(0, 100000) * 100);
        }
        s->set_victims(Uniform(0, 500));
        if (Chance(60)) {
          s->mutable_amount_defrauded()->set_currency(Chance(70) ? "CNY" : "USD");
          s->mutable_amount_defrauded()->set_minor_units(int64_t{Uniform(0, 3000)} * 1000000);
        }
        if (Chance(40)) {
          s->mutable_amount_defrauded_equivalent()->set_currency("USD");
          s->mutable_amount_defrauded_equivalent()->set_minor_units(int64_t{Uniform(0, 500)} *
                                                                    1000000);
        }
        if (Chance(50)) {
          enforcement::v1::Precision p0, p1;
          RandomPeriod(s->mutable_offence_from(), &p0, s->mutable_offence_to(), &p1);
          s->set_offence_from_precision(p0);
          s->set_offence_to_precision(p1);
          if (Chance(30)) {
            s->clear_offence_to();
            s->set_offence_to_precision(enforcement::v1::PRECISION_UNSPECIFIED);
          }
        }
        s->set_instance(static_cast<enforcement::v1::Instance>(Uniform(0, 3)));
        if (Chance(40)) s->set_suspect_name(Pick(names_));
        s->set_suspect_nationality(Maybe(countries_, 60));
        s->set_court_country(Maybe(countries_, 50));
        break;
      }
      case Event::kRelease: {
        auto* r = e->mutable_release();
        r->set_suspect_id(Pick(suspects_));
        r->set_country(Maybe(countries_, 60));
        if (Chance(40)) r->mutable_agency()->set_country(Pick(countries_));
        if (Chance(50)) r->set_reason("acquitted");
        r->set_case_id(Maybe(cases_, 30));
        break;
      }
      case Event::kReportedFigure: {
        auto* f = e->mutable_reported_figure();
        f->set_metric(Pick(metrics_));
        f->set_from_country(Maybe(countries_, 50));
        f->set_to_country(Maybe(countries_, 50));
        f->set_nationality(Maybe(countries_, 40));
        if (Chance(70)) {
          enforcement::v1::Precision p0, p1;
          RandomPeriod(f->mutable_period_from(), &p0, f->mutable_period_to(), &p1);
          f->set_period_from_precision(p0);
          f->set_period_to_precision(p1);
          if (Chance(20)) {
            f->clear_period_to();
            f->set_period_to_precision(enforcement::v1::PRECISION_UNSPECIFIED);
          }
        } else if (Chance(50)) {
          enforcement::v1::Precision p;
          RandomDate(f->mutable_period_to(), &p);
          f->set_period_to_precision(p);
        }
        f->set_value(Uniform(0, 60000));
        f->set_approximate(Chance(50));
        break;
      }
      default:
        break;
    }
  }

  std::string StreamFor(const Event& e) {
    switch (e.body_case()) {
      case Event::kRaid:
        return "operation/" + e.raid().operation_id();
      case Event::kArrest:
        return "suspect/" + e.arrest().suspect().suspect_id();
      case Event::kSentencing:
        return "case/" + e.sentencing().case_id();
      case Event::kRelease:
        return "suspect/" + e.release().suspect_id();
      case Event::kHandover:
        return absl::StrCat("handover/h", next_id_);
      default:
        return absl::StrCat("figure/f", next_id_);
    }
  }

  Event Fact(Event::BodyCase k) {
    Event body;
    Body(k, &body);
    Event e = Envelope(StreamFor(body));
    switch (k) {
      case Event::kRaid:
        *e.mutable_raid() = body.raid();
        break;
      case Event::kArrest:
        *e.mutable_arrest() = body.arrest();
        break;
      case Event::kHandover:
        *e.mutable_handover() = body.handover();
        break;
      case Event::kSentencing:
        *e.mutable_sentencing() = body.sentencing();
        break;
      case Event::kRelease:
        *e.mutable_release() = body.release();
        break;
      default:
        *e.mutable_reported_figure() = body.reported_figure();
        break;
    }
    return e;
  }

  // A target a correction or retraction may name: in the log, not retracted,
  // not a retraction.
  const Event* Target() {
    std::vector<const Event*> ok;
    for (const Event& e : appended_) {
      if (e.body_case() != Event::kRetraction && !retracted_.count(e.event_id())) ok.push_back(&e);
    }
    if (ok.empty()) return nullptr;
    // Prefer recent events and corrections, so chains form.
    const Event* t = ok[Uniform(std::max(0, static_cast<int>(ok.size()) - 8), ok.size() - 1)];
    if (Chance(50)) t = ok[Uniform(0, ok.size() - 1)];
    return t;
  }

  std::optional<Event> Correction() {
    const Event* t = Target();
    if (t == nullptr) return std::nullopt;
    Event e = Envelope(t->stream());
    auto* c = e.mutable_correction();
    c->set_target_event_id(t->event_id());
    c->set_reason("corrected");
    Event* r = c->mutable_replacement();
    const Event::BodyCase kind = kind_.at(t->event_id());
    if (Chance(70)) {
      Body(kind, r);
    } else {
      // A small change of the body in effect, keeping its entities.
      const Event& last = latest_body_.at(t->event_id());
      *r = last;
      switch (kind) {
        case Event::kRaid:
          r->mutable_raid()->set_suspects_detained(r->raid().suspects_detained() + 1);
          break;
        case Event::kHandover:
          r->mutable_handover()->set_suspects_count(r->handover().suspects_count() + 1);
          break;
        case Event::kSentencing:
          r->mutable_sentencing()->set_prison_months(r->sentencing().prison_months() + 6);
          break;
        case Event::kReportedFigure:
          r->mutable_reported_figure()->set_value(r->reported_figure().value() + 1000);
          break;
        case Event::kRelease:
          r->mutable_release()->set_suspect_id(Pick(suspects_));  // may move it to another suspect
          break;
        default:
          r->mutable_arrest()->mutable_suspect()->set_name("renamed");
          break;
      }
    }
    if (Chance(35)) {
      enforcement::v1::Precision p;
      RandomDate(r->mutable_occurred_at(), &p);
      r->set_occurred_precision(p);
    }
    return e;
  }

  std::optional<Event> Retraction() {
    const Event* t = Target();
    if (t == nullptr) return std::nullopt;
    Event e = Envelope(t->stream());
    e.mutable_retraction()->set_target_event_id(t->event_id());
    e.mutable_retraction()->set_reason("withdrawn");
    return e;
  }

  const Event& Remember(const Event& e) {
    appended_.push_back(e);
    const Event& stored = appended_.back();
    switch (e.body_case()) {
      case Event::kCorrection: {
        const Event& r = e.correction().replacement();
        kind_[e.event_id()] = r.body_case();
        Event body;
        switch (r.body_case()) {
          case Event::kRaid:
            *body.mutable_raid() = r.raid();
            break;
          case Event::kArrest:
            *body.mutable_arrest() = r.arrest();
            break;
          case Event::kHandover:
            *body.mutable_handover() = r.handover();
            break;
          case Event::kSentencing:
            *body.mutable_sentencing() = r.sentencing();
            break;
          default:
            *body.mutable_reported_figure() = r.reported_figure();
            break;
        }
        latest_body_[e.event_id()] = body;
        break;
      }
      case Event::kRetraction:
        retracted_.insert(e.retraction().target_event_id());
        break;
      default: {
        kind_[e.event_id()] = e.body_case();
        Event body = e;
        body.clear_occurred_at();
        body.set_occurred_precision(enforcement::v1::PRECISION_UNSPECIFIED);
        body.clear_event_id();
        body.clear_stream();
        body.clear_source();
        body.clear_recorded_by();
        latest_body_[e.event_id()] = body;
      }
    }
    return stored;
  }

  std::mt19937_64 rng_;
  int next_id_ = 0;
  std::vector<Event> appended_;  // reserved below so references stay valid while used
  std::map<std::string, Event::BodyCase> kind_;  // the body kind a correction must carry
  std::map<std::string, Event> latest_body_;     // its body (for small corrections)
  std::set<std::string> retracted_;

  const std::vector<std::string> suspects_ = {"s0", "s1", "s2", "s3", "s4", "s-\xC3\xBC"};
  const std::vector<std::string> ops_ = {"op0", "op1", "op2"};
  const std::vector<std::string> cases_ = {"c0", "c1", "c2"};
  const std::vector<std::string> countries_ = {"MM", "CN", "LA", "TH", "KH"};
  const std::vector<std::string> places_ = {"Muse", "Myawaddy", "Laukkaing"};
  const std::vector<std::string> agencies_ = {"Myanmar Police Force",
                                              "Ministry of Public Security"};
  const std::vector<std::string> items_ = {"computers", "mobile phones", "scripts"};
  const std::vector<std::string> names_ = {"Wei", "Li", "Aung"};
  const std::vector<std::string> courts_ = {"Court A", "Court B"};
  const std::vector<std::string> publishers_ = {"Xinhua", "China Daily", "Agency feed"};
  const std::vector<std::string> metrics_ = {"suspects_handed_over", "suspects_detained",
                                             "suspects_arrested", "suspects_sentenced",
                                             "websites_closed"};
};

// --- comparison ------------------------------------------------------------------------

// Answers as their JSON (their messages, view_messages.h, printed by
// util::AnswerJson): compared whole, and shown when they differ.
std::string Print(const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = util::AnswerJson(m);
  return json.ok() ? *json : json.status().ToString();
}
std::string ToJson(const std::vector<SuspectView>& v) { return Print(ToPage(v, false)); }
std::string ToJson(const std::vector<OperationView>& v) { return Print(ToPage(v, false)); }
std::string ToJson(const std::vector<CaseView>& v) { return Print(ToPage(v, false)); }
std::string ToJson(const std::vector<FlowRow>& v) { return Print(ToList(v)); }
std::string ToJson(const std::vector<TimelineEntry>& v) { return Print(ToList(v)); }
std::string ToJson(const Totals& v) { return Print(ToMessage(v)); }
std::string ToJson(const std::vector<ViewDigest>& v) {
  enforcement::api::v1::RebuildAnswer a;
  for (const auto& d : v) ToMessage(d, a.add_digests());
  return Print(a);
}

// Every answer of `views` equals the reference's; returns the first
// difference, or "" when none.
std::string Difference(const Views& views, const testing_support::ReferenceViews& ref) {
  auto diff = [](const std::string& what, const std::string& got, const std::string& want) {
    if (got == want) return std::string();
    return absl::StrCat(what, " differ:\n  views:     ", got, "\n  reference: ", want);
  };
  SuspectFilter all;
  all.limit = 0;
  auto suspects = views.ListSuspects(all);
  if (!suspects.ok()) return suspects.status().ToString();
  if (auto d = diff("suspects", ToJson(*suspects), ToJson(ref.suspects)); !d.empty()) return d;
  OperationQuery whole;
  whole.max_events = 0;
  auto ops = views.ListOperations(whole);
  if (!ops.ok()) return ops.status().ToString();
  if (auto d = diff("operations", ToJson(*ops), ToJson(ref.operations)); !d.empty()) return d;
  auto cases = views.ListCases();
  if (!cases.ok()) return cases.status().ToString();
  if (auto d = diff("cases", ToJson(*cases), ToJson(ref.cases)); !d.empty()) return d;
  FlowQuery fq;
  fq.max_events = 0;
  auto months = views.Flows(fq);
  if (!months.ok()) return months.status().ToString();
  if (auto d = diff("flows by month", ToJson(*months), ToJson(ref.flows_by_month)); !d.empty()) {
    return d;
  }
  fq.granularity = Granularity::kYear;
  auto years = views.Flows(fq);
  if (!years.ok()) return years.status().ToString();
  if (auto d = diff("flows by year", ToJson(*years), ToJson(ref.flows_by_year)); !d.empty()) {
    return d;
  }
  auto totals = views.GetTotals();
  if (!totals.ok()) return totals.status().ToString();
  if (auto d = diff("totals", ToJson(*totals), ToJson(ref.totals)); !d.empty()) return d;
  // Every timeline the reference has, and every key of the universe (which
  // must then be empty on both sides).
  std::set<std::pair<TimelineKind, std::string>> scopes;
  for (const auto& [k, v] : ref.timelines) scopes.insert(k);
  for (const char* s : {"s0", "s1", "s2", "s3", "s4", "s-\xC3\xBC", "s9"}) {
    scopes.insert({TimelineKind::kSuspect, s});
  }
  for (const char* o : {"op0", "op1", "op2"}) scopes.insert({TimelineKind::kOperation, o});
  for (const char* c : {"c0", "c1", "c2"}) scopes.insert({TimelineKind::kCase, c});
  for (const char* c : {"MM", "CN", "LA", "TH", "KH"}) scopes.insert({TimelineKind::kCountry, c});
  scopes.insert({TimelineKind::kGlobal, ""});
  for (const auto& [kind, key] : scopes) {
    TimelineQuery q{kind, key};
    auto t = views.Timeline(q);
    if (!t.ok()) return t.status().ToString();
    auto it = ref.timelines.find({kind, key});
    const std::vector<TimelineEntry> none;
    const auto& want = it == ref.timelines.end() ? none : it->second;
    if (auto d = diff(absl::StrCat("timeline ", TimelineKindName(kind), " \"", key, "\""),
                      ToJson(*t), ToJson(want));
        !d.empty()) {
      return d;
    }
  }
  // Newest first is the same list reversed.
  auto g = views.Timeline({TimelineKind::kGlobal, "", 0, true});
  if (!g.ok()) return g.status().ToString();
  std::vector<TimelineEntry> reversed = ref.timelines.count({TimelineKind::kGlobal, ""})
                                            ? ref.timelines.at({TimelineKind::kGlobal, ""})
                                            : std::vector<TimelineEntry>{};
  std::reverse(reversed.begin(), reversed.end());
  return diff("global timeline, newest first", ToJson(*g), ToJson(reversed));
}

std::vector<LedgerRecord> Prefix(const std::vector<LedgerRecord>& all, uint64_t n) {
  return std::vector<LedgerRecord>(all.begin(), all.begin() + n);
}

// How much to run. In CI the count is bounded, and so is the time: no new
// log is started after `seconds` once `min_logs` have run (a slow disk
// without /dev/shm makes RocksDB creation slow, not the code under test).
struct Budget {
  int logs;
  int max_events;
  int as_of_checks;
  int min_logs;
  double seconds;  // 0 = no time bound
};

Budget GetBudget() {
  if (Env("LEDGER_TEST_LONG")) return {400, 400, 12, 400, 0};
  if (Env("LEDGER_SANITIZER_BUILD")) return {12, 60, 3, 4, 20};
  return {60, 90, 6, 12, 25};
}

bool OutOfTime(const Budget& b, absl::Time start, int done) {
  return b.seconds > 0 && done >= b.min_logs &&
         absl::ToDoubleSeconds(absl::Now() - start) > b.seconds;
}

struct Stats {
  int logs = 0, events = 0, duplicates = 0, corrections = 0, retractions = 0;
  int incremental_checks = 0, as_of_checks = 0, digest_checks = 0, restarts = 0;
};

// One random log; returns "" or the first failure, with what to reproduce it.
std::string RunLog(uint64_t seed, const Budget& budget, Stats* stats) {
  Generator gen(seed);
  FastTempDir dir;
  const std::string db = dir.Sub("db");
  absl::Time now = absl::FromUnixSeconds(1711929600);
  ledger::OpenOptions lo;
  lo.create_if_missing = true;
  lo.origin = "property.example/log";
  lo.durability = ledger::Durability::kBulk;
  lo.clock = [&] {
    now += absl::Seconds(gen.Uniform(0, 2));  // recorded_at ties happen
    return now;
  };
  auto opened = ledger::Ledger::Open(db, lo);
  if (!opened.ok()) return opened.status().ToString();
  std::unique_ptr<ledger::Ledger> ledger = *std::move(opened);
  ViewsOptions vo;
  vo.batch_records = gen.Uniform(1, 40);
  // Snapshots for Views::AsOf in some logs (they cost a flush each).
  vo.snapshot_every = gen.Chance(40) ? gen.Uniform(8, 30) : 0;
  vo.max_snapshots = gen.Uniform(2, 4);
  // Bulk builds that drain (and merge counters) every few records, in some logs.
  if (gen.Chance(50)) vo.bulk_memory_bytes = gen.Uniform(1, 20000);
  auto views_or = Views::Open(db, vo);
  if (!views_or.ok()) return views_or.status().ToString();
  std::unique_ptr<Views> views = *std::move(views_or);
  const std::string where = absl::StrCat("seed ", seed, ": ");

  // (size, digests) of the incremental views at some points, for as-of.
  std::vector<std::pair<uint64_t, std::vector<ViewDigest>>> snapshots;
  auto records = [&]() -> std::vector<LedgerRecord> {
    std::vector<LedgerRecord> out;
    auto r = ledger->Read(0, ledger->GetHead().tree_size);
    if (r.ok()) {
      for (auto& s : *r) out.push_back(std::move(s.record));
    }
    return out;
  };

  const int events = gen.Uniform(5, budget.max_events);
  int made = 0;
  while (made < events) {
    std::vector<Event> batch;
    for (int n = gen.Uniform(1, 5); n > 0 && made < events; --n, ++made)
      batch.push_back(gen.Next());
    auto appended = ledger->AppendEvents(batch);
    if (!appended.ok()) {
      return absl::StrCat(where,
                          "the ledger refused a generated batch: ", appended.status().ToString());
    }
    for (const auto& a : appended->events) {
      if (a.duplicate) ++stats->duplicates;
    }
    for (const Event& e : batch) {
      if (e.has_correction()) ++stats->corrections;
      if (e.has_retraction()) ++stats->retractions;
    }
    if (gen.Chance(25)) {
      if (gen.Chance(30)) {  // restart: close and reopen the views
        views.reset();
        auto v = Views::Open(db, vo);
        if (!v.ok()) return v.status().ToString();
        views = *std::move(v);
        ++stats->restarts;
      }
      auto c = views->CatchUp(*ledger);
      if (!c.ok()) return absl::StrCat(where, c.status().ToString());
      if (gen.Chance(40)) {
        const std::string d = Difference(*views, testing_support::ReferenceProject(records()));
        ++stats->incremental_checks;
        if (!d.empty()) return absl::StrCat(where, "after ", views->checkpoint(), " records, ", d);
      }
      if (gen.Chance(30)) {
        auto dg = views->Digests();
        if (!dg.ok()) return dg.status().ToString();
        snapshots.emplace_back(views->checkpoint(), *dg);
      }
    }
  }
  stats->events += made;
  auto c = views->CatchUp(*ledger);
  if (!c.ok()) return absl::StrCat(where, c.status().ToString());
  const std::vector<LedgerRecord> all = records();
  if (std::string d = Difference(*views, testing_support::ReferenceProject(all)); !d.empty()) {
    return absl::StrCat(where, "at the head (", all.size(), " records), ", d);
  }
  ++stats->incremental_checks;

  ScratchOptions mem;
  mem.in_memory = true;
  mem.batch_records = gen.Uniform(1, 64);
  if (gen.Chance(50)) mem.bulk_memory_bytes = gen.Uniform(1, 20000);
  for (int i = 0; i < budget.as_of_checks; ++i) {
    const uint64_t n = gen.Uniform(0, static_cast<int>(all.size()));
    // Half from position 0 (in memory), half from the views' snapshots.
    ScratchOptions on_disk;
    on_disk.dir = dir.Sub(absl::StrCat("as-of-", i));
    auto past = i % 2 == 0 ? BuildAsOf(*ledger, n, mem) : views->AsOf(*ledger, n, on_disk);
    if (!past.ok()) return absl::StrCat(where, past.status().ToString());
    const std::string d = Difference(**past, testing_support::ReferenceProject(Prefix(all, n)));
    ++stats->as_of_checks;
    if (!d.empty()) return absl::StrCat(where, "as of ", n, ", ", d);
  }
  for (const auto& [size, digests] : snapshots) {
    auto past = BuildAsOf(*ledger, size, mem);
    if (!past.ok()) return absl::StrCat(where, past.status().ToString());
    auto dg = (*past)->Digests();
    if (!dg.ok()) return dg.status().ToString();
    ++stats->digest_checks;
    if (*dg != digests) {
      return absl::StrCat(where, "as of ", size,
                          " the digests differ from the incremental ones: ", ToJson(*dg), " vs ",
                          ToJson(digests));
    }
  }
  auto report = VerifyViews(*ledger, *views, mem);
  if (!report.ok()) return absl::StrCat(where, report.status().ToString());
  ++stats->digest_checks;
  if (!report->ok()) return absl::StrCat(where, "rebuild: ", report->problem);
  ++stats->logs;
  return "";
}

TEST(ProjectionPropertyTest, ViewsEqualTheReferenceIncrementallyAsOfAndAfterRebuild) {
  const Budget budget = GetBudget();
  std::vector<uint64_t> seeds;
  if (const char* s = std::getenv("LEDGER_PROPERTY_SEED"); s != nullptr && *s != '\0') {
    seeds.push_back(std::strtoull(s, nullptr, 10));
  } else {
    for (int i = 0; i < budget.logs; ++i) seeds.push_back(1000 + i);
  }
  Stats stats;
  const absl::Time start = absl::Now();
  for (uint64_t seed : seeds) {
    if (OutOfTime(budget, start, stats.logs)) break;
    const std::string failure = RunLog(seed, budget, &stats);
    ASSERT_EQ(failure, "") << "reproduce with LEDGER_PROPERTY_SEED=" << seed;
  }
  std::printf(
      "[ property ] %d logs, %d events (%d duplicates skipped, %d corrections, %d retractions), "
      "%d restarts; %d incremental, %d as-of and %d digest comparisons in %s\n",
      stats.logs, stats.events, stats.duplicates, stats.corrections, stats.retractions,
      stats.restarts, stats.incremental_checks, stats.as_of_checks, stats.digest_checks,
      absl::FormatDuration(absl::Now() - start).c_str());
}

// A member value made from an event's bytes (a wire-format filter, the path
// every apply takes) equals the one built field by field from the message,
// for every kind of generated event (corrections' replacements too), with
// and without the optional fields.
TEST(ProjectionPropertyTest, MemberValueFromBytesEqualsTheMemberBuiltFieldByField) {
  Generator gen(77);
  int handovers_with_ids = 0;
  for (int i = 0; i < 5000; ++i) {
    Event e = gen.Next();
    std::vector<Event> versions = {e};
    if (e.has_correction()) versions.push_back(e.correction().replacement());
    for (Event& v : versions) {
      if (gen.Chance(30)) v.set_recorded_by("importer-7");
      if (v.has_arrest() && gen.Chance(30)) v.mutable_arrest()->mutable_agency()->set_name("X");
      if (v.has_arrest() && gen.Chance(20)) v.mutable_arrest()->clear_location();
      if (v.has_handover() && v.handover().suspect_ids_size() > 0) ++handovers_with_ids;
      std::string bytes, filtered;
      ASSERT_TRUE(ledger::SerializeEventDeterministic(v, &bytes));
      ASSERT_TRUE(projections::internal::MemberValueFromBytes(bytes, &filtered));
      ASSERT_EQ(filtered, projections::internal::MemberValue(v)) << v.DebugString();
    }
  }
  EXPECT_GT(handovers_with_ids, 10);
  std::string out;
  EXPECT_FALSE(projections::internal::MemberValueFromBytes(std::string("\x0a\x05" "ab", 4), &out));
}

// Every prefix of a random log, one record at a time: a scratch store caught
// up record by record (a commit per record) answers what the reference
// answers for that prefix. Cheap (one store per log), so it checks many
// more sequences than the test above.
TEST(ProjectionPropertyTest, EveryPrefixOfARandomLogMatchesTheReference) {
  Budget budget{25, 70, 0, 6, 15};
  if (Env("LEDGER_TEST_LONG")) budget = {300, 150, 0, 300, 0};
  if (Env("LEDGER_SANITIZER_BUILD")) budget = {4, 40, 0, 2, 15};
  int prefixes = 0, logs = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < budget.logs && !OutOfTime(budget, start, i); ++i, ++logs) {
    const uint64_t seed = 5000 + i;
    Generator gen(seed);
    FastTempDir dir;
    ledger::OpenOptions lo;
    lo.create_if_missing = true;
    lo.origin = "property.example/log";
    lo.durability = ledger::Durability::kBulk;
    auto opened = ledger::Ledger::Open(dir.Sub("db"), lo);
    ASSERT_TRUE(opened.ok()) << opened.status();
    const int events = gen.Uniform(5, budget.max_events);
    for (int made = 0; made < events;) {
      std::vector<Event> batch;
      for (int n = gen.Uniform(1, 4); n > 0 && made < events; --n, ++made) {
        batch.push_back(gen.Next());
      }
      auto appended = (*opened)->AppendEvents(batch);
      ASSERT_TRUE(appended.ok()) << "seed " << seed << ": " << appended.status();
    }
    std::vector<LedgerRecord> all;
    auto read = (*opened)->Read(0, (*opened)->GetHead().tree_size);
    ASSERT_TRUE(read.ok()) << read.status();
    for (auto& r : *read) all.push_back(std::move(r.record));
    ScratchOptions mem;
    mem.in_memory = true;
    mem.batch_records = 1;
    auto views = Views::OpenScratch(mem);
    ASSERT_TRUE(views.ok()) << views.status();
    for (uint64_t n = 1; n <= all.size(); ++n) {
      auto c = (*views)->CatchUpTo(**opened, n);
      ASSERT_TRUE(c.ok()) << "seed " << seed << ": " << c.status();
      const std::string d =
          Difference(**views, testing_support::ReferenceProject(Prefix(all, n)));
      ASSERT_EQ(d, "") << "seed " << seed << ", after " << n << " records";
      ++prefixes;
    }
  }
  std::printf("[ property ] %d logs, every prefix: %d sequences compared in %s\n", logs, prefixes,
              absl::FormatDuration(absl::Now() - start).c_str());
}

// Random logs with erasures of known and unseen subjects among their events:
// every prefix matches the reference (which treats erased subjects as
// erased), and a store caught up in random batches has the digests of a
// rebuild.
TEST(ProjectionPropertyTest, RandomLogsWithErasuresMatchTheReferenceAndTheRebuild) {
  Budget budget{20, 60, 0, 5, 15};
  if (Env("LEDGER_TEST_LONG")) budget = {200, 150, 0, 200, 0};
  if (Env("LEDGER_SANITIZER_BUILD")) budget = {4, 40, 0, 2, 15};
  const std::vector<std::string> subjects = {"s0", "s1", "s2", "s-\xC3\xBC", "s-unseen"};
  int prefixes = 0, logs = 0, erasures = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < budget.logs && !OutOfTime(budget, start, i); ++i, ++logs) {
    const uint64_t seed = 9000 + i;
    Generator gen(seed);
    FastTempDir dir;
    const std::string db = dir.Sub("db");
    ledger::OpenOptions lo;
    lo.create_if_missing = true;
    lo.origin = "property.example/log";
    lo.durability = ledger::Durability::kBulk;
    std::vector<std::pair<uint64_t, Event>> erase;  // position, the erasure it becomes
    {
      auto opened = ledger::Ledger::Open(db, lo);
      ASSERT_TRUE(opened.ok()) << opened.status();
      const int events = gen.Uniform(5, budget.max_events);
      for (int made = 0; made < events; ++made) {
        if (gen.Chance(10)) {
          Event e;
          e.set_event_id(absl::StrCat("erasure-", made));
          const std::string subject = subjects[gen.Uniform(0, subjects.size() - 1)];
          e.set_stream("suspect/" + subject);
          e.mutable_occurred_at()->set_seconds(1546300800 + gen.Uniform(0, 7 * 365) * 86400);
          e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
          e.mutable_source()->set_reference("erase order");
          Event placeholder = e;
          placeholder.mutable_release()->set_suspect_id(subject);
          e.mutable_erasure()->set_subject_id(subject);
          e.mutable_erasure()->set_authority(absl::StrCat("court order ", made));
          e.mutable_erasure()->set_reason(gen.Chance(50) ? "acquitted" : "retention expired");
          erase.emplace_back((*opened)->GetHead().tree_size, e);
          auto appended = (*opened)->AppendEvents({placeholder});
          ASSERT_TRUE(appended.ok()) << appended.status();
          continue;
        }
        auto appended = (*opened)->AppendEvents({gen.Next()});
        ASSERT_TRUE(appended.ok()) << "seed " << seed << ": " << appended.status();
      }
    }
    for (const auto& [pos, e] : erase) {
      testing_support::RewriteEvent(db, pos, [&](Event* r) { *r = e; });
    }
    erasures += static_cast<int>(erase.size());
    auto opened = ledger::Ledger::Open(db, lo);
    ASSERT_TRUE(opened.ok()) << opened.status();
    std::vector<LedgerRecord> all;
    auto read = (*opened)->Read(0, (*opened)->GetHead().tree_size);
    ASSERT_TRUE(read.ok()) << read.status();
    for (auto& r : *read) all.push_back(std::move(r.record));
    ScratchOptions mem;
    mem.in_memory = true;
    mem.batch_records = 1;
    auto views = Views::OpenScratch(mem);
    ASSERT_TRUE(views.ok()) << views.status();
    for (uint64_t n = 1; n <= all.size(); ++n) {
      auto c = (*views)->CatchUpTo(**opened, n);
      ASSERT_TRUE(c.ok()) << "seed " << seed << ": " << c.status();
      const std::string d =
          Difference(**views, testing_support::ReferenceProject(Prefix(all, n)));
      ASSERT_EQ(d, "") << "seed " << seed << ", after " << n << " records";
      ++prefixes;
    }
    // Persistent views caught up in random steps, then checked against a rebuild.
    ViewsOptions vo;
    vo.batch_records = gen.Uniform(1, 20);
    if (gen.Chance(50)) vo.bulk_memory_bytes = gen.Uniform(1, 20000);
    auto persistent = Views::Open(db, vo);
    ASSERT_TRUE(persistent.ok()) << persistent.status();
    for (uint64_t n = 0; n < all.size();) {
      n = std::min<uint64_t>(all.size(), n + gen.Uniform(1, 15));
      auto c = (*persistent)->CatchUpTo(**opened, n);
      ASSERT_TRUE(c.ok()) << "seed " << seed << ": " << c.status();
    }
    ScratchOptions rebuild;
    rebuild.in_memory = true;
    if (gen.Chance(50)) rebuild.bulk_memory_bytes = gen.Uniform(1, 20000);
    auto report = VerifyViews(**opened, **persistent, rebuild);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->ok()) << "seed " << seed << ": " << report->problem;
  }
  EXPECT_GE(erasures, logs);  // about two per log: the sanitizer budget runs 4 logs
  std::printf("[ property ] %d logs with %d erasures, every prefix: %d sequences compared in %s\n",
              logs, erasures, prefixes, absl::FormatDuration(absl::Now() - start).c_str());
}

}  // namespace
}  // namespace projections
