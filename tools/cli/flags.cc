#include "tools/cli/flags.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cli {
namespace {

const OptionSpec* Find(absl::Span<const OptionSpec> specs, absl::string_view name) {
  for (const OptionSpec& s : specs) {
    if (name == s.name) return &s;
  }
  return nullptr;
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
    return absl::InvalidArgumentError(absl::StrCat("--", name, " wants a non-negative integer, not \"",
                                                   it->second, "\""));
  }
  return v;
}

absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const OptionSpec> options,
                                     absl::Span<const OptionSpec> globals,
                                     absl::Span<const std::string> args) {
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a == "-" || !absl::StartsWith(a, "-")) {
      out.positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help_ = true;
      continue;
    }
    if (!absl::StartsWith(a, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option ", a, " (options are spelled --name)"));
    }
    absl::string_view body = absl::string_view(a).substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      inline_value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const OptionSpec* spec = Find(options, body);
    if (spec == nullptr) spec = Find(globals, body);
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown option --", body));
    if (out.values_.count(body) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("option --", body, " given more than once"));
    }
    std::string value;
    if (spec->value_name == nullptr) {
      if (inline_value) {
        return absl::InvalidArgumentError(absl::StrCat("option --", body, " takes no value"));
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("option --", body, " needs a value (", spec->value_name, ")"));
    }
    out.values_.emplace(std::string(body), std::move(value));
  }
  return out;
}

}  // namespace cli
