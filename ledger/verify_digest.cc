// Keys of the multiset digests of verify (ledger/verify_digest.h).
#include "ledger/verify_digest.h"

#include <openssl/rand.h>

#include "absl/status/status.h"

namespace ledger::verify_internal {

absl::StatusOr<DigestKeys> RandomDigestKeys() {
  DigestKeys k;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&k), sizeof(k)) != 1) {
    return absl::InternalError("OpenSSL could not draw random digest keys");
  }
  return k;
}

}  // namespace ledger::verify_internal
