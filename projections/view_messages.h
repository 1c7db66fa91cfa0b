// The views' answers as the messages of enforcement.api.v1
// (proto/enforcement/api/v1/views.proto): one converter per struct of
// view_types.h, field by field. Front doors print the messages with
// util::AnswerJson (docs/JSON.md); the structs stay the views' working type.
//
// Here, beside the structs, because the two change together: a field added
// to a struct of view_types.h gets its line here in the same change.
//
// Aggregates (Sum, 128-bit) become exact decimal strings; unset dates and
// absent optional values become absent message fields. Pure functions,
// thread-safe; no errors.
#ifndef ENFORCEMENT_PROJECTIONS_VIEW_MESSAGES_H_
#define ENFORCEMENT_PROJECTIONS_VIEW_MESSAGES_H_

#include <vector>

#include "enforcement/api/v1/views.pb.h"
#include "projections/view_types.h"

namespace projections {

namespace api = enforcement::api::v1;

// `d` into `out` (REQUIRES: d.set(); an unset date is left out by callers).
void ToMessage(const Date& d, api::Date* out);
void ToMessage(const SuspectView& v, api::SuspectView* out);
void ToMessage(const OperationView& v, api::OperationView* out);
void ToMessage(const CaseView& v, api::CaseView* out);
void ToMessage(const FlowRow& v, api::FlowRow* out);
void ToMessage(const FigureComparison& v, api::FigureComparison* out);
void ToMessage(const Totals& v, api::Totals* out);
void ToMessage(const TimelineEntry& v, api::TimelineEntry* out);
void ToMessage(const ViewDigest& v, api::ViewDigest* out);

// The answers, whole.
api::SuspectView ToMessage(const SuspectView& v);
api::OperationView ToMessage(const OperationView& v);
api::CaseView ToMessage(const CaseView& v);
api::Totals ToMessage(const Totals& v);
api::SuspectPage ToPage(const std::vector<SuspectView>& items, bool more);
api::OperationPage ToPage(const std::vector<OperationView>& items, bool more);
api::CasePage ToPage(const std::vector<CaseView>& items, bool more);
api::FlowList ToList(const std::vector<FlowRow>& rows);
api::TimelineList ToList(const std::vector<TimelineEntry>& entries);

}  // namespace projections

#endif  // ENFORCEMENT_PROJECTIONS_VIEW_MESSAGES_H_
