// Deterministic generators of realistic synthetic enforcement events, for
// `ledger gen`, the benchmark programs (tools/bench/) and the tests. One
// class, two shapes of workload:
//
// kStory — `ledger gen` (docs/IMPORT.md, "Synthetic data"). The story it
//   tells, event by event: a few operations run at a time; each raids
//   premises and detains tens to hundreds of suspects of mixed
//   nationalities, a few of them ringleaders (a raid with aggregate counts,
//   then arrests of the individuals known by name); the foreign nationals are
//   handed over to their country in one to three batches over the following
//   weeks (handovers listing the ids of those known, counting all); months
//   later, ringleaders and some members are sentenced (one case per
//   operation). Cumulative reported figures appear now and then. About 2% of
//   events are corrections and 0.5% retractions of earlier arrests and
//   handovers that are valid to target (not retracted, not a retraction,
//   same body kind). Events of the running operations interleave, so
//   occurred times are out of recorded order. Memory is bounded (a few
//   operations and a fixed-size pool of correction targets), whatever the
//   number of events.
//
// kStreamMix — the benchmarks' events (append_bench, proof_bench;
//   docs/PERFORMANCE.md describes the figures measured with them): raids
//   (20%), arrests (35%), handovers (15%) and sentencings (30%), each in a
//   stream of the matching kind; about 280-300 bytes per serialized Event;
//   streams of 10 to 50 events, interleaved among ~1,000 open streams; no
//   corrections. Always event ids "gen-<seed>-<n>".
//
// Every event passes ledger::ValidateEvent. The sequence depends only on the
// options: same events every run, on every machine (with the same compiler
// and standard library: kStreamMix draws through std::mt19937_64 and
// std::uniform_int_distribution), and the first k events of a longer run are
// the events of a run of k. Changing what a shape produces changes
// `ledger gen`'s output or what a benchmark measures: add a shape instead.
//
// Thread-compatible (one generator per thread).
#ifndef ENFORCEMENT_WORKLOAD_GENERATOR_H_
#define ENFORCEMENT_WORKLOAD_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "enforcement/v1/event.pb.h"

namespace workload {

enum class Shape { kStory, kStreamMix };

struct GeneratorOptions {
  Shape shape = Shape::kStory;
  uint64_t seed = 1;
  // kStory only. Empty: events carry event_id "gen-<seed>-<n>" (n the
  // 0-based index). Set: events carry no event_id (an importer derives
  // them), and corrections and retractions target the ids this function
  // returns for the earlier events: pass the importer's rule (SPEC §2,
  // docs/IMPORT.md "Event ids"), e.g. the CLI's DeriveEventId.
  std::function<std::string(const enforcement::v1::Event&)> derive_event_id = nullptr;
};

class EventGenerator {
 public:
  explicit EventGenerator(GeneratorOptions options);
  ~EventGenerator();
  EventGenerator(const EventGenerator&) = delete;
  EventGenerator& operator=(const EventGenerator&) = delete;

  // The next event of the sequence.
  enforcement::v1::Event Next();
  // The next `n` events.
  std::vector<enforcement::v1::Event> Take(size_t n);

  // Events produced so far.
  uint64_t events() const { return events_; }
  // kStreamMix: streams opened so far. kStory: 0 (not counted).
  uint64_t streams() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t events_ = 0;
};

}  // namespace workload

#endif  // ENFORCEMENT_WORKLOAD_GENERATOR_H_
