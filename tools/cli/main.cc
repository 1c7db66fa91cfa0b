// `ledger`: the command-line program (SPEC §6). This file only dispatches:
// it reads the global options, finds the subcommand in the table of
// tools/cli/commands.cc, parses the subcommand's options against that
// command's own option table and runs it. Each command lives in a
// commands_*.cc file; shared helpers are in cli_common.{h,cc}.
//
// Why per-command option tables (tools/cli/flags.h, parsed by CLI11) and
// not absl flags: absl flags are process-global, defined at namespace scope
// with ABSL_FLAG, and parsed once for the whole binary. Every flag of every
// subcommand would then be accepted by every other one (`ledger head
// --batch 5` would parse), `--from` could not mean a position for `read`
// and something else for a future command, and per-command help and
// "unknown option for this command" errors would have to be rebuilt on top
// anyway. With per-command option tables, each command's help is generated
// from the same table that its parser checks, an option unknown to the
// command is a usage error naming it, and adding a command is one function
// plus one table row. CLI11 (libcli11-dev) does the parsing proper; its
// subcommand support is not used because the help text, the exit codes and
// the global options' "either side of the command name" rule are the
// table's.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "tools/cli/flags.h"
#include "tools/cli/help_formats.h"
#include "tools/cli/suggest.h"
#include "util/answer_json.h"
#include "util/error_detail.h"

namespace {

// Whether the line asks for --json anywhere before `--`: usage errors found
// before the command's own parse are then reported as JSON too.
bool WantsJson(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

int TopLevelUsageError(bool json, const std::string& message, const char* reason = "usage",
                       const std::string& command = "") {
  util::ErrorDetail detail;
  detail.set_reason(reason);
  cli::ReportError(command, json, cli::kExitUsage, message, nullptr, &detail);
  if (!json) std::fputs("Run 'ledger --help' for the commands and options.\n", stderr);
  return cli::kExitUsage;
}

int PrintHelp(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  return cli::kExitOk;
}

int PrintVersion(bool json) {
  if (!json) return PrintHelp(cli::VersionText());
  absl::StatusOr<std::string> text = util::AnswerJson(cli::Version());
  if (!text.ok()) {
    return cli::ReportError("version", true, cli::kExitInternal, text.status().message());
  }
  return PrintHelp(*text + "\n");
}

// "unknown command 'timline'; did you mean 'timeline'?"
std::string UnknownCommand(const std::string& name) {
  std::vector<std::string> names;
  for (const cli::CommandSpec& c : cli::Commands()) names.emplace_back(c.name);
  for (const cli::BuiltinCommand& b : cli::BuiltinCommands()) names.emplace_back(b.name);
  return absl::StrCat("unknown command '", name, "'", cli::DidYouMean(cli::Suggest(name, names)));
}

// The commands main answers itself (help formats, not ledger work): their
// only options are --json (version) and --man (help).
int RunBuiltin(const std::string& name, const std::vector<std::string>& rest, bool json) {
  std::vector<std::string> words;
  bool man = false;
  for (const std::string& a : rest) {
    if (a == "--json") continue;
    if (a == "--man" && name == "help") {
      man = true;
      continue;
    }
    if (absl::StartsWith(a, "-") && a != "-") {
      return TopLevelUsageError(json, absl::StrCat("unknown option '", a, "'"), "unknown_option",
                                name);
    }
    words.push_back(a);
  }
  if (name == "help") {
    if (man) return PrintHelp(cli::ManPage());
    if (words.empty()) return PrintHelp(cli::OverviewHelp());
    const cli::CommandSpec* c = cli::FindCommand(words.front());
    if (c == nullptr) {
      return TopLevelUsageError(json, UnknownCommand(words.front()), "unknown_command", name);
    }
    return PrintHelp(cli::CommandHelp(*c));
  }
  if (name == "version") {
    if (!words.empty()) {
      return TopLevelUsageError(json, "unexpected argument " + words[0], "usage", name);
    }
    return PrintVersion(json);
  }
  if (name == "man") {
    if (!words.empty()) {
      return TopLevelUsageError(json, "unexpected argument " + words[0], "usage", name);
    }
    return PrintHelp(cli::ManPage());
  }
  // completion
  if (words.size() != 1 || words[0] != "bash") {
    return TopLevelUsageError(json,
                              "usage: ledger completion bash (bash is the only shell it writes "
                              "a script for)",
                              "usage", name);
  }
  return PrintHelp(cli::BashCompletion());
}

int Dispatch(const std::vector<std::string>& args) {
  const bool json = WantsJson(args);
  // Global options before the command name.
  size_t i = 0;
  std::vector<std::string> leading;
  bool version = false;
  while (i < args.size() && absl::StartsWith(args[i], "-") && args[i] != "-") {
    if (args[i] == "--version") {
      version = true;
      ++i;
      continue;
    }
    leading.push_back(args[i]);
    // --db takes a value as the next argument unless given as --db=DIR.
    if (args[i] == "--db" && i + 1 < args.size()) leading.push_back(args[++i]);
    ++i;
  }
  absl::StatusOr<cli::ParsedArgs> globals =
      cli::ParseArgs({}, cli::GlobalOptionSpecs(), leading);
  if (!globals.ok()) {
    const std::optional<util::ErrorDetail> d = util::GetErrorDetail(globals.status());
    std::string message(globals.status().message());
    // `ledger --stat`: an option that is nearly a command's name.
    for (const std::string& a : leading) {
      if (!absl::StartsWith(a, "--") || absl::StrContains(message, "did you mean")) continue;
      if (!absl::StrContains(message, absl::StrCat("'", a, "'"))) continue;
      std::vector<std::string> names;
      for (const cli::CommandSpec& c : cli::Commands()) names.emplace_back(c.name);
      const std::vector<std::string> near = cli::Suggest(a.substr(2), names);
      if (!near.empty()) absl::StrAppend(&message, "; did you mean the command '", near[0], "'?");
    }
    return TopLevelUsageError(json, message, d ? d->reason().c_str() : "usage");
  }
  if (!globals->positionals().empty()) {
    return TopLevelUsageError(json, "unexpected argument " + globals->positionals().front());
  }
  if (version && i == args.size()) return PrintVersion(json);

  if (i == args.size()) {
    if (globals->help()) return PrintHelp(cli::OverviewHelp());
    if (json) return TopLevelUsageError(json, "no command given");
    std::fputs(cli::OverviewHelp().c_str(), stderr);
    return cli::kExitUsage;
  }
  const std::string& name = args[i];
  const std::vector<std::string> rest(args.begin() + i + 1, args.end());

  for (const cli::BuiltinCommand& b : cli::BuiltinCommands()) {
    if (name == b.name) return RunBuiltin(name, rest, json);
  }
  const cli::CommandSpec* command = cli::FindCommand(name);
  if (command == nullptr) return TopLevelUsageError(json, UnknownCommand(name), "unknown_command");
  if (version) return TopLevelUsageError(json, "--version takes no command");
  if (globals->help()) return PrintHelp(cli::CommandHelp(*command));

  cli::Invocation inv;
  inv.command = command->name;
  inv.global.json = json;
  absl::StatusOr<cli::ParsedArgs> parsed =
      cli::ParseArgs(command->options, cli::GlobalOptionSpecs(), rest);
  // --help wins over any other problem on the line, as in git.
  for (const std::string& a : rest) {
    if (a == "--") break;
    if (a == "--help" || a == "-h") return PrintHelp(cli::CommandHelp(*command));
  }
  if (!parsed.ok()) return inv.UsageError(parsed.status());
  inv.args = *std::move(parsed);
  const size_t n = inv.args.positionals().size();
  if (n > command->max_positionals) {
    return inv.UsageError("unexpected argument " + inv.args.positionals()[command->max_positionals]);
  }
  if (n < command->min_positionals) return inv.UsageError("missing argument; usage: " +
                                                          std::string(command->synopsis));

  // A global option may appear on either side of the command name, once.
  for (const char* g : {"db", "json"}) {
    if (globals->Has(g) && inv.args.Has(g)) {
      return inv.UsageError(absl::StrCat("option --", g, " given more than once"));
    }
  }
  std::optional<std::string> db = inv.args.Get("db");
  if (!db) db = globals->Get("db");
  inv.global.db = cli::ResolveDbPath(db);
  if (inv.global.db.empty()) return inv.UsageError("--db wants a directory, not an empty string");
  inv.global.json = globals->Has("json") || inv.args.Has("json");

  const int code = command->run(inv);
  if (std::fflush(stdout) != 0 && code == cli::kExitOk && errno != EPIPE &&
      !cli::StdoutClosed()) {
    return inv.Fail(cli::kExitInternal, "cannot write to standard output");
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout pipe (`ledger read | head`) is reported as EPIPE rather
  // than killing the process, so commands stop cleanly and the ledger is
  // closed properly (a read-only ledger removes its temporary directory).
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  return Dispatch(args);
}
