#include "projections/view_messages.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/money.h"

namespace projections {

namespace {

template <typename Map>
void SumsInto(const SumMap& from, Map* to) {
  for (const auto& [k, v] : from) (*to)[k] = SumText(v);
}

// Sets `*field` (via mutable) only when the date is known.
template <typename Set>
void DateInto(const Date& d, Set mutable_field) {
  if (d.set()) ToMessage(d, mutable_field());
}

void RefInto(const EventRef& r, api::EventRef* out) {
  out->set_event_id(r.event_id);
  out->set_position(r.position);
}

void ContributorInto(const Contributor& c, api::Contributor* out) {
  out->set_event_id(c.event_id);
  out->set_position(c.position);
  out->set_kind(c.kind);
  DateInto(c.occurred, [out] { return out->mutable_occurred(); });
}

void SourceInto(const SourceRef& s, api::SourceRef* out) {
  out->set_publisher(s.publisher);
  out->set_title(s.title);
  out->set_url(s.url);
  out->set_reference(s.reference);
  if (!s.published_at.empty()) out->set_published_at(s.published_at);
}

void MoneyInto(const MoneyView& m, api::Money* out) {
  out->set_currency(m.currency);
  out->set_minor_units(m.minor_units);
  if (const std::optional<int> e = ledger::CurrencyExponent(m.currency)) {
    out->set_exponent(*e);
    out->set_decimal(ledger::MinorUnitsToDecimal(absl::StrCat(m.minor_units), *e));
  }
}

void SentenceInto(const SentenceInfo& s, api::Sentence* out) {
  out->set_case_id(s.case_id);
  out->set_court(s.court);
  out->set_prison_months(s.prison_months);
  if (s.fine) MoneyInto(*s.fine, out->mutable_fine());
  out->set_instance(s.instance);
  for (const auto& o : s.offences) out->add_offences(o);
  DateInto(s.occurred, [out] { return out->mutable_occurred(); });
  RefInto(s.event, out->mutable_event());
}

}  // namespace

void ToMessage(const Date& d, api::Date* out) {
  out->set_at(Rfc3339(d.seconds, d.nanos));
  out->set_precision(PrecisionName(d.precision));
  out->set_text(DateText(d));
}

void ToMessage(const SuspectView& v, api::SuspectView* out) {
  out->set_suspect_id(v.suspect_id);
  out->set_name(v.name);
  out->set_nationality(v.nationality);
  out->set_role(v.role);
  out->set_operation_id(v.operation_id);
  out->set_status(v.status);
  out->set_custody_country(v.custody_country);
  if (v.sentence) SentenceInto(*v.sentence, out->mutable_sentence());
  DateInto(v.first_occurred, [out] { return out->mutable_first_occurred(); });
  DateInto(v.last_occurred, [out] { return out->mutable_last_occurred(); });
  for (const auto& c : v.events) ContributorInto(c, out->add_events());
  out->set_erased(v.erased);
  if (v.erased) {
    DateInto(v.erased_at, [out] { return out->mutable_erased_at(); });
    out->set_erasure_authority(v.erasure_authority);
    out->set_erasure_reason(v.erasure_reason);
  }
}

void ToMessage(const OperationView& v, api::OperationView* out) {
  out->set_operation_id(v.operation_id);
  out->set_place(v.place);
  out->set_region(v.region);
  out->set_country(v.country);
  for (const auto& a : v.agencies) {
    api::Agency* m = out->add_agencies();
    m->set_name(a.name);
    m->set_country(a.country);
  }
  for (const auto& c : v.tip_from_countries) out->add_tip_from_countries(c);
  DateInto(v.first_raid, [out] { return out->mutable_first_raid(); });
  DateInto(v.last_raid, [out] { return out->mutable_last_raid(); });
  for (const auto& r : v.raids) {
    api::RaidSummary* m = out->add_raids();
    RefInto(r.event, m->mutable_event());
    DateInto(r.occurred, [m] { return m->mutable_occurred(); });
    m->set_place(r.place);
    m->set_region(r.region);
    m->set_country(r.country);
    m->set_detained(r.detained);
    m->set_ringleaders(r.ringleaders);
    m->set_note(r.note);
  }
  api::OperationView::Detained* detained = out->mutable_detained();
  detained->set_total(SumText(v.detained));
  detained->set_ringleaders(SumText(v.ringleaders_detained));
  SumsInto(v.detained_by_nationality, detained->mutable_by_nationality());
  for (const auto& s : v.seized) {
    api::SeizedTotal* m = out->add_seized();
    m->set_item(s.item);
    m->set_quantity(SumText(s.quantity));
    m->set_quantity_unknown(s.quantity_unknown);
  }
  api::OperationView::ArrestsRecorded* arrests = out->mutable_arrests_recorded();
  arrests->set_individuals(SumText(v.arrests_recorded));
  arrests->set_ringleaders(SumText(v.arrested_ringleaders));
  SumsInto(v.arrests_by_nationality, arrests->mutable_by_nationality());
  for (const auto& r : v.arrest_events) RefInto(r, arrests->add_events());
  api::OperationView::HandedOver* handed = out->mutable_handed_over();
  handed->set_people(SumText(v.handed_over));
  handed->set_identified(SumText(v.handed_over_identified));
  handed->set_handovers(SumText(v.handovers));
  SumsInto(v.handed_over_to, handed->mutable_to());
  for (const auto& r : v.handover_events) RefInto(r, handed->add_events());
}

void ToMessage(const CaseView& v, api::CaseView* out) {
  out->set_case_id(v.case_id);
  for (const auto& c : v.courts) out->add_courts(c);
  for (const auto& d : v.defendants) {
    api::Defendant* m = out->add_defendants();
    m->set_suspect_id(d.suspect_id);
    m->set_name(d.name);
    m->set_nationality(d.nationality);
    m->set_role(d.role);
    SentenceInto(d.sentence, m->mutable_sentence());
  }
  out->set_victims(v.victims);
  for (const auto& m : v.amounts_defrauded) MoneyInto(m, out->add_amounts_defrauded());
  for (const auto& m : v.amounts_defrauded_equivalent) {
    MoneyInto(m, out->add_amounts_defrauded_equivalent());
  }
  out->set_prison_months_total(SumText(v.prison_months_total));
  DateInto(v.offence_from, [out] { return out->mutable_offence_from(); });
  DateInto(v.offence_to, [out] { return out->mutable_offence_to(); });
  for (const auto& c : v.events) ContributorInto(c, out->add_events());
}

void ToMessage(const FlowRow& v, api::FlowRow* out) {
  out->set_from_country(v.from_country);
  out->set_to_country(v.to_country);
  out->set_period(v.period);
  out->set_month_unknown(v.month_unknown);
  out->set_people(SumText(v.people));
  out->set_identified(SumText(v.identified));
  out->set_ringleaders(SumText(v.ringleaders));
  out->set_handovers(SumText(v.handovers));
  for (const auto& r : v.events) RefInto(r, out->add_events());
}

void ToMessage(const FigureComparison& v, api::FigureComparison* out) {
  ContributorInto(v.figure, out->mutable_figure());
  out->set_metric(v.metric);
  out->set_from_country(v.from_country);
  out->set_to_country(v.to_country);
  out->set_nationality(v.nationality);
  DateInto(v.period_from, [out] { return out->mutable_period_from(); });
  DateInto(v.period_to, [out] { return out->mutable_period_to(); });
  out->set_reported(v.reported);
  out->set_approximate(v.approximate);
  SourceInto(v.source, out->mutable_source());
  if (v.derivable) {
    api::FigureComparison::Derived* d = out->mutable_derived();
    d->set_value(SumText(v.derived));
    d->set_events(v.derived_events);
    d->set_uncertain(SumText(v.uncertain));
    d->set_uncertain_events(v.uncertain_events);
  }
}

void ToMessage(const Totals& t, api::Totals* out) {
  out->set_applied(t.applied);
  api::Totals::Events* e = out->mutable_events();
  e->set_raids(SumText(t.raids));
  e->set_arrests(SumText(t.arrests));
  e->set_handovers(SumText(t.handovers));
  e->set_sentencings(SumText(t.sentencings));
  e->set_reported_figures(SumText(t.reported_figures));
  e->set_releases(SumText(t.releases));
  e->set_corrections(SumText(t.corrections));
  e->set_retractions(SumText(t.retractions));
  e->set_retracted(SumText(t.retracted));
  api::Totals::Detained* d = out->mutable_detained();
  d->set_total(SumText(t.detained));
  d->set_ringleaders(SumText(t.ringleaders_detained));
  SumsInto(t.detained_by_nationality, d->mutable_by_nationality());
  out->set_arrests_in_operations(SumText(t.arrests_in_operations));
  api::Totals::HandedOver* h = out->mutable_handed_over();
  h->set_people(SumText(t.handed_over));
  h->set_identified(SumText(t.handed_over_identified));
  h->set_ringleaders(SumText(t.handed_over_ringleaders));
  api::Totals::Sentences* s = out->mutable_sentences();
  s->set_prison_months(SumText(t.prison_months));
  s->set_victims(SumText(t.victims));
  for (const auto& m : t.amounts_defrauded) {
    api::MoneyTotal* mt = s->add_amounts_defrauded();
    mt->set_currency(m.currency);
    mt->set_minor_units(SumText(m.minor_units));
    if (const std::optional<int> e = ledger::CurrencyExponent(m.currency)) {
      mt->set_exponent(*e);
      mt->set_decimal(ledger::MinorUnitsToDecimal(mt->minor_units(), *e));
    }
  }
  api::Totals::Entities* n = out->mutable_entities();
  n->set_suspects(SumText(t.suspects));
  n->set_operations(SumText(t.operations));
  n->set_cases(SumText(t.cases));
  SumsInto(t.suspects_by_status, n->mutable_suspects_by_status());
  n->set_suspects_erased(SumText(t.suspects_erased));
  for (const auto& f : t.figures) ToMessage(f, out->add_figures());
}

void ToMessage(const TimelineEntry& v, api::TimelineEntry* out) {
  out->set_position(v.position);
  out->set_event_id(v.event_id);
  out->set_stream(v.stream);
  out->set_kind(v.kind);
  DateInto(v.occurred, [out] { return out->mutable_occurred(); });
  DateInto(v.original_occurred, [out] { return out->mutable_original_occurred(); });
  out->set_recorded_at(v.recorded_at);
  SourceInto(v.source, out->mutable_source());
  out->set_summary(v.summary);
  out->set_target_event_id(v.target_event_id);
  out->set_corrected(v.corrected);
  out->set_corrected_by(v.corrected_by);
  out->set_retracted(v.retracted);
  out->set_retracted_by(v.retracted_by);
  out->set_in_effect(v.in_effect);
}

void ToMessage(const ViewDigest& v, api::ViewDigest* out) {
  out->set_view(v.view);
  out->set_entries(v.entries);
  out->set_sha256(v.sha256);
}

api::SuspectView ToMessage(const SuspectView& v) {
  api::SuspectView m;
  ToMessage(v, &m);
  return m;
}

api::OperationView ToMessage(const OperationView& v) {
  api::OperationView m;
  ToMessage(v, &m);
  return m;
}

api::CaseView ToMessage(const CaseView& v) {
  api::CaseView m;
  ToMessage(v, &m);
  return m;
}

api::Totals ToMessage(const Totals& v) {
  api::Totals m;
  ToMessage(v, &m);
  return m;
}

api::SuspectPage ToPage(const std::vector<SuspectView>& items, bool more) {
  api::SuspectPage page;
  for (const auto& v : items) ToMessage(v, page.add_items());
  page.set_more(more);
  return page;
}

api::OperationPage ToPage(const std::vector<OperationView>& items, bool more) {
  api::OperationPage page;
  for (const auto& v : items) ToMessage(v, page.add_items());
  page.set_more(more);
  return page;
}

api::CasePage ToPage(const std::vector<CaseView>& items, bool more) {
  api::CasePage page;
  for (const auto& v : items) ToMessage(v, page.add_items());
  page.set_more(more);
  return page;
}

api::FlowList ToList(const std::vector<FlowRow>& rows) {
  api::FlowList list;
  for (const auto& r : rows) ToMessage(r, list.add_items());
  return list;
}

api::TimelineList ToList(const std::vector<TimelineEntry>& entries) {
  api::TimelineList list;
  for (const auto& e : entries) ToMessage(e, list.add_items());
  return list;
}

}  // namespace projections
