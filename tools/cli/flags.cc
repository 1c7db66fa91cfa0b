#include "tools/cli/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <limits>
#include <list>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/suggest.h"
#include "util/error_detail.h"

namespace cli {
namespace {

const OptionSpec *Find(absl::Span<const OptionSpec> specs, absl::string_view name) {
  for (const OptionSpec &s : specs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// CLI11 accepts `--flag=value` for a boolean flag (as an override) and
// refuses `--option=` (an empty value); our contract is the other way round
// on both, so those two forms are settled before CLI11 sees the line.
absl::Status CheckInlineValues(absl::Span<const OptionSpec> options,
                               absl::Span<const OptionSpec> globals,
                               absl::Span<const std::string> args) {
  for (const std::string &a : args) {
    if (a == "--") break;
    if (!absl::StartsWith(a, "--")) continue;
    const size_t eq = a.find('=');
    if (eq == std::string::npos) continue;
    const absl::string_view name = absl::string_view(a).substr(2, eq - 2);
    const OptionSpec *spec = Find(options, name);
    if (spec == nullptr) spec = Find(globals, name);
    if (spec != nullptr && spec->value_name == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("option --", name, " takes no value"));
    }
  }
  return absl::OkStatus();
}

// CLI11's message for a usage error, in this CLI's words where CLI11's are
// about its own machinery ("At Most 1 required but received 2").
std::string UsageMessage(const CLI::ParseError &e) {
  std::string msg = e.what();
  const size_t colon = msg.find(": ");
  const std::string option = colon == std::string::npos ? "" : msg.substr(0, colon);
  if (absl::StrContains(msg, "At Most 1 required but received")) {
    return absl::StrCat("option ", option, " given more than once");
  }
  if (absl::StrContains(msg, "required") && absl::StrContains(msg, "missing")) {
    return absl::StrCat("option ", option, " needs a value");
  }
  return msg;
}

// The error for an option neither table knows, with what was probably
// meant: the closest names for `--stat`; for a short option (`-l`; every
// option is long), the long options starting with its letter.
absl::Status UnknownOption(absl::Span<const OptionSpec> options,
                           absl::Span<const OptionSpec> globals, absl::string_view arg) {
  std::vector<std::string> names;
  for (absl::Span<const OptionSpec> table : {options, globals}) {
    for (const OptionSpec &s : table) names.emplace_back(s.name);
  }
  std::string message;
  if (absl::StartsWith(arg, "--")) {
    absl::string_view name = arg.substr(2);
    name = name.substr(0, name.find('='));
    message = absl::StrCat("unknown option '--", name, "'", DidYouMean(Suggest(name, names), "--"));
  } else {
    // `-l`, `-limit`, `-lx`: single-dash forms, which this CLI never uses.
    absl::string_view word = arg.substr(1);
    word = word.substr(0, word.find('='));
    std::vector<std::string> like;
    if (word.size() > 1) {
      if (std::find(names.begin(), names.end(), word) != names.end()) {
        like.emplace_back(word);
      } else {
        like = Suggest(word, names);
      }
    }
    if (like.empty() && !word.empty()) {
      for (const std::string &n : names) {
        if (n[0] == word[0]) like.push_back(n);
      }
    }
    message = absl::StrCat("unknown option '", arg, "': options are long");
    if (like.empty()) {
      // None starts with that letter: name one the command has.
      absl::StrAppend(&message, ", spelled out after two dashes, e.g. --", names.front());
    } else {
      absl::StrAppend(&message, ", e.g. --", like.front());
      if (like.size() > 1) {
        for (size_t i = 1; i < like.size(); ++i) {
          absl::StrAppend(&message, i + 1 == like.size() ? " or --" : ", --", like[i]);
        }
      }
    }
  }
  util::ErrorDetail detail;
  detail.set_reason("unknown_option");
  return util::WithErrorDetail(absl::InvalidArgumentError(message), detail);
}

}  // namespace

std::optional<uint64_t> ParseUint(absl::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

bool ParsedArgs::Has(absl::string_view name) const { return values_.find(name) != values_.end(); }

std::optional<std::string> ParsedArgs::Get(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedArgs::GetOr(absl::string_view name, absl::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

absl::StatusOr<std::optional<uint64_t>> ParsedArgs::GetUint(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::optional<uint64_t>();
  std::optional<uint64_t> v = ParseUint(it->second);
  if (!v) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " wants a non-negative integer, not \"", it->second, "\""));
  }
  return v;
}

absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const OptionSpec> options,
                                     absl::Span<const OptionSpec> globals,
                                     absl::Span<const std::string> args) {
  if (absl::Status s = CheckInlineValues(options, globals, args); !s.ok()) return s;

  // CLI11 reports through exceptions; none may leave this function.
  try {
    CLI::App app;
    app.set_help_flag();     // -h/--help are ours: they win over any other problem
    app.allow_extras(true);  // unknown options come back in remaining(), named below
    bool help = false;
    app.add_flag("-h,--help", help);

    // One slot per option; std::list keeps the addresses CLI11 writes to.
    struct Slot {
      const OptionSpec *spec;
      std::string value;
      CLI::Option *option = nullptr;
    };
    std::list<Slot> slots;
    for (absl::Span<const OptionSpec> table : {options, globals}) {
      for (const OptionSpec &spec : table) {
        if (absl::string_view(spec.name) == "help") continue;  // listed for the help text
        if (std::any_of(slots.begin(), slots.end(), [&](const Slot &s) {
              return absl::string_view(s.spec->name) == spec.name;
            })) {
          continue;  // a command's own option shadows a global of the same name
        }
        Slot &slot = slots.emplace_back(Slot{&spec, {}});
        const std::string name = absl::StrCat("--", spec.name);
        if (spec.value_name == nullptr) {
          slot.option = app.add_flag(name, spec.help);
        } else {
          slot.option = app.add_option(name, slot.value, spec.help)->allow_extra_args(false);
        }
        slot.option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
      }
    }
    std::vector<std::string> positionals;
    app.add_option("positionals", positionals)->allow_extra_args(true);

    // CLI11 parses from the back. `--name=` (an explicit empty value, which
    // CLI11 refuses) goes in as `--name ""`, which it takes.
    std::vector<std::string> reversed;
    reversed.reserve(args.size() + 1);
    bool options_done = false;
    for (const std::string &a : args) {
      if (!options_done && a == "--") options_done = true;
      if (!options_done && a.size() > 3 && absl::StartsWith(a, "--") && a.back() == '=' &&
          a.find('=') == a.size() - 1) {
        reversed.push_back(a.substr(0, a.size() - 1));
        reversed.push_back("");
      } else {
        reversed.push_back(a);
      }
    }
    std::reverse(reversed.begin(), reversed.end());
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError &e) {
      return absl::InvalidArgumentError(UsageMessage(e));
    }
    for (const std::string &extra : app.remaining()) {
      if (extra == "--") continue;
      return UnknownOption(options, globals, extra);
    }

    ParsedArgs out;
    out.help_ = help;
    for (const Slot &slot : slots) {
      if (slot.option->count() > 0) out.values_.emplace(slot.spec->name, slot.value);
    }
    out.positionals_ = std::move(positionals);
    return out;
  } catch (const CLI::Error &e) {
    return absl::InternalError(absl::StrCat("command-line tables: ", e.what()));
  }
}

}  // namespace cli
