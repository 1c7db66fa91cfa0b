// The checks of `ledger check` (SPEC §4, docs/TAMPER_EVIDENCE.md): an
// inclusion proof against a record, a consistency proof, a signed checkpoint
// (and optionally an export against it), all from what an auditor was handed
// -- no database is opened. Each returns an enforcement.api.v1.CheckReport:
// ok, or the problem found, with the figures the check read.
//
// The caller reads the files (audit/audit_io.h) and hands over their text
// and their names; the names appear in the report's messages. A failed check
// is a report with ok false, never an error status.
//
// Thread-safe (no shared state).
#ifndef ENFORCEMENT_AUDIT_CHECK_H_
#define ENFORCEMENT_AUDIT_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/note.h"
#include "enforcement/api/v1/audit.pb.h"

namespace audit {

// "name+hash" (8 hex digits), as keys are shown.
std::string KeyLabel(const std::string& name, uint32_t key_hash);
// The keys whose signatures on `note` verified, "name+hash", comma-separated.
std::string SignedBy(const ledger::Note& note);

// A file as handed over: its name (for messages) and its bytes.
struct NamedText {
  std::string file;
  std::string text;
};

// `checkpoint` opened as a checkpoint signed by one of `keys`; an error's
// message starts "checkpoint FILE: " (the code is VerifyCheckpoint's).
absl::StatusOr<ledger::VerifiedCheckpoint> OpenCheckpoint(
    const NamedText& checkpoint, const std::vector<ledger::NoteVerifier>& keys);

struct InclusionCheck {
  NamedText proof;   // proof JSON (SPEC §4), as `ledger prove inclusion` writes
  NamedText record;  // the LedgerRecord bytes the proof is for
  // When set, the proof's tree must be this checkpoint's, signed by `keys`.
  std::optional<NamedText> checkpoint;
  std::vector<ledger::NoteVerifier> keys;
};
// The record is well formed, carries the proof's position, hashes to the
// proof's leafHash, and the proof verifies (against the checkpoint if given).
enforcement::api::v1::CheckReport CheckInclusion(const InclusionCheck& in);

struct ConsistencyCheck {
  NamedText proof;  // proof JSON, as `ledger prove consistency` writes
  // Both or neither: the proof's trees must be these checkpoints', signed by
  // `keys`, of the same log.
  std::optional<NamedText> old_checkpoint, new_checkpoint;
  std::vector<ledger::NoteVerifier> keys;
};
enforcement::api::v1::CheckReport CheckConsistency(const ConsistencyCheck& in);

struct CheckpointCheck {
  NamedText checkpoint;
  std::vector<ledger::NoteVerifier> keys;
  // When set, the path of a delimited export (`ledger export --format
  // delimited`): its first tree-size records must have the signed root.
  std::optional<std::string> export_path;
};
// Errors: kNotFound when the export cannot be read (the caller named a wrong
// file); everything else is in the report.
absl::StatusOr<enforcement::api::v1::CheckReport> CheckCheckpoint(const CheckpointCheck& in);

}  // namespace audit

#endif  // ENFORCEMENT_AUDIT_CHECK_H_
