// query::GetEventDetails and projections::Views::History (query_lib): one
// event's state and fixes through correction trees (corrections of
// corrections, retracted corrections, superseded corrections, retracted
// facts), lookups by id and by position, as-of sessions, ParseEventLocator.
#include "query/event_details.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "query/session.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace {

using enforcement::v1::Event;
using query::EventState;
using testing::HasSubstr;
using testing_support::CorrectionEvent;
using testing_support::RaidEvent;
using testing_support::RetractionEvent;

class EventDetailsTest : public testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "event-details-test.example/log";
    auto opened = ledger::Ledger::Open(dir_, o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    writer_ = *std::move(opened);
  }

  void Append(const Event& e) {
    auto r = writer_->AppendEvents({e});
    ASSERT_TRUE(r.ok()) << r.status();
  }

  query::EventDetails Details(const std::string& id, const query::SessionOptions& options = {}) {
    auto session = query::Session::Open(dir_, options);
    EXPECT_TRUE(session.ok()) << session.status();
    if (!session.ok()) return {};
    query::EventLocator which;
    which.event_id = id;
    auto d = query::GetEventDetails(**session, which);
    EXPECT_TRUE(d.ok()) << id << ": " << d.status();
    return d.ok() ? *std::move(d) : query::EventDetails{};
  }

  static std::vector<std::string> FixIds(const query::EventDetails& d) {
    std::vector<std::string> out;
    for (const auto& f : d.fixed_by) out.push_back(f.event.event_id);
    return out;
  }

  testing_support::TempDir tmp_;
  std::string dir_ = tmp_.Sub("db");
  std::unique_ptr<ledger::Ledger> writer_;
};

TEST_F(EventDetailsTest, RetractedCorrectionOfACorrection) {
  const std::string s = "operation/op-1";
  Append(RaidEvent("f", "op-1", 100));                                  // 0
  Append(CorrectionEvent("c1", s, "f", RaidEvent("x", "op-1", 110)));   // 1
  Append(CorrectionEvent("c2", s, "c1", RaidEvent("x", "op-1", 120)));  // 2
  Append(RetractionEvent("r", s, "c2"));                                // 3

  const query::EventDetails f = Details("f");
  EXPECT_EQ(f.record.record.position(), 0u);
  EXPECT_EQ(f.state, EventState::kCorrected);
  ASSERT_TRUE(f.corrected_by.has_value());
  EXPECT_EQ(f.corrected_by->event_id, "c1");  // c2 withdrawn: c1's body is back
  EXPECT_EQ(f.corrected_by->position, 1u);
  EXPECT_THAT(FixIds(f), testing::ElementsAre("c1", "c2", "r"));
  EXPECT_EQ(f.fixed_by[2].kind, "retraction");
  EXPECT_EQ(f.fixed_by[2].target_event_id, "c2");
  EXPECT_EQ(f.fixed_by[2].target_position, 2u);
  EXPECT_EQ(f.tree_size, 4u);
  EXPECT_EQ(f.prove_command, "ledger prove inclusion --position 0 --size 4");

  const query::EventDetails c1 = Details("c1");
  EXPECT_EQ(c1.state, EventState::kInEffect);
  ASSERT_TRUE(c1.target.has_value());
  EXPECT_EQ(c1.target->event_id, "f");
  EXPECT_THAT(FixIds(c1), testing::ElementsAre("c2", "r"));

  const query::EventDetails c2 = Details("c2");
  EXPECT_EQ(c2.state, EventState::kRetracted);
  ASSERT_TRUE(c2.retracted_by.has_value());
  EXPECT_EQ(c2.retracted_by->event_id, "r");
  EXPECT_EQ(c2.retracted_by->position, 3u);
  EXPECT_THAT(FixIds(c2), testing::ElementsAre("r"));

  const query::EventDetails r = Details("r");
  EXPECT_EQ(r.state, EventState::kInEffect);
  EXPECT_TRUE(r.fixed_by.empty());
  ASSERT_TRUE(r.target.has_value());
  EXPECT_EQ(r.target->position, 2u);
}

TEST_F(EventDetailsTest, SupersededCorrectionAndRetractedFact) {
  const std::string s = "operation/op-1";
  Append(RaidEvent("f", "op-1", 100));                                 // 0
  Append(CorrectionEvent("c1", s, "f", RaidEvent("x", "op-1", 110)));  // 1
  Append(CorrectionEvent("c2", s, "f", RaidEvent("x", "op-1", 120)));  // 2
  EXPECT_EQ(Details("c1").state, EventState::kSuperseded);
  EXPECT_TRUE(Details("c1").fixed_by.empty());  // c2 names f, not c1
  EXPECT_EQ(Details("c2").state, EventState::kInEffect);
  Append(RetractionEvent("r", s, "f"));  // 3
  const query::EventDetails f = Details("f");
  EXPECT_EQ(f.state, EventState::kRetracted);
  EXPECT_EQ(f.retracted_by->event_id, "r");
  EXPECT_THAT(FixIds(f), testing::ElementsAre("c1", "c2", "r"));
  EXPECT_EQ(Details("c2").state, EventState::kSuperseded);
}

TEST_F(EventDetailsTest, ByPositionUnknownIdAndAsOf) {
  Append(RaidEvent("f", "op-1", 100));
  Append(RaidEvent("g", "op-2", 100));
  auto session = query::Session::Open(dir_);
  ASSERT_TRUE(session.ok()) << session.status();
  query::EventLocator at1;
  at1.position = 1;
  auto d = query::GetEventDetails(**session, at1);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->record.record.event().event_id(), "g");

  query::EventLocator past;
  past.position = 2;
  d = query::GetEventDetails(**session, past);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(d.status().message(), HasSubstr("past the head"));

  query::EventLocator unknown;
  unknown.event_id = "nope";
  d = query::GetEventDetails(**session, unknown);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(d.status().message(), HasSubstr("no event 'nope'"));

  // As of 1 record: "g" is not there yet.
  session->reset();  // one session at a time holds the views
  query::SessionOptions options;
  options.as_of_position = 1;
  auto old = query::Session::Open(dir_, options);
  ASSERT_TRUE(old.ok()) << old.status();
  query::EventLocator g;
  g.event_id = "g";
  d = query::GetEventDetails(**old, g);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(d.status().message(), HasSubstr("as of 1 records"));
  d = query::GetEventDetails(**old, at1);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ParseEventLocatorTest, HashIsAPositionAnythingElseAnId) {
  auto p = query::ParseEventLocator("#12");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->position, 12u);
  p = query::ParseEventLocator("12");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->position.has_value());
  EXPECT_EQ(p->event_id, "12");
  p = query::ParseEventLocator("sha256:abc#1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->event_id, "sha256:abc#1");
  for (const char* bad : {"", "#", "#x", "#-1", "#1 ", "#99999999999999999999999"}) {
    EXPECT_EQ(query::ParseEventLocator(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
