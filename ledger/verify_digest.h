// The multiset digests of Ledger::Verify (ledger/verify.cc): order-
// independent digests of sets of (key, value) entries, so that what a family
// stores can be compared with what the records imply without sorting.
//
// MultisetDigest is the fast pass's: the lane-wise sums of two independently
// keyed 64-bit hashes (a wyhash-style multiply-mix), with keys drawn from the
// OS's CSPRNG for every run (RandomDigestKeys). Not a cryptographic hash; the
// top of ledger/verify.cc says why it need not be one. Sha256SetDigest is the
// lookup pass's, with SHA-256.
//
// Internal to ledger/ (verify only). A digest is not thread-safe: one per
// thread.
#ifndef ENFORCEMENT_LEDGER_VERIFY_DIGEST_H_
#define ENFORCEMENT_LEDGER_VERIFY_DIGEST_H_

#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ledger::verify_internal {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// The 128-bit product of a and b, folded to 64 bits.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A keyed 64-bit hash in the shape of wyhash (final version): 16 bytes per
// multiply, the length folded in. Not a cryptographic hash; see the top of
// ledger/verify.cc for why it does not need to be one.
struct HashKey {
  uint64_t seed, s0, s1;
};
inline uint64_t KeyedHash(const HashKey& k, const char* p, size_t len) {
  uint64_t seed = k.seed ^ Mix(k.seed ^ k.s0, k.s1);
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      a = (Load32(p) << 32) | Load32(p + ((len >> 3) << 2));
      b = (Load32(p + len - 4) << 32) | Load32(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
          (static_cast<uint64_t>(static_cast<uint8_t>(p[len >> 1])) << 8) |
          static_cast<uint8_t>(p[len - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    while (i > 16) {
      seed = Mix(Load64(p) ^ k.s1, Load64(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = Load64(p + i - 16);
    b = Load64(p + i - 8);
  }
  a ^= k.s1;
  b ^= seed;
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  a = static_cast<uint64_t>(r);
  b = static_cast<uint64_t>(r >> 64);
  return Mix(a ^ k.s0 ^ len, b ^ k.s1);
}

// Keys of the two lanes, fresh for every verification.
struct DigestKeys {
  HashKey lane[2];
};
absl::StatusOr<DigestKeys> RandomDigestKeys();

// A multiset of (key, value) entries, order-independent: the lane-wise sum
// (mod 2^64) of each entry's two keyed hashes, and the count. An entry is
// hashed as length(key) (8 bytes) || key || value: unambiguous framing.
class MultisetDigest {
 public:
  explicit MultisetDigest(const DigestKeys& keys) : keys_(keys) {}
  void Add(absl::string_view key, absl::string_view value) {
    scratch_.clear();
    const uint64_t klen = key.size();
    scratch_.append(reinterpret_cast<const char*>(&klen), sizeof(klen));
    scratch_.append(key.data(), key.size());
    scratch_.append(value.data(), value.size());
    for (int i = 0; i < 2; ++i) {
      sums_[i] += KeyedHash(keys_.lane[i], scratch_.data(), scratch_.size());
    }
    ++count_;
  }
  bool operator==(const MultisetDigest& o) const { return sums_ == o.sums_ && count_ == o.count_; }
  uint64_t count() const { return count_; }

 private:
  DigestKeys keys_;
  std::array<uint64_t, 2> sums_{};
  uint64_t count_ = 0;
  std::string scratch_;
};

// A multiset digest with SHA-256, as the lookup pass has always used: the
// lane-wise sum (mod 2^64) of SHA-256 of each entry.
class Sha256SetDigest {
 public:
  void Add(absl::string_view key, absl::string_view value) {
    buf_.clear();
    const uint64_t klen = key.size();
    buf_.append(reinterpret_cast<const char*>(&klen), sizeof(klen));
    buf_.append(key.data(), key.size());
    buf_.append(value.data(), value.size());
    uint8_t h[32];
    SHA256(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size(), h);
    for (int i = 0; i < 4; ++i) {
      uint64_t lane;
      std::memcpy(&lane, h + 8 * i, 8);
      lanes_[i] += lane;
    }
    ++count_;
  }
  bool operator==(const Sha256SetDigest& o) const {
    return lanes_ == o.lanes_ && count_ == o.count_;
  }

 private:
  std::array<uint64_t, 4> lanes_{};
  uint64_t count_ = 0;
  std::string buf_;
};

}  // namespace ledger::verify_internal

#endif  // ENFORCEMENT_LEDGER_VERIFY_DIGEST_H_
