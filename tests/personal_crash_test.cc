// Format 2's write order under kill -9 (docs/PERSONAL_DATA.md, "Write
// order"): `ledger import` of generated events with names is killed at
// random points; after each kill a writer opens the ledger (which sweeps the
// personal-data store) and then
//   - every commitment in the log opens with a value the store keeps
//     (no record references personal data the store lost), and
//   - every value the store keeps belongs to a field of a record in the log
//     (the sweep removed what a crash left between the store and the log),
// and `verify` passes. A re-run completes the import.
//
// CI mode: 30,000 events, 3 kills (10,000 under the sanitizers).
// LEDGER_TEST_LONG=1: 100,000 events, 12 kills.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/personal_writer.h"
#include "ledger/ledger.h"
#include "personal/personal_crypto.h"
#include "personal/personal_store.h"
#include "tests/support/paths.h"

namespace {

using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

bool EnvIs(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) == value;
}

pid_t StartImport(const std::string& db, const std::string& input, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    FILE* err = std::freopen(log.c_str(), "a", stderr);
    (void)out;
    (void)err;
    execl(testing_support::LedgerBinary().c_str(), "ledger", "--db", db.c_str(), "import",
          input.c_str(), "--batch", "200", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Opens the ledger as a writer (the sweep runs), checks both directions
// between the log and the store; returns the number of values checked.
uint64_t CheckStoreAgainstLog(const std::string& db) {
  ledger::OpenOptions o;
  auto ledger = ledger::Ledger::Open(db, o);
  EXPECT_TRUE(ledger.ok()) << ledger.status();
  if (!ledger.ok()) return 0;
  auto store = ingest::OpenPersonalStoreForWriter(**ledger);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return 0;
  personal::PersonalStore& s = **store;

  // Log -> store: every commitment opens with a kept value.
  std::set<std::tuple<std::string, std::string, std::string>> in_log;
  const uint64_t size = (*ledger)->GetHead().tree_size;
  absl::Status scanned = (*ledger)->Scan(0, size, [&](ledger::StoredRecord& r) {
    const auto& e = r.record.event();
    for (const auto& p : e.personal()) {
      if (p.commitment().empty()) continue;
      in_log.emplace(p.subject_id(), e.event_id(), p.field_path());
      auto value = s.Reveal(p.subject_id(), e.event_id(), p.field_path());
      EXPECT_TRUE(value.ok()) << "position " << r.record.position() << " " << p.field_path()
                              << ": " << value.status();
      if (!value.ok()) continue;
      auto opening = s.OpeningFor(p.subject_id(), e.event_id(), p.field_path());
      EXPECT_TRUE(opening.ok()) << opening.status();
      if (!opening.ok()) continue;
      const personal::Digest c = personal::Commitment(*opening, p.field_path(), *value);
      EXPECT_EQ(std::string(c.begin(), c.end()), p.commitment())
          << "position " << r.record.position() << " " << p.field_path();
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(scanned.ok()) << scanned;

  // Store -> log: no value without its record.
  std::vector<std::string> subjects;
  auto refs = s.ListValues("", &subjects);
  EXPECT_TRUE(refs.ok()) << refs.status();
  if (!refs.ok()) return 0;
  for (size_t i = 0; i < refs->size(); ++i) {
    EXPECT_TRUE(in_log.count({subjects[i], (*refs)[i].event_id, (*refs)[i].field_path}) == 1)
        << "the store keeps " << (*refs)[i].field_path << " of " << (*refs)[i].event_id
        << " (subject " << subjects[i] << "), which no record holds";
  }
  EXPECT_EQ(refs->size(), in_log.size());
  return in_log.size();
}

TEST(PersonalCrashTest, KilledFormat2ImportLeavesStoreAndLogInStep) {
  const bool long_mode = EnvIs("LEDGER_TEST_LONG", "1");
  const bool sanitized = EnvIs("LEDGER_SANITIZER_BUILD", "1");
  const int events = long_mode ? 100000 : (sanitized ? 10000 : 30000);
  const int kills = long_mode ? 12 : 3;
  TempDir dir;
  const std::string db = dir.Sub("db"), input = dir.Sub("in.ndjson"), log = dir.Sub("import.log");
  const std::string bin = Quote(testing_support::LedgerBinary());
  CommandResult gen = testing_support::RunCommand(
      absl::StrCat(bin, " gen --events ", events, " --seed 7 --out ", Quote(input)));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  CommandResult init = testing_support::RunCommand(
      absl::StrCat(bin, " --db ", Quote(db), " init --origin test.example/crash"));
  ASSERT_EQ(init.exit_code, 0) << init.err;

  std::mt19937_64 rng(2026);
  for (int k = 0; k < kills; ++k) {
    const pid_t pid = StartImport(db, input, log);
    const int delay_ms = std::uniform_int_distribution<int>(40, sanitized ? 1500 : 700)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CheckStoreAgainstLog(db);
    CommandResult head = testing_support::RunCommand(absl::StrCat(bin, " --db ", Quote(db),
                                                                  " --json head"));
    ASSERT_EQ(head.exit_code, 0) << head.err;
    CommandResult verify =
        testing_support::RunCommand(absl::StrCat(bin, " --db ", Quote(db), " verify"));
    ASSERT_EQ(verify.exit_code, 0) << verify.err << verify.out;
  }
  // The last run completes the import; everything is in step.
  CommandResult done = testing_support::RunCommand(
      absl::StrCat(bin, " --db ", Quote(db), " --json import ", Quote(input)));
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_GT(CheckStoreAgainstLog(db), static_cast<uint64_t>(events) / 2);
  CommandResult verify =
      testing_support::RunCommand(absl::StrCat(bin, " --db ", Quote(db), " verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

}  // namespace
