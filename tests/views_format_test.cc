// Golden test of the views store's format (docs/PROJECTIONS.md §9): every
// key and value of every column family of a store built from a fixed log,
// byte for byte, against tests/testdata/format/views_golden.txt. A change of
// any encoding fails here, so that it is made deliberately: then bump
// internal::kViewsFormatVersion (old stores are rebuilt) and regenerate the
// file with
//   LEDGER_UPDATE_GOLDEN=1 build/views_format_test
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/ledger.h"
#include "projections/store_coding.h"
#include "projections/views.h"
#include "rocksdb/db.h"
#include "tests/support/paths.h"

namespace {

using enforcement::v1::Event;
using projections::internal::kCfNames;
using projections::internal::kNumCfs;

constexpr char kGoldenPath[] = "/tests/testdata/format/views_golden.txt";

// The shipped data set, then one of each kind of fix and the bodies the
// shipped data lacks: every encoding of the store appears at least once.
std::vector<Event> Log() {
  std::vector<Event> events;
  const std::string text =
      testing_support::ReadFileOrDie(testing_support::SourceDir() + "/data/enforcement.ndjson");
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    Event e;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &e).ok());
    events.push_back(e);
  }
  const char* const kMore[] = {
      R"({"eventId":"golden-correction","stream":"operation/op-2024-muse-01",
          "occurredAt":"2024-04-02T00:00:00Z","occurredPrecision":"PRECISION_DAY",
          "source":{"publisher":"golden"},
          "correction":{"targetEventId":"xinhua-2024-04-01-muse-handover-352",
            "reason":"a later report",
            "replacement":{"occurredAt":"2024-03-30T00:00:00Z","occurredPrecision":"PRECISION_DAY",
              "handover":{"fromCountry":"MM","toCountry":"CN","suspectsCount":"353",
                          "suspectIds":["golden-s1"]}}}})",
      R"({"eventId":"golden-arrest","stream":"suspect/golden-s1",
          "occurredAt":"2024-03-20T10:00:00.5Z","occurredPrecision":"PRECISION_EXACT",
          "source":{"reference":"golden ref"},
          "arrest":{"suspect":{"suspectId":"golden-s1","nationality":"CN","role":"ROLE_MEMBER"},
                    "operationId":"op-2024-muse-01","location":{"country":"MM"}}})",
      R"({"eventId":"golden-release","stream":"suspect/golden-s1",
          "occurredAt":"2024-06-01T00:00:00Z","occurredPrecision":"PRECISION_MONTH",
          "source":{"publisher":"golden"},
          "release":{"suspectId":"golden-s1","country":"CN","reason":"bail"}})",
      R"({"eventId":"golden-sentencing","stream":"case/golden-case",
          "occurredAt":"2025-01-01T00:00:00Z","occurredPrecision":"PRECISION_YEAR",
          "source":{"publisher":"golden"},
          "sentencing":{"caseId":"golden-case","suspectId":"golden-s2","prisonMonths":"24",
                        "courtCountry":"CN","fine":{"currency":"CNY","minorUnits":"100000"}}})",
      R"({"eventId":"golden-retraction","stream":"case/golden-case",
          "occurredAt":"2025-02-01T00:00:00Z","occurredPrecision":"PRECISION_DAY",
          "source":{"publisher":"golden"},
          "retraction":{"targetEventId":"golden-sentencing","reason":"duplicate"}})",
  };
  for (const char* json : kMore) {
    Event e;
    const auto s = google::protobuf::util::JsonStringToMessage(json, &e);
    EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << json;
    events.push_back(e);
  }
  return events;
}

// Every key and value of the store at `dir`, a line each: family, key, value
// (hex).
std::string Dump(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int i = 0; i < kNumCfs; ++i) families.emplace_back(kCfNames[i], rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string out;
  for (int i = 0; i < kNumCfs; ++i) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StrAppend(&out, kCfNames[i], " ", absl::BytesToHexString(it->key().ToString()), " ",
                      absl::BytesToHexString(it->value().ToString()), "\n");
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  return out;
}

// Builds the views of Log() (a fixed clock: every byte is determined) with
// `batch_records` per batch; returns the dump.
std::string BuildAndDump(const testing_support::TempDir& tmp, const std::string& name,
                         size_t batch_records) {
  const std::string db = tmp.Sub(name);
  absl::Time now = absl::FromUnixSeconds(1711929600);  // 2024-04-01
  {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "views-golden.example/log";
    o.clock = [&now] {
      now += absl::Seconds(1);
      return now;
    };
    auto ledger = ledger::Ledger::Open(db, o);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    if (!ledger.ok()) return "";
    for (const Event& e : Log()) {
      auto r = (*ledger)->AppendEvents({e});
      EXPECT_TRUE(r.ok()) << r.status() << " " << e.event_id();
    }
    projections::ViewsOptions vo;
    vo.batch_records = batch_records;
    vo.snapshot_every = 0;
    auto views = projections::Views::Open(db, vo);
    EXPECT_TRUE(views.ok()) << views.status();
    if (!views.ok()) return "";
    if (batch_records == 1) {
      // Incrementally: a catch-up after every record.
      for (uint64_t n = 1; n <= (*ledger)->GetHead().tree_size; ++n) {
        EXPECT_TRUE((*views)->CatchUpTo(**ledger, n).ok());
      }
    } else {
      EXPECT_TRUE((*views)->CatchUp(**ledger).ok());
    }
  }
  return Dump(projections::DefaultViewsDir(db));
}

TEST(ViewsFormatTest, StoreBytesAreGolden) {
  testing_support::TempDir tmp;
  const std::string dump = BuildAndDump(tmp, "bulk", 4096);
  ASSERT_FALSE(dump.empty());
  const std::string path = testing_support::SourceDir() + kGoldenPath;
  if (const char* u = std::getenv("LEDGER_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    testing_support::WriteFileOrDie(path, dump);
    GTEST_SKIP() << "wrote " << path;
  }
  const std::string golden = testing_support::ReadFileOrDie(path);
  if (dump == golden) return;
  // Name the first line that differs.
  const std::vector<std::string> a = absl::StrSplit(dump, '\n');
  const std::vector<std::string> b = absl::StrSplit(golden, '\n');
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string got = i < a.size() ? a[i] : "(end)";
    const std::string want = i < b.size() ? b[i] : "(end)";
    if (got != want) {
      FAIL() << "the views store differs from " << kGoldenPath << " at line " << i + 1
             << "\n  got:  " << got << "\n  want: " << want
             << "\nIf the format changed on purpose: bump kViewsFormatVersion and regenerate "
                "with LEDGER_UPDATE_GOLDEN=1.";
    }
  }
}

// The store kept up to date record by record has the same bytes as the one
// built in bulk from position 0.
TEST(ViewsFormatTest, IncrementalStoreHasTheBulkBuiltBytes) {
  testing_support::TempDir tmp;
  const std::string bulk = BuildAndDump(tmp, "bulk", 4096);
  const std::string incremental = BuildAndDump(tmp, "incremental", 1);
  ASSERT_FALSE(bulk.empty());
  EXPECT_EQ(incremental, bulk);
}

}  // namespace
