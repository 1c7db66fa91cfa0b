// FUZZ_CHECK for the fuzz targets in tests/fuzz/: a property that must hold
// for every input. A failure prints the condition and a message to stderr and
// aborts, which libFuzzer (and tests/fuzz/standalone_main.cc) reports as a
// crash. Unlike assert() it is never compiled out.
#ifndef ENFORCEMENT_TESTS_FUZZ_FUZZ_CHECK_H_
#define ENFORCEMENT_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"

namespace fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* cond,
                              const std::string& message) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n%s\n", file, line, cond, message.c_str());
  std::fflush(stderr);
  std::abort();
}

// `bytes` C-escaped and cut to `max` bytes, for messages.
inline std::string Show(absl::string_view bytes, size_t max = 512) {
  const bool cut = bytes.size() > max;
  return absl::StrCat("\"", absl::CHexEscape(bytes.substr(0, max)), cut ? "\"..." : "\"",
                      " (", bytes.size(), " bytes)");
}

// Whether the class of checks `name` is switched off by the environment
// variable FUZZ_IGNORE (comma-separated names), to look past a known,
// reported bug while it is being fixed: `FUZZ_IGNORE=printable tools/fuzz
// long ...`. Never set it in CI.
inline bool Ignored(absl::string_view name) {
  static const std::string* const kIgnore = [] {
    const char* v = std::getenv("FUZZ_IGNORE");
    return new std::string(v == nullptr ? "" : absl::StrCat(",", v, ","));
  }();
  return kIgnore->find(absl::StrCat(",", name, ",")) != std::string::npos;
}

// Whether `message` is safe to print on one line of a terminal or log: no C0
// control character (newline included) and no DEL. Input bytes echoed in an
// error message must be escaped, as ledger/validate.cc's Quote does. Always
// true under FUZZ_IGNORE=printable.
inline bool IsPrintableMessage(absl::string_view message) {
  if (Ignored("printable")) return true;
  for (char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// Drops protobuf's INFO and WARNING log lines (e.g. "JsonObjectWriter was
// not fully closed" after every refused JSON line), which would flood the
// fuzzer's output; ERROR and FATAL still reach stderr. Call it from
// LLVMFuzzerInitialize.
inline void QuietProtobufWarnings() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* filename,
                                     int line, const std::string& message) {
    if (level < google::protobuf::LOGLEVEL_ERROR) return;
    std::fprintf(stderr, "[libprotobuf %d %s:%d] %s\n", static_cast<int>(level), filename, line,
                 message.c_str());
  });
}

}  // namespace fuzz

// FUZZ_CHECK(cond, parts...): the parts are absl::StrCat arguments.
#define FUZZ_CHECK(cond, ...)                                                    \
  do {                                                                           \
    if (!(cond)) ::fuzz::Fail(__FILE__, __LINE__, #cond, ::absl::StrCat(__VA_ARGS__)); \
  } while (0)

#endif  // ENFORCEMENT_TESTS_FUZZ_FUZZ_CHECK_H_
