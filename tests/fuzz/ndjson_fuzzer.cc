// Fuzz target: one NDJSON line, as `ledger append` / `ledger import` read it
// (ingest/ndjson.h), through to the bytes the ledger would store.
//
// Properties checked for every input (FUZZ_CHECK aborts on a violation):
//  1. IsBlankLine and FindInvalidUtf8 agree with simple reference versions
//     written from their contracts (the second from the table of well-formed
//     byte sequences in Unicode §3.9, not from the production code).
//  2. ParseEventLine fails only with kInvalidArgument and a message free of
//     control characters (one line; input echoed in it escaped), and refuses
//     every line FindInvalidUtf8 refuses.
//  3. A parsed event that ValidateEvent accepts prints as canonical JSON
//     (ToCanonicalJson, as `read --json` and `export` do); whenever a parsed
//     event prints, the JSON parses back to an equal event with the same
//     ValidateEvent verdict.
//  4. ValidateEvent returns OK or kInvalidArgument "<path>: <rule>" without
//     control characters (values and map keys in it are escaped).
//  5. An event ValidateEvent accepts is storable: it serializes
//     deterministically within kMaxEventBytes, those bytes parse back to an
//     equal event that still validates, and the LedgerRecord built around them
//     by AppendRecordBytes parses back to the same event.
// Sanitizers (ASan, UBSan) catch memory and undefined-behaviour errors on the
// way.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enforcement/v1/event.pb.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tests/fuzz/fuzz_check.h"
#include "ingest/ndjson.h"

namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;
using google::protobuf::util::MessageDifferencer;

bool ReferenceIsBlank(absl::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it
// does not start with one (Unicode 15, Table 3-7).
size_t WellFormedSequenceLength(absl::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [&](size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && b(i) >= lo && b(i) <= hi;
  };
  if (s.empty()) return 0;
  const unsigned c = b(0);
  if (c <= 0x7F) return 1;
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

size_t ReferenceFindInvalidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = WellFormedSequenceLength(s.substr(i));
    if (len == 0) return i;
    i += len;
  }
  return absl::string_view::npos;
}

void CheckValidationStatus(const absl::Status& status, absl::string_view line) {
  FUZZ_CHECK(status.ok() || status.code() == absl::StatusCode::kInvalidArgument,
             "ValidateEvent returned ", status.ToString(), " for ", fuzz::Show(line));
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty() && fuzz::IsPrintableMessage(status.message()),
               "ValidateEvent message is empty or has a control character: ",
               fuzz::Show(status.message()));
  }
}

// Property 5: what Ledger::Append does with a valid event, and what a reader
// does with the stored record.
void CheckStorable(const Event& event, absl::string_view line) {
  std::string bytes;
  FUZZ_CHECK(ledger::SerializeEventDeterministic(event, &bytes),
             "SerializeEventDeterministic failed for ", fuzz::Show(line));
  FUZZ_CHECK(bytes.size() <= ledger::kMaxEventBytes, "a valid event serializes to ", bytes.size(),
             " bytes");

  Event reparsed;
  FUZZ_CHECK(reparsed.ParseFromString(bytes),
             "the stored bytes of a valid event do not parse back: ", fuzz::Show(line));
  FUZZ_CHECK(MessageDifferencer::Equals(event, reparsed),
             "binary round trip changed the event: ", fuzz::Show(line), "\nbefore: ",
             event.ShortDebugString(), "\nafter: ", reparsed.ShortDebugString());
  const absl::Status again = ledger::ValidateEvent(reparsed);
  FUZZ_CHECK(again.ok(), "valid event no longer validates after a binary round trip: ",
             again.ToString(), " for ", fuzz::Show(line));

  std::string record_bytes;
  ledger::AppendRecordBytes(/*position=*/7, absl::FromUnixSeconds(1712000000),
                            /*stream_version=*/3, bytes, &record_bytes);
  LedgerRecord record;
  FUZZ_CHECK(record.ParseFromString(record_bytes), "record of a valid event does not parse: ",
             fuzz::Show(line));
  FUZZ_CHECK(record.position() == 7 && record.stream_version() == 3 &&
                 record.recorded_at().seconds() == 1712000000 &&
                 record.recorded_at().nanos() == 0,
             "record header changed: ", record.ShortDebugString());
  FUZZ_CHECK(MessageDifferencer::Equals(event, record.event()),
             "record round trip changed the event: ", fuzz::Show(line));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  fuzz::QuietProtobufWarnings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view line(reinterpret_cast<const char*>(data), size);

  // 1. Helpers against their references.
  FUZZ_CHECK(ingest::IsBlankLine(line) == ReferenceIsBlank(line), "IsBlankLine disagrees for ",
             fuzz::Show(line));
  const size_t bad = ingest::FindInvalidUtf8(line);
  const size_t expected_bad = ReferenceFindInvalidUtf8(line);
  FUZZ_CHECK(bad == expected_bad, "FindInvalidUtf8 returned ", bad, ", the reference ",
             expected_bad, " for ", fuzz::Show(line));

  // 2. The parse.
  Event event;
  const absl::Status parsed = ingest::ParseEventLine(line, &event);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.code() == absl::StatusCode::kInvalidArgument,
               "ParseEventLine returned ", parsed.ToString());
    FUZZ_CHECK(!parsed.message().empty() && fuzz::IsPrintableMessage(parsed.message()),
               "ParseEventLine message is empty or has a control character: ",
               fuzz::Show(parsed.message()), " for ", fuzz::Show(line));
    return 0;
  }
  FUZZ_CHECK(bad == absl::string_view::npos, "ParseEventLine accepted invalid UTF-8 at byte ",
             bad, ": ", fuzz::Show(line));

  // 4. Validation.
  const absl::Status valid = ledger::ValidateEvent(event);
  CheckValidationStatus(valid, line);

  // 3. Canonical JSON round trip. Printing may fail for an event validation
  // refuses (protobuf's printer has a lower nesting limit than its parser:
  // corrections nested ~30 deep), never for a valid one, which is what
  // `read --json` and `export` print.
  const absl::StatusOr<std::string> json = ingest::ToCanonicalJson(event);
  FUZZ_CHECK(json.ok() || !valid.ok(), "ToCanonicalJson failed on a valid event: ",
             json.status().ToString(), " for ", fuzz::Show(line));
  if (json.ok()) {
    Event from_json;
    const absl::Status reparsed = ingest::ParseEventLine(*json, &from_json);
    FUZZ_CHECK(reparsed.ok(), "canonical JSON does not parse back: ", reparsed.ToString(),
               "\nline: ", fuzz::Show(line), "\njson: ", fuzz::Show(*json));
    FUZZ_CHECK(MessageDifferencer::Equals(event, from_json), "JSON round trip changed the event",
               "\nline: ", fuzz::Show(line), "\njson: ", fuzz::Show(*json));
    const absl::Status valid_again = ledger::ValidateEvent(from_json);
    FUZZ_CHECK(valid_again == valid, "ValidateEvent changed its verdict after a JSON round trip: ",
               valid.ToString(), " then ", valid_again.ToString(), " for ", fuzz::Show(line));
  }

  // 5. A valid event can be stored and read back.
  if (valid.ok()) CheckStorable(event, line);
  return 0;
}
