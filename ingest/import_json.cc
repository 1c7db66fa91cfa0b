#include "ingest/import_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "ingest/ndjson.h"
#include "util/utf8.h"

// The JSON syntax is read by simdjson's On Demand API: it finds the
// structure (objects, arrays, keys, colons, commas) and unescapes strings.
// Everything the proto3 mapping and our strictness add stays here: what a
// value may be for its field, duplicate keys, exact integers, timestamps,
// the depth limit, nulls. simdjson reads scalars lazily, so numbers and
// literals are read from their raw tokens (which also keeps the exact-integer
// rules on the digits), and every string token is first checked by
// util::CheckJsonString (lone surrogate escapes, which simdjson 3.0.1 does not
// all refuse, and exact columns for bad escapes).
//
// Columns: every error names the byte where it is. simdjson reports some
// errors without a place (a raw control character in a string, a string left
// open: found before parsing starts) or early (a line that does not end with
// its object's '}'). Such a line is parsed a second time from a repaired copy
// (see Repair) whose first bytes are at the same offsets: the parse stops at
// the first error in reading order, with its path and column, as a
// hand-written recursive descent parser would.

namespace ingest {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING, "simdjson needs more padding");

namespace {

namespace od = simdjson::ondemand;

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

using FieldMap = absl::flat_hash_map<std::string, const FieldDescriptor*>;

// The fields of message type `d` by both names.
const FieldMap& FieldsOf(const Descriptor* d) {
  static const FieldTable* const kTable = [] {
    auto* t = new FieldTable();
    AddFields(enforcement::v1::Event::descriptor(), t);
    return t;
  }();
  return kTable->at(d);  // every message type reachable from Event is there
}

// Looks `key` up among the fields of one object. Writers (protobuf's printer,
// `ledger export`) give the fields in declaration order, so the field after
// the previous one is tried first, without hashing.
class FieldFinder {
 public:
  explicit FieldFinder(const Descriptor* d) : d_(d), fields_(FieldsOf(d)) {}

  const FieldDescriptor* Find(absl::string_view key) {
    const FieldDescriptor* f = nullptr;
    if (next_ < d_->field_count()) {
      const FieldDescriptor* guess = d_->field(next_);
      if (key == guess->json_name() || key == guess->name()) f = guess;
    }
    if (f == nullptr) {
      auto it = fields_.find(key);
      if (it == fields_.end()) return nullptr;
      f = it->second;
    }
    next_ = f->index() + 1;
    return f;
  }

 private:
  const Descriptor* const d_;
  const FieldMap& fields_;
  int next_ = 0;
};

// One step of the path to the value being parsed, rendered only on error.
struct PathElem {
  const FieldDescriptor* field = nullptr;
  int64_t index = -1;             // element of a repeated field, or -1
  const std::string* key = nullptr;  // key of a map entry, or nullptr
};

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The copy of `line` that the second parse reads: raw control characters
// inside strings blanked (util::CheckJsonString still sees them in `line`),
// a string left open closed, and enough '}' appended for any object or
// array left open (the parser stops at the first token at or after the end
// of `line`: "the line ends inside ..."). Offsets below line.size() are
// unchanged.
void Repair(absl::string_view line, std::string* out) {
  out->assign(line.data(), line.size());
  const size_t n = out->size();
  bool in_string = false;
  bool escape_at_end = false;
  for (size_t i = 0; i < n; ++i) {
    char& c = (*out)[i];
    if (!in_string) {
      // As simdjson's indexer: a backslash escapes the next byte even here.
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = true;
      }
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\') {
      if (i + 1 == n) {
        escape_at_end = true;
      } else if (static_cast<unsigned char>((*out)[i + 1]) < 0x20) {
        (*out)[i + 1] = ' ';
      }
      ++i;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
  if (in_string) out->append(escape_at_end ? " \"" : "\"");
  out->append(static_cast<size_t>(kMaxJsonDepth) + 2, '}');
}

enum class Outcome { kOk, kFailed, kRepair };

class Parser {
 public:
  // `line`: the line as given. `buf`, `len`, `capacity`: what simdjson
  // reads: the line itself or a copy (a repaired one when `repair`), with
  // its first line.size() bytes at the same offsets.
  Parser(absl::string_view line, const char* buf, size_t len, size_t capacity, bool repair,
         JsonParseError* error)
      : line_(line), buf_(buf), buf_end_(buf + len), capacity_(capacity), repair_(repair),
        error_(error) {}

  Outcome Run(od::parser* parser, Message* m) {
    od::document doc;
    simdjson::error_code e =
        parser->iterate(buf_, static_cast<size_t>(buf_end_ - buf_), capacity_).get(doc);
    if (e == simdjson::UNESCAPED_CHARS || e == simdjson::UNCLOSED_STRING) {
      if (!repair_) return Outcome::kRepair;
    }
    const char* open = SkipWs(buf_);  // '{': ParseEventJson checked
    if (e != simdjson::SUCCESS) return Broken(open, e);
    doc_ = &doc;
    od::object obj;
    e = doc.get_object().get(obj);
    if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT && !repair_) return Outcome::kRepair;
    if (e != simdjson::SUCCESS) return Broken(open, e);
    if (!EnterNesting(open) || !ParseObjectBody(&obj, m, open)) return Outcome::kFailed;
    if (!AtEnd(next_)) {
      FailAt(next_, "unexpected data after the event's JSON object");
      return Outcome::kFailed;
    }
    return Outcome::kOk;
  }

  // The line was refused by simdjson in a way this parser did not place
  // (not expected to happen: every such case is checked before simdjson
  // sees it); still an error with a column.
  Outcome Broken(const char* at, simdjson::error_code e) {
    FailAt(at, absl::StrCat("invalid JSON (", simdjson::error_message(e), ")"));
    return Outcome::kFailed;
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
    error_->column = std::min<uint64_t>(Off(at), line_.size()) + 1;
    const std::string path = PathString();
    error_->message = path.empty() ? absl::StrCat(kPrefix, rule)
                                   : absl::StrCat(kPrefix, path, ": ", rule);
    return false;
  }

  // --- positions -------------------------------------------------------------
  uint64_t Off(const char* p) const { return static_cast<uint64_t>(p - buf_); }
  // Whether `p` is past the line's last byte (a byte Repair appended, or the end).
  bool AtEnd(const char* p) const { return Off(p) >= line_.size(); }
  const char* SkipWs(const char* p) const {
    while (p < buf_end_ && IsWs(*p)) ++p;
    return p;
  }
  // Where simdjson's iterator is: the next token, or the end.
  const char* Location() {
    const char* loc = nullptr;
    if (doc_->current_location().get(loc) != simdjson::SUCCESS) return buf_end_;
    return loc;
  }
  // The raw token of a value not yet read (scalars: without the whitespace after it).
  static absl::string_view Token(od::value& v) {
    const std::string_view t = v.raw_json_token();
    size_t n = t.size();
    while (n > 0 && IsWs(t[n - 1])) --n;
    return absl::string_view(t.data(), n);
  }

  // --- lexing ----------------------------------------------------------------
  // Checks the string token at `at` in the line's own bytes; sets *end past it.
  bool CheckString(const char* at, const char** end) {
    if (AtEnd(at)) return FailAt(at, "unterminated string");
    size_t pos = 0;
    const uint64_t off = Off(at);
    if (const char* rule = util::CheckJsonString(line_.substr(off), &pos)) {
      return FailAt(at + pos, rule);
    }
    *end = at + pos;
    return true;
  }

  // Whether the string whose text after the opening quote is at `raw` and
  // unescapes to `n` bytes needs CheckString: it has an escape (then one
  // is among its first n bytes), or this is the repaired parse (raw control
  // characters are blanked in its copy). Otherwise simdjson's indexer has
  // already refused raw control characters and unclosed strings.
  bool NeedsCheck(const char* raw, size_t n) const {
    return repair_ || std::memchr(raw, '\\', n) != nullptr;
  }

  // A JSON string value at `at` (which must be '"'), unescaped by simdjson
  // into *out (valid until the next parse).
  bool ReadString(od::value& v, const char* at, absl::string_view* out) {
    std::string_view s;
    const bool ok = v.get_string().get(s) == simdjson::SUCCESS;
    const char* end = nullptr;
    if (!ok || NeedsCheck(at + 1, s.size())) {
      if (!CheckString(at, &end)) return false;
      if (!ok) return FailAt(at, "invalid string");
      next_ = SkipWs(end);
    } else {
      end = at + 1 + s.size() + 1;  // no escapes: the text is the token's
      next_ = Location();
    }
    *out = absl::string_view(s.data(), s.size());
    string_end_ = end;
    return true;
  }

  // The key of `field` (its token at *key_at), checked as ReadString does.
  bool ReadKey(od::field& field, const char** key_at, absl::string_view* out) {
    const char* raw = reinterpret_cast<const char*>(field.key().raw());
    *key_at = raw - 1;
    std::string_view s;
    const bool ok = field.unescaped_key().get(s) == simdjson::SUCCESS;
    if (!ok || NeedsCheck(raw, s.size())) {
      const char* end = nullptr;
      if (!CheckString(*key_at, &end)) return false;
      if (!ok) return FailAt(*key_at, "invalid string");
    }
    *out = absl::string_view(s.data(), s.size());
    return true;
  }

  bool Literal(absl::string_view tok, absl::string_view word) {
    if (tok.substr(0, word.size()) != word) return FailAt(tok.data(), "invalid JSON value");
    next_ = SkipWs(tok.data() + word.size());
    return true;
  }

  // A JSON number at the start of `tok` (RFC 8259 grammar): *num is the
  // number's text. Sets *integral when it has neither fraction nor exponent.
  bool NumberToken(absl::string_view tok, absl::string_view* num, bool* integral) {
    const char* s = tok.data();
    const char* p = s;
    const char* const end = s + tok.size();
    if (p != end && *p == '-') ++p;
    if (p == end || !(*p >= '0' && *p <= '9')) return FailAt(s, "invalid JSON value");
    if (*p == '0') {
      ++p;
      if (p != end && *p >= '0' && *p <= '9') {
        return FailAt(s, "leading zeros are not allowed in JSON numbers");
      }
    } else {
      while (p != end && *p >= '0' && *p <= '9') ++p;
    }
    *integral = true;
    if (p != end && *p == '.') {
      *integral = false;
      ++p;
      if (p == end || !(*p >= '0' && *p <= '9')) return FailAt(p, "digit expected after '.'");
      while (p != end && *p >= '0' && *p <= '9') ++p;
    }
    if (p != end && (*p == 'e' || *p == 'E')) {
      *integral = false;
      ++p;
      if (p != end && (*p == '+' || *p == '-')) ++p;
      if (p == end || !(*p >= '0' && *p <= '9')) return FailAt(p, "digit expected in exponent");
      while (p != end && *p >= '0' && *p <= '9') ++p;
    }
    *num = absl::string_view(s, static_cast<size_t>(p - s));
    next_ = SkipWs(p);
    return true;
  }

  // --- values ----------------------------------------------------------------
  bool EnterNesting(const char* at) {
    if (++depth_ > kMaxJsonDepth) {
      return FailAt(at, absl::StrCat("nested deeper than ", kMaxJsonDepth, " levels"));
    }
    return true;
  }

  // Parses an integer value (JSON number or decimal string) into [lo, hi].
  bool ParseInteger(od::value& v, const char* at, int64_t lo, uint64_t hi, bool is_unsigned,
                    int64_t* sv, uint64_t* uv) {
    absl::string_view tok;
    bool integral = true;
    bool quoted = false;
    if (*at == '"') {
      quoted = true;
      absl::string_view text;
      if (!ReadString(v, at, &text)) return false;
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
      if (!NumberToken(Token(v), &tok, &integral)) return false;
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
  bool ParseTimestamp(od::value& v, const char* at, Message* ts) {
    absl::string_view s;
    if (*at != '"') return FailAt(at, "expected an RFC 3339 timestamp string");
    if (!ReadString(v, at, &s)) return false;
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
  // or map field), whose token starts at `at`, into message `m`.
  // `r` is m's reflection (asked once per object: each GetReflection() call
  // costs a descriptor lookup).
  bool ParseScalarOrMessage(od::value& v, const char* at, Message* m, const Reflection* r,
                            const FieldDescriptor* f, bool repeated) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (*at != '"') return FailAt(at, "expected a string");
        absl::string_view s;
        if (!ReadString(v, at, &s)) return false;
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          return FailAt(string_end_, "bytes fields are not supported");
        }
        repeated ? r->AddString(m, f, std::string(s)) : r->SetString(m, f, std::string(s));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_INT32: {
        const bool is64 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT64;
        int64_t n = 0;
        uint64_t unused;
        if (!ParseInteger(v, at,
                          is64 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min(),
                          is64 ? uint64_t{std::numeric_limits<int64_t>::max()}
                               : uint64_t{std::numeric_limits<int32_t>::max()},
                          false, &n, &unused)) {
          return false;
        }
        if (is64) {
          repeated ? r->AddInt64(m, f, n) : r->SetInt64(m, f, n);
        } else {
          repeated ? r->AddInt32(m, f, static_cast<int32_t>(n))
                   : r->SetInt32(m, f, static_cast<int32_t>(n));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64:
      case FieldDescriptor::CPPTYPE_UINT32: {
        const bool is64 = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        int64_t unused;
        uint64_t n = 0;
        if (!ParseInteger(v, at, 0,
                          is64 ? std::numeric_limits<uint64_t>::max() : std::numeric_limits<uint32_t>::max(),
                          true, &unused, &n)) {
          return false;
        }
        if (is64) {
          repeated ? r->AddUInt64(m, f, n) : r->SetUInt64(m, f, n);
        } else {
          repeated ? r->AddUInt32(m, f, static_cast<uint32_t>(n))
                   : r->SetUInt32(m, f, static_cast<uint32_t>(n));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool b;
        if (*at == 't') {
          if (!Literal(Token(v), "true")) return false;
          b = true;
        } else if (*at == 'f') {
          if (!Literal(Token(v), "false")) return false;
          b = false;
        } else {
          return FailAt(at, "expected true or false");
        }
        repeated ? r->AddBool(m, f, b) : r->SetBool(m, f, b);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* ev = nullptr;
        if (*at == '"') {
          absl::string_view name;
          if (!ReadString(v, at, &name)) return false;
          ev = f->enum_type()->FindValueByName(std::string(name));
          if (ev == nullptr) {
            return FailAt(at, absl::StrCat("\"", absl::CHexEscape(name), "\" is not a value of ",
                                           f->enum_type()->full_name()));
          }
        } else {
          int64_t n = 0;
          uint64_t unused;
          if (!ParseInteger(v, at, std::numeric_limits<int32_t>::min(),
                            uint64_t{std::numeric_limits<int32_t>::max()}, false, &n, &unused)) {
            return false;
          }
          ev = f->enum_type()->FindValueByNumber(static_cast<int>(n));
          if (ev == nullptr) {
            return FailAt(at, absl::StrCat(n, " is not a value of ", f->enum_type()->full_name()));
          }
        }
        repeated ? r->AddEnum(m, f, ev) : r->SetEnum(m, f, ev);
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* md = f->message_type();
        if (md == google::protobuf::Timestamp::descriptor()) {
          Message* sub = repeated ? r->AddMessage(m, f) : r->MutableMessage(m, f);
          return ParseTimestamp(v, at, sub);
        }
        if (md->file()->package() == "google.protobuf") {
          return FailAt(at, absl::StrCat(md->full_name(), " values are not supported"));
        }
        if (*at != '{') return FailAt(at, absl::StrCat("expected a JSON object (", md->name(), ")"));
        Message* sub = repeated ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        return ParseObject(v, at, sub);
      }
      default:
        return FailAt(at, "floating-point fields are not supported");
    }
  }

  // The error for a value of field `f` that is missing at `at` (the end of
  // the line), as ParseScalarOrMessage words it for a wrong first byte.
  bool NoValue(const char* at, const FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return FailAt(at, "expected a string");
      case FieldDescriptor::CPPTYPE_BOOL:
        return FailAt(at, "expected true or false");
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* md = f->message_type();
        if (md == google::protobuf::Timestamp::descriptor()) {
          return FailAt(at, "expected an RFC 3339 timestamp string");
        }
        if (md->file()->package() == "google.protobuf") {
          return FailAt(at, absl::StrCat(md->full_name(), " values are not supported"));
        }
        return FailAt(at, absl::StrCat("expected a JSON object (", md->name(), ")"));
      }
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return FailAt(at, "floating-point fields are not supported");
      default:
        return FailAt(at, "invalid JSON value");
    }
  }

  // After an object member: `next_` must be ',' or '}'.
  bool AfterMember() {
    if (AtEnd(next_)) return FailAt(next_, "the line ends inside an object");
    if (*next_ != ',' && *next_ != '}') {
      return FailAt(next_, "expected ',' or '}' after an object member");
    }
    return true;
  }

  // simdjson refused the start of an object member: the key (not a string)
  // or the ':' after it. `sep` is the '{' or ',' before the member.
  // `check_key(key_at, key)` applies the rules on the key that come before
  // the ':' in reading order (unknown field, duplicate key).
  template <typename CheckKey>
  bool MemberSyntax(const char* sep, bool map, CheckKey check_key) {
    const char* key = SkipWs(sep + 1);
    const char* loc = Location();
    if (loc == key || AtEnd(key) || *key != '"') {
      if (!map && AtEnd(key)) return FailAt(key, "the line ends inside an object");
      if (*sep == ',' && !AtEnd(key) && *key == '}') return FailAt(key, "trailing comma in an object");
      return FailAt(key, map ? "expected a string key" : "expected a string key in double quotes");
    }
    // The key is a string; the ':' after it is missing.
    const char* end = nullptr;
    if (!CheckString(key, &end)) return false;
    std::string unescaped;
    if (!UnescapeAlone(absl::string_view(key, static_cast<size_t>(end - key)), &unescaped)) {
      return FailAt(key, "invalid string");
    }
    if (!check_key(key, absl::string_view(unescaped))) return false;
    const char* colon = SkipWs(end);
    if (AtEnd(colon)) return FailAt(colon, "the line ends where ':' after an object key was expected");
    return FailAt(colon, "expected ':' after an object key");
  }

  // The value of a string token (checked by CheckString) read on its own,
  // by a second simdjson parser: only on the error path of MemberSyntax.
  static bool UnescapeAlone(absl::string_view token, std::string* out) {
    thread_local od::parser parser;
    simdjson::padded_string padded(token.data(), token.size());
    od::document doc;
    std::string_view s;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
        doc.get_string().get(s) != simdjson::SUCCESS) {
      return false;
    }
    out->assign(s.data(), s.size());
    return true;
  }

  bool ParseMap(od::value& v, const char* open, Message* m, const Reflection* r,
                const FieldDescriptor* f) {
    if (*open != '{') return FailAt(open, "expected a JSON object (a map)");
    if (!EnterNesting(open)) return false;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return FailAt(open, "invalid JSON object");
    const Reflection* entry_r = nullptr;  // the same for every entry
    const Descriptor* entry_d = f->message_type();
    const FieldDescriptor* key_f = entry_d->map_key();
    const FieldDescriptor* value_f = entry_d->map_value();
    absl::flat_hash_set<std::string> seen;
    auto check_key = [&](const char* key_at, absl::string_view key) {
      if (seen.contains(key)) {
        return FailAt(key_at, absl::StrCat("duplicate map key \"", absl::CHexEscape(key), "\""));
      }
      return true;
    };
    const char* sep = open;
    if (AtEnd(SkipWs(open + 1))) return MemberSyntax(sep, true, check_key);
    for (auto member : obj) {
      od::field field;
      if (std::move(member).get(field) != simdjson::SUCCESS) {
        return MemberSyntax(sep, true, check_key);
      }
      const char* key_at = nullptr;
      absl::string_view key_view;
      if (!ReadKey(field, &key_at, &key_view)) return false;
      std::string key(key_view);
      auto [it, inserted] = seen.insert(std::move(key));
      if (!inserted) {
        return FailAt(key_at, absl::StrCat("duplicate map key \"", absl::CHexEscape(*it), "\""));
      }
      od::value& value = field.value();
      const char* at = Token(value).data();
      path_.push_back(PathElem{nullptr, -1, &*it});
      if (*at == 'n') return FailAt(at, "null is not a valid map value");
      Message* entry = r->AddMessage(m, f);
      if (key_f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return FailAt(key_at, "only string map keys are supported");
      }
      if (entry_r == nullptr) entry_r = entry->GetReflection();
      entry_r->SetString(entry, key_f, *it);
      if (!ParseScalarOrMessage(value, at, entry, entry_r, value_f, false)) return false;
      path_.pop_back();
      if (!AfterMember()) return false;
      sep = next_;
    }
    --depth_;
    next_ = Location();
    return true;
  }

  bool ParseArray(od::value& v, const char* open, Message* m, const Reflection* r,
                  const FieldDescriptor* f) {
    if (*open != '[') return FailAt(open, "expected a JSON array (a repeated field)");
    if (!EnterNesting(open)) return false;
    if (const char* first = SkipWs(open + 1); AtEnd(first)) {
      path_.back().index = 0;
      return NoValue(first, f);
    }
    od::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return FailAt(open, "invalid JSON array");
    int64_t i = 0;
    const char* sep = open;
    for (auto element : arr) {
      od::value value;
      if (std::move(element).get(value) != simdjson::SUCCESS) {
        // Separators are checked below, so simdjson refused the element
        // itself: the line ends where it should be.
        path_.back().index = i;
        return NoValue(SkipWs(sep + 1), f);
      }
      const char* at = Token(value).data();
      if (*at == ']' && !AtEnd(at)) return FailAt(at, "trailing comma in an array");
      path_.back().index = i++;
      if (*at == 'n') return FailAt(at, "null is not a valid element of a repeated field");
      if (!ParseScalarOrMessage(value, at, m, r, f, true)) return false;
      if (AtEnd(next_)) return FailAt(next_, "the line ends inside an array");
      if (*next_ != ',' && *next_ != ']') {
        return FailAt(next_, "expected ',' or ']' after an array element");
      }
      sep = next_;
    }
    path_.back().index = -1;
    --depth_;
    next_ = Location();
    return true;
  }

  bool ParseObject(od::value& v, const char* open, Message* m) {
    if (!EnterNesting(open)) return false;
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) return FailAt(open, "invalid JSON object");
    return ParseObjectBody(&obj, m, open);
  }

  // The members of an object (its '{' at `open`; depth already counted).
  bool ParseObjectBody(od::object* obj, Message* m, const char* open) {
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    int seen[32];
    int nseen = 0;
    FieldFinder finder(d);
    // Unknown field, then duplicate key: the rules on a key, in this order.
    auto check_key = [&](const char* key_at, absl::string_view key,
                         const FieldDescriptor** out) {
      const FieldDescriptor* f = finder.Find(key);
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
      *out = f;
      return true;
    };
    auto check_key_only = [&](const char* key_at, absl::string_view key) {
      const FieldDescriptor* unused;
      return check_key(key_at, key, &unused);
    };
    const char* sep = open;
    if (AtEnd(SkipWs(open + 1))) return MemberSyntax(sep, false, check_key_only);
    for (auto member : *obj) {
      od::field field;
      if (std::move(member).get(field) != simdjson::SUCCESS) {
        return MemberSyntax(sep, false, check_key_only);
      }
      const char* key_at = nullptr;
      absl::string_view key;
      if (!ReadKey(field, &key_at, &key)) return false;
      const FieldDescriptor* f = nullptr;
      if (!check_key(key_at, key, &f)) return false;
      if (nseen < 32) seen[nseen++] = f->number();
      od::value& value = field.value();
      const char* at = Token(value).data();
      path_.push_back(PathElem{f, -1, nullptr});
      if (*at == 'n') {
        // null: the field stays at its default (proto3 JSON mapping).
        if (!Literal(Token(value), "null")) return false;
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
          ok = ParseMap(value, at, m, r, f);
        } else if (f->is_repeated()) {
          ok = ParseArray(value, at, m, r, f);
        } else {
          ok = ParseScalarOrMessage(value, at, m, r, f, false);
        }
        if (!ok) return false;
      }
      path_.pop_back();
      if (!AfterMember()) return false;
      sep = next_;
    }
    --depth_;
    next_ = Location();
    return true;
  }

  const absl::string_view line_;
  const char* const buf_;
  const char* const buf_end_;
  const size_t capacity_;
  const bool repair_;
  JsonParseError* const error_;
  od::document* doc_ = nullptr;
  int depth_ = 0;
  std::vector<PathElem> path_;
  const char* next_ = nullptr;        // the token after the value just read
  const char* string_end_ = nullptr;  // past the string token just read
};

// One simdjson parser per thread (its buffers are reused from line to line),
// and the copies of lines that come without padding.
struct ThreadState {
  od::parser parser;
  std::string copy;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

// REQUIRES: `buf` holds `line` followed by at least SIMDJSON_PADDING readable
// bytes, the first of them 0 (a std::string's terminator).
bool Parse(absl::string_view line, const char* buf, size_t capacity,
           enforcement::v1::Event* event, JsonParseError* error) {
  if (size_t bad = FindInvalidUtf8(line); bad != absl::string_view::npos) {
    error->column = bad + 1;
    error->message = absl::StrCat("not valid UTF-8 at byte ", bad + 1, " of the line");
    return false;
  }
  event->Clear();
  size_t i = 0;
  while (i < line.size() && IsWs(line[i])) ++i;
  auto fail = [&](size_t at, absl::string_view rule) {
    error->column = at + 1;
    error->message = absl::StrCat(kPrefix, rule);
    return false;
  };
  if (i == line.size()) return fail(i, "the line holds no JSON value");
  if (line[i] != '{') {
    if (line.substr(i, 3) == "\xEF\xBB\xBF") {
      return fail(i, "a byte order mark (U+FEFF) is only allowed at the start of the file");
    }
    return fail(i, "expected a JSON object (one event per line)");
  }
  ThreadState& state = State();
  {
    Parser parser(line, buf, line.size(), capacity, false, error);
    const Outcome outcome = parser.Run(&state.parser, event);
    if (outcome != Outcome::kRepair) return outcome == Outcome::kOk;
  }
  // A control character in a string, a string left open, or a line that
  // does not end with its object's '}': parsed again from a repaired copy,
  // to find the first error in reading order with its path and column.
  std::string repaired;
  Repair(line, &repaired);
  repaired.reserve(repaired.size() + kJsonPadding);
  event->Clear();
  Parser parser(line, repaired.data(), repaired.size(), repaired.capacity(), true, error);
  if (parser.Run(&state.parser, event) != Outcome::kOk) return false;
  // Not expected: the repaired copy parsed although the line did not.
  error->column = line.size() + 1;
  error->message = absl::StrCat(kPrefix, "invalid JSON");
  return false;
}

}  // namespace

bool ParseEventJson(absl::string_view line, enforcement::v1::Event* event,
                    JsonParseError* error) {
  std::string& copy = State().copy;
  copy.reserve(line.size() + kJsonPadding);
  copy.assign(line.data(), line.size());
  return Parse(line, copy.data(), copy.capacity(), event, error);
}

bool ParseEventJsonInPlace(const std::string& line, enforcement::v1::Event* event,
                           JsonParseError* error) {
  if (line.capacity() - line.size() < kJsonPadding) return ParseEventJson(line, event, error);
  return Parse(line, line.data(), line.capacity(), event, error);
}

}  // namespace ingest
