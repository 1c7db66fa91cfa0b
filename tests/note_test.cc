// checkpoints/note.h against the golden keys and notes of Go's
// golang.org/x/mod/sumdb/note (tests/testdata/note/README.md), plus the
// malformed inputs Go's own note_test.go refuses.
#include "checkpoints/note.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return testing_support::ReadFileOrDie(testing_support::SourceDir() + "/tests/testdata/note/" +
                                        name);
}
// A one-line key file without its newline.
std::string KeyFixture(const std::string& name) {
  return std::string(absl::StripSuffix(Fixture(name), "\n"));
}

const char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const char kPeterSig[] =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const char kEnochSig[] =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

class NoteGoldenTest : public testing::Test {
 protected:
  void SetUp() override {
    auto peter = NoteVerifier::Parse(KeyFixture("peter_neumann.verifier"));
    ASSERT_TRUE(peter.ok()) << peter.status();
    auto enoch = NoteVerifier::Parse(KeyFixture("enoch_root.verifier"));
    ASSERT_TRUE(enoch.ok()) << enoch.status();
    peter_.push_back(*peter);
    enoch_.push_back(*enoch);
    both_ = {*peter, *enoch};
  }
  std::vector<NoteVerifier> peter_, enoch_, both_;
};

TEST_F(NoteGoldenTest, FixturesAreGosExample) {
  EXPECT_EQ(Fixture("peter_neumann.note"), absl::StrCat(kText, "\n", kPeterSig));
  EXPECT_EQ(Fixture("peter_and_enoch.note"), absl::StrCat(kText, "\n", kPeterSig, kEnochSig));
}

TEST_F(NoteGoldenTest, VerifierKeyParsesToGosNameAndHash) {
  EXPECT_EQ(peter_[0].name(), "PeterNeumann");
  EXPECT_EQ(peter_[0].key_hash(), 0xc74f20a3u);
  EXPECT_EQ(peter_[0].ToString(), KeyFixture("peter_neumann.verifier"));
  EXPECT_EQ(enoch_[0].key_hash(), 0xaf0cfe78u);
  // The key hash is SHA-256(name || "\n" || 0x01 || public key)[:4], big-endian.
  EXPECT_EQ(NoteKeyHash("PeterNeumann", std::string(1, '\x01') + peter_[0].public_key()),
            0xc74f20a3u);
}

TEST_F(NoteGoldenTest, SignerKeyDerivesGosVerifierKey) {
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_hash(), 0xc74f20a3u);
  EXPECT_EQ(signer->Verifier().ToString(), KeyFixture("peter_neumann.verifier"));
  EXPECT_EQ(signer->ToString(), KeyFixture("peter_neumann.signer"));
}

TEST_F(NoteGoldenTest, SignReproducesGosSignedNoteByteForByte) {
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto msg = SignNote(kText, *signer);
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(*msg, Fixture("peter_neumann.note"));
}

TEST_F(NoteGoldenTest, SignReplacesAnExistingSignatureBySameKey) {
  // Go's TestSign: a stale signature by the same name and hash is dropped.
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok());
  Note n;
  n.text = kText;
  n.sigs.push_back({"PeterNeumann", 0xc74f20a3, "BADSIGN="});
  auto msg = SignNote(n, absl::MakeConstSpan(&*signer, 1));
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(*msg, Fixture("peter_neumann.note"));
}

TEST_F(NoteGoldenTest, SignKeepsOtherSignaturesBeforeTheNewOnes) {
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok());
  auto opened = OpenNote(Fixture("peter_and_enoch.note"), enoch_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto msg = SignNote(*opened, absl::MakeConstSpan(&*signer, 1));
  ASSERT_TRUE(msg.ok()) << msg.status();
  EXPECT_EQ(*msg, absl::StrCat(kText, "\n", kEnochSig, kPeterSig));
}

TEST_F(NoteGoldenTest, SignRefusesBadTextAndBadExistingSignatures) {
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok());
  auto no_newline = SignNote("abc", *signer);
  EXPECT_EQ(no_newline.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_newline.status().message()), HasSubstr("malformed note"));
  EXPECT_FALSE(SignNote("a\rb\n", *signer).ok());  // control character: Open would refuse
  Note bad_name;
  bad_name.text = kText;
  bad_name.sigs.push_back({"a+b", 0, "ABCD"});
  EXPECT_FALSE(SignNote(bad_name, {}).ok());
  Note bad_hash;
  bad_hash.text = kText;
  bad_hash.sigs.push_back({"PeterNeumann", 0xc74f20a3, "BADHASH="});
  EXPECT_THAT(std::string(SignNote(bad_hash, {}).status().message()), HasSubstr("key hash"));
}

TEST_F(NoteGoldenTest, OpenAcceptsGosNoteWithItsVerifier) {
  auto n = OpenNote(Fixture("peter_neumann.note"), peter_);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->text, kText);
  ASSERT_EQ(n->sigs.size(), 1u);
  EXPECT_EQ(n->sigs[0].name, "PeterNeumann");
  EXPECT_EQ(n->sigs[0].key_hash, 0xc74f20a3u);
  EXPECT_TRUE(n->unverified_sigs.empty());
}

TEST_F(NoteGoldenTest, OpenRejectsGosNoteWithAnotherKey) {
  auto n = OpenNote(Fixture("peter_neumann.note"), enoch_);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("no verifiable signatures"));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("PeterNeumann+c74f20a3"));
  EXPECT_EQ(OpenNote(Fixture("peter_neumann.note"), {}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(NoteGoldenTest, OpenRejectsGosNoteWhenAnyByteChanges) {
  const std::string good = Fixture("peter_neumann.note");
  for (size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char bit : {0x01, 0x20}) {
      std::string bad = good;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ bit);
      auto n = OpenNote(bad, peter_);
      EXPECT_FALSE(n.ok()) << "byte " << i << " ^ " << int{bit} << " accepted";
    }
  }
}

TEST_F(NoteGoldenTest, OpenWithBothKeysVerifiesBoth) {
  auto n = OpenNote(Fixture("peter_and_enoch.note"), both_);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(n->sigs.size(), 2u);
  EXPECT_EQ(n->sigs[0].name, "PeterNeumann");
  EXPECT_EQ(n->sigs[1].name, "EnochRoot");
  EXPECT_TRUE(n->unverified_sigs.empty());
}

TEST_F(NoteGoldenTest, OpenKeepsSignaturesByUnknownKeysUnverified) {
  auto n = OpenNote(Fixture("peter_and_enoch.note"), peter_);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(n->sigs.size(), 1u);
  ASSERT_EQ(n->unverified_sigs.size(), 1u);
  EXPECT_EQ(n->unverified_sigs[0].name, "EnochRoot");
  EXPECT_EQ(n->unverified_sigs[0].key_hash, 0xaf0cfe78u);
}

TEST_F(NoteGoldenTest, OpenRejectsABadSignatureByAKnownKey) {
  std::string sig = kPeterSig;
  sig.insert(60, "ABCD");  // as Go's TestOpen
  auto n = OpenNote(absl::StrCat(kText, "\n", sig), peter_);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(n.status().message(), "invalid signature for key PeterNeumann+c74f20a3");
}

TEST_F(NoteGoldenTest, OpenReportsRepeatedSignaturesOnce) {
  std::string enoch_bad = kEnochSig;
  enoch_bad.insert(60, "ABCD");
  auto n = OpenNote(
      absl::StrCat(kText, "\n", kPeterSig, kPeterSig, kEnochSig, kEnochSig, enoch_bad), peter_);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->sigs.size(), 1u);
  EXPECT_EQ(n->unverified_sigs.size(), 2u);  // enoch, and the altered enoch line
}

TEST_F(NoteGoldenTest, OpenRefusesAmbiguousVerifiersOnlyWhenNeeded) {
  const std::vector<NoteVerifier> dup = {enoch_[0], peter_[0], enoch_[0]};
  auto n = OpenNote(absl::StrCat(kText, "\n", kEnochSig), dup);
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("ambiguous key EnochRoot+af0cfe78"));
  EXPECT_TRUE(OpenNote(absl::StrCat(kText, "\n", kPeterSig), dup).ok());
}

TEST_F(NoteGoldenTest, OpenRefusesTooManySignatures) {
  std::string msg = absl::StrCat(kText, "\n");
  for (int i = 0; i < kMaxNoteSignatures + 1; ++i) msg += kPeterSig;
  auto n = OpenNote(msg, peter_);
  EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(n.status().message()), HasSubstr("more than 100 signatures"));
}

TEST_F(NoteGoldenTest, OpenRefusesGosMalformedMessages) {
  const std::string text = kText, sig = kPeterSig;
  const std::vector<std::string> bad = {
      text,
      text + "\n",
      text + "\n" + sig.substr(0, sig.size() - 1),
      "\x01" + text + "\n" + sig,
      "\xff" + text + "\n" + sig,
      text + "\n" + "\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      text + "\n" + sig + "Unexpected line.\n",
      // and a few of our own
      text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      text + "\n" + "\xE2\x80\x94 PeterNeumann\n",
      text + "\n" + "\xE2\x80\x94 PeterNeumann AAAA\n",                // fewer than 5 bytes
      text + "\n" + "\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG\n",  // not padded
      text + "\n" + "\xE2\x80\x94  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      "a\r\n\n" + sig,
      "\xC0\xAF\n\n" + sig,  // overlong '/'
      "\xED\xA0\x80\n\n" + sig,  // surrogate
  };
  for (const std::string& msg : bad) {
    auto n = OpenNote(msg, peter_);
    EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument) << msg;
    EXPECT_THAT(std::string(n.status().message()), HasSubstr("malformed note")) << msg;
  }
}

TEST_F(NoteGoldenTest, TextMayHoldBlankLines) {
  auto signer = NoteSigner::Parse(KeyFixture("peter_neumann.signer"));
  ASSERT_TRUE(signer.ok());
  for (const std::string text : {"a\n\nb\n", "a\n\n", "\n", "\n\n\n"}) {
    auto msg = SignNote(text, *signer);
    ASSERT_TRUE(msg.ok()) << msg.status();
    auto n = OpenNote(*msg, peter_);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n->text, text);
  }
}

// Go's TestNewVerifier / TestNewSigner: every proper substring and every
// single-byte change of a good key is refused.
TEST(NoteKeyTest, EveryManglingOfGosVerifierKeyIsRefused) {
  const std::string vkey = KeyFixture("peter_neumann.verifier");
  ASSERT_TRUE(NoteVerifier::Parse(vkey).ok());
  for (size_t i = 0; i <= vkey.size(); ++i) {
    for (size_t j = i + 1; j <= vkey.size(); ++j) {
      if (i == 0 && j == vkey.size()) continue;
      EXPECT_FALSE(NoteVerifier::Parse(vkey.substr(i, j - i)).ok()) << vkey.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string b = vkey;
    ++b[i];
    EXPECT_FALSE(NoteVerifier::Parse(b).ok()) << b;
  }
}

TEST(NoteKeyTest, EveryManglingOfGosSignerKeyIsRefused) {
  const std::string skey = KeyFixture("peter_neumann.signer");
  ASSERT_TRUE(NoteSigner::Parse(skey).ok());
  for (size_t i = 0; i <= skey.size(); ++i) {
    for (size_t j = i + 1; j <= skey.size(); ++j) {
      if (i == 0 && j == skey.size()) continue;
      EXPECT_FALSE(NoteSigner::Parse(skey.substr(i, j - i)).ok()) << skey.substr(i, j - i);
    }
  }
  for (size_t i = 0; i < skey.size(); ++i) {
    std::string b = skey;
    ++b[i];
    EXPECT_FALSE(NoteSigner::Parse(b).ok()) << b;
  }
}

TEST(NoteKeyTest, MalformedKeysAreRefusedWithTheReason) {
  struct Case {
    std::string key;
    std::string why;
  };
  const std::vector<Case> cases = {
      // Go's: wrong key length and unknown algorithm, each with a matching
      // hash. Go refuses the first for its length; its base64 has stray bits
      // in the last quantum ("EY=="), which we already refuse.
      {"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "base64"},
      {"PeterNeumann+a3fe51bc+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=", "31 bytes"},
      {"PeterNeumann+5bdbe860+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", "33 bytes"},
      {"PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "algorithm byte 0x65"},
      {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
       "private signer key"},
      {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "name"},
      {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "name"},
      {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"},
      {"PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"},
      {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"},
      {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"},
      {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", "does not match"},
      {"PeterNeumann+a3fe51bc+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10R=", "base64"},  // stray bits
      {"PeterNeumann+a3fe51bc+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q", "base64"},  // no padding
      {"PeterNeumann+c74f20a3", "base64"},
      {"", "name"},
  };
  for (const Case& c : cases) {
    auto v = NoteVerifier::Parse(c.key);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << c.key;
    EXPECT_THAT(std::string(v.status().message()), HasSubstr(c.why)) << c.key;
  }
  auto s = NoteSigner::Parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("PRIVATE+KEY+"));
  // A signer key whose hash is not that of the derived public key.
  s = NoteSigner::Parse("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("does not match"));
  s = NoteSigner::Parse("PRIVATE+KEY+PeterNeuman+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("does not match"));
}

TEST(NoteKeyTest, HashDigitsMayBeUpperCaseAsInGo) {
  // Go parses the hash with strconv.ParseUint(s, 16, 32); we print lower case.
  auto v = NoteVerifier::Parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->ToString(), KeyFixture("peter_neumann.verifier"));
}

TEST(NoteKeyTest, KeyNamesFollowGosRules) {
  for (const std::string good : {"a", "example.org/ledger", "PeterNeumann", "\xC3\xA9t\xC3\xA9",
                                 "x-y_z:1/2"}) {
    EXPECT_TRUE(IsValidNoteKeyName(good)) << good;
  }
  for (const std::string bad :
       {"", "a+b", "a b", "a\tb", "a\nb", "a\xC2\xA0" "b" /* NBSP */, "a\xE2\x80\x83" "b" /* EM SPACE */,
        "a\xE3\x80\x80" "b" /* IDEOGRAPHIC SPACE */, "a\xC2\x85" "b" /* NEL */, "\xff", "a\xC3"}) {
    EXPECT_FALSE(IsValidNoteKeyName(bad)) << bad;
  }
}

TEST(NoteKeyTest, GeneratedKeysSignAndVerify) {
  auto pair = GenerateNoteKey("enforcement-ledger.example/log");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_THAT(pair->signer_key, testing::StartsWith("PRIVATE+KEY+enforcement-ledger.example/log+"));
  auto signer = NoteSigner::Parse(pair->signer_key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto verifier = NoteVerifier::Parse(pair->verifier_key);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(signer->Verifier().ToString(), pair->verifier_key);
  EXPECT_EQ(signer->key_hash(), verifier->key_hash());

  auto msg = SignNote("hello\n", *signer);
  ASSERT_TRUE(msg.ok()) << msg.status();
  std::vector<NoteVerifier> known = {*verifier};
  auto n = OpenNote(*msg, known);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->text, "hello\n");

  auto sig = signer->Sign("hi");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(verifier->Verify("hi", *sig));
  EXPECT_FALSE(verifier->Verify("hj", *sig));
  std::string bad = *sig;
  bad[0] ^= 1;
  EXPECT_FALSE(verifier->Verify("hi", bad));
  EXPECT_FALSE(verifier->Verify("hi", sig->substr(0, 63)));

  // A second key of the same name does not verify the first one's note.
  auto other = GenerateNoteKey("enforcement-ledger.example/log");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->verifier_key, pair->verifier_key);
  std::vector<NoteVerifier> wrong = {*NoteVerifier::Parse(other->verifier_key)};
  EXPECT_EQ(OpenNote(*msg, wrong).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(NoteKeyTest, GenerateRefusesBadNames) {
  for (const std::string bad : {"", "a+b", "a b", "\xff"}) {
    EXPECT_EQ(GenerateNoteKey(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NoteKeyTest, VerifierFromRawPublicKeyMatchesParsedKey) {
  auto parsed = NoteVerifier::Parse(KeyFixture("peter_neumann.verifier"));
  ASSERT_TRUE(parsed.ok());
  auto raw = NoteVerifier::FromEd25519PublicKey("PeterNeumann", parsed->public_key());
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->ToString(), parsed->ToString());
  EXPECT_FALSE(NoteVerifier::FromEd25519PublicKey("PeterNeumann", "short").ok());
  EXPECT_FALSE(NoteVerifier::FromEd25519PublicKey("a b", parsed->public_key()).ok());
}

}  // namespace
}  // namespace ledger
