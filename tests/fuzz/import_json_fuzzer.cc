// Fuzz target: one NDJSON line as `ledger import` parses it, with the strict
// parser of ingest/import_json.h (ParseEventJson), checked against
// protobuf's JsonStringToMessage (ingest::ParseEventLine) as a reference, the
// way transparency-dev/merkle checks its fast code against a simple one.
//
// Properties checked for every input:
//  1. Every line ParseEventJson accepts, ParseEventLine accepts too, with an
//     equal Event (import_json.h promises this). The strict parser may
//     refuse more (duplicate keys, null in arrays, ...), never less. It never
//     accepts a raw control character where RFC 8259 forbids one.
//  2. A refusal has a message without control characters (input echoed in
//     it is escaped, so it stays one line on a terminal and in a log) and a
//     column inside the line (1 to its length + 1: every refusal is
//     located); invalid UTF-8 is always refused.
//  3. Export then import: the canonical JSON of an event ValidateEvent
//     accepts (what `export --format ndjson` writes) is accepted by
//     ParseEventJson and parses to the same event.
//  4. As `ledger import` then does: EnsureEventId and ValidateEvent (OK or
//     kInvalidArgument); a derived id is "sha256:" and 32 hex digits and does
//     not depend on the event_id it replaces.
//  5. In place, as the import's rows are parsed (ParseEventJsonInPlace on a
//     string with kJsonPadding spare bytes, which simdjson may read), the
//     line gives the same verdict, event, message and column.
//
// FUZZ_DICT: ndjson.dict
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/validate.h"
#include "tests/fuzz/fuzz_check.h"
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/ndjson.h"

namespace {

using enforcement::v1::Event;
using google::protobuf::util::MessageDifferencer;

bool IsDerivedId(absl::string_view id) {
  if (!absl::ConsumePrefix(&id, ingest::kDerivedIdPrefix)) return false;
  if (id.size() != ingest::kDerivedIdHexDigits) return false;
  for (char c : id) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// Whether `line` breaks RFC 8259's rule on raw control characters: none
// inside a string (they must be escaped), and outside strings only the
// whitespace tab, LF and CR. A lexical check, not a parse.
bool HasRawControlCharacter(absl::string_view line) {
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (in_string) {
      if (c < 0x20) return true;
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  fuzz::QuietProtobufWarnings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view line(reinterpret_cast<const char*>(data), size);

  Event event;
  ingest::JsonParseError error;
  const bool accepted = ingest::ParseEventJson(line, &event, &error);

  // 5. In place.
  {
    std::string row;
    row.reserve(line.size() + ingest::kJsonPadding);
    row.assign(line.data(), line.size());
    Event in_place;
    ingest::JsonParseError in_place_error;
    const bool in_place_ok = ingest::ParseEventJsonInPlace(row, &in_place, &in_place_error);
    FUZZ_CHECK(in_place_ok == accepted, "ParseEventJsonInPlace ", in_place_ok ? "accepts" : "refuses",
               " what ParseEventJson ", accepted ? "accepts" : "refuses", ": ", fuzz::Show(line));
    if (accepted) {
      FUZZ_CHECK(MessageDifferencer::Equals(event, in_place),
                 "ParseEventJsonInPlace parses differently: ", fuzz::Show(line));
    } else {
      FUZZ_CHECK(in_place_error.message == error.message && in_place_error.column == error.column,
                 "ParseEventJsonInPlace refuses differently (", in_place_error.column, ": ",
                 in_place_error.message, " against ", error.column, ": ", error.message, "): ",
                 fuzz::Show(line));
    }
  }

  if (!accepted) {
    // 2. The refusal.
    FUZZ_CHECK(!error.message.empty() && fuzz::IsPrintableMessage(error.message),
               "refusal message is empty or has a control character: ",
               fuzz::Show(error.message), " for ", fuzz::Show(line));
    FUZZ_CHECK(error.column >= 1 && error.column <= line.size() + 1, "refusal column ", error.column,
               " is outside the line of ", line.size(), " bytes: ", error.message);
    return 0;
  }
  FUZZ_CHECK(ingest::FindInvalidUtf8(line) == absl::string_view::npos,
             "ParseEventJson accepted invalid UTF-8: ", fuzz::Show(line));
  FUZZ_CHECK(!HasRawControlCharacter(line),
             "ParseEventJson accepted a raw control character (RFC 8259 refuses it): ",
             fuzz::Show(line));

  // 1. The reference agrees.
  Event reference;
  const absl::Status ref = ingest::ParseEventLine(line, &reference);
  FUZZ_CHECK(ref.ok(), "ParseEventJson accepts a line JsonStringToMessage refuses (",
             ref.ToString(), "): ", fuzz::Show(line));
  FUZZ_CHECK(MessageDifferencer::Equals(event, reference),
             "ParseEventJson and JsonStringToMessage parse differently: ", fuzz::Show(line),
             "\nstrict:   ", event.ShortDebugString(), "\nprotobuf: ", reference.ShortDebugString());

  // 4. What import does next.
  Event with_id = event;
  const bool derived = ingest::EnsureEventId(&with_id);
  FUZZ_CHECK(derived == event.event_id().empty(), "EnsureEventId derived=", derived,
             " for event_id \"", event.event_id(), "\"");
  if (derived) {
    FUZZ_CHECK(IsDerivedId(with_id.event_id()), "malformed derived id ", with_id.event_id());
    Event other = event;
    other.set_event_id("x");
    FUZZ_CHECK(ingest::DeriveEventId(other) == with_id.event_id(),
               "DeriveEventId depends on event_id");
  }
  const absl::Status valid = ledger::ValidateEvent(with_id);
  FUZZ_CHECK(valid.ok() || valid.code() == absl::StatusCode::kInvalidArgument,
             "ValidateEvent returned ", valid.ToString());
  FUZZ_CHECK(fuzz::IsPrintableMessage(valid.message()),
             "ValidateEvent message has a control character: ", fuzz::Show(valid.message()));
  if (!valid.ok()) return 0;

  // 3. Export, then import again.
  const absl::StatusOr<std::string> json = ingest::ToCanonicalJson(with_id);
  FUZZ_CHECK(json.ok(), "ToCanonicalJson failed on a valid event: ", json.status().ToString());
  Event again;
  ingest::JsonParseError again_error;
  FUZZ_CHECK(ingest::ParseEventJson(*json, &again, &again_error),
             "ParseEventJson refuses the canonical JSON of a valid event (column ",
             again_error.column, ": ", again_error.message, ")\njson: ", fuzz::Show(*json),
             "\nline: ", fuzz::Show(line));
  FUZZ_CHECK(MessageDifferencer::Equals(with_id, again),
             "export then import changed the event: ", fuzz::Show(*json));
  return 0;
}
