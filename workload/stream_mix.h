// The kStreamMix shape of workload::EventGenerator (workload/generator.h):
// the benchmarks' synthetic events. Internal to workload/.
//
// What it produces (docs/PERFORMANCE.md describes the figures measured with it):
//  - a mix of raids (20%), arrests (35%), handovers (15%) and sentencings
//    (30%), each in a stream of the matching kind (operation/, suspect/,
//    handover/, case/), every event valid under ledger::ValidateEvent;
//  - about 280-300 bytes per serialized Event (the size of the real events
//    of ../shared/LIMITS.md);
//  - streams of 10 to 50 events (uniform), interleaved: events go to a random
//    stream among a pool of open streams, so consecutive events rarely share
//    a stream, as in an import of several sources;
//  - unique event ids "gen-<seed>-<n>", n the 0-based index in the sequence.
// The sequence depends only on the seed: the first k events of a longer run
// are the events of a run of k.
#ifndef ENFORCEMENT_WORKLOAD_STREAM_MIX_H_
#define ENFORCEMENT_WORKLOAD_STREAM_MIX_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "enforcement/v1/event.pb.h"

namespace workload::internal {

class StreamMix {
 public:
  explicit StreamMix(uint64_t seed);

  // The next event of the sequence.
  enforcement::v1::Event Next();

  // How many events and streams were produced so far.
  uint64_t events() const { return next_index_; }
  uint64_t streams() const { return next_stream_; }

 private:
  // An open stream: its name and how many events it still takes.
  struct OpenStream {
    std::string name;
    std::string subject;  // operation, suspect, handover or case id in the stream name
    int remaining = 0;
  };
  enum Kind { kRaid = 0, kArrest, kHandover, kSentencing, kNumKinds };

  OpenStream& PickStream(Kind kind);
  uint64_t Uniform(uint64_t lo, uint64_t hi);  // inclusive
  template <size_t N>
  const char* Choose(const char* const (&options)[N]) {
    return options[Uniform(0, N - 1)];
  }

  void FillRaid(const OpenStream& s, enforcement::v1::Event* e);
  void FillArrest(const OpenStream& s, enforcement::v1::Event* e);
  void FillHandover(const OpenStream& s, enforcement::v1::Event* e);
  void FillSentencing(const OpenStream& s, enforcement::v1::Event* e);

  uint64_t seed_;
  std::mt19937_64 rng_;
  uint64_t next_index_ = 0;
  uint64_t next_stream_ = 0;
  std::vector<OpenStream> open_[kNumKinds];
};

}  // namespace workload::internal

#endif  // ENFORCEMENT_WORKLOAD_STREAM_MIX_H_
