// Entity views (suspects, operations, cases) computed from their members,
// and what each view adds to the totals. Shared by the record-by-record
// recomputation (Projector) and the second pass of a bulk build, which
// builds every entity of a family once from its members in key order.
// Internal to projections/.
#ifndef ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_
#define ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "projections/rules.h"
#include "projections/store_coding.h"
#include "projections/view_types.h"

namespace projections::internal {

// Totals-family counter deltas, by key.
using CounterMap = absl::flat_hash_map<std::string, Sum>;

// Adds every non-zero delta of `from` to `to`.
void AddCounters(const CounterMap& from, CounterMap* to);

// What an entity view adds to the totals counters (sign +1), or removes
// (sign -1).
void AddSuspectTotals(const SuspectView& v, int64_t sign, CounterMap* totals);
void AddOperationTotals(int64_t sign, CounterMap* totals);
void AddCaseTotals(const CaseView& v, int64_t sign, CounterMap* totals);

// Builds the views of a family's entities from its member entries, given
// in key order (a bulk build merging the family's runs): each entity's
// members are contiguous, so each entity is built once, when its last member
// has been seen. Views go to `emit` in key order (EntityKey), their totals
// into `totals`. Thread-compatible.
class EntityBuilder {
 public:
  using Emit = std::function<absl::Status(absl::string_view key, absl::string_view value)>;
  // `family`: kSuspectsCf, kOperationsCf or kCasesCf.
  EntityBuilder(Cf family, CounterMap* totals, Emit emit);

  // A member key ('m' ordered(id) kind position) and its value.
  // Errors: kDataLoss (a malformed member), emit's.
  absl::Status AddMember(absl::string_view key, absl::string_view value);
  // Builds the last entity.
  absl::Status Finish();

 private:
  absl::Status BuildCurrent();

  Cf family_;
  CounterMap* totals_;
  Emit emit_;
  // The entity being collected: its member prefix ('m' ordered(id)) and its
  // contributing events (operations: its raids only) in pool_[0, used_); the
  // messages are reused from entity to entity.
  std::string prefix_, id_;
  bool have_ = false;
  std::vector<MemberEvent> pool_, members_;
  size_t used_ = 0;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_
