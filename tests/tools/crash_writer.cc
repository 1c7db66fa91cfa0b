// A writer for crash tests: appends batches to a ledger and prints
// "committed <batch> <first position> <count>" on stdout (flushed) after each
// append returns success, until killed or done.
//
//   crash_writer DB PREFIX BATCHES BATCH_SIZE sync|bulk
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: crash_writer DB PREFIX BATCHES BATCH_SIZE sync|bulk\n");
    return 2;
  }
  const std::string db = argv[1], prefix = argv[2];
  const int batches = std::atoi(argv[3]), batch_size = std::atoi(argv[4]);
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "crash.example/log";
  o.durability = std::string(argv[5]) == "bulk" ? ledger::Durability::kBulk
                                                : ledger::Durability::kSync;
  auto l = ledger::Ledger::Open(db, o);
  if (!l.ok()) {
    std::fprintf(stderr, "open: %s\n", l.status().ToString().c_str());
    return 1;
  }
  std::vector<enforcement::v1::Event> events(batch_size);
  for (int b = 0; b < batches; ++b) {
    for (int i = 0; i < batch_size; ++i) {
      enforcement::v1::Event& e = events[i];
      e.Clear();
      e.set_event_id(absl::StrCat(prefix, "-", b, "-", i));
      e.set_stream(absl::StrCat("suspect/", prefix, "-", (b * 7 + i) % 50));
      e.mutable_occurred_at()->set_seconds(1709251200);
      e.set_occurred_precision(enforcement::v1::PRECISION_MONTH);
      e.mutable_source()->set_publisher("crash test");
      auto* a = e.mutable_arrest();
      a->mutable_suspect()->set_suspect_id(absl::StrCat(prefix, "-", (b * 7 + i) % 50));
      a->mutable_suspect()->set_nationality("CN");
      a->mutable_location()->set_place(std::string(100 + (i % 50), 'x'));
    }
    auto r = (*l)->AppendEvents(events);
    if (!r.ok()) {
      std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
      return 1;
    }
    std::printf("committed %d %llu %llu\n", b,
                static_cast<unsigned long long>(r->events[0].position),
                static_cast<unsigned long long>(r->appended));
    std::fflush(stdout);
  }
  return 0;
}
