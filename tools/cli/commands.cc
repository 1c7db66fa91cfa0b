// The command table of `ledger` and the help text rendered from it.
#include "tools/cli/commands.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace cli {
namespace {

const std::vector<CommandSpec>& Table() {
  static const auto* const kTable = new std::vector<CommandSpec>{
      {
          "init",
          "create a new, empty ledger",
          "ledger init --origin NAME [--db DIR]",
          "Creates an empty ledger in DIR (which must not exist or be empty).\n"
          "NAME is the log's origin line, used in signed checkpoints; by\n"
          "convention a host-like name, e.g. \"ledger.example.org/enforcement\".\n"
          "Refuses (exit 4) when a ledger or other files already exist in DIR.",
          {{"origin", "NAME", "the checkpoint origin line of the new log (required)"}},
          0,
          0,
          "ledger --db ./ledger-data init --origin ledger.example.org/enforcement",
          {kExitOk, kExitUsage, kExitConflict, kExitLocked, kExitInternal},
          &RunInit,
      },
      {
          "append",
          "append NDJSON events in one atomic write",
          "ledger append [FILE|-] [--stream S [--expected-version any|none|N]]",
          "Reads events, one JSON object per line (the canonical proto3 JSON of\n"
          "enforcement.v1.Event; blank lines are skipped) from FILE or standard\n"
          "input, validates them all, and appends them in ONE atomic write: all\n"
          "are written or none. With --stream, every event must belong to stream S\n"
          "and --expected-version is checked first (any: no check; none: S must\n"
          "have no events yet; N: S's last stream_version must be N). An event\n"
          "whose event_id is already recorded with identical content is reported\n"
          "as a duplicate with its original position and not written again.\n"
          "Prints the position, stream version and duplicate flag of each event.",
          {{"stream", "S", "append to stream S only (one Ledger::Append)"},
           {"expected-version", "V",
            "with --stream: any (default), none (no events yet) or the exact last version N"}},
          0,
          1,
          "echo '{\"eventId\":\"e1\",\"stream\":\"operation/muse-2023\",...}' |\n"
          "    ledger append --stream operation/muse-2023 --expected-version none",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunAppend,
      },
      {
          "import",
          "bulk-load an NDJSON file in atomic batches",
          "ledger import FILE|- [--batch N] [--dry-run] [--bulk]",
          "Streams FILE (or standard input) line by line in constant memory. Each\n"
          "line is parsed (canonical proto3 JSON of enforcement.v1.Event; unknown\n"
          "fields refused; blank lines skipped) and validated at once, so an error\n"
          "names FILE:LINE, the field path and the rule. Lines are grouped into\n"
          "batches of N events; each batch is appended atomically. A batch also\n"
          "ends early when its events reach 64 MiB.\n"
          "On the first error import stops and says exactly what was committed:\n"
          "earlier batches stay written, nothing of the failing batch is. Events\n"
          "already recorded (same event_id, same content) count as duplicates, so\n"
          "re-importing a file appends nothing and fixing a bad line and\n"
          "re-running resumes where it stopped.\n"
          "--dry-run parses and validates everything and writes nothing (no ledger\n"
          "needed; checks needing the ledger's state, like a correction's target,\n"
          "are not made). --bulk skips the per-batch fsync and syncs once at the\n"
          "end: faster, but a crash may lose whole trailing batches (never part\n"
          "of one). Progress is shown on stderr when it is a terminal.",
          {{"batch", "N", "events per atomic batch (default 1000)"},
           {"dry-run", nullptr, "parse and validate only; write nothing"},
           {"bulk", nullptr, "bulk durability: fsync once at the end instead of per batch"}},
          1,
          1,
          "ledger import data/events.ndjson --batch 5000\n"
          "ledger import - --dry-run < feed.ndjson",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunImport,
      },
      {
          "read",
          "print records by position or by stream",
          "ledger read [--from N] [--to M] [--limit K]\n"
          "       ledger read --stream S [--from-version V] [--limit K]",
          "Prints records in positions [N, M) (default: all), or the events of\n"
          "stream S from version V on. The table shows position, recorded_at,\n"
          "stream, stream version, event_id, body kind and when it occurred, at\n"
          "its precision. With --json, one LedgerRecord per line in canonical\n"
          "proto3 JSON (NDJSON). Opens the ledger read-only: works while a writer\n"
          "runs, and shows the records committed when it started.",
          {{"from", "N", "first position (default 0)"},
           {"to", "M", "end position, exclusive (default: the tree size)"},
           {"limit", "K", "print at most K records"},
           {"stream", "S", "read the events of stream S instead of a position range"},
           {"from-version", "V", "with --stream: first stream version (default 0)"}},
          0,
          0,
          "ledger read --from 100 --limit 10\n"
          "ledger read --stream suspect/cn-0042 --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunRead,
      },
      {
          "head",
          "print the tree size, Merkle root and origin",
          "ledger head",
          "Prints the number of records (the Merkle tree size), the RFC 6962\n"
          "root hash in hex and base64, the origin line and the recorded_at of\n"
          "the last record. Opens the ledger read-only.",
          {},
          0,
          0,
          "ledger head --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunHead,
      },
      {
          "export",
          "write records as length-delimited protobuf or NDJSON",
          "ledger export --format delimited|ndjson [--out FILE|-] [--from N] [--to M]",
          "Writes records in positions [N, M) (default: all). delimited: for each\n"
          "record a base-128 varint length and the exact stored LedgerRecord\n"
          "bytes, the ones the Merkle leaves hash (protobuf's delimited format;\n"
          "never re-serialized). ndjson: one LedgerRecord per line in canonical\n"
          "proto3 JSON. An export from position 0 plus a checkpoint is a complete,\n"
          "verifiable audit copy. --out FILE is written atomically (a temporary\n"
          "file renamed into place); without it, or with -, to standard output\n"
          "(binary output to a terminal is refused). Opens the ledger read-only.",
          {{"format", "F", "delimited or ndjson (required)"},
           {"out", "FILE", "write to FILE atomically; - for standard output (default)"},
           {"from", "N", "first position (default 0)"},
           {"to", "M", "end position, exclusive (default: the tree size)"}},
          0,
          0,
          "ledger export --format delimited --out audit-copy.bin\n"
          "ledger export --format ndjson --from 1000 | jq .event.stream",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunExport,
      },
      {
          "verify",
          "recompute hashes and indexes from the stored bytes",
          "ledger verify",
          "Recomputes every leaf hash from the stored record bytes, the Merkle\n"
          "root and stored subtree hashes, the stream index and the event-id\n"
          "index. Prints what was checked and the root; on a difference, the\n"
          "first bad position and what differs, and exits 1. Opens the ledger\n"
          "read-only; progress on stderr when it is a terminal.",
          {},
          0,
          0,
          "ledger verify && echo intact",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitNotFound, kExitInternal},
          &RunVerify,
      },
  };
  return *kTable;
}

std::string OptionLabel(const OptionSpec& o) {
  return o.value_name == nullptr ? absl::StrCat("--", o.name)
                                 : absl::StrCat("--", o.name, " ", o.value_name);
}

constexpr size_t kHelpWidth = 79;

// Appends `label` padded to `indent` columns, then `text` word-wrapped to
// kHelpWidth with continuation lines indented by `indent`.
void AppendHanging(std::string* out, const std::string& label, size_t indent,
                   absl::string_view text) {
  std::string line = label;
  line.append(indent > line.size() ? indent - line.size() : 1, ' ');
  size_t used = line.size();
  bool first_word = true;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!first_word && used + 1 + word.size() > kHelpWidth) {
      absl::StrAppend(out, line, "\n");
      line = std::string(indent, ' ');
      used = indent;
      first_word = true;
    }
    if (!first_word) {
      line.push_back(' ');
      ++used;
    }
    absl::StrAppend(&line, word);
    used += word.size();
    first_word = false;
  }
  absl::StrAppend(out, line, "\n");
}

void AppendOptions(std::string* out, const std::vector<const OptionSpec*>& options) {
  size_t width = 0;
  for (const OptionSpec* o : options) width = std::max(width, OptionLabel(*o).size());
  for (const OptionSpec* o : options) {
    AppendHanging(out, absl::StrCat("  ", OptionLabel(*o)), width + 4, o->help);
  }
}

void AppendExitCodes(std::string* out, const std::vector<int>& codes) {
  for (int code : codes) {
    AppendHanging(out, absl::StrFormat("  %2d", code), 6, ExitCodeMeaning(code));
  }
}

void AppendIndented(std::string* out, absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) absl::StrAppend(out, "  ", line, "\n");
}

}  // namespace

absl::Span<const CommandSpec> Commands() { return Table(); }

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& c : Table()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string OverviewHelp() {
  std::string out =
      "ledger: an append-only, tamper-evident ledger of enforcement events.\n"
      "\n"
      "Usage: ledger [--db DIR] [--json] COMMAND [ARGS...]\n"
      "       ledger help COMMAND      (or: ledger COMMAND --help)\n"
      "\n"
      "Global options (before or after COMMAND):\n";
  std::vector<const OptionSpec*> globals;
  for (const OptionSpec& o : GlobalOptionSpecs()) globals.push_back(&o);
  AppendOptions(&out, globals);
  out += "\nCommands:\n";
  size_t width = 0;
  for (const CommandSpec& c : Table()) width = std::max(width, std::string(c.name).size());
  for (const CommandSpec& c : Table()) {
    absl::StrAppendFormat(&out, "  %-*s  %s\n", static_cast<int>(width), c.name, c.summary);
  }
  out +=
      "\nOutput: tables for people by default; --json for programs. Errors go to\n"
      "stderr as \"ledger: COMMAND: message\". Progress of long work (import,\n"
      "export, verify) goes to stderr, only when it is a terminal.\n"
      "\nExit status:\n";
  std::vector<int> all;
  for (const ExitCodeInfo& e : ExitCodeTable()) all.push_back(e.code);
  AppendExitCodes(&out, all);
  out +=
      "\nExample:\n"
      "  ledger --db ./ledger-data init --origin ledger.example.org/enforcement\n"
      "  ledger --db ./ledger-data import data/events.ndjson\n"
      "  ledger --db ./ledger-data verify\n";
  return out;
}

std::string CommandHelp(const CommandSpec& c) {
  std::string out = absl::StrCat("ledger ", c.name, ": ", c.summary, "\n\nUsage: ", c.synopsis,
                                 "\n\n");
  absl::StrAppend(&out, c.description, "\n\nOptions:\n");
  std::vector<const OptionSpec*> options;
  for (const OptionSpec& o : c.options) options.push_back(&o);
  for (const OptionSpec& o : GlobalOptionSpecs()) options.push_back(&o);
  AppendOptions(&out, options);
  out += "\nExample:\n";
  AppendIndented(&out, c.example);
  out += "\nExit status:\n";
  AppendExitCodes(&out, c.exit_codes);
  return out;
}

}  // namespace cli
