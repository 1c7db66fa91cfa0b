// Reading a bench program's command line with CLI11 (the library the `ledger`
// CLI parses with): the value checks the bench programs share, and one way to
// end on a usage error or --help. Header-only; a program that includes it
// links CLI11::CLI11.
//
//   CLI::App app;
//   app.add_option("--events", c.events)->transform(bench::Whole(1));
//   bench::AddSizeList(app, "--sizes", &c.sizes);
//   app.add_flag("--json", c.json);
//   bench::ParseOrExit(app, argc, argv, "x_bench", kUsage);
#ifndef ENFORCEMENT_TOOLS_BENCH_BENCH_ARGS_H_
#define ENFORCEMENT_TOOLS_BENCH_BENCH_ARGS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bench {

// A transform for an option's value: a whole decimal number of at least
// `min` (absl::SimpleAtoi), rewritten in plain decimal, since CLI11's own
// conversion reads "010" as octal and "0x10" as hex. Anything else:
// `<name>: bad value "<value>"`.
inline CLI::Validator Whole(uint64_t min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        uint64_t n = 0;
        if (!absl::SimpleAtoi(value, &n) || n < min) {
          return absl::StrCat("bad value \"", value, "\"");
        }
        value = absl::StrCat(n);
        return "";
      },
      "N");
}

// Adds `name LIST` storing comma-separated whole numbers of at least 1 in
// `*out` (empty parts skipped); a bad part: `<name>: bad size "<part>"`; an
// empty list, unless `allow_empty`: `<name>: empty list`. Given twice, the
// last one counts.
inline CLI::Option* AddSizeList(CLI::App& app, const std::string& name, std::vector<uint64_t>* out,
                                bool allow_empty = false) {
  return app.add_option_function<std::string>(name, [name, out, allow_empty](const std::string& v) {
    std::vector<uint64_t> list;
    for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(part, &n) || n == 0) {
        throw CLI::ValidationError(name, absl::StrCat("bad size \"", part, "\""));
      }
      list.push_back(n);
    }
    if (list.empty() && !allow_empty) throw CLI::ValidationError(name, "empty list");
    *out = std::move(list);
  });
}

// Prints "<program>: <error>" (unless `error` is empty) and `usage` to
// stderr, and exits: 0 if `error` is empty, else 2.
[[noreturn]] inline void Usage(const char* program, const char* usage, const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "%s: %s\n", program, error.c_str());
  std::fputs(usage, stderr);
  std::exit(error.empty() ? 0 : 2);
}

// Parses argv with `app` into what its options are bound to. -h/--help:
// Usage with no error (exit 0). An unknown option, a stray argument, a
// missing or bad value: Usage naming the problem (exit 2).
// An option given twice takes its last value, unless the program set
// another multi_option_policy than CLI11's default (Throw).
inline void ParseOrExit(CLI::App& app, int argc, char** argv, const char* program,
                        const char* usage) {
  app.name(program);
  app.allow_extras(true);  // named below, in this program's words
  for (CLI::Option* option : app.get_options()) {
    if (option->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw) {
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) Usage(program, usage, "");  // --help
    std::string what = e.what();
    // "--seed: 1 required UINT:N missing" is about CLI11's machinery.
    if (const size_t colon = what.find(": ");
        colon != std::string::npos && absl::StrContains(what, " required ") &&
        absl::EndsWith(what, " missing")) {
      what = absl::StrCat(what.substr(0, colon), " needs a value");
    }
    Usage(program, usage, what);
  }
  if (!app.remaining().empty()) {
    Usage(program, usage, absl::StrCat("unknown argument \"", app.remaining().front(), "\""));
  }
}

}  // namespace bench

#endif  // ENFORCEMENT_TOOLS_BENCH_BENCH_ARGS_H_
