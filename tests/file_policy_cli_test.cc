// The file policy of the `ledger` program (docs/FILES.md), run as the real
// binary on temporary ledgers with hostile paths:
//  - every output (--out, --record-out, --rejects, the keygen prefix) is
//    written only over nothing or over a regular file the command owns by
//    contract: device nodes, FIFOs, directories, symlinks, files inside a
//    ledger directory, the command's own inputs and key files are refused,
//    untouched;
//  - lock files are never followed through a symlink;
//  - every input read whole (keys, checkpoints, proofs, records, mappings,
//    the issued checkpoints in <db>/checkpoints/) must be a regular file
//    within a documented size: a FIFO or /dev/zero is refused at once;
//  - a signer key open to group or others is refused;
//  - `checkpoint` refuses to sign while any issued checkpoint disagrees with
//    the tree.
// The tests make device nodes with mknod(2) and so expect to run as root
// (as in the build sandbox); they skip those parts otherwise. Commands that
// could read forever on the old code run under `timeout` and a memory
// limit, so that a regression fails instead of hanging.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::ReadFileOrDie;
using testing_support::TempDir;
using testing_support::WriteFileOrDie;

constexpr char kOrigin[] = "test.example/log";

// What a path is, without following a symlink.
std::filesystem::file_type TypeOf(const std::string& path) {
  std::error_code ec;
  return std::filesystem::symlink_status(path, ec).type();
}

class FilePolicyCliTest : public testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    auto l = ledger::Ledger::Open(db_, o);
    ASSERT_TRUE(l.ok()) << l.status();
    std::vector<enforcement::v1::Event> events;
    for (int i = 0; i < 5; ++i) {
      events.push_back(testing_support::ArrestEvent(absl::StrCat("e-", i), absl::StrCat("s", i)));
    }
    ASSERT_TRUE((*l)->AppendEvents(events).ok());
  }

  // Runs `ledger --db DB ARGS` under a 30 s timeout and a 4 GiB memory
  // limit (a command that reads /dev/zero or waits on a FIFO fails instead
  // of hanging the suite): an address-space limit (ulimit -v), or under the
  // sanitizers, which reserve terabytes of address space for their shadow
  // memory, ASan's own RSS limit.
  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    const char* sanitized = std::getenv("LEDGER_SANITIZER_BUILD");
    const std::string limit =
        sanitized != nullptr && std::string(sanitized) == "1"
            ? "export ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=4096\"; "
            : "ulimit -v 4194304; ";
    return testing_support::RunCommand(
        absl::StrCat(limit, "exec timeout 30 ", Quote(testing_support::LedgerBinary()), " --db ",
                     Quote(db_), " ", args),
        stdin_data);
  }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  void Append(int n, const std::string& prefix) {
    ledger::OpenOptions o;
    auto l = ledger::Ledger::Open(db_, o);
    ASSERT_TRUE(l.ok()) << l.status();
    std::vector<enforcement::v1::Event> events;
    for (int i = 0; i < n; ++i) {
      events.push_back(
          testing_support::ArrestEvent(absl::StrCat(prefix, "-", i), absl::StrCat("s", i)));
    }
    ASSERT_TRUE((*l)->AppendEvents(events).ok());
  }

  void Keygen(const std::string& prefix) {
    CommandResult r = Ledger(absl::StrCat("keygen --name ", kOrigin, " --out ", Quote(prefix)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A character device node at `path` with the numbers of /dev/null (1, 3).
  // False (and the test should skip) when not allowed (not root).
  bool MakeDeviceNode(const std::string& path) {
    return ::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
  }
  void MakeFifo(const std::string& path) { ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0); }

  // The number of *.ckpt files in <db>/checkpoints.
  int IssuedFiles() const {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(db_ + "/checkpoints", ec)) {
      n += e.path().extension() == ".ckpt";
    }
    return n;
  }

  // Asserts that `r` is a refusal with exit `code` whose message has `what`.
  static void ExpectRefused(const CommandResult& r, int code, const std::string& what) {
    EXPECT_EQ(r.exit_code, code) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(what)) << r.err;
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

// --- outputs -------------------------------------------------------------------

TEST_F(FilePolicyCliTest, OutputRefusesADeviceNode) {
  const std::string dev = Path("null");
  if (!MakeDeviceNode(dev)) GTEST_SKIP() << "mknod needs root";
  for (const std::string& args :
       {"prove inclusion --position 0 --out " + Quote(dev),
        "prove inclusion --position 0 --record-out " + Quote(dev),
        "prove consistency --from 1 --out " + Quote(dev),
        "export --format ndjson --out " + Quote(dev),
        "gen --events 2 --seed 1 --out " + Quote(dev)}) {
    SCOPED_TRACE(args);
    CommandResult r = Ledger(args);
    ExpectRefused(r, 2, "is a character device");
    EXPECT_EQ(TypeOf(dev), std::filesystem::file_type::character);
  }
  // No temporary file was left beside it either.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp"))) << e.path();
  }
}

TEST_F(FilePolicyCliTest, OutputRefusesAFifoADirectoryAndASymlink) {
  MakeFifo(Path("fifo"));
  std::filesystem::create_directory(Path("dir"));
  WriteFileOrDie(Path("victim"), "precious\n");
  std::filesystem::create_symlink(Path("victim"), Path("link"));
  std::filesystem::create_symlink(Path("nowhere"), Path("dangling"));
  struct Case {
    std::string path, what;
  };
  for (const Case& c : {Case{Path("fifo"), "is a FIFO"}, Case{Path("dir"), "is a directory"},
                        Case{Path("link"), "is a symbolic link"},
                        Case{Path("dangling"), "is a symbolic link"}}) {
    for (const std::string& args : {"export --format ndjson --out " + Quote(c.path),
                                    "prove inclusion --position 1 --out " + Quote(c.path),
                                    "gen --events 2 --seed 1 --out " + Quote(c.path)}) {
      SCOPED_TRACE(args);
      ExpectRefused(Ledger(args), 2, c.what);
    }
  }
  EXPECT_EQ(TypeOf(Path("fifo")), std::filesystem::file_type::fifo);
  EXPECT_EQ(TypeOf(Path("link")), std::filesystem::file_type::symlink);
  EXPECT_EQ(TypeOf(Path("dangling")), std::filesystem::file_type::symlink);
  EXPECT_FALSE(std::filesystem::exists(Path("nowhere")));
  EXPECT_EQ(ReadFileOrDie(Path("victim")), "precious\n");
}

TEST_F(FilePolicyCliTest, CheckpointOutRefusesItsOwnKeyByIdentityNotByName) {
  Keygen(Path("kk"));
  const std::string key = ReadFileOrDie(Path("kk.key"));
  ASSERT_EQ(::link(Path("kk.key").c_str(), Path("hardlink").c_str()), 0);
  const std::string dot = dir_.path() + "/./kk.key";
  for (const std::string& out : {Path("kk.key"), dot, Path("hardlink")}) {
    SCOPED_TRACE(out);
    CommandResult r =
        Ledger("checkpoint --key " + Quote(Path("kk.key")) + " --out " + Quote(out));
    ExpectRefused(r, 2, "is the signer key file");
    EXPECT_EQ(ReadFileOrDie(Path("kk.key")), key);
    struct stat st;
    ASSERT_EQ(::stat(Path("kk.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  // Nothing was signed: the refusal comes before the store is touched.
  EXPECT_EQ(IssuedFiles(), 0);
}

TEST_F(FilePolicyCliTest, OutputRefusesAnyFileHoldingASignerKey) {
  Keygen(Path("other"));
  const std::string key = ReadFileOrDie(Path("other.key"));
  ExpectRefused(Ledger("prove inclusion --position 0 --out " + Quote(Path("other.key"))), 2,
                "holds a signer key");
  ExpectRefused(Ledger("export --format ndjson --out " + Quote(Path("other.key"))), 2,
                "holds a signer key");
  EXPECT_EQ(ReadFileOrDie(Path("other.key")), key);
}

TEST_F(FilePolicyCliTest, OutputRefusesAnythingInsideALedgerDirectory) {
  const std::string current = ReadFileOrDie(db_ + "/CURRENT");
  for (const std::string& target :
       {db_ + "/CURRENT", db_ + "/new-file", db_ + "/checkpoints/x.ckpt"}) {
    SCOPED_TRACE(target);
    std::filesystem::create_directories(db_ + "/checkpoints");
    ExpectRefused(Ledger("export --format delimited --out " + Quote(target)), 2,
                  "is inside the ledger directory");
    ExpectRefused(Ledger("prove consistency --from 2 --out " + Quote(target)), 2,
                  "is inside the ledger directory");
  }
  // Through a symlinked directory too.
  std::filesystem::create_directory_symlink(db_, Path("alias"));
  ExpectRefused(Ledger("export --format delimited --out " + Quote(Path("alias/CURRENT"))), 2,
                "is inside the ledger directory");
  ExpectRefused(Ledger("keygen --name x --out " + Quote(db_ + "/k")), 2,
                "is inside the ledger directory");
  EXPECT_EQ(ReadFileOrDie(db_ + "/CURRENT"), current);
  EXPECT_FALSE(std::filesystem::exists(db_ + "/new-file"));
  EXPECT_FALSE(std::filesystem::exists(db_ + "/k.key"));
  CommandResult v = Ledger("verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

TEST_F(FilePolicyCliTest, RecordOutAndOutMustBeTwoFiles) {
  WriteFileOrDie(Path("p.json"), "old\n");
  ExpectRefused(Ledger("prove inclusion --position 0 --record-out " + Quote(Path("p.json")) +
                       " --out " + Quote(dir_.path() + "/./p.json")),
                2, "the same file");
  EXPECT_EQ(ReadFileOrDie(Path("p.json")), "old\n");
}

TEST_F(FilePolicyCliTest, OutputStillReplacesARegularFileItWasAskedToWrite) {
  WriteFileOrDie(Path("copy.ndjson"), "yesterday's copy\n");
  CommandResult r = Ledger("export --format ndjson --out " + Quote(Path("copy.ndjson")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(ReadFileOrDie(Path("copy.ndjson")), HasSubstr("e-4"));
  r = Ledger("prove inclusion --position 1 --out " + Quote(Path("copy.ndjson")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(ReadFileOrDie(Path("copy.ndjson")), HasSubstr("leafIdx"));
}

// --- --rejects -------------------------------------------------------------------

TEST_F(FilePolicyCliTest, RejectsRefusesAFileThatIsNotARejectsFileUntouched) {
  const std::string input = Path("in.ndjson");
  WriteFileOrDie(input, "{\"eventId\": \"broken\",\n");
  // Without a line end, with one, and one that merely starts like JSON.
  for (const std::string& notes :
       {std::string("my notes"), std::string("my notes\n"), std::string("{\"a\":1}"),
        std::string("{\"input\":\"x\",\"line\":1,\"row_sha256\":\"ab\"}\nplain text")}) {
    SCOPED_TRACE(notes);
    WriteFileOrDie(Path("notes.txt"), notes);
    CommandResult r = Ledger("import " + Quote(input) + " --rejects " + Quote(Path("notes.txt")));
    ExpectRefused(r, 3, "not a rejects file");
    EXPECT_EQ(ReadFileOrDie(Path("notes.txt")), notes);
  }
}

TEST_F(FilePolicyCliTest, RejectsStillCutsATornLastEntry) {
  const std::string input = Path("in.ndjson");
  WriteFileOrDie(input, "{\"eventId\": \"broken\",\n");
  WriteFileOrDie(Path("r.ndjson"), "{\"input\":\"in.ndjson\",\"li");
  CommandResult r = Ledger("import " + Quote(input) + " --rejects " + Quote(Path("r.ndjson")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string content = ReadFileOrDie(Path("r.ndjson"));
  EXPECT_THAT(content, testing::StartsWith("{\"input\":"));
  EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 1) << content;
}

TEST_F(FilePolicyCliTest, RejectsRefusesTheInputItselfByIdentity) {
  const std::string input = Path("in.ndjson");
  const std::string text = "{\"eventId\": \"broken\",\n";
  WriteFileOrDie(input, text);
  ASSERT_EQ(::link(input.c_str(), Path("same").c_str()), 0);
  for (const std::string& rejects : {dir_.path() + "/./in.ndjson", Path("same")}) {
    SCOPED_TRACE(rejects);
    ExpectRefused(Ledger("import " + Quote(input) + " --rejects " + Quote(rejects)), 2,
                  "is the input");
    EXPECT_EQ(ReadFileOrDie(input), text);
  }
  // Standard input redirected from the file is the same file.
  CommandResult r = testing_support::RunCommand(
      absl::StrCat("exec timeout 30 ", Quote(testing_support::LedgerBinary()), " --db ",
                   Quote(db_), " import - --rejects ", Quote(input), " < ", Quote(input)));
  ExpectRefused(r, 2, "is the input");
  EXPECT_EQ(ReadFileOrDie(input), text);
}

TEST_F(FilePolicyCliTest, RejectsRefusesSymlinksSpecialFilesAndTheLedgerDirectory) {
  const std::string input = Path("in.ndjson");
  WriteFileOrDie(input, "{\"eventId\": \"broken\",\n");
  WriteFileOrDie(Path("victim"), "");
  std::filesystem::create_symlink(Path("victim"), Path("link"));
  MakeFifo(Path("fifo"));
  struct Case {
    std::string path, what;
  };
  std::vector<Case> cases = {{Path("link"), "is a symbolic link"},
                             {Path("fifo"), "is a FIFO"},
                             {db_ + "/rejects.ndjson", "is inside the ledger directory"}};
  if (MakeDeviceNode(Path("null"))) cases.push_back({Path("null"), "is a character device"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    ExpectRefused(Ledger("import " + Quote(input) + " --rejects " + Quote(c.path)), 2, c.what);
  }
  EXPECT_EQ(ReadFileOrDie(Path("victim")), "");
  EXPECT_EQ(TypeOf(Path("link")), std::filesystem::file_type::symlink);
  EXPECT_FALSE(std::filesystem::exists(db_ + "/rejects.ndjson"));
}

// --- lock files --------------------------------------------------------------

TEST_F(FilePolicyCliTest, CheckpointStoreLockIsNotFollowedThroughASymlink) {
  Keygen(Path("k"));
  std::filesystem::create_directories(db_ + "/checkpoints");
  std::filesystem::create_symlink(Path("made-by-following"), db_ + "/checkpoints/LOCK");
  CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.key")));
  EXPECT_EQ(r.exit_code, 10) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("LOCK"));
  EXPECT_THAT(r.err, HasSubstr("symbolic link"));
  EXPECT_FALSE(std::filesystem::exists(Path("made-by-following")));
}

TEST_F(FilePolicyCliTest, ViewsLockIsNotFollowedThroughASymlink) {
  CommandResult r = Ledger("suspects list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(std::filesystem::exists(db_ + "/views/VIEWS.lock"));
  std::filesystem::remove(db_ + "/views/VIEWS.lock");
  WriteFileOrDie(Path("victim"), "precious\n");
  std::filesystem::create_symlink(Path("victim"), db_ + "/views/VIEWS.lock");
  r = Ledger("suspects list");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.err, HasSubstr("symbolic link"));
  EXPECT_EQ(ReadFileOrDie(Path("victim")), "precious\n");
}

// --- checkpoints -----------------------------------------------------------------

TEST_F(FilePolicyCliTest, CheckpointRefusesWhileAnIssuedCheckpointsRootWasEdited) {
  Keygen(Path("k"));
  ASSERT_EQ(Ledger("checkpoint --key " + Quote(Path("k.key")) + " --size 2").exit_code, 0);
  ASSERT_EQ(Ledger("checkpoint --key " + Quote(Path("k.key")) + " --size 4").exit_code, 0);
  // Edit the root of the older one (not a neighbour of the next signing).
  std::string edited;
  for (const auto& e : std::filesystem::directory_iterator(db_ + "/checkpoints")) {
    if (absl::StartsWith(e.path().filename().string(), "00000000000000000002-")) {
      edited = e.path().string();
    }
  }
  ASSERT_FALSE(edited.empty());
  std::string note = ReadFileOrDie(edited);
  const size_t root_at = note.find('\n', note.find('\n') + 1) + 1;
  note[root_at] = note[root_at] == 'A' ? 'B' : 'A';
  WriteFileOrDie(edited, note);
  Append(3, "more");
  const int files_before = IssuedFiles();
  CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.key")));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("refusing to sign"));
  EXPECT_THAT(r.err, HasSubstr(std::filesystem::path(edited).filename().string()));
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(IssuedFiles(), files_before);
}

// --- bounded inputs ----------------------------------------------------------------

TEST_F(FilePolicyCliTest, AnIssuedCheckpointLinkedToDevZeroOrAFifoIsRefusedAtOnce) {
  Keygen(Path("k"));
  std::filesystem::create_directories(db_ + "/checkpoints");
  std::filesystem::create_symlink("/dev/zero", db_ + "/checkpoints/00000000000000000001-z.ckpt");
  CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.key")));
  ExpectRefused(r, 1, "not a regular file");
  EXPECT_THAT(r.err, HasSubstr("00000000000000000001-z.ckpt"));
  ExpectRefused(Ledger("checkpoints"), 1, "not a regular file");
  std::filesystem::remove(db_ + "/checkpoints/00000000000000000001-z.ckpt");
  MakeFifo(db_ + "/checkpoints/00000000000000000001-f.ckpt");
  ExpectRefused(Ledger("checkpoint --key " + Quote(Path("k.key"))), 1, "is a FIFO");
}

TEST_F(FilePolicyCliTest, InputFilesMustBeRegularFiles) {
  Keygen(Path("k"));
  MakeFifo(Path("fifo"));
  CommandResult p = Ledger("prove inclusion --position 0 --out " + Quote(Path("p.json")) +
                           " --record-out " + Quote(Path("r.bin")));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  WriteFileOrDie(Path("in.csv"), "a,b\n1,2\n");
  for (const std::string& special : {std::string("/dev/zero"), Path("fifo")}) {
    for (const std::string& args :
         {"checkpoint --key " + Quote(special),
          "check checkpoint --checkpoint " + Quote(special) + " --key " + Quote(Path("k.pub")),
          "check checkpoint --checkpoint " + Quote(Path("p.json")) + " --key @" + Quote(special),
          "check inclusion --proof " + Quote(special) + " --record " + Quote(Path("r.bin")),
          "check inclusion --proof " + Quote(Path("p.json")) + " --record " + Quote(special),
          "check consistency --proof " + Quote(special),
          "audit --checkpoint " + Quote(special) + " --key " + Quote(Path("k.pub")),
          "import " + Quote(Path("in.csv")) + " --mapping " + Quote(special)}) {
      SCOPED_TRACE(args);
      ExpectRefused(Ledger(args), 2, "not a regular file");
    }
  }
}

TEST_F(FilePolicyCliTest, InputFilesOverTheirSizeLimitAreRefused) {
  Keygen(Path("k"));
  std::string key = ReadFileOrDie(Path("k.key"));
  WriteFileOrDie(Path("big.key"), key + std::string(8192, '\n'));
  ::chmod(Path("big.key").c_str(), 0600);
  ExpectRefused(Ledger("checkpoint --key " + Quote(Path("big.key"))), 2, "more than 4096 bytes");
  WriteFileOrDie(Path("in.csv"), "a,b\n1,2\n");
  WriteFileOrDie(Path("big.mapping"), std::string((1 << 20) + 1, '#'));
  ExpectRefused(Ledger("import " + Quote(Path("in.csv")) + " --mapping " + Quote(Path("big.mapping"))),
                2, "more than 1048576 bytes");
  WriteFileOrDie(Path("big.ckpt"), std::string((1 << 20) + 1, 'x'));
  ExpectRefused(
      Ledger("check checkpoint --checkpoint " + Quote(Path("big.ckpt")) + " --key " +
             Quote(Path("k.pub"))),
      2, "more than 1048576 bytes");
}

TEST_F(FilePolicyCliTest, ImportStillStreamsFromAFifo) {
  MakeFifo(Path("fifo"));
  ASSERT_EQ(Ledger("gen --events 3 --seed 7 --out " + Quote(Path("in.ndjson"))).exit_code, 0);
  CommandResult r = testing_support::RunCommand(absl::StrCat(
      "cat ", Quote(Path("in.ndjson")), " > ", Quote(Path("fifo")), " & exec timeout 30 ",
      Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " import ",
      Quote(Path("fifo"))));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("appended 3"));
}

// --- signer key permissions -------------------------------------------------------

TEST_F(FilePolicyCliTest, ASignerKeyOpenToGroupOrOthersIsRefused) {
  Keygen(Path("k"));
  for (mode_t mode : {0640, 0604, 0620, 0602, 0644, 0660}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(Path("k.key").c_str(), mode), 0);
    CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.key")));
    ExpectRefused(r, 2, "chmod 600");
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_EQ(IssuedFiles(), 0);
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(Path("k.key").c_str(), mode), 0);
    CommandResult r = Ledger("checkpoint --key " + Quote(Path("k.key")));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
}

}  // namespace
