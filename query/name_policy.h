// Who sees names (issue 14): names are personal data, shown only to callers
// allowed to see it — locally, who passes --personal; in the service (issue
// 15), a role. Every other answer carries no name: the views' names (format
// 1 keeps them there) are cleared before an answer leaves the query layer,
// and timeline summaries never hold one.
//
// For an allowed caller the name comes from where it is authoritative, with
// how it was checked:
//   - format 2: from the personal-data store (RevealSubject), the value of
//     the latest event that names the subject, checked against the
//     commitment in its record ("verified", "mismatch", "no_record");
//   - format 1: from the views, which read it from the records; there is no
//     commitment to check it against ("unchecked_format_1").
// An erased subject has no name ("" with check "erased").
//
// Thread-compatible; the store is the caller's.
#ifndef ENFORCEMENT_QUERY_NAME_POLICY_H_
#define ENFORCEMENT_QUERY_NAME_POLICY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcement/v1/event.pb.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"
#include "projections/view_types.h"

namespace query {

// How a shown name was checked (the JSON answers' `name_check`).
inline constexpr char kNameVerified[] = "verified";
inline constexpr char kNameMismatch[] = "mismatch";
inline constexpr char kNameNoRecord[] = "no_record";
inline constexpr char kNameUncheckedFormat1[] = "unchecked_format_1";
inline constexpr char kNameErased[] = "erased";

struct CheckedName {
  std::string name;   // "" when none is kept
  std::string check;  // one of the kName* above; "" when there is no name
};

// Clears the names of answers for callers not allowed to see them.
void HideNames(projections::SuspectView& suspect);
void HideNames(projections::CaseView& c);
// The names an event holds in clear (format 1: arrest.suspect.name,
// sentencing.suspect_name, and those of a correction's replacement).
void HideNames(enforcement::v1::Event& event);

// The names one caller may see. Not allowed: every Name() is hidden (empty,
// no check). Allowed: as the file comment says.
class NameAccess {
 public:
  // For format 2 and `allowed`, opens the personal-data store read-only
  // (its errors: kNotFound when it is missing, kDataLoss when damaged).
  static absl::StatusOr<std::unique_ptr<NameAccess>> Open(const ledger::Ledger& db,
                                                          bool allowed);
  bool allowed() const { return allowed_; }

  // The name of `suspect_id` (an agency id in format 1, a subject id in
  // format 2) as this caller may see it; `view_name` is what the views hold
  // (format 1's source). Errors: the store's and the ledger's read errors;
  // an unknown subject is no name, not an error.
  absl::StatusOr<CheckedName> Name(const std::string& suspect_id, bool erased,
                                   const std::string& view_name);

 private:
  NameAccess(const ledger::Ledger& db, bool allowed) : db_(db), allowed_(allowed) {}
  const ledger::Ledger& db_;
  const bool allowed_;
  std::unique_ptr<personal::PersonalStore> store_;  // format 2 and allowed only
};

}  // namespace query

#endif  // ENFORCEMENT_QUERY_NAME_POLICY_H_
