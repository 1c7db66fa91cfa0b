// `ledger verify`: recompute everything from the stored bytes (SPEC §4).
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"

namespace cli {

int RunVerify(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) {
    // A ledger too damaged to open has failed verification.
    if (db.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", db.status().message()));
    }
    return inv.Fail(db.status(), StatusContext::kOpen);
  }
  ProgressMeter progress("verify", "records");
  absl::StatusOr<ledger::VerifyReport> report =
      (*db)->Verify([&progress](uint64_t done, uint64_t total) {
        progress.Update(done, total > 0 ? static_cast<double>(done) / static_cast<double>(total)
                                        : -1.0);
      });
  progress.Finish();
  if (!report.ok()) {
    // Corruption that stopped the check is a failed verification too.
    if (report.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", report.status().message()));
    }
    return inv.Fail(report.status(), StatusContext::kRead, "verification could not run");
  }
  const ledger::VerifyReport& r = *report;
  if (inv.global.json) {
    JsonObject o;
    o.Bool("ok", r.ok())
        .Num("records_checked", r.records_checked)
        .Num("tree_size", r.tree_size)
        .Str("root_hex", merkle::ToHex(r.root))
        .Str("root_base64", merkle::ToBase64(r.root));
    if (r.first_bad_position) {
      o.Num("first_bad_position", *r.first_bad_position);
    } else {
      o.Null("first_bad_position");
    }
    if (r.ok()) {
      o.Null("problem");
    } else {
      o.Str("problem", r.problem);
    }
    WriteStdout(o.Build() + "\n");
  } else {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"records checked", absl::StrCat(r.records_checked)},
        {"tree size", absl::StrCat(r.tree_size)},
        {"root (hex)", merkle::ToHex(r.root)},
        {"root (base64)", merkle::ToBase64(r.root)},
        {"checked", "leaf hashes from stored bytes, Merkle root and subtree hashes, "
                    "stream index, event-id index"},
    };
    if (r.ok()) {
      rows.push_back({"result", "OK"});
    } else {
      rows.push_back({"result", "FAILED"});
      rows.push_back({"first bad position", r.first_bad_position
                                                ? absl::StrCat(*r.first_bad_position)
                                                : std::string("(not tied to one position)")});
      rows.push_back({"problem", r.problem});
    }
    PrintKeyValues(rows);
  }
  if (!r.ok()) {
    std::string msg = "verification FAILED";
    if (r.first_bad_position) absl::StrAppend(&msg, " at position ", *r.first_bad_position);
    absl::StrAppend(&msg, ": ", r.problem);
    return inv.Fail(kExitVerifyFailed, msg);
  }
  return kExitOk;
}

}  // namespace cli
