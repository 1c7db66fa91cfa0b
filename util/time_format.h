// Times as the product writes them: RFC 3339 in UTC with as many fractional
// digits as needed ("2024-03-05T10:00:00Z", "…T10:00:00.25Z"), and dates
// known to a precision as the prefix that precision gives ("2024",
// "2024-03", "2024-03-05"). One place, so that validation messages, the CLI,
// the views and the generator print the same instant the same way.
//
// Pure functions; thread-safe.
#ifndef ENFORCEMENT_UTIL_TIME_FORMAT_H_
#define ENFORCEMENT_UTIL_TIME_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace util {

// The instant of a protobuf Timestamp (no range check: every Timestamp the
// ledger holds is valid, SPEC §3).
absl::Time ToAbslTime(const google::protobuf::Timestamp& ts);

// RFC 3339 in UTC, e.g. "2024-03-05T10:00:00Z", the year always in four
// digits ("0005-…"); "-" for absl::InfinitePast() (an unknown time).
std::string FormatRfc3339(absl::Time t);
std::string FormatRfc3339(int64_t seconds, int32_t nanos);
std::string FormatRfc3339(const google::protobuf::Timestamp& ts);

// The date at `precision`: "2024" (year), "2024-03" (month), "2024-03-05"
// (day), else RFC 3339 (exact or unspecified).
std::string FormatAtPrecision(const google::protobuf::Timestamp& ts,
                              enforcement::v1::Precision precision);
std::string FormatAtPrecision(int64_t seconds, int32_t nanos,
                              enforcement::v1::Precision precision);

}  // namespace util

#endif  // ENFORCEMENT_UTIL_TIME_FORMAT_H_
