#include "query/personal_reveal.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "personal/personal_crypto.h"

namespace query {

const char* ValueCheckName(ValueCheck c) {
  switch (c) {
    case ValueCheck::kVerified:
      return "verified";
    case ValueCheck::kMismatch:
      return "mismatch";
    case ValueCheck::kNoRecord:
      return "no_record";
  }
  return "no_record";
}

absl::StatusOr<std::unique_ptr<personal::PersonalStore>> OpenPersonalStoreForReading(
    const ledger::Ledger& db) {
  if (db.format_version() < 2) {
    return absl::NotFoundError(
        "this ledger is format 1: it has no personal-data store (its records hold the names)");
  }
  personal::StoreOptions options;
  options.mode = personal::StoreOptions::Mode::kReadOnly;
  return personal::PersonalStore::Open(db.path(), options);
}

absl::StatusOr<SubjectPersonalData> RevealSubject(const ledger::Ledger& db,
                                                  personal::PersonalStore& store,
                                                  absl::string_view subject) {
  std::string subject_id(subject);
  if (!personal::IsSubjectId(subject)) {
    absl::StatusOr<std::optional<std::string>> found = store.FindSubjectByAgencyId(subject);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return absl::NotFoundError(absl::StrCat("no subject has the agency suspect id \"", subject,
                                              "\" in this ledger"));
    }
    subject_id = **found;
  }
  absl::StatusOr<personal::SubjectInfo> info = store.GetSubject(subject_id);
  if (!info.ok()) return info.status();
  SubjectPersonalData out;
  out.subject = *info;
  if (info->erased) return out;

  absl::StatusOr<std::vector<personal::PersonalStore::ValueRef>> refs =
      store.ListValues(subject_id);
  if (!refs.ok()) return refs.status();
  for (const personal::PersonalStore::ValueRef& ref : *refs) {
    RevealedValue v;
    v.event_id = ref.event_id;
    v.field_path = ref.field_path;
    absl::StatusOr<std::string> value = store.Reveal(subject_id, ref.event_id, ref.field_path);
    if (!value.ok()) return value.status();
    v.value = *std::move(value);
    absl::StatusOr<uint64_t> pos = db.FindEvent(ref.event_id);
    if (pos.ok()) {
      v.position = *pos;
      absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(*pos);
      if (!rec.ok()) return rec.status();
      std::string commitment;
      bool in_record = false;
      for (const enforcement::v1::PersonalField& p : rec->record.event().personal()) {
        if (p.field_path() == ref.field_path && p.subject_id() == subject_id) {
          commitment = p.commitment();
          in_record = true;
        }
      }
      if (in_record) {
        absl::StatusOr<personal::Digest> opening =
            store.OpeningFor(subject_id, ref.event_id, ref.field_path);
        if (!opening.ok()) return opening.status();
        const personal::Digest c = personal::Commitment(*opening, ref.field_path, v.value);
        v.check = commitment == absl::string_view(reinterpret_cast<const char*>(c.data()),
                                                  c.size())
                      ? ValueCheck::kVerified
                      : ValueCheck::kMismatch;
      }
    } else if (pos.status().code() != absl::StatusCode::kNotFound) {
      return pos.status();
    }
    out.values.push_back(std::move(v));
  }
  return out;
}

}  // namespace query
