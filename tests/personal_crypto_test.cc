// personal/personal_crypto.h: the formulas pinned by golden bytes (computed
// independently, tests/testdata/personal/golden.txt), sealing, subject ids.
#include "personal/personal_crypto.h"

#include <openssl/hmac.h>

#include <map>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"

namespace personal {
namespace {

std::string Hex(const Digest& d) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

Key KeyFrom(uint8_t first) {
  Key k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(first + i);
  return k;
}

std::map<std::string, std::string> Golden() {
  std::istringstream in(testing_support::ReadFileOrDie(testing_support::SourceDir() +
                                                       "/tests/testdata/personal/golden.txt"));
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

constexpr char kEvent[] = "sha256:0f1e2d3c";
constexpr char kPath[] = "arrest.suspect.name";
constexpr char kValue[] = "Zhang Wei 张伟";

TEST(PersonalCryptoTest, OpeningAndCommitmentMatchGoldenBytes) {
  const std::map<std::string, std::string> golden = Golden();
  ASSERT_EQ(golden.size(), 4u);
  const Digest opening = Opening(KeyFrom(0), kEvent, kPath);
  EXPECT_EQ(Hex(opening), golden.at("opening"));
  EXPECT_EQ(Hex(Commitment(opening, kPath, kValue)), golden.at("commitment"));
  EXPECT_EQ(Hex(LookupKey(KeyFrom(32), "cn-张伟-01")), golden.at("lookup"));
}

TEST(PersonalCryptoTest, OurHmacAgreesWithOpenSsl) {
  // The HMAC is built on SHA256_*; compare with OpenSSL's HMAC() on inputs
  // of many lengths (across the 64-byte block boundary).
  const Key key = KeyFrom(7);
  for (size_t n = 0; n < 200; n += 13) {
    const std::string agency(n, 'x');
    const std::string msg = "enforcement-ledger/lookup/v1" + agency;
    unsigned char expect[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), key.size(), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), expect, &len);
    ASSERT_EQ(len, 32u);
    const Digest got = LookupKey(key, agency);
    EXPECT_EQ(0, memcmp(got.data(), expect, 32)) << n;
  }
}

TEST(PersonalCryptoTest, CommitmentDiffersForOtherValueOrPath) {
  const Digest opening = Opening(KeyFrom(0), kEvent, kPath);
  const Digest c = Commitment(opening, kPath, kValue);
  EXPECT_NE(c, Commitment(opening, kPath, "Zhang Wei 张伟 "));
  EXPECT_NE(c, Commitment(opening, "sentencing.suspect_name", kValue));
  // The length prefixes: moving a byte between path and value changes it.
  EXPECT_NE(Commitment(opening, "ab", "c"), Commitment(opening, "a", "bc"));
  // Another opening (other key, event or path) gives another commitment.
  EXPECT_NE(c, Commitment(Opening(KeyFrom(1), kEvent, kPath), kPath, kValue));
  EXPECT_NE(c, Commitment(Opening(KeyFrom(0), "sha256:other", kPath), kPath, kValue));
  EXPECT_NE(Opening(KeyFrom(0), "ab", "c"), Opening(KeyFrom(0), "a", "bc"));
  // Deterministic.
  EXPECT_EQ(c, Commitment(Opening(KeyFrom(0), kEvent, kPath), kPath, kValue));
}

TEST(PersonalCryptoTest, SealUnsealRoundTrip) {
  const Key key = KeyFrom(3);
  const std::string aad = SealAad("sub_00112233445566778899aabbccddeeff", kEvent, kPath);
  for (const std::string& plain : {std::string(), std::string(kValue), std::string(5000, 'z')}) {
    absl::StatusOr<std::string> sealed = Seal(key, aad, plain);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), 12 + plain.size() + 16);
    if (!plain.empty()) {
      EXPECT_EQ(sealed->find(plain), std::string::npos);
    }
    absl::StatusOr<std::string> back = Unseal(key, aad, *sealed);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, plain);
  }
  // A fresh nonce each time.
  EXPECT_NE(*Seal(key, aad, kValue), *Seal(key, aad, kValue));
}

TEST(PersonalCryptoTest, UnsealRefusesWrongAad) {
  const Key key = KeyFrom(3);
  const std::string aad = SealAad("sub_00112233445566778899aabbccddeeff", kEvent, kPath);
  absl::StatusOr<std::string> sealed = Seal(key, aad, kValue);
  ASSERT_TRUE(sealed.ok());
  const std::string other = SealAad("sub_00112233445566778899aabbccddeeff", kEvent,
                                    "sentencing.suspect_name");
  EXPECT_EQ(Unseal(key, other, *sealed).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Unseal(KeyFrom(4), aad, *sealed).status().code(), absl::StatusCode::kDataLoss);
}

TEST(PersonalCryptoTest, UnsealRefusesTamperedBytes) {
  const Key key = KeyFrom(3);
  const std::string aad = SealAad("sub_00112233445566778899aabbccddeeff", kEvent, kPath);
  absl::StatusOr<std::string> sealed = Seal(key, aad, kValue);
  ASSERT_TRUE(sealed.ok());
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] ^= 0x01;
    EXPECT_EQ(Unseal(key, aad, bad).status().code(), absl::StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(Unseal(key, aad, sealed->substr(0, sealed->size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Unseal(key, aad, "short").status().code(), absl::StatusCode::kDataLoss);
}

TEST(PersonalCryptoTest, SealAadIsLengthPrefixed) {
  EXPECT_EQ(SealAad("a", "bc", ""), std::string("\0\0\0\1a\0\0\0\2bc\0\0\0\0", 15));
}

TEST(PersonalCryptoTest, IsSubjectIdAcceptsOnlyTheShape) {
  absl::StatusOr<std::string> id = NewSubjectId();
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(IsSubjectId(*id));
  EXPECT_NE(*id, *NewSubjectId());
  EXPECT_TRUE(IsSubjectId("sub_0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsSubjectId("sub_0123456789ABCDEF0123456789abcdef"));  // upper case
  EXPECT_FALSE(IsSubjectId("sub_0123456789abcdef0123456789abcde"));   // 31 digits
  EXPECT_FALSE(IsSubjectId("sub_0123456789abcdef0123456789abcdef0"));  // 33 digits
  EXPECT_FALSE(IsSubjectId("sbj_0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsSubjectId("sub_0123456789abcdef0123456789abcdeg"));
  EXPECT_FALSE(IsSubjectId(""));
  EXPECT_FALSE(IsSubjectId("cn-张伟-01"));
}

TEST(PersonalCryptoTest, NewKeysDiffer) {
  absl::StatusOr<Key> a = NewKey();
  absl::StatusOr<Key> b = NewKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace personal
