// Format 2's importer step (docs/PERSONAL_DATA.md): an event as producers
// write it (agency suspect ids, names) becomes the event the log stores
// (subject ids, no names, one PersonalField per personal value) and the
// values to keep in the personal-data store.
//
//   1. the producer's event is validated by the format-1 rules (text, ids,
//      bounds: the rules that see the names), with a placeholder id when
//      the producer gave none;
//   2. every agency suspect id, in a suspect id field or in a
//      `suspect/<id>` stream, is replaced by its subject (existing, or a new
//      one the store keeps in memory until it is persisted); names are
//      cleared; `personal` lists (field path, subject id) sorted by path;
//   3. a missing event id is derived from this event (empty commitments), so
//      it reveals nothing and does not depend on names;
//   4. commitments are computed under each live subject's key; for an erased
//      subject nothing can be computed or kept: when the event is already in
//      the log its stored commitments are reused (so a re-import is a
//      duplicate), else the commitment stays empty;
//   5. the values of live subjects are returned for the store, unless the
//      event id is already in the log (its values are kept already, or the
//      append will refuse it as a conflict).
//
// Thread-safety: Split may be called from several threads at once (the
// store and the ledger's reads are thread-safe).
#ifndef ENFORCEMENT_INGEST_PERSONAL_SPLIT_H_
#define ENFORCEMENT_INGEST_PERSONAL_SPLIT_H_

#include <vector>

#include "absl/status/status.h"
#include "enforcement/v1/event.pb.h"
#include "ledger/ledger.h"
#include "personal/personal_store.h"

namespace ingest {

// The field path of a `suspect/<id>` stream's personal entry.
inline constexpr char kStreamFieldPath[] = "stream";

class PersonalSplitter {
 public:
  // `store` (open for writing) and `db` (may be null: then no event counts
  // as stored) must outlive the splitter.
  PersonalSplitter(personal::PersonalStore& store, const ledger::Ledger* db)
      : store_(store), db_(db) {}

  // Steps 1–5 on *event, in place; appends to *values. Errors:
  //  - kInvalidArgument "<field path>: <rule>" from validation (step 1), or
  //    when the producer wrote `personal` or an `erasure` body (these are the
  //    importer's and `ledger erase`'s); *event is then unchanged but for a
  //    cleared placeholder id;
  //  - the store's errors (kInternal, kDataLoss, ...).
  // *erased_subject (may be null) is set true when the event names a subject
  // whose personal data was erased (nothing of it may then be kept anywhere,
  // not even in a rejects file).
  absl::Status Split(enforcement::v1::Event* event, std::vector<personal::PersonalValue>* values,
                     bool* erased_subject = nullptr) const;

  // Whether a producer's event (not split) names, by an agency suspect id,
  // a subject whose personal data was erased: then nothing of it may be
  // kept, not even in a rejects file. False on a store error.
  bool MentionsErasedSubject(const enforcement::v1::Event& producer_event) const;

 private:
  personal::PersonalStore& store_;
  const ledger::Ledger* db_;
};

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_PERSONAL_SPLIT_H_
