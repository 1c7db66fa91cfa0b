// The lookup pass of Ledger::Verify (ledger/verify.cc, "2."): runs only when
// the fast pass found something, and names the first position that differs
// and what differs.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/key_coding.h"
#include "ledger/record_coding.h"
#include "ledger/verify_digest.h"
#include "ledger/verify_internal.h"
#include "util/time_format.h"

namespace ledger::verify_internal {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

// Walks the stored nodes of one Merkle level in index order.
class LevelCursor {
 public:
  LevelCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, int level)
      : lower_(MerkleKey(level, 0)), upper_(MerkleKey(level + 1, 0)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    ro.readahead_size = 1 << 20;
    it_.reset(db->NewIterator(ro, cf));
    it_->Seek(lower_);
  }
  rocksdb::Iterator* it() { return it_.get(); }

 private:
  std::string lower_, upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string PositionValue(uint64_t position) { return RecordKey(position); }

}  // namespace

absl::StatusOr<VerifyReport> VerifyByLookups(
    const Ledger& ledger, const VerifyStore& st, const Head& head,
    const std::function<void(uint64_t done, uint64_t total)>& progress) {
  VerifyReport report;
  report.tree_size = head.tree_size;
  auto fail = [&](std::optional<uint64_t> pos, std::string problem) {
    report.first_bad_position = pos;
    report.problem = std::move(problem);
    return report;
  };

  // 1. Records: leaf hashes, Merkle nodes, clock, and index digests.
  merkle::CompactRange range;
  std::vector<std::unique_ptr<LevelCursor>> levels;
  Sha256SetDigest streams_expected, ids_expected, retracted_expected;
  absl::Time last_recorded = absl::InfinitePast();
  std::string node_problem;
  std::string problem;
  uint64_t position = 0;
  absl::Status scan = ledger.Scan(0, head.tree_size, [&](const StoredRecord& rec) -> absl::Status {
    position = rec.record.position();
    const absl::Time recorded = absl::FromUnixSeconds(rec.record.recorded_at().seconds()) +
                                absl::Nanoseconds(rec.record.recorded_at().nanos());
    if (recorded < last_recorded) {
      problem =
          absl::StrCat("recorded_at ", util::FormatRfc3339(recorded),
                       " is earlier than the previous record's ", util::FormatRfc3339(last_recorded));
      return absl::CancelledError();
    }
    last_recorded = recorded;
    range.Append(
        merkle::LeafHash(rec.bytes), [&](int level, uint64_t index, const merkle::Hash& h) {
          if (!node_problem.empty()) return;
          while (static_cast<int>(levels.size()) <= level) {
            levels.push_back(
                std::make_unique<LevelCursor>(st.db, st.merkle, static_cast<int>(levels.size())));
          }
          rocksdb::Iterator* it = levels[level]->it();
          int stored_level;
          uint64_t stored_index;
          if (!it->Valid() ||
              !ParseMerkleKey(absl::string_view(it->key().data(), it->key().size()), &stored_level,
                              &stored_index) ||
              stored_index != index) {
            node_problem = absl::StrCat("Merkle node (level ", level, ", index ", index,
                                        ") is missing from storage");
            return;
          }
          if (it->value().size() != 32 || std::memcmp(it->value().data(), h.data(), 32) != 0) {
            node_problem = absl::StrCat("stored Merkle node (level ", level, ", index ", index,
                                        ") differs from the hash recomputed from the records");
            return;
          }
          it->Next();
        });
    if (!node_problem.empty()) {
      problem = node_problem;
      return absl::CancelledError();
    }
    const Event& e = rec.record.event();
    const std::string pos_value = PositionValue(position);
    streams_expected.Add(StreamKey(e.stream(), rec.record.stream_version()), pos_value);
    ids_expected.Add(e.event_id(), pos_value);
    if (e.body_case() == Event::kRetraction) {
      retracted_expected.Add(e.retraction().target_event_id(), pos_value);
    }
    ++report.records_checked;
    if (progress && report.records_checked % 65536 == 0) {
      progress(report.records_checked, head.tree_size);
    }
    return absl::OkStatus();
  });
  if (!problem.empty()) return fail(position, problem);
  if (!scan.ok()) {
    if (scan.code() == absl::StatusCode::kDataLoss) {
      return fail(report.records_checked, std::string(scan.message()));
    }
    return scan;
  }
  if (report.records_checked != head.tree_size) {
    return fail(report.records_checked,
                absl::StrCat("the head says ", head.tree_size, " records but only ",
                             report.records_checked, " are stored"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(st.db->NewIterator(rocksdb::ReadOptions(), st.records));
    it->Seek(RecordKey(head.tree_size));
    if (it->Valid()) {
      return fail(head.tree_size, "a record is stored past the head");
    }
  }
  report.root = range.Root();
  report.root_computed = true;
  if (report.root != head.root) {
    return fail(std::nullopt,
                absl::StrCat("recomputed root ", merkle::ToHex(report.root),
                             " differs from the stored head root ", merkle::ToHex(head.root)));
  }
  for (size_t level = 0; level < levels.size(); ++level) {
    if (levels[level]->it()->Valid()) {
      return fail(std::nullopt,
                  absl::StrCat("Merkle level ", level, " stores nodes beyond the tree size"));
    }
  }

  // 2. Indexes, each one sequential pass.
  auto digest_family =
      [&](rocksdb::ColumnFamilyHandle* cf, Sha256SetDigest* d,
          const std::function<std::string(absl::string_view, absl::string_view)>& check)
      -> absl::StatusOr<std::string> {
    std::unique_ptr<rocksdb::Iterator> it(st.db->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::string_view k(it->key().data(), it->key().size());
      absl::string_view v(it->value().data(), it->value().size());
      if (check) {
        if (std::string p = check(k, v); !p.empty()) return p;
      }
      d->Add(k, v);
    }
    if (absl::Status s = FromRocks(it->status(), "scanning an index"); !s.ok()) return s;
    return std::string();
  };
  std::string last_stream;
  uint64_t last_version = 0, last_position = 0;
  bool have_last = false;
  Sha256SetDigest streams_stored, ids_stored, retracted_stored;
  absl::StatusOr<std::string> sp =
      digest_family(st.streams, &streams_stored, [&](absl::string_view k, absl::string_view v) {
        absl::string_view s;
        uint64_t version;
        if (!ParseStreamKey(k, &s, &version) || v.size() != 8) {
          return std::string("the stream index holds a malformed entry");
        }
        const uint64_t pos = DecodeFixed64BE(v.data());
        const bool same = have_last && s == last_stream;
        if ((same && (version != last_version + 1 || pos <= last_position)) ||
            (!same && version != 0)) {
          return absl::StrCat("stream \"", s, "\" version ", version,
                              " is out of sequence in the stream index");
        }
        last_stream.assign(s.data(), s.size());
        last_version = version;
        last_position = pos;
        have_last = true;
        return std::string();
      });
  if (!sp.ok()) return sp.status();
  if (!sp->empty()) return fail(std::nullopt, *sp);
  absl::StatusOr<std::string> ip = digest_family(st.event_ids, &ids_stored, nullptr);
  if (!ip.ok()) return ip.status();
  absl::StatusOr<std::string> rp = digest_family(st.retracted, &retracted_stored, nullptr);
  if (!rp.ok()) return rp.status();
  if (streams_stored == streams_expected && ids_stored == ids_expected &&
      retracted_stored == retracted_expected) {
    if (progress) progress(report.records_checked, head.tree_size);
    return report;
  }

  // 3. A digest differs: find the first record whose index entries disagree.
  std::optional<uint64_t> first;
  std::string what;
  absl::Status locate =
      ledger.Scan(0, head.tree_size, [&](const StoredRecord& rec) -> absl::Status {
        const Event& e = rec.record.event();
        const std::string want = PositionValue(rec.record.position());
        std::string got;
        rocksdb::Status s = st.db->Get(rocksdb::ReadOptions(), st.streams,
                                       StreamKey(e.stream(), rec.record.stream_version()), &got);
        if (!s.ok() || got != want) {
          first = rec.record.position();
          what = absl::StrCat("the stream index entry for \"", e.stream(), "\" version ",
                              rec.record.stream_version(), " does not point at this record");
          return absl::CancelledError();
        }
        s = st.db->Get(rocksdb::ReadOptions(), st.event_ids, e.event_id(), &got);
        if (!s.ok() || got != want) {
          first = rec.record.position();
          what = absl::StrCat("the event-id index entry for \"", e.event_id(),
                              "\" does not point at this record");
          return absl::CancelledError();
        }
        if (e.body_case() == Event::kRetraction) {
          s = st.db->Get(rocksdb::ReadOptions(), st.retracted, e.retraction().target_event_id(),
                         &got);
          if (!s.ok() || got != want) {
            first = rec.record.position();
            what = "the retraction index entry of this retraction is missing or wrong";
            return absl::CancelledError();
          }
        }
        return absl::OkStatus();
      });
  if (first) return fail(first, what);
  if (!locate.ok() && locate.code() != absl::StatusCode::kCancelled) return locate;
  std::string which = !(streams_stored == streams_expected) ? "stream index"
                      : !(ids_stored == ids_expected)       ? "event-id index"
                                                            : "retraction index";
  return fail(std::nullopt,
              absl::StrCat("the ", which,
                           " holds entries that no record accounts for (every record's own "
                           "entries are correct)"));
}

}  // namespace ledger::verify_internal
