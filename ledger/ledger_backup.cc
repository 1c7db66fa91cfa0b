// Ledger::WithFrozenDatabase: the writer's database handle for backups and
// point-in-time copies (backup/).
#include <mutex>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"

namespace ledger {

absl::Status Ledger::WithFrozenDatabase(
    const std::function<absl::Status(rocksdb::DB& db, const Head& head)>& fn) {
  Impl& im = *impl_;
  if (im.options.read_only) {
    return absl::FailedPreconditionError(
        absl::StrCat("a copy of the ledger at ", im.path, " needs it opened for writing"));
  }
  std::lock_guard<std::mutex> lock(im.mu);
  if (!im.write_failure.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ledger at ", im.path, " refuses writes after a failed one (",
        im.write_failure.message(), "); reopen it before copying it"));
  }
  return fn(*im.db, im.head);
}

}  // namespace ledger
