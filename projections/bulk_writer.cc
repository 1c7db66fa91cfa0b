#include "projections/bulk_writer.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/run_merge.h"
#include "projections/views_internal.h"

namespace projections::internal {

BulkWriter::BulkWriter(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                       std::string tmp_dir, size_t min_range_bytes)
    : db_(db),
      cfs_(cfs),
      tmp_dir_(std::move(tmp_dir)),
      min_range_bytes_(std::max<size_t>(1, min_range_bytes)),
      raw_runs_(kNumCfs) {
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
                                      raw_runs_[c].size(), ".raw");
      RawRun written;
      if (absl::Status s = run.WriteRaw(path, &written); !s.ok()) return s;
      raw_runs_[c].push_back(std::move(written));
    }
    return absl::OkStatus();
  });
  return absl::OkStatus();
}

// A key range of one family, merged on its own into SST files.
struct BulkWriter::MergeTask {
  Cf family;
  KeyRange range;
  uint64_t bytes;  // of run data in the range, estimated
  int index;       // in key order within the family: names its files
};

namespace {

bool HasEntities(Cf c) { return c == kSuspectsCf || c == kOperationsCf || c == kCasesCf; }

// The member prefix ('m' eid, store_coding.h) of a member key: every member of that
// entity sorts at or after it, every member of an earlier one before it.
std::string EntityBoundary(absl::string_view member_key) {
  if (member_key.empty()) return std::string();
  absl::string_view in = member_key.substr(1);
  std::string id;
  if (!GetEntityId(&in, &id)) return std::string(member_key);
  return std::string(member_key.substr(0, member_key.size() - in.size()));
}

}  // namespace

std::vector<BulkWriter::MergeTask> BulkWriter::PlanMerge(int threads) const {
  uint64_t total = 0;
  for (int c = 0; c < kNumCfs; ++c) {
    for (const RawRun& r : raw_runs_[c]) total += r.bytes;
  }
  // About eight ranges per thread: small enough to even out the threads'
  // shares, large enough that each range's fixed costs (opening every run,
  // a file of its own) stay small.
  const uint64_t target =
      std::max<uint64_t>(total / (8 * static_cast<uint64_t>(std::max(threads, 1))),
                         min_range_bytes_);
  std::vector<MergeTask> tasks;
  for (int c = 0; c < kNumCfs; ++c) {
    if (c == kEventsCf || raw_runs_[c].empty()) continue;
    uint64_t bytes = 0;
    std::vector<absl::string_view> samples;
    for (const RawRun& r : raw_runs_[c]) {
      bytes += r.bytes;
      for (const auto& [key, offset] : r.samples) samples.push_back(key);
    }
    std::sort(samples.begin(), samples.end());
    const size_t parts =
        std::clamp<size_t>((bytes + target / 2) / target, 1, std::max<size_t>(1, samples.size()));
    std::vector<std::string> pivots;
    for (size_t i = 1; i < parts; ++i) {
      std::string p(samples[i * samples.size() / parts]);
      if (HasEntities(static_cast<Cf>(c))) p = EntityBoundary(p);
      if (!p.empty() && (pivots.empty() || p > pivots.back())) pivots.push_back(std::move(p));
    }
    // A range's size: the family's bytes in proportion to its samples.
    auto samples_below = [&samples](absl::string_view key) {
      return static_cast<uint64_t>(std::lower_bound(samples.begin(), samples.end(), key) -
                                   samples.begin());
    };
    uint64_t below_lo = 0;
    for (size_t i = 0; i <= pivots.size(); ++i) {
      MergeTask t;
      t.family = static_cast<Cf>(c);
      t.range.lo = i == 0 ? std::string() : pivots[i - 1];
      t.range.has_hi = i < pivots.size();
      if (t.range.has_hi) t.range.hi = pivots[i];
      const uint64_t below_hi = t.range.has_hi ? samples_below(t.range.hi) : samples.size();
      t.bytes = samples.empty() ? bytes : bytes * (below_hi - below_lo) / samples.size();
      below_lo = below_hi;
      t.index = static_cast<int>(i);
      tasks.push_back(std::move(t));
    }
  }
  // Largest first, so that the last ranges taken are small.
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const MergeTask& a, const MergeTask& b) { return a.bytes > b.bytes; });
  return tasks;
}

absl::Status BulkWriter::MergeRange(const MergeTask& task, CounterMap* totals,
                                    std::vector<std::string>* key_files,
                                    std::vector<std::string>* view_files) {
  const Cf c = task.family;
  const bool entities = HasEntities(c);
  // Member keys ('m') sort before view keys ('v'): two sinks, two ranges.
  SstSink keys(db_, cfs_[c], tmp_dir_, absl::StrCat("merged-", task.index));
  SstSink views(db_, cfs_[c], tmp_dir_, absl::StrCat("views-", task.index));
  EntityBuilder builder(c, totals, [&views](absl::string_view k, absl::string_view v) {
    return views.Put(k, v);
  });
  absl::Status s = MergeRawRuns(db_->GetEnv(), raw_runs_[c], task.range,
                                [&](absl::string_view k, absl::string_view v) -> absl::Status {
                                  if (entities && !k.empty() && k[0] == kMemberTag) {
                                    if (absl::Status b = builder.AddMember(k, v); !b.ok()) {
                                      return b;
                                    }
                                  }
                                  return keys.Put(k, v);
                                });
  if (s.ok() && entities) s = builder.Finish();
  if (s.ok()) s = keys.Close(key_files);
  if (s.ok()) s = views.Close(view_files);
  return s;
}

absl::Status BulkWriter::Finish(CounterMap* totals, const std::function<absl::Status()>& side_job,
                                const std::function<void(double)>& progress, int threads) {
  if (absl::Status s = Drain(); !s.ok()) return s;
  if (absl::Status s = Wait(); !s.ok()) return s;
  const std::vector<MergeTask> tasks = PlanMerge(threads);
  // Per task: its files and its entities' totals, gathered in key order.
  std::vector<std::vector<std::string>> key_files(tasks.size()), view_files(tasks.size());
  std::vector<CounterMap> task_totals(tasks.size());
  std::atomic<size_t> next{0};
  std::mutex mu;  // guards `failed`
  absl::Status failed;
  std::mutex progress_mu;  // one progress call at a time, fractions increasing
  uint64_t planned = 0, merged = 0;  // run bytes, estimated
  for (const MergeTask& t : tasks) planned += t.bytes;
  if (progress) progress(0.0);
  auto fail = [&](const absl::Status& s) {
    std::lock_guard<std::mutex> l(mu);
    if (failed.ok()) failed = s;
  };
  auto work = [&](bool side) {
    if (side && side_job) {
      if (absl::Status s = side_job(); !s.ok()) return fail(s);
    }
    for (size_t i; (i = next.fetch_add(1)) < tasks.size();) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (!failed.ok()) return;
      }
      absl::Status s = MergeRange(tasks[i], &task_totals[i], &key_files[i], &view_files[i]);
      if (!s.ok()) return fail(s);
      if (progress) {
        std::lock_guard<std::mutex> l(progress_mu);
        merged += tasks[i].bytes;
        progress(planned > 0 ? static_cast<double>(merged) / static_cast<double>(planned) : 1.0);
      }
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work, t == 1);
  work(threads <= 1);
  for (std::thread& t : helpers) t.join();
  if (!failed.ok()) return failed;
  if (progress && tasks.empty()) progress(1.0);
  for (int c = 0; c < kNumCfs; ++c) {
    // A family's files in key order: its ranges' files in range order, then
    // (entity views: 'v' keys sort after every member key) their views'.
    std::vector<std::pair<int, size_t>> order;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].family == c) order.emplace_back(tasks[i].index, i);
    }
    std::sort(order.begin(), order.end());
    std::vector<std::string> family_files;
    for (const auto& [index, i] : order) {
      family_files.insert(family_files.end(), key_files[i].begin(), key_files[i].end());
    }
    for (const auto& [index, i] : order) {
      family_files.insert(family_files.end(), view_files[i].begin(), view_files[i].end());
    }
    if (absl::Status s = IngestSstFiles(db_, cfs_[c], family_files); !s.ok()) return s;
  }
  for (const CounterMap& m : task_totals) AddCounters(m, totals);
  for (auto& runs : raw_runs_) {
    for (const RawRun& r : runs) (void)db_->GetEnv()->DeleteFile(r.path);
    runs.clear();
  }
  (void)db_->GetEnv()->DeleteDir(tmp_dir_);  // best effort: Open empties it anyway
  return absl::OkStatus();
}

}  // namespace projections::internal
