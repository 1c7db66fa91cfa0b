// The proofs of `ledger prove` (SPEC §4, docs/TAMPER_EVIDENCE.md §9): built
// from O(log n) stored subtree hashes, and verified before they are handed
// out -- never a proof that does not verify. Encoding them is
// merkle/proof_json.h's job.
//
// Errors: kOutOfRange for a position or tree size past the head (the message
// names both); kInvalidArgument for a consistency proof from the empty tree
// or from a larger tree; kInternal when the stored tree does not agree with
// the records (run `ledger verify`); the ledger's read errors otherwise.
// Thread-safety: as Ledger's const methods.
#ifndef ENFORCEMENT_AUDIT_PROVE_H_
#define ENFORCEMENT_AUDIT_PROVE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "merkle/proof_json.h"

namespace audit {

struct InclusionAnswer {
  ledger::InclusionProofJson proof;
  std::string record_bytes;  // the record proved, as stored (and hashed)
};

// The inclusion proof of the record at `position` in the tree of `size`.
absl::StatusOr<InclusionAnswer> ProveInclusion(const ledger::Ledger& db, uint64_t position,
                                               uint64_t size);

// The consistency proof from tree size `size1` to `size2`.
absl::StatusOr<ledger::ConsistencyProofJson> ProveConsistency(const ledger::Ledger& db,
                                                              uint64_t size1, uint64_t size2);

}  // namespace audit

#endif  // ENFORCEMENT_AUDIT_PROVE_H_
