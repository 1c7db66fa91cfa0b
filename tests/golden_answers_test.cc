// Golden answers: the --json of every query command (suspects, operations,
// cases, flows, stats, timeline; lists, shows, filters, paging, --as-of and
// --as-of-position) on two logs, compared byte for byte with the files under
// tests/testdata/golden_answers/:
//   shipped/    the shipped data set (data/enforcement.ndjson);
//   gen-10000/  `ledger gen --events 10000 --seed 42` (its bytes are pinned
//               by gen_test's TheOutputIsPinnedForASeed family), imported.
// Each file is one answer: the command's standard output, with the time the
// events were recorded ("recorded_at", the clock at import) replaced by
// "<recorded_at>", the only part of an answer that depends on when the test
// runs.
//
// A deliberate change of an answer (a new field, a fixed figure): rewrite
// the files with
//   LEDGER_UPDATE_GOLDEN=1 ctest --test-dir build -R GoldenAnswers
// and review the diff (git diff tests/testdata/golden_answers) before
// committing it; docs/JSON.md lists what changes for scripts.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"

namespace {

using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

bool Updating() {
  const char* v = std::getenv("LEDGER_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// The file name of an answer: its arguments, spaces as '_', '-' kept.
std::string FileName(const std::string& args) {
  std::string name = absl::StrReplaceAll(args, {{" ", "_"}, {":", ""}});
  return name + ".json";
}

// `json` with every "recorded_at":"..." value replaced by "<recorded_at>".
std::string WithoutRecordedAt(std::string json) {
  const std::string key = "\"recorded_at\":\"";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at)) {
    const size_t begin = at + key.size();
    const size_t end = json.find('"', begin);
    if (end == std::string::npos) break;
    json.replace(begin, end - begin, "<recorded_at>");
    at = begin;
  }
  return json;
}

class GoldenAnswersTest : public testing::Test {
 protected:
  CommandResult Ledger(const std::string& db, const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args));
  }

  // A fresh ledger at `db` holding the events of the NDJSON file `events`.
  void Load(const std::string& db, const std::string& events) {
    CommandResult r = Ledger(db, "init --origin test.example.org/enforcement");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(db, absl::StrCat("import ", Quote(events)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Runs every query of `queries` with --json on `db` and compares (or,
  // when updating, writes) tests/testdata/golden_answers/<set>/.
  void Check(const std::string& db, const std::string& set,
             const std::vector<std::string>& queries) {
    const std::string dir =
        absl::StrCat(testing_support::SourceDir(), "/tests/testdata/golden_answers/", set);
    if (Updating()) std::filesystem::create_directories(dir);
    for (const std::string& args : queries) {
      SCOPED_TRACE(args);
      CommandResult r = Ledger(db, args + " --json");
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::string got = WithoutRecordedAt(r.out);
      const std::string path = absl::StrCat(dir, "/", FileName(args));
      if (Updating()) {
        testing_support::WriteFileOrDie(path, got);
        continue;
      }
      ASSERT_TRUE(std::filesystem::exists(path))
          << path << " is missing; write it with LEDGER_UPDATE_GOLDEN=1";
      EXPECT_EQ(got, testing_support::ReadFileOrDie(path))
          << "the answer differs from " << path
          << " (LEDGER_UPDATE_GOLDEN=1 rewrites it after a deliberate change)";
    }
    if (Updating()) return;
    // Every golden file is still asked for: none left behind by a rename.
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      bool asked = false;
      for (const std::string& args : queries) asked = asked || FileName(args) == name;
      EXPECT_TRUE(asked) << entry.path() << " is no longer produced by a query of this test";
    }
  }

  TempDir dir_;
};

TEST_F(GoldenAnswersTest, ShippedDataSet) {
  const std::string db = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Load(db, testing_support::SourceDir() + "/data/enforcement.ndjson"));
  Check(db, "shipped",
        {
            "suspects list",
            "suspects list --status sentenced",
            "suspects list --status detained",
            "suspects list --nationality CN --limit 1",
            "suspects show cn-ringleader-yunnan-01",
            "suspects show cn-ringleader-yunnan-01 --as-of-position 5",
            "operations list",
            "operations show op-2024-muse-01",
            "operations show op-2024-muse-01 --max-events 0",
            "operations show op-2024-muse-01 --as-of-position 1",
            "cases list",
            "cases show cn-fraud-ringleader-yunnan-01",
            "flows",
            "flows --by year",
            "flows --from LA",
            "flows --to MM",
            "flows --since 2024-03 --until 2024-12",
            "flows --as-of-position 1",
            "stats",
            "stats --as-of-position 1",
            "stats --as-of 2000-01-01T00:00:00Z",
            "stats --as-of 2999-01-01T00:00:00Z",
            "timeline --all",
            "timeline --all --newest-first --limit 2",
            "timeline --all --as-of-position 3",
            "timeline --operation op-2024-muse-01",
            "timeline --suspect cn-ringleader-yunnan-01",
            "timeline --case cn-fraud-ringleader-yunnan-01",
            "timeline --country LA",
        });
}

TEST_F(GoldenAnswersTest, Generated10000Events) {
  const std::string events = dir_.Sub("gen.ndjson");
  CommandResult r = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()),
                   " gen --events 10000 --seed 42 --out ", Quote(events)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string db = dir_.Sub("db");
  ASSERT_NO_FATAL_FAILURE(Load(db, events));
  Check(db, "gen-10000",
        {
            "suspects list --limit 10",
            "suspects list --limit 10 --after s-42-0-6",
            "suspects list --status sentenced --nationality MM --limit 10",
            "suspects list --custody TH --limit 5",
            "suspects list --operation op-42-1 --status detained --limit 0",
            "suspects show s-42-0-0",
            "suspects show s-42-0-4 --as-of-position 2000",
            "operations list --limit 5",
            "operations list --limit 5 --after op-42-12 --max-events 2",
            "operations show op-42-1",
            "operations show op-42-1 --max-events 3 --as-of-position 5000",
            "cases list --limit 5",
            "cases show op-42-1",
            "cases show op-42-12 --as-of-position 6000",
            "flows --by year --max-events 2",
            "flows --from KH --to CN --max-events 5",
            "flows --since 2023-01 --until 2023-06 --max-events 1",
            "flows --by year --as-of-position 3000 --max-events 0",
            "stats",
            "stats --as-of-position 5000",
            "stats --as-of 2000-01-01T00:00:00Z",
            "timeline --all --limit 40",
            "timeline --all --newest-first --limit 40",
            "timeline --all --as-of-position 100 --limit 20",
            "timeline --operation op-42-1 --limit 50",
            "timeline --suspect s-42-0-0",
            "timeline --suspect s-42-31-92",  // a retraction (position 5198)
            "timeline --suspect s-42-31-92 --as-of-position 5198",  // before it
            "suspects show s-42-31-92",
            "timeline --case op-42-12",
            "timeline --country TH --newest-first --limit 25",
        });
}

}  // namespace
