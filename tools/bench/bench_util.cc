#include "tools/bench/bench_util.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/key_coding.h"

namespace bench {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

ChildExit WaitChild(pid_t pid, Clock::time_point start) {
  int status = 0;
  rusage ru{};
  ChildExit e;
  if (wait4(pid, &status, 0, &ru) != pid) return e;
  e.waited = true;
  e.wall_s = Seconds(Clock::now() - start);
  e.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  e.user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  e.sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  e.max_rss_kib = ru.ru_maxrss;
  return e;
}

std::vector<rocksdb::ColumnFamilyDescriptor> LedgerFamilies() {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name :
       {ledger::kMetaFamily, ledger::kRecordsFamily, ledger::kStreamsFamily,
        ledger::kEventIdsFamily, ledger::kMerkleFamily, ledger::kRetractedFamily}) {
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  return cfs;
}

absl::Status SettleLedger(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions dbo;
  dbo.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::Status s = rocksdb::DB::Open(dbo, path, LedgerFamilies(), &handles, &raw);
  if (!s.ok()) return absl::InternalError(absl::StrCat("settle ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::FlushOptions fo;
  fo.wait = true;
  s = db->Flush(fo, handles);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  if (!s.ok()) return absl::InternalError(absl::StrCat("settle ", path, ": ", s.ToString()));
  db->Close().PermitUncheckedError();
  return absl::OkStatus();
}

}  // namespace bench
