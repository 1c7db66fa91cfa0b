// Shared helpers for tests: temporary directories, paths of the source tree
// and of the built `ledger` binary, and running a command with its output.
#ifndef ENFORCEMENT_TESTS_SUPPORT_PATHS_H_
#define ENFORCEMENT_TESTS_SUPPORT_PATHS_H_

#include <string>

namespace testing_support {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object is destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string SourceDir();   // the repository root
std::string LedgerBinary(); // the built `ledger` CLI
std::string VectorsDir();  // ../shared/vectors (or $LEDGER_VECTORS_DIR)

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};
// `s` quoted for /bin/sh: in single quotes, any ' inside escaped.
std::string Quote(const std::string& s);

// The python3 to run tools/verify_export.py with: Debian's (which has
// python3-cryptography and python3-protobuf) when present; a python3
// earlier on PATH (pyenv, venv) may lack them.
std::string Python();

// Runs `command` with /bin/sh -c, feeding `stdin_data` to its standard input.
CommandResult RunCommand(const std::string& command, const std::string& stdin_data = "");

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);

}  // namespace testing_support

#endif  // ENFORCEMENT_TESTS_SUPPORT_PATHS_H_
