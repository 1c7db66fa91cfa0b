// Behaviour of ledger::Ledger: the promises of SPEC §3 (atomic, idempotent,
// validated, one writer) and the Merkle head of §4.
#include "ledger/ledger.h"
#include "util/error_detail.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/key_coding.h"
#include "merkle/merkle.h"
#include "rocksdb/db.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing_support::ArrestEvent;
using testing_support::CorrectionEvent;
using testing_support::HandoverEvent;
using testing_support::RaidEvent;
using testing_support::RetractionEvent;
using testing_support::TempDir;

class LedgerTest : public testing::Test {
 protected:
  std::unique_ptr<Ledger> OpenWriter() {
    OpenOptions o;
    o.create_if_missing = true;
    o.origin = "test.example/log";
    o.clock = [this] { return now_; };
    auto l = Ledger::Open(dir_.Sub("db"), o);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *std::move(l) : nullptr;
  }
  std::vector<merkle::Hash> LeafHashes(const Ledger& l) {
    std::vector<merkle::Hash> leaves;
    auto recs = l.Read(0, l.GetHead().tree_size);
    EXPECT_TRUE(recs.ok()) << recs.status();
    for (const auto& r : *recs) leaves.push_back(merkle::LeafHash(r.bytes));
    return leaves;
  }

  TempDir dir_;
  absl::Time now_ = absl::FromUnixSeconds(1711929600);
};

TEST_F(LedgerTest, OpenWithoutLedgerIsNotFound) {
  auto l = Ledger::Open(dir_.Sub("nothing"), OpenOptions{});
  EXPECT_EQ(l.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(l.status().message()), HasSubstr("ledger init"));
}

TEST_F(LedgerTest, NewLedgerIsEmptyWithEmptyRoot) {
  auto l = OpenWriter();
  Head h = l->GetHead();
  EXPECT_EQ(h.tree_size, 0u);
  EXPECT_EQ(h.root, merkle::EmptyRoot());
  EXPECT_EQ(h.origin, "test.example/log");
}

TEST_F(LedgerTest, AppendAssignsGapFreePositionsAndStreamVersions) {
  auto l = OpenWriter();
  auto r = l->Append("operation/op1", ExpectedVersion::NoStream(),
                     {RaidEvent("a", "op1"), RaidEvent("b", "op1")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->appended, 2u);
  EXPECT_EQ(r->events[0].position, 0u);
  EXPECT_EQ(r->events[1].position, 1u);
  EXPECT_EQ(r->events[1].stream_version, 1u);
  auto r2 = l->AppendEvents({ArrestEvent("c", "s1"), RaidEvent("d", "op1")});
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->events[0].position, 2u);
  EXPECT_EQ(r2->events[0].stream_version, 0u);
  EXPECT_EQ(r2->events[1].stream_version, 2u);
  auto positions = l->StreamPositions("operation/op1");
  ASSERT_TRUE(positions.ok());
  EXPECT_THAT(*positions, testing::ElementsAre(0, 1, 3));
  EXPECT_EQ(**l->StreamVersion("operation/op1"), 2u);
  EXPECT_FALSE(l->StreamVersion("operation/none")->has_value());
  EXPECT_EQ(*l->FindEvent("c"), 2u);
}

TEST_F(LedgerTest, AppendWithStaleExpectedVersionReturnsAbortedAndWritesNothing) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->Append("operation/op1", ExpectedVersion::Any(), {RaidEvent("a", "op1")}).ok());
  auto r = l->Append("operation/op1", ExpectedVersion::Exact(3), {RaidEvent("b", "op1")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("stream \"operation/op1\" is at version 0, expected version 3"));
  auto r2 = l->Append("operation/op1", ExpectedVersion::NoStream(), {RaidEvent("b", "op1")});
  EXPECT_EQ(r2.status().code(), absl::StatusCode::kAborted);
  auto r3 = l->Append("operation/op9", ExpectedVersion::Exact(0), {RaidEvent("c", "op9")});
  EXPECT_EQ(r3.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(r3.status().message()), HasSubstr("has no events"));
  EXPECT_EQ(l->GetHead().tree_size, 1u);
  EXPECT_TRUE(l->Append("operation/op1", ExpectedVersion::Exact(0), {RaidEvent("b", "op1")}).ok());
}

TEST_F(LedgerTest, AppendIsAtomicWhenOneEventIsInvalid) {
  auto l = OpenWriter();
  Event bad = RaidEvent("b", "op1", 10, 11);  // more ringleaders than detained
  auto r = l->AppendEvents({RaidEvent("a", "op1"), bad, RaidEvent("c", "op1")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("event 1 (event_id \"b\")"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("raid.ringleaders_detained"));
  std::optional<util::ErrorDetail> detail = util::GetErrorDetail(r.status());
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->event_index(), 1u);
  EXPECT_EQ(detail->event_id(), "b");
  EXPECT_EQ(detail->reason(), "invalid_event");
  EXPECT_EQ(detail->field_path(), "raid.ringleaders_detained");
  EXPECT_EQ(l->GetHead().tree_size, 0u);
  EXPECT_EQ(l->FindEvent("a").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LedgerTest, AppendRejectsEventOfAnotherStream) {
  auto l = OpenWriter();
  auto r = l->Append("operation/op2", ExpectedVersion::Any(), {RaidEvent("a", "op1")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("differs from the stream"));
}

TEST_F(LedgerTest, ReappendingIdenticalEventReturnsOriginalPositionAndWritesNothing) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1"), ArrestEvent("b", "s1")}).ok());
  const Head before = l->GetHead();
  // A retry with a stale expected version still succeeds: nothing is new.
  auto r = l->Append("suspect/s1", ExpectedVersion::NoStream(), {ArrestEvent("b", "s1")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->events[0].duplicate);
  EXPECT_EQ(r->events[0].position, 1u);
  EXPECT_EQ(r->appended, 0u);
  EXPECT_EQ(l->GetHead().tree_size, before.tree_size);
  EXPECT_EQ(l->GetHead().root, before.root);
}

TEST_F(LedgerTest, MixedBatchAppendsOnlyNewEvents) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1")}).ok());
  auto r = l->AppendEvents({RaidEvent("a", "op1"), ArrestEvent("b", "s1"), ArrestEvent("b", "s1")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->appended, 1u);
  EXPECT_TRUE(r->events[0].duplicate);
  EXPECT_FALSE(r->events[1].duplicate);
  EXPECT_TRUE(r->events[2].duplicate);
  EXPECT_EQ(r->events[2].position, r->events[1].position);
  EXPECT_EQ(l->GetHead().tree_size, 2u);
}

TEST_F(LedgerTest, SameEventIdWithDifferentContentIsRefused) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1", 807)}).ok());
  auto r = l->AppendEvents({RaidEvent("a", "op1", 808)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("position 0 with different content"));
  auto r2 = l->AppendEvents({RaidEvent("x", "op1", 1, 0), RaidEvent("x", "op1", 2, 0)});
  EXPECT_EQ(r2.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(l->GetHead().tree_size, 1u);
}

TEST_F(LedgerTest, CorrectionMustTargetAnExistingUnretractedEventOfTheSameKind) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("raid", "op1", 800)}).ok());
  auto missing = l->AppendEvents(
      {CorrectionEvent("c0", "operation/op1", "nope", RaidEvent("r", "op1", 807))});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("correction.target_event_id: \"nope\" is not an event in the ledger"));
  auto wrong_kind = l->AppendEvents(
      {CorrectionEvent("c1", "operation/op1", "raid", ArrestEvent("x", "s1"))});
  EXPECT_EQ(wrong_kind.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(wrong_kind.status().message()), HasSubstr("carries a arrest body"));
  // A correction, a correction of that correction, then a retraction of the raid.
  ASSERT_TRUE(l->AppendEvents({CorrectionEvent("c2", "operation/op1", "raid",
                                               RaidEvent("r", "op1", 807))})
                  .ok());
  ASSERT_TRUE(l->AppendEvents({CorrectionEvent("c3", "operation/op1", "c2",
                                               RaidEvent("r", "op1", 806))})
                  .ok());
  ASSERT_TRUE(l->AppendEvents({RetractionEvent("x1", "operation/op1", "raid")}).ok());
  auto after = l->AppendEvents(
      {CorrectionEvent("c4", "operation/op1", "raid", RaidEvent("r", "op1", 5, 0))});
  EXPECT_THAT(std::string(after.status().message()), HasSubstr("has been retracted"));
  auto twice = l->AppendEvents({RetractionEvent("x2", "operation/op1", "raid")});
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("has been retracted"));
  auto of_retraction = l->AppendEvents({RetractionEvent("x3", "operation/op1", "x1")});
  EXPECT_THAT(std::string(of_retraction.status().message()), HasSubstr("is a retraction"));
  EXPECT_EQ(l->GetHead().tree_size, 4u);
}

TEST_F(LedgerTest, CorrectionMayTargetAnEarlierEventOfTheSameBatch) {
  auto l = OpenWriter();
  auto r = l->AppendEvents({RaidEvent("raid", "op1", 800),
                            CorrectionEvent("c", "operation/op1", "raid", RaidEvent("r", "op1")),
                            RetractionEvent("x", "operation/op1", "c"),
                            RetractionEvent("y", "operation/op1", "c")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("event 3"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("has been retracted"));
  EXPECT_TRUE(l->AppendEvents({RaidEvent("raid", "op1", 800),
                               CorrectionEvent("c", "operation/op1", "raid", RaidEvent("r", "op1"))})
                  .ok());
}

TEST_F(LedgerTest, HeadRootMatchesReferenceRootAtEverySize) {
  auto l = OpenWriter();
  for (int i = 0; i < 70; ++i) {
    std::vector<Event> batch;
    for (int j = 0; j <= i % 3; ++j) {
      batch.push_back(ArrestEvent("e" + std::to_string(i) + "-" + std::to_string(j),
                                  "s" + std::to_string(i % 7)));
    }
    ASSERT_TRUE(l->AppendEvents(batch).ok());
  }
  const std::vector<merkle::Hash> leaves = LeafHashes(*l);
  EXPECT_EQ(l->GetHead().root, merkle::RootFromLeafHashes(leaves));
  for (size_t size = 0; size <= leaves.size(); ++size) {
    auto root = l->RootAt(size);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, merkle::RootFromLeafHashes(absl::MakeSpan(leaves).subspan(0, size)))
        << "size " << size;
  }
  EXPECT_EQ(l->RootAt(leaves.size() + 1).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(LedgerTest, RecordsAreStoredOnceAndReadBackByteForByte) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1")}).ok());
  auto rec = l->ReadOne(0);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->record.event().event_id(), "a");
  EXPECT_EQ(rec->record.recorded_at().seconds(), absl::ToUnixSeconds(now_));
  std::string reserialized;
  rec->record.SerializeToString(&reserialized);
  EXPECT_EQ(reserialized, rec->bytes);
  EXPECT_EQ(l->ReadOne(1).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(LedgerTest, RecordedAtNeverGoesBackwards) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1")}).ok());
  now_ -= absl::Hours(1);
  ASSERT_TRUE(l->AppendEvents({RaidEvent("b", "op1")}).ok());
  auto recs = l->Read(0, 2);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ((*recs)[1].record.recorded_at().seconds(), (*recs)[0].record.recorded_at().seconds());
}

TEST_F(LedgerTest, StateSurvivesReopen) {
  merkle::Hash root;
  {
    auto l = OpenWriter();
    ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1"), ArrestEvent("b", "s1")}).ok());
    root = l->GetHead().root;
  }
  auto l = OpenWriter();
  EXPECT_EQ(l->GetHead().tree_size, 2u);
  EXPECT_EQ(l->GetHead().root, root);
  auto r = l->Append("suspect/s1", ExpectedVersion::Exact(0), {ArrestEvent("c", "s1")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events[0].stream_version, 1u);
}

TEST_F(LedgerTest, SecondWriterGetsUnavailableWithTheLockReason) {
  auto l = OpenWriter();
  OpenOptions o;
  auto second = Ledger::Open(dir_.Sub("db"), o);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(util::GetErrorDetail(second.status()).has_value());
  EXPECT_EQ(util::GetErrorDetail(second.status())->reason(), "writer_lock_held");
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("another process"));
}

TEST_F(LedgerTest, ReaderWorksBesideWriterAndCatchesUp) {
  auto l = OpenWriter();
  ASSERT_TRUE(l->AppendEvents({RaidEvent("a", "op1")}).ok());
  OpenOptions ro;
  ro.read_only = true;
  auto reader = Ledger::Open(dir_.Sub("db"), ro);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->GetHead().tree_size, 1u);
  EXPECT_EQ((*reader)->AppendEvents({RaidEvent("b", "op1")}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(l->AppendEvents({RaidEvent("b", "op1")}).ok());
  ASSERT_TRUE((*reader)->TryCatchUp().ok());
  EXPECT_EQ((*reader)->GetHead().tree_size, 2u);
  EXPECT_EQ((*reader)->GetHead().root, l->GetHead().root);
  auto v = (*reader)->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem;
}

TEST_F(LedgerTest, VerifyPassesOnAnIntactLedger) {
  auto l = OpenWriter();
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(l->AppendEvents({ArrestEvent("e" + std::to_string(i), "s" + std::to_string(i % 5))})
                    .ok());
  }
  ASSERT_TRUE(l->AppendEvents({RetractionEvent("x", "suspect/s1", "e1")}).ok());
  auto v = l->Verify();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok()) << v->problem;
  EXPECT_EQ(v->records_checked, 301u);
  EXPECT_EQ(v->root, l->GetHead().root);
}

// Tampering: write through RocksDB underneath the ledger, then verify.
class TamperTest : public LedgerTest {
 protected:
  void SetUp() override {
    auto l = OpenWriter();
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(l->AppendEvents({ArrestEvent("e" + std::to_string(i), "s" + std::to_string(i % 4))})
                      .ok());
    }
  }
  // Applies `edit` to the raw database with all column families open.
  void Tamper(const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>& edit) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : {kMetaFamily, kRecordsFamily, kStreamsFamily, kEventIdsFamily,
                             kMerkleFamily, kRetractedFamily}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_.Sub("db"), cfs, &handles, &db).ok());
    edit(db, handles);
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  VerifyReport VerifyNow() {
    OpenOptions ro;
    ro.read_only = true;
    auto l = Ledger::Open(dir_.Sub("db"), ro);
    EXPECT_TRUE(l.ok()) << l.status();
    auto v = (*l)->Verify();
    EXPECT_TRUE(v.ok()) << v.status();
    return *v;
  }
};

TEST_F(TamperTest, FlippedByteInStoredRecordIsReportedAtItsPosition) {
  Tamper([](rocksdb::DB* db, auto& h) {
    std::string v;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h[1], RecordKey(17), &v).ok());
    v.back() ^= 0x01;  // the last letter of the suspect's nationality: still parses
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[1], RecordKey(17), v).ok());
  });
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(r.first_bad_position.has_value());
  EXPECT_EQ(*r.first_bad_position, 17u);
  EXPECT_THAT(r.problem, HasSubstr("Merkle node (level 0, index 17)"));
}

TEST_F(TamperTest, UnparseableRecordIsReportedAtItsPosition) {
  Tamper([](rocksdb::DB* db, auto& h) {
    std::string v;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h[1], RecordKey(9), &v).ok());
    v.resize(v.size() - 3);  // truncated: a length prefix now runs past the end
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[1], RecordKey(9), v).ok());
  });
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), 9u);
  EXPECT_THAT(r.problem, HasSubstr("record 9: stored bytes do not parse"));
}

TEST_F(TamperTest, DeletedRecordIsReportedAtItsPosition) {
  Tamper([](rocksdb::DB* db, auto& h) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h[1], RecordKey(5)).ok());
  });
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), 5u);
  EXPECT_THAT(r.problem, HasSubstr("record 5 is missing"));
}

TEST_F(TamperTest, WrongStreamIndexEntryIsReportedAtItsRecord) {
  Tamper([](rocksdb::DB* db, auto& h) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[2], StreamKey("suspect/s2", 3), RecordKey(0)).ok());
  });
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.problem, HasSubstr("stream index"));
}

TEST_F(TamperTest, RemovedEventIdIndexEntryIsReported) {
  Tamper([](rocksdb::DB* db, auto& h) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h[3], "e33").ok());
  });
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), 33u);
  EXPECT_THAT(r.problem, HasSubstr("event-id index"));
}

TEST_F(TamperTest, ChangedMerkleNodeIsReported) {
  Tamper([](rocksdb::DB* db, auto& h) {
    std::string bad(32, 'x');
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h[4], MerkleKey(2, 3), bad).ok());
  });
  // The head's compact range of 40 = 32 + 8 does not use node (2,3), so the
  // ledger opens, and verify names the first leaf that completes the node.
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.first_bad_position.value_or(999), 15u);
  EXPECT_THAT(r.problem, HasSubstr("level 2, index 3"));
}

}  // namespace
}  // namespace ledger
