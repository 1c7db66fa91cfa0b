// The rejects file of `ledger import --rejects FILE`: every row that could
// not be imported, unchanged, with its reason, durable before the batch that
// follows it is committed. docs/IMPORT.md states the guarantee.
//
// Format: NDJSON, one object per rejected row, fields in this order:
//   {"input":"data/x.csv","line":7,"last_line":8,
//    "row_sha256":"<hex SHA-256 of the row's bytes>",
//    "reason":"data/x.csv:7: column \"count\" (...): \"abc\" is not an integer",
//    "row":"<the row's exact text>"}
// A row that is not valid UTF-8 has "row_base64" instead of "row". A row
// too long to keep (over kMaxRowBytes) has "row_truncated":true,
// "row_bytes":N and its first 4096 bytes in "row"/"row_base64"; its
// row_sha256 is still over the whole row. `jq -r .row` gives the rows back.
// A row naming an erased subject (format 2, docs/PERSONAL_DATA.md) has
// "row_redacted":true and "row_sha256":"redacted" instead (AddRedacted).
//
// Identity and resume: an entry is keyed by (line, row_sha256). Open()
// reads the entries already in the file, so that a re-run of the same
// command skips rows whose fate is already recorded and never writes an
// entry twice. A torn last entry (the process was killed while writing
// it, before its fsync) is cut off and written again.
//
// Thread-compatible: used by the importer's committing thread only.
#ifndef ENFORCEMENT_INGEST_IMPORT_REJECTS_H_
#define ENFORCEMENT_INGEST_IMPORT_REJECTS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "util/output_file.h"
#include "ingest/import_reader.h"

namespace ingest {

class RejectsFile {
 public:
  // Opens or creates `path` for the rejects of input `input_name`, under
  // the output-file policy (ledger::OpenOutputInPlace with `rules`, which
  // name the import's input and mapping): a symlink, a device, a FIFO, a
  // file inside a ledger directory or the input itself (by device and
  // inode) is kFailedPrecondition, untouched. Then the content must be
  // rejects entries, the last one possibly torn (a prefix of an entry,
  // which starts with {"input":, without its line end): anything else is
  // kInvalidArgument ("not a rejects file"), and the file is left exactly as
  // it was. kUnavailable/kPermissionDenied on I/O problems.
  static absl::StatusOr<std::unique_ptr<RejectsFile>> Open(const std::string& path,
                                                           const std::string& input_name,
                                                           const ledger::OutputRules& rules);
  ~RejectsFile();
  RejectsFile(const RejectsFile&) = delete;
  RejectsFile& operator=(const RejectsFile&) = delete;

  // The key of a row: its hex SHA-256 (over the whole row, even when
  // truncated).
  static std::string RowHash(const Row& row);

  // Whether a row (first line, hash) is already recorded.
  bool Contains(uint64_t line, absl::string_view row_sha256) const;
  // Whether any entry at all starts at `line` (cheap pre-check).
  bool HasLine(uint64_t line) const { return !entries_.empty() && entries_.contains(line); }

  // Buffers an entry for `row`; a no-op if it is already recorded.
  void Add(const Row& row, absl::string_view reason);
  // Format 2: an entry for a row that names a subject whose personal data
  // was erased: neither the row nor its hash (a hash of a row can be
  // matched against guesses of the name) is kept: "row_redacted":true,
  // "row_sha256":"redacted", and `reason` must hold no value of the row. A
  // re-run treats every row at that line as recorded.
  void AddRedacted(const Row& row, absl::string_view reason);
  // Writes the buffered entries and fsyncs the file (and, the first time,
  // its directory). Nothing is buffered afterwards.
  absl::Status Sync();

  const std::string& path() const { return path_; }
  uint64_t entries_at_open() const { return entries_at_open_; }
  uint64_t added() const { return added_; }

 private:
  RejectsFile(int fd, std::string path, std::string input_name)
      : fd_(fd), path_(std::move(path)), input_name_(std::move(input_name)) {}
  int fd_;
  std::string path_;
  std::string input_name_;
  absl::flat_hash_map<uint64_t, absl::flat_hash_set<std::string>> entries_;
  std::string pending_;
  uint64_t entries_at_open_ = 0;
  uint64_t added_ = 0;
  bool dir_synced_ = false;
};

}  // namespace ingest

#endif  // ENFORCEMENT_INGEST_IMPORT_REJECTS_H_
