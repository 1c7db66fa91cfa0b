#include "ledger/rocks_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "util/file_io.h"

namespace ledger {
namespace {

constexpr off_t kRotateBytes = off_t{4} << 20;

class FdLogger : public rocksdb::Logger {
 public:
  FdLogger(int fd, rocksdb::InfoLogLevel level) : rocksdb::Logger(level), fd_(fd) {}
  ~FdLogger() override {
    if (!closed_) CloseImpl().PermitUncheckedError();
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (fd_ < 0) return;
    std::string line = absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::UTCTimeZone());
    char buf[512];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(buf, sizeof(buf), format, copy);
    va_end(copy);
    if (n < 0) return;
    if (static_cast<size_t>(n) < sizeof(buf)) {
      line.append(buf, static_cast<size_t>(n));
    } else {
      const size_t start = line.size();
      line.resize(start + static_cast<size_t>(n) + 1);
      std::vsnprintf(line.data() + start, static_cast<size_t>(n) + 1, format, ap);
      line.resize(start + static_cast<size_t>(n));
    }
    if (line.empty() || line.back() != '\n') line.push_back('\n');
    // Best effort by design (see the header): a failed write drops the line.
    (void)WriteAllFd(fd_, line);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return rocksdb::Status::OK();
  }

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, rocksdb::InfoLogLevel level) {
  ::mkdir(dir.c_str(), 0755);  // RocksDB creates it too; the log may come first
  const std::string path = dir + "/LOG";
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > kRotateBytes) {
    (void)::rename(path.c_str(), (dir + "/LOG.old").c_str());
  }
  // O_NOFOLLOW, regular files only: a symlink or FIFO planted as LOG must
  // not make the ledger write elsewhere (or block); lines are then dropped.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                  0644);
  if (fd >= 0 && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    ::close(fd);
    fd = -1;
  }
  return std::make_shared<FdLogger>(fd, level);
}

}  // namespace ledger
