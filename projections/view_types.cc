#include "projections/view_types.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/validate.h"
#include "projections/json_writer.h"

namespace projections {

using enforcement::v1::Event;
using enforcement::v1::Precision;

std::string SumText(Sum v) {
  std::string out;
  AppendDecimal(v, &out);
  return out;
}

std::string PrecisionName(Precision p) {
  switch (p) {
    case enforcement::v1::PRECISION_EXACT: return "exact";
    case enforcement::v1::PRECISION_DAY: return "day";
    case enforcement::v1::PRECISION_MONTH: return "month";
    case enforcement::v1::PRECISION_YEAR: return "year";
    default: return "";
  }
}

std::string RoleName(enforcement::v1::Role r) {
  switch (r) {
    case enforcement::v1::ROLE_MEMBER: return "member";
    case enforcement::v1::ROLE_RINGLEADER: return "ringleader";
    case enforcement::v1::ROLE_RECRUITER: return "recruiter";
    case enforcement::v1::ROLE_MONEY_MULE: return "money_mule";
    case enforcement::v1::ROLE_FACILITATOR: return "facilitator";
    case enforcement::v1::ROLE_UNSPECIFIED: return "";
    default: return absl::StrCat("role_", static_cast<int>(r));
  }
}

std::string InstanceName(enforcement::v1::Instance i) {
  switch (i) {
    case enforcement::v1::INSTANCE_FIRST: return "first";
    case enforcement::v1::INSTANCE_APPEAL: return "appeal";
    case enforcement::v1::INSTANCE_FINAL: return "final";
    case enforcement::v1::INSTANCE_UNSPECIFIED: return "";
    default: return absl::StrCat("instance_", static_cast<int>(i));
  }
}

std::string KindName(Event::BodyCase k) { return ledger::BodyName(k); }

std::string TimelineKindName(TimelineKind k) {
  switch (k) {
    case TimelineKind::kSuspect: return "suspect";
    case TimelineKind::kOperation: return "operation";
    case TimelineKind::kCase: return "case";
    case TimelineKind::kCountry: return "country";
    case TimelineKind::kGlobal: return "global";
  }
  return "unknown";
}

bool ParseTimelineKind(absl::string_view name, TimelineKind* kind) {
  for (TimelineKind k : {TimelineKind::kSuspect, TimelineKind::kOperation, TimelineKind::kCase,
                         TimelineKind::kCountry, TimelineKind::kGlobal}) {
    if (name == TimelineKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Date MakeDate(const google::protobuf::Timestamp& ts, Precision p) {
  Date d;
  d.seconds = ts.seconds();
  d.nanos = ts.nanos();
  d.precision = p;
  return d;
}

std::string Rfc3339(int64_t seconds, int32_t nanos) {
  const absl::Time t = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string DateText(const Date& d) {
  if (!d.set()) return "";
  const absl::CivilSecond cs =
      absl::ToCivilSecond(absl::FromUnixSeconds(d.seconds), absl::UTCTimeZone());
  switch (d.precision) {
    case enforcement::v1::PRECISION_YEAR: return absl::StrFormat("%04d", cs.year());
    case enforcement::v1::PRECISION_MONTH:
      return absl::StrFormat("%04d-%02d", cs.year(), cs.month());
    case enforcement::v1::PRECISION_DAY:
      return absl::StrFormat("%04d-%02d-%02d", cs.year(), cs.month(), cs.day());
    default: return Rfc3339(d.seconds, d.nanos);
  }
}

namespace {

std::string MoneyText(const enforcement::v1::Money& m) {
  return absl::StrCat(m.currency(), " ", m.minor_units());
}

std::string Countries(const google::protobuf::Map<std::string, int64_t>& m) {
  std::map<std::string, int64_t> sorted(m.begin(), m.end());
  std::vector<std::string> parts;
  for (const auto& [k, v] : sorted) parts.push_back(absl::StrCat(k, " ", v));
  return absl::StrJoin(parts, ", ");
}

}  // namespace

std::string Summarize(const Event& e) {
  switch (e.body_case()) {
    case Event::kRaid: {
      const auto& r = e.raid();
      std::string s = absl::StrCat("raid ", r.operation_id());
      if (!r.location().place().empty() || !r.location().country().empty()) {
        std::vector<std::string> where;
        if (!r.location().place().empty()) where.push_back(r.location().place());
        if (!r.location().country().empty()) where.push_back(r.location().country());
        absl::StrAppend(&s, " at ", absl::StrJoin(where, ", "));
      }
      absl::StrAppend(&s, ": ", r.suspects_detained(), " detained");
      if (!r.detained_by_nationality().empty()) {
        absl::StrAppend(&s, " (", Countries(r.detained_by_nationality()), ")");
      }
      absl::StrAppend(&s, ", ", r.ringleaders_detained(), " ringleaders");
      if (!r.seized().empty()) {
        std::vector<std::string> items;
        for (const auto& it : r.seized()) {
          items.push_back(it.quantity() == 0 ? absl::StrCat(it.item(), " (quantity unknown)")
                                             : absl::StrCat(it.quantity(), " ", it.item()));
        }
        absl::StrAppend(&s, "; seized ", absl::StrJoin(items, ", "));
      }
      return s;
    }
    case Event::kArrest: {
      const auto& a = e.arrest();
      std::string s = absl::StrCat("arrest of ", a.suspect().suspect_id());
      std::vector<std::string> about;
      if (!a.suspect().name().empty()) about.push_back(a.suspect().name());
      if (!a.suspect().nationality().empty()) about.push_back(a.suspect().nationality());
      if (a.suspect().role() != enforcement::v1::ROLE_UNSPECIFIED) {
        about.push_back(RoleName(a.suspect().role()));
      }
      if (!about.empty()) absl::StrAppend(&s, " (", absl::StrJoin(about, ", "), ")");
      if (!a.operation_id().empty()) absl::StrAppend(&s, " in operation ", a.operation_id());
      if (!a.location().country().empty()) absl::StrAppend(&s, " in ", a.location().country());
      return s;
    }
    case Event::kHandover: {
      const auto& h = e.handover();
      std::string s = absl::StrCat("handover ", h.from_country(), " -> ", h.to_country(), ": ",
                                   h.suspects_count(), " people");
      if (h.suspect_ids_size() > 0) absl::StrAppend(&s, " (", h.suspect_ids_size(), " identified)");
      if (h.ringleaders_count() > 0) {
        absl::StrAppend(&s, ", ", h.ringleaders_count(), " ringleaders");
      }
      if (!h.nationality().empty()) absl::StrAppend(&s, ", nationality ", h.nationality());
      if (!h.operation_id().empty()) absl::StrAppend(&s, ", operation ", h.operation_id());
      return s;
    }
    case Event::kSentencing: {
      const auto& t = e.sentencing();
      std::string s = absl::StrCat("sentencing in case ", t.case_id(), " of ", t.suspect_id(), ": ",
                                   t.prison_months(), " months");
      if (t.victims() > 0) absl::StrAppend(&s, ", ", t.victims(), " victims");
      if (t.has_amount_defrauded()) {
        absl::StrAppend(&s, ", ", MoneyText(t.amount_defrauded()), " defrauded");
      }
      if (t.instance() != enforcement::v1::INSTANCE_UNSPECIFIED) {
        absl::StrAppend(&s, " (", InstanceName(t.instance()), " instance)");
      }
      if (!t.court_country().empty()) absl::StrAppend(&s, "; court in ", t.court_country());
      return s;
    }
    case Event::kReportedFigure: {
      const auto& f = e.reported_figure();
      std::string s = absl::StrCat("reported figure ", f.metric());
      if (!f.from_country().empty() || !f.to_country().empty()) {
        absl::StrAppend(&s, " ", f.from_country().empty() ? "?" : f.from_country(), " -> ",
                        f.to_country().empty() ? "?" : f.to_country());
      }
      if (!f.nationality().empty()) absl::StrAppend(&s, " nationality ", f.nationality());
      absl::StrAppend(&s, ": ", f.approximate() ? "about " : "", f.value());
      const Date from = f.has_period_from()
                            ? MakeDate(f.period_from(), f.period_from_precision())
                            : Date{};
      const Date to =
          f.has_period_to() ? MakeDate(f.period_to(), f.period_to_precision()) : Date{};
      if (from.set() || to.set()) {
        absl::StrAppend(&s, " for ", from.set() ? DateText(from) : "...", " to ",
                        to.set() ? DateText(to) : "...");
      }
      return s;
    }
    case Event::kRelease: {
      const auto& r = e.release();
      std::string s = absl::StrCat("release of ", r.suspect_id());
      if (!r.country().empty()) absl::StrAppend(&s, " in ", r.country());
      if (!r.agency().name().empty()) absl::StrAppend(&s, " by ", r.agency().name());
      if (!r.reason().empty()) absl::StrAppend(&s, ": ", r.reason());
      if (!r.case_id().empty()) absl::StrAppend(&s, " (case ", r.case_id(), ")");
      return s;
    }
    case Event::kCorrection:
      return absl::StrCat("correction of ", e.correction().target_event_id(), ": ",
                          e.correction().reason());
    case Event::kRetraction:
      return absl::StrCat("retraction of ", e.retraction().target_event_id(), ": ",
                          e.retraction().reason());
    case Event::BODY_NOT_SET: break;
  }
  return "";
}

// --- JSON -------------------------------------------------------------------

namespace {

void WriteDate(JsonWriter& w, const Date& d) {
  if (!d.set()) {
    w.Null();
    return;
  }
  w.BeginObject()
      .Key("at").String(Rfc3339(d.seconds, d.nanos))
      .Key("precision").String(PrecisionName(d.precision))
      .Key("text").String(DateText(d))
      .EndObject();
}

void WriteEventRef(JsonWriter& w, const EventRef& r) {
  w.BeginObject().Key("event_id").String(r.event_id).Key("position").Uint(r.position).EndObject();
}

void WriteContributor(JsonWriter& w, const Contributor& c) {
  w.BeginObject()
      .Key("event_id").String(c.event_id)
      .Key("position").Uint(c.position)
      .Key("kind").String(c.kind)
      .Key("occurred");
  WriteDate(w, c.occurred);
  w.EndObject();
}

void WriteSource(JsonWriter& w, const SourceRef& s) {
  w.BeginObject()
      .Key("publisher").String(s.publisher)
      .Key("title").String(s.title)
      .Key("url").String(s.url)
      .Key("reference").String(s.reference)
      .Key("published_at");
  if (s.published_at.empty()) w.Null(); else w.String(s.published_at);
  w.EndObject();
}

void WriteMoney(JsonWriter& w, const MoneyView& m) {
  w.BeginObject().Key("currency").String(m.currency).Key("minor_units").Int(m.minor_units)
      .EndObject();
}

void WriteMoneyList(JsonWriter& w, const std::vector<MoneyView>& v) {
  w.BeginArray();
  for (const auto& m : v) WriteMoney(w, m);
  w.EndArray();
}

void WriteCountMap(JsonWriter& w, const SumMap& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) w.Key(k).Int128(v);
  w.EndObject();
}

void WriteMoneyTotals(JsonWriter& w, const std::vector<MoneyTotal>& v) {
  w.BeginArray();
  for (const auto& m : v) {
    w.BeginObject().Key("currency").String(m.currency).Key("minor_units").Int128(m.minor_units)
        .EndObject();
  }
  w.EndArray();
}

void WriteStrings(JsonWriter& w, const std::vector<std::string>& v) {
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

template <typename T, typename F>
void WriteList(JsonWriter& w, const std::vector<T>& v, F f) {
  w.BeginArray();
  for (const auto& x : v) f(w, x);
  w.EndArray();
}

void WriteSentence(JsonWriter& w, const SentenceInfo& s) {
  w.BeginObject()
      .Key("case_id").String(s.case_id)
      .Key("court").String(s.court)
      .Key("prison_months").Int(s.prison_months)
      .Key("fine");
  if (s.fine) WriteMoney(w, *s.fine); else w.Null();
  w.Key("instance").String(s.instance).Key("offences");
  WriteStrings(w, s.offences);
  w.Key("occurred");
  WriteDate(w, s.occurred);
  w.Key("event");
  WriteEventRef(w, s.event);
  w.EndObject();
}

void WriteSuspect(JsonWriter& w, const SuspectView& v) {
  w.BeginObject()
      .Key("suspect_id").String(v.suspect_id)
      .Key("name").String(v.name)
      .Key("nationality").String(v.nationality)
      .Key("role").String(v.role)
      .Key("operation_id").String(v.operation_id)
      .Key("status").String(v.status)
      .Key("custody_country").String(v.custody_country)
      .Key("sentence");
  if (v.sentence) WriteSentence(w, *v.sentence); else w.Null();
  w.Key("first_occurred");
  WriteDate(w, v.first_occurred);
  w.Key("last_occurred");
  WriteDate(w, v.last_occurred);
  w.Key("events");
  WriteList(w, v.events, WriteContributor);
  w.EndObject();
}

void WriteOperation(JsonWriter& w, const OperationView& v) {
  w.BeginObject()
      .Key("operation_id").String(v.operation_id)
      .Key("place").String(v.place)
      .Key("region").String(v.region)
      .Key("country").String(v.country)
      .Key("agencies");
  WriteList(w, v.agencies, [](JsonWriter& w, const AgencyView& a) {
    w.BeginObject().Key("name").String(a.name).Key("country").String(a.country).EndObject();
  });
  w.Key("tip_from_countries");
  WriteStrings(w, v.tip_from_countries);
  w.Key("first_raid");
  WriteDate(w, v.first_raid);
  w.Key("last_raid");
  WriteDate(w, v.last_raid);
  w.Key("raids");
  WriteList(w, v.raids, [](JsonWriter& w, const RaidSummary& r) {
    w.BeginObject().Key("event");
    WriteEventRef(w, r.event);
    w.Key("occurred");
    WriteDate(w, r.occurred);
    w.Key("place").String(r.place)
        .Key("region").String(r.region)
        .Key("country").String(r.country)
        .Key("detained").Int(r.detained)
        .Key("ringleaders").Int(r.ringleaders)
        .Key("note").String(r.note)
        .EndObject();
  });
  w.Key("detained").BeginObject()
      .Key("total").Int128(v.detained)
      .Key("ringleaders").Int128(v.ringleaders_detained)
      .Key("by_nationality");
  WriteCountMap(w, v.detained_by_nationality);
  w.EndObject();
  w.Key("seized");
  WriteList(w, v.seized, [](JsonWriter& w, const SeizedTotal& s) {
    w.BeginObject()
        .Key("item").String(s.item)
        .Key("quantity").Int128(s.quantity)
        .Key("quantity_unknown").Bool(s.quantity_unknown)
        .EndObject();
  });
  w.Key("arrests_recorded").BeginObject()
      .Key("individuals").Int128(v.arrests_recorded)
      .Key("ringleaders").Int128(v.arrested_ringleaders)
      .Key("by_nationality");
  WriteCountMap(w, v.arrests_by_nationality);
  w.Key("events");
  WriteList(w, v.arrest_events, WriteEventRef);
  w.EndObject();
  w.Key("handed_over").BeginObject()
      .Key("people").Int128(v.handed_over)
      .Key("identified").Int128(v.handed_over_identified)
      .Key("handovers").Int128(v.handovers)
      .Key("to");
  WriteCountMap(w, v.handed_over_to);
  w.Key("events");
  WriteList(w, v.handover_events, WriteEventRef);
  w.EndObject();
  w.EndObject();
}

void WriteCase(JsonWriter& w, const CaseView& v) {
  w.BeginObject().Key("case_id").String(v.case_id).Key("courts");
  WriteStrings(w, v.courts);
  w.Key("defendants");
  WriteList(w, v.defendants, [](JsonWriter& w, const Defendant& d) {
    w.BeginObject()
        .Key("suspect_id").String(d.suspect_id)
        .Key("name").String(d.name)
        .Key("nationality").String(d.nationality)
        .Key("role").String(d.role)
        .Key("sentence");
    WriteSentence(w, d.sentence);
    w.EndObject();
  });
  w.Key("victims").Int(v.victims).Key("amounts_defrauded");
  WriteMoneyList(w, v.amounts_defrauded);
  w.Key("amounts_defrauded_equivalent");
  WriteMoneyList(w, v.amounts_defrauded_equivalent);
  w.Key("prison_months_total").Int128(v.prison_months_total).Key("offence_from");
  WriteDate(w, v.offence_from);
  w.Key("offence_to");
  WriteDate(w, v.offence_to);
  w.Key("events");
  WriteList(w, v.events, WriteContributor);
  w.EndObject();
}

void WriteFlow(JsonWriter& w, const FlowRow& r) {
  w.BeginObject()
      .Key("from_country").String(r.from_country)
      .Key("to_country").String(r.to_country)
      .Key("period").String(r.period)
      .Key("month_unknown").Bool(r.month_unknown)
      .Key("people").Int128(r.people)
      .Key("identified").Int128(r.identified)
      .Key("ringleaders").Int128(r.ringleaders)
      .Key("handovers").Int128(r.handovers)
      .Key("events");
  WriteList(w, r.events, WriteEventRef);
  w.EndObject();
}

void WriteFigure(JsonWriter& w, const FigureComparison& f) {
  w.BeginObject().Key("figure");
  WriteContributor(w, f.figure);
  w.Key("metric").String(f.metric)
      .Key("from_country").String(f.from_country)
      .Key("to_country").String(f.to_country)
      .Key("nationality").String(f.nationality)
      .Key("period_from");
  WriteDate(w, f.period_from);
  w.Key("period_to");
  WriteDate(w, f.period_to);
  w.Key("reported").Int(f.reported).Key("approximate").Bool(f.approximate).Key("source");
  WriteSource(w, f.source);
  w.Key("derived");
  if (!f.derivable) {
    w.Null();
  } else {
    w.BeginObject()
        .Key("value").Int128(f.derived)
        .Key("events").Int(f.derived_events)
        .Key("uncertain").Int128(f.uncertain)
        .Key("uncertain_events").Int(f.uncertain_events)
        .EndObject();
  }
  w.EndObject();
}

void WriteTotals(JsonWriter& w, const Totals& t) {
  w.BeginObject().Key("applied").Uint(t.applied);
  w.Key("events").BeginObject()
      .Key("raids").Int128(t.raids)
      .Key("arrests").Int128(t.arrests)
      .Key("handovers").Int128(t.handovers)
      .Key("sentencings").Int128(t.sentencings)
      .Key("reported_figures").Int128(t.reported_figures)
      .Key("releases").Int128(t.releases)
      .Key("corrections").Int128(t.corrections)
      .Key("retractions").Int128(t.retractions)
      .Key("retracted").Int128(t.retracted)
      .EndObject();
  w.Key("detained").BeginObject()
      .Key("total").Int128(t.detained)
      .Key("ringleaders").Int128(t.ringleaders_detained)
      .Key("by_nationality");
  WriteCountMap(w, t.detained_by_nationality);
  w.EndObject();
  w.Key("arrests_in_operations").Int128(t.arrests_in_operations);
  w.Key("handed_over").BeginObject()
      .Key("people").Int128(t.handed_over)
      .Key("identified").Int128(t.handed_over_identified)
      .Key("ringleaders").Int128(t.handed_over_ringleaders)
      .EndObject();
  w.Key("sentences").BeginObject()
      .Key("prison_months").Int128(t.prison_months)
      .Key("victims").Int128(t.victims)
      .Key("amounts_defrauded");
  WriteMoneyTotals(w, t.amounts_defrauded);
  w.EndObject();
  w.Key("entities").BeginObject()
      .Key("suspects").Int128(t.suspects)
      .Key("operations").Int128(t.operations)
      .Key("cases").Int128(t.cases)
      .Key("suspects_by_status");
  WriteCountMap(w, t.suspects_by_status);
  w.EndObject();
  w.Key("figures");
  WriteList(w, t.figures, WriteFigure);
  w.EndObject();
}

void WriteEntry(JsonWriter& w, const TimelineEntry& e) {
  w.BeginObject()
      .Key("position").Uint(e.position)
      .Key("event_id").String(e.event_id)
      .Key("stream").String(e.stream)
      .Key("kind").String(e.kind)
      .Key("occurred");
  WriteDate(w, e.occurred);
  w.Key("original_occurred");
  WriteDate(w, e.original_occurred);
  w.Key("recorded_at").String(e.recorded_at).Key("source");
  WriteSource(w, e.source);
  w.Key("summary").String(e.summary)
      .Key("target_event_id").String(e.target_event_id)
      .Key("corrected").Bool(e.corrected)
      .Key("corrected_by").String(e.corrected_by)
      .Key("retracted").Bool(e.retracted)
      .Key("retracted_by").String(e.retracted_by)
      .Key("in_effect").Bool(e.in_effect)
      .EndObject();
}

template <typename T, typename F>
std::string One(const T& v, F f) {
  JsonWriter w;
  f(w, v);
  return w.Take();
}

template <typename T, typename F>
std::string Many(const std::vector<T>& v, F f) {
  JsonWriter w;
  WriteList(w, v, f);
  return w.Take();
}

}  // namespace

std::string ToJson(const Date& d) { return One(d, WriteDate); }
std::string ToJson(const SuspectView& v) { return One(v, WriteSuspect); }
std::string ToJson(const OperationView& v) { return One(v, WriteOperation); }
std::string ToJson(const CaseView& v) { return One(v, WriteCase); }
std::string ToJson(const FlowRow& v) { return One(v, WriteFlow); }
std::string ToJson(const std::vector<FlowRow>& rows) { return Many(rows, WriteFlow); }
std::string ToJson(const FigureComparison& v) { return One(v, WriteFigure); }
std::string ToJson(const Totals& v) { return One(v, WriteTotals); }
std::string ToJson(const TimelineEntry& v) { return One(v, WriteEntry); }
std::string ToJson(const std::vector<TimelineEntry>& v) { return Many(v, WriteEntry); }
std::string ToJson(const std::vector<SuspectView>& v) { return Many(v, WriteSuspect); }
std::string ToJson(const std::vector<OperationView>& v) { return Many(v, WriteOperation); }
std::string ToJson(const std::vector<CaseView>& v) { return Many(v, WriteCase); }
std::string ToJson(const std::vector<ViewDigest>& v) {
  return Many(v, [](JsonWriter& w, const ViewDigest& d) {
    w.BeginObject()
        .Key("view").String(d.view)
        .Key("entries").Uint(d.entries)
        .Key("sha256").String(d.sha256)
        .EndObject();
  });
}

}  // namespace projections
