// Search by name (issue 14): subjects whose name, or a word of it, starts
// with a prefix — case-insensitive and in any script — found through the
// personal-data store (docs/PERSONAL_DATA.md), never through the views, which
// hold no names. Only for callers allowed to see personal data: the answer
// holds names.
//
// How it matches: the prefix and each kept name are normalised with Unicode
// NFKC case folding (ICU's NFKC_Casefold: "ŁUKASZ" ~ "łukasz", full-width
// "ＬＩ" ~ "li", "Straße" ~ "STRASSE"); a name matches when its normalised
// form starts with the normalised prefix, or one of its words does (a word
// starts after a space or punctuation), so "wei" finds "Zhang Wei" and
// "张" finds "张伟". Erased subjects have no names and never match.
//
// Cost: one pass over the store's sealed values, opening only the name
// fields (field paths ending in "name"): linear in the values kept, with no
// index that could leak names (docs/PERSONAL_DATA.md, "Search by name").
// Every match is then checked against the commitment its record holds in the
// log (RevealSubject), and the answer says when a name could not be.
//
// Thread-compatible; `db` and `store` are the caller's.
#ifndef ENFORCEMENT_QUERY_NAME_SEARCH_H_
#define ENFORCEMENT_QUERY_NAME_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"
#include "query/personal_reveal.h"

namespace query {

// A name of a matching subject: its value, where it is recorded, and whether
// the record's commitment opens to it.
struct FoundName {
  std::string value;
  std::string event_id;
  uint64_t position = 0;
  ValueCheck check = ValueCheck::kNoRecord;
};

struct NameMatch {
  std::string subject_id;
  std::vector<std::string> agency_ids;  // the agencies' suspect ids, sorted, unique
  std::vector<FoundName> names;         // every name kept, matching or not, by event id
};

struct NameSearchResult {
  std::vector<NameMatch> matches;  // in subject-id order, at most `limit`
  bool more = false;               // more subjects match (ask with after = last subject id)
  uint64_t names_scanned = 0;      // name values opened
};

// The prefix normalised as matching compares it (NFKC case folding).
// kInvalidArgument when `text` is not UTF-8.
absl::StatusOr<std::string> NormalizeForSearch(absl::string_view text);

// Whether `name` matches `prefix` (both as given, normalised here).
bool NameMatchesPrefix(absl::string_view name, absl::string_view normalized_prefix);

// Subjects with a name matching `prefix`, after subject id `after` (empty:
// from the start), at most `limit` (0: all). kInvalidArgument for an empty or
// blank prefix or one that is not UTF-8; the store's and the ledger's errors.
absl::StatusOr<NameSearchResult> SearchByName(const ledger::Ledger& db,
                                              personal::PersonalStore& store,
                                              absl::string_view prefix, size_t limit,
                                              absl::string_view after = "");

}  // namespace query

#endif  // ENFORCEMENT_QUERY_NAME_SEARCH_H_
