// Stateless validation of an Event: SPEC §3 and the invariants written next to
// the fields of proto/enforcement/v1/event.proto.
//
// This runs on the append hot path, so a valid event costs no allocation
// (except the uniqueness check of a handover listing more than
// kLinearScanLimit suspect ids). Field paths are a chain of FieldPath nodes on
// the stack; they are rendered to text, and values quoted, only when a rule
// fails. Rules are checked envelope first (event_id, stream, occurred_at,
// source), then the body, then (format 2) the personal fields and entries,
// then the serialized size; within a message mostly in field order. The first
// failure is returned.
//
// Format 2 (docs/PERSONAL_DATA.md) adds the rules on Event.personal, the
// subject ids and the Erasure body (validate.h); a valid format-2 event costs
// no allocation either (paths of personal fields are rendered on the stack).
//
// Choices where SPEC and the proto are silent:
// - Control characters are C0, DEL and C1 (U+0080..U+009F); other UTF-8 is
//   fine. No text field holds one (SPEC §8), also in a correction's
//   replacement, whose envelope is otherwise ignored.
// - Identifiers (event_id, stream, target_event_id, suspect, operation and
//   case ids, a figure's metric) hold no bidirectional control either
//   (util/text.h): an id must display as the bytes it is. Free text may
//   (right-to-left scripts use them); printing escapes them.
// - Counts and amounts have upper bounds (validate.h, docs/DATA_MODEL.md), so
//   that no sum over a log can be mistaken for, or wrap to, another figure.
// - Timestamps anywhere (also source.published_at) must lie in years
//   1900..9999 with nanos in 0..999999999.
// - A precision without its timestamp (e.g. offence_to_precision without
//   offence_to) is refused rather than silently ignored.
// - A period ends at the end of the unit its `to` names: from 2019-04-15 (DAY)
//   to 2019-04 (MONTH) is valid; to 2019-03 (MONTH) ends before it starts.
// - Enum fields must hold a value the proto declares (Role, Instance, Precision).
// - A handover moves at least one person (suspects_count >= 1).
// - In detained_by_nationality (unordered), the smallest bad key is reported.
#include "ledger/validate.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/money.h"
#include "util/text.h"
#include "util/time_format.h"

namespace ledger {
namespace {

using ::enforcement::v1::Agency;
using ::enforcement::v1::Release;
using ::enforcement::v1::Arrest;
using ::enforcement::v1::Correction;
using ::enforcement::v1::Erasure;
using ::enforcement::v1::Event;
using ::enforcement::v1::Handover;
using ::enforcement::v1::Location;
using ::enforcement::v1::Money;
using ::enforcement::v1::Precision;
using ::enforcement::v1::Raid;
using ::enforcement::v1::ReportedFigure;
using ::enforcement::v1::Retraction;
using ::enforcement::v1::Sentencing;
using ::enforcement::v1::Source;
using ::enforcement::v1::Suspect;
using ::google::protobuf::Timestamp;

#define LEDGER_RETURN_IF_ERROR(expr)   \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

inline constexpr size_t kMaxEventIdBytes = 256;
inline constexpr size_t kMaxStreamNameBytes = 512;
// Timestamps are accepted from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
inline constexpr int64_t kMinSeconds = -2208988800;
inline constexpr int64_t kMaxSeconds = 253402300799;
inline constexpr int32_t kMaxNanos = 999999999;
// Up to this many suspect ids are checked for repeats pairwise, without
// allocating; longer lists use a hash map.
inline constexpr int kLinearScanLimit = 16;
// Values echoed in a message are cut to this many bytes.
inline constexpr size_t kMaxQuotedBytes = 64;

// `value` as a C-escaped, double-quoted string, cut (at a UTF-8 boundary) to
// kMaxQuotedBytes so that a huge field cannot make a huge message.
std::string Quote(absl::string_view value) {
  if (value.size() <= kMaxQuotedBytes) {
    return absl::StrCat("\"", EscapeText(value, /*quoted=*/true), "\"");
  }
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat("\"", EscapeText(value.substr(0, cut), /*quoted=*/true), "\"... (", value.size(),
                      " bytes)");
}

// A field path from the Event root, e.g. `raid.agencies[1].country`, as a
// chain of nodes, each referring to its parent and to its name and map key
// (which must outlive it). Build a child as a call argument
// (`Check(x, at.Field("x"))`) or as a named local from a longer-lived parent;
// never store a chain of temporaries (`auto p = at.Field("a").Field("b")`).
class FieldPath {
 public:
  static FieldPath Root() { return FieldPath(nullptr, {}, -1, nullptr); }

  FieldPath Field(absl::string_view name) const { return FieldPath(this, name, -1, nullptr); }
  // Element `index` of the repeated field `name`: `name[index]`.
  FieldPath Element(absl::string_view name, int index) const {
    return FieldPath(this, name, index, nullptr);
  }
  // The entry `key` of the map field `name`: `name["key"]`.
  FieldPath Entry(absl::string_view name, const std::string& key) const {
    return FieldPath(this, name, -1, &key);
  }

  std::string ToString() const {
    std::string out;
    AppendTo(out);
    return out;
  }

 private:
  FieldPath(const FieldPath* parent, absl::string_view name, int index, const std::string* key)
      : parent_(parent), name_(name), index_(index), key_(key) {}

  void AppendTo(std::string& out) const {
    if (parent_ != nullptr) parent_->AppendTo(out);
    if (name_.empty()) return;  // the root
    if (!out.empty()) out += '.';
    out.append(name_.data(), name_.size());
    if (index_ >= 0) absl::StrAppend(&out, "[", index_, "]");
    if (key_ != nullptr) absl::StrAppend(&out, "[", Quote(*key_), "]");
  }

  const FieldPath* parent_;
  absl::string_view name_;
  int index_;               // >= 0 for an element of a repeated field
  const std::string* key_;  // non-null for an entry of a map field
};

// The refusal "<path>: <rule...>".
template <typename... Rule>
ABSL_ATTRIBUTE_NOINLINE absl::Status Invalid(const FieldPath& at, const Rule&... rule) {
  return absl::InvalidArgumentError(absl::StrCat(at.ToString(), ": ", rule...));
}

// --- strings and codes ------------------------------------------------------

// Text: no control character (SPEC §8).
absl::Status CheckText(absl::string_view s, const FieldPath& at) {
  const TextFault fault = FindControlCharacter(s);
  if (!fault.found()) return absl::OkStatus();
  return Invalid(at, absl::StrFormat("control character U+%04X at byte %d of ", fault.code_point,
                                     fault.offset),
                 Quote(s), " (text carries no control characters)");
}

// An identifier: no control character and no bidirectional control.
absl::Status CheckIdentifier(absl::string_view s, const FieldPath& at) {
  const TextFault fault = FindControlOrBidi(s);
  if (!fault.found()) return absl::OkStatus();
  if (!fault.bidi) return CheckText(s, at);
  return Invalid(at, absl::StrFormat("bidirectional control U+%04X at byte %d of ",
                                     fault.code_point, fault.offset),
                 Quote(s), " (identifiers carry no direction controls)");
}

absl::Status CheckRequired(absl::string_view value, const FieldPath& at) {
  if (value.empty()) return Invalid(at, "must be set");
  return absl::OkStatus();
}

// " (codes are upper case: \"CN\")" when the upper-cased `code` would pass.
std::string UpperCaseHint(absl::string_view code, bool (*is_code)(absl::string_view)) {
  const std::string upper = absl::AsciiStrToUpper(code);
  if (upper != code && is_code(upper)) {
    return absl::StrCat(" (codes are upper case: ", Quote(upper), ")");
  }
  return "";
}

absl::Status NotCountry(absl::string_view code, const FieldPath& at) {
  return Invalid(at, Quote(code), " is not an ISO 3166-1 alpha-2 code",
                 UpperCaseHint(code, IsCountryCode));
}

}  // namespace

absl::Status CheckCountryFilter(absl::string_view code, absl::string_view what) {
  if (IsCountryCode(code)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", Quote(code),
                                                 " is not an ISO 3166-1 alpha-2 code",
                                                 UpperCaseHint(code, IsCountryCode)));
}

namespace {

// A country code "when set": empty is fine.
absl::Status CheckOptionalCountry(absl::string_view code, const FieldPath& at) {
  if (code.empty() || IsCountryCode(code)) return absl::OkStatus();
  return NotCountry(code, at);
}

absl::Status CheckRequiredCountry(absl::string_view code, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckRequired(code, at));
  return CheckOptionalCountry(code, at);
}

// --- numbers and enums ------------------------------------------------------

// A count or amount: 0..bound.
absl::Status CheckBounded(int64_t value, int64_t bound, const FieldPath& at) {
  if (value < 0) return Invalid(at, value, " is negative");
  if (value > bound) return Invalid(at, value, " is more than the bound ", bound);
  return absl::OkStatus();
}

// `part` (the field at `at`) is at most `whole`, the field named `whole_name`.
absl::Status CheckNotMoreThan(int64_t part, int64_t whole, absl::string_view whole_name,
                              const FieldPath& at) {
  if (part > whole) return Invalid(at, part, " is more than ", whole_name, " ", whole);
  return absl::OkStatus();
}

// An enum field holds one of the values its proto declares (proto3 enums are
// open: a parser keeps unknown numbers).
absl::Status CheckKnownEnum(int value, bool (*is_valid)(int), absl::string_view type,
                            const FieldPath& at) {
  if (!is_valid(value)) return Invalid(at, value, " is not a known ", type);
  return absl::OkStatus();
}

// --- dates ------------------------------------------------------------------

using util::ToAbslTime;
std::string FormatTimestamp(const Timestamp& ts) { return util::FormatRfc3339(ts); }

absl::string_view UnitName(Precision precision) {
  switch (precision) {
    case enforcement::v1::PRECISION_DAY:
      return "day";
    case enforcement::v1::PRECISION_MONTH:
      return "month";
    case enforcement::v1::PRECISION_YEAR:
      return "year";
    default:
      return "instant";
  }
}

// Whether `ts` is the first instant (UTC) of the day, month or year it names.
// REQUIRES: `ts` passed CheckTimestamp and `precision` is a known value.
bool IsFirstInstant(const Timestamp& ts, Precision precision) {
  if (precision == enforcement::v1::PRECISION_EXACT) return true;
  // UTC has no leap seconds in Unix time: midnight is a multiple of 86400.
  constexpr int64_t kSecondsPerDay = 86400;
  if (ts.nanos() != 0 || ts.seconds() % kSecondsPerDay != 0) return false;
  if (precision == enforcement::v1::PRECISION_DAY) return true;
  const absl::CivilDay day =
      absl::ToCivilDay(absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
  switch (precision) {
    case enforcement::v1::PRECISION_MONTH:
      return day.day() == 1;
    case enforcement::v1::PRECISION_YEAR:
      return day.day() == 1 && day.month() == 1;
    default:
      return false;
  }
}

// The instant just after the unit that `ts` names at `precision` (for EXACT,
// `ts` itself). REQUIRES: as IsFirstInstant.
absl::Time UnitEnd(const Timestamp& ts, Precision precision) {
  const absl::Time t = ToAbslTime(ts);
  const absl::TimeZone utc = absl::UTCTimeZone();
  switch (precision) {
    case enforcement::v1::PRECISION_DAY:
      return absl::FromCivil(absl::ToCivilDay(t, utc) + 1, utc);
    case enforcement::v1::PRECISION_MONTH:
      return absl::FromCivil(absl::ToCivilMonth(t, utc) + 1, utc);
    case enforcement::v1::PRECISION_YEAR:
      return absl::FromCivil(absl::ToCivilYear(t, utc) + 1, utc);
    default:
      return t;
  }
}

// A well-formed Timestamp within years 1900..9999.
absl::Status CheckTimestamp(const Timestamp& ts, const FieldPath& at) {
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds) {
    return Invalid(at.Field("seconds"), ts.seconds(), " is outside years 1900..9999");
  }
  if (ts.nanos() < 0 || ts.nanos() > kMaxNanos) {
    return Invalid(at.Field("nanos"), ts.nanos(), " is outside 0..999999999");
  }
  return absl::OkStatus();
}

// A date: the Timestamp field `ts_field` of the message at `at`, with its
// Precision field `precision_field`. When the timestamp is set its precision
// is required and it is the first instant of its unit; a precision without a
// timestamp is refused (it would be silently ignored).
absl::Status CheckDate(bool has_ts, const Timestamp& ts, Precision precision, bool required,
                       const FieldPath& at, absl::string_view ts_field,
                       absl::string_view precision_field) {
  const FieldPath ts_path = at.Field(ts_field);
  if (!has_ts) {
    if (required) return Invalid(ts_path, "must be set");
    if (precision != enforcement::v1::PRECISION_UNSPECIFIED) {
      return Invalid(at.Field(precision_field), "is set without ", ts_field);
    }
    return absl::OkStatus();
  }
  LEDGER_RETURN_IF_ERROR(CheckTimestamp(ts, ts_path));
  const FieldPath precision_path = at.Field(precision_field);
  if (precision == enforcement::v1::PRECISION_UNSPECIFIED) {
    return Invalid(precision_path, "must be set (PRECISION_UNSPECIFIED is refused)");
  }
  LEDGER_RETURN_IF_ERROR(
      CheckKnownEnum(precision, enforcement::v1::Precision_IsValid, "Precision", precision_path));
  if (!IsFirstInstant(ts, precision)) {
    return Invalid(ts_path, FormatTimestamp(ts), " is not the first instant of a ",
                   UnitName(precision), " (", enforcement::v1::Precision_Name(precision), ")");
  }
  return absl::OkStatus();
}

// A period does not end before it starts: the unit named by `to` (at its
// precision) does not end before `from`. Both dates passed CheckDate; either
// may be absent.
absl::Status CheckPeriodOrder(bool has_from, const Timestamp& from, bool has_to,
                              const Timestamp& to, Precision to_precision, const FieldPath& at,
                              absl::string_view from_field, absl::string_view to_field) {
  if (!has_from || !has_to) return absl::OkStatus();
  const absl::Time start = ToAbslTime(from);
  if (ToAbslTime(to) >= start) return absl::OkStatus();  // the common case, no civil arithmetic
  // `to` is earlier than `from`; at DAY/MONTH/YEAR its unit may still reach it.
  if (to_precision != enforcement::v1::PRECISION_EXACT && UnitEnd(to, to_precision) > start) {
    return absl::OkStatus();
  }
  return Invalid(at.Field(to_field), FormatTimestamp(to), " (",
                 enforcement::v1::Precision_Name(to_precision), ") ends before ", from_field, " ",
                 FormatTimestamp(from), " starts");
}

// --- envelope ---------------------------------------------------------------

absl::Status CheckEventId(absl::string_view id, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckRequired(id, at));
  if (id.size() > kMaxEventIdBytes) {
    return Invalid(at, id.size(), " bytes, more than the ", kMaxEventIdBytes, "-byte limit");
  }
  return CheckIdentifier(id, at);
}

bool IsStreamKind(absl::string_view kind) {
  return kind == "operation" || kind == "suspect" || kind == "case" || kind == "handover" ||
         kind == "figure";
}

absl::Status CheckStream(absl::string_view stream, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckRequired(stream, at));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(stream, at));
  const size_t slash = stream.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid(at, Quote(stream), " is not \"<kind>/<name>\"");
  }
  const absl::string_view kind = stream.substr(0, slash);
  if (!IsStreamKind(kind)) {
    return Invalid(at, "unknown kind ", Quote(kind),
                   " (expected operation, suspect, case, handover or figure)");
  }
  const absl::string_view name = stream.substr(slash + 1);
  if (name.empty()) return Invalid(at, Quote(stream), " has an empty name");
  if (name.size() > kMaxStreamNameBytes) {
    return Invalid(at, "name is ", name.size(), " bytes, more than the ", kMaxStreamNameBytes,
                   "-byte limit");
  }
  return absl::OkStatus();
}

absl::Status CheckSourceText(const Source& source, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckText(source.publisher(), at.Field("publisher")));
  LEDGER_RETURN_IF_ERROR(CheckText(source.title(), at.Field("title")));
  LEDGER_RETURN_IF_ERROR(CheckText(source.url(), at.Field("url")));
  return CheckText(source.reference(), at.Field("reference"));
}

absl::Status ValidateSource(const Event& event, const FieldPath& root) {
  const FieldPath at = root.Field("source");
  if (!event.has_source()) return Invalid(at, "must be set (with publisher or reference)");
  const Source& source = event.source();
  if (source.publisher().empty() && source.reference().empty()) {
    return Invalid(at, "publisher or reference must be set");
  }
  LEDGER_RETURN_IF_ERROR(CheckSourceText(source, at));
  if (source.has_published_at()) {
    LEDGER_RETURN_IF_ERROR(CheckTimestamp(source.published_at(), at.Field("published_at")));
  }
  return absl::OkStatus();
}

// The envelope of a correction's replacement is ignored, but it is text of
// the log all the same.
absl::Status CheckReplacementEnvelopeText(const Event& r, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(r.event_id(), at.Field("event_id")));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(r.stream(), at.Field("stream")));
  LEDGER_RETURN_IF_ERROR(CheckText(r.recorded_by(), at.Field("recorded_by")));
  return CheckSourceText(r.source(), at.Field("source"));
}

// --- shared messages --------------------------------------------------------

absl::Status ValidateLocation(const Location& location, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckText(location.place(), at.Field("place")));
  LEDGER_RETURN_IF_ERROR(CheckText(location.region(), at.Field("region")));
  return CheckOptionalCountry(location.country(), at.Field("country"));
}

absl::Status ValidateAgency(const Agency& agency, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckText(agency.name(), at.Field("name")));
  return CheckOptionalCountry(agency.country(), at.Field("country"));
}

absl::Status ValidateMoney(const Money& money, const FieldPath& at) {
  const FieldPath currency = at.Field("currency");
  LEDGER_RETURN_IF_ERROR(CheckRequired(money.currency(), currency));
  if (!IsCurrencyCode(money.currency())) {
    return Invalid(currency, Quote(money.currency()), " is not an active ISO 4217 currency code",
                   UpperCaseHint(money.currency(), IsCurrencyCode));
  }
  return CheckBounded(money.minor_units(), kMaxMinorUnits, at.Field("minor_units"));
}

absl::Status ValidateSuspect(const Suspect& suspect, const FieldPath& at) {
  const FieldPath id = at.Field("suspect_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(suspect.suspect_id(), id));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(suspect.suspect_id(), id));
  LEDGER_RETURN_IF_ERROR(CheckText(suspect.name(), at.Field("name")));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(suspect.nationality(), at.Field("nationality")));
  return CheckKnownEnum(suspect.role(), enforcement::v1::Role_IsValid, "Role", at.Field("role"));
}

// --- bodies -----------------------------------------------------------------

// Keys are countries, counts are within 0..kMaxPeople and sum to no more
// than the total. REQUIRES: suspects_detained is within its bound.
absl::Status ValidateNationalityBreakdown(const Raid& raid, const FieldPath& at) {
  // At most 249 valid keys of at most kMaxPeople each: the sum fits.
  uint64_t sum = 0;
  const std::string* first_bad = nullptr;
  for (const auto& [nationality, count] : raid.detained_by_nationality()) {
    if (!IsCountryCode(nationality) || count < 0 || count > kMaxPeople) {
      // Map order is unspecified: report the smallest bad key, for a stable message.
      if (first_bad == nullptr || nationality < *first_bad) first_bad = &nationality;
      continue;
    }
    sum += static_cast<uint64_t>(count);
  }
  if (first_bad != nullptr) {
    const FieldPath entry = at.Entry("detained_by_nationality", *first_bad);
    if (!IsCountryCode(*first_bad)) return NotCountry(*first_bad, entry);
    return CheckBounded(raid.detained_by_nationality().at(*first_bad), kMaxPeople, entry);
  }
  const int64_t total = raid.suspects_detained();
  if (sum > static_cast<uint64_t>(total)) {
    return Invalid(at.Field("detained_by_nationality"), "counts sum to ", sum,
                   ", more than suspects_detained ", total);
  }
  return absl::OkStatus();
}

absl::Status ValidateRaid(const Raid& raid, const FieldPath& at) {
  const FieldPath operation = at.Field("operation_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(raid.operation_id(), operation));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(raid.operation_id(), operation));
  LEDGER_RETURN_IF_ERROR(ValidateLocation(raid.location(), at.Field("location")));
  for (int i = 0; i < raid.agencies_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(ValidateAgency(raid.agencies(i), at.Element("agencies", i)));
  }
  LEDGER_RETURN_IF_ERROR(
      CheckOptionalCountry(raid.tip_from_country(), at.Field("tip_from_country")));
  LEDGER_RETURN_IF_ERROR(
      CheckBounded(raid.suspects_detained(), kMaxPeople, at.Field("suspects_detained")));
  LEDGER_RETURN_IF_ERROR(ValidateNationalityBreakdown(raid, at));
  const FieldPath ringleaders = at.Field("ringleaders_detained");
  LEDGER_RETURN_IF_ERROR(CheckBounded(raid.ringleaders_detained(), kMaxPeople, ringleaders));
  LEDGER_RETURN_IF_ERROR(CheckNotMoreThan(raid.ringleaders_detained(), raid.suspects_detained(),
                                          "suspects_detained", ringleaders));
  for (int i = 0; i < raid.seized_size(); ++i) {
    const FieldPath item = at.Element("seized", i);
    const FieldPath name = item.Field("item");
    LEDGER_RETURN_IF_ERROR(CheckRequired(raid.seized(i).item(), name));
    LEDGER_RETURN_IF_ERROR(CheckText(raid.seized(i).item(), name));
    LEDGER_RETURN_IF_ERROR(
        CheckBounded(raid.seized(i).quantity(), kMaxSeizedQuantity, item.Field("quantity")));
  }
  return CheckText(raid.note(), at.Field("note"));
}

absl::Status ValidateArrest(const Arrest& arrest, const FieldPath& at) {
  const FieldPath suspect = at.Field("suspect");
  if (!arrest.has_suspect()) return Invalid(suspect, "must be set");
  LEDGER_RETURN_IF_ERROR(ValidateSuspect(arrest.suspect(), suspect));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(arrest.operation_id(), at.Field("operation_id")));
  LEDGER_RETURN_IF_ERROR(ValidateLocation(arrest.location(), at.Field("location")));
  return ValidateAgency(arrest.agency(), at.Field("agency"));
}

absl::Status ValidateRelease(const Release& release, const FieldPath& at) {
  const FieldPath id = at.Field("suspect_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(release.suspect_id(), id));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(release.suspect_id(), id));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(release.country(), at.Field("country")));
  LEDGER_RETURN_IF_ERROR(ValidateAgency(release.agency(), at.Field("agency")));
  LEDGER_RETURN_IF_ERROR(CheckText(release.reason(), at.Field("reason")));
  return CheckIdentifier(release.case_id(), at.Field("case_id"));
}

// suspect_ids are non-empty and unique; a repeat is reported at its second
// occurrence, naming the first.
absl::Status CheckSuspectIds(const Handover& handover, const FieldPath& at) {
  const auto& ids = handover.suspect_ids();
  for (int i = 0; i < ids.size(); ++i) {
    const FieldPath id = at.Element("suspect_ids", i);
    if (ids[i].empty()) return Invalid(id, "must not be empty");
    LEDGER_RETURN_IF_ERROR(CheckIdentifier(ids[i], id));
  }
  auto repeat = [&](int later, int earlier) {
    return Invalid(at.Element("suspect_ids", later), Quote(ids[later]), " repeats suspect_ids[",
                   earlier, "]");
  };
  if (ids.size() <= kLinearScanLimit) {
    for (int j = 1; j < ids.size(); ++j) {
      for (int i = 0; i < j; ++i) {
        if (ids[i] == ids[j]) return repeat(j, i);
      }
    }
    return absl::OkStatus();
  }
  absl::flat_hash_map<absl::string_view, int> first_index;
  first_index.reserve(ids.size());
  for (int j = 0; j < ids.size(); ++j) {
    const auto [it, inserted] = first_index.try_emplace(ids[j], j);
    if (!inserted) return repeat(j, it->second);
  }
  return absl::OkStatus();
}

absl::Status ValidateHandover(const Handover& handover, const FieldPath& at) {
  LEDGER_RETURN_IF_ERROR(CheckRequiredCountry(handover.from_country(), at.Field("from_country")));
  const FieldPath to_country = at.Field("to_country");
  LEDGER_RETURN_IF_ERROR(CheckRequiredCountry(handover.to_country(), to_country));
  if (handover.to_country() == handover.from_country()) {
    return Invalid(to_country, Quote(handover.to_country()), " is the same as from_country");
  }
  LEDGER_RETURN_IF_ERROR(ValidateAgency(handover.from_agency(), at.Field("from_agency")));
  LEDGER_RETURN_IF_ERROR(ValidateAgency(handover.to_agency(), at.Field("to_agency")));
  LEDGER_RETURN_IF_ERROR(CheckSuspectIds(handover, at));
  const FieldPath count = at.Field("suspects_count");
  LEDGER_RETURN_IF_ERROR(CheckBounded(handover.suspects_count(), kMaxPeople, count));
  if (handover.suspects_count() < handover.suspect_ids_size()) {
    return Invalid(count, handover.suspects_count(), " is less than the ",
                   handover.suspect_ids_size(), " suspect_ids");
  }
  if (handover.suspects_count() == 0) {
    return Invalid(count, "must be at least 1 (a handover moves someone)");
  }
  const FieldPath ringleaders = at.Field("ringleaders_count");
  LEDGER_RETURN_IF_ERROR(CheckBounded(handover.ringleaders_count(), kMaxPeople, ringleaders));
  LEDGER_RETURN_IF_ERROR(CheckNotMoreThan(handover.ringleaders_count(), handover.suspects_count(),
                                          "suspects_count", ringleaders));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(handover.nationality(), at.Field("nationality")));
  return CheckIdentifier(handover.operation_id(), at.Field("operation_id"));
}

absl::Status ValidateSentencing(const Sentencing& s, const FieldPath& at) {
  const FieldPath case_id = at.Field("case_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(s.case_id(), case_id));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(s.case_id(), case_id));
  LEDGER_RETURN_IF_ERROR(CheckText(s.court(), at.Field("court")));
  const FieldPath suspect_id = at.Field("suspect_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(s.suspect_id(), suspect_id));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(s.suspect_id(), suspect_id));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(s.court_country(), at.Field("court_country")));
  LEDGER_RETURN_IF_ERROR(
      CheckKnownEnum(s.role(), enforcement::v1::Role_IsValid, "Role", at.Field("role")));
  for (int i = 0; i < s.offences_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(CheckText(s.offences(i), at.Element("offences", i)));
  }
  LEDGER_RETURN_IF_ERROR(
      CheckBounded(s.prison_months(), kMaxPrisonMonths, at.Field("prison_months")));
  if (s.has_fine()) LEDGER_RETURN_IF_ERROR(ValidateMoney(s.fine(), at.Field("fine")));
  LEDGER_RETURN_IF_ERROR(CheckBounded(s.victims(), kMaxPeople, at.Field("victims")));
  if (s.has_amount_defrauded()) {
    LEDGER_RETURN_IF_ERROR(ValidateMoney(s.amount_defrauded(), at.Field("amount_defrauded")));
  }
  if (s.has_amount_defrauded_equivalent()) {
    LEDGER_RETURN_IF_ERROR(
        ValidateMoney(s.amount_defrauded_equivalent(), at.Field("amount_defrauded_equivalent")));
  }
  LEDGER_RETURN_IF_ERROR(CheckDate(s.has_offence_from(), s.offence_from(),
                                   s.offence_from_precision(), /*required=*/false, at,
                                   "offence_from", "offence_from_precision"));
  LEDGER_RETURN_IF_ERROR(CheckDate(s.has_offence_to(), s.offence_to(), s.offence_to_precision(),
                                   /*required=*/false, at, "offence_to", "offence_to_precision"));
  LEDGER_RETURN_IF_ERROR(
      CheckPeriodOrder(s.has_offence_from(), s.offence_from(), s.has_offence_to(), s.offence_to(),
                       s.offence_to_precision(), at, "offence_from", "offence_to"));
  LEDGER_RETURN_IF_ERROR(CheckKnownEnum(s.instance(), enforcement::v1::Instance_IsValid, "Instance",
                                        at.Field("instance")));
  LEDGER_RETURN_IF_ERROR(CheckText(s.suspect_name(), at.Field("suspect_name")));
  return CheckOptionalCountry(s.suspect_nationality(), at.Field("suspect_nationality"));
}

absl::Status ValidateReportedFigure(const ReportedFigure& f, const FieldPath& at) {
  const FieldPath metric = at.Field("metric");
  LEDGER_RETURN_IF_ERROR(CheckRequired(f.metric(), metric));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(f.metric(), metric));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(f.from_country(), at.Field("from_country")));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(f.to_country(), at.Field("to_country")));
  LEDGER_RETURN_IF_ERROR(CheckOptionalCountry(f.nationality(), at.Field("nationality")));
  LEDGER_RETURN_IF_ERROR(CheckDate(f.has_period_from(), f.period_from(), f.period_from_precision(),
                                   /*required=*/false, at, "period_from", "period_from_precision"));
  LEDGER_RETURN_IF_ERROR(CheckDate(f.has_period_to(), f.period_to(), f.period_to_precision(),
                                   /*required=*/false, at, "period_to", "period_to_precision"));
  LEDGER_RETURN_IF_ERROR(CheckPeriodOrder(f.has_period_from(), f.period_from(), f.has_period_to(),
                                          f.period_to(), f.period_to_precision(), at, "period_from",
                                          "period_to"));
  return CheckBounded(f.value(), kMaxFigureValue, at.Field("value"));
}

absl::Status ValidateRetraction(const Retraction& r, const FieldPath& at) {
  const FieldPath target = at.Field("target_event_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(r.target_event_id(), target));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(r.target_event_id(), target));
  const FieldPath reason = at.Field("reason");
  LEDGER_RETURN_IF_ERROR(CheckRequired(r.reason(), reason));
  return CheckText(r.reason(), reason);
}

// --- format 2: subjects, personal entries, erasures ------------------------

constexpr absl::string_view kSubjectPrefix = "sub_";
constexpr absl::string_view kSuspectStreamPrefix = "suspect/";
constexpr absl::string_view kReplacementPrefix = "correction.replacement.";
// The personal entry of a suspect stream's name (the agency id it replaced).
constexpr absl::string_view kStreamFieldPath = "stream";
constexpr size_t kCommitmentBytes = 32;

// A subject id at `at`. The value is not quoted: where it is not a subject
// id it may be an agency's suspect id, which is personal data. `why` follows
// the rule in the message.
absl::Status CheckSubjectId(absl::string_view s, const FieldPath& at, absl::string_view why = "") {
  if (IsSubjectId(s)) return absl::OkStatus();
  return Invalid(at, "is not a subject id (\"sub_\" + 32 lowercase hex digits)", why);
}

// An erasure (format 2): written by `ledger erase` in its subject's stream,
// with no personal data. `root` is the event's.
absl::Status ValidateErasure(const Event& event, const FieldPath& root) {
  const Erasure& e = event.erasure();
  const FieldPath at = root.Field("erasure");
  const FieldPath subject = at.Field("subject_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(e.subject_id(), subject));
  LEDGER_RETURN_IF_ERROR(CheckSubjectId(e.subject_id(), subject));
  const FieldPath authority = at.Field("authority");
  LEDGER_RETURN_IF_ERROR(CheckRequired(e.authority(), authority));
  LEDGER_RETURN_IF_ERROR(CheckText(e.authority(), authority));
  const FieldPath reason = at.Field("reason");
  LEDGER_RETURN_IF_ERROR(CheckRequired(e.reason(), reason));
  LEDGER_RETURN_IF_ERROR(CheckText(e.reason(), reason));
  absl::string_view stream = event.stream();
  if (!absl::ConsumePrefix(&stream, kSuspectStreamPrefix) || stream != e.subject_id()) {
    return Invalid(root.Field("stream"), Quote(event.stream()), " is not \"suspect/", e.subject_id(),
                   "\" (an erasure is written in the stream of its subject)");
  }
  if (event.personal_size() > 0) {
    return Invalid(root.Field("personal"), "an erasure carries no personal entries");
  }
  return absl::OkStatus();
}

// One personal field of a body (docs/PERSONAL_DATA.md, "Personal fields"):
// a suspect id field, or a name beside one.
struct PersonalSlot {
  bool replacement = false;   // under "correction.replacement."
  absl::string_view path;     // from the body's Event, e.g. "arrest.suspect.name"
  int index = -1;             // handover.suspect_ids[index]; `path` is then "handover.suspect_ids"
  bool is_name = false;
  absl::string_view value;    // the field as stored
  absl::string_view id_path;  // the suspect id field whose subject this field belongs to
  absl::string_view subject;  // that field's value: the subject id
};

// The field path of `slot` from the Event root, rendered into `buf` (no
// allocation: paths are short and fixed but for the index).
absl::string_view SlotPath(const PersonalSlot& slot, absl::string_view path, char (&buf)[128]) {
  size_t n = 0;
  auto put = [&](absl::string_view part) {
    const size_t k = std::min(part.size(), sizeof(buf) - n);
    std::memcpy(buf + n, part.data(), k);
    n += k;
  };
  if (slot.replacement) put(kReplacementPrefix);
  put(path);
  if (slot.index >= 0 && path == slot.path) {
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), slot.index);
    put("[");
    put(absl::string_view(digits, static_cast<size_t>(end - digits)));
    put("]");
  }
  return absl::string_view(buf, n);
}

// Calls `fn(slot)` for every personal field of `body` (the event, or a
// correction's replacement when `replacement`), in field order; stops at the
// first error. REQUIRES: `body` passed the format-1 rules.
template <typename Fn>
absl::Status ForEachSlot(const Event& body, bool replacement, Fn fn) {
  PersonalSlot slot;
  slot.replacement = replacement;
  auto id = [&](absl::string_view path, absl::string_view value, int index = -1) {
    slot.path = slot.id_path = path;
    slot.index = index;
    slot.is_name = false;
    slot.value = slot.subject = value;
    return fn(slot);
  };
  auto name = [&](absl::string_view path, absl::string_view value, absl::string_view id_path,
                  absl::string_view subject) {
    slot.path = path;
    slot.index = -1;
    slot.is_name = true;
    slot.value = value;
    slot.id_path = id_path;
    slot.subject = subject;
    return fn(slot);
  };
  switch (body.body_case()) {
    case Event::kArrest: {
      const Suspect& suspect = body.arrest().suspect();
      LEDGER_RETURN_IF_ERROR(id("arrest.suspect.suspect_id", suspect.suspect_id()));
      return name("arrest.suspect.name", suspect.name(), "arrest.suspect.suspect_id",
                  suspect.suspect_id());
    }
    case Event::kHandover: {
      const auto& ids = body.handover().suspect_ids();
      for (int i = 0; i < ids.size(); ++i) {
        LEDGER_RETURN_IF_ERROR(id("handover.suspect_ids", ids[i], i));
      }
      return absl::OkStatus();
    }
    case Event::kSentencing: {
      const Sentencing& s = body.sentencing();
      LEDGER_RETURN_IF_ERROR(id("sentencing.suspect_id", s.suspect_id()));
      return name("sentencing.suspect_name", s.suspect_name(), "sentencing.suspect_id",
                  s.suspect_id());
    }
    case Event::kRelease:
      return id("release.suspect_id", body.release().suspect_id());
    default:
      return absl::OkStatus();
  }
}

// The personal field of `event` that `field_path` names, if any.
std::optional<PersonalSlot> ResolveSlot(const Event& event, absl::string_view field_path) {
  const Event* body = &event;
  bool replacement = false;
  if (event.body_case() == Event::kCorrection &&
      absl::ConsumePrefix(&field_path, kReplacementPrefix)) {
    body = &event.correction().replacement();
    replacement = true;
  }
  // The index of "handover.suspect_ids[<index>]", written without leading
  // zeros, or -1.
  int wanted_index = -1;
  absl::string_view rest = field_path;
  if (absl::ConsumePrefix(&rest, "handover.suspect_ids[") && absl::ConsumeSuffix(&rest, "]") &&
      !rest.empty() && rest.size() <= 9 && (rest == "0" || rest[0] != '0') &&
      std::all_of(rest.begin(), rest.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    std::from_chars(rest.data(), rest.data() + rest.size(), wanted_index);
  }
  std::optional<PersonalSlot> found;
  (void)ForEachSlot(*body, replacement, [&](const PersonalSlot& slot) {
    const bool match = slot.index >= 0 ? wanted_index == slot.index : field_path == slot.path;
    if (!match) return absl::OkStatus();
    found = slot;
    return absl::Status(absl::StatusCode::kCancelled, "");  // stop (no allocation)
  });
  return found;
}

// The rules of format 2 on the personal fields of a body: names are empty,
// suspect ids are subject ids.
absl::Status CheckSlotValues(const Event& body, bool replacement, const FieldPath& root) {
  const FieldPath correction = root.Field("correction");
  const FieldPath under = correction.Field("replacement");
  const FieldPath& parent = replacement ? under : root;
  return ForEachSlot(body, replacement, [&](const PersonalSlot& slot) {
    if (slot.is_name) {
      if (slot.value.empty()) return absl::OkStatus();
      return Invalid(parent.Field(slot.path),
                     "must be empty (format 2 keeps names out of the log: they go through the "
                     "importer into the personal-data store)");
    }
    constexpr absl::string_view kWhy =
        ": format 2 keeps agency suspect ids out of the log, the importer maps them to subjects";
    if (slot.index >= 0) return CheckSubjectId(slot.value, parent.Element(slot.path, slot.index), kWhy);
    return CheckSubjectId(slot.value, parent.Field(slot.path), kWhy);
  });
}

absl::string_view FieldPathOf(const enforcement::v1::PersonalField& e) { return e.field_path(); }
absl::string_view FieldPathOf(absl::string_view p) { return p; }

// The personal entries of a format-2 event, and an entry for every suspect
// id field. REQUIRES: the event passed the format-1 rules and CheckSlotValues.
absl::Status CheckPersonalEntries(const Event& event, const FieldPath& root) {
  const auto& entries = event.personal();
  char buf[128];
  for (int k = 0; k < entries.size(); ++k) {
    const enforcement::v1::PersonalField& entry = entries[k];
    const FieldPath at = root.Element("personal", k);
    const FieldPath path = at.Field("field_path");
    LEDGER_RETURN_IF_ERROR(CheckRequired(entry.field_path(), path));
    if (k > 0 && !(entries[k - 1].field_path() < entry.field_path())) {
      return Invalid(path, Quote(entry.field_path()),
                     entries[k - 1].field_path() == entry.field_path() ? " repeats" : " comes before",
                     " personal[", k - 1, "].field_path (entries are sorted by field_path, no repeats)");
    }
    if (entry.field_path() == kStreamFieldPath) {
      // A suspect stream's name: the importer commits to the agency id it
      // replaced (docs/PERSONAL_DATA.md).
      absl::string_view name = event.stream();
      if (!absl::ConsumePrefix(&name, kSuspectStreamPrefix) || event.has_erasure()) {
        return Invalid(path, "\"stream\" is a personal field only of a suspect stream's event "
                             "(not of an erasure)");
      }
      const FieldPath subject = at.Field("subject_id");
      LEDGER_RETURN_IF_ERROR(CheckSubjectId(entry.subject_id(), subject));
      if (entry.subject_id() != name) {
        return Invalid(subject, Quote(entry.subject_id()), " is not the subject of stream ",
                       Quote(event.stream()));
      }
      const size_t size = entry.commitment().size();
      if (size != 0 && size != kCommitmentBytes) {
        return Invalid(at.Field("commitment"), size, " bytes, not ", kCommitmentBytes,
                       " (an HMAC-SHA256) or empty (the subject was erased)");
      }
      continue;
    }
    const std::optional<PersonalSlot> slot = ResolveSlot(event, entry.field_path());
    if (!slot) {
      return Invalid(path, Quote(entry.field_path()),
                     " is not a personal field of this event (a suspect id or name field of its "
                     "body, docs/PERSONAL_DATA.md)");
    }
    const FieldPath subject = at.Field("subject_id");
    LEDGER_RETURN_IF_ERROR(CheckSubjectId(entry.subject_id(), subject));
    if (entry.subject_id() != slot->subject) {
      return Invalid(subject, Quote(entry.subject_id()), " is not the subject of ",
                     SlotPath(*slot, slot->id_path, buf), ", ", Quote(slot->subject));
    }
    const size_t size = entry.commitment().size();
    if (size != 0 && size != kCommitmentBytes) {
      return Invalid(at.Field("commitment"), size, " bytes, not ", kCommitmentBytes,
                     " (an HMAC-SHA256) or empty (the subject was erased)");
    }
  }
  // Every suspect id field has its entry (entries are sorted: a binary search).
  auto has_entry = [&](const PersonalSlot& slot, const FieldPath& parent) {
    if (slot.is_name) return absl::OkStatus();
    const absl::string_view want = SlotPath(slot, slot.path, buf);
    const auto it = std::lower_bound(
        entries.begin(), entries.end(), want,
        [](const enforcement::v1::PersonalField& e, absl::string_view p) { return e.field_path() < p; });
    if (it != entries.end() && it->field_path() == want) return absl::OkStatus();
    const std::string rule =
        "has no entry in personal (format 2: every suspect id field has a PersonalField with "
        "its field path and subject id)";
    if (slot.index >= 0) return Invalid(parent.Element(slot.path, slot.index), rule);
    return Invalid(parent.Field(slot.path), rule);
  };
  LEDGER_RETURN_IF_ERROR(
      ForEachSlot(event, false, [&](const PersonalSlot& slot) { return has_entry(slot, root); }));
  if (event.body_case() == Event::kCorrection) {
    const FieldPath correction = root.Field("correction");
    const FieldPath under = correction.Field("replacement");
    LEDGER_RETURN_IF_ERROR(ForEachSlot(event.correction().replacement(), true,
                                       [&](const PersonalSlot& slot) { return has_entry(slot, under); }));
  }
  if (absl::StartsWith(event.stream(), kSuspectStreamPrefix) && !event.has_erasure() &&
      !std::binary_search(entries.begin(), entries.end(), kStreamFieldPath,
                          [](const auto& a, const auto& b) {
                            return FieldPathOf(a) < FieldPathOf(b);
                          })) {
    return Invalid(root.Field("stream"),
                   "has no entry in personal (format 2: a suspect stream's name has a "
                   "PersonalField \"stream\" with its subject id)");
  }
  return absl::OkStatus();
}

absl::Status ValidateBody(const Event& event, const FieldPath& at, uint32_t format);

// "...: format 1 has no personal fields (...)".
constexpr absl::string_view kFormat1NoPersonal =
    "format 1 has no personal fields (a format-2 ledger: `ledger migrate`)";

// The replacement is an Event of which only the body (and, when set, the
// occurred_at with its precision) is used: its event_id, stream, source and
// recorded_by are ignored and may be empty.
absl::Status ValidateCorrection(const Correction& c, const FieldPath& at, uint32_t format) {
  const FieldPath target = at.Field("target_event_id");
  LEDGER_RETURN_IF_ERROR(CheckRequired(c.target_event_id(), target));
  LEDGER_RETURN_IF_ERROR(CheckIdentifier(c.target_event_id(), target));
  const FieldPath reason = at.Field("reason");
  LEDGER_RETURN_IF_ERROR(CheckRequired(c.reason(), reason));
  LEDGER_RETURN_IF_ERROR(CheckText(c.reason(), reason));
  const FieldPath replacement = at.Field("replacement");
  if (!c.has_replacement()) return Invalid(replacement, "must be set");
  const Event& r = c.replacement();
  LEDGER_RETURN_IF_ERROR(CheckReplacementEnvelopeText(r, replacement));
  if (r.personal_size() > 0) {
    if (format == 1) return Invalid(replacement.Field("personal"), kFormat1NoPersonal);
    return Invalid(replacement.Field("personal"),
                   "a replacement carries no entries of its own (they are the event's, with "
                   "field paths starting \"correction.replacement.\")");
  }
  LEDGER_RETURN_IF_ERROR(CheckDate(r.has_occurred_at(), r.occurred_at(), r.occurred_precision(),
                                   /*required=*/false, replacement, "occurred_at",
                                   "occurred_precision"));
  constexpr absl::string_view kAllowed =
      "a replacement body is one of raid, arrest, handover, sentencing, reported_figure, "
      "release";
  switch (r.body_case()) {
    case Event::kCorrection:
      return Invalid(replacement.Field("correction"), "not allowed (", kAllowed, ")");
    case Event::kRetraction:
      return Invalid(replacement.Field("retraction"), "not allowed (", kAllowed, ")");
    case Event::kErasure:
      return Invalid(replacement.Field("erasure"), "not allowed (", kAllowed, ")");
    case Event::BODY_NOT_SET:
      return Invalid(replacement.Field("body"), "must be set (", kAllowed, ")");
    default:
      return ValidateBody(r, replacement, format);
  }
}

// The body of the Event at `at` (the root, or a correction's replacement,
// which is never an erasure: ValidateCorrection).
absl::Status ValidateBody(const Event& event, const FieldPath& at, uint32_t format) {
  switch (event.body_case()) {
    case Event::kRaid:
      return ValidateRaid(event.raid(), at.Field("raid"));
    case Event::kArrest:
      return ValidateArrest(event.arrest(), at.Field("arrest"));
    case Event::kHandover:
      return ValidateHandover(event.handover(), at.Field("handover"));
    case Event::kSentencing:
      return ValidateSentencing(event.sentencing(), at.Field("sentencing"));
    case Event::kCorrection:
      return ValidateCorrection(event.correction(), at.Field("correction"), format);
    case Event::kRetraction:
      return ValidateRetraction(event.retraction(), at.Field("retraction"));
    case Event::kReportedFigure:
      return ValidateReportedFigure(event.reported_figure(), at.Field("reported_figure"));
    case Event::kRelease:
      return ValidateRelease(event.release(), at.Field("release"));
    case Event::kErasure:
      if (format == 1) {
        return Invalid(at.Field("erasure"),
                       "format 1 has no erasures (a format-2 ledger: `ledger migrate`)");
      }
      return ValidateErasure(event, at);
    case Event::BODY_NOT_SET:
      break;
  }
  return Invalid(at.Field("body"),
                 "must be set (one of raid, arrest, handover, sentencing, correction, "
                 "retraction, reported_figure, release)");
}

// The rules of storage format `format` (1 or 2).
absl::Status ValidateEventImpl(const Event& event, uint32_t format) {
  const FieldPath root = FieldPath::Root();
  LEDGER_RETURN_IF_ERROR(CheckEventId(event.event_id(), root.Field("event_id")));
  const FieldPath stream = root.Field("stream");
  LEDGER_RETURN_IF_ERROR(CheckStream(event.stream(), stream));
  if (format == 2) {
    absl::string_view name = event.stream();
    if (absl::ConsumePrefix(&name, kSuspectStreamPrefix)) {
      LEDGER_RETURN_IF_ERROR(CheckSubjectId(
          name, stream, ": format 2 names a suspect stream \"suspect/<subject id>\""));
    }
  }
  LEDGER_RETURN_IF_ERROR(CheckDate(event.has_occurred_at(), event.occurred_at(),
                                   event.occurred_precision(), /*required=*/true, root,
                                   "occurred_at", "occurred_precision"));
  LEDGER_RETURN_IF_ERROR(ValidateSource(event, root));
  LEDGER_RETURN_IF_ERROR(CheckText(event.recorded_by(), root.Field("recorded_by")));
  if (format == 1 && event.personal_size() > 0) {
    return Invalid(root.Field("personal"), kFormat1NoPersonal);
  }
  LEDGER_RETURN_IF_ERROR(ValidateBody(event, root, format));
  if (format == 2) {
    LEDGER_RETURN_IF_ERROR(CheckSlotValues(event, false, root));
    if (event.body_case() == Event::kCorrection) {
      LEDGER_RETURN_IF_ERROR(CheckSlotValues(event.correction().replacement(), true, root));
    }
    LEDGER_RETURN_IF_ERROR(CheckPersonalEntries(event, root));
  }
  const size_t size = event.ByteSizeLong();
  if (size > kMaxEventBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("event: serializes to ", size, " bytes, more than the 1 MiB limit"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEvent(const Event& event) { return ValidateEventImpl(event, 1); }

namespace {

absl::Status CheckMinorUnit(const Money& money, const std::string& path) {
  if (money.currency().empty() || CurrencyExponent(money.currency())) return absl::OkStatus();
  // No minor unit in ISO 4217 (XAU, XDR, XTS, XXX, ...): an amount in it
  // could not be shown in major units (ledger/money.h).
  return absl::InvalidArgumentError(absl::StrCat(
      path, ".currency: ", Quote(money.currency()),
      " has no ISO 4217 minor unit (precious metals, bond units, XDR, XTS and XXX are not money "
      "amounts here); record the amount in the currency it was reported in"));
}

absl::Status CheckNewAmounts(const Event& event, const std::string& prefix) {
  if (event.has_sentencing()) {
    const auto& t = event.sentencing();
    const std::string at = absl::StrCat(prefix, "sentencing.");
    if (t.has_fine()) LEDGER_RETURN_IF_ERROR(CheckMinorUnit(t.fine(), at + "fine"));
    if (t.has_amount_defrauded()) {
      LEDGER_RETURN_IF_ERROR(CheckMinorUnit(t.amount_defrauded(), at + "amount_defrauded"));
    }
    if (t.has_amount_defrauded_equivalent()) {
      LEDGER_RETURN_IF_ERROR(CheckMinorUnit(t.amount_defrauded_equivalent(),
                                            at + "amount_defrauded_equivalent"));
    }
  }
  if (event.has_correction() && event.correction().has_replacement()) {
    return CheckNewAmounts(event.correction().replacement(),
                           absl::StrCat(prefix, "correction.replacement."));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateNewAmounts(const Event& event) { return CheckNewAmounts(event, ""); }

absl::Status ValidateEventFormat2(const Event& event) { return ValidateEventImpl(event, 2); }

absl::Status ValidateEventForFormat(const Event& event, uint32_t format_version) {
  if (format_version != 1 && format_version != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("storage format ", format_version, ": this program knows formats 1 and 2"));
  }
  return ValidateEventImpl(event, format_version);
}

bool IsSubjectId(absl::string_view s) {
  if (s.size() != kSubjectIdBytes || !absl::StartsWith(s, kSubjectPrefix)) return false;
  for (char c : s.substr(kSubjectPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsValidStreamName(absl::string_view stream) {
  return CheckStream(stream, FieldPath::Root().Field("stream")).ok();
}

#undef LEDGER_RETURN_IF_ERROR

std::string BodyName(Event::BodyCase k) {
  if (k == Event::BODY_NOT_SET) return "none";
  const google::protobuf::FieldDescriptor* f = Event::descriptor()->FindFieldByNumber(k);
  return f != nullptr ? f->name() : absl::StrCat("body_", static_cast<int>(k));
}

}  // namespace ledger
