// Inclusion and consistency proofs as JSON documents, with the field names
// and encoding of the public RFC 6962 test vectors (transparency-dev/merkle
// testdata, kept in ../shared/vectors/rfc6962/):
//
//   inclusion:   {"leafIdx": N, "treeSize": N, "root": B64, "leafHash": B64,
//                 "proof": [B64, ...]}
//   consistency: {"size1": N, "size2": N, "root1": B64, "root2": B64,
//                 "proof": [B64, ...]}
//
// B64 is standard base64 (with padding) of a 32-byte SHA-256 hash; proof
// hashes are in RFC 9162 order (§2.1.3 inclusion path from the leaf up,
// §2.1.4 consistency path). Checking a proof needs only the document, the
// record bytes (for leafHash) and a checkpoint (for root): never the ledger.
//
// Decoding is strict, because hostile documents are expected: the text must
// be one JSON object (UTF-8, nothing after it but white space), with no
// duplicate or unknown key; every required key present; numbers plain
// non-negative integers (no sign, fraction or exponent) that fit 64 bits;
// every hash canonical base64 of exactly 32 bytes; "proof" an array of
// such strings, or null for an empty proof (as the vectors write it). The
// vectors' "desc" (string) and "wantErr" (bool) keys are accepted and
// ignored. Errors are kInvalidArgument naming the key (e.g. "proof[3]: ...").
//
// Thread-safety: pure functions over values.
#ifndef ENFORCEMENT_MERKLE_PROOF_JSON_H_
#define ENFORCEMENT_MERKLE_PROOF_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "merkle/merkle.h"

namespace ledger {

// Largest proof document DecodeInclusionProof/DecodeConsistencyProof read.
// A real proof has at most 2 * 64 hashes, about 6 KiB.
inline constexpr size_t kMaxProofJsonBytes = 1 << 20;

struct InclusionProofJson {
  uint64_t leaf_index = 0;          // "leafIdx"
  uint64_t tree_size = 0;           // "treeSize"
  merkle::Hash root{};              // "root"
  merkle::Hash leaf_hash{};         // "leafHash": SHA-256(0x00 || record bytes)
  std::vector<merkle::Hash> proof;  // "proof"
  bool operator==(const InclusionProofJson&) const = default;
};

struct ConsistencyProofJson {
  uint64_t size1 = 0;               // "size1"
  uint64_t size2 = 0;               // "size2"
  merkle::Hash root1{};             // "root1"
  merkle::Hash root2{};             // "root2"
  std::vector<merkle::Hash> proof;  // "proof"
  bool operator==(const ConsistencyProofJson&) const = default;
};

// Pretty-printed JSON (two-space indent, keys in the order above, trailing
// newline); "proof" is [] when empty.
std::string EncodeInclusionProof(const InclusionProofJson& p);
std::string EncodeConsistencyProof(const ConsistencyProofJson& p);

absl::StatusOr<InclusionProofJson> DecodeInclusionProof(absl::string_view json);
absl::StatusOr<ConsistencyProofJson> DecodeConsistencyProof(absl::string_view json);

// merkle::VerifyInclusion / merkle::VerifyConsistency on the decoded fields:
// OK when the proof holds, kInvalidArgument naming what failed otherwise.
absl::Status VerifyInclusionProof(const InclusionProofJson& p);
absl::Status VerifyConsistencyProof(const ConsistencyProofJson& p);

}  // namespace ledger

#endif  // ENFORCEMENT_MERKLE_PROOF_JSON_H_
