// `ledger verify`: recompute everything from the stored bytes (SPEC §4).
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "projections/view_types.h"
#include "projections/views.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"

namespace cli {
namespace {

constexpr char kRootNotComputed[] = "not computed (the check stopped at the first difference)";

// The views check (SPEC §4: verify recomputes the projections too): brings
// the stored views (<db>/views) up to the log's head, rebuilds them from
// position 0 in a scratch store and compares every view's digest.
struct ViewsCheck {
  bool ran = false;           // false: could not be checked (see error)
  std::string error;          // why it could not run
  bool failed = false;        // a corrupt store or a digest mismatch
  projections::ViewsVerifyReport report;
};

ViewsCheck CheckViews(const Invocation& inv, ledger::Ledger& db) {
  ViewsCheck check;
  absl::StatusOr<std::unique_ptr<projections::Views>> views =
      projections::Views::Open(inv.global.db);
  if (!views.ok()) {
    check.error = absl::StrCat("cannot open the views: ", views.status().message());
    check.failed = views.status().code() == absl::StatusCode::kDataLoss;
    return check;
  }
  {
    ProgressMeter progress("verify views: catch-up", "records");
    absl::StatusOr<projections::CatchUpResult> r =
        (*views)->CatchUp(db, CatchUpProgress(&progress));
    if (absl::IsDataLoss(r.status())) {
      // Views ahead of the head this verify opened: a query may have caught
      // them up with the writer meanwhile (the log check takes a while).
      // Catch up and look once more before calling it a failure.
      if (absl::Status s = db.TryCatchUp(); !s.ok()) {
        check.error = absl::StrCat("cannot catch up with the writer: ", s.message());
        check.failed = s.code() == absl::StatusCode::kDataLoss;
        return check;
      }
      r = (*views)->CatchUp(db, CatchUpProgress(&progress));
    }
    if (!r.ok()) {
      check.error = absl::StrCat("cannot bring the views up to date: ", r.status().message());
      check.failed = r.status().code() == absl::StatusCode::kDataLoss;
      return check;
    }
  }
  ProgressMeter progress("verify views: rebuild", "records");
  absl::StatusOr<projections::ViewsVerifyReport> report =
      projections::VerifyViews(db, **views, {}, CatchUpProgress(&progress));
  progress.Finish();
  if (!report.ok()) {
    check.error = absl::StrCat("cannot rebuild the views: ", report.status().message());
    check.failed = report.status().code() == absl::StatusCode::kDataLoss;
    return check;
  }
  check.ran = true;
  check.report = *std::move(report);
  check.failed = !check.report.ok();
  return check;
}

// The stored digest of view i beside the rebuilt one.
bool DigestMatches(const projections::ViewsVerifyReport& r, size_t i) {
  return i < r.rebuilt.size() && r.stored[i] == r.rebuilt[i];
}

std::string ViewsJson(const ViewsCheck& c) {
  JsonObject o;
  if (!c.ran) {
    o.Bool("ok", !c.failed).Bool("checked", false).Str("problem", c.error);
    return o.Build();
  }
  const projections::ViewsVerifyReport& r = c.report;
  std::string list = "[";
  for (size_t i = 0; i < r.stored.size(); ++i) {
    JsonObject v;
    v.Str("view", r.stored[i].view)
        .Bool("ok", DigestMatches(r, i))
        .Num("entries", r.stored[i].entries)
        .Str("stored_sha256", r.stored[i].sha256)
        .Str("rebuilt_sha256", i < r.rebuilt.size() ? r.rebuilt[i].sha256 : "");
    if (i > 0) list += ",";
    list += v.Build();
  }
  list += "]";
  o.Bool("ok", r.ok()).Bool("checked", true).Num("checkpoint", r.checkpoint).Raw("views", list);
  if (r.ok()) {
    o.Null("problem");
  } else {
    o.Str("problem", r.problem);
  }
  return o.Build();
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
  // The views are checked only over an intact log.
  std::optional<ViewsCheck> views_check;
  if (r.ok()) views_check = CheckViews(inv, **db);
  if (inv.global.json) {
    JsonObject o;
    o.Bool("ok", r.ok())
        .Num("records_checked", r.records_checked)
        .Num("tree_size", r.tree_size);
    if (r.root_computed) {
      o.Str("root_hex", merkle::ToHex(r.root)).Str("root_base64", merkle::ToBase64(r.root));
    } else {
      o.Null("root_hex").Null("root_base64");
    }
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
    if (views_check) {
      o.Raw("views", ViewsJson(*views_check));
    } else {
      o.Null("views");
    }
    WriteStdout(o.Build() + "\n");
  } else {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"records checked", absl::StrCat(r.records_checked)},
        {"tree size", absl::StrCat(r.tree_size)},
        {"root (hex)", r.root_computed ? merkle::ToHex(r.root) : kRootNotComputed},
        {"root (base64)", r.root_computed ? merkle::ToBase64(r.root) : kRootNotComputed},
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
    if (!views_check) {
      rows.push_back({"views", "not checked (the log failed)"});
    } else if (!views_check->ran) {
      rows.push_back({"views", absl::StrCat(views_check->failed ? "FAILED: " : "not checked: ",
                                            views_check->error)});
    } else {
      const projections::ViewsVerifyReport& vr = views_check->report;
      rows.push_back({"views", absl::StrCat(vr.ok() ? "OK" : "FAILED",
                                            " (stored digests vs a rebuild from position 0, at ",
                                            vr.checkpoint, " records)")});
      for (size_t i = 0; i < vr.stored.size(); ++i) {
        rows.push_back({absl::StrCat("  ", vr.stored[i].view),
                        absl::StrCat(DigestMatches(vr, i) ? "OK    " : "FAILED", " ",
                                     vr.stored[i].sha256.substr(0, 16), " (",
                                     vr.stored[i].entries, " entries)")});
      }
      if (!vr.ok()) rows.push_back({"views problem", vr.problem});
    }
    PrintKeyValues(rows);
  }
  if (!r.ok()) {
    std::string msg = "verification FAILED";
    if (r.first_bad_position) absl::StrAppend(&msg, " at position ", *r.first_bad_position);
    absl::StrAppend(&msg, ": ", r.problem);
    return inv.Fail(kExitVerifyFailed, msg);
  }
  if (views_check && views_check->failed) {
    return inv.Fail(kExitVerifyFailed,
                    absl::StrCat("views verification FAILED: ",
                                 views_check->ran ? views_check->report.problem
                                                  : views_check->error));
  }
  if (views_check && !views_check->ran) {
    std::fprintf(stderr, "ledger: verify: warning: views not checked: %s\n",
                 views_check->error.c_str());
  }
  return kExitOk;
}

}  // namespace cli
