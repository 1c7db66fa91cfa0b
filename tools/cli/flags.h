// The command-line parsing of the `ledger` CLI: each subcommand declares its
// options in a table (OptionSpec), and ParseArgs checks an argument list
// against the command's table plus the global one. The parsing is CLI11's
// (libcli11-dev): ParseArgs builds a CLI::App from the tables for each call.
// Why per-command tables and not absl flags: see tools/cli/main.cc.
//
// Accepted forms: `--name value`, `--name=value`, boolean `--name`, `-` (a
// positional meaning stdin/stdout), `--` (everything after is positional),
// `-h` / `--help` anywhere. An option given twice, an unknown option, a
// missing value or a value given to a boolean flag is a usage error. An
// unknown option's error names the closest options ("did you mean
// '--limit'?"; for `-l`, the long options starting with 'l') and carries an
// ErrorDetail with reason "unknown_option".
//
// Thread-compatible; no global state.
#ifndef ENFORCEMENT_TOOLS_CLI_FLAGS_H_
#define ENFORCEMENT_TOOLS_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace cli {

// One option of a command. Points at string literals (static storage).
struct OptionSpec {
  const char* name;        // without the leading "--", e.g. "from"
  const char* value_name;  // e.g. "N"; nullptr for a boolean flag
  const char* help;        // one line; mention the default
};

// The result of parsing: option values by name and the positionals.
class ParsedArgs {
 public:
  bool help() const { return help_; }
  bool Has(absl::string_view name) const;
  // The value of an option given on the command line, or nullopt.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;
  // A non-negative decimal integer option. nullopt when absent;
  // kInvalidArgument (a usage error) naming the option when malformed.
  absl::StatusOr<std::optional<uint64_t>> GetUint(absl::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  friend absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const OptionSpec>,
                                              absl::Span<const OptionSpec>,
                                              absl::Span<const std::string>);
  bool help_ = false;
  std::map<std::string, std::string, std::less<>> values_;  // flags map to ""
  std::vector<std::string> positionals_;
};

// Parses `args` against the union of `options` and `globals`. Errors are
// kInvalidArgument with a message naming the offending argument; the caller
// reports them as usage errors (exit 2).
absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const OptionSpec> options,
                                     absl::Span<const OptionSpec> globals,
                                     absl::Span<const std::string> args);

// Parses a non-negative decimal integer (digits only).
std::optional<uint64_t> ParseUint(absl::string_view text);

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_FLAGS_H_
