#include "ingest/erase.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "ingest/event_id.h"
#include "ledger/validate.h"
#include "personal/personal_crypto.h"
#include "util/error_detail.h"

namespace ingest {
namespace {

using enforcement::v1::Event;

absl::Status Refused(absl::StatusCode code, absl::string_view reason, std::string message) {
  util::ErrorDetail d;
  d.set_reason(std::string(reason));
  return util::WithErrorDetail(absl::Status(code, std::move(message)), d);
}

// The erasure event: its content comes from the tombstone (or, for the
// draft checked before anything is destroyed, from the request), so that
// the same erasure always makes the same event and the same derived id.
Event ErasureEvent(const personal::SubjectInfo& s) {
  Event e;
  e.set_stream(absl::StrCat("suspect/", s.subject_id));
  const int64_t seconds = absl::ToUnixSeconds(s.erased_at);
  e.mutable_occurred_at()->set_seconds(seconds);
  e.set_occurred_precision(enforcement::v1::PRECISION_EXACT);
  e.mutable_source()->set_reference(s.authority);
  e.mutable_source()->set_title("erasure of personal data");
  e.set_recorded_by("ledger erase");
  enforcement::v1::Erasure* x = e.mutable_erasure();
  x->set_subject_id(s.subject_id);
  x->set_authority(s.authority);
  x->set_reason(s.reason);
  e.set_event_id(DeriveEventId(e));
  return e;
}

}  // namespace

absl::StatusOr<EraseOutcome> EraseSubject(ledger::Ledger& db, personal::PersonalStore& store,
                                          const EraseRequest& request) {
  if (db.format_version() < 2) {
    return Refused(absl::StatusCode::kFailedPrecondition, "format_1_ledger",
                   "this ledger is format 1: its records hold names and agency suspect ids in "
                   "clear, hashed into the Merkle tree, where no erasure can reach them without "
                   "breaking every proof; `ledger migrate --to NEWDIR --origin NEW` makes a "
                   "format-2 ledger, which keeps personal data in a store that erase can empty");
  }
  if (request.subject.empty()) {
    return Refused(absl::StatusCode::kInvalidArgument, "invalid_argument",
                   "--subject: give a subject id (sub_…) or an agency's suspect id");
  }
  if (request.authority.empty()) {
    return Refused(absl::StatusCode::kInvalidArgument, "invalid_argument",
                   "--authority: an erasure names the order or decision that requires it");
  }
  if (request.reason.empty()) {
    return Refused(absl::StatusCode::kInvalidArgument, "invalid_argument",
                   "--reason: an erasure says why (e.g. \"acquitted\", \"retention expired\")");
  }

  // 1. The subject.
  std::string subject_id;
  if (personal::IsSubjectId(request.subject)) {
    subject_id = request.subject;
  } else {
    absl::StatusOr<std::optional<std::string>> found =
        store.FindSubjectByAgencyId(request.subject);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      return Refused(absl::StatusCode::kNotFound, "subject_not_found",
                     absl::StrCat("no subject has the agency suspect id \"", request.subject,
                                  "\" in this ledger (nothing was erased)"));
    }
    subject_id = **found;
  }
  absl::StatusOr<personal::SubjectInfo> known = store.GetSubject(subject_id);
  if (!known.ok()) {
    if (known.status().code() == absl::StatusCode::kNotFound) {
      return Refused(absl::StatusCode::kNotFound, "subject_not_found",
                     absl::StrCat("no subject ", subject_id, " in this ledger (nothing was erased)"));
    }
    return known.status();
  }

  // The event must be valid before anything is destroyed (e.g. a control
  // character in --reason).
  const absl::Time now = request.clock ? request.clock() : absl::Now();
  {
    personal::SubjectInfo draft = *known;
    if (!draft.erased) {
      draft.erased_at = now;
      draft.authority = request.authority;
      draft.reason = request.reason;
    }
    if (absl::Status s = ledger::ValidateEventForFormat(ErasureEvent(draft), 2); !s.ok()) {
      return Refused(absl::StatusCode::kInvalidArgument, "invalid_argument",
                     absl::StrCat("the erasure event would be invalid: ", s.message(),
                                  " (nothing was erased)"));
    }
  }

  // 2. Crypto-shredding.
  absl::StatusOr<personal::EraseResult> erased =
      store.Erase(subject_id, request.authority, request.reason, now);
  if (!erased.ok()) return erased.status();

  // 3. The erasure event.
  const Event event = ErasureEvent(erased->subject);
  absl::StatusOr<ledger::AppendResult> appended = db.AppendEvents({event});
  if (!appended.ok()) {
    return absl::Status(appended.status().code(),
                        absl::StrCat("the subject's personal data is destroyed, but appending the "
                                     "erasure event failed: ", appended.status().message(),
                                     "; run the same erase again to append it"));
  }
  EraseOutcome out;
  out.subject = erased->subject;
  out.already_erased = erased->already_erased;
  out.values_destroyed = erased->values_destroyed;
  out.erasure_event_id = event.event_id();
  out.erasure_position = appended->events.front().position;
  out.erasure_event_appended = !appended->events.front().duplicate;
  out.tree_size = appended->tree_size;
  return out;
}

}  // namespace ingest
