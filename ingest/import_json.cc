#include "ingest/import_json.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "util/json_text.h"
#include "ingest/ndjson.h"

namespace ingest {
namespace {

namespace json_text = ledger::json_text;

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kPrefix[] = "invalid JSON for enforcement.v1.Event: ";

// Field lookup by JSON name (lowerCamelCase) or proto name, for every
// message type reachable from Event. Built once; read-only afterwards.
using FieldTable =
    absl::flat_hash_map<const Descriptor*, absl::flat_hash_map<std::string, const FieldDescriptor*>>;

void AddFields(const Descriptor* d, FieldTable* table) {
  if (table->contains(d)) return;
  auto& fields = (*table)[d];
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    fields[f->json_name()] = f;
    fields[f->name()] = f;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      AddFields(d->field(i)->message_type(), table);
    }
  }
}

const FieldDescriptor* FindField(const Descriptor* d, const std::string& key) {
  static const FieldTable* const kTable = [] {
    auto* t = new FieldTable();
    AddFields(enforcement::v1::Event::descriptor(), t);
    return t;
  }();
  auto it = kTable->find(d);
  if (it == kTable->end()) return nullptr;
  auto f = it->second.find(key);
  return f == it->second.end() ? nullptr : f->second;
}

// One step of the path to the value being parsed, rendered only on error.
struct PathElem {
  const FieldDescriptor* field = nullptr;
  int64_t index = -1;             // element of a repeated field, or -1
  const std::string* key = nullptr;  // key of a map entry, or nullptr
};

class Parser {
 public:
  Parser(absl::string_view text, JsonParseError* error)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), error_(error) {}

  bool ParseTop(Message* m) {
    SkipWs();
    if (p_ == end_) return Fail("the line holds no JSON value");
    if (*p_ != '{') {
      if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) {
        return Fail("a byte order mark (U+FEFF) is only allowed at the start of the file");
      }
      return Fail("expected a JSON object (one event per line)");
    }
    if (!ParseObject(m)) return false;
    SkipWs();
    if (p_ != end_) return Fail("unexpected data after the event's JSON object");
    return true;
  }

 private:
  // --- errors ----------------------------------------------------------------
  std::string PathString() const {
    std::string out;
    for (const PathElem& e : path_) {
      if (e.field != nullptr) {
        if (!out.empty()) out.push_back('.');
        out += e.field->name();
      }
      if (e.index >= 0) absl::StrAppend(&out, "[", e.index, "]");
      if (e.key != nullptr) absl::StrAppend(&out, "[\"", EscapeControlCharacters(*e.key), "\"]");
    }
    return out;
  }
  bool FailAt(const char* at, absl::string_view rule) {
    error_->column = static_cast<uint64_t>(at - begin_) + 1;
    const std::string path = PathString();
    error_->message = path.empty() ? absl::StrCat(kPrefix, rule)
                                   : absl::StrCat(kPrefix, path, ": ", rule);
    return false;
  }
  bool Fail(absl::string_view rule) { return FailAt(p_, rule); }

  // --- lexing ----------------------------------------------------------------
  void SkipWs() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool Expect(char c, const char* what) {
    SkipWs();
    if (p_ == end_ || *p_ != c) {
      return Fail(p_ == end_ ? absl::StrCat("the line ends where ", what, " was expected")
                             : absl::StrCat("expected ", what));
    }
    ++p_;
    return true;
  }
  bool Literal(const char* word) {
    const size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) {
      return Fail("invalid JSON value");
    }
    p_ += n;
    return true;
  }

  bool Hex4(uint32_t* v) {
    if (end_ - p_ < 4) return Fail("truncated \\u escape");
    if (!json_text::Hex4(absl::string_view(p_, 4), v)) {
      return Fail("invalid \\u escape: expected 4 hex digits");
    }
    p_ += 4;
    return true;
  }

  // A JSON string at p_ (which must be '"'). The line is valid UTF-8.
  bool ParseString(std::string* out) {
    if (p_ == end_ || *p_ != '"') return Fail("expected a string");
    const char* open = p_;
    ++p_;
    out->clear();
    while (true) {
      // Fast path: a run of plain characters.
      const char* run = p_;
      while (p_ != end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) {
        ++p_;
      }
      out->append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return FailAt(open, "unterminated string");
      const char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c != '\\') return Fail("control character in a string (must be escaped)");
      ++p_;
      if (p_ == end_) return FailAt(open, "unterminated string");
      const char e = *p_++;
      if (json_text::AppendSimpleEscape(e, out)) continue;
      if (e != 'u') return FailAt(p_ - 2, "invalid escape in a string");
      const char* at = p_ - 2;
      uint32_t cp = 0;
      if (!Hex4(&cp)) return false;
      if (json_text::IsLowSurrogate(cp)) return FailAt(at, "lone low surrogate in \\u escape");
      if (json_text::IsHighSurrogate(cp)) {
        uint32_t lo = 0;
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
          return FailAt(at, "high surrogate in \\u escape not followed by a low surrogate");
        }
        p_ += 2;
        if (!Hex4(&lo)) return false;
        if (!json_text::IsLowSurrogate(lo)) {
          return FailAt(at, "high surrogate in \\u escape not followed by a low surrogate");
        }
        cp = json_text::CombineSurrogates(cp, lo);
      }
      json_text::AppendUtf8(cp, out);
    }
  }

  // A JSON number token at p_ (RFC 8259 grammar). Sets *integral when it
  // has neither fraction nor exponent.
  bool NumberToken(absl::string_view* tok, bool* integral) {
    const char* s = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) return FailAt(s, "invalid JSON value");
    if (*p_ == '0') {
      ++p_;
      if (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
        return FailAt(s, "leading zeros are not allowed in JSON numbers");
      }
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    *integral = true;
    if (p_ != end_ && *p_ == '.') {
      *integral = false;
      ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) return Fail("digit expected after '.'");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      *integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) return Fail("digit expected in exponent");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    *tok = absl::string_view(s, static_cast<size_t>(p_ - s));
    return true;
  }

  // --- values ----------------------------------------------------------------
  bool EnterNesting() {
    if (++depth_ > kMaxJsonDepth) {
      return Fail(absl::StrCat("nested deeper than ", kMaxJsonDepth, " levels"));
    }
    return true;
  }

  // Parses an integer value (JSON number or decimal string) into [lo, hi].
  bool ParseInteger(int64_t lo, uint64_t hi, bool is_unsigned, int64_t* sv, uint64_t* uv) {
    const char* at = p_;
    absl::string_view tok;
    bool integral = true;
    bool quoted = false;
    std::string text;
    if (p_ != end_ && *p_ == '"') {
      quoted = true;
      if (!ParseString(&text)) return false;
      // A decimal string: -?(0|[1-9][0-9]*).
      size_t i = 0;
      if (i < text.size() && text[i] == '-') ++i;
      bool ok = i < text.size();
      if (ok && text[i] == '0' && i + 1 != text.size()) ok = false;
      for (size_t k = i; ok && k < text.size(); ++k) ok = text[k] >= '0' && text[k] <= '9';
      if (!ok) {
        return FailAt(at, absl::StrCat("\"", absl::CHexEscape(text),
                                       "\" is not a decimal integer"));
      }
      tok = text;
    } else {
      if (!NumberToken(&tok, &integral)) return false;
    }
    const std::string shown = quoted ? absl::StrCat("\"", tok, "\"") : std::string(tok);
    if (integral) {
      if (is_unsigned) {
        if (!tok.empty() && tok[0] == '-') {
          if (tok == "-0") { *uv = 0; return true; }
          return FailAt(at, absl::StrCat(shown, " is negative; the field is unsigned"));
        }
        if (!absl::SimpleAtoi(tok, uv) || *uv > hi) {
          return FailAt(at, absl::StrCat(shown, " is out of range (at most ", hi, ")"));
        }
        return true;
      }
      if (!absl::SimpleAtoi(tok, sv) || *sv < lo || (*sv > 0 && static_cast<uint64_t>(*sv) > hi)) {
        return FailAt(at, absl::StrCat(shown, " is out of range [", lo, ", ", hi, "]"));
      }
      return true;
    }
    // 1.0 or 1e3: accepted when its exact decimal value is an integer of
    // magnitude at most 2^53, which a double holds exactly (so protobuf's
    // parser, which goes through a double, reads the same value). Decided on
    // the digits, never on a rounded double: 9007199254740993.0 and
    // 1.00000000000000000001 would round to an integer.
    double d;
    if (!absl::SimpleAtod(tok, &d) || !std::isfinite(d)) {
      return FailAt(at, absl::StrCat(shown, " is out of range"));
    }
    uint64_t magnitude = 0;
    switch (ExactInteger(tok, &magnitude)) {
      case Exactness::kNotInteger:
        return FailAt(at, absl::StrCat(shown, " is not an integer"));
      case Exactness::kAbove2To53:
        return FailAt(at, absl::StrCat(shown, " is too large to be exact; write it without a "
                                              "fraction or exponent"));
      case Exactness::kExact:
        break;
    }
    const bool negative = tok[0] == '-' && magnitude != 0;
    if (is_unsigned) {
      if (negative) return FailAt(at, absl::StrCat(shown, " is negative; the field is unsigned"));
      *uv = magnitude;
      if (*uv > hi) return FailAt(at, absl::StrCat(shown, " is out of range (at most ", hi, ")"));
      return true;
    }
    *sv = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    if (*sv < lo || (*sv > 0 && static_cast<uint64_t>(*sv) > hi)) {
      return FailAt(at, absl::StrCat(shown, " is out of range [", lo, ", ", hi, "]"));
    }
    return true;
  }

  enum class Exactness { kExact, kNotInteger, kAbove2To53 };

  // The exact value of a JSON number token with a fraction or an exponent
  // (RFC 8259 grammar, already checked): kExact with its magnitude when it is
  // an integer of magnitude at most 2^53. Works on the decimal digits, so no
  // rounding can turn a fraction or a number beyond 2^53 into an integer.
  static Exactness ExactInteger(absl::string_view tok, uint64_t* magnitude) {
    size_t i = tok[0] == '-' ? 1 : 0;
    // The significant digits (integer and fraction parts) and the power of
    // ten that scales them: value = digits * 10^scale.
    std::string digits;
    int64_t scale = 0;
    for (; i < tok.size() && tok[i] >= '0' && tok[i] <= '9'; ++i) digits.push_back(tok[i]);
    if (i < tok.size() && tok[i] == '.') {
      for (++i; i < tok.size() && tok[i] >= '0' && tok[i] <= '9'; ++i) {
        digits.push_back(tok[i]);
        --scale;
      }
    }
    if (i < tok.size() && (tok[i] == 'e' || tok[i] == 'E')) {
      ++i;
      const bool minus = tok[i] == '-';
      if (tok[i] == '+' || tok[i] == '-') ++i;
      // Saturates: a line holds at most 2 MiB of digits, so 10^9 decides.
      int64_t e = 0;
      for (; i < tok.size(); ++i) e = std::min<int64_t>(e * 10 + (tok[i] - '0'), 1000000000);
      scale += minus ? -e : e;
    }
    const size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) {
      *magnitude = 0;  // 0.0, -0e5
      return Exactness::kExact;
    }
    size_t last = digits.find_last_not_of('0');
    scale += static_cast<int64_t>(digits.size() - 1 - last);
    const absl::string_view significant =
        absl::string_view(digits).substr(first, last - first + 1);
    if (scale < 0) return Exactness::kNotInteger;  // the last significant digit is a fraction
    // 2^53 = 9007199254740992 has 16 digits.
    if (static_cast<int64_t>(significant.size()) + scale > 16) return Exactness::kAbove2To53;
    uint64_t v = 0;
    for (char c : significant) v = v * 10 + static_cast<uint64_t>(c - '0');
    for (int64_t k = 0; k < scale; ++k) v *= 10;
    if (v > (uint64_t{1} << 53)) return Exactness::kAbove2To53;
    *magnitude = v;
    return Exactness::kExact;
  }

  static bool Digits(absl::string_view s, size_t pos, size_t n, int* out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  }

  // RFC 3339: YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|+HH:MM|-HH:MM).
  bool ParseTimestamp(Message* ts) {
    const char* at = p_;
    std::string s;
    if (p_ == end_ || *p_ != '"') return Fail("expected an RFC 3339 timestamp string");
    if (!ParseString(&s)) return false;
    auto bad = [&](absl::string_view why) {
      return FailAt(at, absl::StrCat("\"", absl::CHexEscape(s), "\" is not an RFC 3339 timestamp (",
                                     why, ")"));
    };
    int y, mo, d, h, mi, se;
    if (!(Digits(s, 0, 4, &y) && s.size() > 4 && s[4] == '-' && Digits(s, 5, 2, &mo) &&
          s.size() > 7 && s[7] == '-' && Digits(s, 8, 2, &d) && s.size() > 10 && s[10] == 'T' &&
          Digits(s, 11, 2, &h) && s.size() > 13 && s[13] == ':' && Digits(s, 14, 2, &mi) &&
          s.size() > 16 && s[16] == ':' && Digits(s, 17, 2, &se))) {
      return bad("expected YYYY-MM-DDTHH:MM:SS");
    }
    size_t i = 19;
    int32_t nanos = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t nd = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (nd < 9) nanos = nanos * 10 + (s[i] - '0');
        ++nd;
        ++i;
      }
      if (nd == 0 || nd > 9) return bad("1 to 9 fraction digits");
      for (size_t k = nd; k < 9; ++k) nanos *= 10;
    }
    int64_t offset = 0;
    if (i < s.size() && s[i] == 'Z') {
      ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      int oh, om;
      if (!(Digits(s, i + 1, 2, &oh) && s.size() > i + 3 && s[i + 3] == ':' &&
            Digits(s, i + 4, 2, &om)) ||
          oh > 23 || om > 59) {
        return bad("bad UTC offset");
      }
      offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
      i += 6;
    } else {
      return bad("expected Z or a UTC offset");
    }
    if (i != s.size()) return bad("unexpected characters at the end");
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) {
      return bad("field out of range");
    }
    const absl::CivilSecond cs(y, mo, d, h, mi, se);
    if (cs.month() != mo || cs.day() != d) return bad("no such day");
    const int64_t secs =
        absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone())) - offset;
    // google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z.
    if (secs < -62135596800 || secs > 253402300799) return bad("outside years 0001-9999");
    auto* t = static_cast<google::protobuf::Timestamp*>(ts);
    t->set_seconds(secs);
    t->set_nanos(nanos);
    return true;
  }

  // One value of field `f` (a singular value or one element of a repeated
  // or map field) into message `m`.
  bool ParseScalarOrMessage(Message* m, const FieldDescriptor* f, bool repeated) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (p_ == end_ || *p_ != '"') return Fail("expected a string");
        std::string s;
        if (!ParseString(&s)) return false;
        if (f->type() == FieldDescriptor::TYPE_BYTES) return Fail("bytes fields are not supported");
        repeated ? r->AddString(m, f, std::move(s)) : r->SetString(m, f, std::move(s));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_INT32: {
        const bool is64 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT64;
        int64_t v = 0;
        uint64_t unused;
        if (!ParseInteger(is64 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min(),
                          is64 ? uint64_t{std::numeric_limits<int64_t>::max()}
                               : uint64_t{std::numeric_limits<int32_t>::max()},
                          false, &v, &unused)) {
          return false;
        }
        if (is64) {
          repeated ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        } else {
          repeated ? r->AddInt32(m, f, static_cast<int32_t>(v))
                   : r->SetInt32(m, f, static_cast<int32_t>(v));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64:
      case FieldDescriptor::CPPTYPE_UINT32: {
        const bool is64 = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        int64_t unused;
        uint64_t v = 0;
        if (!ParseInteger(0, is64 ? std::numeric_limits<uint64_t>::max() : std::numeric_limits<uint32_t>::max(),
                          true, &unused, &v)) {
          return false;
        }
        if (is64) {
          repeated ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        } else {
          repeated ? r->AddUInt32(m, f, static_cast<uint32_t>(v))
                   : r->SetUInt32(m, f, static_cast<uint32_t>(v));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v;
        if (p_ != end_ && *p_ == 't') {
          if (!Literal("true")) return false;
          v = true;
        } else if (p_ != end_ && *p_ == 'f') {
          if (!Literal("false")) return false;
          v = false;
        } else {
          return Fail("expected true or false");
        }
        repeated ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* ev = nullptr;
        const char* at = p_;
        if (p_ != end_ && *p_ == '"') {
          std::string name;
          if (!ParseString(&name)) return false;
          ev = f->enum_type()->FindValueByName(name);
          if (ev == nullptr) {
            return FailAt(at, absl::StrCat("\"", absl::CHexEscape(name), "\" is not a value of ",
                                           f->enum_type()->full_name()));
          }
        } else {
          int64_t v = 0;
          uint64_t unused;
          if (!ParseInteger(std::numeric_limits<int32_t>::min(),
                            uint64_t{std::numeric_limits<int32_t>::max()}, false, &v, &unused)) {
            return false;
          }
          ev = f->enum_type()->FindValueByNumber(static_cast<int>(v));
          if (ev == nullptr) {
            return FailAt(at, absl::StrCat(v, " is not a value of ", f->enum_type()->full_name()));
          }
        }
        repeated ? r->AddEnum(m, f, ev) : r->SetEnum(m, f, ev);
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* md = f->message_type();
        if (md == google::protobuf::Timestamp::descriptor()) {
          Message* sub = repeated ? r->AddMessage(m, f) : r->MutableMessage(m, f);
          return ParseTimestamp(sub);
        }
        if (md->file()->package() == "google.protobuf") {
          return Fail(absl::StrCat(md->full_name(), " values are not supported"));
        }
        if (p_ == end_ || *p_ != '{') return Fail(absl::StrCat("expected a JSON object (", md->name(), ")"));
        Message* sub = repeated ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        return ParseObject(sub);
      }
      default:
        return Fail("floating-point fields are not supported");
    }
  }

  bool ParseMap(Message* m, const FieldDescriptor* f) {
    if (p_ == end_ || *p_ != '{') return Fail("expected a JSON object (a map)");
    if (!EnterNesting()) return false;
    ++p_;
    const Reflection* r = m->GetReflection();
    const Descriptor* entry_d = f->message_type();
    const FieldDescriptor* key_f = entry_d->map_key();
    const FieldDescriptor* value_f = entry_d->map_value();
    absl::flat_hash_set<std::string> seen;
    SkipWs();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      SkipWs();
      const char* key_at = p_;
      std::string key;
      if (p_ == end_ || *p_ != '"') return Fail("expected a string key");
      if (!ParseString(&key)) return false;
      if (!seen.insert(key).second) {
        return FailAt(key_at, absl::StrCat("duplicate map key \"", absl::CHexEscape(key), "\""));
      }
      if (!Expect(':', "':' after an object key")) return false;
      SkipWs();
      path_.push_back(PathElem{nullptr, -1, &*seen.find(key)});
      if (p_ != end_ && *p_ == 'n') {
        return Fail("null is not a valid map value");
      }
      Message* entry = r->AddMessage(m, f);
      if (key_f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return FailAt(key_at, "only string map keys are supported");
      }
      entry->GetReflection()->SetString(entry, key_f, key);
      if (!ParseScalarOrMessage(entry, value_f, false)) return false;
      path_.pop_back();
      SkipWs();
      if (p_ == end_) return Fail("the line ends inside an object");
      if (*p_ == ',') {
        ++p_;
        SkipWs();
        if (p_ != end_ && *p_ == '}') return Fail("trailing comma in an object");
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return Fail("expected ',' or '}' after an object member");
    }
  }

  bool ParseArray(Message* m, const FieldDescriptor* f) {
    if (p_ == end_ || *p_ != '[') return Fail("expected a JSON array (a repeated field)");
    if (!EnterNesting()) return false;
    ++p_;
    SkipWs();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return true;
    }
    for (int64_t i = 0;; ++i) {
      SkipWs();
      path_.back().index = i;
      if (p_ != end_ && *p_ == 'n') return Fail("null is not a valid element of a repeated field");
      if (!ParseScalarOrMessage(m, f, true)) return false;
      SkipWs();
      if (p_ == end_) return Fail("the line ends inside an array");
      if (*p_ == ',') {
        ++p_;
        SkipWs();
        if (p_ != end_ && *p_ == ']') return Fail("trailing comma in an array");
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        path_.back().index = -1;
        --depth_;
        return true;
      }
      return Fail("expected ',' or ']' after an array element");
    }
  }

  bool ParseObject(Message* m) {
    if (!EnterNesting()) return false;
    ++p_;  // '{'
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    int seen[32];
    int nseen = 0;
    SkipWs();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    std::string key;
    while (true) {
      SkipWs();
      const char* key_at = p_;
      if (p_ == end_) return Fail("the line ends inside an object");
      if (*p_ != '"') return Fail("expected a string key in double quotes");
      if (!ParseString(&key)) return false;
      const FieldDescriptor* f = FindField(d, key);
      if (f == nullptr) {
        return FailAt(key_at, absl::StrCat("unknown field \"", absl::CHexEscape(key), "\" (not in ",
                                           d->full_name(), ")"));
      }
      for (int i = 0; i < nseen; ++i) {
        if (seen[i] == f->number()) {
          return FailAt(key_at, absl::StrCat("duplicate key \"", absl::CHexEscape(key),
                                             "\": field ", f->name(), " is already set in this object"));
        }
      }
      if (nseen < 32) seen[nseen++] = f->number();
      if (!Expect(':', "':' after an object key")) return false;
      SkipWs();
      path_.push_back(PathElem{f, -1, nullptr});
      if (p_ != end_ && *p_ == 'n') {
        // null: the field stays at its default (proto3 JSON mapping).
        if (!Literal("null")) return false;
      } else {
        if (const auto* oneof = f->real_containing_oneof();
            oneof != nullptr && r->HasOneof(*m, oneof)) {
          return FailAt(key_at, absl::StrCat(
                                    "oneof ", oneof->name(), " is already set (to ",
                                    r->GetOneofFieldDescriptor(*m, oneof)->name(),
                                    "); an event has exactly one body"));
        }
        bool ok;
        if (f->is_map()) {
          ok = ParseMap(m, f);
        } else if (f->is_repeated()) {
          ok = ParseArray(m, f);
        } else {
          ok = ParseScalarOrMessage(m, f, false);
        }
        if (!ok) return false;
      }
      path_.pop_back();
      SkipWs();
      if (p_ == end_) return Fail("the line ends inside an object");
      if (*p_ == ',') {
        ++p_;
        SkipWs();
        if (p_ != end_ && *p_ == '}') return Fail("trailing comma in an object");
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return Fail("expected ',' or '}' after an object member");
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  JsonParseError* error_;
  int depth_ = 0;
  std::vector<PathElem> path_;
};

}  // namespace

bool ParseEventJson(absl::string_view line, enforcement::v1::Event* event,
                    JsonParseError* error) {
  if (size_t bad = FindInvalidUtf8(line); bad != absl::string_view::npos) {
    error->column = bad + 1;
    error->message = absl::StrCat("not valid UTF-8 at byte ", bad + 1, " of the line");
    return false;
  }
  event->Clear();
  Parser parser(line, error);
  return parser.ParseTop(event);
}

}  // namespace ingest
