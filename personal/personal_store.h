// The personal-data store (docs/PERSONAL_DATA.md): a RocksDB of its own in
// <ledger dir>/personal (one column family, the default one), holding the
// ledger secret, agency-id lookups, per subject its key or its erasure
// tombstone, and per (subject, event id, field path) the sealed value.
// Layout: docs/FORMAT.md, "The personal-data store".
//
// Who opens it: the process that holds the ledger's writer lock opens it for
// writing (kWrite); any process may open it kReadOnly (a view as of Open).
//
// Thread-safety: all methods may be called from several threads at once.
// SubjectForAgencyId's get-or-create is atomic: two threads asking for the
// same agency id get the same subject.
#ifndef ENFORCEMENT_PERSONAL_PERSONAL_STORE_H_
#define ENFORCEMENT_PERSONAL_PERSONAL_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "personal/personal_crypto.h"

namespace personal {

// "<ledger dir>/personal".
std::string PersonalStorePath(absl::string_view ledger_dir);

struct StoreOptions {
  enum class Mode { kWrite, kReadOnly };
  Mode mode = Mode::kReadOnly;
  // kWrite only: create the store (and its ledger secret) when missing.
  bool create_if_missing = false;
  // kWrite only: sync every Persist/Erase (durable appends); false for bulk
  // imports, which call Flush() at the end.
  bool sync = true;
};

// What a subject is now.
struct SubjectInfo {
  std::string subject_id;
  bool erased = false;
  absl::Time created_at = absl::InfinitePast();
  // Set when erased:
  absl::Time erased_at = absl::InfinitePast();
  std::string authority;
  std::string reason;
};

// A subject as the importer needs it. `key` is absent when erased.
struct SubjectHandle {
  std::string subject_id;
  bool erased = false;
  std::optional<Key> key;
};

// One personal value to keep, for one field of one event.
struct PersonalValue {
  std::string subject_id;
  std::string event_id;
  std::string field_path;
  std::string value;  // plaintext; sealed by Persist
};

struct SweepReport {
  uint64_t pending_records = 0;   // pending records found (left by a crash)
  uint64_t values_removed = 0;    // values whose event is not in the log
  uint64_t subjects_removed = 0;  // new subjects left without any value
};

struct EraseResult {
  SubjectInfo subject;            // as erased (authority, reason, time)
  uint64_t values_destroyed = 0;  // sealed values deleted by this call
  bool already_erased = false;    // it was erased before this call; nothing changed
};

class PersonalStore {
 public:
  // Opens <ledger_dir>/personal. kNotFound when it does not exist (and not
  // create_if_missing); kDataLoss when it is damaged or its secret is missing.
  static absl::StatusOr<std::unique_ptr<PersonalStore>> Open(absl::string_view ledger_dir,
                                                             const StoreOptions& options);
  ~PersonalStore();
  PersonalStore(const PersonalStore&) = delete;
  PersonalStore& operator=(const PersonalStore&) = delete;

  // The subject of an agency's suspect id: the existing one (live or
  // erased), or a new subject with a fresh random id and key, kept in memory
  // until a Persist names it (a subject nobody persists is forgotten).
  // kFailedPrecondition on a read-only store when the subject does not exist.
  absl::StatusOr<SubjectHandle> SubjectForAgencyId(absl::string_view agency_id);
  // The subject of an agency id if it exists (persisted), without creating one.
  absl::StatusOr<std::optional<std::string>> FindSubjectByAgencyId(absl::string_view agency_id);
  // A persisted subject; kNotFound when there is none with that id.
  absl::StatusOr<SubjectInfo> GetSubject(absl::string_view subject_id);

  // Step 1 of the write order: one RocksDB batch (synced when options.sync)
  // with every subject these values name that is not yet persisted (and its
  // lookup entry), the sealed values, and a pending record naming them.
  // Values of erased subjects are refused (kFailedPrecondition): the caller
  // keeps none. Returns the pending record's id for Settle.
  absl::StatusOr<uint64_t> Persist(const std::vector<PersonalValue>& values);
  // Step 3: the batch is in the log (or was refused as a whole and nothing of
  // it needs keeping: then call Sweep). Deletes the pending record (not synced).
  absl::Status Settle(uint64_t pending_id);
  // At a writer's open, before any Persist: for every pending record left by
  // a crash, deletes the values whose event id `in_log` says is not in the
  // log, then (with remove_unused_subjects) the subjects it created that have
  // no value left, then the record. Synced. Within a running import, after a
  // batch the log refused, call it with remove_unused_subjects false: the
  // subjects stay persisted (an unused random id and key, no personal value),
  // because this process's parser threads may already hold them for later rows.
  absl::StatusOr<SweepReport> Sweep(
      const std::function<absl::StatusOr<bool>(absl::string_view event_id)>& in_log,
      bool remove_unused_subjects = true);

  // The plaintext of a value. kNotFound when none is kept for it;
  // kFailedPrecondition (ErrorDetail reason "subject_erased") when the subject
  // was erased; kDataLoss when it does not unseal.
  absl::StatusOr<std::string> Reveal(absl::string_view subject_id, absl::string_view event_id,
                                     absl::string_view field_path);
  // The opening of (event id, field path) under the subject's key, to check
  // a value against the commitment in the leaf. kFailedPrecondition when erased.
  absl::StatusOr<Digest> OpeningFor(absl::string_view subject_id, absl::string_view event_id,
                                    absl::string_view field_path);

  // Crypto-shredding: replaces the subject's key with a tombstone (at, authority,
  // reason) and deletes all its sealed values in one synced batch, then flushes
  // the memtable and compacts the whole store, so that no file of the store
  // holds the key or a value when it returns. Erasing an erased subject
  // changes nothing and returns already_erased with the first erasure's info
  // (it flushes and compacts again: that completes an erasure cut short by a
  // crash). While it runs, other calls wait (it holds the store exclusively).
  // kNotFound for an unknown subject; kInvalidArgument for an empty authority
  // or reason. kWrite only.
  absl::StatusOr<EraseResult> Erase(absl::string_view subject_id, absl::string_view authority,
                                    absl::string_view reason, absl::Time at);

  // Makes everything persisted durable (bulk mode).
  absl::Status Flush();

  // Every persisted subject, in subject-id order (tests, backups, audits).
  absl::StatusOr<std::vector<SubjectInfo>> ListSubjects();

  // Where a kept value belongs: (event id, field path) of one subject.
  struct ValueRef {
    std::string event_id;
    std::string field_path;
  };
  // The values kept for `subject_id` (none once erased), in key order; the
  // plaintexts through Reveal. An empty subject_id lists every subject's
  // values (audits, tests), each with its subject in `subject_ids` (same
  // order) when that is not null.
  absl::StatusOr<std::vector<ValueRef>> ListValues(absl::string_view subject_id,
                                                   std::vector<std::string>* subject_ids = nullptr);

  // One kept value, opened: the plaintext is valid during the callback only.
  struct OpenedValue {
    absl::string_view subject_id;
    absl::string_view event_id;
    absl::string_view field_path;
    absl::string_view value;
  };
  // Calls `visit` for every kept value whose field path `wanted` accepts (it
  // sees the path before anything is unsealed beyond the event's blob), in
  // key order (by subject, then event id), one pass over the store with each
  // subject's key loaded once. `visit` returns false to stop. Plaintexts are
  // wiped after the callback. Errors: kDataLoss for a value that does not
  // unseal or a subject without a key; the store's read errors.
  absl::Status ScanValues(const std::function<bool(absl::string_view field_path)>& wanted,
                          const std::function<bool(const OpenedValue&)>& visit);

  const std::string& path() const;

 private:
  class Impl;
  explicit PersonalStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace personal

#endif  // ENFORCEMENT_PERSONAL_PERSONAL_STORE_H_
