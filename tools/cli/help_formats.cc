#include "tools/cli/help_formats.h"

#include <set>
#include <string>
#include <vector>

#include "absl/base/config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/stubs/common.h"
#include "ledger/key_coding.h"
#include "projections/store_coding.h"
#include "rocksdb/version.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "tools/cli/flags.h"
#include "tools/cli/ledger_version.h"

namespace cli {
namespace {

constexpr BuiltinCommand kBuiltins[] = {
    {"help", "ledger help [COMMAND] [--man]",
     "show the help of ledger or of one command (--man: the man page)"},
    {"version", "ledger version [--json]  (or: ledger --version)",
     "print the version, the formats it reads and writes, and its libraries"},
    {"completion", "ledger completion bash",
     "print a bash completion script: source <(ledger completion bash)"},
    {"man", "ledger man", "print the man page ledger(1) in roff: ledger man | man -l -"},
};

uint32_t FormatNumber(absl::string_view text) {
  uint32_t n = 0;
  for (char c : text) n = n * 10 + static_cast<uint32_t>(c - '0');
  return n;
}

// The subcommands of `c` as its synopsis shows them: the lower-case word
// after "ledger NAME" on each line ("list", "show", "inclusion", ...).
std::vector<std::string> Subcommands(const CommandSpec& c) {
  std::vector<std::string> subs;
  for (absl::string_view line : absl::StrSplit(c.synopsis, '\n')) {
    std::vector<absl::string_view> words =
        absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    if (words.size() < 3 || words[0] != "ledger" || words[1] != c.name) continue;
    const absl::string_view w = words[2];
    bool word = !w.empty() && absl::ascii_islower(static_cast<unsigned char>(w[0]));
    for (char ch : w) word = word && (absl::ascii_islower(static_cast<unsigned char>(ch)) || ch == '-');
    if (word && std::find(subs.begin(), subs.end(), std::string(w)) == subs.end()) {
      subs.emplace_back(w);
    }
  }
  return subs;
}

std::vector<std::string> AllCommandNames() {
  std::vector<std::string> names;
  for (const CommandSpec& c : Commands()) names.emplace_back(c.name);
  for (const BuiltinCommand& b : kBuiltins) names.emplace_back(b.name);
  return names;
}

// Text for roff: backslashes and hyphens escaped; a line starting with a
// control character ('.' or ''') made literal.
std::string Roff(absl::string_view text) {
  std::string escaped = absl::StrReplaceAll(text, {{"\\", "\\e"}, {"-", "\\-"}});
  std::string out;
  for (absl::string_view line : absl::StrSplit(escaped, '\n')) {
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) out += "\\&";
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

void ManOption(std::string* out, const OptionSpec& o) {
  std::string label = absl::StrCat("--", o.name);
  if (o.value_name != nullptr) absl::StrAppend(&label, " ", o.value_name);
  absl::StrAppend(out, ".TP\n.B ", Roff(label), Roff(o.help));
}

}  // namespace

absl::Span<const BuiltinCommand> BuiltinCommands() { return kBuiltins; }

enforcement::api::v1::VersionAnswer Version() {
  enforcement::api::v1::VersionAnswer v;
  v.set_version(LEDGER_VERSION);
  v.add_record_formats(FormatNumber(ledger::kFormatVersion1));
  v.add_record_formats(FormatNumber(ledger::kFormatVersion2));
  v.set_default_record_format(2);  // `ledger init`'s default (commands_write.cc)
  v.set_views_format(FormatNumber(projections::internal::kViewsFormatVersion));
  v.set_rocksdb(rocksdb::GetRocksVersionAsString(true));
  v.set_protobuf(google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
#ifdef ABSL_LTS_RELEASE_VERSION
  v.set_abseil(absl::StrCat(ABSL_LTS_RELEASE_VERSION));
#else
  v.set_abseil("head");
#endif
  return v;
}

std::string VersionText() {
  const enforcement::api::v1::VersionAnswer v = Version();
  return absl::StrCat("ledger ", v.version(), "\n",
                      "record formats: ", absl::StrJoin(v.record_formats(), ", "),
                      " (read and written; init creates ", v.default_record_format(), ")\n",
                      "views format:   ", v.views_format(), "\n",
                      "libraries:      RocksDB ", v.rocksdb(), ", protobuf ", v.protobuf(),
                      ", Abseil ", v.abseil(), "\n");
}

std::string BashCompletion() {
  std::vector<std::string> globals, valued;
  for (const OptionSpec& o : GlobalOptionSpecs()) {
    globals.push_back(absl::StrCat("--", o.name));
    if (o.value_name != nullptr) valued.push_back(absl::StrCat("--", o.name));
  }
  std::string cases;
  for (const CommandSpec& c : Commands()) {
    std::vector<std::string> opts;
    for (const OptionSpec& o : c.options) {
      opts.push_back(absl::StrCat("--", o.name));
      if (o.value_name != nullptr) valued.push_back(absl::StrCat("--", o.name));
    }
    absl::StrAppend(&cases, "    ", c.name, ") opts=\"", absl::StrJoin(opts, " "), "\"; subs=\"",
                    absl::StrJoin(Subcommands(c), " "), "\" ;;\n");
  }
  std::vector<std::string> commands;
  for (const CommandSpec& c : Commands()) commands.emplace_back(c.name);
  absl::StrAppend(&cases, "    help) opts=\"--man\"; subs=\"", absl::StrJoin(commands, " "),
                  "\" ;;\n", "    completion) opts=\"\"; subs=\"bash\" ;;\n");
  const std::set<std::string> valued_set(valued.begin(), valued.end());
  std::string script = absl::StrCat(
      "# bash completion for ledger(1), generated by `ledger completion bash` from\n"
      "# the command table (ledger ", LEDGER_VERSION,
      "). Use: source <(ledger completion bash)\n"
      "_ledger() {\n"
      "  local cur prev cmd=\"\" sub=\"\" i opts=\"\" subs=\"\"\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  local commands=\"", absl::StrJoin(AllCommandNames(), " "), "\"\n"
      "  local globals=\"", absl::StrJoin(globals, " "), " --version\"\n"
      "  local valued=\" ", absl::StrJoin(valued_set, " "), " \"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case \"${COMP_WORDS[i]}\" in\n"
      "      --*=*) ;;\n"
      "      -*) [[ \"$valued\" == *\" ${COMP_WORDS[i]} \"* ]] && ((i++)) ;;\n"
      "      *) if [[ -z \"$cmd\" ]]; then cmd=\"${COMP_WORDS[i]}\";\n"
      "         elif [[ -z \"$sub\" ]]; then sub=\"${COMP_WORDS[i]}\"; fi ;;\n"
      "    esac\n"
      "  done\n"
      "  if [[ \"$prev\" == --db ]]; then\n"
      "    COMPREPLY=($(compgen -d -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  if [[ \"$valued\" == *\" $prev \"* ]]; then\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  if [[ -z \"$cmd\" ]]; then\n"
      "    if [[ \"$cur\" == -* ]]; then\n"
      "      COMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
      "    else\n"
      "      COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
      "    fi\n"
      "    return\n"
      "  fi\n"
      "  case \"$cmd\" in\n",
      cases,
      "    *) ;;\n"
      "  esac\n"
      "  if [[ \"$cur\" == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$opts ", absl::StrJoin(globals, " "), "\" -- \"$cur\"))\n"
      "  elif [[ -n \"$subs\" && -z \"$sub\" ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
      "  else\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "  fi\n"
      "}\n"
      "complete -F _ledger ledger\n");
  return script;
}

std::string ManPage() {
  std::string out = absl::StrCat(
      ".\\\" ledger(1), generated by `ledger man` from the command table; do not edit.\n"
      ".TH LEDGER 1 \"\" \"ledger ", LEDGER_VERSION, "\" \"User Commands\"\n"
      ".SH NAME\n"
      "ledger \\- an append\\-only, tamper\\-evident ledger of enforcement events\n"
      ".SH SYNOPSIS\n"
      ".B ledger\n"
      "[\\-\\-db DIR] [\\-\\-json] COMMAND [ARGS...]\n"
      ".br\n"
      ".B ledger help\n"
      "COMMAND\n"
      ".SH DESCRIPTION\n"
      "An event\\-sourced, append\\-only log of enforcement events (raids, arrests,\n"
      "handovers, sentencings) with a Merkle tree (RFC 6962), signed checkpoints,\n"
      "queryable views and importers. Results go to standard output (tables,\n"
      "or with \\-\\-json one JSON answer); errors go to standard error as\n"
      "\"ledger: COMMAND: message\", or with \\-\\-json as one JSON object.\n"
      "Progress of long work goes to standard error when it is a terminal.\n"
      ".SH GLOBAL OPTIONS\n"
      "Accepted before or after COMMAND.\n");
  for (const OptionSpec& o : GlobalOptionSpecs()) ManOption(&out, o);
  out += ".TP\n.B \\-\\-version\nprint the version (as `ledger version`)\n";
  out += ".SH COMMANDS\n";
  for (const CommandSpec& c : Commands()) {
    absl::StrAppend(&out, ".SS ", Roff(c.name), Roff(c.summary), ".PP\n.nf\n", Roff(c.synopsis),
                    ".fi\n.PP\n", Roff(c.description));
    if (!c.options.empty()) {
      out += ".PP\nOptions:\n.RS\n";
      for (const OptionSpec& o : c.options) ManOption(&out, o);
      out += ".RE\n";
    }
    absl::StrAppend(&out, ".PP\nExample:\n.PP\n.RS\n.nf\n", Roff(c.example), ".fi\n.RE\n");
    std::vector<std::string> codes;
    for (int code : c.exit_codes) codes.push_back(absl::StrCat(code));
    absl::StrAppend(&out, ".PP\nExit status: ", absl::StrJoin(codes, ", "), ".\n");
  }
  out += ".SH OTHER COMMANDS\n";
  for (const BuiltinCommand& b : kBuiltins) {
    absl::StrAppend(&out, ".TP\n.B ", Roff(b.synopsis), Roff(b.summary));
  }
  out += ".SH EXIT STATUS\n";
  for (const ExitCodeInfo& e : ExitCodeTable()) {
    absl::StrAppend(&out, ".TP\n.B ", e.code, "\n", Roff(e.meaning));
  }
  out +=
      ".SH ENVIRONMENT\n"
      ".TP\n.B LEDGER_DB\n"
      "the ledger directory when \\-\\-db is not given (default: ./ledger\\-data)\n"
      ".SH SEE ALSO\n"
      "The documents in docs/ of the source tree: JSON.md (the \\-\\-json answers),\n"
      "FORMAT.md, PERSONAL_DATA.md, BACKUP.md, FILES.md, IMPORT.md.\n";
  return out;
}

}  // namespace cli
