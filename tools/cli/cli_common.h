// Shared pieces of the `ledger` CLI: the command table types, exit codes and
// how ledger statuses map to them, --db resolution, opening the ledger,
// output helpers (aligned tables, small JSON objects, time and hash
// formatting) and a progress meter for long work.
//
// Conventions every command follows:
//  - results go to stdout (a table, or with --json JSON), nothing else does;
//  - errors go to stderr as "ledger: <command>: <message>", or with --json
//    as one enforcement.api.v1.ErrorAnswer object (ReportError);
//  - progress goes to stderr, and only when stderr is a terminal;
//  - the exit status is one of ExitCode, documented in `ledger --help`.
//
// Single-threaded use only (the CLI is single-threaded).
#ifndef ENFORCEMENT_TOOLS_CLI_CLI_COMMON_H_
#define ENFORCEMENT_TOOLS_CLI_CLI_COMMON_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "tools/cli/flags.h"
#include "util/error_detail.h"

namespace cli {

// ---------------------------------------------------------------------------
// Exit codes. Stable: scripts depend on them. Keep ExitCodeTable() in sync.
enum ExitCode : int {
  kExitOk = 0,
  kExitVerifyFailed = 1,  // verify found a difference
  kExitUsage = 2,         // bad command line
  kExitInvalidInput = 3,  // parse or validation failure; nothing of the failing batch written
  kExitConflict = 4,      // expected-version mismatch; same event_id, different content; init on an existing ledger
  kExitNotFound = 5,      // no ledger at --db; unknown stream or position
  kExitLocked = 6,        // another process holds the ledger for writing
  kExitInternal = 10,     // I/O error, data loss, internal error
};

struct ExitCodeInfo {
  int code;
  const char* meaning;
};
// All exit codes with their meaning, in increasing order.
absl::Span<const ExitCodeInfo> ExitCodeTable();
const char* ExitCodeMeaning(int code);

// The exit code's name in --json errors: "USAGE", "NOT_FOUND", ... (the
// CliError.code of proto/enforcement/api/v1/error.proto).
const char* ExitCodeName(int code);

// Reports a failure on stderr, the one way every error of the CLI is
// reported, and returns `code`. Text: "ledger: <command>: <message>" (one
// line per line of `message`, through DisplayText; "ledger: <message>" when
// `command` is empty). With `json`: one line holding an
// enforcement.api.v1.ErrorAnswer (docs/JSON.md), with the status's code and
// the detail (`detail`, else the status's ErrorDetail payload) when given.
// Flushes stdout first, so an answer printed before stays before it.
int ReportError(absl::string_view command, bool json, int code, absl::string_view message,
                const absl::Status* status = nullptr, const util::ErrorDetail* detail = nullptr);

// The one mapping from a status to an exit code (see the table in `ledger
// --help`): by the code, and by its util::ErrorDetail where one says the
// error concerns an input event. kUnavailable is lock contention.
int ExitCodeFor(const absl::Status& status);

// Deprecated: where a status came from. The mapping no longer depends on it
// (the ErrorDetail says what the code alone cannot); kept while the
// commands move to the overloads without it.
enum class StatusContext { kOpen, kAppend, kRead };
int ExitCodeFor(const absl::Status& status, StatusContext context);

// ---------------------------------------------------------------------------
// The command table.

struct GlobalOptions {
  std::string db;     // resolved: --db, else $LEDGER_DB, else ./ledger-data
  bool json = false;  // --json
};

// One run of one command.
struct Invocation {
  std::string command;  // e.g. "import"
  GlobalOptions global;
  ParsedArgs args;

  // Prints "ledger: <command>: <message>" (one or more lines, each through
  // DisplayText) to stderr, or with --json one ErrorAnswer line
  // (ReportError), and returns `code`, so commands can `return inv.Fail(...)`.
  int Fail(int code, absl::string_view message) const;
  // Same, for a failure caused by `cause`: --json adds its status code and
  // ErrorDetail (the exit code and the message stay the caller's).
  int Fail(int code, absl::string_view message, const absl::Status& cause) const;
  // Same, with the exit code chosen by ExitCodeFor(status, context) and the
  // status message (prefixed by `what: ` when `what` is not empty).
  int Fail(const absl::Status& status, StatusContext context, absl::string_view what = "") const;
  // A usage error (exit 2), with a hint to run `ledger help <command>`
  // (text mode). Its --json reason is the status's detail's reason (e.g.
  // "unknown_option" from ParseArgs), else "usage".
  int UsageError(absl::string_view message) const;
  int UsageError(const absl::Status& status) const;
};

using CommandFn = int (*)(const Invocation&);

// A subcommand: adding one is a function and a row in commands.cc.
// All strings are literals (static storage).
struct CommandSpec {
  const char* name;
  const char* summary;       // one line, for `ledger --help`
  const char* synopsis;      // e.g. "ledger import FILE|- [--batch N] [--dry-run]"
  const char* description;   // paragraphs, lines of at most ~78 columns
  std::vector<OptionSpec> options;  // the command's own options (globals are added)
  size_t min_positionals;
  size_t max_positionals;
  const char* example;       // one or more example lines
  std::vector<int> exit_codes;  // what this command can return
  CommandFn run;
};

// Options every command accepts, before or after the command name.
absl::Span<const OptionSpec> GlobalOptionSpecs();

// --db resolution: the flag if given, else $LEDGER_DB when non-empty, else
// ./ledger-data.
std::string ResolveDbPath(const std::optional<std::string>& flag);

// ---------------------------------------------------------------------------
// Opening the ledger. The returned status keeps the ledger's code and has a
// message that tells the user what to do (e.g. run `ledger init`); report it
// with inv.Fail(status, StatusContext::kOpen).

enum class OpenMode { kRead, kWrite, kWriteBulk };
absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenLedger(const GlobalOptions& global,
                                                           OpenMode mode);

// ---------------------------------------------------------------------------
// Answers.

// Prints `answer` (a message of proto/enforcement/api/v1) as one line of JSON
// in the answer style (util::AnswerJson, docs/JSON.md). Returns kExitOk, or
// the exit code of a failure to print it (already reported).
int WriteAnswer(const Invocation& inv, const google::protobuf::Message& answer);

// ---------------------------------------------------------------------------
// Output.

// `text` for a terminal: every character that does not print (control
// characters, C1 and bidirectional controls, bytes that are not UTF-8)
// escaped (ledger::EscapeText). Text from the log and from the command line
// goes through it before it is printed: TablePrinter, PrintKeyValues and
// Invocation::Fail apply it themselves.
std::string DisplayText(absl::string_view text);

// ---------------------------------------------------------------------------
// Answer formats (docs/OUTPUT.md). The query commands take --format
// table|json|csv|tsv (--json is --format json) and --out FILE; while such a
// command runs, its answer goes to one place in one format, and the row
// writers below (TablePrinter, PrintKeyValues, Prose, WriteAnswer) write
// there: no command formats csv or tsv itself.
enum class OutputFormat { kTable, kJson, kCsv, kTsv };

// The options --format FMT and --out FILE, which commands.cc adds to every
// query command.
absl::Span<const OptionSpec> AnswerOutputOptionSpecs();

// The answer's format and stream while a command runs under
// RunWithAnswerOutput: stdout, or the temporary file of --out. Otherwise
// table and stdout.
OutputFormat AnswerFormat();
FILE* AnswerStream();
// Whether the answer is JSON: --json, or --format json.
bool AnswerIsJson(const Invocation& inv);

// Runs `run` with the answer format and stream of inv's --format and --out:
// a format that is not table, json, csv or tsv, or --json beside another
// --format, is a usage error (exit 2). With --out FILE the answer is written
// under the output-file policy (util/output_file.h, docs/FILES.md: a device
// node, a directory, a file inside a ledger... is refused, exit 2) and put
// in place only when `run` returns kExitOk; stdout stays empty.
int RunWithAnswerOutput(const Invocation& inv, CommandFn run);

// Text for people around the tables of an answer (a blank line, a caption):
// written to the answer stream in table format only; csv and tsv answers
// are rows only, json answers are one object.
void Prose(absl::string_view text);

// A cell a spreadsheet will not run as a formula (OWASP "CSV injection"):
// text starting with =, +, -, @, tab or CR gets a leading apostrophe, except
// "-" (no value) and a negative figure ("-1,234.5"). Applied to csv and tsv.
std::string SpreadsheetSafe(absl::string_view cell);
// One field of CSV (RFC 4180): quoted, with its quotes doubled, when it holds
// a comma, a quote, CR or LF; else as it is.
std::string CsvField(absl::string_view cell);
// One field of TSV: backslash, tab, LF and CR written as \\, \t, \n, \r.
std::string TsvField(absl::string_view cell);

// Writes rows with a header row in the answer format (or as a table to
// `out` when one is given):
//  - table: aligned, space-separated columns measured in display columns
//    (util::DisplayWidth: CJK is two columns, combining marks none, in any
//    locale); cells printed through DisplayText, and a cell with
//    right-to-left text wrapped in U+2068 FSI ... U+2069 PDI (outside the
//    escapes) so that it cannot reorder the row. Buffers the first
//    `buffered_rows` rows to size the columns, then streams the rest with
//    those widths (constant memory for long listings). The last column is
//    never padded.
//  - csv (RFC 4180, CRLF line ends) and tsv: the cells as they are, each row
//    as it comes. A second table or key/value block of the same answer
//    follows an empty line.
class TablePrinter {
 public:
  explicit TablePrinter(std::vector<std::string> headers, FILE* out = nullptr,
                        size_t buffered_rows = 1000);
  ~TablePrinter();  // calls Finish()
  void AddRow(std::vector<std::string> row);
  void Finish();

 private:
  void Flush();
  void Print(const std::vector<std::string>& row);
  std::vector<std::string> headers_;
  FILE* out_;
  OutputFormat format_;
  size_t buffered_rows_;
  std::vector<std::vector<std::string>> pending_;
  std::vector<size_t> widths_;
  bool streaming_ = false;
  bool finished_ = false;
};

// A cell as a table prints it: DisplayText, then FSI ... PDI around
// right-to-left text.
std::string TableCell(absl::string_view text);

// Prints "label:  value" lines with the values aligned, values through
// TableCell; in csv and tsv, rows of two columns (field, value) under a
// header row "field,value".
void PrintKeyValues(const std::vector<std::pair<std::string, std::string>>& rows,
                    FILE* out = nullptr);

// Reports an output file that could not be created or written: a refusal by
// the output-file policy (docs/FILES.md) or a missing directory is the
// caller's mistake (exit 2); anything else is an I/O error (exit 10).
int OutputError(const Invocation& inv, const absl::Status& s);

// Writes `data` to stdout; false on a write error (e.g. a closed pipe).
bool WriteStdout(absl::string_view data);
// Writes `data` to `out`, remembering a closed pipe on stdout (EPIPE).
bool WriteTo(FILE* out, absl::string_view data);
// True once a write to stdout failed because its reader went away (EPIPE;
// main() ignores SIGPIPE so that commands can stop cleanly, e.g. in
// `ledger read | head`).
bool StdoutClosed();

// RFC 3339 in UTC with as many fractional digits as needed, e.g.
// "2024-02-11T00:00:00Z"; "-" for absl::InfinitePast().
std::string FormatRfc3339(absl::Time t);
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);
absl::Time ToAbslTime(const google::protobuf::Timestamp& ts);
// A date at its precision: "2024-02-11T10:30:00Z (exact)", "2024-02-11 (day)",
// "2024-02 (month)", "2024 (year)"; "(unspecified)" marks a missing precision.
std::string FormatOccurred(const google::protobuf::Timestamp& ts,
                           enforcement::v1::Precision precision);
// The name of the event's body field ("raid", "handover", ...), or "(none)".
std::string BodyKind(const enforcement::v1::Event& event);

// The index of the input event an Append error concerns (ledger.h
// kFailedIndexPayload), if the ledger said.
std::optional<size_t> FailedIndex(const absl::Status& status);
// The message of an Append error about input event `index`, without the
// ledger's "event <index> " prefix: the CLI names the file line instead.
std::string EventMessage(const absl::Status& status, size_t index);
// "1,234,567".
std::string WithThousands(uint64_t n);

// ---------------------------------------------------------------------------
// Progress on stderr, only when stderr is a terminal. Redraws at most a few
// times a second: "import: 120,000 rows  45,000 rows/s  37%  ETA 0:01:12"
// (the percentage and the ETA when the fraction done is known).
class ProgressMeter {
 public:
  // `unit` is the plural noun counted, e.g. "lines", "records".
  ProgressMeter(std::string label, std::string unit);
  ~ProgressMeter();  // calls Finish()
  bool enabled() const { return enabled_; }
  // `count` items done; `fraction` in [0,1] or negative when unknown.
  void Update(uint64_t count, double fraction);
  // A stage of the work that counts no items (e.g. "merging"), `fraction`
  // of it done. Thread-compatible with Update: one call at a time.
  void Stage(const std::string& stage, double fraction);
  // Erases the meter line.
  void Finish();

 private:
  // Whether to draw now: at most every 200 ms (`last` draws anyway), and not
  // in the first 300 ms.
  bool Due(bool last);
  void Draw(uint64_t count, double fraction);
  std::string label_, unit_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_CLI_COMMON_H_
