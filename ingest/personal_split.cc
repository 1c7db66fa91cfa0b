#include "ingest/personal_split.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ingest/event_id.h"
#include "ledger/validate.h"
#include "util/error_detail.h"

namespace ingest {
namespace {

using enforcement::v1::Event;

// Stands for a missing event id during step 1 (validation requires one);
// never stored: it is cleared before the id is derived.
constexpr char kPlaceholderId[] = "sha256:00000000000000000000000000000000";

// One personal value found in the event.
struct Found {
  std::string path;
  std::string value;       // the agency id or the name
  std::string* slot;       // the event's field: set to the subject id, or cleared
  bool is_name = false;
  std::string subject_id;  // filled in step 2
  const personal::SubjectHandle* subject = nullptr;
};

absl::Status Refused(absl::string_view path, absl::string_view rule) {
  util::ErrorDetail d;
  d.set_reason("invalid_event");
  d.set_field_path(std::string(path));
  return util::WithErrorDetail(absl::InvalidArgumentError(absl::StrCat(path, ": ", rule)), d);
}

// The personal fields of a body, with `prefix` ("" or "correction.replacement.").
// A name refers to the suspect id field that precedes it (`name_of`).
void CollectBody(Event* e, const std::string& prefix, std::vector<Found>* out,
                 std::vector<std::pair<size_t, size_t>>* name_of) {
  auto add = [&](std::string path, std::string* slot, bool is_name) {
    if (slot->empty()) return;
    out->push_back(Found{std::move(path), *slot, slot, is_name, {}, nullptr});
  };
  switch (e->body_case()) {
    case Event::kArrest: {
      auto* s = e->mutable_arrest()->mutable_suspect();
      const size_t id_index = out->size();
      add(prefix + "arrest.suspect.suspect_id", s->mutable_suspect_id(), false);
      if (!s->name().empty() && out->size() > id_index) {
        add(prefix + "arrest.suspect.name", s->mutable_name(), true);
        name_of->emplace_back(out->size() - 1, id_index);
      }
      break;
    }
    case Event::kHandover: {
      auto* ids = e->mutable_handover()->mutable_suspect_ids();
      for (int i = 0; i < ids->size(); ++i) {
        add(absl::StrCat(prefix, "handover.suspect_ids[", i, "]"), ids->Mutable(i), false);
      }
      break;
    }
    case Event::kSentencing: {
      auto* s = e->mutable_sentencing();
      const size_t id_index = out->size();
      add(prefix + "sentencing.suspect_id", s->mutable_suspect_id(), false);
      if (!s->suspect_name().empty() && out->size() > id_index) {
        add(prefix + "sentencing.suspect_name", s->mutable_suspect_name(), true);
        name_of->emplace_back(out->size() - 1, id_index);
      }
      break;
    }
    case Event::kRelease:
      add(prefix + "release.suspect_id", e->mutable_release()->mutable_suspect_id(), false);
      break;
    case Event::kCorrection:
      if (e->correction().has_replacement()) {
        CollectBody(e->mutable_correction()->mutable_replacement(),
                    prefix + "correction.replacement.", out, name_of);
      }
      break;
    default:
      break;
  }
}

}  // namespace

absl::Status PersonalSplitter::Split(Event* event, std::vector<personal::PersonalValue>* values,
                                     bool* erased_subject) const {
  // Step 1: the producer's event, by the rules that still see the names.
  if (event->personal_size() > 0) {
    return Refused("personal",
                   "is written by the importer of a format-2 ledger, never by producers "
                   "(give names and the agency's suspect ids in their own fields)");
  }
  if (event->has_erasure()) {
    return Refused("erasure", "erasures are appended by `ledger erase`, not imported");
  }
  if (event->has_correction() && event->correction().has_replacement() &&
      event->correction().replacement().personal_size() > 0) {
    return Refused("correction.replacement.personal",
                   "is written by the importer of a format-2 ledger, never by producers");
  }
  const bool derive = event->event_id().empty();
  if (derive) event->set_event_id(kPlaceholderId);
  absl::Status valid = ledger::ValidateEvent(*event);
  if (derive) event->clear_event_id();
  if (!valid.ok()) {
    util::ErrorDetail d;
    d.set_reason("invalid_event");
    absl::string_view msg = valid.message();
    if (size_t colon = msg.find(": "); colon != absl::string_view::npos) {
      d.set_field_path(std::string(msg.substr(0, colon)));
    }
    return util::AddErrorDetail(std::move(valid), d);
  }

  // Step 2: agency ids become subjects; names leave the event.
  std::vector<Found> found;
  std::vector<std::pair<size_t, size_t>> name_of;  // (name index, its suspect id index)
  std::string stream_agency_id;
  if (absl::StartsWith(event->stream(), "suspect/")) {
    stream_agency_id = event->stream().substr(std::string("suspect/").size());
  }
  CollectBody(event, "", &found, &name_of);
  if (!stream_agency_id.empty()) {
    found.push_back(Found{kStreamFieldPath, stream_agency_id, event->mutable_stream(), false, {},
                          nullptr});
  }
  // One store lookup per distinct agency id of the event.
  absl::node_hash_map<std::string, personal::SubjectHandle> subjects;  // stable addresses
  for (Found& f : found) {
    if (f.is_name) continue;
    auto it = subjects.find(f.value);
    if (it == subjects.end()) {
      absl::StatusOr<personal::SubjectHandle> h = store_.SubjectForAgencyId(f.value);
      if (!h.ok()) return h.status();
      it = subjects.emplace(f.value, *std::move(h)).first;
    }
    f.subject = &it->second;
    f.subject_id = it->second.subject_id;
    if (it->second.erased && erased_subject != nullptr) *erased_subject = true;
  }
  for (const auto& [name, id] : name_of) {
    found[name].subject = found[id].subject;
    found[name].subject_id = found[id].subject_id;
  }
  for (Found& f : found) {
    if (f.path == kStreamFieldPath) {
      *f.slot = absl::StrCat("suspect/", f.subject_id);
    } else if (f.is_name) {
      f.slot->clear();
    } else {
      *f.slot = f.subject_id;
    }
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.path < b.path; });
  for (const Found& f : found) {
    enforcement::v1::PersonalField* p = event->add_personal();
    p->set_field_path(f.path);
    p->set_subject_id(f.subject_id);
  }

  // Step 3: the id, from the event without personal values or commitments.
  if (derive) event->set_event_id(DeriveEventId(*event));

  // Step 4: commitments. An event already in the log lends its stored ones
  // to erased subjects, and keeps no value again (step 5).
  bool stored = false;
  absl::flat_hash_map<std::string, std::string> stored_commitments;  // path -> commitment
  if (db_ != nullptr) {
    absl::StatusOr<uint64_t> pos = db_->FindEvent(event->event_id());
    if (pos.ok()) {
      stored = true;
      absl::StatusOr<ledger::StoredRecord> r = db_->ReadOne(*pos);
      if (!r.ok()) return r.status();
      for (const enforcement::v1::PersonalField& p : r->record.event().personal()) {
        if (!p.commitment().empty()) stored_commitments[p.field_path()] = p.commitment();
      }
    } else if (pos.status().code() != absl::StatusCode::kNotFound) {
      return pos.status();
    }
  }
  for (int i = 0; i < event->personal_size(); ++i) {
    const Found& f = found[static_cast<size_t>(i)];
    enforcement::v1::PersonalField* p = event->mutable_personal(i);
    if (f.subject->key.has_value()) {
      const personal::Digest opening =
          personal::Opening(*f.subject->key, event->event_id(), f.path);
      const personal::Digest c = personal::Commitment(opening, f.path, f.value);
      p->set_commitment(c.data(), c.size());
      if (!stored) {
        values->push_back(personal::PersonalValue{f.subject_id, event->event_id(), f.path,
                                                  f.value});
      }
    } else if (auto it = stored_commitments.find(f.path); it != stored_commitments.end()) {
      p->set_commitment(it->second);
    }
  }
  return absl::OkStatus();
}

bool PersonalSplitter::MentionsErasedSubject(const Event& producer_event) const {
  Event copy = producer_event;
  std::vector<Found> found;
  std::vector<std::pair<size_t, size_t>> name_of;
  CollectBody(&copy, "", &found, &name_of);
  std::vector<std::string> agency_ids;
  for (const Found& f : found) {
    if (!f.is_name) agency_ids.push_back(f.value);
  }
  if (absl::StartsWith(copy.stream(), "suspect/")) {
    agency_ids.push_back(copy.stream().substr(std::string("suspect/").size()));
  }
  for (const std::string& agency : agency_ids) {
    absl::StatusOr<std::optional<std::string>> subject = store_.FindSubjectByAgencyId(agency);
    if (!subject.ok() || !subject->has_value()) continue;
    absl::StatusOr<personal::SubjectInfo> info = store_.GetSubject(**subject);
    if (info.ok() && info->erased) return true;
  }
  return false;
}

}  // namespace ingest
