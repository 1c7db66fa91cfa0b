// One event of the log in full (`ledger show`): the event as recorded, its
// position, stream, stream version and recorded time, its state (in effect,
// corrected by E at P, retracted by E at P), the corrections and retractions
// that fix it, its source, and how to prove that it is in the log.
//
//   auto session = query::Session::Open(dir);              // check ok()
//   auto which = query::ParseEventLocator("#42");          // or an event id
//   auto details = query::GetEventDetails(**session, *which);
//
// Where the answer comes from (no scan of the log):
//  - the event by id: the ledger's event-id index (Ledger::FindEvent);
//  - the record: Ledger::ReadOne;
//  - the state and the fixes: the views' per-record state
//    (projections::Views::History), which keeps each fact's correction tree;
//    the session's views are caught up to the head, so they know every
//    record. A session answering as of an earlier point answers as of that
//    point: its tree size, the state then, later records past its end.
//
// Personal data (format 2, docs/PERSONAL_DATA.md): the log holds commitments
// only; GetEventDetails never reveals a value. A caller allowed to see
// personal data asks RevealEventPersonal, which opens the values of this
// event's personal fields from the personal-data store, each checked against
// the commitment in the record (an erased subject has none: shown as erased).
//
// Thread-compatible; the session is the caller's and must outlive the call.
#ifndef ENFORCEMENT_QUERY_EVENT_DETAILS_H_
#define ENFORCEMENT_QUERY_EVENT_DETAILS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"
#include "projections/view_types.h"
#include "query/personal_reveal.h"
#include "query/session.h"

namespace query {

// Which event: by id, or by position in the log.
struct EventLocator {
  std::optional<uint64_t> position;  // set: the record at this position
  std::string event_id;              // else: the event with this id
};

// The argument of `ledger show`: "#N" is position N (decimal digits only);
// anything else is an event id, verbatim — also a bare number, since event
// ids are strings ("1234" may be an id). kInvalidArgument for an empty
// argument or "#" followed by anything but a decimal number.
absl::StatusOr<EventLocator> ParseEventLocator(absl::string_view arg);

// The state of an event (its TimelineEntry says the same in flags).
enum class EventState {
  kInEffect,    // a fact neither corrected nor retracted; a correction whose body is in
                // effect; a retraction
  kCorrected,   // a fact or correction a live correction replaces (corrected_by)
  kRetracted,   // withdrawn by a retraction (retracted_by)
  kSuperseded,  // a correction whose body is no longer the one in effect (a later
                // correction of the same fact won, or the fact was retracted)
  kNoEffect,    // a fix whose target was unknown when it was recorded
};
const char* EventStateName(EventState s);  // "in_effect", "corrected", ...

struct EventDetails {
  ledger::StoredRecord record;  // the event, position, stream_version, recorded_at
  uint64_t tree_size = 0;       // the head the answer was read at
  EventState state = EventState::kInEffect;
  // The fix that corrects or retracts it, when state says so.
  std::optional<projections::EventRef> corrected_by, retracted_by;
  // The timeline's view of it: kind, effective summary and date, source.
  projections::TimelineEntry entry;
  // Corrections and retractions that fix it (directly or through a
  // correction of it), in log order.
  std::vector<projections::Fix> fixed_by;
  // For a correction or retraction: the event it names, when the log has it.
  std::optional<projections::EventRef> target;
  // The exact command that proves its inclusion in the tree of tree_size
  // records: "ledger prove inclusion --position P --size T".
  std::string prove_command;
};

// The event `which` names, in full. Errors: kNotFound "no event 'ID' in the
// ledger" (with a hint when ID is a number: "#N" means position N);
// kOutOfRange "position N is past the head: ..." (as `ledger read`); the
// ledger's and views' errors with their codes.
absl::StatusOr<EventDetails> GetEventDetails(const Session& session, const EventLocator& which);

// One personal field of an event, opened for a caller allowed to see it.
struct EventPersonalValue {
  std::string field_path, subject_id;
  std::string commitment;                    // the 32 bytes in the record; empty: nothing was kept
  bool erased = false;                       // the subject's personal data was destroyed
  std::string value;                         // when !erased and a value was found
  ValueCheck check = ValueCheck::kNoRecord;  // of `value`; kNoRecord when none
};

// The personal fields of `event` (record.event().personal(), in field_path
// order) with their values from `store`. Errors: the store's.
absl::StatusOr<std::vector<EventPersonalValue>> RevealEventPersonal(
    personal::PersonalStore& store, const enforcement::v1::Event& event);

}  // namespace query

#endif  // ENFORCEMENT_QUERY_EVENT_DETAILS_H_
