#include "projections/rules.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/record_coding.h"

namespace projections::internal {

using enforcement::v1::Event;

// --- corrections and retractions -------------------------------------------------

namespace {

// Fills live[position] for every correction node of `tree`.
void Liveness(uint64_t root, const std::vector<TreeNode>& tree,
              absl::flat_hash_map<uint64_t, bool>* live) {
  for (const TreeNode& n : tree) {
    if (n.retraction) continue;
    bool l = n.retracted_by == kNone;
    if (l && n.target != root) {
      auto it = live->find(n.target);
      l = it != live->end() && it->second;
    }
    (*live)[n.position] = l;
  }
}

}  // namespace

Resolution Resolve(uint64_t root, const std::vector<TreeNode>& tree) {
  absl::flat_hash_map<uint64_t, bool> live;
  Liveness(root, tree, &live);
  Resolution r;
  for (const TreeNode& n : tree) {  // position order: the last live one wins
    if (n.retraction || !live[n.position]) continue;
    r.winner = n.position;
    if (n.has_date) r.date_from = n.position;
  }
  return r;
}

bool IsLiveCorrection(uint64_t root, const std::vector<TreeNode>& tree, uint64_t position) {
  absl::flat_hash_map<uint64_t, bool> live;
  Liveness(root, tree, &live);
  auto it = live.find(position);
  return it != live.end() && it->second;
}

void CopyBody(const Event& src, Event* dst) {
  switch (src.body_case()) {
    case Event::kRaid:
      *dst->mutable_raid() = src.raid();
      break;
    case Event::kArrest:
      *dst->mutable_arrest() = src.arrest();
      break;
    case Event::kHandover:
      *dst->mutable_handover() = src.handover();
      break;
    case Event::kSentencing:
      *dst->mutable_sentencing() = src.sentencing();
      break;
    case Event::kReportedFigure:
      *dst->mutable_reported_figure() = src.reported_figure();
      break;
    case Event::kRelease:
      *dst->mutable_release() = src.release();
      break;
    case Event::kErasure:
      *dst->mutable_erasure() = src.erasure();
      break;
    case Event::kCorrection:
      *dst->mutable_correction() = src.correction();
      break;
    case Event::kRetraction:
      *dst->mutable_retraction() = src.retraction();
      break;
    case Event::BODY_NOT_SET:
      break;
  }
}

Event MakeEffective(const Event& original, const Event* body_from, const Event* date_from) {
  Event e = original;
  if (body_from != nullptr) CopyBody(body_from->correction().replacement(), &e);
  if (date_from != nullptr) {
    const Event& r = date_from->correction().replacement();
    *e.mutable_occurred_at() = r.occurred_at();
    e.set_occurred_precision(r.occurred_precision());
  }
  return e;
}

Date OccurredOf(const Event& e) { return MakeDate(e.occurred_at(), e.occurred_precision()); }

std::pair<int64_t, int32_t> UnitEnd(const Date& d) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time t = absl::FromUnixSeconds(d.seconds);
  switch (d.precision) {
    case enforcement::v1::PRECISION_DAY:
      return {d.seconds + 86400, d.nanos};
    case enforcement::v1::PRECISION_MONTH: {
      const absl::CivilMonth m = absl::ToCivilMonth(t, utc) + 1;
      return {absl::ToUnixSeconds(absl::FromCivil(m, utc)), 0};
    }
    case enforcement::v1::PRECISION_YEAR: {
      const absl::CivilYear y = absl::ToCivilYear(t, utc) + 1;
      return {absl::ToUnixSeconds(absl::FromCivil(y, utc)), 0};
    }
    default:
      if (d.nanos + 1 >= 1000000000) return {d.seconds + 1, 0};
      return {d.seconds, d.nanos + 1};
  }
}

std::string MonthText(const Date& d) {
  const absl::CivilSecond c =
      absl::ToCivilSecond(absl::FromUnixSeconds(d.seconds), absl::UTCTimeZone());
  return absl::StrFormat("%04d-%02d", c.year(), c.month());
}

std::string YearText(const Date& d) {
  const absl::CivilSecond c =
      absl::ToCivilSecond(absl::FromUnixSeconds(d.seconds), absl::UTCTimeZone());
  return absl::StrFormat("%04d", c.year());
}

// --- contributions ------------------------------------------------------------------

std::vector<std::string> ScopesOf(const Event& e) {
  std::vector<std::string> s;
  s.reserve(6);
  auto add = [&](TimelineKind k, const std::string& key) {
    if (!key.empty()) s.push_back(ScopeKey(k, key));
  };
  s.push_back(ScopeKey(TimelineKind::kGlobal, ""));
  switch (e.body_case()) {
    case Event::kRaid: {
      const auto& r = e.raid();
      add(TimelineKind::kOperation, r.operation_id());
      add(TimelineKind::kCountry, r.location().country());
      add(TimelineKind::kCountry, r.tip_from_country());
      for (const auto& a : r.agencies()) add(TimelineKind::kCountry, a.country());
      break;
    }
    case Event::kArrest: {
      const auto& a = e.arrest();
      add(TimelineKind::kSuspect, a.suspect().suspect_id());
      add(TimelineKind::kOperation, a.operation_id());
      add(TimelineKind::kCountry, a.location().country());
      add(TimelineKind::kCountry, a.agency().country());
      break;
    }
    case Event::kHandover: {
      const auto& h = e.handover();
      for (const auto& id : h.suspect_ids()) add(TimelineKind::kSuspect, id);
      add(TimelineKind::kOperation, h.operation_id());
      add(TimelineKind::kCountry, h.from_country());
      add(TimelineKind::kCountry, h.to_country());
      add(TimelineKind::kCountry, h.from_agency().country());
      add(TimelineKind::kCountry, h.to_agency().country());
      break;
    }
    case Event::kSentencing: {
      const auto& t = e.sentencing();
      add(TimelineKind::kSuspect, t.suspect_id());
      add(TimelineKind::kCase, t.case_id());
      add(TimelineKind::kCountry, t.court_country());
      break;
    }
    case Event::kReportedFigure: {
      const auto& f = e.reported_figure();
      add(TimelineKind::kCountry, f.from_country());
      add(TimelineKind::kCountry, f.to_country());
      break;
    }
    case Event::kRelease: {
      const auto& r = e.release();
      add(TimelineKind::kSuspect, r.suspect_id());
      add(TimelineKind::kCase, r.case_id());
      add(TimelineKind::kCountry, r.country());
      add(TimelineKind::kCountry, r.agency().country());
      break;
    }
    case Event::kErasure:
      add(TimelineKind::kSuspect, e.erasure().subject_id());
      break;
    default:
      break;
  }
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

namespace {

// What a member value keeps of a message: the fields listed (by number,
// increasing), each whole or, with `inner`, filtered in turn; a message
// field that is kept stays present even if nothing of it is kept. Field
// numbers: proto/enforcement/v1/event.proto.
struct FieldFilter {
  struct Kept {
    int field;
    const FieldFilter* inner;  // null: the field whole
  };
  std::vector<Kept> kept;
  const Kept* Find(int field) const {
    for (const Kept& k : kept) {
      if (k.field == field) return &k;
    }
    return nullptr;
  }
};

// What the entity views read of their members' events (BuildSuspect,
// BuildOperationCore, BuildCase, ContributorOf, OccurredOf): raids,
// sentencings, releases and erasures whole; of an arrest its suspect's name,
// nationality and role, its operation and its location's and agency's
// countries; of a handover its destination, nationality and operation.
const FieldFilter& MemberFilter() {
  static const FieldFilter* const filter = [] {
    static const FieldFilter suspect{{{2, nullptr}, {3, nullptr}, {4, nullptr}}};  // name, nat., role
    static const FieldFilter country_of_location{{{3, nullptr}}};
    static const FieldFilter country_of_agency{{{2, nullptr}}};
    static const FieldFilter arrest{
        {{1, &suspect}, {2, nullptr}, {3, &country_of_location}, {4, &country_of_agency}}};
    static const FieldFilter handover{{{2, nullptr}, {8, nullptr}, {9, nullptr}}};
    return new FieldFilter{{{1, nullptr},    // event_id
                            {3, nullptr},    // occurred_at
                            {4, nullptr},    // occurred_precision
                            {10, nullptr},   // raid
                            {11, &arrest},   // arrest
                            {12, &handover}, // handover
                            {13, nullptr},   // sentencing
                            {17, nullptr},   // release
                            {18, nullptr}}}; // erasure
  }();
  return *filter;
}

// Copies to `out` what `filter` keeps of the encoded message `in`. A
// deterministic encoding stays deterministic: the fields kept keep their
// order, and a filtered message field gets its new length.
bool FilterFields(absl::string_view in, const FieldFilter& filter, std::string* out) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  google::protobuf::io::CodedInputStream cin(reinterpret_cast<const uint8_t*>(in.data()),
                                             static_cast<int>(in.size()));
  std::string inner;
  for (size_t start = 0;; start = static_cast<size_t>(cin.CurrentPosition())) {
    const uint32_t tag = cin.ReadTag();
    if (tag == 0) break;
    const FieldFilter::Kept* kept = filter.Find(WireFormatLite::GetTagFieldNumber(tag));
    if (kept != nullptr && kept->inner != nullptr &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t size;
      if (!cin.ReadVarint32(&size)) return false;
      const size_t at = static_cast<size_t>(cin.CurrentPosition());
      if (size > in.size() - at || !cin.Skip(static_cast<int>(size))) return false;
      inner.clear();
      if (!FilterFields(in.substr(at, size), *kept->inner, &inner)) return false;
      uint8_t head[10];
      uint8_t* end = CodedOutputStream::WriteVarint32ToArray(tag, head);
      end = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(inner.size()), end);
      out->append(reinterpret_cast<const char*>(head), end - head);
      out->append(inner);
      continue;
    }
    if (!WireFormatLite::SkipField(&cin, tag)) return false;
    if (kept == nullptr) continue;
    out->append(in.data() + start, static_cast<size_t>(cin.CurrentPosition()) - start);
  }
  return cin.ConsumedEntireMessage();
}

}  // namespace

bool MemberValueFromBytes(absl::string_view event_bytes, std::string* out) {
  out->clear();
  return FilterFields(event_bytes, MemberFilter(), out);
}

std::string MemberValue(const Event& effective) {
  Event e;
  e.set_event_id(effective.event_id());
  if (effective.has_occurred_at()) *e.mutable_occurred_at() = effective.occurred_at();
  e.set_occurred_precision(effective.occurred_precision());
  switch (effective.body_case()) {
    case Event::kRaid:
      *e.mutable_raid() = effective.raid();
      break;
    case Event::kArrest: {
      const auto& a = effective.arrest();
      auto* out = e.mutable_arrest();
      if (a.has_suspect()) {
        out->mutable_suspect()->set_name(a.suspect().name());
        out->mutable_suspect()->set_nationality(a.suspect().nationality());
        out->mutable_suspect()->set_role(a.suspect().role());
      }
      out->set_operation_id(a.operation_id());
      if (a.has_location()) out->mutable_location()->set_country(a.location().country());
      if (a.has_agency()) out->mutable_agency()->set_country(a.agency().country());
      break;
    }
    case Event::kHandover: {
      const auto& h = effective.handover();
      auto* out = e.mutable_handover();
      out->set_to_country(h.to_country());
      out->set_nationality(h.nationality());
      out->set_operation_id(h.operation_id());
      break;
    }
    case Event::kSentencing:
      *e.mutable_sentencing() = effective.sentencing();
      break;
    case Event::kRelease:
      *e.mutable_release() = effective.release();
      break;
    case Event::kErasure:
      *e.mutable_erasure() = effective.erasure();
      break;
    default:
      break;
  }
  std::string out;
  ledger::SerializeEventDeterministic(e, &out);
  return out;
}

std::string TotalsCounterKey(absl::string_view name) {
  return absl::StrCat(std::string(1, kCounterTag), name);
}

std::string OperationCounterKey(absl::string_view operation_id, absl::string_view name) {
  std::string k = EntityCounterPrefix(operation_id);
  k.append(name.data(), name.size());
  return k;
}

namespace {

void Total(Contribution* c, absl::string_view name, int64_t v) {
  c->counters.push_back({kTotalsCf, TotalsCounterKey(name), v});
}

void OpCounter(Contribution* c, const std::string& op, absl::string_view name, int64_t v) {
  c->counters.push_back({kOperationsCf, OperationCounterKey(op, name), v});
}

void FlowBucket(Contribution* c, char bucket, const enforcement::v1::Handover& h,
                const std::string& period, const Date& occurred, uint64_t position) {
  const std::string prefix = FlowRowPrefix(bucket, h.from_country(), h.to_country(), period);
  auto field = [&](char f, int64_t v) {
    std::string k = prefix;
    k.push_back(f);
    c->counters.push_back({kFlowsCf, std::move(k), v});
  };
  field(kPeopleField, h.suspects_count());
  field(kIdentifiedField, h.suspect_ids_size());
  field(kRingleadersField, h.ringleaders_count());
  field(kHandoversField, 1);
  std::string ek(1, kFlowEventTag);
  ek += prefix;
  PutOcc(&ek, occurred.seconds, occurred.nanos);
  PutFixed64BE(&ek, position);
  c->flow_events.push_back(std::move(ek));
}

}  // namespace

void ComputeContribution(const Event& e, uint64_t position, Contribution* c) {
  const Date occ = OccurredOf(e);
  switch (e.body_case()) {
    case Event::kRaid: {
      const auto& r = e.raid();
      c->members.push_back({kOperationsCf, r.operation_id(), kRaidMember});
      Total(c, "raids", 1);
      Total(c, "detained", r.suspects_detained());
      Total(c, "ringleaders_detained", r.ringleaders_detained());
      DatedFact f;
      f.occurred = occ;
      f.from_country = r.location().country();
      f.count = r.suspects_detained();
      std::map<std::string, int64_t> by(r.detained_by_nationality().begin(),
                                        r.detained_by_nationality().end());
      for (const auto& [k, v] : by) {
        Total(c, absl::StrCat("detained_by_nationality/", k), v);
        f.by_nationality.emplace_back(k, v);
      }
      c->dated.emplace_back(DatedKey(kDatedRaid, occ, position), EncodeDatedFact(f));
      break;
    }
    case Event::kArrest: {
      const auto& a = e.arrest();
      c->members.push_back({kSuspectsCf, a.suspect().suspect_id(), kArrestMember});
      Total(c, "arrests", 1);
      if (!a.operation_id().empty()) {
        const std::string& op = a.operation_id();
        c->members.push_back({kOperationsCf, op, kArrestMember});
        Total(c, "arrests_in_operations", 1);
        OpCounter(c, op, "arrests", 1);
        if (a.suspect().role() == enforcement::v1::ROLE_RINGLEADER) {
          OpCounter(c, op, "arrested_ringleaders", 1);
        }
        if (!a.suspect().nationality().empty()) {
          OpCounter(c, op, absl::StrCat("arrests_by_nationality/", a.suspect().nationality()), 1);
        }
      }
      DatedFact f;
      f.occurred = occ;
      f.from_country = a.location().country();
      f.nationality = a.suspect().nationality();
      f.count = 1;
      c->dated.emplace_back(DatedKey(kDatedArrest, occ, position), EncodeDatedFact(f));
      break;
    }
    case Event::kHandover: {
      const auto& h = e.handover();
      for (const auto& id : h.suspect_ids()) {
        c->members.push_back({kSuspectsCf, id, kHandoverMember});
      }
      Total(c, "handovers", 1);
      Total(c, "handed_over", h.suspects_count());
      Total(c, "handed_over_identified", h.suspect_ids_size());
      Total(c, "handed_over_ringleaders", h.ringleaders_count());
      if (!h.operation_id().empty()) {
        const std::string& op = h.operation_id();
        c->members.push_back({kOperationsCf, op, kHandoverMember});
        OpCounter(c, op, "handovers", 1);
        OpCounter(c, op, "handed_over", h.suspects_count());
        OpCounter(c, op, "handed_over_identified", h.suspect_ids_size());
        OpCounter(c, op, absl::StrCat("handed_over_to/", h.to_country()), h.suspects_count());
      }
      if (occ.precision == enforcement::v1::PRECISION_YEAR) {
        FlowBucket(c, kYearOnlyBucket, h, YearText(occ), occ, position);
      } else {
        FlowBucket(c, kMonthBucket, h, MonthText(occ), occ, position);
      }
      FlowBucket(c, kYearBucket, h, YearText(occ), occ, position);
      DatedFact f;
      f.occurred = occ;
      f.from_country = h.from_country();
      f.to_country = h.to_country();
      f.nationality = h.nationality();
      f.count = h.suspects_count();
      c->dated.emplace_back(DatedKey(kDatedHandover, occ, position), EncodeDatedFact(f));
      break;
    }
    case Event::kSentencing: {
      const auto& t = e.sentencing();
      c->members.push_back({kSuspectsCf, t.suspect_id(), kSentencingMember});
      c->members.push_back({kCasesCf, t.case_id(), kSentencingMember});
      Total(c, "sentencings", 1);
      DatedFact f;
      f.occurred = occ;
      f.nationality = t.suspect_nationality();
      f.count = 1;
      c->dated.emplace_back(DatedKey(kDatedSentencing, occ, position), EncodeDatedFact(f));
      break;
    }
    case Event::kReportedFigure:
      Total(c, "reported_figures", 1);
      c->figure = true;
      break;
    case Event::kRelease:
      c->members.push_back({kSuspectsCf, e.release().suspect_id(), kReleaseMember});
      Total(c, "releases", 1);
      break;
    case Event::kErasure:
      c->members.push_back({kSuspectsCf, e.erasure().subject_id(), kErasureMember});
      break;
    default:
      break;
  }
}

// --- entity views ---------------------------------------------------------------------

void SortTimelineOrder(std::vector<MemberEvent>* members) {
  std::sort(members->begin(), members->end(), [](const MemberEvent& a, const MemberEvent& b) {
    if (a.occurred.seconds != b.occurred.seconds) return a.occurred.seconds < b.occurred.seconds;
    if (a.occurred.nanos != b.occurred.nanos) return a.occurred.nanos < b.occurred.nanos;
    return a.position < b.position;
  });
}

namespace {

Contributor ContributorOf(const MemberEvent& m) {
  return Contributor{m.event.event_id(), m.position, KindName(m.event.body_case()), m.occurred};
}

SentenceInfo SentenceOf(const MemberEvent& m) {
  const auto& t = m.event.sentencing();
  SentenceInfo s;
  s.case_id = t.case_id();
  s.court = t.court();
  s.prison_months = t.prison_months();
  if (t.has_fine()) s.fine = MoneyView{t.fine().currency(), t.fine().minor_units()};
  s.instance = InstanceName(t.instance());
  s.offences.assign(t.offences().begin(), t.offences().end());
  s.occurred = m.occurred;
  s.event = EventRef{m.event.event_id(), m.position};
  return s;
}

void SetIf(std::string* dst, const std::string& v) {
  if (!v.empty()) *dst = v;
}

bool DateLess(const Date& a, const Date& b) {
  if (a.seconds != b.seconds) return a.seconds < b.seconds;
  if (a.nanos != b.nanos) return a.nanos < b.nanos;
  return a.precision < b.precision;
}

}  // namespace

SuspectView BuildSuspect(const std::string& suspect_id, const std::vector<MemberEvent>& members) {
  SuspectView v;
  v.suspect_id = suspect_id;
  bool sentenced = false, handed_over = false, custody_known = false;
  // Released while a release is the latest custody event (timeline order):
  // a later arrest, handover or sentencing ends it.
  bool released = false;
  for (const MemberEvent& m : members) {
    const Event::BodyCase kind = m.event.body_case();
    if (kind == Event::kArrest || kind == Event::kHandover || kind == Event::kSentencing) {
      released = false;
    }
    if (kind != Event::kErasure) custody_known = true;
    v.events.push_back(ContributorOf(m));
    switch (m.event.body_case()) {
      case Event::kArrest: {
        const auto& a = m.event.arrest();
        SetIf(&v.name, a.suspect().name());
        SetIf(&v.nationality, a.suspect().nationality());
        SetIf(&v.role, RoleName(a.suspect().role()));
        SetIf(&v.operation_id, a.operation_id());
        if (!a.location().country().empty()) {
          v.custody_country = a.location().country();
        } else if (!a.agency().country().empty()) {
          v.custody_country = a.agency().country();
        }
        break;
      }
      case Event::kHandover: {
        const auto& h = m.event.handover();
        handed_over = true;
        SetIf(&v.nationality, h.nationality());
        SetIf(&v.operation_id, h.operation_id());
        v.custody_country = h.to_country();
        break;
      }
      case Event::kSentencing: {
        const auto& t = m.event.sentencing();
        sentenced = true;
        SetIf(&v.name, t.suspect_name());
        SetIf(&v.nationality, t.suspect_nationality());
        SetIf(&v.role, RoleName(t.role()));
        v.sentence = SentenceOf(m);
        break;
      }
      case Event::kRelease:
        released = true;
        v.custody_country.clear();  // in nobody's custody
        break;
      case Event::kErasure: {
        // Erased for good: a later event of the same subject updates the
        // other fields but never this (docs/PROJECTIONS.md "Erasure").
        const auto& x = m.event.erasure();
        if (!v.erased) {
          v.erased = true;
          v.erased_at = m.occurred;
          v.erasure_authority = x.authority();
          v.erasure_reason = x.reason();
        }
        break;
      }
      default:
        break;
    }
  }
  v.status = !custody_known ? "unknown"
             : released     ? "released"
             : sentenced    ? "sentenced"
             : handed_over  ? "handed_over"
                            : "detained";
  // No name of an erased subject in any view (format 2 records hold none;
  // this also covers a name from a record of another format).
  if (v.erased) v.name.clear();
  if (!members.empty()) {
    v.first_occurred = members.front().occurred;
    v.last_occurred = members.back().occurred;
  }
  return v;
}

OperationView BuildOperationCore(const std::string& operation_id,
                                 const std::vector<MemberEvent>& raids) {
  OperationView v;
  v.operation_id = operation_id;
  std::set<std::pair<std::string, std::string>> agencies;  // (country, name)
  std::set<std::string> tips;
  std::map<std::string, std::pair<Sum, bool>> seized;
  bool located = false;
  for (const MemberEvent& m : raids) {
    const auto& r = m.event.raid();
    const auto& loc = r.location();
    if (!located && (!loc.place().empty() || !loc.region().empty() || !loc.country().empty())) {
      located = true;
      v.place = loc.place();
      v.region = loc.region();
      v.country = loc.country();
    }
    for (const auto& a : r.agencies()) agencies.emplace(a.country(), a.name());
    if (!r.tip_from_country().empty()) tips.insert(r.tip_from_country());
    RaidSummary s;
    s.event = EventRef{m.event.event_id(), m.position};
    s.occurred = m.occurred;
    s.place = loc.place();
    s.region = loc.region();
    s.country = loc.country();
    s.detained = r.suspects_detained();
    s.ringleaders = r.ringleaders_detained();
    s.note = r.note();
    v.raids.push_back(std::move(s));
    v.detained += r.suspects_detained();
    v.ringleaders_detained += r.ringleaders_detained();
    for (const auto& [k, n] : r.detained_by_nationality()) v.detained_by_nationality[k] += n;
    for (const auto& item : r.seized()) {
      auto& [qty, unknown] = seized[item.item()];
      if (item.quantity() == 0) {
        unknown = true;
      } else {
        qty += item.quantity();
      }
    }
  }
  for (const auto& [country, name] : agencies) v.agencies.push_back(AgencyView{name, country});
  v.tip_from_countries.assign(tips.begin(), tips.end());
  for (const auto& [item, q] : seized) v.seized.push_back(SeizedTotal{item, q.first, q.second});
  if (!raids.empty()) {
    v.first_raid = raids.front().occurred;
    v.last_raid = raids.back().occurred;
  }
  return v;
}

CaseView BuildCase(const std::string& case_id, const std::vector<MemberEvent>& members) {
  CaseView v;
  v.case_id = case_id;
  std::set<std::string> courts;
  std::map<std::string, Defendant> defendants;
  std::map<std::string, int64_t> amounts, equivalents;
  for (const MemberEvent& m : members) {
    v.events.push_back(ContributorOf(m));
    const auto& t = m.event.sentencing();
    if (!t.court().empty()) courts.insert(t.court());
    Defendant& d = defendants[t.suspect_id()];
    d.suspect_id = t.suspect_id();
    SetIf(&d.name, t.suspect_name());
    SetIf(&d.nationality, t.suspect_nationality());
    SetIf(&d.role, RoleName(t.role()));
    d.sentence = SentenceOf(m);
    v.victims = std::max(v.victims, t.victims());
    if (t.has_amount_defrauded()) {
      auto [it, inserted] =
          amounts.emplace(t.amount_defrauded().currency(), t.amount_defrauded().minor_units());
      if (!inserted) it->second = std::max(it->second, t.amount_defrauded().minor_units());
    }
    if (t.has_amount_defrauded_equivalent()) {
      auto [it, inserted] = equivalents.emplace(t.amount_defrauded_equivalent().currency(),
                                                t.amount_defrauded_equivalent().minor_units());
      if (!inserted) {
        it->second = std::max(it->second, t.amount_defrauded_equivalent().minor_units());
      }
    }
    if (t.has_offence_from()) {
      const Date d0 = MakeDate(t.offence_from(), t.offence_from_precision());
      if (!v.offence_from.set() || DateLess(d0, v.offence_from)) v.offence_from = d0;
    }
    if (t.has_offence_to()) {
      const Date d1 = MakeDate(t.offence_to(), t.offence_to_precision());
      if (!v.offence_to.set() || DateLess(v.offence_to, d1)) v.offence_to = d1;
    }
  }
  v.courts.assign(courts.begin(), courts.end());
  for (auto& [id, d] : defendants) {
    v.prison_months_total += d.sentence.prison_months;
    v.defendants.push_back(std::move(d));
  }
  for (const auto& [c, n] : amounts) v.amounts_defrauded.push_back(MoneyView{c, n});
  for (const auto& [c, n] : equivalents) v.amounts_defrauded_equivalent.push_back(MoneyView{c, n});
  return v;
}

// --- derived figures --------------------------------------------------------------------

char DerivedMetric(absl::string_view metric) {
  if (metric == "suspects_handed_over") return kDatedHandover;
  if (metric == "suspects_detained") return kDatedRaid;
  if (metric == "suspects_arrested") return kDatedArrest;
  if (metric == "suspects_sentenced") return kDatedSentencing;
  return 0;
}

std::pair<std::pair<int64_t, int32_t>, std::pair<int64_t, int32_t>> FigurePeriod(
    const enforcement::v1::ReportedFigure& f) {
  std::pair<int64_t, int32_t> start{std::numeric_limits<int64_t>::min(), 0};
  std::pair<int64_t, int32_t> end{std::numeric_limits<int64_t>::max(), 0};
  if (f.has_period_from()) start = {f.period_from().seconds(), f.period_from().nanos()};
  if (f.has_period_to()) end = UnitEnd(MakeDate(f.period_to(), f.period_to_precision()));
  return {start, end};
}

FigureMatch MatchFigure(const enforcement::v1::ReportedFigure& figure, char metric,
                        const DatedFact& fact) {
  const auto [ps, pe] = FigurePeriod(figure);
  const std::pair<int64_t, int32_t> s{fact.occurred.seconds, fact.occurred.nanos};
  const std::pair<int64_t, int32_t> e = UnitEnd(fact.occurred);
  if (!(s < pe && e > ps)) return {};
  bool uncertain = !(s >= ps && e <= pe);
  auto filter = [&](const std::string& want, const std::string& have) {
    if (want.empty() || want == have) return true;
    if (have.empty()) {
      uncertain = true;
      return true;
    }
    return false;
  };
  if (!filter(figure.from_country(), fact.from_country)) return {};
  if (!filter(figure.to_country(), fact.to_country)) return {};
  Sum certain = 0, maybe = 0;
  const std::string& nat = figure.nationality();
  if (nat.empty()) {
    certain = fact.count;
  } else if (metric == kDatedRaid) {
    Sum listed = 0;
    for (const auto& [k, v] : fact.by_nationality) {
      listed += v;
      if (k == nat) certain = v;
    }
    maybe = fact.count - listed;
  } else if (fact.nationality == nat) {
    certain = fact.count;
  } else if (fact.nationality.empty()) {
    maybe = fact.count;
  } else {
    return {};
  }
  if (uncertain) return {0, certain + maybe};
  return {certain, maybe};
}

}  // namespace projections::internal
