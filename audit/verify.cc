#include "audit/verify.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "merkle/merkle.h"
#include "projections/view_types.h"
#include "query/session.h"

namespace audit {
namespace {

using enforcement::api::v1::ViewsCheck;

// A views check that could not run: `failed` when because of corruption.
ViewsCheck NotChecked(std::string why, bool failed) {
  ViewsCheck c;
  c.set_ok(!failed);
  c.set_checked(false);
  c.set_problem(std::move(why));
  return c;
}

// Brings the stored views (<db>/views) up to the log's head, rebuilds them
// from position 0 in a scratch store and compares every view's digest.
ViewsCheck CheckViews(ledger::Ledger& db, const std::string& ledger_dir,
                      const VerifyProgress& progress) {
  absl::StatusOr<std::unique_ptr<projections::Views>> views = projections::Views::Open(ledger_dir);
  if (!views.ok()) {
    return NotChecked(absl::StrCat("cannot open the views: ", views.status().message()),
                      views.status().code() == absl::StatusCode::kDataLoss);
  }
  // Views ahead of the head this verify opened (a query may have caught
  // them up with the writer meanwhile; the log check takes a while) are
  // retried once after catching up: query::CatchUpViews, as every reader.
  absl::StatusOr<projections::CatchUpResult> r =
      query::CatchUpViews(db, **views, progress.views_catch_up);
  if (!r.ok()) {
    // CatchUpViews' message names the step that failed.
    return NotChecked(std::string(r.status().message()),
                      r.status().code() == absl::StatusCode::kDataLoss);
  }
  absl::StatusOr<projections::ViewsVerifyReport> report =
      projections::VerifyViews(db, **views, {}, progress.views_rebuild);
  if (!report.ok()) {
    return NotChecked(absl::StrCat("cannot rebuild the views: ", report.status().message()),
                      report.status().code() == absl::StatusCode::kDataLoss);
  }
  const projections::ViewsVerifyReport& vr = *report;
  ViewsCheck c;
  c.set_ok(vr.ok());
  c.set_checked(true);
  c.set_checkpoint(vr.checkpoint);
  for (size_t i = 0; i < vr.stored.size(); ++i) {
    auto* v = c.add_views();
    v->set_view(vr.stored[i].view);
    v->set_ok(i < vr.rebuilt.size() && vr.stored[i] == vr.rebuilt[i]);
    v->set_entries(vr.stored[i].entries);
    v->set_stored_sha256(vr.stored[i].sha256);
    v->set_rebuilt_sha256(i < vr.rebuilt.size() ? vr.rebuilt[i].sha256 : "");
  }
  c.set_problem(vr.problem);
  return c;
}

}  // namespace

enforcement::api::v1::VerifyReport ToVerifyReport(const ledger::VerifyReport& r) {
  enforcement::api::v1::VerifyReport out;
  out.set_ok(r.ok());
  out.set_records_checked(r.records_checked);
  out.set_tree_size(r.tree_size);
  if (r.root_computed) {
    out.set_root_hex(merkle::ToHex(r.root));
    out.set_root_base64(merkle::ToBase64(r.root));
  }
  if (r.first_bad_position) out.set_first_bad_position(*r.first_bad_position);
  out.set_problem(r.problem);
  return out;
}

absl::StatusOr<enforcement::api::v1::VerifyReport> VerifyLedger(ledger::Ledger& db,
                                                                const std::string& ledger_dir,
                                                                const VerifyProgress& progress) {
  absl::StatusOr<ledger::VerifyReport> log = db.Verify(progress.log);
  if (!log.ok()) return log.status();
  enforcement::api::v1::VerifyReport out = ToVerifyReport(*log);
  // The views are checked only over an intact log.
  if (log->ok()) {
    *out.mutable_views() = CheckViews(db, ledger_dir, progress);
    if (!out.views().ok()) out.set_ok(false);
  }
  return out;
}

}  // namespace audit
