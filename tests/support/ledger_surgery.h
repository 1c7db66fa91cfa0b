// Changing a closed ledger's stored bytes underneath it, to test how readers
// meet corruption. Tests only.
#ifndef ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_
#define ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_

#include <cstdint>
#include <string>

#include "ledger/merkle.h"

namespace testing_support {

// Rewrites the stored value of record `position` in the (closed) ledger
// database at `db`; returns the old value. Fails the current test (gtest
// expectations) if the database or the record cannot be opened or written.
std::string ReplaceRecord(const std::string& db, uint64_t position, const std::string& value);

// Rewrites the (closed) ledger's HIGH_WATER_MARK to say `tree_size` and
// `root`, keeping its format and origin: what a forger who also rewrote the
// Merkle tree and the head would do, so that only deeper checks can see it.
void ForgeHighWaterMark(const std::string& db, uint64_t tree_size, const merkle::Hash& root);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_LEDGER_SURGERY_H_
