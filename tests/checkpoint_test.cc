// checkpoints/checkpoint.h: the C2SP tlog-checkpoint body, strictly parsed, and
// signed/verified as a note.
#include "checkpoints/checkpoint.h"

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

// The example body of c2sp.org/tlog-checkpoint.
const char kC2spBody[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

std::string NoteFixture(const std::string& name) {
  return testing_support::ReadFileOrDie(testing_support::SourceDir() + "/tests/testdata/note/" +
                                        name);
}
NoteSigner PeterSigner() {
  return *NoteSigner::Parse(absl::StripSuffix(NoteFixture("peter_neumann.signer"), "\n"));
}
NoteVerifier PeterVerifier() {
  return *NoteVerifier::Parse(absl::StripSuffix(NoteFixture("peter_neumann.verifier"), "\n"));
}

Checkpoint C2spExample() {
  Checkpoint c;
  c.origin = "example.com/behind-the-sofa";
  c.size = 20852163;
  c.root = *merkle::FromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  return c;
}

TEST(CheckpointTest, FormatWritesTheC2spLayout) {
  auto text = FormatCheckpoint(C2spExample());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kC2spBody);
}

TEST(CheckpointTest, ParseReadsTheC2spExample) {
  auto c = ParseCheckpoint(kC2spBody);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, C2spExample());
}

TEST(CheckpointTest, ExtensionLinesRoundTrip) {
  Checkpoint c = C2spExample();
  c.extensions = {"extra one", "— two"};
  auto text = FormatCheckpoint(c);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, absl::StrCat(kC2spBody, "extra one\n— two\n"));
  auto back = ParseCheckpoint(*text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, c);
}

TEST(CheckpointTest, SizeZeroAndLargestSizeParse) {
  const std::string root = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
  auto zero = ParseCheckpoint("o\n0\n" + root);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->size, 0u);
  EXPECT_EQ(zero->root, merkle::EmptyRoot());
  auto max = ParseCheckpoint("o\n18446744073709551615\n" + root);
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->size, ~uint64_t{0});
}

TEST(CheckpointTest, ParseRefusesEveryMalformedBody) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  struct Case {
    std::string text;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"o\n1\n" + root, "newline"},
      {"o\n1\n", "line(s)"},
      {"", "newline"},
      {"\n1\n" + root + "\n", "origin"},
      {"o\n01\n" + root + "\n", "tree size"},
      {"o\n-1\n" + root + "\n", "tree size"},
      {"o\n+1\n" + root + "\n", "tree size"},
      {"o\n 1\n" + root + "\n", "tree size"},
      {"o\n1 \n" + root + "\n", "tree size"},
      {"o\n\n" + root + "\n", "tree size"},
      {"o\n0x10\n" + root + "\n", "tree size"},
      {"o\n18446744073709551616\n" + root + "\n", "tree size"},
      {"o\n99999999999999999999\n" + root + "\n", "tree size"},
      {"o\n1\n" + root.substr(0, 43) + "\n", "root hash"},                // no padding
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root hash"},  // stray bits
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n", "root hash"},    // 30 bytes
      {"o\n1\n0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62\n", "root hash"},
      {"o\n1\n" + root + "\n\n", "line 4 (extension) is empty"},
      {"o\n1\n" + root + "\nx\n\ny\n", "line 5 (extension) is empty"},
      {"o\r\n1\n" + root + "\n", "control character"},
      {"o\xff\n1\n" + root + "\n", "UTF-8"},
      // A whole signed note is not checkpoint text: its blank line is an
      // empty extension line.
      {std::string(kC2spBody) + "\n\xE2\x80\x94 x AAAAAAA=\n", "empty"},
  };
  for (const Case& c : cases) {
    auto got = ParseCheckpoint(c.text);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(got.status().message()), HasSubstr(c.why)) << c.text;
  }
}

TEST(CheckpointTest, FormatRefusesWhatParseWouldRefuse) {
  Checkpoint c = C2spExample();
  c.origin = "";
  EXPECT_EQ(FormatCheckpoint(c).status().code(), absl::StatusCode::kInvalidArgument);
  c.origin = "a\nb";
  EXPECT_EQ(FormatCheckpoint(c).status().code(), absl::StatusCode::kInvalidArgument);
  c.origin = "a\tb";
  EXPECT_EQ(FormatCheckpoint(c).status().code(), absl::StatusCode::kInvalidArgument);
  c = C2spExample();
  c.extensions = {""};
  EXPECT_EQ(FormatCheckpoint(c).status().code(), absl::StatusCode::kInvalidArgument);
  c.extensions = {"a\nb"};
  EXPECT_EQ(FormatCheckpoint(c).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, SignedWithGosExampleKeyMatchesTheFixture) {
  // Ed25519 is deterministic: the fixture pins the whole signed checkpoint,
  // and tools/verify_export.py must accept it (verify_export_py_test.cc).
  auto signed_note = SignCheckpoint(C2spExample(), PeterSigner());
  ASSERT_TRUE(signed_note.ok()) << signed_note.status();
  EXPECT_EQ(*signed_note, NoteFixture("c2sp_example_checkpoint.note"));
  auto v = VerifyCheckpoint(*signed_note, PeterVerifier());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->checkpoint, C2spExample());
  ASSERT_EQ(v->note.sigs.size(), 1u);
  EXPECT_EQ(v->note.sigs[0].name, "PeterNeumann");
}

TEST(CheckpointTest, SignThenVerifyWithAGeneratedKey) {
  auto pair = GenerateNoteKey("test.example/log");
  ASSERT_TRUE(pair.ok());
  auto signer = NoteSigner::Parse(pair->signer_key);
  auto verifier = NoteVerifier::Parse(pair->verifier_key);
  ASSERT_TRUE(signer.ok() && verifier.ok());
  Checkpoint c;
  c.origin = "test.example/log";
  c.size = 7;
  c.root = merkle::LeafHash("x");
  auto signed_note = SignCheckpoint(c, *signer);
  ASSERT_TRUE(signed_note.ok()) << signed_note.status();
  auto v = VerifyCheckpoint(*signed_note, *verifier);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->checkpoint, c);
}

TEST(CheckpointTest, VerifyRefusesAnotherKeyAndAnyEdit) {
  const std::string good = NoteFixture("c2sp_example_checkpoint.note");
  auto other = GenerateNoteKey("PeterNeumann");  // same name, different key
  ASSERT_TRUE(other.ok());
  auto wrong = VerifyCheckpoint(good, *NoteVerifier::Parse(other->verifier_key));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("no verifiable signatures"));

  std::string bigger = good;
  bigger.replace(bigger.find("20852163"), 8, "20852164");
  auto edited = VerifyCheckpoint(bigger, PeterVerifier());
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(edited.status().message()), HasSubstr("invalid signature"));
}

TEST(CheckpointTest, VerifyRefusesASignedNoteThatIsNoCheckpoint) {
  auto v = VerifyCheckpoint(NoteFixture("peter_neumann.note"), PeterVerifier());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("checkpoint"));
}

}  // namespace
}  // namespace ledger
