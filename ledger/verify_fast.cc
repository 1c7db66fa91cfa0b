// The fast pass of Ledger::Verify (ledger/verify.cc, "1. The fast pass"):
// every check on two threads over one consistent snapshot, comparing
// multiset digests of what is stored with what the records imply.
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/key_coding.h"
#include "ledger/record_coding.h"
#include "ledger/record_fields.h"
#include "ledger/verify_digest.h"
#include "ledger/verify_internal.h"
#include "util/time_format.h"

namespace ledger::verify_internal {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

// Stored record values handed from the reader thread to the checker.
struct Batch {
  uint64_t first_position = 0;
  std::string data;                  // the values, back to back
  std::vector<uint32_t> ends;        // end offset of each value in data
  std::vector<merkle::Hash> leaves;  // LeafHash of each value's record bytes
};

// A bounded hand-over of batches, recycling their buffers.
class BatchQueue {
 public:
  static constexpr size_t kBatches = 4;
  BatchQueue() {
    for (size_t i = 0; i < kBatches; ++i) free_.push_back(std::make_unique<Batch>());
  }
  // Reader side.
  std::unique_ptr<Batch> TakeFree() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !free_.empty() || closed_; });
    if (free_.empty()) return nullptr;
    auto b = std::move(free_.front());
    free_.pop_front();
    return b;
  }
  void PushFull(std::unique_ptr<Batch> b) {
    std::lock_guard<std::mutex> l(mu_);
    full_.push_back(std::move(b));
    cv_.notify_all();
  }
  void FinishWriting() {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
    cv_.notify_all();
  }
  // Checker side: the next batch, or nullptr when the reader is done.
  std::unique_ptr<Batch> TakeFull() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    auto b = std::move(full_.front());
    full_.pop_front();
    return b;
  }
  void GiveBack(std::unique_ptr<Batch> b) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(b));
    cv_.notify_all();
  }
  // Stops the reader (it gets no more free batches).
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    free_.clear();
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> free_, full_;
  bool done_ = false, closed_ = false;
};

class FastVerifier {
 public:
  FastVerifier(const VerifyStore& st, const Head& head, const rocksdb::Snapshot* snapshot,
               const DigestKeys& keys, const std::function<void(uint64_t, uint64_t)>& progress)
      : st_(st),
        head_(head),
        snapshot_(snapshot),
        progress_(progress),
        merkle_expected_(keys),
        streams_expected_(keys),
        ids_expected_(keys),
        retracted_expected_(keys),
        merkle_stored_(keys),
        streams_stored_(keys),
        ids_stored_(keys),
        retracted_stored_(keys) {}

  // Runs both threads; returns what was found and fills *root.
  FastFinding Run(merkle::Hash* root) {
    std::thread reader([this] {
      ReadRecords();
      RunFamilyTasks();
    });
    CheckRecords();
    RunFamilyTasks();
    reader.join();
    *root = range_.Root();
    return Compare();
  }

  uint64_t records_checked() const { return checked_; }

 private:
  enum Task { kMerkleTask = 0, kStreamsTask, kEventIdsTask, kRetractedTask, kNumTasks };

  rocksdb::ReadOptions ScanOptions() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.readahead_size = 4 << 20;
    ro.fill_cache = false;  // one pass over everything: keep the cache for others
    return ro;
  }

  // Records a finding (the first one wins) and stops both threads.
  void Found(std::optional<uint64_t> position, std::string problem) {
    std::lock_guard<std::mutex> l(finding_mu_);
    if (finding_.ok) {
      finding_.ok = false;
      finding_.position = position;
      finding_.problem = std::move(problem);
    }
    stop_.store(true);
    queue_.Close();
  }
  void FoundError(absl::Status s) {
    {
      std::lock_guard<std::mutex> l(finding_mu_);
      if (finding_.ok) {
        finding_.ok = false;
        finding_.error = std::move(s);
      }
    }
    stop_.store(true);
    queue_.Close();
  }

  // Reader thread: the records family in key order, values in batches.
  void ReadRecords() {
    constexpr size_t kBatchBytes = 1 << 20;
    constexpr size_t kBatchRecords = 4096;
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), st_.records));
    std::unique_ptr<Batch> batch;
    uint64_t expect = 0;
    for (it->SeekToFirst(); it->Valid() && !stop_.load(std::memory_order_relaxed); it->Next()) {
      if (it->key().size() != 8) {
        Found(expect,
              absl::StrCat("records key of ", it->key().size(), " bytes after position ", expect));
        break;
      }
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      if (pos != expect || pos >= head_.tree_size) {
        Found(std::min(expect, head_.tree_size),
              expect >= head_.tree_size
                  ? std::string("a record is stored past the head")
                  : MissingRecordText(expect, absl::StrCat("next stored is ", pos), *it,
                                      st_.log_capture));
        break;
      }
      if (!batch) {
        batch = queue_.TakeFree();
        if (!batch) break;  // closed
        batch->first_position = pos;
        batch->data.clear();
        batch->ends.clear();
        batch->leaves.clear();
      }
      // The leaf hash is computed here, on the reader thread, which has time
      // to spare; the checker checks the value's tag before using it.
      const rocksdb::Slice value = it->value();
      batch->leaves.push_back(
          value.empty() ? merkle::Hash{}
                        : merkle::LeafHash(absl::string_view(value.data() + 1, value.size() - 1)));
      batch->data.append(value.data(), value.size());
      batch->ends.push_back(static_cast<uint32_t>(batch->data.size()));
      ++expect;
      if (batch->data.size() >= kBatchBytes || batch->ends.size() >= kBatchRecords) {
        queue_.PushFull(std::move(batch));
      }
    }
    if (batch) queue_.PushFull(std::move(batch));
    if (!stop_.load()) {
      if (absl::Status s = FromRocks(it->status(), "reading records"); !s.ok()) {
        FoundError(s);
      } else if (expect != head_.tree_size) {
        Found(expect, MissingRecordText(expect, absl::StrCat("tree size ", head_.tree_size), *it,
                                        st_.log_capture));
      }
    }
    queue_.FinishWriting();
  }

  // Checker (calling) thread: every record.
  void CheckRecords() {
    LedgerRecord scratch;
    RecordFields f;
    std::string stream_key, position_value, merkle_key;
    absl::Time last_recorded = absl::InfinitePast();
    while (std::unique_ptr<Batch> batch = queue_.TakeFull()) {
      if (stop_.load(std::memory_order_relaxed)) break;
      uint32_t begin = 0;
      uint64_t pos = batch->first_position;
      for (size_t i = 0; i < batch->ends.size(); ++i) {
        const uint32_t end = batch->ends[i];
        const absl::string_view value(batch->data.data() + begin, end - begin);
        begin = end;
        absl::StatusOr<absl::string_view> bytes = RecordBytesFromValue(value, pos);
        if (!bytes.ok()) return Found(pos, std::string(bytes.status().message()));
        if (!ReadRecordFields(*bytes, &scratch, &f)) {
          return Found(pos, absl::StrCat("record ", pos, ": stored bytes do not parse"));
        }
        if (f.position != pos) {
          return Found(pos, absl::StrCat("record ", pos, ": stored under position ", pos,
                                         " but says position ", f.position));
        }
        const absl::Time recorded =
            absl::FromUnixSeconds(f.recorded_seconds) + absl::Nanoseconds(f.recorded_nanos);
        if (recorded < last_recorded) {
          return Found(pos, absl::StrCat("recorded_at ", util::FormatRfc3339(recorded),
                                         " is earlier than the previous record's ",
                                         util::FormatRfc3339(last_recorded)));
        }
        last_recorded = recorded;
        range_.Append(batch->leaves[i], [&](int level, uint64_t index, const merkle::Hash& h) {
          merkle_key.clear();
          merkle_key.push_back(static_cast<char>(level));
          PutFixed64BE(&merkle_key, index);
          merkle_expected_.Add(
              merkle_key, absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
        });
        position_value.clear();
        PutFixed64BE(&position_value, pos);
        stream_key.assign(f.stream.data(), f.stream.size());
        stream_key.push_back('\0');
        PutFixed64BE(&stream_key, f.stream_version);
        streams_expected_.Add(stream_key, position_value);
        ids_expected_.Add(f.event_id, position_value);
        if (f.retraction) retracted_expected_.Add(f.retraction_target, position_value);
        ++pos;
        ++checked_;
        if (progress_ && checked_ % 65536 == 0) progress_(checked_, head_.tree_size);
      }
      queue_.GiveBack(std::move(batch));
    }
  }

  // Both threads, once done with the records: scan the other families.
  void RunFamilyTasks() {
    for (int t = next_task_.fetch_add(1); t < kNumTasks; t = next_task_.fetch_add(1)) {
      if (stop_.load()) return;
      switch (t) {
        case kMerkleTask:
          ScanFamily(st_.merkle, &merkle_stored_, "scanning the merkle family");
          break;
        case kStreamsTask:
          ScanStreams();
          break;
        case kEventIdsTask:
          ScanFamily(st_.event_ids, &ids_stored_, "scanning the event-id index");
          break;
        case kRetractedTask:
          ScanFamily(st_.retracted, &retracted_stored_, "scanning the retraction index");
          break;
      }
    }
  }

  void ScanFamily(rocksdb::ColumnFamilyHandle* cf, MultisetDigest* d, const char* what) {
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if ((d->count() & 0xffff) == 0 && stop_.load(std::memory_order_relaxed)) return;
      d->Add(absl::string_view(it->key().data(), it->key().size()),
             absl::string_view(it->value().data(), it->value().size()));
    }
    if (absl::Status s = FromRocks(it->status(), what); !s.ok()) FoundError(s);
  }

  // The stream index in key order: versions of each stream contiguous from
  // 0, positions increasing; and its digest.
  void ScanStreams() {
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), st_.streams));
    std::string last_stream;
    uint64_t last_version = 0, last_position = 0;
    bool have_last = false;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if ((streams_stored_.count() & 0xffff) == 0 && stop_.load(std::memory_order_relaxed)) return;
      const absl::string_view k(it->key().data(), it->key().size());
      const absl::string_view v(it->value().data(), it->value().size());
      absl::string_view s;
      uint64_t version;
      if (!ParseStreamKey(k, &s, &version) || v.size() != 8) {
        return Found(std::nullopt, "the stream index holds a malformed entry");
      }
      const uint64_t pos = DecodeFixed64BE(v.data());
      const bool same = have_last && s == last_stream;
      if ((same && (version != last_version + 1 || pos <= last_position)) ||
          (!same && version != 0)) {
        return Found(std::nullopt, absl::StrCat("stream \"", s, "\" version ", version,
                                                " is out of sequence in the stream index"));
      }
      last_stream.assign(s.data(), s.size());
      last_version = version;
      last_position = pos;
      have_last = true;
      streams_stored_.Add(k, v);
    }
    if (absl::Status st = FromRocks(it->status(), "scanning an index"); !st.ok()) FoundError(st);
  }

  FastFinding Compare() {
    std::lock_guard<std::mutex> l(finding_mu_);
    if (!finding_.ok) return finding_;
    FastFinding f;
    if (checked_ != head_.tree_size) {
      f.ok = false;
      f.position = checked_;
      f.problem = absl::StrCat("the head says ", head_.tree_size, " records but only ", checked_,
                               " are stored");
    } else if (range_.Root() != head_.root) {
      f.ok = false;
      f.problem = absl::StrCat("recomputed root ", merkle::ToHex(range_.Root()),
                               " differs from the stored head root ", merkle::ToHex(head_.root));
    } else if (!(merkle_stored_ == merkle_expected_)) {
      f.ok = false;
      f.problem = absl::StrCat("the merkle family holds ", merkle_stored_.count(),
                               " nodes where the records complete ", merkle_expected_.count(),
                               ", or some stored node differs from the recomputed one");
    } else if (!(streams_stored_ == streams_expected_)) {
      f.ok = false;
      f.problem = "the stream index differs from the entries the records imply";
    } else if (!(ids_stored_ == ids_expected_)) {
      f.ok = false;
      f.problem = "the event-id index differs from the entries the records imply";
    } else if (!(retracted_stored_ == retracted_expected_)) {
      f.ok = false;
      f.problem = "the retraction index differs from the entries the records imply";
    }
    return f;
  }

  const VerifyStore st_;
  const Head head_;
  const rocksdb::Snapshot* snapshot_;
  const std::function<void(uint64_t, uint64_t)>& progress_;
  BatchQueue queue_;
  std::atomic<bool> stop_{false};
  std::atomic<int> next_task_{0};
  std::mutex finding_mu_;
  FastFinding finding_;
  // Checker thread only.
  merkle::CompactRange range_;
  uint64_t checked_ = 0;
  MultisetDigest merkle_expected_, streams_expected_, ids_expected_, retracted_expected_;
  // One family task each.
  MultisetDigest merkle_stored_, streams_stored_, ids_stored_, retracted_stored_;
};

}  // namespace

FastFinding RunFastPass(const VerifyStore& st, const Head& head, const rocksdb::Snapshot* snapshot,
                        const DigestKeys& keys,
                        const std::function<void(uint64_t, uint64_t)>& progress,
                        merkle::Hash* root, uint64_t* records_checked) {
  FastVerifier fast(st, head, snapshot, keys, progress);
  FastFinding finding = fast.Run(root);
  *records_checked = fast.records_checked();
  return finding;
}

}  // namespace ledger::verify_internal
