// The case dossier of `ledger report` (docs/REPORT.md): one self-contained
// HTML page for an operation, a case, a country or the whole ledger, with
// the timeline (each event at its precision, with its source), the custody
// flows between countries as an inline SVG diagram, the totals with each
// reported figure beside the derived one, corrections and retractions, and
// the latest signed checkpoint with every shown event's record bytes and
// inclusion proof embedded as JSON, re-checked in the browser by the page's
// own script (SHA-256 and, where the browser has it, Ed25519 through
// WebCrypto). Nothing is loaded from the network: no external scripts,
// styles, fonts or images.
//
//   report::ReportRequest req;
//   req.scope = report::Scope::kOperation;
//   req.key = "op-2024-muse-01";
//   auto page = report::BuildReport(*session, req);  // check ok()
//   // page->html is the file's content
//
// Personal data: the page holds no names (suspects appear by id), whatever
// the ledger's format; everything taken from the log is HTML-escaped.
//
// Errors: kInvalidArgument for a malformed scope key (a country that is
// not two upper-case letters); kNotFound for an unknown operation or case,
// and (reason kReasonNoCheckpoint) when the ledger has issued no checkpoint
// ("sign one with `ledger checkpoint --key FILE`"); kUnauthenticated when
// verifier keys are given and none of them verifies the checkpoint's
// signature, and kDataLoss when the checkpoint's root is not the ledger's
// root at its size (both with reason kReasonCheckpointMismatch); the session's and ledger's read errors otherwise.
// Thread-safety: BuildReport uses only the session's const methods.
#ifndef ENFORCEMENT_REPORT_REPORT_H_
#define ENFORCEMENT_REPORT_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "checkpoints/note.h"
#include "query/session.h"

namespace report {

// ErrorDetail reason when the ledger has no signed checkpoint.
inline constexpr char kReasonNoCheckpoint[] = "no_checkpoint";
// ErrorDetail reason when the checkpoint does not check out: its root is not
// the ledger's at its size (kDataLoss), or no given key signed it
// (kUnauthenticated).
inline constexpr char kReasonCheckpointMismatch[] = "checkpoint_mismatch";

enum class Scope { kOperation, kCase, kCountry, kAll };

struct ReportRequest {
  Scope scope = Scope::kAll;
  std::string key;  // operation id, case id or country code; "" for kAll
  // The log's verifier keys. When one of them signed the checkpoint it is
  // embedded and the page checks the signature with it; when empty, the
  // page says that the signature was not checked (no key was given).
  std::vector<ledger::NoteVerifier> keys;
  // At most this many events are shown and proved (the earliest in
  // timeline order); the page says how many were left out. 0 = all.
  size_t max_events = 5000;
};

struct ReportResult {
  std::string html;             // the whole page, UTF-8
  std::string title;            // e.g. "Operation op-2024-muse-01"
  uint64_t events = 0;          // events shown in the timeline
  uint64_t events_left_out = 0; // beyond max_events
  uint64_t proofs = 0;          // inclusion proofs embedded
  uint64_t not_covered = 0;     // shown events recorded after the checkpoint
  uint64_t flows = 0;           // country pairs in the flow diagram
  uint64_t checkpoint_size = 0; // the checkpoint's tree size
  std::string checkpoint_file;  // its file name in <ledger>/checkpoints
  bool signature_key_embedded = false;  // a given key verified the signature
};

// Builds the page from `session` (its ledger and views at the head) and the
// latest checkpoint in the ledger's checkpoint store.
absl::StatusOr<ReportResult> BuildReport(const query::Session& session, const ReportRequest& req);

// `s` with &, <, >, " and ' replaced by entities (for text and attribute
// values).
std::string HtmlEscape(absl::string_view s);

}  // namespace report

#endif  // ENFORCEMENT_REPORT_REPORT_H_
