// The ledger's high-water mark: the largest tree size (and its root) that the
// ledger has acknowledged as durable, kept in a small file OUTSIDE RocksDB
// (docs/FORMAT.md "High-water mark"), so that it does not roll back with a
// damaged, truncated, deleted or swapped write-ahead log.
//
//   <ledger>/HIGH_WATER_MARK   two 128-byte slots at offsets 0 and 512; each
//                              holds a sequence number, the storage format,
//                              SHA-256(origin), tree size and root, and a
//                              SHA-256 checksum of the slot. A write goes to
//                              the slot of the older sequence number and is
//                              fdatasynced, so a torn write leaves the other
//                              slot (the previous mark) intact.
//
// The mark only ever moves forward, and only after the records it covers are
// durable in RocksDB: a crash leaves it at most one batch behind the log,
// never ahead of it. Every open checks the log against it (ledger.cc).
//
// Thread-safety: a HighWaterMarkWriter is used by one thread at a time (the
// ledger calls it under its append mutex). Reading is stateless.
#ifndef ENFORCEMENT_LEDGER_HIGH_WATER_MARK_H_
#define ENFORCEMENT_LEDGER_HIGH_WATER_MARK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "merkle/merkle.h"

namespace ledger {

inline constexpr char kHighWaterMarkFileName[] = "HIGH_WATER_MARK";

struct HighWaterMark {
  uint32_t format_version = 0;  // the ledger's storage format, 1 or 2 (format_version key)
  merkle::Hash origin_hash{};   // SHA-256 of the log's origin line
  uint64_t tree_size = 0;
  merkle::Hash root{};          // RFC 6962 root at tree_size
  uint64_t sequence = 0;        // how many times the mark was written
};

// The encoding of one slot (128 bytes); exposed for the golden format test.
std::string EncodeHighWaterMarkSlot(const HighWaterMark& mark);
// Decodes a slot; nullopt-like kDataLoss when the magic or the checksum is
// wrong.
absl::StatusOr<HighWaterMark> DecodeHighWaterMarkSlot(absl::string_view slot);

// SHA-256 of an origin line, as the mark stores it.
merkle::Hash OriginHash(absl::string_view origin);

// Reads the newest valid slot of <ledger_dir>/HIGH_WATER_MARK. Errors:
// kNotFound when the file does not exist; kDataLoss naming the file when it
// is not a regular file, has the wrong size, or neither slot is valid;
// kUnavailable on other I/O errors. Never follows a symlink.
absl::StatusOr<HighWaterMark> ReadHighWaterMark(const std::string& ledger_dir);

// The writer's handle on the mark file. Create with Open (file must exist)
// or Create (makes a new file holding `initial`: written and fsynced under a
// temporary name and linked into place, so it is whole or absent, never
// short; kAlreadyExists if a mark is already there).
class HighWaterMarkWriter {
 public:
  static absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> Open(const std::string& ledger_dir);
  static absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> Create(const std::string& ledger_dir,
                                                                     const HighWaterMark& initial);
  ~HighWaterMarkWriter();
  HighWaterMarkWriter(const HighWaterMarkWriter&) = delete;
  HighWaterMarkWriter& operator=(const HighWaterMarkWriter&) = delete;

  // The mark as last written or read.
  const HighWaterMark& current() const { return current_; }

  // Writes (tree_size, root) into the older slot with the next sequence
  // number and fdatasyncs it. A no-op when tree_size equals the current
  // mark's. kInvalidArgument if tree_size is below the current mark (the
  // mark never moves back); kUnavailable on I/O errors (the mark on disk
  // is then the previous one or this one, never a torn mix).
  absl::Status Advance(uint64_t tree_size, const merkle::Hash& root);

 private:
  HighWaterMarkWriter(int fd, std::string path, HighWaterMark current)
      : fd_(fd), path_(std::move(path)), current_(current) {}
  absl::Status WriteSlot(const HighWaterMark& mark);
  int fd_;
  std::string path_;
  HighWaterMark current_;
};

}  // namespace ledger

#endif  // ENFORCEMENT_LEDGER_HIGH_WATER_MARK_H_
