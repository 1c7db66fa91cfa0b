// Direct tests of the audit library (audit/): AuditLedger, the `check`
// engines (CheckInclusion, CheckConsistency, CheckCheckpoint) and
// VerifyLedger, without the CLI. Each failure must land in the report under
// the right check with the right outcome.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit/audit.h"
#include "audit/check.h"
#include "audit/prove.h"
#include "audit/verify.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/note.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "merkle/proof_json.h"
#include "tests/support/event_builders.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"
#include "util/answer_json.h"

namespace audit {
namespace {

using enforcement::api::v1::AuditReport;
using enforcement::api::v1::CheckOutcome;
using enforcement::api::v1::CheckReport;

constexpr char kOrigin[] = "audit.example/log";
constexpr CheckOutcome kPass = enforcement::api::v1::CHECK_OUTCOME_PASS;
constexpr CheckOutcome kFail = enforcement::api::v1::CHECK_OUTCOME_FAIL;
constexpr CheckOutcome kSkipped = enforcement::api::v1::CHECK_OUTCOME_SKIPPED;

class AuditTest : public testing::Test {
 protected:
  void SetUp() override {
    db_dir_ = tmp_.Sub("db");
    absl::StatusOr<ledger::NoteKeyPair> pair = ledger::GenerateNoteKey(kOrigin);
    ASSERT_TRUE(pair.ok()) << pair.status();
    signer_ = std::make_unique<ledger::NoteSigner>(*ledger::NoteSigner::Parse(pair->signer_key));
    keys_.push_back(*ledger::NoteVerifier::Parse(pair->verifier_key));
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = kOrigin;
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(db_dir_, o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  void Append(int from, int count) {
    std::vector<enforcement::v1::Event> events;
    for (int i = from; i < from + count; ++i) {
      events.push_back(testing_support::ArrestEvent(absl::StrCat("e-", i), absl::StrCat("s", i)));
    }
    ASSERT_TRUE(db_->AppendEvents(events).ok());
  }

  // A checkpoint of this ledger's tree at `size`, signed with `signer`.
  NamedText Sign(uint64_t size, const ledger::NoteSigner& signer) {
    ledger::Checkpoint c{kOrigin, size, *db_->RootAt(size), {}};
    return {absl::StrCat("c", size), *ledger::SignCheckpoint(c, signer)};
  }

  AuditReport Audit(const NamedText& checkpoint) {
    return AuditLedger(*db_, AuditInput{checkpoint, keys_, db_dir_});
  }

  // The delimited export of the whole ledger, as `ledger export` writes it.
  std::string Export() {
    std::string out;
    EXPECT_TRUE(db_->Scan(0, db_->GetHead().tree_size, [&](const ledger::StoredRecord& r) {
                     uint64_t n = r.bytes.size();
                     while (n >= 0x80) {
                       out.push_back(static_cast<char>((n & 0x7f) | 0x80));
                       n >>= 7;
                     }
                     out.push_back(static_cast<char>(n));
                     out += r.bytes;
                     return absl::OkStatus();
                   }).ok());
    return out;
  }

  testing_support::TempDir tmp_;
  std::string db_dir_;
  std::unique_ptr<ledger::NoteSigner> signer_;
  std::vector<ledger::NoteVerifier> keys_;
  std::unique_ptr<ledger::Ledger> db_;
};

const enforcement::api::v1::AuditCheck& Check(const AuditReport& r, const std::string& name) {
  for (const auto& c : r.checks()) {
    if (c.name() == name) return c;
  }
  ADD_FAILURE() << "no check " << name;
  static const enforcement::api::v1::AuditCheck kNone;
  return kNone;
}

TEST_F(AuditTest, AnAuditOfAnExtendedLedgerPasses) {
  Append(0, 5);
  const NamedText c5 = Sign(5, *signer_);
  Append(5, 7);
  const AuditReport r = Audit(c5);
  EXPECT_TRUE(r.ok()) << r.problem();
  EXPECT_EQ(r.problem(), "");
  ASSERT_EQ(r.checks_size(), 7);
  for (const auto& c : r.checks()) EXPECT_EQ(c.outcome(), kPass) << c.name() << ": " << c.detail();
  EXPECT_EQ(r.checkpoint().file(), "c5");
  EXPECT_EQ(r.checkpoint().tree_size(), 5u);
  EXPECT_EQ(r.head().tree_size(), 12u);
  EXPECT_EQ(r.head().db(), db_dir_);
  EXPECT_EQ(r.records_checked(), 12u);
  EXPECT_EQ(Check(r, "consistency").head_tree_size(), 12u);
  EXPECT_GT(Check(r, "consistency").proof_hashes(), 0u);
  EXPECT_EQ(Check(r, "verify").records_checked(), 12u);
  EXPECT_EQ(Check(r, "issued checkpoints").issued_checkpoints(), 0u);
  // The answer prints in the answer style: outcomes by name, sizes as strings.
  absl::StatusOr<std::string> json = util::AnswerJson(r);
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE(absl::StrContains(*json, "\"outcome\":\"CHECK_OUTCOME_PASS\"")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"records_checked\":\"12\"")) << *json;
}

TEST_F(AuditTest, AnUntrustedCheckpointFailsTheSignatureAndSkipsTheTree) {
  Append(0, 4);
  absl::StatusOr<ledger::NoteKeyPair> mallory = ledger::GenerateNoteKey(kOrigin);
  ASSERT_TRUE(mallory.ok());
  const NamedText forged = Sign(4, *ledger::NoteSigner::Parse(mallory->signer_key));
  const AuditReport r = Audit(forged);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.has_checkpoint());
  EXPECT_EQ(Check(r, "signature").outcome(), kFail);
  for (const char* name : {"origin", "size", "root", "consistency"}) {
    EXPECT_EQ(Check(r, name).outcome(), kSkipped) << name;
  }
  EXPECT_EQ(Check(r, "verify").outcome(), kPass);
  EXPECT_TRUE(absl::StartsWith(r.problem(), "signature: ")) << r.problem();
}

TEST_F(AuditTest, ACheckpointOfAnotherTreeFailsTheRootAndTheConsistency) {
  Append(0, 6);
  ledger::Checkpoint other{kOrigin, 6, merkle::LeafHash("made up"), {}};
  const NamedText c{"other", *ledger::SignCheckpoint(other, *signer_)};
  const AuditReport r = Audit(c);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Check(r, "signature").outcome(), kPass);
  EXPECT_EQ(Check(r, "origin").outcome(), kPass);
  EXPECT_EQ(Check(r, "size").outcome(), kPass);
  EXPECT_EQ(Check(r, "root").outcome(), kFail);
  EXPECT_EQ(Check(r, "consistency").outcome(), kFail);
  EXPECT_TRUE(absl::StartsWith(r.problem(), "root: the ledger's root at tree size 6 is"))
      << r.problem();
}

TEST_F(AuditTest, ACheckpointPastTheHeadFailsTheSize) {
  Append(0, 3);
  ledger::Checkpoint past{kOrigin, 9, merkle::LeafHash("x"), {}};
  const AuditReport r = Audit({"past", *ledger::SignCheckpoint(past, *signer_)});
  EXPECT_EQ(Check(r, "size").outcome(), kFail);
  EXPECT_EQ(Check(r, "size").tree_size(), 9u);
  EXPECT_EQ(Check(r, "size").head_tree_size(), 3u);
  EXPECT_EQ(Check(r, "root").outcome(), kSkipped);
}

TEST_F(AuditTest, ATamperedRecordFailsVerifyAtItsPosition) {
  Append(0, 8);
  const NamedText c8 = Sign(8, *signer_);
  db_.reset();
  testing_support::ReplaceRecord(db_dir_, 3, std::string("\x01garbage", 8));
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db =
      ledger::Ledger::Open(db_dir_, {.read_only = true});
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = *std::move(db);
  const AuditReport r = Audit(c8);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Check(r, "verify").outcome(), kFail);
  EXPECT_EQ(Check(r, "verify").first_bad_position(), 3u);
  EXPECT_TRUE(absl::StartsWith(r.problem(), "verify: at position 3: ")) << r.problem();

  // VerifyLedger says the same, and does not check the views of a bad log.
  absl::StatusOr<enforcement::api::v1::VerifyReport> v = VerifyLedger(*db_, db_dir_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->first_bad_position(), 3u);
  EXPECT_FALSE(v->has_views());
}

TEST_F(AuditTest, VerifyLedgerChecksTheLogAndTheViews) {
  Append(0, 10);
  absl::StatusOr<enforcement::api::v1::VerifyReport> v = VerifyLedger(*db_, db_dir_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem() << v->views().problem();
  EXPECT_EQ(v->records_checked(), 10u);
  EXPECT_EQ(v->root_hex(), merkle::ToHex(db_->GetHead().root));
  ASSERT_TRUE(v->has_views());
  EXPECT_TRUE(v->views().checked()) << v->views().problem();
  EXPECT_EQ(v->views().checkpoint(), 10u);
  EXPECT_GT(v->views().views_size(), 0);
  for (const auto& view : v->views().views()) {
    EXPECT_TRUE(view.ok()) << view.view();
    EXPECT_EQ(view.stored_sha256(), view.rebuilt_sha256());
  }
}

TEST_F(AuditTest, CheckInclusionPassesAndNamesAChangedRecordOrProof) {
  Append(0, 7);
  const uint64_t size = 7, position = 4;
  absl::StatusOr<ledger::StoredRecord> rec = db_->ReadOne(position);
  ASSERT_TRUE(rec.ok());
  ledger::InclusionProofJson p{position, size, *db_->RootAt(size), merkle::LeafHash(rec->bytes),
                               *merkle::InclusionProof(db_->nodes(), position, size)};
  InclusionCheck in;
  in.proof = {"p.json", ledger::EncodeInclusionProof(p)};
  in.record = {"r.bin", rec->bytes};
  in.checkpoint = Sign(size, *signer_);
  in.keys = keys_;
  CheckReport r = CheckInclusion(in);
  EXPECT_TRUE(r.ok()) << r.problem();
  EXPECT_EQ(r.kind(), "inclusion");
  EXPECT_EQ(r.details().position(), position);
  EXPECT_EQ(r.details().tree_size(), size);
  EXPECT_FALSE(r.details().checkpoint_signed_by().empty());
  EXPECT_TRUE(absl::StrContains(r.message(), "as signed in c7")) << r.message();

  // The record changed by one byte: its leaf hash is not the proof's.
  InclusionCheck changed = in;
  changed.record.text.back() ^= 1;
  r = CheckInclusion(changed);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.message().empty());
  EXPECT_TRUE(absl::StrContains(r.problem(), "is not a well-formed") ||
              absl::StrContains(r.problem(), "differs from the proof's leafHash"))
      << r.problem();

  // A proof path hash changed: the proof does not verify.
  ledger::InclusionProofJson bad = p;
  bad.proof[0][0] ^= 1;
  InclusionCheck bad_proof = in;
  bad_proof.proof.text = ledger::EncodeInclusionProof(bad);
  r = CheckInclusion(bad_proof);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.problem(), "does not verify")) << r.problem();

  // Not a proof at all.
  InclusionCheck junk = in;
  junk.proof.text = "{\"leafIdx\": 6}";
  r = CheckInclusion(junk);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.problem(), "proof p.json is malformed")) << r.problem();

  // A checkpoint of another size.
  InclusionCheck other = in;
  Append(7, 1);
  other.checkpoint = Sign(8, *signer_);
  r = CheckInclusion(other);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.problem(), "but the checkpoint c8 is for tree size 8"))
      << r.problem();
}

TEST_F(AuditTest, CheckConsistencyPassesAndRefusesSwappedCheckpoints) {
  Append(0, 9);
  ledger::ConsistencyProofJson p{4, 9, *db_->RootAt(4), *db_->RootAt(9),
                                 *merkle::ConsistencyProof(db_->nodes(), 4, 9)};
  ConsistencyCheck in;
  in.proof = {"p.json", ledger::EncodeConsistencyProof(p)};
  CheckReport r = CheckConsistency(in);
  EXPECT_TRUE(r.ok()) << r.problem();
  EXPECT_EQ(r.details().size1(), 4u);
  EXPECT_EQ(r.details().size2(), 9u);
  in.old_checkpoint = Sign(4, *signer_);
  in.new_checkpoint = Sign(9, *signer_);
  in.keys = keys_;
  r = CheckConsistency(in);
  EXPECT_TRUE(r.ok()) << r.problem();
  EXPECT_TRUE(absl::StrContains(r.message(), "both checkpoints are signed")) << r.message();
  std::swap(in.old_checkpoint, in.new_checkpoint);
  r = CheckConsistency(in);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(absl::StrContains(r.problem(), "the old checkpoint c9")) << r.problem();
}

TEST_F(AuditTest, CheckCheckpointFindsATamperedExport) {
  Append(0, 5);
  CheckpointCheck in;
  in.checkpoint = Sign(5, *signer_);
  in.keys = keys_;
  const std::string export_path = tmp_.Sub("e.bin");
  const std::string good = Export();
  testing_support::WriteFileOrDie(export_path, good);
  in.export_path = export_path;
  absl::StatusOr<CheckReport> r = CheckCheckpoint(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->ok()) << r->problem();
  EXPECT_EQ(r->kind(), "checkpoint");
  EXPECT_EQ(r->details().export_records(), 5u);
  EXPECT_EQ(r->details().origin(), kOrigin);

  // The last byte of the export changed: the record no longer parses, or
  // the root is not the signed one.
  std::string bad = good;
  bad.back() ^= 0x20;
  testing_support::WriteFileOrDie(export_path, bad);
  r = CheckCheckpoint(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  EXPECT_TRUE(absl::StrContains(r->problem(), "position 4") ||
              absl::StrContains(r->problem(), "differs from what was signed"))
      << r->problem();

  // Truncated: records are missing.
  testing_support::WriteFileOrDie(export_path, good.substr(0, good.size() / 2));
  r = CheckCheckpoint(in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());

  // A checkpoint signed by an unknown key fails; no export is read.
  CheckpointCheck untrusted = in;
  untrusted.keys = {*ledger::NoteVerifier::Parse(
      ledger::GenerateNoteKey(kOrigin)->verifier_key)};
  r = CheckCheckpoint(untrusted);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  EXPECT_TRUE(absl::StartsWith(r->problem(), "checkpoint c5: ")) << r->problem();

  // An export that is not there is the caller's mistake: an error.
  in.export_path = tmp_.Sub("missing.bin");
  r = CheckCheckpoint(in);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
}

TEST_F(AuditTest, ProofsAreBuiltVerifiedAndRefusedPastTheHead) {
  Append(0, 6);
  absl::StatusOr<InclusionAnswer> inc = ProveInclusion(*db_, 2, 5);
  ASSERT_TRUE(inc.ok()) << inc.status();
  EXPECT_EQ(inc->proof.root, *db_->RootAt(5));
  EXPECT_EQ(inc->proof.leaf_hash, merkle::LeafHash(inc->record_bytes));
  EXPECT_TRUE(ledger::VerifyInclusionProof(inc->proof).ok());
  EXPECT_EQ(ProveInclusion(*db_, 5, 5).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ProveInclusion(*db_, 0, 7).status().code(), absl::StatusCode::kOutOfRange);
  absl::StatusOr<ledger::ConsistencyProofJson> cons = ProveConsistency(*db_, 3, 6);
  ASSERT_TRUE(cons.ok()) << cons.status();
  EXPECT_TRUE(ledger::VerifyConsistencyProof(*cons).ok());
  EXPECT_EQ(ProveConsistency(*db_, 3, 7).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ProveConsistency(*db_, 0, 6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ProveConsistency(*db_, 4, 3).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace audit
