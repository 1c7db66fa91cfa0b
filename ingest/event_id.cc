#include "ingest/event_id.h"

#include <openssl/sha.h>

#include "ledger/record_coding.h"

namespace ingest {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof(digest));
}

std::string DeriveEventId(const enforcement::v1::Event& event) {
  std::string bytes;
  if (event.event_id().empty()) {
    ledger::SerializeEventDeterministic(event, &bytes);
  } else {
    enforcement::v1::Event copy = event;
    copy.clear_event_id();
    ledger::SerializeEventDeterministic(copy, &bytes);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(kDerivedIdPrefix) + Hex(digest, kDerivedIdHexDigits / 2);
}

bool EnsureEventId(enforcement::v1::Event* event) {
  if (!event->event_id().empty()) return false;
  event->set_event_id(DeriveEventId(*event));
  return true;
}

}  // namespace ingest
