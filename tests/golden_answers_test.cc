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
// The ledgers are format 1 (`init --format 1`): in format 2 (the default,
// docs/PERSONAL_DATA.md) suspect ids are random subject ids and names are
// not in the log, so its answers are not byte-stable. The *Format2 tests
// import the same events into a format-2 ledger and check that every figure
// is the one of format 1: stats and flows byte for byte, operations, cases,
// suspects and the timeline equal once suspect ids and names (personal data)
// are set aside.
//
// A deliberate change of an answer (a new field, a fixed figure): rewrite
// the files with
//   LEDGER_UPDATE_GOLDEN=1 ctest --test-dir build -R GoldenAnswers
// and review the diff (git diff tests/testdata/golden_answers) before
// committing it; docs/JSON.md lists what changes for scripts.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <utility>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
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

// Sets aside the personal data of a parsed answer, so that the answers of a
// format-1 and a format-2 ledger can be compared: in every object with a
// "suspect_id" (a suspect view, a defendant) the id and the name are
// blanked, "suspect_ids" elements too, suspect streams lose their id, and
// the one-line "summary" of a timeline entry (it quotes ids and names) is
// blanked. A list of such objects is sorted afterwards: lists of suspects are
// in suspect id order, and subject ids are random. In a format-2 answer
// (`format2`), every suspect id must be a subject id and every name empty;
// a violation is a test failure naming `where`.
void SetAsidePersonal(google::protobuf::Value* v, bool format2, const std::string& where) {
  static const std::regex kSubjectId("sub_[0-9a-f]{32}");
  if (v->has_list_value()) {
    auto* values = v->mutable_list_value()->mutable_values();
    bool suspects = false;
    for (google::protobuf::Value& e : *values) {
      suspects = suspects || (e.has_struct_value() && e.struct_value().fields().contains("suspect_id"));
      SetAsidePersonal(&e, format2, where);
    }
    if (suspects) {
      std::vector<std::pair<std::string, google::protobuf::Value>> keyed;
      for (google::protobuf::Value& e : *values) keyed.emplace_back(e.DebugString(), std::move(e));
      std::sort(keyed.begin(), keyed.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (int i = 0; i < values->size(); ++i) (*values)[i] = std::move(keyed[i].second);
    }
    return;
  }
  if (!v->has_struct_value()) return;
  auto* fields = v->mutable_struct_value()->mutable_fields();
  const bool suspect = fields->contains("suspect_id");
  for (auto& [key, value] : *fields) {
    if (suspect && key == "suspect_id") {
      if (format2) {
        EXPECT_TRUE(std::regex_match(value.string_value(), kSubjectId))
            << where << ": suspect_id " << value.string_value() << " is not a subject id";
      }
      value.set_string_value("");
    } else if (suspect && key == "name") {
      if (format2) {
        EXPECT_EQ(value.string_value(), "") << where << ": a name in format 2";
      }
      value.set_string_value("");
    } else if (key == "suspect_ids" && value.has_list_value()) {
      for (google::protobuf::Value& id : *value.mutable_list_value()->mutable_values()) {
        if (format2) {
          EXPECT_TRUE(std::regex_match(id.string_value(), kSubjectId))
              << where << ": suspect id " << id.string_value() << " is not a subject id";
        }
        id.set_string_value("");
      }
    } else if (key == "stream" && absl::StartsWith(value.string_value(), "suspect/")) {
      if (format2) {
        EXPECT_TRUE(std::regex_match(value.string_value().substr(8), kSubjectId))
            << where << ": stream " << value.string_value();
      }
      value.set_string_value("suspect/");
    } else if (key == "summary" || key == "recorded_at") {
      value.set_string_value("");
    } else {
      SetAsidePersonal(&value, format2, where);
    }
  }
}

class GoldenAnswersTest : public testing::Test {
 protected:
  CommandResult Ledger(const std::string& db, const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args));
  }

  // A fresh ledger at `db` holding the events of the NDJSON file `events`,
  // in storage format `format` ("1": the golden answers; "2": the default).
  void Load(const std::string& db, const std::string& events, const std::string& format = "1") {
    CommandResult r =
        Ledger(db, "init --origin test.example.org/enforcement --format " + format);
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

  // The answer of `args --json` on `db` (exit 0 expected).
  std::string JsonAnswer(const std::string& db, const std::string& args) {
    CommandResult r = Ledger(db, args + " --json");
    EXPECT_EQ(r.exit_code, 0) << db << ": " << args << ": " << r.err;
    return WithoutRecordedAt(r.out);
  }

  // The promise that format 2 changes no figure: `events` imported into a
  // format-1 and a format-2 ledger give byte-equal answers to `figures`
  // (stats, flows: no personal data in them) and, with personal data set
  // aside (SetAsidePersonal), equal answers to `listings`.
  void CompareFormats(const std::string& events, const std::vector<std::string>& figures,
                      const std::vector<std::string>& listings) {
    const std::string db1 = dir_.Sub("db1"), db2 = dir_.Sub("db2");
    ASSERT_NO_FATAL_FAILURE(Load(db1, events, "1"));
    ASSERT_NO_FATAL_FAILURE(Load(db2, events, "2"));
    ASSERT_TRUE(std::filesystem::is_directory(db2 + "/personal"));  // it is format 2
    for (const std::string& args : figures) {
      SCOPED_TRACE(args);
      EXPECT_EQ(JsonAnswer(db2, args), JsonAnswer(db1, args));
    }
    for (const std::string& args : listings) {
      SCOPED_TRACE(args);
      google::protobuf::Value one, two;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(JsonAnswer(db1, args), &one).ok());
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(JsonAnswer(db2, args), &two).ok());
      SetAsidePersonal(&one, false, "format 1: " + args);
      SetAsidePersonal(&two, true, "format 2: " + args);
      EXPECT_EQ(two.DebugString(), one.DebugString());
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

TEST_F(GoldenAnswersTest, ShippedDataSetFiguresAreTheSameInFormat2) {
  CompareFormats(testing_support::SourceDir() + "/data/enforcement.ndjson",
                 {
                     "stats",
                     "stats --as-of-position 1",
                     "stats --as-of-position 5",
                     "stats --as-of 2999-01-01T00:00:00Z",
                     "flows",
                     "flows --by year",
                     "flows --from LA",
                     "flows --as-of-position 1",
                 },
                 {
                     "operations list",
                     "operations show op-2024-muse-01",
                     "cases list",
                     "cases show cn-fraud-ringleader-yunnan-01",
                     "suspects list --limit 0",
                     "suspects list --status sentenced --limit 0",
                     // An agency id finds its subject in format 2.
                     "suspects show cn-ringleader-yunnan-01",
                     "suspects show cn-ringleader-yunnan-01 --as-of-position 5",
                     "timeline --all",
                     "timeline --suspect cn-ringleader-yunnan-01",
                     "timeline --case cn-fraud-ringleader-yunnan-01",
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

TEST_F(GoldenAnswersTest, Generated10000EventsFiguresAreTheSameInFormat2) {
  const std::string events = dir_.Sub("gen.ndjson");
  CommandResult r = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()),
                   " gen --events 10000 --seed 42 --out ", Quote(events)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CompareFormats(events,
                 {
                     "stats",
                     "stats --as-of-position 5000",
                     "flows",
                     "flows --by year --max-events 0",
                     "flows --from KH --to CN --max-events 5",
                     "flows --by year --as-of-position 3000 --max-events 0",
                 },
                 {
                     "operations list",
                     "operations show op-42-1 --max-events 0",
                     "cases list",
                     "cases show op-42-12 --as-of-position 6000",
                     "suspects list --limit 0",
                     "suspects list --status sentenced --nationality MM --limit 0",
                     "suspects list --custody TH --limit 0",
                     "suspects show s-42-0-0",
                     "suspects show s-42-31-92",  // its arrest retracted
                     "timeline --all",
                     "timeline --suspect s-42-31-92 --as-of-position 5198",
                 });
}

}  // namespace
