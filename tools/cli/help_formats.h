// The front door's other renderings of the command table (commands.cc):
// `ledger --version`, the bash completion script (`ledger completion
// bash`) and the man page (`ledger man`, `ledger help --man`; build/ledger.1).
// Generated from the same table as `ledger --help`, so they cannot drift
// from what the parser accepts.
//
// Pure functions of the table; thread-safe.
#ifndef ENFORCEMENT_TOOLS_CLI_HELP_FORMATS_H_
#define ENFORCEMENT_TOOLS_CLI_HELP_FORMATS_H_

#include <string>

#include "absl/types/span.h"
#include "enforcement/api/v1/version.pb.h"

namespace cli {

// A command main.cc answers itself, outside the command table: help,
// version, completion, man. Listed in `ledger --help`, the completion
// script and the man page; "did you mean" knows them too.
struct BuiltinCommand {
  const char* name;
  const char* synopsis;
  const char* summary;
};
absl::Span<const BuiltinCommand> BuiltinCommands();

// This program's version, the formats it reads and writes and the
// libraries it runs on.
enforcement::api::v1::VersionAnswer Version();
// The text form of Version(): a few "label: value" lines.
std::string VersionText();

// A bash completion script (`source <(ledger completion bash)`): commands,
// their subcommands (the words after the command name in its synopsis,
// e.g. `suspects list|show`), each command's options and the global ones;
// directories after --db, file names after other options with a value.
std::string BashCompletion();

// The man page ledger(1) in roff (man(7) macros).
std::string ManPage();

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_HELP_FORMATS_H_
