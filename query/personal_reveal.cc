#include "query/personal_reveal.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

namespace {

constexpr int kMaxProblems = 20;

void Problem(enforcement::api::v1::PersonalDataCheck* c, std::string text) {
  c->set_ok(false);
  c->set_problem_count(c->problem_count() + 1);
  if (c->problems_size() < kMaxProblems) c->add_problems(std::move(text));
}

}  // namespace

absl::StatusOr<enforcement::api::v1::PersonalDataCheck> CheckPersonalData(
    const ledger::Ledger& db, personal::PersonalStore& store) {
  enforcement::api::v1::PersonalDataCheck c;
  c.set_ok(true);
  absl::StatusOr<std::vector<personal::SubjectInfo>> subjects = store.ListSubjects();
  if (!subjects.ok()) return subjects.status();
  absl::flat_hash_map<std::string, bool> erased;  // subject id -> erased
  for (const personal::SubjectInfo& s : *subjects) {
    erased[s.subject_id] = s.erased;
    if (s.erased) c.set_erased_subjects(c.erased_subjects() + 1);
  }
  c.set_subjects(static_cast<uint32_t>(subjects->size()));

  // Log -> store, remembering the commitments for the other way.
  absl::flat_hash_map<std::string, std::string> commitments;  // subject\0event\0path -> c
  const uint64_t size = db.GetHead().tree_size;
  absl::Status scanned = db.Scan(0, size, [&](ledger::StoredRecord& r) -> absl::Status {
    const enforcement::v1::Event& e = r.record.event();
    for (const enforcement::v1::PersonalField& p : e.personal()) {
      if (p.commitment().empty()) continue;
      c.set_commitments(c.commitments() + 1);
      auto known = erased.find(p.subject_id());
      if (known == erased.end()) {
        Problem(&c, absl::StrCat("position ", r.record.position(), " ", p.field_path(),
                                 ": its subject ", p.subject_id(),
                                 " is not in the personal-data store"));
        continue;
      }
      if (known->second) continue;  // erased: no value, by design
      commitments[absl::StrCat(p.subject_id(), std::string(1, '\0'), e.event_id(),
                               std::string(1, '\0'), p.field_path())] = p.commitment();
    }
    return absl::OkStatus();
  });
  if (!scanned.ok()) return scanned;

  std::vector<std::string> subject_of;
  absl::StatusOr<std::vector<personal::PersonalStore::ValueRef>> refs =
      store.ListValues("", &subject_of);
  if (!refs.ok()) return refs.status();
  for (size_t i = 0; i < refs->size(); ++i) {
    const personal::PersonalStore::ValueRef& ref = (*refs)[i];
    const std::string& subject = subject_of[i];
    const std::string key = absl::StrCat(subject, std::string(1, '\0'), ref.event_id,
                                         std::string(1, '\0'), ref.field_path);
    auto it = commitments.find(key);
    if (it == commitments.end()) {
      Problem(&c, absl::StrCat("a value of subject ", subject, " for event ", ref.event_id, " ",
                               ref.field_path, " is in the store but no record commits to it"));
      continue;
    }
    absl::StatusOr<std::string> value = store.Reveal(subject, ref.event_id, ref.field_path);
    absl::StatusOr<personal::Digest> opening =
        value.ok() ? store.OpeningFor(subject, ref.event_id, ref.field_path)
                   : absl::StatusOr<personal::Digest>(value.status());
    if (!opening.ok()) {
      Problem(&c, absl::StrCat("event ", ref.event_id, " ", ref.field_path, ": ",
                               opening.status().message()));
    } else {
      const personal::Digest d = personal::Commitment(*opening, ref.field_path, *value);
      if (it->second != absl::string_view(reinterpret_cast<const char*>(d.data()), d.size())) {
        Problem(&c, absl::StrCat("event ", ref.event_id, " ", ref.field_path,
                                 ": the kept value does not open the record's commitment"));
      }
    }
    c.set_values_checked(c.values_checked() + 1);
    commitments.erase(it);
  }
  for (const auto& [key, unused] : commitments) {
    const std::vector<absl::string_view> parts = absl::StrSplit(key, '\0');
    Problem(&c, absl::StrCat("event ", parts[1], " ", parts[2], ": no value kept for live subject ",
                             parts[0], " (the store lost it)"));
  }
  return c;
}

}  // namespace query
