#include "util/time_format.h"

namespace util {

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string FormatRfc3339(absl::Time t) {
  if (t == absl::InfinitePast()) return "-";
  return absl::FormatTime("%E4Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FormatRfc3339(int64_t seconds, int32_t nanos) {
  return FormatRfc3339(absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos));
}

std::string FormatRfc3339(const google::protobuf::Timestamp& ts) {
  return FormatRfc3339(ToAbslTime(ts));
}

std::string FormatAtPrecision(const google::protobuf::Timestamp& ts,
                              enforcement::v1::Precision precision) {
  return FormatAtPrecision(ts.seconds(), ts.nanos(), precision);
}

std::string FormatAtPrecision(int64_t seconds, int32_t nanos,
                              enforcement::v1::Precision precision) {
  const absl::Time t = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  const absl::TimeZone utc = absl::UTCTimeZone();
  switch (precision) {
    case enforcement::v1::PRECISION_YEAR:
      return absl::FormatTime("%E4Y", t, utc);
    case enforcement::v1::PRECISION_MONTH:
      return absl::FormatTime("%E4Y-%m", t, utc);
    case enforcement::v1::PRECISION_DAY:
      return absl::FormatTime("%E4Y-%m-%d", t, utc);
    default:
      return FormatRfc3339(t);
  }
}

}  // namespace util
