#include "tests/support/ledger_surgery.h"

#include <vector>

#include "absl/time/time.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/key_coding.h"
#include "ledger/record_coding.h"
#include "tests/support/paths.h"
#include "rocksdb/db.h"

namespace testing_support {
namespace {

// Opens the database at `db` with all its families and calls `fn` with it
// and its records family (null if missing).
void WithRecords(const std::string& db,
                 const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& fn) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db, &names).ok());
  for (const std::string& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db, cfs, &handles, &raw).ok());
  if (raw == nullptr) return;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  for (auto* h : handles) {
    if (h->GetName() == ledger::kRecordsFamily) records = h;
  }
  EXPECT_NE(records, nullptr);
  fn(raw, records);
  for (auto* h : handles) EXPECT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
}

}  // namespace

std::string ReplaceRecord(const std::string& db, uint64_t position, const std::string& value) {
  std::string old;
  WithRecords(db, [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* records) {
    if (records == nullptr) return;
    EXPECT_TRUE(raw->Get(rocksdb::ReadOptions(), records, ledger::RecordKey(position), &old).ok());
    EXPECT_TRUE(raw->Put(rocksdb::WriteOptions(), records, ledger::RecordKey(position), value).ok());
  });
  return old;
}

void ForgeHighWaterMark(const std::string& db, uint64_t tree_size, const merkle::Hash& root) {
  absl::StatusOr<ledger::HighWaterMark> m = ledger::ReadHighWaterMark(db);
  ASSERT_TRUE(m.ok()) << m.status();
  m->tree_size = tree_size;
  m->root = root;
  std::string file(640, '\0');
  m->sequence = 0;
  file.replace(0, 128, ledger::EncodeHighWaterMarkSlot(*m));
  m->sequence = 1;
  file.replace(512, 128, ledger::EncodeHighWaterMarkSlot(*m));
  WriteFileOrDie(db + "/" + ledger::kHighWaterMarkFileName, file);
}

void RewriteEvent(const std::string& db, uint64_t position,
                  const std::function<void(enforcement::v1::Event*)>& edit) {
  WithRecords(db, [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* records) {
    if (records == nullptr) return;
    std::string value;
    ASSERT_TRUE(raw->Get(rocksdb::ReadOptions(), records, ledger::RecordKey(position), &value).ok());
    absl::StatusOr<absl::string_view> bytes = ledger::RecordBytesFromValue(value, position);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    enforcement::v1::LedgerRecord record;
    ASSERT_TRUE(record.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
    edit(record.mutable_event());
    std::string event_bytes, record_bytes;
    ASSERT_TRUE(ledger::SerializeEventDeterministic(record.event(), &event_bytes));
    const absl::Time recorded_at = absl::FromUnixSeconds(record.recorded_at().seconds()) +
                                   absl::Nanoseconds(record.recorded_at().nanos());
    ledger::AppendRecordBytes(record.position(), recorded_at, record.stream_version(), event_bytes,
                              &record_bytes);
    EXPECT_TRUE(raw->Put(rocksdb::WriteOptions(), records, ledger::RecordKey(position),
                         ledger::EncodeRecordValue(record_bytes))
                    .ok());
  });
}

}  // namespace testing_support
