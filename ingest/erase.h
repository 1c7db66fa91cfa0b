// Erasure of a subject's personal data (docs/PERSONAL_DATA.md, "Erasure"):
// crypto-shredding in the personal-data store, then an Erasure event in the
// log. No record changes, so every proof issued before still verifies.
//
// Thread-compatible: the caller holds the ledger open for writing and its
// personal-data store (ingest/personal_writer.h) for the whole call.
#ifndef ENFORCEMENT_INGEST_ERASE_H_
#define ENFORCEMENT_INGEST_ERASE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"

namespace ingest {

struct EraseRequest {
  std::string subject;    // a subject id ("sub_…") or an agency's suspect id
  std::string authority;  // required: the order's reference
  std::string reason;     // required
  // The erasure's time; absl::Now() when unset (tests set it).
  std::function<absl::Time()> clock;
};

struct EraseOutcome {
  personal::SubjectInfo subject;  // as erased (the first erasure's time, authority, reason)
  bool already_erased = false;
  uint64_t values_destroyed = 0;
  std::string erasure_event_id;
  uint64_t erasure_position = 0;
  bool erasure_event_appended = false;  // false: it was in the log already
  uint64_t tree_size = 0;
};

// 1. Resolves the subject (a subject id, else the agency id through the
//    store's keyed lookup); 2. PersonalStore::Erase (key and values gone,
//    flushed and compacted); 3. appends the Erasure event (stream
//    "suspect/<subject id>", its id derived from its content, which comes from
//    the tombstone: so running erase again — e.g. after a crash between 2 and
//    3 — appends it once, or finds it as a duplicate).
// Errors:
//  - kFailedPrecondition: a format-1 ledger (its records hold names, which
//    no erasure can reach: `ledger migrate` to a format-2 ledger first);
//  - kInvalidArgument: empty subject, authority or reason, or one with
//    control characters;
//  - kNotFound: no such subject (nor agency id) in the store;
//  - the store's and the ledger's errors.
absl::StatusOr<EraseOutcome> EraseSubject(ledger::Ledger& db, personal::PersonalStore& store,
                                          const EraseRequest& request);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_ERASE_H_
