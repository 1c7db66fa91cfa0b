// The parts of Ledger::Verify (ledger/verify.cc), one file each:
//   verify_digest.{h,cc}   keyed multiset digests
//   record_fields.{h,cc}   the fast reader of a record's fields
//   verify_fast.cc         the fast pass: the digest scan on two threads
//   verify_key_layout.cc   the fast pass's keys agree with key_coding.h
//   verify_lookups.cc      the lookup pass: the exact first difference
// Internal to ledger/.
#ifndef ENFORCEMENT_LEDGER_VERIFY_INTERNAL_H_
#define ENFORCEMENT_LEDGER_VERIFY_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "ledger/verify_digest.h"
#include "merkle/merkle.h"

namespace ledger::verify_internal {

// The column families verify reads (Ledger::Impl is private to Ledger, so
// Verify hands these over).
struct VerifyStore {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids = nullptr;
  rocksdb::ColumnFamilyHandle* merkle = nullptr;
  rocksdb::ColumnFamilyHandle* retracted = nullptr;
  const RocksLogCapture* log_capture = nullptr;  // may be null
};

// What the fast pass found: nothing (ok), a difference it describes, or an
// error that stopped it.
struct FastFinding {
  bool ok = true;
  absl::Status error;                // set when reading failed
  std::optional<uint64_t> position;  // when tied to a record
  std::string problem;
};

// The fast pass (verify_fast.cc) over `snapshot` (null: the live data of a
// read-only ledger): every check, on the calling thread and one reader
// thread. Fills *root with the root recomputed from the records and
// *records_checked.
FastFinding RunFastPass(const VerifyStore& st, const Head& head, const rocksdb::Snapshot* snapshot,
                        const DigestKeys& keys,
                        const std::function<void(uint64_t, uint64_t)>& progress,
                        merkle::Hash* root, uint64_t* records_checked);

// The lookup pass (verify_lookups.cc): one sequential iterator per Merkle
// level and point lookups into the indexes; names the first position that
// differs and what differs.
absl::StatusOr<VerifyReport> VerifyByLookups(
    const Ledger& ledger, const VerifyStore& st, const Head& head,
    const std::function<void(uint64_t done, uint64_t total)>& progress);

// The fast pass composes keys by hand (no allocation per entry); they must be
// the bytes key_coding.h defines.
bool KeyLayoutsAgree();

}  // namespace ledger::verify_internal

#endif  // ENFORCEMENT_LEDGER_VERIFY_INTERNAL_H_
