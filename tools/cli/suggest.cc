#include "tools/cli/suggest.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cli {

// Abseil has no public edit distance (and the CLI needs one for a table of
// a few dozen short words), so this is the textbook dynamic programme,
// O(|a|·|b|) time and space.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);  // adjacent swap
      }
    }
  }
  return d[n][m];
}

std::vector<std::string> Suggest(absl::string_view typed,
                                 const std::vector<std::string>& candidates) {
  const size_t threshold = typed.size() <= 4 ? 1 : 2;
  size_t best = threshold + 1;
  std::vector<std::string> out;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(typed, c);
    if (d == 0 || d > best) continue;
    if (d < best) {
      best = d;
      out.clear();
    }
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  if (!out.empty() || typed.size() < 2) return out;
  for (const std::string& c : candidates) {
    if (absl::StartsWith(c, typed) && c != typed &&
        std::find(out.begin(), out.end(), c) == out.end()) {
      out.push_back(c);
    }
  }
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions,
                       absl::string_view quote_prefix) {
  if (suggestions.empty()) return "";
  std::string out = "; did you mean ";
  for (size_t i = 0; i < suggestions.size(); ++i) {
    if (i > 0) out += i + 1 == suggestions.size() ? " or " : ", ";
    absl::StrAppend(&out, "'", quote_prefix, suggestions[i], "'");
  }
  out += "?";
  return out;
}

}  // namespace cli
