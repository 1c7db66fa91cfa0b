// Reading the log a batch ahead (projections/scan_ahead.h): the same records
// in the same order as Ledger::Scan, and every way of stopping ends cleanly
// with the right error.
#include "projections/scan_ahead.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/support/event_builders.h"
#include "tests/support/ledger_surgery.h"
#include "tests/support/paths.h"

namespace projections::internal {
namespace {

class ScanAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "scan-ahead.example/log";
    auto opened = ledger::Ledger::Open(dir_.Sub("db"), o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ledger_ = *std::move(opened);
    std::vector<enforcement::v1::Event> events;
    for (int i = 0; i < kRecords; ++i) {
      events.push_back(testing_support::ArrestEvent(absl::StrCat("a", i), absl::StrCat("s", i)));
    }
    ASSERT_TRUE(ledger_->AppendEvents(events).ok());
  }

  static constexpr int kRecords = 50;
  testing_support::TempDir dir_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

TEST_F(ScanAheadTest, GivesTheRecordsOfScanInOrderWhateverTheBatches) {
  for (size_t batch : {size_t{1}, size_t{3}, size_t{7}, size_t{256}}) {
    for (size_t batches : {size_t{1}, size_t{2}, size_t{4}}) {
      std::vector<std::string> seen;
      absl::Status s = ScanAhead(
          *ledger_, 5, kRecords,
          [&](const ledger::StoredRecord& r) {
            EXPECT_EQ(r.record.position(), 5 + seen.size());
            seen.push_back(r.bytes);
            return absl::OkStatus();
          },
          batch, batches);
      ASSERT_TRUE(s.ok()) << s;
      std::vector<std::string> expected;
      ASSERT_TRUE(ledger_->Scan(5, kRecords, [&](const ledger::StoredRecord& r) {
                         expected.push_back(r.bytes);
                         return absl::OkStatus();
                       }).ok());
      EXPECT_EQ(seen, expected) << "batch " << batch << ", batches " << batches;
    }
  }
}

TEST_F(ScanAheadTest, AnErrorOfTheCallerStopsTheReaderAndIsReturned) {
  for (size_t batch : {size_t{1}, size_t{4}, size_t{64}}) {
    int calls = 0;
    absl::Status s = ScanAhead(
        *ledger_, 0, kRecords,
        [&](const ledger::StoredRecord& r) {
          ++calls;
          if (r.record.position() == 17) return absl::AbortedError("stop at 17");
          return absl::OkStatus();
        },
        batch, 2);
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
    EXPECT_EQ(calls, 18) << "batch " << batch;
  }
}

TEST_F(ScanAheadTest, AnErrorOfTheReaderComesAfterTheRecordsBeforeIt) {
  ledger_.reset();
  testing_support::ReplaceRecord(dir_.Sub("db"), 45, std::string("\x01\x0a\xff", 3));
  auto reopened = ledger::Ledger::Open(dir_.Sub("db"), ledger::OpenOptions());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  for (size_t batch : {size_t{1}, size_t{4}, size_t{64}}) {
    int calls = 0;
    absl::Status s = ScanAhead(
        **reopened, 40, kRecords,
        [&](const ledger::StoredRecord&) {
          ++calls;
          return absl::OkStatus();
        },
        batch, 2);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_EQ(calls, 5) << "batch " << batch;  // records 40..44
  }
}

TEST_F(ScanAheadTest, AnEmptyRangeCallsNothing) {
  int calls = 0;
  absl::Status s = ScanAhead(*ledger_, 20, 20, [&](const ledger::StoredRecord&) {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace projections::internal
