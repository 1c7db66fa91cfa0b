// `ledger show ID|#N|--position N`: one event in full (query/event_details.h):
// the event, its position, stream and version, recorded time, state (in
// effect / corrected by / retracted by), the events that fix it, its source,
// and the command that proves its inclusion. Text: key/value lines, the
// fixes, the personal fields and the event as canonical JSON; --json: an
// enforcement.api.v1.ShowEventAnswer (show.proto; docs/JSON.md).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "enforcement/api/v1/show.pb.h"
#include "google/protobuf/util/json_util.h"
#include "projections/view_messages.h"
#include "projections/view_types.h"
#include "query/event_details.h"
#include "query/name_policy.h"
#include "query/personal_reveal.h"
#include "query/session.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"

namespace cli {
namespace {

namespace api = enforcement::api::v1;

// `s` as one shell word.
std::string ShellWord(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ':' ||
                    c == ',' || c == '=' || c == '@';
    plain = plain && ok;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// "ledger prove inclusion ..." with this invocation's --db after "ledger".
std::string ProveCommand(const Invocation& inv, const std::string& command) {
  constexpr absl::string_view kLedger = "ledger ";
  if (!absl::StartsWith(command, kLedger)) return command;
  return absl::StrCat(kLedger, "--db ", ShellWord(inv.global.db), " ",
                      command.substr(kLedger.size()));
}

std::string Ref(const projections::EventRef& r) {
  return absl::StrCat(r.event_id, " (position ", r.position, ")");
}

std::string StateText(const query::EventDetails& d) {
  switch (d.state) {
    case query::EventState::kInEffect:
      return "in effect";
    case query::EventState::kCorrected:
      return absl::StrCat("corrected by ", d.corrected_by ? Ref(*d.corrected_by) : "?");
    case query::EventState::kRetracted:
      return absl::StrCat("retracted by ", d.retracted_by ? Ref(*d.retracted_by) : "?");
    case query::EventState::kSuperseded:
      return "superseded: its body is no longer the one in effect";
    case query::EventState::kNoEffect:
      return "no effect: its target was unknown when it was recorded";
  }
  return "";
}

std::string SourceText(const enforcement::v1::Source& s) {
  std::vector<std::string> parts;
  if (!s.publisher().empty()) parts.push_back(s.publisher());
  if (!s.title().empty()) parts.push_back(absl::StrCat("\"", s.title(), "\""));
  if (s.has_published_at())
    parts.push_back(absl::StrCat("published ", FormatTimestamp(s.published_at())));
  if (!s.reference().empty()) parts.push_back(absl::StrCat("ref. ", s.reference()));
  if (!s.url().empty()) parts.push_back(s.url());
  return parts.empty() ? "-" : absl::StrJoin(parts, "; ");
}

std::string DateAndPrecision(const projections::Date& d) {
  if (!d.set()) return "-";
  return absl::StrCat(projections::DateText(d), " (", projections::PrecisionName(d.precision), ")");
}

api::EventRef RefMessage(const projections::EventRef& r) {
  api::EventRef m;
  m.set_event_id(r.event_id);
  m.set_position(r.position);
  return m;
}

api::ShowEventAnswer ToAnswer(const Invocation& inv, const query::EventDetails& d,
                              const std::vector<query::EventPersonalValue>* revealed) {
  api::ShowEventAnswer a;
  const enforcement::v1::LedgerRecord& r = d.record.record;
  *a.mutable_event() = r.event();
  a.set_position(r.position());
  a.set_stream(r.event().stream());
  a.set_stream_version(r.stream_version());
  a.set_recorded_at(FormatTimestamp(r.recorded_at()));
  a.set_kind(BodyKind(r.event()));
  a.set_state(query::EventStateName(d.state));
  if (d.corrected_by) *a.mutable_corrected_by() = RefMessage(*d.corrected_by);
  if (d.retracted_by) *a.mutable_retracted_by() = RefMessage(*d.retracted_by);
  for (const projections::Fix& f : d.fixed_by) {
    api::EventFix* m = a.add_fixed_by();
    m->set_event_id(f.event.event_id);
    m->set_position(f.event.position);
    m->set_kind(f.kind);
    m->set_target_event_id(f.target_event_id);
    m->set_target_position(f.target_position);
  }
  if (d.target) *a.mutable_target() = RefMessage(*d.target);
  api::TimelineEntry entry;
  projections::ToMessage(d.entry, &entry);
  a.set_summary(entry.summary());
  if (entry.has_occurred()) *a.mutable_occurred() = entry.occurred();
  *a.mutable_source() = entry.source();
  a.set_tree_size(d.tree_size);
  a.set_prove_command(ProveCommand(inv, d.prove_command));
  // Format 1: the record itself holds the names, shown as they are with --personal.
  a.set_personal_revealed(revealed != nullptr || inv.args.Has("personal"));
  for (int i = 0; i < r.event().personal_size(); ++i) {
    const enforcement::v1::PersonalField& p = r.event().personal(i);
    api::EventPersonalField* m = a.add_personal();
    m->set_field_path(p.field_path());
    m->set_subject_id(p.subject_id());
    m->set_commitment_hex(absl::BytesToHexString(p.commitment()));
    if (revealed == nullptr) continue;
    for (const query::EventPersonalValue& v : *revealed) {
      if (v.field_path != p.field_path() || v.subject_id != p.subject_id()) continue;
      m->set_erased(v.erased);
      if (!v.erased && v.check != query::ValueCheck::kNoRecord) m->set_value(v.value);
      m->set_check(query::ValueCheckName(v.check));
    }
  }
  return a;
}

int PrintText(const Invocation& inv, const query::EventDetails& d,
              const std::vector<query::EventPersonalValue>* revealed) {
  const enforcement::v1::LedgerRecord& r = d.record.record;
  const enforcement::v1::Event& e = r.event();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"event", e.event_id()},
      {"position", absl::StrCat(r.position())},
      {"stream", absl::StrCat(e.stream(), " (version ", r.stream_version(), ")")},
      {"recorded at", FormatTimestamp(r.recorded_at())},
      {"kind", BodyKind(e)},
      {"occurred", DateAndPrecision(d.entry.occurred)},
  };
  if (d.entry.original_occurred.set()) {
    rows.push_back({"recorded as", DateAndPrecision(d.entry.original_occurred)});
  }
  rows.push_back({"state", StateText(d)});
  if (d.target) rows.push_back({"target", Ref(*d.target)});
  rows.push_back({"summary", d.entry.summary.empty() ? "-" : d.entry.summary});
  rows.push_back({"source", SourceText(e.source())});
  rows.push_back({"recorded by", e.recorded_by().empty() ? "-" : e.recorded_by()});
  rows.push_back({"inclusion", absl::StrCat("leaf ", r.position(), " of the tree of ", d.tree_size,
                                            " records")});
  rows.push_back({"prove it", ProveCommand(inv, d.prove_command)});
  PrintKeyValues(rows);

  if (!d.fixed_by.empty()) {
    WriteStdout("\nfixed by (log order):\n");
    TablePrinter t({"POS", "KIND", "EVENT", "FIXES"});
    for (const projections::Fix& f : d.fixed_by) {
      t.AddRow({absl::StrCat(f.event.position), f.kind, f.event.event_id,
                absl::StrCat(f.target_event_id, " (position ", f.target_position, ")")});
    }
    t.Finish();
  }
  if (e.personal_size() > 0) {
    WriteStdout(revealed == nullptr
                    ? "\npersonal fields (the log holds commitments only; --personal shows the "
                      "values):\n"
                    : "\npersonal fields (values from the personal-data store, each checked "
                      "against the commitment in the record):\n");
    std::vector<std::string> headers = {"FIELD", "SUBJECT", "COMMITMENT"};
    if (revealed != nullptr) {
      headers.push_back("CHECK");
      headers.push_back("VALUE");
    }
    TablePrinter t(headers);
    for (const enforcement::v1::PersonalField& p : e.personal()) {
      std::vector<std::string> row = {
          p.field_path(), p.subject_id(),
          p.commitment().empty()
              ? "(none kept)"
              : absl::StrCat(absl::BytesToHexString(p.commitment()).substr(0, 16), "...")};
      if (revealed != nullptr) {
        std::string check = "no value", value = "-";
        for (const query::EventPersonalValue& v : *revealed) {
          if (v.field_path != p.field_path() || v.subject_id != p.subject_id()) continue;
          if (v.erased) {
            check = "erased";
          } else if (v.check == query::ValueCheck::kVerified) {
            check = "verified";
            value = v.value;
          } else if (v.check == query::ValueCheck::kMismatch) {
            check = "MISMATCH (not the value committed)";
            value = v.value;
          }
        }
        row.push_back(check);
        row.push_back(value);
      }
      t.AddRow(std::move(row));
    }
    t.Finish();
  }

  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(e, &json, options).ok()) {
    return inv.Fail(kExitInternal, "cannot print the event as JSON");
  }
  WriteStdout("\nthe event as recorded (canonical JSON):\n");
  for (absl::string_view line : absl::StrSplit(json, '\n', absl::SkipEmpty())) {
    WriteStdout(absl::StrCat("  ", DisplayText(line), "\n"));
  }
  return kExitOk;
}

}  // namespace

int RunShow(const Invocation& inv) {
  const auto& pos = inv.args.positionals();
  const bool by_option = inv.args.Has("position");
  if (by_option == !pos.empty()) {
    return inv.UsageError("give one event: an event id, #N, or --position N");
  }
  query::EventLocator which;
  if (by_option) {
    absl::StatusOr<std::optional<uint64_t>> n = inv.args.GetUint("position");
    if (!n.ok()) return inv.UsageError(n.status().message());
    which.position = **n;
  } else {
    absl::StatusOr<query::EventLocator> parsed = query::ParseEventLocator(pos[0]);
    if (!parsed.ok()) return inv.UsageError(parsed.status().message());
    which = *std::move(parsed);
  }
  const bool personal = inv.args.Has("personal");

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(ExitCodeFor(db.status()), db.status().message(), db.status());
  const bool format1 = (*db)->format_version() < 2;
  ProgressMeter catching_up("catch-up", "records");
  query::SessionOptions options;
  options.catch_up_progress = CatchUpProgress(&catching_up);
  absl::StatusOr<std::unique_ptr<query::Session>> session =
      query::Session::Attach(*std::move(db), options);
  catching_up.Finish();
  if (!session.ok()) return inv.Fail(ExitCodeFor(session.status()), session.status().message(), session.status());

  absl::StatusOr<query::EventDetails> details = query::GetEventDetails(**session, which);
  if (!details.ok()) return inv.Fail(ExitCodeFor(details.status()), details.status().message(), details.status());

  // Names only for callers allowed to see them (query/name_policy.h): a
  // format-1 record holds them in clear.
  if (format1 && !personal) query::HideNames(*details->record.record.mutable_event());
  std::optional<std::vector<query::EventPersonalValue>> revealed;
  if (personal && !format1) {
    absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
        query::OpenPersonalStoreForReading((*session)->ledger());
    if (!store.ok()) return inv.Fail(ExitCodeFor(store.status()), store.status().message(), store.status());
    absl::StatusOr<std::vector<query::EventPersonalValue>> values =
        query::RevealEventPersonal(**store, details->record.record.event());
    if (!values.ok()) return inv.Fail(ExitCodeFor(values.status()), values.status().message(), values.status());
    revealed = *std::move(values);
  }
  const std::vector<query::EventPersonalValue>* r = revealed ? &*revealed : nullptr;
  if (inv.global.json) return WriteAnswer(inv, ToAnswer(inv, *details, r));
  return PrintText(inv, *details, r);
}

}  // namespace cli
