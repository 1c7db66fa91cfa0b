#include "query/session.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "ledger/validate.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "util/error_detail.h"

namespace query {
namespace {

using projections::CatchUpResult;
using projections::Views;

// `s` with `prefix` before its message; code and payloads (the ErrorDetail)
// kept.
absl::Status WithPrefix(const absl::Status& s, absl::string_view prefix) {
  absl::Status out(s.code(), absl::StrCat(prefix, s.message()));
  s.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

// An error of the views store; lock contention says to retry.
absl::Status ViewsError(const absl::Status& s, absl::string_view what) {
  absl::Status out = WithPrefix(s, absl::StrCat(what, ": "));
  if (!util::IsLockContention(s)) return out;
  absl::Status hinted(out.code(),
                      absl::StrCat(out.message(), " (another process is updating the views; retry)"));
  out.ForEachPayload(
      [&hinted](absl::string_view url, const absl::Cord& p) { hinted.SetPayload(url, p); });
  return hinted;
}

absl::Status AsOfError(absl::Status s, const char* reason) {
  util::ErrorDetail detail;
  detail.set_reason(reason);
  return util::WithErrorDetail(std::move(s), detail);
}

}  // namespace

absl::StatusOr<CatchUpResult> CatchUpViews(ledger::Ledger& ledger, Views& views,
                                           const projections::CatchUpOptions& progress) {
  absl::StatusOr<CatchUpResult> r = views.CatchUp(ledger, progress);
  if (absl::IsDataLoss(r.status())) {
    // Views ahead of the head we opened may only mean that the writer moved
    // on and another process caught the views up meanwhile: look again once.
    if (absl::Status s = ledger.TryCatchUp(); !s.ok()) {
      return WithPrefix(s, "cannot catch up with the writer: ");
    }
    r = views.CatchUp(ledger, progress);
  }
  if (!r.ok()) return ViewsError(r.status(), "cannot bring the views up to date");
  return r;
}

absl::StatusOr<std::unique_ptr<Session>> Session::Open(const std::string& ledger_dir,
                                                       const SessionOptions& options) {
  ledger::OpenOptions open;
  open.read_only = true;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(ledger_dir, open);
  if (!db.ok()) {
    return WithPrefix(db.status(), absl::StrCat("cannot open the ledger at ", ledger_dir, ": "));
  }
  return Attach(*std::move(db), options);
}

absl::StatusOr<std::unique_ptr<Session>> Session::Attach(std::unique_ptr<ledger::Ledger> ledger,
                                                         const SessionOptions& options) {
  const bool by_time = !options.as_of.empty();
  if (options.as_of_position && by_time) {
    return AsOfError(absl::InvalidArgumentError("give an as-of position or an as-of time, not both"),
                     kReasonAsOfInvalid);
  }
  if (by_time) {  // refused before anything is opened or locked
    if (absl::StatusOr<absl::Time> t = projections::ParseAsOfTime(options.as_of); !t.ok()) {
      return AsOfError(t.status(), kReasonAsOfInvalid);
    }
  }
  std::unique_ptr<Session> session(new Session());
  session->ledger_ = std::move(ledger);
  ledger::Ledger& db = *session->ledger_;
  if (absl::Status s = db.TryCatchUp(); !s.ok()) {
    return WithPrefix(s, "cannot catch up with the writer: ");
  }
  absl::StatusOr<std::unique_ptr<Views>> views = Views::Open(db.path(), options.views);
  if (!views.ok()) return ViewsError(views.status(), "cannot open the views");
  session->views_ = *std::move(views);
  if (!options.catch_up) return session;
  absl::StatusOr<CatchUpResult> r = CatchUpViews(db, *session->views_, options.catch_up_progress);
  if (!r.ok()) return r.status();
  session->catch_up_ = *std::move(r);

  std::optional<uint64_t> size = options.as_of_position;
  if (by_time) {
    absl::StatusOr<uint64_t> n = projections::ResolveAsOf(db, options.as_of);
    if (absl::StatusOr<absl::Time> t = projections::ParseAsOfTime(options.as_of); t.ok()) {
      session->as_of_time_ = absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", *t, absl::UTCTimeZone());
    }
    if (!n.ok()) {
      if (n.status().code() == absl::StatusCode::kInvalidArgument) {
        return AsOfError(n.status(), kReasonAsOfInvalid);
      }
      return WithPrefix(n.status(), "cannot resolve the as-of time: ");
    }
    size = *n;
  }
  if (!size) return session;
  const uint64_t head = db.GetHead().tree_size;
  if (*size > head) {
    return AsOfError(absl::OutOfRangeError(absl::StrCat("position ", *size,
                                                        " is past the head: the ledger holds ",
                                                        head, " records")),
                     kReasonAsOfPastHead);
  }
  session->as_of_size_ = size;
  if (*size == session->views_->checkpoint()) return session;  // the store is that state
  absl::StatusOr<std::unique_ptr<Views>> past =
      session->views_->AsOf(db, *size, {}, options.as_of_progress);
  if (!past.ok()) return ViewsError(past.status(), "cannot build the views as of that point");
  session->as_of_ = *std::move(past);
  return session;
}

Session::~Session() = default;

const Views& Session::views() const { return as_of_ ? *as_of_ : *views_; }
Views& Session::store() { return *views_; }
const ledger::Ledger& Session::ledger() const { return *ledger_; }
std::optional<uint64_t> Session::as_of_size() const { return as_of_size_; }
const std::optional<CatchUpResult>& Session::catch_up() const { return catch_up_; }

absl::Status Session::NotFound(const absl::Status& s, const char* what,
                               const std::string& id) const {
  if (s.code() != absl::StatusCode::kNotFound) return s;
  return absl::NotFoundError(absl::StrCat(
      "no ", what, " '", id, "' in the ledger",
      as_of_size_ ? absl::StrCat(" (as of ", *as_of_size_, " records)") : std::string()));
}

absl::StatusOr<projections::SuspectView> Session::GetSuspect(const std::string& id) const {
  absl::StatusOr<projections::SuspectView> v = views().GetSuspect(id);
  if (!v.ok()) return SuspectNotFound(v.status(), id);
  return v;
}

absl::Status Session::SuspectNotFound(const absl::Status& s, const std::string& id) const {
  const absl::Status plain = NotFound(s, "suspect", id);
  if (s.code() != absl::StatusCode::kNotFound) return plain;
  // The suspect's timeline keeps the events that named it, also when every
  // one of them was retracted or corrected away: say what happened.
  projections::TimelineQuery q;
  q.kind = projections::TimelineKind::kSuspect;
  q.key = id;
  q.limit = 64;
  absl::StatusOr<std::vector<projections::TimelineEntry>> entries = views().Timeline(q);
  if (!entries.ok()) return plain;
  constexpr size_t kMaxNamed = 3;
  std::vector<std::string> parts;
  std::string first;
  size_t facts = 0;
  auto at = [this](const std::string& event_id) {
    absl::StatusOr<uint64_t> p = ledger_->FindEvent(event_id);
    return p.ok() ? absl::StrCat("event ", event_id, " (position ", *p, ")")
                  : absl::StrCat("event ", event_id);
  };
  for (const projections::TimelineEntry& e : *entries) {
    if (e.kind == "correction" || e.kind == "retraction") continue;
    ++facts;
    if (first.empty()) first = e.event_id;
    if (parts.size() == kMaxNamed) continue;
    std::string part = absl::StrCat("recorded by event ", e.event_id, " (position ", e.position,
                                    ")");
    if (e.retracted) {
      absl::StrAppend(&part, " and retracted by ", at(e.retracted_by));
    } else if (e.corrected) {
      absl::StrAppend(&part, " and corrected by ", at(e.corrected_by),
                      ", which no longer names it");
    }
    parts.push_back(std::move(part));
  }
  if (facts == 0) return plain;
  std::string text = absl::StrCat("suspect '", id, "' is in no event in effect",
                                  as_of_size_ ? absl::StrCat(" (as of ", *as_of_size_, " records)")
                                              : std::string(),
                                  ": it was ", absl::StrJoin(parts, "; "));
  if (facts > parts.size()) absl::StrAppend(&text, "; and ", facts - parts.size(), " more");
  absl::StrAppend(&text, "; `ledger show ", first, "` has the details");
  return absl::NotFoundError(text);
}

namespace {

// Asked for limit + 1 entries: the last one only says that more follow.
template <typename T, typename Cursor>
absl::StatusOr<Page<T>> ToPage(absl::StatusOr<std::vector<T>> list, size_t limit, Cursor cursor) {
  if (!list.ok()) return list.status();
  Page<T> page;
  page.items = *std::move(list);
  if (limit != 0 && page.items.size() > limit) {
    page.items.resize(limit);
    page.more = true;
    page.next_after = cursor(page.items.back());
  }
  return page;
}

size_t AskFor(size_t limit) { return limit == 0 ? 0 : limit + 1; }

absl::Status CheckCountry(const std::string& code, const char* what) {
  if (code.empty()) return absl::OkStatus();
  return ledger::CheckCountryFilter(code, what);
}

absl::Status CheckOneOf(const std::string& value, const std::vector<std::string>& names,
                        const char* what) {
  if (value.empty() || std::find(names.begin(), names.end(), value) != names.end()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", absl::CHexEscape(value), "\" is not ",
                                                 what, " (one of: ", absl::StrJoin(names, ", "),
                                                 ")"));
}

std::string FlowCursor(const projections::FlowRow& r) {
  return absl::StrCat(r.from_country, ":", r.to_country, ":", r.period);
}

}  // namespace

std::vector<std::string> RoleNames() {
  std::vector<std::string> out;
  const google::protobuf::EnumDescriptor* d = enforcement::v1::Role_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    const std::string name =
        projections::RoleName(static_cast<enforcement::v1::Role>(d->value(i)->number()));
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

std::vector<std::string> EventKindNames() {
  std::vector<std::string> out;
  const google::protobuf::OneofDescriptor* body =
      enforcement::v1::Event::descriptor()->FindOneofByName("body");
  for (int i = 0; body != nullptr && i < body->field_count(); ++i) {
    out.push_back(body->field(i)->name());
  }
  return out;
}

std::string Session::as_of_label() const {
  if (!as_of_size_) return "";
  const uint64_t head = ledger_->GetHead().tree_size;
  if (!as_of_time_.empty()) {
    return absl::StrCat("as of recorded time ", as_of_time_, ": ", *as_of_size_, " of ", head,
                        " records");
  }
  return absl::StrCat("as of position ", *as_of_size_, ": ", *as_of_size_, " of ", head,
                      " records");
}

absl::StatusOr<Page<projections::SuspectView>> Session::ListSuspects(
    projections::SuspectFilter filter, size_t limit) const {
  if (absl::Status s = CheckCountry(filter.nationality, "--nationality"); !s.ok()) return s;
  if (absl::Status s = CheckCountry(filter.custody_country, "--custody"); !s.ok()) return s;
  if (absl::Status s = CheckOneOf(filter.role, RoleNames(), "a role"); !s.ok()) return s;
  filter.limit = AskFor(limit);
  return ToPage(views().ListSuspects(filter), limit,
                [](const projections::SuspectView& v) { return v.suspect_id; });
}

absl::StatusOr<projections::OperationView> Session::GetOperation(
    const std::string& id, const projections::OperationQuery& query) const {
  absl::StatusOr<projections::OperationView> v = views().GetOperation(id, query);
  if (!v.ok()) return NotFound(v.status(), "operation", id);
  return v;
}

absl::StatusOr<Page<projections::OperationView>> Session::ListOperations(
    const projections::OperationQuery& query, size_t limit, const std::string& after) const {
  return ToPage(views().ListOperations(query, AskFor(limit), after), limit,
                [](const projections::OperationView& v) { return v.operation_id; });
}

absl::StatusOr<projections::CaseView> Session::GetCase(const std::string& id) const {
  absl::StatusOr<projections::CaseView> v = views().GetCase(id);
  if (!v.ok()) return NotFound(v.status(), "case", id);
  return v;
}

absl::StatusOr<Page<projections::CaseView>> Session::ListCases(size_t limit,
                                                               const std::string& after) const {
  return ToPage(views().ListCases(AskFor(limit), after), limit,
                [](const projections::CaseView& v) { return v.case_id; });
}

absl::StatusOr<std::vector<projections::FlowRow>> Session::Flows(
    const projections::FlowQuery& query) const {
  return views().Flows(query);
}

absl::StatusOr<Page<projections::FlowRow>> Session::ListFlows(const projections::FlowQuery& query,
                                                              size_t limit,
                                                              const std::string& after) const {
  if (absl::Status s = CheckCountry(query.from_country, "--from"); !s.ok()) return s;
  if (absl::Status s = CheckCountry(query.to_country, "--to"); !s.ok()) return s;
  absl::StatusOr<std::vector<projections::FlowRow>> rows = views().Flows(query);
  if (!rows.ok()) return rows.status();
  Page<projections::FlowRow> page;
  auto first = rows->begin();
  if (!after.empty()) {
    const std::vector<std::string> parts = absl::StrSplit(after, ':');
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::CHexEscape(after), "\" is not a flows cursor (FROM:TO:PERIOD)"));
    }
    const auto key = std::tie(parts[0], parts[1], parts[2]);
    first = std::find_if(rows->begin(), rows->end(), [&](const projections::FlowRow& r) {
      return std::tie(r.from_country, r.to_country, r.period) > key;
    });
  }
  auto last = limit == 0 || static_cast<size_t>(rows->end() - first) <= limit ? rows->end()
                                                                             : first + limit;
  page.items.assign(std::make_move_iterator(first), std::make_move_iterator(last));
  page.remaining = static_cast<uint64_t>(rows->end() - last);
  page.more = *page.remaining > 0;
  if (page.more) page.next_after = FlowCursor(page.items.back());
  return page;
}

absl::StatusOr<projections::Totals> Session::GetTotals() const { return views().GetTotals(); }

absl::StatusOr<TotalsPage> Session::GetTotals(size_t figure_limit, const std::string& after) const {
  uint64_t after_position = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &after_position)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CHexEscape(after), "\" is not a figures cursor (the position of a figure)"));
  }
  absl::StatusOr<projections::Totals> t = views().GetTotals();
  if (!t.ok()) return t.status();
  TotalsPage page;
  page.totals = *std::move(t);
  std::vector<projections::FigureComparison>& figures = page.totals.figures;
  if (!after.empty()) {
    figures.erase(figures.begin(),
                  std::find_if(figures.begin(), figures.end(),
                               [&](const projections::FigureComparison& f) {
                                 return f.figure.position > after_position;
                               }));
  }
  page.remaining = 0;
  if (figure_limit != 0 && figures.size() > figure_limit) {
    page.remaining = figures.size() - figure_limit;
    figures.resize(figure_limit);
    page.more = true;
    page.next_after = absl::StrCat(figures.back().figure.position);
  }
  return page;
}

absl::StatusOr<Page<projections::TimelineEntry>> Session::TimelinePage(
    projections::TimelineQuery query, size_t limit) const {
  query.limit = AskFor(limit);
  return ToPage(Timeline(query), limit,
                [](const projections::TimelineEntry& e) { return e.cursor; });
}

absl::StatusOr<std::vector<projections::TimelineEntry>> Session::Timeline(
    const projections::TimelineQuery& query) const {
  if (query.kind == projections::TimelineKind::kCountry) {
    if (absl::Status s = CheckCountry(query.key, "--country"); !s.ok()) return s;
  }
  if (absl::Status s = CheckOneOf(query.event_kind, EventKindNames(), "an event kind");
      !s.ok()) {
    return s;
  }
  if (query.since > query.until) {
    return absl::InvalidArgumentError("--since is after --until");
  }
  absl::StatusOr<std::vector<projections::TimelineEntry>> entries = views().Timeline(query);
  if (!entries.ok() || !entries->empty() || !query.after.empty()) return entries;
  // No entries: an unknown id (not a quiet one) is an error; a country may
  // simply have no events.
  switch (query.kind) {
    case projections::TimelineKind::kSuspect:
      if (absl::Status s = GetSuspect(query.key).status(); !s.ok()) return s;
      break;
    case projections::TimelineKind::kOperation:
      if (absl::Status s = GetOperation(query.key).status(); !s.ok()) return s;
      break;
    case projections::TimelineKind::kCase:
      if (absl::Status s = GetCase(query.key).status(); !s.ok()) return s;
      break;
    default:
      break;
  }
  return entries;
}

absl::StatusOr<CatchUpResult> Session::Rebuild(const projections::CatchUpOptions& progress) {
  absl::StatusOr<CatchUpResult> r = views_->Rebuild(*ledger_, progress);
  if (!r.ok()) return ViewsError(r.status(), "rebuild failed");
  return r;
}

}  // namespace query
