// `ledger show ID|#N|--position N` (query/event_details.h), and `suspects
// show` of a suspect whose only event was retracted, run as the real binary
// on a ledger loaded from the shipped data set (data/enforcement.ndjson).
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "enforcement/api/v1/show.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using enforcement::api::v1::ShowEventAnswer;
using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::ParseAnswer;
using testing_support::Quote;
using testing_support::TempDir;

constexpr char kRaid[] = "xinhua-2024-04-01-muse-raid";                    // position 0
constexpr char kHandover[] = "xinhua-2024-04-01-muse-handover-352";        // position 1
constexpr char kArrest[] = "chinadaily-2024-04-ringleader-yunnan-arrest";  // position 4

constexpr char kNamedArrest[] =
    R"({"eventId":"test-arrest-1","stream":"suspect/s-test-1","occurredAt":"2024-05-01T00:00:00Z",)"
    R"("occurredPrecision":"PRECISION_DAY","source":{"publisher":"Test Desk"},"recordedBy":"test",)"
    R"("arrest":{"suspect":{"suspectId":"s-test-1","name":"Maung Test","nationality":"MM",)"
    R"("role":"ROLE_MEMBER"}}})";
constexpr char kRetractNamedArrest[] =
    R"({"eventId":"retract-arrest-1","stream":"suspect/s-test-1",)"
    R"("occurredAt":"2024-05-02T00:00:00Z","occurredPrecision":"PRECISION_DAY",)"
    R"("source":{"publisher":"Test Desk"},"recordedBy":"test",)"
    R"("retraction":{"targetEventId":"test-arrest-1","reason":"wrong person"}})";

std::string RaidCorrection(const std::string& id, const std::string& target, int detained) {
  return absl::StrCat(
      R"({"eventId":")", id, R"(","stream":"operation/op-2024-muse-01",)",
      R"("occurredAt":"2024-04-05T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
      R"("source":{"publisher":"Test Desk","reference":"recount"},"recordedBy":"test",)",
      R"("correction":{"targetEventId":")", target, R"(","reason":"recount",)",
      R"("replacement":{"raid":{"operationId":"op-2024-muse-01","suspectsDetained":")", detained,
      R"("}}}})");
}

class ShowCliTest : public testing::Test {
 protected:
  void Init(const std::string& init_args) {
    db_ = dir_.Sub("db");
    CommandResult r = Ledger("init --origin test.example.org/enforcement " + init_args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(
        absl::StrCat("import ", Quote(testing_support::SourceDir() + "/data/enforcement.ndjson")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void SetUp() override { Init(""); }

  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " ", args),
        stdin_data);
  }

  void Append(const std::string& line) {
    CommandResult r = Ledger("append", line + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  ShowEventAnswer Json(const std::string& args) {
    CommandResult r = Ledger("show " + args + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return ParseAnswer<ShowEventAnswer>(r.out);
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(ShowCliTest, ShowsAnEventById) {
  CommandResult r = Ledger(absl::StrCat("show ", kRaid));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("event:        ", kRaid)));
  EXPECT_THAT(r.out, HasSubstr("position:     0\n"));
  EXPECT_THAT(r.out, HasSubstr("stream:       operation/op-2024-muse-01 (version 0)"));
  EXPECT_THAT(r.out, HasSubstr("occurred:     2024-03 (month)"));
  EXPECT_THAT(r.out, HasSubstr("state:        in effect"));
  EXPECT_THAT(r.out, HasSubstr("source:       Xinhua;"));
  EXPECT_THAT(r.out, HasSubstr("leaf 0 of the tree of 6 records"));
  EXPECT_THAT(r.out, HasSubstr("prove inclusion --position 0 --size 6"));
  EXPECT_THAT(r.out, HasSubstr("the event as recorded (canonical JSON):"));
  EXPECT_THAT(r.out, HasSubstr("\"suspectsDetained\": \"807\""));
  EXPECT_THAT(r.out, Not(HasSubstr("fixed by")));
  EXPECT_EQ(r.err, "");
}

TEST_F(ShowCliTest, ShowsAnEventByPosition) {
  const CommandResult hash = Ledger("show '#4'");
  const CommandResult option = Ledger("show --position 4");
  const CommandResult id = Ledger(absl::StrCat("show ", kArrest));
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  ASSERT_EQ(option.exit_code, 0) << option.err;
  EXPECT_THAT(hash.out, HasSubstr(absl::StrCat("event:        ", kArrest)));
  EXPECT_EQ(hash.out, option.out);
  EXPECT_EQ(hash.out, id.out);
}

TEST_F(ShowCliTest, JsonAnswerHasTheFieldsAndItsProveCommandWorks) {
  const ShowEventAnswer a = Json(absl::StrCat(kHandover));
  EXPECT_EQ(a.event().event_id(), kHandover);
  EXPECT_EQ(a.position(), 1u);
  EXPECT_EQ(a.stream(), a.event().stream());
  EXPECT_EQ(a.stream_version(), 0u);
  EXPECT_EQ(a.kind(), "handover");
  EXPECT_EQ(a.state(), "in_effect");
  EXPECT_EQ(a.tree_size(), 6u);
  EXPECT_EQ(a.fixed_by_size(), 0);
  EXPECT_FALSE(a.has_corrected_by());
  EXPECT_FALSE(a.has_retracted_by());
  EXPECT_EQ(a.source().publisher(), "Xinhua");
  EXPECT_EQ(a.occurred().text(), "2024-03-31");
  EXPECT_FALSE(a.recorded_at().empty());
  EXPECT_FALSE(a.summary().empty());
  EXPECT_THAT(a.prove_command(), HasSubstr("prove inclusion --position 1 --size 6"));
  // 64-bit integers print as strings (docs/JSON.md).
  CommandResult raw = Ledger(absl::StrCat("show ", kHandover, " --json"));
  EXPECT_THAT(raw.out, HasSubstr("\"position\":\"1\""));
  EXPECT_THAT(raw.out, HasSubstr("\"tree_size\":\"6\""));
  // The command it gives proves the inclusion, as is.
  ASSERT_TRUE(absl::StartsWith(a.prove_command(), "ledger "));
  CommandResult proof = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()), a.prove_command().substr(6)));
  ASSERT_EQ(proof.exit_code, 0) << proof.err;
  EXPECT_THAT(proof.out, HasSubstr("\"leafIdx\": 1,"));
  EXPECT_THAT(proof.out, HasSubstr("\"treeSize\": 6,"));
}

TEST_F(ShowCliTest, CorrectedEventShowsCorrectedByAndItsFixes) {
  Append(RaidCorrection("fix-raid-1", kRaid, 810));         // position 6
  Append(RaidCorrection("fix-raid-2", "fix-raid-1", 811));  // position 7, corrects the correction
  const ShowEventAnswer raid = Json(kRaid);
  EXPECT_EQ(raid.state(), "corrected");
  EXPECT_EQ(raid.corrected_by().event_id(), "fix-raid-2");
  EXPECT_EQ(raid.corrected_by().position(), 7u);
  ASSERT_EQ(raid.fixed_by_size(), 2);
  EXPECT_EQ(raid.fixed_by(0).event_id(), "fix-raid-1");
  EXPECT_EQ(raid.fixed_by(0).position(), 6u);
  EXPECT_EQ(raid.fixed_by(0).kind(), "correction");
  EXPECT_EQ(raid.fixed_by(0).target_event_id(), kRaid);
  EXPECT_EQ(raid.fixed_by(1).event_id(), "fix-raid-2");
  EXPECT_EQ(raid.fixed_by(1).target_event_id(), "fix-raid-1");
  EXPECT_EQ(raid.fixed_by(1).target_position(), 6u);
  EXPECT_THAT(raid.summary(), HasSubstr("811 detained"));   // the body in effect
  EXPECT_EQ(raid.event().raid().suspects_detained(), 807);  // the event as recorded

  const ShowEventAnswer first = Json("fix-raid-1");
  EXPECT_EQ(first.state(), "corrected");
  EXPECT_EQ(first.target().event_id(), kRaid);
  EXPECT_EQ(first.target().position(), 0u);
  ASSERT_EQ(first.fixed_by_size(), 1);
  EXPECT_EQ(first.fixed_by(0).event_id(), "fix-raid-2");
  EXPECT_EQ(Json("fix-raid-2").state(), "in_effect");

  CommandResult r = Ledger(absl::StrCat("show ", kRaid));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("state:        corrected by fix-raid-2 (position 7)"));
  EXPECT_THAT(r.out, HasSubstr("fixed by (log order):"));
  EXPECT_THAT(r.out, HasSubstr("fix-raid-1  xinhua-2024-04-01-muse-raid (position 0)"));
  EXPECT_THAT(r.out, HasSubstr("fix-raid-2  fix-raid-1 (position 6)"));
}

TEST_F(ShowCliTest, RetractedEventShowsRetractedBy) {
  Append(absl::StrCat(R"({"eventId":"retract-handover","stream":"handover/mm-cn-2024-03-31-muse",)",
                      R"("occurredAt":"2024-04-10T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
                      R"("source":{"publisher":"Test Desk"},"recordedBy":"test",)",
                      R"("retraction":{"targetEventId":")", kHandover,
                      R"(","reason":"test retraction"}})"));
  const ShowEventAnswer h = Json(kHandover);
  EXPECT_EQ(h.state(), "retracted");
  EXPECT_EQ(h.retracted_by().event_id(), "retract-handover");
  EXPECT_EQ(h.retracted_by().position(), 6u);
  ASSERT_EQ(h.fixed_by_size(), 1);
  EXPECT_EQ(h.fixed_by(0).kind(), "retraction");
  CommandResult r = Ledger(absl::StrCat("show ", kHandover));
  EXPECT_THAT(r.out, HasSubstr("state:        retracted by retract-handover (position 6)"));

  const ShowEventAnswer fix = Json("'#6'");
  EXPECT_EQ(fix.kind(), "retraction");
  EXPECT_EQ(fix.state(), "in_effect");
  EXPECT_EQ(fix.target().event_id(), kHandover);
  EXPECT_EQ(fix.target().position(), 1u);
}

TEST_F(ShowCliTest, UnknownIdAndPositionPastHeadAreNotFound) {
  CommandResult r = Ledger("show no-such-event");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("no event 'no-such-event' in the ledger"));
  // A bare number is an event id; the message says how to ask for a position.
  r = Ledger("show 3");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("#3"));
  EXPECT_THAT(r.err, HasSubstr("--position 3"));
  for (const char* args : {"show --position 6", "show '#99'"}) {
    r = Ledger(args);
    EXPECT_EQ(r.exit_code, 5) << args;
    EXPECT_THAT(r.err, HasSubstr("is past the head: the ledger has 6 records")) << args;
  }
}

TEST_F(ShowCliTest, UsageErrors) {
  for (const char* args :
       {"show", "show '#x'", "show '#'", "show a b", "show a --position 1", "show --position x"}) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
  }
  CommandResult help = Ledger("help show");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("#N"));
  EXPECT_THAT(help.out, HasSubstr("Example:"));
  EXPECT_THAT(help.out, HasSubstr("Exit status:"));
}

TEST_F(ShowCliTest, Format2ShowsNamesOnlyWithPersonal) {
  Append(kNamedArrest);  // position 6
  CommandResult r = Ledger("show test-arrest-1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Maung Test")));
  EXPECT_THAT(r.out, Not(HasSubstr("s-test-1")));  // the agency id is personal too
  EXPECT_THAT(r.out, HasSubstr("commitments only"));
  EXPECT_THAT(r.out, HasSubstr("arrest.suspect.name"));
  r = Ledger("show test-arrest-1 --json");
  EXPECT_THAT(r.out, Not(HasSubstr("Maung Test")));
  const ShowEventAnswer plain = ParseAnswer<ShowEventAnswer>(r.out);
  EXPECT_FALSE(plain.personal_revealed());
  ASSERT_GT(plain.personal_size(), 0);
  for (const auto& p : plain.personal()) {
    EXPECT_FALSE(p.has_value()) << p.field_path();
    EXPECT_EQ(p.commitment_hex().size(), 64u) << p.field_path();
  }

  r = Ledger("show test-arrest-1 --personal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Maung Test"));
  EXPECT_THAT(r.out, HasSubstr("verified"));
  const ShowEventAnswer shown = Json("test-arrest-1 --personal");
  EXPECT_TRUE(shown.personal_revealed());
  bool found = false;
  for (const auto& p : shown.personal()) {
    if (p.field_path() != "arrest.suspect.name") continue;
    found = true;
    EXPECT_EQ(p.value(), "Maung Test");
    EXPECT_EQ(p.check(), "verified");
  }
  EXPECT_TRUE(found);

  // Erased: no value, marked erased.
  r = Ledger("erase --subject s-test-1 --authority 'order 1' --reason acquitted");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Ledger("show test-arrest-1 --personal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Maung Test")));
  EXPECT_THAT(r.out, HasSubstr("erased"));
  const ShowEventAnswer erased = Json("test-arrest-1 --personal");
  for (const auto& p : erased.personal()) {
    EXPECT_TRUE(p.erased()) << p.field_path();
    EXPECT_FALSE(p.has_value()) << p.field_path();
  }
}

TEST_F(ShowCliTest, RetractedSuspectIsExplained) {
  Append(kNamedArrest);         // position 6
  Append(kRetractNamedArrest);  // position 7
  CommandResult r = Ledger("suspects show s-test-1");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("recorded by event test-arrest-1 (position 6)"));
  EXPECT_THAT(r.err, HasSubstr("retracted by event retract-arrest-1 (position 7)"));
  EXPECT_THAT(r.err, HasSubstr("`ledger show test-arrest-1` has the details"));
  // An id never seen keeps the plain message.
  r = Ledger("suspects show s-never-seen");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("no suspect 's-never-seen' in the ledger"));
}

class ShowCliFormat1Test : public ShowCliTest {
 protected:
  void SetUp() override { Init("--format 1"); }
};

TEST_F(ShowCliFormat1Test, NamesInTheRecordOnlyWithPersonal) {
  Append(kNamedArrest);
  // Format 1 holds the name in the record; it is shown only with --personal.
  CommandResult r = Ledger("show test-arrest-1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Maung Test")));
  EXPECT_THAT(r.out, Not(HasSubstr("personal fields")));
  r = Ledger("show test-arrest-1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Maung Test")));
  r = Ledger("show test-arrest-1 --personal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Maung Test"));
  Append(kRetractNamedArrest);
  r = Ledger("suspects show s-test-1");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("retracted by event retract-arrest-1"));
}

}  // namespace
