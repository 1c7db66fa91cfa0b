#include "projections/bulk_writer.h"

#include <utility>

namespace projections::internal {

BulkWriter::BulkWriter(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                       const std::string& tmp_dir) {
  for (int c = 0; c < kNumCfs; ++c) {
    // No size limit of their own: the caller drains on bytes().
    active_.push_back(std::make_unique<SortedRun>(db, cfs[c], tmp_dir, ~size_t{0}));
    // Only these ingest, so their file names never collide.
    draining_.push_back(std::make_unique<SortedRun>(db, cfs[c], tmp_dir, ~size_t{0}));
  }
}

BulkWriter::~BulkWriter() { (void)Wait(); }

size_t BulkWriter::bytes() const {
  size_t n = 0;
  for (const auto& r : active_) n += r->bytes();
  return n;
}

absl::Status BulkWriter::Wait() {
  if (!in_flight_.valid()) return absl::OkStatus();
  return in_flight_.get();
}

absl::Status BulkWriter::Drain() {
  if (absl::Status s = Wait(); !s.ok()) return s;
  bool any = false;
  for (int c = 0; c < kNumCfs; ++c) {
    active_[c]->SwapContents(*draining_[c]);
    any = any || !draining_[c]->empty();
  }
  if (!any) return absl::OkStatus();
  in_flight_ = std::async(std::launch::async, [this]() -> absl::Status {
    for (auto& run : draining_) {
      if (absl::Status s = run->Ingest(); !s.ok()) return s;
    }
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

}  // namespace projections::internal
