// workload::EventGenerator directly (workload_lib): both shapes are
// deterministic for a seed, stream (a longer run starts with a shorter one),
// produce only valid events, and keep their own character: kStory tells
// operations with corrections and retractions of earlier events, kStreamMix
// is the benches' four-kind mix of ~300-byte events. Digests pin both
// sequences: a change of either changes `ledger gen`'s output or what a
// benchmark measures (add a shape instead). The CSV form has one cell per
// column.
#include "workload/generator.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "merkle/merkle.h"
#include "workload/gen_csv.h"

namespace {

using enforcement::v1::Event;

std::string Bytes(const Event& e) {
  std::string out;
  EXPECT_TRUE(ledger::SerializeEventDeterministic(e, &out));
  return out;
}

// A digest of the sequence: SHA-256 over each event's deterministic bytes
// (the form the ledger stores), each after its length.
std::string Digest(const std::vector<Event>& events) {
  std::string all;
  for (const Event& e : events) {
    const std::string bytes = Bytes(e);
    absl::StrAppend(&all, bytes.size(), ":", bytes);
  }
  return merkle::ToHex(merkle::LeafHash(all));
}

std::vector<Event> Generate(workload::GeneratorOptions options, size_t n) {
  workload::EventGenerator gen(std::move(options));
  return gen.Take(n);
}

std::string KindOf(const Event& e) {
  return Event::descriptor()->FindFieldByNumber(e.body_case())->name();
}

TEST(WorkloadTest, BothShapesAreDeterministicAndStream) {
  for (workload::Shape shape : {workload::Shape::kStory, workload::Shape::kStreamMix}) {
    SCOPED_TRACE(shape == workload::Shape::kStory ? "story" : "stream mix");
    const std::vector<Event> a = Generate({.shape = shape, .seed = 42}, 2000);
    const std::vector<Event> b = Generate({.shape = shape, .seed = 42}, 2000);
    const std::vector<Event> c = Generate({.shape = shape, .seed = 43}, 2000);
    const std::vector<Event> shorter = Generate({.shape = shape, .seed = 42}, 500);
    ASSERT_EQ(a.size(), 2000u);
    EXPECT_EQ(Digest(a), Digest(b));
    EXPECT_NE(Digest(a), Digest(c));
    EXPECT_EQ(Digest(shorter), Digest({a.begin(), a.begin() + 500}));
  }
}

// Pinned sequences (computed with the generators as they were when the two
// were made one library).
TEST(WorkloadTest, TheSequencesArePinned) {
  EXPECT_EQ(Digest(Generate({.shape = workload::Shape::kStory, .seed = 7}, 3000)),
            "399280de5e005298d7b47d49eba88abc0b746f1da2ac32e716a756610611a0ff");
  EXPECT_EQ(Digest(Generate({.shape = workload::Shape::kStreamMix, .seed = 7}, 3000)),
            "4f0beb0a5b222e611d3d4fe782792c09647f20e65ade1dbc5e9fcd3ebb6f5cbe");
}

TEST(WorkloadTest, StoryEventsAreValidAndTellOperations) {
  workload::EventGenerator gen({.shape = workload::Shape::kStory, .seed = 5});
  std::map<std::string, int> kinds;
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    const Event e = gen.Next();
    ASSERT_TRUE(ledger::ValidateEvent(e).ok()) << ledger::ValidateEvent(e) << " " << e.DebugString();
    EXPECT_EQ(e.event_id(), absl::StrCat("gen-5-", i));
    ids.insert(e.event_id());
    ++kinds[KindOf(e)];
    if (e.has_correction()) {
      EXPECT_TRUE(ids.count(e.correction().target_event_id())) << i;
    }
    if (e.has_retraction()) {
      EXPECT_TRUE(ids.count(e.retraction().target_event_id())) << i;
    }
  }
  EXPECT_EQ(gen.events(), 10000u);
  for (const char* kind : {"raid", "arrest", "handover", "sentencing", "correction", "retraction",
                           "reported_figure"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
}

// Without explicit ids, corrections and retractions target the ids the
// caller's rule derives.
TEST(WorkloadTest, StoryWithoutIdsTargetsTheDerivedIds) {
  std::set<std::string> derived;
  int n = 0;
  workload::EventGenerator gen(
      {.shape = workload::Shape::kStory,
       .seed = 3,
       .derive_event_id = [&n](const Event&) { return absl::StrCat("derived-", n++); }});
  int fixes = 0;
  for (int i = 0; i < 5000; ++i) {
    const Event e = gen.Next();
    EXPECT_TRUE(e.event_id().empty());
    for (const std::string* target :
         {e.has_correction() ? &e.correction().target_event_id() : nullptr,
          e.has_retraction() ? &e.retraction().target_event_id() : nullptr}) {
      if (target == nullptr) continue;
      ++fixes;
      EXPECT_THAT(*target, testing::StartsWith("derived-"));
    }
  }
  EXPECT_GT(fixes, 0);
  EXPECT_GT(n, 0);
}

TEST(WorkloadTest, StreamMixIsTheBenchesFourKindMix) {
  workload::EventGenerator gen({.shape = workload::Shape::kStreamMix, .seed = 1});
  std::map<std::string, int> kinds;
  size_t bytes = 0;
  constexpr int kEvents = 20000;
  for (int i = 0; i < kEvents; ++i) {
    const Event e = gen.Next();
    ASSERT_TRUE(ledger::ValidateEvent(e).ok()) << ledger::ValidateEvent(e);
    EXPECT_EQ(e.event_id(), absl::StrCat("gen-1-", i));
    ++kinds[KindOf(e)];
    bytes += Bytes(e).size();
  }
  EXPECT_EQ(kinds.size(), 4u);
  EXPECT_NEAR(kinds["raid"] / double{kEvents}, 0.20, 0.02);
  EXPECT_NEAR(kinds["arrest"] / double{kEvents}, 0.35, 0.02);
  EXPECT_NEAR(kinds["handover"] / double{kEvents}, 0.15, 0.02);
  EXPECT_NEAR(kinds["sentencing"] / double{kEvents}, 0.30, 0.02);
  const double mean = static_cast<double>(bytes) / kEvents;
  EXPECT_GT(mean, 250);
  EXPECT_LT(mean, 350);
  EXPECT_GT(gen.streams(), 400u);
}

TEST(WorkloadTest, TheCsvFormHasACellPerColumn) {
  workload::EventGenerator gen({.shape = workload::Shape::kStory, .seed = 2});
  const std::vector<std::string>& header = workload::GenCsvHeader();
  EXPECT_EQ(header.front(), "event_id");
  for (int i = 0; i < 500; ++i) {
    const Event e = gen.Next();
    const std::vector<std::string> row = workload::GenCsvRow(e);
    ASSERT_EQ(row.size(), header.size());
    EXPECT_EQ(row[0], e.event_id());
    EXPECT_EQ(row[1], e.stream());
  }
  EXPECT_EQ(workload::CsvLine({"a", "b,c", "d\"e"}), "a,\"b,c\",\"d\"\"e\"\n");
}

}  // namespace
