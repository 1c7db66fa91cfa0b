// Behaviour of the `ledger` command-line program (SPEC §6), run as a real
// binary on temporary ledgers: exit codes, messages, atomic batches, the lock
// between writers, and exports that an auditor can check against `head`.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "enforcement/api/v1/ingest.pb.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "rocksdb/db.h"
#include "tests/support/event_builders.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::NdjsonLine;
using testing_support::NumberField;
using testing_support::Uint64Field;
using testing_support::ParseJsonObject;
using testing_support::Quote;
using testing_support::StringField;
using testing_support::TempDir;

std::string Lines(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) out += NdjsonLine(e);
  return out;
}

// Reads a base-128 varint at *pos; false if truncated or too long.
bool ReadVarint(const std::string& data, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= data.size()) return false;
    const uint8_t b = static_cast<uint8_t>(data[(*pos)++]);
    *value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// The commands and options the CLI documents (SPEC §6 and the CLI's brief).
// The binary is tested as a black box: this list is the expectation.
struct CommandOptions {
  const char* name;
  std::vector<const char*> options;
};
const std::vector<CommandOptions>& ExpectedCommands() {
  static const auto* const kCommands = new std::vector<CommandOptions>{
      {"init", {"--origin"}},
      {"append", {"--stream", "--expected-version"}},
      {"import", {"--batch", "--dry-run", "--bulk"}},
      {"read", {"--from", "--to", "--limit", "--stream", "--from-version"}},
      {"head", {}},
      {"export", {"--format", "--out", "--from", "--to"}},
      {"verify", {}},
  };
  return *kCommands;
}

class CliTest : public testing::Test {
 protected:
  // Runs `ledger --db <db> ARGS`.
  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " ", args),
        stdin_data);
  }
  // Runs `ledger ARGS` with no --db.
  CommandResult Bare(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " ", args), stdin_data);
  }
  // `extra`: more init options, e.g. "--format 1".
  void Init(const std::string& extra = "") {
    CommandResult r = Ledger("init --origin test.example/log " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  google::protobuf::Struct Head() {
    CommandResult r = Ledger("head --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return ParseJsonObject(r.out);
  }
  uint64_t TreeSize() { return static_cast<uint64_t>(Uint64Field(Head(), "tree_size")); }
  std::string Fixture(const std::string& name, const std::string& content) {
    const std::string path = dir_.Sub(name);
    testing_support::WriteFileOrDie(path, content);
    return path;
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

// --- help and usage --------------------------------------------------------

TEST_F(CliTest, TopLevelHelpListsCommandsAndExitCodes) {
  CommandResult r = Bare("--help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const CommandOptions& c : ExpectedCommands()) {
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("  ", c.name, " ")));
  }
  EXPECT_THAT(r.out, HasSubstr("Exit status"));
  for (const char* code : {" 0  ", " 1  ", " 2  ", " 3  ", " 4  ", " 5  ", " 6  ", "10  "}) {
    EXPECT_THAT(r.out, HasSubstr(code));
  }
  EXPECT_THAT(r.out, HasSubstr("--db DIR"));
  EXPECT_THAT(r.out, HasSubstr("LEDGER_DB"));
}

TEST_F(CliTest, EveryCommandHelpExitsZeroAndMentionsItsOptions) {
  for (const CommandOptions& c : ExpectedCommands()) {
    for (const std::string& args :
         {absl::StrCat(c.name, " --help"), absl::StrCat("help ", c.name)}) {
      SCOPED_TRACE(args);
      CommandResult r = Bare(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_THAT(r.out, HasSubstr(absl::StrCat("Usage: ledger ", c.name)));
      for (const char* o : c.options) EXPECT_THAT(r.out, HasSubstr(o));
      EXPECT_THAT(r.out, HasSubstr("--db DIR"));
      EXPECT_THAT(r.out, HasSubstr("Example:"));
      EXPECT_THAT(r.out, HasSubstr("Exit status:"));
      EXPECT_TRUE(r.err.empty()) << r.err;
    }
  }
}

TEST_F(CliTest, HelpWinsOverOtherArgumentErrors) {
  CommandResult r = Bare("import --no-such-flag --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("--dry-run"));
}

TEST_F(CliTest, UnknownCommandIsUsageErrorNamingIt) {
  CommandResult r = Ledger("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("frobnicate"));
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliTest, UnknownOptionIsUsageErrorNamingIt) {
  Init();
  CommandResult r = Ledger("head --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("ledger: head: unknown option '--frobnicate'"));
  // An option of another command is unknown here too.
  r = Ledger("head --batch 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--batch"));
}

TEST_F(CliTest, MissingValueAndBadNumberAreUsageErrors) {
  Init();
  EXPECT_EQ(Ledger("read --from").exit_code, 2);
  CommandResult r = Ledger("read --from minus-one");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--from"));
  EXPECT_EQ(Ledger("import --batch 0 -").exit_code, 2);
  EXPECT_EQ(Ledger("head extra-argument").exit_code, 2);
}

TEST_F(CliTest, NoCommandPrintsUsageAndExitsTwo) {
  CommandResult r = Bare("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("Usage:"));
}

// --- init -------------------------------------------------------------------

TEST_F(CliTest, InitCreatesAnEmptyLedgerWithItsOrigin) {
  Init();
  google::protobuf::Struct head = Head();
  EXPECT_EQ(Uint64Field(head, "tree_size"), 0);
  EXPECT_EQ(StringField(head, "origin"), "test.example/log");
  EXPECT_EQ(StringField(head, "root_hex"), merkle::ToHex(merkle::EmptyRoot()));
}

TEST_F(CliTest, InitRefusesAnExistingLedgerWithConflict) {
  Init();
  ASSERT_EQ(Ledger("append", NdjsonLine(testing_support::RaidEvent("r1", "op1"))).exit_code, 0);
  CommandResult r = Ledger("init --origin other.example/log");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("already exists"));
  google::protobuf::Struct head = Head();
  EXPECT_EQ(Uint64Field(head, "tree_size"), 1);
  EXPECT_EQ(StringField(head, "origin"), "test.example/log");
}

TEST_F(CliTest, InitWithoutOriginIsUsageError) {
  CommandResult r = Ledger("init");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--origin"));
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(CliTest, CommandsOnAMissingLedgerExitNotFound) {
  for (const char* cmd : {"head", "read", "verify", "export --format ndjson", "append"}) {
    SCOPED_TRACE(cmd);
    CommandResult r = Ledger(cmd, NdjsonLine(testing_support::RaidEvent("r1", "op1")));
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_THAT(r.err, HasSubstr("no ledger at"));
    EXPECT_THAT(r.err, HasSubstr("ledger init"));
  }
}

TEST_F(CliTest, DbDefaultsToTheLedgerDbEnvironmentVariable) {
  Init();
  CommandResult r = testing_support::RunCommand(absl::StrCat(
      "LEDGER_DB=", Quote(db_), " ", Quote(testing_support::LedgerBinary()), " head --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(StringField(ParseJsonObject(r.out), "origin"), "test.example/log");
}

// --- append -----------------------------------------------------------------

TEST_F(CliTest, AppendFromStdinReportsPositionsAndVersions) {
  Init();
  CommandResult r = Ledger("append --json", Lines({testing_support::RaidEvent("r1", "op1"),
                                                   testing_support::RaidEvent("r2", "op1")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct out = ParseJsonObject(r.out);
  EXPECT_EQ(NumberField(out, "appended"), 2);
  EXPECT_EQ(Uint64Field(out, "tree_size"), 2);
  const auto& events = out.fields().at("events").list_value().values();
  ASSERT_EQ(events.size(), 2);
  EXPECT_EQ(Uint64Field(events[1].struct_value(), "position"), 1);
  EXPECT_EQ(Uint64Field(events[1].struct_value(), "stream_version"), 1);
  EXPECT_FALSE(events[1].struct_value().fields().at("duplicate").bool_value());
  EXPECT_EQ(TreeSize(), 2);
}

TEST_F(CliTest, AppendTablePrintsOneRowPerEvent) {
  // Format 1: the stream is stored (and printed) as the producer wrote it.
  Init("--format 1");
  CommandResult r = Ledger("append -", NdjsonLine(testing_support::ArrestEvent("a1", "s1")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("POSITION"));
  EXPECT_THAT(r.out, HasSubstr("suspect/s1"));
  EXPECT_THAT(r.out, HasSubstr("appended 1 of 1"));
}

TEST_F(CliTest, AppendTableOfAFormat2LedgerPrintsTheSubjectStream) {
  // Format 2 (docs/PERSONAL_DATA.md): suspect/<agency id> is stored as
  // suspect/<subject id>; the row names the stored stream, not the agency id.
  Init();
  CommandResult r = Ledger("append -", NdjsonLine(testing_support::ArrestEvent("a1", "s1")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("POSITION"));
  EXPECT_THAT(r.out, testing::ContainsRegex("suspect/sub_[0-9a-f]{32} +0 +a1 +appended"));
  EXPECT_THAT(r.out, Not(HasSubstr("suspect/s1")));
  EXPECT_THAT(r.out, HasSubstr("appended 1 of 1"));
}

TEST_F(CliTest, AppendingTheSameEventAgainReportsDuplicateAndWritesNothing) {
  Init();
  const std::string in = NdjsonLine(testing_support::RaidEvent("r1", "op1"));
  ASSERT_EQ(Ledger("append", in).exit_code, 0);
  CommandResult r = Ledger("append --json", in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct out = ParseJsonObject(r.out);
  EXPECT_EQ(NumberField(out, "appended"), 0);
  EXPECT_EQ(NumberField(out, "duplicates"), 1);
  EXPECT_EQ(TreeSize(), 1);
}

TEST_F(CliTest, AppendWithStreamRefusesAnEventOfAnotherStream) {
  Init();
  CommandResult r = Ledger("append --stream operation/op1",
                           Lines({testing_support::RaidEvent("r1", "op1"),
                                  testing_support::RaidEvent("r2", "op2")}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("<stdin>:2"));
  EXPECT_THAT(r.err, HasSubstr("operation/op2"));
  EXPECT_EQ(TreeSize(), 0);
}

TEST_F(CliTest, AppendWithExpectedVersionMismatchExitsConflictNamingStreamAndVersions) {
  Init();
  ASSERT_EQ(Ledger("append --stream operation/op1 --expected-version none",
                   NdjsonLine(testing_support::RaidEvent("r1", "op1")))
                .exit_code,
            0);
  CommandResult r = Ledger("append --stream operation/op1 --expected-version none",
                           NdjsonLine(testing_support::RaidEvent("r2", "op1")));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("operation/op1"));
  EXPECT_THAT(r.err, HasSubstr("version 0"));
  EXPECT_THAT(r.err, HasSubstr("expected no stream"));

  r = Ledger("append --stream operation/op1 --expected-version 7",
             NdjsonLine(testing_support::RaidEvent("r2", "op1")));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("operation/op1"));
  EXPECT_THAT(r.err, HasSubstr("version 0"));
  EXPECT_THAT(r.err, HasSubstr("7"));
  EXPECT_EQ(TreeSize(), 1);

  r = Ledger("append --stream operation/op1 --expected-version 0",
             NdjsonLine(testing_support::RaidEvent("r2", "op1")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TreeSize(), 2);
}

TEST_F(CliTest, ExpectedVersionWithoutStreamIsUsageError) {
  Init();
  EXPECT_EQ(Ledger("append --expected-version 3", "").exit_code, 2);
  EXPECT_EQ(Ledger("append --stream operation/x --expected-version soon", "").exit_code, 2);
}

TEST_F(CliTest, AppendSameIdWithDifferentContentExitsConflict) {
  Init();
  ASSERT_EQ(Ledger("append", NdjsonLine(testing_support::RaidEvent("r1", "op1", 807))).exit_code, 0);
  CommandResult r = Ledger("append", NdjsonLine(testing_support::RaidEvent("r1", "op1", 808)));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("<stdin>:1"));
  EXPECT_THAT(r.err, HasSubstr("different content"));
  EXPECT_EQ(TreeSize(), 1);
}

TEST_F(CliTest, AppendOfAnInvalidEventWritesNothing) {
  Init();
  CommandResult r = Ledger("append", Lines({testing_support::RaidEvent("r1", "op1"),
                                            testing_support::RaidEvent("r2", "op1", 5, 6)}));
  EXPECT_EQ(r.exit_code, 3);
  // Validated by the ledger after its idempotency check, as in an import:
  // the message names the event's id too.
  EXPECT_THAT(r.err, HasSubstr("<stdin>:2: (event_id \"r2\"): raid.ringleaders_detained"));
  EXPECT_THAT(r.err, HasSubstr("nothing was written"));
  EXPECT_EQ(TreeSize(), 0);
}

TEST_F(CliTest, AppendRefusesADuplicateKeyLikeImport) {
  // protobuf's JsonStringToMessage would keep the last of the two keys;
  // append reads with the import's strict parser.
  Init();
  std::string line = NdjsonLine(testing_support::RaidEvent("r1", "op1"));
  line.insert(1, "\"eventId\":\"other\",");
  CommandResult r = Ledger("append", line);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("<stdin>:1: column "));
  EXPECT_THAT(r.err, HasSubstr("duplicate key"));
  EXPECT_THAT(r.err, HasSubstr("nothing was written"));
  EXPECT_EQ(TreeSize(), 0);
}

TEST_F(CliTest, AppendAndImportStoreTheSameRecordsForTheSameInput) {
  // One input policy: the same parser, the same derived ids (for events
  // without one), the same records. Format 1, where two ledgers store the
  // same bytes for the same input (format 2's subject ids are random: see
  // AppendAndImportOfAFormat2LedgerRecogniseEachOthersRecords).
  Event no_id = testing_support::ArrestEvent("", "s9");
  const std::string input =
      Lines({testing_support::RaidEvent("r1", "op1"), no_id, testing_support::ArrestEvent("a2", "s2")});
  Init("--format 1");
  CommandResult r = Ledger("append", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string appended = Ledger("export --format ndjson").out;

  TempDir other;
  const std::string other_db = other.Sub("db");
  ASSERT_EQ(Bare("--db " + Quote(other_db) + " init --format 1 --origin " +
                 Quote(StringField(Head(), "origin")))
                .exit_code,
            0);
  r = Bare("--db " + Quote(other_db) + " import -", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string imported = Bare("--db " + Quote(other_db) + " export --format ndjson").out;
  // recorded_at differs (the clock): compare the events themselves.
  const std::vector<std::string> a = absl::StrSplit(appended, '\n', absl::SkipEmpty());
  const std::vector<std::string> b = absl::StrSplit(imported, '\n', absl::SkipEmpty());
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) {
    const google::protobuf::Struct ra = ParseJsonObject(a[i]), rb = ParseJsonObject(b[i]);
    EXPECT_EQ(ra.fields().at("event").DebugString(), rb.fields().at("event").DebugString()) << i;
  }
  EXPECT_THAT(a[1], testing::ContainsRegex("\"eventId\":\"sha256:[0-9a-f]{32}\""));
}

TEST_F(CliTest, AppendAndImportOfAFormat2LedgerRecogniseEachOthersRecords) {
  // Format 2: the same parser and the same split into the personal-data
  // store, so what append stored, import of the same input finds (the same
  // derived id for the event without one, the same subject, the same
  // commitments), and the other way round.
  Event no_id = testing_support::ArrestEvent("", "s9");
  const std::string input =
      Lines({testing_support::RaidEvent("r1", "op1"), no_id, testing_support::ArrestEvent("a2", "s2")});
  Init();
  CommandResult r = Ledger("append", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Ledger("import --json -", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = testing_support::ParseAnswer<enforcement::api::v1::ImportReport>(r.out);
  EXPECT_EQ(report.appended(), 0u);
  EXPECT_EQ(report.duplicates(), 3u);
  const std::string appended = Ledger("export --format ndjson").out;
  EXPECT_THAT(appended, testing::ContainsRegex("\"eventId\":\"sha256:[0-9a-f]{32}\""));
  EXPECT_THAT(appended, testing::ContainsRegex("\"stream\":\"suspect/sub_[0-9a-f]{32}\""));
  // The suspect id "s9" as a JSON value or in a stream name (a random
  // base64 commitment may hold the letters "s9").
  EXPECT_THAT(appended, Not(HasSubstr("\"s9\"")));
  EXPECT_THAT(appended, Not(HasSubstr("suspect/s9")));

  TempDir other;
  const std::string other_db = other.Sub("db");
  ASSERT_EQ(Bare("--db " + Quote(other_db) + " init --origin test.example/log").exit_code, 0);
  r = Bare("--db " + Quote(other_db) + " import -", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Bare("--db " + Quote(other_db) + " append --json", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct out = ParseJsonObject(r.out);
  EXPECT_EQ(NumberField(out, "appended"), 0);
  EXPECT_EQ(NumberField(out, "duplicates"), 3);
}

// --- import -----------------------------------------------------------------

// The answer of `import --json` (docs/JSON.md), parsed strictly.
using ImportReport = enforcement::api::v1::ImportReport;
ImportReport Report(const std::string& out) {
  return testing_support::ParseAnswer<ImportReport>(out);
}

std::string FixturePath() { return testing_support::SourceDir() + "/tests/testdata/cli/events.ndjson"; }

TEST_F(CliTest, ImportAppendsAFixtureAndPrintsASummary) {
  Init();
  CommandResult r = Ledger("import " + Quote(FixturePath()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("appended 5"));
  EXPECT_THAT(r.out, HasSubstr("duplicates 0"));
  EXPECT_THAT(r.out, HasSubstr("batches 1"));
  EXPECT_TRUE(r.err.empty()) << "no progress meter when stderr is not a terminal: " << r.err;
  EXPECT_EQ(TreeSize(), 5);
}

TEST_F(CliTest, ReimportingAFileAppendsNothing) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  const std::string root = StringField(Head(), "root_hex");
  CommandResult r = Ledger("import --json --batch 2 " + Quote(FixturePath()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ImportReport out = Report(r.out);
  EXPECT_EQ(out.appended(), 0u);
  EXPECT_EQ(out.duplicates(), 5u);
  EXPECT_EQ(out.batches(), 3u);
  EXPECT_EQ(out.lines(), 6u);
  EXPECT_EQ(StringField(Head(), "root_hex"), root);
}

TEST_F(CliTest, ImportFromStdinInBulkModeAppends) {
  Init();
  std::vector<Event> events;
  for (int i = 0; i < 25; ++i) events.push_back(testing_support::ArrestEvent(absl::StrCat("a", i), absl::StrCat("s", i)));
  CommandResult r = Ledger("import - --bulk --batch 10 --json", Lines(events));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ImportReport out = Report(r.out);
  EXPECT_EQ(out.appended(), 25u);
  EXPECT_EQ(out.batches(), 3u);
  EXPECT_EQ(TreeSize(), 25);
}

TEST_F(CliTest, DryRunValidatesEverythingAndWritesNothing) {
  Init();
  CommandResult r = Ledger("import --dry-run --json " + Quote(FixturePath()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ImportReport out = Report(r.out);
  EXPECT_EQ(out.events(), 5u);
  EXPECT_EQ(out.appended(), 0u);
  EXPECT_EQ(TreeSize(), 0);
  // A dry run needs no ledger, and still finds bad lines.
  const std::string bad =
      Fixture("bad.ndjson", NdjsonLine(testing_support::RaidEvent("r1", "op1")) + "{not json\n");
  r = Bare("--db " + Quote(dir_.Sub("nowhere")) + " import --dry-run " + Quote(bad));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(bad + ":2:"));
  EXPECT_THAT(r.err, HasSubstr("nothing was written"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nowhere")));
}

// Writes lines 1..4 valid (2 batches of 2), then `bad` at line 5 followed by
// one more valid line; imports with --batch 2.
struct BadLineCase {
  std::string name;
  std::string bad_line;
  std::vector<std::string> expected_in_stderr;
  int exit_code;
};

class CliBadLineTest : public CliTest, public testing::WithParamInterface<BadLineCase> {};

TEST_P(CliBadLineTest, BadLineStopsImportNamingFileLineFieldAndRule) {
  Init();
  const BadLineCase& c = GetParam();
  std::string content;
  for (int i = 0; i < 4; ++i) {
    content += NdjsonLine(testing_support::ArrestEvent(absl::StrCat("ok", i), absl::StrCat("s", i)));
  }
  content += c.bad_line + "\n";
  content += NdjsonLine(testing_support::ArrestEvent("after", "s9"));
  const std::string path = Fixture("input.ndjson", content);
  CommandResult r = Ledger("import --batch 2 " + Quote(path));
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ledger: import: " + path + ":5: "));
  for (const std::string& s : c.expected_in_stderr) EXPECT_THAT(r.err, HasSubstr(s));
  EXPECT_THAT(r.err, HasSubstr("lines 1\u20134 (4 events, 4 new, 0 duplicates) were committed in 2 "
                               "earlier batches; nothing from line"));
  // The tree holds exactly the earlier batches.
  EXPECT_EQ(TreeSize(), 4);
}

Event HandoverWithMoreIdsThanCount() {
  Event e = testing_support::HandoverEvent("h1", "handover/h1", "MM", "CN", 2);
  for (const char* id : {"s1", "s2", "s3"}) e.mutable_handover()->add_suspect_ids(id);
  return e;
}

std::string Chomp(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadLineTest,
    testing::Values(
        BadLineCase{"MalformedJson", "{\"eventId\": \"x\",", {"invalid JSON"}, 3},
        BadLineCase{"UnknownField",
                    "{\"eventId\":\"x\",\"stream\":\"suspect/x\",\"colour\":\"red\"}",
                    {"invalid JSON", "colour"},
                    3},
        BadLineCase{"InvalidUtf8", "{\"eventId\":\"\xff\xfe\"}", {"not valid UTF-8"}, 3},
        BadLineCase{"RingleadersAboveDetained",
                    Chomp(NdjsonLine(testing_support::RaidEvent("r1", "op1", 5, 6))),
                    {"raid.ringleaders_detained", "5"},
                    3},
        BadLineCase{"HandoverIdsAboveCount", Chomp(NdjsonLine(HandoverWithMoreIdsThanCount())),
                    {"handover.suspects_count", "3"},
                    3},
        BadLineCase{"CorrectionOfAMissingEvent",
                    Chomp(NdjsonLine(testing_support::CorrectionEvent(
                        "c1", "operation/op1", "no-such-event",
                        testing_support::RaidEvent("x", "op1")))),
                    {"correction.target_event_id", "no-such-event"},
                    3},
        BadLineCase{"SameIdAsAnEarlierLineWithDifferentContent",
                    Chomp(NdjsonLine(testing_support::ArrestEvent("ok0", "other-suspect"))),
                    {"ok0", "different content"},
                    4}),
    [](const testing::TestParamInfo<BadLineCase>& info) { return info.param.name; });

TEST_F(CliTest, StatefulErrorInsideABatchNamesItsLineAndWritesNoneOfTheBatch) {
  Init();
  // Line 2 is fine on its own; line 3 corrects an event that does not exist.
  // Both are in one batch, which is refused as a whole by the ledger.
  const std::string path = Fixture(
      "input.ndjson",
      Lines({testing_support::RaidEvent("r1", "op1"), testing_support::RaidEvent("r2", "op2"),
             testing_support::CorrectionEvent("c1", "operation/op1", "missing",
                                              testing_support::RaidEvent("x", "op1")),
             testing_support::RaidEvent("r4", "op4")}));
  CommandResult r = Ledger("import --batch 3 " + Quote(path));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(path + ":3: "));
  EXPECT_THAT(r.err, HasSubstr("correction.target_event_id"));
  EXPECT_THAT(r.err, HasSubstr("no earlier batch was committed; nothing from lines 1\u20133 was written"));
  EXPECT_EQ(TreeSize(), 0);
}

TEST_F(CliTest, ImportJsonReportsWhatWasCommittedOnFailure) {
  Init();
  const std::string path = Fixture(
      "input.ndjson", Lines({testing_support::RaidEvent("r1", "op1"),
                             testing_support::RaidEvent("r2", "op1", 1, 2)}));
  CommandResult r = Ledger("import --json --batch 1 " + Quote(path));
  EXPECT_EQ(r.exit_code, 3);
  ImportReport out = Report(r.out);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.failed_line(), 2u);
  EXPECT_EQ(out.committed_through_line(), 1u);
  EXPECT_EQ(out.appended(), 1u);
}

TEST_F(CliTest, ImportOfAMissingFileIsUsageError) {
  Init();
  CommandResult r = Ledger("import " + Quote(dir_.Sub("absent.ndjson")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("absent.ndjson"));
}

// --- one writer, many readers ------------------------------------------------

// Starts `ledger import FIFO` in the background. `import` takes the writer
// lock before it opens its input, so once the FIFO's write end opens, the
// lock is held; the writer then waits for input until the FIFO is closed.
class BackgroundImport {
 public:
  BackgroundImport(const std::string& db, const std::string& fifo, const std::string& out)
      : fifo_(fifo) {
    if (mkfifo(fifo.c_str(), 0600) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execl(testing_support::LedgerBinary().c_str(), "ledger", "--db", db.c_str(), "import",
            fifo.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~BackgroundImport() {
    if (fd_ >= 0) close(fd_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Waits until the writer holds the lock (it has opened the FIFO).
  bool WaitUntilLocked() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      fd_ = open(fifo_.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd_ >= 0) {
        fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
        return true;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return false;  // the writer exited early
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Feeds `data`, closes the input and returns the writer's exit code.
  int Finish(const std::string& data) {
    if (fd_ >= 0) {
      if (write(fd_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) return -2;
      close(fd_);
      fd_ = -1;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -3;
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string fifo_;
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
};

TEST_F(CliTest, SecondWriterIsRefusedAsLockedWhileReadersStillWork) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  const std::string root = StringField(Head(), "root_hex");

  BackgroundImport writer(db_, dir_.Sub("feed.fifo"), dir_.Sub("writer.out"));
  ASSERT_TRUE(writer.WaitUntilLocked())
      << "background import did not start: " << testing_support::ReadFileOrDie(dir_.Sub("writer.out"));

  CommandResult r = Ledger("append", NdjsonLine(testing_support::RaidEvent("r9", "op9")));
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ledger: append: locked"));
  EXPECT_THAT(r.err, HasSubstr("another process"));
  r = Ledger("import -", NdjsonLine(testing_support::RaidEvent("r9", "op9")));
  EXPECT_EQ(r.exit_code, 6) << r.err;

  // Readers open the ledger read-only and work meanwhile.
  google::protobuf::Struct head = Head();
  EXPECT_EQ(Uint64Field(head, "tree_size"), 5);
  EXPECT_EQ(StringField(head, "root_hex"), root);
  r = Ledger("read --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(r.out, '\n', absl::SkipEmpty())).size(), 5u);
  r = Ledger("export --format delimited --out " + Quote(dir_.Sub("copy.bin")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Ledger("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  EXPECT_EQ(writer.Finish(NdjsonLine(testing_support::RaidEvent("r9", "op9"))), 0)
      << testing_support::ReadFileOrDie(dir_.Sub("writer.out"));
  EXPECT_EQ(TreeSize(), 6);
}

// --- read, head, export, verify ----------------------------------------------

TEST_F(CliTest, ReadPrintsATableOrNdjsonRecords) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult r = Ledger("read --from 1 --to 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("POSITION"));
  EXPECT_THAT(r.out, HasSubstr("OCCURRED"));
  EXPECT_THAT(r.out, HasSubstr("cli-fixture-arrest-1"));
  EXPECT_THAT(r.out, HasSubstr("2024-03-02 (day)"));
  EXPECT_THAT(r.out, HasSubstr("handover"));
  EXPECT_THAT(r.out, Not(HasSubstr("cli-fixture-raid-1 ")));

  r = Ledger("read --json --limit 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  enforcement::v1::LedgerRecord rec;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[1], &rec).ok());
  EXPECT_EQ(rec.position(), 1u);
  EXPECT_EQ(rec.event().event_id(), "cli-fixture-arrest-1");
  EXPECT_THAT(lines[1], HasSubstr("\"eventId\""));  // canonical lowerCamelCase names
}

TEST_F(CliTest, ReadIntoAPipeClosedEarlyStopsQuietly) {
  Init();
  std::vector<Event> events;
  for (int i = 0; i < 600; ++i) {
    events.push_back(testing_support::ArrestEvent(absl::StrCat("a", i), absl::StrCat("s", i)));
  }
  ASSERT_EQ(Ledger("import -", Lines(events)).exit_code, 0);
  const std::string status = dir_.Sub("status");
  // `head -c 10` leaves after 10 bytes; the rest of the output meets a closed pipe.
  CommandResult r = testing_support::RunCommand(absl::StrCat(
      "{ ", Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " read --json; echo $? > ",
      Quote(status), "; } | head -c 10"));
  EXPECT_EQ(r.out.size(), 10u);
  EXPECT_EQ(testing_support::ReadFileOrDie(status), "0\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliTest, ReadByStreamFollowsStreamVersions) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult r = Ledger("read --json --stream operation/cli-op-1 --from-version 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u);
  enforcement::v1::LedgerRecord rec;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &rec).ok());
  EXPECT_EQ(rec.position(), 4u);
  EXPECT_EQ(rec.stream_version(), 1u);
}

TEST_F(CliTest, ReadOfAnUnknownStreamOrPastTheHeadExitsNotFound) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult r = Ledger("read --stream operation/nope");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("operation/nope"));
  r = Ledger("read --from 99");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("past the head"));
  EXPECT_EQ(Ledger("read --stream operation/cli-op-1 --from 1").exit_code, 2);
}

TEST_F(CliTest, HeadPrintsSizeRootAndOrigin) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult r = Ledger("head");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct head = Head();
  EXPECT_THAT(r.out, HasSubstr("tree size:"));
  EXPECT_THAT(r.out, HasSubstr(StringField(head, "root_hex")));
  EXPECT_THAT(r.out, HasSubstr(StringField(head, "root_base64")));
  EXPECT_THAT(r.out, HasSubstr("test.example/log"));
  auto hex = merkle::FromHex(StringField(head, "root_hex"));
  auto b64 = merkle::FromBase64(StringField(head, "root_base64"));
  ASSERT_TRUE(hex.ok() && b64.ok());
  EXPECT_EQ(*hex, *b64);
}

TEST_F(CliTest, ExportedDelimitedBytesAreTheStoredRecordsAndHashToTheHeadRoot) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  std::vector<Event> more;
  for (int i = 0; i < 200; ++i) more.push_back(testing_support::ArrestEvent(absl::StrCat("x", i), absl::StrCat("t", i)));
  ASSERT_EQ(Ledger("import - --batch 64", Lines(more)).exit_code, 0);
  const std::string out = dir_.Sub("export.bin");
  CommandResult r = Ledger("export --format delimited --out " + Quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("exported 205 records"));

  const std::string data = testing_support::ReadFileOrDie(out);
  std::vector<merkle::Hash> leaves;
  std::vector<std::string> bytes;
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t len = 0;
    ASSERT_TRUE(ReadVarint(data, &pos, &len));
    ASSERT_LE(pos + len, data.size());
    bytes.push_back(data.substr(pos, len));
    pos += len;
    enforcement::v1::LedgerRecord rec;
    ASSERT_TRUE(rec.ParseFromString(bytes.back()));
    EXPECT_EQ(rec.position(), leaves.size());
    leaves.push_back(merkle::LeafHash(bytes.back()));
  }
  ASSERT_EQ(leaves.size(), 205u);
  google::protobuf::Struct head = Head();
  EXPECT_EQ(merkle::ToHex(merkle::RootFromLeafHashes(leaves)), StringField(head, "root_hex"));
  EXPECT_EQ(merkle::ToBase64(merkle::RootFromLeafHashes(leaves)), StringField(head, "root_base64"));

  // The exact stored bytes, not a re-serialization.
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto l = ledger::Ledger::Open(db_, ro);
  ASSERT_TRUE(l.ok()) << l.status();
  auto stored = (*l)->Read(0, 205);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 205u);
  for (size_t i = 0; i < bytes.size(); ++i) EXPECT_EQ((*stored)[i].bytes, bytes[i]) << i;
}

TEST_F(CliTest, ExportOfARangeToStdoutIsTheMatchingSlice) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult all = Ledger("export --format delimited");
  CommandResult part = Ledger("export --format delimited --from 1 --to 3");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  ASSERT_EQ(part.exit_code, 0) << part.err;
  size_t pos = 0, start = 0;
  uint64_t len = 0;
  for (int i = 0; i < 3; ++i) {
    if (i == 1) start = pos;
    ASSERT_TRUE(ReadVarint(all.out, &pos, &len));
    pos += len;
  }
  EXPECT_EQ(part.out, all.out.substr(start, pos - start));
}

TEST_F(CliTest, ExportNdjsonEqualsReadJson) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  const std::string out = dir_.Sub("export.ndjson");
  CommandResult r = Ledger("export --format ndjson --out " + Quote(out) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct summary = ParseJsonObject(r.out);
  EXPECT_EQ(Uint64Field(summary, "records"), 5);
  EXPECT_EQ(StringField(summary, "root_hex"), StringField(Head(), "root_hex"));
  CommandResult read = Ledger("read --json");
  ASSERT_EQ(read.exit_code, 0);
  EXPECT_EQ(testing_support::ReadFileOrDie(out), read.out);
  // Atomic write: no temporary file is left beside the output.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    names.push_back(e.path().filename().string());
  }
  for (const std::string& n : names) EXPECT_THAT(n, Not(HasSubstr(".tmp-"))) << absl::StrJoin(names, " ");
}

TEST_F(CliTest, ExportWithoutFormatIsUsageError) {
  Init();
  CommandResult r = Ledger("export");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--format"));
  EXPECT_EQ(Ledger("export --format xml").exit_code, 2);
}

TEST_F(CliTest, VerifyPassesOnAnIntactLedger) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  CommandResult r = Ledger("verify --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  google::protobuf::Struct out = ParseJsonObject(r.out);
  EXPECT_TRUE(out.fields().at("ok").bool_value());
  EXPECT_EQ(StringField(out, "records_checked"), "5");  // uint64: a string (docs/JSON.md)
  EXPECT_EQ(StringField(out, "root_hex"), StringField(Head(), "root_hex"));
  r = Ledger("verify");
  EXPECT_THAT(r.out, HasSubstr("OK"));
}

TEST_F(CliTest, VerifyOfATamperedRecordExitsOneNamingThePosition) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(FixturePath())).exit_code, 0);
  {
    // Rewrite one byte of the stored record at position 2, as an attacker
    // with write access to the files could.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_, cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* records = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == ledger::kRecordsFamily) records = handles[i];
    }
    ASSERT_NE(records, nullptr);
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), records, ledger::RecordKey(2), &value).ok());
    const size_t at = value.find("MM");
    ASSERT_NE(at, std::string::npos);
    value[at] = 'L';  // handover from "LM"
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), records, ledger::RecordKey(2), value).ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  CommandResult r = Ledger("verify --json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  google::protobuf::Struct out = ParseJsonObject(r.out);
  EXPECT_FALSE(out.fields().at("ok").bool_value());
  EXPECT_EQ(StringField(out, "first_bad_position"), "2");
  EXPECT_THAT(r.err, HasSubstr("position 2"));
}

}  // namespace
