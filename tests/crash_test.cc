// Crash tests: a writer process is killed with SIGKILL at random moments,
// again and again. After each kill the ledger must open, `verify` must pass,
// every batch the writer reported as committed must be present at the
// position it was given, and no batch may be present in part.
//
// CI runs a short mode; LEDGER_TEST_LONG=1 runs many more kills.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

struct Committed {
  int batch;
  uint64_t first;
  uint64_t count;
};

int Rounds() { return std::getenv("LEDGER_TEST_LONG") ? 60 : 8; }

// Runs crash_writer and kills it after `delay`; returns its committed lines.
std::vector<Committed> RunAndKill(const std::string& db, const std::string& prefix,
                                  const char* mode, int batch_size, std::chrono::milliseconds delay) {
  int out[2];
  if (pipe(out) != 0) std::abort();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    const std::string batches = "100000", size = std::to_string(batch_size);
    execl(CRASH_WRITER_BINARY, "crash_writer", db.c_str(), prefix.c_str(), batches.c_str(),
          size.c_str(), mode, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  usleep(static_cast<useconds_t>(delay.count() * 1000));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof(buf))) > 0) text.append(buf, n);
  close(out[0]);
  std::vector<Committed> lines;
  std::istringstream in(text);
  std::string word;
  Committed c;
  while (in >> word >> c.batch >> c.first >> c.count) lines.push_back(c);
  return lines;
}

void CheckAfterCrash(const std::string& db, const std::string& prefix, int batch_size,
                     const std::vector<Committed>& committed) {
  OpenOptions o;  // a writer open: RocksDB recovers the WAL exactly as a restart would
  auto l = Ledger::Open(db, o);
  ASSERT_TRUE(l.ok()) << l.status();
  auto v = (*l)->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->ok()) << "verify failed at " << v->first_bad_position.value_or(0) << ": "
                       << v->problem;
  for (const Committed& c : committed) {
    ASSERT_EQ(c.count, static_cast<uint64_t>(batch_size));
    for (int i = 0; i < batch_size; ++i) {
      auto pos = (*l)->FindEvent(absl::StrCat(prefix, "-", c.batch, "-", i));
      ASSERT_TRUE(pos.ok()) << "reported batch " << c.batch << " lost event " << i;
      EXPECT_EQ(*pos, c.first + i);
    }
  }
  // No torn batch: the batch after the last reported one is whole or absent.
  const int next = committed.empty() ? 0 : committed.back().batch + 1;
  int present = 0;
  for (int i = 0; i < batch_size; ++i) {
    if ((*l)->FindEvent(absl::StrCat(prefix, "-", next, "-", i)).ok()) ++present;
  }
  EXPECT_TRUE(present == 0 || present == batch_size)
      << "batch " << next << " is torn: " << present << " of " << batch_size << " events";
  EXPECT_EQ((*l)->GetHead().tree_size % batch_size, 0u);
}

class CrashTest : public testing::TestWithParam<const char*> {};

TEST_P(CrashTest, KilledWriterLosesNoCommittedBatchAndTearsNone) {
  testing_support::TempDir dir;
  const std::string db = dir.Sub("db");
  std::mt19937 rng(12345);
  const int batch_size = 50;
  for (int round = 0; round < Rounds(); ++round) {
    const std::string prefix = absl::StrCat("r", round);
    const auto delay = std::chrono::milliseconds(100 + rng() % 400);
    std::vector<Committed> committed = RunAndKill(db, prefix, GetParam(), batch_size, delay);
    SCOPED_TRACE(absl::StrCat("round ", round, ": ", committed.size(), " batches reported"));
    CheckAfterCrash(db, prefix, batch_size, committed);
  }
}

INSTANTIATE_TEST_SUITE_P(Durability, CrashTest, testing::Values("sync", "bulk"));

// Readers in this process while a writer process appends: every reader sees
// a verifiable prefix, sizes never go backwards, and catching up works.
TEST(ReadWhileWritingTest, ReadersSeeVerifiablePrefixesWhileAWriterRuns) {
  testing_support::TempDir dir;
  const std::string db = dir.Sub("db");
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(CRASH_WRITER_BINARY, "crash_writer", db.c_str(), "rw", "100000", "20", "sync",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  char first[64];
  ASSERT_GT(read(out[0], first, sizeof(first)), 0);  // the writer has committed a batch
  uint64_t last_size = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int readers = 0;
  // At least two readers however slow the machine (a reader verifies the
  // whole, growing log: under load one can take longer than the deadline).
  while (std::chrono::steady_clock::now() < deadline || readers < 2) {
    OpenOptions o;
    o.read_only = true;
    auto l = Ledger::Open(db, o);
    ASSERT_TRUE(l.ok()) << l.status();
    ++readers;
    uint64_t size = (*l)->GetHead().tree_size;
    EXPECT_GE(size, last_size);
    auto v = (*l)->Verify();
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->ok()) << v->problem;
    EXPECT_EQ(v->tree_size, size);
    ASSERT_TRUE((*l)->TryCatchUp().ok());
    EXPECT_GE((*l)->GetHead().tree_size, size);
    auto recs = (*l)->Read(0, (*l)->GetHead().tree_size);
    ASSERT_TRUE(recs.ok()) << recs.status();
    EXPECT_EQ(recs->size(), (*l)->GetHead().tree_size);
    last_size = (*l)->GetHead().tree_size;
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(out[0]);
  EXPECT_GT(readers, 1);
  EXPECT_GT(last_size, 20u);
}

}  // namespace
}  // namespace ledger
