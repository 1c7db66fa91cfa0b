// `ledger suspects search PREFIX --personal` on the Unicode data set
// (tests/testdata/unicode), imported into a format-2 ledger: names come from
// the personal-data store, checked against their commitments.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "enforcement/api/v1/personal.pb.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"
#include "tests/support/json_fields.h"

namespace {

using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

class SearchCliTest : public testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.Sub("db");
    CommandResult r = Ledger("init --origin test.example.org/enforcement");
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
  enforcement::api::v1::NameSearchAnswer Search(const std::string& prefix) {
    CommandResult r = Ledger(absl::StrCat("suspects search ", Quote(prefix), " --personal --json"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return testing_support::ParseAnswer<enforcement::api::v1::NameSearchAnswer>(r.out);
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(SearchCliTest, FindsNamesInAnyScriptCheckedAgainstTheirCommitments) {
  auto a = Search("张");
  ASSERT_EQ(a.matches_size(), 1);
  EXPECT_EQ(a.matches(0).agency_ids(0), "cn-zhang-wei");
  ASSERT_EQ(a.matches(0).names_size(), 1);
  EXPECT_EQ(a.matches(0).names(0).value(), "张伟");
  EXPECT_EQ(a.matches(0).names(0).check(), "verified");
  EXPECT_TRUE(absl::StartsWith(a.matches(0).subject_id(), "sub_"));

  a = Search("علي");  // the second word of محمد علي
  ASSERT_EQ(a.matches_size(), 1);
  EXPECT_EQ(a.matches(0).names(0).value(), "محمد علي");

  a = Search("JOSÉ");  // composed and upper-case; the data set has it decomposed
  ASSERT_EQ(a.matches_size(), 1);

  a = Search("nobody-has-this-name");
  EXPECT_EQ(a.matches_size(), 0);
  EXPECT_FALSE(a.more());
}

TEST_F(SearchCliTest, TableShowsNamesAndPagesWithACursor) {
  CommandResult r = Ledger("suspects search 'ဓ' --personal");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Ledger("suspects search 'မောင်' --personal");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "မောင်မောင်")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "verified")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "mm-maung-maung")) << r.out;

  // Every subject whose name or a word of it starts with any letter: one per page.
  r = Ledger("suspects search 'm' --personal --limit 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto page = testing_support::ParseAnswer<enforcement::api::v1::NameSearchAnswer>(r.out);
  if (page.more()) {
    EXPECT_EQ(page.next_after(), page.matches(0).subject_id());
    r = Ledger(absl::StrCat("suspects search 'm' --personal --limit 1 --json --after ",
                            page.next_after()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto next = testing_support::ParseAnswer<enforcement::api::v1::NameSearchAnswer>(r.out);
    ASSERT_GE(next.matches_size(), 1);
    EXPECT_GT(next.matches(0).subject_id(), page.matches(0).subject_id());
  }
}

TEST_F(SearchCliTest, NeedsPersonalAndAPrefixAndForgetsErasedSubjects) {
  CommandResult r = Ledger("suspects search 张");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "--personal")) << r.err;
  r = Ledger("suspects search '  ' --personal");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Ledger("suspects search --personal");
  EXPECT_EQ(r.exit_code, 2) << r.err;

  r = Ledger("erase --subject cn-zhang-wei --authority 'order 1' --reason test");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Search("张").matches_size(), 0);
  r = Ledger("suspects search 张 --personal");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.err, "no live subject")) << r.err;
}

TEST_F(SearchCliTest, CsvCellsAreNeverSpreadsheetFormulas) {
  const std::string event =
      "{\"eventId\": \"u-arrest-formula\", \"stream\": \"suspect/x-formula\", "
      "\"occurredAt\": \"2024-05-02T00:00:00Z\", \"occurredPrecision\": \"PRECISION_DAY\", "
      "\"source\": {\"publisher\": \"@desk\", \"reference\": \"test\"}, "
      "\"recordedBy\": \"test\", \"arrest\": {\"suspect\": {\"suspectId\": \"x-formula\", "
      "\"name\": \"=HYPERLINK(\\\"http://evil.example\\\")\", \"nationality\": \"CN\", "
      "\"role\": \"ROLE_MEMBER\"}, \"operationId\": \"op-unicode-01\", "
      "\"location\": {\"country\": \"MM\"}}}\n";
  CommandResult r = testing_support::RunCommand(
      absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " import -"),
      event);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Ledger("suspects list --personal --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "\"'=HYPERLINK(\"\"http://evil.example\"\")\"")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, ",=HYPERLINK")) << r.out;
  r = Ledger("suspects list --personal --format tsv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "\t'=HYPERLINK(")) << r.out;
  // A lone dash (no value) stays as it is.
  EXPECT_TRUE(absl::StrContains(r.out, "\t-\t") || absl::StrContains(r.out, "\t-\n")) << r.out;
}

TEST_F(SearchCliTest, HostilePrefixesAreAnsweredOrRefusedCleanly) {
  // Control and bidi characters: no match, and the message escapes them.
  CommandResult r = Ledger("suspects search \"$(printf '\\033[31m\\342\\200\\256')\" --personal");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  // Not UTF-8: a usage error, nothing printed on stdout.
  r = Ledger("suspects search \"$(printf '\\377\\376')\" --personal");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  // A very long prefix matches nothing and does not fail.
  r = Ledger(absl::StrCat("suspects search ", std::string(100000, 'a'), " --personal --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing_support::ParseAnswer<enforcement::api::v1::NameSearchAnswer>(r.out)
                .matches_size(),
            0);
  // A bad cursor or limit.
  EXPECT_EQ(Ledger("suspects search zhang --personal --limit x").exit_code, 2);
}

TEST(SearchCliFormat1Test, Format1LedgerSaysItHasNoStore) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  auto run = [&](const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db), " ", args));
  };
  ASSERT_EQ(run("init --origin t.example/l --format 1").exit_code, 0);
  CommandResult r = run("suspects search li --personal");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "format 1")) << r.err;
}

}  // namespace
