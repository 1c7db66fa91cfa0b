#include "projections/run_merge.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/views_internal.h"
#include "rocksdb/sst_file_writer.h"

namespace projections::internal {

namespace {

// Per reader and writer: a merge reads every run of a family at once.
constexpr size_t kBufferBytes = size_t{256} << 10;
constexpr uint32_t kDeletionBit = uint32_t{1} << 31;

void PutFixed32LE(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  dst->append(b, 4);
}

uint32_t GetFixed32LE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// Reads a raw run file entry by entry.
class RawRunReader {
 public:
  RawRunReader(rocksdb::Env* env, std::string path) : env_(env), path_(std::move(path)) {}

  // Opens the file, to be read from byte `offset` (an entry's start).
  absl::Status Open(uint64_t offset = 0) {
    if (absl::Status s = ViewsFromRocks(
            env_->NewSequentialFile(path_, &file_, rocksdb::EnvOptions()),
            absl::StrCat("opening ", path_));
        !s.ok() || offset == 0) {
      return s;
    }
    return ViewsFromRocks(file_->Skip(offset), absl::StrCat("reading ", path_));
  }

  // Moves to the next entry; false at the end (or on an error: see status()).
  bool Next() {
    if (!Fill(8)) return false;
    const uint32_t key_size = GetFixed32LE(buffer_.data() + pos_);
    const uint32_t value_word = GetFixed32LE(buffer_.data() + pos_ + 4);
    const uint32_t value_size = value_word & ~kDeletionBit;
    if (!Fill(8 + size_t{key_size} + value_size)) {
      if (status_.ok()) status_ = absl::DataLossError(absl::StrCat(path_, ": truncated entry"));
      return false;
    }
    key_ = absl::string_view(buffer_.data() + pos_ + 8, key_size);
    value_ = absl::string_view(buffer_.data() + pos_ + 8 + key_size, value_size);
    del_ = (value_word & kDeletionBit) != 0;
    pos_ += 8 + size_t{key_size} + value_size;
    return true;
  }

  absl::string_view key() const { return key_; }
  absl::string_view value() const { return value_; }
  bool del() const { return del_; }
  const absl::Status& status() const { return status_; }

 private:
  // Makes `n` bytes available at pos_; false at the end of the file.
  bool Fill(size_t n) {
    if (end_ - pos_ >= n) return true;
    if (!status_.ok()) return false;
    buffer_.erase(0, pos_);
    end_ -= pos_;
    pos_ = 0;
    if (buffer_.size() < std::max(n, kBufferBytes)) buffer_.resize(std::max(n, kBufferBytes));
    while (end_ < n && !eof_) {
      rocksdb::Slice got;
      const size_t want = buffer_.size() - end_;
      rocksdb::Status s = file_->Read(want, &got, buffer_.data() + end_);
      if (!s.ok()) {
        status_ = ViewsFromRocks(s, absl::StrCat("reading ", path_));
        return false;
      }
      if (got.data() != buffer_.data() + end_) memmove(buffer_.data() + end_, got.data(), got.size());
      end_ += got.size();
      if (got.size() == 0) eof_ = true;
    }
    if (end_ >= n) return true;
    if (end_ != 0) status_ = absl::DataLossError(absl::StrCat(path_, ": truncated entry"));
    return false;
  }

  rocksdb::Env* env_;
  std::string path_;
  std::unique_ptr<rocksdb::SequentialFile> file_;
  std::string buffer_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  absl::Status status_;
  absl::string_view key_, value_;
  bool del_ = false;
};

}  // namespace

absl::Status RawRunWriter::Open(const std::string& path) {
  run_ = RawRun();
  run_.path = path;
  flushed_ = next_sample_ = 0;
  buffer_.reserve(kBufferBytes + 4096);
  return ViewsFromRocks(env_->NewWritableFile(path, &file_, rocksdb::EnvOptions()),
                        absl::StrCat("creating ", path));
}

absl::Status RawRunWriter::Add(absl::string_view key, absl::string_view value, bool del) {
  const uint64_t offset = flushed_ + buffer_.size();
  if (offset >= next_sample_) {
    run_.samples.emplace_back(std::string(key), offset);
    next_sample_ = offset + kRawRunSampleBytes;
  }
  PutFixed32LE(&buffer_, static_cast<uint32_t>(key.size()));
  PutFixed32LE(&buffer_, static_cast<uint32_t>(value.size()) | (del ? kDeletionBit : 0));
  buffer_.append(key.data(), key.size());
  buffer_.append(value.data(), value.size());
  if (buffer_.size() >= kBufferBytes) return FlushBuffer();
  return absl::OkStatus();
}

absl::Status RawRunWriter::FlushBuffer() {
  if (buffer_.empty()) return absl::OkStatus();
  rocksdb::Status s = file_->Append(rocksdb::Slice(buffer_));
  flushed_ += buffer_.size();
  buffer_.clear();
  return ViewsFromRocks(s, absl::StrCat("writing ", run_.path));
}

absl::Status RawRunWriter::Close() {
  if (absl::Status s = FlushBuffer(); !s.ok()) return s;
  run_.bytes = flushed_;
  return ViewsFromRocks(file_->Close(), absl::StrCat("closing ", run_.path));
}

absl::Status MergeRawRuns(
    rocksdb::Env* env, absl::Span<const RawRun> runs_in, const KeyRange& range,
    const std::function<absl::Status(absl::string_view key, absl::string_view value)>& fn) {
  std::vector<std::unique_ptr<RawRunReader>> runs;
  for (const RawRun& run : runs_in) {
    // Start at the last sample at or below range.lo.
    uint64_t offset = 0;
    for (const auto& [key, at] : run.samples) {
      if (key > range.lo) break;
      offset = at;
    }
    runs.push_back(std::make_unique<RawRunReader>(env, run.path));
    if (absl::Status s = runs.back()->Open(offset); !s.ok()) return s;
  }
  // A min-heap of runs by (key, newest first).
  auto after = [&runs](size_t a, size_t b) {
    const int c = runs[a]->key().compare(runs[b]->key());
    return c != 0 ? c > 0 : a < b;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(after)> heap(after);
  for (size_t i = 0; i < runs.size(); ++i) {
    bool more = runs[i]->Next();
    while (more && range.Below(runs[i]->key())) more = runs[i]->Next();
    if (!runs[i]->status().ok()) return runs[i]->status();
    if (more) heap.push(i);
  }
  std::string key;
  while (!heap.empty()) {
    const size_t top = heap.top();
    heap.pop();
    RawRunReader& r = *runs[top];
    if (range.Above(r.key())) break;
    key.assign(r.key().data(), r.key().size());
    if (!r.del()) {
      if (absl::Status s = fn(key, r.value()); !s.ok()) return s;
    }
    // Older runs' entries of the same key are overwritten.
    if (r.Next()) heap.push(top);
    if (!r.status().ok()) return r.status();
    while (!heap.empty() && runs[heap.top()]->key() == key) {
      const size_t older = heap.top();
      heap.pop();
      if (runs[older]->Next()) heap.push(older);
      if (!runs[older]->status().ok()) return runs[older]->status();
    }
  }
  return absl::OkStatus();
}

SstSink::SstSink(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string dir,
                 std::string name, size_t max_file_bytes)
    : db_(db), cf_(cf), dir_(std::move(dir)), name_(std::move(name)),
      max_file_bytes_(max_file_bytes), options_(db->GetDBOptions(), db->GetOptions(cf)) {}

SstSink::~SstSink() = default;

absl::Status SstSink::Put(absl::string_view key, absl::string_view value) {
  if (writer_ == nullptr) {
    const std::string path =
        absl::StrCat(dir_, "/", name_, "-", cf_->GetName(), "-", files_.size(), ".sst");
    writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(options_), options_,
                                                       cf_);
    if (absl::Status s = ViewsFromRocks(writer_->Open(path), absl::StrCat("creating ", path));
        !s.ok()) {
      return s;
    }
    files_.push_back(path);
  }
  rocksdb::Status s = writer_->Put(rocksdb::Slice(key.data(), key.size()),
                                   rocksdb::Slice(value.data(), value.size()));
  if (absl::Status st = ViewsFromRocks(s, absl::StrCat("writing ", files_.back())); !st.ok()) {
    return st;
  }
  if (writer_->FileSize() >= max_file_bytes_) return CloseFile();
  return absl::OkStatus();
}

absl::Status SstSink::CloseFile() {
  if (writer_ == nullptr) return absl::OkStatus();
  rocksdb::Status s = writer_->Finish();
  writer_.reset();
  return ViewsFromRocks(s, absl::StrCat("finishing ", files_.back()));
}

absl::Status SstSink::Close(std::vector<std::string>* files) {
  if (absl::Status s = CloseFile(); !s.ok()) return s;
  files->insert(files->end(), files_.begin(), files_.end());
  files_.clear();
  return absl::OkStatus();
}

absl::Status IngestSstFiles(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                            const std::vector<std::string>& files) {
  if (files.empty()) return absl::OkStatus();
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  return ViewsFromRocks(db->IngestExternalFile(cf, files, ingest),
                        absl::StrCat("ingesting ", files.size(), " files into ", cf->GetName()));
}

}  // namespace projections::internal
