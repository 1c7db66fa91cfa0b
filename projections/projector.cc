#include "projections/projector.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/record_coding.h"
#include "projections/entity_build.h"
#include "projections/views_internal.h"

namespace projections::internal {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

namespace {

// A bulk build merges its counters into the store when they take about its
// memory budget (a counter: a key and its hash-table entry, ~64 bytes).
constexpr size_t kCounterBytes = 64;

bool IsFact(Event::BodyCase k) {
  return k == Event::kRaid || k == Event::kArrest || k == Event::kHandover ||
         k == Event::kSentencing || k == Event::kReportedFigure || k == Event::kRelease ||
         k == Event::kErasure;
}

bool ParseEvent(absl::string_view bytes, Event* e) {
  return e->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// The deterministic serialization of a fact's effective version.
absl::string_view EffectiveBytes(const EventState& s) {
  return s.effective.empty() ? s.event : s.effective;
}

}  // namespace

Projector::Projector(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                     Resolver resolve)
    : db_(db), cfs_(cfs), resolve_(std::move(resolve)) {}

absl::Status Projector::GetCommitted(Cf c, const std::string& key, std::string* value,
                                     bool* found) {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(c), key, value);
  if (s.IsNotFound()) {
    *found = false;
    return absl::OkStatus();
  }
  *found = s.ok();
  return ViewsFromRocks(s, "read");
}

void Projector::Put(Cf c, std::string key, std::string value) {
  if (bulk_ != nullptr) return bulk_->Put(c, key, value);
  pending_bytes_ += key.size() + value.size() + 16;
  writes_.push_back(PendingWrite{c, false, std::move(key), std::move(value)});
}

void Projector::Delete(Cf c, std::string key) {
  if (bulk_ != nullptr) return bulk_->Delete(c, key);
  pending_bytes_ += key.size() + 16;
  writes_.push_back(PendingWrite{c, true, std::move(key), std::string()});
}

absl::Status Projector::GetState(uint64_t position, EventState* s) {
  if (auto it = states_.find(position); it != states_.end()) {
    return DecodeEventState(it->second, s);
  }
  if (auto it = draining_states_.find(position); it != draining_states_.end()) {
    return DecodeEventState(it->second, s);
  }
  bool found;
  if (absl::Status st = GetCommitted(kEventsCf, PosKey(position), &value_, &found); !st.ok()) {
    return st;
  }
  if (!found) {
    return absl::DataLossError(
        absl::StrCat("views store: no state for record ", position, " below the checkpoint"));
  }
  return DecodeEventState(value_, s);
}

void Projector::PutState(const EventState& s) {
  std::string& v = states_[s.position];
  v = EncodeEventState(s);
  states_bytes_ += v.size() + 32;
}

absl::Status Projector::EffectiveOf(const EventState& s, Event* out) {
  if (!ParseEvent(EffectiveBytes(s), out)) {
    return absl::DataLossError(
        absl::StrCat("views store: event state of record ", s.position, " does not parse"));
  }
  return absl::OkStatus();
}

absl::Status Projector::CorrectionEvent(uint64_t position, Event* out) {
  EventState s;
  if (absl::Status st = GetState(position, &s); !st.ok()) return st;
  if (!ParseEvent(s.event, out) || out->body_case() != Event::kCorrection) {
    return absl::DataLossError(
        absl::StrCat("views store: record ", position, " is not a stored correction"));
  }
  return absl::OkStatus();
}

void Projector::AddCounter(Cf c, const std::string& key, Sum delta) {
  if (delta != 0) counters_[c][key] += delta;
}

absl::Status Projector::Apply(const ledger::StoredRecord& stored) {
  const LedgerRecord& record = stored.record;
  const Event& e = record.event();
  EventState st;
  st.position = record.position();
  st.recorded_seconds = record.recorded_at().seconds();
  st.recorded_nanos = record.recorded_at().nanos();
  st.kind = e.body_case();
  // The event's bytes as the record holds them (this ledger writes them
  // deterministically), else a fresh deterministic serialization.
  absl::string_view event_bytes;
  if (ledger::EventBytesOfRecord(stored.bytes, &event_bytes) &&
      (!event_bytes.empty() || !record.has_event())) {
    st.event.assign(event_bytes.data(), event_bytes.size());
  } else if (!ledger::SerializeEventDeterministic(e, &st.event)) {
    return absl::InternalError(
        absl::StrCat("cannot serialize the event of record ", record.position()));
  }
  ++pending_records_;
  if (IsFact(st.kind)) return ApplyFact(st, e);
  if (st.kind == Event::kCorrection || st.kind == Event::kRetraction) return ApplyFix(st, e);
  ApplyOrphan(st, e);  // no body: only its place in the global timeline
  return absl::OkStatus();
}

absl::Status Projector::ApplyFact(EventState& st, const Event& e) {
  const Date occ = OccurredOf(e);
  st.scopes = ScopesOf(e);
  for (const std::string& s : st.scopes) Put(kTimelinesCf, TimelineKey(s, occ, st.position), "");
  ApplyContribution(st.position, nullptr, &e, st.event);
  PutState(st);
  return absl::OkStatus();
}

void Projector::ApplyOrphan(EventState& st, const Event& e) {
  st.target = kNone;
  st.root = kNone;
  const std::string global = ScopeKey(TimelineKind::kGlobal, "");
  st.scopes.clear();
  Put(kTimelinesCf, TimelineKey(global, OccurredOf(e), st.position), "");
  if (e.body_case() == Event::kCorrection)
    AddCounter(kTotalsCf, TotalsCounterKey("corrections"), 1);
  if (e.body_case() == Event::kRetraction)
    AddCounter(kTotalsCf, TotalsCounterKey("retractions"), 1);
  PutState(st);
}

absl::Status Projector::ApplyFix(EventState& st, const Event& e) {
  const bool is_correction = e.body_case() == Event::kCorrection;
  const std::string& target_id =
      is_correction ? e.correction().target_event_id() : e.retraction().target_event_id();
  absl::StatusOr<uint64_t> target = resolve_(target_id);
  if (!target.ok() && target.status().code() != absl::StatusCode::kNotFound) {
    return target.status();
  }
  if (!target.ok() || *target >= st.position) {
    ApplyOrphan(st, e);
    return absl::OkStatus();
  }
  EventState tst;
  if (absl::Status s = GetState(*target, &tst); !s.ok()) return s;
  uint64_t root = kNone;
  // An erasure is a fact no fix can touch (the ledger refuses them).
  if (IsFact(tst.kind) && tst.kind != Event::kErasure)
    root = *target;
  else if (tst.kind == Event::kCorrection)
    root = tst.root;
  if (root == kNone) {
    ApplyOrphan(st, e);
    return absl::OkStatus();
  }
  EventState rst;
  if (root == *target) {
    rst = tst;
  } else if (absl::Status s = GetState(root, &rst); !s.ok()) {
    return s;
  }
  if (is_correction && e.correction().replacement().body_case() != rst.kind) {
    ApplyOrphan(st, e);  // the ledger refuses this; never applied
    return absl::OkStatus();
  }
  st.target = *target;
  st.root = root;
  PutState(st);  // so that the resolution below can read this correction

  Event old_eff;
  if (absl::Status s = EffectiveOf(rst, &old_eff); !s.ok()) return s;
  const std::string old_bytes(EffectiveBytes(rst));
  const bool old_live = rst.retracted_by == kNone;
  const Date old_occ = OccurredOf(old_eff);

  TreeNode node;
  node.position = st.position;
  node.target = *target;
  node.retraction = !is_correction;
  node.has_date = is_correction && e.correction().replacement().has_occurred_at();
  node.occurred = OccurredOf(e);
  node.event_id = e.event_id();
  if (!is_correction) {
    if (*target == root) {
      if (rst.retracted_by == kNone) AddCounter(kTotalsCf, TotalsCounterKey("retracted"), 1);
      rst.retracted_by = st.position;
    } else {
      for (TreeNode& n : rst.tree) {
        if (n.position == *target) n.retracted_by = st.position;
      }
      tst.retracted_by = st.position;
      PutState(tst);
    }
  }
  rst.tree.push_back(node);

  // The versions in effect now.
  const Resolution r = Resolve(root, rst.tree);
  rst.winner = r.winner;
  rst.date_from = r.date_from;
  Event original;
  if (!ParseEvent(rst.event, &original)) {
    return absl::DataLossError(absl::StrCat("views store: record ", root, " does not parse"));
  }
  Event body_from, date_from;
  if (r.winner != kNone) {
    if (absl::Status s = CorrectionEvent(r.winner, &body_from); !s.ok()) return s;
  }
  if (r.date_from != kNone) {
    if (absl::Status s = CorrectionEvent(r.date_from, &date_from); !s.ok()) return s;
  }
  Event new_eff = MakeEffective(original, r.winner != kNone ? &body_from : nullptr,
                                r.date_from != kNone ? &date_from : nullptr);
  rst.effective.clear();
  if (r.winner != kNone || r.date_from != kNone) {
    if (!ledger::SerializeEventDeterministic(new_eff, &rst.effective)) {
      return absl::InternalError("cannot serialize an effective event");
    }
  }
  const bool new_live = rst.retracted_by == kNone;
  const Date new_occ = OccurredOf(new_eff);

  // Timelines: the fact moves with its date; the fix appears in every scope
  // of the tree; scopes a replacement brings in receive the whole tree.
  if (!(old_occ == new_occ)) {
    for (const std::string& s : rst.scopes) {
      Delete(kTimelinesCf, TimelineKey(s, old_occ, root));
      Put(kTimelinesCf, TimelineKey(s, new_occ, root), "");
    }
  }
  if (is_correction) {
    std::vector<std::string> added;
    for (std::string& s : ScopesOf(e.correction().replacement())) {
      if (!std::binary_search(rst.scopes.begin(), rst.scopes.end(), s)) added.push_back(s);
    }
    for (const std::string& s : added) {
      Put(kTimelinesCf, TimelineKey(s, new_occ, root), "");
      for (const TreeNode& n : rst.tree)
        Put(kTimelinesCf, TimelineKey(s, n.occurred, n.position), "");
    }
    if (!added.empty()) {
      rst.scopes.insert(rst.scopes.end(), added.begin(), added.end());
      std::sort(rst.scopes.begin(), rst.scopes.end());
    }
  }
  for (const std::string& s : rst.scopes)
    Put(kTimelinesCf, TimelineKey(s, node.occurred, st.position), "");

  // Views: subtract the old effective contribution, add the new one.
  const absl::string_view new_bytes = EffectiveBytes(rst);
  const bool same = old_live == new_live && (!old_live || old_bytes == new_bytes);
  if (!same) {
    ApplyContribution(root, old_live ? &old_eff : nullptr, new_live ? &new_eff : nullptr,
                      new_bytes);
  }
  PutState(rst);
  AddCounter(kTotalsCf, TotalsCounterKey(is_correction ? "corrections" : "retractions"), 1);
  return absl::OkStatus();
}

void Projector::ApplyContribution(uint64_t position, const Event* old_effective,
                                  const Event* new_effective, absl::string_view new_bytes) {
  Contribution oc, nc;
  if (old_effective != nullptr) ComputeContribution(*old_effective, position, &oc);
  if (new_effective != nullptr) ComputeContribution(*new_effective, position, &nc);
  // (Bulk builds build every entity at the end: nothing to mark.)
  for (const MemberRef& m : oc.members) {
    MemberDelta* delta = bulk_ ? nullptr : &members_[m.cf][m.entity];  // marks the entity
    if (std::find(nc.members.begin(), nc.members.end(), m) == nc.members.end()) {
      std::string key = MemberKey(m.entity, m.kind, position);
      Delete(m.cf, key);
      if (delta != nullptr) (*delta)[std::move(key)] = std::nullopt;
    }
  }
  // The members that need the event carry it (MemberValue), so that an
  // entity is recomputed from one scan of its members.
  std::string value;
  if (!nc.members.empty() && !MemberValueFromBytes(new_bytes, &value)) {
    value = MemberValue(*new_effective);
  }
  for (const MemberRef& m : nc.members) {
    std::string key = MemberKey(m.entity, m.kind, position);
    const bool carries = !(m.cf == kOperationsCf && m.kind != kRaidMember);
    Put(m.cf, key, carries ? value : std::string());
    if (!bulk_) members_[m.cf][m.entity][std::move(key)] = carries ? value : std::string();
  }
  for (const CounterDelta& c : oc.counters) AddCounter(c.cf, c.key, -c.value);
  for (const CounterDelta& c : nc.counters) AddCounter(c.cf, c.key, c.value);
  for (const auto& [k, v] : oc.dated) Delete(kTotalsCf, k);
  for (const auto& [k, v] : nc.dated) Put(kTotalsCf, k, v);
  for (const std::string& k : oc.flow_events) Delete(kFlowsCf, k);
  for (const std::string& k : nc.flow_events) Put(kFlowsCf, k, "");
  const std::string figure_key = FigureKey(position);
  if (oc.figure) Delete(kTotalsCf, figure_key);
  if (nc.figure) Put(kTotalsCf, figure_key, "");
}

absl::Status Projector::ReadMembers(Cf c, const std::string& id, char kind, bool committed,
                                    const MemberDelta& delta, std::vector<MemberEvent>* out,
                                    bool* any_member) {
  out->clear();
  *any_member = false;
  const std::string prefix = MemberPrefix(id);
  auto take = [&](absl::string_view key, absl::string_view value) -> absl::Status {
    if (key.size() != prefix.size() + 9) {
      return absl::DataLossError("views store: malformed member key");
    }
    *any_member = true;
    if (kind != 0 && key[prefix.size()] != kind) return absl::OkStatus();
    MemberEvent m;
    m.position = GetFixed64BE(key.data() + prefix.size() + 1);
    if (!m.event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("views store: malformed member value");
    }
    m.occurred = OccurredOf(m.event);
    out->push_back(std::move(m));
    return absl::OkStatus();
  };
  // The committed members, minus those the batch changed (none when the
  // entity is not in the store: an entity is stored iff it has members) ...
  if (!committed) return AddBatchMembers(delta, take, out);
  if (!member_it_[c]) member_it_[c].reset(db_->NewIterator(rocksdb::ReadOptions(), cf(c)));
  rocksdb::Iterator* it = member_it_[c].get();
  std::string seek = prefix;
  if (kind != 0) seek.push_back(kind);
  it->Seek(prefix);
  bool scan = true;
  if (kind != 0) {
    // Whether the entity has any committed member (of any kind) that the
    // batch did not change; then to the members of `kind`.
    scan = false;
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (!delta.contains(absl::string_view(it->key().data(), it->key().size()))) {
        scan = *any_member = true;
        break;
      }
    }
    if (absl::Status s = ViewsFromRocks(it->status(), "reading members"); !s.ok()) return s;
    if (scan) it->Seek(seek);
  }
  if (scan) {
    for (; it->Valid() && it->key().starts_with(seek); it->Next()) {
      const absl::string_view k(it->key().data(), it->key().size());
      if (delta.contains(k)) continue;
      if (absl::Status s = take(k, absl::string_view(it->value().data(), it->value().size()));
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = ViewsFromRocks(it->status(), "reading members"); !s.ok()) return s;
  }
  // ... plus those the batch wrote.
  return AddBatchMembers(delta, take, out);
}

absl::Status Projector::AddBatchMembers(
    const MemberDelta& delta,
    const std::function<absl::Status(absl::string_view, absl::string_view)>& take,
    std::vector<MemberEvent>* out) {
  for (const auto& [k, value] : delta) {
    if (!value) continue;
    if (absl::Status s = take(k, *value); !s.ok()) return s;
  }
  SortTimelineOrder(out);
  return absl::OkStatus();
}

absl::Status Projector::RecomputeSuspect(const std::string& id,
                                         const MemberDelta& delta) {
  const std::string key = EntityKey(id);
  bool found;
  if (absl::Status s = GetCommitted(kSuspectsCf, key, &value_, &found); !s.ok()) return s;
  std::vector<MemberEvent> members;
  bool any;
  if (absl::Status s = ReadMembers(kSuspectsCf, id, 0, found, delta, &members, &any); !s.ok()) {
    return s;
  }
  if (found) {
    SuspectView old;
    if (absl::Status s = DecodeSuspect(value_, &old); !s.ok()) return s;
    AddSuspectTotals(old, -1, &counters_[kTotalsCf]);
  }
  if (members.empty()) {
    if (found) Delete(kSuspectsCf, key);
    return absl::OkStatus();
  }
  const SuspectView v = BuildSuspect(id, members);
  AddSuspectTotals(v, 1, &counters_[kTotalsCf]);
  Put(kSuspectsCf, key, EncodeSuspect(v));
  return absl::OkStatus();
}

absl::Status Projector::RecomputeOperation(const std::string& id,
                                           const MemberDelta& delta) {
  const std::string key = EntityKey(id);
  bool found;
  if (absl::Status s = GetCommitted(kOperationsCf, key, &value_, &found); !s.ok()) return s;
  std::vector<MemberEvent> raids;
  bool any;
  if (absl::Status s = ReadMembers(kOperationsCf, id, kRaidMember, found, delta, &raids, &any);
      !s.ok()) {
    return s;
  }
  if (found) AddOperationTotals(-1, &counters_[kTotalsCf]);
  if (!any) {
    if (found) Delete(kOperationsCf, key);
    return absl::OkStatus();
  }
  AddOperationTotals(1, &counters_[kTotalsCf]);
  Put(kOperationsCf, key, EncodeOperationCore(BuildOperationCore(id, raids)));
  return absl::OkStatus();
}

absl::Status Projector::RecomputeCase(const std::string& id,
                                      const MemberDelta& delta) {
  const std::string key = EntityKey(id);
  bool found;
  if (absl::Status s = GetCommitted(kCasesCf, key, &value_, &found); !s.ok()) return s;
  std::vector<MemberEvent> members;
  bool any;
  if (absl::Status s = ReadMembers(kCasesCf, id, 0, found, delta, &members, &any); !s.ok()) {
    return s;
  }
  if (found) {
    CaseView old;
    if (absl::Status s = DecodeCase(value_, &old); !s.ok()) return s;
    AddCaseTotals(old, -1, &counters_[kTotalsCf]);
  }
  if (members.empty()) {
    if (found) Delete(kCasesCf, key);
    return absl::OkStatus();
  }
  const CaseView v = BuildCase(id, members);
  AddCaseTotals(v, 1, &counters_[kTotalsCf]);
  Put(kCasesCf, key, EncodeCase(v));
  return absl::OkStatus();
}

absl::Status Projector::Commit(const Checkpoint& checkpoint, bool sync, bool no_wal) {
  // Entities first: their recomputation adds totals deltas. Each family is
  // read through one iterator over the committed store.
  const std::pair<Cf, absl::Status (Projector::*)(const std::string&,
                                                  const MemberDelta&)>
      entity_families[] = {{kSuspectsCf, &Projector::RecomputeSuspect},
                           {kOperationsCf, &Projector::RecomputeOperation},
                           {kCasesCf, &Projector::RecomputeCase}};
  for (const auto& [c, recompute] : entity_families) {
    for (const auto& [id, delta] : members_[c]) {
      if (absl::Status s = (this->*recompute)(id, delta); !s.ok()) return s;
    }
    member_it_[c].reset();
  }
  if (absl::Status s = ForEachMergedCounter([this](Cf c, const std::string& key, Sum next) {
        if (next == 0) {
          Delete(c, key);
        } else {
          Put(c, key, EncodeCounter(next));
        }
        return absl::OkStatus();
      });
      !s.ok()) {
    return s;
  }
  for (auto& [pos, value] : states_) Put(kEventsCf, PosKey(pos), std::move(value));
  Put(kMetaCf, kCheckpointKey, EncodeCheckpoint(checkpoint));
  // The last write of each key, in (family, key) order. Sorting indices
  // keeps the strings where they are.
  order_.resize(writes_.size());
  for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), [this](uint32_t a, uint32_t b) {
    const PendingWrite& x = writes_[a];
    const PendingWrite& y = writes_[b];
    if (x.cf != y.cf) return x.cf < y.cf;
    const int c = x.key.compare(y.key);
    return c != 0 ? c < 0 : a < b;
  });
  rocksdb::WriteBatch batch(pending_bytes_ + 64);
  for (size_t i = 0; i < order_.size(); ++i) {
    const PendingWrite& w = writes_[order_[i]];
    if (i + 1 < order_.size()) {
      const PendingWrite& next = writes_[order_[i + 1]];
      if (next.cf == w.cf && next.key == w.key) continue;  // overwritten later in the batch
    }
    rocksdb::Status s = w.del ? batch.Delete(cf(w.cf), w.key) : batch.Put(cf(w.cf), w.key, w.value);
    if (!s.ok()) return ViewsFromRocks(s, "building a batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync && !no_wal;
  wo.disableWAL = no_wal;
  if (absl::Status s = ViewsFromRocks(db_->Write(wo, &batch), "writing a batch"); !s.ok()) return s;
  writes_.clear();
  pending_bytes_ = 0;
  states_.clear();
  for (int c = 0; c < kNumCfs; ++c) {
    counters_[c].clear();
    members_[c].clear();
  }
  pending_records_ = 0;
  return absl::OkStatus();
}

void Projector::StartBulk(BulkWriter* writer, size_t memory_bytes) {
  bulk_ = writer;
  bulk_memory_bytes_ = memory_bytes;
}

absl::Status Projector::BulkDrain() {
  // New states go to the writer: positions only grow, so their files land
  // in the last level. States of earlier records (fix targets) are written
  // to the store directly, once the previous drain is ingested (an ingested
  // file must not bring back an older version of them): a few small files.
  rocksdb::WriteBatch updates;
  uint64_t next_new = bulk_next_new_;
  for (auto& [pos, value] : states_) {
    if (pos >= bulk_next_new_) {
      bulk_->Put(kEventsCf, PosKey(pos), value);
      next_new = std::max(next_new, pos + 1);
    } else if (rocksdb::Status s = updates.Put(cf(kEventsCf), PosKey(pos), value); !s.ok()) {
      return ViewsFromRocks(s, "building a batch");
    }
  }
  bulk_next_new_ = next_new;
  if (absl::Status s = bulk_->Wait(); !s.ok()) return s;
  if (updates.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    if (absl::Status s = ViewsFromRocks(db_->Write(wo, &updates), "writing event states");
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = bulk_->Drain(); !s.ok()) return s;
  // The previous drain is ingested: its states are readable from the store.
  draining_states_ = std::move(states_);
  states_.clear();
  states_bytes_ = 0;
  return absl::OkStatus();
}

absl::Status Projector::ForEachMergedCounter(
    const std::function<absl::Status(Cf, const std::string&, Sum)>& write) {
  for (int c = 0; c < kNumCfs; ++c) {
    for (const auto& [key, delta] : counters_[c]) {
      if (delta == 0) continue;
      bool found;
      if (absl::Status s = GetCommitted(static_cast<Cf>(c), key, &value_, &found); !s.ok()) {
        return s;
      }
      Sum current = 0;
      if (found && !DecodeCounter(value_, &current)) {
        return absl::DataLossError("views store: malformed counter value");
      }
      if (absl::Status s = write(static_cast<Cf>(c), key, current + delta); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Projector::MergeCounters(
    const std::vector<std::pair<std::string, std::string>>& meta) {
  rocksdb::WriteBatch batch;
  if (absl::Status s = ForEachMergedCounter([&](Cf c, const std::string& key, Sum next) {
        return ViewsFromRocks(next == 0 ? batch.Delete(cf(c), key)
                                        : batch.Put(cf(c), key, EncodeCounter(next)),
                              "building a batch");
      });
      !s.ok()) {
    return s;
  }
  for (auto& counters : counters_) counters.clear();
  for (const auto& [key, value] : meta) {
    if (rocksdb::Status s = batch.Put(cf(kMetaCf), key, value); !s.ok()) {
      return ViewsFromRocks(s, "building a batch");
    }
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  return ViewsFromRocks(db_->Write(wo, &batch), "writing counters");
}

absl::Status Projector::BulkStep() {
  pending_records_ = 0;
  if (bulk_->bytes() + states_bytes_ >= bulk_memory_bytes_) {
    if (absl::Status s = BulkDrain(); !s.ok()) return s;
  }
  size_t counters = 0;
  for (const auto& m : counters_) counters += m.size();
  if (counters * kCounterBytes >= bulk_memory_bytes_) return MergeCounters({});
  return absl::OkStatus();
}

absl::Status Projector::BulkFinish(const Checkpoint& checkpoint, const std::string& origin,
                                   const std::function<void(double)>& merging) {
  if (absl::Status s = BulkDrain(); !s.ok()) return s;
  // The writer merges every family and builds the entities, while one of its
  // threads merges the counters of the records into the store (other keys
  // than the runs'); then the entities' totals join them.
  CounterMap entity_totals;
  if (absl::Status s =
          bulk_->Finish(&entity_totals, [this] { return MergeCounters({}); }, merging);
      !s.ok()) {
    return s;
  }
  draining_states_.clear();
  pending_records_ = 0;
  AddCounters(entity_totals, &counters_[kTotalsCf]);
  return MergeCounters({{kOriginKey, origin}, {kCheckpointKey, EncodeCheckpoint(checkpoint)}});
}

}  // namespace projections::internal
