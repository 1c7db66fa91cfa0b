#include "projections/view_types.h"

#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/numeric/int128.h"
#include "ledger/money.h"
#include "ledger/validate.h"
#include "util/text.h"
#include "util/time_format.h"

namespace projections {

using enforcement::v1::Event;
using enforcement::v1::Precision;

std::string SumText(Sum v) {
  if (v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max()) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  // |v| as unsigned: for the least value, -v overflows, but its bits are |v|.
  absl::uint128 m = v < 0 ? -absl::uint128(v) : absl::uint128(v);
  char digits[40];
  int n = 0;
  while (m != 0) {
    digits[n++] = static_cast<char>('0' + static_cast<int>(absl::Uint128Low64(m % 10)));
    m /= 10;
  }
  std::string out = v < 0 ? "-" : "";
  while (n > 0) out.push_back(digits[--n]);
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

std::string Rfc3339(int64_t seconds, int32_t nanos) { return util::FormatRfc3339(seconds, nanos); }

std::string DateText(const Date& d) {
  if (!d.set()) return "";
  return util::FormatAtPrecision(d.seconds, d.nanos, d.precision);
}

namespace {

std::string MoneyText(const enforcement::v1::Money& m) {
  return ledger::FormatMoney(m.currency(), static_cast<long long>(m.minor_units()));
}

std::string Countries(const google::protobuf::Map<std::string, int64_t>& m) {
  std::map<std::string, int64_t> sorted(m.begin(), m.end());
  std::vector<std::string> parts;
  for (const auto& [k, v] : sorted) parts.push_back(absl::StrCat(k, " ", ledger::Thousands(v)));
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
      absl::StrAppend(&s, ": ", ledger::Thousands(r.suspects_detained()), " detained");
      if (!r.detained_by_nationality().empty()) {
        absl::StrAppend(&s, " (", Countries(r.detained_by_nationality()), ")");
      }
      absl::StrAppend(&s, ", ",
                      ledger::Counted(r.ringleaders_detained(), "ringleader", "ringleaders"));
      if (!r.seized().empty()) {
        std::vector<std::string> items;
        for (const auto& it : r.seized()) {
          items.push_back(it.quantity() == 0 ? absl::StrCat(it.item(), " (quantity unknown)")
                                             : absl::StrCat(ledger::Thousands(it.quantity()), " ", it.item()));
        }
        absl::StrAppend(&s, "; seized ", absl::StrJoin(items, ", "));
      }
      return s;
    }
    case Event::kArrest: {
      const auto& a = e.arrest();
      std::string s = absl::StrCat("arrest of ", a.suspect().suspect_id());
      std::vector<std::string> about;
      // No name: summaries go to every caller, and names are personal data
      // (query/name_policy.h).
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
                                   ledger::Counted(h.suspects_count(), "person", "people"));
      if (h.suspect_ids_size() > 0) {
        absl::StrAppend(&s, " (", ledger::Thousands(h.suspect_ids_size()), " identified)");
      }
      if (h.ringleaders_count() > 0) {
        absl::StrAppend(&s, ", ", ledger::Counted(h.ringleaders_count(), "ringleader", "ringleaders"));
      }
      if (!h.nationality().empty()) absl::StrAppend(&s, ", nationality ", h.nationality());
      if (!h.operation_id().empty()) absl::StrAppend(&s, ", operation ", h.operation_id());
      return s;
    }
    case Event::kSentencing: {
      const auto& t = e.sentencing();
      std::string s = absl::StrCat("sentencing in case ", t.case_id(), " of ", t.suspect_id(), ": ",
                                   ledger::Counted(t.prison_months(), "month", "months"));
      if (t.victims() > 0) {
        absl::StrAppend(&s, ", ", ledger::Counted(t.victims(), "victim", "victims"));
      }
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
      absl::StrAppend(&s, ": ",
                      f.approximate() ? ledger::Approximately(f.value())
                                      : ledger::Thousands(f.value()));
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
    case Event::kErasure: {
      const auto& x = e.erasure();
      return absl::StrCat("erasure of ", x.subject_id(), " by ", x.authority(), ": ", x.reason());
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

}  // namespace projections
