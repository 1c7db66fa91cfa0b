// A RocksDB info log that keeps the last few warnings and errors in memory,
// so that an error RocksDB returns without a file name ("Corruption:
// checksum mismatch" while replaying a write-ahead log) can be reported with
// the file RocksDB named in its log ("…/000019.log: dropping 3 bytes; …").
//
// Thread-safety: RocksDB calls Logv from its own threads; all methods are
// safe to call concurrently.
#ifndef ENFORCEMENT_LEDGER_ROCKS_LOG_CAPTURE_H_
#define ENFORCEMENT_LEDGER_ROCKS_LOG_CAPTURE_H_

#include <cstdarg>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "rocksdb/env.h"

namespace ledger {

class RocksLogCapture : public rocksdb::Logger {
 public:
  // Keeps messages at WARN_LEVEL and above; the last kKeep of them, each cut
  // to kMaxBytes.
  static constexpr size_t kKeep = 16;
  static constexpr size_t kMaxBytes = 512;

  RocksLogCapture() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  // Also passes every message to `target` (RocksDB's LOG file, ledger/rocks_log.h).
  // Set before RocksDB is opened with this logger; may be null.
  void set_target(std::shared_ptr<rocksdb::Logger> target) {
    std::lock_guard<std::mutex> l(mu_);
    target_ = std::move(target);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

  // The oldest kept message that names a database file (*.log, *.sst,
  // MANIFEST-*, CURRENT), without RocksDB's source location, and how many
  // more there are. Empty if none.
  std::string FileMessages() const;

 private:
  mutable std::mutex mu_;
  std::deque<std::string> lines_;
  std::shared_ptr<rocksdb::Logger> target_;
};

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_ROCKS_LOG_CAPTURE_H_
