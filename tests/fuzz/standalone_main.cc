// A driver that runs a fuzz target's LLVMFuzzerTestOneInput once on each
// input, without libFuzzer: for the regression inputs and the seed corpus
// (`tools/fuzz regress`), and for builds with a compiler that has no
// libFuzzer (g++). Link it with exactly one *_fuzzer.cc.
//
//   standalone_driver PATH...
//
// Each PATH is a file or a directory; a directory's regular files are run in
// name order, recursively, skipping names starting with '.' and README*.
// Exits 0 when every input ran; a failing property aborts the process (the
// target's FUZZ_CHECK or a sanitizer report), and the input being run is named
// on stderr. FUZZ_VERBOSE=1 names every input as it starts. Also honours
// LLVMFuzzerInitialize if the target defines it.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define FUZZ_HAVE_SANITIZER_INTERFACE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_SANITIZER_INTERFACE 1
#endif
#ifdef FUZZ_HAVE_SANITIZER_INTERFACE
#include <sanitizer/common_interface_defs.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash message (set before each input).
char g_current[4096] = "";

volatile sig_atomic_t g_said = 0;

void SayCurrent() {
  if (g_current[0] == '\0' || g_said) return;
  g_said = 1;
  const char prefix[] = "\n==== standalone driver: crash while running ";
  // Only async-signal-safe calls here.
  (void)!write(2, prefix, sizeof(prefix) - 1);
  (void)!write(2, g_current, std::strlen(g_current));
  (void)!write(2, "\n", 1);
}

void OnSignal(int sig) {
  SayCurrent();
  signal(sig, SIG_DFL);
  raise(sig);
}

bool Skipped(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

// Appends the inputs under `p` to *out; false if `p` cannot be read.
bool Collect(const fs::path& p, std::vector<fs::path>* out) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && !Skipped(it->path())) found.push_back(it->path());
    }
    if (ec) {
      std::fprintf(stderr, "cannot list %s: %s\n", p.c_str(), ec.message().c_str());
      return false;
    }
    std::sort(found.begin(), found.end());
    out->insert(out->end(), found.begin(), found.end());
    return true;
  }
  if (fs::is_regular_file(p, ec)) {
    out->push_back(p);
    return true;
  }
  std::fprintf(stderr, "no such file or directory: %s\n", p.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, OnSignal);
#ifdef FUZZ_HAVE_SANITIZER_INTERFACE
  __sanitizer_set_death_callback(SayCurrent);
#endif
  const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!Collect(argv[i], &inputs)) return 2;
  }
  for (const fs::path& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "cannot read %s\n", p.c_str());
      return 2;
    }
    if (verbose) std::fprintf(stderr, "running %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::snprintf(g_current, sizeof(g_current), "%s", p.c_str());
    // A copy in its own allocation, so ASan sees reads past the end.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    g_current[0] = '\0';
  }
  std::fprintf(stderr, "%s: %zu inputs ran\n", argv[0], inputs.size());
  return 0;
}
