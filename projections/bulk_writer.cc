#include "projections/bulk_writer.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/run_merge.h"
#include "projections/views_internal.h"

namespace projections::internal {

BulkWriter::BulkWriter(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                       std::string tmp_dir)
    : db_(db), cfs_(cfs), tmp_dir_(std::move(tmp_dir)), raw_files_(kNumCfs) {
  for (int c = 0; c < kNumCfs; ++c) {
    // No size limit of their own: the caller drains on bytes().
    active_.push_back(std::make_unique<SortedRun>(db, cfs[c], tmp_dir_));
    // Only these write files, so their names never collide.
    draining_.push_back(std::make_unique<SortedRun>(db, cfs[c], tmp_dir_));
  }
}

BulkWriter::~BulkWriter() { (void)Wait(); }

absl::Status BulkWriter::Open() {
  rocksdb::Env* env = db_->GetEnv();
  if (absl::Status s = ViewsFromRocks(env->CreateDirIfMissing(tmp_dir_),
                                      absl::StrCat("creating ", tmp_dir_));
      !s.ok()) {
    return s;
  }
  std::vector<std::string> left;  // by an interrupted build
  if (absl::Status s = ViewsFromRocks(env->GetChildren(tmp_dir_, &left),
                                      absl::StrCat("listing ", tmp_dir_));
      !s.ok()) {
    return s;
  }
  for (const std::string& f : left) {
    if (f == "." || f == "..") continue;
    if (absl::Status s = ViewsFromRocks(env->DeleteFile(absl::StrCat(tmp_dir_, "/", f)),
                                        absl::StrCat("removing ", tmp_dir_, "/", f));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

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
    for (int c = 0; c < kNumCfs; ++c) {
      SortedRun& run = *draining_[c];
      if (run.empty()) continue;
      if (c == kEventsCf) {
        if (absl::Status s = run.Ingest(); !s.ok()) return s;
        continue;
      }
      std::string path = absl::StrCat(tmp_dir_, "/run-", kCfNames[c], "-",
                                      raw_files_[c].size(), ".raw");
      if (absl::Status s = run.WriteRaw(path); !s.ok()) return s;
      raw_files_[c].push_back(std::move(path));
    }
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

absl::Status BulkWriter::MergeFamily(Cf c, CounterMap* totals) {
  if (raw_files_[c].empty()) return absl::OkStatus();
  const bool entities = c == kSuspectsCf || c == kOperationsCf || c == kCasesCf;
  // Member keys ('m') sort before view keys ('v'): two sinks, two ranges.
  SstSink keys(db_, cfs_[c], tmp_dir_, "merged");
  SstSink views(db_, cfs_[c], tmp_dir_, "views");
  EntityBuilder builder(c, totals, [&views](absl::string_view k, absl::string_view v) {
    return views.Put(k, v);
  });
  absl::Status s = MergeRawRuns(db_->GetEnv(), raw_files_[c],
                                [&](absl::string_view k, absl::string_view v) -> absl::Status {
                                  if (entities && !k.empty() && k[0] == kMemberTag) {
                                    if (absl::Status b = builder.AddMember(k, v); !b.ok()) {
                                      return b;
                                    }
                                  }
                                  return keys.Put(k, v);
                                });
  if (s.ok() && entities) s = builder.Finish();
  if (s.ok()) s = keys.Finish();
  if (s.ok()) s = views.Finish();
  for (const std::string& f : raw_files_[c]) (void)db_->GetEnv()->DeleteFile(f);
  raw_files_[c].clear();
  return s;
}

absl::Status BulkWriter::Finish(CounterMap* totals) {
  if (absl::Status s = Drain(); !s.ok()) return s;
  if (absl::Status s = Wait(); !s.ok()) return s;
  // Suspects (the most member keys, and the entity views) on one thread,
  // the other families on this one (event states are in the store already).
  CounterMap suspect_totals;
  absl::Status suspects;
  std::thread worker([&] { suspects = MergeFamily(kSuspectsCf, &suspect_totals); });
  absl::Status others;
  for (int c = 0; c < kNumCfs && others.ok(); ++c) {
    if (c != kSuspectsCf && c != kEventsCf) others = MergeFamily(static_cast<Cf>(c), totals);
  }
  worker.join();
  if (!suspects.ok()) return suspects;
  if (!others.ok()) return others;
  for (const auto& [key, delta] : suspect_totals) {
    if (delta != 0) (*totals)[key] += delta;
  }
  (void)db_->GetEnv()->DeleteDir(tmp_dir_);  // best effort: Open empties it anyway
  return absl::OkStatus();
}

}  // namespace projections::internal
