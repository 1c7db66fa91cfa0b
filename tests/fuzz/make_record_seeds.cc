// Writes the seed corpus of the record target (tests/fuzz/corpus/record/):
// stored values built exactly as Ledger::Append builds them (ParseEventLine,
// SerializeEventDeterministic, AppendRecordBytes, EncodeRecordValue) from the
// NDJSON files given, plus a few edge records and a streams key, a merkle key
// and a head value. Run by `tools/fuzz seeds`; deterministic, so re-running
// it rewrites identical files.
//
//   make_record_seeds OUT_DIR NDJSON_FILE...
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "enforcement/v1/event.pb.h"
#include "ledger/key_coding.h"
#include "ledger/record_coding.h"
#include "ingest/ndjson.h"

namespace {

bool Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
  return static_cast<bool>(out);
}

std::string RecordValue(uint64_t position, absl::Time at, uint64_t version,
                        const std::string& event_bytes) {
  std::string record;
  ledger::AppendRecordBytes(position, at, version, event_bytes, &record);
  return ledger::EncodeRecordValue(record);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR NDJSON_FILE...\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const absl::Time base = absl::FromUnixSeconds(1712000000) + absl::Nanoseconds(123456789);
  uint64_t position = 0;
  std::string first_event;
  bool ok = true;
  for (int i = 2; i < argc; ++i) {
    auto reader = ingest::LineReader::Open(argv[i]);
    if (!reader.ok()) {
      std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
      return 1;
    }
    std::string line;
    while (true) {
      auto more = (*reader)->Next(&line);
      if (!more.ok() || !*more) break;
      if (ingest::IsBlankLine(line)) continue;
      enforcement::v1::Event event;
      if (!ingest::ParseEventLine(line, &event).ok()) continue;
      std::string bytes;
      if (!ledger::SerializeEventDeterministic(event, &bytes)) continue;
      if (first_event.empty()) first_event = bytes;
      ok &= Write(dir, absl::StrCat("value-", event.event_id()),
                  RecordValue(position, base + absl::Seconds(position), position % 3, bytes));
      ++position;
    }
  }
  // Edge records: position and version 0 (omitted fields), a time before
  // 1970 with nanos, the largest and smallest clock values, an empty event.
  ok &= Write(dir, "value-zero-header", RecordValue(0, absl::UnixEpoch(), 0, first_event));
  ok &= Write(dir, "value-before-1970",
              RecordValue(1, absl::FromUnixSeconds(-5) + absl::Nanoseconds(500), 1, first_event));
  ok &= Write(dir, "value-max-clock",
              RecordValue(UINT64_MAX, absl::FromUnixNanos(INT64_MAX), UINT64_MAX, first_event));
  ok &= Write(dir, "value-min-clock", RecordValue(2, absl::FromUnixNanos(INT64_MIN), 2, ""));
  ok &= Write(dir, "value-untagged", std::string("\x02", 1) + "x");
  // Keys and the head value.
  ok &= Write(dir, "key-stream", ledger::StreamKey("operation/op-2024-muse-01", 5));
  ok &= Write(dir, "key-merkle", ledger::MerkleKey(3, 0x0102030405060708));
  ledger::HeadValue head;
  head.tree_size = 6;
  for (size_t i = 0; i < head.root.size(); ++i) head.root[i] = static_cast<uint8_t>(i * 7);
  head.last_recorded_at_nanos = -1;
  ok &= Write(dir, "head", ledger::EncodeHead(head));
  return ok ? 0 : 1;
}
