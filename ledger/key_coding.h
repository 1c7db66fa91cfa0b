// Every byte encoding of the ledger's storage layout lives here, as
// util/coding.h does in LevelDB. docs/FORMAT.md is the specification; the
// golden tests in tests/format_test.cc pin the bytes.
#ifndef ENFORCEMENT_LEDGER_KEY_CODING_H_
#define ENFORCEMENT_LEDGER_KEY_CODING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "merkle/merkle.h"

namespace ledger {

// Column family names.
inline constexpr char kMetaFamily[] = "default";
inline constexpr char kRecordsFamily[] = "records";
inline constexpr char kStreamsFamily[] = "streams";
inline constexpr char kEventIdsFamily[] = "event_ids";
inline constexpr char kMerkleFamily[] = "merkle";
inline constexpr char kRetractedFamily[] = "retracted";

// Keys of the meta (default) family.
inline constexpr char kFormatVersionKey[] = "format_version";
inline constexpr char kOriginKey[] = "origin";
inline constexpr char kHeadKey[] = "head";
// Present (value "1") once the ledger keeps a HIGH_WATER_MARK file beside
// the database (ledger/high_water_mark.h): from then on a missing mark file
// is damage, not an old ledger.
inline constexpr char kHighWaterMarkKey[] = "high_water_mark";

// The storage formats this code writes and reads, as the value of the
// format_version key (docs/FORMAT.md). Format 1: events as producers wrote
// them. Format 2 (docs/PERSONAL_DATA.md): no personal data in the log
// (Event.personal holds commitments), Erasure events, records of at most
// kMaxRecordBytesFormat2 bytes, suspect streams named by subject id.
inline constexpr char kFormatVersion1[] = "1";
inline constexpr char kFormatVersion2[] = "2";
// The largest serialized LedgerRecord a format-2 ledger stores: the entry
// limit of the tlog-tiles publication format (a 16-bit length).
inline constexpr size_t kMaxRecordBytesFormat2 = 65535;
// First byte of every value in the records family.
inline constexpr uint8_t kRecordValueTag = 0x01;

void PutFixed64BE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64BE(const char* p);  // REQUIRES: 8 readable bytes

// records: fixed64 BE position.
std::string RecordKey(uint64_t position);
// streams: stream bytes, 0x00, fixed64 BE stream_version. Stream names never
// contain 0x00 (validation refuses control characters), so keys of one
// stream are contiguous and ordered by version.
std::string StreamKey(absl::string_view stream, uint64_t version);
// The first key after every key of `stream`: stream bytes, 0x01.
std::string StreamKeyEnd(absl::string_view stream);
// Splits a streams key; false if malformed.
bool ParseStreamKey(absl::string_view key, absl::string_view* stream, uint64_t* version);
// merkle: one byte level, fixed64 BE index.
std::string MerkleKey(int level, uint64_t index);
bool ParseMerkleKey(absl::string_view key, int* level, uint64_t* index);

// Value of the head key: fixed64 BE tree size, 32-byte root, fixed64 BE
// last recorded_at as nanoseconds since the Unix epoch (two's complement).
struct HeadValue {
  uint64_t tree_size = 0;
  merkle::Hash root{};
  int64_t last_recorded_at_nanos = 0;
};
std::string EncodeHead(const HeadValue& head);
std::optional<HeadValue> DecodeHead(absl::string_view value);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_KEY_CODING_H_
