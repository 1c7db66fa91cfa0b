// query/name_search.h: search by name through the personal-data store.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/erase.h"
#include "ingest/event_batch.h"
#include "ingest/personal_writer.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"
#include "query/name_search.h"
#include "tests/support/paths.h"
#include "workload/generator.h"

namespace {

using enforcement::v1::Event;
using testing_support::TempDir;

const std::vector<std::string>& Names() {
  static const std::vector<std::string> names = {
      "张伟",          "Zhang Wei",        "Łukasz Nowak", "محمد علي",
      "မောင်မောင်", "ＬＩ Ｍｉｎｇ",   "Straße Müller", "Jose\xCC\x81 Garci\xCC\x81" "a",
  };
  return names;
}

class NameSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "search.example/log";
    o.format_version = 2;
    auto opened = ledger::Ledger::Open(dir_.Sub("db"), o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    db_ = *std::move(opened);
    auto store = ingest::OpenPersonalStoreForWriter(*db_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);

    workload::GeneratorOptions g;
    g.seed = 7;
    workload::EventGenerator gen(g);
    ingest::EventBatch batch;
    batch.input_name = "<generated>";
    size_t named = 0;
    while (named < Names().size()) {
      Event e = gen.Next();
      if (e.body_case() == Event::kArrest) {
        const std::string& name = Names()[named++];
        e.mutable_arrest()->mutable_suspect()->set_name(name);
        agency_of_[name] = e.arrest().suspect().suspect_id();
      } else if (e.body_case() != Event::kRaid) {
        continue;  // arrests and raids only: other names would match too
      }
      batch.events.push_back(std::move(e));
      batch.lines.push_back(batch.events.size());
      batch.derived_id.push_back(false);
    }
    auto appended = ingest::AppendEventBatch(*db_, batch, std::nullopt,
                                             ledger::ExpectedVersion::Any(), store_.get());
    ASSERT_TRUE(appended.ok()) << appended.status();
  }

  // The names of the subjects found for `prefix`.
  std::set<std::string> Found(const std::string& prefix) {
    auto r = query::SearchByName(*db_, *store_, prefix, 0);
    EXPECT_TRUE(r.ok()) << r.status();
    std::set<std::string> out;
    if (!r.ok()) return out;
    for (const query::NameMatch& m : r->matches) {
      EXPECT_FALSE(m.names.empty());
      for (const query::FoundName& n : m.names) {
        EXPECT_EQ(n.check, query::ValueCheck::kVerified) << n.value;
        out.insert(n.value);
      }
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<ledger::Ledger> db_;
  std::unique_ptr<personal::PersonalStore> store_;
  std::map<std::string, std::string> agency_of_;  // name -> agency id
};

TEST_F(NameSearchTest, MatchesTheStartOfTheNameOrOfAWordCaseInsensitively) {
  EXPECT_EQ(Found("zhang"), std::set<std::string>{"Zhang Wei"});
  EXPECT_EQ(Found("WEI"), std::set<std::string>{"Zhang Wei"});
  EXPECT_EQ(Found("ei"), std::set<std::string>{});  // not the start of a word
  EXPECT_EQ(Found("łUKASZ"), std::set<std::string>{"Łukasz Nowak"});
  EXPECT_EQ(Found("nowak"), std::set<std::string>{"Łukasz Nowak"});
}

TEST_F(NameSearchTest, AnyScriptAndCompatibilityForms) {
  EXPECT_EQ(Found("张"), std::set<std::string>{"张伟"});
  EXPECT_EQ(Found("محمد"), std::set<std::string>{"محمد علي"});
  EXPECT_EQ(Found("علي"), std::set<std::string>{"محمد علي"});
  EXPECT_EQ(Found("မောင်"), std::set<std::string>{"မောင်မောင်"});
  // Full-width letters fold to ASCII, and ß to ss.
  EXPECT_EQ(Found("li m"), std::set<std::string>{"ＬＩ Ｍｉｎｇ"});
  EXPECT_EQ(Found("STRASSE"), std::set<std::string>{"Straße Müller"});
  // A decomposed accent matches the composed one (NFKC).
  EXPECT_EQ(Found("jos\xC3\xA9"), std::set<std::string>{"Jose\xCC\x81 Garci\xCC\x81" "a"});
}

TEST_F(NameSearchTest, AnswersWithAgencyIdsAndPagesBySubject) {
  auto r = query::SearchByName(*db_, *store_, "zhang", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->matches.size(), 1u);
  EXPECT_EQ(r->matches[0].agency_ids, std::vector<std::string>{agency_of_["Zhang Wei"]});
  EXPECT_GT(r->names_scanned, 0u);

  // Every subject whose name starts with a Latin or CJK letter... page by one.
  std::set<std::string> all;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    auto p = query::SearchByName(*db_, *store_, "m", 1, after);
    ASSERT_TRUE(p.ok()) << p.status();
    for (const auto& m : p->matches) {
      EXPECT_TRUE(all.insert(m.subject_id).second) << "seen twice: " << m.subject_id;
      after = m.subject_id;
    }
    if (!p->more) break;
  }
  // "Müller" and "Ｍｉｎｇ".
  EXPECT_EQ(all.size(), 2u);
}

TEST_F(NameSearchTest, ErasedSubjectsNeverMatch) {
  ingest::EraseRequest req;
  req.subject = agency_of_["Zhang Wei"];
  req.authority = "order 1";
  req.reason = "test";
  auto erased = ingest::EraseSubject(*db_, *store_, req);
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(Found("zhang"), std::set<std::string>{});
  EXPECT_EQ(Found("张"), std::set<std::string>{"张伟"});
}

TEST_F(NameSearchTest, RefusesBlankOrInvalidPrefixes) {
  for (const std::string bad : {std::string(""), std::string("   "), std::string("\xff")}) {
    auto r = query::SearchByName(*db_, *store_, bad, 0);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NormalizeForSearchTest, FoldsCaseAndCompatibilityForms) {
  EXPECT_EQ(*query::NormalizeForSearch("ŁUKASZ"), "łukasz");
  EXPECT_EQ(*query::NormalizeForSearch("ＬＩ"), "li");
  EXPECT_EQ(*query::NormalizeForSearch("Straße"), "strasse");
  EXPECT_TRUE(query::NameMatchesPrefix("Zhang Wei", "wei"));
  EXPECT_FALSE(query::NameMatchesPrefix("Zhang Wei", "hang"));
}

}  // namespace
