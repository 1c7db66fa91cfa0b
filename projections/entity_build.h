// Entity views (suspects, operations, cases) computed from their members,
// and what each view adds to the totals. Shared by the record-by-record
// recomputation (Projector) and the second pass of a bulk build, which
// builds every entity of a family once from one scan of its members.
// Internal to projections/.
#ifndef ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_
#define ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "projections/store_coding.h"
#include "projections/view_types.h"
#include "rocksdb/db.h"

namespace projections::internal {

// Totals-family counter deltas, by key.
using CounterMap = absl::flat_hash_map<std::string, int64_t>;

// What an entity view adds to the totals counters (sign +1), or removes
// (sign -1).
void AddSuspectTotals(const SuspectView& v, int64_t sign, CounterMap* totals);
void AddOperationTotals(int64_t sign, CounterMap* totals);
void AddCaseTotals(const CaseView& v, int64_t sign, CounterMap* totals);

// Writes the view of every entity of `family` (kSuspectsCf, kOperationsCf or
// kCasesCf) whose member keys lie in [begin, end) (end "" = no bound) from
// one ordered scan of them, as sorted runs named `name` ingested into the
// family; adds their totals to `totals`. `begin` and `end` must be "" or
// member prefixes (MemberPrefix), so that no entity is split. REQUIRES: the
// family holds members but no entity views (a bulk build, before its views
// are written), and nothing else writes those keys meanwhile.
// Thread-compatible: disjoint ranges may be built on different threads at
// once (each with its own `name` and `totals`).
// Errors: kDataLoss (a malformed member), kInternal (I/O).
absl::Status BuildEntityViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, Cf family,
                              absl::string_view begin, absl::string_view end,
                              const std::string& tmp_dir, const std::string& name,
                              CounterMap* totals);

// An evenly thinned sample of at most 4096 of the keys added, to split a
// scan into parts of similar size. Thread-compatible.
class KeySample {
 public:
  void Add(absl::string_view key);
  // The sampled key at quantile q in [0, 1] of the sorted sample; "" if empty.
  std::string Quantile(double q) const;

 private:
  std::vector<std::string> keys_;
  uint64_t seen_ = 0, stride_ = 1;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_ENTITY_BUILD_H_
