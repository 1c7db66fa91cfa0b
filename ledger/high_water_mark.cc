#include "ledger/high_water_mark.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "util/file_io.h"
#include "ledger/key_coding.h"

namespace ledger {
namespace {

// Slot layout (docs/FORMAT.md "High-water mark"), all integers big-endian:
//   0  magic "LEDGRHWM"        8
//   8  format_version u32      4
//  12  reserved u32 (0)        4
//  16  sequence u64            8
//  24  tree_size u64           8
//  32  root                   32
//  64  SHA-256(origin)        32
//  96  SHA-256(bytes 0..96)   32
constexpr char kMagic[] = "LEDGRHWM";
constexpr size_t kSlotBytes = 128;
constexpr size_t kChecksummed = 96;
constexpr off_t kSlotOffset[2] = {0, 512};
constexpr size_t kFileBytes = 512 + kSlotBytes;

void PutU32BE(std::string* dst, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) dst->push_back(static_cast<char>(v >> shift));
}

uint32_t DecodeU32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

merkle::Hash Sha256(absl::string_view bytes) {
  merkle::Hash h;
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), h.data());
  return h;
}

void AppendHash(std::string* dst, const merkle::Hash& h) {
  dst->append(reinterpret_cast<const char*>(h.data()), h.size());
}

merkle::Hash HashAt(const char* p) {
  merkle::Hash h;
  std::memcpy(h.data(), p, h.size());
  return h;
}

absl::Status PreadAll(int fd, char* buf, size_t n, off_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, offset + static_cast<off_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", path);
    }
    if (r == 0) return absl::DataLossError(absl::StrCat(path, " is shorter than ", kFileBytes,
                                                        " bytes: the high-water mark is damaged"));
    done += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

// Reads both slots of the open file `fd` and returns the valid one with the
// larger sequence number.
absl::StatusOr<HighWaterMark> ReadSlots(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::DataLossError(absl::StrCat(path, " is not a regular file"));
  }
  if (st.st_size != static_cast<off_t>(kFileBytes)) {
    return absl::DataLossError(absl::StrCat(path, " has ", st.st_size, " bytes, not ", kFileBytes,
                                            ": the high-water mark is damaged"));
  }
  char buf[kFileBytes];
  if (absl::Status s = PreadAll(fd, buf, kFileBytes, 0, path); !s.ok()) return s;
  absl::StatusOr<HighWaterMark> best = absl::DataLossError("");
  std::string why;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<HighWaterMark> m =
        DecodeHighWaterMarkSlot(absl::string_view(buf + kSlotOffset[i], kSlotBytes));
    if (!m.ok()) {
      absl::StrAppend(&why, why.empty() ? "" : "; ", "slot ", i, ": ", m.status().message());
      continue;
    }
    if (!best.ok() || m->sequence > best->sequence) best = *m;
  }
  if (!best.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": neither slot of the high-water mark is valid (", why, ")"));
  }
  return best;
}

}  // namespace

merkle::Hash OriginHash(absl::string_view origin) { return Sha256(origin); }

std::string EncodeHighWaterMarkSlot(const HighWaterMark& mark) {
  std::string out;
  out.reserve(kSlotBytes);
  out.append(kMagic, 8);
  PutU32BE(&out, mark.format_version);
  PutU32BE(&out, 0);
  PutFixed64BE(&out, mark.sequence);
  PutFixed64BE(&out, mark.tree_size);
  AppendHash(&out, mark.root);
  AppendHash(&out, mark.origin_hash);
  AppendHash(&out, Sha256(out));
  return out;
}

absl::StatusOr<HighWaterMark> DecodeHighWaterMarkSlot(absl::string_view slot) {
  if (slot.size() != kSlotBytes) return absl::DataLossError("wrong size");
  if (slot.substr(0, 8) != absl::string_view(kMagic, 8)) return absl::DataLossError("bad magic");
  if (Sha256(slot.substr(0, kChecksummed)) != HashAt(slot.data() + kChecksummed)) {
    return absl::DataLossError("checksum mismatch");
  }
  HighWaterMark m;
  m.format_version = DecodeU32BE(slot.data() + 8);
  m.sequence = DecodeFixed64BE(slot.data() + 16);
  m.tree_size = DecodeFixed64BE(slot.data() + 24);
  m.root = HashAt(slot.data() + 32);
  m.origin_hash = HashAt(slot.data() + 64);
  return m;
}

// Opens the mark file at `path` with `mode` (O_RDONLY or O_RDWR), never
// through a symlink and never blocking on a FIFO.
static absl::StatusOr<int> OpenMarkFile(const std::string& path, int mode) {
  const int fd = ::open(path.c_str(), mode | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd >= 0) return fd;
  if (errno == ELOOP) return absl::DataLossError(absl::StrCat(path, " is a symbolic link"));
  return ErrnoStatus("cannot open", path);
}

absl::StatusOr<HighWaterMark> ReadHighWaterMark(const std::string& ledger_dir) {
  const std::string path = absl::StrCat(ledger_dir, "/", kHighWaterMarkFileName);
  absl::StatusOr<int> opened = OpenMarkFile(path, O_RDONLY);
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  absl::StatusOr<HighWaterMark> m = ReadSlots(fd, path);
  ::close(fd);
  return m;
}

absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> HighWaterMarkWriter::Open(
    const std::string& ledger_dir) {
  const std::string path = absl::StrCat(ledger_dir, "/", kHighWaterMarkFileName);
  absl::StatusOr<int> opened = OpenMarkFile(path, O_RDWR);
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  absl::StatusOr<HighWaterMark> m = ReadSlots(fd, path);
  if (!m.ok()) {
    ::close(fd);
    return m.status();
  }
  return std::unique_ptr<HighWaterMarkWriter>(new HighWaterMarkWriter(fd, path, *m));
}

absl::StatusOr<std::unique_ptr<HighWaterMarkWriter>> HighWaterMarkWriter::Create(
    const std::string& ledger_dir, const HighWaterMark& initial) {
  const std::string path = absl::StrCat(ledger_dir, "/", kHighWaterMarkFileName);
  // Whole or not at all: written and synced under a temporary name, then
  // linked to its name (link(2) fails rather than replace a file), so that a
  // crash or a full disk never leaves a short mark that would refuse every
  // later open.
  HighWaterMark m = initial;
  std::string bytes(kFileBytes, '\0');
  m.sequence = 0;
  bytes.replace(kSlotOffset[0], kSlotBytes, EncodeHighWaterMarkSlot(m));
  m.sequence = 1;
  bytes.replace(kSlotOffset[1], kSlotBytes, EncodeHighWaterMarkSlot(m));
  if (absl::Status s = CreateFileWhole(path, bytes, 0644); !s.ok()) return s;
  if (absl::Status d = SyncDir(ledger_dir); !d.ok()) return d;
  absl::StatusOr<int> fd = OpenMarkFile(path, O_RDWR);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<HighWaterMarkWriter>(new HighWaterMarkWriter(*fd, path, m));
}

HighWaterMarkWriter::~HighWaterMarkWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status HighWaterMarkWriter::WriteSlot(const HighWaterMark& mark) {
  const std::string slot = EncodeHighWaterMarkSlot(mark);
  const off_t offset = kSlotOffset[mark.sequence % 2];
  size_t done = 0;
  while (done < slot.size()) {
    const ssize_t n = ::pwrite(fd_, slot.data() + done, slot.size() - done,
                               offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write the high-water mark", path_);
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot sync the high-water mark", path_);
  return absl::OkStatus();
}

absl::Status HighWaterMarkWriter::Advance(uint64_t tree_size, const merkle::Hash& root) {
  if (tree_size == current_.tree_size) return absl::OkStatus();
  if (tree_size < current_.tree_size) {
    return absl::InvalidArgumentError(absl::StrCat("the high-water mark never moves back (from ",
                                                   current_.tree_size, " to ", tree_size, ")"));
  }
  HighWaterMark next = current_;
  next.tree_size = tree_size;
  next.root = root;
  next.sequence = current_.sequence + 1;
  if (absl::Status s = WriteSlot(next); !s.ok()) return s;
  current_ = next;
  return absl::OkStatus();
}

}  // namespace ledger
