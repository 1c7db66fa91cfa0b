// "Did you mean ...?" for mistyped commands and options: the candidates
// closest to what was typed by Damerau–Levenshtein distance (optimal string
// alignment: insertions, deletions, substitutions and swaps of two adjacent
// characters each cost 1).
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_TOOLS_CLI_SUGGEST_H_
#define ENFORCEMENT_TOOLS_CLI_SUGGEST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cli {

// The optimal-string-alignment distance between `a` and `b` (bytes).
size_t EditDistance(absl::string_view a, absl::string_view b);

// The candidates worth suggesting for `typed`, best first: those at the
// smallest distance when it is small (1 for a word of up to 4 characters,
// 2 for longer ones), else those that `typed` (2+ characters) is a prefix
// of. Empty when nothing is close.
std::vector<std::string> Suggest(absl::string_view typed,
                                 const std::vector<std::string>& candidates);

// "; did you mean 'a'?" or "; did you mean 'a' or 'b'?" with each
// suggestion between `quote_prefix` + s and "'", "" for none; e.g.
// DidYouMean({"stats"}, "--") is "; did you mean '--stats'?".
std::string DidYouMean(const std::vector<std::string>& suggestions,
                       absl::string_view quote_prefix = "");

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_SUGGEST_H_
