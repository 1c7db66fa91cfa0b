// proof_bench: what inclusion proofs and `verify` cost, measured in one run
// on one machine (docs/PERFORMANCE.md, "Proofs and verify").
//
//  1. Inclusion proofs at each ledger size of --sizes (default 1,000,000 and
//     10,000,000 events). The ledger is built first (Durability::kBulk, small
//     valid events, batches of 10,000; 10,000,000 events take a few minutes
//     and about 3 GB under --dir, removed afterwards unless --keep), then
//     reopened read-only, as `ledger prove` opens it. For --proofs random
//     (index, size) pairs, half at the head and half at a random earlier
//     size, each proof is timed alone:
//       generate = ReadOne(index) + LeafHash + merkle::InclusionProof on the
//                  stored nodes + RootAt(size) + EncodeInclusionProof
//                  (what `ledger prove inclusion` does after opening)
//       verify   = DecodeInclusionProof of that JSON + LeafHash of the record
//                  bytes compared with leafHash + VerifyInclusionProof
//                  (what `ledger check inclusion` does after reading files)
//     and p50 / p99 / max are reported (the requirement: under 1 ms each).
//  2. `verify` of a --verify-events ledger (default 1,000,000) of realistic
//     synthetic events (workload/generator.h, kStreamMix, ~300-byte records),
//     against SHA-256 over the same bytes: the leaf hash SHA-256(0x00 ||
//     record) of each of the same record byte strings, held in memory, on
//     one thread. fraction = SHA-256 time / verify time (the requirement: at
//     least 50%). Both are the median of --repeat runs, alternating.
//
// Usage: proof_bench [--sizes 1000000,10000000] [--proofs 10000]
//                    [--verify-events 1000000] [--repeat 3] [--dir /tmp]
//                    [--seed S] [--keep] [--skip-proofs] [--skip-verify] [--json]
// Results go to stdout (a table, or JSON with --json); progress to stderr.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "merkle/proof_json.h"
#include "rocksdb/db.h"
#include "rocksdb/version.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/bench_util.h"
#include "workload/generator.h"

namespace {

using enforcement::v1::Event;
using bench::Clock;
using bench::Seconds;
using bench::ThreadCpuMicros;

struct Config {
  std::vector<uint64_t> sizes = {1000000, 10000000};
  uint64_t proofs = 10000;
  uint64_t verify_events = 1000000;
  int repeat = 3;
  std::string dir = "/tmp";
  uint64_t seed = 1;
  bool keep = false;
  bool reuse = false;
  bool skip_proofs = false;
  bool skip_verify = false;
  bool json = false;
};

constexpr char kUsage[] =
    "usage: proof_bench [options]\n"
    "  --sizes LIST         ledger sizes for the proof timings (default 1000000,10000000)\n"
    "  --proofs N           random proofs timed per size (default 10000)\n"
    "  --verify-events N    events of the ledger verified (default 1000000)\n"
    "  --repeat K           verify and SHA-256 runs; the median is reported (default 3)\n"
    "  --dir DIR            where the ledgers are built (default /tmp)\n"
    "  --seed S             seed of events and proof positions (default 1)\n"
    "  --keep               keep the ledgers (DIR/proof-bench-*) instead of removing them\n"
    "  --reuse              use a kept ledger of the right size instead of building it\n"
    "  --skip-proofs        only the verify measurement\n"
    "  --skip-verify        only the proof timings\n"
    "  --json               print JSON instead of a table\n";

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "proof_bench: %s\n", what.c_str());
  std::exit(1);
}

Config ParseArgs(int argc, char** argv) {
  Config c;
  CLI::App app;
  bench::AddSizeList(app, "--sizes", &c.sizes, /*allow_empty=*/true);
  app.add_option("--proofs", c.proofs)->transform(bench::Whole(1));
  app.add_option("--verify-events", c.verify_events)->transform(bench::Whole(1));
  app.add_option("--repeat", c.repeat)->transform(bench::Whole(1));
  app.add_option("--dir", c.dir);
  app.add_option("--seed", c.seed)->transform(bench::Whole(0));
  app.add_flag("--keep", c.keep);
  app.add_flag("--reuse", c.reuse);
  app.add_flag("--skip-proofs", c.skip_proofs);
  app.add_flag("--skip-verify", c.skip_verify);
  app.add_flag("--json", c.json);
  bench::ParseOrExit(app, argc, argv, "proof_bench", kUsage);
  if (c.reuse) c.keep = true;
  return c;
}

// CPU time (user + system) of the whole process, all threads, in seconds.
double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
// Not bench::Median: for an even count this is the upper of the two middle
// values.
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Percentile of sorted values: the value at rank p% of the count, rounded
// (projection_bench rounds the rank up instead).
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string LoadAverage() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return "?";
  return absl::StrFormat("%.1f %.1f %.1f", l[0], l[1], l[2]);
}

// A small valid event (an arrest; ~90 bytes serialized, ~110-byte record).
Event SmallEvent(uint64_t seed, uint64_t i) {
  Event e;
  const std::string suspect = absl::StrCat("s", i % 100003);
  e.set_event_id(absl::StrCat("p-", seed, "-", i));
  e.set_stream(absl::StrCat("suspect/", suspect));
  e.mutable_occurred_at()->set_seconds(1709251200 + 86400 * static_cast<int64_t>(i % 28));
  e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
  e.mutable_source()->set_publisher("bench");
  e.set_recorded_by("proof_bench");
  auto* a = e.mutable_arrest();
  a->mutable_suspect()->set_suspect_id(suspect);
  a->mutable_suspect()->set_nationality("CN");
  return e;
}

// Builds a ledger of `n` events at `path` (removed first) with bulk
// durability in batches of 10,000, and returns the build time in seconds.
double BuildLedger(const std::string& path, uint64_t n, bool synthetic, uint64_t seed, bool reuse) {
  std::error_code ec;
  if (reuse && std::filesystem::exists(path + "/CURRENT", ec)) {
    ledger::OpenOptions ro;
    ro.read_only = true;
    auto l = ledger::Ledger::Open(path, ro);
    if (l.ok() && (*l)->GetHead().tree_size == n) {
      std::fprintf(stderr, "  reusing %s\n", path.c_str());
      return 0;
    }
  }
  std::filesystem::remove_all(path, ec);
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "bench.example/log";
  o.durability = ledger::Durability::kBulk;
  auto l = ledger::Ledger::Open(path, o);
  if (!l.ok()) Fail(absl::StrCat("open ", path, ": ", l.status().ToString()));
  constexpr uint64_t kBatch = 10000;
  workload::EventGenerator gen({.shape = workload::Shape::kStreamMix, .seed = seed});
  std::vector<Event> batch;
  batch.reserve(kBatch);
  const auto start = Clock::now();
  auto last_report = start;
  for (uint64_t i = 0; i < n; i += kBatch) {
    batch.clear();
    for (uint64_t j = i; j < std::min(n, i + kBatch); ++j) {
      batch.push_back(synthetic ? gen.Next() : SmallEvent(seed, j));
    }
    auto r = (*l)->AppendEvents(batch);
    if (!r.ok()) Fail(absl::StrCat("append: ", r.status().ToString()));
    if (Clock::now() - last_report > std::chrono::seconds(5)) {
      last_report = Clock::now();
      std::fprintf(stderr, "  building %s: %" PRIu64 " / %" PRIu64 " events, %.0f events/s\n",
                   path.c_str(), i + batch.size(), n,
                   static_cast<double>(i + batch.size()) / Seconds(last_report - start));
    }
  }
  if (absl::Status s = (*l)->Flush(); !s.ok()) Fail(s.ToString());
  return Seconds(Clock::now() - start);
}

// bench::SettleLedger (flushes the closed ledger's memtables), or Fail.
void SettleLedger(const std::string& path) {
  if (absl::Status s = bench::SettleLedger(path); !s.ok()) Fail(std::string(s.message()));
}

std::unique_ptr<ledger::Ledger> OpenReader(const std::string& path) {
  ledger::OpenOptions o;
  o.read_only = true;
  auto l = ledger::Ledger::Open(path, o);
  if (!l.ok()) Fail(absl::StrCat("open ", path, ": ", l.status().ToString()));
  return *std::move(l);
}

struct Latency {
  double p50_us = 0, p99_us = 0, max_us = 0, mean_us = 0;
};
Latency Summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  Latency l;
  l.p50_us = Percentile(us, 50);
  l.p99_us = Percentile(us, 99);
  l.max_us = us.empty() ? 0 : us.back();
  double sum = 0;
  for (double u : us) sum += u;
  l.mean_us = us.empty() ? 0 : sum / static_cast<double>(us.size());
  return l;
}

struct ProofResult {
  uint64_t events = 0;
  double build_s = 0;
  uint64_t record_bytes = 0;         // mean
  Latency generate, verify;          // wall clock
  Latency generate_cpu, verify_cpu;  // thread CPU time
  double mean_proof_hashes = 0;
};

ProofResult MeasureProofs(const Config& c, uint64_t n) {
  ProofResult res;
  res.events = n;
  const std::string path = absl::StrCat(c.dir, "/proof-bench-", n);
  std::fprintf(stderr, "proofs at %" PRIu64 " events: building the ledger (bulk, small events)\n",
               n);
  res.build_s = BuildLedger(path, n, /*synthetic=*/false, c.seed, c.reuse);
  std::fprintf(stderr, "  built in %.1f s (%.0f events/s)\n", res.build_s,
               static_cast<double>(n) / res.build_s);
  SettleLedger(path);
  std::unique_ptr<ledger::Ledger> l = OpenReader(path);
  if (l->GetHead().tree_size != n) Fail("the ledger has the wrong size");
  std::mt19937_64 rng(c.seed * 7919 + n);
  std::vector<double> gen_us, ver_us, gen_cpu, ver_cpu;
  uint64_t hashes = 0, bytes = 0;
  for (uint64_t i = 0; i < c.proofs; ++i) {
    const uint64_t size = i % 2 == 0 ? n : 1 + rng() % n;
    const uint64_t index = rng() % size;
    const double c0 = ThreadCpuMicros();
    const auto t0 = Clock::now();
    absl::StatusOr<ledger::StoredRecord> rec = l->ReadOne(index);
    if (!rec.ok()) Fail(rec.status().ToString());
    ledger::InclusionProofJson p;
    p.leaf_index = index;
    p.tree_size = size;
    p.leaf_hash = merkle::LeafHash(rec->bytes);
    absl::StatusOr<std::vector<merkle::Hash>> path_hashes =
        merkle::InclusionProof(l->nodes(), index, size);
    if (!path_hashes.ok()) Fail(path_hashes.status().ToString());
    p.proof = *std::move(path_hashes);
    absl::StatusOr<merkle::Hash> root = l->RootAt(size);
    if (!root.ok()) Fail(root.status().ToString());
    p.root = *root;
    const std::string json = ledger::EncodeInclusionProof(p);
    const auto t1 = Clock::now();
    const double c1 = ThreadCpuMicros();
    absl::StatusOr<ledger::InclusionProofJson> d = ledger::DecodeInclusionProof(json);
    bool ok = d.ok() && merkle::LeafHash(rec->bytes) == d->leaf_hash &&
              ledger::VerifyInclusionProof(*d).ok();
    const auto t2 = Clock::now();
    const double c2 = ThreadCpuMicros();
    if (!ok) Fail(absl::StrCat("proof of ", index, " in ", size, " does not verify"));
    gen_us.push_back(Seconds(t1 - t0) * 1e6);
    ver_us.push_back(Seconds(t2 - t1) * 1e6);
    gen_cpu.push_back(c1 - c0);
    ver_cpu.push_back(c2 - c1);
    hashes += p.proof.size();
    bytes += rec->bytes.size();
  }
  res.generate = Summarize(gen_us);
  res.verify = Summarize(ver_us);
  res.generate_cpu = Summarize(gen_cpu);
  res.verify_cpu = Summarize(ver_cpu);
  res.mean_proof_hashes = static_cast<double>(hashes) / static_cast<double>(c.proofs);
  res.record_bytes = bytes / c.proofs;
  l.reset();
  if (!c.keep) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  return res;
}

// Floors of the work verify does, measured separately on the same ledger
// (settled) and records: one sequential scan of each column family with
// RocksDB alone, touching every key and value; protobuf parsing of every
// record; RFC 6962 node hashing of the whole tree.
struct Breakdown {
  double scan_s[6] = {0, 0, 0, 0, 0, 0};
  uint64_t entries[6] = {0, 0, 0, 0, 0, 0};
  double parse_s = 0, nodes_s = 0;
};
const char* const kFamilies[] = {ledger::kMetaFamily,    ledger::kRecordsFamily,
                                 ledger::kStreamsFamily, ledger::kEventIdsFamily,
                                 ledger::kMerkleFamily,  ledger::kRetractedFamily};

Breakdown MeasureBreakdown(const std::string& path, const std::vector<std::string>& records) {
  Breakdown b;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kFamilies) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions dbo;
  dbo.max_open_files = -1;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(dbo, path, cfs, &handles, &raw);
  if (!s.ok()) Fail(absl::StrCat("open ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  for (int f = 1; f < 6; ++f) {
    rocksdb::ReadOptions ro;
    ro.readahead_size = 2 << 20;
    ro.fill_cache = false;
    const auto t0 = Clock::now();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handles[f]));
    uint64_t n = 0, bytes = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++n;
      bytes += it->key().size() + it->value().size() + static_cast<uint8_t>(it->value().data()[0]);
    }
    b.scan_s[f] = Seconds(Clock::now() - t0);
    b.entries[f] = n;
    if (bytes == 1) std::fprintf(stderr, " ");
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db.reset();
  {
    enforcement::v1::LedgerRecord rec;
    const auto t0 = Clock::now();
    for (const std::string& r : records) {
      if (!rec.ParseFromString(r)) Fail("a record does not parse");
    }
    b.parse_s = Seconds(Clock::now() - t0);
  }
  {
    std::vector<merkle::Hash> leaves;
    leaves.reserve(records.size());
    for (const std::string& r : records) leaves.push_back(merkle::LeafHash(r));
    merkle::CompactRange range;
    const auto t0 = Clock::now();
    for (const merkle::Hash& h : leaves) range.Append(h, nullptr);
    b.nodes_s = Seconds(Clock::now() - t0);
  }
  return b;
}

struct VerifyResult {
  uint64_t events = 0;
  uint64_t bytes = 0;  // total record bytes
  double build_s = 0;
  std::vector<double> verify_s, sha_s;
  std::vector<double> verify_cpu_s, sha_cpu_s;  // CPU time: all threads / the one thread
  double verify_median = 0, sha_median = 0, fraction = 0;
  double unsettled_open_s = 0, unsettled_verify_s = 0;  // before SettleLedger
  Breakdown breakdown;
};

VerifyResult MeasureVerify(const Config& c) {
  VerifyResult res;
  res.events = c.verify_events;
  const std::string path = absl::StrCat(c.dir, "/proof-bench-verify-", c.verify_events);
  std::fprintf(stderr, "verify: building a ledger of %" PRIu64 " synthetic events (bulk)\n",
               c.verify_events);
  res.build_s = BuildLedger(path, c.verify_events, /*synthetic=*/true, c.seed, c.reuse);
  std::fprintf(stderr, "  built in %.1f s\n", res.build_s);
  // The same record byte strings, in memory, for the SHA-256 baseline.
  std::vector<std::string> records;
  records.reserve(c.verify_events);
  {
    std::unique_ptr<ledger::Ledger> l = OpenReader(path);
    absl::Status s = l->Scan(0, c.verify_events, [&](const ledger::StoredRecord& r) {
      records.push_back(r.bytes);
      res.bytes += r.bytes.size();
      return absl::OkStatus();
    });
    if (!s.ok()) Fail(s.ToString());
  }
  {
    // Once as the bulk import left it: the reader replays the WALs the
    // writer kept, and finds many records in memtables.
    const auto t0 = Clock::now();
    std::unique_ptr<ledger::Ledger> l = OpenReader(path);
    const auto t1 = Clock::now();
    absl::StatusOr<ledger::VerifyReport> v = l->Verify();
    if (!v.ok() || !v->ok()) Fail("verify failed on the ledger as built");
    res.unsettled_open_s = Seconds(t1 - t0);
    res.unsettled_verify_s = Seconds(Clock::now() - t1);
    std::fprintf(stderr, "  as built: open %.3f s, verify %.3f s\n", res.unsettled_open_s,
                 res.unsettled_verify_s);
  }
  SettleLedger(path);
  for (int rep = 0; rep < c.repeat; ++rep) {
    // Alternate the order so neither always runs first.
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) == (rep % 2 == 0)) {
        std::unique_ptr<ledger::Ledger> l = OpenReader(path);  // as `ledger verify` does
        const double cpu0 = ProcessCpuSeconds();
        const auto t0 = Clock::now();
        absl::StatusOr<ledger::VerifyReport> v = l->Verify();
        const double s = Seconds(Clock::now() - t0);
        res.verify_cpu_s.push_back(ProcessCpuSeconds() - cpu0);
        if (!v.ok()) Fail(v.status().ToString());
        if (!v->ok()) Fail(absl::StrCat("verify failed: ", v->problem));
        if (v->records_checked != c.verify_events) Fail("verify checked the wrong count");
        res.verify_s.push_back(s);
        std::fprintf(stderr, "  verify: %.3f s\n", s);
      } else {
        const double cpu0 = ThreadCpuMicros();
        const auto t0 = Clock::now();
        uint8_t acc = 0;
        for (const std::string& r : records) acc ^= merkle::LeafHash(r)[0];
        const double s = Seconds(Clock::now() - t0);
        res.sha_cpu_s.push_back((ThreadCpuMicros() - cpu0) / 1e6);
        if (acc == 0x5a) std::fprintf(stderr, " ");  // keep the hashes alive
        res.sha_s.push_back(s);
        std::fprintf(stderr, "  SHA-256 of the same records: %.3f s\n", s);
      }
    }
  }
  res.breakdown = MeasureBreakdown(path, records);
  res.verify_median = Median(res.verify_s);
  res.sha_median = Median(res.sha_s);
  res.fraction = res.sha_median / res.verify_median;
  if (!c.keep) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  const Config c = ParseArgs(argc, argv);
  std::error_code ec;
  std::filesystem::create_directories(c.dir, ec);
  std::vector<ProofResult> proofs;
  if (!c.skip_proofs) {
    for (uint64_t n : c.sizes) proofs.push_back(MeasureProofs(c, n));
  }
  std::optional<VerifyResult> verify;
  if (!c.skip_verify) verify = MeasureVerify(c);

  const unsigned cpus = std::thread::hardware_concurrency();
  if (c.json) {
    std::string j = "{\n  \"benchmark\": \"proofs\",\n";
    absl::StrAppendFormat(&j, "  \"machine\": {\"cpus\": %u, \"rocksdb\": \"%d.%d.%d\"},\n", cpus,
                          ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH);
    absl::StrAppendFormat(&j, "  \"proofs_per_size\": %d,\n  \"inclusion\": [\n",
                          static_cast<int>(c.proofs));
    for (size_t i = 0; i < proofs.size(); ++i) {
      const ProofResult& p = proofs[i];
      absl::StrAppendFormat(
          &j,
          "    {\"events\": %d, \"build_s\": %.1f, \"mean_record_bytes\": %d, "
          "\"mean_proof_hashes\": %.1f, \"generate_us\": {\"p50\": %.1f, \"p99\": %.1f, "
          "\"max\": %.1f, \"mean\": %.1f}, \"verify_us\": {\"p50\": %.1f, \"p99\": %.1f, "
          "\"max\": %.1f, \"mean\": %.1f}, \"generate_cpu_us\": {\"p50\": %.1f, \"p99\": %.1f}, "
          "\"verify_cpu_us\": {\"p50\": %.1f, \"p99\": %.1f}}%s\n",
          static_cast<int64_t>(p.events), p.build_s, static_cast<int64_t>(p.record_bytes),
          p.mean_proof_hashes, p.generate.p50_us, p.generate.p99_us, p.generate.max_us,
          p.generate.mean_us, p.verify.p50_us, p.verify.p99_us, p.verify.max_us, p.verify.mean_us,
          p.generate_cpu.p50_us, p.generate_cpu.p99_us, p.verify_cpu.p50_us, p.verify_cpu.p99_us,
          i + 1 < proofs.size() ? "," : "");
    }
    absl::StrAppend(&j, "  ]");
    if (verify) {
      absl::StrAppendFormat(
          &j,
          ",\n  \"verify\": {\"events\": %d, \"record_bytes\": %d, \"verify_s\": %.3f, "
          "\"sha256_s\": %.3f, \"fraction_of_sha256\": %.3f, \"verify_records_per_s\": %.0f, "
          "\"sha256_records_per_s\": %.0f, \"unsettled_open_s\": %.3f, \"unsettled_verify_s\": "
          "%.3f, "
          "\"verify_cpu_s\": %.3f, \"sha256_cpu_s\": %.3f, \"load_average\": \"%s\"}",
          static_cast<int64_t>(verify->events), static_cast<int64_t>(verify->bytes),
          verify->verify_median, verify->sha_median, verify->fraction,
          static_cast<double>(verify->events) / verify->verify_median,
          static_cast<double>(verify->events) / verify->sha_median, verify->unsettled_open_s,
          verify->unsettled_verify_s, Median(verify->verify_cpu_s), Median(verify->sha_cpu_s),
          LoadAverage());
    }
    absl::StrAppend(&j, "\n}\n");
    std::fputs(j.c_str(), stdout);
    return 0;
  }
  std::printf("proof_bench: %u CPUs, RocksDB %d.%d.%d, load average at the end %s\n\n", cpus,
              ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH, LoadAverage().c_str());
  if (!proofs.empty()) {
    std::printf("Inclusion proofs: %d random (index, size) pairs per ledger, half at the head\n",
                static_cast<int>(c.proofs));
    std::printf("%12s %9s %7s %7s | %27s | %27s\n", "", "", "", "", "generate (us)", "verify (us)");
    std::printf("%12s %9s %7s %7s | %8s %8s %9s | %8s %8s %9s\n", "events", "build s", "rec B",
                "hashes", "p50", "p99", "max", "p50", "p99", "max");
    for (const ProofResult& p : proofs) {
      std::printf(
          "%12" PRIu64 " %9.1f %7" PRIu64 " %7.1f | %8.1f %8.1f %9.1f | %8.1f %8.1f %9.1f\n",
          p.events, p.build_s, p.record_bytes, p.mean_proof_hashes, p.generate.p50_us,
          p.generate.p99_us, p.generate.max_us, p.verify.p50_us, p.verify.p99_us, p.verify.max_us);
      std::printf("%12s %9s %7s %7s | %8.1f %8.1f %9s | %8.1f %8.1f %9s   (thread CPU time)\n", "",
                  "", "", "", p.generate_cpu.p50_us, p.generate_cpu.p99_us, "", p.verify_cpu.p50_us,
                  p.verify_cpu.p99_us, "");
    }
    std::printf("\n");
  }
  if (verify) {
    std::printf("verify of %" PRIu64 " events (%.1f bytes per record), median of %d\n",
                verify->events,
                static_cast<double>(verify->bytes) / static_cast<double>(verify->events), c.repeat);
    std::printf("  Ledger::Verify                          %8.3f s  %10.0f records/s\n",
                verify->verify_median, static_cast<double>(verify->events) / verify->verify_median);
    std::printf("  SHA-256(0x00 || record), same records   %8.3f s  %10.0f records/s\n",
                verify->sha_median, static_cast<double>(verify->events) / verify->sha_median);
    std::printf("  verify as a fraction of SHA-256          %7.1f%%\n", verify->fraction * 100);
    std::printf("  CPU time: verify %.3f s (both threads), SHA-256 %.3f s; load average %s\n",
                Median(verify->verify_cpu_s), Median(verify->sha_cpu_s), LoadAverage().c_str());
    std::printf(
        "  before settling (WALs kept by the import): open %.3f s, verify %.3f s (%.1f%%)\n",
        verify->unsettled_open_s, verify->unsettled_verify_s,
        100 * verify->sha_median / verify->unsettled_verify_s);
    const Breakdown& b = verify->breakdown;
    std::printf("  floors, measured alone on the same data (s):\n");
    for (int f = 1; f < 6; ++f) {
      std::printf("    scan %-10s %9" PRIu64 " entries  %7.3f s\n", kFamilies[f], b.entries[f],
                  b.scan_s[f]);
    }
    std::printf("    protobuf parse of every record      %7.3f s\n", b.parse_s);
    std::printf("    node hashes of the whole tree       %7.3f s\n", b.nodes_s);
    std::printf("  runs: verify");
    for (double s : verify->verify_s) std::printf(" %.3f", s);
    std::printf(" s; SHA-256");
    for (double s : verify->sha_s) std::printf(" %.3f", s);
    std::printf(" s\n");
  }
  return 0;
}
