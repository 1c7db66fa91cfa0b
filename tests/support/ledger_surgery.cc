#include "tests/support/ledger_surgery.h"

#include <vector>

#include "gtest/gtest.h"
#include "ledger/key_coding.h"
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

}  // namespace testing_support
