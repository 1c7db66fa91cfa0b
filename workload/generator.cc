#include "workload/generator.h"

#include <utility>

#include "workload/story.h"
#include "workload/stream_mix.h"

namespace workload {

using enforcement::v1::Event;

class EventGenerator::Impl {
 public:
  explicit Impl(GeneratorOptions options) {
    if (options.shape == Shape::kStreamMix) {
      mix_ = std::make_unique<internal::StreamMix>(options.seed);
    } else {
      story_ =
          std::make_unique<internal::Story>(options.seed, std::move(options.derive_event_id));
    }
  }
  Event Next() { return mix_ ? mix_->Next() : story_->Next(); }
  uint64_t streams() const { return mix_ ? mix_->streams() : 0; }

 private:
  std::unique_ptr<internal::Story> story_;
  std::unique_ptr<internal::StreamMix> mix_;
};

EventGenerator::EventGenerator(GeneratorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

EventGenerator::~EventGenerator() = default;

Event EventGenerator::Next() {
  ++events_;
  return impl_->Next();
}

std::vector<Event> EventGenerator::Take(size_t n) {
  std::vector<Event> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(Next());
  return out;
}

uint64_t EventGenerator::streams() const { return impl_->streams(); }

}  // namespace workload
