#include "ingest/import_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ingest/import_json.h"
#include "ingest/ndjson.h"

namespace ingest {

// ---------------------------------------------------------------------------
// InputFile

absl::StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  int fd = 0;
  std::string name = "<stdin>";
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      const std::string msg = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
      if (err == ENOENT) return absl::NotFoundError(msg);
      if (err == EACCES) return absl::PermissionDeniedError(msg);
      return absl::UnavailableError(msg);
    }
    name = path;
  }
  std::optional<uint64_t> size;
  struct stat st;
  if (fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      if (fd != 0) ::close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, " is a directory"));
    }
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  return std::unique_ptr<InputFile>(new InputFile(fd, std::move(name), size));
}

InputFile::~InputFile() {
  if (fd_ != 0) ::close(fd_);
}

bool InputFile::Fill() {
  if (eof_ || !status_.ok()) return false;
  if (pos_ == end_) {
    pos_ = end_ = 0;
  } else if (end_ == buf_.size()) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (true) {
    if (cancel_ != nullptr && !size_) {
      // A pipe or terminal: wait in slices so that a cancel is noticed.
      struct pollfd pfd = {fd_, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, 100);
      if (cancel_->load()) {
        status_ = absl::CancelledError("import stopped");
        return false;
      }
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    }
    const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    status_ = absl::DataLossError(absl::StrCat("error reading ", name_, " after byte ", consumed_,
                                               ": ", std::strerror(errno)));
    return false;
  }
}

absl::string_view InputFile::Available() {
  if (pos_ == end_) Fill();
  return absl::string_view(buf_.data() + pos_, end_ - pos_);
}

bool InputFile::SkipBom() {
  while (end_ - pos_ < 3 && Fill()) {
  }
  if (end_ - pos_ >= 3 && std::memcmp(buf_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) {
    Consume(3);
    return true;
  }
  return false;
}

namespace {

// Incremental SHA-256 for rows too long to keep.
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  void Update(absl::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, md, &n);
    return absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(md), n));
  }

 private:
  EVP_MD_CTX* ctx_;
};

void ResetRow(Row* row) {
  row->line = row->last_line = 0;
  row->raw.clear();
  row->blank = false;
  row->read_error.clear();
  row->read_error_column = 0;
  row->truncated = false;
  row->raw_bytes = 0;
  row->raw_sha256.clear();
  row->fields.clear();
}

// ---------------------------------------------------------------------------
// NDJSON

class NdjsonRows : public RowSource {
 public:
  explicit NdjsonRows(std::unique_ptr<InputFile> input) : input_(std::move(input)) {
    input_->SkipBom();
  }

  absl::StatusOr<bool> Next(Row* row) override {
    ResetRow(row);
    absl::string_view buf = input_->Available();
    if (buf.empty()) {
      if (!input_->status().ok()) return input_->status();
      return false;
    }
    row->line = row->last_line = ++lines_;
    std::unique_ptr<Sha256Stream> sha;
    uint64_t total = 0;
    while (true) {
      const void* nl = std::memchr(buf.data(), '\n', buf.size());
      const size_t take =
          nl == nullptr ? buf.size() : static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
      const absl::string_view piece = buf.substr(0, take);
      total += take;
      if (sha == nullptr && row->raw.size() + take > kMaxRowBytes) {
        sha = std::make_unique<Sha256Stream>();
        sha->Update(row->raw);
        row->truncated = true;
        if (row->raw.size() < kOverlongRowPrefix) {
          const absl::string_view head = piece.substr(0, kOverlongRowPrefix - row->raw.size());
          row->raw.append(head.data(), head.size());
        } else {
          row->raw.resize(kOverlongRowPrefix);
        }
      }
      if (sha != nullptr) {
        sha->Update(piece);
      } else {
        // Room for the JSON reader's padding (import_json.h) from the start,
        // so that the usual one-piece line is not copied again to get it.
        if (row->raw.empty()) row->raw.reserve(take + kJsonPadding);
        row->raw.append(piece.data(), piece.size());
      }
      input_->Consume(nl == nullptr ? take : take + 1);
      if (nl != nullptr) break;
      buf = input_->Available();
      if (buf.empty()) {
        if (!input_->status().ok()) return input_->status();
        break;  // last line without a terminator
      }
    }
    if (sha != nullptr) {
      row->raw_bytes = total;
      row->raw_sha256 = sha->HexDigest();
      row->read_error = absl::StrCat("the line is ", total, " bytes long; at most ", kMaxRowBytes,
                                     " are accepted (an event serializes to at most 1 MiB)");
      return true;
    }
    if (!row->raw.empty() && row->raw.back() == '\r') row->raw.pop_back();
    if (row->raw.capacity() - row->raw.size() < kJsonPadding) {
      row->raw.reserve(row->raw.size() + kJsonPadding);  // a line read in pieces
    }
    row->raw_bytes = row->raw.size();
    row->blank = IsBlankLine(row->raw);
    return true;
  }

  uint64_t lines() const override { return lines_; }
  InputFile& input() override { return *input_; }

 private:
  std::unique_ptr<InputFile> input_;
  uint64_t lines_ = 0;
};

}  // namespace

std::unique_ptr<RowSource> NewNdjsonRows(std::unique_ptr<InputFile> input) {
  return std::make_unique<NdjsonRows>(std::move(input));
}

// ---------------------------------------------------------------------------
// CSV

namespace {

// Reads one CSV record into *row (fields and raw bytes). `lines` counts the
// line feeds consumed so far. Returns false at the end of the input.
absl::StatusOr<bool> ReadCsvRecord(InputFile& in, uint64_t* lines, Row* row) {
  ResetRow(row);
  absl::string_view buf = in.Available();
  if (buf.empty()) {
    if (!in.status().ok()) return in.status();
    return false;
  }
  enum State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kCrAfterQuote, kSkipLine };
  State state = kFieldStart;
  row->line = *lines + 1;
  uint64_t quote_line = 0;
  uint64_t quote_column = 0;
  std::string field;
  auto error = [&](std::string rule) {
    if (row->read_error.empty()) {
      row->read_error = std::move(rule);
      row->read_error_column = row->raw.size() + 1;
    }
    state = kSkipLine;
  };
  while (true) {
    buf = in.Available();
    if (buf.empty()) {
      if (!in.status().ok()) return in.status();
      // End of input ends the record.
      if (state == kCrAfterQuote) {
        row->raw.pop_back();
        row->fields.push_back(std::move(field));
      } else if (state == kQuoted) {
        error(absl::StrCat("unterminated quoted field (its opening quote is on line ", quote_line,
                           ")"));
        row->read_error_column = quote_column;
      } else if (state != kSkipLine) {
        row->fields.push_back(std::move(field));
      }
      row->last_line = *lines + 1;
      ++*lines;  // the unterminated last line
      break;
    }
    size_t i = 0;
    bool done = false;
    for (; i < buf.size() && !done; ++i) {
      // Fast path: a run of ordinary bytes inside a field, copied at once.
      if (state == kUnquoted || state == kQuoted) {
        size_t j = i;
        if (state == kUnquoted) {
          while (j < buf.size() && buf[j] != ',' && buf[j] != '\n' && buf[j] != '"') ++j;
        } else {
          while (j < buf.size() && buf[j] != '"' && buf[j] != '\n') ++j;
        }
        if (j > i && row->raw.size() < kMaxRowBytes) {
          field.append(buf.data() + i, j - i);
          row->raw.append(buf.data() + i, j - i);
          i = j;
          if (i == buf.size()) break;
        }
      }
      const char c = buf[i];
      if (row->raw.size() >= kMaxRowBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            in.name(), ":", row->line, ": the CSV record starting on this line is longer than ",
            kMaxRowBytes, " bytes",
            state == kQuoted ? absl::StrCat(" (is the quote opened on line ", quote_line,
                                            " ever closed?)")
                             : std::string()));
      }
      switch (state) {
        case kFieldStart:
          if (c == '"') {
            state = kQuoted;
            quote_line = *lines + 1;
            quote_column = row->raw.size() + 1;
            row->raw.push_back(c);
            break;
          }
          state = kUnquoted;
          [[fallthrough]];
        case kUnquoted:
          if (c == ',') {
            if (!field.empty() && field.back() == '\r') {
              error("carriage return inside an unquoted field");
              row->raw.push_back(c);
              break;
            }
            row->fields.push_back(std::move(field));
            field.clear();
            state = kFieldStart;
            row->raw.push_back(c);
          } else if (c == '\n') {
            ++*lines;
            if (!field.empty() && field.back() == '\r') field.pop_back();
            if (!row->raw.empty() && row->raw.back() == '\r') row->raw.pop_back();
            row->fields.push_back(std::move(field));
            done = true;
          } else if (c == '"') {
            error("a quote inside an unquoted field (quote the whole field and double the quote)");
            row->raw.push_back(c);
          } else {
            field.push_back(c);
            row->raw.push_back(c);
          }
          break;
        case kQuoted:
          row->raw.push_back(c);
          if (c == '"') {
            state = kQuoteInQuoted;
          } else {
            if (c == '\n') ++*lines;
            field.push_back(c);
          }
          break;
        case kQuoteInQuoted:
          if (c == '"') {  // "" is a literal quote
            field.push_back('"');
            row->raw.push_back(c);
            state = kQuoted;
          } else if (c == ',') {
            row->fields.push_back(std::move(field));
            field.clear();
            row->raw.push_back(c);
            state = kFieldStart;
          } else if (c == '\n') {
            ++*lines;
            row->fields.push_back(std::move(field));
            done = true;
          } else if (c == '\r') {
            row->raw.push_back(c);
            state = kCrAfterQuote;
          } else {
            error("unexpected character after a closing quote (a field is either quoted "
                  "entirely or not at all)");
            row->raw.push_back(c);
          }
          break;
        case kCrAfterQuote:
          if (c == '\n') {
            ++*lines;
            row->raw.pop_back();  // the CR of CRLF
            row->fields.push_back(std::move(field));
            done = true;
          } else {
            error("carriage return after a closing quote not followed by a line feed");
            row->raw.push_back(c);
          }
          break;
        case kSkipLine:
          if (c == '\n') {
            ++*lines;
            if (!row->raw.empty() && row->raw.back() == '\r') row->raw.pop_back();
            done = true;
          } else {
            row->raw.push_back(c);
          }
          break;
      }
    }
    in.Consume(i);
    if (done) {
      row->last_line = *lines;
      break;
    }
  }
  row->raw_bytes = row->raw.size();
  row->blank = row->raw.empty();
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CsvRows>> CsvRows::Open(std::unique_ptr<InputFile> input) {
  std::unique_ptr<CsvRows> rows(new CsvRows(std::move(input)));
  rows->input_->SkipBom();
  Row header;
  uint64_t lines = 0;
  while (true) {
    absl::StatusOr<bool> more = ReadCsvRecord(*rows->input_, &lines, &header);
    if (!more.ok()) return more.status();
    if (!*more) {
      return absl::InvalidArgumentError(
          absl::StrCat(rows->input_->name(), ": no header line (the first CSV record names the "
                                             "columns)"));
    }
    if (!header.blank) break;
  }
  const std::string where = absl::StrCat(rows->input_->name(), ":", header.line, ": header: ");
  if (!header.read_error.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, header.read_error));
  }
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i];
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "column ", i + 1, " has no name"));
    }
    if (FindInvalidUtf8(name) != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "column ", i + 1, " name is not valid UTF-8"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "column \"", EscapeControlCharacters(name), "\" is named twice"));
    }
  }
  rows->header_ = header.fields;
  rows->header_lines_ = lines;
  rows->lines_ = lines;
  return rows;
}

absl::StatusOr<bool> CsvRows::Next(Row* row) {
  absl::StatusOr<bool> more = ReadCsvRecord(*input_, &lines_, row);
  if (!more.ok() || !*more) return more;
  if (row->read_error.empty() && !row->blank && row->fields.size() != header_.size()) {
    row->read_error = absl::StrCat("the record has ", row->fields.size(), " fields; the header has ",
                                   header_.size());
  }
  return true;
}

}  // namespace ingest
