// The typed error detail of every error that concerns the input (proto
// enforcement.api.v1.ErrorDetail), carried on an absl::Status as a payload,
// so that no front door has to parse a message to learn which event, field
// or line failed.
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_UTIL_ERROR_DETAIL_H_
#define ENFORCEMENT_UTIL_ERROR_DETAIL_H_

#include <optional>

#include "absl/status/status.h"
#include "enforcement/api/v1/error.pb.h"

namespace util {

// The payload's type URL (google.rpc style: the message's full name).
inline constexpr char kErrorDetailTypeUrl[] =
    "type.googleapis.com/enforcement.api.v1.ErrorDetail";

using ErrorDetail = enforcement::api::v1::ErrorDetail;

// `status` with `detail` attached (replacing an earlier detail). An OK
// status is returned unchanged.
absl::Status WithErrorDetail(absl::Status status, const ErrorDetail& detail);

// The detail attached to `status`, if any (nullopt also when the payload
// does not parse).
std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status);

// `status` with the fields set in `more` merged into its detail (a fresh
// one when it has none): how a caller that knows more (the file and line)
// adds to what the callee knew (the event index and field).
absl::Status AddErrorDetail(absl::Status status, const ErrorDetail& more);

// The 0-based event index of the detail, if the error concerns one event.
std::optional<uint32_t> FailedEventIndex(const absl::Status& status);

// Whether `status` is lock contention: kUnavailable with a reason of
// "writer_lock_held", "views_lock_held" or "backup_lock_held" (another
// process holds the lock; retry later). Every lock in the product reports
// contention this way.
bool IsLockContention(const absl::Status& status);

}  // namespace util

#endif  // ENFORCEMENT_UTIL_ERROR_DETAIL_H_
