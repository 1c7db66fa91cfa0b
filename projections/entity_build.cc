#include "projections/entity_build.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace projections::internal {

namespace {

void Add(CounterMap* totals, const std::string& key, Sum delta) {
  if (delta != 0) (*totals)[key] += delta;
}

}  // namespace

void AddCounters(const CounterMap& from, CounterMap* to) {
  for (const auto& [key, delta] : from) Add(to, key, delta);
}

void AddSuspectTotals(const SuspectView& v, int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("suspects"), sign);
  Add(totals, TotalsCounterKey(absl::StrCat("suspects_by_status/", v.status)), sign);
  if (v.erased) Add(totals, TotalsCounterKey("suspects_erased"), sign);
}

void AddOperationTotals(int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("operations"), sign);
}

void AddCaseTotals(const CaseView& v, int64_t sign, CounterMap* totals) {
  Add(totals, TotalsCounterKey("cases"), sign);
  Add(totals, TotalsCounterKey("victims"), Sum(sign) * v.victims);
  Add(totals, TotalsCounterKey("prison_months"), sign * v.prison_months_total);
  for (const MoneyView& m : v.amounts_defrauded) {
    Add(totals, TotalsCounterKey(absl::StrCat("amount_defrauded/", m.currency)),
        Sum(sign) * m.minor_units);
  }
}

EntityBuilder::EntityBuilder(Cf family, CounterMap* totals, Emit emit)
    : family_(family), totals_(totals), emit_(std::move(emit)) {}

absl::Status EntityBuilder::AddMember(absl::string_view key, absl::string_view value) {
  if (key.size() < 1 + 2 + 2 + 9 || key[0] != kMemberTag) {
    return absl::DataLossError("views store: malformed member key");
  }
  const absl::string_view prefix = key.substr(0, key.size() - 9);
  if (!have_ || prefix != prefix_) {
    if (absl::Status s = BuildCurrent(); !s.ok()) return s;
    prefix_.assign(prefix.data(), prefix.size());
    have_ = true;
  }
  const char kind = key[key.size() - 9];
  if (family_ == kOperationsCf && kind != kRaidMember) return absl::OkStatus();  // counted
  if (used_ == pool_.size()) pool_.emplace_back();
  MemberEvent& m = pool_[used_];
  m.position = GetFixed64BE(key.data() + key.size() - 8);
  if (!m.event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError("views store: malformed member value");
  }
  m.occurred = OccurredOf(m.event);
  ++used_;
  return absl::OkStatus();
}

absl::Status EntityBuilder::Finish() { return BuildCurrent(); }

absl::Status EntityBuilder::BuildCurrent() {
  if (!have_) return absl::OkStatus();
  have_ = false;
  absl::string_view in(prefix_);
  in.remove_prefix(1);
  if (!GetEntityId(&in, &id_) || !in.empty()) {
    return absl::DataLossError("views store: malformed member key");
  }
  members_.clear();
  for (size_t i = 0; i < used_; ++i) members_.push_back(std::move(pool_[i]));
  SortTimelineOrder(&members_);
  std::string key(1, kViewTag), value;
  key.append(prefix_, 1, std::string::npos);
  switch (family_) {
    case kSuspectsCf: {
      const SuspectView v = BuildSuspect(id_, members_);
      AddSuspectTotals(v, 1, totals_);
      value = EncodeSuspect(v);
      break;
    }
    case kOperationsCf:
      AddOperationTotals(1, totals_);
      value = EncodeOperationCore(BuildOperationCore(id_, members_));
      break;
    default: {
      const CaseView v = BuildCase(id_, members_);
      AddCaseTotals(v, 1, totals_);
      value = EncodeCase(v);
      break;
    }
  }
  for (size_t i = 0; i < used_; ++i) pool_[i] = std::move(members_[i]);  // reused
  used_ = 0;
  return emit_(key, value);
}

}  // namespace projections::internal
