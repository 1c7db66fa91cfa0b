// Streaming input for `ledger import`: a buffered file (or standard input)
// and the two row readers on top of it, NDJSON (one row per line) and CSV
// (RFC 4180 records, which may span lines). Memory is bounded: a row longer
// than kMaxRowBytes is never held whole (NDJSON: refused as a row, the rest
// of the line is skipped while hashing it; CSV: a fatal error).
//
// Conventions shared by both formats (docs/IMPORT.md):
//  - a UTF-8 byte order mark at the very start of the input is skipped;
//  - lines end with LF or CRLF (the CR is not part of the row);
//  - line numbers are 1-based physical lines; a row remembers its first and
//    last line.
//
// Thread-compatible: one thread reads (the pipeline's reader thread).
#ifndef ENFORCEMENT_INGEST_IMPORT_READER_H_
#define ENFORCEMENT_INGEST_IMPORT_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

// A row longer than this is refused: an event serializes to at most 1 MiB
// (ledger::kMaxEventBytes); its JSON or CSV text is larger, but not twice.
inline constexpr size_t kMaxRowBytes = size_t{2} << 20;
// How much of a refused, overlong row is kept (for the rejects file).
inline constexpr size_t kOverlongRowPrefix = 4096;

// A buffered reader of a file or standard input.
class InputFile {
 public:
  // `path` "-" is standard input. kNotFound / kPermissionDenied /
  // kInvalidArgument (a directory) / kUnavailable when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<InputFile>> Open(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // The bytes available now, reading more when none are; empty at the end
  // of the input or after an error (see status()).
  absl::string_view Available();
  // Consumes `n` bytes of Available().
  void Consume(size_t n) {
    pos_ += n;
    consumed_ += n;
  }
  // A read error, if one happened (kDataLoss).
  const absl::Status& status() const { return status_; }

  const std::string& name() const { return name_; }  // the path or "<stdin>"
  bool is_stdin() const { return fd_ == 0; }
  std::optional<uint64_t> size() const { return size_; }  // regular files only
  uint64_t bytes_consumed() const { return consumed_; }
  // While *flag is false, reading from a pipe or terminal waits; once it
  // is true, Available() returns nothing and status() is kCancelled. Lets
  // the importer stop a reader blocked on a pipe. `flag` must outlive this.
  void set_cancel(const std::atomic<bool>* flag) { cancel_ = flag; }
  // Skips a UTF-8 BOM if the input starts with one; returns whether it did.
  // REQUIRES: nothing consumed yet.
  bool SkipBom();

 private:
  InputFile(int fd, std::string name, std::optional<uint64_t> size)
      : fd_(fd), name_(std::move(name)), size_(size) {}
  bool Fill();  // reads more into the buffer; false at EOF or on error
  int fd_;
  std::string name_;
  std::optional<uint64_t> size_;
  std::vector<char> buf_ = std::vector<char>(size_t{1} << 20);
  size_t pos_ = 0, end_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  absl::Status status_;
  const std::atomic<bool>* cancel_ = nullptr;
};

// One input row.
struct Row {
  uint64_t line = 0;       // first physical line, 1-based
  uint64_t last_line = 0;  // last physical line (CSV records may span lines)
  std::string raw;         // the row's exact bytes without its final line terminator
  bool blank = false;      // an empty or all-blank line: skipped, not an event
  // A row refused by the reader itself (overlong, CSV syntax): the rule.
  std::string read_error;
  uint64_t read_error_column = 0;  // 1-based byte in `raw`, 0 when not located
  // Overlong rows: `raw` holds only the first kOverlongRowPrefix bytes.
  bool truncated = false;
  uint64_t raw_bytes = 0;   // the whole row's length in bytes
  std::string raw_sha256;   // hex SHA-256 of the whole row, set when truncated
  std::vector<std::string> fields;  // CSV: the record's fields, unquoted
};

// Reads rows one at a time.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Fills *row with the next row; false at the end. Errors (fatal: the
  // import stops): kDataLoss on a read error, kInvalidArgument for input
  // that cannot be split into rows (a CSV record over kMaxRowBytes).
  virtual absl::StatusOr<bool> Next(Row* row) = 0;
  // Physical lines read so far.
  virtual uint64_t lines() const = 0;
  virtual InputFile& input() = 0;
};

// NDJSON: one row per line.
std::unique_ptr<RowSource> NewNdjsonRows(std::unique_ptr<InputFile> input);

// CSV (RFC 4180): the first record is the header, returned by header().
// Fields may be quoted ("a ""quoted"", word"), and quoted fields may hold
// commas, quotes and line breaks. Each later record is a row; a record whose
// field count differs from the header's is a row error, as are a quote
// inside an unquoted field and characters after a closing quote (the
// reader then resumes at the next line). An empty line is a blank row.
class CsvRows : public RowSource {
 public:
  // Reads the header. kInvalidArgument if the input is empty or the header
  // is malformed, names a column twice or has an empty name.
  static absl::StatusOr<std::unique_ptr<CsvRows>> Open(std::unique_ptr<InputFile> input);
  const std::vector<std::string>& header() const { return header_; }
  uint64_t header_lines() const { return header_lines_; }

  absl::StatusOr<bool> Next(Row* row) override;
  uint64_t lines() const override { return lines_; }
  InputFile& input() override { return *input_; }

 private:
  explicit CsvRows(std::unique_ptr<InputFile> input) : input_(std::move(input)) {}
  std::unique_ptr<InputFile> input_;
  std::vector<std::string> header_;
  uint64_t header_lines_ = 0;
  uint64_t lines_ = 0;
};

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_IMPORT_READER_H_
