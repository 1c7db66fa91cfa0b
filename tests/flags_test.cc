// The command-line contract of tools/cli/flags.h, on the parser directly.
#include "tools/cli/flags.h"
#include "tools/cli/suggest.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<OptionSpec> kOptions = {
    {"out", "FILE", "where to write"},
    {"batch", "N", "events per batch"},
    {"dry-run", nullptr, "write nothing"},
};
const std::vector<OptionSpec> kGlobals = {
    {"db", "DIR", "the ledger"},
    {"json", nullptr, "JSON output"},
};

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) {
  return ParseArgs(kOptions, kGlobals, args);
}

TEST(FlagsTest, AcceptsSeparateAndInlineValuesFlagsAndPositionals) {
  auto p = Parse({"in.ndjson", "--out", "x", "--batch=5", "--dry-run", "--db", "d", "more"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Get("out"), "x");
  EXPECT_EQ(*p->GetUint("batch"), 5u);
  EXPECT_TRUE(p->Has("dry-run"));
  EXPECT_EQ(p->Get("db"), "d");
  EXPECT_FALSE(p->Has("json"));
  EXPECT_FALSE(p->help());
  EXPECT_THAT(p->positionals(), ElementsAre("in.ndjson", "more"));
}

TEST(FlagsTest, DashIsAPositionalAndAValue) {
  auto p = Parse({"-", "--out", "-"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->positionals(), ElementsAre("-"));
  EXPECT_EQ(p->Get("out"), "-");
}

TEST(FlagsTest, DoubleDashEndsOptions) {
  auto p = Parse({"--dry-run", "--", "--out", "x"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->Has("out"));
  EXPECT_THAT(p->positionals(), ElementsAre("--out", "x"));
}

TEST(FlagsTest, HelpIsSeenAnywhere) {
  auto p = Parse({"a", "-h"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->help());
  p = Parse({"--help", "--out", "x"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->help());
}

TEST(FlagsTest, EmptyInlineValueIsAValue) {
  auto p = Parse({"--db="});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->Get("db"), "");
}

TEST(FlagsTest, UnknownOptionIsRefusedByName) {
  auto p = Parse({"--frobnicate", "a"});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("unknown option '--frobnicate'"));
  p = Parse({"--frob=1"});
  EXPECT_THAT(p.status().message(), HasSubstr("unknown option '--frob'"));
  p = Parse({"-x"});
  EXPECT_THAT(p.status().message(), HasSubstr("unknown option '-x': options are long"));
}

TEST(FlagsTest, OptionGivenTwiceIsRefused) {
  EXPECT_THAT(Parse({"--out", "a", "--out", "b"}).status().message(),
              HasSubstr("option --out given more than once"));
  EXPECT_THAT(Parse({"--dry-run", "--dry-run"}).status().message(),
              HasSubstr("option --dry-run given more than once"));
}

TEST(FlagsTest, MissingValueIsRefused) {
  auto p = Parse({"--out"});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("--out needs a value"));
}

TEST(FlagsTest, ValueForABooleanFlagIsRefused) {
  EXPECT_THAT(Parse({"--dry-run=true"}).status().message(),
              HasSubstr("option --dry-run takes no value"));
  EXPECT_THAT(Parse({"--json=1"}).status().message(), HasSubstr("option --json takes no value"));
}

TEST(FlagsTest, MalformedNumberIsRefusedNamingTheOption) {
  auto p = Parse({"--batch", "5x"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->GetUint("batch").status().message(), HasSubstr("--batch wants a non-negative"));
  EXPECT_FALSE(ParseUint("18446744073709551616").has_value());
  EXPECT_EQ(ParseUint("18446744073709551615"), 18446744073709551615u);
}

}  // namespace
}  // namespace cli

// --- "did you mean" (tools/cli/suggest.h) -------------------------------------

TEST(SuggestTest, EditDistanceCountsAnAdjacentSwapOnce) {
  EXPECT_EQ(cli::EditDistance("timeline", "timeline"), 0u);
  EXPECT_EQ(cli::EditDistance("timline", "timeline"), 1u);   // deletion
  EXPECT_EQ(cli::EditDistance("suspcets", "suspects"), 1u);  // swap
  EXPECT_EQ(cli::EditDistance("stat", "stats"), 1u);
  EXPECT_EQ(cli::EditDistance("", "abc"), 3u);
  EXPECT_EQ(cli::EditDistance("head", "read"), 1u);
}

TEST(SuggestTest, SuggestsOnlyWhatIsClose) {
  const std::vector<std::string> names = {"read", "head", "export", "timeline", "limit", "list"};
  EXPECT_EQ(cli::Suggest("timline", names), std::vector<std::string>({"timeline"}));
  EXPECT_EQ(cli::Suggest("haed", names), std::vector<std::string>({"head"}));
  // Equally close: both, in table order.
  EXPECT_EQ(cli::Suggest("xead", names), std::vector<std::string>({"read", "head"}));
  // A prefix when nothing is within the distance.
  EXPECT_EQ(cli::Suggest("exp", names), std::vector<std::string>({"export"}));
  EXPECT_TRUE(cli::Suggest("frobnicate", names).empty());
  EXPECT_EQ(cli::DidYouMean({"limit"}, "--"), "; did you mean '--limit'?");
  EXPECT_EQ(cli::DidYouMean({"a", "b", "c"}), "; did you mean 'a', 'b' or 'c'?");
  EXPECT_EQ(cli::DidYouMean({}), "");
}
