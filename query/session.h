// The read-only query session (SPEC §5, §6): a ledger opened read-only, its
// views store (<ledger dir>/views) caught up with the writer, optionally the
// views as of an earlier point of the log, and the queries answered from
// them (suspects, operations, cases, flows, stats, timeline) as the
// projections' view objects. No printing: the front doors format the
// answers (as the messages of proto/enforcement/api/v1/views.proto:
// projections/view_messages.h; docs/JSON.md).
//
//   query::SessionOptions options;
//   options.as_of_position = 3;                       // optional
//   auto session = query::Session::Open(dir, options);  // check ok()
//   auto op = (*session)->GetOperation("op-2024-muse-01");
//
// An answer reflects every event appended before Open started (Open calls
// the ledger's TryCatchUp, then brings the views to its head).
//
// Errors carry their code (and the util::ErrorDetail of the failure, e.g.
// "views_lock_held" for lock contention: util::IsLockContention) and a
// message that says which step failed ("cannot open the views: ...").
//
// Ownership and threads: a Session owns its ledger and views, and holds the
// views store's lock (one process at a time; others wait up to
// SessionOptions::views.lock_timeout) until it is destroyed. The const query
// methods may be called from several threads at once; Rebuild needs
// exclusive access.
#ifndef ENFORCEMENT_QUERY_SESSION_H_
#define ENFORCEMENT_QUERY_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "projections/view_types.h"
#include "projections/views.h"

namespace query {

// ErrorDetail reasons of the as-of step.
inline constexpr char kReasonAsOfInvalid[] = "as_of_invalid";      // kInvalidArgument
inline constexpr char kReasonAsOfPastHead[] = "as_of_past_head";   // kOutOfRange

struct SessionOptions {
  // Where the views store lives and how long to wait for its lock.
  projections::ViewsOptions views;
  // Bring the views up to the log's head on Open. Every query needs it;
  // false only for a caller that rebuilds the views (Session::Rebuild).
  bool catch_up = true;
  // Answer as of an earlier point of the log (at most one of the two):
  // the first `as_of_position` records, or the records *recorded* at or
  // before `as_of` (a date "2024-04-01" = up to the end of that day UTC, or
  // an RFC 3339 time: projections::ResolveAsOf; a bare number is refused).
  // Errors: kInvalidArgument with reason kReasonAsOfInvalid when both are
  // given or `as_of` is not a date or time; kOutOfRange with reason
  // kReasonAsOfPastHead past the head.
  std::optional<uint64_t> as_of_position;
  std::string as_of;
  // Progress of the catch-up and of the as-of build. May be empty.
  projections::CatchUpOptions catch_up_progress;
  projections::CatchUpOptions as_of_progress;
};

// The paging model of every list (docs/PAGING.md): at most `limit` entries
// (kDefaultLimit unless asked; 0 = all), in the list's order, after the
// cursor `after` ("" = from the start). `next_after` is the cursor of the
// last entry returned, set when `more` entries follow: pass it as `after`
// to get the next page. Cursors are the last sort key (an id for suspects,
// operations and cases; "FROM:TO:PERIOD" for flows; a position for reported
// figures; an opaque hex token for timelines), so a page boundary stays put
// when the ledger grows. `remaining` counts the entries after this page
// where that is cheap (flows, figures); nullopt elsewhere.
inline constexpr size_t kDefaultLimit = 100;

template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;
  std::string next_after;
  std::optional<uint64_t> remaining;
};

// The totals with one page of their reported figures (Totals::figures).
struct TotalsPage {
  projections::Totals totals;
  bool more = false;
  std::string next_after;
  std::optional<uint64_t> remaining;
};

// The role names a suspect filter accepts ("member", "ringleader", ...) and
// the event kinds a timeline filter accepts ("raid", ..., "correction").
std::vector<std::string> RoleNames();
std::vector<std::string> EventKindNames();

// Catches `views` up to the head of `ledger`. When the views are ahead of
// it (kDataLoss from Views::CatchUp: `ledger` is a reader older than the
// process that advanced the views), calls ledger.TryCatchUp() and tries once
// more; a second kDataLoss is the log having lost records. Errors keep their
// code and detail; the message starts with "cannot catch up with the writer: "
// (TryCatchUp failed) or "cannot bring the views up to date: " (the catch-up
// failed; lock contention adds a hint to retry).
absl::StatusOr<projections::CatchUpResult> CatchUpViews(
    ledger::Ledger& ledger, projections::Views& views,
    const projections::CatchUpOptions& progress = {});

class Session {
 public:
  // Opens the ledger at `ledger_dir` read-only, then as Attach. Errors of
  // the open keep their code; the message starts "cannot open the ledger at
  // <dir>: ".
  static absl::StatusOr<std::unique_ptr<Session>> Open(const std::string& ledger_dir,
                                                       const SessionOptions& options = {});
  // Over a ledger the caller opened (read-only; e.g. with its own messages
  // for a missing ledger): catches the ledger up with the writer, opens its
  // views store (ledger->path()), catches the views up (CatchUpViews) unless
  // !options.catch_up, then applies the as-of options.
  static absl::StatusOr<std::unique_ptr<Session>> Attach(std::unique_ptr<ledger::Ledger> ledger,
                                                         const SessionOptions& options = {});

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // The views that answer: the store caught up to the head, or the views
  // as of the as-of point.
  const projections::Views& views() const;
  // The persistent store (caught up to the head unless !options.catch_up).
  projections::Views& store();
  const ledger::Ledger& ledger() const;
  // The as-of tree size, when the session answers as of an earlier point.
  std::optional<uint64_t> as_of_size() const;
  // What Open's catch-up did (nullopt with !options.catch_up).
  const std::optional<projections::CatchUpResult>& catch_up() const;

  // A line that says what point of the log the answers reflect, e.g. "as of
  // recorded time 2024-04-01T23:59:59.999999999Z: 4 of 10 records"; "" for a
  // session at the head.
  std::string as_of_label() const;

  // The queries. An unknown id is kNotFound "no <what> '<id>' in the ledger"
  // (+ " (as of N records)"). A suspect whose every event was retracted (or
  // corrected so that it no longer names it) is kNotFound too, with a message
  // naming those events and their fixes ("suspect 'X' is in no event in
  // effect: it was recorded by event E (position P) and retracted by event R
  // (position Q); `ledger show E` has the details").
  // Filters are checked first: a country that is
  // not an ISO 3166-1 alpha-2 code (ledger::CheckCountryFilter), an unknown
  // role or event kind are kInvalidArgument. Lists page as Page says.
  absl::StatusOr<projections::SuspectView> GetSuspect(const std::string& id) const;
  // `filter.limit` is ignored: `limit` entries per page (0 = all), after
  // `filter.after`, in natural order of suspect_id.
  absl::StatusOr<Page<projections::SuspectView>> ListSuspects(projections::SuspectFilter filter,
                                                              size_t limit) const;
  absl::StatusOr<projections::OperationView> GetOperation(
      const std::string& id, const projections::OperationQuery& query = {}) const;
  absl::StatusOr<Page<projections::OperationView>> ListOperations(
      const projections::OperationQuery& query, size_t limit, const std::string& after) const;
  absl::StatusOr<projections::CaseView> GetCase(const std::string& id) const;
  absl::StatusOr<Page<projections::CaseView>> ListCases(size_t limit,
                                                        const std::string& after) const;
  // All rows (no paging), as Views::Flows.
  absl::StatusOr<std::vector<projections::FlowRow>> Flows(
      const projections::FlowQuery& query) const;
  // One page of rows in (from, to, period) order; `after` is "FROM:TO:PERIOD".
  absl::StatusOr<Page<projections::FlowRow>> ListFlows(const projections::FlowQuery& query,
                                                       size_t limit,
                                                       const std::string& after) const;
  absl::StatusOr<projections::Totals> GetTotals() const;
  // The totals with one page of reported figures; `after` is a position.
  absl::StatusOr<TotalsPage> GetTotals(size_t figure_limit, const std::string& after) const;
  // The timeline of a suspect, operation, case, country or of everything.
  // An unknown suspect, operation or case is kNotFound (a country may simply
  // have no events). query.limit is ignored: `limit` entries per page.
  absl::StatusOr<std::vector<projections::TimelineEntry>> Timeline(
      const projections::TimelineQuery& query) const;
  absl::StatusOr<Page<projections::TimelineEntry>> TimelinePage(
      projections::TimelineQuery query, size_t limit) const;

  // Drops the views and replays the log from position 0 (Views::Rebuild).
  // The message of an error starts "rebuild failed: ".
  absl::StatusOr<projections::CatchUpResult> Rebuild(
      const projections::CatchUpOptions& progress = {});

 private:
  Session() = default;
  absl::Status NotFound(const absl::Status& s, const char* what, const std::string& id) const;
  // GetSuspect's kNotFound: explains a suspect whose events were all
  // retracted or corrected away (its timeline keeps them).
  absl::Status SuspectNotFound(const absl::Status& s, const std::string& id) const;

  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<projections::Views> views_;  // the persistent store
  std::unique_ptr<projections::Views> as_of_;  // scratch views as of as_of_size_
  std::optional<uint64_t> as_of_size_;
  std::string as_of_time_;  // the recorded time asked for, RFC 3339; "" by position
  std::optional<projections::CatchUpResult> catch_up_;
};

}  // namespace query

#endif  // ENFORCEMENT_QUERY_SESSION_H_
