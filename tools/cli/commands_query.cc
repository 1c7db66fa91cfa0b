// The query commands of `ledger` (SPEC §5, §6): suspects, operations, cases,
// flows, stats, timeline, and rebuild. Each parses its arguments, opens a
// query::Session (the ledger read-only, caught up with the writer, the views
// store brought up to the ledger's head, --as-of-position N / --as-of T
// applied; progress on stderr when it is a terminal), asks it, and formats
// the answer.
//
// Output: aligned tables for people, or with --json the answer as a message
// of proto/enforcement/api/v1/views.proto printed by util::AnswerJson
// (docs/JSON.md), one JSON object and a newline.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "enforcement/api/v1/personal.pb.h"
#include "ledger/ledger.h"
#include "ledger/money.h"
#include "personal/personal_crypto.h"
#include "personal/personal_store.h"
#include "query/name_policy.h"
#include "query/personal_reveal.h"
#include "query/session.h"
#include "projections/view_messages.h"
#include "projections/view_types.h"
#include "projections/views.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "util/answer_json.h"
#include "util/error_detail.h"
#include "util/text.h"
#include "util/time_format.h"

namespace cli {

projections::CatchUpOptions CatchUpProgress(ProgressMeter* progress) {
  projections::CatchUpOptions options;
  options.progress = [progress](uint64_t done, uint64_t total) {
    progress->Update(done, total > 0 ? static_cast<double>(done) / static_cast<double>(total)
                                     : -1.0);
  };
  options.merging = [progress](double fraction) {
    progress->Stage("merging into the views store", fraction);
  };
  return options;
}

namespace {

// ---------------------------------------------------------------------------
// Opening: a query::Session over the ledger opened read-only.

// Reports a failed session or answer (the status message says what failed).
int FailSession(const Invocation& inv, const absl::Status& s) {
  return inv.Fail(ExitCodeFor(s), s.message(), s);
}

// Opens the session (catching the views up unless !catch_up), with
// --as-of-position N / --as-of T when `as_of`. Returns kExitOk or the exit
// code of the failure (already reported).
int OpenSession(const Invocation& inv, std::unique_ptr<query::Session>* session,
                bool as_of = true, bool catch_up = true) {
  query::SessionOptions options;
  options.catch_up = catch_up;
  if (as_of) {
    const bool by_pos = inv.args.Has("as-of-position");
    const bool by_time = inv.args.Has("as-of");
    if (by_pos && by_time) return inv.UsageError("give --as-of-position or --as-of, not both");
    if (by_pos) {
      absl::StatusOr<std::optional<uint64_t>> n = inv.args.GetUint("as-of-position");
      if (!n.ok()) return inv.UsageError(n.status().message());
      options.as_of_position = **n;
    }
    if (by_time) options.as_of = inv.args.GetOr("as-of", "");
  }
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(ExitCodeFor(db.status()), db.status().message(), db.status());
  ProgressMeter catching_up("catch-up", "records");
  ProgressMeter as_of_meter("as-of", "records");
  options.catch_up_progress = CatchUpProgress(&catching_up);
  options.as_of_progress = CatchUpProgress(&as_of_meter);
  options.as_of_progress.progress = [&](uint64_t done, uint64_t total) {
    catching_up.Finish();
    as_of_meter.Update(done, total > 0 ? static_cast<double>(done) / static_cast<double>(total)
                                       : -1.0);
  };
  absl::StatusOr<std::unique_ptr<query::Session>> opened =
      query::Session::Attach(*std::move(db), options);
  catching_up.Finish();
  as_of_meter.Finish();
  if (!opened.ok()) {
    const absl::Status& s = opened.status();
    const std::optional<util::ErrorDetail> detail = util::GetErrorDetail(s);
    const std::string reason = detail ? detail->reason() : "";
    if (reason == query::kReasonAsOfInvalid) {
      return inv.UsageError(absl::StrCat("--as-of (a recorded time): ", s.message()));
    }
    if (reason == query::kReasonAsOfPastHead) {
      return inv.Fail(ExitCodeFor(s), absl::StrCat("--as-of-", s.message()), s);
    }
    return FailSession(inv, s);
  }
  *session = *std::move(opened);
  if (!AnswerIsJson(inv) && (*session)->as_of_size()) {
    std::cerr << "ledger: " << inv.command << ": " << (*session)->as_of_label() << "\n";
  }
  if (const auto& r = (*session)->catch_up(); r && r->rebuilt) {
    std::cerr << "ledger: note: the views were rebuilt from the log (" << r->rebuild_reason
              << ")\n";
  }
  return kExitOk;
}

// "as of N records" for messages.
std::string AsOfNote(const query::Session& session) {
  if (!session.as_of_size()) return "";
  return absl::StrCat(" (as of ", ledger::Counted(static_cast<long long>(*session.as_of_size()), "record", "records"), ")");
}

// ---------------------------------------------------------------------------
// Formatting.

std::string DateCell(const projections::Date& d) {
  if (!d.set()) return "-";
  return projections::DateText(d);
}

std::string DateWithPrecision(const projections::Date& d) {
  if (!d.set()) return "-";
  return absl::StrCat(projections::DateText(d), " (", projections::PrecisionName(d.precision),
                      ")");
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// "1,234,567": any figure, aggregates (128-bit) included, exactly.
std::string Num(projections::Sum n) { return ledger::Thousands(projections::SumText(n)); }

// "1 raid", "2,000 raids": the count in the number style, its noun in the
// singular for exactly one.
std::string Count(projections::Sum n, absl::string_view one, absl::string_view many) {
  return ledger::Counted(projections::SumText(n), one, many);
}

std::string ByCountry(const projections::SumMap& m) {
  if (m.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, " ", Num(v)));
  return absl::StrJoin(parts, ", ");
}

// In major units at the currency's ISO 4217 exponent (ledger/money.h).
std::string Money(const projections::MoneyView& m) {
  return ledger::FormatMoney(m.currency, static_cast<long long>(m.minor_units));
}
std::string Money(const projections::MoneyTotal& m) {
  return ledger::FormatMoney(m.currency, projections::SumText(m.minor_units));
}

template <typename M>
std::string Monies(const std::vector<M>& ms) {
  if (ms.empty()) return "-";
  std::vector<std::string> parts;
  for (const auto& m : ms) parts.push_back(Money(m));
  return absl::StrJoin(parts, ", ");
}

std::string Months(projections::Sum months) {
  if (months <= 0) return "-";
  const projections::Sum y = months / 12, m = months % 12;
  std::string out = Count(months, "month", "months");
  if (y > 0) {
    absl::StrAppend(&out, " (", Num(y), " y", m > 0 ? absl::StrCat(" ", Num(m), " m") : "", ")");
  }
  return out;
}

std::string SentenceText(const projections::SentenceInfo& s) {
  std::string out = Months(s.prison_months);
  if (s.fine) absl::StrAppend(&out, ", fine ", Money(*s.fine));
  absl::StrAppend(&out, ", case ", s.case_id);
  if (!s.instance.empty()) absl::StrAppend(&out, ", ", s.instance, " instance");
  return out;
}

// Paging options (docs/PAGING.md): --limit N (default query::kDefaultLimit;
// 0 = all), --all (= --limit 0, where --all is not a scope) and --after
// CURSOR.
bool GetLimit(const Invocation& inv, size_t fallback, size_t* limit, int* code,
              bool all_means_everything = true) {
  absl::StatusOr<std::optional<uint64_t>> n = inv.args.GetUint("limit");
  if (!n.ok()) {
    *code = inv.UsageError(n.status().message());
    return false;
  }
  *limit = *n ? static_cast<size_t>(**n) : fallback;
  if (all_means_everything && inv.args.Has("all")) {
    if (*n && **n != 0) {
      *code = inv.UsageError("give --all or --limit N, not both");
      return false;
    }
    *limit = 0;
  }
  return true;
}

// Format 2: the views know subjects (sub_…); an agency's suspect id given
// instead is looked up in the personal-data store (the keyed lookup; also
// for an erased subject, whose tombstone keeps it). Unchanged otherwise.
std::string SuspectKey(const query::Session& session, const std::string& id) {
  if (session.ledger().format_version() < 2 || personal::IsSubjectId(id)) return id;
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      query::OpenPersonalStoreForReading(session.ledger());
  if (!store.ok()) return id;
  absl::StatusOr<std::optional<std::string>> found = (*store)->FindSubjectByAgencyId(id);
  return found.ok() && found->has_value() ? **found : id;
}

// `suspects show ID --personal`: the subject's personal data, each value
// checked against its record's commitment.
int ShowPersonal(const Invocation& inv, const query::Session& session,
                 const projections::SuspectView& view, const std::string& name_check) {
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      query::OpenPersonalStoreForReading(session.ledger());
  if (!store.ok()) return inv.Fail(ExitCodeFor(store.status()), store.status().message(), store.status());
  absl::StatusOr<query::SubjectPersonalData> data =
      query::RevealSubject(session.ledger(), **store, view.suspect_id);
  if (!data.ok()) return inv.Fail(ExitCodeFor(data.status()), data.status().message(), data.status());
  if (AnswerIsJson(inv)) {
    enforcement::api::v1::SuspectPersonalAnswer answer;
    *answer.mutable_suspect() = projections::ToMessage(view);
    if (!name_check.empty()) answer.mutable_suspect()->set_name_check(name_check);
    answer.set_erased(data->subject.erased);
    for (const query::RevealedValue& v : data->values) {
      enforcement::api::v1::RevealedValue* m = answer.add_personal();
      m->set_event_id(v.event_id);
      m->set_position(v.position);
      m->set_field_path(v.field_path);
      m->set_value(v.value);
      m->set_check(query::ValueCheckName(v.check));
    }
    return WriteAnswer(inv, answer);
  }
  Prose("\npersonal data (from the personal-data store, each checked against the "
              "commitment in its record):\n");
  if (data->subject.erased) {
    PrintKeyValues({{"personal data", absl::StrCat("none: erased at ", util::FormatRfc3339(data->subject.erased_at),
                             " (", data->subject.authority, ": ",
                             data->subject.reason, ")")}});
    return kExitOk;
  }
  TablePrinter t({"FIELD", "VALUE", "CHECK", "POS", "EVENT"});
  for (const query::RevealedValue& v : data->values) {
    const char* check = v.check == query::ValueCheck::kVerified   ? "verified"
                        : v.check == query::ValueCheck::kMismatch ? "MISMATCH (not the value committed)"
                                                                  : "no record";
    t.AddRow({v.field_path, v.value, check,
              v.check == query::ValueCheck::kNoRecord ? "-" : absl::StrCat(v.position),
              v.event_id});
  }
  t.Finish();
  return kExitOk;
}

// "list" or "show ID".
bool ListOrShow(const Invocation& inv, bool* show, std::string* id, int* code) {
  const auto& pos = inv.args.positionals();
  const std::string& verb = pos.empty() ? std::string() : pos[0];
  if (verb == "list") {
    if (pos.size() > 1) {
      *code = inv.UsageError(absl::StrCat("unexpected argument ", pos[1], " after 'list'"));
      return false;
    }
    *show = false;
    return true;
  }
  if (verb == "show") {
    if (pos.size() != 2) {
      *code = inv.UsageError(absl::StrCat("'", inv.command, " show' wants one id"));
      return false;
    }
    *show = true;
    *id = pos[1];
    return true;
  }
  *code = inv.UsageError(absl::StrCat("expected 'list' or 'show ID'",
                                      inv.command == "suspects" ? " or 'search PREFIX'" : "",
                                      ", not '", verb, "'"));
  return false;
}

// The next-page line of a table on stderr: "N more — next page: --after
// CURSOR" (N where it is cheap to count, else "more").
template <typename P>
void NoteMore(const Invocation& inv, const P& page) {
  if (AnswerIsJson(inv) || !page.more) return;
  const std::string n =
      page.remaining ? absl::StrCat(WithThousands(*page.remaining), " more") : "more";
  std::fprintf(stderr, "ledger: %s: %s \u2014 next page: --after %s (--limit 0 for all)\n",
               inv.command.c_str(), n.c_str(), DisplayText(page.next_after).c_str());
}

// The paging and as-of fields of a list answer.
template <typename M, typename P>
M& WithPaging(M&& m, const P& page, const query::Session& session) {
  m.set_more(page.more);
  m.set_next_after(page.next_after);
  m.set_as_of(session.as_of_label());
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------
// Names: only for callers allowed to see personal data (--personal;
// query/name_policy.h).

namespace {

// How a shown name was checked, for a table: "" when verified.
std::string NameMark(const std::string& check) {
  if (check == query::kNameVerified || check.empty()) return "";
  if (check == query::kNameMismatch) return " (MISMATCH: not the value committed)";
  if (check == query::kNameNoRecord) return " (not checked: no record holds it)";
  // Format 1: said once, on stderr, by OpenNames.
  if (check == query::kNameUncheckedFormat1) return "";
  return absl::StrCat(" (", check, ")");
}

// Opens this caller's access to names: hidden without --personal.
int OpenNames(const Invocation& inv, const query::Session& session,
              std::unique_ptr<query::NameAccess>* names) {
  absl::StatusOr<std::unique_ptr<query::NameAccess>> n =
      query::NameAccess::Open(session.ledger(), inv.args.Has("personal"));
  if (!n.ok()) return inv.Fail(ExitCodeFor(n.status()), n.status().message(), n.status());
  *names = *std::move(n);
  if ((*names)->allowed() && session.ledger().format_version() < 2 && !AnswerIsJson(inv)) {
    std::fprintf(stderr,
                 "ledger: %s: names are read from this format-1 ledger's records, which hold no "
                 "commitments to check them against\n",
                 inv.command.c_str());
  }
  return kExitOk;
}

// Replaces the views' name with what this caller may see; returns its check
// ("" when hidden or none).
absl::StatusOr<std::string> ApplyNames(query::NameAccess& names, const std::string& suspect_id,
                                       bool erased, std::string* name) {
  absl::StatusOr<query::CheckedName> n = names.Name(suspect_id, erased, *name);
  if (!n.ok()) return n.status();
  *name = n->name;
  return n->check;
}

// The defendants' names of a case as this caller may see them; `checks`
// gets each one's check, in order.
absl::Status ApplyCaseNames(query::NameAccess& names, projections::CaseView& c,
                            std::vector<std::string>* checks) {
  checks->clear();
  for (projections::Defendant& d : c.defendants) {
    absl::StatusOr<std::string> check = ApplyNames(names, d.suspect_id, false, &d.name);
    if (!check.ok()) return check.status();
    checks->push_back(*std::move(check));
  }
  return absl::OkStatus();
}

void SetNameChecks(const std::vector<std::string>& checks, enforcement::api::v1::CaseView* m) {
  for (int i = 0; i < m->defendants_size() && i < static_cast<int>(checks.size()); ++i) {
    if (!checks[i].empty()) m->mutable_defendants(i)->set_name_check(checks[i]);
  }
}

// The name cell of a table: the name and its mark, or "-".
std::string NameCell(const std::string& name, const std::string& check) {
  if (name.empty()) return check == query::kNameErased ? "(erased)" : "-";
  return absl::StrCat(name, NameMark(check));
}

}  // namespace

// ---------------------------------------------------------------------------
// suspects

namespace {
int SuspectsAnswer(const Invocation& inv) {
  if (!inv.args.positionals().empty() && inv.args.positionals()[0] == "search") {
    return RunSuspectsSearch(inv);
  }
  bool show = false;
  std::string id;
  int code = kExitOk;
  if (!ListOrShow(inv, &show, &id, &code)) return code;
  size_t limit = 0;
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code)) return code;
  const std::string status = inv.args.GetOr("status", "");
  const auto& statuses = projections::kSuspectStatuses;
  if (!status.empty() &&
      std::find(statuses.begin(), statuses.end(), status) == statuses.end()) {
    return inv.UsageError(absl::StrCat("--status: \"", status, "\" is not a status (",
                                       absl::StrJoin(statuses, ", "), ")"));
  }
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;

  if (show) {
    absl::StatusOr<projections::SuspectView> s = session->GetSuspect(SuspectKey(*session, id));
    if (!s.ok()) return FailSession(inv, s.status());
    const bool personal = inv.args.Has("personal");
    const bool format2 = session->ledger().format_version() >= 2;
    std::unique_ptr<query::NameAccess> names;
    if (int c = OpenNames(inv, *session, &names); c != kExitOk) return c;
    absl::StatusOr<std::string> check = ApplyNames(*names, s->suspect_id, s->erased, &s->name);
    if (!check.ok()) return FailSession(inv, check.status());
    if (personal && format2 && AnswerIsJson(inv)) {
      return ShowPersonal(inv, *session, *s, *check);
    }
    if (AnswerIsJson(inv)) {
      enforcement::api::v1::SuspectView answer = projections::ToMessage(*s);
      if (!check->empty()) answer.set_name_check(*check);
      return WriteAnswer(inv, answer);
    }
    std::vector<std::pair<std::string, std::string>> rows = {
        {"suspect", s->suspect_id},
        {"name", personal ? NameCell(s->name, *check)
                          : "(personal data: --personal shows it to callers allowed to see it)"},
        {"nationality", OrDash(s->nationality)},
        {"role", OrDash(s->role)},
        {"operation", OrDash(s->operation_id)},
        {"status", s->status},
        {"in custody of", OrDash(s->custody_country)},
        {"sentence", s->sentence ? SentenceText(*s->sentence) : "-"},
        {"offences", s->sentence && !s->sentence->offences.empty()
                         ? absl::StrJoin(s->sentence->offences, ", ")
                         : "-"},
        {"first event", DateWithPrecision(s->first_occurred)},
        {"last event", DateWithPrecision(s->last_occurred)},
    };
    if (s->erased) {  // format 2: its personal data was destroyed
      rows.push_back({"erased", absl::StrCat(DateWithPrecision(s->erased_at), " by ",
                                             s->erasure_authority, ": ", s->erasure_reason)});
    }
    PrintKeyValues(rows);
    Prose("\n");
    TablePrinter t({"OCCURRED", "PRECISION", "POS", "KIND", "EVENT"});
    for (const auto& e : s->events) {
      t.AddRow({DateCell(e.occurred), projections::PrecisionName(e.occurred.precision),
                absl::StrCat(e.position), e.kind, e.event_id});
    }
    t.Finish();
    if (personal && format2) return ShowPersonal(inv, *session, *s, *check);
    return kExitOk;
  }

  projections::SuspectFilter filter;
  filter.status = status;
  filter.nationality = inv.args.GetOr("nationality", "");
  filter.operation_id = inv.args.GetOr("operation", "");
  filter.custody_country = inv.args.GetOr("custody", "");
  filter.role = inv.args.GetOr("role", "");
  filter.after = inv.args.GetOr("after", "");
  absl::StatusOr<query::Page<projections::SuspectView>> page =
      session->ListSuspects(filter, limit);
  if (!page.ok()) return FailSession(inv, page.status());
  std::vector<projections::SuspectView>* list = &page->items;
  std::unique_ptr<query::NameAccess> names;
  if (int c = OpenNames(inv, *session, &names); c != kExitOk) return c;
  std::vector<std::string> checks;
  for (projections::SuspectView& v : *list) {
    absl::StatusOr<std::string> check = ApplyNames(*names, v.suspect_id, v.erased, &v.name);
    if (!check.ok()) return FailSession(inv, check.status());
    checks.push_back(*std::move(check));
  }
  if (AnswerIsJson(inv)) {
    auto answer = WithPaging(projections::ToPage(*list, page->more), *page, *session);
    for (int i = 0; i < answer.items_size(); ++i) {
      if (!checks[i].empty()) answer.mutable_items(i)->set_name_check(checks[i]);
    }
    if (int c = WriteAnswer(inv, answer); c != kExitOk) return c;
  } else {
    // The NAME column only for callers allowed to see names.
    std::vector<std::string> headers = {"SUSPECT", "NAT", "ROLE", "STATUS", "CUSTODY",
                                        "OPERATION", "SENTENCE"};
    if (names->allowed()) headers.insert(headers.begin() + 1, "NAME");
    TablePrinter t(headers);
    for (size_t i = 0; i < list->size(); ++i) {
      const projections::SuspectView& s = (*list)[i];
      std::vector<std::string> row = {s.suspect_id, OrDash(s.nationality), OrDash(s.role),
                                      s.status, OrDash(s.custody_country),
                                      OrDash(s.operation_id),
                                      s.sentence ? Months(s.sentence->prison_months) : "-"};
      if (names->allowed()) row.insert(row.begin() + 1, NameCell(s.name, checks[i]));
      t.AddRow(std::move(row));
    }
    t.Finish();
  }
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunSuspects(const Invocation& inv) { return RunWithAnswerOutput(inv, &SuspectsAnswer); }

// ---------------------------------------------------------------------------
// operations

namespace {
int OperationsAnswer(const Invocation& inv) {
  bool show = false;
  std::string id;
  int code = kExitOk;
  if (!ListOrShow(inv, &show, &id, &code)) return code;
  size_t limit = 0;
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code)) return code;
  projections::OperationQuery query;
  absl::StatusOr<std::optional<uint64_t>> max_events = inv.args.GetUint("max-events");
  if (!max_events.ok()) return inv.UsageError(max_events.status().message());
  if (*max_events) query.max_events = static_cast<size_t>(**max_events);
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;

  if (show) {
    absl::StatusOr<projections::OperationView> op = session->GetOperation(id, query);
    if (!op.ok()) return FailSession(inv, op.status());
    if (AnswerIsJson(inv)) return WriteAnswer(inv, projections::ToMessage(*op));
    std::vector<std::string> agencies, seized;
    for (const auto& a : op->agencies) agencies.push_back(absl::StrCat(a.name, " (", a.country, ")"));
    for (const auto& s : op->seized) {
      seized.push_back(s.quantity_unknown && s.quantity == 0
                           ? absl::StrCat(s.item, " (quantity unknown)")
                       : s.quantity_unknown
                           ? absl::StrCat(s.item, " ", Num(s.quantity), "+ (some unknown)")
                           : absl::StrCat(s.item, " ", Num(s.quantity)));
    }
    std::vector<std::string> place;
    for (const std::string* p : {&op->place, &op->region, &op->country}) {
      if (!p->empty()) place.push_back(*p);
    }
    PrintKeyValues({
        {"operation", op->operation_id},
        {"place", place.empty() ? "-" : absl::StrJoin(place, ", ")},
        {"agencies", agencies.empty() ? "-" : absl::StrJoin(agencies, "; ")},
        {"tip from", op->tip_from_countries.empty() ? "-"
                                                    : absl::StrJoin(op->tip_from_countries, ", ")},
        {"first raid", DateWithPrecision(op->first_raid)},
        {"last raid", DateWithPrecision(op->last_raid)},
        {"raids", Num(static_cast<int64_t>(op->raids.size()))},
        {"detained", Num(op->detained)},
        {"by nationality", ByCountry(op->detained_by_nationality)},
        {"ringleaders", Num(op->ringleaders_detained)},
        {"seized", seized.empty() ? "-" : absl::StrJoin(seized, ", ")},
        {"arrests recorded",
         absl::StrCat(Num(op->arrests_recorded), " (",
                      Count(op->arrested_ringleaders, "ringleader", "ringleaders"),
                      "; by nationality: ", ByCountry(op->arrests_by_nationality),
                      "; beside the raid totals, not added)")},
        {"handed over",
         absl::StrCat(Num(op->handed_over), " in ", Count(op->handovers, "handover", "handovers"), ", ",
                      Num(op->handed_over_identified), " identified; to: ",
                      ByCountry(op->handed_over_to))},
    });
    if (!op->raids.empty()) {
      Prose("\n");
      TablePrinter t({"OCCURRED", "POS", "EVENT", "PLACE", "DETAINED", "RINGLEADERS"});
      for (const auto& r : op->raids) {
        t.AddRow({DateWithPrecision(r.occurred), absl::StrCat(r.event.position),
                  r.event.event_id, OrDash(r.place), Num(r.detained), Num(r.ringleaders)});
      }
      t.Finish();
    }
    return kExitOk;
  }

  const std::string after = inv.args.GetOr("after", "");
  absl::StatusOr<query::Page<projections::OperationView>> page =
      session->ListOperations(query, limit, after);
  if (!page.ok()) return FailSession(inv, page.status());
  const std::vector<projections::OperationView>* list = &page->items;
  if (AnswerIsJson(inv)) {
    if (int c = WriteAnswer(inv, WithPaging(projections::ToPage(*list, page->more), *page, *session));
        c != kExitOk) {
      return c;
    }
  } else {
    TablePrinter t({"OPERATION", "PLACE", "COUNTRY", "FIRST RAID", "DETAINED", "BY NATIONALITY",
                    "RINGLEADERS", "HANDED OVER", "ARRESTS"});
    for (const auto& op : *list) {
      t.AddRow({op.operation_id, OrDash(op.place), OrDash(op.country), DateCell(op.first_raid),
                Num(op.detained), ByCountry(op.detained_by_nationality),
                Num(op.ringleaders_detained), Num(op.handed_over), Num(op.arrests_recorded)});
    }
    t.Finish();
  }
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunOperations(const Invocation& inv) { return RunWithAnswerOutput(inv, &OperationsAnswer); }

// ---------------------------------------------------------------------------
// cases

namespace {
int CasesAnswer(const Invocation& inv) {
  bool show = false;
  std::string id;
  int code = kExitOk;
  if (!ListOrShow(inv, &show, &id, &code)) return code;
  size_t limit = 0;
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code)) return code;
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;

  if (show) {
    absl::StatusOr<projections::CaseView> cv = session->GetCase(id);
    if (!cv.ok()) return FailSession(inv, cv.status());
    std::unique_ptr<query::NameAccess> names;
    if (int c = OpenNames(inv, *session, &names); c != kExitOk) return c;
    std::vector<std::string> checks;
    if (absl::Status st = ApplyCaseNames(*names, *cv, &checks); !st.ok()) {
      return FailSession(inv, st);
    }
    if (AnswerIsJson(inv)) {
      enforcement::api::v1::CaseView answer = projections::ToMessage(*cv);
      SetNameChecks(checks, &answer);
      return WriteAnswer(inv, answer);
    }
    PrintKeyValues({
        {"case", cv->case_id},
        {"courts", cv->courts.empty() ? "-" : absl::StrJoin(cv->courts, "; ")},
        {"defendants", Num(static_cast<int64_t>(cv->defendants.size()))},
        {"victims", Num(cv->victims)},
        {"amount defrauded", Monies(cv->amounts_defrauded)},
        {"equivalent", Monies(cv->amounts_defrauded_equivalent)},
        {"prison months", Months(cv->prison_months_total)},
        {"offence period from", DateWithPrecision(cv->offence_from)},
        {"offence period to", DateWithPrecision(cv->offence_to)},
    });
    Prose("\n");
    std::vector<std::string> headers = {"SUSPECT", "NAT", "ROLE", "PRISON", "INSTANCE",
                                        "SENTENCED", "OFFENCES"};
    if (names->allowed()) headers.insert(headers.begin() + 1, "NAME");
    TablePrinter t(headers);
    for (size_t i = 0; i < cv->defendants.size(); ++i) {
      const projections::Defendant& d = cv->defendants[i];
      std::vector<std::string> row = {
          d.suspect_id, OrDash(d.nationality), OrDash(d.role), Months(d.sentence.prison_months),
          OrDash(d.sentence.instance), DateCell(d.sentence.occurred),
          d.sentence.offences.empty() ? "-" : absl::StrJoin(d.sentence.offences, ", ")};
      if (names->allowed()) row.insert(row.begin() + 1, NameCell(d.name, checks[i]));
      t.AddRow(std::move(row));
    }
    t.Finish();
    return kExitOk;
  }

  const std::string after = inv.args.GetOr("after", "");
  absl::StatusOr<query::Page<projections::CaseView>> page = session->ListCases(limit, after);
  if (!page.ok()) return FailSession(inv, page.status());
  std::vector<projections::CaseView>* list = &page->items;
  if (AnswerIsJson(inv)) {
    // The defendants' names, as `show` gives them.
    std::unique_ptr<query::NameAccess> names;
    if (int c = OpenNames(inv, *session, &names); c != kExitOk) return c;
    std::vector<std::vector<std::string>> checks(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      if (absl::Status st = ApplyCaseNames(*names, (*list)[i], &checks[i]); !st.ok()) {
        return FailSession(inv, st);
      }
    }
    auto answer = WithPaging(projections::ToPage(*list, page->more), *page, *session);
    for (int i = 0; i < answer.items_size(); ++i) SetNameChecks(checks[i], answer.mutable_items(i));
    if (int c = WriteAnswer(inv, answer); c != kExitOk) return c;
  } else {
    TablePrinter t({"CASE", "DEFENDANTS", "VICTIMS", "PRISON MONTHS", "OFFENCE PERIOD", "AMOUNT"});
    for (const auto& c : *list) {
      t.AddRow({c.case_id, Num(static_cast<int64_t>(c.defendants.size())), Num(c.victims),
                Num(c.prison_months_total),
                absl::StrCat(DateCell(c.offence_from), " .. ", DateCell(c.offence_to)),
                Monies(c.amounts_defrauded)});
    }
    t.Finish();
  }
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunCases(const Invocation& inv) { return RunWithAnswerOutput(inv, &CasesAnswer); }

// ---------------------------------------------------------------------------
// flows

namespace {
int FlowsAnswer(const Invocation& inv) {
  projections::FlowQuery query;
  query.from_country = inv.args.GetOr("from", "");
  query.to_country = inv.args.GetOr("to", "");
  query.from_period = inv.args.GetOr("since", "");
  query.to_period = inv.args.GetOr("until", "");
  for (const std::string* period : {&query.from_period, &query.to_period}) {
    // A year or a month that exists ("2024-13" would silently select nothing).
    const std::string& p = *period;
    const bool year = p.size() == 4 && std::all_of(p.begin(), p.end(), absl::ascii_isdigit);
    const bool month = p.size() == 7 && p[4] == '-' &&
                       std::all_of(p.begin(), p.begin() + 4, absl::ascii_isdigit) &&
                       absl::ascii_isdigit(p[5]) && absl::ascii_isdigit(p[6]) &&
                       p.substr(5) >= "01" && p.substr(5) <= "12";
    if (!p.empty() && !year && !month) {
      return inv.UsageError(absl::StrCat(period == &query.from_period ? "--since" : "--until",
                                         ": \"", p, "\" is neither a year (2024) nor a month "
                                         "(2024-03)"));
    }
  }
  const std::string by = inv.args.GetOr("by", "month");
  if (by == "month") {
    query.granularity = projections::Granularity::kMonth;
  } else if (by == "year") {
    query.granularity = projections::Granularity::kYear;
  } else {
    return inv.UsageError(absl::StrCat("--by wants month or year, not '", by, "'"));
  }
  for (const std::string* p : {&query.from_period, &query.to_period}) {
    const bool ok = p->empty() || (p->size() == 4 && ParseUint(*p)) ||
                    (p->size() == 7 && (*p)[4] == '-' && ParseUint(p->substr(0, 4)) &&
                     ParseUint(p->substr(5, 2)));
    if (!ok) return inv.UsageError(absl::StrCat("a period is YYYY or YYYY-MM, not '", *p, "'"));
  }
  absl::StatusOr<std::optional<uint64_t>> max_events = inv.args.GetUint("max-events");
  if (!max_events.ok()) return inv.UsageError(max_events.status().message());
  if (*max_events) query.max_events = static_cast<size_t>(**max_events);
  size_t limit = 0;
  int code = kExitOk;
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code)) return code;
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;
  absl::StatusOr<query::Page<projections::FlowRow>> page =
      session->ListFlows(query, limit, inv.args.GetOr("after", ""));
  if (!page.ok()) return FailSession(inv, page.status());
  const std::vector<projections::FlowRow>* rows = &page->items;
  if (AnswerIsJson(inv)) return WriteAnswer(inv, WithPaging(projections::ToList(*rows), *page, *session));
  TablePrinter t({"FROM", "TO", "PERIOD", "PEOPLE", "IDENTIFIED", "RINGLEADERS", "HANDOVERS"});
  for (const auto& r : *rows) {
    t.AddRow({r.from_country, r.to_country,
              r.month_unknown ? absl::StrCat(r.period, " (month unknown)") : r.period,
              Num(r.people), Num(r.identified), Num(r.ringleaders), Num(r.handovers)});
  }
  t.Finish();
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunFlows(const Invocation& inv) { return RunWithAnswerOutput(inv, &FlowsAnswer); }

// ---------------------------------------------------------------------------
// stats

namespace {
int StatsAnswer(const Invocation& inv) {
  size_t limit = 0;
  int code = kExitOk;
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code)) return code;
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;
  absl::StatusOr<query::TotalsPage> page = session->GetTotals(limit, inv.args.GetOr("after", ""));
  if (!page.ok()) return FailSession(inv, page.status());
  const projections::Totals* t = &page->totals;
  if (AnswerIsJson(inv)) {
    enforcement::api::v1::Totals answer = projections::ToMessage(*t);
    answer.set_more_figures(page->more);
    answer.set_next_after(page->next_after);
    answer.set_as_of(session->as_of_label());
    return WriteAnswer(inv, answer);
  }
  std::vector<std::string> status;
  for (const auto& [k, n] : t->suspects_by_status) status.push_back(absl::StrCat(k, " ", Num(n)));
  PrintKeyValues({
      {"records", absl::StrCat(Num(static_cast<int64_t>(t->applied)), AsOfNote(*session))},
      {"events in effect",
       absl::StrCat(Count(t->raids, "raid", "raids"), ", ", Count(t->arrests, "arrest", "arrests"),
                    ", ", Count(t->handovers, "handover", "handovers"), ", ",
                    Count(t->sentencings, "sentencing", "sentencings"), ", ",
                    Count(t->releases, "release", "releases"), ", ",
                    Count(t->reported_figures, "reported figure", "reported figures"))},
      {"fixes", absl::StrCat(Count(t->corrections, "correction", "corrections"), ", ",
                             Count(t->retractions, "retraction", "retractions"), " (",
                             Count(t->retracted, "fact", "facts"), " retracted)")},
      {"detained (raids)", absl::StrCat(Num(t->detained), "; ",
                                        Count(t->ringleaders_detained, "ringleader", "ringleaders"),
                                        "; ", ByCountry(t->detained_by_nationality))},
      {"arrests in operations", absl::StrCat(Num(t->arrests_in_operations),
                                             " (beside the raid totals, not added)")},
      {"handed over", absl::StrCat(Count(t->handed_over, "person", "people"), " (",
                                   Num(t->handed_over_identified), " identified, ",
                                   Count(t->handed_over_ringleaders, "ringleader", "ringleaders"),
                                   ")")},
      {"sentences", absl::StrCat(Months(t->prison_months), "; ", Count(t->victims, "victim", "victims"), "; ",
                                 Monies(t->amounts_defrauded))},
      {"entities", absl::StrCat(Count(t->suspects, "suspect", "suspects"), " (",
                                status.empty() ? "-" : absl::StrJoin(status, ", "), "), ",
                                Count(t->operations, "operation", "operations"), ", ",
                                Count(t->cases, "case", "cases"))},
      {"erased suspects", Num(t->suspects_erased)},
  });
  Prose("\nReported figures beside the figures the ledger derives (same metric, period):\n");
  TablePrinter table({"METRIC", "FROM", "TO", "NAT", "PERIOD", "REPORTED", "DERIVED", "UNCERTAIN",
                      "SOURCE"});
  for (const auto& f : t->figures) {
    const std::string reported = f.approximate ? absl::StrCat("about ", Num(f.reported)) : Num(f.reported);
    std::string derived = "n/a (not derivable)";
    std::string uncertain = "-";
    if (f.derivable) {
      derived = absl::StrCat(Num(f.derived), " (", Count(f.derived_events, "event", "events"), ")");
      uncertain =
          absl::StrCat(Num(f.uncertain), " (", Count(f.uncertain_events, "event", "events"), ")");
    }
    const std::string source =
        !f.source.publisher.empty() ? f.source.publisher : OrDash(f.source.reference);
    table.AddRow({f.metric, OrDash(f.from_country), OrDash(f.to_country), OrDash(f.nationality),
                  absl::StrCat(f.period_from.set() ? DateCell(f.period_from) : "…", " .. ",
                               f.period_to.set() ? DateCell(f.period_to) : "…"),
                  reported, derived, uncertain, source});
  }
  table.Finish();
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunStats(const Invocation& inv) { return RunWithAnswerOutput(inv, &StatsAnswer); }

// ---------------------------------------------------------------------------
// timeline

namespace {
int TimelineAnswer(const Invocation& inv) {
  projections::TimelineQuery query;
  int scopes = 0;
  bool suspect_scope = false;
  struct Scope {
    const char* option;
    projections::TimelineKind kind;
  };
  for (const Scope& s : {Scope{"suspect", projections::TimelineKind::kSuspect},
                         Scope{"operation", projections::TimelineKind::kOperation},
                         Scope{"case", projections::TimelineKind::kCase},
                         Scope{"country", projections::TimelineKind::kCountry}}) {
    if (std::optional<std::string> v = inv.args.Get(s.option)) {
      ++scopes;
      query.kind = s.kind;
      query.key = *v;
      suspect_scope = s.kind == projections::TimelineKind::kSuspect;
      if (v->empty()) return inv.UsageError(absl::StrCat("--", s.option, " wants a value"));
    }
  }
  if (inv.args.Has("all")) {
    ++scopes;
    query.kind = projections::TimelineKind::kGlobal;
    query.key.clear();
  }
  if (scopes != 1) {
    return inv.UsageError(
        "give exactly one of --suspect ID, --operation ID, --case ID, --country CC, --all");
  }
  int code = kExitOk;
  size_t limit = 0;
  // (--all is the global scope here: --limit 0 lists everything.)
  if (!GetLimit(inv, query::kDefaultLimit, &limit, &code, /*all_means_everything=*/false)) {
    return code;
  }
  query.newest_first = inv.args.Has("newest-first");
  query.after = inv.args.GetOr("after", "");
  query.event_kind = inv.args.GetOr("kind", "");
  for (const char* bound : {"since", "until"}) {
    if (std::optional<std::string> v = inv.args.Get(bound)) {
      absl::StatusOr<absl::Time> t = projections::ParseTimeBound(*v, bound[0] == 'u');
      if (!t.ok()) return inv.UsageError(absl::StrCat("--", bound, ": ", t.status().message()));
      (bound[0] == 'u' ? query.until : query.since) = *t;
    }
  }
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session); c != kExitOk) return c;
  if (suspect_scope) query.key = SuspectKey(*session, query.key);
  absl::StatusOr<query::Page<projections::TimelineEntry>> page =
      session->TimelinePage(query, limit);
  if (!page.ok()) return FailSession(inv, page.status());
  const std::vector<projections::TimelineEntry>* entries = &page->items;
  if (AnswerIsJson(inv)) {
    return WriteAnswer(inv, WithPaging(projections::ToList(*entries), *page, *session));
  }
  TablePrinter t({"OCCURRED", "PRECISION", "POS", "KIND", "EVENT", "SOURCE", "STATE", "SUMMARY"});
  for (const auto& e : *entries) {
    std::vector<std::string> marks;
    if (e.corrected) marks.push_back(absl::StrCat("corrected by ", e.corrected_by));
    if (e.retracted) marks.push_back(absl::StrCat("retracted by ", e.retracted_by));
    if (!e.target_event_id.empty()) {
      marks.push_back(absl::StrCat(e.kind == "retraction" ? "retracts " : "corrects ",
                                   e.target_event_id));
    }
    if (e.original_occurred.set()) {
      marks.push_back(absl::StrCat("date was ", DateCell(e.original_occurred)));
    }
    if (!e.in_effect) marks.push_back("not in effect");
    const std::string source =
        !e.source.publisher.empty() ? e.source.publisher : OrDash(e.source.reference);
    t.AddRow({DateCell(e.occurred), projections::PrecisionName(e.occurred.precision),
              absl::StrCat(e.position), e.kind, e.event_id, source,
              marks.empty() ? "in effect" : absl::StrJoin(marks, "; "), e.summary});
  }
  t.Finish();
  NoteMore(inv, *page);
  return kExitOk;
}
}  // namespace

int RunTimeline(const Invocation& inv) { return RunWithAnswerOutput(inv, &TimelineAnswer); }

// ---------------------------------------------------------------------------
// rebuild

int RunRebuild(const Invocation& inv) {
  std::unique_ptr<query::Session> session;
  if (int c = OpenSession(inv, &session, /*as_of=*/false, /*catch_up=*/false); c != kExitOk) {
    return c;
  }
  ProgressMeter progress("rebuild", "records");
  absl::StatusOr<projections::CatchUpResult> r = session->Rebuild(CatchUpProgress(&progress));
  progress.Finish();
  if (!r.ok()) return FailSession(inv, r.status());
  const projections::Views& views = session->store();
  absl::StatusOr<std::vector<projections::ViewDigest>> digests = views.Digests();
  if (!digests.ok()) {
    return inv.Fail(ExitCodeFor(digests.status()), absl::StrCat("digests: ", digests.status().message()));
  }
  if (AnswerIsJson(inv)) {
    enforcement::api::v1::RebuildAnswer answer;
    answer.set_checkpoint(views.checkpoint());
    answer.set_applied(r->applied);
    for (const auto& d : *digests) projections::ToMessage(d, answer.add_digests());
    return WriteAnswer(inv, answer);
  }
  PrintKeyValues({{"views", views.dir()},
                  {"records replayed", WithThousands(r->applied)},
                  {"checkpoint", WithThousands(views.checkpoint())}});
  Prose("\n");
  TablePrinter t({"VIEW", "ENTRIES", "SHA-256"});
  for (const auto& d : *digests) t.AddRow({d.view, WithThousands(d.entries), d.sha256});
  t.Finish();
  return kExitOk;
}

}  // namespace cli
