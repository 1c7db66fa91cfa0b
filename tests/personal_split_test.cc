// The format-2 split of an event into what the log stores and what the
// personal-data store keeps (ingest/personal_split.h, docs/PERSONAL_DATA.md).
#include "ingest/personal_split.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/record_coding.h"
#include "personal/personal_crypto.h"
#include "personal/personal_store.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace ingest {
namespace {

using enforcement::v1::Event;
using ::testing::HasSubstr;

constexpr char kAgencyId[] = "cn-\xe5\xbc\xa0\xe4\xbc\x9f-01";  // cn-张伟-01
constexpr char kName[] = "\xe5\xbc\xa0\xe4\xbc\x9f";            // 张伟

Event Arrest(const std::string& id, const std::string& agency_id, const std::string& name) {
  Event e = testing_support::ArrestEvent(id, agency_id);
  e.set_stream("suspect/" + agency_id);
  e.mutable_arrest()->mutable_suspect()->set_name(name);
  return e;
}

std::string Bytes(const Event& e) {
  std::string out;
  ledger::SerializeEventDeterministic(e, &out);
  return out;
}

class PersonalSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    personal::StoreOptions o;
    o.mode = personal::StoreOptions::Mode::kWrite;
    o.create_if_missing = true;
    auto s = personal::PersonalStore::Open(dir_.path(), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }

  testing_support::TempDir dir_;
  std::unique_ptr<personal::PersonalStore> store_;
};

TEST_F(PersonalSplitTest, SplitReplacesAgencyIdsAndNamesWithSubjectAndCommitments) {
  PersonalSplitter splitter(*store_, nullptr);
  Event e = Arrest("", kAgencyId, kName);
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&e, &values).ok());

  const std::string subject = e.arrest().suspect().suspect_id();
  EXPECT_TRUE(personal::IsSubjectId(subject)) << subject;
  EXPECT_EQ(e.arrest().suspect().name(), "");
  EXPECT_EQ(e.stream(), "suspect/" + subject);
  ASSERT_EQ(e.personal_size(), 3);
  EXPECT_EQ(e.personal(0).field_path(), "arrest.suspect.name");
  EXPECT_EQ(e.personal(1).field_path(), "arrest.suspect.suspect_id");
  EXPECT_EQ(e.personal(2).field_path(), "stream");
  for (const auto& p : e.personal()) {
    EXPECT_EQ(p.subject_id(), subject);
    EXPECT_EQ(p.commitment().size(), 32u);
  }
  EXPECT_TRUE(absl::StartsWith(e.event_id(), "sha256:")) << e.event_id();
  const std::string bytes = Bytes(e);
  EXPECT_EQ(bytes.find(kName), std::string::npos);
  EXPECT_EQ(bytes.find("cn-"), std::string::npos);

  ASSERT_EQ(values.size(), 3u);
  for (const auto& v : values) {
    EXPECT_EQ(v.subject_id, subject);
    EXPECT_EQ(v.event_id, e.event_id());
  }
}

TEST_F(PersonalSplitTest, CommitmentOpensWithTheValueAndTheSubjectKey) {
  PersonalSplitter splitter(*store_, nullptr);
  Event e = Arrest("arrest-1", kAgencyId, kName);
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&e, &values).ok());
  ASSERT_TRUE(store_->Persist(values).ok());
  for (const auto& p : e.personal()) {
    auto opening = store_->OpeningFor(p.subject_id(), e.event_id(), p.field_path());
    ASSERT_TRUE(opening.ok()) << opening.status();
    auto value = store_->Reveal(p.subject_id(), e.event_id(), p.field_path());
    ASSERT_TRUE(value.ok()) << value.status();
    const personal::Digest c = personal::Commitment(*opening, p.field_path(), *value);
    EXPECT_EQ(std::string(c.begin(), c.end()), p.commitment()) << p.field_path();
  }
  EXPECT_EQ(*store_->Reveal(e.arrest().suspect().suspect_id(), e.event_id(), "arrest.suspect.name"),
            kName);
}

TEST_F(PersonalSplitTest, SplittingTheSameEventTwiceGivesTheSameBytes) {
  PersonalSplitter splitter(*store_, nullptr);
  Event a = Arrest("", kAgencyId, kName);
  Event b = a;
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&a, &values).ok());
  ASSERT_TRUE(store_->Persist(values).ok());
  ASSERT_TRUE(splitter.Split(&b, &values).ok());
  EXPECT_EQ(Bytes(a), Bytes(b));
}

TEST_F(PersonalSplitTest, DerivedIdDoesNotDependOnTheName) {
  PersonalSplitter splitter(*store_, nullptr);
  Event a = Arrest("", kAgencyId, kName);
  Event b = Arrest("", kAgencyId, "Zhang Wei");
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&a, &values).ok());
  ASSERT_TRUE(splitter.Split(&b, &values).ok());
  EXPECT_EQ(a.event_id(), b.event_id());
  EXPECT_NE(a.personal(0).commitment(), b.personal(0).commitment());
}

TEST_F(PersonalSplitTest, OtherAgencyIdGetsOtherRandomSubject) {
  PersonalSplitter splitter(*store_, nullptr);
  Event a = Arrest("a", kAgencyId, kName);
  Event b = Arrest("b", "cn-other-02", kName);
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&a, &values).ok());
  ASSERT_TRUE(splitter.Split(&b, &values).ok());
  EXPECT_NE(a.arrest().suspect().suspect_id(), b.arrest().suspect().suspect_id());
}

TEST_F(PersonalSplitTest, HandoverSuspectIdsAndCorrectionReplacementsAreSplit) {
  PersonalSplitter splitter(*store_, nullptr);
  Event h = testing_support::HandoverEvent("h1", "handover/h1", "MM", "CN", 2);
  h.mutable_handover()->add_suspect_ids(kAgencyId);
  h.mutable_handover()->add_suspect_ids("cn-li-02");
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&h, &values).ok());
  ASSERT_EQ(h.personal_size(), 2);
  EXPECT_EQ(h.personal(0).field_path(), "handover.suspect_ids[0]");
  EXPECT_EQ(h.personal(1).field_path(), "handover.suspect_ids[1]");
  EXPECT_TRUE(personal::IsSubjectId(h.handover().suspect_ids(0)));

  Event c = testing_support::CorrectionEvent("c1", "suspect/" + std::string(kAgencyId), "a1",
                                             Arrest("", kAgencyId, kName));
  c.mutable_correction()->mutable_replacement()->clear_event_id();
  c.mutable_correction()->mutable_replacement()->clear_stream();
  ASSERT_TRUE(splitter.Split(&c, &values).ok()) << c.DebugString();
  std::vector<std::string> paths;
  for (const auto& p : c.personal()) paths.push_back(p.field_path());
  EXPECT_THAT(paths, ::testing::ElementsAre("correction.replacement.arrest.suspect.name",
                                            "correction.replacement.arrest.suspect.suspect_id",
                                            "stream"));
  EXPECT_EQ(c.correction().replacement().arrest().suspect().name(), "");
  EXPECT_EQ(Bytes(c).find(kName), std::string::npos);
}

TEST_F(PersonalSplitTest, ProducerWrittenPersonalOrErasureIsRefused) {
  PersonalSplitter splitter(*store_, nullptr);
  std::vector<personal::PersonalValue> values;
  Event e = Arrest("a", kAgencyId, kName);
  e.add_personal()->set_field_path("arrest.suspect.name");
  absl::Status s = splitter.Split(&e, &values);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("personal: is written by the importer"));

  Event x = Arrest("x", kAgencyId, kName);
  x.clear_arrest();
  x.mutable_erasure()->set_subject_id("sub_00000000000000000000000000000000");
  s = splitter.Split(&x, &values);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("ledger erase"));
  EXPECT_TRUE(values.empty());
}

TEST_F(PersonalSplitTest, NameWithControlCharacterIsRefusedBeforeItLeavesTheEvent) {
  PersonalSplitter splitter(*store_, nullptr);
  std::vector<personal::PersonalValue> values;
  Event e = Arrest("", kAgencyId, "Zhang\x07Wei");
  absl::Status s = splitter.Split(&e, &values);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("arrest.suspect.name: control character"));
  EXPECT_EQ(e.event_id(), "");
  EXPECT_TRUE(values.empty());
}

TEST_F(PersonalSplitTest, ErasedSubjectKeepsNoValueAndGetsNoCommitment) {
  PersonalSplitter splitter(*store_, nullptr);
  Event a = Arrest("a", kAgencyId, kName);
  std::vector<personal::PersonalValue> values;
  ASSERT_TRUE(splitter.Split(&a, &values).ok());
  ASSERT_TRUE(store_->Persist(values).ok());
  const std::string subject = a.arrest().suspect().suspect_id();
  ASSERT_TRUE(store_->Erase(subject, "Court order 1", "acquitted", absl::Now()).ok());

  Event b = Arrest("b", kAgencyId, kName);
  values.clear();
  ASSERT_TRUE(splitter.Split(&b, &values).ok());
  EXPECT_EQ(b.arrest().suspect().suspect_id(), subject);
  EXPECT_TRUE(values.empty());
  for (const auto& p : b.personal()) EXPECT_EQ(p.commitment(), "") << p.field_path();
}

}  // namespace
}  // namespace ingest
