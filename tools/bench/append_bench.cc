// append_bench: how fast the ledger appends, against raw RocksDB doing the
// same key writes, measured in one run on one machine.
//
// For each batch size (default 1, 100, 1000) it appends the same synthetic
// events (workload/generator.h, kStreamMix) three ways, each into a fresh
// directory that is removed afterwards, with one fsync per batch:
//  - ledger:       Ledger::AppendEvents with Durability::kSync. Everything an
//                  append does is timed: validation, serialization, the
//                  MultiGet idempotency check, stream-version lookups, record
//                  encoding, SHA-256 leaf and node hashes, the WriteBatch and
//                  its synced write.
//  - raw-full:     a WriteBatch per batch of exactly the keys and values the
//                  ledger writes (record, stream-index, event-id-index and
//                  Merkle node keys per event, the head key per batch), under
//                  the ledger's DB and column-family options, WriteOptions
//                  sync=true. The bytes are computed before the clock starts
//                  (ledger::AppendRecordBytes with the same positions,
//                  versions and recorded_at), so only RocksDB is timed.
//  - raw-full+mark: raw-full, and after each synced batch what the ledger does
//                  for its high-water mark (docs/FORMAT.md): a 128-byte
//                  pwrite into a 640-byte file beside the database and one
//                  more fdatasync. raw-full vs raw-full+mark is the mark's
//                  cost; the ledger is compared with raw-full+mark.
//  - raw-records:  one key per event, the record, into the records family.
// The ledger's head root after the run is checked against the root of the
// precomputed records, and the ledger's OPTIONS file against raw-full's, so
// the raw runs are known to write the same bytes under the same options.
//
// Usage: append_bench [--events N] [--events-batch1 N] [--batch-sizes 1,100,1000]
//                     [--dir /tmp] [--repeat K] [--seed S] [--only VARIANTS] [--json]
// Results go to stdout (a table, or JSON with --json); progress to stderr.
// docs/PERFORMANCE.md records the figures measured with it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/common.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "ledger/record_coding.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/version.h"
#include "rocksdb/write_batch.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/bench_util.h"
#include "workload/generator.h"

namespace {

using enforcement::v1::Event;
using bench::Clock;
using bench::Median;
using bench::Seconds;

// ---------------------------------------------------------------------------
// Options

struct Config {
  uint64_t events = 1000000;
  uint64_t events_batch1 = 20000;  // fsync per event runs at the disk's ~5k/s
  std::vector<uint64_t> batch_sizes = {1, 100, 1000};
  std::string dir = "/tmp";
  int repeat = 1;
  uint64_t seed = 1;
  bool json = false;
  std::string json_file;       // also write the JSON there
  std::set<std::string> only;  // empty: every variant
};

constexpr char kUsage[] =
    "usage: append_bench [options]\n"
    "  --events N          events per run for batch sizes > 1 (default 1000000)\n"
    "  --events-batch1 N   events per run for batch size 1 (default 20000; an fsync\n"
    "                      per event runs at the disk's rate, ~5k/s)\n"
    "  --batch-sizes LIST  comma-separated batch sizes (default 1,100,1000)\n"
    "  --dir DIR           where the fresh per-run directories go (default /tmp)\n"
    "  --repeat K          runs per measurement; the median is reported (default 1)\n"
    "  --seed S            seed of the synthetic events (default 1)\n"
    "  --only LIST         run only some of ledger,raw-full,raw-full+mark,raw-records\n"
    "  --json              print JSON instead of a table\n"
    "  --json-file PATH    also write the JSON to PATH\n";

Config ParseArgs(int argc, char** argv) {
  Config c;
  CLI::App app;
  app.add_option("--events", c.events)->transform(bench::Whole(1));
  app.add_option("--events-batch1", c.events_batch1)->transform(bench::Whole(1));
  bench::AddSizeList(app, "--batch-sizes", &c.batch_sizes);
  app.add_option("--dir", c.dir);
  app.add_option("--repeat", c.repeat)->transform(bench::Whole(1));
  app.add_option("--seed", c.seed)->transform(bench::Whole(0));
  // Each --only adds to the set.
  app.add_option_function<std::vector<std::string>>(
         "--only",
         [&c](const std::vector<std::string>& lists) {
           for (const std::string& list : lists) {
             for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
               if (part != "ledger" && part != "raw-full" && part != "raw-full+mark" &&
                   part != "raw-records") {
                 throw CLI::ValidationError("--only",
                                            absl::StrCat("unknown variant \"", part, "\""));
               }
               c.only.insert(std::string(part));
             }
           }
         })
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--json", c.json);
  app.add_option("--json-file", c.json_file);
  bench::ParseOrExit(app, argc, argv, "append_bench", kUsage);
  return c;
}

// Events appended with batch size `b`.
uint64_t EventsFor(const Config& c, uint64_t b) {
  return b == 1 ? std::min(c.events, c.events_batch1) : c.events;
}

// ---------------------------------------------------------------------------
// The ledger's storage options, replicated. MUST mirror FamilyDescriptors(),
// IndexFamilyOptions() and the DBOptions of Ledger::Open in ledger/ledger.cc;
// CheckSameOptions() compares the OPTIONS files RocksDB writes for both, so a
// drift is reported rather than measured.

const char* const kFamilyNames[] = {ledger::kMetaFamily,    ledger::kRecordsFamily,
                                    ledger::kStreamsFamily, ledger::kEventIdsFamily,
                                    ledger::kMerkleFamily,  ledger::kRetractedFamily};
enum Family { kMeta = 0, kRecords, kStreams, kEventIds, kMerkle, kRetracted };

rocksdb::ColumnFamilyOptions IndexFamilyOptions() {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 4 << 20;
  rocksdb::BlockBasedTableOptions t;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> FamilyDescriptors() {
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  rocksdb::ColumnFamilyOptions plain;
  d.emplace_back(kFamilyNames[kMeta], plain);
  d.emplace_back(kFamilyNames[kRecords], plain);
  d.emplace_back(kFamilyNames[kStreams], IndexFamilyOptions());
  d.emplace_back(kFamilyNames[kEventIds], IndexFamilyOptions());
  d.emplace_back(kFamilyNames[kMerkle], plain);
  d.emplace_back(kFamilyNames[kRetracted], IndexFamilyOptions());
  return d;
}

rocksdb::DBOptions LedgerDBOptions() {
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.keep_log_file_num = 4;
  dbo.max_total_wal_size = 64 << 20;  // as ledger/ledger.cc (the bench checks OPTIONS match)
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  dbo.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  dbo.avoid_flush_during_recovery = true;
  return dbo;
}

// ---------------------------------------------------------------------------
// The workload: events, and for the raw runs the exact bytes the ledger writes.

// recorded_at of every record: a fixed clock makes the ledger's record bytes
// identical to the precomputed ones (and the roots comparable).
absl::Time RecordedAt() {
  return absl::FromCivil(absl::CivilSecond(2025, 1, 1, 0, 0, 0), absl::UTCTimeZone());
}

struct Node {
  char key[9];
  char hash[32];
};

// Byte ranges into Workload::arena.
struct ArenaRange {
  uint64_t offset;
  uint32_t size;
};

struct PreparedEvent {
  ArenaRange key;         // records key: fixed64 BE position
  ArenaRange value;       // 0x01 tag + record bytes
  ArenaRange stream_key;  // stream, 0x00, fixed64 BE version
  ArenaRange event_id;
  uint64_t first_node;  // Workload::nodes[first_node, next event's first_node)
};

struct Workload {
  std::vector<Event> events;
  std::string arena;
  std::vector<PreparedEvent> prepared;  // one per event, plus a sentinel (first_node only)
  std::vector<Node> nodes;              // Merkle nodes in the order the ledger writes them
  // Root after each tree size that ends a batch of some batch size.
  absl::flat_hash_map<uint64_t, merkle::Hash> roots;
  uint64_t event_bytes = 0, record_bytes = 0, streams = 0;

  rocksdb::Slice Get(const ArenaRange& s) const {
    return rocksdb::Slice(arena.data() + s.offset, s.size);
  }
  std::string HeadValue(uint64_t tree_size) const {
    return ledger::EncodeHead(
        ledger::HeadValue{tree_size, roots.at(tree_size), absl::ToUnixNanos(RecordedAt())});
  }
};

Workload Prepare(const Config& c) {
  uint64_t n = 0;
  for (uint64_t b : c.batch_sizes) n = std::max(n, EventsFor(c, b));
  Workload w;
  workload::EventGenerator gen({.shape = workload::Shape::kStreamMix, .seed = c.seed});
  w.events = gen.Take(n);
  w.streams = gen.streams();

  std::set<uint64_t> boundaries;
  for (uint64_t b : c.batch_sizes) {
    const uint64_t total = EventsFor(c, b);
    for (uint64_t s = b; s < total; s += b) boundaries.insert(s);
    boundaries.insert(total);
  }

  w.arena.reserve(n * 360);
  w.prepared.reserve(n + 1);
  w.nodes.reserve(2 * n + 64);
  absl::flat_hash_map<std::string, uint64_t> next_version;
  merkle::CompactRange range;
  std::string event_bytes, record;
  auto put = [&](absl::string_view bytes) {
    ArenaRange s{w.arena.size(), static_cast<uint32_t>(bytes.size())};
    w.arena.append(bytes.data(), bytes.size());
    return s;
  };
  for (uint64_t i = 0; i < n; ++i) {
    const Event& e = w.events[i];
    event_bytes.clear();
    if (!ledger::SerializeEventDeterministic(e, &event_bytes)) {
      std::fprintf(stderr, "append_bench: cannot serialize event %" PRIu64 "\n", i);
      std::exit(1);
    }
    const uint64_t version = next_version[e.stream()]++;
    record.clear();
    ledger::AppendRecordBytes(i, RecordedAt(), version, event_bytes, &record);
    w.event_bytes += event_bytes.size();
    w.record_bytes += record.size();

    PreparedEvent p;
    p.key = put(ledger::RecordKey(i));
    p.value = put(ledger::EncodeRecordValue(record));
    p.stream_key = put(ledger::StreamKey(e.stream(), version));
    p.event_id = put(e.event_id());
    p.first_node = w.nodes.size();
    w.prepared.push_back(p);
    range.Append(merkle::LeafHash(record), [&](int level, uint64_t index, const merkle::Hash& h) {
      Node node;
      const std::string key = ledger::MerkleKey(level, index);
      std::memcpy(node.key, key.data(), sizeof(node.key));
      std::memcpy(node.hash, h.data(), sizeof(node.hash));
      w.nodes.push_back(node);
    });
    if (boundaries.count(i + 1)) w.roots[i + 1] = range.Root();
  }
  PreparedEvent sentinel{};
  sentinel.first_node = w.nodes.size();
  w.prepared.push_back(sentinel);
  return w;
}

// ---------------------------------------------------------------------------
// Runs

// A fresh directory under `parent`, removed (with everything in it) on
// destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& parent) {
    std::string tmpl = parent + "/append_bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::fprintf(stderr, "append_bench: cannot create a directory in %s: %s\n", parent.c_str(),
                   std::strerror(errno));
      std::exit(1);
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    ::sync();  // let the next run start with no writeback of this one pending
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "append_bench: %s\n", what.c_str());
  std::exit(1);
}

// The latest OPTIONS file of the database at `path`, without comments and
// without lines naming the directory itself.
std::string OptionsText(const std::string& path) {
  std::string name;
  rocksdb::Status s = rocksdb::GetLatestOptionsFileName(path, rocksdb::Env::Default(), &name);
  if (!s.ok()) Fail(absl::StrCat("reading the options of ", path, ": ", s.ToString()));
  std::ifstream in(path + "/" + name);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.find(path) != std::string::npos) continue;
    out += line;
    out += '\n';
  }
  return out;
}

struct RunResult {
  double seconds = 0;
  std::string options_text;  // of the database written
};

RunResult RunLedger(const Config& c, const Workload& w, uint64_t n, uint64_t b) {
  TempDir dir(c.dir);
  ledger::OpenOptions o;
  o.create_if_missing = true;
  o.origin = "append-bench.example/log";
  o.durability = ledger::Durability::kSync;
  o.clock = [] { return RecordedAt(); };
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> l = ledger::Ledger::Open(dir.path(), o);
  if (!l.ok()) Fail(absl::StrCat("opening the ledger: ", l.status().ToString()));
  const auto start = Clock::now();
  for (uint64_t from = 0; from < n; from += b) {
    const uint64_t len = std::min(b, n - from);
    absl::StatusOr<ledger::AppendResult> r =
        (*l)->AppendEvents(absl::MakeConstSpan(w.events.data() + from, len));
    if (!r.ok()) Fail(absl::StrCat("append at ", from, ": ", r.status().ToString()));
    if (r->appended != len)
      Fail(absl::StrCat("append at ", from, ": ", r->appended, " of ", len, " written"));
  }
  const auto end = Clock::now();
  const ledger::Head head = (*l)->GetHead();
  if (head.tree_size != n || head.root != w.roots.at(n)) {
    Fail(absl::StrCat("the ledger's head (size ", head.tree_size, ", root ",
                      merkle::ToHex(head.root), ") is not the precomputed one (size ", n, ", root ",
                      merkle::ToHex(w.roots.at(n)), ")"));
  }
  RunResult r;
  r.seconds = Seconds(end - start);
  l->reset();
  r.options_text = OptionsText(dir.path());
  return r;
}

// raw-full (full == true) or raw-records; with `mark`, raw-full+mark.
RunResult RunRaw(const Config& c, const Workload& w, uint64_t n, uint64_t b, bool full,
                 bool mark = false) {
  TempDir dir(c.dir);
  int mark_fd = -1;
  if (mark) {
    const std::string path = dir.path() + "/HIGH_WATER_MARK";
    mark_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (mark_fd < 0 || ::ftruncate(mark_fd, 640) != 0 || ::fsync(mark_fd) != 0) {
      Fail(absl::StrCat("cannot create ", path));
    }
  }
  char slot[128];
  std::memset(slot, 0x5a, sizeof(slot));
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(LedgerDBOptions(), dir.path(), FamilyDescriptors(), &cf, &raw);
  if (!s.ok()) Fail(absl::StrCat("opening RocksDB: ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  {
    // What Ledger::Open writes into a new ledger; not timed.
    rocksdb::WriteBatch init;
    init.Put(cf[kMeta], ledger::kFormatVersionKey, ledger::kFormatVersion1);
    init.Put(cf[kMeta], ledger::kOriginKey, "append-bench.example/log");
    init.Put(cf[kMeta], ledger::kHeadKey,
             ledger::EncodeHead(ledger::HeadValue{0, merkle::EmptyRoot(), 0}));
    s = db->Write(wo, &init);
    if (!s.ok()) Fail(absl::StrCat("initialising: ", s.ToString()));
  }
  // Head values are precomputed too: only RocksDB is timed.
  std::vector<std::string> heads;
  if (full) {
    for (uint64_t from = 0; from < n; from += b)
      heads.push_back(w.HeadValue(std::min(from + b, n)));
  }
  const auto start = Clock::now();
  size_t batch_index = 0;
  for (uint64_t from = 0; from < n; from += b, ++batch_index) {
    const uint64_t to = std::min(from + b, n);
    rocksdb::WriteBatch batch;
    for (uint64_t i = from; i < to; ++i) {
      const PreparedEvent& p = w.prepared[i];
      const rocksdb::Slice key = w.Get(p.key);
      batch.Put(cf[kRecords], key, w.Get(p.value));
      if (!full) continue;
      batch.Put(cf[kStreams], w.Get(p.stream_key), key);
      batch.Put(cf[kEventIds], w.Get(p.event_id), key);
      for (uint64_t j = p.first_node; j < w.prepared[i + 1].first_node; ++j) {
        batch.Put(cf[kMerkle], rocksdb::Slice(w.nodes[j].key, sizeof(w.nodes[j].key)),
                  rocksdb::Slice(w.nodes[j].hash, sizeof(w.nodes[j].hash)));
      }
    }
    if (full) batch.Put(cf[kMeta], ledger::kHeadKey, heads[batch_index]);
    s = db->Write(wo, &batch);
    if (!s.ok()) Fail(absl::StrCat("write at ", from, ": ", s.ToString()));
    if (mark) {
      std::memcpy(slot, &to, sizeof(to));
      if (::pwrite(mark_fd, slot, sizeof(slot), (batch_index % 2) * 512) !=
              static_cast<ssize_t>(sizeof(slot)) ||
          ::fdatasync(mark_fd) != 0) {
        Fail("cannot write the mark");
      }
    }
  }
  const auto end = Clock::now();
  if (mark_fd >= 0) ::close(mark_fd);
  RunResult r;
  r.seconds = Seconds(end - start);
  for (auto* h : cf) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db->Close().PermitUncheckedError();
  db.reset();
  r.options_text = OptionsText(dir.path());
  return r;
}

void CheckSameOptions(const std::string& ledger_text, const std::string& raw_text) {
  if (ledger_text == raw_text) return;
  std::istringstream a(ledger_text), b(raw_text);
  std::string la, lb;
  int line = 0;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    ++line;
    if (!ga && !gb) break;
    if (!ga || !gb || la != lb) {
      Fail(absl::StrCat("raw RocksDB options differ from the ledger's (OPTIONS line ", line,
                        "): ledger \"", ga ? la : "<end>", "\", raw \"", gb ? lb : "<end>",
                        "\"; update LedgerDBOptions()/FamilyDescriptors() to match ledger.cc"));
    }
  }
}

struct Row {
  uint64_t batch = 0, events = 0;
  double keys_per_event_full = 0;
  std::vector<double> ledger, raw_full, raw_full_mark, raw_records;  // events/s of each run
};

const char* const kVariants[] = {"ledger", "raw-full", "raw-full+mark", "raw-records"};
constexpr int kNumVariants = 4;

std::string Rate(double r) { return r > 0 ? absl::StrFormat("%.0f", r) : std::string("-"); }
std::string Ratio(double a, double b) {
  return a > 0 && b > 0 ? absl::StrFormat("%.1f%%", 100 * a / b) : std::string("-");
}
std::string JsonNumber(double v) { return v > 0 ? absl::StrFormat("%.1f", v) : "null"; }
std::string JsonRatio(double a, double b) {
  return a > 0 && b > 0 ? absl::StrFormat("%.4f", a / b) : "null";
}
std::string JsonArray(const std::vector<double>& v) {
  return absl::StrCat("[",
                      absl::StrJoin(v, ", ",
                                    [](std::string* out, double x) {
                                      absl::StrAppend(out, absl::StrFormat("%.1f", x));
                                    }),
                      "]");
}

}  // namespace

int main(int argc, char** argv) {
  const Config c = ParseArgs(argc, argv);
  auto enabled = [&](const std::string& v) { return c.only.empty() || c.only.count(v) > 0; };

  const auto prep_start = Clock::now();
  std::fprintf(stderr, "append_bench: generating and encoding events...\n");
  const Workload w = Prepare(c);
  const uint64_t n_max = w.events.size();
  std::fprintf(stderr, "append_bench: %" PRIu64 " events ready in %.1f s\n", n_max,
               Seconds(Clock::now() - prep_start));

  std::vector<Row> rows;
  for (uint64_t b : c.batch_sizes) {
    Row row;
    row.batch = b;
    row.events = EventsFor(c, b);
    const uint64_t n = row.events;
    const uint64_t batches = (n + b - 1) / b;
    row.keys_per_event_full = static_cast<double>(3 * n + w.prepared[n].first_node + batches) / n;
    std::string ledger_options;
    for (int rep = 0; rep < c.repeat; ++rep) {
      // Rotate the order of the variants from one repetition to the next.
      for (int k = 0; k < kNumVariants; ++k) {
        const std::string variant = kVariants[(k + rep) % kNumVariants];
        if (!enabled(variant)) continue;
        std::fprintf(stderr,
                     "append_bench: batch %" PRIu64 ", %" PRIu64 " events, run %d/%d: %s... ", b, n,
                     rep + 1, c.repeat, variant.c_str());
        RunResult r;
        if (variant == "ledger") {
          r = RunLedger(c, w, n, b);
          ledger_options = r.options_text;
          row.ledger.push_back(n / r.seconds);
        } else if (variant == "raw-full+mark") {
          r = RunRaw(c, w, n, b, /*full=*/true, /*mark=*/true);
          row.raw_full_mark.push_back(n / r.seconds);
        } else {
          const bool full = variant == "raw-full";
          r = RunRaw(c, w, n, b, full);
          if (full && !ledger_options.empty()) CheckSameOptions(ledger_options, r.options_text);
          (full ? row.raw_full : row.raw_records).push_back(n / r.seconds);
        }
        std::fprintf(stderr, "%.2f s, %.0f events/s\n", r.seconds, n / r.seconds);
      }
    }
    rows.push_back(std::move(row));
  }

  const unsigned cpus = std::thread::hardware_concurrency();
  const double avg_event = static_cast<double>(w.event_bytes) / n_max;
  const double avg_record = static_cast<double>(w.record_bytes) / n_max;
  const std::string rocksdb_version =
      absl::StrCat(ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH);
  const std::string protobuf_version =
      absl::StrCat(GOOGLE_PROTOBUF_VERSION / 1000000, ".", GOOGLE_PROTOBUF_VERSION / 1000 % 1000,
                   ".", GOOGLE_PROTOBUF_VERSION % 1000);

  std::string json;
  {
    absl::StrAppendFormat(&json, "{\n  \"benchmark\": \"append\",\n");
    absl::StrAppendFormat(&json,
                          "  \"config\": {\"events\": %" PRIu64 ", \"events_batch1\": %" PRIu64
                          ", \"batch_sizes\": [%s], \"repeat\": %d, \"seed\": %" PRIu64
                          ", \"dir\": \"%s\", \"durability\": \"sync\"},\n",
                          c.events, c.events_batch1, absl::StrJoin(c.batch_sizes, ", ").c_str(),
                          c.repeat, c.seed, absl::CHexEscape(c.dir).c_str());
    absl::StrAppendFormat(
        &json, "  \"machine\": {\"cpus\": %u, \"rocksdb\": \"%s\", \"protobuf\": \"%s\"},\n", cpus,
        rocksdb_version.c_str(), protobuf_version.c_str());
    absl::StrAppendFormat(&json,
                          "  \"workload\": {\"events\": %" PRIu64 ", \"streams\": %" PRIu64
                          ", \"avg_event_bytes\": %.1f, \"avg_record_bytes\": %.1f},\n",
                          n_max, w.streams, avg_event, avg_record);
    absl::StrAppendFormat(&json, "  \"results\": [\n");
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const double l = Median(r.ledger), f = Median(r.raw_full), o = Median(r.raw_records);
      const double m = Median(r.raw_full_mark);
      absl::StrAppendFormat(
          &json,
          "    {\"batch_size\": %" PRIu64 ", \"events\": %" PRIu64
          ", \"raw_full_keys_per_event\": %.3f, \"ledger_events_per_s\": %s, "
          "\"raw_full_events_per_s\": %s, \"ratio_ledger_raw_full\": %s, "
          "\"raw_full_mark_events_per_s\": %s, \"ratio_ledger_raw_full_mark\": %s, "
          "\"ratio_raw_full_mark_raw_full\": %s, "
          "\"raw_record_only_events_per_s\": %s, \"ratio_ledger_raw_record_only\": %s, "
          "\"runs\": {\"ledger\": %s, \"raw_full\": %s, \"raw_full_mark\": %s, "
          "\"raw_record_only\": %s}}%s\n",
          r.batch, r.events, r.keys_per_event_full, JsonNumber(l).c_str(), JsonNumber(f).c_str(),
          JsonRatio(l, f).c_str(), JsonNumber(m).c_str(), JsonRatio(l, m).c_str(),
          JsonRatio(m, f).c_str(), JsonNumber(o).c_str(), JsonRatio(l, o).c_str(),
          JsonArray(r.ledger).c_str(), JsonArray(r.raw_full).c_str(),
          JsonArray(r.raw_full_mark).c_str(), JsonArray(r.raw_records).c_str(),
          i + 1 < rows.size() ? "," : "");
    }
    absl::StrAppend(&json, "  ]\n}\n");
  }
  if (!c.json_file.empty()) {
    std::ofstream out(c.json_file);
    out << json;
    if (!out.good()) Fail(absl::StrCat("cannot write ", c.json_file));
  }
  if (c.json) {
    std::fputs(json.c_str(), stdout);
    return 0;
  }

  std::printf("append_bench: synthetic events, seed %" PRIu64 ": %" PRIu64 " generated in %" PRIu64
              " streams, %.1f bytes/event, %.1f bytes/record\n",
              c.seed, n_max, w.streams, avg_event, avg_record);
  std::printf(
      "machine: %u CPUs, RocksDB %s, protobuf %s; one fsync per batch "
      "(Durability::kSync / WriteOptions::sync); median of %d run(s)\n\n",
      cpus, rocksdb_version.c_str(), protobuf_version.c_str(), c.repeat);
  std::printf("%6s %9s %12s %14s %16s %14s %11s %16s %17s %19s\n", "batch", "events",
              "ledger ev/s", "raw-full ev/s", "ledger/raw-full", "+mark ev/s", "+mark/raw",
              "ledger/+mark", "raw-records ev/s", "ledger/raw-records");
  for (const Row& r : rows) {
    const double l = Median(r.ledger), f = Median(r.raw_full), o = Median(r.raw_records);
    const double m = Median(r.raw_full_mark);
    std::printf("%6" PRIu64 " %9" PRIu64 " %12s %14s %16s %14s %11s %16s %17s %19s\n", r.batch,
                r.events, Rate(l).c_str(), Rate(f).c_str(), Ratio(l, f).c_str(), Rate(m).c_str(),
                Ratio(m, f).c_str(), Ratio(l, m).c_str(), Rate(o).c_str(), Ratio(l, o).c_str());
  }
  std::printf(
      "\n+mark: raw-full plus the high-water mark's 128-byte pwrite and fdatasync per batch "
      "(what the ledger adds outside RocksDB; +mark/raw is its cost)");
  std::printf(
      "\nraw-full writes per event: record + stream-index + event-id-index keys, its Merkle "
      "nodes (~2), and one head key per batch (");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::printf("%s%.2f keys/event at batch %" PRIu64, i ? ", " : "", rows[i].keys_per_event_full,
                rows[i].batch);
  }
  std::printf(")\n");
  return 0;
}
