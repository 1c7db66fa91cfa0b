// Fuzz target: bytes read back from the ledger's RocksDB families, decoded as
// ledger/record_coding.h and ledger/key_coding.h decode them
// (docs/FORMAT.md). The whole input is tried as every kind of stored datum:
//
//  - a records value: RecordBytesFromValue (kDataLoss for an empty value or an
//    unknown tag, else the bytes after the tag, which EncodeRecordValue
//    rebuilds), then LedgerRecord::ParseFromString, ValidateEvent and
//    ValidateEventFormat2 of the event (OK or kInvalidArgument; format 2 never
//    accepts a name or an agency suspect id), the Merkle leaf hash, and the re-encoding: for
//    a record whose recorded_at the ledger clock can produce (a Timestamp that
//    fits int64 nanoseconds), AppendRecordBytes of its fields equals
//    protobuf's deterministic serialization of the record (with recorded_at
//    and event present and no unknown fields) and parses back to it; so a
//    record as the ledger writes it re-encodes to exactly its stored bytes;
//  - a streams key (ParseStreamKey), a merkle key (ParseMerkleKey) and the
//    head value (DecodeHead): each accepts exactly the inputs of the layout of
//    docs/FORMAT.md and re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/key_coding.h"
#include "merkle/merkle.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using enforcement::v1::LedgerRecord;
using google::protobuf::util::MessageDifferencer;

std::string SerializeDeterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&cos);
  cos.Trim();
  FUZZ_CHECK(!cos.HadError(), "deterministic serialization failed");
  return out;
}

// Whether the Timestamp is one the ledger clock can write: nanos in
// [0, 1e9) and seconds * 1e9 + nanos within int64 (absl::ToUnixNanos does
// not saturate), i.e. years 1677..2262.
bool RepresentableAsUnixNanos(int64_t seconds, int32_t nanos) {
  if (nanos < 0 || nanos > 999999999) return false;
  const absl::int128 total = absl::int128(seconds) * 1000000000 + nanos;
  return total >= absl::int128(std::numeric_limits<int64_t>::min()) &&
         total <= absl::int128(std::numeric_limits<int64_t>::max());
}

void CheckRecord(absl::string_view record_bytes) {
  LedgerRecord record;
  if (!record.ParseFromString(std::string(record_bytes))) return;

  const absl::Status valid = ledger::ValidateEvent(record.event());
  FUZZ_CHECK(valid.ok() || valid.code() == absl::StatusCode::kInvalidArgument,
             "ValidateEvent returned ", valid.ToString());
  FUZZ_CHECK(fuzz::IsPrintableMessage(valid.message()),
             "ValidateEvent message has a control character: ", fuzz::Show(valid.message()));
  // Format 2's rules (docs/PERSONAL_DATA.md): refusals as for format 1, and
  // an event they accept carries no name and only subject ids.
  const absl::Status valid2 = ledger::ValidateEventFormat2(record.event());
  FUZZ_CHECK(valid2.ok() || valid2.code() == absl::StatusCode::kInvalidArgument,
             "ValidateEventFormat2 returned ", valid2.ToString());
  FUZZ_CHECK(fuzz::IsPrintableMessage(valid2.message()),
             "ValidateEventFormat2 message has a control character: ", fuzz::Show(valid2.message()));
  if (valid2.ok()) {
    const enforcement::v1::Event& e = record.event();
    FUZZ_CHECK(e.arrest().suspect().name().empty() && e.sentencing().suspect_name().empty(),
               "format 2 accepted a name");
    if (e.has_arrest()) {
      FUZZ_CHECK(ledger::IsSubjectId(e.arrest().suspect().suspect_id()),
                 "format 2 accepted an agency suspect id");
    }
    for (const std::string& id : e.handover().suspect_ids()) {
      FUZZ_CHECK(ledger::IsSubjectId(id), "format 2 accepted an agency suspect id");
    }
  }
  (void)merkle::LeafHash(record_bytes);

  const int64_t seconds = record.recorded_at().seconds();
  const int32_t nanos = record.recorded_at().nanos();
  if (!RepresentableAsUnixNanos(seconds, nanos)) return;

  std::string event_bytes;
  FUZZ_CHECK(ledger::SerializeEventDeterministic(record.event(), &event_bytes),
             "SerializeEventDeterministic failed for a parsed event");
  const absl::Time recorded_at = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  std::string reencoded;
  ledger::AppendRecordBytes(record.position(), recorded_at, record.stream_version(), event_bytes,
                            &reencoded);

  // The record as AppendRecordBytes represents it.
  LedgerRecord normal = record;
  normal.GetReflection()->MutableUnknownFields(&normal)->Clear();
  normal.mutable_recorded_at()->Clear();
  normal.mutable_recorded_at()->set_seconds(seconds);
  normal.mutable_recorded_at()->set_nanos(nanos);
  normal.mutable_event();  // present, possibly empty
  const std::string expected = SerializeDeterministic(normal);
  FUZZ_CHECK(reencoded == expected, "AppendRecordBytes differs from protobuf's serialization",
             "\nrecord: ", normal.ShortDebugString(), "\nAppendRecordBytes: ",
             fuzz::Show(reencoded), "\nprotobuf:          ", fuzz::Show(expected));

  LedgerRecord back;
  FUZZ_CHECK(back.ParseFromString(reencoded), "re-encoded record does not parse: ",
             fuzz::Show(reencoded));
  FUZZ_CHECK(MessageDifferencer::Equals(back, normal), "re-encoded record parses differently",
             "\nbefore: ", normal.ShortDebugString(), "\nafter:  ", back.ShortDebugString());
  // Hence a record as the ledger writes it (expected == record_bytes)
  // re-encodes to exactly its stored bytes.
}

void CheckRecordValue(absl::string_view value) {
  const absl::StatusOr<absl::string_view> bytes = ledger::RecordBytesFromValue(value, 42);
  const bool tagged = !value.empty() && static_cast<uint8_t>(value[0]) == ledger::kRecordValueTag;
  if (!bytes.ok()) {
    FUZZ_CHECK(!tagged, "a tagged value was refused: ", bytes.status().ToString());
    FUZZ_CHECK(bytes.status().code() == absl::StatusCode::kDataLoss,
               "RecordBytesFromValue returned ", bytes.status().ToString());
    FUZZ_CHECK(bytes.status().message().find("record 42") != absl::string_view::npos,
               "the error does not name the position: ", bytes.status().ToString());
    return;
  }
  FUZZ_CHECK(tagged, "an untagged value was accepted: ", fuzz::Show(value));
  FUZZ_CHECK(ledger::EncodeRecordValue(*bytes) == value, "EncodeRecordValue does not rebuild ",
             fuzz::Show(value));
  CheckRecord(*bytes);
}

void CheckKeys(absl::string_view data) {
  absl::string_view stream;
  uint64_t version = 0;
  const bool stream_ok = ledger::ParseStreamKey(data, &stream, &version);
  FUZZ_CHECK(stream_ok == (data.size() >= 10 && data[data.size() - 9] == '\0'),
             "ParseStreamKey returned ", stream_ok, " for ", fuzz::Show(data));
  if (stream_ok) {
    FUZZ_CHECK(ledger::StreamKey(stream, version) == data, "StreamKey does not rebuild ",
               fuzz::Show(data));
    FUZZ_CHECK(ledger::StreamKey(stream, version) < ledger::StreamKeyEnd(stream),
               "stream key sorts after StreamKeyEnd: ", fuzz::Show(data));
  }

  int level = -1;
  uint64_t index = 0;
  const bool merkle_ok = ledger::ParseMerkleKey(data, &level, &index);
  FUZZ_CHECK(merkle_ok == (data.size() == 9), "ParseMerkleKey returned ", merkle_ok, " for ",
             fuzz::Show(data));
  if (merkle_ok) {
    FUZZ_CHECK(level >= 0 && level <= 255, "ParseMerkleKey level ", level);
    FUZZ_CHECK(ledger::MerkleKey(level, index) == data, "MerkleKey does not rebuild ",
               fuzz::Show(data));
  }

  const std::optional<ledger::HeadValue> head = ledger::DecodeHead(data);
  FUZZ_CHECK(head.has_value() == (data.size() == 48), "DecodeHead returned ", head.has_value(),
             " for ", fuzz::Show(data));
  if (head.has_value()) {
    FUZZ_CHECK(ledger::EncodeHead(*head) == data, "EncodeHead does not rebuild ",
               fuzz::Show(data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  fuzz::QuietProtobufWarnings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  CheckKeys(input);
  CheckRecordValue(input);
  return 0;
}
