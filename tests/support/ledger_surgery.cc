#include "tests/support/ledger_surgery.h"

#include <vector>

#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/key_coding.h"
#include "tests/support/paths.h"
#include "rocksdb/db.h"

namespace testing_support {

std::string ReplaceRecord(const std::string& db, uint64_t position, const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db, &names).ok());
  for (const std::string& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db, cfs, &handles, &raw).ok());
  rocksdb::ColumnFamilyHandle* records = nullptr;
  for (auto* h : handles) {
    if (h->GetName() == ledger::kRecordsFamily) records = h;
  }
  std::string old;
  EXPECT_NE(records, nullptr);
  if (records != nullptr) {
    EXPECT_TRUE(raw->Get(rocksdb::ReadOptions(), records, ledger::RecordKey(position), &old).ok());
    EXPECT_TRUE(raw->Put(rocksdb::WriteOptions(), records, ledger::RecordKey(position), value).ok());
  }
  for (auto* h : handles) EXPECT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
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

}  // namespace testing_support
