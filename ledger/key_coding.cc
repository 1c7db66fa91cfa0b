#include "ledger/key_coding.h"

#include <cstring>

namespace ledger {

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string RecordKey(uint64_t position) {
  std::string k;
  k.reserve(8);
  PutFixed64BE(&k, position);
  return k;
}

std::string StreamKey(absl::string_view stream, uint64_t version) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream.data(), stream.size());
  k.push_back('\0');
  PutFixed64BE(&k, version);
  return k;
}

std::string StreamKeyEnd(absl::string_view stream) {
  std::string k(stream);
  k.push_back('\x01');
  return k;
}

bool ParseStreamKey(absl::string_view key, absl::string_view* stream, uint64_t* version) {
  if (key.size() < 10 || key[key.size() - 9] != '\0') return false;
  *stream = key.substr(0, key.size() - 9);
  *version = DecodeFixed64BE(key.data() + key.size() - 8);
  return true;
}

std::string MerkleKey(int level, uint64_t index) {
  std::string k;
  k.reserve(9);
  k.push_back(static_cast<char>(level));
  PutFixed64BE(&k, index);
  return k;
}

bool ParseMerkleKey(absl::string_view key, int* level, uint64_t* index) {
  if (key.size() != 9) return false;
  *level = static_cast<uint8_t>(key[0]);
  *index = DecodeFixed64BE(key.data() + 1);
  return true;
}

std::string EncodeHead(const HeadValue& head) {
  std::string v;
  v.reserve(48);
  PutFixed64BE(&v, head.tree_size);
  v.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
  PutFixed64BE(&v, static_cast<uint64_t>(head.last_recorded_at_nanos));
  return v;
}

std::optional<HeadValue> DecodeHead(absl::string_view value) {
  if (value.size() != 48) return std::nullopt;
  HeadValue h;
  h.tree_size = DecodeFixed64BE(value.data());
  std::memcpy(h.root.data(), value.data() + 8, 32);
  h.last_recorded_at_nanos = static_cast<int64_t>(DecodeFixed64BE(value.data() + 40));
  return h;
}

}  // namespace ledger
