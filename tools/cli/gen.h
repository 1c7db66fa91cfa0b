// `ledger gen`: a deterministic workload generator of realistic synthetic
// enforcement events (docs/IMPORT.md, "Synthetic data"), as NDJSON or as the
// wide CSV that data/generated.mapping maps.
//
// The story it tells, event by event: a few operations run at a time; each
// raids premises and detains tens to hundreds of suspects of mixed
// nationalities, a few of them ringleaders (a raid with aggregate counts,
// then arrests of the individuals known by name); the foreign nationals are
// handed over to their country in one to three batches over the following
// weeks (handovers listing the ids of those known, counting all); months
// later, ringleaders and some members are sentenced (one case per
// operation). Cumulative reported figures appear now and then. About 2% of
// events are corrections and 0.5% retractions of earlier arrests and
// handovers that are valid to target (not retracted, not a retraction, same
// body kind). Events of the running operations interleave, so occurred
// times are out of recorded order.
//
// Every event passes ledger::ValidateEvent. The output depends only on
// (seed, events, ids): same bytes every run, on every machine. Memory is
// bounded (a few operations and a fixed-size pool of correction targets),
// whatever the number of events.
//
// Thread-compatible.
#ifndef ENFORCEMENT_TOOLS_CLI_GEN_H_
#define ENFORCEMENT_TOOLS_CLI_GEN_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "enforcement/v1/event.pb.h"
#include "tools/cli/cli_common.h"

namespace cli {

class EventGenerator {
 public:
  // `explicit_ids`: events carry event_id "gen-<seed>-<n>"; otherwise none
  // (an importer derives them; corrections then target derived ids).
  EventGenerator(uint64_t seed, bool explicit_ids);
  ~EventGenerator();
  EventGenerator(const EventGenerator&) = delete;
  EventGenerator& operator=(const EventGenerator&) = delete;

  enforcement::v1::Event Next();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The columns of `ledger gen --format csv`, in order.
const std::vector<std::string>& GenCsvHeader();
// One event as the cells of a CSV row under GenCsvHeader().
std::vector<std::string> GenCsvRow(const enforcement::v1::Event& event);
// One CSV line (RFC 4180 quoting where needed; LF line end).
std::string CsvLine(const std::vector<std::string>& fields);

// `ledger gen --events N --seed S [--format ndjson|csv] [--out FILE] [--no-ids]`.
int RunGen(const Invocation& inv);

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_GEN_H_
