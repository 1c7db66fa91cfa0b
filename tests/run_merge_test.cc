// Raw run files and their merge (projections/run_merge.h), the external
// sort under bulk builds. The property test checks whole builds; these pin
// the merge's rules down one by one.
#include "projections/run_merge.h"

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
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

std::string WriteRun(const testing_support::TempDir& dir, const std::string& name,
                     const std::vector<Entry>& entries) {
  const std::string path = dir.Sub(name);
  RawRunWriter w(rocksdb::Env::Default());
  EXPECT_TRUE(w.Open(path).ok());
  for (const Entry& e : entries) EXPECT_TRUE(w.Add(e.key, e.value, e.del).ok());
  EXPECT_TRUE(w.Close().ok());
  return path;
}

absl::StatusOr<std::vector<KV>> Merge(const std::vector<std::string>& paths) {
  std::vector<KV> out;
  absl::Status s = MergeRawRuns(rocksdb::Env::Default(), paths,
                                [&out](absl::string_view k, absl::string_view v) {
                                  out.emplace_back(std::string(k), std::string(v));
                                  return absl::OkStatus();
                                });
  if (!s.ok()) return s;
  return out;
}

TEST(RunMergeTest, MergeGivesEveryKeyOnceInOrderWithTheNewestRunsValue) {
  testing_support::TempDir dir;
  const std::string a = WriteRun(dir, "a", {{"k1", "old"}, {"k3", "a3"}, {"k5", "old"}});
  const std::string b = WriteRun(dir, "b", {{"k1", "new"}, {"k2", "b2"}});
  const std::string c = WriteRun(dir, "c", {{"k4", "c4"}, {"k5", "newest"}});
  auto merged = Merge({a, b, c});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair("k1", "new"), Pair("k2", "b2"), Pair("k3", "a3"),
                                   Pair("k4", "c4"), Pair("k5", "newest")));
}

TEST(RunMergeTest, ANewerDeletionRemovesTheKeyAndAnOlderOneDoesNot) {
  testing_support::TempDir dir;
  const std::string a = WriteRun(dir, "a", {{"gone", "x"}, {"kept", "", true}});
  const std::string b = WriteRun(dir, "b", {{"gone", "", true}, {"kept", "back"}});
  auto merged = Merge({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair("kept", "back")));
}

TEST(RunMergeTest, KeysAndValuesMayHoldAnyBytesAndBeLargerThanTheReadBuffer) {
  testing_support::TempDir dir;
  const std::string big(3 << 20, '\xff');  // larger than the reader's 1 MiB buffer
  const std::string zero("a\0b", 3);
  const std::string a = WriteRun(dir, "a", {{zero, big}, {"z", ""}});
  auto merged = Merge({a});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_THAT(*merged, ElementsAre(Pair(zero, big), Pair("z", "")));
}

TEST(RunMergeTest, ATruncatedRunIsDataLoss) {
  testing_support::TempDir dir;
  const std::string a = WriteRun(dir, "a", {{"k1", "v1"}, {"k2", "value two"}});
  std::string bytes;
  {
    std::ifstream in(a, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(a, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 3);
  auto merged = Merge({a});
  EXPECT_EQ(merged.status().code(), absl::StatusCode::kDataLoss) << merged.status();
}

TEST(RunMergeTest, AnErrorOfTheCallbackStopsTheMerge) {
  testing_support::TempDir dir;
  const std::string a = WriteRun(dir, "a", {{"k1", "v1"}, {"k2", "v2"}});
  int calls = 0;
  absl::Status s = MergeRawRuns(rocksdb::Env::Default(), {a},
                                [&calls](absl::string_view, absl::string_view) {
                                  ++calls;
                                  return absl::AbortedError("enough");
                                });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace projections::internal
