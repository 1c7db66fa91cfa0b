// The query commands of the `ledger` CLI (SPEC §5, §6; docs/PROJECTIONS.md):
// suspects, operations, cases, flows, stats, timeline, rebuild, and the
// views check of verify, run as the real binary on a ledger loaded from the
// shipped data set (data/enforcement.ndjson), through --json and the tables.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "enforcement/api/v1/personal.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/json_fields.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"
#include "util/display_width.h"

namespace {

using google::protobuf::Value;
using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

constexpr char kMuse[] = "op-2024-muse-01";
constexpr char kRaid[] = "xinhua-2024-04-01-muse-raid";
constexpr char kMuseHandover[] = "xinhua-2024-04-01-muse-handover-352";
constexpr char kRingleader[] = "cn-ringleader-yunnan-01";
constexpr char kCase[] = "cn-fraud-ringleader-yunnan-01";

Value ParseJson(const std::string& text) {
  Value v;
  auto status = google::protobuf::util::JsonStringToMessage(text, &v);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << text;
  return v;
}

// The list of a list answer ({"items": [...], ...}), or `v` itself.
const Value& Items(const Value& v) {
  if (v.has_struct_value()) {
    auto it = v.struct_value().fields().find("items");
    if (it != v.struct_value().fields().end()) return it->second;
  }
  return v;
}

// v at a path of object keys and array indexes ("detained.by_nationality.CN",
// "0.people"; an index into a list answer indexes its items). A missing step
// fails the test and gives a null value.
Value At(const Value& root, const std::string& path) {
  Value cur = root;
  for (const std::string& step : std::vector<std::string>(absl::StrSplit(path, '.'))) {
    if (!step.empty() && absl::ascii_isdigit(step[0])) {
      Value items = Items(cur);  // a copy: it points into `cur`
      cur = std::move(items);
    }
    if (cur.has_struct_value()) {
      auto it = cur.struct_value().fields().find(step);
      if (it == cur.struct_value().fields().end()) {
        ADD_FAILURE() << "no field " << step << " in path " << path;
        return Value();
      }
      Value next = it->second;  // a copy: it points into `cur`
      cur = std::move(next);
    } else if (cur.has_list_value()) {
      size_t i = std::stoul(step);
      if (i >= static_cast<size_t>(cur.list_value().values_size())) {
        ADD_FAILURE() << "no element " << step << " in path " << path;
        return Value();
      }
      Value next = cur.list_value().values(static_cast<int>(i));
      cur = std::move(next);
    } else {
      ADD_FAILURE() << "cannot step into " << step << " in path " << path;
      return Value();
    }
  }
  return cur;
}

// A number: aggregates, positions and 64-bit figures print as decimal strings.
double Num(const Value& v, const std::string& path) {
  const Value n = At(v, path);
  return n.has_string_value() ? std::stod(n.string_value()) : n.number_value();
}
std::string Str(const Value& v, const std::string& path) { return At(v, path).string_value(); }
bool Bool(const Value& v, const std::string& path) { return At(v, path).bool_value(); }
int Size(const Value& v) { return Items(v).list_value().values_size(); }

// The flow row (from, to, period), or null.
const Value* FindFlow(const Value& rows, const std::string& from, const std::string& to,
                      const std::string& period) {
  for (const Value& r : Items(rows).list_value().values()) {
    const auto& f = r.struct_value().fields();
    if (f.at("from_country").string_value() == from && f.at("to_country").string_value() == to &&
        f.at("period").string_value() == period) {
      return &r;
    }
  }
  return nullptr;
}

// A line of `text` containing every one of `parts`.
bool HasLineWith(const std::string& text, const std::vector<std::string>& parts) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    bool all = true;
    for (const std::string& p : parts) all = all && absl::StrContains(line, p);
    if (all) return true;
  }
  return false;
}

class QueryCliTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.Sub("db");
    CommandResult r = Ledger("init --origin test.example.org/enforcement");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("import ", Quote(testing_support::SourceDir() +
                                             "/data/enforcement.ndjson")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " ", args),
        stdin_data);
  }

  // Runs a query with --json, expects exit 0, parses the answer.
  Value Json(const std::string& args) {
    CommandResult r = Ledger(args + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return ParseJson(r.out);
  }

  std::string Table(const std::string& args) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return r.out;
  }

  // The ledger is format 2 (the default; docs/PERSONAL_DATA.md): a suspect
  // is known by a subject id, and `suspects show AGENCY-ID` finds it.
  std::string SubjectOf(const std::string& agency_id) {
    const std::string id = Str(Json("suspects show " + agency_id), "suspect_id");
    EXPECT_THAT(id, testing::MatchesRegex("sub_[0-9a-f]{32}")) << agency_id;
    return id;
  }

  // `suspects show AGENCY-ID --personal`: the personal values (field path ->
  // value, per event id), each of which must be verified against its record.
  std::map<std::pair<std::string, std::string>, std::string> Personal(
      const std::string& agency_id) {
    CommandResult r = Ledger("suspects show " + agency_id + " --personal --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto answer =
        testing_support::ParseAnswer<enforcement::api::v1::SuspectPersonalAnswer>(r.out);
    EXPECT_FALSE(answer.erased());
    std::map<std::pair<std::string, std::string>, std::string> out;
    for (const auto& v : answer.personal()) {
      EXPECT_EQ(v.check(), "verified") << v.event_id() << " " << v.field_path();
      out[{v.event_id(), v.field_path()}] = v.value();
    }
    return out;
  }

  void Append(const std::string& line) {
    CommandResult r = Ledger("append", line + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }

  // A correction of the Muse raid: 810 detained (CN 352, MM 458), 22 ringleaders.
  void AppendRaidCorrection() {
    Append(absl::StrCat(
        R"({"eventId":"fix-muse-raid-count","stream":"operation/op-2024-muse-01",)",
        R"("occurredAt":"2024-04-05T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
        R"("source":{"publisher":"Test Desk","reference":"recount"},"recordedBy":"test",)",
        R"("correction":{"targetEventId":")", kRaid, R"(","reason":"recount",)",
        R"("replacement":{"raid":{"operationId":"op-2024-muse-01",)",
        R"("location":{"place":"Muse","region":"Shan State","country":"MM"},)",
        R"("suspectsDetained":"810","detainedByNationality":{"CN":"352","MM":"458"},)",
        R"("ringleadersDetained":"22"}}}})"));
  }

  void AppendHandoverRetraction() {
    Append(absl::StrCat(
        R"({"eventId":"retract-muse-handover","stream":"handover/mm-cn-2024-03-31-muse",)",
        R"("occurredAt":"2024-04-06T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
        R"("source":{"publisher":"Test Desk","reference":"duplicate report"},)",
        R"("recordedBy":"test","retraction":{"targetEventId":")", kMuseHandover,
        R"(","reason":"test retraction"}})"));
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(QueryCliTest, OperationShowsMuseRaid) {
  Value op = Json(absl::StrCat("operations show ", kMuse));
  EXPECT_EQ(Str(op, "operation_id"), kMuse);
  EXPECT_EQ(Str(op, "place"), "Muse");
  EXPECT_EQ(Str(op, "country"), "MM");
  EXPECT_EQ(Num(op, "detained.total"), 807);
  EXPECT_EQ(Num(op, "detained.by_nationality.CN"), 352);
  EXPECT_EQ(Num(op, "detained.by_nationality.MM"), 455);
  EXPECT_EQ(Num(op, "detained.ringleaders"), 21);
  EXPECT_EQ(Num(op, "handed_over.people"), 352);
  EXPECT_EQ(Num(op, "handed_over.to.CN"), 352);

  const std::string table = Table(absl::StrCat("operations show ", kMuse));
  EXPECT_TRUE(HasLineWith(table, {"detained", "807"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"by nationality", "CN 352", "MM 455"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"ringleaders", "21"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"seized", "computers (quantity unknown)"})) << table;

  Value list = Json("operations list");
  ASSERT_EQ(Size(list), 1);
  EXPECT_EQ(Str(list, "0.operation_id"), kMuse);
  const std::string list_table = Table("operations list");
  EXPECT_TRUE(HasLineWith(list_table, {kMuse, "Muse", "807", "CN 352", "21"})) << list_table;
}

TEST_F(QueryCliTest, FlowsByMonthAndByYear) {
  Value rows = Json("flows");
  ASSERT_EQ(Size(rows), 2) << rows.DebugString();
  const Value* muse = FindFlow(rows, "MM", "CN", "2024-03");
  ASSERT_NE(muse, nullptr);
  EXPECT_EQ(Num(*muse, "people"), 352);
  EXPECT_EQ(Num(*muse, "identified"), 0);
  EXPECT_EQ(Num(*muse, "ringleaders"), 21);
  EXPECT_FALSE(Bool(*muse, "month_unknown"));
  const Value* laos = FindFlow(rows, "LA", "CN", "2024-02");
  ASSERT_NE(laos, nullptr);
  EXPECT_EQ(Num(*laos, "people"), 268);

  Value years = Json("flows --by year");
  ASSERT_NE(FindFlow(years, "MM", "CN", "2024"), nullptr);
  EXPECT_EQ(Num(*FindFlow(years, "MM", "CN", "2024"), "people"), 352);
  ASSERT_NE(FindFlow(years, "LA", "CN", "2024"), nullptr);
  EXPECT_EQ(Num(*FindFlow(years, "LA", "CN", "2024"), "people"), 268);

  Value from_laos = Json("flows --from LA");
  ASSERT_EQ(Size(from_laos), 1);
  EXPECT_EQ(Str(from_laos, "0.from_country"), "LA");
  EXPECT_EQ(Size(Json("flows --to MM")), 0);
  EXPECT_EQ(Size(Json("flows --since 2024-03")), 1);

  const std::string table = Table("flows");
  EXPECT_TRUE(HasLineWith(table, {"MM", "CN", "2024-03", "352"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"LA", "CN", "2024-02", "268"})) << table;
  EXPECT_EQ(Ledger("flows --by week").exit_code, 2);
}

TEST_F(QueryCliTest, StatsShowsReportedFigureBesideDerived) {
  Value t = Json("stats");
  EXPECT_EQ(Num(t, "applied"), 6);
  EXPECT_EQ(Num(t, "handed_over.people"), 352 + 268);  // the 48,000 is never added
  EXPECT_EQ(Num(t, "detained.total"), 807);
  ASSERT_EQ(Size(At(t, "figures")), 1);
  EXPECT_EQ(Str(t, "figures.0.metric"), "suspects_handed_over");
  EXPECT_EQ(Num(t, "figures.0.reported"), 48000);
  EXPECT_TRUE(Bool(t, "figures.0.approximate"));
  EXPECT_EQ(Str(t, "figures.0.period_from.text"), "2023");
  EXPECT_EQ(Str(t, "figures.0.period_to.text"), "2024-04-01");
  EXPECT_EQ(Num(t, "figures.0.derived.value"), 352);
  EXPECT_EQ(Num(t, "figures.0.derived.events"), 1);
  EXPECT_EQ(Num(t, "figures.0.derived.uncertain"), 0);

  const std::string table = Table("stats");
  EXPECT_TRUE(HasLineWith(table, {"suspects_handed_over", "MM", "CN", "2023 .. 2024-04-01",
                                  "about 48,000", "352 (1 event)"}))
      << table;
}

// One number style (docs/OUTPUT.md): thousands separators, "1 raid" but
// "2 handovers", "about" for an approximate figure, on the shipped data.
TEST_F(QueryCliTest, TextUsesOneNumberStyleAndSingularsForOne) {
  const std::string stats = Table("stats");
  EXPECT_TRUE(HasLineWith(stats, {"events in effect:", "1 raid,", "1 arrest,", "2 handovers,",
                                  "1 sentencing,", "0 releases,", "1 reported figure"}))
      << stats;
  EXPECT_TRUE(HasLineWith(stats, {"handed over:", "620 people", "21 ringleaders"})) << stats;
  EXPECT_TRUE(HasLineWith(stats, {"entities:", "1 suspect (", "1 operation,", "1 case"}))
      << stats;
  EXPECT_THAT(stats, Not(HasSubstr("~"))) << stats;
  const std::string op = Table(absl::StrCat("operations show ", kMuse));
  EXPECT_TRUE(HasLineWith(op, {"handed over:", "352 in 1 handover,"})) << op;
  EXPECT_THAT(op, Not(HasSubstr("(s)"))) << op;
  const std::string timeline = Table("timeline --all");
  EXPECT_TRUE(HasLineWith(timeline, {"suspects_handed_over", "about 48,000"})) << timeline;
  EXPECT_TRUE(HasLineWith(timeline, {"807 detained (CN 352, MM 455), 21 ringleaders"})) << timeline;
  // A heading means one thing: OFFENCES lists offences, the period is OFFENCE PERIOD.
  const std::string cases = Table("cases list");
  EXPECT_TRUE(HasLineWith(cases, {"OFFENCE PERIOD"})) << cases;
  EXPECT_TRUE(HasLineWith(Table(absl::StrCat("cases show ", kCase)), {"OFFENCES"}));
}

TEST_F(QueryCliTest, CaseShowsSentenceVictimsAndAmount) {
  Value c = Json(absl::StrCat("cases show ", kCase));
  EXPECT_EQ(Str(c, "case_id"), kCase);
  ASSERT_EQ(Size(At(c, "defendants")), 1);
  // Format 2: the defendant is the ringleader's subject, without a name.
  EXPECT_EQ(Str(c, "defendants.0.suspect_id"), SubjectOf(kRingleader));
  EXPECT_EQ(Str(c, "defendants.0.name"), "");
  EXPECT_EQ(Num(c, "defendants.0.sentence.prison_months"), 186);
  EXPECT_EQ(Num(c, "victims"), 196);
  EXPECT_EQ(Num(c, "prison_months_total"), 186);
  EXPECT_EQ(Str(c, "amounts_defrauded.0.currency"), "CNY");
  EXPECT_EQ(Num(c, "amounts_defrauded.0.minor_units"), 2796000000.0);
  EXPECT_EQ(Str(c, "offence_from.text"), "2019-04");
  EXPECT_EQ(Str(c, "offence_to.text"), "2020-10");

  const std::string table = Table(absl::StrCat("cases show ", kCase));
  EXPECT_TRUE(HasLineWith(table, {"victims", "196"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"amount defrauded", "CNY 27,960,000.00"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"prison months", "186 months (15 y 6 m)"})) << table;
  EXPECT_TRUE(HasLineWith(Table("cases list"), {kCase, "196", "186"}));
}

TEST_F(QueryCliTest, ReleaseAppendedAsNdjsonMakesTheSuspectReleased) {
  const std::string release = absl::StrCat(
      R"({"eventId":"release-1","stream":"suspect/)", kRingleader,
      R"(","occurredAt":"2035-01-01T00:00:00Z","occurredPrecision":"PRECISION_YEAR",)",
      R"("source":{"publisher":"a court"},"release":{"suspectId":")", kRingleader,
      R"(","country":"CN","reason":"sentence served"}})", "\n");
  const std::string subject = SubjectOf(kRingleader);
  CommandResult r = Ledger("import -", release);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Format 2: the release's agency id finds the ringleader's subject.
  Value s = Json(absl::StrCat("suspects show ", kRingleader));
  EXPECT_EQ(Str(s, "suspect_id"), subject);
  EXPECT_EQ(Str(s, "status"), "released");
  EXPECT_EQ(Str(s, "custody_country"), "");
  EXPECT_EQ(Size(At(s, "events")), 3);
  Value list = Json("suspects list --status released");
  ASSERT_EQ(Size(list), 1);
  EXPECT_EQ(Str(list, "0.suspect_id"), subject);
  const auto personal = Personal(kRingleader);
  EXPECT_EQ(personal.at({"release-1", "release.suspect_id"}), kRingleader);
  EXPECT_EQ(personal.at({"release-1", "stream"}), kRingleader);
  EXPECT_EQ(Num(Json("stats"), "events.releases"), 1);
  r = Ledger("suspects list --status freed");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, testing::HasSubstr("\"freed\" is not a status"));
}

TEST_F(QueryCliTest, RingleaderSuspectView) {
  // Format 2: shown by its agency id, the suspect is its subject id, with
  // no name; --personal gives the agency id back, verified.
  Value s = Json(absl::StrCat("suspects show ", kRingleader));
  const std::string subject = Str(s, "suspect_id");
  EXPECT_THAT(subject, testing::MatchesRegex("sub_[0-9a-f]{32}"));
  EXPECT_EQ(Str(s, "name"), "");
  EXPECT_EQ(Personal(kRingleader),
            (std::map<std::pair<std::string, std::string>, std::string>{
                {{"chinadaily-2024-04-ringleader-yunnan-arrest", "arrest.suspect.suspect_id"},
                 kRingleader},
                {{"chinadaily-2024-04-ringleader-yunnan-arrest", "stream"}, kRingleader},
                {{"chinadaily-2024-04-ringleader-yunnan-sentencing", "sentencing.suspect_id"},
                 kRingleader},
            }));
  EXPECT_EQ(Str(Json(absl::StrCat("suspects show ", subject)), "suspect_id"), subject);
  EXPECT_EQ(Str(s, "nationality"), "CN");
  EXPECT_EQ(Str(s, "role"), "ringleader");
  EXPECT_EQ(Str(s, "status"), "sentenced");
  EXPECT_EQ(Num(s, "sentence.prison_months"), 186);
  EXPECT_EQ(Str(s, "sentence.case_id"), kCase);
  EXPECT_EQ(Size(At(s, "events")), 2);
  EXPECT_EQ(Str(s, "first_occurred.precision"), "year");

  const std::string table = Table(absl::StrCat("suspects show ", kRingleader));
  EXPECT_TRUE(HasLineWith(table, {"status", "sentenced"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"sentence", "186 months"})) << table;
  Value list = Json("suspects list --status sentenced");
  ASSERT_EQ(Size(list), 1);
  EXPECT_EQ(Str(list, "0.suspect_id"), subject);
  EXPECT_EQ(Size(Json("suspects list --status detained")), 0);
  const std::string list_table = Table("suspects list");
  EXPECT_TRUE(HasLineWith(list_table, {subject, "CN", "ringleader", "sentenced"})) << list_table;
  EXPECT_THAT(list_table, Not(HasSubstr(kRingleader)));
  EXPECT_THAT(Ledger("suspects list --json").out, Not(HasSubstr(kRingleader)));
}

TEST_F(QueryCliTest, TimelineOrderedByOccurredThenPosition) {
  Value all = Json("timeline --all");
  ASSERT_EQ(Size(all), 6);
  // 2020 arrest, 2024-02 Laos, 2024-03 raid (pos 0) and sentencing (pos 5),
  // 2024-03-31 handover, 2024-04-01 figure.
  std::vector<double> positions;
  for (const Value& e : Items(all).list_value().values()) positions.push_back(Num(e, "position"));
  EXPECT_EQ(positions, (std::vector<double>{4, 3, 0, 5, 1, 2}));
  EXPECT_EQ(Str(all, "0.occurred.precision"), "year");
  EXPECT_EQ(Str(all, "0.occurred.text"), "2020");
  EXPECT_EQ(Str(all, "2.kind"), "raid");
  EXPECT_EQ(Str(all, "2.occurred.precision"), "month");
  EXPECT_EQ(Str(all, "2.source.publisher"), "Xinhua");
  EXPECT_EQ(Str(all, "4.occurred.precision"), "day");
  EXPECT_EQ(Str(all, "4.occurred.text"), "2024-03-31");

  Value op = Json(absl::StrCat("timeline --operation ", kMuse));
  ASSERT_EQ(Size(op), 2);
  EXPECT_EQ(Str(op, "0.event_id"), kRaid);
  EXPECT_EQ(Str(op, "1.event_id"), kMuseHandover);
  EXPECT_EQ(Size(Json("timeline --all --limit 2")), 2);
  EXPECT_EQ(Num(Json("timeline --all --newest-first --limit 1"), "0.position"), 2);
  EXPECT_EQ(Size(Json("timeline --country LA")), 1);

  const std::string table = Table(absl::StrCat("timeline --operation ", kMuse));
  EXPECT_TRUE(HasLineWith(table, {"2024-03", "month", kRaid, "Xinhua"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"2024-03-31", "day", kMuseHandover, "Xinhua"})) << table;
  EXPECT_EQ(Ledger("timeline").exit_code, 2);
  EXPECT_EQ(Ledger("timeline --all --country CN").exit_code, 2);
}

TEST_F(QueryCliTest, AsOfPositionOneShowsOnlyTheRaid) {
  Value op = Json(absl::StrCat("operations show ", kMuse, " --as-of-position 1"));
  EXPECT_EQ(Num(op, "detained.total"), 807);
  EXPECT_EQ(Num(op, "handed_over.people"), 0);
  EXPECT_EQ(Size(Json("flows --as-of-position 1")), 0);
  Value tl = Json("timeline --all --as-of-position 1");
  ASSERT_EQ(Size(tl), 1);
  EXPECT_EQ(Str(tl, "0.event_id"), kRaid);
  EXPECT_EQ(Num(Json("stats --as-of-position 1"), "applied"), 1);
  // As of 2, the handover is there; the current answer is unchanged.
  EXPECT_EQ(Num(Json(absl::StrCat("operations show ", kMuse, " --as-of-position 2")),
                "handed_over.people"),
            352);
  EXPECT_EQ(Num(Json("stats"), "applied"), 6);
  CommandResult past = Ledger("flows --as-of-position 7");
  EXPECT_EQ(past.exit_code, 5) << past.err;
  EXPECT_EQ(Ledger("flows --as-of-position 1 --as-of 2024-01-01T00:00:00Z").exit_code, 2);
}

TEST_F(QueryCliTest, AsOfTimeBeforeFirstRecordShowsNothing) {
  const std::string before = " --as-of 2000-01-01T00:00:00Z";
  EXPECT_EQ(Size(Json("operations list" + before)), 0);
  EXPECT_EQ(Size(Json("flows" + before)), 0);
  EXPECT_EQ(Size(Json("timeline --all" + before)), 0);
  EXPECT_EQ(Num(Json("stats" + before), "applied"), 0);
  EXPECT_EQ(Ledger(absl::StrCat("operations show ", kMuse, before)).exit_code, 5);
  // A time after every record: the current answer.
  EXPECT_EQ(Num(Json("stats --as-of 2999-01-01T00:00:00Z"), "applied"), 6);
  EXPECT_EQ(Ledger("stats --as-of yesterday").exit_code, 2);
}

TEST_F(QueryCliTest, UnknownIdsExitNotFound) {
  for (const std::string args :
       {"suspects show nobody", "operations show op-none", "cases show case-none",
        "timeline --suspect nobody", "timeline --operation op-none", "timeline --case case-none"}) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 5) << args << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("no ")) << args;
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_EQ(Ledger("operations frobnicate").exit_code, 2);
  EXPECT_EQ(Ledger("operations show").exit_code, 2);
  CommandResult no_db = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ",
                   Quote(dir_.Sub("missing")), " stats"));
  EXPECT_EQ(no_db.exit_code, 5) << no_db.err;
}

TEST_F(QueryCliTest, CorrectionChangesOperationAndIsMarkedInTimeline) {
  EXPECT_EQ(Num(Json(absl::StrCat("operations show ", kMuse)), "detained.total"), 807);
  AppendRaidCorrection();
  Value op = Json(absl::StrCat("operations show ", kMuse));
  EXPECT_EQ(Num(op, "detained.total"), 810);
  EXPECT_EQ(Num(op, "detained.by_nationality.MM"), 458);
  EXPECT_EQ(Num(op, "detained.ringleaders"), 22);
  EXPECT_EQ(Num(Json("stats"), "events.corrections"), 1);

  Value tl = Json(absl::StrCat("timeline --operation ", kMuse));
  ASSERT_EQ(Size(tl), 3);
  EXPECT_EQ(Str(tl, "0.event_id"), kRaid);
  EXPECT_TRUE(Bool(tl, "0.corrected"));
  EXPECT_EQ(Str(tl, "0.corrected_by"), "fix-muse-raid-count");
  EXPECT_TRUE(Bool(tl, "0.in_effect"));
  EXPECT_EQ(Str(tl, "2.kind"), "correction");
  EXPECT_EQ(Str(tl, "2.target_event_id"), kRaid);
  const std::string table = Table(absl::StrCat("timeline --operation ", kMuse));
  EXPECT_TRUE(HasLineWith(table, {kRaid, "corrected by fix-muse-raid-count"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"fix-muse-raid-count", "corrects", kRaid})) << table;
  // As of before the correction, the original count.
  EXPECT_EQ(Num(Json(absl::StrCat("operations show ", kMuse, " --as-of-position 6")),
                "detained.total"),
            807);
}

TEST_F(QueryCliTest, RetractionRemovesHandoverFromFlows) {
  ASSERT_NE(FindFlow(Json("flows"), "MM", "CN", "2024-03"), nullptr);
  AppendHandoverRetraction();
  Value rows = Json("flows");
  EXPECT_EQ(FindFlow(rows, "MM", "CN", "2024-03"), nullptr) << rows.DebugString();
  ASSERT_NE(FindFlow(rows, "LA", "CN", "2024-02"), nullptr);
  EXPECT_EQ(Size(rows), 1);
  EXPECT_THAT(Table("flows"), Not(HasSubstr("MM")));
  EXPECT_EQ(Num(Json(absl::StrCat("operations show ", kMuse)), "handed_over.people"), 0);
  Value t = Json("stats");
  EXPECT_EQ(Num(t, "figures.0.derived.value"), 0);
  EXPECT_EQ(Num(t, "events.retracted"), 1);

  Value tl = Json(absl::StrCat("timeline --operation ", kMuse));
  ASSERT_EQ(Size(tl), 3);
  EXPECT_EQ(Str(tl, "1.event_id"), kMuseHandover);
  EXPECT_TRUE(Bool(tl, "1.retracted"));
  EXPECT_EQ(Str(tl, "1.retracted_by"), "retract-muse-handover");
  EXPECT_FALSE(Bool(tl, "1.in_effect"));
  // As of before the retraction the flow is there.
  EXPECT_NE(FindFlow(Json("flows --as-of-position 6"), "MM", "CN", "2024-03"), nullptr);
}

TEST_F(QueryCliTest, RebuildGivesTheIncrementalDigests) {
  // Build the views incrementally: a query, a correction, a retraction, queries.
  Json("stats");
  AppendRaidCorrection();
  Json("flows");
  AppendHandoverRetraction();
  Json("stats");
  Value verify = Json("verify");
  ASSERT_TRUE(Bool(verify, "views.ok"));
  const Value incremental = At(verify, "views.views");
  ASSERT_EQ(Size(incremental), 7);

  Value rebuilt = Json("rebuild");
  EXPECT_EQ(Num(rebuilt, "checkpoint"), 8);
  EXPECT_EQ(Num(rebuilt, "applied"), 8);
  const Value digests = At(rebuilt, "digests");
  ASSERT_EQ(Size(digests), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Str(digests, absl::StrCat(i, ".view")), Str(incremental, absl::StrCat(i, ".view")));
    EXPECT_EQ(Str(digests, absl::StrCat(i, ".sha256")),
              Str(incremental, absl::StrCat(i, ".stored_sha256")))
        << Str(digests, absl::StrCat(i, ".view"));
    // verify's entries are a uint64 (a string, docs/JSON.md); rebuild's may be either.
    const auto count = [](const Value& v) {
      return v.has_string_value() ? std::stod(v.string_value()) : v.number_value();
    };
    EXPECT_EQ(count(At(digests, absl::StrCat(i, ".entries"))),
              count(At(incremental, absl::StrCat(i, ".entries"))));
  }
  const std::string table = Table("rebuild");
  EXPECT_TRUE(HasLineWith(table, {"operations", Str(digests, "2.sha256")}) ||
              HasLineWith(table, {Str(digests, "0.view"), Str(digests, "0.sha256")}))
      << table;
  // The answers after a rebuild are the same.
  EXPECT_EQ(Num(Json(absl::StrCat("operations show ", kMuse)), "detained.total"), 810);
}

// A build of the views from position 0 is written without the WAL and marked
// (views/BUILDING) until it is flushed: a writer killed mid-build leaves a
// store the next query must discard and rebuild, never answer from.
TEST_F(QueryCliTest, KilledRebuildIsDiscardedAndTheNextQueryRebuildsTheViews) {
  const std::string data = dir_.Sub("gen.ndjson");
  CommandResult r = Ledger(absl::StrCat("gen --events 40000 --seed 11 --out ", Quote(data)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Ledger(absl::StrCat("import ", Quote(data)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string marker = db_ + "/views/BUILDING";
  bool interrupted = false;
  for (int delay_ms : {300, 100, 30, 10, 0}) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string bin = testing_support::LedgerBinary();
      execl(bin.c_str(), "ledger", "--db", db_.c_str(), "rebuild", static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(marker) && std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // finished (or failed) before we saw it
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    if (std::filesystem::exists(marker)) {
      interrupted = true;
      break;
    }
  }
  ASSERT_TRUE(interrupted) << "every rebuild finished before it could be killed";
  r = Ledger("stats --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, testing::HasSubstr("interrupted build of the views was discarded"));
  EXPECT_FALSE(std::filesystem::exists(marker));
  // The rebuilt views are those a rebuild from the log gives.
  r = Ledger("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, testing::HasSubstr("views"));
}

TEST_F(QueryCliTest, VerifyPassesAndReportsTheViews) {
  Value v = Json("verify");
  EXPECT_TRUE(Bool(v, "ok"));
  EXPECT_TRUE(Bool(v, "views.ok"));
  EXPECT_TRUE(Bool(v, "views.checked"));
  EXPECT_EQ(Str(v, "views.checkpoint"), "6");  // uint64: a string (docs/JSON.md)
  ASSERT_EQ(Size(At(v, "views.views")), 7);
  const Value views = At(v, "views.views");
  for (const Value& view : views.list_value().values()) {
    EXPECT_TRUE(Bool(view, "ok")) << Str(view, "view");
    EXPECT_EQ(Str(view, "stored_sha256"), Str(view, "rebuilt_sha256"));
  }
  CommandResult r = Ledger("verify");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(HasLineWith(r.out, {"result", "OK"})) << r.out;
  EXPECT_TRUE(HasLineWith(r.out, {"views", "OK"})) << r.out;
  for (const char* view :
       {"events", "suspects", "operations", "cases", "flows", "totals", "timelines"}) {
    EXPECT_TRUE(HasLineWith(r.out, {view, "OK"})) << view << "\n" << r.out;
  }
}

TEST_F(QueryCliTest, EveryQueryCommandHasHelp) {
  for (const std::string command :
       {"suspects", "operations", "cases", "flows", "stats", "timeline", "rebuild"}) {
    CommandResult r = Ledger(command + " --help");
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("Usage: ledger " + command)) << command;
    r = Ledger("help " + command);
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_THAT(Ledger("--help").out, HasSubstr(command));
  }
  EXPECT_THAT(Ledger("flows --help").out, HasSubstr("--as-of-position"));
}

// --- hostile values (SPEC §8) ---------------------------------------------------

// A raid of operation `op` detaining one person (CN), as an NDJSON line.
std::string SmallRaid(const std::string& id, const std::string& op) {
  return absl::StrCat(R"({"eventId":")", id, R"(","stream":"operation/)", op,
                      R"(","occurredAt":"2024-05-01T00:00:00Z","occurredPrecision":"PRECISION_DAY",)",
                      R"("source":{"publisher":"Test Desk"},"raid":{"operationId":")", op,
                      R"(","location":{"place":"Muse","country":"MM"},"suspectsDetained":"1",)",
                      R"("detainedByNationality":{"CN":"1"},"ringleadersDetained":"1","note":"n"}})");
}

// A log written before the domain bounds may hold counts near INT64_MAX:
// the answers add them up exactly, never a wrapped negative figure
// ("detained (raids): -9,223,372,036,854,775,002").
TEST_F(QueryCliTest, CountsNearInt64MaxOfAnOldLogAddUpExactly) {
  Append(SmallRaid("huge-1", "op-huge"));
  Append(SmallRaid("huge-2", "op-huge"));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (uint64_t pos : {6, 7}) {  // the shipped data holds records 0..5
    testing_support::RewriteEvent(db_, pos, [&](enforcement::v1::Event* e) {
      ASSERT_EQ(e->raid().operation_id(), "op-huge");
      e->mutable_raid()->set_suspects_detained(kMax);
      (*e->mutable_raid()->mutable_detained_by_nationality())["CN"] = kMax;
      e->mutable_raid()->set_ringleaders_detained(kMax);
    });
  }
  // 807 (Muse) + 2 * (2^63 - 1); CN: 352 + 2 * (2^63 - 1).
  const std::string stats = Table("stats");
  EXPECT_TRUE(HasLineWith(stats, {"detained (raids):", "18,446,744,073,709,552,421;",
                                  "18,446,744,073,709,551,635 ringleaders",
                                  "CN 18,446,744,073,709,551,966"}))
      << stats;
  CommandResult r = Ledger("stats --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Aggregates print as exact decimal strings (docs/JSON.md).
  EXPECT_THAT(r.out, HasSubstr("\"detained\":{\"total\":\"18446744073709552421\","
                               "\"ringleaders\":\"18446744073709551635\","
                               "\"by_nationality\":{\"CN\":\"18446744073709551966\","));
  const std::string op = Table("operations show op-huge");
  EXPECT_TRUE(HasLineWith(op, {"detained:", "18,446,744,073,709,551,614"})) << op;
  EXPECT_TRUE(HasLineWith(op, {"huge-1", "9,223,372,036,854,775,807"})) << op;
  r = Ledger("operations show op-huge --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"total\":\"18446744073709551614\","));
  const std::string list = Table("operations list");
  EXPECT_TRUE(HasLineWith(list, {"op-huge", "18,446,744,073,709,551,614"})) << list;
  for (const std::string* out : {&stats, &op, &list}) {
    EXPECT_THAT(*out, Not(HasSubstr("-9,"))) << *out;
    EXPECT_THAT(*out, Not(HasSubstr("-1,"))) << *out;
  }
}

// Text of an old log with control characters (a terminal escape in a place,
// a C1 control, a right-to-left override, an isolate and an Arabic letter
// mark in a note, BEL in a publisher)
// is printed escaped in tables; JSON escapes it by JSON's rules.
TEST_F(QueryCliTest, ControlCharactersOfAnOldLogArePrintedEscaped) {
  Append(SmallRaid("esc-1", "op-esc"));
  testing_support::RewriteEvent(db_, 6, [](enforcement::v1::Event* e) {
    e->mutable_raid()->mutable_location()->set_place("\x1b[2JMuse");
    e->mutable_raid()->set_note("a\xe2\x80\xae" "b\xc2\x9b" "c\r" "\xe2\x81\xa6" "d\xd8\x9c" "e");
    e->mutable_source()->set_publisher("Desk\x07");
  });
  const char* const kRaw[] = {"\x1b", "\xe2\x80\xae", "\xc2\x9b", "\x07", "\r",
                              "\xe2\x81\xa6", "\xd8\x9c"};
  for (const std::string args :
       {"timeline --operation op-esc", "operations show op-esc", "operations list",
        "timeline --all"}) {
    const std::string table = Table(args);
    EXPECT_THAT(table, HasSubstr("\\x1b[2JMuse")) << args;
    for (const char* raw : kRaw) EXPECT_THAT(table, Not(HasSubstr(raw))) << args << ": " << table;
  }
  EXPECT_THAT(Table("timeline --operation op-esc"), HasSubstr("Desk\\x07"));
  for (const std::string args : {"timeline --operation op-esc --json", "operations show op-esc --json"}) {
    CommandResult r = Ledger(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("\\u001b[2JMuse")) << args;
    for (const char* raw : kRaw) EXPECT_THAT(r.out, Not(HasSubstr(raw))) << args << ": " << r.out;
    EXPECT_NE(ParseJson(r.out).kind_case(), Value::KIND_NOT_SET) << r.out;  // valid JSON
  }
  CommandResult r = Ledger("operations show op-esc --json");
  // protobuf's printer escapes C0, C1 and U+202E; util::AnswerJson the
  // isolates (U+2066..U+2069) and U+061C it leaves.
  EXPECT_THAT(r.out, HasSubstr("\"note\":\"a\\u202eb\\u009bc\\r\\u2066d\\u061ce\""));
}

// The same text is refused on the way in: nothing is written, and the
// message names the field and shows the value escaped.
TEST_F(QueryCliTest, AppendRefusesControlAndBidiCharactersWithTheFieldAndTheEscapedValue) {
  std::string line = SmallRaid("esc-2", "op-esc");
  line.replace(line.find("\"place\":\"Muse\""), 14, "\"place\":\"\\u001b[2JMuse\"");
  CommandResult r = Ledger("append", line + "\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("raid.location.place: control character U+001B at byte 0 of "
                               "\"\\x1b[2JMuse\" (text carries no control characters)"));
  EXPECT_THAT(r.err, Not(HasSubstr("\x1b")));
  line = SmallRaid("esc-\xe2\x80\xae" "3", "op-esc");
  r = Ledger("append", line + "\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("event_id: bidirectional control U+202E at byte 4 of "
                               "\"esc-\\u202e3\" (identifiers carry no direction controls)"));
  EXPECT_THAT(r.err, Not(HasSubstr("\xe2\x80\xae")));
  line = SmallRaid("huge-3", "op-esc");
  line.replace(line.find("\"suspectsDetained\":\"1\""), 22,
               "\"suspectsDetained\":\"9223372036854775807\"");
  r = Ledger("append", line + "\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("raid.suspects_detained: 9223372036854775807 is more than the "
                               "bound 1000000000"));
  EXPECT_EQ(Size(Json("timeline --all")), 6);  // nothing written
}

}  // namespace

// ---------------------------------------------------------------------------
// Output formats and display widths on a Unicode data set
// (tests/testdata/unicode/unicode.ndjson: names in Chinese, Myanmar with
// combining marks, Arabic and decomposed Latin; JPY, BHD and KWD amounts).
// Format 1, so that the names are in the views and the tables.

class OutputCliTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.Sub("db");
    CommandResult r = Ledger("init --origin test.example.org/enforcement --format 1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Ledger(absl::StrCat("import ", Quote(testing_support::SourceDir() +
                                             "/tests/testdata/unicode/unicode.ndjson")));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Ledger(const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat("LC_ALL=C ", Quote(testing_support::LedgerBinary()), " --db ", Quote(db_),
                     " ", args));
  }
  std::string Out(const std::string& args) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return r.out;
  }
  TempDir dir_;
  std::string db_;
};

constexpr char kFsi[] = "\xE2\x81\xA8";
constexpr char kPdi[] = "\xE2\x81\xA9";

std::vector<std::string> Lines(const std::string& text, absl::string_view end = "\n") {
  std::vector<std::string> lines = absl::StrSplit(text, end);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// The display column at which `needle` starts in `line`, or -1.
int ColumnOf(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  if (at == std::string::npos) return -1;
  return static_cast<int>(util::DisplayWidth(std::string_view(line).substr(0, at)));
}

// RFC 4180 records (CRLF between records; quoted fields may hold anything).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    std::string& field = records.back().back();
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      records.emplace_back(1);
    } else {
      EXPECT_NE(c, '\n') << "a bare LF outside quotes";
      field.push_back(c);
    }
  }
  if (records.back().size() == 1 && records.back()[0].empty()) records.pop_back();
  return records;
}

TEST_F(OutputCliTest, TableColumnsLineUpInDisplayColumnsInTheCLocale) {
  const std::string table = Out("suspects list --personal");
  const std::vector<std::string> lines = Lines(table);
  ASSERT_EQ(lines.size(), 5u) << table;
  // Every column after NAME starts at the header's column, whatever the
  // script of the name before it.
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(ColumnOf(lines[i], "  member") + 2, ColumnOf(lines[0], "ROLE")) << lines[i];
    EXPECT_EQ(ColumnOf(lines[i], "op-unicode-01"), ColumnOf(lines[0], "OPERATION")) << lines[i];
  }
  EXPECT_TRUE(HasLineWith(table, {"张伟"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"မောင်မောင်"})) << table;
  EXPECT_TRUE(HasLineWith(table, {"Jose\xCC\x81 Garci\xCC\x81" "a"})) << table;
  // The right-to-left name is isolated, so it cannot reorder the row; the
  // others are not wrapped.
  EXPECT_TRUE(HasLineWith(table, {absl::StrCat(kFsi, "محمد علي", kPdi)})) << table;
  EXPECT_FALSE(HasLineWith(table, {absl::StrCat(kFsi, "张伟")})) << table;
  EXPECT_TRUE(HasLineWith(table, {"1,719,796 months (143,316 y 4 m)"})) << table;
}

TEST_F(OutputCliTest, MoneyInMajorUnitsAtEachCurrencysExponent) {
  const std::string cases = Out("cases list");
  EXPECT_TRUE(HasLineWith(cases, {"case-jp-yen", "JPY 1,500"})) << cases;
  EXPECT_TRUE(HasLineWith(cases, {"case-bh-dinar", "1,719,796", "BHD 1,234.567"})) << cases;
  EXPECT_TRUE(HasLineWith(cases, {"case-kw-dinar", "KWD 0.005"})) << cases;
  const std::string stats = Out("stats");
  EXPECT_TRUE(HasLineWith(stats, {"sentences:", "BHD 1,234.567, JPY 1,500, KWD 0.005"})) << stats;
  EXPECT_TRUE(HasLineWith(stats, {"1 raid,", "4 arrests,", "1 handover,", "3 sentencings,"}))
      << stats;
  EXPECT_TRUE(HasLineWith(stats, {"handed over:", "1 person (1 identified, 0 ringleaders)"}))
      << stats;
  const std::string timeline = Out("timeline --all");
  EXPECT_TRUE(HasLineWith(timeline, {"1 detained (CN 1), 1 ringleader"})) << timeline;
  EXPECT_TRUE(HasLineWith(timeline, {"1 person (1 identified)"})) << timeline;
  EXPECT_TRUE(HasLineWith(timeline, {"1,719,796 months, 1 victim, BHD 1,234.567 defrauded"}))
      << timeline;
  EXPECT_TRUE(HasLineWith(timeline, {"1 month, 1 victim, JPY 1,500 defrauded"})) << timeline;
  EXPECT_TRUE(HasLineWith(timeline, {"about 1,500"})) << timeline;
}

TEST_F(OutputCliTest, CsvIsRfc4180AndParsesBack) {
  const std::string csv = Out("cases list --format csv");
  EXPECT_THAT(csv, HasSubstr("\r\n"));
  const auto records = ParseCsv(csv);
  ASSERT_EQ(records.size(), 4u) << csv;
  EXPECT_EQ(records[0], (std::vector<std::string>{"CASE", "DEFENDANTS", "VICTIMS",
                                                  "PRISON MONTHS", "OFFENCE PERIOD", "AMOUNT"}));
  EXPECT_EQ(records[1][0], "case-bh-dinar");
  EXPECT_EQ(records[1][3], "1,719,796");  // quoted: it holds commas
  EXPECT_EQ(records[1][5], "BHD 1,234.567");
  EXPECT_THAT(csv, HasSubstr("\"BHD 1,234.567\""));
  // Names as they are: no isolates, no escapes.
  const auto suspects = ParseCsv(Out("suspects list --personal --format csv"));
  ASSERT_EQ(suspects.size(), 5u);
  EXPECT_EQ(suspects[1][1], "محمد علي");
  EXPECT_EQ(suspects[2][1], "张伟");
  // A key/value view: two columns under field,value; then its table.
  const auto show = ParseCsv(Out("cases show case-bh-dinar --format csv"));
  ASSERT_GE(show.size(), 3u);
  EXPECT_EQ(show[0], (std::vector<std::string>{"field", "value"}));
  EXPECT_EQ(show[1], (std::vector<std::string>{"case", "case-bh-dinar"}));
  bool amount = false;
  for (const auto& r : show) amount = amount || (r.size() == 2 && r[1] == "BHD 1,234.567");
  EXPECT_TRUE(amount);
  // --json is --format json.
  EXPECT_EQ(Out("stats --format json"), Out("stats --json"));
}

TEST_F(OutputCliTest, TsvEscapesTabsAndNewlines) {
  const std::string tsv = Out("suspects list --personal --format tsv");
  const std::vector<std::string> lines = Lines(tsv);
  ASSERT_EQ(lines.size(), 5u) << tsv;
  for (const std::string& line : lines) {
    EXPECT_EQ(std::vector<std::string>(absl::StrSplit(line, '\t')).size(), 8u) << line;
  }
  EXPECT_THAT(tsv, HasSubstr("\tمحمد علي\t"));
  EXPECT_THAT(tsv, Not(HasSubstr(kFsi)));
}

TEST_F(OutputCliTest, OutWritesTheFileUnderTheOutputPolicy) {
  const std::string path = dir_.Sub("cases.csv");
  CommandResult r = Ledger("cases list --format csv --out " + Quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(testing_support::ReadFileOrDie(path), Out("cases list --format csv"));
  r = Ledger("stats --out " + Quote(path));  // replaces the regular file it wrote
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(testing_support::ReadFileOrDie(path), HasSubstr("events in effect:"));
  r = Ledger("stats --format csv --out /dev/null");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--out /dev/null is a character device: refused"));
  r = Ledger("stats --out " + Quote(db_ + "/answer.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Ledger("stats --format xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--format wants table, json, csv or tsv"));
  r = Ledger("stats --json --format csv");
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(OutputCliTest, EveryQueryCommandTakesFormatAndOut) {
  for (const char* cmd : {"suspects list", "operations list", "cases list", "flows", "stats",
                          "timeline --all"}) {
    for (const char* format : {"table", "json", "csv", "tsv"}) {
      CommandResult r = Ledger(absl::StrCat(cmd, " --format ", format));
      EXPECT_EQ(r.exit_code, 0) << cmd << " " << format << ": " << r.err;
      EXPECT_FALSE(r.out.empty()) << cmd << " " << format;
    }
    const std::string name(absl::string_view(cmd).substr(0, absl::string_view(cmd).find(' ')));
    EXPECT_THAT(Out(name + " --help"), HasSubstr("--format FMT")) << cmd;
  }
}

// The number style on a generated ledger (thousands of events): no figure of
// four digits or more without separators in `stats`' key/value lines or in
// the timeline summaries, and the singular only for one.
TEST(GeneratedOutputCliTest, FiguresHaveSeparatorsAndPluralsAgree) {
  TempDir dir;
  const std::string db = dir.Sub("db"), input = dir.Sub("gen.ndjson");
  auto ledger = [&](const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args));
  };
  ASSERT_EQ(ledger("gen --events 3000 --seed 11 --out " + Quote(input)).exit_code, 0);
  ASSERT_EQ(ledger("init --origin test.example.org/enforcement").exit_code, 0);
  CommandResult r = ledger("import " + Quote(input));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3,000 events")) << r.out;
  r = ledger("stats");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string key_values = r.out.substr(0, r.out.find("\nReported figures"));
  EXPECT_THAT(key_values, HasSubstr("records:                3,000")) << key_values;
  const std::regex bare("(^|[^0-9,.])[0-9]{4,}([^0-9,.]|$)");
  for (const std::string& line : Lines(key_values)) {
    EXPECT_FALSE(std::regex_search(line, bare)) << line;
    EXPECT_FALSE(std::regex_search(line, std::regex("(^|[^0-9,])1 (raids|arrests|handovers|"
                                                    "suspects|operations|cases|people|"
                                                    "ringleaders|victims|months)")))
        << line;
  }
  r = ledger("timeline --all --limit 0 --format tsv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t checked = 0;
  for (const std::string& line : Lines(r.out)) {
    const std::vector<std::string> cells = absl::StrSplit(line, '\t');
    ASSERT_EQ(cells.size(), 8u) << line;
    // The summary, without its ids (which may hold digits).
    std::string summary = std::regex_replace(
        cells[7], std::regex(" for ([0-9-]+|[.][.][.]) to ([0-9-]+|[.][.][.])"), " for PERIOD");
    summary =
        std::regex_replace(summary, std::regex("[A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*"), "ID");
    EXPECT_FALSE(std::regex_search(summary, bare)) << cells[7];
    EXPECT_FALSE(std::regex_search(
        cells[7], std::regex("(^|[^0-9,])1 (ringleaders|people|months|victims)")))
        << cells[7];
    ++checked;
  }
  EXPECT_GT(checked, 3000u);
}

// --- paging, filters, as-of (docs/PAGING.md) -----------------------------------

namespace {

class PagingCliTest : public QueryCliTest {
 protected:
  // Adds 250 generated events (operations, suspects, ...) to the shipped set.
  void Generate() {
    const std::string file = dir_.Sub("gen.ndjson");
    CommandResult g = Ledger(absl::StrCat("gen --events 250 --seed 5 --out ", Quote(file)));
    ASSERT_EQ(g.exit_code, 0) << g.err;
    CommandResult r = Ledger(absl::StrCat("import ", Quote(file)));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

}  // namespace

TEST_F(PagingCliTest, EveryListHasTheDefaultLimitAndACursor) {
  Generate();
  CommandResult all = Ledger("timeline --all --limit 0 --json");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const int entries = Size(ParseJson(all.out));
  ASSERT_GT(entries, 100);
  // Table: 100 rows and the next-page line on stderr.
  CommandResult t = Ledger("timeline --all");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 101) << "header + 100 rows";
  EXPECT_THAT(t.err, HasSubstr("more \u2014 next page: --after "));
  // JSON: the cursor inside the answer; following it visits every entry once.
  std::set<double> seen;
  std::string after;
  for (int pages = 0; pages < 50; ++pages) {
    Value page = Json(absl::StrCat("timeline --all", after.empty() ? "" : " --after " + after));
    for (const Value& e : Items(page).list_value().values()) {
      EXPECT_TRUE(seen.insert(Num(e, "position")).second);
    }
    if (!page.struct_value().fields().at("more").bool_value()) {
      EXPECT_EQ(Str(page, "next_after"), "");
      break;
    }
    after = Str(page, "next_after");
    ASSERT_FALSE(after.empty());
  }
  EXPECT_EQ(static_cast<int>(seen.size()), entries);

  for (const char* list : {"suspects list", "operations list", "cases list", "flows", "stats"}) {
    CommandResult r = Ledger(absl::StrCat(list, " --limit 1"));
    ASSERT_EQ(r.exit_code, 0) << list << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("next page: --after ")) << list;
    CommandResult every = Ledger(absl::StrCat(list, " --all"));
    ASSERT_EQ(every.exit_code, 0) << list << ": " << every.err;
    EXPECT_THAT(every.err, Not(HasSubstr("next page"))) << list;
  }
  Value ops = Json("operations list --limit 2");
  EXPECT_TRUE(ops.struct_value().fields().at("more").bool_value());
  Value next = Json("operations list --limit 2 --after " + Str(ops, "next_after"));
  EXPECT_NE(Str(next, "0.operation_id"), Str(ops, "1.operation_id"));
}

TEST_F(QueryCliTest, BadCountryCodesAreRefusedAsImportRefusesThem) {
  for (const std::string args : {"flows --from mm", "flows --to XX", "suspects list --nationality xx",
                                 "suspects list --custody cn", "timeline --country mm"}) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 3) << args << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("is not an ISO 3166-1 alpha-2 code")) << args;
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_THAT(Ledger("flows --from mm").err, HasSubstr("(codes are upper case: \"MM\")"));
  EXPECT_EQ(Ledger("suspects list --role boss").exit_code, 3);
  EXPECT_EQ(Ledger("timeline --all --kind raids").exit_code, 3);
  EXPECT_EQ(Size(Json("timeline --all --kind raid")), 1);
  EXPECT_EQ(Size(Json("suspects list --role ringleader")), 1);
}

TEST_F(QueryCliTest, TimelineSinceUntilIsOccurredTime) {
  // The raid is month-precise (2024-03): a range inside March keeps it.
  Value in = Json("timeline --all --kind raid --since 2024-03-15 --until 2024-03-20");
  EXPECT_EQ(Size(in), 1);
  EXPECT_EQ(Size(Json("timeline --all --kind raid --until 2024-02-29")), 0);
  EXPECT_EQ(Size(Json("timeline --all --since 2024-04-02")), 0);
  EXPECT_EQ(Ledger("timeline --all --since soon").exit_code, 2);
}

TEST_F(QueryCliTest, AsOfTakesADateRefusesANumberAndSaysSo) {
  // Every record of the fixture is recorded now: as of a past day, nothing.
  CommandResult past = Ledger("operations list --as-of 2024-04-01");
  ASSERT_EQ(past.exit_code, 0) << past.err;
  EXPECT_THAT(past.err, HasSubstr("as of recorded time 2024-04-01T23:59:59.999999999Z: 0 of 6"));
  Value j = Json("stats --as-of 2024-04-01");
  EXPECT_THAT(Str(j, "as_of"), HasSubstr("as of recorded time 2024-04-01"));
  EXPECT_EQ(Str(Json("stats"), "as_of"), "");
  CommandResult pos = Ledger("timeline --all --as-of-position 2");
  EXPECT_THAT(pos.err, HasSubstr("as of position 2: 2 of 6 records"));
  CommandResult number = Ledger("stats --as-of 3");
  EXPECT_EQ(number.exit_code, 2);
  EXPECT_THAT(number.err, HasSubstr("--as-of-position 3"));
  EXPECT_THAT(Ledger("stats --help").out, HasSubstr("recorded"));
}

TEST_F(PagingCliTest, ReadPagesItsTableByPosition) {
  Generate();  // 256 records
  CommandResult t = Ledger("read");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 101) << "header + 100 rows";
  EXPECT_THAT(t.err, HasSubstr("156 more \u2014 next page: --after 99"));
  CommandResult next = Ledger("read --after 99 --limit 1");
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(next.out, HasSubstr("\n100 "));
  EXPECT_THAT(next.err, HasSubstr("155 more \u2014 next page: --after 100"));
  // NDJSON is a stream for scripts: cut only by --limit.
  CommandResult json = Ledger("read --json");
  EXPECT_EQ(std::count(json.out.begin(), json.out.end(), '\n'), 256);
  EXPECT_EQ(json.err, "");
  CommandResult all = Ledger("read --all");
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 257);
  EXPECT_EQ(Ledger("read --after 3 --from 4").exit_code, 2);
  // Nothing is after the largest position: no wrap to position 0.
  CommandResult last = Ledger("read --after 18446744073709551615");
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(last.out, "no records\n");
}

TEST_F(QueryCliTest, PeriodsAndDatesThatDoNotExistAreRefused) {
  for (const char* args : {"flows --since 2024-13", "flows --until 24", "flows --since 2024-00",
                           "timeline --all --since 2024-02-30", "timeline --all --until 2024-13"}) {
    CommandResult r = Ledger(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_EQ(Ledger("flows --since 2024-03").exit_code, 0);
}
