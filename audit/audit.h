// The audit of a ledger (`ledger audit`, SPEC §4, docs/TAMPER_EVIDENCE.md):
// does the ledger extend an earlier signed checkpoint, and does everything
// recomputed from its stored bytes agree? Seven checks, in order:
//   signature           the checkpoint is signed by one of the given keys
//   origin              it is a checkpoint of this log
//   size                its tree size is within the ledger's
//   root                the ledger's root at that size is the signed root
//   consistency         a consistency proof from that size to the head,
//                       generated from storage, verifies
//   verify              Ledger::Verify: everything from the stored bytes
//   issued checkpoints  every checkpoint this ledger issued matches its tree
// A check that depends on a failed one is skipped.
//
// Usage:
//   audit::AuditInput in{{"old.ckpt", note_text}, keys, "/path/to/db"};
//   enforcement::api::v1::AuditReport r = audit::AuditLedger(*db, in);
//   if (!r.ok()) ... r.problem() names the first failed check
#ifndef ENFORCEMENT_AUDIT_AUDIT_H_
#define ENFORCEMENT_AUDIT_AUDIT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/check.h"
#include "checkpoints/note.h"
#include "enforcement/api/v1/audit.pb.h"
#include "ledger/ledger.h"

namespace audit {

struct AuditInput {
  NamedText checkpoint;                    // the earlier signed checkpoint
  std::vector<ledger::NoteVerifier> keys;  // whose signature is trusted
  // The ledger's directory: its issued checkpoints are in <dir>/checkpoints,
  // and the report names it.
  std::string ledger_dir;
};

// Runs the seven checks against `db` (opened read-only or not; the caller
// keeps ownership). Never fails: a problem -- including one that stops
// verification -- is a failed check in the report. `progress` (may be empty)
// is called during verification with (records done, records to do), on the
// calling thread.
//
// Thread-safety: as Ledger's const methods (any number of concurrent calls).
enforcement::api::v1::AuditReport AuditLedger(
    const ledger::Ledger& db, const AuditInput& in,
    const std::function<void(uint64_t done, uint64_t total)>& progress = {});

}  // namespace audit

#endif  // ENFORCEMENT_AUDIT_AUDIT_H_
