// The apply path of the projections: folds ledger records, in position order,
// into the views store. Internal to projections/; views.cc drives it.
//
// Records are applied into a pending batch. Only two kinds of state are read
// back before the batch is committed: event states (kept in a small overlay,
// read-your-writes) and entity memberships (kept as per-entity deltas over the
// committed members). Everything else is write-only until Commit: timeline,
// index and member keys go straight into the WriteBatch in order; aggregate
// counters are accumulated as deltas and merged at Commit; entity views
// touched by the batch are recomputed once, at Commit, from their
// contributing events. Commit writes the whole batch and the checkpoint in
// one atomic WriteBatch, so the store is always at a record boundary: the
// state after exactly `applied` records.
//
// Memory is bounded by the batch (the caller commits every few thousand
// records), never by the number of suspects, operations or cases.
//
// A bulk build (StartBulk) applies the same rules but writes differently:
// see there and bulk_writer.h.
//
// Not thread-safe: one Projector per store, used by one thread, and nothing
// else may write the store meanwhile.
#ifndef ENFORCEMENT_PROJECTIONS_PROJECTOR_H_
#define ENFORCEMENT_PROJECTIONS_PROJECTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "ledger/ledger.h"
#include "projections/bulk_writer.h"
#include "projections/entity_build.h"
#include "projections/rules.h"
#include "projections/store_coding.h"
#include "rocksdb/db.h"

namespace projections::internal {

class Projector {
 public:
  // Member keys of one entity written by the pending batch: value, or
  // nullopt when removed.
  using MemberDelta = absl::flat_hash_map<std::string, std::optional<std::string>>;

  // Position of an event by event_id (kNotFound if none).
  using Resolver = std::function<absl::StatusOr<uint64_t>(absl::string_view event_id)>;

  // `db` and `cfs` (indexed by Cf) must outlive the Projector.
  Projector(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
            Resolver resolve);

  // Applies one record. REQUIRES: records come in position order, starting at
  // the store's checkpoint; record.bytes are the bytes record.record was
  // parsed from (as Ledger::Scan gives them).
  absl::Status Apply(const ledger::StoredRecord& record);

  // Recomputes dirty entities, merges counters and writes everything applied
  // since the last Commit together with `checkpoint` in one WriteBatch.
  // `sync` fsyncs the WAL; `no_wal` skips it (scratch stores, never reopened).
  absl::Status Commit(const Checkpoint& checkpoint, bool sync, bool no_wal = false);

  // --- bulk builds: a store built from position 0 --------------------------
  // From now on, every write except event states and counters goes to
  // `writer` (which must outlive its use); event states stay in memory until
  // a drain hands the new ones to the writer and writes the rewritten older
  // ones to the store; counters accumulate in memory; entity views are not
  // recomputed record by record (the writer's Finish builds each once). Call
  // BulkStep between records (say every few thousand) and BulkFinish at the
  // end; never Commit. About `memory_bytes` of writes are held before a
  // drain. REQUIRES: the store is empty. On an error the store is partly
  // written and must be emptied.
  void StartBulk(BulkWriter* writer, size_t memory_bytes);
  // Drains the writer and merges the counters into the store when they hold
  // more than their budgets; bounds memory.
  absl::Status BulkStep();
  // Writes everything (BulkWriter::Finish: the runs merged, every entity
  // view built), merges the counters and writes the meta entries and
  // `checkpoint`, without the WAL: the store then holds the state after
  // `checkpoint.applied` records.
  // `merging` (if any) follows the merge (BulkWriter::Finish's progress).
  absl::Status BulkFinish(const Checkpoint& checkpoint, const std::string& origin,
                          const std::function<void(double)>& merging = {});

  // Adds a meta-family entry to the pending batch.
  void PutMeta(const std::string& key, const std::string& value) { Put(kMetaCf, key, value); }

  size_t pending_records() const { return pending_records_; }
  size_t pending_bytes() const { return pending_bytes_; }

 private:
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return cfs_[c]; }
  // Reads the committed store (never the pending batch).
  absl::Status GetCommitted(Cf c, const std::string& key, std::string* value, bool* found);
  void Put(Cf c, std::string key, std::string value);
  void Delete(Cf c, std::string key);
  absl::Status GetState(uint64_t position, EventState* s);
  void PutState(const EventState& s);
  // The effective version of a fact from its state.
  absl::Status EffectiveOf(const EventState& s, enforcement::v1::Event* out);
  absl::Status CorrectionEvent(uint64_t position, enforcement::v1::Event* out);
  void AddCounter(Cf c, const std::string& key, Sum delta);
  // Calls `write` with the new value (0: gone) of every counter the batch
  // changed: the committed value plus the delta.
  absl::Status ForEachMergedCounter(
      const std::function<absl::Status(Cf, const std::string&, Sum)>& write);
  // Bulk builds: hands the event states to the writer and drains it.
  absl::Status BulkDrain();
  // Merges the counter deltas into the store (one WriteBatch, no WAL) and
  // clears them; `meta` entries are written in the same batch.
  absl::Status MergeCounters(const std::vector<std::pair<std::string, std::string>>& meta);

  absl::Status ApplyFact(EventState& st, const enforcement::v1::Event& e);
  absl::Status ApplyFix(EventState& st, const enforcement::v1::Event& e);
  // Records a fix whose target is unknown or of the wrong kind: no effect.
  void ApplyOrphan(EventState& st, const enforcement::v1::Event& e);
  // Replaces the contribution of the fact at `position` (old -> new; null =
  // none). `new_bytes`: the deterministic serialization of *new_effective.
  void ApplyContribution(uint64_t position, const enforcement::v1::Event* old_effective,
                         const enforcement::v1::Event* new_effective,
                         absl::string_view new_bytes);

  // Reads the contributing events of an entity (kind 0 = all kinds), in
  // timeline order; `any_member` says whether it has members of any kind.
  // `committed` = the entity is in the committed store (else it has no
  // committed members, and only the batch's are read).
  absl::Status ReadMembers(Cf c, const std::string& id, char kind, bool committed,
                           const MemberDelta& delta,
                           std::vector<MemberEvent>* out, bool* any_member);
  absl::Status AddBatchMembers(
      const MemberDelta& delta,
      const std::function<absl::Status(absl::string_view, absl::string_view)>& take,
      std::vector<MemberEvent>* out);
  absl::Status RecomputeSuspect(const std::string& id,
                                const MemberDelta& delta);
  absl::Status RecomputeOperation(const std::string& id,
                                  const MemberDelta& delta);
  absl::Status RecomputeCase(const std::string& id,
                             const MemberDelta& delta);

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  Resolver resolve_;
  // Writes since the last Commit, in order. Commit writes the last one of
  // each key, sorted by (family, key): sorted inserts keep the memtables'
  // skiplist searches short.
  struct PendingWrite {
    Cf cf;
    bool del;
    std::string key, value;
  };
  std::vector<PendingWrite> writes_;
  std::vector<uint32_t> order_;  // scratch of Commit: indices of writes_, sorted
  size_t pending_bytes_ = 0;
  // Event states written since the last Commit, encoded, by position.
  absl::flat_hash_map<uint64_t, std::string> states_;
  // Counter deltas of the batch, per family.
  absl::flat_hash_map<std::string, Sum> counters_[kNumCfs];
  // Entities to recompute at Commit (the keys), with the member keys the
  // batch wrote (their value) or removed (nullopt).
  absl::flat_hash_map<std::string, MemberDelta> members_[kNumCfs];
  // One iterator per entity family, over the committed store, during Commit.
  std::unique_ptr<rocksdb::Iterator> member_it_[kNumCfs];
  size_t pending_records_ = 0;
  // Bulk builds (null otherwise).
  BulkWriter* bulk_ = nullptr;
  size_t bulk_memory_bytes_ = 0;
  uint64_t bulk_next_new_ = 0;  // states of records below it were handed to the writer
  size_t states_bytes_ = 0;  // of states_, roughly
  // The states handed to the writer by the last drain: read from here until
  // the next drain (they are ingested by then).
  absl::flat_hash_map<uint64_t, std::string> draining_states_;
  // Scratch, reused.
  std::string value_;
};

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_PROJECTOR_H_
