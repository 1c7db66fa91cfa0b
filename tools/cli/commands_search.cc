// `ledger suspects search PREFIX --personal`: search by name through the
// personal-data store (query/name_search.h). Names are personal data: the
// command runs only for a caller who says it may see them (--personal).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "enforcement/api/v1/personal.pb.h"
#include "query/name_search.h"
#include "query/personal_reveal.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"

namespace cli {
namespace {

const char* CheckText(query::ValueCheck c) {
  switch (c) {
    case query::ValueCheck::kVerified:
      return "verified";
    case query::ValueCheck::kMismatch:
      return "MISMATCH (not the value committed)";
    case query::ValueCheck::kNoRecord:
      return "not checked (no record holds it)";
  }
  return "not checked";
}

}  // namespace

int RunSuspectsSearch(const Invocation& inv) {
  const bool json = AnswerIsJson(inv);
  const auto& pos = inv.args.positionals();
  if (pos.size() != 2 || pos[1].empty()) {
    return inv.UsageError("'suspects search' wants the beginning of a name: suspects search PREFIX --personal");
  }
  if (!inv.args.Has("personal")) {
    return inv.UsageError(
        "a search by name answers with names, which are personal data: add --personal to say "
        "you may see them");
  }
  absl::StatusOr<std::optional<uint64_t>> limit_flag = inv.args.GetUint("limit");
  if (!limit_flag.ok()) return inv.UsageError(limit_flag.status().message());
  const size_t limit = limit_flag->has_value() ? static_cast<size_t>(**limit_flag) : 100;
  const std::string after = inv.args.GetOr("after", "");

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  if ((*db)->format_version() < 2) {
    return inv.UsageError(
        "this ledger is format 1: it has no personal-data store to search (its names are in "
        "its records: 'suspects list --personal' shows them); `ledger migrate` makes a format-2 ledger");
  }
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      query::OpenPersonalStoreForReading(**db);
  if (!store.ok()) return inv.Fail(ExitCodeFor(store.status()), store.status().message(), store.status());
  absl::StatusOr<query::NameSearchResult> found =
      query::SearchByName(**db, **store, pos[1], limit, after);
  if (!found.ok()) {
    if (found.status().code() == absl::StatusCode::kInvalidArgument) {
      return inv.UsageError(found.status().message());
    }
    return inv.Fail(ExitCodeFor(found.status()), found.status().message(), found.status());
  }
  const std::string next_after =
      found->more && !found->matches.empty() ? found->matches.back().subject_id : "";
  if (json) {
    enforcement::api::v1::NameSearchAnswer answer;
    answer.set_prefix(pos[1]);
    answer.set_more(found->more);
    answer.set_next_after(next_after);
    answer.set_names_scanned(found->names_scanned);
    for (const query::NameMatch& m : found->matches) {
      enforcement::api::v1::NameSearchMatch* out = answer.add_matches();
      out->set_subject_id(m.subject_id);
      for (const std::string& a : m.agency_ids) out->add_agency_ids(a);
      for (const query::FoundName& n : m.names) {
        enforcement::api::v1::RevealedValue* v = out->add_names();
        v->set_event_id(n.event_id);
        v->set_position(n.position);
        v->set_value(n.value);
        v->set_check(query::ValueCheckName(n.check));
      }
    }
    return WriteAnswer(inv, answer);
  }
  TablePrinter t({"SUBJECT", "AGENCY IDS", "NAME", "CHECK", "POS", "EVENT"});
  for (const query::NameMatch& m : found->matches) {
    for (const query::FoundName& n : m.names) {
      t.AddRow({m.subject_id, m.agency_ids.empty() ? "-" : absl::StrJoin(m.agency_ids, ", "),
                n.value, CheckText(n.check),
                n.check == query::ValueCheck::kNoRecord ? "-" : absl::StrCat(n.position),
                n.event_id});
    }
  }
  t.Finish();
  if (found->matches.empty()) {
    std::fprintf(stderr, "ledger: suspects search: no live subject has a name starting with %s\n",
                 DisplayText(absl::StrCat("\"", pos[1], "\"")).c_str());
  }
  if (found->more) {
    std::fprintf(stderr, "ledger: suspects search: more match — next page: --after %s\n",
                 next_after.c_str());
  }
  return kExitOk;
}

}  // namespace cli
