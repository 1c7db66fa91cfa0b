// merkle/proof_json.h: the JSON proof documents, judged against every public
// RFC 6962 vector in ../shared/vectors/rfc6962 (wantErr is the truth) and a
// table of hostile documents of our own.
#include "merkle/proof_json.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using merkle::Hash;
using testing::HasSubstr;

const char kHappyInclusion[] = R"({
  "leafIdx": 0,
  "treeSize": 8,
  "root": "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
  "leafHash": "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
  "proof": [
    "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
    "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
    "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="
  ]
}
)";

const char kHappyConsistency[] = R"({
  "size1": 1,
  "size2": 8,
  "root1": "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
  "root2": "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
  "proof": [
    "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
    "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
    "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="
  ]
}
)";

std::filesystem::path VectorRoot() {
  return std::filesystem::path(testing_support::VectorsDir()) / "rfc6962";
}

std::vector<std::filesystem::path> VectorFiles(const std::string& kind) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(VectorRoot() / kind)) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// An independent, lenient reading of a vector file through protobuf's JSON
// parser: which hash field, if any, is not canonical base64 of 32 bytes.
struct LenientView {
  bool want_err = false;
  std::string first_bad_hash;  // empty when every hash is well-formed
};

bool WellFormedHash(const google::protobuf::Value& v) {
  std::string raw;
  return v.kind_case() == google::protobuf::Value::kStringValue &&
         absl::Base64Unescape(v.string_value(), &raw) && raw.size() == 32 &&
         absl::Base64Escape(raw) == v.string_value();
}

LenientView ReadLeniently(const std::string& json, bool inclusion) {
  google::protobuf::Struct doc;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &doc);
  EXPECT_TRUE(status.ok()) << status;
  const auto& f = doc.fields();
  LenientView v;
  v.want_err = f.at("wantErr").bool_value();
  // In the order the decoder reads them.
  for (const char* key : inclusion ? std::vector<const char*>{"root", "leafHash"}
                                   : std::vector<const char*>{"root1", "root2"}) {
    if (v.first_bad_hash.empty() && !WellFormedHash(f.at(key))) v.first_bad_hash = key;
  }
  const google::protobuf::Value& proof = f.at("proof");
  if (proof.kind_case() == google::protobuf::Value::kListValue) {
    for (int i = 0; i < proof.list_value().values_size(); ++i) {
      if (v.first_bad_hash.empty() && !WellFormedHash(proof.list_value().values(i))) {
        v.first_bad_hash = absl::StrCat("proof[", i, "]");
      }
    }
  }
  return v;
}

TEST(ProofJsonVectorTest, EveryVectorIsJudgedAsWantErrSays) {
  int files = 0, happy = 0, hostile_by_decode = 0, hostile_by_verify = 0;
  std::vector<std::string> stricter_than_go;
  for (const std::string kind : {"inclusion", "consistency"}) {
    const bool inclusion = kind == "inclusion";
    for (const std::filesystem::path& path : VectorFiles(kind)) {
      const std::string name = std::filesystem::relative(path, VectorRoot()).string();
      SCOPED_TRACE(name);
      ++files;
      const std::string json = testing_support::ReadFileOrDie(path.string());
      const LenientView lenient = ReadLeniently(json, inclusion);

      absl::Status decoded, verified;
      if (inclusion) {
        auto p = DecodeInclusionProof(json);
        decoded = p.status();
        if (p.ok()) verified = VerifyInclusionProof(*p);
      } else {
        auto p = DecodeConsistencyProof(json);
        decoded = p.status();
        if (p.ok()) verified = VerifyConsistencyProof(*p);
      }
      // Decoding fails exactly when a hash is malformed, and names it.
      if (lenient.first_bad_hash.empty()) {
        EXPECT_TRUE(decoded.ok()) << decoded;
      } else {
        EXPECT_EQ(decoded.code(), absl::StatusCode::kInvalidArgument);
        EXPECT_THAT(std::string(decoded.message()),
                    testing::StartsWith(lenient.first_bad_hash + ":"));
      }
      const bool accepted = decoded.ok() && verified.ok();
      if (lenient.want_err) {
        EXPECT_FALSE(accepted) << "hostile vector accepted";
        (decoded.ok() ? hostile_by_verify : hostile_by_decode) += 1;
      } else if (!decoded.ok()) {
        // Go's verifier compares opaque byte strings; we refuse a "hash"
        // that is not 32 bytes before getting that far.
        stricter_than_go.push_back(name);
      } else {
        ++happy;
        EXPECT_TRUE(verified.ok()) << verified;
      }
    }
  }
  EXPECT_EQ(files, 196);
  EXPECT_EQ(happy, 11);
  EXPECT_EQ(hostile_by_decode + hostile_by_verify, 184);
  EXPECT_GT(hostile_by_decode, 0);
  EXPECT_GT(hostile_by_verify, 0);
  // The one happy file whose "roots" are 12-byte placeholders ("don't care 2").
  EXPECT_EQ(stricter_than_go,
            std::vector<std::string>{
                "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"});
}

TEST(ProofJsonTest, EncodeWritesTheVectorLayout) {
  auto p = DecodeInclusionProof(kHappyInclusion);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(EncodeInclusionProof(*p), kHappyInclusion);
  auto c = DecodeConsistencyProof(kHappyConsistency);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(EncodeConsistencyProof(*c), kHappyConsistency);
  EXPECT_TRUE(VerifyInclusionProof(*p).ok());
  EXPECT_TRUE(VerifyConsistencyProof(*c).ok());
}

TEST(ProofJsonTest, EmptyProofIsWrittenAsEmptyArrayAndReadFromNullToo) {
  InclusionProofJson p;
  p.tree_size = 1;
  p.leaf_hash = merkle::LeafHash("");
  p.root = p.leaf_hash;
  const std::string json = EncodeInclusionProof(p);
  EXPECT_THAT(json, HasSubstr("\"proof\": []\n"));
  auto back = DecodeInclusionProof(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
  auto from_null = DecodeInclusionProof(absl::StrReplaceAll(json, {{"[]", "null"}}));
  ASSERT_TRUE(from_null.ok()) << from_null.status();
  EXPECT_EQ(*from_null, p);
  EXPECT_TRUE(VerifyInclusionProof(p).ok());
}

TEST(ProofJsonTest, LargeNumbersRoundTrip) {
  ConsistencyProofJson p;
  p.size1 = (uint64_t{1} << 53) + 1;  // past a double's exact range
  p.size2 = ~uint64_t{0};
  p.proof = {merkle::LeafHash("a")};
  auto back = DecodeConsistencyProof(EncodeConsistencyProof(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
}

TEST(ProofJsonTest, DescAndWantErrAreAcceptedAndIgnored) {
  const std::string json = absl::StrReplaceAll(
      kHappyInclusion,
      {{"\n  ]\n}", "\n  ],\n  \"desc\": \"x \\u00e9\\ud83d\\ude00 \u00e9\", \"wantErr\": true\n}"}});
  auto p = DecodeInclusionProof(json);
  ASSERT_TRUE(p.ok()) << p.status() << json;
  EXPECT_EQ(*p, *DecodeInclusionProof(kHappyInclusion));
}

TEST(ProofJsonTest, HostileDocumentsAreRefusedNamingTheProblem) {
  const std::string good = kHappyInclusion;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return s;
  };
  const std::string root = "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\"";
  struct Case {
    std::string json;
    std::string why;
  };
  const std::vector<Case> cases = {
      {good + "x", "after the JSON value"},
      {good + "{}", "after the JSON value"},
      {"x" + good, "JSON"},
      {"", "end of text"},
      {"[]", "want an object"},
      {"\"x\"", "want an object"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"leafIdx\": 0"), "duplicate key \"leafIdx\""},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"extra\": 1"), "unknown key \"extra\""},
      {with("\"leafIdx\": 0,", ""), "missing key \"leafIdx\""},
      {with("\"leafIdx\": 0", "\"leafIdx\": -1"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": -0"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0.0"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0e0"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": \"0\""), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": true"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": null"), "leafIdx: want a non-negative integer"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 18446744073709551616"), "leafIdx"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 01"), "JSON"},
      {with("\"leafIdx\": 0", "\"leafIdx\": NaN"), "JSON"},
      {with("\"leafIdx\": 0", "\"leafIdx\": Infinity"), "JSON"},
      {with(root, "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\""), "root: not canonical"},
      {with(root, "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\""), "root: not canonical"},
      {with(root, "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\""), "root: not canonical"},
      {with(root, "\" XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\""), "root: not canonical"},
      {with(root, "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy\""), "root: not canonical"},
      {with(root, "\"\""), "root: not canonical"},
      {with(root, "null"), "root: want a base64 string"},
      {with(root, "[]"), "root: want a base64 string"},
      {with("\"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=\"", "\"\""), "proof[0]: not canonical"},
      {with("\"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=\"", "1"), "proof[2]: want a base64"},
      {with("\"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=\"\n  ]",
            "\"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=\",\n  ]"),
       "JSON"},
      {with("\"proof\": [", "\"proof\": \"x\", \"y\": ["), "unknown key \"y\""},
      {with("\"treeSize\": 8,", "\"treeSize\": 8,,"), "JSON"},
      {with("\"treeSize\"", "'treeSize'"), "JSON"},
      {with("\"treeSize\": 8,", "// comment\n\"treeSize\": 8,"), "JSON"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": \"a\x01\""), "control character"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": \"\xff\""), "UTF-8"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": \"\\ud800\""), "surrogate"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": \"\\x\""), "escape"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": 1"), "desc: want a string"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"wantErr\": 0"), "wantErr: want a boolean"},
      {with("\"leafIdx\": 0", "\"leafIdx\": 0, \"desc\": [[[[[[[[[[1]]]]]]]]]]"), "nested too deeply"},
      {good.substr(0, good.size() - 3), "end of text"},
      {std::string(kMaxProofJsonBytes + 1, ' '), "limit"},
  };
  for (const Case& c : cases) {
    auto p = DecodeInclusionProof(c.json);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.why)) << c.json;
  }
  // Consistency documents have their own keys.
  EXPECT_THAT(std::string(DecodeConsistencyProof(good).status().message()),
              HasSubstr("unknown key"));
  EXPECT_THAT(std::string(DecodeInclusionProof(kHappyConsistency).status().message()),
              HasSubstr("unknown key"));
}

TEST(ProofJsonTest, WhitespaceAndKeyOrderAreFree) {
  const std::string compact =
      "{\"proof\":[\"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=\",\"Xwg/"
      "ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=\",\"a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=\"],"
      "\"leafHash\":\"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\",\"root\":"
      "\"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\",\"treeSize\":8,\"leafIdx\":0}\r\n\t ";
  auto a = DecodeInclusionProof(compact);
  auto b = DecodeInclusionProof(kHappyInclusion);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(ProofJsonTest, VerifyReportsWhatFailed) {
  auto p = DecodeInclusionProof(kHappyInclusion);
  ASSERT_TRUE(p.ok());
  p->leaf_index = 8;
  EXPECT_EQ(VerifyInclusionProof(*p).code(), absl::StatusCode::kInvalidArgument);
  p->leaf_index = 1;
  EXPECT_FALSE(VerifyInclusionProof(*p).ok());
  auto c = DecodeConsistencyProof(kHappyConsistency);
  ASSERT_TRUE(c.ok());
  std::swap(c->root1, c->root2);
  EXPECT_FALSE(VerifyConsistencyProof(*c).ok());
}

}  // namespace
}  // namespace ledger
