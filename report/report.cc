// The dossier: gathering (the scope's timeline, views, flows, proofs) and the
// page (sections rendered by report/html_parts.h). See report.h.
#include "report/report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "audit/prove.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/checkpoint_store.h"
#include "ledger/validate.h"
#include "merkle/proof_json.h"
#include "report/html_parts.h"
#include "report/verifier_js.h"
#include "util/error_detail.h"
#include "util/json_quote.h"

namespace report {
namespace {

using projections::TimelineEntry;

absl::Status WithReason(absl::Status s, const char* reason) {
  util::ErrorDetail d;
  d.set_reason(reason);
  return util::WithErrorDetail(std::move(s), d);
}

// The latest issued checkpoint (largest size; the last file of that size).
absl::StatusOr<ledger::IssuedCheckpoint> LatestCheckpoint(const ledger::Ledger& db) {
  ledger::CheckpointStore store(db.path());
  absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> all = store.List();
  if (!all.ok()) return all.status();
  if (all->empty()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat(
            "the ledger at ", db.path(),
            " has issued no signed checkpoint, and the dossier embeds one with its proofs: "
            "sign one first with `ledger checkpoint --key FILE` (a key from `ledger keygen`)")),
        kReasonNoCheckpoint);
  }
  // The latest of this log within its head (`ledger checkpoints` and
  // `ledger audit` report the others).
  const ledger::Head head = db.GetHead();
  for (auto it = all->rbegin(); it != all->rend(); ++it) {
    if (it->checkpoint.origin == head.origin && it->checkpoint.size <= head.tree_size) return *it;
  }
  return WithReason(absl::NotFoundError(absl::StrCat(
                        "no checkpoint in ", store.dir(), " is of this log (origin ", head.origin,
                        ") within its ", head.tree_size,
                        " records: run `ledger checkpoints`, then sign one with `ledger "
                        "checkpoint --key FILE`")),
                    kReasonNoCheckpoint);
}

// The body in effect of a fact: the replacement of the correction that is in
// effect, else the event as recorded.
absl::StatusOr<enforcement::v1::Event> EffectiveEvent(const ledger::Ledger& db,
                                                      const TimelineEntry& e,
                                                      const enforcement::v1::Event& recorded) {
  if (!e.corrected || e.corrected_by.empty()) return recorded;
  absl::StatusOr<uint64_t> pos = db.FindEvent(e.corrected_by);
  if (!pos.ok()) return pos.status();
  absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(*pos);
  if (!rec.ok()) return rec.status();
  if (!rec->record.event().has_correction()) return recorded;
  return rec->record.event().correction().replacement();
}

std::string ScopeTitle(const ReportRequest& req) {
  switch (req.scope) {
    case Scope::kOperation: return absl::StrCat("Operation ", req.key);
    case Scope::kCase: return absl::StrCat("Case ", req.key);
    case Scope::kCountry: return absl::StrCat("Country ", req.key);
    case Scope::kAll: return "The whole ledger";
  }
  return "";
}

}  // namespace

absl::StatusOr<ReportResult> BuildReport(const query::Session& session, const ReportRequest& req) {
  const ledger::Ledger& db = session.ledger();
  PageData page;
  page.title = ScopeTitle(req);
  page.origin_path = db.path();

  // The scope's own view first: an unknown operation or case is kNotFound.
  projections::TimelineQuery tq;
  tq.key = req.key;
  switch (req.scope) {
    case Scope::kOperation: {
      absl::StatusOr<projections::OperationView> op = session.GetOperation(req.key, {0});
      if (!op.ok()) return op.status();
      page.operation = *std::move(op);
      tq.kind = projections::TimelineKind::kOperation;
      break;
    }
    case Scope::kCase: {
      absl::StatusOr<projections::CaseView> c = session.GetCase(req.key);
      if (!c.ok()) return c.status();
      page.case_view = *std::move(c);
      tq.kind = projections::TimelineKind::kCase;
      break;
    }
    case Scope::kCountry:
      if (!ledger::IsCountryCode(req.key)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--country \"", req.key,
            "\" is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. MM)"));
      }
      tq.kind = projections::TimelineKind::kCountry;
      page.country = req.key;
      break;
    case Scope::kAll:
      tq.kind = projections::TimelineKind::kGlobal;
      tq.key.clear();
      break;
  }
  absl::StatusOr<projections::Totals> totals = session.GetTotals();
  if (!totals.ok()) return totals.status();
  page.totals = *std::move(totals);

  absl::StatusOr<ledger::IssuedCheckpoint> cp = LatestCheckpoint(db);
  if (!cp.ok()) return cp.status();
  absl::StatusOr<merkle::Hash> root = db.RootAt(cp->checkpoint.size);
  if (!root.ok()) return root.status();
  if (*root != cp->checkpoint.root) {
    return WithReason(absl::DataLossError(absl::StrCat(
                          "checkpoint ", cp->file, " states root ",
                          merkle::ToBase64(cp->checkpoint.root), " for ", cp->checkpoint.size,
                          " records, but the ledger's root there is ", merkle::ToBase64(*root),
                          ": run `ledger audit`")),
                      kReasonCheckpointMismatch);
  }
  if (!req.keys.empty()) {
    absl::StatusOr<ledger::VerifiedCheckpoint> v =
        ledger::VerifyCheckpoint(cp->signed_note, req.keys);
    if (!v.ok()) {
      return WithReason(absl::UnauthenticatedError(absl::StrCat(
                            "checkpoint ", cp->file,
                            " is not verified by the key given: ", v.status().message())),
                        kReasonCheckpointMismatch);
    }
    for (const ledger::NoteVerifier& k : req.keys) {
      for (const ledger::NoteSignature& s : v->note.sigs) {
        if (s.name == k.name() && s.key_hash == k.key_hash() && page.verifier_key.empty()) {
          page.verifier_key = k.ToString();
        }
      }
    }
  }
  page.checkpoint = *cp;

  absl::StatusOr<std::vector<TimelineEntry>> timeline = session.Timeline(tq);
  if (!timeline.ok()) return timeline.status();
  ReportResult result;
  std::vector<TimelineEntry>& entries = *timeline;
  if (req.max_events != 0 && entries.size() > req.max_events) {
    result.events_left_out = entries.size() - req.max_events;
    entries.resize(req.max_events);
  }
  page.events_left_out = result.events_left_out;

  std::string proofs_json;
  for (const TimelineEntry& e : entries) {
    ShownEvent shown;
    shown.entry = e;
    absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(e.position);
    if (!rec.ok()) return rec.status();
    if (e.kind == "handover" && e.in_effect) {
      absl::StatusOr<enforcement::v1::Event> eff = EffectiveEvent(db, e, rec->record.event());
      if (!eff.ok()) return eff.status();
      if (eff->has_handover()) shown.handover = eff->handover();
    }
    std::string item = absl::StrCat("{\"position\":\"", e.position,
                                    "\",\"eventId\":", util::JsonQuote(e.event_id),
                                    ",\"record\":\"", absl::Base64Escape(rec->bytes), "\"");
    if (e.position < cp->checkpoint.size) {
      absl::StatusOr<audit::InclusionAnswer> proof =
          audit::ProveInclusion(db, e.position, cp->checkpoint.size);
      if (!proof.ok()) return proof.status();
      absl::StrAppend(&item, ",\"proof\":", ledger::EncodeInclusionProof(proof->proof));
      shown.leaf_hash = merkle::ToBase64(proof->proof.leaf_hash);
      ++result.proofs;
    } else {
      ++result.not_covered;
    }
    absl::StrAppend(&item, "}");
    absl::StrAppend(&proofs_json, proofs_json.empty() ? "" : ",\n", item);
    page.events.push_back(std::move(shown));
  }
  result.events = page.events.size();
  page.proofs_json = absl::StrCat(
      "{\"checkpoint\":{\"file\":", util::JsonQuote(cp->file),
      ",\"note\":", util::JsonQuote(cp->signed_note), ",\"verifierKey\":",
      page.verifier_key.empty() ? std::string("null") : util::JsonQuote(page.verifier_key),
      "},\n\"events\":[\n", proofs_json, "]}");

  std::string html = RenderPage(page, req.scope, VerifierScript());
  result.html = std::move(html);
  result.title = page.title;
  result.flows = page.flow_pairs;
  result.checkpoint_size = cp->checkpoint.size;
  result.checkpoint_file = cp->file;
  result.signature_key_embedded = !page.verifier_key.empty();
  return result;
}

}  // namespace report
