#include "tools/cli/gen.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "util/output_file.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tools/cli/event_id.h"
#include "tools/cli/ndjson.h"

namespace cli {

using enforcement::v1::Event;
using enforcement::v1::Precision;
using enforcement::v1::Role;

namespace {

// Countries where operations happen, with a place and region each.
struct Place {
  const char* country;
  const char* place;
  const char* region;
  const char* agency;
};
constexpr Place kPlaces[] = {
    {"MM", "Myawaddy", "Kayin State", "Myanmar Police Force"},
    {"MM", "Muse", "Shan State", "Myanmar Police Force"},
    {"MM", "Laukkaing", "Shan State", "Myanmar Police Force"},
    {"KH", "Sihanoukville", "Preah Sihanouk", "Cambodian National Police"},
    {"KH", "Bavet", "Svay Rieng", "Cambodian National Police"},
    {"LA", "Boten", "Luang Namtha", "Lao Police"},
    {"PH", "Pasay", "Metro Manila", "Philippine National Police"},
    {"TH", "Mae Sot", "Tak", "Royal Thai Police"},
};
// Foreign nationalities among the detained, after the majority CN.
constexpr const char* kForeign[] = {"VN", "ID", "MY", "TH", "PH"};
struct Receiver {
  const char* country;
  const char* agency;
};
constexpr Receiver kReceivers[] = {
    {"CN", "Ministry of Public Security"}, {"VN", "Ministry of Public Security of Viet Nam"},
    {"ID", "Indonesian National Police"},  {"MY", "Royal Malaysia Police"},
    {"TH", "Royal Thai Police"},           {"PH", "Philippine National Police"},
    {"MM", "Myanmar Police Force"},        {"KH", "Cambodian National Police"},
    {"LA", "Lao Police"}};
constexpr const char* kPublishers[] = {"Xinhua", "Ministry of Public Security", "Global Times",
                                       "The Irrawaddy", "Khmer Times", "Bangkok Post",
                                       "Supreme People's Court"};
constexpr const char* kCourts[] = {"Wenzhou Intermediate People's Court",
                                   "Lishui Intermediate People's Court",
                                   "Xiamen Intermediate People's Court",
                                   "Fujian Higher People's Court"};
constexpr const char* kOffences[] = {"fraud", "telecom fraud", "organizing illegal border crossing",
                                     "illegal detention", "casino crimes"};
constexpr const char* kGiven[] = {"Wei", "Ming", "Jun", "Hao", "Lei", "Tao", "Xin", "Bai", "Lan",
                                  "Hui"};
constexpr const char* kFamily[] = {"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Xu",
                                   "Huang", "Zhou"};
constexpr const char* kSeized[] = {"computers", "mobile phones", "SIM cards", "bank cards",
                                   "vehicles"};

constexpr int kConcurrentOperations = 3;
constexpr size_t kTargetPool = 2048;
constexpr int64_t kFirstDay = 17897;  // 2019-01-01 in days since the Unix epoch
constexpr int64_t kDays = 2000;

void SetTime(google::protobuf::Timestamp* ts, int64_t seconds) {
  ts->set_seconds(seconds);
  ts->set_nanos(0);
}

int64_t DaySeconds(int64_t day) { return day * 86400; }
int64_t MonthStartSeconds(int64_t day) {
  const absl::CivilDay d = absl::ToCivilDay(absl::FromUnixSeconds(day * 86400), absl::UTCTimeZone());
  return absl::ToUnixSeconds(absl::FromCivil(absl::CivilMonth(d), absl::UTCTimeZone()));
}

}  // namespace

struct EventGenerator::State {
  struct Suspect {
    std::string id;
    std::string name;
    std::string nationality;
    Role role = enforcement::v1::ROLE_MEMBER;
    bool known = false;  // arrested individually (has an arrest event)
  };
  struct Operation {
    std::string id;
    const Place* place = nullptr;
    int64_t day0 = 0;
    std::deque<Event> pending;
  };
  struct Target {
    std::string id;
    Event event;  // without correction history; body as recorded
  };

  uint64_t seed;
  bool explicit_ids;
  uint64_t rng;
  uint64_t emitted = 0;
  uint64_t operations = 0;
  std::vector<Operation> active;
  std::deque<Target> targets;
  // Cumulative handovers per (from, to) for reported figures.
  int64_t handed_total = 0;

  uint64_t Rand() {  // splitmix64: fixed, portable
    uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int64_t Uniform(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(Rand() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(int per_mille) { return Uniform(0, 999) < per_mille; }
  template <size_t N>
  const char* Pick(const char* const (&a)[N]) {
    return a[Uniform(0, N - 1)];
  }

  void Source(Event* e, int64_t day) {
    auto* s = e->mutable_source();
    s->set_publisher(Pick(kPublishers));
    s->set_title(absl::StrCat("Report ", Uniform(1000, 99999)));
    s->set_url(absl::StrCat("https://news.example.org/", seed, "/", Uniform(100000, 999999)));
    SetTime(s->mutable_published_at(), DaySeconds(day + Uniform(0, 3)));
    e->set_recorded_by(absl::StrCat("ledger gen --seed ", seed));
  }

  void Occurred(Event* e, int64_t day, bool allow_month) {
    const int64_t r = Uniform(0, 9);
    if (allow_month && r == 0) {
      SetTime(e->mutable_occurred_at(), MonthStartSeconds(day));
      e->set_occurred_precision(enforcement::v1::PRECISION_MONTH);
    } else if (r <= 2) {
      SetTime(e->mutable_occurred_at(), DaySeconds(day) + Uniform(6, 22) * 3600 + Uniform(0, 59) * 60);
      e->set_occurred_precision(enforcement::v1::PRECISION_EXACT);
    } else {
      SetTime(e->mutable_occurred_at(), DaySeconds(day));
      e->set_occurred_precision(enforcement::v1::PRECISION_DAY);
    }
  }

  // Plans a whole operation: its events, in the order they are recorded.
  Operation NewOperation() {
    Operation op;
    const uint64_t k = operations++;
    op.id = absl::StrCat("op-", seed, "-", k);
    op.place = &kPlaces[Uniform(0, std::size(kPlaces) - 1)];
    op.day0 = kFirstDay + Uniform(0, kDays);
    // Suspects: tens to hundreds, mostly CN, some of other nationalities.
    const double u = static_cast<double>(Uniform(0, 1000)) / 1000.0;
    const int n = 10 + static_cast<int>(390 * u * u);
    const int cn_share = static_cast<int>(Uniform(40, 85));
    std::vector<Suspect> suspects(n);
    const int ringleaders = static_cast<int>(Uniform(1, std::max<int64_t>(1, std::min(5, n / 20 + 1))));
    for (int i = 0; i < n; ++i) {
      Suspect& s = suspects[i];
      s.id = absl::StrCat("s-", seed, "-", k, "-", i);
      if (i < ringleaders || Uniform(0, 99) < cn_share) {
        s.nationality = "CN";
      } else if (Chance(300)) {
        s.nationality = op.place->country;
      } else {
        s.nationality = Pick(kForeign);
        if (s.nationality == op.place->country) s.nationality = "VN";
      }
      s.role = i < ringleaders ? enforcement::v1::ROLE_RINGLEADER
               : Chance(60)    ? enforcement::v1::ROLE_RECRUITER
               : Chance(60)    ? enforcement::v1::ROLE_MONEY_MULE
                               : enforcement::v1::ROLE_MEMBER;
      s.name = absl::StrCat(Pick(kFamily), " ", Pick(kGiven));
      s.known = i < ringleaders || Chance(static_cast<int>(Uniform(300, 1000)));
    }
    // The raid.
    {
      Event e;
      e.set_stream(absl::StrCat("operation/", op.id));
      Occurred(&e, op.day0, /*allow_month=*/true);
      Source(&e, op.day0 + 1);
      auto* raid = e.mutable_raid();
      raid->set_operation_id(op.id);
      raid->mutable_location()->set_place(op.place->place);
      raid->mutable_location()->set_region(op.place->region);
      raid->mutable_location()->set_country(op.place->country);
      auto* a = raid->add_agencies();
      a->set_name(op.place->agency);
      a->set_country(op.place->country);
      if (Chance(700)) {
        auto* b = raid->add_agencies();
        b->set_name("Ministry of Public Security");
        b->set_country("CN");
        raid->set_tip_from_country("CN");
      }
      raid->set_suspects_detained(n);
      std::map<std::string, int64_t> by;
      for (const Suspect& s : suspects) ++by[s.nationality];
      for (const auto& [nat, count] : by) (*raid->mutable_detained_by_nationality())[nat] = count;
      raid->set_ringleaders_detained(ringleaders);
      for (int i = 0, m = static_cast<int>(Uniform(1, 2)); i < m; ++i) {
        auto* item = raid->add_seized();
        item->set_item(kSeized[(i + Uniform(0, 4)) % std::size(kSeized)]);
        item->set_quantity(Chance(500) ? 0 : Uniform(5, 900));
      }
      if (i_note_++ % 3 == 0) raid->set_note(absl::StrCat("Joint operation, \"phase ", Uniform(1, 4), "\", with checkpoints, at dawn"));
      op.pending.push_back(std::move(e));
    }
    // Arrests of the individuals known by name.
    for (const Suspect& s : suspects) {
      if (!s.known) continue;
      Event e;
      e.set_stream(absl::StrCat("suspect/", s.id));
      Occurred(&e, op.day0, false);
      Source(&e, op.day0 + 1);
      auto* ar = e.mutable_arrest();
      ar->mutable_suspect()->set_suspect_id(s.id);
      if (!Chance(150)) ar->mutable_suspect()->set_name(s.name);
      ar->mutable_suspect()->set_nationality(s.nationality);
      ar->mutable_suspect()->set_role(s.role);
      ar->set_operation_id(op.id);
      ar->mutable_location()->set_place(op.place->place);
      ar->mutable_location()->set_country(op.place->country);
      ar->mutable_agency()->set_name(op.place->agency);
      ar->mutable_agency()->set_country(op.place->country);
      op.pending.push_back(std::move(e));
    }
    // Handovers of the foreign nationals, by nationality, in 1-3 batches.
    std::map<std::string, std::vector<const Suspect*>> groups;
    for (const Suspect& s : suspects) {
      if (s.nationality != op.place->country) groups[s.nationality].push_back(&s);
    }
    std::vector<const Suspect*> sentenced;
    int hk = 0;
    for (const auto& [nat, group] : groups) {
      if (nat != "CN" && Chance(300)) continue;  // not (yet) handed over
      const int batches = static_cast<int>(std::min<int64_t>(Uniform(1, 3), group.size()));
      size_t from = 0;
      int64_t day = op.day0 + Uniform(3, 20);
      for (int b = 0; b < batches; ++b) {
        const size_t to = b + 1 == batches ? group.size()
                                           : from + std::max<size_t>(1, group.size() / batches);
        Event e;
        e.set_stream(absl::StrCat("handover/", op.id, "-", hk++));
        SetTime(e.mutable_occurred_at(), DaySeconds(day));
        e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
        Source(&e, day + 1);
        auto* h = e.mutable_handover();
        h->set_from_country(op.place->country);
        h->set_to_country(nat);
        h->mutable_from_agency()->set_name(op.place->agency);
        h->mutable_from_agency()->set_country(op.place->country);
        for (const Receiver& r : kReceivers) {
          if (nat == r.country) {
            h->mutable_to_agency()->set_name(r.agency);
            h->mutable_to_agency()->set_country(r.country);
          }
        }
        int64_t ringleaders_moved = 0;
        for (size_t i = from; i < to; ++i) {
          if (group[i]->known) h->add_suspect_ids(group[i]->id);
          if (group[i]->role == enforcement::v1::ROLE_RINGLEADER) ++ringleaders_moved;
          if (nat == "CN" && group[i]->known &&
              (group[i]->role == enforcement::v1::ROLE_RINGLEADER || Chance(200))) {
            sentenced.push_back(group[i]);
          }
        }
        h->set_suspects_count(static_cast<int64_t>(to - from));
        h->set_ringleaders_count(ringleaders_moved);
        h->set_nationality(nat);
        h->set_operation_id(op.id);
        handed_total += static_cast<int64_t>(to - from);
        op.pending.push_back(std::move(e));
        from = to;
        day += Uniform(1, 14);
      }
    }
    // Sentencings, months later, one case per operation.
    const int64_t verdict_day = op.day0 + Uniform(120, 700);
    for (const Suspect* s : sentenced) {
      Event e;
      e.set_stream(absl::StrCat("case/", op.id));
      if (Chance(500)) {
        SetTime(e.mutable_occurred_at(), MonthStartSeconds(verdict_day));
        e.set_occurred_precision(enforcement::v1::PRECISION_MONTH);
      } else {
        SetTime(e.mutable_occurred_at(), DaySeconds(verdict_day));
        e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
      }
      Source(&e, verdict_day + Uniform(0, 30));
      auto* st = e.mutable_sentencing();
      st->set_case_id(op.id);
      st->set_court(Pick(kCourts));
      st->set_suspect_id(s->id);
      st->set_role(s->role);
      st->add_offences("fraud");
      if (Chance(500)) st->add_offences(Pick(kOffences));
      const bool ringleader = s->role == enforcement::v1::ROLE_RINGLEADER;
      st->set_prison_months(ringleader ? Uniform(120, 240) : Uniform(6, 96));
      st->set_victims(Uniform(ringleader ? 50 : 1, ringleader ? 500 : 40));
      st->mutable_amount_defrauded()->set_currency("CNY");
      st->mutable_amount_defrauded()->set_minor_units(Uniform(1000, 3000000) * 1000);
      SetTime(st->mutable_offence_from(), MonthStartSeconds(op.day0 - Uniform(200, 900)));
      st->set_offence_from_precision(enforcement::v1::PRECISION_MONTH);
      SetTime(st->mutable_offence_to(), MonthStartSeconds(op.day0));
      st->set_offence_to_precision(enforcement::v1::PRECISION_MONTH);
      st->set_instance(enforcement::v1::INSTANCE_FIRST);
      st->set_suspect_name(s->name);
      st->set_suspect_nationality(s->nationality);
      op.pending.push_back(std::move(e));
    }
    return op;
  }

  Event Figure() {
    Event e;
    const int64_t day = kFirstDay + Uniform(0, kDays);
    e.set_stream("figure/suspects-handed-over-to-cn");
    SetTime(e.mutable_occurred_at(), DaySeconds(day));
    e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
    Source(&e, day);
    auto* f = e.mutable_reported_figure();
    f->set_metric("suspects_handed_over");
    f->set_to_country("CN");
    f->set_nationality("CN");
    SetTime(f->mutable_period_from(), DaySeconds(kFirstDay));
    f->set_period_from_precision(enforcement::v1::PRECISION_YEAR);
    SetTime(f->mutable_period_to(), DaySeconds(day));
    f->set_period_to_precision(enforcement::v1::PRECISION_DAY);
    f->set_value((handed_total / 100 + 1) * 100);
    f->set_approximate(true);
    return e;
  }

  Event Correction() {
    Target& t = targets[Uniform(0, targets.size() - 1)];
    Event e;
    e.set_stream(t.event.stream());
    *e.mutable_occurred_at() = t.event.occurred_at();
    e.set_occurred_precision(t.event.occurred_precision());
    Source(&e, t.event.occurred_at().seconds() / 86400 + 5);
    auto* c = e.mutable_correction();
    c->set_target_event_id(t.id);
    Event* r = c->mutable_replacement();
    if (t.event.has_arrest()) {
      *r->mutable_arrest() = t.event.arrest();
      auto* s = r->mutable_arrest()->mutable_suspect();
      if (Chance(500)) {
        s->set_role(s->role() == enforcement::v1::ROLE_MEMBER ? enforcement::v1::ROLE_RECRUITER
                                                              : enforcement::v1::ROLE_MEMBER);
        c->set_reason("role corrected after questioning");
      } else {
        s->set_nationality(s->nationality() == "CN" ? "VN" : "CN");
        c->set_reason("nationality corrected from passport records");
      }
    } else {
      *r->mutable_handover() = t.event.handover();
      r->mutable_handover()->set_suspects_count(t.event.handover().suspects_count() + Uniform(1, 3));
      c->set_reason("count revised in a later statement");
    }
    return e;
  }

  Event Retraction() {
    const size_t i = Uniform(0, targets.size() - 1);
    Event e;
    e.set_stream(targets[i].event.stream());
    *e.mutable_occurred_at() = targets[i].event.occurred_at();
    e.set_occurred_precision(targets[i].event.occurred_precision());
    Source(&e, targets[i].event.occurred_at().seconds() / 86400 + 7);
    e.mutable_retraction()->set_target_event_id(targets[i].id);
    e.mutable_retraction()->set_reason(Chance(500) ? "duplicate report of the same arrest"
                                                   : "source withdrew the report");
    // A retracted event is never targeted again.
    targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(i));
    return e;
  }

  Event NextEvent() {
    const int64_t r = Uniform(0, 999);
    if (r < 20 && !targets.empty()) return Correction();
    if (r < 25 && !targets.empty()) return Retraction();
    if (r < 28) return Figure();
    while (static_cast<int>(active.size()) < kConcurrentOperations) active.push_back(NewOperation());
    const size_t i = Uniform(0, active.size() - 1);
    Event e = std::move(active[i].pending.front());
    active[i].pending.pop_front();
    if (active[i].pending.empty()) active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
    return e;
  }

  uint64_t i_note_ = 0;
};

EventGenerator::EventGenerator(uint64_t seed, bool explicit_ids) : s_(new State()) {
  s_->seed = seed;
  s_->explicit_ids = explicit_ids;
  s_->rng = seed * 0x2545F4914F6CDD1DULL + 1;
}

EventGenerator::~EventGenerator() = default;

Event EventGenerator::Next() {
  Event e = s_->NextEvent();
  const uint64_t n = s_->emitted++;
  if (s_->explicit_ids) {
    e.set_event_id(absl::StrCat("gen-", s_->seed, "-", n));
  }
  const std::string id = s_->explicit_ids ? e.event_id() : DeriveEventId(e);
  if (e.has_arrest() || e.has_handover()) {
    s_->targets.push_back({id, e});
    s_->targets.back().event.clear_event_id();
    if (s_->targets.size() > kTargetPool) s_->targets.pop_front();
  }
  return e;
}

// ---------------------------------------------------------------------------
// CSV form

namespace {

// Column order of the generated CSV. data/generated.mapping maps them.
const char* const kColumns[] = {
    "event_id", "stream", "occurred", "publisher", "title", "url", "published", "reference",
    "recorded_by",
    // raid
    "raid_operation", "raid_place", "raid_region", "raid_country", "raid_agency1",
    "raid_agency1_country", "raid_agency2", "raid_agency2_country", "raid_tip_from",
    "raid_detained", "raid_CN", "raid_VN", "raid_ID", "raid_MY", "raid_TH", "raid_PH", "raid_MM",
    "raid_KH", "raid_LA", "raid_ringleaders", "raid_seized1_item", "raid_seized1_qty",
    "raid_seized2_item", "raid_seized2_qty", "raid_note",
    // arrest
    "arrest_suspect_id", "arrest_name", "arrest_nationality", "arrest_role", "arrest_operation",
    "arrest_place", "arrest_country", "arrest_agency", "arrest_agency_country",
    // handover
    "handover_from", "handover_to", "handover_from_agency", "handover_from_agency_country",
    "handover_to_agency", "handover_to_agency_country", "handover_suspect_ids", "handover_count",
    "handover_ringleaders", "handover_nationality", "handover_operation",
    // sentencing
    "sentencing_case", "sentencing_court", "sentencing_suspect_id", "sentencing_role",
    "sentencing_offences", "sentencing_prison_months", "sentencing_victims",
    "sentencing_amount_currency", "sentencing_amount_minor", "sentencing_offence_from",
    "sentencing_offence_to", "sentencing_instance", "sentencing_suspect_name",
    "sentencing_suspect_nationality",
    // reported figure
    "figure_metric", "figure_from", "figure_to", "figure_nationality", "figure_period_from",
    "figure_period_to", "figure_value", "figure_approximate",
    // correction (of an arrest or a handover) and retraction
    "correction_target", "correction_reason", "corr_arrest_suspect_id", "corr_arrest_name",
    "corr_arrest_nationality", "corr_arrest_role", "corr_arrest_operation", "corr_arrest_place",
    "corr_arrest_country", "corr_arrest_agency", "corr_arrest_agency_country",
    "corr_handover_from", "corr_handover_to", "corr_handover_from_agency",
    "corr_handover_from_agency_country", "corr_handover_to_agency",
    "corr_handover_to_agency_country", "corr_handover_suspect_ids", "corr_handover_count",
    "corr_handover_ringleaders", "corr_handover_nationality", "corr_handover_operation",
    "retraction_target", "retraction_reason"};

std::string Date(const google::protobuf::Timestamp& ts, Precision p) {
  const absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  const absl::TimeZone utc = absl::UTCTimeZone();
  switch (p) {
    case enforcement::v1::PRECISION_YEAR: return absl::FormatTime("%Y", t, utc);
    case enforcement::v1::PRECISION_MONTH: return absl::FormatTime("%Y-%m", t, utc);
    case enforcement::v1::PRECISION_DAY: return absl::FormatTime("%Y-%m-%d", t, utc);
    default: return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, utc);
  }
}
std::string Num(int64_t v) { return v == 0 ? std::string() : absl::StrCat(v); }
std::string RoleName(Role r) {
  return r == enforcement::v1::ROLE_UNSPECIFIED ? std::string() : enforcement::v1::Role_Name(r);
}

class RowBuilder {
 public:
  RowBuilder() : cells_(std::size(kColumns)) {}
  void Set(const char* column, std::string value) {
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      if (std::strcmp(kColumns[i], column) == 0) {
        cells_[i] = std::move(value);
        return;
      }
    }
  }
  std::vector<std::string> Take() { return std::move(cells_); }

 private:
  std::vector<std::string> cells_;
};

void ArrestCells(const enforcement::v1::Arrest& a, const std::string& p, RowBuilder* b) {
  b->Set((p + "arrest_suspect_id").c_str(), a.suspect().suspect_id());
  b->Set((p + "arrest_name").c_str(), a.suspect().name());
  b->Set((p + "arrest_nationality").c_str(), a.suspect().nationality());
  b->Set((p + "arrest_role").c_str(), RoleName(a.suspect().role()));
  b->Set((p + "arrest_operation").c_str(), a.operation_id());
  b->Set((p + "arrest_place").c_str(), a.location().place());
  b->Set((p + "arrest_country").c_str(), a.location().country());
  b->Set((p + "arrest_agency").c_str(), a.agency().name());
  b->Set((p + "arrest_agency_country").c_str(), a.agency().country());
}

void HandoverCells(const enforcement::v1::Handover& h, const std::string& p, RowBuilder* b) {
  b->Set((p + "handover_from").c_str(), h.from_country());
  b->Set((p + "handover_to").c_str(), h.to_country());
  b->Set((p + "handover_from_agency").c_str(), h.from_agency().name());
  b->Set((p + "handover_from_agency_country").c_str(), h.from_agency().country());
  b->Set((p + "handover_to_agency").c_str(), h.to_agency().name());
  b->Set((p + "handover_to_agency_country").c_str(), h.to_agency().country());
  b->Set((p + "handover_suspect_ids").c_str(), absl::StrJoin(h.suspect_ids(), ";"));
  b->Set((p + "handover_count").c_str(), Num(h.suspects_count()));
  b->Set((p + "handover_ringleaders").c_str(), Num(h.ringleaders_count()));
  b->Set((p + "handover_nationality").c_str(), h.nationality());
  b->Set((p + "handover_operation").c_str(), h.operation_id());
}

}  // namespace

const std::vector<std::string>& GenCsvHeader() {
  static const auto* const kHeader = new std::vector<std::string>(std::begin(kColumns), std::end(kColumns));
  return *kHeader;
}

std::vector<std::string> GenCsvRow(const Event& e) {
  RowBuilder b;
  b.Set("event_id", e.event_id());
  b.Set("stream", e.stream());
  b.Set("occurred", Date(e.occurred_at(), e.occurred_precision()));
  b.Set("publisher", e.source().publisher());
  b.Set("title", e.source().title());
  b.Set("url", e.source().url());
  if (e.source().has_published_at()) {
    b.Set("published", Date(e.source().published_at(), enforcement::v1::PRECISION_DAY));
  }
  b.Set("reference", e.source().reference());
  b.Set("recorded_by", e.recorded_by());
  if (e.has_raid()) {
    const auto& r = e.raid();
    b.Set("raid_operation", r.operation_id());
    b.Set("raid_place", r.location().place());
    b.Set("raid_region", r.location().region());
    b.Set("raid_country", r.location().country());
    if (r.agencies_size() > 0) {
      b.Set("raid_agency1", r.agencies(0).name());
      b.Set("raid_agency1_country", r.agencies(0).country());
    }
    if (r.agencies_size() > 1) {
      b.Set("raid_agency2", r.agencies(1).name());
      b.Set("raid_agency2_country", r.agencies(1).country());
    }
    b.Set("raid_tip_from", r.tip_from_country());
    b.Set("raid_detained", Num(r.suspects_detained()));
    for (const auto& [nat, count] : r.detained_by_nationality()) {
      b.Set(absl::StrCat("raid_", nat).c_str(), absl::StrCat(count));
    }
    b.Set("raid_ringleaders", Num(r.ringleaders_detained()));
    if (r.seized_size() > 0) {
      b.Set("raid_seized1_item", r.seized(0).item());
      b.Set("raid_seized1_qty", Num(r.seized(0).quantity()));
    }
    if (r.seized_size() > 1) {
      b.Set("raid_seized2_item", r.seized(1).item());
      b.Set("raid_seized2_qty", Num(r.seized(1).quantity()));
    }
    b.Set("raid_note", r.note());
  } else if (e.has_arrest()) {
    ArrestCells(e.arrest(), "", &b);
  } else if (e.has_handover()) {
    HandoverCells(e.handover(), "", &b);
  } else if (e.has_sentencing()) {
    const auto& s = e.sentencing();
    b.Set("sentencing_case", s.case_id());
    b.Set("sentencing_court", s.court());
    b.Set("sentencing_suspect_id", s.suspect_id());
    b.Set("sentencing_role", RoleName(s.role()));
    b.Set("sentencing_offences", absl::StrJoin(s.offences(), ";"));
    b.Set("sentencing_prison_months", Num(s.prison_months()));
    b.Set("sentencing_victims", Num(s.victims()));
    b.Set("sentencing_amount_currency", s.amount_defrauded().currency());
    b.Set("sentencing_amount_minor", Num(s.amount_defrauded().minor_units()));
    if (s.has_offence_from()) b.Set("sentencing_offence_from", Date(s.offence_from(), s.offence_from_precision()));
    if (s.has_offence_to()) b.Set("sentencing_offence_to", Date(s.offence_to(), s.offence_to_precision()));
    if (s.instance() != enforcement::v1::INSTANCE_UNSPECIFIED) {
      b.Set("sentencing_instance", enforcement::v1::Instance_Name(s.instance()));
    }
    b.Set("sentencing_suspect_name", s.suspect_name());
    b.Set("sentencing_suspect_nationality", s.suspect_nationality());
  } else if (e.has_reported_figure()) {
    const auto& f = e.reported_figure();
    b.Set("figure_metric", f.metric());
    b.Set("figure_from", f.from_country());
    b.Set("figure_to", f.to_country());
    b.Set("figure_nationality", f.nationality());
    if (f.has_period_from()) b.Set("figure_period_from", Date(f.period_from(), f.period_from_precision()));
    if (f.has_period_to()) b.Set("figure_period_to", Date(f.period_to(), f.period_to_precision()));
    b.Set("figure_value", Num(f.value()));
    b.Set("figure_approximate", f.approximate() ? "true" : "");
  } else if (e.has_correction()) {
    b.Set("correction_target", e.correction().target_event_id());
    b.Set("correction_reason", e.correction().reason());
    if (e.correction().replacement().has_arrest()) {
      ArrestCells(e.correction().replacement().arrest(), "corr_", &b);
    } else {
      HandoverCells(e.correction().replacement().handover(), "corr_", &b);
    }
  } else if (e.has_retraction()) {
    b.Set("retraction_target", e.retraction().target_event_id());
    b.Set("retraction_reason", e.retraction().reason());
  }
  return b.Take();
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('\n');
  return out;
}

// ---------------------------------------------------------------------------
// The command.

int RunGen(const Invocation& inv) {
  absl::StatusOr<std::optional<uint64_t>> events = inv.args.GetUint("events");
  if (!events.ok()) return inv.UsageError(events.status().message());
  absl::StatusOr<std::optional<uint64_t>> seed = inv.args.GetUint("seed");
  if (!seed.ok()) return inv.UsageError(seed.status().message());
  if (!events->has_value()) return inv.UsageError("--events N is required");
  if (!seed->has_value()) return inv.UsageError("--seed S is required (the output depends only on it)");
  const std::string format = inv.args.GetOr("format", "ndjson");
  if (format != "ndjson" && format != "csv") {
    return inv.UsageError(absl::StrCat("--format wants ndjson or csv, not \"", format, "\""));
  }
  const std::string out_path = inv.args.GetOr("out", "-");
  FILE* out = stdout;
  // --out FILE: under the output-file policy (docs/FILES.md), written to a
  // temporary file beside it and renamed over it when complete.
  std::unique_ptr<ledger::OutputFile> file;
  if (out_path != "-") {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> created =
        ledger::OutputFile::Create(out_path, {"--out", {}});
    if (!created.ok()) return OutputError(inv, created.status());
    file = *std::move(created);
    out = file->file();
  }
  EventGenerator gen(**seed, !inv.args.Has("no-ids"));
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool()));
  google::protobuf::util::JsonPrintOptions print;
  bool ok = true;
  if (format == "csv") ok = WriteTo(out, CsvLine(GenCsvHeader()));
  std::string line;
  for (uint64_t i = 0; ok && i < **events; ++i) {
    const Event e = gen.Next();
    if (format == "csv") {
      line = CsvLine(GenCsvRow(e));
    } else {
      // Via the deterministic binary form, so that map keys come out sorted
      // (MessageToJsonString follows the in-memory map's hash order).
      std::string binary;
      ledger::SerializeEventDeterministic(e, &binary);
      line.clear();
      const auto status = google::protobuf::util::BinaryToJsonString(
          resolver.get(), "type.googleapis.com/enforcement.v1.Event", binary, &line, print);
      if (!status.ok()) return inv.Fail(kExitInternal, std::string(status.message()));
      line.push_back('\n');
    }
    ok = WriteTo(out, line);
  }
  if (file) {
    if (!ok) return inv.Fail(kExitInternal, absl::StrCat("cannot write ", out_path));
    if (absl::Status c = file->Commit(); !c.ok()) {
      return inv.Fail(c.code() == absl::StatusCode::kFailedPrecondition ? kExitUsage : kExitInternal,
                      c.message());
    }
  } else if (!ok) {
    if (StdoutClosed()) return kExitOk;
    return inv.Fail(kExitInternal, "cannot write to standard output");
  }
  return kExitOk;
}

}  // namespace cli
