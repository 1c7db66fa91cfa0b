// Behaviour of `ledger import` (docs/IMPORT.md), run as the real binary on
// temporary ledgers: the hostile-input corpus with its exact errors, derived
// event ids, CSV through a mapping, --rejects and its resume rules, the
// summary, standard input.
#include <openssl/sha.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "enforcement/api/v1/ingest.pb.h"
#include "enforcement/api/v1/personal.pb.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/record_coding.h"
#include "tests/support/event_builders.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing_support::CommandResult;
using testing_support::NdjsonLine;
using testing_support::NumberField;
using testing_support::Uint64Field;
using testing_support::ParseJsonObject;
using testing_support::Quote;
using testing_support::StringField;
using testing_support::TempDir;
using ImportReport = enforcement::api::v1::ImportReport;

// The answer of `import --json` (docs/JSON.md), parsed strictly.
ImportReport Report(const std::string& out) {
  return testing_support::ParseAnswer<ImportReport>(out);
}

std::vector<std::string> SplitLines(const std::string& s) {
  return absl::StrSplit(s, '\n', absl::SkipEmpty());
}

std::string Data(const std::string& name) { return testing_support::SourceDir() + "/data/" + name; }
std::string HostileDir() {
  return testing_support::SourceDir() + "/tests/testdata/import/hostile";
}

// The documented rule: "sha256:" + 32 hex digits of SHA-256 over the
// deterministic serialization of the event with event_id empty.
std::string ExpectedDerivedId(Event e) {
  e.clear_event_id();
  std::string bytes;
  EXPECT_TRUE(ledger::SerializeEventDeterministic(e, &bytes));
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md);
  return "sha256:" +
         absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(md), 16));
}

class ImportTest : public testing::Test {
 protected:
  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " ", args),
        stdin_data);
  }
  // `extra`: more init options, e.g. "--format 1".
  void Init(const std::string& extra = "") {
    ASSERT_EQ(Ledger("init --origin test.example/log " + extra).exit_code, 0);
  }
  std::string Fixture(const std::string& name, const std::string& content) {
    const std::string path = dir_.Sub(name);
    testing_support::WriteFileOrDie(path, content);
    return path;
  }
  uint64_t TreeSize() {
    CommandResult r = Ledger("head --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return static_cast<uint64_t>(Uint64Field(ParseJsonObject(r.out), "tree_size"));
  }
  // The events in the ledger, in position order.
  std::vector<Event> Events() {
    CommandResult r = Ledger("read --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<Event> out;
    for (const std::string& line : SplitLines(r.out)) {
      enforcement::v1::LedgerRecord rec;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &rec).ok()) << line;
      out.push_back(rec.event());
    }
    return out;
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

// --- the hostile corpus -------------------------------------------------------

// Each tests/testdata/import/hostile/NAME.ndjson has NAME.expected: the exit
// code, then the exact first line of stderr ({file} for the path).
TEST_F(ImportTest, HostileCorpusFailsWithTheExactExpectedError) {
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(HostileDir())) {
    if (entry.path().extension() != ".ndjson") continue;
    const std::string input = entry.path().string();
    SCOPED_TRACE(input);
    std::filesystem::path expected_path = entry.path();
    expected_path.replace_extension(".expected");
    const std::vector<std::string> expected =
        absl::StrSplit(testing_support::ReadFileOrDie(expected_path.string()), '\n');
    ASSERT_GE(expected.size(), 2u);
    std::filesystem::remove_all(db_);
    Init();
    CommandResult r = Ledger("import --batch 10 " + Quote(input));
    EXPECT_EQ(absl::StrCat(r.exit_code), expected[0]) << r.err;
    const std::string first = SplitLines(r.err).empty() ? "" : SplitLines(r.err)[0];
    std::string want = expected[1];
    if (size_t at = want.find("{file}"); at != std::string::npos) want.replace(at, 6, input);
    EXPECT_EQ(first, want);
    if (expected[0] == "0") {
      EXPECT_EQ(TreeSize(), 2u);
    } else {
      // The first line was good, but it is in the failing batch.
      EXPECT_THAT(r.err, HasSubstr("no earlier batch was committed; nothing from lines 1\u20132"));
      EXPECT_EQ(TreeSize(), 0u);
    }
    ++cases;
  }
  EXPECT_GE(cases, 30);
}

// Every form the strict parser accepts parses to the same message under
// protobuf's JsonStringToMessage (LEDGER_IMPORT_CROSSCHECK=1 compares them
// on every line and refuses a line where they differ).
TEST_F(ImportTest, StrictParserAgreesWithProtobufOnEveryAcceptedForm) {
  Init();
  const std::string base =
      "\"stream\":\"operation/op\",\"occurredAt\":\"2024-03-01T00:00:00Z\","
      "\"occurredPrecision\":\"PRECISION_MONTH\",\"source\":{\"publisher\":\"X\"}";
  const std::vector<std::string> lines = {
      // numbers as strings, integers, exact fractions and exponents; enums by number
      "{\"eventId\":\"n1\"," + base +
          ",\"raid\":{\"operationId\":\"op\",\"suspectsDetained\":807.0,"
          "\"ringleadersDetained\":2.1e1,\"detainedByNationality\":{\"CN\":352,\"MM\":\"455\"}}}",
      "{\"event_id\":\"n2\",\"stream\":\"operation/op\",\"occurred_at\":\"2024-03-01T00:00:00Z\","
      "\"occurred_precision\":3,\"source\":{\"publisher\":\"X\",\"published_at\":"
      "\"2024-03-31T23:30:00.123-05:30\"},\"raid\":{\"operation_id\":\"op\",\"suspects_detained\":-0}}",
      // escapes, non-ASCII text, a surrogate pair, nulls (escaped control
      // characters parse too, but validation refuses them: SPEC §8)
      "{\"eventId\":\"n3\"," + base +
          ",\"recordedBy\":null,\"raid\":{\"operationId\":\"op\",\"note\":"
          "\"\\\"q\\\" \\\\ \\/ \\u00e9 \\ud83d\\ude00 M\u00fcnchen \u2013\","
          "\"seized\":[{\"item\":\"a\",\"quantity\":\"0\"},{\"item\":\"b\"}],\"agencies\":[],"
          "\"location\":null}}",
      // whitespace everywhere JSON allows it
      "  { \"eventId\" : \"n4\" , " + base + " , \"raid\" : { \"operationId\" : \"op\" } }  ",
      // a correction with a replacement event
      "{\"eventId\":\"n5\"," + base +
          ",\"correction\":{\"targetEventId\":\"n1\",\"reason\":\"r\",\"replacement\":{"
          "\"occurredAt\":\"2024-03-02T00:00:00Z\",\"occurredPrecision\":\"PRECISION_DAY\","
          "\"raid\":{\"operationId\":\"op\",\"suspectsDetained\":\"1000000000\"}}}}",
      // fractions and exponents whose exact decimal value is an integer (of at
      // most 2^53; here within validation's bound of 10^9 people)
      "{\"eventId\":\"n6\"," + base +
          ",\"raid\":{\"operationId\":\"op\",\"suspectsDetained\":1000000000.0,"
          "\"ringleadersDetained\":12.50e1,\"detainedByNationality\":{\"CN\":1.0E+2,"
          "\"MM\":100e-2,\"LA\":-0.0e-7}}}",
  };
  std::string input;
  for (const std::string& l : lines) input += l + "\n";
  const std::string path = Fixture("forms.ndjson", input);
  CommandResult r = testing_support::RunCommand(absl::StrCat(
      "LEDGER_IMPORT_CROSSCHECK=1 ", Quote(testing_support::LedgerBinary()), " --db ", Quote(db_),
      " import --json ", Quote(path)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 6u);
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].raid().suspects_detained(), 807);
  EXPECT_EQ(events[0].raid().ringleaders_detained(), 21);
  EXPECT_EQ(events[1].source().published_at().seconds(), 1711929600 + 5 * 3600);
  EXPECT_EQ(events[1].source().published_at().nanos(), 123000000);
  EXPECT_EQ(events[2].raid().note(),
            "\"q\" \\ / \u00e9 \U0001F600 M\u00fcnchen \u2013");
  EXPECT_EQ(events[5].raid().suspects_detained(), 1000000000);
  EXPECT_EQ(events[5].raid().ringleaders_detained(), 125);
  EXPECT_EQ(events[5].raid().detained_by_nationality().at("CN"), 100);
  EXPECT_EQ(events[5].raid().detained_by_nationality().at("MM"), 1);
  EXPECT_EQ(events[5].raid().detained_by_nationality().at("LA"), 0);
}

TEST_F(ImportTest, TenMegabyteLineIsRefusedWithoutHoldingItAndRejectsKeepItsHash) {
  Init();
  const std::string good = NdjsonLine(testing_support::ArrestEvent("a1", "s1"));
  const std::string huge = "{\"eventId\":\"" + std::string(10 << 20, 'x') + "\"}";
  const std::string path = Fixture("huge.ndjson", good + huge + "\n" +
                                                      NdjsonLine(testing_support::ArrestEvent("a2", "s2")));
  CommandResult r = Ledger("import " + Quote(path));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(path + ":2: the line is 10485774 bytes long; at most 2097152 are "
                                      "accepted (an event serializes to at most 1 MiB)"));
  EXPECT_EQ(TreeSize(), 0u);

  const std::string rejects = dir_.Sub("rejects.ndjson");
  r = Ledger("import --json --rejects " + Quote(rejects) + " " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 2u);
  EXPECT_EQ(Report(r.out).rejected(), 1u);
  const std::vector<std::string> entries = SplitLines(testing_support::ReadFileOrDie(rejects));
  ASSERT_EQ(entries.size(), 1u);
  google::protobuf::Struct e = ParseJsonObject(entries[0]);
  EXPECT_EQ(NumberField(e, "line"), 2);
  EXPECT_TRUE(e.fields().at("row_truncated").bool_value());
  EXPECT_EQ(NumberField(e, "row_bytes"), static_cast<double>(huge.size()));
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(huge.data()), huge.size(), md);
  EXPECT_EQ(StringField(e, "row_sha256"),
            absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(md), 32)));
  EXPECT_EQ(StringField(e, "row"), huge.substr(0, 4096));
}

TEST_F(ImportTest, SixtyThousandLevelsOfNestingAreRefusedAtTheLimit) {
  Init();
  std::string deep;
  for (int i = 0; i < 60000; ++i) deep += "{\"correction\":{\"replacement\":";
  const std::string path = Fixture("deep.ndjson", deep + "\n");
  CommandResult r = Ledger("import " + Quote(path));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(path + ":1: column 465: invalid JSON for enforcement.v1.Event: "
                                      "correction.replacement."));
  EXPECT_THAT(r.err, HasSubstr("nested deeper than 32 levels"));
}

// --- derived event ids -----------------------------------------------------------

TEST_F(ImportTest, EventsWithoutIdsGetTheDocumentedDerivedIdAndReimportAppendsNothing) {
  // Format 1: the id is the documented formula over the producer's content.
  // Format 2 derives it over the split event: Format2DerivedIds... below.
  Init("--format 1");
  Event a = testing_support::ArrestEvent("", "s1");
  Event b = testing_support::RaidEvent("", "op1");
  const std::string path = Fixture("noids.ndjson", NdjsonLine(a) + NdjsonLine(b));
  CommandResult r = Ledger("import --json " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 2u);
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_id(), ExpectedDerivedId(a));
  EXPECT_EQ(events[1].event_id(), ExpectedDerivedId(b));
  EXPECT_THAT(events[0].event_id(), testing::MatchesRegex("sha256:[0-9a-f]{32}"));

  // The same file again, and an overlapping one: nothing twice.
  r = Ledger("import --json " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 0u);
  EXPECT_EQ(Report(r.out).duplicates(), 2u);
  Event c = testing_support::ArrestEvent("", "s3");
  const std::string overlap = Fixture("overlap.ndjson", NdjsonLine(b) + NdjsonLine(c));
  r = Ledger("import --json " + Quote(overlap));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 1u);
  EXPECT_EQ(Report(r.out).duplicates(), 1u);
  EXPECT_EQ(TreeSize(), 3u);
}

TEST_F(ImportTest, Format2DerivedIdsCoverNoPersonalDataAndReimportAppendsNothing) {
  // docs/PERSONAL_DATA.md, "Event ids": derived over the format-2 event with
  // empty commitments (the subject id in place of the agency id, no name).
  Init();
  Event a = testing_support::ArrestEvent("", "s1");
  a.mutable_arrest()->mutable_suspect()->set_name("Li Wei");
  Event b = testing_support::RaidEvent("", "op1");  // no personal data
  const std::string path = Fixture("noids.ndjson", NdjsonLine(a) + NdjsonLine(b));
  CommandResult r = Ledger("import --json " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 2u);
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_THAT(events[0].event_id(), testing::MatchesRegex("sha256:[0-9a-f]{32}"));
  EXPECT_NE(events[0].event_id(), ExpectedDerivedId(a));  // not over the agency id and name
  EXPECT_THAT(events[0].stream(), testing::MatchesRegex("suspect/sub_[0-9a-f]{32}"));
  EXPECT_EQ(events[0].arrest().suspect().name(), "");
  // An event without personal data is its own split form: the same id as format 1.
  EXPECT_EQ(events[1].event_id(), ExpectedDerivedId(b));

  // The same file again, and an overlapping one: nothing twice.
  r = Ledger("import --json " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 0u);
  EXPECT_EQ(Report(r.out).duplicates(), 2u);
  Event c = testing_support::ArrestEvent("", "s3");
  const std::string overlap = Fixture("overlap.ndjson", NdjsonLine(b) + NdjsonLine(c));
  r = Ledger("import --json " + Quote(overlap));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).appended(), 1u);
  EXPECT_EQ(Report(r.out).duplicates(), 1u);
  EXPECT_EQ(TreeSize(), 3u);

  // Only the name changed: the same derived id (the name is not in it), and
  // the ledger sees through the name's commitment that the content differs.
  Event renamed = a;
  renamed.mutable_arrest()->mutable_suspect()->set_name("Wang Ming");
  r = Ledger("import " + Quote(Fixture("renamed.ndjson", NdjsonLine(renamed))));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("(event_id \"" + events[0].event_id() + "\")"));
  EXPECT_THAT(r.err, HasSubstr("different content"));
  EXPECT_EQ(TreeSize(), 3u);
}

TEST_F(ImportTest, AnIdGivenInTheInputIsKept) {
  Init();
  ASSERT_EQ(Ledger("import -", NdjsonLine(testing_support::ArrestEvent("mine-1", "s1"))).exit_code, 0);
  EXPECT_EQ(Events().at(0).event_id(), "mine-1");
}

// --- CSV ------------------------------------------------------------------------

TEST_F(ImportTest, ShippedCsvExamplesImportAsDuplicatesOfTheShippedNdjson) {
  Init();
  ASSERT_EQ(Ledger("import " + Quote(Data("enforcement.ndjson"))).exit_code, 0);
  for (const char* name : {"handovers", "sentencings"}) {
    SCOPED_TRACE(name);
    CommandResult r = Ledger(absl::StrCat("import --json ", Quote(Data(absl::StrCat(name, ".csv"))),
                                          " --mapping ", Quote(Data(absl::StrCat(name, ".mapping")))));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ImportReport out = Report(r.out);
    EXPECT_EQ(out.appended(), 0u);
    EXPECT_GE(out.duplicates(), 1u);
    EXPECT_EQ(out.format(), "csv");
  }
  EXPECT_EQ(TreeSize(), 6u);
}

TEST_F(ImportTest, ShippedCsvExamplesAloneGiveTheFacts) {
  Init();
  CommandResult r = Ledger("import " + Quote(Data("handovers.csv")) + " --mapping " +
                           Quote(Data("handovers.mapping")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].handover().suspects_count(), 352);
  EXPECT_EQ(events[0].occurred_precision(), enforcement::v1::PRECISION_DAY);
  EXPECT_EQ(events[1].occurred_precision(), enforcement::v1::PRECISION_MONTH);  // "2024-02"
  EXPECT_EQ(events[1].occurred_at().seconds(), 1706745600);                   // 2024-02-01
  EXPECT_EQ(events[0].source().published_at().seconds(), 1711929600);  // 01/04/2024 via date_format
}

constexpr char kMapping[] =
    "# test mapping\n"
    "stream = template suspect/{id}\n"
    "occurred_at = date when\n"
    "source.publisher = const Test Agency\n"
    "arrest.suspect.suspect_id = column id\n"
    "arrest.suspect.name = column name\n"
    "arrest.suspect.role = column role\n"
    "arrest.location.place = column place\n"
    "ignore comment\n";

TEST_F(ImportTest, CsvFollowsRfc4180QuotesNewlinesCrlfAndBom) {
  // Format 1: the CSV fields land unchanged in the records (names and
  // agency ids included). Format 2: CsvNameAndSuspectIdGoToThePersonalDataStore.
  Init("--format 1");
  const std::string csv =
      "\xEF\xBB\xBFid,name,role,when,place,comment\r\n"
      "s1,\"Li, \"\"Boss\"\" Wei\",ringleader,2024-03,Muse,\"x\nShan State\"\r\n"
      "\r\n"
      "s2,Wang Ming,ROLE_MEMBER,2024-03-31,Myawaddy,\"a \"\"quoted\"\", comment\"\r\n"
      "s3,Zhao,member,2020,Boten,";  // no line end at the end of the file
  const std::string path = Fixture("arrests.csv", csv);
  const std::string map = Fixture("arrests.mapping", kMapping);
  CommandResult r = Ledger("import --json " + Quote(path) + " --mapping " + Quote(map));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ImportReport out = Report(r.out);
  EXPECT_EQ(out.rows(), 3u);
  EXPECT_EQ(out.lines(), 6u);
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].stream(), "suspect/s1");
  EXPECT_EQ(events[0].arrest().suspect().name(), "Li, \"Boss\" Wei");
  EXPECT_EQ(events[0].arrest().suspect().role(), enforcement::v1::ROLE_RINGLEADER);
  EXPECT_EQ(events[0].arrest().location().place(), "Muse");  // the line break: in `comment`
  EXPECT_EQ(events[0].occurred_precision(), enforcement::v1::PRECISION_MONTH);
  EXPECT_EQ(events[1].occurred_precision(), enforcement::v1::PRECISION_DAY);
  EXPECT_EQ(events[2].occurred_precision(), enforcement::v1::PRECISION_YEAR);
  EXPECT_EQ(events[1].arrest().suspect().role(), enforcement::v1::ROLE_MEMBER);
  EXPECT_EQ(events[0].source().publisher(), "Test Agency");
  EXPECT_THAT(events[0].event_id(), testing::StartsWith("sha256:"));
}

TEST_F(ImportTest, CsvNameAndSuspectIdGoToThePersonalDataStore) {
  Init();
  const std::string csv =
      "\xEF\xBB\xBFid,name,role,when,place,comment\r\n"
      "s1,\"Li, \"\"Boss\"\" Wei\",ringleader,2024-03,Muse,\"x\nShan State\"\r\n"
      "s2,Wang Ming,ROLE_MEMBER,2024-03-31,Myawaddy,\r\n";
  const std::string path = Fixture("arrests.csv", csv);
  const std::string map = Fixture("arrests.mapping", kMapping);
  CommandResult r = Ledger("import --json " + Quote(path) + " --mapping " + Quote(map));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).rows(), 2u);
  std::vector<Event> events = Events();
  ASSERT_EQ(events.size(), 2u);
  // The record: the subject id for the agency id (in the stream too), no name;
  // the other fields as in format 1.
  const std::string subject = events[0].arrest().suspect().suspect_id();
  EXPECT_THAT(subject, testing::MatchesRegex("sub_[0-9a-f]{32}"));
  EXPECT_EQ(events[0].stream(), "suspect/" + subject);
  EXPECT_EQ(events[0].arrest().suspect().name(), "");
  EXPECT_EQ(events[0].arrest().suspect().role(), enforcement::v1::ROLE_RINGLEADER);
  EXPECT_EQ(events[0].arrest().location().place(), "Muse");
  EXPECT_EQ(events[0].occurred_precision(), enforcement::v1::PRECISION_MONTH);
  EXPECT_EQ(events[0].source().publisher(), "Test Agency");
  EXPECT_NE(events[1].arrest().suspect().suspect_id(), subject);
  const std::string log = Ledger("export --format ndjson").out;
  for (const char* personal : {"Boss", "Wang Ming", "suspect/s1", "\"s1\"", "\"s2\""}) {
    EXPECT_THAT(log, testing::Not(HasSubstr(personal))) << personal;
  }

  // The personal-data store: the CSV's values, each verified against the
  // commitment in its record.
  r = Ledger("suspects show s1 --personal --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto answer =
      testing_support::ParseAnswer<enforcement::api::v1::SuspectPersonalAnswer>(r.out);
  EXPECT_EQ(answer.suspect().suspect_id(), subject);
  // --personal: the name is shown, from the store, checked.
  EXPECT_EQ(answer.suspect().name(), "Li, \"Boss\" Wei");
  EXPECT_EQ(answer.suspect().name_check(), "verified");
  EXPECT_FALSE(answer.erased());
  std::map<std::string, std::string> values;
  for (const auto& v : answer.personal()) {
    EXPECT_EQ(v.event_id(), events[0].event_id()) << v.field_path();
    EXPECT_EQ(v.check(), "verified") << v.field_path();
    values[v.field_path()] = v.value();
  }
  EXPECT_EQ(values, (std::map<std::string, std::string>{
                        {"arrest.suspect.name", "Li, \"Boss\" Wei"},
                        {"arrest.suspect.suspect_id", "s1"},
                        {"stream", "s1"},
                    }));
}

struct CsvErrorCase {
  std::string name;
  std::string rows;  // after the header "id,name,role,when,place,comment"
  std::string expected;  // exact message after "ledger: import: FILE:"
};

class CsvErrorTest : public ImportTest, public testing::WithParamInterface<CsvErrorCase> {};

TEST_P(CsvErrorTest, BadRowStopsNamingLineColumnFieldAndRule) {
  Init();
  const CsvErrorCase& c = GetParam();
  const std::string path =
      Fixture("in.csv", "id,name,role,when,place,comment\ns0,A,member,2024,X,\n" + c.rows);
  const std::string map = Fixture("in.mapping", kMapping);
  CommandResult r = Ledger("import " + Quote(path) + " --mapping " + Quote(map));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ledger: import: " + path + ":" + c.expected + "\n")) << r.err;
  EXPECT_EQ(TreeSize(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvErrorTest,
    testing::Values(
        CsvErrorCase{"BadDate", "s1,B,member,2024-13,X,\n",
                     "3: column \"when\" (occurred_at): \"2024-13\" is not a valid month"},
        CsvErrorCase{"BadEnum", "s1,B,boss,2024,X,\n",
                     "3: column \"role\" (arrest.suspect.role): \"boss\" is not a value of "
                     "enforcement.v1.Role (ROLE_UNSPECIFIED, ROLE_MEMBER, ROLE_RINGLEADER, "
                     "ROLE_RECRUITER, ROLE_MONEY_MULE, ROLE_FACILITATOR)"},
        CsvErrorCase{"MissingField", "s1,B,member,2024,X\n",
                     "3: the record has 5 fields; the header has 6"},
        CsvErrorCase{"QuoteInUnquotedField", "s1,B\"x,member,2024,X,\n",
                     "3: column 5: a quote inside an unquoted field (quote the whole field and "
                     "double the quote)"},
        CsvErrorCase{"TextAfterClosingQuote", "s1,\"B\"x,member,2024,X,\n",
                     "3: column 7: unexpected character after a closing quote (a field is either "
                     "quoted entirely or not at all)"},
        CsvErrorCase{"UnterminatedQuote", "s1,\"B,member,2024,X,\ns2,C,member,2024,X,\n",
                     "3: column 4: unterminated quoted field (its opening quote is on line 3)"},
        CsvErrorCase{"EmptyTemplateColumn", ",B,member,2024,X,\n",
                     "3: column \"id\" is empty but the template of stream needs it"},
        CsvErrorCase{"InvalidUtf8", "s1,B\xff,member,2024,X,\n",
                     "3: column 5: not valid UTF-8 at byte 5 of the row"},
        CsvErrorCase{"ValidationRule", std::string(600, 'x') + ",B,member,2024,X,\n",
                     "3: stream: name is 600 bytes, more than the 512-byte limit"}),
    [](const testing::TestParamInfo<CsvErrorCase>& info) { return info.param.name; });

TEST_F(ImportTest, MappingProblemsAreUsageErrorsNamingTheMappingLine) {
  Init();
  const std::string path = Fixture("in.csv", "id,name,role,when,place,comment\n");
  struct Case {
    std::string mapping;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {std::string(kMapping) + "arrest.suspect.colour = column name\n",
       ":10: field path arrest.suspect.colour: no field \"colour\" in enforcement.v1.Suspect"},
      {std::string(kMapping) + "arrest.operation_id = column nope\n", ":10: no column \"nope\""},
      {"stream = template suspect/{id}\noccurred_at = date when\n",
       ": columns \"name\", \"role\", \"place\", \"comment\" of the CSV file are not used by the "
       "mapping; map them or add `ignore <column>` (nothing is dropped silently)"},
      {std::string(kMapping) + "occurred_precision = const PRECISION_DAY\n",
       ":3: occurred_at sets occurred_precision from the date's form; do not map it too"},
      {std::string(kMapping) + "arrest.operation_id = frobnicate x\n",
       ":10: unknown source \"frobnicate\""},
      {std::string(kMapping) + "raid.suspects_detained = const many\n",
       ":10: const of raid.suspects_detained (mapping line 10): \"many\" is not an integer"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.mapping);
    const std::string map = Fixture("m.mapping", c.mapping);
    CommandResult r = Ledger("import " + Quote(path) + " --mapping " + Quote(map));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--mapping: " + map + c.expected));
  }
}

// True when `text` holds a control character other than the line ends
// between messages.
bool HasControlCharacterInALine(absl::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  }
  return false;
}

// Input echoed in a mapping, header or row error is escaped (\xNN), so that
// it cannot forge lines or send terminal escapes (found by the csv fuzzer:
// tests/fuzz/regressions/csv/field-path-control-chars-in-mapping-error).
TEST_F(ImportTest, MappingHeaderAndRowErrorsEscapeControlCharactersOfTheirInput) {
  Init();
  const std::string path = Fixture("in.csv", "id,name,role,when,place,comment\n");
  struct Case {
    std::string mapping;
    std::string expected;
  };
  const std::string nul(1, '\0');
  const std::vector<Case> cases = {
      {std::string(kMapping) + "occurred_sent\x03" + nul + "cing.court = column name\n",
       ":10: field path occurred_sent\\x03\\x00cing.court: no field \"occurred_sent\\x03\\x00cing\" "
       "in enforcement.v1.Event"},
      {std::string(kMapping) + "arrest.suspect.role.x\x1b[2J = column name\n",
       ":10: field path arrest.suspect.role.x\\x1b[2J: role has no fields"},
      {std::string(kMapping) + "raid.note[k\x01x = column name\n",
       ":10: bad field path raid.note[k\\x01x"},
      {std::string(kMapping) + "raid.note = \x1b]0;title\x07 x\n",
       ":10: unknown source \"\\x1b]0;title\\x07\"; use column, const, template, list or date"},
      {std::string(kMapping) + "date_format %Y da\x7fy\n",
       ":10: date_format precision must be exact, day, month or year, not \"da\\x7fy\""},
      {std::string(kMapping) + "raid.detained_by_nationality[C\x01N] = const 1\n"
                               "raid.detained_by_nationality[C\x01N] = const 2\n",
       ":11: raid.detained_by_nationality[C\\x01N] is mapped twice"},
      {std::string(kMapping) + "raid.detained_by_nationality[C\x01N] = const many\n",
       ":10: const of raid.detained_by_nationality[C\\x01N] (mapping line 10): \"many\" is not "
       "an integer (digits only, no separators)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::CHexEscape(c.mapping));
    const std::string map = Fixture("m.mapping", c.mapping);
    CommandResult r = Ledger("import " + Quote(path) + " --mapping " + Quote(map));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--mapping: " + map + c.expected + "\n"));
    EXPECT_FALSE(HasControlCharacterInALine(r.err)) << absl::CHexEscape(r.err);
  }

  // A header naming a column twice.
  const std::string twice = Fixture("twice.csv", "id,a\x1b[1m,a\x1b[1m\n");
  CommandResult r = Ledger("import " + Quote(twice) + " --mapping " + Quote(Fixture("m.mapping", kMapping)));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(twice + ":1: header: column \"a\\x1b[1m\" is named twice\n"));
  EXPECT_FALSE(HasControlCharacterInALine(r.err)) << absl::CHexEscape(r.err);

  // A row error naming a rule whose path holds a control character.
  const std::string rows = Fixture(
      "rows.csv", "id,name,role,when,place,comment\ns1,B,member,2024,many,\n");
  const std::string map = Fixture(
      "rows.mapping",
      "event_id = column id\nstream = template op/{id}\noccurred_at = date when\n"
      "source.publisher = const X\nraid.operation_id = const op\n"
      "raid.detained_by_nationality[C\x01N] = column place\n"
      "ignore name\nignore role\nignore comment\n");
  r = Ledger("import " + Quote(rows) + " --mapping " + Quote(map));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(rows + ":2: column \"place\" (raid.detained_by_nationality[C\\x01N]): "
                                      "\"many\" is not an integer"));
  EXPECT_FALSE(HasControlCharacterInALine(r.err)) << absl::CHexEscape(r.err);
}

// A template is sized before it is expanded: 5,000 references to a 1 MB
// cell would be 5 GB (it was: std::bad_alloc). Text copied by several rules
// is bounded too. The row is refused naming its line and the field.
TEST_F(ImportTest, TextBeyondAnEventIsRefusedBeforeItIsBuilt) {
  Init();
  const std::string big(1000000, 'x');
  std::string refs;
  for (int i = 0; i < 5000; ++i) refs += "{big}";
  const std::string path = Fixture("big.csv", "id,big,when\ns1," + big + ",2024\n");
  const std::string map = Fixture(
      "big.mapping", "stream = template suspect/" + refs +
                         "\noccurred_at = date when\nsource.publisher = const X\n"
                         "arrest.suspect.suspect_id = column id\nignore big\n");
  CommandResult r = Ledger("import " + Quote(path) + " --mapping " + Quote(map));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(path + ":2: template of stream expands to 5000000008 bytes, more "
                                      "than an event holds (1048576 bytes)\n"));
  EXPECT_EQ(TreeSize(), 0u);

  // Two rules copying one 600,000-byte cell: the second is refused (the
  // count includes the other text: "suspect/s1", "X", "s1").
  const std::string path2 =
      Fixture("big2.csv", "id,big,when\ns1," + std::string(600000, 'y') + ",2024\n");
  const std::string map2 = Fixture(
      "big2.mapping",
      "stream = template suspect/{id}\noccurred_at = date when\nsource.publisher = const X\n"
      "arrest.suspect.suspect_id = column id\narrest.suspect.name = column big\n"
      "arrest.location.place = column big\n");
  r = Ledger("import " + Quote(path2) + " --mapping " + Quote(map2));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(path2 + ":2: column \"big\" (arrest.location.place): the row's text "
                                       "fields would hold 1200013 bytes with this value, more "
                                       "than an event holds (1048576 bytes)\n"));
  EXPECT_EQ(TreeSize(), 0u);
}

TEST_F(ImportTest, CsvWithoutMappingIsAUsageError) {
  Init();
  const std::string path = Fixture("in.csv", "a,b\n1,2\n");
  CommandResult r = Ledger("import " + Quote(path));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("CSV input needs --mapping MAP"));
}

TEST_F(ImportTest, RowsFillingTwoBodiesAreRefusedNamingBothColumns) {
  Init();
  const std::string path = Fixture("in.csv", "id,op\ns1,op1\n");
  const std::string map = Fixture("m.mapping",
                                  "stream = const suspect/x\noccurred_at = const 2024\n"
                                  "source.publisher = const P\narrest.suspect.suspect_id = column id\n"
                                  "raid.operation_id = column op\n");
  CommandResult r = Ledger("import " + Quote(path) + " --mapping " + Quote(map));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(":2: column \"op\" (raid.operation_id) and column \"id\" "
                               "(arrest.suspect.suspect_id) fill two members of oneof body (raid "
                               "and arrest); a row fills exactly one"));
}

TEST_F(ImportTest, CsvFromStandardInput) {
  Init();
  const std::string map = Fixture("m.mapping", kMapping);
  CommandResult r = Ledger("import - --json --mapping " + Quote(map),
                           "id,name,role,when,place,comment\ns1,A,member,2024,X,\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).file(), "<stdin>");
  EXPECT_EQ(TreeSize(), 1u);
}

// --- --rejects ------------------------------------------------------------------

// Lines: 1 ok, 2 bad JSON, 3 ok, 4 invalid (validation), 5 correction of a
// missing event (refused by the ledger), 6 ok, 7 same id as line 1 with
// other content (refused by the ledger).
std::string MixedInput() {
  std::string in;
  in += NdjsonLine(testing_support::ArrestEvent("a1", "s1"));
  in += "{\"eventId\": \"broken\",\n";
  in += NdjsonLine(testing_support::ArrestEvent("a3", "s3"));
  in += NdjsonLine(testing_support::RaidEvent("r4", "op4", 5, 6));
  in += NdjsonLine(testing_support::CorrectionEvent("c5", "operation/op1", "missing",
                                              testing_support::RaidEvent("x", "op1")));
  in += NdjsonLine(testing_support::ArrestEvent("a6", "s6"));
  in += NdjsonLine(testing_support::ArrestEvent("a1", "other"));
  return in;
}

TEST_F(ImportTest, RejectsCommitsGoodRowsAndRecordsEveryBadRowUnchangedWithItsReason) {
  Init();
  const std::string input = MixedInput();
  const std::string path = Fixture("mixed.ndjson", input);
  const std::string rejects = dir_.Sub("rejects.ndjson");
  CommandResult r = Ledger("import --json --batch 2 --rejects " + Quote(rejects) + " " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ImportReport out = Report(r.out);
  EXPECT_EQ(out.rows(), 7u);
  EXPECT_EQ(out.appended(), 3u);
  EXPECT_EQ(out.rejected(), 4u);
  EXPECT_EQ(out.rejects_file(), rejects);
  EXPECT_EQ(TreeSize(), 3u);

  const std::vector<std::string> lines = absl::StrSplit(input, '\n');
  const std::vector<std::string> entries = SplitLines(testing_support::ReadFileOrDie(rejects));
  ASSERT_EQ(entries.size(), 4u);
  std::map<int, std::string> reasons;
  for (const std::string& entry : entries) {
    google::protobuf::Struct e = ParseJsonObject(entry);
    const int line = static_cast<int>(NumberField(e, "line"));
    EXPECT_EQ(StringField(e, "row"), lines[line - 1]) << "the row is kept unchanged";
    EXPECT_EQ(StringField(e, "input"), path);
    reasons[line] = StringField(e, "reason");
  }
  EXPECT_THAT(reasons[2], HasSubstr(path + ":2: column 22: invalid JSON"));
  EXPECT_THAT(reasons[4], HasSubstr(path + ":4: raid.ringleaders_detained"));
  EXPECT_THAT(reasons[5], HasSubstr(path + ":5: "));
  EXPECT_THAT(reasons[5],
              HasSubstr("correction.target_event_id: \"missing\" is not an event in the ledger"));
  EXPECT_THAT(reasons[7], HasSubstr(path + ":7: "));
  EXPECT_THAT(reasons[7], HasSubstr("different content"));

  // A re-run changes nothing and writes no entry twice.
  r = Ledger("import --json --batch 2 --rejects " + Quote(rejects) + " " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = Report(r.out);
  EXPECT_EQ(out.appended(), 0u);
  EXPECT_EQ(out.duplicates(), 3u);
  EXPECT_EQ(out.rejected_earlier(), 4u);
  EXPECT_EQ(out.rejected_now(), 0u);
  EXPECT_EQ(SplitLines(testing_support::ReadFileOrDie(rejects)).size(), 4u);
}

TEST_F(ImportTest, RowDecidedAsRejectedStaysRejectedEvenIfItWouldNowPass) {
  Init();
  // Line 1 corrects line 2's event, which is not in the ledger yet: rejected.
  // On a re-run line 1 would now pass, but its fate is recorded: skipped.
  const Event target = testing_support::RaidEvent("r2", "op1");
  const std::string path = Fixture(
      "in.ndjson",
      NdjsonLine(testing_support::CorrectionEvent("c1", "operation/op1", "r2",
                                            testing_support::RaidEvent("x", "op1"))) +
          NdjsonLine(target));
  const std::string rejects = dir_.Sub("rejects.ndjson");
  ASSERT_EQ(Ledger("import --batch 1 --rejects " + Quote(rejects) + " " + Quote(path)).exit_code, 0);
  ASSERT_EQ(TreeSize(), 1u);
  CommandResult r = Ledger("import --json --batch 1 --rejects " + Quote(rejects) + " " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Report(r.out).rejected_earlier(), 1u);
  EXPECT_EQ(TreeSize(), 1u) << "a row is never both rejected and in the ledger";
}

TEST_F(ImportTest, TornLastRejectsEntryIsCutAndWrittenAgain) {
  Init();
  const std::string path = Fixture("mixed.ndjson", MixedInput());
  const std::string rejects = dir_.Sub("rejects.ndjson");
  ASSERT_EQ(Ledger("import --rejects " + Quote(rejects) + " " + Quote(path)).exit_code, 0);
  std::string content = testing_support::ReadFileOrDie(rejects);
  const std::vector<std::string> entries = SplitLines(content);
  ASSERT_EQ(entries.size(), 4u);
  // As if killed while writing the last entry: half of it, no newline.
  const size_t cut = content.size() - entries.back().size() / 2 - 1;
  testing_support::WriteFileOrDie(rejects, content.substr(0, cut));
  ASSERT_EQ(Ledger("import --rejects " + Quote(rejects) + " " + Quote(path)).exit_code, 0);
  EXPECT_EQ(testing_support::ReadFileOrDie(rejects), content);
}

TEST_F(ImportTest, SomethingElseAsRejectsFileIsRefused) {
  Init();
  const std::string path = Fixture("mixed.ndjson", MixedInput());
  const std::string other = Fixture("notes.txt", "my notes\n");
  CommandResult r = Ledger("import --rejects " + Quote(other) + " " + Quote(path));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(other + ":1: not a rejects entry"));
  EXPECT_EQ(testing_support::ReadFileOrDie(other), "my notes\n");
  EXPECT_EQ(TreeSize(), 0u);
  r = Ledger("import --rejects " + Quote(path) + " " + Quote(path));
  EXPECT_EQ(r.exit_code, 2);
}

// --- summary and options ----------------------------------------------------------

TEST_F(ImportTest, SummaryLineNamesReadAppendedDuplicatesAndRejected) {
  Init();
  const std::string path = Fixture("mixed.ndjson", MixedInput());
  const std::string rejects = dir_.Sub("rejects.ndjson");
  CommandResult r = Ledger("import --rejects " + Quote(rejects) + " " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(SplitLines(r.out).size(), 1u);
  EXPECT_THAT(r.out, HasSubstr("imported " + path + ": read 7 lines, 7 rows, 3 events; appended 3, "
                               "duplicates 0, rejected 4 (4 new, 0 already in " + rejects +
                               "), batches 1; tree size 3"));
  EXPECT_TRUE(r.err.empty()) << "no progress when stderr is not a terminal: " << r.err;
}

TEST_F(ImportTest, ThreadsOptionGivesTheSameLedger) {
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    input += NdjsonLine(testing_support::ArrestEvent(absl::StrCat("e", i), absl::StrCat("s", i % 97)));
  }
  const std::string path = Fixture("many.ndjson", input);
  for (int threads : {1, 3, 8}) {
    std::filesystem::remove_all(db_);
    Init();
    CommandResult r = Ledger(absl::StrCat("import --threads ", threads, " --batch 128 ", Quote(path)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    CommandResult head = Ledger("read --json --from 2999");
    EXPECT_THAT(head.out, HasSubstr("\"eventId\":\"e2999\""));
    EXPECT_EQ(TreeSize(), 3000u);
  }
  EXPECT_EQ(Ledger("import --threads 0 " + Quote(path)).exit_code, 2);
}

TEST_F(ImportTest, DryRunWithRejectsIsAUsageError) {
  CommandResult r = Ledger("import --dry-run --rejects x.ndjson -");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
