// The file policy's helpers (util/output_file.h, util/file_io.h):
// CheckOutputPath, OutputFile, OpenOutputInPlace, EnclosingLedgerDirectory,
// the bounded ReadWholeFile and OpenLockFile. The `ledger` program's use of
// them is tests/file_policy_cli_test.cc.
#include "util/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/file_io.h"
#include "tests/support/paths.h"

namespace {

using testing::HasSubstr;
using testing_support::ReadFileOrDie;
using testing_support::TempDir;
using testing_support::WriteFileOrDie;

class OutputFileTest : public testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  // A directory that looks like a ledger: CURRENT + WRITER.lock.
  std::string MakeLedgerDir(const std::string& name) {
    const std::string d = Path(name);
    std::filesystem::create_directories(d + "/sub");
    WriteFileOrDie(d + "/CURRENT", "MANIFEST-000005\n");
    WriteFileOrDie(d + "/WRITER.lock", "");
    return d;
  }
  int FilesIn(const std::string& dir) const {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) n += !e.is_directory();
    return n;
  }
  const ledger::OutputRules kRules{"--out", {}};
  TempDir dir_;
};

void ExpectRefused(const absl::Status& s, const std::string& why) {
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr(why));
  EXPECT_THAT(s.message(), HasSubstr("refused"));
}

TEST_F(OutputFileTest, ANewPathOrARegularFileIsAccepted) {
  absl::StatusOr<ledger::OutputTarget> t = ledger::CheckOutputPath(Path("new"), kRules);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(t->existing.has_value());
  WriteFileOrDie(Path("old"), "x");
  t = ledger::CheckOutputPath(Path("old"), kRules);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->existing.has_value());
}

TEST_F(OutputFileTest, EverythingButARegularFileIsRefused) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0644), 0);
  std::filesystem::create_directory(Path("dir"));
  WriteFileOrDie(Path("target"), "x");
  std::filesystem::create_symlink(Path("target"), Path("link"));
  std::filesystem::create_symlink(Path("absent"), Path("dangling"));
  ExpectRefused(ledger::CheckOutputPath(Path("fifo"), kRules).status(), "is a FIFO");
  ExpectRefused(ledger::CheckOutputPath(Path("dir"), kRules).status(), "is a directory");
  ExpectRefused(ledger::CheckOutputPath(Path("link"), kRules).status(), "is a symbolic link");
  ExpectRefused(ledger::CheckOutputPath(Path("dangling"), kRules).status(), "is a symbolic link");
  if (::mknod(Path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    ExpectRefused(ledger::CheckOutputPath(Path("null"), kRules).status(),
                  "is a character device");
  }
  ExpectRefused(ledger::CheckOutputPath("/dev/null", kRules).status(), "is a character device");
}

TEST_F(OutputFileTest, TheMessageNamesTheOptionAndThePath) {
  absl::Status s = ledger::CheckOutputPath("/dev/null", {"--record-out", {}}).status();
  EXPECT_THAT(s.message(), HasSubstr("--record-out /dev/null is a character device"));
  EXPECT_THAT(s.message(), HasSubstr("docs/FILES.md"));
}

TEST_F(OutputFileTest, AnInputIsRecognisedByDeviceAndInode) {
  WriteFileOrDie(Path("in"), "input");
  ASSERT_EQ(::link(Path("in").c_str(), Path("hard").c_str()), 0);
  std::optional<ledger::FileId> id = ledger::IdentifyPath(Path("in"));
  ASSERT_TRUE(id.has_value());
  const ledger::OutputRules rules{"--rejects", {{*id, "the input"}}};
  for (const std::string& p : {Path("in"), dir_.path() + "/./in", dir_.path() + "//in",
                               Path("hard")}) {
    ExpectRefused(ledger::CheckOutputPath(p, rules).status(), "is the input of this command");
  }
  WriteFileOrDie(Path("other"), "x");
  EXPECT_TRUE(ledger::CheckOutputPath(Path("other"), rules).ok());
}

TEST_F(OutputFileTest, AFileHoldingASignerKeyIsRefused) {
  WriteFileOrDie(Path("k.key"), "PRIVATE+KEY+n+01234567+AQ==\n");
  ExpectRefused(ledger::CheckOutputPath(Path("k.key"), kRules).status(), "holds a signer key");
  WriteFileOrDie(Path("short"), "PRIVATE");
  EXPECT_TRUE(ledger::CheckOutputPath(Path("short"), kRules).ok());
}

TEST_F(OutputFileTest, LedgerDirectoriesAreRecognisedFromAnyDepth) {
  const std::string db = MakeLedgerDir("db");
  char real[PATH_MAX];
  ASSERT_NE(::realpath(db.c_str(), real), nullptr);
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(db + "/CURRENT"), std::string(real));
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(db + "/sub/x"), std::string(real));
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(db + "/sub/../x"), std::string(real));
  std::filesystem::create_directory_symlink(db, Path("alias"));
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(Path("alias/x")), std::string(real));
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(Path("x")), std::nullopt);
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(Path("missing/x")), std::nullopt);
  // CURRENT alone is not enough; CURRENT with checkpoints/ or IDENTITY is.
  std::filesystem::create_directory(Path("plain"));
  WriteFileOrDie(Path("plain/CURRENT"), "x");
  EXPECT_EQ(ledger::EnclosingLedgerDirectory(Path("plain/x")), std::nullopt);
  std::filesystem::create_directory(Path("plain/checkpoints"));
  EXPECT_TRUE(ledger::EnclosingLedgerDirectory(Path("plain/x")).has_value());
  std::filesystem::create_directory(Path("rocks"));
  WriteFileOrDie(Path("rocks/CURRENT"), "x");
  WriteFileOrDie(Path("rocks/IDENTITY"), "x");
  EXPECT_TRUE(ledger::EnclosingLedgerDirectory(Path("rocks/x")).has_value());
  ExpectRefused(ledger::CheckOutputPath(db + "/sub/new", kRules).status(),
                "is inside the ledger directory");
}

TEST_F(OutputFileTest, CommitReplacesARegularFileAndLeavesNoTemporaryFile) {
  WriteFileOrDie(Path("out"), "old");
  ASSERT_TRUE(ledger::WriteOutputFile(Path("out"), "new", kRules, 0640).ok());
  EXPECT_EQ(ReadFileOrDie(Path("out")), "new");
  struct stat st;
  ASSERT_EQ(::stat(Path("out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_TRUE(ledger::WriteOutputFile(Path("fresh"), "data", kRules).ok());
  EXPECT_EQ(ReadFileOrDie(Path("fresh")), "data");
  EXPECT_EQ(FilesIn(dir_.path()), 2);
}

TEST_F(OutputFileTest, AnUncommittedOutputLeavesTheTargetAsItWas) {
  WriteFileOrDie(Path("out"), "old");
  {
    auto f = ledger::OutputFile::Create(Path("out"), kRules);
    ASSERT_TRUE(f.ok()) << f.status();
    ASSERT_TRUE((*f)->Write("half").ok());
  }
  EXPECT_EQ(ReadFileOrDie(Path("out")), "old");
  EXPECT_EQ(FilesIn(dir_.path()), 1);
}

TEST_F(OutputFileTest, CommitRefusesATargetThatChangedMeanwhile) {
  // A free path where a file appears before the commit: never replaced.
  auto f = ledger::OutputFile::Create(Path("out"), kRules);
  ASSERT_TRUE(f.ok()) << f.status();
  WriteFileOrDie(Path("out"), "someone else's");
  ExpectRefused((*f)->Commit(), "appeared while the output was being written");
  EXPECT_EQ(ReadFileOrDie(Path("out")), "someone else's");
  // A regular file swapped for a symlink before the commit.
  WriteFileOrDie(Path("out2"), "old");
  auto g = ledger::OutputFile::Create(Path("out2"), kRules);
  ASSERT_TRUE(g.ok()) << g.status();
  std::filesystem::remove(Path("out2"));
  WriteFileOrDie(Path("victim"), "precious");
  std::filesystem::create_symlink(Path("victim"), Path("out2"));
  ExpectRefused((*g)->Commit(), "changed while the output was being written");
  EXPECT_EQ(ReadFileOrDie(Path("victim")), "precious");
  EXPECT_TRUE(std::filesystem::is_symlink(Path("out2")));
}

TEST_F(OutputFileTest, OpenInPlaceCreatesOrOpensARegularFileOnly) {
  absl::StatusOr<int> fd = ledger::OpenOutputInPlace(Path("r"), kRules);
  ASSERT_TRUE(fd.ok()) << fd.status();
  ::close(*fd);
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("r")));
  WriteFileOrDie(Path("victim"), "precious");
  std::filesystem::create_symlink(Path("victim"), Path("link"));
  ExpectRefused(ledger::OpenOutputInPlace(Path("link"), kRules).status(), "is a symbolic link");
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0644), 0);
  ExpectRefused(ledger::OpenOutputInPlace(Path("fifo"), kRules).status(), "is a FIFO");
  EXPECT_EQ(ReadFileOrDie(Path("victim")), "precious");
}

// --- inputs ---------------------------------------------------------------------

TEST_F(OutputFileTest, ReadWholeFileReadsARegularFileWithinItsLimit) {
  WriteFileOrDie(Path("f"), "12345");
  ledger::ReadFileInfo info;
  absl::StatusOr<std::string> r = ledger::ReadWholeFile(Path("f"), 5, &info);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "12345");
  EXPECT_TRUE(S_ISREG(info.mode));
  EXPECT_EQ(info.id, *ledger::IdentifyPath(Path("f")));
  r = ledger::ReadWholeFile(Path("f"), 4);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("is more than 4 bytes"));
  // Through a symlink is fine for an input.
  std::filesystem::create_symlink(Path("f"), Path("l"));
  EXPECT_TRUE(ledger::ReadWholeFile(Path("l"), 5).ok());
  EXPECT_EQ(ledger::ReadWholeFile(Path("missing"), 5).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OutputFileTest, ReadWholeFileRefusesSpecialFilesAtOnce) {
  ASSERT_EQ(::mkfifo(Path("fifo").c_str(), 0644), 0);
  std::filesystem::create_directory(Path("dir"));
  struct Case {
    std::string path, what;
  };
  for (const Case& c : {Case{"/dev/zero", "(it is a character device)"},
                        Case{Path("fifo"), "(it is a FIFO)"},
                        Case{Path("dir"), "(it is a directory)"}}) {
    absl::StatusOr<std::string> r = ledger::ReadWholeFile(c.path, 1 << 20);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.path;
    EXPECT_THAT(r.status().message(), HasSubstr("is not a regular file " + c.what));
  }
}

TEST_F(OutputFileTest, LockFilesAreNeverFollowed) {
  absl::StatusOr<int> fd = ledger::OpenLockFile(Path("LOCK"));
  ASSERT_TRUE(fd.ok()) << fd.status();
  ::close(*fd);
  std::filesystem::create_symlink(Path("target"), Path("LOCK2"));
  absl::StatusOr<int> l = ledger::OpenLockFile(Path("LOCK2"));
  EXPECT_EQ(l.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(l.status().message(), HasSubstr("is a symbolic link"));
  EXPECT_FALSE(std::filesystem::exists(Path("target")));
  ASSERT_EQ(::mkfifo(Path("LOCK3").c_str(), 0644), 0);
  l = ledger::OpenLockFile(Path("LOCK3"));
  EXPECT_THAT(l.status().message(), HasSubstr("is not a regular file (it is a FIFO)"));
}

}  // namespace
