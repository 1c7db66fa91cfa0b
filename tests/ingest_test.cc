// The ingest library directly (ingest/import_pipeline.h, ingest/event_batch.h):
// the import pipeline on a temporary ledger — the report's counts, the
// rejects file, the typed error detail (file, line, column), a dry run,
// duplicates, progress — and the one-batch append of `ledger append`.
// Also the strict event parser (ingest/import_json.h) directly: simdjson
// reads the syntax; the errors simdjson places late or not at all keep
// their path and column.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest/event_batch.h"
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/import_pipeline.h"
#include "ledger/ledger.h"
#include "tests/support/event_builders.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"
#include "util/error_detail.h"

namespace {

using enforcement::v1::Event;
using testing::HasSubstr;
using testing_support::NdjsonLine;

class IngestTest : public testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "ingest.example/log";
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> l = ledger::Ledger::Open(dir_.Sub("db"), o);
    ASSERT_TRUE(l.ok()) << l.status();
    db_ = *std::move(l);
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_.Sub(name);
    testing_support::WriteFileOrDie(path, content);
    return path;
  }

  ingest::ImportOptions Options(const std::string& input) {
    ingest::ImportOptions o;
    o.input = input;
    o.batch_size = 2;
    o.threads = 2;
    return o;
  }

  testing_support::TempDir dir_;
  std::unique_ptr<ledger::Ledger> db_;
};

std::string GoodInput(int n) {
  std::string in;
  for (int i = 0; i < n; ++i) {
    in += NdjsonLine(testing_support::ArrestEvent(absl::StrCat("a", i), absl::StrCat("s", i)));
  }
  return in;
}

TEST_F(IngestTest, ReportCountsWhatWasReadAndAppended) {
  const std::string path = Write("in.ndjson", GoodInput(5) + "\n");
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(path));
  ASSERT_TRUE(out.status.ok()) << out.status;
  const ingest::ImportReport& r = out.report;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.file(), path);
  EXPECT_EQ(r.format(), "ndjson");
  EXPECT_EQ(r.lines(), 6u);
  EXPECT_EQ(r.rows(), 5u);
  EXPECT_EQ(r.events(), 5u);
  EXPECT_EQ(r.appended(), 5u);
  EXPECT_EQ(r.duplicates(), 0u);
  EXPECT_EQ(r.batches(), 3u);
  EXPECT_EQ(r.tree_size(), 5u);
  EXPECT_EQ(r.first_position(), 0u);
  EXPECT_EQ(r.last_position(), 4u);
  EXPECT_EQ(r.committed_through_line(), 6u);
  EXPECT_EQ(r.batch_size(), 2u);
  EXPECT_FALSE(r.has_error_detail());
  EXPECT_EQ(db_->GetHead().tree_size, 5u);
}

TEST_F(IngestTest, ReimportCountsDuplicatesAndAppendsNothing) {
  const std::string path = Write("in.ndjson", GoodInput(3));
  ASSERT_TRUE(ingest::RunImport(db_.get(), Options(path)).status.ok());
  ingest::ImportOutcome again = ingest::RunImport(db_.get(), Options(path));
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_EQ(again.report.appended(), 0u);
  EXPECT_EQ(again.report.duplicates(), 3u);
  EXPECT_FALSE(again.report.has_first_position());
  EXPECT_FALSE(again.report.has_last_position());
  EXPECT_EQ(again.report.tree_size(), 3u);
}

TEST_F(IngestTest, BadRowFailsWithFileLineAndColumnAndReportsWhatWasCommitted) {
  const std::string path = Write("in.ndjson", GoodInput(2) + "{\"eventId\": x}\n" + GoodInput(1));
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(path));
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(out.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status.message(), HasSubstr(path + ":3: column 13: invalid JSON"));
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(out.status);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->reason(), "invalid_json");
  EXPECT_EQ(d->file(), path);
  EXPECT_EQ(d->line(), 3u);
  EXPECT_EQ(d->column(), 13u);

  const ingest::ImportReport& r = out.report;
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failed_line(), 3u);
  EXPECT_EQ(r.error(), std::string(out.status.message()));
  EXPECT_EQ(r.error_detail().line(), 3u);
  EXPECT_EQ(r.committed_through_line(), 2u);
  EXPECT_EQ(r.committed_events(), 2u);
  EXPECT_EQ(r.appended(), 2u);
  EXPECT_EQ(r.batches(), 1u);
  EXPECT_EQ(r.tree_size(), 2u);
  EXPECT_EQ(db_->GetHead().tree_size, 2u);
  EXPECT_EQ(ingest::CommittedSentence(r),
            "lines 1\u20132 (2 events, 2 new, 0 duplicates) were committed in 1 earlier batch; "
            "nothing from line 3 was written");
}

TEST_F(IngestTest, InvalidEventKeepsTheFieldPathAndGetsTheLine) {
  const std::string path =
      Write("in.ndjson", NdjsonLine(testing_support::RaidEvent("r1", "op1", 5, 6)));
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(path));
  ASSERT_FALSE(out.status.ok());
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(out.status);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->field_path(), "raid.ringleaders_detained");
  EXPECT_EQ(d->file(), path);
  EXPECT_EQ(d->line(), 1u);
  EXPECT_FALSE(d->reason().empty());
  EXPECT_EQ(ingest::CommittedSentence(out.report),
            "no earlier batch was committed; nothing from line 1 was written");
}

TEST_F(IngestTest, LedgerErrorGetsFileAndLineAddedToItsDetail) {
  ASSERT_TRUE(db_->AppendEvents({testing_support::RaidEvent("r1", "op1", 807)}).ok());
  const std::string path =
      Write("in.ndjson", GoodInput(1) + NdjsonLine(testing_support::RaidEvent("r1", "op1", 808)));
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(path));
  ASSERT_EQ(out.status.code(), absl::StatusCode::kAlreadyExists) << out.status;
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(out.status);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->reason(), "event_id_conflict");
  EXPECT_EQ(d->event_index(), 1u);  // the ledger's: within the batch
  EXPECT_EQ(d->file(), path);
  EXPECT_EQ(d->line(), 2u);
  EXPECT_THAT(out.status.message(), HasSubstr(path + ":2: "));
  EXPECT_EQ(db_->GetHead().tree_size, 1u) << "the failing batch is written not at all";
}

TEST_F(IngestTest, RejectsFileTakesBadRowsAndTheRestIsImported) {
  const std::string path = Write("in.ndjson", GoodInput(2) + "{not json\n" + GoodInput(1));
  ingest::ImportOptions o = Options(path);
  o.rejects_path = dir_.Sub("rejects.ndjson");
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), o);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.report.rejected(), 1u);
  EXPECT_EQ(out.report.rejected_now(), 1u);
  EXPECT_EQ(out.report.rejects_file(), *o.rejects_path);
  EXPECT_EQ(out.report.appended(), 2u);  // a0, a1; the last line repeats a0
  EXPECT_EQ(out.report.duplicates(), 1u);
  const std::vector<std::string> entries =
      absl::StrSplit(testing_support::ReadFileOrDie(*o.rejects_path), '\n', absl::SkipEmpty());
  ASSERT_EQ(entries.size(), 1u);
  google::protobuf::Struct e = testing_support::ParseJsonObject(entries[0]);
  EXPECT_EQ(testing_support::NumberField(e, "line"), 3);
  EXPECT_EQ(testing_support::StringField(e, "row"), "{not json");
  EXPECT_THAT(testing_support::StringField(e, "reason"), HasSubstr(path + ":3: column 2: "));

  // Again: the row's fate is recorded; nothing new.
  ingest::ImportOutcome again = ingest::RunImport(db_.get(), o);
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_EQ(again.report.rejected_earlier(), 1u);
  EXPECT_EQ(again.report.rejected_now(), 0u);
}

TEST_F(IngestTest, DryRunWritesNothingAndNeedsNoLedger) {
  const std::string path = Write("in.ndjson", GoodInput(3));
  ingest::ImportOptions o = Options(path);
  o.dry_run = true;
  ingest::ImportOutcome out = ingest::RunImport(nullptr, o);
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_TRUE(out.report.dry_run());
  EXPECT_EQ(out.report.events(), 3u);
  EXPECT_EQ(out.report.appended(), 0u);
  EXPECT_EQ(out.report.tree_size(), 0u);

  const std::string bad = Write("bad.ndjson", "{}\n");
  out = ingest::RunImport(nullptr, [&] {
    ingest::ImportOptions b = Options(bad);
    b.dry_run = true;
    return b;
  }());
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(ingest::CommittedSentence(out.report), "dry run: nothing was written");
  EXPECT_EQ(db_->GetHead().tree_size, 0u);
}

TEST_F(IngestTest, ProgressCallbackIsCalledWithGrowingCounts) {
  const std::string path = Write("in.ndjson", GoodInput(1000));
  ingest::ImportOptions o = Options(path);
  o.batch_size = 100;
  std::vector<ingest::ImportProgress> seen;
  o.progress = [&seen](const ingest::ImportProgress& p) { seen.push_back(p); };
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), o);
  ASSERT_TRUE(out.status.ok()) << out.status;
  ASSERT_GE(seen.size(), 2u);  // chunks of 256 rows
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].rows, seen[i - 1].rows);
    EXPECT_GE(seen[i].bytes_read, seen[i - 1].bytes_read);
  }
  EXPECT_EQ(seen.back().rows, 1000u);
  ASSERT_TRUE(seen.back().input_bytes.has_value());
  EXPECT_EQ(seen.back().bytes_read, *seen.back().input_bytes);
}

TEST_F(IngestTest, SetupErrorsNameTheirReason) {
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(dir_.Sub("absent.ndjson")));
  EXPECT_EQ(out.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(util::GetErrorDetail(out.status)->reason(), "input_not_opened");
  EXPECT_EQ(ingest::CommittedSentence(out.report), "nothing was written");

  const std::string path = Write("in.ndjson", GoodInput(1));
  ingest::ImportOptions o = Options(path);
  o.rejects_path = path;  // the input itself
  out = ingest::RunImport(db_.get(), o);
  EXPECT_EQ(out.status.code(), absl::StatusCode::kFailedPrecondition) << out.status;
  EXPECT_EQ(util::GetErrorDetail(out.status)->reason(), "rejects_file_refused");
  EXPECT_EQ(db_->GetHead().tree_size, 0u);
}

// --- the one-batch append of `ledger append` --------------------------------

TEST_F(IngestTest, EventBatchRefusesDuplicateKeysWithLineAndColumn) {
  std::string line = NdjsonLine(testing_support::RaidEvent("r1", "op1"));
  line.insert(1, "\"eventId\":\"other\",");
  const std::string path = Write("in.ndjson", GoodInput(1) + line);
  absl::StatusOr<ingest::EventBatch> batch = ingest::ReadEventBatch(path, std::nullopt);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(batch.status().message(), HasSubstr("duplicate key"));
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(batch.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->reason(), "invalid_json");
  EXPECT_EQ(d->line(), 2u);
  EXPECT_GT(d->column(), 0u);
}

TEST_F(IngestTest, EventBatchDerivesIdsAndChecksTheStream) {
  Event no_id = testing_support::ArrestEvent("", "s1");
  const std::string path = Write("in.ndjson", NdjsonLine(no_id));
  absl::StatusOr<ingest::EventBatch> batch = ingest::ReadEventBatch(path, std::nullopt);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->events.size(), 1u);
  EXPECT_EQ(batch->events[0].event_id(), ingest::DeriveEventId(no_id));
  EXPECT_EQ(batch->lines[0], 1u);

  absl::StatusOr<ingest::EventBatch> other = ingest::ReadEventBatch(path, "operation/op1");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(util::GetErrorDetail(other.status())->reason(), "stream_mismatch");
}

TEST_F(IngestTest, AppendBatchAndImportStoreTheSameEvents) {
  Event no_id = testing_support::ArrestEvent("", "s1");
  const std::string input = GoodInput(2) + NdjsonLine(no_id);
  const std::string path = Write("in.ndjson", input);
  absl::StatusOr<ingest::EventBatch> batch = ingest::ReadEventBatch(path, std::nullopt);
  ASSERT_TRUE(batch.ok()) << batch.status();
  absl::StatusOr<ledger::AppendResult> r =
      ingest::AppendEventBatch(*db_, *batch, std::nullopt, ledger::ExpectedVersion::Any());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->appended, 3u);

  // An import of the same input finds every event already there, unchanged.
  ingest::ImportOutcome out = ingest::RunImport(db_.get(), Options(path));
  ASSERT_TRUE(out.status.ok()) << out.status;
  EXPECT_EQ(out.report.appended(), 0u);
  EXPECT_EQ(out.report.duplicates(), 3u);
}

TEST_F(IngestTest, AppendBatchAddsTheLineToTheLedgersError) {
  Event e = testing_support::RaidEvent("r1", "op1");
  const std::string path = Write("in.ndjson", NdjsonLine(e));
  absl::StatusOr<ingest::EventBatch> batch = ingest::ReadEventBatch(path, "operation/op1");
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_TRUE(ingest::AppendEventBatch(*db_, *batch, "operation/op1",
                                       ledger::ExpectedVersion::NoStream())
                  .ok());
  const std::string next = Write("next.ndjson", GoodInput(0) + NdjsonLine(e) +
                                                    NdjsonLine(testing_support::RaidEvent("r2", "op1", 1, 2)));
  batch = ingest::ReadEventBatch(next, "operation/op1");
  ASSERT_TRUE(batch.ok()) << batch.status();
  absl::StatusOr<ledger::AppendResult> again = ingest::AppendEventBatch(
      *db_, *batch, "operation/op1", ledger::ExpectedVersion::Any());
  ASSERT_FALSE(again.ok());
  // Validation after the idempotency check: line 1 is a duplicate, line 2
  // is refused with its field and line.
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(again.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->reason(), "invalid_event");
  EXPECT_EQ(d->field_path(), "raid.ringleaders_detained");
  EXPECT_EQ(d->event_index(), 1u);
  EXPECT_EQ(d->file(), next);
  EXPECT_EQ(d->line(), 2u);
  EXPECT_THAT(again.status().message(), HasSubstr(next + ":2: "));
  ingest::EventBatch retry = *ingest::ReadEventBatch(path, "operation/op1");
  absl::StatusOr<ledger::AppendResult> mismatch = ingest::AppendEventBatch(
      *db_, retry, "operation/op1", ledger::ExpectedVersion::Exact(7));
  ASSERT_TRUE(mismatch.ok()) << "an unchanged retry is a duplicate, whatever the version";
}

// ---------------------------------------------------------------------------
// ParseEventJson

struct ParseCase {
  std::string line;
  uint64_t column;
  std::string message;  // after "invalid JSON for enforcement.v1.Event: "
};

std::string Refusal(const std::string& line, uint64_t* column) {
  Event event;
  ingest::JsonParseError error;
  EXPECT_FALSE(ingest::ParseEventJson(line, &event, &error)) << line;
  *column = error.column;
  return error.message;
}

TEST(ParseEventJsonTest, ErrorsKeepTheirPathAndColumn) {
  const std::string prefix = "invalid JSON for enforcement.v1.Event: ";
  const std::vector<ParseCase> cases = {
      // simdjson's indexer refuses these before the walk, without a place;
      // the repaired second parse finds them in reading order.
      {"{\"eventId\":\"a\x01\"}", 14, "event_id: control character in a string (must be escaped)"},
      {"{\"stream\":\"s\",\"eventId\":\"a\\\x02\"}", 27, "event_id: invalid escape in a string"},
      {"{\"eventId\":\"abc", 12, "event_id: unterminated string"},
      {"{\"eventId\":\"abc\\", 12, "event_id: unterminated string"},
      {"{\"eventI", 2, "unterminated string"},
      {"{\"eventId\" 1, \"x\":\"\x01\"}", 12, "expected ':' after an object key"},
      // The line does not end with its object's '}'.
      {"{\"arrest\":{\"suspect\":{\"suspectId\":\"s\"}", 39, "arrest: the line ends inside an object"},
      {"{\"eventId\"", 11, "the line ends where ':' after an object key was expected"},
      {"{\"eventId\":", 12, "event_id: expected a string"},
      {"{\"handover\":{\"suspectIds\":[\"a\",", 32, "handover.suspect_ids[1]: expected a string"},
      {"{\"raid\":{\"suspectsDetained\":12", 31, "raid: the line ends inside an object"},
      {"{\"eventId\":\"a\"} x", 17, "unexpected data after the event's JSON object"},
      {"{\"eventId\":\"a\"}}", 16, "unexpected data after the event's JSON object"},
      // Lone surrogates, which simdjson does not all refuse.
      {"{\"eventId\":\"\\udc00\"}", 13, "event_id: lone low surrogate in \\u escape"},
      {"{\"eventId\":\"x\\ud800\\u0041\"}", 14,
       "event_id: high surrogate in \\u escape not followed by a low surrogate"},
      {"{\"event\\uDC00Id\":\"x\"}", 8, "lone low surrogate in \\u escape"},
      {"{\"eventId\":\"\\u12G4\"}", 15, "event_id: invalid \\u escape: expected 4 hex digits"},
      // Keys: their own rules come before the missing ':'.
      {"{\"colour\" \"x\"}", 2, "unknown field \"colour\" (not in enforcement.v1.Event)"},
      {"{\"eventId\":\"a\",\"event_id\" 1}", 16,
       "duplicate key \"event_id\": field event_id is already set in this object"},
      {"{\"event\\u0049d\":\"a\",\"eventId\":\"b\"}", 21,
       "duplicate key \"eventId\": field event_id is already set in this object"},
      // Scalars are read from their tokens.
      {"{\"raid\":{\"suspectsDetained\":12x}}", 31, "raid: expected ',' or '}' after an object member"},
      {"{\"raid\":{\"suspectsDetained\":1.}}", 31, "raid.suspects_detained: digit expected after '.'"},
      {"{\"raid\":{\"suspectsDetained\":-}}", 29, "raid.suspects_detained: invalid JSON value"},
      {"{\"eventId\":nul}", 12, "event_id: invalid JSON value"},
      {"{\"eventId\":nullx}", 16, "expected ',' or '}' after an object member"},
      {"{\"handover\":{\"suspectIds\":[\"a\",]}}", 32, "handover.suspect_ids[0]: trailing comma in an array"},
      {"{\"handover\":{\"suspectIds\":[\"a\" \"b\"]}}", 32,
       "handover.suspect_ids[0]: expected ',' or ']' after an array element"},
      {"{,}", 2, "expected a string key in double quotes"},
      {"   ", 4, "the line holds no JSON value"},
  };
  for (const ParseCase& c : cases) {
    uint64_t column = 0;
    const std::string message = Refusal(c.line, &column);
    EXPECT_EQ(message, prefix + c.message) << c.line;
    EXPECT_EQ(column, c.column) << c.line;
  }
}

TEST(ParseEventJsonTest, InPlaceAndCopiedLinesParseAlike) {
  const std::string good = NdjsonLine(testing_support::ArrestEvent("a1", "s1"));
  const std::vector<std::string> lines = {good, good.substr(0, good.size() - 1),
                                          "{\"eventId\":\"a\\u00e9\\ud83d\\ude00\"}"};
  for (const std::string& text : lines) {
    std::string padded;
    padded.reserve(text.size() + ingest::kJsonPadding);
    padded = text;
    std::string tight = text;
    tight.shrink_to_fit();
    Event a, b, c;
    ingest::JsonParseError ea, eb, ec;
    const bool ok = ingest::ParseEventJson(text, &a, &ea);
    EXPECT_EQ(ingest::ParseEventJsonInPlace(padded, &b, &eb), ok) << text;
    EXPECT_EQ(ingest::ParseEventJsonInPlace(tight, &c, &ec), ok) << text;
    if (ok) {
      EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
      EXPECT_EQ(a.SerializeAsString(), c.SerializeAsString());
    } else {
      EXPECT_EQ(ea.message, eb.message);
      EXPECT_EQ(ea.column, eb.column);
      EXPECT_EQ(ea.message, ec.message);
    }
  }
  Event e;
  ingest::JsonParseError error;
  ASSERT_TRUE(ingest::ParseEventJson("{\"eventId\":\"a\\u00e9\\ud83d\\ude00\"}", &e, &error))
      << error.message;
  EXPECT_EQ(e.event_id(), "a\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(ParseEventJsonTest, ParsersOnSeveralThreadsDoNotMix) {
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) {
    lines.push_back(NdjsonLine(testing_support::ArrestEvent(absl::StrCat("a", i), "s")));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 200; ++i) {
          Event e;
          ingest::JsonParseError error;
          // Every other line broken, so that the repaired parse runs too.
          const std::string line = (i + t) % 2 ? lines[i] : lines[i].substr(0, 40);
          const bool ok = ingest::ParseEventJson(line, &e, &error);
          if (ok != ((i + t) % 2 == 1) || (ok && e.event_id() != absl::StrCat("a", i))) ++wrong[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace

