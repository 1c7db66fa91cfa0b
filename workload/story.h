// The kStory shape of workload::EventGenerator (workload/generator.h): the
// events of `ledger gen`, operations told event by event. Internal to
// workload/.
#ifndef ENFORCEMENT_WORKLOAD_STORY_H_
#define ENFORCEMENT_WORKLOAD_STORY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "enforcement/v1/event.pb.h"

namespace workload::internal {

class Story {
 public:
  // `derive_event_id` empty: events carry event_id "gen-<seed>-<n>";
  // otherwise none, and corrections and retractions target the ids it
  // derives (the importer's rule).
  Story(uint64_t seed,
        std::function<std::string(const enforcement::v1::Event&)> derive_event_id);
  ~Story();
  Story(const Story&) = delete;
  Story& operator=(const Story&) = delete;

  enforcement::v1::Event Next();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace workload::internal

#endif  // ENFORCEMENT_WORKLOAD_STORY_H_
