// `ledger verify`: recompute everything from the stored bytes (SPEC §4);
// the engine is audit::VerifyLedger (audit/verify.h).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/verify.h"
#include "personal/personal_store.h"
#include "query/personal_reveal.h"
#include "ledger/ledger.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "util/answer_json.h"

namespace cli {
namespace {

constexpr char kRootNotComputed[] = "not computed (the check stopped at the first difference)";

void PrintReport(const enforcement::api::v1::VerifyReport& r) {
  const bool log_ok = r.problem().empty();
  std::vector<std::pair<std::string, std::string>> rows = {
      {"records checked", absl::StrCat(r.records_checked())},
      {"tree size", absl::StrCat(r.tree_size())},
      {"root (hex)", r.has_root_hex() ? r.root_hex() : kRootNotComputed},
      {"root (base64)", r.has_root_base64() ? r.root_base64() : kRootNotComputed},
      {"checked", "leaf hashes from stored bytes, Merkle root and subtree hashes, "
                  "stream index, event-id index"},
  };
  if (log_ok) {
    rows.push_back({"result", "OK"});
  } else {
    rows.push_back({"result", "FAILED"});
    rows.push_back({"first bad position", r.has_first_bad_position()
                                              ? absl::StrCat(r.first_bad_position())
                                              : std::string("(not tied to one position)")});
    rows.push_back({"problem", r.problem()});
  }
  if (!r.has_views()) {
    rows.push_back({"views", "not checked (the log failed)"});
  } else if (!r.views().checked()) {
    rows.push_back({"views", absl::StrCat(r.views().ok() ? "not checked: " : "FAILED: ",
                                          r.views().problem())});
  } else {
    const enforcement::api::v1::ViewsCheck& vc = r.views();
    rows.push_back({"views", absl::StrCat(vc.ok() ? "OK" : "FAILED",
                                          " (stored digests vs a rebuild from position 0, at ",
                                          vc.checkpoint(), " records)")});
    for (const auto& v : vc.views()) {
      rows.push_back({absl::StrCat("  ", v.view()),
                      absl::StrCat(v.ok() ? "OK    " : "FAILED", " ",
                                   v.stored_sha256().substr(0, 16), " (", v.entries(),
                                   " entries)")});
    }
    if (!vc.ok()) rows.push_back({"views problem", vc.problem()});
  }
  if (r.has_personal()) {
    const enforcement::api::v1::PersonalDataCheck& p = r.personal();
    rows.push_back({"personal data", absl::StrCat(p.ok() ? "OK" : "FAILED", " (", p.values_checked(),
                                                  " kept values opened against their records' "
                                                  "commitments; ", p.commitments(),
                                                  " commitments in the log; ", p.subjects(),
                                                  " subjects, ", p.erased_subjects(), " erased)")});
    for (const std::string& problem : p.problems()) rows.push_back({"  problem", problem});
  }
  PrintKeyValues(rows);
}

}  // namespace

int RunVerify(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) {
    // A ledger too damaged to open has failed verification.
    if (db.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", db.status().message()));
    }
    return inv.Fail(db.status(), StatusContext::kOpen);
  }
  absl::StatusOr<enforcement::api::v1::VerifyReport> report;
  {
    ProgressMeter log_progress("verify", "records");
    ProgressMeter catch_up("verify views: catch-up", "records");
    ProgressMeter rebuild("verify views: rebuild", "records");
    audit::VerifyProgress progress;
    progress.log = [&log_progress](uint64_t done, uint64_t total) {
      log_progress.Update(done, total > 0 ? static_cast<double>(done) / static_cast<double>(total)
                                          : -1.0);
    };
    progress.views_catch_up = CatchUpProgress(&catch_up);
    progress.views_rebuild = CatchUpProgress(&rebuild);
    report = audit::VerifyLedger(**db, inv.global.db, progress);
  }
  if (report.ok() && inv.args.Has("personal")) {
    if ((*db)->format_version() < 2) {
      return inv.UsageError("--personal: a format-1 ledger has no personal-data store");
    }
    absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
        query::OpenPersonalStoreForReading(**db);
    if (!store.ok()) return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", store.status().message()));
    absl::StatusOr<enforcement::api::v1::PersonalDataCheck> personal =
        query::CheckPersonalData(**db, **store);
    if (!personal.ok()) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", personal.status().message()));
    }
    *report->mutable_personal() = *std::move(personal);
    if (!report->personal().ok()) report->set_ok(false);
  }
  if (!report.ok()) {
    // Corruption that stopped the check is a failed verification too.
    if (report.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", report.status().message()));
    }
    return inv.Fail(report.status(), StatusContext::kRead, "verification could not run");
  }
  const enforcement::api::v1::VerifyReport& r = *report;
  if (inv.global.json) {
    if (int e = WriteAnswer(inv, r); e != kExitOk) return e;
  } else {
    PrintReport(r);
  }
  if (!r.problem().empty()) {
    std::string msg = "verification FAILED";
    if (r.has_first_bad_position()) absl::StrAppend(&msg, " at position ", r.first_bad_position());
    absl::StrAppend(&msg, ": ", r.problem());
    return inv.Fail(kExitVerifyFailed, msg);
  }
  if (r.has_views() && !r.views().ok()) {
    return inv.Fail(kExitVerifyFailed,
                    absl::StrCat("views verification FAILED: ", r.views().problem()));
  }
  if (r.has_personal() && !r.personal().ok()) {
    return inv.Fail(kExitVerifyFailed,
                    absl::StrCat("personal data verification FAILED: ", r.personal().problem_count(),
                                 " problems; the first: ", r.personal().problems(0)));
  }
  if (r.has_views() && !r.views().checked()) {
    std::fprintf(stderr, "ledger: verify: warning: views not checked: %s\n",
                 r.views().problem().c_str());
  }
  return kExitOk;
}

}  // namespace cli
