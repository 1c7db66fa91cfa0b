// `ledger import --rejects` killed with SIGKILL at random points, then
// re-run: every input row ends up in the ledger exactly once or in the
// rejects file (once), never both, and `verify` passes (docs/IMPORT.md,
// "The --rejects guarantee").
//
// CI mode: a 100,000-row file and 3 kills (a 20,000-row file under the
// sanitizers). LEDGER_TEST_LONG=1: 25 kills.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gtest/gtest.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/paths.h"

namespace {

using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

bool EnvIs(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) == value;
}

// The value of the first "eventId" of a JSON line (generated ids need no
// unescaping), or "" if there is none. Much faster than parsing 100,000
// lines twice.
std::string EventId(absl::string_view line) {
  constexpr absl::string_view kKey = "\"eventId\":\"";
  const size_t at = line.find(kKey);
  if (at == absl::string_view::npos) return "";
  const size_t from = at + kKey.size();
  const size_t end = line.find('"', from);
  if (end == absl::string_view::npos) return "";
  return std::string(line.substr(from, end - from));
}

// Starts `ledger import` in a child; returns its pid.
pid_t StartImport(const std::string& db, const std::string& input, const std::string& rejects,
                  const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "a", stdout);
    FILE* err = std::freopen(log.c_str(), "a", stderr);
    (void)out;
    (void)err;
    execl(testing_support::LedgerBinary().c_str(), "ledger", "--db", db.c_str(), "import",
          input.c_str(), "--rejects", rejects.c_str(), "--batch", "500",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(ImportCrashTest, KilledImportWithRejectsResumesAndLosesNoRow) {
  const bool sanitized = EnvIs("LEDGER_SANITIZER_BUILD", "1");
  const int rows = sanitized ? 20000 : 100000;
  const int kills = EnvIs("LEDGER_TEST_LONG", "1") ? 25 : 3;
  TempDir dir;
  const std::string db = dir.Sub("db"), input = dir.Sub("in.ndjson");
  const std::string rejects = dir.Sub("rejects.ndjson"), log = dir.Sub("import.log");

  // The input: generated events with bad rows sprinkled in, of three kinds:
  // not JSON, failing validation, and refused by the ledger (a correction
  // of an event that does not exist).
  CommandResult gen = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()), " gen --events ", rows, " --seed 77"));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  std::vector<std::string> lines = absl::StrSplit(gen.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows));
  std::mt19937_64 rng(12345);
  std::set<int> planted;  // 1-based line numbers of bad rows
  for (int i = 0; i < rows; ++i) {
    if (rng() % 200 != 0) continue;
    std::string& l = lines[i];
    switch (rng() % 3) {
      case 0:
        l = l.substr(0, l.size() / 2);  // truncated JSON
        break;
      case 1:
        l = absl::StrReplaceAll(l, {{"\"occurredPrecision\":\"PRECISION_", "\"occurredPrecision\":\"PRECISION_X"}});
        break;
      default:
        l = absl::StrCat("{\"eventId\":\"bad-", i,
                         "\",\"stream\":\"operation/none\",\"occurredAt\":\"2024-01-01T00:00:00Z\","
                         "\"occurredPrecision\":\"PRECISION_DAY\",\"source\":{\"publisher\":\"P\"},"
                         "\"retraction\":{\"targetEventId\":\"no-such-event-",
                         i, "\",\"reason\":\"test\"}}");
    }
    planted.insert(i + 1);
  }
  std::string content;
  for (const std::string& l : lines) absl::StrAppend(&content, l, "\n");
  testing_support::WriteFileOrDie(input, content);
  ASSERT_EQ(testing_support::RunCommand(absl::StrCat(Quote(testing_support::LedgerBinary()),
                                                     " --db ", Quote(db),
                                                     " init --origin crash.example/log"))
                .exit_code,
            0);

  // Kill it at random points, each run resuming the previous one.
  // A whole run takes a few seconds (every run re-reads the file from the
  // start; what is already committed comes back as duplicates), so kills
  // within 1.2 s land in the middle of reading, appending or writing rejects.
  int killed = 0;
  for (int k = 0; k < kills; ++k) {
    const pid_t pid = StartImport(db, input, rejects, log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 1100));
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) continue;  // finished before the kill
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
  }
  // The last run completes.
  const pid_t pid = StartImport(db, input, rejects, log);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << testing_support::ReadFileOrDie(log);
  std::printf("[ info     ] %d of %d runs killed by SIGKILL; %zu bad rows planted\n", killed,
              kills, planted.size());

  // What the ledger holds, by event id.
  CommandResult read = testing_support::RunCommand(absl::StrCat(
      Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " export --format ndjson"));
  ASSERT_EQ(read.exit_code, 0) << read.err;
  std::map<std::string, int> in_ledger;
  for (absl::string_view l : absl::StrSplit(read.out, '\n', absl::SkipEmpty())) {
    const std::string id = EventId(l);
    ASSERT_FALSE(id.empty()) << l;
    ++in_ledger[id];
  }
  // What the rejects file holds, by line.
  std::map<int, int> rejected;
  for (absl::string_view l :
       absl::StrSplit(testing_support::ReadFileOrDie(rejects), '\n', absl::SkipEmpty())) {
    google::protobuf::Struct entry;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(l), &entry).ok()) << l;
    const int line = static_cast<int>(entry.fields().at("line").number_value());
    ++rejected[line];
    EXPECT_EQ(entry.fields().at("row").string_value(), lines[line - 1]) << "line " << line;
  }
  // Every row: in the ledger exactly once, or rejected exactly once; not both.
  int appended_rows = 0;
  for (int i = 0; i < rows; ++i) {
    const int line = i + 1;
    const std::string id = EventId(lines[i]);
    const int ledger_count = id.empty() ? 0 : (in_ledger.count(id) ? in_ledger[id] : 0);
    const int reject_count = rejected.count(line) ? rejected[line] : 0;
    ASSERT_EQ(ledger_count + reject_count, 1)
        << "line " << line << " (" << id << "): " << ledger_count << " times in the ledger, "
        << reject_count << " times in the rejects file";
    if (planted.count(line)) {
      EXPECT_EQ(reject_count, 1) << "planted bad line " << line;
    }
    appended_rows += ledger_count;
  }
  EXPECT_EQ(in_ledger.size(), static_cast<size_t>(appended_rows)) << "nothing else in the ledger";
  EXPECT_EQ(testing_support::RunCommand(absl::StrCat(Quote(testing_support::LedgerBinary()),
                                                     " --db ", Quote(db), " verify"))
                .exit_code,
            0);
}

}  // namespace
