// A reference projection for tests: a plain in-memory fold over all records,
// written independently of projections/ (no RocksDB, no incremental
// updates, no deltas). It computes, from scratch and from the rules of
// docs/PROJECTIONS.md, the same answers as projections::Views, which
// tests/projection_property_test.cc checks on random event sequences.
//
// It shares with projections/ only the public structs and their text helpers
// (view_types.h: names, date text, Summarize); every rule — which body is in
// effect, who contributes to what, precision buckets, derived figures,
// timeline membership and order — is re-implemented here.
#ifndef ENFORCEMENT_TESTS_SUPPORT_REFERENCE_PROJECTION_H_
#define ENFORCEMENT_TESTS_SUPPORT_REFERENCE_PROJECTION_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "enforcement/v1/ledger_record.pb.h"
#include "projections/view_types.h"

namespace testing_support {

struct ReferenceViews {
  std::vector<projections::SuspectView> suspects;      // by suspect_id
  std::vector<projections::OperationView> operations;  // by operation_id; all event lists whole
  std::vector<projections::CaseView> cases;            // by case_id
  std::vector<projections::FlowRow> flows_by_month;    // unfiltered, all event ids
  std::vector<projections::FlowRow> flows_by_year;
  projections::Totals totals;
  // Every non-empty timeline, by (kind, key); the global one has key "".
  std::map<std::pair<projections::TimelineKind, std::string>,
           std::vector<projections::TimelineEntry>>
      timelines;
};

// The views of a log holding exactly `records` (positions 0..n-1, in order).
ReferenceViews ReferenceProject(const std::vector<enforcement::v1::LedgerRecord>& records);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_REFERENCE_PROJECTION_H_
