#include "ledger/rocks_log_capture.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ledger {

void RocksLogCapture::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void RocksLogCapture::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  std::shared_ptr<rocksdb::Logger> target;
  {
    std::lock_guard<std::mutex> l(mu_);
    target = target_;
  }
  if (target) {
    va_list copy;
    va_copy(copy, ap);
    target->Logv(level, format, copy);
    va_end(copy);
  }
  if (level < rocksdb::InfoLogLevel::WARN_LEVEL || level == rocksdb::InfoLogLevel::HEADER_LEVEL) {
    return;
  }
  char buf[kMaxBytes];
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(buf, sizeof(buf), format, copy);
  va_end(copy);
  if (n < 0) return;
  std::lock_guard<std::mutex> l(mu_);
  lines_.emplace_back(buf);
  if (lines_.size() > kKeep) lines_.pop_front();
}

std::string RocksLogCapture::FileMessages() const {
  std::lock_guard<std::mutex> l(mu_);
  std::string first;
  size_t more = 0;
  for (const std::string& line : lines_) {
    if (!absl::StrContains(line, ".log") && !absl::StrContains(line, ".sst") &&
        !absl::StrContains(line, "MANIFEST-") && !absl::StrContains(line, "CURRENT")) {
      continue;
    }
    if (!first.empty()) {
      ++more;
      continue;
    }
    absl::string_view text = line;
    // Drop RocksDB's "[db/db_impl/db_impl_open.cc:982] " source location.
    if (absl::StartsWith(text, "[")) {
      if (size_t end = text.find("] "); end != absl::string_view::npos) text.remove_prefix(end + 2);
    }
    first = std::string(text);
  }
  if (more > 0) absl::StrAppend(&first, " (and ", more, " more warnings)");
  return first;
}

}  // namespace ledger
