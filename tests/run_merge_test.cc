// Raw run files and their merge (projections/run_merge.h), the external
// sort under bulk builds. The property test checks whole builds; these pin
// the merge's rules down one by one.
#include "projections/run_merge.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "tests/support/paths.h"

namespace projections::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using KV = std::pair<std::string, std::string>;

struct Entry {
  std::string key, value;
  bool del = false;
};

RawRun WriteRun(const testing_support::TempDir& dir, const std::string& name,
                const std::vector<Entry>& entries) {
  RawRunWriter w(rocksdb::Env::Default());
  EXPECT_TRUE(w.Open(dir.Sub(name)).ok());
  for (const Entry& e : entries) EXPECT_TRUE(w.Add(e.key, e.value, e.del).ok());
  EXPECT_TRUE(w.Close().ok());
  return w.run();
}

absl::StatusOr<std::vector<KV>> Merge(const std::vector<RawRun>& runs) {
  std::vector<KV> out;
  absl::Status s = MergeRawRuns(rocksdb::Env::Default(), runs, KeyRange(),
                                [&out](absl::string_view k, absl::string_view v) {
                                  out.emplace_back(std::string(k), std::string(v));
                                  return absl::OkStatus();
                                });
  if (!s.ok()) return s;
  return out;
}

TEST(RunMergeTest, MergeGivesEveryKeyOnceInOrderWithTheNewestRunsValue) {
  testing_support::TempDir dir;
  const RawRun a = WriteRun(dir, "a", {{"k1", "old"}, {"k3", "a3"}, {"k5", "old"}});
  const RawRun b = WriteRun(dir, "b", {{"k1", "new"}, {"k2", "b2"}});
  const RawRun c = WriteRun(dir, "c", {{"k4", "c4"}, {"k5", "newest"}});
  auto merged = Merge({a, b, c});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair("k1", "new"), Pair("k2", "b2"), Pair("k3", "a3"),
                                   Pair("k4", "c4"), Pair("k5", "newest")));
}

TEST(RunMergeTest, ANewerDeletionRemovesTheKeyAndAnOlderOneDoesNot) {
  testing_support::TempDir dir;
  const RawRun a = WriteRun(dir, "a", {{"gone", "x"}, {"kept", "", true}});
  const RawRun b = WriteRun(dir, "b", {{"gone", "", true}, {"kept", "back"}});
  auto merged = Merge({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair("kept", "back")));
}

TEST(RunMergeTest, KeysAndValuesMayHoldAnyBytesAndBeLargerThanTheReadBuffer) {
  testing_support::TempDir dir;
  const std::string big(3 << 20, '\xff');  // larger than the reader's 1 MiB buffer
  const std::string zero("a\0b", 3);
  const RawRun a = WriteRun(dir, "a", {{zero, big}, {"z", ""}});
  auto merged = Merge({a});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair(zero, big), Pair("z", "")));
}

TEST(RunMergeTest, ATruncatedRunIsDataLoss) {
  testing_support::TempDir dir;
  const RawRun a = WriteRun(dir, "a", {{"k1", "v1"}, {"k2", "value two"}});
  std::string bytes;
  {
    std::ifstream in(a.path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(a.path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 3);
  auto merged = Merge({a});
  EXPECT_EQ(merged.status().code(), absl::StatusCode::kDataLoss) << merged.status();
}

TEST(RunMergeTest, AnErrorOfTheCallbackStopsTheMerge) {
  testing_support::TempDir dir;
  const RawRun a = WriteRun(dir, "a", {{"k1", "v1"}, {"k2", "v2"}});
  int calls = 0;
  absl::Status s = MergeRawRuns(rocksdb::Env::Default(), {a}, KeyRange(),
                                [&calls](absl::string_view, absl::string_view) {
                                  ++calls;
                                  return absl::AbortedError("enough");
                                });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, 1);
}

// Runs large enough to be sampled many times, merged range by range: the
// ranges' outputs, one after the other, are exactly the whole merge, for
// ranges starting and ending on sampled keys, between keys, before the
// first and after the last.
TEST(RunMergeTest, MergingKeyRangesFromTheSamplesGivesTheWholeMergeInPieces) {
  testing_support::TempDir dir;
  std::vector<RawRun> runs(3);
  const std::string filler(100, 'x');
  for (int r = 0; r < 3; ++r) {
    RawRunWriter w(rocksdb::Env::Default());
    ASSERT_TRUE(w.Open(dir.Sub(absl::StrCat("run", r))).ok());
    // Run r has every key i with i % 3 != r (so each key is in two runs);
    // run 2 deletes the multiples of 7 it holds.
    for (int i = 0; i < 20000; ++i) {
      if (i % 3 == r) continue;
      const bool del = r == 2 && i % 7 == 0;
      ASSERT_TRUE(w.Add(absl::StrFormat("key%06d", i), del ? "" : absl::StrCat(r, filler), del)
                      .ok());
    }
    ASSERT_TRUE(w.Close().ok());
    runs[r] = std::move(w.run());
    ASSERT_GT(runs[r].samples.size(), 10u) << "runs must be sampled more than once";
    EXPECT_EQ(runs[r].samples.front().second, 0u);
  }
  auto merge = [&](const KeyRange& range) {
    std::vector<KV> out;
    absl::Status s = MergeRawRuns(rocksdb::Env::Default(), runs, range,
                                  [&out](absl::string_view k, absl::string_view v) {
                                    out.emplace_back(std::string(k), std::string(v));
                                    return absl::OkStatus();
                                  });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  };
  const std::vector<KV> whole = merge(KeyRange());
  size_t deleted = 0;  // by run 2, the newest run holding them
  for (int i = 0; i < 20000; ++i) deleted += i % 7 == 0 && i % 3 != 2;
  ASSERT_EQ(whole.size(), 20000u - deleted);
  std::vector<std::string> cuts = {runs[0].samples[3].first, runs[1].samples[5].first + "!",
                                   "key010000", runs[2].samples[9].first, "key019999~"};
  std::sort(cuts.begin(), cuts.end());
  std::vector<KV> pieces;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    KeyRange range;
    range.lo = i == 0 ? "a" : cuts[i - 1];
    range.has_hi = i < cuts.size();
    if (range.has_hi) range.hi = cuts[i];
    const std::vector<KV> part = merge(range);
    for (const KV& kv : part) {
      EXPECT_GE(kv.first, range.lo);
      if (range.has_hi) {
        EXPECT_LT(kv.first, range.hi);
      }
    }
    pieces.insert(pieces.end(), part.begin(), part.end());
  }
  EXPECT_EQ(pieces, whole);
  KeyRange empty;
  empty.lo = "key000100";
  empty.has_hi = true;
  empty.hi = "key000100";
  EXPECT_TRUE(merge(empty).empty());
}

}  // namespace
}  // namespace projections::internal
