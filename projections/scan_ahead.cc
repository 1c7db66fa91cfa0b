#include "projections/scan_ahead.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace projections::internal {

namespace {

// Batches of records pass from the reader to the caller through `full` and
// come back through `free`, so their records' buffers are reused.
struct Pipe {
  struct Batch {
    std::vector<ledger::StoredRecord> records;
    size_t used = 0;
  };
  std::mutex mu;
  std::condition_variable changed;
  std::deque<Batch*> full, free;
  bool reader_done = false;  // no more batches will come
  absl::Status reader_status;
  bool stop = false;  // the caller gave up: the reader stops
};

}  // namespace

absl::Status ScanAhead(const ledger::Ledger& ledger, uint64_t from, uint64_t to,
                       const std::function<absl::Status(const ledger::StoredRecord&)>& fn,
                       size_t batch_records, size_t batches) {
  batch_records = std::max<size_t>(1, batch_records);
  std::vector<Pipe::Batch> storage(std::max<size_t>(2, batches));
  Pipe pipe;
  for (Pipe::Batch& b : storage) {
    b.records.resize(batch_records);
    pipe.free.push_back(&b);
  }
  std::thread reader([&] {
    Pipe::Batch* batch = nullptr;
    // Hands the current batch over; false when the caller stopped.
    auto hand_over = [&]() {
      std::lock_guard<std::mutex> l(pipe.mu);
      pipe.full.push_back(batch);
      batch = nullptr;
      pipe.changed.notify_all();
      return !pipe.stop;
    };
    absl::Status s = ledger.Scan(from, to, [&](ledger::StoredRecord& r) -> absl::Status {
      if (batch == nullptr) {
        std::unique_lock<std::mutex> l(pipe.mu);
        pipe.changed.wait(l, [&] { return pipe.stop || !pipe.free.empty(); });
        if (pipe.stop) return absl::CancelledError("the caller stopped");
        batch = pipe.free.front();
        pipe.free.pop_front();
        batch->used = 0;
      }
      std::swap(batch->records[batch->used++], r);  // Scan refills r
      if (batch->used == batch->records.size() && !hand_over()) {
        return absl::CancelledError("the caller stopped");
      }
      return absl::OkStatus();
    });
    if (batch != nullptr && batch->used > 0) hand_over();
    std::lock_guard<std::mutex> l(pipe.mu);
    pipe.reader_done = true;
    pipe.reader_status = std::move(s);
    pipe.changed.notify_all();
  });

  absl::Status result;
  while (true) {
    Pipe::Batch* batch = nullptr;
    {
      std::unique_lock<std::mutex> l(pipe.mu);
      pipe.changed.wait(l, [&] { return !pipe.full.empty() || pipe.reader_done; });
      if (pipe.full.empty()) {
        result = pipe.reader_status;
        break;
      }
      batch = pipe.full.front();
      pipe.full.pop_front();
    }
    for (size_t i = 0; i < batch->used && result.ok(); ++i) result = fn(batch->records[i]);
    std::lock_guard<std::mutex> l(pipe.mu);
    pipe.free.push_back(batch);
    pipe.stop = !result.ok();
    pipe.changed.notify_all();
    if (pipe.stop) break;
  }
  reader.join();
  return result;
}

}  // namespace projections::internal
