// Valid events for tests, one builder per body kind. Each returns an event
// that passes ledger::ValidateEvent; tests change the fields they exercise.
#ifndef ENFORCEMENT_TESTS_SUPPORT_EVENT_BUILDERS_H_
#define ENFORCEMENT_TESTS_SUPPORT_EVENT_BUILDERS_H_

#include <string>

#include "enforcement/v1/event.pb.h"

namespace testing_support {

// 2024-03-01T00:00:00Z as Unix seconds: a month-aligned instant.
inline constexpr int64_t kMarch2024 = 1709251200;

enforcement::v1::Event RaidEvent(const std::string& id, const std::string& operation,
                                 int64_t detained = 807, int64_t ringleaders = 21);
enforcement::v1::Event HandoverEvent(const std::string& id, const std::string& stream,
                                     const std::string& from, const std::string& to,
                                     int64_t count);
enforcement::v1::Event ArrestEvent(const std::string& id, const std::string& suspect_id);
enforcement::v1::Event CorrectionEvent(const std::string& id, const std::string& stream,
                                       const std::string& target,
                                       const enforcement::v1::Event& replacement_body_from);
enforcement::v1::Event RetractionEvent(const std::string& id, const std::string& stream,
                                       const std::string& target);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_EVENT_BUILDERS_H_
