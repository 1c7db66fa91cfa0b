// `ledger report`: the case dossier (report/report.h, docs/REPORT.md).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/audit_io.h"
#include "enforcement/api/v1/report.pb.h"
#include "ledger/validate.h"
#include "query/session.h"
#include "report/report.h"
#include "tools/cli/commands.h"
#include "util/error_detail.h"
#include "util/output_file.h"

namespace cli {

int RunReport(const Invocation& inv) {
  report::ReportRequest req;
  int scopes = 0;
  for (const auto& [name, scope] :
       {std::pair<const char*, report::Scope>{"operation", report::Scope::kOperation},
        {"case", report::Scope::kCase},
        {"country", report::Scope::kCountry}}) {
    if (std::optional<std::string> v = inv.args.Get(name)) {
      req.scope = scope;
      req.key = *v;
      ++scopes;
    }
  }
  if (inv.args.Has("all")) {
    req.scope = report::Scope::kAll;
    ++scopes;
  }
  if (scopes != 1) {
    return inv.UsageError("give exactly one of --operation ID, --case ID, --country CC, --all");
  }
  if (req.scope == report::Scope::kCountry && !ledger::IsCountryCode(req.key)) {
    return inv.UsageError(absl::StrCat("--country \"", req.key,
                                       "\" is not an ISO 3166-1 alpha-2 country code (two "
                                       "upper-case letters, e.g. MM)"));
  }
  const std::optional<std::string> out_path = inv.args.Get("out");
  if (!out_path || out_path->empty()) return inv.UsageError("--out FILE is required");
  absl::StatusOr<std::optional<uint64_t>> max = inv.args.GetUint("max-events");
  if (!max.ok()) return inv.UsageError(max.status().message());
  if (*max) req.max_events = **max;
  std::vector<ledger::ProtectedFile> inputs;
  if (std::optional<std::string> key = inv.args.Get("key")) {
    absl::StatusOr<std::vector<ledger::NoteVerifier>> keys = audit::LoadVerifierKeys(*key);
    if (!keys.ok()) return inv.UsageError(keys.status().message());
    req.keys = *std::move(keys);
  }
  // The output is checked before the ledger is opened.
  if (absl::StatusOr<ledger::OutputTarget> t = ledger::CheckOutputPath(*out_path, {"--out", {}});
      !t.ok()) {
    return OutputError(inv, t.status());
  }

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(ExitCodeFor(db.status()), db.status().message(), db.status());
  if ((*db)->format_version() < 2 && !inv.args.Has("personal")) {
    // The page embeds the records its proofs cover, byte for byte.
    return inv.UsageError(
        "a format-1 ledger's records hold names in clear, and the dossier embeds the records "
        "its proofs cover: add --personal if its readers may see personal data, or make a "
        "format-2 ledger with `ledger migrate` (its records hold commitments only)");
  }
  absl::StatusOr<std::unique_ptr<query::Session>> session =
      query::Session::Attach(*std::move(db), {});
  if (!session.ok()) return inv.Fail(ExitCodeFor(session.status()), session.status().message(), session.status());
  absl::StatusOr<report::ReportResult> page = report::BuildReport(**session, req);
  if (!page.ok()) {
    const std::optional<util::ErrorDetail> detail = util::GetErrorDetail(page.status());
    if (detail && detail->reason() == report::kReasonCheckpointMismatch) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", page.status().message()));
    }
    return inv.Fail(ExitCodeFor(page.status()), page.status().message(), page.status());
  }
  if (absl::Status w = ledger::WriteOutputFile(*out_path, page->html, {"--out", {}}); !w.ok()) {
    return OutputError(inv, w);
  }

  enforcement::api::v1::ReportAnswer answer;
  answer.set_file(*out_path);
  answer.set_title(page->title);
  answer.set_events(page->events);
  answer.set_events_left_out(page->events_left_out);
  answer.set_proofs(page->proofs);
  answer.set_not_covered(page->not_covered);
  answer.set_flows(page->flows);
  answer.set_checkpoint_size(page->checkpoint_size);
  answer.set_checkpoint_file(page->checkpoint_file);
  answer.set_signature_key_embedded(page->signature_key_embedded);
  if (inv.global.json) return WriteAnswer(inv, answer);
  std::string text = absl::StrCat(
      "wrote ", DisplayText(*out_path), ": ", DisplayText(page->title), ", ", page->events,
      page->events == 1 ? " event, " : " events, ", page->proofs,
      page->proofs == 1 ? " inclusion proof" : " inclusion proofs", " against checkpoint ",
      DisplayText(page->checkpoint_file), " (", page->checkpoint_size, " records)");
  if (page->not_covered > 0) {
    absl::StrAppend(&text, "; ", page->not_covered,
                    " recorded after it not covered (sign a new one with `ledger checkpoint`)");
  }
  if (page->events_left_out > 0) {
    absl::StrAppend(&text, "; ", page->events_left_out, " left out (--max-events)");
  }
  if (!page->signature_key_embedded) {
    absl::StrAppend(&text, "; no --key given: the page cannot check the signature");
  }
  absl::StrAppend(&text, "\n");
  return WriteStdout(text) ? kExitOk : kExitInternal;
}

}  // namespace cli
