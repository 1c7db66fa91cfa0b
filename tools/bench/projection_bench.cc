// projection_bench: what the projections cost, against raw RocksDB reading
// and parsing the same log, measured in one run on one machine.
//
// For each size N of --events (default 100000,1000000):
//  1. Build (not timed): a ledger of N synthetic events from `ledger gen`'s
//     generator (workload::EventGenerator, kStory shape, docs/IMPORT.md "Synthetic data":
//     operations with raids, individual arrests by suspect id, handovers with
//     suspect ids and counts, sentencings, reported figures, 2% corrections and
//     0.5% retractions of valid targets), appended with AppendEvents in
//     batches of 10,000 under Durability::kBulk, then Flush(); the memtables
//     are flushed to table files (as proof_bench does) so that neither reader
//     replays WALs.
//  2. raw: a child process (fork + exec of this program by a launcher
//     process forked at the start of main, so that the parent's memory is not
//     counted: Linux carries peak RSS across exec) opens the ledger's RocksDB with
//     rocksdb::DB::OpenForReadOnly and its column families, iterates the
//     `records` family and ParseFromString's each value after its 1-byte tag
//     into enforcement::v1::LedgerRecord. Timed: the iteration and parse.
//  3. rebuild: a child process opens the ledger read-only and its views
//     (Views::Open, default ViewsOptions, as the CLI does) and calls
//     Views::Rebuild: every view, from position 0 to the head. Timed: the
//     Rebuild call. Peak RSS: the child's ru_maxrss, from wait4 (the same
//     figure getrusage(RUSAGE_CHILDREN) gives after waitpid for that child).
//  raw and rebuild alternate --repeat times; medians are reported.
//  4. queries (in this process, the store reopened): Views::GetSuspect of
//     --suspect-queries random suspects named by arrests (what `suspects
//     show` does after opening), and Views::Timeline of a country with limit
//     1000 (oldest and newest first), of the global timeline with limit 1000,
//     and whole timelines of the operations with the most events; each call
//     timed alone (wall clock and the thread's CPU time); p50 / p99 / max.
//
// Usage: projection_bench [--events 100000,1000000] [--dir /tmp] [--seed S]
//                         [--repeat K] [--suspect-queries Q] [--timeline-queries Q]
//                         [--keep] [--reuse] [--json] [--json-file PATH]
// Results go to stdout (a table, or JSON with --json); progress to stderr.
// docs/PERFORMANCE.md ("Projections") records the figures measured with it.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "enforcement/v1/event.pb.h"
#include "enforcement/v1/ledger_record.pb.h"
#include "ledger/ledger.h"
#include "projections/view_types.h"
#include "projections/views.h"
#include "rocksdb/db.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/bench_util.h"
#include "workload/generator.h"

namespace {

using enforcement::v1::Event;
using bench::Clock;
using bench::Median;
using bench::Seconds;
using bench::ThreadCpuMicros;

constexpr size_t kBuildBatch = 10000;
constexpr size_t kTimelineLimit = 1000;

[[noreturn]] void Fail(const std::string& msg) {
  std::fprintf(stderr, "projection_bench: %s\n", msg.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------
// Options

struct Config {
  std::vector<uint64_t> events = {100000, 1000000};
  std::string dir = "/tmp";
  uint64_t seed = 1;
  int repeat = 1;
  uint64_t suspect_queries = 10000;
  uint64_t timeline_queries = 200;
  bool keep = false;
  bool reuse = false;
  bool json = false;
  std::string json_file;
};

constexpr char kUsage[] =
    "usage: projection_bench [options]\n"
    "  --events LIST          ledger sizes, comma-separated (default 100000,1000000)\n"
    "  --dir DIR              where the ledgers go (default /tmp)\n"
    "  --seed S               seed of the synthetic events (default 1)\n"
    "  --repeat K             raw scans and rebuilds per size, alternating; medians (default 1)\n"
    "  --suspect-queries Q    GetSuspect calls timed per size (default 10000)\n"
    "  --timeline-queries Q   calls timed per timeline shape (default 200)\n"
    "  --keep                 keep the ledgers (DIR/projection_bench-<seed>-<N>)\n"
    "  --reuse                reuse a kept ledger of the same size and seed\n"
    "  --json                 print JSON instead of a table\n"
    "  --json-file PATH       also write the JSON to PATH\n";

Config ParseArgs(int argc, char** argv) {
  Config c;
  CLI::App app;
  bench::AddSizeList(app, "--events", &c.events);
  app.add_option("--dir", c.dir);
  app.add_option("--seed", c.seed)->transform(bench::Whole(0));
  app.add_option("--repeat", c.repeat)->transform(bench::Whole(1));
  app.add_option("--suspect-queries", c.suspect_queries)->transform(bench::Whole(1));
  app.add_option("--timeline-queries", c.timeline_queries)->transform(bench::Whole(1));
  app.add_flag("--keep", c.keep);
  app.add_flag("--reuse", c.reuse);
  app.add_flag("--json", c.json);
  app.add_option("--json-file", c.json_file);
  bench::ParseOrExit(app, argc, argv, "projection_bench", kUsage);
  if (c.reuse) c.keep = true;
  return c;
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  if (rank == 0) rank = 1;
  return sorted[std::min(rank, sorted.size()) - 1];
}

struct Latency {
  uint64_t calls = 0;
  double p50_us = 0, p99_us = 0, max_us = 0, mean_us = 0;
  double cpu_p50_us = 0, cpu_p99_us = 0;
  double entries_min = 0, entries_max = 0, entries_mean = 0;  // results per call
};

// Single calls, timed one by one, and the number of results of each.
struct Calls {
  std::vector<double> wall, cpu;  // microseconds: wall clock, the thread's CPU time
  std::vector<double> entries;    // results per call (filled in by the caller)

  // Returns fn()'s result, and records how long the call took.
  template <typename Fn>
  auto Time(Fn fn) {
    const double c0 = ThreadCpuMicros();
    const auto a = Clock::now();
    auto result = fn();
    const auto b = Clock::now();
    const double c1 = ThreadCpuMicros();
    wall.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    cpu.push_back(c1 - c0);
    return result;
  }
};

Latency Summarize(const Calls& calls) {
  std::vector<double> wall = calls.wall, cpu = calls.cpu;
  const std::vector<double>& entries = calls.entries;
  Latency l;
  l.calls = wall.size();
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  l.p50_us = Percentile(wall, 50);
  l.p99_us = Percentile(wall, 99);
  l.max_us = wall.empty() ? 0 : wall.back();
  double sum = 0;
  for (double u : wall) sum += u;
  l.mean_us = wall.empty() ? 0 : sum / static_cast<double>(wall.size());
  l.cpu_p50_us = Percentile(cpu, 50);
  l.cpu_p99_us = Percentile(cpu, 99);
  if (!entries.empty()) {
    l.entries_min = *std::min_element(entries.begin(), entries.end());
    l.entries_max = *std::max_element(entries.begin(), entries.end());
    double s = 0;
    for (double e : entries) s += e;
    l.entries_mean = s / static_cast<double>(entries.size());
  }
  return l;
}

// ---------------------------------------------------------------------------
// Child processes: `projection_bench --child raw|rebuild LEDGER_DIR`, run by
// fork + exec so that their peak RSS is theirs alone. They print one line of
// results on stdout.

// The process's own peak RSS (KiB) from /proc/self/status: a cross-check of
// ru_maxrss.
uint64_t VmHwmKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      uint64_t v = 0;
      std::istringstream(line.substr(6)) >> v;
      return v;
    }
  }
  return 0;
}

// raw: OpenForReadOnly, iterate `records`, parse each value after its tag.
int ChildRaw(const std::string& path) {
  const auto t_open = Clock::now();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions dbo;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(dbo, path, bench::LedgerFamilies(), &handles, &raw);
  if (!s.ok()) Fail(absl::StrCat("raw open ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  const double open_s = Seconds(Clock::now() - t_open);

  const auto t0 = Clock::now();
  uint64_t n = 0, bytes = 0, check = 0;
  {
    enforcement::v1::LedgerRecord rec;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice v = it->value();
      if (v.size() < 1 || v[0] != 0x01) Fail(absl::StrCat("raw: bad tag at record ", n));
      if (!rec.ParseFromArray(v.data() + 1, static_cast<int>(v.size() - 1))) {
        Fail(absl::StrCat("raw: record ", n, " does not parse"));
      }
      if (rec.position() != n) Fail(absl::StrCat("raw: record ", n, " has position ", rec.position()));
      check += rec.event().event_id().size();
      bytes += v.size() - 1;
      ++n;
    }
    if (!it->status().ok()) Fail(absl::StrCat("raw: ", it->status().ToString()));
  }
  const double scan_s = Seconds(Clock::now() - t0);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db.reset();
  std::printf("%.6f %" PRIu64 " %" PRIu64 " %.6f %" PRIu64 " %" PRIu64 "\n", scan_s, n, bytes,
              open_s, check, VmHwmKib());
  return 0;
}

// rebuild: Ledger::Open read-only, Views::Open, Views::Rebuild.
int ChildRebuild(const std::string& path) {
  const auto t_open = Clock::now();
  ledger::OpenOptions lo;
  lo.read_only = true;
  auto l = ledger::Ledger::Open(path, lo);
  if (!l.ok()) Fail(absl::StrCat("rebuild: open ledger: ", l.status().ToString()));
  auto views = projections::Views::Open(path);
  if (!views.ok()) Fail(absl::StrCat("rebuild: open views: ", views.status().ToString()));
  const double open_s = Seconds(Clock::now() - t_open);

  const auto t0 = Clock::now();
  auto r = (*views)->Rebuild(**l);
  const double rebuild_s = Seconds(Clock::now() - t0);
  if (!r.ok()) Fail(absl::StrCat("rebuild: ", r.status().ToString()));
  const auto t1 = Clock::now();
  views->reset();  // closing (flushes nothing synchronously, but counts)
  const double close_s = Seconds(Clock::now() - t1);
  std::printf("%.6f %" PRIu64 " %.6f %.6f %" PRIu64 "\n", rebuild_s, r->applied, open_s, close_s,
              VmHwmKib());
  return 0;
}

struct ChildResult {
  std::vector<std::string> fields;
  double wall_s = 0;      // fork to exit
  double user_s = 0, sys_s = 0;
  uint64_t maxrss_kib = 0;
};

// The launcher: a process forked at the very start of main, while this
// program is still small, which forks and execs the measured children on
// request and reports their rusage. Linux carries a process's peak RSS across
// exec (the pre-exec address space is a copy of the parent's), so a child
// forked from the parent after it built a ledger would report the parent's
// RSS as its own floor; forked from the launcher it reports its own.
struct Launcher {
  int request_fd = -1;   // parent -> launcher: "mode path\n"
  int response_fd = -1;  // launcher -> parent: "wall user sys maxrss|child stdout\n"
};
Launcher g_launcher;

bool ReadLine(int fd, std::string* line) {
  line->clear();
  char ch;
  while (true) {
    const ssize_t got = read(fd, &ch, 1);
    if (got <= 0) return false;
    if (ch == '\n') return true;
    line->push_back(ch);
  }
}

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t w = write(fd, s.data() + done, s.size() - done);
    if (w <= 0) Fail("write to a pipe failed");
    done += static_cast<size_t>(w);
  }
}

[[noreturn]] void LauncherLoop(int request_fd, int response_fd) {
  std::string line;
  while (ReadLine(request_fd, &line)) {
    const size_t sp = line.find(' ');
    const std::string mode = line.substr(0, sp), path = line.substr(sp + 1);
    int fds[2];
    if (pipe(fds) != 0) _exit(3);
    const auto t0 = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) _exit(3);
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      close(request_fd);
      close(response_fd);
      const char* argv[] = {"projection_bench", "--child", mode.c_str(), path.c_str(), nullptr};
      execv("/proc/self/exe", const_cast<char* const*>(argv));
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t got;
    while ((got = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(got));
    close(fds[0]);
    const bench::ChildExit e = bench::WaitChild(pid, t0);
    if (!e.waited) _exit(3);
    if (e.exit_code != 0) out = "FAILED";
    for (char& ch : out) {
      if (ch == '\n') ch = ' ';
    }
    WriteAll(response_fd,
             absl::StrFormat("%.6f %.6f %.6f %d|%s\n", e.wall_s, e.user_s, e.sys_s,
                             static_cast<int64_t>(e.max_rss_kib), out));
  }
  _exit(0);
}

void StartLauncher() {
  int req[2], resp[2];
  if (pipe(req) != 0 || pipe(resp) != 0) Fail("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) Fail("fork failed");
  if (pid == 0) {
    close(req[1]);
    close(resp[0]);
    LauncherLoop(req[0], resp[1]);
  }
  close(req[0]);
  close(resp[1]);
  g_launcher.request_fd = req[1];
  g_launcher.response_fd = resp[0];
}

ChildResult RunChild(const std::string& mode, const std::string& path) {
  WriteAll(g_launcher.request_fd, absl::StrCat(mode, " ", path, "\n"));
  std::string line;
  if (!ReadLine(g_launcher.response_fd, &line)) Fail("the launcher died");
  const size_t bar = line.find('|');
  if (bar == std::string::npos) Fail(absl::StrCat("bad launcher answer: ", line));
  ChildResult r;
  std::vector<std::string> head = absl::StrSplit(line.substr(0, bar), ' ');
  const std::string out = line.substr(bar + 1);
  if (out == "FAILED") Fail(absl::StrCat("child ", mode, " failed"));
  if (head.size() != 4 || !absl::SimpleAtod(head[0], &r.wall_s) ||
      !absl::SimpleAtod(head[1], &r.user_s) || !absl::SimpleAtod(head[2], &r.sys_s) ||
      !absl::SimpleAtoi(head[3], &r.maxrss_kib)) {
    Fail(absl::StrCat("bad launcher answer: ", line));
  }
  r.fields = absl::StrSplit(absl::StripAsciiWhitespace(out), ' ', absl::SkipEmpty());
  return r;
}

double Field(const ChildResult& r, size_t i) {
  double v = 0;
  if (i >= r.fields.size() || !absl::SimpleAtod(r.fields[i], &v)) {
    Fail(absl::StrCat("bad child output: ", absl::StrJoin(r.fields, " ")));
  }
  return v;
}

// ---------------------------------------------------------------------------
// Building the ledger.

struct Workload {
  uint64_t events = 0;
  std::map<std::string, uint64_t> kinds;  // body kind -> events
  uint64_t suspects_named = 0;             // distinct suspect ids in arrests (sampled set size)
  std::vector<std::string> suspect_sample;  // suspect ids of arrests (reservoir)
  std::map<std::string, uint64_t> op_events;       // operation id -> events naming it
  std::map<std::string, uint64_t> country_events;  // raid/arrest location countries
  double build_s = 0;
  uint64_t bytes_on_disk = 0;
};

// Generates the events (the same whether or not the ledger is reused, so the
// query keys are the same) and appends them unless `append` is false.
Workload Build(const Config& c, uint64_t n, const std::string& path, bool append) {
  Workload w;
  w.events = n;
  std::unique_ptr<ledger::Ledger> l;
  if (append) {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.error_if_exists = true;
    o.origin = "projection-bench.example/log";
    o.durability = ledger::Durability::kBulk;
    auto opened = ledger::Ledger::Open(path, o);
    if (!opened.ok()) Fail(absl::StrCat("create ", path, ": ", opened.status().ToString()));
    l = *std::move(opened);
  }
  workload::EventGenerator gen({.shape = workload::Shape::kStory, .seed = c.seed});
  std::mt19937_64 rng(c.seed * 1000003 + n);
  constexpr size_t kSample = 200000;
  std::set<std::string> seen_suspects;  // bounded: only for the count at <= a few M events
  uint64_t arrests = 0;
  const auto t0 = Clock::now();
  std::vector<Event> batch;
  batch.reserve(kBuildBatch);
  for (uint64_t i = 0; i < n;) {
    batch.clear();
    for (; batch.size() < kBuildBatch && i < n; ++i) {
      Event e = gen.Next();
      const std::string kind = projections::KindName(e.body_case());
      ++w.kinds[e.body_case() == Event::kCorrection   ? "correction"
                : e.body_case() == Event::kRetraction ? "retraction"
                                                      : kind];
      switch (e.body_case()) {
        case Event::kRaid:
          ++w.op_events[e.raid().operation_id()];
          if (!e.raid().location().country().empty()) ++w.country_events[e.raid().location().country()];
          break;
        case Event::kArrest: {
          const std::string& id = e.arrest().suspect().suspect_id();
          seen_suspects.insert(id);
          // Reservoir sample of arrest suspect ids.
          if (w.suspect_sample.size() < kSample) {
            w.suspect_sample.push_back(id);
          } else if (uint64_t j = rng() % (arrests + 1); j < kSample) {
            w.suspect_sample[j] = id;
          }
          ++arrests;
          if (!e.arrest().operation_id().empty()) ++w.op_events[e.arrest().operation_id()];
          if (!e.arrest().location().country().empty()) ++w.country_events[e.arrest().location().country()];
          break;
        }
        case Event::kHandover:
          if (!e.handover().operation_id().empty()) ++w.op_events[e.handover().operation_id()];
          break;
        default:
          break;
      }
      batch.push_back(std::move(e));
    }
    if (l) {
      auto r = l->AppendEvents(batch);
      if (!r.ok()) Fail(absl::StrCat("append at ", i, ": ", r.status().ToString()));
      if (r->appended != batch.size()) Fail("append: duplicates in the generated events");
    }
    if (i % 100000 == 0) std::fprintf(stderr, "  built %" PRIu64 " / %" PRIu64 "\n", i, n);
  }
  w.suspects_named = seen_suspects.size();
  if (l) {
    if (auto s = l->Flush(); !s.ok()) Fail(s.ToString());
    if (l->GetHead().tree_size != n) Fail("the ledger has the wrong size");
    l.reset();
    if (absl::Status s = bench::SettleLedger(path); !s.ok()) Fail(std::string(s.message()));
    w.build_s = Seconds(Clock::now() - t0);
  }
  return w;
}

// ---------------------------------------------------------------------------
// Queries.

struct QueryResults {
  Latency suspect;
  uint64_t suspect_not_found = 0;
  std::string country;  // the country timeline queried
  uint64_t country_timeline_size = 0;  // its whole length (one call with limit 0)
  Latency country_oldest, country_newest, global_newest;
  Latency country_full;  // the whole country timeline, a few calls
  std::string op_id;
  Latency op_timeline;  // whole timelines of the operations with most events
  double views_open_s = 0, catchup_s = 0;
  uint64_t views_bytes = 0;
};

QueryResults RunQueries(const Config& c, const Workload& w, const std::string& path) {
  QueryResults q;
  ledger::OpenOptions lo;
  lo.read_only = true;
  auto l = ledger::Ledger::Open(path, lo);
  if (!l.ok()) Fail(absl::StrCat("queries: open ledger: ", l.status().ToString()));
  const auto t0 = Clock::now();
  auto views = projections::Views::Open(path);
  if (!views.ok()) Fail(absl::StrCat("queries: open views: ", views.status().ToString()));
  q.views_open_s = Seconds(Clock::now() - t0);
  const auto t1 = Clock::now();
  auto cu = (*views)->CatchUp(**l);
  if (!cu.ok()) Fail(absl::StrCat("queries: catch up: ", cu.status().ToString()));
  q.catchup_s = Seconds(Clock::now() - t1);
  if (cu->applied != 0 || cu->rebuilt) Fail("queries: the store was not up to date after the rebuild");
  const projections::Views& v = **views;

  std::mt19937_64 rng(c.seed * 31 + w.events);
  // Warm-up, untimed: a few of each, so that the first call's one-off costs
  // (table readers opened lazily) do not count.
  for (int i = 0; i < 20 && !w.suspect_sample.empty(); ++i) {
    (void)v.GetSuspect(w.suspect_sample[rng() % w.suspect_sample.size()]);
  }

  {  // suspects show
    Calls calls;
    for (uint64_t i = 0; i < c.suspect_queries && !w.suspect_sample.empty(); ++i) {
      const std::string& id = w.suspect_sample[rng() % w.suspect_sample.size()];
      auto s = calls.Time([&] { return v.GetSuspect(id); });
      if (!s.ok()) {
        if (s.status().code() != absl::StatusCode::kNotFound) Fail(s.status().ToString());
        ++q.suspect_not_found;  // e.g. its only arrest was retracted
      } else {
        calls.entries.push_back(static_cast<double>(s->events.size()));
      }
    }
    q.suspect = Summarize(calls);
  }

  // One timed call of Timeline(tq), into `calls`.
  auto timeline = [&](Calls& calls, const projections::TimelineQuery& tq) {
    auto t = calls.Time([&] { return v.Timeline(tq); });
    if (!t.ok()) Fail(t.status().ToString());
    calls.entries.push_back(static_cast<double>(t->size()));
  };
  auto time_timeline = [&](const projections::TimelineQuery& tq, uint64_t n) {
    Calls calls;
    (void)v.Timeline(tq);  // warm-up
    for (uint64_t i = 0; i < n; ++i) timeline(calls, tq);
    return Summarize(calls);
  };

  // The raid/arrest location country with the most events: its timeline is
  // far longer than 1,000 entries, so limit 1000 returns 1,000 entries.
  std::string country;
  uint64_t best = 0;
  for (const auto& [k, n] : w.country_events) {
    if (n > best) {
      best = n;
      country = k;
    }
  }
  q.country = country;
  {
    projections::TimelineQuery tq;
    tq.kind = projections::TimelineKind::kCountry;
    tq.key = country;
    tq.limit = kTimelineLimit;
    q.country_oldest = time_timeline(tq, c.timeline_queries);
    tq.newest_first = true;
    q.country_newest = time_timeline(tq, c.timeline_queries);
    tq.limit = 0;
    q.country_full = time_timeline(tq, 3);
    q.country_timeline_size = static_cast<uint64_t>(q.country_full.entries_max);
  }
  {
    projections::TimelineQuery tq;
    tq.kind = projections::TimelineKind::kGlobal;
    tq.limit = kTimelineLimit;
    tq.newest_first = true;
    q.global_newest = time_timeline(tq, c.timeline_queries);
  }
  {
    // Whole timelines of the 20 operations with the most events, in turn.
    std::vector<std::pair<uint64_t, std::string>> ops;
    for (const auto& [k, n] : w.op_events) ops.emplace_back(n, k);
    std::sort(ops.rbegin(), ops.rend());
    if (ops.size() > 20) ops.resize(20);
    if (!ops.empty()) q.op_id = ops.front().second;
    Calls calls;
    for (const auto& [n, id] : ops) (void)v.Timeline({projections::TimelineKind::kOperation, id});
    for (uint64_t i = 0; i < c.timeline_queries && !ops.empty(); ++i) {
      projections::TimelineQuery tq;
      tq.kind = projections::TimelineKind::kOperation;
      tq.key = ops[i % ops.size()].second;
      timeline(calls, tq);
    }
    q.op_timeline = Summarize(calls);
  }
  views->reset();
  // The live store only: the snapshots under views/snapshots are hard links
  // to (older) table files and would be counted again.
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(projections::DefaultViewsDir(path), ec)) {
    if (f.is_regular_file(ec)) q.views_bytes += f.file_size(ec);
  }
  return q;
}

// ---------------------------------------------------------------------------
// One size.

struct SizeResult {
  uint64_t events = 0;
  Workload workload;
  uint64_t ledger_bytes = 0, record_bytes = 0;
  std::vector<double> raw_s, rebuild_s, raw_cpu_s, rebuild_cpu_s;
  std::vector<uint64_t> raw_rss, rebuild_rss;  // KiB, ru_maxrss from wait4
  std::vector<uint64_t> raw_hwm, rebuild_hwm;  // KiB, VmHWM the child read itself
  double rebuild_open_s = 0, raw_open_s = 0;
  QueryResults queries;

  double raw_rate() const { return events / Median(raw_s); }
  double rebuild_rate() const { return events / Median(rebuild_s); }
  double ratio() const { return rebuild_rate() / raw_rate(); }
  uint64_t peak_rss(const std::vector<uint64_t>& v) const {
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  }
};

SizeResult RunSize(const Config& c, uint64_t n) {
  SizeResult r;
  r.events = n;
  const std::string path = absl::StrCat(c.dir, "/projection_bench-", c.seed, "-", n);
  const bool reuse = c.reuse && std::filesystem::exists(path + "/CURRENT");
  if (!reuse) std::filesystem::remove_all(path);
  std::fprintf(stderr, "[%" PRIu64 "] %s the ledger at %s\n", n, reuse ? "reusing" : "building",
               path.c_str());
  r.workload = Build(c, n, path, !reuse);
  if (!reuse) {
    std::fprintf(stderr, "[%" PRIu64 "] built in %.1f s\n", n, r.workload.build_s);
  }
  r.ledger_bytes = 0;
  {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(path, ec)) {
      if (f.is_regular_file(ec)) r.ledger_bytes += f.file_size(ec);
    }
  }

  for (int rep = 0; rep < c.repeat; ++rep) {
    // Alternate the order from one repetition to the next.
    for (int k = 0; k < 2; ++k) {
      const bool raw = (k == 0) == (rep % 2 == 0);
      if (raw) {
        ChildResult cr = RunChild("raw", path);
        if (static_cast<uint64_t>(Field(cr, 1)) != n) Fail("raw: wrong number of records");
        r.raw_s.push_back(Field(cr, 0));
        r.record_bytes = static_cast<uint64_t>(Field(cr, 2));
        r.raw_open_s = Field(cr, 3);
        r.raw_cpu_s.push_back(cr.user_s + cr.sys_s);
        r.raw_rss.push_back(cr.maxrss_kib);
        r.raw_hwm.push_back(static_cast<uint64_t>(Field(cr, 5)));
        std::fprintf(stderr, "[%" PRIu64 "] rep %d raw: %.3f s, %.0f events/s, peak RSS %.1f MiB\n",
                     n, rep + 1, Field(cr, 0), n / Field(cr, 0), cr.maxrss_kib / 1024.0);
      } else {
        std::filesystem::remove_all(projections::DefaultViewsDir(path));
        ChildResult cr = RunChild("rebuild", path);
        if (static_cast<uint64_t>(Field(cr, 1)) != n) Fail("rebuild: wrong number of records applied");
        r.rebuild_s.push_back(Field(cr, 0));
        r.rebuild_open_s = Field(cr, 2);
        r.rebuild_cpu_s.push_back(cr.user_s + cr.sys_s);
        r.rebuild_rss.push_back(cr.maxrss_kib);
        r.rebuild_hwm.push_back(static_cast<uint64_t>(Field(cr, 4)));
        std::fprintf(stderr,
                     "[%" PRIu64 "] rep %d rebuild: %.3f s, %.0f events/s, CPU %.2f s, peak RSS "
                     "%.1f MiB\n",
                     n, rep + 1, Field(cr, 0), n / Field(cr, 0), cr.user_s + cr.sys_s,
                     cr.maxrss_kib / 1024.0);
      }
    }
  }
  std::fprintf(stderr, "[%" PRIu64 "] queries\n", n);
  r.queries = RunQueries(c, r.workload, path);
  if (!c.keep) std::filesystem::remove_all(path);
  return r;
}

// ---------------------------------------------------------------------------
// Output.

std::string LatencyJson(const Latency& l) {
  return absl::StrFormat(
      "{\"calls\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f,"
      "\"cpu_p50_us\":%.1f,\"cpu_p99_us\":%.1f,\"entries_min\":%.0f,\"entries_max\":%.0f,"
      "\"entries_mean\":%.1f}",
      l.calls, l.p50_us, l.p99_us, l.max_us, l.mean_us, l.cpu_p50_us, l.cpu_p99_us, l.entries_min,
      l.entries_max, l.entries_mean);
}

std::string ToJson(const Config& c, const std::vector<SizeResult>& results) {
  std::string out = absl::StrFormat("{\"seed\":%d,\"repeat\":%d,\"sizes\":[", c.seed, c.repeat);
  for (size_t i = 0; i < results.size(); ++i) {
    const SizeResult& r = results[i];
    if (i) out += ",";
    std::string kinds;
    for (const auto& [k, n] : r.workload.kinds) {
      if (!kinds.empty()) kinds += ",";
      absl::StrAppend(&kinds, "\"", k, "\":", n);
    }
    auto list = [](const std::vector<double>& v) {
      return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* o, double d) {
                            absl::StrAppend(o, absl::StrFormat("%.3f", d));
                          }), "]");
    };
    absl::StrAppend(
        &out,
        absl::StrFormat(
            "{\"events\":%d,\"kinds\":{%s},\"suspects\":%d,\"operations\":%d,"
            "\"record_bytes\":%d,\"ledger_bytes\":%d,\"views_bytes\":%d,\"build_s\":%.2f,"
            "\"raw_s\":%s,\"rebuild_s\":%s,\"raw_cpu_s\":%s,\"rebuild_cpu_s\":%s,"
            "\"raw_events_per_s\":%.0f,\"rebuild_events_per_s\":%.0f,\"rebuild_vs_raw\":%.4f,"
            "\"raw_peak_rss_kib\":%d,\"rebuild_peak_rss_kib\":%d,\"raw_vmhwm_kib\":%d,"
            "\"rebuild_vmhwm_kib\":%d,\"raw_open_s\":%.3f,\"rebuild_open_s\":%.3f,",
            r.events, kinds, r.workload.suspects_named, r.workload.op_events.size(),
            r.record_bytes, r.ledger_bytes, r.queries.views_bytes, r.workload.build_s,
            list(r.raw_s), list(r.rebuild_s), list(r.raw_cpu_s), list(r.rebuild_cpu_s),
            r.raw_rate(), r.rebuild_rate(), r.ratio(), r.peak_rss(r.raw_rss),
            r.peak_rss(r.rebuild_rss), r.peak_rss(r.raw_hwm), r.peak_rss(r.rebuild_hwm),
            r.raw_open_s, r.rebuild_open_s));
    const QueryResults& q = r.queries;
    absl::StrAppend(
        &out, "\"suspect_show\":", LatencyJson(q.suspect),
        ",\"suspect_not_found\":", q.suspect_not_found, ",\"country\":\"", q.country,
        "\",\"country_timeline_entries\":", q.country_timeline_size,
        ",\"timeline_country_limit1000\":", LatencyJson(q.country_oldest),
        ",\"timeline_country_limit1000_newest\":", LatencyJson(q.country_newest),
        ",\"timeline_global_limit1000_newest\":", LatencyJson(q.global_newest),
        ",\"timeline_country_whole\":", LatencyJson(q.country_full),
        ",\"timeline_operation_whole\":", LatencyJson(q.op_timeline), "}");
  }
  out += "]}\n";
  return out;
}

void PrintTable(const std::vector<SizeResult>& results) {
  std::printf("Rebuild of all views vs raw RocksDB iterate + parse (medians; events/s)\n\n");
  std::printf("%10s %12s %12s %8s %10s %10s %12s %12s %10s\n", "events", "raw", "rebuild",
              "ratio", "raw s", "rebuild s", "rebuild CPU", "peak RSS", "raw RSS");
  for (const SizeResult& r : results) {
    std::printf("%10" PRIu64 " %12.0f %12.0f %7.1f%% %10.3f %10.3f %11.2fs %9.1f MiB %6.1f MiB\n",
                r.events, r.raw_rate(), r.rebuild_rate(), 100 * r.ratio(), Median(r.raw_s),
                Median(r.rebuild_s), Median(r.rebuild_cpu_s), r.peak_rss(r.rebuild_rss) / 1024.0,
                r.peak_rss(r.raw_rss) / 1024.0);
  }
  std::printf("\nQuery latency, microseconds (wall; CPU p50/p99 of the calling thread)\n\n");
  std::printf("%10s %-38s %7s %9s %9s %9s %9s %9s %13s\n", "events", "query", "calls", "p50",
              "p99", "max", "cpu p50", "cpu p99", "entries");
  for (const SizeResult& r : results) {
    const QueryResults& q = r.queries;
    auto row = [&](const std::string& name, const Latency& l) {
      std::printf("%10" PRIu64 " %-38s %7" PRIu64 " %9.1f %9.1f %9.1f %9.1f %9.1f %6.0f..%-6.0f\n",
                  r.events, name.c_str(), l.calls, l.p50_us, l.p99_us, l.max_us, l.cpu_p50_us,
                  l.cpu_p99_us, l.entries_min, l.entries_max);
    };
    row("GetSuspect (suspects show)", q.suspect);
    row(absl::StrCat("Timeline country ", q.country, " limit 1000"), q.country_oldest);
    row(absl::StrCat("Timeline country ", q.country, " limit 1000 newest"), q.country_newest);
    row("Timeline global limit 1000 newest", q.global_newest);
    row(absl::StrCat("Timeline country ", q.country, " whole"), q.country_full);
    row("Timeline operation whole (top 20)", q.op_timeline);
  }
  std::printf("\nWorkload\n\n");
  for (const SizeResult& r : results) {
    std::string kinds;
    for (const auto& [k, n] : r.workload.kinds) absl::StrAppend(&kinds, k, " ", n, ", ");
    std::printf("%10" PRIu64 " events: %s%" PRIu64 " suspects arrested, %zu operations; records "
                "%.1f bytes avg; ledger %.1f MB, views %.1f MB; GetSuspect not found: %" PRIu64
                "; build %.1f s\n",
                r.events, kinds.c_str(), r.workload.suspects_named, r.workload.op_events.size(),
                static_cast<double>(r.record_bytes) / r.events, r.ledger_bytes / 1e6,
                r.queries.views_bytes / 1e6, r.queries.suspect_not_found, r.workload.build_s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--child") {
    const std::string mode = argv[2];
    if (mode == "raw") return ChildRaw(argv[3]);
    if (mode == "rebuild") return ChildRebuild(argv[3]);
    Fail("unknown child mode");
  }
  const Config c = ParseArgs(argc, argv);
  StartLauncher();  // first, while this process is small
  std::vector<SizeResult> results;
  for (uint64_t n : c.events) results.push_back(RunSize(c, n));
  const std::string json = ToJson(c, results);
  if (c.json) {
    std::fputs(json.c_str(), stdout);
  } else {
    PrintTable(results);
  }
  if (!c.json_file.empty()) {
    std::ofstream f(c.json_file);
    f << json;
    if (!f) Fail(absl::StrCat("cannot write ", c.json_file));
  }
  return 0;
}
