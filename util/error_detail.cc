#include "util/error_detail.h"

#include <string>

#include "absl/strings/cord.h"

namespace util {

absl::Status WithErrorDetail(absl::Status status, const ErrorDetail& detail) {
  if (status.ok()) return status;
  status.SetPayload(kErrorDetailTypeUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status) {
  const auto payload = status.GetPayload(kErrorDetailTypeUrl);
  if (!payload) return std::nullopt;
  ErrorDetail detail;
  if (!detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

absl::Status AddErrorDetail(absl::Status status, const ErrorDetail& more) {
  if (status.ok()) return status;
  ErrorDetail detail = GetErrorDetail(status).value_or(ErrorDetail());
  detail.MergeFrom(more);
  return WithErrorDetail(std::move(status), detail);
}

std::optional<uint32_t> FailedEventIndex(const absl::Status& status) {
  std::optional<ErrorDetail> detail = GetErrorDetail(status);
  if (!detail || !detail->has_event_index()) return std::nullopt;
  return detail->event_index();
}

bool IsLockContention(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnavailable) return false;
  std::optional<ErrorDetail> detail = GetErrorDetail(status);
  return detail && (detail->reason() == "writer_lock_held" ||
                    detail->reason() == "views_lock_held" || detail->reason() == "backup_lock_held");
}

}  // namespace util
