#include "audit/prove.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "merkle/merkle.h"

namespace audit {

absl::StatusOr<InclusionAnswer> ProveInclusion(const ledger::Ledger& db, uint64_t position,
                                               uint64_t size) {
  const ledger::Head head = db.GetHead();
  if (size > head.tree_size) {
    return absl::OutOfRangeError(absl::StrCat("--size ", size, " is past the head (the ledger has ",
                                              head.tree_size, " records)"));
  }
  if (position >= size) {
    return absl::OutOfRangeError(absl::StrCat("position ", position,
                                              " is not in the tree of size ", size,
                                              size == 0 ? " (it is empty)" : ""));
  }
  absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(position);
  if (!rec.ok()) {
    return absl::Status(rec.status().code(),
                        absl::StrCat("position ", position, ": ", rec.status().message()));
  }
  InclusionAnswer out;
  ledger::InclusionProofJson& p = out.proof;
  p.leaf_index = position;
  p.tree_size = size;
  p.leaf_hash = merkle::LeafHash(rec->bytes);
  absl::StatusOr<merkle::Hash> root = db.RootAt(size);
  if (!root.ok()) return root.status();
  p.root = *root;
  absl::StatusOr<std::vector<merkle::Hash>> path =
      merkle::InclusionProof(db.nodes(), position, size);
  if (!path.ok()) {
    return absl::Status(path.status().code(),
                        absl::StrCat("building the proof: ", path.status().message()));
  }
  p.proof = *std::move(path);
  // The stored hashes must agree with the record bytes; never hand out a
  // proof that does not verify.
  if (absl::Status v = ledger::VerifyInclusionProof(p); !v.ok()) {
    return absl::InternalError(absl::StrCat("the stored tree does not agree with record ",
                                            position, " (run 'ledger verify'): ", v.message()));
  }
  out.record_bytes = std::move(rec->bytes);
  return out;
}

absl::StatusOr<ledger::ConsistencyProofJson> ProveConsistency(const ledger::Ledger& db,
                                                              uint64_t size1, uint64_t size2) {
  if (size1 == 0) {
    return absl::InvalidArgumentError(
        "--from 0: a consistency proof from the empty tree proves nothing; every tree extends "
        "it");
  }
  if (size1 > size2) {
    return absl::InvalidArgumentError(absl::StrCat("--from ", size1, " is larger than --to ", size2));
  }
  const ledger::Head head = db.GetHead();
  if (size2 > head.tree_size) {
    return absl::OutOfRangeError(absl::StrCat("tree size ", size2,
                                              " is past the head (the ledger has ",
                                              head.tree_size, " records)"));
  }
  ledger::ConsistencyProofJson p;
  p.size1 = size1;
  p.size2 = size2;
  absl::StatusOr<merkle::Hash> r1 = db.RootAt(size1);
  if (!r1.ok()) return r1.status();
  absl::StatusOr<merkle::Hash> r2 = db.RootAt(size2);
  if (!r2.ok()) return r2.status();
  p.root1 = *r1;
  p.root2 = *r2;
  absl::StatusOr<std::vector<merkle::Hash>> path =
      merkle::ConsistencyProof(db.nodes(), size1, size2);
  if (!path.ok()) {
    return absl::Status(path.status().code(),
                        absl::StrCat("building the proof: ", path.status().message()));
  }
  p.proof = *std::move(path);
  if (absl::Status v = ledger::VerifyConsistencyProof(p); !v.ok()) {
    return absl::InternalError(
        absl::StrCat("the stored tree is inconsistent (run 'ledger verify'): ", v.message()));
  }
  return p;
}

}  // namespace audit
