#include "workload/story.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace workload::internal {

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

struct Story::State {
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
  std::function<std::string(const Event&)> derive_event_id;  // set when !explicit_ids
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

Story::Story(uint64_t seed, std::function<std::string(const Event&)> derive_event_id)
    : s_(new State()) {
  s_->seed = seed;
  s_->explicit_ids = !derive_event_id;
  s_->derive_event_id = std::move(derive_event_id);
  s_->rng = seed * 0x2545F4914F6CDD1DULL + 1;
}

Story::~Story() = default;

Event Story::Next() {
  Event e = s_->NextEvent();
  const uint64_t n = s_->emitted++;
  if (s_->explicit_ids) {
    e.set_event_id(absl::StrCat("gen-", s_->seed, "-", n));
  }
  const std::string id = s_->explicit_ids ? e.event_id() : s_->derive_event_id(e);
  if (e.has_arrest() || e.has_handover()) {
    s_->targets.push_back({id, e});
    s_->targets.back().event.clear_event_id();
    if (s_->targets.size() > kTargetPool) s_->targets.pop_front();
  }
  return e;
}

}  // namespace workload::internal
