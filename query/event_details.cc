#include "query/event_details.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "personal/personal_crypto.h"
#include "projections/views.h"

namespace query {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string PastHead(uint64_t position, uint64_t size) {
  return absl::StrCat("position ", position, " is past the head: ",
                      size == 0 ? std::string("the ledger is empty")
                                : absl::StrCat("the ledger has ", size,
                                               " records (positions 0\u2013", size - 1, ")"));
}

// The position of a fix named by id in `fixes`, or the event-id index's.
std::optional<projections::EventRef> RefOf(const ledger::Ledger& db,
                                           const std::vector<projections::Fix>& fixes,
                                           const std::string& id) {
  if (id.empty()) return std::nullopt;
  for (const projections::Fix& f : fixes) {
    if (f.event.event_id == id) return f.event;
  }
  absl::StatusOr<uint64_t> p = db.FindEvent(id);
  if (!p.ok()) return projections::EventRef{id, 0};
  return projections::EventRef{id, *p};
}

}  // namespace

absl::StatusOr<EventLocator> ParseEventLocator(absl::string_view arg) {
  if (arg.empty()) return absl::InvalidArgumentError("an event id or #POSITION is required");
  EventLocator out;
  if (arg[0] == '#') {
    uint64_t n = 0;
    if (!AllDigits(arg.substr(1)) || !absl::SimpleAtoi(arg.substr(1), &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", arg, "': #N names the record at position N, a decimal number"));
    }
    out.position = n;
    return out;
  }
  out.event_id = std::string(arg);
  return out;
}

const char* EventStateName(EventState s) {
  switch (s) {
    case EventState::kInEffect:
      return "in_effect";
    case EventState::kCorrected:
      return "corrected";
    case EventState::kRetracted:
      return "retracted";
    case EventState::kSuperseded:
      return "superseded";
    case EventState::kNoEffect:
      return "no_effect";
  }
  return "in_effect";
}

absl::StatusOr<EventDetails> GetEventDetails(const Session& session, const EventLocator& which) {
  const ledger::Ledger& db = session.ledger();
  const uint64_t size = session.as_of_size().value_or(db.GetHead().tree_size);
  uint64_t position = 0;
  if (which.position) {
    position = *which.position;
    if (position >= size) return absl::OutOfRangeError(PastHead(position, size));
  } else {
    absl::StatusOr<uint64_t> p = db.FindEvent(which.event_id);
    if (absl::IsNotFound(p.status()) || (p.ok() && *p >= size)) {
      std::string hint;
      if (AllDigits(which.event_id)) {
        hint = absl::StrCat(" (event ids are strings; the record at position ", which.event_id,
                            " is #", which.event_id, ", or --position ", which.event_id, ")");
      }
      return absl::NotFoundError(absl::StrCat(
          "no event '", which.event_id, "' in the ledger",
          session.as_of_size() ? absl::StrCat(" (as of ", size, " records)") : std::string(),
          hint));
    }
    if (!p.ok()) return p.status();
    position = *p;
  }
  EventDetails out;
  out.tree_size = size;
  absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(position);
  if (!rec.ok()) return rec.status();
  out.record = *std::move(rec);

  absl::StatusOr<projections::EventHistory> history = session.views().History(position);
  if (!history.ok()) return history.status();
  out.entry = std::move(history->entry);
  out.fixed_by = std::move(history->fixes);

  const enforcement::v1::Event& e = out.record.record.event();
  const bool fix = e.body_case() == enforcement::v1::Event::kCorrection ||
                   e.body_case() == enforcement::v1::Event::kRetraction;
  if (fix) {
    const std::string& target = e.body_case() == enforcement::v1::Event::kCorrection
                                    ? e.correction().target_event_id()
                                    : e.retraction().target_event_id();
    absl::StatusOr<uint64_t> t = db.FindEvent(target);
    if (t.ok() && *t < position) out.target = projections::EventRef{target, *t};
  }
  const projections::TimelineEntry& en = out.entry;
  if (en.retracted) {
    out.state = EventState::kRetracted;
    out.retracted_by = RefOf(db, out.fixed_by, en.retracted_by);
  } else if (en.corrected) {
    out.state = EventState::kCorrected;
    out.corrected_by = RefOf(db, out.fixed_by, en.corrected_by);
  } else if (en.in_effect) {
    out.state = EventState::kInEffect;
  } else if (fix && !out.target) {
    out.state = EventState::kNoEffect;
  } else {
    out.state = EventState::kSuperseded;
  }
  out.prove_command =
      absl::StrCat("ledger prove inclusion --position ", position, " --size ", size);
  return out;
}

absl::StatusOr<std::vector<EventPersonalValue>> RevealEventPersonal(
    personal::PersonalStore& store, const enforcement::v1::Event& event) {
  std::vector<EventPersonalValue> out;
  for (const enforcement::v1::PersonalField& p : event.personal()) {
    EventPersonalValue v;
    v.field_path = p.field_path();
    v.subject_id = p.subject_id();
    v.commitment = p.commitment();
    absl::StatusOr<personal::SubjectInfo> info = store.GetSubject(p.subject_id());
    if (absl::IsNotFound(info.status())) {
      out.push_back(std::move(v));  // no subject kept: nothing to open
      continue;
    }
    if (!info.ok()) return info.status();
    v.erased = info->erased;
    if (!v.erased) {
      absl::StatusOr<std::string> value =
          store.Reveal(p.subject_id(), event.event_id(), p.field_path());
      absl::StatusOr<personal::Digest> opening =
          value.ok() ? store.OpeningFor(p.subject_id(), event.event_id(), p.field_path())
                     : absl::StatusOr<personal::Digest>(value.status());
      if (absl::IsFailedPrecondition(value.status()) ||
          absl::IsFailedPrecondition(opening.status())) {
        v.erased = true;  // erased meanwhile
      } else if (absl::IsNotFound(value.status())) {
        // no value kept for this field
      } else if (!value.ok()) {
        return value.status();
      } else if (!opening.ok()) {
        return opening.status();
      } else {
        v.value = *std::move(value);
        const personal::Digest c = personal::Commitment(*opening, p.field_path(), v.value);
        v.check =
            p.commitment() == absl::string_view(reinterpret_cast<const char*>(c.data()), c.size())
                ? ValueCheck::kVerified
                : ValueCheck::kMismatch;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace query
