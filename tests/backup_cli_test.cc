// `ledger backup ...` and `ledger snapshot` run as the real binary on a
// 20,000-event ledger with issued checkpoints: round trips, the refusals
// and their exit codes, a busy writer, a corrupted backup, purge, and kill -9
// during `backup create` and during `backup restore` at several delays
// (the ledger and the backup directory stay usable).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "enforcement/api/v1/backup.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

namespace fs = std::filesystem;
using enforcement::api::v1::BackupCreateAnswer;
using enforcement::api::v1::BackupListAnswer;
using enforcement::api::v1::BackupPurgeAnswer;
using enforcement::api::v1::BackupRestoreAnswer;
using enforcement::api::v1::BackupVerifyAnswer;
using enforcement::api::v1::SnapshotAnswer;
using testing::HasSubstr;
using testing_support::CommandResult;
using testing_support::ParseAnswer;
using testing_support::Quote;
using testing_support::TempDir;

constexpr char kOrigin[] = "test.example/log";
constexpr int kEvents = 20000;

CommandResult Ledger(const std::string& args) {
  return testing_support::RunCommand(absl::StrCat(Quote(testing_support::LedgerBinary()), " ", args));
}

// The root of the ledger at `db` (ledger head --json).
std::string RootOf(const std::string& db) {
  CommandResult r = Ledger(absl::StrCat("--db ", Quote(db), " head --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return testing_support::StringField(testing_support::ParseJsonObject(r.out), "root_hex");
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class BackupCliTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = tmp_.Sub("db");
    bak_ = tmp_.Sub("bak");
    ASSERT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " init --origin ", kOrigin)).exit_code, 0);
    CommandResult r = Ledger(absl::StrCat("gen --events ", kEvents, " --seed 3 --out ",
                                          Quote(tmp_.Sub("events.ndjson"))));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("--db ", Quote(db_), " import ", Quote(tmp_.Sub("events.ndjson")),
                            " --batch 5000"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("keygen --name ", kOrigin, " --out ", Quote(tmp_.Sub("key"))));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* size : {" --size 12345", ""}) {
      r = Ledger(absl::StrCat("--db ", Quote(db_), " checkpoint --key ",
                              Quote(tmp_.Sub("key.key")), size));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  // Appends `n` more generated events (another seed: new ids).
  void AppendMore(int n, int seed) {
    const std::string file = tmp_.Sub(absl::StrCat("more-", seed, ".ndjson"));
    ASSERT_EQ(Ledger(absl::StrCat("gen --events ", n, " --seed ", seed, " --out ", Quote(file)))
                  .exit_code,
              0);
    CommandResult r = Ledger(absl::StrCat("--db ", Quote(db_), " import ", Quote(file)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Runs `ledger args` and kills it with SIGKILL after `delay_us`.
  void RunAndKill(const std::vector<std::string>& args, int delay_us) {
    const pid_t pid = Spawn(args);
    usleep(delay_us);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }

  // Starts `ledger args` (output discarded); returns its pid.
  static pid_t Spawn(const std::vector<std::string>& args) {
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      std::string bin = testing_support::LedgerBinary();
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    EXPECT_GT(pid, 0);
    return pid;
  }

  // Runs `ledger args` to its end; returns the wall time in microseconds.
  double RunTimed(const std::vector<std::string>& args, int* exit_code) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = Spawn(args);
    int status = 0;
    waitpid(pid, &status, 0);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return Seconds(start) * 1e6;
  }

  TempDir tmp_;
  std::string db_, bak_;
};

TEST_F(BackupCliTest, RoundTripGivesTheSameRootAndVerifies) {
  const std::string root = RootOf(db_);
  auto start = std::chrono::steady_clock::now();
  CommandResult r = Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(bak_),
                                        " --json"));
  const double create_s = Seconds(start);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  BackupCreateAnswer created = ParseAnswer<BackupCreateAnswer>(r.out);
  EXPECT_EQ(created.backup().tree_size(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(created.backup().root_hex(), root);
  EXPECT_EQ(created.backup().checkpoints_size(), 2);
  EXPECT_THAT(created.backup().newest_checkpoint(), HasSubstr("00000000000000020000-"));
  EXPECT_EQ(created.oldest_held().id(), created.backup().id());

  start = std::chrono::steady_clock::now();
  r = Ledger(absl::StrCat("backup verify --from ", Quote(bak_), " --json"));
  const double verify_s = Seconds(start);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  BackupVerifyAnswer verified = ParseAnswer<BackupVerifyAnswer>(r.out);
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.checkpoints_checked(), 2u);
  EXPECT_EQ(verified.log().records_checked(), static_cast<uint64_t>(kEvents));

  start = std::chrono::steady_clock::now();
  r = Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("restored")), " backup restore --from ",
                          Quote(bak_), " --json"));
  const double restore_s = Seconds(start);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  BackupRestoreAnswer restored = ParseAnswer<BackupRestoreAnswer>(r.out);
  EXPECT_TRUE(restored.verified().ok());
  EXPECT_EQ(RootOf(tmp_.Sub("restored")), root);
  r = Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("restored")), " verify"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("restored")), " checkpoints --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  std::cout << "timing (" << kEvents << " events, wall, incl. process start): backup create "
            << create_s << " s, backup verify " << verify_s << " s, restore+verify " << restore_s
            << " s\n";

  // Incremental: a second backup after more appends; list shows both.
  AppendMore(500, 11);
  r = Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(bak_), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseAnswer<BackupCreateAnswer>(r.out).backup().tree_size(), kEvents + 500u);
  r = Ledger(absl::StrCat("backup list --from ", Quote(bak_), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  BackupListAnswer list = ParseAnswer<BackupListAnswer>(r.out);
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_TRUE(list.backups(0).complete());
  EXPECT_TRUE(list.backups(1).complete());
  r = Ledger(absl::StrCat("backup list --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("complete"));

  // Snapshot: verifies, answers queries; the ledger goes on.
  r = Ledger(absl::StrCat("--db ", Quote(db_), " snapshot ", Quote(tmp_.Sub("snap")), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseAnswer<SnapshotAnswer>(r.out).tree_size(), kEvents + 500u);
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("snap")), " verify")).exit_code, 0);
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("snap")), " stats")).exit_code, 0);
  AppendMore(10, 12);
  EXPECT_EQ(RootOf(tmp_.Sub("snap")), ParseAnswer<SnapshotAnswer>(r.out).root_hex());
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " verify")).exit_code, 0);
}

TEST_F(BackupCliTest, RefusalsAndTheirExitCodes) {
  ASSERT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(bak_))).exit_code,
            0);
  // An existing target without --overwrite: exit 4.
  CommandResult r = Ledger(absl::StrCat("--db ", Quote(db_), " backup restore --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--overwrite"));
  // Below the high-water mark: exit 4 naming the range.
  AppendMore(300, 13);
  r = Ledger(absl::StrCat("--db ", Quote(db_), " backup restore --overwrite --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("[20000, 20300)"));
  r = Ledger(absl::StrCat("--db ", Quote(db_),
                          " backup restore --overwrite --allow-rollback --from ", Quote(bak_),
                          " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  BackupRestoreAnswer a = ParseAnswer<BackupRestoreAnswer>(r.out);
  EXPECT_EQ(a.lost_from(), 20000u);
  EXPECT_EQ(a.lost_to(), 20300u);
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " verify")).exit_code, 0);
  AppendMore(300, 13);  // the same events append again after the rollback
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " verify")).exit_code, 0);

  // A running writer: create waits --wait seconds, then exit 6.
  {
    ledger::OpenOptions o;
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> writer = ledger::Ledger::Open(db_, o);
    ASSERT_TRUE(writer.ok()) << writer.status();
    const auto start = std::chrono::steady_clock::now();
    r = Ledger(absl::StrCat("--db ", Quote(db_), " backup create --wait 1 --to ", Quote(bak_)));
    EXPECT_EQ(r.exit_code, 6) << r.err;
    EXPECT_GE(Seconds(start), 1.0);
    EXPECT_THAT(r.err, HasSubstr("another process"));
    r = Ledger(absl::StrCat("--db ", Quote(db_), " snapshot ", Quote(tmp_.Sub("snap"))));
    EXPECT_EQ(r.exit_code, 6) << r.err;
  }
  // Purge: keep-days 0 keep-last 0 deletes everything.
  r = Ledger(absl::StrCat("backup purge --from ", Quote(bak_), " --keep-days 0 --keep-last 0 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  BackupPurgeAnswer p = ParseAnswer<BackupPurgeAnswer>(r.out);
  EXPECT_EQ(p.purged_size(), 1);
  EXPECT_EQ(p.held(), 0u);
  r = Ledger(absl::StrCat("backup verify --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  r = Ledger(absl::StrCat("backup purge --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // --keep-days is required
}

TEST_F(BackupCliTest, VerifyFailsOnACorruptedFile) {
  ASSERT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(bak_))).exit_code,
            0);
  std::string victim;
  uintmax_t largest = 0;
  for (const auto& e : fs::recursive_directory_iterator(bak_ + "/log")) {
    if (e.is_regular_file() && e.path().extension() == ".sst" && e.file_size() > largest) {
      largest = e.file_size();
      victim = e.path().string();
    }
  }
  ASSERT_FALSE(victim.empty());
  std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(largest / 3));
  f.put('\x5a');
  f.close();
  CommandResult r = Ledger(absl::StrCat("backup verify --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("FAILED"));
  r = Ledger(absl::StrCat("--db ", Quote(tmp_.Sub("r")), " backup restore --from ", Quote(bak_)));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(fs::exists(tmp_.Sub("r")));
}

TEST_F(BackupCliTest, KillDuringCreateLeavesEverythingUsable) {
  // Each kill hits a first (full) backup into a fresh directory, at a
  // fraction of the time the same full backup took just before on this
  // machine: most of it is the process start and the ledger open, the copy
  // is the last part, so that some kills hit the copy itself.
  int seed = 100;
  int states[3] = {0, 0, 0};  // after the kill: no backup yet, incomplete, complete
  int mid_copy = 0;
  double estimate_us = 0;
  int i = 0;
  for (double fraction : {0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1}) {
    const std::string dir = tmp_.Sub(absl::StrCat("bak-", i));
    int exit_code = -1;
    estimate_us = RunTimed({"--db", db_, "backup", "create", "--to", tmp_.Sub(absl::StrCat("est-", i++))},
                           &exit_code);
    ASSERT_EQ(exit_code, 0);
    const int delay_us = static_cast<int>(estimate_us * fraction);
    SCOPED_TRACE(absl::StrCat("kill after ", delay_us, " us"));
    AppendMore(50, seed++);
    RunAndKill({"--db", db_, "backup", "create", "--to", dir}, delay_us);
    std::error_code ec;
    if (fs::is_directory(dir + "/log/private", ec) && !fs::is_empty(dir + "/log/private", ec)) {
      ++mid_copy;  // the engine's copy in progress was cut
    }
    CommandResult r = Ledger(absl::StrCat("--db ", Quote(db_), " verify"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("backup list --from ", Quote(dir), " --json"));
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 5) << r.exit_code << r.err;
    if (r.exit_code == 5) {
      ++states[0];
    } else if (r.exit_code == 0) {
      const BackupListAnswer list = ParseAnswer<BackupListAnswer>(r.out);
      bool complete = false;
      for (const auto& e : list.backups()) complete = complete || e.complete();
      ++states[list.backups_size() == 0 ? 0 : complete ? 2 : 1];
    }
    r = Ledger(absl::StrCat("backup verify --from ", Quote(dir)));
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 5) << r.exit_code << r.err;
    // A new backup into the same directory after more appends succeeds,
    // verifies, and leaves only complete backups.
    AppendMore(50, seed++);
    r = Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(dir)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("backup verify --from ", Quote(dir)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("backup list --from ", Quote(dir), " --json"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const BackupListAnswer list = ParseAnswer<BackupListAnswer>(r.out);
    for (const auto& e : list.backups()) {
      EXPECT_TRUE(e.complete()) << "backup " << e.manifest().id();  // incomplete ones deleted
    }
    EXPECT_EQ(list.backups(list.backups_size() - 1).manifest().root_hex(), RootOf(db_));
  }
  std::cout << "a whole first backup create took about " << estimate_us / 1000
            << " ms; after the kills: " << states[0] << " without a backup, " << states[1]
            << " with an incomplete one (deleted by the next create), " << states[2]
            << " complete; " << mid_copy << " cut the engine's copy midway\n";
}

TEST_F(BackupCliTest, KillDuringRestoreLeavesEverythingUsable) {
  ASSERT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " backup create --to ", Quote(bak_))).exit_code,
            0);
  const std::string root = RootOf(db_);
  const std::string target = tmp_.Sub("target");
  // As for create: kills at fractions of a whole restore's time.
  int exit_code = -1;
  const double full_us =
      RunTimed({"--db", tmp_.Sub("scratch"), "backup", "restore", "--from", bak_}, &exit_code);
  ASSERT_EQ(exit_code, 0);
  for (double fraction : {0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0}) {
    const int delay_us = static_cast<int>(full_us * fraction);
    SCOPED_TRACE(absl::StrCat("kill after ", delay_us, " us"));
    const bool existed = fs::exists(target);
    std::vector<std::string> args = {"--db", target, "backup", "restore", "--from", bak_};
    if (existed) args.push_back("--overwrite");
    RunAndKill(args, delay_us);
    // The target is absent or a whole ledger (the old one or the restored
    // one, here both at the backup's head); the backup still verifies.
    if (fs::exists(target)) {
      CommandResult r = Ledger(absl::StrCat("--db ", Quote(target), " verify"));
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(RootOf(target), root);
    } else {
      EXPECT_FALSE(existed);
    }
    CommandResult r = Ledger(absl::StrCat("backup verify --from ", Quote(bak_)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // Restoring again works (over what is there).
    r = Ledger(absl::StrCat("--db ", Quote(target), " backup restore --overwrite --from ",
                            Quote(bak_)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(RootOf(target), root);
    // No temporary directory survives the next successful restore.
    for (const auto& e : fs::directory_iterator(tmp_.path())) {
      EXPECT_THAT(e.path().filename().string(), testing::Not(HasSubstr(".restore-")));
    }
    if (fraction == 0.0 || fraction == 0.5 || fraction == 0.8) {
      fs::remove_all(target);  // next round: a fresh target again
    }
  }
  EXPECT_EQ(Ledger(absl::StrCat("--db ", Quote(db_), " verify")).exit_code, 0);
}

}  // namespace
