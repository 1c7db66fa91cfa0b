#include "ingest/import_mapping.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "util/file_io.h"
#include "ledger/validate.h"
#include "ingest/ndjson.h"

namespace ingest {

using enforcement::v1::Event;
using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

namespace {

struct Step {
  const FieldDescriptor* field = nullptr;
  int index = -1;       // [N] on a repeated message field
  std::string key;      // [KEY] on a map field
  bool has_key = false;
};

enum class Kind { kColumn, kConst, kTemplate, kList, kDate };

}  // namespace

struct CsvMapping::Rule {
  int line = 0;
  std::string path;
  std::vector<Step> steps;
  Kind kind = Kind::kColumn;
  int column = -1;  // kColumn, kList, kDate
  std::string constant;
  // kTemplate: literal pieces and column indexes, alternating: pieces[i] is
  // followed by the cell of columns[i] (when i < columns.size()).
  std::vector<std::string> pieces;
  std::vector<int> columns;
  // For a Timestamp: the precision field beside it in the same message.
  const FieldDescriptor* precision = nullptr;
};

struct CsvMapping::DateFormat {
  std::string format;
  enforcement::v1::Precision precision;
};

CsvMapping::CsvMapping() = default;
CsvMapping::~CsvMapping() = default;

namespace {

bool IsTimestamp(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type() == google::protobuf::Timestamp::descriptor();
}

std::string UpperSnake(absl::string_view camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (i > 0 && absl::ascii_isupper(c)) out.push_back('_');
    out.push_back(absl::ascii_toupper(c));
  }
  return out;
}

// A cell for an enum: the value's name (ROLE_RINGLEADER), or without the
// enum's prefix in any case (ringleader, Ringleader).
const EnumValueDescriptor* FindEnumValue(const google::protobuf::EnumDescriptor* e,
                                         absl::string_view cell) {
  if (const EnumValueDescriptor* v = e->FindValueByName(std::string(cell))) return v;
  std::string upper = absl::AsciiStrToUpper(cell);
  for (char& c : upper) {
    if (c == ' ' || c == '-') c = '_';
  }
  if (const EnumValueDescriptor* v = e->FindValueByName(upper)) return v;
  return e->FindValueByName(absl::StrCat(UpperSnake(e->name()), "_", upper));
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The value of a run of ASCII digits. REQUIRES: AllDigits(s), at most 9 digits.
int DigitsValue(absl::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Parses a date cell. The built-in forms, strictly: YYYY (year), YYYY-MM
// (month), YYYY-MM-DD (day), RFC 3339 with a time (exact); then the
// mapping's date_format lines in order.
bool ParseDate(absl::string_view cell, const std::vector<CsvMapping::DateFormat>& formats,
               absl::Time* t, enforcement::v1::Precision* precision, std::string* why) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  int y = 0, m = 0, d = 0;
  auto in_range = [&](int year) { return year >= 1 && year <= 9999; };
  if (cell.size() == 4 && AllDigits(cell)) {
    y = DigitsValue(cell);
    if (in_range(y)) {
      *t = absl::FromCivil(absl::CivilYear(y), utc);
      *precision = enforcement::v1::PRECISION_YEAR;
      return true;
    }
  }
  if (cell.size() == 7 && cell[4] == '-' && AllDigits(cell.substr(0, 4)) &&
      AllDigits(cell.substr(5, 2))) {
    y = DigitsValue(cell.substr(0, 4));
    m = DigitsValue(cell.substr(5, 2));
    if (in_range(y) && m >= 1 && m <= 12) {
      *t = absl::FromCivil(absl::CivilMonth(y, m), utc);
      *precision = enforcement::v1::PRECISION_MONTH;
      return true;
    }
    *why = "is not a valid month";
    return false;
  }
  if (cell.size() == 10 && cell[4] == '-' && cell[7] == '-' && AllDigits(cell.substr(0, 4)) &&
      AllDigits(cell.substr(5, 2)) && AllDigits(cell.substr(8, 2))) {
    y = DigitsValue(cell.substr(0, 4));
    m = DigitsValue(cell.substr(5, 2));
    d = DigitsValue(cell.substr(8, 2));
    const absl::CivilDay day(y, m, d);
    if (in_range(y) && day.month() == m && day.day() == d) {
      *t = absl::FromCivil(day, utc);
      *precision = enforcement::v1::PRECISION_DAY;
      return true;
    }
    *why = "is not a valid day";
    return false;
  }
  if (cell.size() > 10 && cell[10] == 'T') {
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, cell, utc, t, &err)) {
      *precision = enforcement::v1::PRECISION_EXACT;
      return true;
    }
  }
  for (const CsvMapping::DateFormat& f : formats) {
    std::string err;
    if (absl::ParseTime(f.format, cell, utc, t, &err)) {
      *precision = f.precision;
      return true;
    }
  }
  std::string accepted = "YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339";
  for (const CsvMapping::DateFormat& f : formats) {
    absl::StrAppend(&accepted, ", ", EscapeControlCharacters(f.format));
  }
  *why = absl::StrCat("is not a date (accepted: ", accepted, ")");
  return false;
}

// Sets (or adds, for repeated fields) scalar field `f` of `m` from `cell`.
// On failure sets *why to the rule broken ("is not an integer", ...).
bool SetScalar(Message* m, const FieldDescriptor* f, absl::string_view cell, bool add,
               std::string* why) {
  const Reflection* r = m->GetReflection();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    if (FindInvalidUtf8(cell) != absl::string_view::npos) {
      *why = "is not valid UTF-8";
      return false;
    }
    add ? r->AddString(m, f, std::string(cell)) : r->SetString(m, f, std::string(cell));
    return true;
  }
  const absl::string_view v = absl::StripAsciiWhitespace(cell);
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_INT32: {
      int64_t x;
      const bool digits = AllDigits(absl::StripPrefix(v, "-"));
      if (!digits || !absl::SimpleAtoi(v, &x)) {
        *why = digits ? "is out of range" : "is not an integer (digits only, no separators)";
        return false;
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        if (x < INT32_MIN || x > INT32_MAX) {
          *why = "is out of range";
          return false;
        }
        add ? r->AddInt32(m, f, static_cast<int32_t>(x)) : r->SetInt32(m, f, static_cast<int32_t>(x));
      } else {
        add ? r->AddInt64(m, f, x) : r->SetInt64(m, f, x);
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint64_t x;
      if (!AllDigits(v) || !absl::SimpleAtoi(v, &x) ||
          (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32 && x > UINT32_MAX)) {
        *why = "is not a non-negative integer in range";
        return false;
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
        add ? r->AddUInt32(m, f, static_cast<uint32_t>(x)) : r->SetUInt32(m, f, static_cast<uint32_t>(x));
      } else {
        add ? r->AddUInt64(m, f, x) : r->SetUInt64(m, f, x);
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const std::string lower = absl::AsciiStrToLower(v);
      bool b;
      if (lower == "true" || lower == "yes" || lower == "1") {
        b = true;
      } else if (lower == "false" || lower == "no" || lower == "0") {
        b = false;
      } else {
        *why = "is not a boolean (true/false, yes/no, 1/0)";
        return false;
      }
      add ? r->AddBool(m, f, b) : r->SetBool(m, f, b);
      return true;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* e = FindEnumValue(f->enum_type(), v);
      if (e == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          names.push_back(f->enum_type()->value(i)->name());
        }
        *why = absl::StrCat("is not a value of ", f->enum_type()->full_name(), " (",
                            absl::StrJoin(names, ", "), ")");
        return false;
      }
      add ? r->AddEnum(m, f, e) : r->SetEnum(m, f, e);
      return true;
    }
    default:
      *why = "has a type the mapping cannot fill";
      return false;
  }
}

std::string CellText(absl::string_view cell) {
  constexpr size_t kMax = 80;
  std::string shown(cell.substr(0, kMax));
  return absl::StrCat("\"", absl::CHexEscape(shown), cell.size() > kMax ? "...\"" : "\"");
}

}  // namespace

absl::StatusOr<std::unique_ptr<CsvMapping>> CsvMapping::Load(
    const std::string& path, const std::vector<std::string>& header) {
  // Bounded, regular files only: --mapping /dev/zero or a FIFO is refused
  // at once (docs/FILES.md).
  absl::StatusOr<std::string> text = ledger::ReadWholeFile(path, ledger::kMaxMappingFileBytes);
  if (!text.ok()) return text.status();
  return Parse(*text, path, header);
}

absl::StatusOr<std::unique_ptr<CsvMapping>> CsvMapping::Parse(
    absl::string_view text, const std::string& name, const std::vector<std::string>& header) {
  std::unique_ptr<CsvMapping> m(new CsvMapping());
  m->header_ = header;
  absl::flat_hash_map<std::string, int> column_index;
  for (size_t i = 0; i < header.size(); ++i) column_index[header[i]] = static_cast<int>(i);
  std::vector<bool> used(header.size(), false);
  absl::flat_hash_set<std::string> paths;
  int line_no = 0;
  // Every message may quote the mapping's text (a field path, a source, a
  // precision, a column name): its control characters are escaped, so that
  // it cannot forge lines or send terminal escapes. Escaping is idempotent,
  // so parts escaped already are unchanged.
  auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", line_no, ": ", EscapeControlCharacters(what)));
  };
  auto column = [&](absl::string_view col, int* index) -> absl::Status {
    auto it = column_index.find(col);
    if (it == column_index.end()) {
      return error(absl::StrCat("no column \"", EscapeControlCharacters(col),
                                "\" in the CSV header (columns: ",
                                EscapeControlCharacters(absl::StrJoin(header, ", ")), ")"));
    }
    *index = it->second;
    used[it->second] = true;
    return absl::OkStatus();
  };
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  for (absl::string_view raw_line : absl::StrSplit(text, '\n')) {
    ++line_no;
    absl::string_view line = absl::StripAsciiWhitespace(raw_line);
    if (line.empty() || line[0] == '#') continue;
    if (absl::ConsumePrefix(&line, "ignore ")) {
      int index;
      if (absl::Status s = column(absl::StripAsciiWhitespace(line), &index); !s.ok()) return s;
      continue;
    }
    if (absl::ConsumePrefix(&line, "date_format ")) {
      const size_t sp = line.find_last_of(' ');
      if (sp == absl::string_view::npos) return error("date_format wants FORMAT PRECISION");
      const std::string prec = absl::AsciiStrToLower(line.substr(sp + 1));
      DateFormat f;
      f.format = std::string(absl::StripAsciiWhitespace(line.substr(0, sp)));
      if (prec == "exact") f.precision = enforcement::v1::PRECISION_EXACT;
      else if (prec == "day") f.precision = enforcement::v1::PRECISION_DAY;
      else if (prec == "month") f.precision = enforcement::v1::PRECISION_MONTH;
      else if (prec == "year") f.precision = enforcement::v1::PRECISION_YEAR;
      else return error(absl::StrCat("date_format precision must be exact, day, month or year, not \"", prec, "\""));
      m->date_formats_.push_back(std::move(f));
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return error("expected `<field path> = column|const|template|list|date ...`, "
                   "`ignore <column>` or `date_format <format> <precision>`");
    }
    Rule rule;
    rule.line = line_no;
    rule.path = std::string(absl::StripAsciiWhitespace(line.substr(0, eq)));
    absl::string_view rhs = absl::StripLeadingAsciiWhitespace(line.substr(eq + 1));
    // The field path.
    const Descriptor* d = Event::descriptor();
    std::vector<absl::string_view> parts = absl::StrSplit(rule.path, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      absl::string_view part = parts[i];
      Step step;
      if (const size_t br = part.find('['); br != absl::string_view::npos) {
        if (part.back() != ']') return error(absl::StrCat("bad field path ", rule.path));
        step.key = std::string(part.substr(br + 1, part.size() - br - 2));
        step.has_key = true;
        part = part.substr(0, br);
      }
      if (d == nullptr) {
        return error(absl::StrCat("field path ", rule.path, ": ", parts[i - 1],
                                  " has no fields"));
      }
      step.field = d->FindFieldByName(std::string(part));
      if (step.field == nullptr) {
        return error(absl::StrCat("field path ", rule.path, ": no field \"", part, "\" in ",
                                  d->full_name()));
      }
      const FieldDescriptor* f = step.field;
      const bool last = i + 1 == parts.size();
      if (f->is_map()) {
        if (!step.has_key || !last) {
          return error(absl::StrCat("field path ", rule.path, ": a map field is written ",
                                    part, "[KEY] and ends the path"));
        }
        d = nullptr;
      } else if (f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        int index;
        if (!step.has_key || !absl::SimpleAtoi(step.key, &index) || index < 0 || index > 1000) {
          return error(absl::StrCat("field path ", rule.path, ": a repeated message field is "
                                    "written ", part, "[N], N from 0"));
        }
        step.index = index;
        step.has_key = false;
        if (last) return error(absl::StrCat("field path ", rule.path, ": name a field of ", part, "[N]"));
        d = f->message_type();
      } else {
        if (step.has_key) {
          return error(absl::StrCat("field path ", rule.path, ": ", part, " is not a map or a repeated message"));
        }
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsTimestamp(f)) {
          if (last) {
            return error(absl::StrCat("field path ", rule.path, " is a message; name one of its fields"));
          }
          d = f->message_type();
        } else if (!last) {
          return error(absl::StrCat("field path ", rule.path, ": ", part, " has no fields"));
        } else {
          d = nullptr;
        }
      }
      rule.steps.push_back(std::move(step));
    }
    const FieldDescriptor* target = rule.steps.back().field;
    if (!paths.insert(rule.path).second) {
      return error(absl::StrCat(rule.path, " is mapped twice"));
    }
    if (IsTimestamp(target)) {
      const Descriptor* parent = target->containing_type();
      std::string base = target->name();
      if (absl::EndsWith(base, "_at")) base.resize(base.size() - 3);
      rule.precision = parent->FindFieldByName(base + "_precision");
    }
    // The source.
    const size_t sp = rhs.find(' ');
    const absl::string_view kind = rhs.substr(0, sp);
    const absl::string_view arg =
        sp == absl::string_view::npos ? absl::string_view() : absl::StripAsciiWhitespace(rhs.substr(sp + 1));
    if (kind == "column" || kind == "date" || kind == "list") {
      rule.kind = kind == "column" ? Kind::kColumn : kind == "date" ? Kind::kDate : Kind::kList;
      if (arg.empty()) return error(absl::StrCat(kind, " wants a column name"));
      if (absl::Status s = column(arg, &rule.column); !s.ok()) return s;
      if (rule.kind == Kind::kDate && !IsTimestamp(target)) {
        return error(absl::StrCat(rule.path, " is not a Timestamp; use column, not date"));
      }
      if (rule.kind == Kind::kList && !(target->is_repeated() && !target->is_map())) {
        return error(absl::StrCat(rule.path, " is not a repeated field; use column, not list"));
      }
    } else if (kind == "const") {
      rule.kind = Kind::kConst;
      rule.constant = std::string(arg);
      if (arg.empty()) return error("const wants a value");
    } else if (kind == "template") {
      rule.kind = Kind::kTemplate;
      absl::string_view t = arg;
      std::string piece;
      while (!t.empty()) {
        const size_t open = t.find('{');
        if (open == absl::string_view::npos) {
          absl::StrAppend(&piece, t);
          break;
        }
        absl::StrAppend(&piece, t.substr(0, open));
        const size_t close = t.find('}', open);
        if (close == absl::string_view::npos) return error("template: '{' without '}'");
        int index;
        if (absl::Status s = column(t.substr(open + 1, close - open - 1), &index); !s.ok()) return s;
        rule.pieces.push_back(std::move(piece));
        piece.clear();
        rule.columns.push_back(index);
        t.remove_prefix(close + 1);
      }
      rule.pieces.push_back(std::move(piece));
      if (target->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return error(absl::StrCat("template fills only string fields; ", rule.path, " is not one"));
      }
    } else {
      return error(absl::StrCat("unknown source \"", kind,
                                "\"; use column, const, template, list or date"));
    }
    m->rules_.push_back(std::move(rule));
  }
  // A precision field is filled by its date; mapping both would guess.
  for (const Rule& r : m->rules_) {
    if (r.precision == nullptr) continue;
    std::string prefix = r.path.substr(0, r.path.size() - r.steps.back().field->name().size());
    if (paths.contains(prefix + r.precision->name())) {
      line_no = r.line;
      return error(absl::StrCat(r.path, " sets ", prefix, r.precision->name(),
                                " from the date's form; do not map it too"));
    }
  }
  std::vector<std::string> unused;
  for (size_t i = 0; i < header.size(); ++i) {
    if (!used[i]) unused.push_back(absl::StrCat("\"", EscapeControlCharacters(header[i]), "\""));
  }
  if (!unused.empty()) {
    line_no = 0;
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": column", unused.size() > 1 ? "s " : " ", absl::StrJoin(unused, ", "),
        " of the CSV file ", unused.size() > 1 ? "are" : "is",
        " not used by the mapping; map ", unused.size() > 1 ? "them" : "it",
        " or add `ignore <column>` (nothing is dropped silently)"));
  }
  if (m->rules_.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": the mapping has no rules"));
  // Constants are checked once, now.
  Event scratch;
  std::vector<std::string> empty_fields(header.size());
  for (const Rule& r : m->rules_) {
    if (r.kind != Kind::kConst) continue;
    CsvMapping one;
    one.header_ = header;
    one.rules_.push_back(r);
    one.date_formats_ = m->date_formats_;
    std::string why;
    if (!one.Apply(empty_fields, &scratch, &why)) {
      line_no = r.line;
      return error(why);
    }
  }
  return m;
}

bool CsvMapping::Apply(const std::vector<std::string>& fields, Event* event,
                       std::string* error) const {
  event->Clear();
  // Which rule first filled each oneof, to name both on a conflict.
  struct OneofOwner {
    const Message* message;
    const OneofDescriptor* oneof;
    const Rule* rule;
  };
  std::vector<OneofOwner> owners;
  std::string value;
  // Every message names the rule's field path and column, which may hold
  // control characters (a map key, a header name): escaped here, once.
  auto fail = [error](absl::string_view message) {
    *error = EscapeControlCharacters(message);
    return false;
  };
  // The bytes of text put into string fields so far. The event serializes to
  // at least as many, so beyond kMaxEventBytes the row is refused before any
  // more is copied: a template of 5,000 references to a 1 MB cell, or many
  // rules copying one big cell, cannot make a multi-gigabyte event.
  uint64_t text_bytes = 0;
  for (const Rule& rule : rules_) {
    auto source = [&]() -> std::string {
      switch (rule.kind) {
        case Kind::kConst:
          return absl::StrCat("const of ", rule.path, " (mapping line ", rule.line, ")");
        case Kind::kTemplate:
          return absl::StrCat("template of ", rule.path);
        default:
          return absl::StrCat("column \"", header_[rule.column], "\" (", rule.path, ")");
      }
    };
    // Counts `text` into text_bytes; false when that is too much.
    auto count_text = [&](absl::string_view text) {
      text_bytes += text.size();
      if (text_bytes <= ledger::kMaxEventBytes) return true;
      return fail(absl::StrCat(source(), ": the row's text fields would hold ", text_bytes,
                               " bytes with this value, more than an event holds (",
                               ledger::kMaxEventBytes, " bytes)"));
    };
    absl::string_view cell;
    switch (rule.kind) {
      case Kind::kConst:
        cell = rule.constant;
        break;
      case Kind::kTemplate: {
        // The expanded size first, then the expansion: nothing is allocated
        // for a template that would not fit in an event.
        uint64_t expanded = 0;
        for (size_t i = 0; i < rule.pieces.size(); ++i) {
          expanded += rule.pieces[i].size();
          if (i < rule.columns.size()) {
            const std::string& c = fields[rule.columns[i]];
            if (c.empty()) {
              return fail(absl::StrCat("column \"", header_[rule.columns[i]],
                                       "\" is empty but the template of ", rule.path,
                                       " needs it"));
            }
            expanded += c.size();
          }
        }
        if (expanded > ledger::kMaxEventBytes) {
          return fail(absl::StrCat("template of ", rule.path, " expands to ", expanded,
                                   " bytes, more than an event holds (", ledger::kMaxEventBytes,
                                   " bytes)"));
        }
        value.clear();
        value.reserve(expanded);
        for (size_t i = 0; i < rule.pieces.size(); ++i) {
          value += rule.pieces[i];
          if (i < rule.columns.size()) value += fields[rule.columns[i]];
        }
        cell = value;
        break;
      }
      default:
        cell = fields[rule.column];
        break;
    }
    if (cell.empty()) continue;
    const FieldDescriptor* target = rule.steps.back().field;
    const bool text = (target->is_map() ? target->message_type()->map_value() : target)
                          ->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
    if (text && rule.kind != Kind::kList && !count_text(cell)) return false;
    // Walk to the message holding the target field.
    Message* m = event;
    for (size_t i = 0; i < rule.steps.size(); ++i) {
      const Step& step = rule.steps[i];
      const FieldDescriptor* f = step.field;
      const Reflection* r = m->GetReflection();
      if (const OneofDescriptor* o = f->real_containing_oneof(); o != nullptr) {
        const FieldDescriptor* set = r->GetOneofFieldDescriptor(*m, o);
        if (set != nullptr && set != f) {
          const Rule* first = nullptr;
          for (const OneofOwner& w : owners) {
            if (w.message == m && w.oneof == o) first = w.rule;
          }
          const std::string other =
              first == nullptr ? set->name()
              : first->kind == Kind::kConst
                  ? absl::StrCat("const of ", first->path)
                  : first->kind == Kind::kTemplate
                      ? absl::StrCat("template of ", first->path)
                      : absl::StrCat("column \"", header_[first->column], "\" (", first->path,
                                     ")");
          return fail(absl::StrCat(source(), " and ", other, " fill two members of oneof ",
                                   o->name(), " (", f->name(), " and ", set->name(),
                                   "); a row fills exactly one"));
        }
        if (set == nullptr) owners.push_back({m, o, &rule});
      }
      if (i + 1 == rule.steps.size()) break;
      if (f->is_repeated()) {
        while (r->FieldSize(*m, f) <= step.index) r->AddMessage(m, f);
        m = r->MutableRepeatedMessage(m, f, step.index);
      } else {
        m = r->MutableMessage(m, f);
      }
    }
    const Step& last = rule.steps.back();
    const FieldDescriptor* f = last.field;
    const Reflection* r = m->GetReflection();
    std::string why;
    bool ok = true;
    if (f->is_map()) {
      Message* entry = r->AddMessage(m, f);
      const Descriptor* ed = f->message_type();
      entry->GetReflection()->SetString(entry, ed->map_key(), last.key);
      ok = SetScalar(entry, ed->map_value(), cell, false, &why);
    } else if (IsTimestamp(f)) {
      absl::Time t;
      enforcement::v1::Precision precision;
      ok = ParseDate(absl::StripAsciiWhitespace(cell), date_formats_, &t, &precision, &why);
      if (ok) {
        auto* ts = static_cast<google::protobuf::Timestamp*>(r->MutableMessage(m, f));
        const absl::Duration since = t - absl::UnixEpoch();
        const int64_t secs = absl::ToInt64Seconds(absl::Floor(since, absl::Seconds(1)));
        ts->set_seconds(secs);
        ts->set_nanos(static_cast<int32_t>(
            absl::ToInt64Nanoseconds(since - absl::Seconds(secs))));
        if (rule.precision != nullptr) {
          r->SetEnum(m, rule.precision, rule.precision->enum_type()->FindValueByNumber(precision));
        }
      }
    } else if (f->is_repeated()) {
      if (rule.kind == Kind::kList) {
        for (absl::string_view item : absl::StrSplit(cell, ';')) {
          item = absl::StripAsciiWhitespace(item);
          if (item.empty()) continue;
          if (text && !count_text(item)) return false;
          if (!SetScalar(m, f, item, true, &why)) {
            ok = false;
            cell = item;
            break;
          }
        }
      } else {
        ok = SetScalar(m, f, cell, true, &why);
      }
    } else {
      ok = SetScalar(m, f, cell, false, &why);
    }
    if (!ok) {
      return fail(absl::StrCat(source(), ": ", CellText(cell), " ", why));
    }
  }
  return true;
}

}  // namespace ingest
