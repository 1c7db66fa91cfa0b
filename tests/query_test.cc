// query::Session directly (query_lib): answers over a small ledger, as-of by
// position and by time, catching up with a writer that appended more, views
// ahead of an older reader (CatchUpViews), views lock contention, rebuild.
#include "query/session.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "projections/store_coding.h"
#include "projections/views.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"
#include "util/error_detail.h"

namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing::StartsWith;
using testing_support::ArrestEvent;
using testing_support::HandoverEvent;
using testing_support::RaidEvent;

std::string Reason(const absl::Status& s) {
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(s);
  return d ? d->reason() : "";
}

class QueryTest : public testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "query-test.example/log";
    // Record i is recorded at 2024-04-01T00:00:0i Z.
    o.clock = [this] { return absl::FromUnixSeconds(1711929600) + absl::Seconds(ticks_++); };
    auto opened = ledger::Ledger::Open(dir_, o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    writer_ = *std::move(opened);
    Append({RaidEvent("e-raid", "op-1", 100, 2), ArrestEvent("e-arrest", "s-1"),
            HandoverEvent("e-handover", "handover/h-1", "MM", "CN", 40)});
  }

  void Append(const std::vector<Event>& events) {
    for (const Event& e : events) {  // one record each: one tick each
      auto r = writer_->AppendEvents({e});
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }

  std::unique_ptr<query::Session> OpenOrDie(const query::SessionOptions& options = {}) {
    auto s = query::Session::Open(dir_, options);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  testing_support::TempDir tmp_;
  std::string dir_ = tmp_.Sub("db");
  int64_t ticks_ = 0;
  std::unique_ptr<ledger::Ledger> writer_;
};

TEST_F(QueryTest, AnswersFromTheViewsCaughtUpToTheHead) {
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->catch_up().has_value());
  EXPECT_EQ(session->catch_up()->to, 3u);
  EXPECT_FALSE(session->as_of_size().has_value());

  auto op = session->GetOperation("op-1");
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->detained, 100);
  auto suspect = session->GetSuspect("s-1");
  ASSERT_TRUE(suspect.ok()) << suspect.status();
  EXPECT_EQ(suspect->suspect_id, "s-1");
  auto totals = session->GetTotals();
  ASSERT_TRUE(totals.ok()) << totals.status();
  EXPECT_EQ(totals->applied, 3u);
  EXPECT_EQ(totals->raids, 1);
  auto flows = session->Flows({});
  ASSERT_TRUE(flows.ok()) << flows.status();
  ASSERT_EQ(flows->size(), 1u);
  EXPECT_EQ((*flows)[0].people, 40);

  projections::TimelineQuery all;
  auto timeline = session->Timeline(all);
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(timeline->size(), 3u);
}

TEST_F(QueryTest, UnknownIdsAreNotFoundWithTheAnswersMessage) {
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  auto s = session->GetSuspect("nope");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "no suspect 'nope' in the ledger");
  EXPECT_EQ(session->GetOperation("nope").status().message(), "no operation 'nope' in the ledger");
  EXPECT_EQ(session->GetCase("nope").status().message(), "no case 'nope' in the ledger");

  projections::TimelineQuery q;
  q.kind = projections::TimelineKind::kSuspect;
  q.key = "nope";
  EXPECT_EQ(session->Timeline(q).status().code(), absl::StatusCode::kNotFound);
  q.kind = projections::TimelineKind::kCountry;  // a country may have no events
  q.key = "FR";
  auto quiet = session->Timeline(q);
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  EXPECT_TRUE(quiet->empty());
}

TEST_F(QueryTest, ListingsComeInPages) {
  Append({RaidEvent("e-raid-2", "op-2"), RaidEvent("e-raid-3", "op-3")});
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  auto page = session->ListOperations({}, 2, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(page->more);
  auto rest = session->ListOperations({}, 2, page->items.back().operation_id);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->items.size(), 1u);
  EXPECT_FALSE(rest->more);
  auto all = session->ListOperations({}, 0, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 3u);
  EXPECT_FALSE(all->more);
  auto suspects = session->ListSuspects({}, 0);
  ASSERT_TRUE(suspects.ok()) << suspects.status();
  EXPECT_EQ(suspects->items.size(), 1u);
}

TEST_F(QueryTest, AsOfAPositionAnswersWhatTheViewsAnsweredThen) {
  query::SessionOptions options;
  options.as_of_position = 1;
  auto session = OpenOrDie(options);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->as_of_size(), 1u);
  auto totals = session->GetTotals();
  ASSERT_TRUE(totals.ok()) << totals.status();
  EXPECT_EQ(totals->applied, 1u);
  auto s = session->GetSuspect("s-1");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "no suspect 's-1' in the ledger (as of 1 records)");
  // The store itself is at the head.
  EXPECT_EQ(session->store().checkpoint(), 3u);
}

TEST_F(QueryTest, AsOfATimeOrAPosition) {
  query::SessionOptions options;
  options.as_of = "2024-04-01T00:00:01Z";  // records 0 and 1
  auto session = OpenOrDie(options);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->as_of_size(), 2u);
  EXPECT_TRUE(session->GetSuspect("s-1").ok());
  EXPECT_EQ(session->Flows({})->size(), 0u);

  options.as_of = "2999-01-01T00:00:00Z";  // everything: the store answers
  session.reset();  // one session at a time holds the views lock
  session = OpenOrDie(options);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->as_of_size(), 3u);
  EXPECT_EQ(&session->views(), &session->store());

  // A decimal is a position, given as one (a bare number as a time is
  // refused: AsOfTakesARecordedDateAndRefusesABareNumber).
  options.as_of.clear();
  options.as_of_position = 1;
  session.reset();
  session = OpenOrDie(options);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->as_of_size(), 1u);
}

TEST_F(QueryTest, AsOfErrorsAreTyped) {
  query::SessionOptions options;
  options.as_of_position = 4;
  auto past = query::Session::Open(dir_, options);
  EXPECT_EQ(past.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Reason(past.status()), query::kReasonAsOfPastHead);
  EXPECT_EQ(past.status().message(), "position 4 is past the head: the ledger holds 3 records");

  options.as_of = "2024-04-01T00:00:00Z";  // both
  auto both = query::Session::Open(dir_, options);
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(both.status()), query::kReasonAsOfInvalid);

  options.as_of_position.reset();
  options.as_of = "yesterday";
  auto bad = query::Session::Open(dir_, options);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(bad.status()), query::kReasonAsOfInvalid);
}

TEST_F(QueryTest, ANewSessionSeesWhatTheWriterAppendedSince) {
  auto first = OpenOrDie();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->GetTotals()->applied, 3u);
  first.reset();  // releases the views lock
  Append({RaidEvent("e-raid-2", "op-2", 50, 1)});
  auto second = OpenOrDie();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->catch_up()->from, 3u);
  EXPECT_EQ(second->catch_up()->to, 4u);
  EXPECT_EQ(second->GetTotals()->applied, 4u);
  EXPECT_TRUE(second->GetOperation("op-2").ok());
}

// A reader opened before the writer appended more, while another process
// (here: another session) caught the views up past that reader's head: the
// views are ahead of it. CatchUpViews catches the reader up and tries again.
TEST_F(QueryTest, ViewsAheadOfAnOlderReaderCatchUpTheReaderAndRetry) {
  ledger::OpenOptions ro;
  ro.read_only = true;
  auto reader = ledger::Ledger::Open(dir_, ro);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Append({RaidEvent("e-raid-2", "op-2", 50, 1)});
  {
    auto newer = OpenOrDie();
    ASSERT_NE(newer, nullptr);
    EXPECT_EQ(newer->store().checkpoint(), 4u);
  }
  ASSERT_EQ((*reader)->GetHead().tree_size, 3u);
  auto views = projections::Views::Open(dir_);
  ASSERT_TRUE(views.ok()) << views.status();
  // The plain catch-up refuses: the views are ahead of this reader.
  EXPECT_EQ((*views)->CatchUp(**reader).status().code(), absl::StatusCode::kDataLoss);
  auto r = query::CatchUpViews(**reader, **views);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->to, 4u);
  EXPECT_EQ((*reader)->GetHead().tree_size, 4u);
}

TEST_F(QueryTest, ViewsLockContentionIsReportedAsSuch) {
  auto holder = projections::Views::Open(dir_);
  ASSERT_TRUE(holder.ok()) << holder.status();
  query::SessionOptions options;
  options.views.lock_timeout = absl::Milliseconds(50);
  auto session = query::Session::Open(dir_, options);
  ASSERT_FALSE(session.ok());
  EXPECT_TRUE(util::IsLockContention(session.status())) << session.status();
  EXPECT_EQ(Reason(session.status()), "views_lock_held");
  EXPECT_THAT(std::string(session.status().message()),
              testing::AllOf(StartsWith("cannot open the views: "),
                             HasSubstr("(another process is updating the views; retry)")));
  holder->reset();
  EXPECT_TRUE(query::Session::Open(dir_, options).ok());
}

TEST_F(QueryTest, RebuildWithoutCatchUp) {
  query::SessionOptions options;
  options.catch_up = false;
  auto session = OpenOrDie(options);
  ASSERT_NE(session, nullptr);
  EXPECT_FALSE(session->catch_up().has_value());
  auto r = session->Rebuild();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 3u);
  EXPECT_EQ(session->store().checkpoint(), 3u);
}

TEST_F(QueryTest, NoLedgerIsNotFound) {
  auto session = query::Session::Open(tmp_.Sub("nothing-here"));
  EXPECT_EQ(session.status().code(), absl::StatusCode::kNotFound) << session.status();
  EXPECT_THAT(std::string(session.status().message()), StartsWith("cannot open the ledger at "));
}


// --- paging, natural order, filters (docs/PAGING.md) ---------------------------

namespace paging {

std::vector<std::string> Ids(int n) {
  std::vector<std::string> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(absl::StrCat("s-7-1-", i));
  return ids;
}

}  // namespace paging

TEST(NaturalOrder, DigitRunsCompareAsNumbers) {
  using projections::internal::NaturalIdLess;
  EXPECT_TRUE(NaturalIdLess("s-7-1-4", "s-7-1-39"));
  EXPECT_FALSE(NaturalIdLess("s-7-1-39", "s-7-1-4"));
  EXPECT_TRUE(NaturalIdLess("s-7-1-9", "s-7-1-10"));
  EXPECT_TRUE(NaturalIdLess("op-2", "op-10"));
  EXPECT_TRUE(NaturalIdLess("a", "a1"));
  EXPECT_TRUE(NaturalIdLess("s-07", "s-7"));  // one number: the id's bytes break the tie
  EXPECT_TRUE(NaturalIdLess("s-07", "s-8"));
  EXPECT_TRUE(NaturalIdLess("x-99", "x-a"));  // digits before letters, as in ASCII
}

TEST_F(QueryTest, PagingVisitsEveryIdOnceInNaturalOrder) {
  // 40 suspects appended in a shuffled order: s-7-1-1 .. s-7-1-40.
  std::vector<std::string> ids = paging::Ids(40);
  std::vector<Event> events;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[(i * 17) % ids.size()];
    events.push_back(ArrestEvent("e-arrest-" + id, id));
  }
  Append(events);
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  std::vector<std::string> seen;
  projections::SuspectFilter filter;
  std::string first_cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = session->ListSuspects(filter, 7);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& s : page->items) seen.push_back(s.suspect_id);
    if (!page->more) {
      EXPECT_TRUE(page->next_after.empty());
      break;
    }
    EXPECT_EQ(page->next_after, page->items.back().suspect_id);
    if (first_cursor.empty()) first_cursor = page->next_after;
    filter.after = page->next_after;
  }
  std::vector<std::string> expected = ids;
  expected.insert(expected.begin(), "s-1");  // the fixture's arrest
  std::sort(expected.begin(), expected.end(), projections::internal::NaturalIdLess);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(seen[1], "s-7-1-1");
  EXPECT_EQ(seen[4], "s-7-1-4");

  // A cursor stays put when the ledger grows: the page after it is the
  // same ids plus only the new ones that sort after it.
  projections::SuspectFilter again;
  again.after = first_cursor;
  auto before = session->ListSuspects(again, 3);
  ASSERT_TRUE(before.ok());
  session.reset();
  Append({ArrestEvent("e-arrest-s-0", "s-0")});  // sorts before the cursor
  auto grown = OpenOrDie();
  ASSERT_NE(grown, nullptr);
  auto after = grown->ListSuspects(again, 3);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->items.size(), before->items.size());
  for (size_t i = 0; i < after->items.size(); ++i) {
    EXPECT_EQ(after->items[i].suspect_id, before->items[i].suspect_id);
  }
}

TEST_F(QueryTest, TimelinePagesVisitEveryEntryOnce) {
  std::vector<Event> events;
  for (int i = 0; i < 20; ++i) events.push_back(RaidEvent(absl::StrCat("e-r", i), "op-9"));
  Append(events);
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  auto whole = session->Timeline({});
  ASSERT_TRUE(whole.ok()) << whole.status();
  for (bool newest_first : {false, true}) {
    projections::TimelineQuery q;
    q.newest_first = newest_first;
    std::vector<uint64_t> seen;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = session->TimelinePage(q, 4);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const auto& e : page->items) seen.push_back(e.position);
      if (!page->more) break;
      q.after = page->next_after;
    }
    std::vector<uint64_t> expected;
    for (const auto& e : *whole) expected.push_back(e.position);
    if (newest_first) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(seen, expected) << newest_first;
  }
  projections::TimelineQuery bad;
  bad.after = "not-a-cursor";
  EXPECT_EQ(session->TimelinePage(bad, 4).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(QueryTest, TimelineFiltersByKindAndOccurredTime) {
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  auto whole = session->Timeline({});
  ASSERT_TRUE(whole.ok()) << whole.status();
  projections::TimelineQuery raids;
  raids.event_kind = "raid";
  auto r = session->Timeline(raids);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].kind, "raid");
  raids.event_kind = "raids";
  EXPECT_THAT(std::string(session->Timeline(raids).status().message()),
              HasSubstr("is not an event kind"));

  // Each entry is kept by a range that starts and ends inside its unit, and
  // dropped by one that ends before it starts.
  for (const auto& e : *whole) {
    const absl::Time start = absl::FromUnixSeconds(e.occurred.seconds);
    projections::TimelineQuery q;
    q.since = start;
    q.until = start;
    auto kept = session->Timeline(q);
    ASSERT_TRUE(kept.ok());
    EXPECT_TRUE(std::any_of(kept->begin(), kept->end(),
                            [&](const auto& k) { return k.position == e.position; }));
    q.since = absl::InfinitePast();
    q.until = start - absl::Seconds(1);
    auto dropped = session->Timeline(q);
    ASSERT_TRUE(dropped.ok());
    EXPECT_TRUE(std::none_of(dropped->begin(), dropped->end(),
                             [&](const auto& k) { return k.position == e.position; }));
  }
}

TEST_F(QueryTest, FiltersRefuseWhatImportRefuses) {
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  projections::FlowQuery lower;
  lower.from_country = "mm";
  auto flows = session->ListFlows(lower, 100, "");
  EXPECT_EQ(flows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(flows.status().message(),
            "--from: \"mm\" is not an ISO 3166-1 alpha-2 code (codes are upper case: \"MM\")");
  projections::SuspectFilter f;
  f.nationality = "XX";
  EXPECT_EQ(session->ListSuspects(f, 10).status().code(), absl::StatusCode::kInvalidArgument);
  f.nationality.clear();
  f.role = "boss";
  EXPECT_THAT(std::string(session->ListSuspects(f, 10).status().message()),
              HasSubstr("ringleader"));
  f.role = "member";
  EXPECT_TRUE(session->ListSuspects(f, 10).ok());
  projections::TimelineQuery country{projections::TimelineKind::kCountry, "cn"};
  EXPECT_EQ(session->Timeline(country).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(QueryTest, FlowsAndFiguresPage) {
  Append({HandoverEvent("e-h2", "handover/h-2", "LA", "CN", 3),
          HandoverEvent("e-h3", "handover/h-3", "KH", "CN", 5)});
  auto session = OpenOrDie();
  ASSERT_NE(session, nullptr);
  auto all = session->Flows({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = session->ListFlows({}, 1, after);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->items) seen.push_back(r.from_country + r.to_country + r.period);
    ASSERT_TRUE(page->remaining.has_value());
    if (!page->more) break;
    after = page->next_after;
  }
  ASSERT_EQ(seen.size(), all->size());
  auto totals = session->GetTotals(1, "");
  ASSERT_TRUE(totals.ok()) << totals.status();
  EXPECT_FALSE(totals->more);  // no reported figures here
}

TEST_F(QueryTest, AsOfTakesARecordedDateAndRefusesABareNumber) {
  query::SessionOptions day;
  day.as_of = "2024-04-01";  // every record: recorded that day
  auto session = OpenOrDie(day);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->as_of_size(), 3u);
  EXPECT_THAT(session->as_of_label(), HasSubstr("as of recorded time 2024-04-01T23:59:59"));
  query::SessionOptions before;
  before.as_of = "2024-03-31";
  session.reset();  // one session at a time holds the views lock
  auto earlier = OpenOrDie(before);
  ASSERT_NE(earlier, nullptr);
  EXPECT_EQ(earlier->as_of_size(), 0u);
  query::SessionOptions number;
  number.as_of = "2";
  auto refused = query::Session::Open(dir_, number);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(refused.status()), query::kReasonAsOfInvalid);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--as-of-position 2"));
  earlier.reset();
  EXPECT_EQ(OpenOrDie()->as_of_label(), "");
}

}  // namespace
