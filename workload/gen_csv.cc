#include "workload/gen_csv.h"

#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "util/time_format.h"

namespace workload {

using enforcement::v1::Event;
using enforcement::v1::Precision;
using enforcement::v1::Role;

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
  return util::FormatAtPrecision(ts, p);
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

}  // namespace workload
