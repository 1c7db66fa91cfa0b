// The cryptography of format 2's personal data. See personal_crypto.h and
// docs/PERSONAL_DATA.md for the formulas.

// HMAC-SHA256 is built here on the low-level SHA256_Init/Update/Final
// (deprecated in OpenSSL 3 but allocation-free, as in merkle/merkle.cc):
// OpenSSL 3's one-shot HMAC() fetches its algorithm on every call, a few µs,
// and the importer computes two HMACs per personal field. The golden test
// checks this against OpenSSL's HMAC().
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "personal/personal_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace personal {
namespace {

constexpr char kOpeningTag[] = "enforcement-ledger/opening/v1";
constexpr char kCommitmentTag[] = "enforcement-ledger/commitment/v1";
constexpr char kLookupTag[] = "enforcement-ledger/lookup/v1";
constexpr char kSealTag[] = "enforcement-ledger/seal/v1";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kBlock = SHA256_CBLOCK;  // 64

static_assert(SHA256_DIGEST_LENGTH == 32);

// HMAC-SHA256 (RFC 2104) with a key of at most one block (all ours are 32
// bytes), fed in pieces.
class Hmac {
 public:
  explicit Hmac(const uint8_t* key, size_t key_len) {
    uint8_t pad[kBlock] = {};
    std::memcpy(pad, key, key_len);
    for (size_t i = 0; i < kBlock; ++i) pad[i] ^= 0x36;
    SHA256_Init(&inner_);
    SHA256_Update(&inner_, pad, kBlock);
    for (size_t i = 0; i < kBlock; ++i) pad[i] ^= 0x36 ^ 0x5c;
    SHA256_Init(&outer_);
    SHA256_Update(&outer_, pad, kBlock);
    OPENSSL_cleanse(pad, sizeof(pad));
  }
  ~Hmac() {
    OPENSSL_cleanse(&inner_, sizeof(inner_));
    OPENSSL_cleanse(&outer_, sizeof(outer_));
  }
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;

  void Update(absl::string_view s) { SHA256_Update(&inner_, s.data(), s.size()); }
  // u32be(len(s)) ‖ s.
  void UpdatePrefixed(absl::string_view s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    const uint8_t len[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                            static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    SHA256_Update(&inner_, len, 4);
    Update(s);
  }
  Digest Final() {
    uint8_t inner_digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(inner_digest, &inner_);
    SHA256_Update(&outer_, inner_digest, sizeof(inner_digest));
    Digest out;
    SHA256_Final(out.data(), &outer_);
    OPENSSL_cleanse(inner_digest, sizeof(inner_digest));
    return out;
  }

 private:
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// AES-256-GCM, fetched once (an implicit fetch per call costs a lookup).
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher = [] {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return c != nullptr ? c : EVP_aes_256_gcm();
  }();
  return cipher;
}

// The sealing key: HMAC(subject key, "enforcement-ledger/seal/v1").
Digest SealKey(const Key& subject_key) {
  Hmac h(subject_key.data(), subject_key.size());
  h.Update(kSealTag);
  return h.Final();
}

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CipherError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("AES-256-GCM: ", what, " failed"));
}

}  // namespace

absl::StatusOr<Key> NewKey() {
  Key k;
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    return absl::InternalError("RAND_bytes failed to produce a key");
  }
  return k;
}

absl::StatusOr<std::string> NewSubjectId() {
  uint8_t raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    return absl::InternalError("RAND_bytes failed to produce a subject id");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = kSubjectIdPrefix;
  id.reserve(id.size() + kSubjectIdHexDigits);
  for (uint8_t b : raw) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

bool IsSubjectId(absl::string_view s) {
  const size_t prefix = sizeof(kSubjectIdPrefix) - 1;
  if (s.size() != prefix + kSubjectIdHexDigits) return false;
  if (s.substr(0, prefix) != kSubjectIdPrefix) return false;
  for (char c : s.substr(prefix)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Digest Opening(const Key& subject_key, absl::string_view event_id, absl::string_view field_path) {
  Hmac h(subject_key.data(), subject_key.size());
  h.Update(kOpeningTag);
  h.UpdatePrefixed(event_id);
  h.UpdatePrefixed(field_path);
  return h.Final();
}

Digest Commitment(const Digest& opening, absl::string_view field_path, absl::string_view value) {
  Hmac h(opening.data(), opening.size());
  h.Update(kCommitmentTag);
  h.UpdatePrefixed(field_path);
  h.UpdatePrefixed(value);
  return h.Final();
}

Digest LookupKey(const Key& ledger_secret, absl::string_view agency_id) {
  Hmac h(ledger_secret.data(), ledger_secret.size());
  h.Update(kLookupTag);
  h.Update(agency_id);
  return h.Final();
}

absl::StatusOr<std::string> Seal(const Key& subject_key, absl::string_view aad,
                                 absl::string_view plaintext) {
  if (plaintext.size() > (1u << 30) || aad.size() > (1u << 30)) {
    return absl::InvalidArgumentError("a personal value to seal is larger than 1 GiB");
  }
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    return absl::InternalError("RAND_bytes failed to produce a nonce");
  }
  Digest key = SealKey(subject_key);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex2(ctx.get(), Aes256Gcm(), key.data(), nonce, nullptr) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) return CipherError("encryption setup");
  unsigned char* ct = nonce + kNonceBytes;
  if (EVP_EncryptUpdate(ctx.get(), ct, &len, U(plaintext), static_cast<int>(plaintext.size())) !=
          1 ||
      static_cast<size_t>(len) != plaintext.size()) {
    return CipherError("encryption");
  }
  int tail = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), ct + len, &tail) != 1 || tail != 0) {
    return CipherError("encryption final");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ct + plaintext.size()) != 1) {
    return CipherError("reading the tag");
  }
  return out;
}

absl::StatusOr<std::string> Unseal(const Key& subject_key, absl::string_view aad,
                                   absl::string_view sealed) {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError(absl::StrCat("a sealed value of ", sealed.size(),
                                            " bytes is shorter than its nonce and tag (28)"));
  }
  const size_t n = sealed.size() - kNonceBytes - kTagBytes;
  Digest key = SealKey(subject_key);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex2(ctx.get(), Aes256Gcm(), key.data(), U(sealed), nullptr) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) return CipherError("decryption setup");
  std::string plain(n, '\0');
  unsigned char* pt = reinterpret_cast<unsigned char*>(plain.data());
  if (EVP_DecryptUpdate(ctx.get(), pt, &len, U(sealed) + kNonceBytes, static_cast<int>(n)) != 1) {
    return CipherError("decryption");
  }
  unsigned char tag[kTagBytes];
  std::memcpy(tag, sealed.data() + kNonceBytes + n, kTagBytes);
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1) {
    return CipherError("setting the tag");
  }
  int tail = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), pt + len, &tail) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return absl::DataLossError(
        "a sealed personal value does not verify (wrong key, associated data or damaged bytes)");
  }
  return plain;
}

std::string SealAad(absl::string_view subject_id, absl::string_view event_id,
                    absl::string_view field_path) {
  std::string out;
  out.reserve(12 + subject_id.size() + event_id.size() + field_path.size());
  for (absl::string_view part : {subject_id, event_id, field_path}) {
    const uint32_t n = static_cast<uint32_t>(part.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
    out.append(part.data(), part.size());
  }
  return out;
}

}  // namespace personal
