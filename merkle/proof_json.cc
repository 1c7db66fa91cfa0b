// Proof JSON documents; see proof_json.h. The parser is a small strict
// RFC 8259 reader: it keeps what a proof document needs (objects, arrays,
// strings, integers, true/false/null) and refuses anything ambiguous, so a
// hostile document cannot mean two things to two readers.
//
// Not simdjson (which reads event JSON, ingest/import_json.cc): a proof
// document is at most a few KiB, read once per check, and every error here
// names its byte; simdjson gives no offset for several errors (raw control
// characters, unclosed strings, invalid UTF-8), which the event parser
// recovers with a second, repaired parse — machinery not worth it here.
// Strings are checked by the rule the event parser uses (util/utf8.h).
#include "merkle/proof_json.h"

#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "util/json_text.h"
#include "util/utf8.h"

namespace ledger {
namespace {

constexpr int kMaxDepth = 8;

struct JsonField;

struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = kNull;
  bool boolean = false;
  std::string str;  // decoded string, or the number's text
  std::vector<Json> items;
  std::vector<JsonField> fields;  // in document order
};

// Not std::pair<std::string, Json>: clang rejects that pair of a then
// incomplete Json (libstdc++'s static_assert), and the fuzz build is clang's.
struct JsonField {
  std::string key;
  Json value;
};

const char* KindName(Json::Kind k) {
  switch (k) {
    case Json::kNull: return "null";
    case Json::kBool: return "a boolean";
    case Json::kNumber: return "a number";
    case Json::kString: return "a string";
    case Json::kArray: return "an array";
    case Json::kObject: return "an object";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(absl::string_view s) : s_(s) {}

  absl::StatusOr<Json> Document() {
    SkipSpace();
    absl::StatusOr<Json> v = Value(0);
    if (!v.ok()) return v;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return v;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("JSON: ", what, " at byte ", pos_));
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  absl::StatusOr<Json> Value(int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    if (AtEnd()) return Error("unexpected end of text");
    Json v;
    switch (Peek()) {
      case '{':
        if (absl::Status s = Object(depth, &v); !s.ok()) return s;
        return v;
      case '[':
        if (absl::Status s = Array(depth, &v); !s.ok()) return s;
        return v;
      case '"':
        v.kind = Json::kString;
        if (absl::Status s = String(&v.str); !s.ok()) return s;
        return v;
      case 't':
        v.kind = Json::kBool;
        v.boolean = true;
        if (absl::Status s = Literal("true"); !s.ok()) return s;
        return v;
      case 'f':
        v.kind = Json::kBool;
        if (absl::Status s = Literal("false"); !s.ok()) return s;
        return v;
      case 'n':
        if (absl::Status s = Literal("null"); !s.ok()) return s;
        return v;
      default:
        v.kind = Json::kNumber;
        if (absl::Status s = Number(&v.str); !s.ok()) return s;
        return v;
    }
  }

  absl::Status Literal(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Error("invalid literal");
    pos_ += word.size();
    return absl::OkStatus();
  }

  absl::Status Object(int depth, Json* out) {
    out->kind = Json::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() != '"') return Error("expected a string key");
      std::string key;
      if (absl::Status s = String(&key); !s.ok()) return s;
      SkipSpace();
      if (AtEnd() || Peek() != ':') return Error("expected ':'");
      ++pos_;
      SkipSpace();
      absl::StatusOr<Json> v = Value(depth + 1);
      if (!v.ok()) return v.status();
      out->fields.push_back(JsonField{std::move(key), *std::move(v)});
      SkipSpace();
      if (AtEnd()) return Error("unexpected end of text in an object");
      if (Peek() == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek() != ',') return Error("expected ',' or '}'");
      ++pos_;
    }
  }

  absl::Status Array(int depth, Json* out) {
    out->kind = Json::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      absl::StatusOr<Json> v = Value(depth + 1);
      if (!v.ok()) return v.status();
      out->items.push_back(*std::move(v));
      SkipSpace();
      if (AtEnd()) return Error("unexpected end of text in an array");
      if (Peek() == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek() != ',') return Error("expected ',' or ']'");
      ++pos_;
    }
  }

  // A string at pos_ (which is '"'). Its escapes, surrogate pairs and raw
  // control characters are checked by util::CheckJsonString, the rule the
  // event parser uses too; what is left here is decoding.
  absl::Status String(std::string* out) {
    size_t len = 0;
    if (const char* rule = util::CheckJsonString(absl::string_view(s_).substr(pos_), &len)) {
      pos_ += len;  // the offending byte (the opening quote when unterminated)
      return Error(rule);
    }
    const size_t start = pos_ + 1;
    const size_t end = pos_ + len - 1;  // the closing quote
    uint32_t cp = 0, lo = 0;
    for (size_t i = start; i < end; ++i) {
      if (s_[i] != '\\') {
        out->push_back(s_[i]);
        continue;
      }
      if (json_text::AppendSimpleEscape(s_[++i], out)) continue;
      json_text::Hex4(s_.substr(i + 1, 4), &cp);  // \uXXXX, checked
      i += 4;
      if (json_text::IsHighSurrogate(cp)) {
        json_text::Hex4(s_.substr(i + 3, 4), &lo);  // \uXXXX, the low half
        i += 6;
        cp = json_text::CombineSurrogates(cp, lo);
      }
      json_text::AppendUtf8(cp, out);
    }
    pos_ += len;
    if (!util::IsValidUtf8(s_.substr(start, end - start))) {
      return Error("string is not valid UTF-8");
    }
    return absl::OkStatus();
  }

  // RFC 8259 number grammar; the text is kept, converted later.
  absl::Status Number(std::string* out) {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
      return pos_ - d;
    };
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return Error("unexpected end of text");
    if (Peek() == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return Error("unexpected character");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (digits() == 0) return Error("bad number");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (digits() == 0) return Error("bad number");
    }
    *out = std::string(s_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

// A parsed proof object whose keys were checked: every key is in `required`
// or is "desc"/"wantErr", none is repeated, and all of `required` are there.
class ProofObject {
 public:
  static absl::StatusOr<ProofObject> Parse(absl::string_view json,
                                           std::initializer_list<absl::string_view> required) {
    if (json.size() > kMaxProofJsonBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof JSON is ", json.size(), " bytes; the limit is ", kMaxProofJsonBytes));
    }
    absl::StatusOr<Json> doc = Parser(json).Document();
    if (!doc.ok()) return doc.status();
    if (doc->kind != Json::kObject) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof JSON is ", KindName(doc->kind), ", want an object"));
    }
    std::set<std::string> seen;
    for (const auto& [key, value] : doc->fields) {
      if (!seen.insert(key).second) {
        return absl::InvalidArgumentError(absl::StrCat("duplicate key \"", key, "\""));
      }
      bool known = false;
      for (absl::string_view r : required) known = known || key == r;
      if (key == "desc" && value.kind != Json::kString) {
        return absl::InvalidArgumentError("desc: want a string");
      }
      if (key == "wantErr" && value.kind != Json::kBool) {
        return absl::InvalidArgumentError("wantErr: want a boolean");
      }
      if (!known && key != "desc" && key != "wantErr") {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown key \"", absl::CHexEscape(key), "\""));
      }
    }
    for (absl::string_view r : required) {
      if (seen.count(std::string(r)) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("missing key \"", r, "\""));
      }
    }
    return ProofObject(*std::move(doc));
  }

  absl::StatusOr<uint64_t> Uint(absl::string_view key) const {
    const Json& v = Get(key);
    if (v.kind != Json::kNumber) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": want a non-negative integer, got ", KindName(v.kind)));
    }
    const std::string& t = v.str;
    uint64_t out = 0;
    bool ok = !t.empty() && t.size() <= 20 && (t.size() == 1 || t[0] != '0');
    for (char c : t) {
      if (!ok) break;
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      const uint64_t d = static_cast<uint64_t>(c - '0');
      ok = out <= (~uint64_t{0} - d) / 10;
      out = out * 10 + d;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          key, ": want a non-negative integer without fraction or exponent that fits 64 bits, got ",
          t));
    }
    return out;
  }

  absl::StatusOr<merkle::Hash> Hash(absl::string_view key) const {
    return HashOf(Get(key), key);
  }

  // "proof": an array of hashes, or null for none.
  absl::StatusOr<std::vector<merkle::Hash>> Proof() const {
    const Json& v = Get("proof");
    std::vector<merkle::Hash> out;
    if (v.kind == Json::kNull) return out;
    if (v.kind != Json::kArray) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof: want an array of base64 hashes, got ", KindName(v.kind)));
    }
    for (size_t i = 0; i < v.items.size(); ++i) {
      absl::StatusOr<merkle::Hash> h = HashOf(v.items[i], absl::StrCat("proof[", i, "]"));
      if (!h.ok()) return h.status();
      out.push_back(*h);
    }
    return out;
  }

 private:
  explicit ProofObject(Json doc) : doc_(std::move(doc)) {}

  const Json& Get(absl::string_view key) const {
    for (const auto& [k, v] : doc_.fields) {
      if (k == key) return v;
    }
    static const Json* const kNullJson = new Json();
    return *kNullJson;  // unreachable: Parse checked that required keys exist
  }

  static absl::StatusOr<merkle::Hash> HashOf(const Json& v, absl::string_view what) {
    if (v.kind != Json::kString) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": want a base64 string, got ", KindName(v.kind)));
    }
    absl::StatusOr<merkle::Hash> h = merkle::FromBase64(v.str);
    if (!h.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", h.status().message()));
    return h;
  }

  Json doc_;
};

void AppendProof(const std::vector<merkle::Hash>& proof, std::string* out) {
  if (proof.empty()) {
    out->append("  \"proof\": []\n");
    return;
  }
  out->append("  \"proof\": [\n");
  for (size_t i = 0; i < proof.size(); ++i) {
    absl::StrAppend(out, "    \"", merkle::ToBase64(proof[i]), "\"",
                    i + 1 < proof.size() ? ",\n" : "\n");
  }
  out->append("  ]\n");
}

}  // namespace

std::string EncodeInclusionProof(const InclusionProofJson& p) {
  std::string out = absl::StrCat("{\n  \"leafIdx\": ", p.leaf_index, ",\n  \"treeSize\": ",
                                 p.tree_size, ",\n  \"root\": \"", merkle::ToBase64(p.root),
                                 "\",\n  \"leafHash\": \"", merkle::ToBase64(p.leaf_hash), "\",\n");
  AppendProof(p.proof, &out);
  out.append("}\n");
  return out;
}

std::string EncodeConsistencyProof(const ConsistencyProofJson& p) {
  std::string out = absl::StrCat("{\n  \"size1\": ", p.size1, ",\n  \"size2\": ", p.size2,
                                 ",\n  \"root1\": \"", merkle::ToBase64(p.root1),
                                 "\",\n  \"root2\": \"", merkle::ToBase64(p.root2), "\",\n");
  AppendProof(p.proof, &out);
  out.append("}\n");
  return out;
}

absl::StatusOr<InclusionProofJson> DecodeInclusionProof(absl::string_view json) {
  absl::StatusOr<ProofObject> obj =
      ProofObject::Parse(json, {"leafIdx", "treeSize", "root", "leafHash", "proof"});
  if (!obj.ok()) return obj.status();
  InclusionProofJson p;
  absl::StatusOr<uint64_t> index = obj->Uint("leafIdx");
  if (!index.ok()) return index.status();
  absl::StatusOr<uint64_t> size = obj->Uint("treeSize");
  if (!size.ok()) return size.status();
  absl::StatusOr<merkle::Hash> root = obj->Hash("root");
  if (!root.ok()) return root.status();
  absl::StatusOr<merkle::Hash> leaf = obj->Hash("leafHash");
  if (!leaf.ok()) return leaf.status();
  absl::StatusOr<std::vector<merkle::Hash>> proof = obj->Proof();
  if (!proof.ok()) return proof.status();
  p.leaf_index = *index;
  p.tree_size = *size;
  p.root = *root;
  p.leaf_hash = *leaf;
  p.proof = *std::move(proof);
  return p;
}

absl::StatusOr<ConsistencyProofJson> DecodeConsistencyProof(absl::string_view json) {
  absl::StatusOr<ProofObject> obj =
      ProofObject::Parse(json, {"size1", "size2", "root1", "root2", "proof"});
  if (!obj.ok()) return obj.status();
  ConsistencyProofJson p;
  absl::StatusOr<uint64_t> size1 = obj->Uint("size1");
  if (!size1.ok()) return size1.status();
  absl::StatusOr<uint64_t> size2 = obj->Uint("size2");
  if (!size2.ok()) return size2.status();
  absl::StatusOr<merkle::Hash> root1 = obj->Hash("root1");
  if (!root1.ok()) return root1.status();
  absl::StatusOr<merkle::Hash> root2 = obj->Hash("root2");
  if (!root2.ok()) return root2.status();
  absl::StatusOr<std::vector<merkle::Hash>> proof = obj->Proof();
  if (!proof.ok()) return proof.status();
  p.size1 = *size1;
  p.size2 = *size2;
  p.root1 = *root1;
  p.root2 = *root2;
  p.proof = *std::move(proof);
  return p;
}

absl::Status VerifyInclusionProof(const InclusionProofJson& p) {
  return merkle::VerifyInclusion(p.leaf_index, p.tree_size, p.leaf_hash, p.proof, p.root);
}

absl::Status VerifyConsistencyProof(const ConsistencyProofJson& p) {
  return merkle::VerifyConsistency(p.size1, p.size2, p.root1, p.root2, p.proof);
}

}  // namespace ledger
