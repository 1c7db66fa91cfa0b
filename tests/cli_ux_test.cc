// The front door of the `ledger` CLI, run as the real binary: --version,
// "did you mean" for commands and options, the short-option message, the
// messages for an empty --db directory and for a store inside a ledger,
// --json errors (one JSON object on stderr whose exit_code is the process's),
// the bash completion script and the man page.
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "enforcement/api/v1/error.pb.h"
#include "enforcement/api/v1/version.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using testing::HasSubstr;
using testing::Not;
using testing_support::CommandResult;
using testing_support::ParseAnswer;
using testing_support::Quote;
using testing_support::TempDir;

class CliUxTest : public testing::Test {
 protected:
  CommandResult Ledger(const std::string& args, const std::string& stdin_data = "") {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db_), " ", args),
        stdin_data);
  }
  CommandResult Bare(const std::string& args) {
    return testing_support::RunCommand(
        absl::StrCat(Quote(testing_support::LedgerBinary()), " ", args));
  }
  void Init() {
    CommandResult r = Ledger("init --origin test.example/log");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The command names `ledger --help` lists under "Commands:".
  std::vector<std::string> CommandNames() {
    CommandResult r = Bare("--help");
    EXPECT_EQ(r.exit_code, 0);
    std::vector<std::string> names;
    bool in = false;
    for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
      if (line == "Commands:") {
        in = true;
        continue;
      }
      if (!in) continue;
      if (line.empty()) break;
      std::vector<std::string> words =
          absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
      if (!words.empty()) names.push_back(words[0]);
    }
    EXPECT_GT(names.size(), 20u);
    return names;
  }

  TempDir dir_;
  std::string db_ = dir_.Sub("db");
};

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(CliUxTest, VersionNamesTheFormatsAndLibraries) {
  for (const char* args : {"--version", "version"}) {
    CommandResult r = Bare(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(absl::StartsWith(r.out, "ledger ")) << r.out;
    EXPECT_THAT(r.out, HasSubstr("record formats: 1, 2"));
    EXPECT_THAT(r.out, HasSubstr("views format:"));
    EXPECT_THAT(r.out, HasSubstr("RocksDB "));
    EXPECT_THAT(r.out, HasSubstr("protobuf 3."));
  }
  for (const char* args : {"--version --json", "--json version", "version --json"}) {
    CommandResult r = Bare(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto v = ParseAnswer<enforcement::api::v1::VersionAnswer>(r.out);
    EXPECT_FALSE(v.version().empty());
    ASSERT_EQ(v.record_formats_size(), 2);
    EXPECT_EQ(v.record_formats(0), 1u);
    EXPECT_EQ(v.record_formats(1), 2u);
    EXPECT_EQ(v.default_record_format(), 2u);
    EXPECT_GT(v.views_format(), 0u);
    EXPECT_FALSE(v.rocksdb().empty());
    EXPECT_FALSE(v.protobuf().empty());
  }
}

TEST_F(CliUxTest, MistypedCommandGetsASuggestion) {
  CommandResult r = Bare("timline");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'timline'; did you mean 'timeline'?"));
  r = Bare("suspcets list");
  EXPECT_THAT(r.err, HasSubstr("did you mean 'suspects'?"));
  r = Bare("help imprt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'import'?"));
  // Nothing close: no suggestion.
  r = Bare("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(r.err, Not(HasSubstr("did you mean")));
}

TEST_F(CliUxTest, MistypedOptionGetsASuggestion) {
  Init();
  CommandResult r = Ledger("read --lim 3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option '--lim'; did you mean '--limit'?"));
  r = Ledger("stats --as-off 2024-01-01T00:00:00Z");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("did you mean '--as-of'?"));
  r = Ledger("import --dryrun -");
  EXPECT_THAT(r.err, HasSubstr("did you mean '--dry-run'?"));
  // An option spelled like a command, before any command.
  r = Bare("--stat");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option '--stat'; did you mean the command 'stats'?"));
}

TEST_F(CliUxTest, ShortOptionNamesTheLongOnes) {
  Init();
  CommandResult r = Ledger("suspects list -l 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown option '-l': options are long, e.g. --limit"));
  EXPECT_THAT(r.err, Not(HasSubstr("--name")));
  r = Ledger("read -limit 5");
  EXPECT_THAT(r.err, HasSubstr("unknown option '-limit': options are long, e.g. --limit"));
  r = Ledger("head -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("options are long"));
  EXPECT_THAT(r.err, Not(HasSubstr("--name")));
}

TEST_F(CliUxTest, EmptyDbDirectoryIsSaidOnce) {
  const std::string empty = dir_.Sub("empty");
  std::filesystem::create_directory(empty);
  CommandResult r = Bare("suspects list --db " + Quote(empty));
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(CountOf(r.err, "no ledger at"), 1) << r.err;
  EXPECT_EQ(CountOf(r.err, "ledger init"), 1) << r.err;
  EXPECT_EQ(CountOf(r.err, "\n"), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the directory is empty"));
}

TEST_F(CliUxTest, StoresInsideALedgerAreNotLedgers) {
  Init();
  CommandResult r = Ledger("stats");  // creates DIR/views
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(std::filesystem::is_directory(db_ + "/views"));
  r = Bare("head --db " + Quote(db_ + "/views"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is not a ledger (it is the views store of the ledger at '" +
                               db_ + "'; use --db " + db_ + ")"));
  EXPECT_THAT(r.err, Not(HasSubstr("damaged")));
  r = Bare("suspects list --db " + Quote(db_ + "/personal/"));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("it is the personal-data store of the ledger at"));
  r = Bare("--json head --db " + Quote(db_ + "/views"));
  const auto e = ParseAnswer<enforcement::api::v1::ErrorAnswer>(r.err);
  EXPECT_EQ(e.error().reason(), "not_a_ledger");
  EXPECT_EQ(e.error().exit_code(), 5u);
}

// With --json, every failure is one line on stderr holding an ErrorAnswer
// whose exit_code is the process's exit status.
TEST_F(CliUxTest, JsonErrorsAreOneObjectOnStderr) {
  Init();
  const std::string bad = dir_.Sub("bad.ndjson");
  testing_support::WriteFileOrDie(bad, "{\"nope\": 1}\n");
  struct Case {
    std::string args;
    int exit_code;
    std::string code;
    std::string reason;  // "" when the failure has none
    bool bare = false;   // without the fixture's --db
  };
  const std::vector<Case> cases = {
      {"--json timline", 2, "USAGE", "unknown_command"},
      {"read --frob --json", 2, "USAGE", "unknown_option"},
      {"--json read --from", 2, "USAGE", "usage"},
      {"--json suspects show nobody", 5, "NOT_FOUND", ""},
      {"--json import " + Quote(bad), 3, "INVALID_INPUT", "invalid_json"},
      {"--json head --db " + Quote(dir_.Sub("absent")), 5, "NOT_FOUND", "", true},
      {"--json", 2, "USAGE", "usage"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    CommandResult r = c.bare ? Bare(c.args) : Ledger(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    ASSERT_TRUE(absl::EndsWith(r.err, "\n")) << r.err;
    EXPECT_EQ(CountOf(r.err, "\n"), 1) << r.err;
    const auto e = ParseAnswer<enforcement::api::v1::ErrorAnswer>(r.err);
    EXPECT_EQ(static_cast<int>(e.error().exit_code()), r.exit_code);
    EXPECT_EQ(e.error().code(), c.code);
    EXPECT_FALSE(e.error().message().empty());
    if (!c.reason.empty()) {
      EXPECT_EQ(e.error().reason(), c.reason);
    }
    // The text mode's prefix is not part of the message.
    EXPECT_THAT(e.error().message(), Not(HasSubstr("ledger: ")));
  }
  // A library status's code and typed detail come along.
  CommandResult r = Ledger("--json import " + Quote(bad));
  const auto e = ParseAnswer<enforcement::api::v1::ErrorAnswer>(r.err);
  EXPECT_EQ(e.error().command(), "import");
  EXPECT_EQ(e.error().status_code(), "INVALID_ARGUMENT");
  EXPECT_TRUE(e.error().has_detail());
  EXPECT_EQ(e.error().detail().line(), 1u);
  EXPECT_THAT(e.error().detail().file(), HasSubstr("bad.ndjson"));
}

TEST_F(CliUxTest, CompletionScriptKnowsEveryCommand) {
  CommandResult r = Bare("completion bash");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& name : CommandNames()) {
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("    ", name, ") opts=\""))) << name;
  }
  EXPECT_THAT(r.out, HasSubstr("subs=\"list show\""));  // suspects, operations, cases
  EXPECT_THAT(r.out, HasSubstr("--as-of"));
  EXPECT_THAT(r.out, HasSubstr("complete -F _ledger ledger"));
  const std::string script = dir_.Sub("ledger.bash");
  testing_support::WriteFileOrDie(script, r.out);
  CommandResult syntax = testing_support::RunCommand("bash -n " + Quote(script));
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
  // And it completes: the commands after `ledger su`.
  CommandResult run = testing_support::RunCommand(
      "bash -c " + Quote("source " + Quote(script) +
                         "; COMP_WORDS=(ledger su); COMP_CWORD=1; _ledger; "
                         "echo \"${COMPREPLY[*]}\""));
  EXPECT_EQ(run.out, "suspects\n") << run.err;
  run = testing_support::RunCommand(
      "bash -c " + Quote("source " + Quote(script) +
                         "; COMP_WORDS=(ledger --db x read --li); COMP_CWORD=4; _ledger; "
                         "echo \"${COMPREPLY[*]}\""));
  EXPECT_EQ(run.out, "--limit\n") << run.err;
  EXPECT_EQ(Bare("completion zsh").exit_code, 2);
}

TEST_F(CliUxTest, ManPageHasEveryCommand) {
  CommandResult r = Bare("man");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, ".\\\"")) << r.out.substr(0, 100);
  EXPECT_THAT(r.out, HasSubstr("\n.TH LEDGER 1 "));
  EXPECT_THAT(r.out, HasSubstr("\n.SH NAME\n"));
  EXPECT_THAT(r.out, HasSubstr("\n.SH EXIT STATUS\n"));
  for (const std::string& name : CommandNames()) {
    EXPECT_THAT(r.out, HasSubstr("\n.SS " + name + "\n")) << name;
  }
  // No text line starts with a roff control character by accident.
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (line.empty() || line[0] != '\'') continue;
    ADD_FAILURE() << "unescaped line: " << line;
  }
  EXPECT_EQ(Bare("help --man").out, r.out);
  // The build writes the same page to build/ledger.1.
  const std::string built =
      std::filesystem::path(testing_support::LedgerBinary()).parent_path() / "ledger.1";
  if (std::filesystem::exists(built)) {
    EXPECT_EQ(testing_support::ReadFileOrDie(built), r.out);
  }
  // groff, where installed, renders it without warnings.
  if (std::filesystem::exists("/usr/bin/groff")) {
    const std::string page = dir_.Sub("ledger.1");
    testing_support::WriteFileOrDie(page, r.out);
    CommandResult g = testing_support::RunCommand("groff -man -Tutf8 -ww " + Quote(page) +
                                                  " >/dev/null");
    EXPECT_EQ(g.exit_code, 0);
    EXPECT_EQ(g.err, "");
  }
}

}  // namespace
