// Changing a closed ledger's stored bytes underneath it, to test how readers
// meet corruption. Tests only.
#ifndef ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_
#define ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "merkle/merkle.h"
#include "enforcement/v1/event.pb.h"

namespace testing_support {

// Rewrites the stored value of record `position` in the (closed) ledger
// database at `db`; returns the old value. Fails the current test (gtest
// expectations) if the database or the record cannot be opened or written.
std::string ReplaceRecord(const std::string& db, uint64_t position, const std::string& value);

// Rewrites the (closed) ledger's HIGH_WATER_MARK to say `tree_size` and
// `root`, keeping its format and origin: what a forger who also rewrote the
// Merkle tree and the head would do, so that only deeper checks can see it.
void ForgeHighWaterMark(const std::string& db, uint64_t tree_size, const merkle::Hash& root);

// Rewrites the event of record `position` in the (closed) ledger database at
// `db` with `edit`, keeping its position, recorded_at and stream version:
// the record an older ledger, with laxer validation, would have written
// (only the Merkle leaf, computed at append, no longer matches). Used to
// put values that today's validation refuses into a log.
void RewriteEvent(const std::string& db, uint64_t position,
                  const std::function<void(enforcement::v1::Event*)>& edit);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_
