#include "projections/sorted_run.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/run_merge.h"
#include "projections/views_internal.h"
#include "rocksdb/env.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"

namespace projections::internal {

SortedRun::SortedRun(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string tmp_dir)
    : db_(db), cf_(cf), tmp_dir_(std::move(tmp_dir)) {}

namespace {

// Bytes [from, from + 8) of `key` as a big-endian number, zero-padded.
uint64_t HeadWord(absl::string_view key, size_t from) {
  uint64_t w = 0;
  for (size_t i = from; i < from + 8; ++i) {
    w = (w << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0);
  }
  return w;
}

}  // namespace

void SortedRun::Add(absl::string_view key, absl::string_view value, bool del) {
  entries_.push_back(Entry{HeadWord(key, 0), HeadWord(key, 8), arena_.size(),
                           static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()),
                           static_cast<uint32_t>(entries_.size()), del});
  arena_.append(key.data(), key.size());
  arena_.append(value.data(), value.size());
}

void SortedRun::Sort() {
  std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
    if (a.head0 != b.head0) return a.head0 < b.head0;
    if (a.head1 != b.head1) return a.head1 < b.head1;
    // Equal heads: the keys decide (zero padding cannot tell "a" from "a\0").
    const int c = KeyOf(a).compare(KeyOf(b));
    return c != 0 ? c < 0 : a.seq < b.seq;
  });
}

absl::Status SortedRun::Ingest() {
  if (entries_.empty()) return absl::OkStatus();
  Sort();
  const rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(cf_));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options), options, cf_);
  const std::string path = absl::StrCat(tmp_dir_, "/run-", cf_->GetName(), "-", files_++, ".sst");
  if (absl::Status s = ViewsFromRocks(writer.Open(path), absl::StrCat("creating ", path));
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (Overwritten(i)) continue;
    const Entry& e = entries_[i];
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
  Clear();
  return absl::OkStatus();
}

absl::Status SortedRun::WriteRaw(const std::string& path, RawRun* written) {
  Sort();
  RawRunWriter out(db_->GetEnv());
  if (absl::Status s = out.Open(path); !s.ok()) return s;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (Overwritten(i)) continue;
    const Entry& e = entries_[i];
    if (absl::Status s = out.Add(KeyOf(e), ValueOf(e), e.del); !s.ok()) return s;
  }
  if (absl::Status s = out.Close(); !s.ok()) return s;
  *written = std::move(out.run());
  Clear();
  return absl::OkStatus();
}

}  // namespace projections::internal
