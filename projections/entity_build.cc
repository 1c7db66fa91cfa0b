#include "projections/entity_build.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/rules.h"
#include "projections/sorted_run.h"
#include "projections/views_internal.h"

namespace projections::internal {

namespace {

// The most memory one family's run of entity views takes before ingestion.
constexpr size_t kViewRunBytes = size_t{32} << 20;

void Add(CounterMap* totals, const std::string& key, int64_t delta) {
  if (delta != 0) (*totals)[key] += delta;
}

}  // namespace

void AddSuspectTotals(const SuspectView& v, int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("suspects"), sign);
  Add(totals, TotalsCounterKey(absl::StrCat("suspects_by_status/", v.status)), sign);
}

void AddOperationTotals(int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("operations"), sign);
}

void AddCaseTotals(const CaseView& v, int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("cases"), sign);
  Add(totals, TotalsCounterKey("victims"), sign * v.victims);
  Add(totals, TotalsCounterKey("prison_months"), sign * v.prison_months_total);
  for (const MoneyView& m : v.amounts_defrauded) {
    Add(totals, TotalsCounterKey(absl::StrCat("amount_defrauded/", m.currency)),
        sign * m.minor_units);
  }
}

void KeySample::Add(absl::string_view key) {
  if (seen_++ % stride_ != 0) return;
  keys_.emplace_back(key);
  if (keys_.size() < 4096) return;
  // Keep every other key, and take half as many from now on.
  for (size_t i = 0; 2 * i < keys_.size(); ++i) keys_[i] = std::move(keys_[2 * i]);
  keys_.resize((keys_.size() + 1) / 2);
  stride_ *= 2;
}

std::string KeySample::Quantile(double q) const {
  if (keys_.empty()) return "";
  std::vector<std::string> sorted = keys_;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  std::nth_element(sorted.begin(), sorted.begin() + i, sorted.end());
  return sorted[i];
}

absl::Status BuildEntityViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, Cf family,
                              absl::string_view begin, absl::string_view end,
                              const std::string& tmp_dir, const std::string& name,
                              CounterMap* totals) {
  SortedRun views(db, cf, tmp_dir, kViewRunBytes, name);
  // The entity being collected: its member prefix ('m' ordered(id)) and its
  // contributing events (operations: its raids only), parsed into pool[0,
  // used): the messages are reused from entity to entity.
  std::string prefix, id;
  std::vector<MemberEvent> pool, members;
  size_t used = 0;
  bool have = false;
  auto finish = [&]() -> absl::Status {
    if (!have) return absl::OkStatus();
    absl::string_view in(prefix);
    in.remove_prefix(1);
    if (!GetOrdered(&in, &id) || !in.empty()) {
      return absl::DataLossError("views store: malformed member key");
    }
    members.clear();
    for (size_t i = 0; i < used; ++i) members.push_back(std::move(pool[i]));
    SortTimelineOrder(&members);
    auto give_back = [&] {
      for (size_t i = 0; i < used; ++i) pool[i] = std::move(members[i]);
    };
    std::string key(1, kViewTag);
    key.append(prefix, 1, std::string::npos);
    switch (family) {
      case kSuspectsCf: {
        const SuspectView v = BuildSuspect(id, members);
        AddSuspectTotals(v, 1, totals);
        views.Put(key, EncodeSuspect(v));
        break;
      }
      case kOperationsCf:
        AddOperationTotals(1, totals);
        views.Put(key, EncodeOperationCore(BuildOperationCore(id, members)));
        break;
      default: {
        const CaseView v = BuildCase(id, members);
        AddCaseTotals(v, 1, totals);
        views.Put(key, EncodeCase(v));
        break;
      }
    }
    give_back();
    used = 0;
    have = false;
    if (views.full()) return views.Ingest();
    return absl::OkStatus();
  };

  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = size_t{2} << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  const std::string members_tag(1, kMemberTag);
  const absl::string_view first = begin.empty() ? absl::string_view(members_tag) : begin;
  for (it->Seek(rocksdb::Slice(first.data(), first.size()));
       it->Valid() && it->key().starts_with(members_tag); it->Next()) {
    const absl::string_view k(it->key().data(), it->key().size());
    if (!end.empty() && k >= end) break;
    if (k.size() < 1 + 2 + 9) return absl::DataLossError("views store: malformed member key");
    const absl::string_view p = k.substr(0, k.size() - 9);
    if (!have || p != prefix) {
      if (absl::Status s = finish(); !s.ok()) return s;
      prefix.assign(p.data(), p.size());
      have = true;
    }
    const char kind = k[k.size() - 9];
    if (family == kOperationsCf && kind != kRaidMember) continue;  // counted, not read
    if (used == pool.size()) pool.emplace_back();
    MemberEvent& m = pool[used];
    m.position = GetFixed64BE(k.data() + k.size() - 8);
    if (!m.event.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("views store: malformed member value");
    }
    m.occurred = OccurredOf(m.event);
    ++used;
  }
  if (absl::Status s = ViewsFromRocks(it->status(), "reading members"); !s.ok()) return s;
  if (absl::Status s = finish(); !s.ok()) return s;
  return views.Ingest();
}

}  // namespace projections::internal
