// import_bench: how fast `ledger import` loads generated events, against how
// fast protobuf's own JsonStringToMessage parses the same NDJSON on one
// thread, measured in one run on one machine (docs/PERFORMANCE.md, "Import").
//
// Steps, all under --dir (removed afterwards unless --keep):
//  1. `ledger gen --events N --seed S` writes N events as NDJSON and as CSV
//     (data/generated.mapping), and the same for --small events (default
//     100,000), to compare peak memory as the file grows.
//  2. Baseline: one thread reads the NDJSON file line by line and calls
//     google::protobuf::util::JsonStringToMessage on each line (strict:
//     unknown fields refused), timed. For reference also the import's own
//     strict parser (ingest::ParseEventJson) on one thread.
//  3. `ledger init` + `ledger import FILE [--mapping data/generated.mapping]`
//     as a child process, default options (synced batches of 1000, parser
//     threads = CPUs): wall time from fork to exit, and the child's peak RSS
//     (getrusage of the waited child, ru_maxrss). Also `import --dry-run`
//     (parse and validate only, no ledger) to show the importer's own memory.
//
// Usage: import_bench [--events N] [--small N] [--seed S] [--dir /tmp]
//                     [--ledger PATH] [--mapping PATH] [--no-csv] [--keep] [--json]
// Results go to stdout (a table, or JSON with --json); progress to stderr.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/bench_util.h"
#include "ingest/import_json.h"

namespace {

using bench::Clock;

struct Config {
  uint64_t events = 1000000;
  uint64_t small = 100000;
  uint64_t seed = 1;
  std::string dir = "/tmp";
  std::string ledger;
  std::string mapping;
  bool csv = true;
  bool keep = false;
  bool json = false;
  int rounds = 3;
};

struct ChildResult {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kb = 0;
  std::string out;
};

// Runs argv with stdout to a file; stderr passes through.
ChildResult Run(const std::vector<std::string>& argv, const std::string& out_path) {
  ChildResult r;
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::freopen(out_path.c_str(), "w", stdout);
    if (out == nullptr) _exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const bench::ChildExit e = bench::WaitChild(pid, start);
  r.seconds = e.wall_s;
  r.exit_code = e.exit_code;
  r.max_rss_kb = e.max_rss_kib;
  std::ifstream in(out_path);
  std::getline(in, r.out, '\0');
  return r;
}

void Die(const std::string& msg) {
  std::fprintf(stderr, "import_bench: %s\n", msg.c_str());
  std::exit(1);
}

void Check(const ChildResult& r, const std::string& what) {
  if (r.exit_code != 0) Die(absl::StrCat(what, " failed with exit code ", r.exit_code, ": ", r.out));
}

// Parses every line of `path` with `parse` on this thread; events/s.
template <typename Fn>
double ParseRate(const std::string& path, uint64_t expected, Fn parse) {
  std::ifstream in(path);
  std::string line;
  uint64_t n = 0;
  const auto start = Clock::now();
  while (std::getline(in, line)) {
    if (!parse(line)) Die(absl::StrCat(path, ":", n + 1, ": the baseline parser refused a line"));
    ++n;
  }
  const double secs = bench::Seconds(Clock::now() - start);
  if (n != expected) Die(absl::StrCat(path, ": ", n, " lines, expected ", expected));
  return static_cast<double>(n) / secs;
}

struct ImportFigures {
  std::string name;
  uint64_t events = 0;
  double seconds = 0;
  double rate = 0;
  long max_rss_kb = 0;
};

// `format`: the ledger's storage format; 2 splits names and agency ids
// into the personal-data store (docs/PERSONAL_DATA.md), 1 keeps them in the
// records (the cost of format 2 is the difference).
ImportFigures Import(const Config& c, const std::string& work, const std::string& input,
                     uint64_t events, bool csv, const std::string& name, bool dry_run = false,
                     int format = 2) {
  const std::string db = absl::StrCat(work, "/db-", name);
  std::filesystem::remove_all(db);
  if (!dry_run) {
    Check(Run({c.ledger, "--db", db, "init", "--origin", "bench.example/import", "--format",
               absl::StrCat(format)},
              work + "/init.out"),
          "ledger init");
  }
  std::vector<std::string> argv = {c.ledger, "--db", db, "--json", "import", input};
  if (dry_run) argv.push_back("--dry-run");
  if (csv) {
    argv.push_back("--mapping");
    argv.push_back(c.mapping);
  }
  std::fprintf(stderr, "import_bench: importing %s ...\n", name.c_str());
  ChildResult r = Run(argv, work + "/import.out");
  Check(r, "ledger import " + name);
  // The ImportReport's counts are uint64: JSON strings (docs/JSON.md).
  const std::string want = dry_run ? absl::StrCat("\"events\":\"", events, "\",")
                                   : absl::StrCat("\"appended\":\"", events, "\",");
  if (r.out.find(want) == std::string::npos) {
    Die(absl::StrCat("import ", name, " did not append ", events, " events: ", r.out));
  }
  std::filesystem::remove_all(db);
  ImportFigures f;
  f.name = name;
  f.events = events;
  f.seconds = r.seconds;
  f.rate = static_cast<double>(events) / r.seconds;
  f.max_rss_kb = r.max_rss_kb;
  return f;
}

constexpr char kUsage[] =
    "usage: import_bench [options]\n"
    "  --events N      events of the big file (default 1000000)\n"
    "  --small N       events of the small file, to compare peak memory (default 100000)\n"
    "  --seed S        seed of `ledger gen` (default 1)\n"
    "  --dir DIR       where the work directory goes (default /tmp)\n"
    "  --ledger PATH   the ledger binary (default: next to this program)\n"
    "  --mapping PATH  the CSV mapping (default: data/generated.mapping)\n"
    "  --no-csv        skip the CSV files\n"
    "  --keep          keep the work directory\n"
    "  --json          print JSON instead of a table\n"
    "  --rounds R      format-1/format-2 import pairs of the big NDJSON file (default 3)\n";

// Reads the options into `c`, whose fields hold the defaults.
void ParseArgs(int argc, char** argv, Config& c) {
  CLI::App app;
  app.add_option("--events", c.events)->transform(bench::Whole(0));
  app.add_option("--small", c.small)->transform(bench::Whole(0));
  app.add_option("--seed", c.seed)->transform(bench::Whole(0));
  app.add_option("--dir", c.dir);
  app.add_option("--ledger", c.ledger);
  app.add_option("--mapping", c.mapping);
  app.add_flag("!--no-csv", c.csv);  // "!": given, it sets c.csv to false
  app.add_flag("--keep", c.keep);
  app.add_flag("--json", c.json);
  app.add_option("--rounds", c.rounds)->check(CLI::Range(1, 20));
  bench::ParseOrExit(app, argc, argv, "import_bench", kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  const std::string self = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  c.ledger = self + "/ledger";
  ParseArgs(argc, argv, c);
  if (c.mapping.empty()) {
    // The source tree's data/generated.mapping, found from the build dir or the cwd.
    for (const std::string& p : {std::string("data/generated.mapping"),
                                 self + "/../data/generated.mapping"}) {
      if (std::filesystem::exists(p)) c.mapping = p;
    }
    if (c.mapping.empty() && c.csv) Die("cannot find data/generated.mapping; pass --mapping");
  }
  std::string work = absl::StrCat(c.dir, "/import-bench-XXXXXX");
  if (mkdtemp(work.data()) == nullptr) Die("mkdtemp failed");

  auto gen = [&](uint64_t n, const char* format, const std::string& path) {
    std::fprintf(stderr, "import_bench: ledger gen --events %llu --format %s\n",
                 static_cast<unsigned long long>(n), format);
    Check(Run({c.ledger, "gen", "--events", absl::StrCat(n), "--seed", absl::StrCat(c.seed),
               "--format", format, "--out", path},
              work + "/gen.out"),
          "ledger gen");
  };
  const std::string big_nd = work + "/big.ndjson", big_csv = work + "/big.csv";
  const std::string small_nd = work + "/small.ndjson", small_csv = work + "/small.csv";
  gen(c.events, "ndjson", big_nd);
  gen(c.small, "ndjson", small_nd);
  if (c.csv) {
    gen(c.events, "csv", big_csv);
    gen(c.small, "csv", small_csv);
  }
  const uint64_t big_bytes = std::filesystem::file_size(big_nd);

  std::fprintf(stderr, "import_bench: baseline JsonStringToMessage on one thread ...\n");
  enforcement::v1::Event event;
  google::protobuf::util::JsonParseOptions options;
  const double pb_rate = ParseRate(big_nd, c.events, [&](const std::string& line) {
    event.Clear();
    return google::protobuf::util::JsonStringToMessage(line, &event, options).ok();
  });
  std::fprintf(stderr, "import_bench: strict parser on one thread ...\n");
  ingest::JsonParseError error;
  const double strict_rate = ParseRate(big_nd, c.events, [&](const std::string& line) {
    return ingest::ParseEventJson(line, &event, &error);
  });

  std::vector<ImportFigures> runs;
  // The importer alone (--dry-run: no ledger), to see its own memory.
  runs.push_back(Import(c, work, small_nd, c.small, false, "dry-run-small", true));
  runs.push_back(Import(c, work, big_nd, c.events, false, "dry-run", true));
  runs.push_back(Import(c, work, small_nd, c.small, false, "ndjson-small"));
  // Format 2 against format 1 on the same file, alternated, three of each:
  // the cost of keeping personal data out of the log (issue 13: <= 1.3x).
  std::vector<double> f1_secs, f2_secs;
  for (int round = 0; round < c.rounds; ++round) {
    ImportFigures f1 = Import(c, work, big_nd, c.events, false, "ndjson-format1", false, 1);
    ImportFigures f2 = Import(c, work, big_nd, c.events, false, "ndjson", false, 2);
    f1_secs.push_back(f1.seconds);
    f2_secs.push_back(f2.seconds);
    if (round + 1 == c.rounds) {
      runs.push_back(f1);
      runs.push_back(f2);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double format_cost = median(f2_secs) / median(f1_secs);
  if (c.csv) {
    runs.push_back(Import(c, work, small_csv, c.small, true, "csv-small"));
    runs.push_back(Import(c, work, big_csv, c.events, true, "csv"));
  }
  if (!c.keep) std::filesystem::remove_all(work);

  if (c.json) {
    std::string out = absl::StrFormat(
        "{\"events\":%d,\"small\":%d,\"seed\":%d,\"ndjson_bytes\":%d,"
        "\"json_string_to_message_per_s\":%.0f,\"strict_parser_per_s\":%.0f,"
        "\"format2_over_format1_median_seconds\":%.4f,\"rounds\":%d,\"imports\":[",
        c.events, c.small, c.seed, big_bytes, pb_rate, strict_rate, format_cost, c.rounds);
    for (size_t i = 0; i < runs.size(); ++i) {
      const ImportFigures& f = runs[i];
      absl::StrAppendFormat(&out,
                            "%s{\"name\":\"%s\",\"events\":%d,\"seconds\":%.3f,\"per_s\":%.0f,"
                            "\"vs_json_string_to_message\":%.4f,\"max_rss_kb\":%d}",
                            i ? "," : "", f.name, f.events, f.seconds, f.rate, f.rate / pb_rate,
                            f.max_rss_kb);
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  std::printf("events: %llu (small: %llu), seed %llu, NDJSON %.1f MB (%.0f bytes/event)\n",
              static_cast<unsigned long long>(c.events), static_cast<unsigned long long>(c.small),
              static_cast<unsigned long long>(c.seed), big_bytes / 1e6,
              static_cast<double>(big_bytes) / static_cast<double>(c.events));
  std::printf("JsonStringToMessage, 1 thread:  %10.0f events/s\n", pb_rate);
  std::printf("strict parser, 1 thread:        %10.0f events/s\n", strict_rate);
  std::printf("format 2 / format 1 import time (median of %d, same file): %.3fx\n", c.rounds,
              format_cost);
  std::printf("%-14s %10s %9s %12s %10s %12s\n", "import", "events", "seconds", "events/s",
              "vs JSON", "peak RSS");
  for (const ImportFigures& f : runs) {
    std::printf("%-14s %10llu %9.2f %12.0f %9.1f%% %9.1f MiB\n", f.name.c_str(),
                static_cast<unsigned long long>(f.events), f.seconds, f.rate,
                100.0 * f.rate / pb_rate, f.max_rss_kb / 1024.0);
  }
  return 0;
}
