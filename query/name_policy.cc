#include "query/name_policy.h"

#include "absl/strings/match.h"
#include "query/personal_reveal.h"

namespace query {

void HideNames(projections::SuspectView& suspect) { suspect.name.clear(); }

void HideNames(projections::CaseView& c) {
  for (projections::Defendant& d : c.defendants) d.name.clear();
}

void HideNames(enforcement::v1::Event& event) {
  if (event.has_arrest()) event.mutable_arrest()->mutable_suspect()->clear_name();
  if (event.has_sentencing()) event.mutable_sentencing()->clear_suspect_name();
  if (event.has_correction() && event.correction().has_replacement()) {
    HideNames(*event.mutable_correction()->mutable_replacement());
  }
}

absl::StatusOr<std::unique_ptr<NameAccess>> NameAccess::Open(const ledger::Ledger& db,
                                                            bool allowed) {
  std::unique_ptr<NameAccess> access(new NameAccess(db, allowed));
  if (allowed && db.format_version() >= 2) {
    absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
        OpenPersonalStoreForReading(db);
    if (!store.ok()) return store.status();
    access->store_ = *std::move(store);
  }
  return access;
}

absl::StatusOr<CheckedName> NameAccess::Name(const std::string& suspect_id, bool erased,
                                             const std::string& view_name) {
  if (!allowed_) return CheckedName{};
  if (erased) return CheckedName{"", kNameErased};
  if (db_.format_version() < 2 || store_ == nullptr) {
    if (view_name.empty()) return CheckedName{};
    return CheckedName{view_name, kNameUncheckedFormat1};
  }
  absl::StatusOr<SubjectPersonalData> data = RevealSubject(db_, *store_, suspect_id);
  if (!data.ok()) {
    if (data.status().code() == absl::StatusCode::kNotFound) return CheckedName{};
    return data.status();
  }
  if (data->subject.erased) return CheckedName{"", kNameErased};
  // The name of the latest event that names the subject (the one the
  // timeline shows in effect last); a value kept without its record
  // (no_record) only when no recorded one exists.
  const RevealedValue* best = nullptr;
  for (const RevealedValue& v : data->values) {
    if (!absl::EndsWith(v.field_path, "name")) continue;
    const bool recorded = v.check != ValueCheck::kNoRecord;
    const bool best_recorded = best != nullptr && best->check != ValueCheck::kNoRecord;
    if (best == nullptr || (recorded && !best_recorded) ||
        (recorded == best_recorded && v.position >= best->position)) {
      best = &v;
    }
  }
  if (best == nullptr) return CheckedName{};
  return CheckedName{best->value, ValueCheckName(best->check)};
}

}  // namespace query
