// RocksDB's info log (its LOG file) for the ledger and the views stores.
//
// RocksDB 7.8's own file logger writes through a WritableFileWriter, which,
// once a write has failed (a full disk), aborts the process on the next line
// logged: an assert() that Debian's build keeps. RocksDB logs exactly when
// things go wrong (the failed write itself, its error recovery), so on a full
// disk every command died with exit 134 instead of reporting the error. This
// logger writes each line with one write(2) and ignores failures: a line
// lost on a full disk costs nothing, the error itself reaches the caller as a
// status.
//
// Thread-safe: RocksDB logs from its background threads too.
#ifndef ENFORCEMENT_LEDGER_ROCKS_LOG_H_
#define ENFORCEMENT_LEDGER_ROCKS_LOG_H_

#include <memory>
#include <string>

#include "rocksdb/env.h"

namespace ledger {

// A logger appending to `dir`/LOG (created if missing; a LOG of more than
// 4 MiB is first renamed to LOG.old, replacing an older one), dropping lines
// below `level`. Never fails: if the file cannot be opened, lines are
// dropped.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, rocksdb::InfoLogLevel level);

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_ROCKS_LOG_H_
