#include "projections/sorted_run.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/views_internal.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"

namespace projections::internal {

SortedRun::SortedRun(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string tmp_dir,
                     size_t max_bytes, std::string name)
    : db_(db), cf_(cf), tmp_dir_(std::move(tmp_dir)), max_bytes_(max_bytes),
      name_(std::move(name)) {}

void SortedRun::Add(absl::string_view key, absl::string_view value, bool del) {
  entries_.push_back(Entry{arena_.size(), static_cast<uint32_t>(key.size()),
                           static_cast<uint32_t>(value.size()),
                           static_cast<uint32_t>(entries_.size()), del});
  arena_.append(key.data(), key.size());
  arena_.append(value.data(), value.size());
}

absl::Status SortedRun::Ingest() {
  if (entries_.empty()) return absl::OkStatus();
  std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
    const int c = KeyOf(a).compare(KeyOf(b));
    return c != 0 ? c < 0 : a.seq < b.seq;
  });
  const rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(cf_));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, cf_);
  const std::string path = absl::StrCat(tmp_dir_, "/", name_, "-", cf_->GetName(), "-", files_++, ".sst");
  if (absl::Status s = ViewsFromRocks(writer.Open(path), absl::StrCat("creating ", path));
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (i + 1 < entries_.size() && KeyOf(entries_[i + 1]) == KeyOf(e)) continue;  // overwritten
    const rocksdb::Slice key(KeyOf(e).data(), e.key_size);
    rocksdb::Status s = e.del ? writer.Delete(key)
                              : writer.Put(key, rocksdb::Slice(ValueOf(e).data(), e.value_size));
    if (absl::Status st = ViewsFromRocks(s, absl::StrCat("writing ", path)); !st.ok()) return st;
  }
  if (absl::Status s = ViewsFromRocks(writer.Finish(), absl::StrCat("finishing ", path)); !s.ok()) {
    return s;
  }
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  if (absl::Status s = ViewsFromRocks(db_->IngestExternalFile(cf_, {path}, ingest),
                                 absl::StrCat("ingesting ", path));
      !s.ok()) {
    return s;
  }
  arena_.clear();
  entries_.clear();
  return absl::OkStatus();
}

}  // namespace projections::internal
