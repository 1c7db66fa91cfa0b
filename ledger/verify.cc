// Ledger::Verify: recomputes everything derivable from the stored record
// bytes and compares it with what is stored (docs/FORMAT.md, "Verification").
//
// Two passes, so that a ledger that is intact is checked fast and a ledger
// that is not gets an exact report:
//
//  1. The fast pass (FastVerifier, ledger/verify_fast.cc) makes every check
//     on two threads over one consistent snapshot. A reader thread scans the records family and hands
//     the stored values over in batches with their leaf hashes; the calling
//     thread checks each record (it parses, it carries its position,
//     recorded_at never decreases), adds it to the tree, and adds the index
//     entries the record implies to multiset digests. Whichever thread is
//     free then scans the merkle, streams, event_ids and retracted families
//     into digests of what is stored (the stream scan also checks the order
//     of versions).
//     Stored and implied sets are then compared: the merkle family must hold
//     exactly the nodes the records complete (no node missing, different or
//     extra), each index exactly the entries the records imply, the head the
//     recomputed root, and no record may lie past the head.
//  2. Only when the fast pass finds anything, the lookup pass
//     (VerifyByLookups, ledger/verify_lookups.cc: one sequential iterator
//     per Merkle level and point lookups into the indexes) runs to name the first position that differs
//     and what differs.
//
// Where the time goes is in docs/PERFORMANCE.md ("Proofs and verify"). Two
// choices make the fast pass cheap without weakening it:
//  - Parsing (ledger/record_fields.h). A record "parses" when protobuf's
//    parser accepts its bytes. A conservative wire-format checker driven by
//    the LedgerRecord descriptor (WireSchema) accepts only what protobuf
//    certainly accepts (known fields with their declared wire types, complete
//    varints, lengths in bounds, valid UTF-8 in string fields, nested
//    messages recursively); anything else -- unknown or repeated fields,
//    groups, deep nesting, bad bytes -- goes to protobuf's own
//    ParseFromString, which decides. The few fields verify needs are read
//    straight from the bytes.
//  - Digests (ledger/verify_digest.h). The multiset digests are the lane-wise sums of two
//    independently keyed 64-bit hashes (a wyhash-style multiply-mix) of each
//    entry, with keys drawn from the OS's CSPRNG at every run, instead of
//    SHA-256: an index digest only has to notice entries that differ from
//    what the records imply. Tamper evidence is the Merkle tree's job; the
//    index entries are not part of it, and an adversary who does not know
#include <cstdint>
#include <functional>
#include <mutex>

#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "ledger/verify_digest.h"
#include "ledger/verify_internal.h"

namespace ledger {

using verify_internal::DigestKeys;
using verify_internal::FastFinding;
using verify_internal::KeyLayoutsAgree;
using verify_internal::RandomDigestKeys;
using verify_internal::RunFastPass;
using verify_internal::VerifyByLookups;
using verify_internal::VerifyStore;

absl::StatusOr<VerifyReport> Ledger::Verify(
    const std::function<void(uint64_t done, uint64_t total)>& progress) const {
  Impl& im = *impl_;
  if (!KeyLayoutsAgree()) {
    return absl::InternalError("verify's key layouts disagree with key_coding.h");
  }
  absl::StatusOr<DigestKeys> keys = RandomDigestKeys();
  if (!keys.ok()) return keys.status();

  // The head and a snapshot that agree: appends hold `mu` while they write.
  // (A read-only ledger is a RocksDB secondary instance, which has no
  // snapshots; its data changes only in TryCatchUp.)
  Head head;
  const rocksdb::Snapshot* snapshot = nullptr;
  {
    std::lock_guard<std::mutex> l(im.mu);
    head = im.head;
    if (!im.options.read_only) snapshot = im.db->GetSnapshot();
  }
  const VerifyStore st{im.db.get(),           im.cf(Impl::kRecords),
                 im.cf(Impl::kStreams), im.cf(Impl::kEventIds),
                 im.cf(Impl::kMerkle),  im.cf(Impl::kRetracted),
                 im.log_capture.get()};
  VerifyReport report;
  report.tree_size = head.tree_size;
  FastFinding finding;
  uint64_t checked = 0;
  finding = RunFastPass(st, head, snapshot, *keys, progress, &report.root, &checked);
  if (snapshot != nullptr) im.db->ReleaseSnapshot(snapshot);
  if (finding.ok) {
    report.root_computed = true;
    report.records_checked = checked;
    if (progress) progress(checked, head.tree_size);
    return report;
  }

  // Something differs (or reading failed): the lookup pass names the first
  // position and what differs.
  absl::StatusOr<VerifyReport> exact = VerifyByLookups(*this, st, head, progress);
  if (!exact.ok() || !exact->ok()) return exact;
  if (!finding.error.ok()) return finding.error;
  // Only the fast pass saw it (it also checks the merkle levels the lookup
  // pass never opens).
  exact->first_bad_position = finding.position;
  exact->problem = finding.problem;
  return exact;
}

}  // namespace ledger

