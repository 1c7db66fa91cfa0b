// The RFC 4180 CSV reader of `ledger import --mapping` (tools/cli/
// import_reader.h), tested through the binary: each case is a CSV text whose
// single "value" column is mapped to an event's source.reference, so the
// parsed cell can be read back exactly from the ledger.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"

namespace {

using testing::HasSubstr;
using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::TempDir;

constexpr char kMapping[] =
    "event_id = column id\n"
    "stream = const figure/csv-test\n"
    "occurred_at = const 2024-01-01\n"
    "source.reference = column value\n"
    "reported_figure.metric = const csv_cells\n";

class CsvTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Ledger("init --origin csv.example/log").exit_code, 0);
    testing_support::WriteFileOrDie(mapping_, kMapping);
  }
  CommandResult Ledger(const std::string& args) {
    return testing_support::RunCommand(absl::StrCat(Quote(testing_support::LedgerBinary()),
                                                    " --db ", Quote(db_), " ", args));
  }
  CommandResult Import(const std::string& csv) {
    const std::string path = dir_.Sub("in.csv");
    testing_support::WriteFileOrDie(path, csv);
    return Ledger(absl::StrCat("import ", Quote(path), " --mapping ", Quote(mapping_)));
  }
  // The references of the imported events, in order.
  std::vector<std::string> Cells() {
    CommandResult r = Ledger("read --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
      enforcement::v1::LedgerRecord rec;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(std::string(line), &rec).ok());
      out.push_back(rec.event().source().reference());
    }
    return out;
  }
  TempDir dir_;
  std::string db_ = dir_.Sub("db");
  std::string mapping_ = dir_.Sub("m.mapping");
};

TEST_F(CsvTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  CommandResult r = Import(
      "id,value\n"
      "1,plain\n"
      "2,\"with, comma\"\n"
      "3,\"with \"\"quotes\"\"\"\n"
      "6,\"\"\"\"\n"
      "7,  spaces kept  \n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Cells(), testing::ElementsAre("plain", "with, comma", "with \"quotes\"", "\"",
                                            "  spaces kept  "));
  // A quoted line break is part of the cell as read; validation then refuses
  // it (text carries no control characters, SPEC §8), showing the cell.
  r = Import("id,value\n4,\"two\nlines\"\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("in.csv:2: source.reference: control character U+000A at byte 3 "
                               "of \"two\\nlines\""));
  r = Import("id,value\n5,\"crlf\r\ninside\"\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("in.csv:2: source.reference: control character U+000D at byte 4 "
                               "of \"crlf\\r\\ninside\""));
}

TEST_F(CsvTest, CrlfLineEndsBomAndAMissingFinalLineEndAreAccepted) {
  CommandResult r = Import("\xEF\xBB\xBFid,value\r\n1,a\r\n2,\"b\"\r\n3,c");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Cells(), testing::ElementsAre("a", "b", "c"));
}

TEST_F(CsvTest, QuotedHeaderAndBlankLinesBetweenRecords) {
  CommandResult r = Import("\"id\",\"value\"\n\n1,a\n\n\n2,b\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Cells(), testing::ElementsAre("a", "b"));
}

TEST_F(CsvTest, AnEmptyCellLeavesTheFieldUnset) {
  // The only provenance is the empty cell: the event has none.
  CommandResult r = Import("id,value\n1,\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("in.csv:2: source: must be set (with publisher or reference)"));
}

TEST_F(CsvTest, LineNumbersCountPhysicalLinesOfMultiLineRecords) {
  // The multi-line cell is in an ignored column (a text field refuses line
  // breaks).
  testing_support::WriteFileOrDie(mapping_, absl::StrCat(kMapping, "ignore extra\n"));
  CommandResult r = Import("id,value,extra\n1,a,\"a\nb\nc\"\n2,\"x\"y,\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("in.csv:5: column 6: unexpected character after a closing quote"));
  EXPECT_THAT(r.err, HasSubstr("nothing from lines 1\u20135 was written"));
}

TEST_F(CsvTest, HeaderProblemsAreRefusedBeforeAnyRow) {
  struct Case {
    std::string csv;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"", "no header line"},
           {"id,value,id\n1,a,b\n", "header: column \"id\" is named twice"},
           {"id,,value\n1,a,b\n", "header: column 2 has no name"},
           {"id,\"value\n", "header: unterminated quoted field"}}) {
    SCOPED_TRACE(c.csv);
    CommandResult r = Import(c.csv);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.expected));
  }
}

TEST_F(CsvTest, ARecordOverTwoMebibytesStopsTheImport) {
  CommandResult r = Import("id,value\n1,\"" + std::string(3 << 20, 'x') + "\"\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("in.csv:2: the CSV record starting on this line is longer than "
                               "2097152 bytes (is the quote opened on line 2 ever closed?)"));
}

}  // namespace
