// KeyLayoutsAgree (ledger/verify_internal.h).
#include <string>

#include "ledger/key_coding.h"
#include "ledger/verify_internal.h"

namespace ledger::verify_internal {

bool KeyLayoutsAgree() {
  std::string m;
  m.push_back(static_cast<char>(7));
  PutFixed64BE(&m, 0x0102030405060708ull);
  std::string s = "a/b";
  s.push_back('\0');
  PutFixed64BE(&s, 42);
  std::string p;
  PutFixed64BE(&p, 9);
  return m == MerkleKey(7, 0x0102030405060708ull) && s == StreamKey("a/b", 42) && p == RecordKey(9);
}

}  // namespace ledger::verify_internal
