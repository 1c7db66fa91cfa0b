// tools/verify_export.py, the independent Python verifier, run on what the
// C++ side produces: an export of a real ledger, checkpoints signed with
// checkpoints/checkpoint.h, proofs written with merkle/proof_json.h; then on
// tampered copies of each, where it must exit 1 and name the position.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "checkpoints/checkpoint.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"
#include "merkle/proof_json.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using testing::HasSubstr;
using testing_support::CommandResult;
using testing_support::Python;
using testing_support::Quote;
using testing_support::RaidEvent;
using testing_support::ReadFileOrDie;
using testing_support::WriteFileOrDie;

constexpr uint64_t kRecords = 7;  // not a power of two: the tree has a ragged edge
constexpr char kOrigin[] = "test.example/log";

// Debian's interpreter has python3-cryptography (tools/install-deps); a
// python3 earlier on PATH (pyenv, venv) may not.
void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// The delimited export format: varint length, then the record bytes.
std::string Export(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& r : records) {
    AppendVarint(r.size(), &out);
    out += r;
  }
  return out;
}

class VerifyExportPyTest : public testing::Test {
 protected:
  void SetUp() override {
    OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    o.clock = [] { return absl::FromUnixSeconds(1711929600); };
    auto l = Ledger::Open(dir_.Sub("db"), o);
    ASSERT_TRUE(l.ok()) << l.status();
    ledger_ = *std::move(l);
    std::vector<enforcement::v1::Event> events;
    for (uint64_t i = 0; i < kRecords; ++i) {
      events.push_back(RaidEvent(absl::StrCat("event-000", i), absl::StrCat("op", i % 3)));
    }
    auto r = ledger_->AppendEvents(events);
    ASSERT_TRUE(r.ok()) << r.status();
    auto recs = ledger_->Read(0, kRecords);
    ASSERT_TRUE(recs.ok()) << recs.status();
    for (const StoredRecord& rec : *recs) records_.push_back(rec.bytes);
    ASSERT_EQ(records_.size(), kRecords);
    WriteFileOrDie(Path("export.bin"), Export(records_));

    auto keys = GenerateNoteKey(kOrigin);
    ASSERT_TRUE(keys.ok()) << keys.status();
    auto signer = NoteSigner::Parse(keys->signer_key);
    ASSERT_TRUE(signer.ok()) << signer.status();
    verifier_key_ = keys->verifier_key;
    WriteFileOrDie(Path("log.vkey"), verifier_key_ + "\n");
    auto other = GenerateNoteKey(kOrigin);  // same name, another key
    ASSERT_TRUE(other.ok());
    WriteFileOrDie(Path("other.vkey"), other->verifier_key + "\n");

    for (uint64_t size : {uint64_t{3}, kRecords}) {
      Checkpoint c;
      c.origin = kOrigin;
      c.size = size;
      auto root = ledger_->RootAt(size);
      ASSERT_TRUE(root.ok()) << root.status();
      c.root = *root;
      auto note = SignCheckpoint(c, *signer);
      ASSERT_TRUE(note.ok()) << note.status();
      WriteFileOrDie(Path(absl::StrCat("checkpoint.", size)), *note);
    }
    ASSERT_EQ(ledger_->GetHead().root, *ledger_->RootAt(kRecords));
  }

  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  CommandResult Run(const std::string& args) const {
    const std::string script = testing_support::SourceDir() + "/tools/verify_export.py";
    CommandResult r = testing_support::RunCommand(Python() + " " + Quote(script) + " " + args);
    return r;
  }

  // Writes the inclusion proof of `index` in the tree of `size` and returns
  // its path.
  std::string WriteInclusionProof(uint64_t index, uint64_t size) {
    auto proof = merkle::InclusionProof(ledger_->nodes(), index, size);
    EXPECT_TRUE(proof.ok()) << proof.status();
    InclusionProofJson p;
    p.leaf_index = index;
    p.tree_size = size;
    p.root = *ledger_->RootAt(size);
    p.leaf_hash = merkle::LeafHash(records_[index]);
    p.proof = proof.value_or(std::vector<merkle::Hash>{});
    const std::string path = Path(absl::StrCat("inclusion.", index, ".", size, ".json"));
    WriteFileOrDie(path, EncodeInclusionProof(p));
    return path;
  }

  std::string WriteConsistencyProof(uint64_t size1, uint64_t size2) {
    auto proof = merkle::ConsistencyProof(ledger_->nodes(), size1, size2);
    EXPECT_TRUE(proof.ok()) << proof.status();
    ConsistencyProofJson p;
    p.size1 = size1;
    p.size2 = size2;
    p.root1 = *ledger_->RootAt(size1);
    p.root2 = *ledger_->RootAt(size2);
    p.proof = proof.value_or(std::vector<merkle::Hash>{});
    const std::string path = Path(absl::StrCat("consistency.", size1, ".", size2, ".json"));
    WriteFileOrDie(path, EncodeConsistencyProof(p));
    return path;
  }

  std::string Key() const { return "--key @" + Quote(Path("log.vkey")); }

  testing_support::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::vector<std::string> records_;
  std::string verifier_key_;
};

TEST_F(VerifyExportPyTest, EveryRfc6962VectorIsJudgedAsWantErrSays) {
  CommandResult r = Run("vectors " + Quote(testing_support::VectorsDir() + "/rfc6962"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("tree hashing: 9 of 9 roots"));
  // 196 files: 195 as wantErr says, and the one happy file whose roots are
  // 12-byte placeholders, refused by design (as DecodeConsistencyProof does).
  EXPECT_THAT(r.out, HasSubstr("\n195 passed, 0 failed, 1 deviation (see above)\n"));
  EXPECT_THAT(r.out, HasSubstr("deviation (by design): "
                               "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"));
}

TEST_F(VerifyExportPyTest, ProofVerifiersAgreeWithRfc6962Definitions) {
  // Every inclusion and consistency proof of trees up to 40 leaves, built by
  // RFC 6962's recursive PATH and PROOF, verifies; altered ones do not.
  CommandResult r = Run("selftest --max 40");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, testing::EndsWith(" passed, 0 failed\n"));
}

TEST_F(VerifyExportPyTest, RootOfTheExportIsTheLedgersRoot) {
  CommandResult r = Run("root " + Quote(Path("export.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("7 records, positions 0..6 in order"));
  EXPECT_THAT(r.out, HasSubstr("root (tree size 7): " + merkle::ToBase64(ledger_->GetHead().root)));
}

TEST_F(VerifyExportPyTest, EmptyExportHasTheEmptyRoot) {
  WriteFileOrDie(Path("empty.bin"), "");
  CommandResult r = Run("root " + Quote(Path("empty.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(merkle::ToBase64(merkle::EmptyRoot())));
}

TEST_F(VerifyExportPyTest, CheckpointSignedInCppVerifiesInPythonAgainstTheExport) {
  CommandResult r = Run("checkpoint " + Quote(Path("checkpoint.7")) + " " + Key() + " --export " +
                        Quote(Path("export.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("origin test.example/log, tree size 7"));
  EXPECT_THAT(r.out, HasSubstr("OK: export"));
  // An older checkpoint covers a prefix of the export; the key may be literal.
  r = Run("checkpoint " + Quote(Path("checkpoint.3")) + " --key " + Quote(verifier_key_) +
          " --export " + Quote(Path("export.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("checked the first 3"));
}

TEST_F(VerifyExportPyTest, CheckpointByAnotherKeyFails) {
  CommandResult r =
      Run("checkpoint " + Quote(Path("checkpoint.7")) + " --key @" + Quote(Path("other.vkey")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("no signature by a known key"));
}

TEST_F(VerifyExportPyTest, EditedCheckpointFails) {
  std::string note = ReadFileOrDie(Path("checkpoint.7"));
  note.replace(note.find("\n7\n"), 3, "\n8\n");
  WriteFileOrDie(Path("edited"), note);
  CommandResult r = Run("checkpoint " + Quote(Path("edited")) + " " + Key());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("invalid signature for key test.example/log+"));
}

TEST_F(VerifyExportPyTest, ShortExportFailsAgainstTheCheckpoint) {
  WriteFileOrDie(Path("short.bin"),
                 Export(std::vector<std::string>(records_.begin(), records_.begin() + 5)));
  CommandResult r = Run("checkpoint " + Quote(Path("checkpoint.7")) + " " + Key() + " --export " +
                        Quote(Path("short.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("only 5 records; the checkpoint covers 7"));
}

TEST_F(VerifyExportPyTest, DroppedRecordIsNamed) {
  std::vector<std::string> dropped = records_;
  dropped.erase(dropped.begin() + 3);
  WriteFileOrDie(Path("dropped.bin"), Export(dropped));
  CommandResult r = Run("root " + Quote(Path("dropped.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("record #3"));
  EXPECT_THAT(r.err, HasSubstr("has position 4 (event 'event-0004'), expected position 3"));
}

TEST_F(VerifyExportPyTest, SwappedRecordsAreNamed) {
  std::vector<std::string> swapped = records_;
  std::swap(swapped[2], swapped[4]);
  WriteFileOrDie(Path("swapped.bin"), Export(swapped));
  CommandResult r = Run("checkpoint " + Quote(Path("checkpoint.7")) + " " + Key() + " --export " +
                        Quote(Path("swapped.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("record #2"));
  EXPECT_THAT(r.err, HasSubstr("has position 4"));
  EXPECT_THAT(r.err, HasSubstr("out of order at position 2"));
}

TEST_F(VerifyExportPyTest, FlippedBitInAPositionIsNamed) {
  std::vector<std::string> flipped = records_;
  // Field 1 (position) comes first: tag 0x08, then the varint 5.
  ASSERT_EQ(flipped[5].substr(0, 2), std::string("\x08\x05", 2));
  flipped[5][1] ^= 0x02;  // position 7
  WriteFileOrDie(Path("flipped.bin"), Export(flipped));
  CommandResult r = Run("root " + Quote(Path("flipped.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("record #5"));
  EXPECT_THAT(r.err, HasSubstr("has position 7"));
}

TEST_F(VerifyExportPyTest, FlippedBitInAPayloadFailsTheCheckpointAndTheProofNamesIt) {
  std::vector<std::string> flipped = records_;
  const size_t at = flipped[5].find("event-0005");
  ASSERT_NE(at, std::string::npos);
  flipped[5][at + 9] ^= 0x01;  // "event-0004": still a well-formed record
  WriteFileOrDie(Path("flipped.bin"), Export(flipped));

  // The export alone cannot tell that anything changed ...
  CommandResult r = Run("root " + Quote(Path("flipped.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // ... the signed checkpoint can ...
  r = Run("checkpoint " + Quote(Path("checkpoint.7")) + " " + Key() + " --export " +
          Quote(Path("flipped.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("differs from what was signed"));
  // ... and an inclusion proof names the record.
  const std::string proof = WriteInclusionProof(5, kRecords);
  r = Run("inclusion " + Quote(proof) + " --export " + Quote(Path("flipped.bin")) +
          " --position 5 --checkpoint " + Quote(Path("checkpoint.7")) + " " + Key());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("record at position 5"));
  EXPECT_THAT(r.err, HasSubstr("the record was changed"));
  // The untouched export passes the same check.
  r = Run("inclusion " + Quote(proof) + " --export " + Quote(Path("export.bin")) +
          " --position 5 --checkpoint " + Quote(Path("checkpoint.7")) + " " + Key());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(VerifyExportPyTest, TruncatedExportIsNamed) {
  std::string data = Export(records_);
  data.resize(data.size() - 3);
  WriteFileOrDie(Path("truncated.bin"), data);
  CommandResult r = Run("root " + Quote(Path("truncated.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("record #6"));
  EXPECT_THAT(r.err, HasSubstr("truncated export"));
}

TEST_F(VerifyExportPyTest, EveryInclusionProofVerifiesWithRecordAndCheckpoint) {
  for (uint64_t i = 0; i < kRecords; ++i) {
    SCOPED_TRACE(i);
    const std::string proof = WriteInclusionProof(i, kRecords);
    WriteFileOrDie(Path("record.bin"), records_[i]);
    CommandResult r = Run("inclusion " + Quote(proof) + " --record " + Quote(Path("record.bin")) +
                          " --checkpoint " + Quote(Path("checkpoint.7")) + " " + Key());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("OK: record at position ", i)));
  }
}

TEST_F(VerifyExportPyTest, InclusionProofFailsAgainstTheWrongRecordOrCheckpoint) {
  const std::string proof = WriteInclusionProof(2, kRecords);
  WriteFileOrDie(Path("record.bin"), records_[1]);
  CommandResult r = Run("inclusion " + Quote(proof) + " --record " + Quote(Path("record.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("has position 1 but the proof is for position (leafIdx) 2"));

  r = Run("inclusion " + Quote(proof) + " --checkpoint " + Quote(Path("checkpoint.3")) + " " +
          Key());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("the checkpoint is for tree size 3"));

  // A proof with a wrong sibling names the position.
  std::string json = ReadFileOrDie(proof);
  auto p = DecodeInclusionProof(json);
  ASSERT_TRUE(p.ok());
  p->proof[0][0] ^= 1;
  WriteFileOrDie(Path("bad.json"), EncodeInclusionProof(*p));
  r = Run("inclusion " + Quote(Path("bad.json")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("position 2: inclusion proof of leaf 2 in tree size 7"));
}

TEST_F(VerifyExportPyTest, ConsistencyProofVerifiesBetweenTwoCheckpoints) {
  const std::string proof = WriteConsistencyProof(3, kRecords);
  CommandResult r = Run("consistency " + Quote(proof) + " --checkpoint-old " +
                        Quote(Path("checkpoint.3")) + " --checkpoint-new " +
                        Quote(Path("checkpoint.7")) + " " + Key());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK: the tree of size 3"));

  r = Run("consistency " + Quote(proof) + " --checkpoint-old " + Quote(Path("checkpoint.7")) +
          " --checkpoint-new " + Quote(Path("checkpoint.3")) + " " + Key());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("the old checkpoint"));

  r = Run("consistency " + Quote(proof) + " --checkpoint-old " + Quote(Path("checkpoint.3")) +
          " --checkpoint-new " + Quote(Path("checkpoint.7")) + " --key @" +
          Quote(Path("other.vkey")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST_F(VerifyExportPyTest, GoSignedNotesVerify) {
  const std::string fixtures = testing_support::SourceDir() + "/tests/testdata/note/";
  CommandResult r = Run("note " + Quote(fixtures + "peter_and_enoch.note") + " --key @" +
                        Quote(fixtures + "peter_neumann.verifier") + " --key @" +
                        Quote(fixtures + "enoch_root.verifier"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("signed by PeterNeumann+c74f20a3, EnochRoot+af0cfe78"));
  r = Run("note " + Quote(fixtures + "peter_neumann.note") + " --key @" +
          Quote(fixtures + "enoch_root.verifier"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  r = Run("checkpoint " + Quote(fixtures + "c2sp_example_checkpoint.note") + " --key @" +
          Quote(fixtures + "peter_neumann.verifier"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("tree size 20852163"));
}

// Hostile JSON (a proof, a vector file) ends in one "FAIL:" line and exit 1,
// never in a Python traceback: nesting that would exhaust the json module's
// recursion, and integers beyond int()'s 4300-digit limit.
TEST_F(VerifyExportPyTest, DeeplyNestedOrHugeNumberJsonFailsInOneLineWithoutATraceback) {
  std::string deep_object;
  for (int i = 0; i < 100000; ++i) deep_object += "{\"a\":";
  struct Case {
    std::string command;
    std::string file;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"inclusion", std::string(100000, '['), "JSON nested deeper than 8 levels (at character 9)"},
      {"consistency", deep_object, "JSON nested deeper than 8 levels (at character 41)"},
      {"inclusion", "{\"leafIdx\":" + std::string(5000, '7') + "}",
       "a number of 5000 digits is not a 64-bit integer"},
      // Brackets inside strings do not count.
      {"inclusion", "{\"desc\":\"" + std::string(100000, '[') + "\"}", "missing key \"leafIdx\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file.substr(0, 40));
    WriteFileOrDie(Path("hostile.json"), c.file);
    CommandResult r = Run(c.command + " " + Quote(Path("hostile.json")));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(r.err, "FAIL: " + Path("hostile.json") + ": " + c.expected + "\n");
  }

  // A vector file too deep to read its wantErr is a failed vector, not a crash.
  const std::string vectors = Path("vectors");
  ASSERT_EQ(mkdir(vectors.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((vectors + "/inclusion").c_str(), 0755), 0);
  WriteFileOrDie(vectors + "/inclusion/deep.json", std::string(100000, '['));
  CommandResult r = Run("vectors " + Quote(vectors));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL: inclusion/deep.json: no wantErr\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(VerifyExportPyTest, UsageErrorsExitTwo) {
  const std::vector<std::string> bad = {
      "",
      "frobnicate",
      "root",
      "root " + Quote(Path("no-such-file")),
      "checkpoint " + Quote(Path("checkpoint.7")),  // no --key
      "checkpoint " + Quote(Path("checkpoint.7")) + " --key not-a-key",
      "checkpoint " + Quote(Path("checkpoint.7")) + " --key " +
          Quote("PRIVATE+KEY+x+00000000+AAAA"),
      "inclusion " + Quote(WriteInclusionProof(0, 1)) + " --position 0",
      "inclusion " + Quote(WriteInclusionProof(0, 1)) + " --checkpoint " +
          Quote(Path("checkpoint.7")),
      "consistency " + Quote(WriteConsistencyProof(1, 2)) + " --checkpoint-old " +
          Quote(Path("checkpoint.3")) + " " + Key(),
  };
  for (const std::string& args : bad) {
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("usage error")) << args;
  }
}

}  // namespace
}  // namespace ledger
