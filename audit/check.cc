#include "audit/check.h"

#include <cstdio>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/audit_io.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "merkle/merkle.h"
#include "merkle/proof_json.h"

namespace audit {
namespace {

using enforcement::api::v1::CheckDetails;
using enforcement::api::v1::CheckReport;

CheckReport Outcome(const std::string& kind, const absl::Status& result,
                    const std::string& ok_message, CheckDetails details) {
  CheckReport r;
  r.set_ok(result.ok());
  r.set_kind(kind);
  if (result.ok()) {
    r.set_message(ok_message);
  } else {
    r.set_problem(std::string(result.message()));
  }
  *r.mutable_details() = std::move(details);
  return r;
}

}  // namespace

std::string KeyLabel(const std::string& name, uint32_t key_hash) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", key_hash);
  return absl::StrCat(name, "+", hex);
}

std::string SignedBy(const ledger::Note& note) {
  std::vector<std::string> who;
  for (const ledger::NoteSignature& s : note.sigs) who.push_back(KeyLabel(s.name, s.key_hash));
  return absl::StrJoin(who, ", ");
}

absl::StatusOr<ledger::VerifiedCheckpoint> OpenCheckpoint(
    const NamedText& checkpoint, const std::vector<ledger::NoteVerifier>& keys) {
  absl::StatusOr<ledger::VerifiedCheckpoint> v = ledger::VerifyCheckpoint(checkpoint.text, keys);
  if (!v.ok()) {
    return absl::Status(v.status().code(), absl::StrCat("checkpoint ", checkpoint.file, ": ",
                                                        v.status().message()));
  }
  return v;
}

CheckReport CheckInclusion(const InclusionCheck& in) {
  CheckDetails details;
  std::string ok_message;
  auto check = [&]() -> absl::Status {
    absl::StatusOr<ledger::InclusionProofJson> p = ledger::DecodeInclusionProof(in.proof.text);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof ", in.proof.file, " is malformed: ", p.status().message()));
    }
    details.set_position(p->leaf_index);
    details.set_tree_size(p->tree_size);
    details.set_root_base64(merkle::ToBase64(p->root));
    enforcement::v1::LedgerRecord rec;
    if (!rec.ParseFromString(in.record.text) || !rec.has_event()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record ", in.record.file, " is not a well-formed LedgerRecord with an event"));
    }
    if (rec.position() != p->leaf_index) {
      return absl::InvalidArgumentError(
          absl::StrCat("record ", in.record.file, " says position ", rec.position(),
                       " but the proof is for position (leafIdx) ", p->leaf_index));
    }
    const merkle::Hash lh = merkle::LeafHash(in.record.text);
    if (lh != p->leaf_hash) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record at position ", p->leaf_index, " (", in.record.file, "): its leaf hash ",
          merkle::ToBase64(lh), " differs from the proof's leafHash ",
          merkle::ToBase64(p->leaf_hash), ": the record is not the one the log committed to"));
    }
    if (absl::Status v = ledger::VerifyInclusionProof(*p); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("position ", p->leaf_index,
                                                     ": the inclusion proof in ", in.proof.file,
                                                     " does not verify: ", v.message()));
    }
    if (in.checkpoint) {
      absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpoint(*in.checkpoint, in.keys);
      if (!cp.ok()) return cp.status();
      if (cp->checkpoint.size != p->tree_size || cp->checkpoint.root != p->root) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the proof is for tree size ", p->tree_size, " with root ", merkle::ToBase64(p->root),
            " but the checkpoint ", in.checkpoint->file, " is for tree size ", cp->checkpoint.size,
            " with root ", merkle::ToBase64(cp->checkpoint.root)));
      }
      details.set_checkpoint_signed_by(SignedBy(cp->note));
    }
    ok_message =
        absl::StrCat("the record at position ", p->leaf_index, " is included in the tree of size ",
                     p->tree_size, " with root ", merkle::ToBase64(p->root));
    if (in.checkpoint) absl::StrAppend(&ok_message, ", as signed in ", in.checkpoint->file);
    return absl::OkStatus();
  };
  const absl::Status s = check();  // before `details` is moved
  return Outcome("inclusion", s, ok_message, std::move(details));
}

CheckReport CheckConsistency(const ConsistencyCheck& in) {
  CheckDetails details;
  std::string ok_message;
  auto check = [&]() -> absl::Status {
    absl::StatusOr<ledger::ConsistencyProofJson> p =
        ledger::DecodeConsistencyProof(in.proof.text);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof ", in.proof.file, " is malformed: ", p.status().message()));
    }
    details.set_size1(p->size1);
    details.set_size2(p->size2);
    details.set_root1_base64(merkle::ToBase64(p->root1));
    details.set_root2_base64(merkle::ToBase64(p->root2));
    if (absl::Status v = ledger::VerifyConsistencyProof(*p); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("the consistency proof in ", in.proof.file,
                                                     " from tree size ", p->size1, " to tree size ",
                                                     p->size2, " does not verify: ", v.message()));
    }
    ok_message = absl::StrCat("the tree of size ", p->size1, " (root ", merkle::ToBase64(p->root1),
                              ") is a prefix of the tree of size ", p->size2, " (root ",
                              merkle::ToBase64(p->root2), ")");
    if (in.old_checkpoint && in.new_checkpoint) {
      std::string origin;
      for (const auto& [file, size, root, which] :
           {std::tuple{&*in.old_checkpoint, p->size1, p->root1, "old"},
            std::tuple{&*in.new_checkpoint, p->size2, p->root2, "new"}}) {
        absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpoint(*file, in.keys);
        if (!cp.ok()) return cp.status();
        if (cp->checkpoint.size != size || cp->checkpoint.root != root) {
          return absl::InvalidArgumentError(absl::StrCat(
              "the ", which, " checkpoint ", file->file, " is for tree size ",
              cp->checkpoint.size, " with root ", merkle::ToBase64(cp->checkpoint.root),
              " but the proof says tree size ", size, " with root ", merkle::ToBase64(root)));
        }
        if (!origin.empty() && cp->checkpoint.origin != origin) {
          return absl::InvalidArgumentError(
              absl::StrCat("the checkpoints are of different logs: \"", origin, "\" and \"",
                           cp->checkpoint.origin, "\""));
        }
        origin = cp->checkpoint.origin;
      }
      absl::StrAppend(&ok_message, "; both checkpoints are signed and match the proof");
    }
    return absl::OkStatus();
  };
  const absl::Status s = check();  // before `details` is moved
  return Outcome("consistency", s, ok_message, std::move(details));
}

absl::StatusOr<CheckReport> CheckCheckpoint(const CheckpointCheck& in) {
  CheckDetails details;
  std::string ok_message;
  auto check = [&]() -> absl::Status {
    absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpoint(in.checkpoint, in.keys);
    if (!cp.ok()) return cp.status();
    const ledger::Checkpoint& c = cp->checkpoint;
    details.set_origin(c.origin);
    details.set_tree_size(c.size);
    details.set_root_base64(merkle::ToBase64(c.root));
    details.set_signed_by(SignedBy(cp->note));
    ok_message = absl::StrCat("checkpoint ", in.checkpoint.file, ": origin ", c.origin,
                              ", tree size ", c.size, ", root ", merkle::ToBase64(c.root),
                              "; signed by ", SignedBy(cp->note));
    if (!in.export_path) return absl::OkStatus();
    const std::string& export_path = *in.export_path;
    merkle::CompactRange range;
    std::optional<merkle::Hash> root_at_size;
    if (c.size == 0) root_at_size = merkle::EmptyRoot();
    uint64_t count = 0;
    absl::Status walk = ForEachExportedRecord(
        export_path, [&](uint64_t position, absl::string_view bytes) -> absl::Status {
          count = position + 1;
          if (position < c.size) {
            range.Append(merkle::LeafHash(bytes), nullptr);
            if (count == c.size) root_at_size = range.Root();
          }
          return absl::OkStatus();
        });
    if (walk.code() == absl::StatusCode::kNotFound ||
        walk.code() == absl::StatusCode::kUnavailable) {
      return absl::NotFoundError(walk.message());
    }
    if (!walk.ok()) return absl::InvalidArgumentError(walk.message());
    if (count < c.size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "export ", export_path, " has only ", count, " records but the checkpoint covers ",
          c.size, ": the records from position ", count, " on are missing"));
    }
    if (*root_at_size != c.root) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the root of the first ", c.size, " records of ", export_path, " is ",
          merkle::ToBase64(*root_at_size), " but the checkpoint says ", merkle::ToBase64(c.root),
          ": some record in positions 0\u2013", c.size - 1,
          " differs from what was signed (the root cannot say which; check an inclusion proof "
          "of a record to find it)"));
    }
    details.set_export_records(count);
    absl::StrAppend(&ok_message, "; the first ", c.size, " records of ", export_path,
                    " have exactly the signed root",
                    count > c.size ? absl::StrCat(" (the export has ", count, " records)") : "");
    return absl::OkStatus();
  };
  absl::Status s = check();
  if (s.code() == absl::StatusCode::kNotFound) return s;
  return Outcome("checkpoint", s, ok_message, std::move(details));
}

}  // namespace audit
