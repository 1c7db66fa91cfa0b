// The cryptography of format 2's personal data (docs/PERSONAL_DATA.md):
// subject ids, keys, openings, commitments, lookup keys and sealed values.
// Pure functions over OpenSSL; no storage. Thread-safe.
#ifndef ENFORCEMENT_PERSONAL_PERSONAL_CRYPTO_H_
#define ENFORCEMENT_PERSONAL_PERSONAL_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace personal {

inline constexpr size_t kKeyBytes = 32;
using Key = std::array<uint8_t, kKeyBytes>;      // a subject key or the ledger secret
using Digest = std::array<uint8_t, 32>;          // an opening, a commitment, a lookup key

inline constexpr char kSubjectIdPrefix[] = "sub_";
inline constexpr size_t kSubjectIdHexDigits = 32;

// 32 bytes from OpenSSL's RAND_bytes. kInternal if the generator fails.
absl::StatusOr<Key> NewKey();
// "sub_" + 32 lowercase hex digits from 16 random bytes.
absl::StatusOr<std::string> NewSubjectId();
// True for "sub_" + exactly 32 lowercase hex digits.
bool IsSubjectId(absl::string_view s);

// HMAC(subject key, "enforcement-ledger/opening/v1" ‖ u32be ‖ event_id ‖ u32be ‖ field_path).
Digest Opening(const Key& subject_key, absl::string_view event_id, absl::string_view field_path);
// HMAC(opening, "enforcement-ledger/commitment/v1" ‖ u32be ‖ field_path ‖ u32be ‖ value).
Digest Commitment(const Digest& opening, absl::string_view field_path, absl::string_view value);
// HMAC(ledger secret, "enforcement-ledger/lookup/v1" ‖ agency_id).
Digest LookupKey(const Key& ledger_secret, absl::string_view agency_id);

// AES-256-GCM under HMAC(subject key, "enforcement-ledger/seal/v1"), a random
// 12-byte nonce, `aad` as associated data. Output: nonce ‖ ciphertext ‖ 16-byte tag.
absl::StatusOr<std::string> Seal(const Key& subject_key, absl::string_view aad,
                                 absl::string_view plaintext);
// The inverse; kDataLoss when the tag does not verify (wrong key, aad or bytes).
absl::StatusOr<std::string> Unseal(const Key& subject_key, absl::string_view aad,
                                   absl::string_view sealed);
// The associated data of a sealed value: u32be-length-prefixed subject id,
// event id and field path.
std::string SealAad(absl::string_view subject_id, absl::string_view event_id,
                    absl::string_view field_path);

}  // namespace personal

#endif  // ENFORCEMENT_PERSONAL_PERSONAL_CRYPTO_H_
