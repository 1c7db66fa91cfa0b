#include "ledger/record_coding.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/key_coding.h"

namespace ledger {
namespace {

using google::protobuf::io::CodedOutputStream;

// Wire types of the protobuf encoding.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) { return (field << 3) | wire_type; }

void PutVarint(std::string* out, uint64_t v) {
  uint8_t buf[10];
  uint8_t* end = CodedOutputStream::WriteVarint64ToArray(v, buf);
  out->append(reinterpret_cast<char*>(buf), end - buf);
}

// google.protobuf.Timestamp{seconds = 1, nanos = 2}.
void AppendTimestamp(absl::Time t, std::string* out) {
  const int64_t nanos_total = absl::ToUnixNanos(t);
  int64_t seconds = nanos_total / 1000000000;
  int32_t nanos = static_cast<int32_t>(nanos_total % 1000000000);
  if (nanos < 0) {  // Timestamp nanos are always in [0, 1e9).
    nanos += 1000000000;
    seconds -= 1;
  }
  std::string body;
  if (seconds != 0) {
    PutVarint(&body, Tag(1, kVarint));
    PutVarint(&body, static_cast<uint64_t>(seconds));
  }
  if (nanos != 0) {
    PutVarint(&body, Tag(2, kVarint));
    PutVarint(&body, static_cast<uint64_t>(static_cast<int64_t>(nanos)));
  }
  PutVarint(out, Tag(2, kLengthDelimited));
  PutVarint(out, body.size());
  out->append(body);
}

}  // namespace

void AppendRecordBytes(uint64_t position, absl::Time recorded_at, uint64_t stream_version,
                       absl::string_view event_bytes, std::string* out) {
  if (position != 0) {
    PutVarint(out, Tag(1, kVarint));
    PutVarint(out, position);
  }
  AppendTimestamp(recorded_at, out);
  if (stream_version != 0) {
    PutVarint(out, Tag(3, kVarint));
    PutVarint(out, stream_version);
  }
  PutVarint(out, Tag(4, kLengthDelimited));
  PutVarint(out, event_bytes.size());
  out->append(event_bytes.data(), event_bytes.size());
}

std::string EncodeRecordValue(absl::string_view record_bytes) {
  std::string v;
  v.reserve(record_bytes.size() + 1);
  v.push_back(static_cast<char>(kRecordValueTag));
  v.append(record_bytes.data(), record_bytes.size());
  return v;
}

absl::StatusOr<absl::string_view> RecordBytesFromValue(absl::string_view value,
                                                       uint64_t position) {
  if (value.empty()) {
    return absl::DataLossError(absl::StrCat("record ", position, ": empty stored value"));
  }
  if (static_cast<uint8_t>(value[0]) != kRecordValueTag) {
    return absl::DataLossError(absl::StrCat("record ", position, ": unknown value tag 0x",
                                            absl::Hex(static_cast<uint8_t>(value[0]))));
  }
  return value.substr(1);
}

bool EventBytesOfRecord(absl::string_view record_bytes, absl::string_view* event_bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(record_bytes.data()), static_cast<int>(record_bytes.size()));
  *event_bytes = absl::string_view();
  bool seen = false;
  while (uint32_t tag = in.ReadTag()) {
    if (tag != Tag(4, kLengthDelimited)) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    // A parse would merge repeated occurrences; this ledger writes one.
    uint32_t size;
    if (seen || !in.ReadVarint32(&size)) return false;
    const size_t at = static_cast<size_t>(in.CurrentPosition());
    if (size > record_bytes.size() - at || !in.Skip(static_cast<int>(size))) return false;
    *event_bytes = record_bytes.substr(at, size);
    seen = true;
  }
  return in.ConsumedEntireMessage();
}

bool SerializeEventDeterministic(const enforcement::v1::Event& event, std::string* out) {
  const size_t size = event.ByteSizeLong();
  out->resize(size);
  google::protobuf::io::ArrayOutputStream aos(out->data(), static_cast<int>(size));
  CodedOutputStream cos(&aos);
  cos.SetSerializationDeterministic(true);
  event.SerializeWithCachedSizes(&cos);
  cos.Trim();
  return !cos.HadError() && cos.ByteCount() == static_cast<int64_t>(size);
}

}  // namespace ledger
