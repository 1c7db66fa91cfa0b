// The rules of the projections as pure functions of events: which body and
// date are in effect after corrections and retractions, what an effective
// fact contributes to each view, how an entity view is computed from its
// contributing events, and how a reported figure's derived figure is
// matched. docs/PROJECTIONS.md states the same rules in prose.
//
// Internal to projections/. Everything here is thread-compatible and does no
// I/O.
#ifndef ENFORCEMENT_PROJECTIONS_RULES_H_
#define ENFORCEMENT_PROJECTIONS_RULES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "enforcement/v1/event.pb.h"
#include "projections/store_coding.h"
#include "projections/view_types.h"

namespace projections::internal {

// --- corrections and retractions -------------------------------------------------

// Which corrections of a fact are in effect. A correction in the fact's tree
// is live when it is not retracted and names the fact or a live correction.
// The body in effect is that of the live correction with the greatest
// position (`winner`); the date in effect is that of the live correction with
// the greatest position whose replacement carries occurred_at (`date_from`).
struct Resolution {
  uint64_t winner = kNone;
  uint64_t date_from = kNone;
};
Resolution Resolve(uint64_t root, const std::vector<TreeNode>& tree);
// Whether the node at `position` of `tree` is a live correction.
bool IsLiveCorrection(uint64_t root, const std::vector<TreeNode>& tree, uint64_t position);

// The effective event: `original` with the body of `body_from`'s replacement
// (when not null) and the occurred_at/precision of `date_from`'s replacement
// (when not null). Both are correction events.
enforcement::v1::Event MakeEffective(const enforcement::v1::Event& original,
                                     const enforcement::v1::Event* body_from,
                                     const enforcement::v1::Event* date_from);

// Replaces `dst`'s body with `src`'s body.
void CopyBody(const enforcement::v1::Event& src, enforcement::v1::Event* dst);

Date OccurredOf(const enforcement::v1::Event& e);
// The exclusive end of the unit a date stands for: +1 ns (exact), +1 day,
// +1 month or +1 year. As (seconds, nanos).
std::pair<int64_t, int32_t> UnitEnd(const Date& d);
// "YYYY-MM" and "YYYY" of a date's first instant (UTC).
std::string MonthText(const Date& d);
std::string YearText(const Date& d);

// --- contributions ------------------------------------------------------------------

// Timeline scopes of a fact's body (ScopeKey values), sorted, unique,
// including the global scope.
std::vector<std::string> ScopesOf(const enforcement::v1::Event& e);

struct MemberRef {
  Cf cf;  // kSuspectsCf, kOperationsCf or kCasesCf
  std::string entity;
  char kind;  // kRaidMember, ...
  bool operator==(const MemberRef&) const = default;
};

struct CounterDelta {
  Cf cf;
  std::string key;
  Sum value;
};

// What one effective fact at `position` adds to the views. Applying a change
// of a fact subtracts the old contribution and adds the new one.
struct Contribution {
  std::vector<MemberRef> members;
  std::vector<CounterDelta> counters;
  std::vector<std::pair<std::string, std::string>> dated;  // totals-family key, value
  std::vector<std::string> flow_events;                    // flows-family keys
  bool figure = false;
};
void ComputeContribution(const enforcement::v1::Event& effective, uint64_t position,
                         Contribution* out);

// The value of a member key: the effective event with only what the entity
// views read of it (event id, occurred time and precision; raids,
// sentencings and releases whole; of an arrest the suspect's name,
// nationality and role, the operation, the location's and the agency's
// country; of a handover to_country, nationality and operation), serialized
// deterministically. Built field by field: the reference for the next.
std::string MemberValue(const enforcement::v1::Event& effective);
// The same from the effective event's deterministic serialization, by
// copying what is kept of its wire format (no parse, no copy of the
// message): the path every apply takes. False when `event_bytes` is not a
// well-formed Event encoding.
bool MemberValueFromBytes(absl::string_view event_bytes, std::string* out);

// Totals counter key for `name` ("raids", "detained_by_nationality/CN", ...).
std::string TotalsCounterKey(absl::string_view name);
// Operation counter key for `name`.
std::string OperationCounterKey(absl::string_view operation_id, absl::string_view name);

// --- entity views ---------------------------------------------------------------------

// A contributing event in its effective version, as its member value holds
// it (MemberValue: only the fields the entity views read).
struct MemberEvent {
  uint64_t position = 0;
  enforcement::v1::Event event;
  Date occurred;
};
// Timeline order: occurred instant, then position.
void SortTimelineOrder(std::vector<MemberEvent>* members);

// REQUIRES: `members` non-empty and in timeline order.
SuspectView BuildSuspect(const std::string& suspect_id, const std::vector<MemberEvent>& members);
// The raid-derived part of an operation; `raids` in timeline order (may be empty).
OperationView BuildOperationCore(const std::string& operation_id,
                                 const std::vector<MemberEvent>& raids);
// REQUIRES: `members` non-empty and in timeline order.
CaseView BuildCase(const std::string& case_id, const std::vector<MemberEvent>& members);

// --- derived figures --------------------------------------------------------------------

// The dated-index metric a reported figure's metric is derived from, or 0.
char DerivedMetric(absl::string_view metric);

// How much of one dated fact counts toward a reported figure: `certain` when
// its date lies inside the period and every filter matches, `uncertain` when
// it might belong but cannot be placed.
struct FigureMatch {
  Sum certain = 0, uncertain = 0;
};
FigureMatch MatchFigure(const enforcement::v1::ReportedFigure& figure, char metric,
                        const DatedFact& fact);
// The period of a figure as [start, end) in (seconds, nanos); unbounded ends
// are the extreme int64 values.
std::pair<std::pair<int64_t, int32_t>, std::pair<int64_t, int32_t>> FigurePeriod(
    const enforcement::v1::ReportedFigure& figure);

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_RULES_H_
