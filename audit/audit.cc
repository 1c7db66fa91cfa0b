#include "audit/audit.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/checkpoint_store.h"
#include "merkle/merkle.h"

namespace audit {
namespace {

using enforcement::api::v1::AuditCheck;
using enforcement::api::v1::AuditReport;
using enforcement::api::v1::CheckOutcome;

constexpr CheckOutcome kPass = enforcement::api::v1::CHECK_OUTCOME_PASS;
constexpr CheckOutcome kFail = enforcement::api::v1::CHECK_OUTCOME_FAIL;
constexpr CheckOutcome kSkipped = enforcement::api::v1::CHECK_OUTCOME_SKIPPED;

}  // namespace

AuditReport AuditLedger(const ledger::Ledger& db, const AuditInput& in,
                        const std::function<void(uint64_t done, uint64_t total)>& progress) {
  AuditReport report;
  const ledger::Head head = db.GetHead();
  {
    auto* h = report.mutable_head();
    h->set_db(in.ledger_dir);
    h->set_origin(head.origin);
    h->set_tree_size(head.tree_size);
    h->set_root_hex(merkle::ToHex(head.root));
    h->set_root_base64(merkle::ToBase64(head.root));
  }
  auto add = [&](std::string name, CheckOutcome outcome, std::string detail) -> AuditCheck& {
    AuditCheck* c = report.add_checks();
    c->set_name(std::move(name));
    c->set_outcome(outcome);
    c->set_detail(std::move(detail));
    return *c;
  };

  // 1-5: the signed checkpoint against the stored tree.
  // (The report names the file: the message of a failure does not.)
  absl::StatusOr<ledger::VerifiedCheckpoint> vc =
      ledger::VerifyCheckpoint(in.checkpoint.text, in.keys);
  std::optional<ledger::Checkpoint> cp;
  if (vc.ok()) {
    cp = vc->checkpoint;
    add("signature", kPass, absl::StrCat("signed by ", SignedBy(vc->note)))
        .set_tree_size(cp->size);
    auto* c = report.mutable_checkpoint();
    c->set_file(in.checkpoint.file);
    c->set_origin(cp->origin);
    c->set_tree_size(cp->size);
    c->set_root_hex(merkle::ToHex(cp->root));
    c->set_root_base64(merkle::ToBase64(cp->root));
    c->set_signed_by(SignedBy(vc->note));
  } else {
    add("signature", kFail, std::string(vc.status().message()));
  }
  const std::string skipped = "skipped: the checkpoint is not trusted";
  bool tree_checks = cp.has_value();
  if (!cp) {
    add("origin", kSkipped, skipped);
  } else if (cp->origin == head.origin) {
    add("origin", kPass, absl::StrCat("the checkpoint is of this log, \"", head.origin, "\""))
        .set_tree_size(cp->size);
  } else {
    add("origin", kFail,
        absl::StrCat("the checkpoint is of the log \"", cp->origin, "\" but this ledger is \"",
                     head.origin, "\""))
        .set_tree_size(cp->size);
  }
  if (!cp) {
    add("size", kSkipped, skipped);
  } else {
    AuditCheck& c =
        cp->size <= head.tree_size
            ? add("size", kPass,
                  absl::StrCat("the checkpoint's tree size ", cp->size,
                               " is within the ledger's ", head.tree_size, " records"))
            : add("size", kFail,
                  absl::StrCat("the checkpoint says ", cp->size,
                               " records but the ledger has only ", head.tree_size,
                               ": records that were signed are gone"));
    c.set_tree_size(cp->size);
    c.set_head_tree_size(head.tree_size);
    if (cp->size > head.tree_size) tree_checks = false;
  }
  if (!tree_checks) {
    add("root", kSkipped, cp ? "skipped: the size is past the head" : skipped);
    add("consistency", kSkipped, cp ? "skipped: the size is past the head" : skipped);
  } else {
    absl::StatusOr<merkle::Hash> root = db.RootAt(cp->size);
    if (!root.ok()) {
      add("root", kFail,
          absl::StrCat("cannot compute the stored root at tree size ", cp->size, ": ",
                       root.status().message()))
          .set_tree_size(cp->size);
    } else if (*root == cp->root) {
      add("root", kPass,
          absl::StrCat("the ledger's root at tree size ", cp->size, " is the signed root ",
                       merkle::ToBase64(cp->root)))
          .set_tree_size(cp->size);
    } else {
      add("root", kFail,
          absl::StrCat("the ledger's root at tree size ", cp->size, " is ", merkle::ToBase64(*root),
                       " but the checkpoint says ", merkle::ToBase64(cp->root),
                       ": the ledger is not the log that was signed, or it rewrote history"))
          .set_tree_size(cp->size);
    }
    if (cp->size == 0) {
      AuditCheck& c =
          add("consistency", cp->root == merkle::EmptyRoot() ? kPass : kFail,
              "from the empty tree: every tree extends it (its root must be SHA-256(\"\"))");
      c.set_tree_size(0);
      c.set_head_tree_size(head.tree_size);
    } else {
      absl::StatusOr<std::vector<merkle::Hash>> proof =
          merkle::ConsistencyProof(db.nodes(), cp->size, head.tree_size);
      absl::Status v = proof.ok() ? merkle::VerifyConsistency(cp->size, head.tree_size, cp->root,
                                                              head.root, *proof)
                                  : proof.status();
      AuditCheck& c =
          v.ok() ? add("consistency", kPass,
                       absl::StrCat("a consistency proof of ", proof->size(),
                                    " hashes from tree size ", cp->size,
                                    " (the signed root) to tree size ", head.tree_size,
                                    " (the head's root), generated from storage, verifies"))
                 : add("consistency", kFail,
                       absl::StrCat("the consistency proof from tree size ", cp->size, " to ",
                                    head.tree_size,
                                    " does not verify against the signed root: ", v.message()));
      c.set_tree_size(cp->size);
      c.set_head_tree_size(head.tree_size);
      if (proof.ok()) c.set_proof_hashes(static_cast<uint32_t>(proof->size()));
    }
  }

  // 6: everything recomputed from the stored bytes.
  absl::StatusOr<ledger::VerifyReport> verified = db.Verify(progress);
  if (!verified.ok()) {
    add("verify", kFail, absl::StrCat("verification stopped: ", verified.status().message()));
  } else {
    report.set_records_checked(verified->records_checked);
    AuditCheck& c =
        verified->ok()
            ? add("verify", kPass,
                  absl::StrCat(verified->records_checked,
                               " records: leaf hashes from the stored bytes, every stored Merkle "
                               "node, the head's root, the stream, event-id and retraction "
                               "indexes"))
            : add("verify", kFail,
                  absl::StrCat(verified->first_bad_position
                                   ? absl::StrCat("at position ", *verified->first_bad_position,
                                                  ": ")
                                   : std::string(),
                               verified->problem));
    c.set_records_checked(verified->records_checked);
    if (verified->first_bad_position) c.set_first_bad_position(*verified->first_bad_position);
  }

  // 7: every checkpoint this ledger issued still matches its tree.
  {
    ledger::CheckpointStore store(in.ledger_dir);
    absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> issued = store.List();
    if (!issued.ok()) {
      add("issued checkpoints", kFail, std::string(issued.status().message()));
    } else {
      std::string bad;
      for (const ledger::IssuedCheckpoint& i : *issued) {
        const ledger::Checkpoint& c = i.checkpoint;
        if (c.origin != head.origin || c.size > head.tree_size) {
          bad = absl::StrCat("checkpoints/", i.file, " (tree size ", c.size, ", origin \"",
                             c.origin, "\") is not a checkpoint of this ledger's tree");
          break;
        }
        absl::StatusOr<merkle::Hash> r = db.RootAt(c.size);
        if (!r.ok() || *r != c.root) {
          bad = absl::StrCat("checkpoints/", i.file, " says root ", merkle::ToBase64(c.root),
                             " for tree size ", c.size, " but the ledger's root there is ",
                             r.ok() ? merkle::ToBase64(*r) : std::string(r.status().message()));
          break;
        }
      }
      AuditCheck& c =
          !bad.empty() ? add("issued checkpoints", kFail, bad)
                       : add("issued checkpoints", kPass,
                             issued->empty()
                                 ? std::string("none issued by this ledger")
                                 : absl::StrCat("all ", issued->size(),
                                                " checkpoints in checkpoints/ match the tree"));
      c.set_issued_checkpoints(static_cast<uint32_t>(issued->size()));
    }
  }

  bool ok = true;
  for (const AuditCheck& c : report.checks()) {
    if (c.outcome() != kPass) {
      ok = false;
      if (report.problem().empty() && c.outcome() == kFail) {
        report.set_problem(absl::StrCat(c.name(), ": ", c.detail()));
      }
    }
  }
  report.set_ok(ok);
  return report;
}

}  // namespace audit
