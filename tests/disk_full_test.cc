// A full disk: appends fail with kResourceExhausted ("no space left on device
// while ..."), nothing aborts, every acknowledged batch survives, and the
// ledger reopens consistent and resumable once there is space again.
//
// In process, the disk fills through NoSpaceFileSystem (tests/support), which
// runs anywhere. The CLI tests run the real binary on a real, small tmpfs and
// are skipped where the test cannot mount one (not root, or in a container
// that forbids it).
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "tests/support/event_builders.h"
#include "tests/support/no_space_fs.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing::Not;
using testing_support::ArrestEvent;
using testing_support::CommandResult;
using testing_support::EnvOver;
using testing_support::LedgerBinary;
using testing_support::NoSpaceFileSystem;
using testing_support::Quote;
using testing_support::RunCommand;
using testing_support::TempDir;

// Batch `b`: `n` arrests with ids "b<b>-<i>", each of its own suspect.
std::vector<Event> Batch(int b, int n) {
  std::vector<Event> events;
  for (int i = 0; i < n; ++i) {
    events.push_back(ArrestEvent(absl::StrCat("b", b, "-", i), absl::StrCat("s", b, "-", i)));
  }
  return events;
}

struct DiskFullCase {
  Durability durability;
  uint64_t budget;  // bytes the disk takes after the ledger is open
};

std::string CaseName(const testing::TestParamInfo<DiskFullCase>& info) {
  return absl::StrCat(info.param.durability == Durability::kSync ? "Sync" : "Bulk", "After",
                      info.param.budget, "Bytes");
}

class DiskFullTest : public testing::TestWithParam<DiskFullCase> {
 protected:
  OpenOptions Options(bool create) const {
    OpenOptions o;
    o.create_if_missing = create;
    o.origin = "disk-full.test/log";
    o.durability = GetParam().durability;
    o.env = env_;
    return o;
  }

  TempDir dir_;
  std::shared_ptr<NoSpaceFileSystem> fs_ = std::make_shared<NoSpaceFileSystem>();
  std::shared_ptr<rocksdb::Env> env_ = EnvOver(fs_);
};

TEST_P(DiskFullTest, AppendsFailCleanlyAndTheLedgerResumesWithSpaceAgain) {
  const std::string path = dir_.Sub("db");
  absl::StatusOr<std::unique_ptr<Ledger>> l = Ledger::Open(path, Options(true));
  ASSERT_TRUE(l.ok()) << l.status();
  // Some batches with space, then the disk fills.
  std::vector<std::string> acknowledged;
  int b = 0;
  for (; b < 3; ++b) {
    absl::StatusOr<AppendResult> r = (*l)->AppendEvents(Batch(b, 50));
    ASSERT_TRUE(r.ok()) << r.status();
    for (const Event& e : Batch(b, 50)) acknowledged.push_back(e.event_id());
  }
  fs_->LimitTo(GetParam().budget);
  absl::Status failure;
  for (; b < 10000; ++b) {
    absl::StatusOr<AppendResult> r = (*l)->AppendEvents(Batch(b, 50));
    if (!r.ok()) {
      failure = r.status();
      break;
    }
    for (const Event& e : Batch(b, 50)) acknowledged.push_back(e.event_id());
  }
  ASSERT_FALSE(failure.ok()) << "the disk never filled";
  EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
  EXPECT_THAT(failure.message(), HasSubstr("no space left on device while writing the batch"));
  EXPECT_EQ((*l)->GetHead().tree_size, acknowledged.size());

  // Once a write failed, no more appends, and none reaches the disk.
  absl::StatusOr<AppendResult> again = (*l)->AppendEvents(Batch(b + 1, 1));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(again.status().message(), HasSubstr("reopen"));
  // What was acknowledged can still be made durable (bulk mode's last step),
  // and the high-water mark then covers it: a WAL damaged later is caught.
  EXPECT_TRUE((*l)->Flush().ok());
  absl::StatusOr<HighWaterMark> mark = ReadHighWaterMark(path);
  ASSERT_TRUE(mark.ok()) << mark.status();
  EXPECT_EQ(mark->tree_size, acknowledged.size());
  EXPECT_EQ(mark->root, (*l)->GetHead().root);
  l->reset();

  // Still full: opening for writing fails with the same code, cleanly.
  absl::StatusOr<std::unique_ptr<Ledger>> full = Ledger::Open(path, Options(false));
  if (!full.ok()) {
    EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted) << full.status();
    EXPECT_THAT(full.status().message(), HasSubstr("no space left on device while opening"));
  } else {
    full->reset();
  }

  // Space again: every acknowledged event is there, nothing else, verify
  // passes, and the failed batch goes in.
  fs_->Unlimit();
  l = Ledger::Open(path, Options(false));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ((*l)->GetHead().tree_size, acknowledged.size());
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    absl::StatusOr<uint64_t> pos = (*l)->FindEvent(acknowledged[i]);
    ASSERT_TRUE(pos.ok()) << acknowledged[i] << ": " << pos.status();
    EXPECT_EQ(*pos, i);
  }
  EXPECT_EQ((*l)->FindEvent(Batch(b, 1)[0].event_id()).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<VerifyReport> v = (*l)->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem;
  absl::StatusOr<AppendResult> resumed = (*l)->AppendEvents(Batch(b, 50));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->appended, 50u);
  EXPECT_TRUE((*l)->Flush().ok());
  v = (*l)->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem;
  EXPECT_EQ(v->tree_size, acknowledged.size() + 50);
}

// Budgets that fill the disk at different points: before anything (0),
// inside the first record's bytes, and after a few batches.
INSTANTIATE_TEST_SUITE_P(
    Budgets, DiskFullTest,
    testing::Values(DiskFullCase{Durability::kSync, 0}, DiskFullCase{Durability::kSync, 100},
                    DiskFullCase{Durability::kSync, 50'000},
                    DiskFullCase{Durability::kSync, 200'000}, DiskFullCase{Durability::kBulk, 0},
                    DiskFullCase{Durability::kBulk, 100}, DiskFullCase{Durability::kBulk, 50'000},
                    DiskFullCase{Durability::kBulk, 200'000}),
    CaseName);

TEST(DiskFullOpenTest, CreatingALedgerOnAFullDiskFailsWithResourceExhausted) {
  TempDir dir;
  auto fs = std::make_shared<NoSpaceFileSystem>();
  fs->LimitTo(0);
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = "disk-full.test/log";
  o.env = EnvOver(fs);
  absl::StatusOr<std::unique_ptr<Ledger>> l = Ledger::Open(dir.Sub("db"), o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), absl::StatusCode::kResourceExhausted) << l.status();
  EXPECT_THAT(l.status().message(), HasSubstr("no space left on device while"));
}

// --- The CLI on a real full disk ------------------------------------------------

// A tmpfs of `size` mounted at `dir` for the life of the object.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
    ::mkdir(dir.c_str(), 0755);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      error_ = std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  // Gives the file system `size` (e.g. more: space freed).
  bool Resize(const std::string& size) {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

class DiskFullCliTest : public testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_unique<SmallTmpfs>(dir_.Sub("small"), "2m");
    if (!fs_->mounted()) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << fs_->error()
                   << "); the in-process DiskFullTest covers the ledger";
    }
    db_ = dir_.Sub("small") + "/db";
    input_ = dir_.Sub("events.ndjson");  // outside the small file system
    CommandResult g = Run("gen --events 20000 --seed 7 --out " + Quote(input_));
    ASSERT_EQ(g.exit_code, 0) << g.err;
  }

  CommandResult Run(const std::string& args) {
    return RunCommand(Quote(LedgerBinary()) + " --db " + Quote(db_) + " " + args);
  }

  // A command on the full disk: exit 10 with a message that says so.
  void ExpectDiskFull(const CommandResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 10) << what << ":\n" << r.err;
    EXPECT_THAT(absl::AsciiStrToLower(r.err), HasSubstr("no space left on device")) << what;
    EXPECT_THAT(r.err, Not(HasSubstr("Assertion"))) << what;
  }

  TempDir dir_;
  std::unique_ptr<SmallTmpfs> fs_;
  std::string db_, input_;
};

TEST_F(DiskFullCliTest, EveryCommandExitsTenOnAFullDiskAndImportResumesWithSpace) {
  CommandResult r = Run("init --origin disk-full.test/log");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = Run("import " + Quote(input_));
  ExpectDiskFull(r, "import");
  EXPECT_THAT(r.err, HasSubstr("were committed"));
  r = Run("import " + Quote(input_));
  ExpectDiskFull(r, "second import");
  r = Run("import --bulk " + Quote(input_));
  ExpectDiskFull(r, "import --bulk");

  // Reading works: the log verifies (the views, which need space, are
  // skipped with a warning); queries, which write the views, fail cleanly.
  r = Run("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK"));
  EXPECT_THAT(r.err, Not(HasSubstr("Assertion")));
  r = Run("stats");
  ExpectDiskFull(r, "stats");
  r = Run("export --format delimited --out " + Quote(dir_.Sub("small") + "/export.bin"));
  ExpectDiskFull(r, "export --out");
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("small") + "/export.bin"));

  // Space again: the same import completes (what was committed is reported
  // as duplicates), and everything verifies, views included.
  ASSERT_TRUE(fs_->Resize("256m"));
  r = Run("import " + Quote(input_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tree size 20000"));
  r = Run("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
}

TEST_F(DiskFullCliTest, BulkImportExitsTenOnAFullDiskAndTheCommittedBatchesStay) {
  CommandResult r = Run("init --origin disk-full.test/log");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run("import --bulk " + Quote(input_));
  ExpectDiskFull(r, "import --bulk");
  ASSERT_TRUE(fs_->Resize("256m"));
  r = Run("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Run("import --bulk " + Quote(input_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tree size 20000"));
  r = Run("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(DiskFullCliTest, InitOnAFullDiskExitsTenAndLeavesNothingBehind) {
  // Fill the file system to the last byte.
  const std::string filler = dir_.Sub("small") + "/filler";
  {
    FILE* f = std::fopen(filler.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string chunk(4096, 'x');
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size()) {
    }
    std::fclose(f);
  }
  CommandResult r = Run("init --origin disk-full.test/log");
  ExpectDiskFull(r, "init");
  EXPECT_FALSE(std::filesystem::exists(db_)) << "a failed init left " << db_;

  ASSERT_TRUE(fs_->Resize("256m"));
  r = Run("init --origin disk-full.test/log");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace ledger
