// `ledger report`: the case dossier of the shipped data set, opened in a real
// headless browser (Debian's chromium): the page shows the shipped figures,
// its embedded proofs and the checkpoint's signature verify in the page, a
// page with one flipped record byte says FAILED, and a screenshot is not
// blank. Without chromium the browser tests are skipped (CI installs it
// through tools/install-deps). The ledger is built once for the suite.
#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "enforcement/api/v1/report.pb.h"
#include "gtest/gtest.h"
#include "tests/support/event_builders.h"
#include "tests/support/json_fields.h"
#include "tests/support/paths.h"

namespace {

using testing_support::CommandResult;
using testing_support::Quote;
using testing_support::ReadFileOrDie;
using testing_support::RunCommand;
using testing_support::TempDir;
using testing_support::WriteFileOrDie;

constexpr char kOrigin[] = "report-test.example/log";

class ReportCliTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string data = testing_support::SourceDir() + "/data/";
    for (const std::string& args :
         {absl::StrCat("init --origin ", kOrigin),
          absl::StrCat("import ", Quote(data + "enforcement.ndjson")),
          absl::StrCat("import ", Quote(data + "handovers.csv"), " --mapping ",
                       Quote(data + "handovers.mapping")),
          absl::StrCat("import ", Quote(data + "sentencings.csv"), " --mapping ",
                       Quote(data + "sentencings.mapping")),
          absl::StrCat("keygen --name ", kOrigin, " --out ", Quote(Path("k"))),
          absl::StrCat("checkpoint --key ", Quote(Path("k.key")))}) {
      CommandResult r = Ledger(args);
      ASSERT_EQ(r.exit_code, 0) << args << ": " << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string Path(const std::string& name) { return dir_->Sub(name); }
  static CommandResult LedgerAt(const std::string& db, const std::string& args,
                                const std::string& stdin_data = "") {
    return RunCommand(absl::StrCat(Quote(testing_support::LedgerBinary()), " --db ", Quote(db),
                                   " ", args),
                      stdin_data);
  }
  static CommandResult Ledger(const std::string& args) { return LedgerAt(Path("db"), args); }

  // The chromium binary, or "" when it is not installed.
  static std::string Chromium() {
    for (const char* c : {"chromium", "chromium-browser", "google-chrome"}) {
      CommandResult r = RunCommand(absl::StrCat("command -v ", c));
      if (r.exit_code == 0) return std::string(absl::StripAsciiWhitespace(r.out));
    }
    return "";
  }
  // Opens `file` in headless chromium (time enough for the page's
  // asynchronous WebCrypto checks) with `what` (--dump-dom or --screenshot=F).
  static CommandResult Browse(const std::string& file, const std::string& what) {
    return RunCommand(absl::StrCat(
        "timeout 120 ", Quote(Chromium()),
        " --headless --disable-gpu --no-sandbox --user-data-dir=", Quote(Path("chromium-profile")),
        " --virtual-time-budget=10000 --window-size=1280,1600 ", what, " ",
        Quote("file://" + file), " 2>/dev/null"));
  }

  // The DOM once the page's verifier has finished. WebCrypto answers on
  // real threads, so on a loaded machine the virtual time budget can run out
  // before it does: then the page is loaded again, with a longer budget.
  static CommandResult DumpVerifiedDom(const std::string& file) {
    CommandResult dom;
    for (int attempt = 0; attempt < 4; ++attempt) {
      dom = Browse(file, "--dump-dom");
      if (dom.exit_code != 0 || absl::StrContains(dom.out, "data-verify-done=\"true\"")) break;
    }
    return dom;
  }

  static TempDir* dir_;
};
TempDir* ReportCliTest::dir_ = nullptr;

TEST_F(ReportCliTest, MuseDossierShowsTheShippedFiguresAndAnswersJson) {
  const std::string out = Path("muse.html");
  CommandResult r = Ledger(absl::StrCat("--json report --operation op-2024-muse-01 --key ",
                                        Quote(Path("k.pub")), " --out ", Quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::ReportAnswer>(r.out);
  EXPECT_EQ(answer.file(), out);
  EXPECT_EQ(answer.events(), 2u);
  EXPECT_EQ(answer.proofs(), 2u);
  EXPECT_EQ(answer.not_covered(), 0u);
  EXPECT_EQ(answer.flows(), 1u);
  EXPECT_EQ(answer.checkpoint_size(), 6u);
  EXPECT_TRUE(answer.signature_key_embedded());

  const std::string html = ReadFileOrDie(out);
  EXPECT_TRUE(absl::StrContains(html, ">807<")) << "the raid's reported detained";
  EXPECT_TRUE(absl::StrContains(html, "about 48,000")) << "the reported figure";
  EXPECT_TRUE(absl::StrContains(html, "352 people (1 handover)")) << "the flow MM -> CN";
  EXPECT_TRUE(absl::StrContains(html, "<td>2024-03</td><td>month</td><td>raid</td>"))
      << "the month-precise raid is shown as its month";
  EXPECT_FALSE(absl::StrContains(html, "2024-03-01")) << "no made-up day";
  // Self-contained: nothing is loaded from anywhere.
  EXPECT_FALSE(absl::StrContains(html, "<script src"));
  EXPECT_FALSE(absl::StrContains(html, "<link"));
  EXPECT_FALSE(absl::StrContains(html, "@import"));
  EXPECT_FALSE(absl::StrContains(html, "url("));
}

TEST_F(ReportCliTest, CaseAndCountryAndAllDossiers) {
  CommandResult r = Ledger(absl::StrCat("report --case cn-fraud-ringleader-yunnan-01 --out ",
                                        Quote(Path("case.html"))));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "no --key given")) << r.out;
  const std::string c = ReadFileOrDie(Path("case.html"));
  EXPECT_TRUE(absl::StrContains(c, "CNY 27,960,000.00")) << "major units, not minor";
  EXPECT_TRUE(absl::StrContains(c, ">196<")) << "victims";
  EXPECT_TRUE(absl::StrContains(c, "\"verifierKey\":null"));

  r = Ledger(absl::StrCat("report --country LA --out ", Quote(Path("la.html"))));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(absl::StrContains(ReadFileOrDie(Path("la.html")), "268 people (1 handover)"));

  r = Ledger(absl::StrCat("--json report --all --out ", Quote(Path("all.html"))));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::ReportAnswer>(r.out);
  EXPECT_EQ(answer.events(), 6u);
  EXPECT_EQ(answer.flows(), 2u);
}

TEST_F(ReportCliTest, RefusesBadScopesAndAMissingCheckpoint) {
  CommandResult r = Ledger(absl::StrCat("report --country mm --out ", Quote(Path("x.html"))));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "ISO 3166-1")) << r.err;
  r = Ledger(absl::StrCat("report --operation op-nope --out ", Quote(Path("x.html"))));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  r = Ledger(absl::StrCat("report --all --case x --out ", Quote(Path("x.html"))));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Ledger("report --all --out /dev/null");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // A key that did not sign the checkpoint.
  ASSERT_EQ(Ledger(absl::StrCat("keygen --name other.example/log --out ", Quote(Path("other"))))
                .exit_code,
            0);
  r = Ledger(absl::StrCat("report --all --key ", Quote(Path("other.pub")), " --out ",
                          Quote(Path("x.html"))));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "FAILED")) << r.err;

  const std::string bare = Path("bare-db");
  ASSERT_EQ(LedgerAt(bare, absl::StrCat("init --origin ", kOrigin)).exit_code, 0);
  ASSERT_EQ(LedgerAt(bare, absl::StrCat("import ", Quote(testing_support::SourceDir() +
                                                         "/data/enforcement.ndjson")))
                .exit_code,
            0);
  r = LedgerAt(bare, absl::StrCat("report --all --out ", Quote(Path("bare.html"))));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(absl::StrContains(r.err, "ledger checkpoint --key")) << r.err;
  struct stat st;
  EXPECT_NE(stat(Path("bare.html").c_str(), &st), 0) << "nothing written";
}

TEST_F(ReportCliTest, EscapesTheLogAndShowsRetractionsAndUncoveredEvents) {
  const std::string db = Path("hostile-db");
  ASSERT_EQ(LedgerAt(db, absl::StrCat("init --origin ", kOrigin)).exit_code, 0);
  enforcement::v1::Event raid = testing_support::RaidEvent("raid-1", "op-x");
  raid.mutable_source()->set_publisher("<script>alert(1)</script>");
  enforcement::v1::Event handover =
      testing_support::HandoverEvent("h-1", "handover/h-1", "MM", "CN", 12);
  handover.mutable_handover()->set_operation_id("op-x");
  CommandResult r = LedgerAt(db, "append -", testing_support::NdjsonLine(raid) + "\n" +
                                                 testing_support::NdjsonLine(handover) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(LedgerAt(db, absl::StrCat("checkpoint --key ", Quote(Path("k.key")))).exit_code, 0);
  r = LedgerAt(db, "append -",
               testing_support::NdjsonLine(
                   testing_support::RetractionEvent("r-1", "handover/h-1", "h-1")) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = LedgerAt(db, absl::StrCat("--json report --operation op-x --out ", Quote(Path("h.html"))));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto answer = testing_support::ParseAnswer<enforcement::api::v1::ReportAnswer>(r.out);
  EXPECT_EQ(answer.not_covered(), 1u) << "the retraction came after the checkpoint";
  EXPECT_EQ(answer.flows(), 0u) << "a retracted handover moves nobody";
  const std::string html = ReadFileOrDie(Path("h.html"));
  EXPECT_FALSE(absl::StrContains(html, "<script>alert")) << "HTML-escaped";
  EXPECT_TRUE(absl::StrContains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(html, "retracted by r-1"));
}

TEST_F(ReportCliTest, ThePageVerifiesItselfInABrowserAndATamperedPageSaysFailed) {
  if (Chromium().empty()) {
    GTEST_SKIP() << "chromium is not installed (tools/install-deps installs it): the "
                    "in-browser verifier is not exercised";
  }
  const std::string out = Path("muse-browser.html");
  CommandResult r = Ledger(absl::StrCat("report --operation op-2024-muse-01 --key ",
                                        Quote(Path("k.pub")), " --out ", Quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  CommandResult dom = DumpVerifiedDom(out);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_TRUE(absl::StrContains(dom.out, "data-verify-done=\"true\"")) << dom.out.substr(0, 2000);
  EXPECT_TRUE(absl::StrContains(dom.out, "id=\"verify-banner\" class=\"banner verified\" "
                                         "data-status=\"verified\""))
      << dom.out;
  EXPECT_TRUE(absl::StrContains(dom.out, "id=\"signature-status\" data-status=\"verified\""));
  EXPECT_FALSE(absl::StrContains(dom.out, "data-verified=\"pending\""));
  EXPECT_FALSE(absl::StrContains(dom.out, "data-verified=\"false\""));
  EXPECT_TRUE(absl::StrContains(dom.out, "data-verified=\"true\""));
  EXPECT_TRUE(absl::StrContains(dom.out, "807"));

  // Flip one byte of the handover's embedded record (position 1).
  std::string html = ReadFileOrDie(out);
  const std::string marker = "\"eventId\":\"xinhua-2024-04-01-muse-handover-352\",\"record\":\"";
  const size_t at = html.find(marker);
  ASSERT_NE(at, std::string::npos);
  const size_t b64_start = at + marker.size();
  const size_t b64_end = html.find('"', b64_start);
  std::string record;
  ASSERT_TRUE(absl::Base64Unescape(html.substr(b64_start, b64_end - b64_start), &record));
  record[record.size() / 2] ^= 0x01;
  html.replace(b64_start, b64_end - b64_start, absl::Base64Escape(record));
  const std::string tampered = Path("muse-tampered.html");
  WriteFileOrDie(tampered, html);
  dom = DumpVerifiedDom(tampered);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_TRUE(absl::StrContains(dom.out, "data-status=\"failed\"")) << dom.out;
  EXPECT_TRUE(absl::StrContains(dom.out, "data-verified=\"false\""));
  EXPECT_TRUE(absl::StrContains(dom.out, "FAILED"));

  // A screenshot that is not blank: a PNG of some size whose pixels differ
  // (a one-colour 1280x1600 PNG compresses to a few kilobytes).
  const std::string png = Path("muse.png");
  r = Browse(out, "--screenshot=" + Quote(png));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string bytes = ReadFileOrDie(png);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  EXPECT_GT(bytes.size(), 30000u) << "a blank page compresses to far less";
}

}  // namespace

namespace {

// A verifier key is "<name>+<hash>+<base64 key>", and base64 may hold '+':
// the page must split at the first two only (a key with a '+' in its base64
// once failed as "malformed verifier key").
TEST_F(ReportCliTest, ThePageVerifiesAKeyWhoseBase64HoldsAPlus) {
  if (Chromium().empty()) GTEST_SKIP() << "chromium is not installed";
  const std::string db = Path("plus-db");
  ASSERT_EQ(LedgerAt(db, absl::StrCat("init --origin ", kOrigin)).exit_code, 0);
  ASSERT_EQ(LedgerAt(db, absl::StrCat("import ", Quote(testing_support::SourceDir() +
                                                      "/data/enforcement.ndjson")))
                .exit_code,
            0);
  std::string key;
  for (int i = 0; i < 40 && key.empty(); ++i) {
    const std::string base = Path(absl::StrCat("plus-k", i));
    ASSERT_EQ(LedgerAt(db, absl::StrCat("keygen --name ", kOrigin, " --out ", Quote(base)))
                  .exit_code,
              0);
    const std::string pub(absl::StripAsciiWhitespace(ReadFileOrDie(base + ".pub")));
    const size_t second = pub.find('+', pub.find('+') + 1);
    if (pub.find('+', second + 1) != std::string::npos) key = base;
  }
  ASSERT_FALSE(key.empty()) << "no key with a '+' in its base64 in 40 tries";
  ASSERT_EQ(LedgerAt(db, absl::StrCat("checkpoint --key ", Quote(key + ".key"))).exit_code, 0);
  const std::string out = Path("plus.html");
  CommandResult r = LedgerAt(db, absl::StrCat("report --operation op-2024-muse-01 --key ",
                                              Quote(key + ".pub"), " --out ", Quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CommandResult dom = DumpVerifiedDom(out);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_TRUE(absl::StrContains(dom.out, "id=\"signature-status\" data-status=\"verified\""))
      << dom.out.substr(0, 3000);
}

TEST_F(ReportCliTest, AFormat1LedgerNeedsPersonalBecauseItsRecordsHoldNames) {
  const std::string db = Path("f1-db");
  ASSERT_EQ(LedgerAt(db, absl::StrCat("init --format 1 --origin ", kOrigin)).exit_code, 0);
  ASSERT_EQ(LedgerAt(db, absl::StrCat("import ", Quote(testing_support::SourceDir() +
                                                      "/data/enforcement.ndjson")))
                .exit_code,
            0);
  ASSERT_EQ(LedgerAt(db, absl::StrCat("checkpoint --key ", Quote(Path("k.key")))).exit_code, 0);
  CommandResult r = LedgerAt(db, absl::StrCat("report --all --out ", Quote(Path("f1.html"))));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--personal"), std::string::npos) << r.err;
  r = LedgerAt(db, absl::StrCat("report --all --personal --out ", Quote(Path("f1.html"))));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
