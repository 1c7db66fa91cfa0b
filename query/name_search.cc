#include "query/name_search.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "util/utf8.h"

namespace query {
namespace {

// Overwrites a string that held a name before its memory is freed: the
// scan opens every name of the store, and ScanValues wipes its plaintexts.
void Wipe(icu::UnicodeString& u) {
  const int32_t capacity = u.getCapacity();
  if (UChar* buffer = u.getBuffer(-1); buffer != nullptr) {
    OPENSSL_cleanse(buffer, static_cast<size_t>(capacity) * sizeof(UChar));
    u.releaseBuffer(0);
  }
}

// NFKC case folding of UTF-8 `text` (valid UTF-8 assumed).
absl::StatusOr<icu::UnicodeString> Fold(absl::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* folding = icu::Normalizer2::getNFKCCasefoldInstance(error);
  if (U_FAILURE(error) || folding == nullptr) {
    return absl::InternalError(absl::StrCat("ICU's NFKC_Casefold data is missing: ",
                                            u_errorName(error)));
  }
  icu::UnicodeString source =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString out = folding->normalize(source, error);
  Wipe(source);
  if (U_FAILURE(error)) {
    return absl::InternalError(absl::StrCat("cannot normalise a name: ", u_errorName(error)));
  }
  return out;
}

bool IsSeparator(UChar32 c) {
  return u_isUWhiteSpace(c) || u_ispunct(c) || c == 0x00B7 /* middle dot */;
}

// Whether `name` or one of its words starts with `prefix` (both folded).
bool MatchesFolded(const icu::UnicodeString& name, const icu::UnicodeString& prefix) {
  const int32_t n = name.length();
  const int32_t p = prefix.length();
  if (p == 0 || p > n) return false;
  bool word_start = true;
  for (int32_t i = 0; i < n;) {
    const UChar32 c = name.char32At(i);
    if (word_start && !IsSeparator(c) && n - i >= p && name.compare(i, p, prefix) == 0) {
      return true;
    }
    word_start = IsSeparator(c);
    i = name.moveIndex32(i, 1);
  }
  return false;
}

bool IsNamePath(absl::string_view field_path) { return absl::EndsWith(field_path, "name"); }

// An agency's suspect id: "stream" (the suspect stream's name) or a
// suspect_id / suspect_ids[N] field.
bool IsAgencyIdPath(absl::string_view field_path) {
  return field_path == "stream" || absl::EndsWith(field_path, "suspect_id") ||
         absl::StrContains(field_path, "suspect_ids[");
}

}  // namespace

absl::StatusOr<std::string> NormalizeForSearch(absl::string_view text) {
  if (!util::IsValidUtf8(text)) {
    return absl::InvalidArgumentError("the name to search for is not UTF-8");
  }
  absl::StatusOr<icu::UnicodeString> folded = Fold(text);
  if (!folded.ok()) return folded.status();
  std::string out;
  folded->toUTF8String(out);
  return out;
}

bool NameMatchesPrefix(absl::string_view name, absl::string_view normalized_prefix) {
  if (!util::IsValidUtf8(name)) return false;
  absl::StatusOr<icu::UnicodeString> folded = Fold(name);
  if (!folded.ok()) return false;
  return MatchesFolded(*folded, icu::UnicodeString::fromUTF8(icu::StringPiece(
                                    normalized_prefix.data(),
                                    static_cast<int32_t>(normalized_prefix.size()))));
}

absl::StatusOr<NameSearchResult> SearchByName(const ledger::Ledger& db,
                                              personal::PersonalStore& store,
                                              absl::string_view prefix, size_t limit,
                                              absl::string_view after) {
  if (absl::StripAsciiWhitespace(prefix).empty()) {
    return absl::InvalidArgumentError("give the beginning of a name to search for");
  }
  absl::StatusOr<std::string> normalized = NormalizeForSearch(prefix);
  if (!normalized.ok()) return normalized.status();
  // Leading and trailing spaces are not part of what people mean.
  const icu::UnicodeString wanted =
      icu::UnicodeString::fromUTF8(icu::StringPiece(*normalized)).trim();
  if (wanted.isEmpty()) {
    return absl::InvalidArgumentError("give the beginning of a name to search for");
  }

  NameSearchResult result;
  std::vector<std::string> subjects;  // matching, in key (= subject id) order
  absl::Status fold_error;
  absl::Status scanned = store.ScanValues(
      IsNamePath, [&](const personal::PersonalStore::OpenedValue& v) {
        if (!after.empty() && v.subject_id <= after) return true;
        if (!subjects.empty() && subjects.back() == v.subject_id) return true;
        ++result.names_scanned;
        if (!util::IsValidUtf8(v.value)) return true;
        absl::StatusOr<icu::UnicodeString> folded = Fold(v.value);
        if (!folded.ok()) {
          fold_error = folded.status();
          return false;
        }
        const bool matches = MatchesFolded(*folded, wanted);
        Wipe(*folded);
        if (!matches) return true;
        if (limit != 0 && subjects.size() == limit) {
          result.more = true;
          return false;
        }
        subjects.emplace_back(v.subject_id);
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!fold_error.ok()) return fold_error;

  for (const std::string& subject_id : subjects) {
    absl::StatusOr<SubjectPersonalData> data = RevealSubject(db, store, subject_id);
    if (!data.ok()) return data.status();
    NameMatch m;
    m.subject_id = subject_id;
    std::set<std::string> agency_ids;
    for (RevealedValue& v : data->values) {
      if (IsNamePath(v.field_path)) {
        m.names.push_back(FoundName{std::move(v.value), v.event_id, v.position, v.check});
      } else if (IsAgencyIdPath(v.field_path)) {
        agency_ids.insert(v.value);
      }
    }
    m.agency_ids.assign(agency_ids.begin(), agency_ids.end());
    result.matches.push_back(std::move(m));
  }
  return result;
}

}  // namespace query
