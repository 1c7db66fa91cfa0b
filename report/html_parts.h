// The dossier's page: what BuildReport gathered (PageData) and its HTML
// (RenderPage). Internal to report/; report.h is the contract.
#ifndef ENFORCEMENT_REPORT_HTML_PARTS_H_
#define ENFORCEMENT_REPORT_HTML_PARTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoints/checkpoint_store.h"
#include "enforcement/v1/event.pb.h"
#include "projections/view_types.h"
#include "report/report.h"

namespace report {

struct ShownEvent {
  projections::TimelineEntry entry;
  // The handover in effect (after corrections), for in-effect handovers.
  std::optional<enforcement::v1::Handover> handover;
  std::string leaf_hash;  // base64; empty when not covered by the checkpoint
};

// People moved from one country to another, over the shown events.
struct FlowPair {
  std::string from, to;
  int64_t people = 0, ringleaders = 0, handovers = 0;
  std::vector<std::string> periods;  // each handover's date at its precision
};

struct PageData {
  std::string title;
  std::string origin_path;
  std::string country;  // Scope::kCountry
  std::optional<projections::OperationView> operation;
  std::optional<projections::CaseView> case_view;
  projections::Totals totals;
  ledger::IssuedCheckpoint checkpoint;
  std::string verifier_key;  // empty: no key given
  std::vector<ShownEvent> events;
  uint64_t events_left_out = 0;
  std::string proofs_json;  // the #ledger-proofs block (not yet escaped for HTML)
  uint64_t flow_pairs = 0;  // set by RenderPage
};

// The country pairs of the in-effect handovers among `events`, by people
// moved (largest first).
std::vector<FlowPair> FlowsOf(const std::vector<ShownEvent>& events);

// The whole page. Sets page.flow_pairs.
std::string RenderPage(PageData& page, Scope scope, const char* script);

}  // namespace report

#endif  // ENFORCEMENT_REPORT_HTML_PARTS_H_
