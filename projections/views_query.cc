// Views: the queries, reading the views store (never the log), and digests.
#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "projections/rules.h"
#include "projections/store_coding.h"
#include "projections/views.h"
#include "projections/views_internal.h"

namespace projections {

using enforcement::v1::Event;
using internal::Cf;
using internal::EventState;
using internal::kNone;

namespace {

// Reads through one consistent snapshot of the store.
class Reader {
 public:
  explicit Reader(const Views::Impl& im) : im_(im), snapshot_(im.db->GetSnapshot()) {
    ro_.snapshot = snapshot_;
  }
  ~Reader() { im_.db->ReleaseSnapshot(snapshot_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  absl::Status Get(Cf c, const std::string& key, std::string* value, bool* found) const {
    rocksdb::Status s = im_.db->Get(ro_, im_.cf(c), key, value);
    *found = s.ok();
    if (s.IsNotFound()) return absl::OkStatus();
    return ViewsFromRocks(s, "read");
  }

  std::unique_ptr<rocksdb::Iterator> Iter(Cf c) const {
    return std::unique_ptr<rocksdb::Iterator>(im_.db->NewIterator(ro_, im_.cf(c)));
  }

  absl::Status State(uint64_t position, EventState* s) const {
    std::string v;
    bool found;
    if (absl::Status st = Get(internal::kEventsCf, internal::PosKey(position), &v, &found);
        !st.ok()) {
      return st;
    }
    if (!found) {
      return absl::DataLossError(absl::StrCat("views store: no state for record ", position));
    }
    return internal::DecodeEventState(v, s);
  }

  // The states of many records: one batched MultiGet, keys in order (so
  // that records sharing a block share its read). out[i] is positions[i]'s.
  absl::Status States(const std::vector<uint64_t>& positions, std::vector<EventState>* out) const {
    const size_t n = positions.size();
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return positions[a] < positions[b]; });
    std::vector<std::string> keys(n);
    std::vector<rocksdb::Slice> slices(n);
    for (size_t i = 0; i < n; ++i) {
      keys[i] = internal::PosKey(positions[order[i]]);
      slices[i] = keys[i];
    }
    std::vector<rocksdb::PinnableSlice> values(n);
    std::vector<rocksdb::Status> statuses(n);
    im_.db->MultiGet(ro_, im_.cf(internal::kEventsCf), n, slices.data(), values.data(),
                     statuses.data(), /*sorted_input=*/true);
    out->assign(n, EventState());
    for (size_t i = 0; i < n; ++i) {
      const uint64_t position = positions[order[i]];
      if (statuses[i].IsNotFound()) {
        return absl::DataLossError(absl::StrCat("views store: no state for record ", position));
      }
      if (absl::Status st = ViewsFromRocks(statuses[i], "read"); !st.ok()) return st;
      if (absl::Status st = internal::DecodeEventState(absl::string_view(values[i].data(), values[i].size()), &(*out)[order[i]]);
          !st.ok()) {
        return st;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Parse(const std::string& bytes, uint64_t position, Event* e) const {
    if (!e->ParseFromString(bytes)) {
      return absl::DataLossError(
          absl::StrCat("views store: event of record ", position, " does not parse"));
    }
    return absl::OkStatus();
  }

  absl::Status Effective(const EventState& s, Event* e) const {
    return Parse(s.effective.empty() ? s.event : s.effective, s.position, e);
  }

  absl::StatusOr<std::string> EventId(uint64_t position) const {
    EventState s;
    if (absl::Status st = State(position, &s); !st.ok()) return st;
    Event e;
    if (absl::Status st = Parse(s.event, position, &e); !st.ok()) return st;
    return e.event_id();
  }

 private:
  const Views::Impl& im_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions ro_;
};

absl::Status IterStatus(const rocksdb::Iterator& it) {
  return ViewsFromRocks(it.status(), "iterating");
}

bool Limited(size_t limit, size_t n) { return limit != 0 && n >= limit; }

SourceRef SourceOf(const Event& e) {
  SourceRef s;
  s.publisher = e.source().publisher();
  s.title = e.source().title();
  s.url = e.source().url();
  s.reference = e.source().reference();
  if (e.source().has_published_at()) {
    s.published_at =
        Rfc3339(e.source().published_at().seconds(), e.source().published_at().nanos());
  }
  return s;
}

// Fills the counters and member lists of an operation around its stored core.
absl::Status CompleteOperation(const Reader& r, const std::string& id, const OperationQuery& q,
                               OperationView* v) {
  const std::string cprefix = internal::EntityCounterPrefix(id);
  auto it = r.Iter(internal::kOperationsCf);
  for (it->Seek(cprefix); it->Valid() && it->key().starts_with(cprefix); it->Next()) {
    const std::string name = it->key().ToString().substr(cprefix.size());
    Sum value;
    if (!internal::DecodeCounter(absl::string_view(it->value().data(), it->value().size()),
                                 &value)) {
      return absl::DataLossError("views store: malformed operation counter");
    }
    if (name == "arrests")
      v->arrests_recorded = value;
    else if (name == "arrested_ringleaders")
      v->arrested_ringleaders = value;
    else if (name == "handovers")
      v->handovers = value;
    else if (name == "handed_over")
      v->handed_over = value;
    else if (name == "handed_over_identified")
      v->handed_over_identified = value;
    else if (absl::StartsWith(name, "arrests_by_nationality/"))
      v->arrests_by_nationality[name.substr(23)] = value;
    else if (absl::StartsWith(name, "handed_over_to/"))
      v->handed_over_to[name.substr(15)] = value;
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  const std::string mprefix = internal::MemberPrefix(id);
  for (char kind : {internal::kArrestMember, internal::kHandoverMember}) {
    std::vector<EventRef>& out =
        kind == internal::kArrestMember ? v->arrest_events : v->handover_events;
    const std::string prefix = mprefix + kind;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (Limited(q.max_events, out.size())) break;
      if (it->key().size() != prefix.size() + 8) {
        return absl::DataLossError("views store: malformed member key");
      }
      const uint64_t pos = internal::GetFixed64BE(it->key().data() + prefix.size());
      absl::StatusOr<std::string> eid = r.EventId(pos);
      if (!eid.ok()) return eid.status();
      out.push_back(EventRef{*eid, pos});
    }
    if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Whether a flow row's period overlaps [from, to] (units compared at the
// coarser of the two).
bool PeriodOverlaps(const std::string& period, const std::string& from, const std::string& to) {
  if (!from.empty()) {
    const size_t n = std::min(period.size(), from.size());
    if (period.compare(0, n, from, 0, n) < 0) return false;
  }
  if (!to.empty()) {
    const size_t n = std::min(period.size(), to.size());
    if (period.compare(0, n, to, 0, n) > 0) return false;
  }
  return true;
}

}  // namespace

// --- suspects, operations, cases ------------------------------------------------

absl::StatusOr<SuspectView> Views::GetSuspect(const std::string& suspect_id) const {
  Reader r(*impl_);
  std::string v;
  bool found;
  if (absl::Status s = r.Get(internal::kSuspectsCf, internal::EntityKey(suspect_id), &v, &found);
      !s.ok()) {
    return s;
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no suspect \"", absl::CHexEscape(suspect_id), "\" in the views"));
  }
  SuspectView out;
  if (absl::Status s = internal::DecodeSuspect(v, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<SuspectView>> Views::ListSuspects(const SuspectFilter& f) const {
  Reader r(*impl_);
  std::vector<SuspectView> out;
  const std::string prefix(1, internal::kViewTag);
  const std::string after = f.after.empty() ? prefix : internal::EntityKey(f.after);
  auto it = r.Iter(internal::kSuspectsCf);
  for (it->Seek(after); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (Limited(f.limit, out.size())) break;
    if (!f.after.empty() && it->key() == after) continue;
    SuspectView v;
    if (absl::Status s = internal::DecodeSuspect(it->value().ToString(), &v); !s.ok()) return s;
    if (!f.status.empty() && v.status != f.status) continue;
    if (!f.nationality.empty() && v.nationality != f.nationality) continue;
    if (!f.operation_id.empty() && v.operation_id != f.operation_id) continue;
    if (!f.custody_country.empty() && v.custody_country != f.custody_country) continue;
    if (!f.role.empty() && v.role != f.role) continue;
    out.push_back(std::move(v));
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  return out;
}

absl::StatusOr<OperationView> Views::GetOperation(const std::string& operation_id,
                                                  const OperationQuery& query) const {
  Reader r(*impl_);
  std::string v;
  bool found;
  if (absl::Status s =
          r.Get(internal::kOperationsCf, internal::EntityKey(operation_id), &v, &found);
      !s.ok()) {
    return s;
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no operation \"", absl::CHexEscape(operation_id), "\" in the views"));
  }
  OperationView out;
  if (absl::Status s = internal::DecodeOperationCore(v, &out); !s.ok()) return s;
  if (absl::Status s = CompleteOperation(r, operation_id, query, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<OperationView>> Views::ListOperations(const OperationQuery& query,
                                                                 size_t limit,
                                                                 const std::string& after) const {
  Reader r(*impl_);
  std::vector<OperationView> out;
  const std::string prefix(1, internal::kViewTag);
  const std::string start = after.empty() ? prefix : internal::EntityKey(after);
  auto it = r.Iter(internal::kOperationsCf);
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (Limited(limit, out.size())) break;
    if (!after.empty() && it->key() == start) continue;
    OperationView v;
    if (absl::Status s = internal::DecodeOperationCore(it->value().ToString(), &v); !s.ok()) {
      return s;
    }
    if (absl::Status s = CompleteOperation(r, v.operation_id, query, &v); !s.ok()) return s;
    out.push_back(std::move(v));
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  return out;
}

absl::StatusOr<CaseView> Views::GetCase(const std::string& case_id) const {
  Reader r(*impl_);
  std::string v;
  bool found;
  if (absl::Status s = r.Get(internal::kCasesCf, internal::EntityKey(case_id), &v, &found);
      !s.ok()) {
    return s;
  }
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no case \"", absl::CHexEscape(case_id), "\" in the views"));
  }
  CaseView out;
  if (absl::Status s = internal::DecodeCase(v, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<CaseView>> Views::ListCases(size_t limit,
                                                       const std::string& after) const {
  Reader r(*impl_);
  std::vector<CaseView> out;
  const std::string prefix(1, internal::kViewTag);
  const std::string start = after.empty() ? prefix : internal::EntityKey(after);
  auto it = r.Iter(internal::kCasesCf);
  for (it->Seek(start); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (Limited(limit, out.size())) break;
    if (!after.empty() && it->key() == start) continue;
    CaseView v;
    if (absl::Status s = internal::DecodeCase(it->value().ToString(), &v); !s.ok()) return s;
    out.push_back(std::move(v));
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  return out;
}

// --- flows -----------------------------------------------------------------------

absl::StatusOr<std::vector<FlowRow>> Views::Flows(const FlowQuery& q) const {
  Reader r(*impl_);
  // (from, to, period) -> (row, bucket)
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<FlowRow, char>> rows;
  const std::vector<char> buckets =
      q.granularity == Granularity::kMonth
          ? std::vector<char>{internal::kMonthBucket, internal::kYearOnlyBucket}
          : std::vector<char>{internal::kYearBucket};
  auto it = r.Iter(internal::kFlowsCf);
  for (char bucket : buckets) {
    const std::string prefix(1, bucket);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      absl::string_view k(it->key().data() + 1, it->key().size() - 1);
      std::string from, to, period;
      Sum value;
      if (!internal::GetOrdered(&k, &from) || !internal::GetOrdered(&k, &to) ||
          !internal::GetOrdered(&k, &period) || k.size() != 1 ||
          !internal::DecodeCounter(absl::string_view(it->value().data(), it->value().size()),
                                   &value)) {
        return absl::DataLossError("views store: malformed flow counter");
      }
      if (!q.from_country.empty() && from != q.from_country) continue;
      if (!q.to_country.empty() && to != q.to_country) continue;
      if (!PeriodOverlaps(period, q.from_period, q.to_period)) continue;
      auto& [row, b] = rows[{from, to, period}];
      row.from_country = from;
      row.to_country = to;
      row.period = period;
      row.month_unknown = bucket == internal::kYearOnlyBucket;
      b = bucket;
      switch (k[0]) {
        case internal::kPeopleField:
          row.people = value;
          break;
        case internal::kIdentifiedField:
          row.identified = value;
          break;
        case internal::kRingleadersField:
          row.ringleaders = value;
          break;
        case internal::kHandoversField:
          row.handovers = value;
          break;
        default:
          return absl::DataLossError("views store: unknown flow field");
      }
    }
    if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  }
  std::vector<FlowRow> out;
  for (auto& [key, rb] : rows) {
    auto& [row, bucket] = rb;
    std::string prefix(1, internal::kFlowEventTag);
    prefix += internal::FlowRowPrefix(bucket, row.from_country, row.to_country, row.period);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (Limited(q.max_events, row.events.size())) break;
      if (it->key().size() != prefix.size() + 20) {
        return absl::DataLossError("views store: malformed flow event key");
      }
      const uint64_t pos = internal::GetFixed64BE(it->key().data() + prefix.size() + 12);
      absl::StatusOr<std::string> eid = r.EventId(pos);
      if (!eid.ok()) return eid.status();
      row.events.push_back(EventRef{*eid, pos});
    }
    if (absl::Status s = IterStatus(*it); !s.ok()) return s;
    out.push_back(std::move(row));
  }
  return out;
}

// --- totals ----------------------------------------------------------------------

absl::StatusOr<Totals> Views::GetTotals() const {
  Reader r(*impl_);
  Totals t;
  t.applied = impl_->applied;
  auto it = r.Iter(internal::kTotalsCf);
  const std::string cprefix(1, internal::kCounterTag);
  for (it->Seek(cprefix); it->Valid() && it->key().starts_with(cprefix); it->Next()) {
    const std::string name = it->key().ToString().substr(1);
    Sum v;
    if (!internal::DecodeCounter(absl::string_view(it->value().data(), it->value().size()), &v)) {
      return absl::DataLossError("views store: malformed totals counter");
    }
    static const std::map<std::string, Sum Totals::*> kFields = {
        {"raids", &Totals::raids},
        {"arrests", &Totals::arrests},
        {"handovers", &Totals::handovers},
        {"sentencings", &Totals::sentencings},
        {"reported_figures", &Totals::reported_figures},
        {"releases", &Totals::releases},
        {"corrections", &Totals::corrections},
        {"retractions", &Totals::retractions},
        {"retracted", &Totals::retracted},
        {"detained", &Totals::detained},
        {"ringleaders_detained", &Totals::ringleaders_detained},
        {"arrests_in_operations", &Totals::arrests_in_operations},
        {"handed_over", &Totals::handed_over},
        {"handed_over_identified", &Totals::handed_over_identified},
        {"handed_over_ringleaders", &Totals::handed_over_ringleaders},
        {"prison_months", &Totals::prison_months},
        {"victims", &Totals::victims},
        {"suspects", &Totals::suspects},
        {"suspects_erased", &Totals::suspects_erased},
        {"operations", &Totals::operations},
        {"cases", &Totals::cases},
    };
    if (auto f = kFields.find(name); f != kFields.end()) {
      t.*(f->second) = v;
    } else if (absl::StartsWith(name, "detained_by_nationality/")) {
      t.detained_by_nationality[name.substr(24)] = v;
    } else if (absl::StartsWith(name, "suspects_by_status/")) {
      t.suspects_by_status[name.substr(19)] = v;
    } else if (absl::StartsWith(name, "amount_defrauded/")) {
      t.amounts_defrauded.push_back(MoneyTotal{name.substr(17), v});
    }
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;

  // Reported figures in effect, each beside its derived figure.
  std::vector<uint64_t> figures;
  const std::string fprefix(1, internal::kFigureTag);
  for (it->Seek(fprefix); it->Valid() && it->key().starts_with(fprefix); it->Next()) {
    if (it->key().size() != 9) return absl::DataLossError("views store: malformed figure key");
    figures.push_back(internal::GetFixed64BE(it->key().data() + 1));
  }
  if (absl::Status s = IterStatus(*it); !s.ok()) return s;
  for (uint64_t pos : figures) {
    EventState st;
    if (absl::Status s = r.State(pos, &st); !s.ok()) return s;
    Event e;
    if (absl::Status s = r.Effective(st, &e); !s.ok()) return s;
    const auto& f = e.reported_figure();
    FigureComparison c;
    c.figure = Contributor{e.event_id(), pos, KindName(e.body_case()), internal::OccurredOf(e)};
    c.metric = f.metric();
    c.from_country = f.from_country();
    c.to_country = f.to_country();
    c.nationality = f.nationality();
    if (f.has_period_from()) c.period_from = MakeDate(f.period_from(), f.period_from_precision());
    if (f.has_period_to()) c.period_to = MakeDate(f.period_to(), f.period_to_precision());
    c.reported = f.value();
    c.approximate = f.approximate();
    c.source = SourceOf(e);
    const char metric = internal::DerivedMetric(f.metric());
    c.derivable = metric != 0;
    if (c.derivable) {
      const auto [ps, pe] = internal::FigurePeriod(f);
      // An event overlapping the period starts at most a year (its unit)
      // before the period does.
      constexpr int64_t kLongestUnit = int64_t{367} * 86400;
      std::string lower(1, internal::kDatedTag);
      lower.push_back(metric);
      const std::string prefix = lower;
      if (ps.first > std::numeric_limits<int64_t>::min() + kLongestUnit) {
        internal::PutOcc(&lower, ps.first - kLongestUnit, 0);
      }
      std::string upper = prefix;
      const bool bounded = pe.first < std::numeric_limits<int64_t>::max();
      if (bounded) internal::PutOcc(&upper, pe.first, pe.second);
      for (it->Seek(lower); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        if (bounded && it->key().compare(upper) >= 0) break;
        internal::DatedFact fact;
        if (!internal::DecodeDatedFact(absl::string_view(it->value().data(), it->value().size()),
                                       &fact)) {
          return absl::DataLossError("views store: malformed dated fact");
        }
        const internal::FigureMatch m = internal::MatchFigure(f, metric, fact);
        c.derived += m.certain;
        c.uncertain += m.uncertain;
        if (m.certain > 0) ++c.derived_events;
        if (m.uncertain > 0) ++c.uncertain_events;
      }
      if (absl::Status s = IterStatus(*it); !s.ok()) return s;
    }
    t.figures.push_back(std::move(c));
  }
  return t;
}

// --- timelines -------------------------------------------------------------------

namespace {

// Messages reused from one entry to the next: parsing into a used message
// keeps its allocations.
struct EntryScratch {
  Event event, effective;
};

absl::StatusOr<TimelineEntry> Entry(const Reader& r, uint64_t pos, const EventState& st,
                                    EntryScratch* scratch) {
  Event& ev = scratch->event;
  if (absl::Status s = r.Parse(st.event, pos, &ev); !s.ok()) return s;
  TimelineEntry e;
  e.position = pos;
  e.event_id = ev.event_id();
  e.stream = ev.stream();
  e.kind = KindName(ev.body_case());
  e.recorded_at = Rfc3339(st.recorded_seconds, st.recorded_nanos);
  e.source = SourceOf(ev);
  auto id_in_tree = [](const EventState& root, uint64_t p) -> std::string {
    for (const auto& n : root.tree) {
      if (n.position == p) return n.event_id;
    }
    return "";
  };
  const bool fix = ev.body_case() == Event::kCorrection || ev.body_case() == Event::kRetraction;
  if (!fix) {
    Event& parsed_effective = scratch->effective;
    if (!st.effective.empty()) {
      if (absl::Status s = r.Effective(st, &parsed_effective); !s.ok()) return s;
    }
    const Event& eff = st.effective.empty() ? ev : parsed_effective;
    e.occurred = internal::OccurredOf(eff);
    const Date original = internal::OccurredOf(ev);
    if (!(original == e.occurred)) e.original_occurred = original;
    e.summary = Summarize(eff);
    e.corrected = st.winner != kNone;
    if (e.corrected) e.corrected_by = id_in_tree(st, st.winner);
    e.retracted = st.retracted_by != kNone;
    if (e.retracted) e.retracted_by = id_in_tree(st, st.retracted_by);
    e.in_effect = !e.retracted;
    return e;
  }
  e.occurred = internal::OccurredOf(ev);
  e.summary = Summarize(ev);
  if (ev.body_case() == Event::kCorrection) {
    e.target_event_id = ev.correction().target_event_id();
    absl::StrAppend(&e.summary, "; now: ", Summarize(ev.correction().replacement()));
  } else {
    e.target_event_id = ev.retraction().target_event_id();
  }
  if (st.root == kNone) return e;  // a fix without effect
  EventState root;
  if (absl::Status s = r.State(st.root, &root); !s.ok()) return s;
  if (ev.body_case() == Event::kRetraction) {
    e.in_effect = true;
    return e;
  }
  for (const auto& n : root.tree) {
    if (!n.retraction && n.target == pos &&
        internal::IsLiveCorrection(st.root, root.tree, n.position)) {
      e.corrected = true;
      e.corrected_by = n.event_id;
    }
  }
  e.retracted = st.retracted_by != kNone;
  if (e.retracted) e.retracted_by = id_in_tree(root, st.retracted_by);
  e.in_effect = root.winner == pos && root.retracted_by == kNone;
  return e;
}

}  // namespace

absl::StatusOr<std::vector<TimelineEntry>> Views::Timeline(const TimelineQuery& q) const {
  Reader r(*impl_);
  const std::string scope = internal::ScopeKey(q.kind, q.key);
  std::string after;  // the full key to resume after
  if (!q.after.empty()) {
    const bool hex = q.after.size() == 40 &&
                     std::all_of(q.after.begin(), q.after.end(), [](char c) {
                       return absl::ascii_isxdigit(static_cast<unsigned char>(c));
                     });
    const std::string suffix = hex ? absl::HexStringToBytes(q.after) : std::string();
    if (!hex) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::CHexEscape(q.after), "\" is not a timeline cursor"));
    }
    after = scope + suffix;
  }
  const bool filtered = !q.event_kind.empty() || q.since != absl::InfinitePast() ||
                        q.until != absl::InfiniteFuture();
  // Entries whose unit starts after `until` cannot overlap: the walk stops
  // there (oldest first) or starts there (newest first). An entry starts at
  // most a year (its longest unit) before a `since` it overlaps.
  constexpr int64_t kLongestUnit = int64_t{367} * 86400;
  std::string upper;  // keys >= upper start after `until`
  if (q.until != absl::InfiniteFuture()) {
    const int64_t secs = absl::ToUnixSeconds(q.until);  // floors
    if (secs < std::numeric_limits<int64_t>::max()) {
      upper = scope;
      internal::PutOcc(&upper, secs + 1, 0);
    }
  }
  std::string lower = scope;  // keys < lower end before `since`
  if (q.since != absl::InfinitePast()) {
    const int64_t secs = absl::ToUnixSeconds(q.since);
    if (secs > std::numeric_limits<int64_t>::min() + kLongestUnit) {
      internal::PutOcc(&lower, secs - kLongestUnit, 0);
    }
  }
  auto keep = [&](const TimelineEntry& e) {
    if (!q.event_kind.empty() && e.kind != q.event_kind) return false;
    const absl::Time start = absl::FromUnixSeconds(e.occurred.seconds) +
                             absl::Nanoseconds(e.occurred.nanos);
    const auto [es, en] = internal::UnitEnd(e.occurred);
    const absl::Time end = absl::FromUnixSeconds(es) + absl::Nanoseconds(en);
    return start <= q.until && end > q.since;
  };
  std::vector<TimelineEntry> out;
  auto it = r.Iter(internal::kTimelinesCf);
  if (!q.newest_first) {
    const std::string& from = after.empty() || after < lower ? lower : after;
    it->Seek(from);
    if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  } else {
    std::string end = scope;
    end.append(20, '\xFF');
    if (!upper.empty() && upper < end) end = upper;
    if (!after.empty() && after < end) end = after;
    it->SeekForPrev(end);
    if (it->Valid() && (it->key() == after || (!upper.empty() && it->key() == upper))) it->Prev();
  }
  // Keys are read in chunks; each chunk's states in one MultiGet.
  const size_t chunk = filtered || q.limit == 0 ? 1024 : q.limit;
  std::vector<uint64_t> positions;
  std::vector<std::string> suffixes;
  std::vector<EventState> states;
  EntryScratch scratch;
  bool done = false;
  while (!done && !Limited(q.limit, out.size())) {
    positions.clear();
    suffixes.clear();
    for (; it->Valid() && it->key().starts_with(scope) && positions.size() < chunk;
         q.newest_first ? it->Prev() : it->Next()) {
      if (it->key().size() != scope.size() + 20) {
        return absl::DataLossError("views store: malformed timeline key");
      }
      if (!q.newest_first && !upper.empty() && it->key().compare(upper) >= 0) break;
      if (q.newest_first && it->key().compare(lower) < 0) break;
      positions.push_back(internal::GetFixed64BE(it->key().data() + scope.size() + 12));
      suffixes.emplace_back(it->key().data() + scope.size(), 20);
    }
    if (absl::Status s = IterStatus(*it); !s.ok()) return s;
    if (positions.size() < chunk) done = true;
    if (positions.empty()) break;
    if (absl::Status s = r.States(positions, &states); !s.ok()) return s;
    for (size_t i = 0; i < positions.size(); ++i) {
      absl::StatusOr<TimelineEntry> e = Entry(r, positions[i], states[i], &scratch);
      if (!e.ok()) return e.status();
      if (filtered && !keep(*e)) continue;
      e->cursor = absl::BytesToHexString(suffixes[i]);
      out.push_back(*std::move(e));
      if (Limited(q.limit, out.size())) break;
    }
  }
  return out;
}

absl::StatusOr<EventHistory> Views::History(uint64_t position) const {
  if (position >= impl_->applied) {
    return absl::OutOfRangeError(absl::StrCat("position ", position,
                                              " is past the views' checkpoint (",
                                              impl_->applied, " records)"));
  }
  Reader r(*impl_);
  EventState st;
  if (absl::Status s = r.State(position, &st); !s.ok()) return s;
  EntryScratch scratch;
  absl::StatusOr<TimelineEntry> entry = Entry(r, position, st, &scratch);
  if (!entry.ok()) return entry.status();
  EventHistory out;
  out.entry = *std::move(entry);
  if (st.kind == Event::kRetraction) return out;
  const bool fix = st.kind == Event::kCorrection;
  if (fix && st.root == kNone) return out;
  EventState root_state;
  if (fix) {
    if (absl::Status s = r.State(st.root, &root_state); !s.ok()) return s;
  }
  const EventState& root = fix ? root_state : st;
  // The tree is in position order and every node names an earlier event:
  // one pass collects the nodes that descend from `position`.
  std::map<uint64_t, std::string> below = {{position, out.entry.event_id}};
  for (const auto& n : root.tree) {
    auto it = below.find(n.target);
    if (n.position <= position || it == below.end()) continue;
    Fix f;
    f.event = {n.event_id, n.position};
    f.kind = n.retraction ? "retraction" : "correction";
    f.target_event_id = it->second;
    f.target_position = n.target;
    out.fixes.push_back(std::move(f));
    below[n.position] = n.event_id;
  }
  return out;
}

// --- digests ---------------------------------------------------------------------

namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

int CfOfView(const std::string& view) {
  for (int c = 1; c < internal::kNumCfs; ++c) {
    if (view == internal::kViewNames[c]) return c;
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::vector<ViewDigest>> Views::Digests() const {
  Reader r(*impl_);
  std::vector<ViewDigest> out;
  std::string framed;
  for (int c = 1; c < internal::kNumCfs; ++c) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
      return absl::InternalError("SHA-256 is unavailable");
    }
    ViewDigest d;
    d.view = internal::kViewNames[c];
    auto it = r.Iter(static_cast<Cf>(c));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      framed.clear();
      PutVarint(&framed, it->key().size());
      framed.append(it->key().data(), it->key().size());
      PutVarint(&framed, it->value().size());
      framed.append(it->value().data(), it->value().size());
      EVP_DigestUpdate(ctx.get(), framed.data(), framed.size());
      ++d.entries;
    }
    if (absl::Status s = IterStatus(*it); !s.ok()) return s;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    d.sha256 = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len));
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<std::string> Views::FirstDifference(const Views& other,
                                                   const std::string& view) const {
  const int c = CfOfView(view);
  if (c < 0) return absl::InvalidArgumentError(absl::StrCat("no view named \"", view, "\""));
  Reader a(*impl_), b(*other.impl_);
  auto ia = a.Iter(static_cast<Cf>(c));
  auto ib = b.Iter(static_cast<Cf>(c));
  ia->SeekToFirst();
  ib->SeekToFirst();
  auto hex = [](const rocksdb::Slice& k) {
    return absl::StrCat("key \"", absl::CHexEscape(absl::string_view(k.data(), k.size())), "\"");
  };
  while (ia->Valid() && ib->Valid()) {
    const int cmp = ia->key().compare(ib->key());
    if (cmp < 0) return absl::StrCat(hex(ia->key()), " (only in the first store)");
    if (cmp > 0) return absl::StrCat(hex(ib->key()), " (only in the second store)");
    if (ia->value() != ib->value()) return absl::StrCat(hex(ia->key()), " (values differ)");
    ia->Next();
    ib->Next();
  }
  if (absl::Status s = IterStatus(*ia); !s.ok()) return s;
  if (absl::Status s = IterStatus(*ib); !s.ok()) return s;
  if (ia->Valid()) return absl::StrCat(hex(ia->key()), " (only in the first store)");
  if (ib->Valid()) return absl::StrCat(hex(ib->key()), " (only in the second store)");
  return std::string();
}

}  // namespace projections
