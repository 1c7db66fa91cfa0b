// A full disk for RocksDB, in process: a FileSystem that passes everything
// to the default one until it is given a byte budget, after which writes to
// files fail with IOStatus::NoSpace() once the budget is spent, the way
// write(2) fails with ENOSPC (a write that does not fit is written in part,
// then fails). Runs anywhere, unlike a small tmpfs that needs `mount`.
//
//   auto fs = std::make_shared<NoSpaceFileSystem>();
//   ledger::OpenOptions o;
//   o.env = EnvOver(fs);
//   ... fs->LimitTo(64 << 10);  // 64 KiB more, over all files, then NoSpace
//   ... fs->Unlimit();          // space again
//
// Thread-safe (RocksDB writes from its background threads too).
#ifndef ENFORCEMENT_TESTS_SUPPORT_NO_SPACE_FS_H_
#define ENFORCEMENT_TESTS_SUPPORT_NO_SPACE_FS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace testing_support {

class NoSpaceFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Over rocksdb::FileSystem::Default(), unlimited.
  NoSpaceFileSystem();

  const char* Name() const override { return "NoSpaceFileSystem"; }

  // From now on only `bytes` more bytes may be written, over all files.
  void LimitTo(uint64_t bytes);
  // Writes succeed again.
  void Unlimit();
  // How many writes were refused (in whole or in part) since construction.
  uint64_t refused() const { return refused_.load(); }

  // Takes `n` bytes from the budget: all of them (true), or as many as are
  // left (*granted) and false. For the file wrappers.
  bool Take(uint64_t n, uint64_t* granted);

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  // The budget left while limited (RocksDB's error recovery polls this
  // before resuming writes); the real free space otherwise.
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* diskfree, rocksdb::IODebugContext* dbg) override;

 private:
  std::atomic<bool> limited_{false};
  std::atomic<uint64_t> left_{0};
  std::atomic<uint64_t> refused_{0};
};

// An Env whose files go through `fs`, for ledger::OpenOptions::env.
std::shared_ptr<rocksdb::Env> EnvOver(const std::shared_ptr<rocksdb::FileSystem>& fs);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_NO_SPACE_FS_H_
