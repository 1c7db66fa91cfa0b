// RFC 6962 / RFC 9162 Merkle tree hashing, compact ranges, and inclusion and
// consistency proofs. Pure functions over hashes: no I/O except through the
// NodeReader interface, so the same code serves the ledger (stored subtree
// hashes) and offline checkers (no database at all).
//
// Terminology (as in transparency-dev/merkle docs/data_model.md): a node
// (level, index) is the root of the perfect subtree over leaves
// [index << level, (index + 1) << level). Level 0 nodes are leaf hashes.
#ifndef ENFORCEMENT_MERKLE_MERKLE_H_
#define ENFORCEMENT_MERKLE_MERKLE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace merkle {

using Hash = std::array<uint8_t, 32>;

// RFC 6962 §2.1 domain-separation prefixes.
inline constexpr uint8_t kLeafHashPrefix = 0x00;
inline constexpr uint8_t kNodeHashPrefix = 0x01;

// SHA-256(0x00 || leaf).
Hash LeafHash(absl::string_view leaf);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256("") — the root of the empty tree.
Hash EmptyRoot();

std::string ToHex(const Hash& h);
std::string ToBase64(const Hash& h);
// Parses standard base64 of exactly 32 bytes; kInvalidArgument otherwise.
absl::StatusOr<Hash> FromBase64(absl::string_view b64);
absl::StatusOr<Hash> FromHex(absl::string_view hex);

// Reference implementation: root of a whole list of leaf hashes, by the
// recursive definition of RFC 6962 §2.1. O(n); for tests and small trees.
Hash RootFromLeafHashes(absl::Span<const Hash> leaves);

// Read access to the hashes of perfect subtrees of a tree of some size.
// GetNode(level, index) must return the hash of node (level, index) for any
// node whose leaves are all below the tree size the caller works with.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual absl::StatusOr<Hash> GetNode(int level, uint64_t index) const = 0;
};

// The right frontier of a growing tree: the roots of the perfect subtrees
// that make up a tree of `size()` leaves, largest first (one per set bit of
// size). Appending a leaf reports each perfect subtree it completes, so a
// store can persist every node exactly once.
class CompactRange {
 public:
  CompactRange() = default;
  // Restores the range of a tree of `size` leaves from its frontier hashes,
  // largest subtree first. kInvalidArgument if the count does not match the
  // number of set bits of `size`.
  static absl::StatusOr<CompactRange> FromFrontier(uint64_t size, std::vector<Hash> frontier);
  // Loads the frontier of a tree of `size` leaves from stored nodes.
  static absl::StatusOr<CompactRange> Load(const NodeReader& nodes, uint64_t size);

  uint64_t size() const { return size_; }
  const std::vector<Hash>& frontier() const { return frontier_; }

  // Appends a leaf hash. `visit` (may be empty) is called for the leaf itself
  // (level 0) and for every perfect subtree node completed by it, in
  // increasing level order.
  void Append(const Hash& leaf_hash,
              const std::function<void(int level, uint64_t index, const Hash& hash)>& visit);

  // The RFC 6962 root of the tree of size() leaves.
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> frontier_;  // largest subtree first
};

// The root of the tree of the first `size` leaves, from O(log size) stored
// perfect-subtree hashes (popcount(size) <= 64 reads).
absl::StatusOr<Hash> RootAt(const NodeReader& nodes, uint64_t size);

// RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size`
// leaves, siblings from the leaf upwards. REQUIRES: index < size, else
// kInvalidArgument. O(log size) node reads: at most 126, because the one
// proof hash over an incomplete subtree is folded from up to 63 stored nodes.
absl::StatusOr<std::vector<Hash>> InclusionProof(const NodeReader& nodes,
                                                 uint64_t index, uint64_t size);
// RFC 9162 §2.1.4 consistency proof from size1 to size2.
// REQUIRES: 0 < size1 <= size2, else kInvalidArgument (size1 == size2 gives
// an empty proof). At most 127 node reads.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(const NodeReader& nodes,
                                                   uint64_t size1, uint64_t size2);

// RFC 9162 §2.1.3.2. OK when the proof shows leaf_hash at index in a tree of
// `size` with `root`; kInvalidArgument otherwise, naming what failed
// (index out of range, wrong proof length, root mismatch with both roots).
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root);
// RFC 9162 §2.1.4.2. OK when the proof shows the tree (size1, root1) is a
// prefix of (size2, root2). size1 == 0 is always rejected (a proof from the
// empty tree shows nothing), as the transparency-dev vectors expect.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1,
                               const Hash& root2, absl::Span<const Hash> proof);

}  // namespace merkle

#endif  // ENFORCEMENT_MERKLE_MERKLE_H_
