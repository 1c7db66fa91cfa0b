// view_codec_bench: the views store's value codec (projections/store_coding,
// hand-written varints) against protobuf serialization of the answer
// messages (proto/enforcement/api/v1/views.proto), on realistic values.
//
//   view_codec_bench [--events N] [--seed S] [--rounds R] [--dir TMP]
//
// Builds a ledger of N events of the workload generator's kStory shape
// (what `ledger gen` writes) in a temporary directory, projects it, reads
// every suspect, operation and case view, and times, per value:
//   hand encode   store_coding's EncodeSuspect / EncodeOperationCore / EncodeCase
//   hand decode   DecodeSuspect / DecodeOperationCore / DecodeCase
//   msg serialize SerializeToString of the message (already converted)
//   msg parse     ParseFromString into a reused message
//   convert       view_messages' ToMessage (struct -> message)
// and prints nanoseconds per value, bytes per value, and the ratios
// (message / hand) for encode + decode, with and without the conversion.
// An operation's stored core holds neither its arrest/handover counters nor
// its event lists (those are counters and member keys of their own), so
// the message measured for it has `arrests_recorded` and `handed_over`
// cleared. Results: docs/PERFORMANCE.md ("View values: hand codec or
// protobuf").
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/ledger.h"
#include "projections/store_coding.h"
#include "projections/view_messages.h"
#include "projections/views.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/bench_util.h"
#include "workload/generator.h"

namespace {

namespace api = enforcement::api::v1;
using bench::Clock;

constexpr char kUsage[] =
    "usage: view_codec_bench [--events N] [--seed S] [--rounds R] [--dir TMP]\n"
    "  --events N   events of the story workload to project (default 20000)\n"
    "  --seed S     its seed (default 42)\n"
    "  --rounds R   passes over every value per measurement; the median of 5\n"
    "               measurements is printed (default 20)\n"
    "  --dir TMP    where the temporary ledger goes (default $TMPDIR or /tmp)\n";

struct Config {
  uint64_t events = 20000;
  uint64_t seed = 42;
  uint64_t rounds = 20;
  std::string dir;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "view_codec_bench: %s\n", what.c_str());
  std::exit(1);
}

// Nanoseconds per value of `fn` (called once per value, `rounds` passes):
// the median of 5 measurements.
template <typename Fn>
double NsPerValue(size_t values, uint64_t rounds, Fn fn) {
  std::vector<double> runs;
  for (int m = 0; m < 5; ++m) {
    const auto start = Clock::now();
    for (uint64_t r = 0; r < rounds; ++r) {
      for (size_t i = 0; i < values; ++i) fn(i);
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    runs.push_back(ns / static_cast<double>(rounds * values));
  }
  std::sort(runs.begin(), runs.end());
  return runs[2];
}

size_t g_sink = 0;  // keeps the optimizer from dropping the work

struct Row {
  std::string kind;
  size_t values = 0;
  double hand_bytes = 0, msg_bytes = 0;
  double hand_encode = 0, hand_decode = 0;
  double msg_serialize = 0, msg_parse = 0, convert = 0;
};

template <typename View, typename Msg, typename Enc, typename Dec, typename Conv>
Row Measure(const std::string& kind, const std::vector<View>& views, uint64_t rounds, Enc encode,
            Dec decode, Conv convert) {
  Row row;
  row.kind = kind;
  row.values = views.size();
  if (views.empty()) return row;
  std::vector<std::string> hand(views.size()), wire(views.size());
  std::vector<Msg> msgs(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    hand[i] = encode(views[i]);
    convert(views[i], &msgs[i]);
    wire[i] = msgs[i].SerializeAsString();
    row.hand_bytes += static_cast<double>(hand[i].size());
    row.msg_bytes += static_cast<double>(wire[i].size());
    View back;
    if (!decode(hand[i], &back).ok()) Die(absl::StrCat(kind, ": the hand codec fails to decode"));
  }
  row.hand_bytes /= static_cast<double>(views.size());
  row.msg_bytes /= static_cast<double>(views.size());
  row.hand_encode = NsPerValue(views.size(), rounds, [&](size_t i) {
    g_sink += encode(views[i]).size();
  });
  row.hand_decode = NsPerValue(views.size(), rounds, [&](size_t i) {
    View v;
    g_sink += decode(hand[i], &v).ok();
  });
  std::string out;
  row.msg_serialize = NsPerValue(views.size(), rounds, [&](size_t i) {
    out.clear();
    msgs[i].SerializeToString(&out);
    g_sink += out.size();
  });
  Msg parsed;
  row.msg_parse = NsPerValue(views.size(), rounds, [&](size_t i) {
    g_sink += parsed.ParseFromString(wire[i]);
  });
  row.convert = NsPerValue(views.size(), rounds, [&](size_t i) {
    Msg m;
    convert(views[i], &m);
    g_sink += m.ByteSizeLong();
  });
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app;
  app.add_option("--events", c.events)->transform(bench::Whole(1));
  app.add_option("--seed", c.seed)->transform(bench::Whole(0));
  app.add_option("--rounds", c.rounds)->transform(bench::Whole(1));
  app.add_option("--dir", c.dir);
  bench::ParseOrExit(app, argc, argv, "view_codec_bench", kUsage);
  if (c.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    c.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string pattern = c.dir + "/view_codec_bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a directory under " + c.dir);
  const std::string root = pattern;

  std::vector<projections::SuspectView> suspects;
  std::vector<projections::OperationView> operations;
  std::vector<projections::CaseView> cases;
  {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.origin = "bench.example.org/view-codec";
    o.durability = ledger::Durability::kBulk;
    auto db = ledger::Ledger::Open(root + "/db", o);
    if (!db.ok()) Die(db.status().ToString());
    workload::GeneratorOptions g;
    g.shape = workload::Shape::kStory;
    g.seed = c.seed;
    workload::EventGenerator gen(g);
    for (uint64_t done = 0; done < c.events;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(1000, c.events - done));
      auto r = (*db)->AppendEvents(gen.Take(n));
      if (!r.ok()) Die(r.status().ToString());
      done += n;
    }
    if (absl::Status s = (*db)->Flush(); !s.ok()) Die(s.ToString());
    auto views = projections::Views::Open(root + "/db");
    if (!views.ok()) Die(views.status().ToString());
    if (auto r = (*views)->CatchUp(**db); !r.ok()) Die(r.status().ToString());
    projections::SuspectFilter all;
    all.limit = 0;
    auto s = (*views)->ListSuspects(all);
    projections::OperationQuery whole;
    whole.max_events = 0;
    auto ops = (*views)->ListOperations(whole);
    auto cs = (*views)->ListCases();
    if (!s.ok() || !ops.ok() || !cs.ok()) Die("cannot list the views");
    suspects = *std::move(s);
    operations = *std::move(ops);
    cases = *std::move(cs);
  }
  std::filesystem::remove_all(root);

  namespace in = projections::internal;
  std::vector<Row> rows;
  rows.push_back(Measure<projections::SuspectView, api::SuspectView>(
      "suspect", suspects, c.rounds, in::EncodeSuspect, in::DecodeSuspect,
      [](const projections::SuspectView& v, api::SuspectView* m) {
        projections::ToMessage(v, m);
      }));
  rows.push_back(Measure<projections::OperationView, api::OperationView>(
      "operation", operations, c.rounds, in::EncodeOperationCore, in::DecodeOperationCore,
      [](const projections::OperationView& v, api::OperationView* m) {
        projections::ToMessage(v, m);
        m->clear_arrests_recorded();  // not in the stored core (see above)
        m->clear_handed_over();
      }));
  rows.push_back(Measure<projections::CaseView, api::CaseView>(
      "case", cases, c.rounds, in::EncodeCase, in::DecodeCase,
      [](const projections::CaseView& v, api::CaseView* m) { projections::ToMessage(v, m); }));

  std::printf("view values of %llu story events (seed %llu), ns per value (median of 5)\n",
              static_cast<unsigned long long>(c.events), static_cast<unsigned long long>(c.seed));
  std::printf("%-10s %7s %10s %10s %8s %8s %9s %8s %8s %9s %12s\n", "view", "values",
              "hand B", "msg B", "h.enc", "h.dec", "m.ser", "m.parse", "convert", "msg/hand",
              "+convert");
  for (const Row& r : rows) {
    const double hand = r.hand_encode + r.hand_decode;
    const double msg = r.msg_serialize + r.msg_parse;
    std::printf("%-10s %7zu %10.1f %10.1f %8.0f %8.0f %9.0f %8.0f %8.0f %8.2fx %11.2fx\n",
                r.kind.c_str(), r.values, r.hand_bytes, r.msg_bytes, r.hand_encode,
                r.hand_decode, r.msg_serialize, r.msg_parse, r.convert,
                hand > 0 ? msg / hand : 0.0, hand > 0 ? (msg + r.convert) / hand : 0.0);
  }
  std::printf("msg/hand = (serialize + parse) / (hand encode + hand decode); +convert adds "
              "ToMessage (struct -> message)\n");
  return g_sink == 42 ? 1 : 0;
}
