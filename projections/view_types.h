// The plain structs the projections answer with.
//
// Every query of projections::Views (views.h) returns one of these. They are
// values: no pointers into storage, no lifetime rules, copyable, comparable
// with ==. Their answer form is the messages of
// proto/enforcement/api/v1/views.proto (view_messages.h converts; the JSON
// is util::AnswerJson's, docs/JSON.md); field names there are the names here.
//
// Every figure is traceable: views carry the event ids and positions of the
// events that contributed to them.
#ifndef ENFORCEMENT_PROJECTIONS_VIEW_TYPES_H_
#define ENFORCEMENT_PROJECTIONS_VIEW_TYPES_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enforcement/v1/event.pb.h"

namespace projections {

// An aggregate: a sum over events of the log (and every count kept with the
// store's counters). 128 bits, so that no log can overflow it: each value
// summed is an int64 (validation bounds new ones far lower, but a log
// written before the bounds may hold values near INT64_MAX), and a log holds
// fewer than 2^64 records, so every sum stays below 2^127 (SPEC §8;
// docs/PROJECTIONS.md "Aggregates"). Printed as exact decimal: SumText.
using Sum = absl::int128;
using SumMap = std::map<std::string, Sum>;

// `v` in decimal, e.g. "27670116110564327421".
std::string SumText(Sum v);

// A date as the ledger holds it: the first instant of its precision unit and
// the precision. Unset when precision is PRECISION_UNSPECIFIED.
struct Date {
  int64_t seconds = 0;
  int32_t nanos = 0;
  enforcement::v1::Precision precision = enforcement::v1::PRECISION_UNSPECIFIED;

  bool set() const { return precision != enforcement::v1::PRECISION_UNSPECIFIED; }
  bool operator==(const Date&) const = default;
};

// An event that contributed to a view.
struct Contributor {
  std::string event_id;
  uint64_t position = 0;
  std::string kind;  // "raid", "arrest", "handover", "sentencing", "release", "erasure", ...
  Date occurred;     // effective (after corrections)
  bool operator==(const Contributor&) const = default;
};

// An event named by id and position only.
struct EventRef {
  std::string event_id;
  uint64_t position = 0;
  bool operator==(const EventRef&) const = default;
};

struct SourceRef {
  std::string publisher, title, url, reference;
  std::string published_at;  // RFC 3339, empty when unknown
  bool operator==(const SourceRef&) const = default;
};

struct MoneyView {
  std::string currency;
  int64_t minor_units = 0;
  bool operator==(const MoneyView&) const = default;
};

// A sum of amounts in one currency (totals).
struct MoneyTotal {
  std::string currency;
  Sum minor_units = 0;
  bool operator==(const MoneyTotal&) const = default;
};

struct AgencyView {
  std::string name, country;
  bool operator==(const AgencyView&) const = default;
};

// One court sentence of one person.
struct SentenceInfo {
  std::string case_id, court;
  int64_t prison_months = 0;
  std::optional<MoneyView> fine;
  std::string instance;  // "first", "appeal", "final" or ""
  std::vector<std::string> offences;
  Date occurred;
  EventRef event;
  bool operator==(const SentenceInfo&) const = default;
};

// ---------------------------------------------------------------------------
// suspects: one person, by suspect_id.
struct SuspectView {
  std::string suspect_id;
  // Latest known value (in timeline order) among the contributing events.
  // `name` is always empty for an erased subject.
  std::string name, nationality, role, operation_id;
  // "released" while the latest (timeline order) of its arrests, handovers,
  // sentencings and releases is a release; else "sentenced" if any
  // sentencing, "handed_over" if any handover, "detained" if any arrest;
  // "unknown" when it has none of these (only an erasure).
  std::string status;
  std::string custody_country;           // "" when unknown or released
  std::optional<SentenceInfo> sentence;  // the latest sentencing
  Date first_occurred, last_occurred;
  // arrests, handovers, sentencings, releases, erasures; timeline order
  std::vector<Contributor> events;
  // Format 2 (docs/PERSONAL_DATA.md): the subject's personal data was
  // destroyed by `ledger erase`. Set by its first erasure (timeline order)
  // and kept whatever follows; the other fields stay the non-personal facts.
  bool erased = false;
  Date erased_at;  // the erasure's occurred_at; unset when not erased
  std::string erasure_authority, erasure_reason;
  bool operator==(const SuspectView&) const = default;
};

// Every status a SuspectView can have (see its `status`).
inline constexpr std::array<const char*, 5> kSuspectStatuses = {"detained", "handed_over",
                                                                 "sentenced", "released", "unknown"};

struct SuspectFilter {
  // "" = any. role is a RoleName ("member", "ringleader", ...).
  std::string status, nationality, operation_id, custody_country, role;
  std::string after;   // start after this suspect_id, in natural order (paging)
  size_t limit = 100;  // 0 = no limit
};

// ---------------------------------------------------------------------------
// operations: one operation, by operation_id.
struct RaidSummary {
  EventRef event;
  Date occurred;
  std::string place, region, country;
  int64_t detained = 0, ringleaders = 0;
  std::string note;
  bool operator==(const RaidSummary&) const = default;
};

struct SeizedTotal {
  std::string item;
  Sum quantity = 0;               // sum of the known quantities
  bool quantity_unknown = false;  // some raid reported it without a quantity
  bool operator==(const SeizedTotal&) const = default;
};

struct OperationView {
  std::string operation_id;
  // From the raids (reported aggregate counts).
  std::string place, region, country;  // of the first raid (timeline order) giving a location
  std::vector<AgencyView> agencies;    // union, sorted by (country, name)
  std::vector<std::string> tip_from_countries;  // sorted
  Date first_raid, last_raid;
  std::vector<RaidSummary> raids;  // timeline order
  Sum detained = 0, ringleaders_detained = 0;
  SumMap detained_by_nationality;
  std::vector<SeizedTotal> seized;  // sorted by item
  // Individuals recorded one by one with this operation_id: shown beside the
  // raid totals, never added to them.
  Sum arrests_recorded = 0, arrested_ringleaders = 0;
  SumMap arrests_by_nationality;
  // Handovers naming this operation.
  Sum handovers = 0, handed_over = 0, handed_over_identified = 0;
  SumMap handed_over_to;  // to_country -> people
  // Contributing arrest and handover events, by position, at most
  // OperationQuery::max_events of each (the counts above are always whole).
  std::vector<EventRef> arrest_events, handover_events;
  bool operator==(const OperationView&) const = default;
};

struct OperationQuery {
  size_t max_events = 100;  // per list; 0 = no limit
};

// ---------------------------------------------------------------------------
// cases: one court case, by case_id.
struct Defendant {
  std::string suspect_id, name, nationality, role;
  SentenceInfo sentence;  // the defendant's latest sentencing in this case
  bool operator==(const Defendant&) const = default;
};

struct CaseView {
  std::string case_id;
  std::vector<std::string> courts;                      // sorted
  std::vector<Defendant> defendants;                    // sorted by suspect_id
  int64_t victims = 0;                                  // the largest figure any sentencing gives
  std::vector<MoneyView> amounts_defrauded;             // largest per currency
  std::vector<MoneyView> amounts_defrauded_equivalent;  // largest per currency
  Sum prison_months_total = 0;                          // sum of the defendants' current sentences
  Date offence_from, offence_to;
  std::vector<Contributor> events;  // sentencings, timeline order
  bool operator==(const CaseView&) const = default;
};

// ---------------------------------------------------------------------------
// custody flows: people moved from one country to another, by period.
enum class Granularity { kMonth, kYear };

struct FlowQuery {
  std::string from_country, to_country;  // "" = any
  Granularity granularity = Granularity::kMonth;
  // Inclusive period bounds as "YYYY" or "YYYY-MM"; "" = unbounded. A bound
  // compares as text with the row's period ("2024" <= "2024-03" < "2025").
  std::string from_period, to_period;
  size_t max_events = 100;  // event ids listed per row; 0 = no limit
};

struct FlowRow {
  std::string from_country, to_country;
  std::string period;  // "2024-03" (month) or "2024" (year)
  // In a by-month listing, handovers known only to the year appear in a row
  // with period "YYYY" and month_unknown = true; never on a made-up month.
  bool month_unknown = false;
  Sum people = 0;      // sum of suspects_count (individuals and counts combined)
  Sum identified = 0;  // of whom listed by suspect id
  Sum ringleaders = 0;
  Sum handovers = 0;             // events
  std::vector<EventRef> events;  // contributing handovers, timeline order
  bool operator==(const FlowRow&) const = default;
};

// ---------------------------------------------------------------------------
// totals, and reported figures beside the derived figure.
struct FigureComparison {
  Contributor figure;
  std::string metric, from_country, to_country, nationality;
  Date period_from, period_to;
  int64_t reported = 0;
  bool approximate = false;
  SourceRef source;
  // Whether the ledger knows how to derive this metric (docs/PROJECTIONS.md).
  bool derivable = false;
  // Sum over matching events certainly inside the period (and countries,
  // nationality); and over events that might belong but cannot be placed
  // (a date straddling a bound, an unknown country or nationality).
  Sum derived = 0;
  int64_t derived_events = 0;
  Sum uncertain = 0;
  int64_t uncertain_events = 0;
  bool operator==(const FigureComparison&) const = default;
};

struct Totals {
  uint64_t applied = 0;  // records the views reflect (the projection checkpoint)
  // Events in effect (not retracted), by kind; corrections and retractions as recorded.
  // Every figure is a Sum (the store's counters are 128-bit).
  Sum raids = 0, arrests = 0, handovers = 0, sentencings = 0, reported_figures = 0;
  Sum releases = 0;
  Sum corrections = 0, retractions = 0, retracted = 0;
  // Reported in raids (aggregate counts).
  Sum detained = 0, ringleaders_detained = 0;
  SumMap detained_by_nationality;
  // Individual arrests naming an operation: beside `detained`, never added.
  Sum arrests_in_operations = 0;
  // Custody moves.
  Sum handed_over = 0, handed_over_identified = 0, handed_over_ringleaders = 0;
  // Court outcomes, summed over cases.
  Sum prison_months = 0, victims = 0;
  std::vector<MoneyTotal> amounts_defrauded;  // sorted by currency
  // Distinct entities.
  Sum suspects = 0, operations = 0, cases = 0;
  SumMap suspects_by_status;
  Sum suspects_erased = 0;  // of `suspects`, erased (format 2)
  std::vector<FigureComparison> figures;  // by position
  bool operator==(const Totals&) const = default;
};

// ---------------------------------------------------------------------------
// timelines.
enum class TimelineKind { kSuspect, kOperation, kCase, kCountry, kGlobal };

struct TimelineQuery {
  TimelineKind kind = TimelineKind::kGlobal;
  std::string key;   // suspect_id, operation_id, case_id or country; "" for global
  size_t limit = 0;  // 0 = all
  bool newest_first = false;
  // Paging: start after the entry whose TimelineEntry::cursor this is ("" =
  // from the start). A cursor that is not one is kInvalidArgument.
  std::string after;
  // Only entries of this kind (KindName: "raid", ..., "correction"); "" = all.
  std::string event_kind;
  // Occurred-time filter: an entry is kept when the unit of its occurred
  // date ([start, UnitEnd) in rules.h: a month-precise event is the whole
  // month) overlaps [since, until] — it may have occurred in the range.
  absl::Time since = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
};

struct TimelineEntry {
  uint64_t position = 0;
  std::string event_id, stream;
  std::string kind;  // body kind, including "correction" and "retraction"
  // Effective date for facts (a correction may have moved it; then
  // original_occurred holds the recorded one); the event's own for
  // corrections and retractions.
  Date occurred, original_occurred;
  std::string recorded_at;  // RFC 3339
  SourceRef source;
  std::string summary;          // the body in effect, or what the fix does
  std::string target_event_id;  // corrections and retractions
  // Facts: a live correction in its correction tree exists; corrected_by is
  // the one whose body is in effect. Corrections: a live correction targets
  // it directly; corrected_by is the latest such.
  bool corrected = false;
  std::string corrected_by;
  bool retracted = false;
  std::string retracted_by;
  // Facts: not retracted. Corrections: its body is the one in effect.
  // Retractions: always.
  bool in_effect = false;
  // Paging: TimelineQuery::after resumes after this entry (an opaque token
  // of its place in the order: occurred key and position, in hex).
  std::string cursor;
  bool operator==(const TimelineEntry&) const = default;
};

// One record's place among corrections and retractions (Views::History).
struct Fix {
  EventRef event;               // the correction or retraction
  std::string kind;             // "correction" or "retraction"
  std::string target_event_id;  // the event it names
  uint64_t target_position = 0;
  bool operator==(const Fix&) const = default;
};

struct EventHistory {
  TimelineEntry entry;  // the record as the timelines show it: state, summary, source
  // The corrections and retractions that fix it, directly or through a
  // correction of it, in log order. Empty for a retraction and for a fix
  // whose target was unknown when it was recorded.
  std::vector<Fix> fixes;
  bool operator==(const EventHistory&) const = default;
};

// ---------------------------------------------------------------------------
// Digests: one per view, over its stored state.
struct ViewDigest {
  std::string view;  // "events", "suspects", "operations", "cases", "flows", "totals", "timelines"
  uint64_t entries = 0;  // stored key/value pairs
  std::string sha256;    // hex
  bool operator==(const ViewDigest&) const = default;
};

// ---------------------------------------------------------------------------
// Names used in views and JSON.
std::string PrecisionName(enforcement::v1::Precision p);   // "exact", "day", "month", "year", ""
std::string RoleName(enforcement::v1::Role r);             // "ringleader", ... ; "" if unspecified
std::string InstanceName(enforcement::v1::Instance i);     // "first", "appeal", "final", ""
std::string KindName(enforcement::v1::Event::BodyCase k);  // "raid", ..., "reported_figure"
std::string TimelineKindName(TimelineKind k);              // "suspect", "operation", ...
// The inverse of TimelineKindName; false for an unknown name.
bool ParseTimelineKind(absl::string_view name, TimelineKind* kind);

// Dates: Date from a Timestamp and precision; RFC 3339 of its instant; and
// the text of its unit ("2024", "2024-02", "2024-03-31", or RFC 3339 for exact).
Date MakeDate(const google::protobuf::Timestamp& ts, enforcement::v1::Precision p);
std::string Rfc3339(int64_t seconds, int32_t nanos);
std::string DateText(const Date& d);

// One line describing a fact's body ("raid op-1 at Muse, MM: 807 detained
// (CN 352, MM 455), 21 ringleaders"). Used for timeline summaries.
std::string Summarize(const enforcement::v1::Event& e);

}  // namespace projections

#endif  // ENFORCEMENT_PROJECTIONS_VIEW_TYPES_H_
