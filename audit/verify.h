// `ledger verify` (SPEC §4): everything recomputed from the stored bytes --
// the log (Ledger::Verify: leaf hashes, Merkle nodes, the head's root, the
// indexes) and, over an intact log, the views (the stored views brought up
// to the head, rebuilt from position 0 in a scratch store, and every view's
// digest compared). Answers an enforcement.api.v1.VerifyReport.
//
// Why a mapping here and not in the ledger: ledger::VerifyReport stays the
// log's own C++ answer (its tests and the audit read it), the views belong
// to projections/, above the ledger; this library joins both into the one
// message the front doors print.
//
// Not thread-safe with other users of `db` that call TryCatchUp (it may
// catch up with the writer); the views store is locked while checked.
#ifndef ENFORCEMENT_AUDIT_VERIFY_H_
#define ENFORCEMENT_AUDIT_VERIFY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "enforcement/api/v1/audit.pb.h"
#include "ledger/ledger.h"
#include "projections/views.h"

namespace audit {

struct VerifyProgress {
  // The log check: (records done, records to do). May be empty.
  std::function<void(uint64_t done, uint64_t total)> log;
  // Bringing the stored views up to the head, and the rebuild.
  projections::CatchUpOptions views_catch_up, views_rebuild;
};

// The log's report as the answer message (no views).
enforcement::api::v1::VerifyReport ToVerifyReport(const ledger::VerifyReport& r);

// Verifies the log of `db` (the ledger at `ledger_dir`, whose views are
// <ledger_dir>/views), then its views if the log is intact. A difference is
// in the report (ok false); a views store that cannot be checked for a reason
// other than corruption is reported with views.checked false and views.ok
// true (a warning, not a failure).
// Errors: those of Ledger::Verify when verification could not run --
// kDataLoss when corruption stopped it (a failed verification too).
absl::StatusOr<enforcement::api::v1::VerifyReport> VerifyLedger(ledger::Ledger& db,
                                                                const std::string& ledger_dir,
                                                                const VerifyProgress& progress = {});

}  // namespace audit

#endif  // ENFORCEMENT_AUDIT_VERIFY_H_
