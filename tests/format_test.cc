// Golden tests of the storage format (docs/FORMAT.md): the bytes of keys,
// values and records are pinned here, so a format change is a deliberate act
// that updates docs/FORMAT.md, the format version and these fixtures together.
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/coded_stream.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

// Fixture files hold lines "name hex"; '#' starts a comment.
std::string Golden(const std::string& name) {
  const std::string text = testing_support::ReadFileOrDie(
      testing_support::SourceDir() + "/tests/testdata/format/golden.txt");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (kv.first == name) return kv.second;
  }
  ADD_FAILURE() << "no golden value " << name;
  return "";
}

Event GoldenEvent() {
  Event e = testing_support::HandoverEvent("golden-1", "handover/mm-cn", "MM", "CN", 352);
  e.mutable_handover()->set_ringleaders_count(21);
  e.mutable_handover()->set_nationality("CN");
  return e;
}

TEST(FormatTest, KeysHaveTheirDocumentedBytes) {
  EXPECT_EQ(Hex(RecordKey(258)), Golden("record_key_258"));
  EXPECT_EQ(Hex(StreamKey("suspect/a", 1)), Golden("stream_key_suspect_a_1"));
  EXPECT_EQ(Hex(StreamKeyEnd("suspect/a")), Golden("stream_key_end_suspect_a"));
  EXPECT_EQ(Hex(MerkleKey(3, 5)), Golden("merkle_key_3_5"));
  HeadValue h;
  h.tree_size = 7;
  h.root.fill(0xab);
  h.last_recorded_at_nanos = 1711929600123456789;
  EXPECT_EQ(Hex(EncodeHead(h)), Golden("head_value"));
}

TEST(FormatTest, HighWaterMarkSlotHasItsDocumentedBytes) {
  HighWaterMark m;
  m.format_version = 1;
  m.sequence = 5;
  m.tree_size = 7;
  m.root.fill(0xab);
  m.origin_hash = OriginHash("enforcement-ledger.example/log");
  const std::string slot = EncodeHighWaterMarkSlot(m);
  EXPECT_EQ(Hex(slot), Golden("high_water_mark_slot"));
  absl::StatusOr<HighWaterMark> back = DecodeHighWaterMarkSlot(slot);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->sequence, 5u);
  EXPECT_EQ(back->tree_size, 7u);
  EXPECT_EQ(back->root, m.root);
  EXPECT_EQ(back->origin_hash, m.origin_hash);
  // Every single-byte change is refused (magic or checksum).
  for (size_t i = 0; i < slot.size(); ++i) {
    std::string bad = slot;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    EXPECT_EQ(DecodeHighWaterMarkSlot(bad).status().code(), absl::StatusCode::kDataLoss) << i;
  }
}

TEST(FormatTest, RecordBytesAreGolden) {
  std::string event_bytes;
  ASSERT_TRUE(SerializeEventDeterministic(GoldenEvent(), &event_bytes));
  EXPECT_EQ(Hex(event_bytes), Golden("event_golden_1"));
  std::string record;
  AppendRecordBytes(3, absl::FromUnixNanos(1711929600500000000), 2, event_bytes, &record);
  EXPECT_EQ(Hex(record), Golden("record_golden_1"));
  EXPECT_EQ(Hex(EncodeRecordValue(record)), "01" + Golden("record_golden_1"));
  EXPECT_EQ(merkle::ToHex(merkle::LeafHash(record)), Golden("leaf_hash_golden_1"));
}

TEST(FormatTest, HandComposedRecordEqualsProtobufSerialization) {
  std::string event_bytes;
  ASSERT_TRUE(SerializeEventDeterministic(GoldenEvent(), &event_bytes));
  // Zero values (omitted in proto3), large values, pre-epoch times.
  const uint64_t positions[] = {0, 1, 127, 128, 1u << 20, ~uint64_t{0}};
  const int64_t nanos[] = {0, 1, 999999999, 1711929600000000000, -1, -1500000000};
  for (uint64_t pos : positions) {
    for (int64_t ns : nanos) {
      for (uint64_t version : {uint64_t{0}, uint64_t{300}}) {
        std::string composed;
        AppendRecordBytes(pos, absl::FromUnixNanos(ns), version, event_bytes, &composed);
        LedgerRecord r;
        r.set_position(pos);
        int64_t s = ns / 1000000000, n = ns % 1000000000;
        if (n < 0) {
          n += 1000000000;
          s -= 1;
        }
        r.mutable_recorded_at()->set_seconds(s);
        r.mutable_recorded_at()->set_nanos(static_cast<int32_t>(n));
        r.set_stream_version(version);
        *r.mutable_event() = GoldenEvent();
        std::string expected;
        ASSERT_TRUE(r.SerializeToString(&expected));
        EXPECT_EQ(Hex(composed), Hex(expected)) << "pos " << pos << " ns " << ns;
      }
    }
  }
}

TEST(FormatTest, EventBytesOfARecordAreItsEventsDeterministicBytes) {
  std::string event_bytes;
  ASSERT_TRUE(SerializeEventDeterministic(GoldenEvent(), &event_bytes));
  for (uint64_t pos : {uint64_t{0}, uint64_t{1} << 40}) {
    std::string record;
    AppendRecordBytes(pos, absl::FromUnixSeconds(1711929600), 3, event_bytes, &record);
    absl::string_view got;
    ASSERT_TRUE(EventBytesOfRecord(record, &got));
    EXPECT_EQ(Hex(got), Hex(event_bytes));
    // Truncated anywhere: refused, never a shorter event.
    for (size_t cut = 1; cut < record.size(); ++cut) {
      absl::string_view part;
      if (EventBytesOfRecord(absl::string_view(record).substr(0, cut), &part)) {
        EXPECT_NE(part.size(), event_bytes.size()) << "cut " << cut;
        EXPECT_TRUE(part.empty()) << "cut " << cut;  // only cuts before the event field parse
      }
    }
    // Two event fields (a parse would merge them): refused.
    std::string twice = record;
    twice.push_back(static_cast<char>(0x22));  // field 4, length-delimited
    uint8_t len[5];
    const uint8_t* len_end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
        static_cast<uint32_t>(event_bytes.size()), len);
    twice.append(reinterpret_cast<const char*>(len), len_end - len);
    twice.append(event_bytes);
    absl::string_view none;
    EXPECT_FALSE(EventBytesOfRecord(twice, &none));
  }
  absl::string_view empty;
  ASSERT_TRUE(EventBytesOfRecord("", &empty));
  EXPECT_TRUE(empty.empty());
}

TEST(FormatTest, StoredValueWithUnknownTagIsDataLoss) {
  auto r = RecordBytesFromValue(std::string("\x02xyz", 4), 9);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(RecordBytesFromValue("", 9).status().code(), absl::StatusCode::kDataLoss);
}

// Format 2 (docs/PERSONAL_DATA.md): an arrest as the importer stores it (the
// subject id in the field, no name, one PersonalField per personal field)
// and an erasure.
constexpr char kGoldenSubject[] = "sub_00112233445566778899aabbccddeeff";

Event GoldenFormat2Arrest() {
  Event e = testing_support::ArrestEvent("golden-2-arrest", kGoldenSubject);
  auto* name = e.add_personal();
  name->set_field_path("arrest.suspect.name");
  name->set_subject_id(kGoldenSubject);
  name->set_commitment(std::string(32, '\x11'));
  auto* id = e.add_personal();
  id->set_field_path("arrest.suspect.suspect_id");
  id->set_subject_id(kGoldenSubject);
  id->set_commitment(std::string(32, '\x22'));
  auto* stream = e.add_personal();  // the stream suspect/<subject>
  stream->set_field_path("stream");
  stream->set_subject_id(kGoldenSubject);
  stream->set_commitment(std::string(32, '\x33'));
  return e;
}

Event GoldenErasure() {
  Event e = testing_support::ArrestEvent("golden-2-erasure", kGoldenSubject);
  e.clear_arrest();
  e.mutable_erasure()->set_subject_id(kGoldenSubject);
  e.mutable_erasure()->set_authority("Court of X, order 2026/118");
  e.mutable_erasure()->set_reason("acquitted");
  return e;
}

TEST(FormatTest, Format2RecordBytesAreGolden) {
  struct Case {
    Event event;
    uint64_t position, stream_version;
    const char* name;
  };
  for (const Case& c : {Case{GoldenFormat2Arrest(), 4, 0, "format2_arrest"},
                        Case{GoldenErasure(), 5, 1, "format2_erasure"}}) {
    ASSERT_EQ(ValidateEventFormat2(c.event), absl::OkStatus()) << c.name;
    std::string event_bytes;
    ASSERT_TRUE(SerializeEventDeterministic(c.event, &event_bytes));
    EXPECT_EQ(Hex(event_bytes), Golden(absl::StrCat("event_", c.name))) << c.name;
    std::string record;
    AppendRecordBytes(c.position, absl::FromUnixNanos(1711929600500000000), c.stream_version,
                      event_bytes, &record);
    EXPECT_EQ(Hex(record), Golden(absl::StrCat("record_", c.name))) << c.name;
    EXPECT_EQ(merkle::ToHex(merkle::LeafHash(record)), Golden(absl::StrCat("leaf_hash_", c.name)))
        << c.name;
    LedgerRecord parsed;
    ASSERT_TRUE(parsed.ParseFromString(record));
    EXPECT_EQ(parsed.event().SerializeAsString(), event_bytes);
  }
}

TEST(FormatTest, Format2HighWaterMarkSlotDiffersOnlyInItsVersionAndChecksum) {
  HighWaterMark m;
  m.format_version = 2;
  m.sequence = 5;
  m.tree_size = 7;
  m.root.fill(0xab);
  m.origin_hash = OriginHash("enforcement-ledger.example/log");
  const std::string slot = EncodeHighWaterMarkSlot(m);
  EXPECT_EQ(Hex(slot), Golden("high_water_mark_slot_format2"));
  absl::StatusOr<HighWaterMark> back = DecodeHighWaterMarkSlot(slot);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->format_version, 2u);
}

TEST(FormatTest, LedgerOfFixedEventsAndClockHasGoldenRoot) {
  testing_support::TempDir dir;
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = "golden.example/log";
  absl::Time now = absl::FromUnixSeconds(1711929600);
  o.clock = [&] { return now; };
  auto l = Ledger::Open(dir.Sub("db"), o);
  ASSERT_TRUE(l.ok()) << l.status();
  for (int i = 0; i < 5; ++i) {
    Event e = GoldenEvent();
    e.set_event_id(absl::StrCat("golden-", i));
    ASSERT_TRUE((*l)->AppendEvents({e}).ok());
    now += absl::Seconds(1);
  }
  EXPECT_EQ(merkle::ToHex((*l)->GetHead().root), Golden("ledger_root_5_golden_events"));
}

}  // namespace
}  // namespace ledger
