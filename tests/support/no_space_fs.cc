#include "tests/support/no_space_fs.h"

#include <utility>

namespace testing_support {
namespace {

using rocksdb::DataVerificationInfo;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

// Every write first takes its bytes from the file system's budget; what does
// not fit is not written and the write fails with NoSpace.
class NoSpaceWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  NoSpaceWritableFile(std::unique_ptr<FSWritableFile> target, NoSpaceFileSystem* fs,
                      std::string name)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), name_(std::move(name)) {}

  IOStatus Append(const Slice& data, const IOOptions& options, IODebugContext* dbg) override {
    return Write(data, [&](const Slice& d) { return target()->Append(d, options, dbg); });
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const DataVerificationInfo& /*verification_info*/,
                  IODebugContext* dbg) override {
    return Write(data, [&](const Slice& d) { return target()->Append(d, options, dbg); });
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            IODebugContext* dbg) override {
    return Write(data, [&](const Slice& d) {
      return target()->PositionedAppend(d, offset, options, dbg);
    });
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset, const IOOptions& options,
                            const DataVerificationInfo& /*verification_info*/,
                            IODebugContext* dbg) override {
    return Write(data, [&](const Slice& d) {
      return target()->PositionedAppend(d, offset, options, dbg);
    });
  }

 private:
  template <typename Fn>
  IOStatus Write(const Slice& data, Fn write) {
    uint64_t granted = 0;
    if (fs_->Take(data.size(), &granted)) return write(data);
    if (granted > 0) {
      IOStatus s = write(Slice(data.data(), granted));
      if (!s.ok()) return s;
    }
    return IOStatus::NoSpace("While appending to file", name_ + ": No space left on device");
  }

  NoSpaceFileSystem* fs_;
  std::string name_;
};

}  // namespace

NoSpaceFileSystem::NoSpaceFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void NoSpaceFileSystem::LimitTo(uint64_t bytes) {
  left_.store(bytes);
  limited_.store(true);
}

void NoSpaceFileSystem::Unlimit() { limited_.store(false); }

bool NoSpaceFileSystem::Take(uint64_t n, uint64_t* granted) {
  *granted = n;
  if (!limited_.load()) return true;
  uint64_t left = left_.load();
  while (true) {
    const uint64_t take = left < n ? left : n;
    if (left_.compare_exchange_weak(left, left - take)) {
      *granted = take;
      break;
    }
  }
  if (*granted == n) return true;
  refused_.fetch_add(1);
  return false;
}

rocksdb::IOStatus NoSpaceFileSystem::NewWritableFile(const std::string& fname,
                                                     const rocksdb::FileOptions& opts,
                                                     std::unique_ptr<FSWritableFile>* result,
                                                     IODebugContext* dbg) {
  std::unique_ptr<FSWritableFile> file;
  IOStatus s = target()->NewWritableFile(fname, opts, &file, dbg);
  if (s.ok()) result->reset(new NoSpaceWritableFile(std::move(file), this, fname));
  return s;
}

rocksdb::IOStatus NoSpaceFileSystem::ReopenWritableFile(const std::string& fname,
                                                        const rocksdb::FileOptions& opts,
                                                        std::unique_ptr<FSWritableFile>* result,
                                                        IODebugContext* dbg) {
  std::unique_ptr<FSWritableFile> file;
  IOStatus s = target()->ReopenWritableFile(fname, opts, &file, dbg);
  if (s.ok()) result->reset(new NoSpaceWritableFile(std::move(file), this, fname));
  return s;
}

rocksdb::IOStatus NoSpaceFileSystem::ReuseWritableFile(const std::string& fname,
                                                       const std::string& old_fname,
                                                       const rocksdb::FileOptions& opts,
                                                       std::unique_ptr<FSWritableFile>* result,
                                                       IODebugContext* dbg) {
  std::unique_ptr<FSWritableFile> file;
  IOStatus s = target()->ReuseWritableFile(fname, old_fname, opts, &file, dbg);
  if (s.ok()) result->reset(new NoSpaceWritableFile(std::move(file), this, fname));
  return s;
}

rocksdb::IOStatus NoSpaceFileSystem::GetFreeSpace(const std::string& path,
                                                  const IOOptions& options, uint64_t* diskfree,
                                                  IODebugContext* dbg) {
  if (limited_.load()) {
    *diskfree = left_.load();
    return IOStatus::OK();
  }
  return target()->GetFreeSpace(path, options, diskfree, dbg);
}

std::shared_ptr<rocksdb::Env> EnvOver(const std::shared_ptr<rocksdb::FileSystem>& fs) {
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs));
}

}  // namespace testing_support
