// The reference projection: everything recomputed from the whole list of
// records, in memory, the simplest way we could think of. See the header.
#include "tests/support/reference_projection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace testing_support {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;
using projections::Contributor;
using projections::Date;
using projections::TimelineKind;

// --- dates, with std::chrono (projections/ uses absl) ---------------------------

std::chrono::year_month_day Ymd(int64_t seconds) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(
      std::chrono::sys_seconds(std::chrono::seconds(seconds))));
}

int64_t Seconds(const std::chrono::year_month_day& ymd) {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::sys_days(ymd).time_since_epoch())
      .count();
}

// [start, end) of the unit a date stands for, as (seconds, nanos).
using Instant = std::pair<int64_t, int32_t>;
Instant Start(const Date& d) { return {d.seconds, d.nanos}; }
Instant End(const Date& d) {
  using namespace std::chrono;
  switch (d.precision) {
    case enforcement::v1::PRECISION_DAY:
      return {d.seconds + 24 * 3600, d.nanos};
    case enforcement::v1::PRECISION_MONTH: {
      const year_month_day ymd = Ymd(d.seconds);
      const year_month next = year_month(ymd.year(), ymd.month()) + months(1);
      return {Seconds(next / day(1)), 0};
    }
    case enforcement::v1::PRECISION_YEAR: {
      const year_month_day ymd = Ymd(d.seconds);
      return {Seconds((ymd.year() + years(1)) / January / day(1)), 0};
    }
    default:
      return d.nanos == 999999999 ? Instant{d.seconds + 1, 0} : Instant{d.seconds, d.nanos + 1};
  }
}

std::string YearOf(const Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", static_cast<int>(Ymd(d.seconds).year()));
  return buf;
}

std::string MonthOf(const Date& d) {
  const auto ymd = Ymd(d.seconds);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

Date DateOf(const google::protobuf::Timestamp& ts, enforcement::v1::Precision p) {
  Date d;
  d.seconds = ts.seconds();
  d.nanos = ts.nanos();
  d.precision = p;
  return d;
}

Date Occurred(const Event& e) { return DateOf(e.occurred_at(), e.occurred_precision()); }

bool IsFact(Event::BodyCase k) {
  return k == Event::kRelease || k == Event::kRaid || k == Event::kArrest || k == Event::kHandover ||
         k == Event::kSentencing || k == Event::kReportedFigure || k == Event::kErasure;
}

// --- the log, folded -----------------------------------------------------------

struct Node {
  const LedgerRecord* record = nullptr;
  Event::BodyCase kind = Event::BODY_NOT_SET;
  int64_t target = -1;        // fixes: position named
  int64_t root = -1;          // fixes: the fact at the root of the tree; -1 = no effect
  int64_t retracted_by = -1;  // facts and corrections
  // Facts.
  Event effective;
  int64_t winner = -1;        // correction whose body is in effect
  std::vector<int64_t> tree;  // corrections and retractions with this root, by position
  const Event& event() const { return record->event(); }
};

struct Log {
  std::vector<Node> nodes;

  bool Live(int64_t c) const {  // a correction
    const Node& n = nodes[c];
    if (n.retracted_by >= 0 || n.root < 0) return false;
    if (n.target == n.root) return true;
    return Live(n.target);
  }
  bool InEffect(int64_t f) const { return nodes[f].retracted_by < 0; }
};

Log Fold(const std::vector<LedgerRecord>& records) {
  Log log;
  log.nodes.resize(records.size());
  std::map<std::string, int64_t> by_id;
  for (size_t i = 0; i < records.size(); ++i) {
    Node& n = log.nodes[i];
    n.record = &records[i];
    const Event& e = records[i].event();
    n.kind = e.body_case();
    if (n.kind == Event::kCorrection || n.kind == Event::kRetraction) {
      const std::string& tid = n.kind == Event::kCorrection ? e.correction().target_event_id()
                                                            : e.retraction().target_event_id();
      if (auto it = by_id.find(tid); it != by_id.end()) {
        const Node& t = log.nodes[it->second];
        int64_t root = -1;
        if (IsFact(t.kind) && t.kind != Event::kErasure)  // no fix touches an erasure
          root = it->second;
        else if (t.kind == Event::kCorrection)
          root = t.root;
        if (root >= 0 && n.kind == Event::kCorrection &&
            e.correction().replacement().body_case() != log.nodes[root].kind) {
          root = -1;
        }
        if (root >= 0) {
          n.target = it->second;
          n.root = root;
          log.nodes[root].tree.push_back(static_cast<int64_t>(i));
          if (n.kind == Event::kRetraction)
            log.nodes[n.target].retracted_by = static_cast<int64_t>(i);
        }
      }
    }
    by_id.emplace(e.event_id(), static_cast<int64_t>(i));
  }
  // Effective versions.
  for (size_t i = 0; i < records.size(); ++i) {
    Node& f = log.nodes[i];
    if (!IsFact(f.kind)) continue;
    f.effective = f.event();
    const Event* date_from = nullptr;
    for (int64_t c : f.tree) {
      if (log.nodes[c].kind != Event::kCorrection || !log.Live(c)) continue;
      f.winner = c;
      if (log.nodes[c].event().correction().replacement().has_occurred_at()) {
        date_from = &log.nodes[c].event();
      }
    }
    if (f.winner >= 0) {
      const Event& r = log.nodes[f.winner].event().correction().replacement();
      Event tmp = f.effective;
      switch (r.body_case()) {
        case Event::kRaid:
          *tmp.mutable_raid() = r.raid();
          break;
        case Event::kArrest:
          *tmp.mutable_arrest() = r.arrest();
          break;
        case Event::kHandover:
          *tmp.mutable_handover() = r.handover();
          break;
        case Event::kSentencing:
          *tmp.mutable_sentencing() = r.sentencing();
          break;
        case Event::kReportedFigure:
          *tmp.mutable_reported_figure() = r.reported_figure();
          break;
        case Event::kRelease:
          *tmp.mutable_release() = r.release();
          break;
        default:
          break;
      }
      f.effective = tmp;
    }
    if (date_from != nullptr) {
      const Event& r = date_from->correction().replacement();
      *f.effective.mutable_occurred_at() = r.occurred_at();
      f.effective.set_occurred_precision(r.occurred_precision());
    }
  }
  return log;
}

// Effective facts in effect, in timeline order.
struct Fact {
  int64_t pos;
  const Event* e;  // effective
  Date occurred;
};

bool TimelineLess(const Fact& a, const Fact& b) {
  return std::make_tuple(a.occurred.seconds, a.occurred.nanos, a.pos) <
         std::make_tuple(b.occurred.seconds, b.occurred.nanos, b.pos);
}

Contributor ContributorOf(const Fact& f) {
  return Contributor{f.e->event_id(), static_cast<uint64_t>(f.pos),
                     projections::KindName(f.e->body_case()), f.occurred};
}

projections::SentenceInfo SentenceOf(const Fact& f) {
  const auto& s = f.e->sentencing();
  projections::SentenceInfo out;
  out.case_id = s.case_id();
  out.court = s.court();
  out.prison_months = s.prison_months();
  if (s.has_fine()) out.fine = projections::MoneyView{s.fine().currency(), s.fine().minor_units()};
  out.instance = projections::InstanceName(s.instance());
  for (const auto& o : s.offences()) out.offences.push_back(o);
  out.occurred = f.occurred;
  out.event = projections::EventRef{f.e->event_id(), static_cast<uint64_t>(f.pos)};
  return out;
}

void Keep(std::string& dst, const std::string& v) {
  if (!v.empty()) dst = v;
}

template <typename M>
void DropZeros(M& m) {
  for (auto it = m.begin(); it != m.end();) {
    if (it->second == 0)
      it = m.erase(it);
    else
      ++it;
  }
}

// --- timelines --------------------------------------------------------------------

std::set<std::pair<TimelineKind, std::string>> ScopesOfBody(const Event& e) {
  std::set<std::pair<TimelineKind, std::string>> s;
  s.insert({TimelineKind::kGlobal, ""});
  auto add = [&](TimelineKind k, const std::string& v) {
    if (!v.empty()) s.insert({k, v});
  };
  if (e.has_raid()) {
    add(TimelineKind::kOperation, e.raid().operation_id());
    add(TimelineKind::kCountry, e.raid().location().country());
    add(TimelineKind::kCountry, e.raid().tip_from_country());
    for (const auto& a : e.raid().agencies()) add(TimelineKind::kCountry, a.country());
  } else if (e.has_arrest()) {
    add(TimelineKind::kSuspect, e.arrest().suspect().suspect_id());
    add(TimelineKind::kOperation, e.arrest().operation_id());
    add(TimelineKind::kCountry, e.arrest().location().country());
    add(TimelineKind::kCountry, e.arrest().agency().country());
  } else if (e.has_handover()) {
    for (const auto& id : e.handover().suspect_ids()) add(TimelineKind::kSuspect, id);
    add(TimelineKind::kOperation, e.handover().operation_id());
    add(TimelineKind::kCountry, e.handover().from_country());
    add(TimelineKind::kCountry, e.handover().to_country());
    add(TimelineKind::kCountry, e.handover().from_agency().country());
    add(TimelineKind::kCountry, e.handover().to_agency().country());
  } else if (e.has_sentencing()) {
    add(TimelineKind::kSuspect, e.sentencing().suspect_id());
    add(TimelineKind::kCase, e.sentencing().case_id());
    add(TimelineKind::kCountry, e.sentencing().court_country());
  } else if (e.has_reported_figure()) {
    add(TimelineKind::kCountry, e.reported_figure().from_country());
    add(TimelineKind::kCountry, e.reported_figure().to_country());
  } else if (e.has_release()) {
    add(TimelineKind::kSuspect, e.release().suspect_id());
    add(TimelineKind::kCase, e.release().case_id());
    add(TimelineKind::kCountry, e.release().country());
    add(TimelineKind::kCountry, e.release().agency().country());
  } else if (e.has_erasure()) {
    add(TimelineKind::kSuspect, e.erasure().subject_id());
  }
  return s;
}

projections::SourceRef SourceOf(const Event& e) {
  projections::SourceRef s;
  s.publisher = e.source().publisher();
  s.title = e.source().title();
  s.url = e.source().url();
  s.reference = e.source().reference();
  if (e.source().has_published_at()) {
    s.published_at = projections::Rfc3339(e.source().published_at().seconds(),
                                          e.source().published_at().nanos());
  }
  return s;
}

projections::TimelineEntry EntryOf(const Log& log, int64_t i) {
  const Node& n = log.nodes[i];
  const Event& ev = n.event();
  projections::TimelineEntry t;
  t.position = static_cast<uint64_t>(i);
  t.event_id = ev.event_id();
  t.stream = ev.stream();
  t.kind = projections::KindName(n.kind);
  t.recorded_at =
      projections::Rfc3339(n.record->recorded_at().seconds(), n.record->recorded_at().nanos());
  t.source = SourceOf(ev);
  auto id = [&](int64_t p) { return log.nodes[p].event().event_id(); };
  if (IsFact(n.kind)) {
    t.occurred = Occurred(n.effective);
    if (!(Occurred(ev) == t.occurred)) t.original_occurred = Occurred(ev);
    t.summary = projections::Summarize(n.effective);
    t.corrected = n.winner >= 0;
    if (t.corrected) t.corrected_by = id(n.winner);
    t.retracted = n.retracted_by >= 0;
    if (t.retracted) t.retracted_by = id(n.retracted_by);
    t.in_effect = !t.retracted;
    return t;
  }
  t.occurred = Occurred(ev);
  t.summary = projections::Summarize(ev);
  if (n.kind == Event::kCorrection) {
    t.target_event_id = ev.correction().target_event_id();
    t.summary += "; now: " + projections::Summarize(ev.correction().replacement());
  } else if (n.kind == Event::kRetraction) {
    t.target_event_id = ev.retraction().target_event_id();
  }
  if (n.root < 0) return t;
  if (n.kind == Event::kRetraction) {
    t.in_effect = true;
    return t;
  }
  for (int64_t c : log.nodes[n.root].tree) {
    if (log.nodes[c].kind == Event::kCorrection && log.nodes[c].target == i && log.Live(c)) {
      t.corrected = true;
      t.corrected_by = id(c);
    }
  }
  t.retracted = n.retracted_by >= 0;
  if (t.retracted) t.retracted_by = id(n.retracted_by);
  t.in_effect = log.nodes[n.root].winner == i && log.nodes[n.root].retracted_by < 0;
  return t;
}

// Natural order of ids, written independently of the store's keys: runs of
// ASCII digits compare as numbers (by significant length, then digits), other
// characters as bytes (a digit run against a character compares as a digit);
// equal natural forms fall back to the ids' bytes.
bool NaturalLess(const std::string& a, const std::string& b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      while (i < ie && a[i] == '0') ++i;
      while (j < je && b[j] == '0') ++j;
      const std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie;
      j = je;
      continue;
    }
    const unsigned char x = digit(a[i]) ? '0' : a[i], y = digit(b[j]) ? '0' : b[j];
    if (x != y) return x < y;
    ++i;
    ++j;
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();
  return a < b;
}

}  // namespace

ReferenceViews ReferenceProject(const std::vector<LedgerRecord>& records) {
  ReferenceViews out;
  const Log log = Fold(records);
  projections::Totals& T = out.totals;
  T.applied = records.size();

  std::vector<Fact> facts;  // in effect
  for (size_t i = 0; i < log.nodes.size(); ++i) {
    const Node& n = log.nodes[i];
    if (n.kind == Event::kCorrection) ++T.corrections;
    if (n.kind == Event::kRetraction) ++T.retractions;
    if (!IsFact(n.kind)) continue;
    if (!log.InEffect(static_cast<int64_t>(i))) {
      ++T.retracted;
      continue;
    }
    facts.push_back(Fact{static_cast<int64_t>(i), &n.effective, Occurred(n.effective)});
  }
  std::sort(facts.begin(), facts.end(), TimelineLess);

  // --- suspects -----------------------------------------------------------------
  std::map<std::string, std::vector<Fact>> by_suspect;
  for (const Fact& f : facts) {
    if (f.e->has_arrest()) by_suspect[f.e->arrest().suspect().suspect_id()].push_back(f);
    if (f.e->has_handover()) {
      for (const auto& id : f.e->handover().suspect_ids()) by_suspect[id].push_back(f);
    }
    if (f.e->has_sentencing()) by_suspect[f.e->sentencing().suspect_id()].push_back(f);
    if (f.e->has_release()) by_suspect[f.e->release().suspect_id()].push_back(f);
    if (f.e->has_erasure()) by_suspect[f.e->erasure().subject_id()].push_back(f);
  }
  for (const auto& [id, fs] : by_suspect) {
    projections::SuspectView v;
    v.suspect_id = id;
    for (const Fact& f : fs) {
      v.events.push_back(ContributorOf(f));
      if (f.e->has_arrest()) {
        const auto& a = f.e->arrest();
        Keep(v.name, a.suspect().name());
        Keep(v.nationality, a.suspect().nationality());
        Keep(v.role, projections::RoleName(a.suspect().role()));
        Keep(v.operation_id, a.operation_id());
        if (!a.location().country().empty())
          v.custody_country = a.location().country();
        else
          Keep(v.custody_country, a.agency().country());
      } else if (f.e->has_handover()) {
        Keep(v.nationality, f.e->handover().nationality());
        Keep(v.operation_id, f.e->handover().operation_id());
        v.custody_country = f.e->handover().to_country();
      } else if (f.e->has_release()) {
        v.custody_country.clear();
      } else if (f.e->has_erasure()) {
        if (!v.erased) {  // the first erasure; nothing undoes it
          v.erased = true;
          v.erased_at = f.occurred;
          v.erasure_authority = f.e->erasure().authority();
          v.erasure_reason = f.e->erasure().reason();
        }
      } else {
        const auto& s = f.e->sentencing();
        Keep(v.name, s.suspect_name());
        Keep(v.nationality, s.suspect_nationality());
        Keep(v.role, projections::RoleName(s.role()));
        v.sentence = SentenceOf(f);
      }
    }
    const bool sentenced =
        std::any_of(fs.begin(), fs.end(), [](const Fact& f) { return f.e->has_sentencing(); });
    const bool moved =
        std::any_of(fs.begin(), fs.end(), [](const Fact& f) { return f.e->has_handover(); });
    const Fact* last_custody = nullptr;  // the latest fact that is not an erasure
    for (const Fact& f : fs) {
      if (!f.e->has_erasure()) last_custody = &f;
    }
    v.status = last_custody == nullptr         ? "unknown"
               : last_custody->e->has_release() ? "released"
               : sentenced                      ? "sentenced"
               : moved                          ? "handed_over"
                                                : "detained";
    if (v.erased) {
      v.name.clear();
      ++T.suspects_erased;
    }
    v.first_occurred = fs.front().occurred;
    v.last_occurred = fs.back().occurred;
    ++T.suspects;
    ++T.suspects_by_status[v.status];
    out.suspects.push_back(std::move(v));
  }

  // --- operations ---------------------------------------------------------------
  struct Op {
    std::vector<Fact> raids;
    std::vector<int64_t> arrests, handovers;  // positions
    projections::OperationView v;
  };
  std::map<std::string, Op> ops;
  for (const Fact& f : facts) {
    if (f.e->has_raid()) ops[f.e->raid().operation_id()].raids.push_back(f);
    if (f.e->has_arrest() && !f.e->arrest().operation_id().empty()) {
      Op& op = ops[f.e->arrest().operation_id()];
      op.arrests.push_back(f.pos);
      const auto& s = f.e->arrest().suspect();
      ++op.v.arrests_recorded;
      if (s.role() == enforcement::v1::ROLE_RINGLEADER) ++op.v.arrested_ringleaders;
      if (!s.nationality().empty()) ++op.v.arrests_by_nationality[s.nationality()];
    }
    if (f.e->has_handover() && !f.e->handover().operation_id().empty()) {
      const auto& h = f.e->handover();
      Op& op = ops[h.operation_id()];
      op.handovers.push_back(f.pos);
      ++op.v.handovers;
      op.v.handed_over += h.suspects_count();
      op.v.handed_over_identified += h.suspect_ids_size();
      op.v.handed_over_to[h.to_country()] += h.suspects_count();
    }
  }
  for (auto& [id, op] : ops) {
    projections::OperationView& v = op.v;
    v.operation_id = id;
    DropZeros(v.handed_over_to);
    std::sort(op.arrests.begin(), op.arrests.end());
    std::sort(op.handovers.begin(), op.handovers.end());
    for (int64_t p : op.arrests) {
      v.arrest_events.push_back({records[p].event().event_id(), static_cast<uint64_t>(p)});
    }
    for (int64_t p : op.handovers) {
      v.handover_events.push_back({records[p].event().event_id(), static_cast<uint64_t>(p)});
    }
    std::set<std::pair<std::string, std::string>> agencies;
    std::set<std::string> tips;
    std::map<std::string, projections::SeizedTotal> seized;
    for (const Fact& f : op.raids) {
      const auto& r = f.e->raid();
      const auto& l = r.location();
      if (v.place.empty() && v.region.empty() && v.country.empty()) {
        v.place = l.place();
        v.region = l.region();
        v.country = l.country();
      }
      for (const auto& a : r.agencies()) agencies.insert({a.country(), a.name()});
      if (!r.tip_from_country().empty()) tips.insert(r.tip_from_country());
      v.raids.push_back(projections::RaidSummary{{f.e->event_id(), static_cast<uint64_t>(f.pos)},
                                                 f.occurred,
                                                 l.place(),
                                                 l.region(),
                                                 l.country(),
                                                 r.suspects_detained(),
                                                 r.ringleaders_detained(),
                                                 r.note()});
      v.detained += r.suspects_detained();
      v.ringleaders_detained += r.ringleaders_detained();
      for (const auto& [k, c] : r.detained_by_nationality()) v.detained_by_nationality[k] += c;
      for (const auto& s : r.seized()) {
        auto& t = seized[s.item()];
        t.item = s.item();
        if (s.quantity() == 0) t.quantity_unknown = true;
        t.quantity += s.quantity();
      }
    }
    for (const auto& [c, n] : agencies) v.agencies.push_back({n, c});
    v.tip_from_countries.assign(tips.begin(), tips.end());
    for (const auto& [k, s] : seized) v.seized.push_back(s);
    if (!op.raids.empty()) {
      v.first_raid = op.raids.front().occurred;
      v.last_raid = op.raids.back().occurred;
    }
    ++T.operations;
    out.operations.push_back(v);
  }

  // --- cases --------------------------------------------------------------------
  std::map<std::string, std::vector<Fact>> by_case;
  for (const Fact& f : facts) {
    if (f.e->has_sentencing()) by_case[f.e->sentencing().case_id()].push_back(f);
  }
  std::map<std::string, projections::Sum> amounts_total;  // 128-bit: never wraps
  for (const auto& [id, fs] : by_case) {
    projections::CaseView v;
    v.case_id = id;
    std::set<std::string> courts;
    std::map<std::string, projections::Defendant> defendants;
    std::map<std::string, int64_t> amounts, equivalents;
    std::optional<std::tuple<int64_t, int32_t, int>> from, to;
    for (const Fact& f : fs) {
      const auto& s = f.e->sentencing();
      v.events.push_back(ContributorOf(f));
      if (!s.court().empty()) courts.insert(s.court());
      auto& d = defendants[s.suspect_id()];
      d.suspect_id = s.suspect_id();
      Keep(d.name, s.suspect_name());
      Keep(d.nationality, s.suspect_nationality());
      Keep(d.role, projections::RoleName(s.role()));
      d.sentence = SentenceOf(f);
      v.victims = std::max(v.victims, s.victims());
      if (s.has_amount_defrauded()) {
        auto& a = amounts[s.amount_defrauded().currency()];
        a = std::max(a, s.amount_defrauded().minor_units());
      }
      if (s.has_amount_defrauded_equivalent()) {
        auto& a = equivalents[s.amount_defrauded_equivalent().currency()];
        a = std::max(a, s.amount_defrauded_equivalent().minor_units());
      }
      if (s.has_offence_from()) {
        auto k = std::make_tuple(s.offence_from().seconds(), s.offence_from().nanos(),
                                 static_cast<int>(s.offence_from_precision()));
        if (!from || k < *from) from = k;
      }
      if (s.has_offence_to()) {
        auto k = std::make_tuple(s.offence_to().seconds(), s.offence_to().nanos(),
                                 static_cast<int>(s.offence_to_precision()));
        if (!to || *to < k) to = k;
      }
    }
    v.courts.assign(courts.begin(), courts.end());
    for (auto& [sid, d] : defendants) {
      v.prison_months_total += d.sentence.prison_months;
      v.defendants.push_back(d);
    }
    for (const auto& [c, a] : amounts) {
      v.amounts_defrauded.push_back({c, a});
      amounts_total[c] += a;
    }
    for (const auto& [c, a] : equivalents) v.amounts_defrauded_equivalent.push_back({c, a});
    if (from) {
      v.offence_from = Date{std::get<0>(*from), std::get<1>(*from),
                            static_cast<enforcement::v1::Precision>(std::get<2>(*from))};
    }
    if (to) {
      v.offence_to = Date{std::get<0>(*to), std::get<1>(*to),
                          static_cast<enforcement::v1::Precision>(std::get<2>(*to))};
    }
    ++T.cases;
    T.victims += v.victims;
    T.prison_months += v.prison_months_total;
    out.cases.push_back(std::move(v));
  }
  DropZeros(amounts_total);
  for (const auto& [c, a] : amounts_total) T.amounts_defrauded.push_back({c, a});

  // --- flows --------------------------------------------------------------------
  std::map<std::tuple<std::string, std::string, std::string>, projections::FlowRow> month_rows,
      year_rows;
  auto add_row = [](projections::FlowRow& row, const Fact& f, bool month_unknown) {
    const auto& h = f.e->handover();
    row.from_country = h.from_country();
    row.to_country = h.to_country();
    row.month_unknown = month_unknown;
    row.people += h.suspects_count();
    row.identified += h.suspect_ids_size();
    row.ringleaders += h.ringleaders_count();
    row.handovers += 1;
    row.events.push_back({f.e->event_id(), static_cast<uint64_t>(f.pos)});
  };
  for (const Fact& f : facts) {  // timeline order, so events lists come out ordered
    if (!f.e->has_handover()) continue;
    const auto& h = f.e->handover();
    const bool year_only = f.occurred.precision == enforcement::v1::PRECISION_YEAR;
    const std::string mp = year_only ? YearOf(f.occurred) : MonthOf(f.occurred);
    auto& mrow = month_rows[{h.from_country(), h.to_country(), mp}];
    mrow.period = mp;
    add_row(mrow, f, year_only);
    auto& yrow = year_rows[{h.from_country(), h.to_country(), YearOf(f.occurred)}];
    yrow.period = YearOf(f.occurred);
    add_row(yrow, f, false);
  }
  for (auto& [k, r] : month_rows) out.flows_by_month.push_back(r);
  for (auto& [k, r] : year_rows) out.flows_by_year.push_back(r);

  // --- totals -------------------------------------------------------------------
  for (const Fact& f : facts) {
    const Event& e = *f.e;
    if (e.has_raid()) {
      ++T.raids;
      T.detained += e.raid().suspects_detained();
      T.ringleaders_detained += e.raid().ringleaders_detained();
      for (const auto& [k, c] : e.raid().detained_by_nationality())
        T.detained_by_nationality[k] += c;
    } else if (e.has_arrest()) {
      ++T.arrests;
      if (!e.arrest().operation_id().empty()) ++T.arrests_in_operations;
    } else if (e.has_handover()) {
      ++T.handovers;
      T.handed_over += e.handover().suspects_count();
      T.handed_over_identified += e.handover().suspect_ids_size();
      T.handed_over_ringleaders += e.handover().ringleaders_count();
    } else if (e.has_sentencing()) {
      ++T.sentencings;
    } else if (e.has_reported_figure()) {
      ++T.reported_figures;
    } else if (e.has_release()) {
      ++T.releases;
    }
  }
  DropZeros(T.detained_by_nationality);

  // Reported figures, by position, each against the facts in effect.
  std::vector<Fact> figures;
  for (const Fact& f : facts) {
    if (f.e->has_reported_figure()) figures.push_back(f);
  }
  std::sort(figures.begin(), figures.end(),
            [](const Fact& a, const Fact& b) { return a.pos < b.pos; });
  for (const Fact& ff : figures) {
    const auto& rf = ff.e->reported_figure();
    projections::FigureComparison c;
    c.figure = ContributorOf(ff);
    c.metric = rf.metric();
    c.from_country = rf.from_country();
    c.to_country = rf.to_country();
    c.nationality = rf.nationality();
    if (rf.has_period_from()) c.period_from = DateOf(rf.period_from(), rf.period_from_precision());
    if (rf.has_period_to()) c.period_to = DateOf(rf.period_to(), rf.period_to_precision());
    c.reported = rf.value();
    c.approximate = rf.approximate();
    c.source = SourceOf(*ff.e);
    const std::map<std::string, Event::BodyCase> derivable = {
        {"suspects_handed_over", Event::kHandover},
        {"suspects_detained", Event::kRaid},
        {"suspects_arrested", Event::kArrest},
        {"suspects_sentenced", Event::kSentencing}};
    auto d = derivable.find(rf.metric());
    c.derivable = d != derivable.end();
    if (c.derivable) {
      const Instant lo = c.period_from.set() ? Start(c.period_from)
                                             : Instant{std::numeric_limits<int64_t>::min(), 0};
      const Instant hi =
          c.period_to.set() ? End(c.period_to) : Instant{std::numeric_limits<int64_t>::max(), 0};
      for (const Fact& f : facts) {
        if (f.e->body_case() != d->second) continue;
        const Instant s = Start(f.occurred), e = End(f.occurred);
        if (!(s < hi) || !(lo < e)) continue;  // no overlap
        bool unsure = !(lo <= s && e <= hi);
        // The fact's countries, nationality and count for this metric.
        std::string from, to, nat;
        int64_t count = 0;
        std::map<std::string, int64_t> by_nat;
        switch (d->second) {
          case Event::kHandover:
            from = f.e->handover().from_country();
            to = f.e->handover().to_country();
            nat = f.e->handover().nationality();
            count = f.e->handover().suspects_count();
            break;
          case Event::kRaid:
            from = f.e->raid().location().country();
            count = f.e->raid().suspects_detained();
            for (const auto& [k, n] : f.e->raid().detained_by_nationality()) by_nat[k] = n;
            break;
          case Event::kArrest:
            from = f.e->arrest().location().country();
            nat = f.e->arrest().suspect().nationality();
            count = 1;
            break;
          default:
            nat = f.e->sentencing().suspect_nationality();
            count = 1;
        }
        bool excluded = false;
        for (const auto& [want, have] :
             {std::make_pair(rf.from_country(), from), std::make_pair(rf.to_country(), to)}) {
          if (want.empty() || want == have) continue;
          if (have.empty())
            unsure = true;
          else
            excluded = true;
        }
        if (excluded) continue;
        projections::Sum sure_part = 0, unsure_part = 0;
        if (rf.nationality().empty()) {
          sure_part = count;
        } else if (d->second == Event::kRaid) {
          projections::Sum listed = 0;
          for (const auto& [k, n] : by_nat) listed += n;
          sure_part = by_nat.count(rf.nationality()) ? by_nat[rf.nationality()] : 0;
          unsure_part = count - listed;
        } else if (nat == rf.nationality()) {
          sure_part = count;
        } else if (nat.empty()) {
          unsure_part = count;
        } else {
          continue;
        }
        if (unsure) {
          unsure_part += sure_part;
          sure_part = 0;
        }
        c.derived += sure_part;
        c.uncertain += unsure_part;
        if (sure_part > 0) ++c.derived_events;
        if (unsure_part > 0) ++c.uncertain_events;
      }
    }
    T.figures.push_back(std::move(c));
  }

  // --- timelines ----------------------------------------------------------------
  // Every event appears in the scopes of its correction tree: the scopes of
  // the fact's own body and of every replacement ever appended to the tree.
  std::map<std::pair<TimelineKind, std::string>, std::vector<std::tuple<int64_t, int32_t, int64_t>>>
      keys;
  for (size_t i = 0; i < log.nodes.size(); ++i) {
    const Node& n = log.nodes[i];
    std::set<std::pair<TimelineKind, std::string>> scopes;
    int64_t root = IsFact(n.kind) ? static_cast<int64_t>(i) : n.root;
    if (root < 0) {
      scopes.insert({TimelineKind::kGlobal, ""});
    } else {
      scopes = ScopesOfBody(log.nodes[root].event());
      for (int64_t c : log.nodes[root].tree) {
        if (log.nodes[c].kind != Event::kCorrection) continue;
        for (const auto& s : ScopesOfBody(log.nodes[c].event().correction().replacement())) {
          scopes.insert(s);
        }
      }
    }
    const Date when = IsFact(n.kind) ? Occurred(n.effective) : Occurred(n.event());
    for (const auto& s : scopes) keys[s].emplace_back(when.seconds, when.nanos, i);
  }
  for (auto& [scope, list] : keys) {
    std::sort(list.begin(), list.end());
    auto& entries = out.timelines[scope];
    for (const auto& [s, ns, i] : list) entries.push_back(EntryOf(log, i));
  }
  // The views list entities in natural order of ids (views format 5).
  std::sort(out.suspects.begin(), out.suspects.end(),
            [](const auto& x, const auto& y) { return NaturalLess(x.suspect_id, y.suspect_id); });
  std::sort(out.operations.begin(), out.operations.end(), [](const auto& x, const auto& y) {
    return NaturalLess(x.operation_id, y.operation_id);
  });
  std::sort(out.cases.begin(), out.cases.end(),
            [](const auto& x, const auto& y) { return NaturalLess(x.case_id, y.case_id); });
  return out;
}

}  // namespace testing_support
