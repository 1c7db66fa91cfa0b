// Personal data for callers allowed to see it (docs/PERSONAL_DATA.md): a
// subject's names and agency ids from the personal-data store, each checked
// against the commitment its record holds in the log. Views never hold names;
// this is the only way a query shows one.
//
// Thread-compatible; `db` and `store` are the caller's (a read-only ledger
// and a read-only store are enough).
#ifndef ENFORCEMENT_QUERY_PERSONAL_REVEAL_H_
#define ENFORCEMENT_QUERY_PERSONAL_REVEAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enforcement/api/v1/audit.pb.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"

namespace query {

// What checking a value against its record found.
enum class ValueCheck {
  kVerified,  // the commitment in the record opens to this value
  kMismatch,  // it does not: the store and the log disagree (tampering or a bug)
  kNoRecord,  // no record of the log holds the field (e.g. a crash before the append)
};
const char* ValueCheckName(ValueCheck c);  // "verified", "mismatch", "no_record"

struct RevealedValue {
  std::string event_id;
  uint64_t position = 0;  // meaningful unless kNoRecord
  std::string field_path;
  std::string value;
  ValueCheck check = ValueCheck::kNoRecord;
};

struct SubjectPersonalData {
  personal::SubjectInfo subject;      // erased: no values, and why
  std::vector<RevealedValue> values;  // in (event id, field path) order
};

// The personal-data store of a format-2 ledger, read-only (a view as of
// now). kNotFound for a ledger without one (format 1).
absl::StatusOr<std::unique_ptr<personal::PersonalStore>> OpenPersonalStoreForReading(
    const ledger::Ledger& db);

// `subject`: a subject id (sub_…) or an agency's suspect id. kNotFound
// when there is no such subject.
absl::StatusOr<SubjectPersonalData> RevealSubject(const ledger::Ledger& db,
                                                  personal::PersonalStore& store,
                                                  absl::string_view subject);

// Every value the store keeps against its record's commitment, and every
// non-empty commitment of the log against a kept value (a live subject must
// have it; an erased one has none): the personal-data store and the log in
// step. Problems go into the answer (ok false), at most 20 of them spelled out.
// Errors: the ledger's and the store's when they cannot be read.
absl::StatusOr<enforcement::api::v1::PersonalDataCheck> CheckPersonalData(
    const ledger::Ledger& db, personal::PersonalStore& store);

}  // namespace query

#endif  // ENFORCEMENT_QUERY_PERSONAL_REVEAL_H_
