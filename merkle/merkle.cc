// RFC 6962 / RFC 9162 Merkle trees. See merkle.h for the contract.
//
// Proof construction follows transparency-dev/merkle proof/proof.go: a proof
// for node (level, index) in a tree of `size` leaves is
//   1. the siblings on the path up to the "fork" node, the highest ancestor
//      of (level, index) that is still a complete subtree of the tree,
//   2. the "ephemeral" node: the root of the incomplete subtree right of the
//      fork, which is not stored anywhere and is folded here from the perfect
//      subtrees of its range (omitted when that range is empty),
//   3. the perfect subtrees left of the fork, lowest level first.
// Only step 2 reads more than one stored node per proof hash.

// The low-level SHA256_Init/Update/Final are deprecated in OpenSSL 3, but
// unlike EVP_MD_CTX they need no heap allocation, and LeafHash/NodeHash run
// once per appended record and once per proof step.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "merkle/merkle.h"

#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace merkle {
namespace {

static_assert(sizeof(Hash) == SHA256_DIGEST_LENGTH);

// A node of the tree, named as in merkle.h: the perfect subtree over leaves
// [index << level, (index + 1) << level).
struct NodeId {
  int level;
  uint64_t index;
};

// One past the last leaf under the node. Callers pass only nodes complete in
// a tree of < 2^64 leaves, so this cannot overflow.
uint64_t CoverageEnd(const NodeId& id) { return (id.index + 1) << id.level; }

absl::StatusOr<Hash> Read(const NodeReader& nodes, const NodeId& id) {
  return nodes.GetNode(id.level, id.index);
}

// Appends to `out` the perfect subtrees that cover leaves [begin, end),
// largest first. REQUIRES: begin is a multiple of the largest power of two
// not above end - begin (true for every range this file asks for), so the
// decomposition is the binary one of end - begin and its right-to-left fold
// is the RFC 6962 root of the range.
void RangeNodes(uint64_t begin, uint64_t end, std::vector<NodeId>* out) {
  const uint64_t n = end - begin;
  for (int level = 63; level >= 0; --level) {
    if ((n >> level) & 1) {
      out->push_back({level, begin >> level});
      begin += uint64_t{1} << level;
    }
  }
}

// The RFC 6962 root of leaves [begin, end) from the stored perfect subtrees
// that cover it: popcount(end - begin) reads. REQUIRES: begin < end and the
// alignment of RangeNodes.
absl::StatusOr<Hash> RangeRoot(const NodeReader& nodes, uint64_t begin, uint64_t end) {
  std::vector<NodeId> ids;
  RangeNodes(begin, end, &ids);
  absl::StatusOr<Hash> acc = Read(nodes, ids.back());
  if (!acc.ok()) return acc.status();
  Hash root = *acc;
  for (size_t i = ids.size() - 1; i-- > 0;) {
    absl::StatusOr<Hash> left = Read(nodes, ids[i]);
    if (!left.ok()) return left.status();
    root = NodeHash(*left, root);
  }
  return root;
}

// Appends the proof hashes for node (level, index) in the tree of `size`
// leaves, per the three steps at the top of this file. REQUIRES:
// (index + 1) << level <= size, i.e. the node is complete in that tree.
// Reads: (fork level - level) siblings + at most fork level nodes for the
// ephemeral node + at most (63 - fork level) left nodes, so <= 126.
absl::Status AppendPathProof(const NodeReader& nodes, int level, uint64_t index, uint64_t size,
                             std::vector<Hash>* proof) {
  // The fork is where the paths to (level, index) and to leaf `size` (one
  // past the end) part: the highest bit in which their indices differ.
  const int inner = std::bit_width(index ^ (size >> level)) - 1;
  const NodeId fork{level + inner, index >> inner};

  for (int i = 0; i < inner; ++i) {
    absl::StatusOr<Hash> sibling = Read(nodes, {level + i, (index >> i) ^ 1});
    if (!sibling.ok()) return sibling.status();
    proof->push_back(*sibling);
  }

  const uint64_t begin = fork.index << fork.level;
  const uint64_t end = CoverageEnd(fork);
  if (end < size) {
    absl::StatusOr<Hash> ephemeral = RangeRoot(nodes, end, size);
    if (!ephemeral.ok()) return ephemeral.status();
    proof->push_back(*ephemeral);
  }

  // begin is a multiple of 2^(fork.level + 1) (the fork is a left child), so
  // its decomposition is exactly the left siblings above the fork.
  std::vector<NodeId> left;
  RangeNodes(0, begin, &left);
  for (auto it = left.rbegin(); it != left.rend(); ++it) {
    absl::StatusOr<Hash> h = Read(nodes, *it);
    if (!h.ok()) return h.status();
    proof->push_back(*h);
  }
  return absl::OkStatus();
}

// Names both roots, like transparency-dev's RootMismatchError, so a failed
// audit shows what the proof led to as well as what was claimed.
absl::Status RootMismatch(absl::string_view what, const Hash& expected, const Hash& calculated) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": calculated root ", ToHex(calculated),
                                                 " does not match expected root ",
                                                 ToHex(expected)));
}

// Folds `proof` into `seed` along the path of node `index` (at the level the
// chain starts from), hashing each proof element in on the side the index bit
// says. RFC 9162 §2.1.3.2 steps for the part below the right border.
Hash ChainInner(Hash seed, absl::Span<const Hash> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    seed = ((index >> i) & 1) == 0 ? NodeHash(seed, proof[i]) : NodeHash(proof[i], seed);
  }
  return seed;
}

// As ChainInner, but uses only the proof elements left of the path: the
// result is the root of the same subtree as it was before the leaves right of
// the path were added (the first tree of a consistency proof).
Hash ChainInnerRight(Hash seed, absl::Span<const Hash> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if ((index >> i) & 1) seed = NodeHash(proof[i], seed);
  }
  return seed;
}

// Along the right border every proof element is a left sibling.
Hash ChainBorderRight(Hash seed, absl::Span<const Hash> proof) {
  for (const Hash& h : proof) seed = NodeHash(h, seed);
  return seed;
}

// Lengths of the two parts of an inclusion proof of leaf `index` in a tree of
// `size`: below (inner) and on (border) the right border, split where the
// paths to `index` and `size - 1` meet. REQUIRES: index < size.
std::pair<int, int> DecompInclusionProof(uint64_t index, uint64_t size) {
  const int inner = std::bit_width(index ^ (size - 1));
  const int border = std::popcount(index >> inner);
  return {inner, border};
}

}  // namespace

Hash LeafHash(absl::string_view leaf) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &kLeafHashPrefix, 1);
  SHA256_Update(&ctx, leaf.data(), leaf.size());
  Hash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash NodeHash(const Hash& left, const Hash& right) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &kNodeHashPrefix, 1);
  SHA256_Update(&ctx, left.data(), left.size());
  SHA256_Update(&ctx, right.data(), right.size());
  Hash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash EmptyRoot() {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  Hash out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

std::string ToHex(const Hash& h) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string ToBase64(const Hash& h) {
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

absl::StatusOr<Hash> FromBase64(absl::string_view b64) {
  std::string raw;
  // Base64Unescape tolerates missing padding and stray bits; re-encoding
  // and comparing makes the accepted form unique (canonical), so a hash has
  // exactly one spelling in proofs and checkpoints.
  if (!absl::Base64Unescape(b64, &raw) || raw.size() != sizeof(Hash) ||
      absl::Base64Escape(raw) != b64) {
    return absl::InvalidArgumentError(
        absl::StrCat("not canonical base64 of a 32-byte hash: \"", absl::CHexEscape(b64), "\""));
  }
  Hash h;
  std::copy(raw.begin(), raw.end(), h.begin());
  return h;
}

absl::StatusOr<Hash> FromHex(absl::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() != 2 * sizeof(Hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("hex hash has ", hex.size(), " characters, want 64"));
  }
  Hash h;
  for (size_t i = 0; i < h.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(absl::StrCat("not a hex digit near offset ", 2 * i,
                                                     " of \"", absl::CHexEscape(hex), "\""));
    }
    h[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return h;
}

Hash RootFromLeafHashes(absl::Span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  // RFC 6962 §2.1: split at the largest power of two smaller than n.
  const size_t k = std::bit_floor(leaves.size() - 1);
  return NodeHash(RootFromLeafHashes(leaves.subspan(0, k)), RootFromLeafHashes(leaves.subspan(k)));
}

absl::StatusOr<CompactRange> CompactRange::FromFrontier(uint64_t size, std::vector<Hash> frontier) {
  if (frontier.size() != static_cast<size_t>(std::popcount(size))) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of size ", size, " has ",
                                                   std::popcount(size), " frontier hashes, got ",
                                                   frontier.size()));
  }
  CompactRange r;
  r.size_ = size;
  r.frontier_ = std::move(frontier);
  return r;
}

absl::StatusOr<CompactRange> CompactRange::Load(const NodeReader& nodes, uint64_t size) {
  std::vector<NodeId> ids;
  RangeNodes(0, size, &ids);
  std::vector<Hash> frontier;
  frontier.reserve(ids.size());
  for (const NodeId& id : ids) {
    absl::StatusOr<Hash> h = Read(nodes, id);
    if (!h.ok()) return h.status();
    frontier.push_back(*h);
  }
  return FromFrontier(size, std::move(frontier));
}

void CompactRange::Append(
    const Hash& leaf_hash,
    const std::function<void(int level, uint64_t index, const Hash& hash)>& visit) {
  uint64_t index = size_;
  Hash hash = leaf_hash;
  if (visit) visit(0, index, hash);
  // Each trailing one bit of the old size is a perfect subtree of the same
  // level as the one just completed; merge them, lowest first.
  int level = 0;
  while ((size_ >> level) & 1) {
    hash = NodeHash(frontier_.back(), hash);
    frontier_.pop_back();
    ++level;
    index >>= 1;
    if (visit) visit(level, index, hash);
  }
  frontier_.push_back(hash);
  ++size_;
}

Hash CompactRange::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  Hash root = frontier_.back();
  for (size_t i = frontier_.size() - 1; i-- > 0;) root = NodeHash(frontier_[i], root);
  return root;
}

absl::StatusOr<Hash> RootAt(const NodeReader& nodes, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return RangeRoot(nodes, 0, size);
}

absl::StatusOr<std::vector<Hash>> InclusionProof(const NodeReader& nodes, uint64_t index,
                                                 uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof: index ", index, " is not below tree size ", size));
  }
  std::vector<Hash> proof;
  if (absl::Status s = AppendPathProof(nodes, 0, index, size, &proof); !s.ok()) return s;
  return proof;
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(const NodeReader& nodes, uint64_t size1,
                                                   uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof: need 0 < size1 <= size2, got ", size1, " and ", size2));
  }
  std::vector<Hash> proof;
  if (size1 == size2) return proof;
  // The largest perfect subtree that ends at size1 (RFC 9162 §2.1.4.1): its
  // inclusion path in the tree of size2 proves both roots. Its own hash
  // leads the proof unless it is the whole first tree, which the verifier
  // already holds as root1.
  const int level = std::countr_zero(size1);
  const uint64_t index = (size1 - 1) >> level;
  if (index != 0) {
    absl::StatusOr<Hash> seed = Read(nodes, {level, index});
    if (!seed.ok()) return seed.status();
    proof.push_back(*seed);
  }
  if (absl::Status s = AppendPathProof(nodes, level, index, size2, &proof); !s.ok()) return s;
  return proof;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion: index ", index, " is not below tree size ", size));
  }
  const auto [inner, border] = DecompInclusionProof(index, size);
  if (proof.size() != static_cast<size_t>(inner + border)) {
    return absl::InvalidArgumentError(absl::StrCat("inclusion: proof has ", proof.size(),
                                                   " hashes, want ", inner + border, " for index ",
                                                   index, " in size ", size));
  }
  Hash calculated = ChainInner(leaf_hash, proof.subspan(0, inner), index);
  calculated = ChainBorderRight(calculated, proof.subspan(inner));
  if (calculated != root) return RootMismatch("inclusion", root, calculated);
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, const Hash& root1, const Hash& root2,
                               absl::Span<const Hash> proof) {
  if (size2 < size1) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency: size2 ", size2, " is below size1 ", size1));
  }
  // The empty tree is a prefix of every tree, so such a proof shows nothing;
  // rejecting it (as the transparency-dev vectors do) keeps a caller from
  // mistaking it for a check.
  if (size1 == 0) {
    return absl::InvalidArgumentError(
        "consistency: proof from the empty tree (size1 0) is meaningless");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("consistency: size1 == size2 but proof has ",
                                                     proof.size(), " hashes, want 0"));
    }
    if (root1 != root2) {
      return absl::InvalidArgumentError(absl::StrCat("consistency: size1 == size2 but root1 ",
                                                     ToHex(root1), " differs from root2 ",
                                                     ToHex(root2)));
    }
    return absl::OkStatus();
  }
  if (proof.empty()) {
    return absl::InvalidArgumentError("consistency: empty proof for size1 < size2");
  }

  auto [inner, border] = DecompInclusionProof(size1 - 1, size2);
  const int shift = std::countr_zero(size1);
  inner -= shift;  // shift < inner because size1 < size2
  // The proof leads with the hash of the subtree of 2^shift leaves ending at
  // size1, unless that subtree is the whole first tree (root1).
  Hash seed = proof[0];
  size_t start = 1;
  if (size1 == uint64_t{1} << shift) {
    seed = root1;
    start = 0;
  }
  const size_t want = start + inner + border;
  if (proof.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("consistency: proof has ", proof.size(),
                                                   " hashes, want ", want, " for sizes ", size1,
                                                   " and ", size2));
  }
  const absl::Span<const Hash> path = proof.subspan(start);
  const uint64_t mask = (size1 - 1) >> shift;

  Hash hash1 = ChainInnerRight(seed, path.subspan(0, inner), mask);
  hash1 = ChainBorderRight(hash1, path.subspan(inner));
  if (hash1 != root1) return RootMismatch("consistency: first tree", root1, hash1);
  Hash hash2 = ChainInner(seed, path.subspan(0, inner), mask);
  hash2 = ChainBorderRight(hash2, path.subspan(inner));
  if (hash2 != root2) return RootMismatch("consistency: second tree", root2, hash2);
  return absl::OkStatus();
}

}  // namespace merkle
