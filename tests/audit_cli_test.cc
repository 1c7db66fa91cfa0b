// The tamper-evidence commands of the `ledger` program (SPEC §4, §6), run as
// the real binary on temporary ledgers: keygen, checkpoint (and the store of
// issued checkpoints), checkpoints, prove, check and audit. What the ledger
// hands out is also checked by the independent code path, the Python
// verifier tools/verify_export.py, which shares no code with the C++ side.
//
// Proof coverage: every (index, size) inclusion pair and every (size1,
// size2) consistency pair up to size 64, and random inclusion pairs on a
// larger ledger: 20,000 events by default, 1,000,000 with LEDGER_TEST_LONG=1
// (which takes a minute or two more).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "checkpoints/checkpoint.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"
#include "merkle/proof_json.h"
#include "ledger/record_coding.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tests/support/event_builders.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"

namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing::Not;
using testing_support::ArrestEvent;
using testing_support::CommandResult;
using testing_support::Python;
using testing_support::Quote;
using testing_support::ReadFileOrDie;
using testing_support::TempDir;
using testing_support::WriteFileOrDie;

constexpr char kOrigin[] = "test.example/log";

bool LongMode() {
  const char* v = std::getenv("LEDGER_TEST_LONG");
  return v != nullptr && std::string(v) == "1";
}

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Splits a delimited export into its records (test input is well formed).
std::vector<std::string> SplitExport(const std::string& data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t len = 0;
    int shift = 0;
    while (true) {
      const uint8_t b = static_cast<uint8_t>(data[pos++]);
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    out.push_back(data.substr(pos, len));
    pos += len;
  }
  return out;
}

std::string JoinExport(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& r : records) {
    AppendVarint(r.size(), &out);
    out += r;
  }
  return out;
}

// Checks proofs with tools/verify_export.py's own functions, in one Python
// process: argv = verify_export.py, export, proofs.json (a JSON array of
// proof documents as strings, each exactly as written), kind. For every
// proof, the document is decoded strictly, the hashes it claims are compared
// with those Python computes from the export by itself (the leaf hash of
// record leafIdx; the root of the first treeSize / size1 / size2 records,
// by the streaming RFC 6962 tree hash), and the proof is verified by the
// RFC 9162 algorithms. Prints "verified N <kind> proofs".
constexpr char kBatchVerifier[] = R"PY(
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("verify_export", sys.argv[1])
ve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ve)
export_path, proofs_path, kind = sys.argv[2], sys.argv[3], sys.argv[4]
leaves = [ve.leaf_hash(rec) for _, _, rec in ve.read_export(export_path)]
texts = json.load(open(proofs_path))
docs = []
for i, text in enumerate(texts):
    doc = ve.parse_json_strictly(text.encode("utf-8"), "proof #%d" % i)
    docs.append(ve.decode_inclusion(doc, "proof #%d" % i) if kind == "inclusion"
                else ve.decode_consistency(doc, "proof #%d" % i))
sizes = set()
for d in docs:
    if kind == "inclusion":
        sizes.add(d["treeSize"])
    else:
        sizes.update((d["size1"], d["size2"]))
roots, tree = {}, ve.TreeBuilder()
if 0 in sizes:
    roots[0] = ve.EMPTY_ROOT
for i, lh in enumerate(leaves):
    tree.add(lh)
    if i + 1 in sizes:
        roots[i + 1] = tree.root()
for i, d in enumerate(docs):
    if kind == "inclusion":
        idx, size = d["leafIdx"], d["treeSize"]
        if d["leafHash"] != leaves[idx]:
            sys.exit("proof #%d: leafHash is not the leaf hash of record %d" % (i, idx))
        if d["root"] != roots[size]:
            sys.exit("proof #%d: root is not the root of the first %d records" % (i, size))
        ve.verify_inclusion(idx, size, d["leafHash"], d["proof"], d["root"])
    else:
        if d["root1"] != roots[d["size1"]] or d["root2"] != roots[d["size2"]]:
            sys.exit("proof #%d: a root is not the export's" % i)
        ve.verify_consistency(d["size1"], d["size2"], d["root1"], d["root2"], d["proof"])
print("verified %d %s proofs against %d records" % (len(docs), kind, len(leaves)))
)PY";

// Flips one bit in every byte of an export in turn and runs the checks of
// `verify_export.py checkpoint --export` on each copy in one process;
// argv = verify_export.py, export, checkpoint, verifier key, scratch file.
// Prints one line per byte: "<offset> rejected: <message>" or "<offset> ACCEPTED".
constexpr char kBitFlipper[] = R"PY(
import importlib.util, sys, types
spec = importlib.util.spec_from_file_location("verify_export", sys.argv[1])
ve = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ve)
export_path, checkpoint, key, scratch = sys.argv[2:6]
data = bytearray(open(export_path, "rb").read())
for i in range(len(data)):
    copy = bytearray(data)
    copy[i] ^= 1 << (i % 8)
    open(scratch, "wb").write(copy)
    args = types.SimpleNamespace(checkpoint=checkpoint, key=[key], export=scratch)
    try:
        ve.cmd_checkpoint(args)
        print("%d ACCEPTED" % i)
    except ve.Failure as e:
        print("%d rejected: %s" % (i, e))
)PY";

class AuditCliTest : public testing::Test {
 protected:
  // Runs `ledger --db DB ARGS`.
  CommandResult LedgerAt(const std::string& db, const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args));
  }
  CommandResult Ledger(const std::string& args) { return LedgerAt(db_, args); }
  CommandResult Py(const std::string& args) {
    return testing_support::RunCommand(absl::StrCat(
        Python(), " ", Quote(testing_support::SourceDir() + "/tools/verify_export.py"), " ", args));
  }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  // Appends `n` small valid events (arrests) with ids "<prefix>-<i>" to the
  // ledger at `db`, creating it if needed, in batches of `batch`.
  void Append(const std::string& db, uint64_t n, const std::string& prefix, uint64_t batch = 1000,
              ledger::Durability durability = ledger::Durability::kSync) {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    o.durability = durability;
    auto l = ledger::Ledger::Open(db, o);
    ASSERT_TRUE(l.ok()) << l.status();
    const uint64_t start = (*l)->GetHead().tree_size;
    std::vector<Event> events;
    for (uint64_t i = start; i < start + n; ++i) {
      events.push_back(ArrestEvent(absl::StrCat(prefix, "-", i), absl::StrCat("s", i % 97)));
      if (events.size() == batch || i + 1 == start + n) {
        auto r = (*l)->AppendEvents(events);
        ASSERT_TRUE(r.ok()) << r.status();
        events.clear();
      }
    }
    ASSERT_TRUE((*l)->Flush().ok());
  }
  void Append(uint64_t n, const std::string& prefix = "e") { Append(db_, n, prefix); }

  std::unique_ptr<ledger::Ledger> Reader(const std::string& db) {
    ledger::OpenOptions o;
    o.read_only = true;
    auto l = ledger::Ledger::Open(db, o);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *std::move(l) : nullptr;
  }

  // `ledger keygen` with --out PREFIX; returns the verifier key it printed.
  std::string Keygen(const std::string& prefix, const std::string& name = kOrigin) {
    CommandResult r = Ledger(absl::StrCat("keygen --name ", Quote(name), " --out ", Quote(prefix)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::string(absl::StripTrailingAsciiWhitespace(r.out));
  }
  // `ledger checkpoint` on `db` with the key PREFIX.key, written to `out`.
  CommandResult Checkpoint(const std::string& db, const std::string& key_prefix,
                           const std::string& out, const std::string& extra = "") {
    CommandResult r =
        LedgerAt(db, absl::StrCat("checkpoint --key ", Quote(key_prefix + ".key"), " ", extra));
    if (r.exit_code == 0) WriteFileOrDie(out, r.out);
    return r;
  }
  std::string Export(const std::string& db, const std::string& out) {
    CommandResult r = LedgerAt(db, "export --format delimited --out " + Quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  // Runs a Python program from a string with arguments.
  CommandResult PyScript(const char* program, const std::string& args) {
    const std::string path = Path(absl::StrCat("script-", scripts_++, ".py"));
    WriteFileOrDie(path, program);
    return testing_support::RunCommand(absl::StrCat(Python(), " ", Quote(path), " ", args));
  }
  std::string VerifyExportPy() const {
    return Quote(testing_support::SourceDir() + "/tools/verify_export.py");
  }
  // A checkpoint note for (size, root) signed with the signer key in PREFIX.key.
  std::string Sign(const std::string& key_prefix, uint64_t size, const merkle::Hash& root) {
    auto signer =
        ledger::NoteSigner::Parse(absl::StripAsciiWhitespace(ReadFileOrDie(key_prefix + ".key")));
    EXPECT_TRUE(signer.ok()) << signer.status();
    auto note = ledger::SignCheckpoint({kOrigin, size, root, {}}, *signer);
    EXPECT_TRUE(note.ok()) << note.status();
    return note.value_or("");
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
  int scripts_ = 0;
};

// --- help ---------------------------------------------------------------------

TEST_F(AuditCliTest, HelpListsTheTamperEvidenceCommands) {
  CommandResult r = Ledger("--help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* c : {"keygen", "checkpoint", "checkpoints", "prove", "check", "audit"}) {
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("  ", c, " "))) << c;
    CommandResult h = Ledger(absl::StrCat(c, " --help"));
    EXPECT_EQ(h.exit_code, 0) << c << h.err;
    EXPECT_THAT(h.out, HasSubstr(absl::StrCat("Usage: ledger ", c))) << c;
  }
}

// --- keygen -------------------------------------------------------------------

TEST_F(AuditCliTest, KeygenWritesGoNoteKeysAndASecretKeyFileOfMode0600) {
  const std::string vkey = Keygen(Path("k"));
  const std::string pub = ReadFileOrDie(Path("k.pub"));
  const std::string key = ReadFileOrDie(Path("k.key"));
  EXPECT_EQ(pub, vkey + "\n");
  // Go's sumdb/note formats: <name>+<8 hex>+<base64 of 0x01 || 32 bytes>
  // (33 bytes: 44 base64 characters, no padding, the first 'A' or 'B').
  EXPECT_TRUE(
      std::regex_match(vkey, std::regex(R"(test\.example/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43})")))
      << vkey;
  EXPECT_TRUE(std::regex_match(
      key, std::regex(R"(PRIVATE\+KEY\+test\.example/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}\n)")))
      << "(secret not printed)";
  auto verifier = ledger::NoteVerifier::Parse(vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  auto signer = ledger::NoteSigner::Parse(absl::StripTrailingAsciiWhitespace(key));
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ(signer->Verifier().ToString(), vkey);
  EXPECT_EQ(verifier->key_hash(), ledger::NoteKeyHash(kOrigin, "\x01" + verifier->public_key()));
  // The hash in the key string is the key hash as 8 lowercase hex digits.
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(vkey, '+'))[1],
            absl::StrFormat("%08x", verifier->key_hash()));

  struct stat st;
  ASSERT_EQ(stat(Path("k.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(Path("k.pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  // Two key pairs are different keys.
  EXPECT_NE(Keygen(Path("k2")), vkey);

  // --json names the files.
  CommandResult r = Ledger("--json keygen --name a.example/b --out " + Quote(Path("j")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"key_file\":\"" + Path("j.key") + "\""));
  EXPECT_THAT(r.out, HasSubstr("\"verifier_key\":\"a.example/b+"));
}

TEST_F(AuditCliTest, KeygenRefusesToOverwriteAKey) {
  Keygen(Path("k"));
  const std::string key = ReadFileOrDie(Path("k.key"));
  CommandResult r = Ledger("keygen --name " + std::string(kOrigin) + " --out " + Quote(Path("k")));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("already exists"));
  EXPECT_EQ(ReadFileOrDie(Path("k.key")), key);

  // Only the .pub exists: nothing is written.
  WriteFileOrDie(Path("p.pub"), "x\n");
  r = Ledger("keygen --name n --out " + Quote(Path("p")));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("p.key")));
  // A symlink planted where the key goes is not followed.
  ASSERT_EQ(symlink(Path("elsewhere").c_str(), Path("s.key").c_str()), 0);
  r = Ledger("keygen --name n --out " + Quote(Path("s")));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("elsewhere")));
}

TEST_F(AuditCliTest, KeygenRejectsABadName) {
  CommandResult r = Ledger("keygen --name 'has space' --out " + Quote(Path("k")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--name"));
  r = Ledger("keygen --name 'a+b' --out " + Quote(Path("k")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(Path("k.key")));
}

// --- checkpoint -----------------------------------------------------------------

TEST_F(AuditCliTest, CheckpointVerifiesWithCheckAndWithPython) {
  Append(7);
  const std::string vkey = Keygen(Path("k"));
  CommandResult r = Checkpoint(db_, Path("k"), Path("c7"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto l = Reader(db_);
  const ledger::Head head = l->GetHead();
  // The C2SP tlog-checkpoint body: origin, size, base64 root, blank line, signature.
  EXPECT_THAT(r.out, testing::StartsWith(absl::StrCat(kOrigin, "\n7\n", merkle::ToBase64(head.root),
                                                      "\n\n\u2014 ", kOrigin, " ")));
  auto v = ledger::VerifyCheckpoint(r.out, *ledger::NoteVerifier::Parse(vkey));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->checkpoint.size, 7u);
  EXPECT_EQ(v->checkpoint.root, head.root);
  // Kept in <db>/checkpoints/, byte for byte.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(db_ + "/checkpoints")) {
    if (e.path().extension() == ".ckpt") files.push_back(e.path().string());
  }
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(ReadFileOrDie(files[0]), r.out);
  EXPECT_THAT(files[0], HasSubstr("/00000000000000000007-"));

  // `check` opens no database: --db points nowhere.
  const std::string nowhere = Path("no/such/db");
  CommandResult c = LedgerAt(nowhere, "check checkpoint --checkpoint " + Quote(Path("c7")) +
                                          " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_THAT(c.out, HasSubstr("OK: checkpoint"));
  EXPECT_FALSE(std::filesystem::exists(nowhere));
  Export(db_, Path("e.bin"));
  c = LedgerAt(nowhere, "check checkpoint --checkpoint " + Quote(Path("c7")) + " --key " +
                            Quote(vkey) + " --export " + Quote(Path("e.bin")));
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_THAT(c.out, HasSubstr("the first 7 records"));

  // The independent verifier.
  CommandResult p = Py("checkpoint " + Quote(Path("c7")) + " --key @" + Quote(Path("k.pub")) +
                       " --export " + Quote(Path("e.bin")));
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_THAT(p.out, HasSubstr("OK: export"));
}

TEST_F(AuditCliTest, CheckpointOfAnEarlierSizeHasTheRootAtThatSize) {
  Append(9);
  Keygen(Path("k"));
  CommandResult r = Checkpoint(db_, Path("k"), Path("c4"), "--size 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto l = Reader(db_);
  EXPECT_THAT(r.out, testing::StartsWith(
                         absl::StrCat(kOrigin, "\n4\n", merkle::ToBase64(*l->RootAt(4)), "\n\n")));
  Export(db_, Path("e.bin"));
  CommandResult p = Py("checkpoint " + Quote(Path("c4")) + " --key @" + Quote(Path("k.pub")) +
                       " --export " + Quote(Path("e.bin")));
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  // Past the head: not found.
  r = Checkpoint(db_, Path("k"), Path("c99"), "--size 99");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("past the head"));
}

TEST_F(AuditCliTest, CheckpointIsIdempotentAndListed) {
  Append(5);
  Keygen(Path("k"));
  CommandResult a = Checkpoint(db_, Path("k"), Path("a"));
  CommandResult b = Checkpoint(db_, Path("k"), Path("b"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);  // Ed25519 is deterministic
  Append(3);
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c8")).exit_code, 0);
  CommandResult r = Ledger("--json checkpoint --key " + Quote(Path("k.key")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"already_issued\":true"));
  r = Ledger("checkpoints --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("\"tree_size\":\"5\""));
  EXPECT_THAT(lines[1], HasSubstr("\"tree_size\":\"8\""));
  EXPECT_THAT(r.out, Not(HasSubstr("\"matches_tree\":false")));
  r = Ledger("checkpoints");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("TREE_SIZE"));
}

TEST_F(AuditCliTest, CheckpointByAnotherKeyOrWithAnEditedSizeOrRootIsRejected) {
  Append(6);
  Keygen(Path("k"));
  Keygen(Path("other"));  // same name, another key
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c")).exit_code, 0);
  ASSERT_EQ(Checkpoint(db_, Path("other"), Path("c-other")).exit_code, 0);
  const std::string note = ReadFileOrDie(Path("c"));
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  // Size 6 -> 5, and the root's first character changed.
  std::string edited_size = absl::StrReplaceAll(note, {{"\n6\n", "\n5\n"}});
  std::string edited_root = note;
  edited_root[lines[0].size() + 3] = edited_root[lines[0].size() + 3] == 'A' ? 'B' : 'A';
  WriteFileOrDie(Path("c-size"), edited_size);
  WriteFileOrDie(Path("c-root"), edited_root);
  for (const std::string bad : {"c-other", "c-size", "c-root"}) {
    SCOPED_TRACE(bad);
    CommandResult r = Ledger("check checkpoint --checkpoint " + Quote(Path(bad)) + " --key " +
                             Quote(Path("k.pub")));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("FAILED: checkpoint " + Path(bad)));
    CommandResult p = Py("checkpoint " + Quote(Path(bad)) + " --key @" + Quote(Path("k.pub")));
    EXPECT_EQ(p.exit_code, 1) << p.out << p.err;
  }
  CommandResult r = Ledger("check checkpoint --checkpoint " + Quote(Path("c-other")) + " --key " +
                           Quote(Path("k.pub")));
  EXPECT_THAT(r.err, HasSubstr("no verifiable signatures"));
  r = Ledger("check checkpoint --checkpoint " + Quote(Path("c-size")) + " --key " +
             Quote(Path("k.pub")));
  EXPECT_THAT(r.err, HasSubstr("invalid signature"));
}

TEST_F(AuditCliTest, CheckpointRefusesWhenAnIssuedCheckpointHasAnotherRootAtTheSameSize) {
  Append(5);
  Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c5")).exit_code, 0);
  // Someone plants a checkpoint of size 5 with another root, signed with the
  // same key, in the store.
  merkle::Hash other = merkle::LeafHash("not this log");
  WriteFileOrDie(db_ + "/checkpoints/00000000000000000005-planted.ckpt", Sign(Path("k"), 5, other));
  Append(3);
  CommandResult r = Checkpoint(db_, Path("k"), Path("c8"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("refusing to sign"));
  EXPECT_THAT(r.err, HasSubstr("00000000000000000005-planted.ckpt"));
  EXPECT_THAT(r.err, HasSubstr("same tree size with different roots"));
  EXPECT_TRUE(r.out.empty());
  // Signing that very size again is refused too, and nothing was added.
  r = Checkpoint(db_, Path("k"), Path("c5b"), "--size 5");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(db_ + "/checkpoints")) {
    files += e.path().extension() == ".ckpt";
  }
  EXPECT_EQ(files, 2);
  // `checkpoints` and `audit` see it as well.
  r = Ledger("checkpoints");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("NO (root differs)"));
  r = Ledger("audit --checkpoint " + Quote(Path("c5")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("issued checkpoints: checkpoints/00000000000000000005-planted.ckpt"));
}

TEST_F(AuditCliTest, CheckpointRefusesAnIssuedCheckpointThatIsNotAPrefixOfTheTree) {
  // The planted checkpoint has a size of its own (3), so only a consistency
  // proof from the stored tree can show that it is not this log's.
  Append(db_, 6, "e");
  Append(Path("db2"), 3, "other");
  Keygen(Path("k"));
  auto other = Reader(Path("db2"));
  std::filesystem::create_directories(db_ + "/checkpoints");
  WriteFileOrDie(db_ + "/checkpoints/00000000000000000003-planted.ckpt",
                 Sign(Path("k"), 3, other->GetHead().root));
  other.reset();
  CommandResult r = Checkpoint(db_, Path("k"), Path("c"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("consistency proof from tree size 3 to tree size 6"));
  EXPECT_THAT(r.err, HasSubstr("does not verify"));
  // Below it, the earliest issued checkpoint of a larger size is checked.
  r = Checkpoint(db_, Path("k"), Path("c"), "--size 2");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("consistency proof from tree size 2 to tree size 3"));
  // A store claiming more records than the ledger has is refused too.
  std::filesystem::remove(db_ + "/checkpoints/00000000000000000003-planted.ckpt");
  WriteFileOrDie(db_ + "/checkpoints/00000000000000000009-planted.ckpt",
                 Sign(Path("k"), 9, merkle::LeafHash("x")));
  r = Checkpoint(db_, Path("k"), Path("c"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("issued for 9 records but the ledger has only 6"));
}

TEST_F(AuditCliTest, CheckpointNeedsAReadableSignerKey) {
  Append(2);
  Keygen(Path("k"));
  CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("does not hold a signer key"));
  r = Ledger("checkpoint --key " + Quote(Path("missing.key")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Ledger("checkpoint");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// --- prove and check ------------------------------------------------------------

// Every inclusion pair (index < size <= 64) and every consistency pair
// (0 < size1 <= size2 <= 64): generated by the ledger from its stored hashes
// (merkle::InclusionProof / ConsistencyProof on Ledger::nodes(), what
// `ledger prove` runs), encoded with merkle/proof_json.h, and verified by the
// Python verifier against hashes it computes from the export itself. A sample
// goes through the `prove` command too, which must print the same bytes.
TEST_F(AuditCliTest, ProofsForEveryPairUpToSize64VerifyWithThePythonVerifier) {
  constexpr uint64_t kMax = 64;
  Append(db_, kMax, "e", 7);  // batches of 7: the nodes are written across appends
  auto l = Reader(db_);
  const std::vector<std::string> records = SplitExport(ReadFileOrDie(Export(db_, Path("e.bin"))));
  ASSERT_EQ(records.size(), kMax);
  std::vector<std::string> inclusion, consistency;
  for (uint64_t size = 1; size <= kMax; ++size) {
    const merkle::Hash root = *l->RootAt(size);
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = merkle::InclusionProof(l->nodes(), index, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ledger::InclusionProofJson p{index, size, root, merkle::LeafHash(records[index]), *proof};
      ASSERT_TRUE(ledger::VerifyInclusionProof(p).ok()) << index << " " << size;
      inclusion.push_back(ledger::EncodeInclusionProof(p));
    }
    for (uint64_t size1 = 1; size1 <= size; ++size1) {
      auto proof = merkle::ConsistencyProof(l->nodes(), size1, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      ledger::ConsistencyProofJson p{size1, size, *l->RootAt(size1), root, *proof};
      ASSERT_TRUE(ledger::VerifyConsistencyProof(p).ok()) << size1 << " " << size;
      consistency.push_back(ledger::EncodeConsistencyProof(p));
    }
  }
  ASSERT_EQ(inclusion.size(), kMax * (kMax + 1) / 2);
  auto json_array = [](const std::vector<std::string>& docs) {
    std::vector<std::string> quoted;
    for (const std::string& d : docs) {
      quoted.push_back(absl::StrCat(
          "\"", absl::StrReplaceAll(d, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}), "\""));
    }
    return absl::StrCat("[", absl::StrJoin(quoted, ",\n"), "]");
  };
  WriteFileOrDie(Path("inclusion.json"), json_array(inclusion));
  WriteFileOrDie(Path("consistency.json"), json_array(consistency));
  CommandResult r =
      PyScript(kBatchVerifier, absl::StrCat(VerifyExportPy(), " ", Quote(Path("e.bin")), " ",
                                            Quote(Path("inclusion.json")), " inclusion"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("verified 2080 inclusion proofs against 64 records"));
  r = PyScript(kBatchVerifier, absl::StrCat(VerifyExportPy(), " ", Quote(Path("e.bin")), " ",
                                            Quote(Path("consistency.json")), " consistency"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("verified 2080 consistency proofs against 64 records"));

  // The command prints exactly these documents.
  size_t k = 0;
  for (uint64_t size = 1; size <= kMax; ++size) {
    for (uint64_t index = 0; index < size; ++index, ++k) {
      if (!(size == kMax || size <= 3 || (size * 31 + index) % 97 == 0)) continue;
      CommandResult p =
          Ledger(absl::StrCat("prove inclusion --position ", index, " --size ", size));
      ASSERT_EQ(p.exit_code, 0) << p.err;
      EXPECT_EQ(p.out, inclusion[k]) << index << " " << size;
    }
  }
  CommandResult p = Ledger("prove consistency --from 7 --to 13");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  // consistency[] lists, for each size2, size1 = 1..size2.
  EXPECT_EQ(p.out, consistency[12 * 13 / 2 + 6]);
  p = Ledger("prove consistency --from 33");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out, consistency[63 * 64 / 2 + 32]);
}

// Random (index, size) pairs on a bigger ledger, generated by `prove`'s code
// path and verified by the Python verifier against its own tree hash of the
// export. 20,000 events here; LEDGER_TEST_LONG=1 builds 1,000,000 (bulk
// durability, batches of 10,000).
TEST_F(AuditCliTest, RandomInclusionProofsOnALargeLedgerVerifyWithThePythonVerifier) {
  const uint64_t n = LongMode() ? 1000000 : 20000;
  const int pairs = LongMode() ? 5000 : 1000;
  Append(db_, n, "big", 10000, ledger::Durability::kBulk);
  auto l = Reader(db_);
  ASSERT_EQ(l->GetHead().tree_size, n);
  std::mt19937_64 rng(20240401);
  std::vector<std::string> docs;
  for (int i = 0; i < pairs; ++i) {
    // Half at the head, half at a random earlier size.
    const uint64_t size = i % 2 == 0 ? n : 1 + rng() % n;
    const uint64_t index = rng() % size;
    auto rec = l->ReadOne(index);
    ASSERT_TRUE(rec.ok()) << rec.status();
    auto proof = merkle::InclusionProof(l->nodes(), index, size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    ledger::InclusionProofJson p{index, size, *l->RootAt(size), merkle::LeafHash(rec->bytes),
                                 *proof};
    docs.push_back(ledger::EncodeInclusionProof(p));
  }
  std::vector<std::string> quoted;
  for (const std::string& d : docs) {
    quoted.push_back(
        absl::StrCat("\"", absl::StrReplaceAll(d, {{"\"", "\\\""}, {"\n", "\\n"}}), "\""));
  }
  WriteFileOrDie(Path("proofs.json"), absl::StrCat("[", absl::StrJoin(quoted, ","), "]"));
  Export(db_, Path("e.bin"));
  CommandResult r =
      PyScript(kBatchVerifier, absl::StrCat(VerifyExportPy(), " ", Quote(Path("e.bin")), " ",
                                            Quote(Path("proofs.json")), " inclusion"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("verified ", pairs, " inclusion proofs against ", n,
                                            " records")));
  // One through the command and both checkers, end to end.
  CommandResult p = Ledger(absl::StrCat("prove inclusion --position ", n / 3, " --record-out ",
                                        Quote(Path("r.bin")), " --out ", Quote(Path("p.json"))));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  CommandResult c = LedgerAt(Path("nowhere"), "check inclusion --proof " + Quote(Path("p.json")) +
                                                  " --record " + Quote(Path("r.bin")));
  EXPECT_EQ(c.exit_code, 0) << c.err;
  CommandResult py = Py("inclusion " + Quote(Path("p.json")) + " --record " + Quote(Path("r.bin")));
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
}

TEST_F(AuditCliTest, CheckInclusionNeedsNoDatabaseAndRejectsAChangedRecordProofOrCheckpoint) {
  Append(11);
  const std::string vkey = Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c11")).exit_code, 0);
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c10"), "--size 10").exit_code, 0);
  CommandResult p = Ledger("prove inclusion --position 6 --record-out " + Quote(Path("r6.bin")) +
                           " --out " + Quote(Path("p6.json")));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.out, HasSubstr("wrote the inclusion proof of position 6 in the tree of size 11"));
  const std::string nowhere = Path("nowhere");
  auto check = [&](const std::string& proof, const std::string& record, const std::string& cp) {
    return LedgerAt(nowhere, "check inclusion --proof " + Quote(proof) + " --record " +
                                 Quote(record) + " --checkpoint " + Quote(cp) + " --key " +
                                 Quote(vkey));
  };
  CommandResult r = check(Path("p6.json"), Path("r6.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK: the record at position 6 is included in the tree of size 11"));
  CommandResult py =
      Py("inclusion " + Quote(Path("p6.json")) + " --record " + Quote(Path("r6.bin")) +
         " --checkpoint " + Quote(Path("c11")) + " --key " + Quote(vkey));
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;

  // A changed record: one bit of its last byte.
  std::string rec = ReadFileOrDie(Path("r6.bin"));
  rec.back() ^= 0x01;
  WriteFileOrDie(Path("r6-changed.bin"), rec);
  r = check(Path("p6.json"), Path("r6-changed.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("record at position 6"));
  EXPECT_THAT(r.err, HasSubstr("differs from the proof's leafHash"));
  // Another record than the proof's.
  ASSERT_EQ(Ledger("prove inclusion --position 5 --record-out " + Quote(Path("r5.bin"))).exit_code,
            0);
  r = check(Path("p6.json"), Path("r5.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("says position 5 but the proof is for position (leafIdx) 6"));
  // A changed proof hash.
  auto doc = ledger::DecodeInclusionProof(ReadFileOrDie(Path("p6.json")));
  ASSERT_TRUE(doc.ok());
  doc->proof[1][0] ^= 0x80;
  WriteFileOrDie(Path("p6-changed.json"), ledger::EncodeInclusionProof(*doc));
  r = check(Path("p6-changed.json"), Path("r6.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("position 6: the inclusion proof"));
  EXPECT_THAT(r.err, HasSubstr("does not verify"));
  // A checkpoint of another size.
  r = check(Path("p6.json"), Path("r6.bin"), Path("c10"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the proof is for tree size 11"));
  // Garbage instead of a proof.
  WriteFileOrDie(Path("junk.json"), "{\"leafIdx\": 6}");
  r = check(Path("junk.json"), Path("r6.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is malformed"));
  // A file that is not there is a usage error.
  r = check(Path("missing.json"), Path("r6.bin"), Path("c11"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(std::filesystem::exists(nowhere));
}

TEST_F(AuditCliTest, CheckConsistencyBetweenTwoSignedCheckpoints) {
  Append(4);
  const std::string vkey = Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c4")).exit_code, 0);
  Append(5);
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c9")).exit_code, 0);
  ASSERT_EQ(Ledger("prove consistency --from 4 --to 9 --out " + Quote(Path("p.json"))).exit_code,
            0);
  const std::string nowhere = Path("nowhere");
  CommandResult r = LedgerAt(nowhere, "check consistency --proof " + Quote(Path("p.json")) +
                                          " --old " + Quote(Path("c4")) + " --new " +
                                          Quote(Path("c9")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("the tree of size 4"));
  EXPECT_THAT(r.out, HasSubstr("both checkpoints are signed and match the proof"));
  CommandResult py =
      Py("consistency " + Quote(Path("p.json")) + " --checkpoint-old " + Quote(Path("c4")) +
         " --checkpoint-new " + Quote(Path("c9")) + " --key " + Quote(vkey));
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  // Swapped checkpoints do not match the proof.
  r = LedgerAt(nowhere, "check consistency --proof " + Quote(Path("p.json")) + " --old " +
                            Quote(Path("c9")) + " --new " + Quote(Path("c4")) + " --key " +
                            Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the old checkpoint"));
  // Without checkpoints the proof alone is checked; --json reports it.
  r = LedgerAt(nowhere, "--json check consistency --proof " + Quote(Path("p.json")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("{\"ok\":true,\"kind\":\"consistency\""));
}

TEST_F(AuditCliTest, ProveRejectsBadArguments) {
  Append(3);
  EXPECT_EQ(Ledger("prove inclusion --position 3").exit_code, 5);
  EXPECT_EQ(Ledger("prove inclusion --position 2 --size 2").exit_code, 5);
  EXPECT_EQ(Ledger("prove inclusion --position 0 --size 4").exit_code, 5);
  EXPECT_EQ(Ledger("prove inclusion").exit_code, 2);
  EXPECT_EQ(Ledger("prove inclusion --position 1 --from 1").exit_code, 2);
  EXPECT_EQ(Ledger("prove consistency --from 0").exit_code, 2);
  EXPECT_EQ(Ledger("prove consistency --from 3 --to 2").exit_code, 2);
  EXPECT_EQ(Ledger("prove consistency --from 1 --to 4").exit_code, 5);
  EXPECT_EQ(Ledger("prove other").exit_code, 2);
  EXPECT_EQ(Ledger("prove").exit_code, 2);
  CommandResult r = Ledger("prove inclusion --event-id e-2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"leafIdx\": 2"));
  EXPECT_EQ(Ledger("prove inclusion --event-id nope").exit_code, 5);
}

// --- exports --------------------------------------------------------------------

TEST_F(AuditCliTest, TamperedExportIsRejectedNamingThePosition) {
  Append(5);
  const std::string vkey = Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c")).exit_code, 0);
  const std::string data = ReadFileOrDie(Export(db_, Path("e.bin")));
  const std::vector<std::string> records = SplitExport(data);
  ASSERT_EQ(records.size(), 5u);
  auto cpp_check = [&](const std::string& bytes) {
    WriteFileOrDie(Path("t.bin"), bytes);
    return LedgerAt(Path("nowhere"), "check checkpoint --checkpoint " + Quote(Path("c")) +
                                         " --key " + Quote(vkey) + " --export " +
                                         Quote(Path("t.bin")));
  };

  // A dropped record and a reordered pair: named by position, by both.
  for (const auto& [name, copy, position] :
       {std::tuple{"dropped",
                   std::vector<std::string>{records[0], records[1], records[3], records[4]}, 2},
        std::tuple{
            "reordered",
            std::vector<std::string>{records[0], records[2], records[1], records[3], records[4]},
            1}}) {
    SCOPED_TRACE(name);
    CommandResult r = cpp_check(JoinExport(copy));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("out of order at position ", position)));
    WriteFileOrDie(Path("t.bin"), JoinExport(copy));
    CommandResult py = Py("root " + Quote(Path("t.bin")));
    EXPECT_EQ(py.exit_code, 1) << py.out << py.err;
    EXPECT_THAT(py.err, HasSubstr(absl::StrCat("out of order at position ", position)));
  }
  // A dropped last record: the export is short of the signed size.
  CommandResult r = cpp_check(JoinExport({records[0], records[1], records[2], records[3]}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("records from position 4 on are missing"));

  // One flipped bit anywhere: every byte of the export in turn (bit i % 8 of
  // byte i). The C++ checker must reject every copy; where the flip breaks
  // the framing or a record's position, the message names the position, and
  // otherwise the signed root no longer matches.
  std::vector<size_t> starts;  // byte offset where each record's frame starts
  for (size_t pos = 0, i = 0; i < records.size(); ++i) {
    starts.push_back(pos);
    pos += 1 + (records[i].size() >= 128) + records[i].size();
  }
  for (size_t i = 0; i < data.size(); ++i) {
    std::string copy = data;
    copy[i] ^= static_cast<char>(1 << (i % 8));
    CommandResult c = cpp_check(copy);
    ASSERT_EQ(c.exit_code, 1) << "byte " << i << ": " << c.out << c.err;
    const size_t record = std::upper_bound(starts.begin(), starts.end(), i) - starts.begin() - 1;
    // A changed length prefix may leave its record well formed (it gains or
    // loses a trailing field) and break the framing of the next one: then the
    // next position is the first that is wrong.
    const bool in_prefix = i == starts[record];
    const bool names_it =
        c.err.find(absl::StrCat("position ", record, " ")) != std::string::npos ||
        (in_prefix && c.err.find(absl::StrCat("position ", record + 1, " ")) != std::string::npos);
    const bool root_differs =
        c.err.find("some record in positions 0\u20134 differs") != std::string::npos;
    EXPECT_TRUE(names_it || root_differs)
        << "byte " << i << " (record " << record << "): " << c.err;
  }
  // The Python verifier, in one process for all the copies.
  CommandResult py = PyScript(
      kBitFlipper, absl::StrCat(VerifyExportPy(), " ", Quote(Path("e.bin")), " ", Quote(Path("c")),
                                " ", Quote(vkey), " ", Quote(Path("scratch.bin"))));
  ASSERT_EQ(py.exit_code, 0) << py.err;
  // (read_checkpoint also prints the checkpoint it opened: keep the verdicts.)
  std::vector<std::string> verdicts;
  for (absl::string_view line : absl::StrSplit(py.out, '\n', absl::SkipEmpty())) {
    if (std::regex_search(std::string(line), std::regex("^[0-9]+ (rejected|ACCEPTED)"))) {
      verdicts.emplace_back(line);
    }
  }
  ASSERT_EQ(verdicts.size(), data.size());
  for (const std::string& v : verdicts) EXPECT_THAT(v, HasSubstr(" rejected: ")) << v;
}

// --- audit ----------------------------------------------------------------------

TEST_F(AuditCliTest, AuditPassesAfterMoreAppends) {
  Append(5);
  Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c5")).exit_code, 0);
  Append(12);
  CommandResult r =
      Ledger("audit --checkpoint " + Quote(Path("c5")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS: the ledger (tree size 17) is an append-only extension of the "
                               "signed checkpoint (tree size 5)"));
  for (const char* check :
       {"signature", "origin", "size", "root", "consistency", "verify", "issued checkpoints"}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(absl::StrCat("\n", check, " +pass "))))
        << check << "\n"
        << r.out;
  }
  r = Ledger("--json audit --checkpoint " + Quote(Path("c5")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, testing::StartsWith("{\"ok\":true,\"checkpoint\":{"));
  EXPECT_THAT(r.out, HasSubstr("\"tree_size\":\"17\""));  // uint64: a string
  EXPECT_THAT(r.out, HasSubstr("\"records_checked\":\"17\""));
  EXPECT_THAT(r.out, HasSubstr("\"problem\":\"\""));
  EXPECT_THAT(r.out, HasSubstr("\"outcome\":\"CHECK_OUTCOME_PASS\""));
  // An empty-tree checkpoint is extended by every tree of its log.
  auto l = Reader(db_);
  WriteFileOrDie(Path("c0"), Sign(Path("k"), 0, merkle::EmptyRoot()));
  r = Ledger("audit --checkpoint " + Quote(Path("c0")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(AuditCliTest, AuditFailsAgainstACheckpointOfAnotherLedger) {
  Append(db_, 6, "e");
  Append(Path("db2"), 6, "other");  // same origin and size, other records
  Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(Path("db2"), Path("k"), Path("c-other")).exit_code, 0);
  Append(db_, 2, "e");
  CommandResult r =
      Ledger("audit --checkpoint " + Quote(Path("c-other")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("FAILED: root: the ledger's root at tree size 6 is"));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nconsistency +FAIL ")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nsignature +pass ")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nverify +pass ")));
  r = Ledger("--json audit --checkpoint " + Quote(Path("c-other")) + " --key " +
             Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, testing::StartsWith("{\"ok\":false,"));
}

TEST_F(AuditCliTest, AuditFailsAgainstAForgedCheckpoint) {
  Append(6);
  Keygen(Path("k"));
  Keygen(Path("mallory"), kOrigin);
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c")).exit_code, 0);
  // The signed text edited: the size no longer matches the signature.
  WriteFileOrDie(Path("edited"),
                 absl::StrReplaceAll(ReadFileOrDie(Path("c")), {{"\n6\n", "\n4\n"}}));
  // A checkpoint of a made-up root signed by another key of the same name.
  WriteFileOrDie(Path("forged"), Sign(Path("mallory"), 6, merkle::LeafHash("made up")));
  // A checkpoint claiming more records than the ledger has, validly signed.
  WriteFileOrDie(Path("future"), Sign(Path("k"), 60, merkle::LeafHash("future")));
  for (const auto& [file, failure] :
       {std::pair{"edited", "signature: invalid signature"},
        std::pair{"forged", "signature: note has no verifiable"},
        std::pair{"future", "size: the checkpoint says 60 records"}}) {
    SCOPED_TRACE(file);
    CommandResult r =
        Ledger("audit --checkpoint " + Quote(Path(file)) + " --key " + Quote(Path("k.pub")));
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("FAILED: ", failure)));
    EXPECT_THAT(r.out, HasSubstr("FAIL"));
  }
}

TEST_F(AuditCliTest, AuditFailsWhenAStoredRecordWasChanged) {
  Append(9);
  Keygen(Path("k"));
  ASSERT_EQ(Checkpoint(db_, Path("k"), Path("c")).exit_code, 0);
  // One bit of record 4 changed underneath the ledger, in RocksDB.
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {ledger::kMetaFamily, ledger::kRecordsFamily, ledger::kStreamsFamily,
          ledger::kEventIdsFamily, ledger::kMerkleFamily, ledger::kRetractedFamily}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> h;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_, cfs, &h, &db).ok());
    std::string v;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h[1], ledger::RecordKey(4), &v).ok());
    v.back() ^= 0x01;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[1], ledger::RecordKey(4), v).ok());
    for (auto* handle : h) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    delete db;
  }
  CommandResult r =
      Ledger("audit --checkpoint " + Quote(Path("c")) + " --key " + Quote(Path("k.pub")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("FAILED: verify: at position 4: "));
  // The signed root is still the stored tree's: the record alone was changed.
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nconsistency +pass ")));
  // An export of it fails against the signed checkpoint.
  Export(db_, Path("e.bin"));
  r = LedgerAt(Path("nowhere"), "check checkpoint --checkpoint " + Quote(Path("c")) + " --key " +
                                    Quote(Path("k.pub")) + " --export " + Quote(Path("e.bin")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("differs from what was signed"));
}

// --- verify, which audit runs -----------------------------------------------------
//
// Ledger::Verify reads the fields it needs straight from the record bytes
// when a conservative wire-format check is sure protobuf would parse them,
// and asks protobuf otherwise (ledger/verify.cc). These tests store records
// whose bytes differ from what the ledger wrote -- with the Merkle tree and
// the head recomputed, so that only the parse and the index checks can see
// it -- and compare verify's verdict with protobuf's.

class VerifyRecordBytesTest : public AuditCliTest {
 protected:
  static constexpr uint64_t kRecords = 10;
  static constexpr uint64_t kTarget = 4;

  void SetUp() override {
    Append(kRecords);
    auto l = Reader(db_);
    auto rec = l->ReadOne(kTarget);
    ASSERT_TRUE(rec.ok()) << rec.status();
    original_ = rec->bytes;
    // The bytes of the event inside the record (field 4, the last one).
    enforcement::v1::LedgerRecord r;
    ASSERT_TRUE(r.ParseFromString(original_));
    ASSERT_TRUE(r.event().SerializeToString(&event_));
    ASSERT_TRUE(absl::EndsWith(original_, event_));
    prefix_ = original_.substr(0, original_.size() - event_.size());  // up to field 4's length
    while (!prefix_.empty() && prefix_.back() != '\x22') prefix_.pop_back();
    ASSERT_FALSE(prefix_.empty());
    prefix_.pop_back();  // without the field-4 tag
  }

  // A record: the original fields before the event, then field 4 = `event`.
  std::string WithEvent(const std::string& event) const {
    std::string out = prefix_;
    out.push_back('\x22');
    AppendVarint(event.size(), &out);
    return out + event;
  }

  // Stores `bytes` as record kTarget and rewrites every Merkle node and the
  // head to match, with RocksDB directly.
  void StoreRecord(const std::string& bytes) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {ledger::kMetaFamily, ledger::kRecordsFamily, ledger::kStreamsFamily,
          ledger::kEventIdsFamily, ledger::kMerkleFamily, ledger::kRetractedFamily}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> h;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_, cfs, &h, &db).ok());
    rocksdb::WriteBatch b;
    b.Put(h[1], ledger::RecordKey(kTarget), ledger::EncodeRecordValue(bytes));
    merkle::CompactRange range;
    for (uint64_t i = 0; i < kRecords; ++i) {
      std::string value;
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h[1], ledger::RecordKey(i), &value).ok());
      const std::string record = i == kTarget ? bytes : value.substr(1);
      range.Append(merkle::LeafHash(record),
                   [&](int level, uint64_t index, const merkle::Hash& hash) {
                     b.Put(h[4], ledger::MerkleKey(level, index),
                           std::string(reinterpret_cast<const char*>(hash.data()), hash.size()));
                   });
    }
    std::string head;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h[0], ledger::kHeadKey, &head).ok());
    auto hv = ledger::DecodeHead(head);
    ASSERT_TRUE(hv.has_value());
    hv->root = range.Root();
    b.Put(h[0], ledger::kHeadKey, ledger::EncodeHead(*hv));
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &b).ok());
    for (auto* handle : h) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    delete db;
    testing_support::ForgeHighWaterMark(db_, kRecords, range.Root());
  }

  ledger::VerifyReport VerifyNow() {
    auto l = Reader(db_);
    auto v = l->Verify();
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(ledger::VerifyReport{});
  }

  std::string original_, event_, prefix_;
};

TEST_F(VerifyRecordBytesTest, TheLedgersOwnBytesPass) {
  StoreRecord(original_);
  ledger::VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.records_checked, kRecords);
}

TEST_F(VerifyRecordBytesTest, AnUnknownFieldStillParses) {
  StoreRecord(original_ + "\xa0\x06\x01");  // field 100, varint 1
  ledger::VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok()) << r.problem;
}

TEST_F(VerifyRecordBytesTest, ARepeatedEventIdIsReadAsProtobufReadsIt) {
  // Two event_id fields: protobuf keeps the last, the real one, so the
  // event-id index still matches.
  StoreRecord(WithEvent(std::string("\x0a\x05") + "bogus" + event_));
  ledger::VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok()) << r.problem;
  // The other way round the index no longer matches.
  StoreRecord(WithEvent(event_ + std::string("\x0a\x05") + "bogus"));
  r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), kTarget);
  EXPECT_THAT(r.problem, HasSubstr("event-id index"));
}

TEST_F(VerifyRecordBytesTest, TheLastBodyFieldIsTheBody) {
  // A retraction body before the arrest: the arrest wins (oneof, last one).
  std::string retraction =
      "\x0a\x03"
      "e-1"
      "\x12\x01"
      "x";
  std::string body = "\x7a";  // field 15, wire type 2
  AppendVarint(retraction.size(), &body);
  body += retraction;
  StoreRecord(WithEvent(body + event_));
  ledger::VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok()) << r.problem;
  // After it, the record is a retraction that the retraction index lacks.
  StoreRecord(WithEvent(event_ + body));
  r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), kTarget);
  EXPECT_THAT(r.problem, HasSubstr("retraction index"));
}

TEST_F(VerifyRecordBytesTest, InvalidUtf8DeepInsideDoesNotParse) {
  std::string bytes = original_;
  const size_t at = bytes.rfind("CN");  // the suspect's nationality
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = '\xff';
  StoreRecord(bytes);
  ledger::VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), kTarget);
  EXPECT_THAT(r.problem, HasSubstr("record 4: stored bytes do not parse"));
}

TEST_F(VerifyRecordBytesTest, VerdictAgreesWithProtobufOnRandomDamage) {
  std::mt19937_64 rng(7);
  int parsed = 0, refused = 0;
  for (int i = 0; i < 40; ++i) {
    std::string bytes = original_;
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes; ++c) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    enforcement::v1::LedgerRecord rec;
    const bool protobuf_parses = rec.ParseFromString(bytes);
    StoreRecord(bytes);
    ledger::VerifyReport r = VerifyNow();
    const bool verify_refuses = r.problem.find("stored bytes do not parse") != std::string::npos;
    EXPECT_EQ(verify_refuses, !protobuf_parses) << "damage #" << i << ": " << r.problem;
    (protobuf_parses ? parsed : refused)++;
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

// Many batches, retractions among them: the fast pass passes, and a wrong
// retraction-index entry is found and named.
TEST_F(AuditCliTest, VerifyOfAMultiBatchLedgerWithRetractions) {
  {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    o.durability = ledger::Durability::kBulk;
    auto l = ledger::Ledger::Open(db_, o);
    ASSERT_TRUE(l.ok()) << l.status();
    std::vector<Event> events;
    for (int i = 0; i < 12000; ++i) {
      if (i % 1000 == 999) {
        events.push_back(testing_support::RetractionEvent(absl::StrCat("r-", i), "suspect/s1",
                                                          absl::StrCat("e-", i - 5)));
      } else {
        events.push_back(ArrestEvent(absl::StrCat("e-", i), absl::StrCat("s", i % 13)));
      }
      if (events.size() == 500) {
        auto r = (*l)->AppendEvents(events);
        ASSERT_TRUE(r.ok()) << r.status();
        events.clear();
      }
    }
    ASSERT_TRUE((*l)->Flush().ok());
    auto v = (*l)->Verify();  // a writer verifies too (through a snapshot)
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->ok()) << v->problem;
    EXPECT_EQ(v->records_checked, 12000u);
  }
  CommandResult r = Ledger("verify --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"ok\":true,\"records_checked\":\"12000\""));
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name :
         {ledger::kMetaFamily, ledger::kRecordsFamily, ledger::kStreamsFamily,
          ledger::kEventIdsFamily, ledger::kMerkleFamily, ledger::kRetractedFamily}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> h;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_, cfs, &h, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[5], "e-7994", ledger::RecordKey(1)).ok());
    for (auto* handle : h) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    delete db;
  }
  r = Ledger("verify");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("verification FAILED at position 7999: the retraction index entry"));
}

}  // namespace
