// Stateless validation of an Event before it is written (SPEC §3). Rules that
// need the ledger's state (a correction's target exists and is not
// retracted; idempotency) are checked by Ledger::Append.
#ifndef ENFORCEMENT_LEDGER_VALIDATE_H_
#define ENFORCEMENT_LEDGER_VALIDATE_H_

#include <cstddef>
#include <cstdint>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"

namespace ledger {

// An event serializes to at most this many bytes.
inline constexpr size_t kMaxEventBytes = size_t{1} << 20;

// Domain bounds (SPEC §8, docs/DATA_MODEL.md "Bounds"). A value above its
// bound is refused with "<path>: <value> is more than the bound <bound>".
// Every count of people: raid.suspects_detained, ringleaders_detained and
// each detained_by_nationality count; handover.suspects_count and
// ringleaders_count; sentencing.victims.
inline constexpr int64_t kMaxPeople = 1'000'000'000;
// Every Money.minor_units (fine, amount_defrauded, amount_defrauded_equivalent).
inline constexpr int64_t kMaxMinorUnits = 1'000'000'000'000'000;
// raid.seized[].quantity.
inline constexpr int64_t kMaxSeizedQuantity = 1'000'000'000'000;
// sentencing.prison_months: a million years (cumulative sentences of
// thousands of years are handed down).
inline constexpr int64_t kMaxPrisonMonths = 12'000'000;
// reported_figure.value (a figure may be an amount in minor units).
inline constexpr int64_t kMaxFigureValue = 1'000'000'000'000'000;

// Checks every stateless rule of SPEC §3 and the field comments of
// proto/enforcement/v1/event.proto. Returns OK, or kInvalidArgument whose
// message is "<field path>: <rule>", the path in proto field names from the
// Event root, e.g.
//   "handover.suspects_count: 3 is less than the 5 suspect_ids"
//   "correction.replacement.raid.location.country: \"XX\" is not an ISO 3166-1 alpha-2 code"
// The first failing rule is reported. Thread-safe.
absl::Status ValidateEvent(const enforcement::v1::Event& event);

// Format 1 (ValidateEvent above) knows neither Event.personal nor Erasure:
// an event with a `personal` entry (also in a correction's replacement) is
// refused with "personal: format 1 has no personal fields (a format-2
// ledger: `ledger migrate`)", an erasure with "erasure: format 1 has no
// erasures (...)".

// Format 2 (docs/PERSONAL_DATA.md): every rule of ValidateEvent, with
// Event.personal and the Erasure body allowed, plus:
//  - names (arrest.suspect.name, sentencing.suspect_name, also under
//    correction.replacement.) are empty: they go through the importer into
//    the personal-data store;
//  - every suspect id field (arrest.suspect.suspect_id,
//    handover.suspect_ids[i], sentencing.suspect_id, release.suspect_id,
//    also under correction.replacement.) holds a subject id (IsSubjectId)
//    and has an entry in `personal` with its field path and that subject id;
//  - every `personal` entry: its field_path is a personal field of this
//    event (a name's entry needs the event's name field, which is empty, and
//    names the subject of the suspect id field beside it), its subject_id is
//    a subject id and the one its field names, its commitment is 32 bytes
//    or empty; entries are sorted by field_path (as bytes), no repeats; a
//    correction's replacement carries no `personal` of its own (its entries
//    are the event's, with the "correction.replacement." prefix);
//  - a "suspect/<name>" stream's name is a subject id;
//  - an Erasure: subject_id a subject id, authority and reason set (text),
//    stream "suspect/<subject_id>", no `personal`; never a correction's
//    replacement (neither in format 1).
// A refusal names the field path and the rule; it never quotes the value of
// a personal field (a name or an agency's suspect id). The record size limit
// of format 2 (kMaxRecordBytesFormat2) and the rule that an erasure is never
// the target of a correction or retraction need the record and the log:
// Ledger::Append checks them. Thread-safe.
absl::Status ValidateEventFormat2(const enforcement::v1::Event& event);

// ValidateEvent (format_version 1) or ValidateEventFormat2 (2); any other
// version is kInvalidArgument.
absl::Status ValidateEventForFormat(const enforcement::v1::Event& event, uint32_t format_version);

// A subject id (docs/PERSONAL_DATA.md): "sub_" and 32 lowercase hex digits.
inline constexpr size_t kSubjectIdBytes = 36;
bool IsSubjectId(absl::string_view s);

// The amounts of a NEW event (sentencing fine, amount_defrauded,
// amount_defrauded_equivalent, also in a correction's replacement) must be in
// a currency with an ISO 4217 minor unit (ledger/money.h): XAU, XXX, XDR...
// are refused, "<field path>: <rule>" as ValidateEvent words it. Called by
// the importers (import, append), not by the log's validation, so that
// records stored before the rule still migrate and verify.
absl::Status ValidateNewAmounts(const enforcement::v1::Event& event);

// ISO 3166-1 alpha-2 (assigned codes only) and ISO 4217 (active codes).
bool IsCountryCode(absl::string_view code);
bool IsCurrencyCode(absl::string_view code);
// A country code given to a query filter (`what`, e.g. "--from"): OK when it
// is an ISO 3166-1 alpha-2 code, else kInvalidArgument with the message
// import gives for such a field ('<what>: "mm" is not an ISO 3166-1 alpha-2
// code (codes are upper case: "MM")').
absl::Status CheckCountryFilter(absl::string_view code, absl::string_view what);

// The stream kinds of SPEC §2: "operation", "suspect", "case", "handover",
// "figure". A stream is "<kind>/<name>" with a non-empty name.
bool IsValidStreamName(absl::string_view stream);

// The proto field name of a body ("raid", "arrest", ..., "release"), from
// the descriptor, so a new body is named without code; "none" when no body
// is set. Thread-safe.
std::string BodyName(enforcement::v1::Event::BodyCase k);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_VALIDATE_H_
