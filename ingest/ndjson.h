// NDJSON input and output for the `ledger` CLI: a streaming line reader
// (constant memory: one line at a time) and the parse of one line into an
// enforcement.v1.Event, in the canonical proto3 JSON mapping (SPEC §2), with
// unknown fields refused. Also the canonical JSON of a record for output.
//
// Thread-compatible.
#ifndef ENFORCEMENT_INGEST_NDJSON_H_
#define ENFORCEMENT_INGEST_NDJSON_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"
#include "util/utf8.h"
#include "google/protobuf/message.h"

namespace ingest {

// A line longer than this is refused (an event serializes to at most 1 MiB;
// its JSON is larger, but not 16 times larger).
inline constexpr size_t kMaxLineBytes = size_t{16} << 20;

// Reads lines from a file or standard input, one at a time.
class LineReader {
 public:
  // `path` "-" means standard input. kNotFound / kPermissionDenied /
  // kInvalidArgument (a directory) when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line into *line without its terminator ("\n" or "\r\n").
  // Returns false at the end of the input. Errors: kInvalidArgument for a
  // line longer than kMaxLineBytes, kDataLoss for a read error.
  absl::StatusOr<bool> Next(std::string* line);

  // The 1-based number of the line last returned (0 before the first).
  uint64_t line_number() const { return line_number_; }
  // Bytes consumed so far, terminators included.
  uint64_t bytes_read() const { return bytes_read_; }
  // The size of a regular file; nullopt for a pipe, FIFO or terminal.
  std::optional<uint64_t> size() const { return size_; }
  // The path, or "<stdin>"; for messages ("<name>:<line>: ...").
  const std::string& name() const { return name_; }
  bool is_stdin() const { return owned_ == false; }

 private:
  LineReader(FILE* f, bool owned, std::string name, std::optional<uint64_t> size)
      : f_(f), owned_(owned), name_(std::move(name)), size_(size) {}
  FILE* f_;
  bool owned_;
  std::string name_;
  std::optional<uint64_t> size_;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  uint64_t line_number_ = 0;
  uint64_t bytes_read_ = 0;
};

// True for an empty line or one of only spaces and tabs (skipped in NDJSON).
bool IsBlankLine(absl::string_view line);

using ::util::FindInvalidUtf8;  // util/utf8.h

// Parses one NDJSON line as an Event (canonical proto3 JSON; field names in
// lowerCamelCase or as in the .proto; unknown fields are an error). Errors
// are kInvalidArgument; the message has no file:line (the caller adds it),
// e.g. "not valid UTF-8 at byte 17" or "invalid JSON for
// enforcement.v1.Event: <protobuf's message>".
// `text` with every control character (C0, DEL) written as \xNN, so that
// input quoted in an error message can never forge lines or send terminal
// escape sequences. Other bytes, UTF-8 included, are kept.
std::string EscapeControlCharacters(absl::string_view text);

absl::Status ParseEventLine(absl::string_view line, enforcement::v1::Event* event);

// The canonical proto3 JSON of `message` on one line (lowerCamelCase field
// names, default values omitted), as written by `read --json` and
// `export --format ndjson`.
absl::StatusOr<std::string> ToCanonicalJson(const google::protobuf::Message& message);

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_NDJSON_H_
