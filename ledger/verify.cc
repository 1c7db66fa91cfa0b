// Ledger::Verify: recomputes everything derivable from the stored record
// bytes and compares it with what is stored (docs/FORMAT.md, "Verification").
//
// Two passes, so that a ledger that is intact is checked fast and a ledger
// that is not gets an exact report:
//
//  1. The fast pass (FastVerifier) makes every check on two threads over one
//     consistent snapshot. A reader thread scans the records family and hands
//     the stored values over in batches with their leaf hashes; the calling
//     thread checks each record (it parses, it carries its position,
//     recorded_at never decreases), adds it to the tree, and adds the index
//     entries the record implies to multiset digests. Whichever thread is
//     free then scans the merkle, streams, event_ids and retracted families
//     into digests of what is stored (the stream scan also checks the order
//     of versions).
//     Stored and implied sets are then compared: the merkle family must hold
//     exactly the nodes the records complete (no node missing, different or
//     extra), each index exactly the entries the records imply, the head the
//     recomputed root, and no record may lie past the head.
//  2. Only when the fast pass finds anything, the lookup pass
//     (VerifyByLookups, one sequential iterator per Merkle level and point
//     lookups into the indexes) runs to name the first position that differs
//     and what differs.
//
// Where the time goes is in docs/PERFORMANCE.md ("Proofs and verify"). Two
// choices make the fast pass cheap without weakening it:
//  - Parsing. A record "parses" when protobuf's parser accepts its bytes. A
//    conservative wire-format checker driven by the LedgerRecord descriptor
//    (WireSchema) accepts only what protobuf certainly accepts (known fields
//    with their declared wire types, complete varints, lengths in bounds,
//    valid UTF-8 in string fields, nested messages recursively); anything
//    else -- unknown or repeated fields, groups, deep nesting, bad bytes --
//    goes to protobuf's own ParseFromString, which decides. The few fields
//    verify needs are read straight from the bytes.
//  - Digests. The multiset digests are the lane-wise sums of two
//    independently keyed 64-bit hashes (a wyhash-style multiply-mix) of each
//    entry, with keys drawn from the OS's CSPRNG at every run, instead of
//    SHA-256: an index digest only has to notice entries that differ from
//    what the records imply. Tamper evidence is the Merkle tree's job; the
//    index entries are not part of it, and an adversary who does not know
//    this run's keys cannot make two different sets sum alike.
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "ledger/record_coding.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

// ===========================================================================
// Multiset digests.

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
// The 128-bit product of a and b, folded to 64 bits.
inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A keyed 64-bit hash in the shape of wyhash (final version): 16 bytes per
// multiply, the length folded in. Not a cryptographic hash; see the top of
// this file for why it does not need to be one.
struct HashKey {
  uint64_t seed, s0, s1;
};
uint64_t KeyedHash(const HashKey& k, const char* p, size_t len) {
  uint64_t seed = k.seed ^ Mix(k.seed ^ k.s0, k.s1);
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      a = (Load32(p) << 32) | Load32(p + ((len >> 3) << 2));
      b = (Load32(p + len - 4) << 32) | Load32(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
          (static_cast<uint64_t>(static_cast<uint8_t>(p[len >> 1])) << 8) |
          static_cast<uint8_t>(p[len - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    while (i > 16) {
      seed = Mix(Load64(p) ^ k.s1, Load64(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = Load64(p + i - 16);
    b = Load64(p + i - 8);
  }
  a ^= k.s1;
  b ^= seed;
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  a = static_cast<uint64_t>(r);
  b = static_cast<uint64_t>(r >> 64);
  return Mix(a ^ k.s0 ^ len, b ^ k.s1);
}

// Keys of the two lanes, fresh for every verification.
struct DigestKeys {
  HashKey lane[2];
};
absl::StatusOr<DigestKeys> RandomDigestKeys() {
  DigestKeys k;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&k), sizeof(k)) != 1) {
    return absl::InternalError("OpenSSL could not draw random digest keys");
  }
  return k;
}

// A multiset of (key, value) entries, order-independent: the lane-wise sum
// (mod 2^64) of each entry's two keyed hashes, and the count. An entry is
// hashed as length(key) (8 bytes) || key || value: unambiguous framing.
class MultisetDigest {
 public:
  explicit MultisetDigest(const DigestKeys& keys) : keys_(keys) {}
  void Add(absl::string_view key, absl::string_view value) {
    scratch_.clear();
    const uint64_t klen = key.size();
    scratch_.append(reinterpret_cast<const char*>(&klen), sizeof(klen));
    scratch_.append(key.data(), key.size());
    scratch_.append(value.data(), value.size());
    for (int i = 0; i < 2; ++i) {
      sums_[i] += KeyedHash(keys_.lane[i], scratch_.data(), scratch_.size());
    }
    ++count_;
  }
  bool operator==(const MultisetDigest& o) const { return sums_ == o.sums_ && count_ == o.count_; }
  uint64_t count() const { return count_; }

 private:
  DigestKeys keys_;
  std::array<uint64_t, 2> sums_{};
  uint64_t count_ = 0;
  std::string scratch_;
};

// ===========================================================================
// The conservative wire-format checker.

class WireSchema {
 public:
  // The schema of LedgerRecord and every message it contains, built once.
  static const WireSchema& ForLedgerRecord() {
    static const WireSchema* const kSchema = new WireSchema(LedgerRecord::descriptor());
    return *kSchema;
  }
  // True only when protobuf's parser certainly accepts `bytes` as a
  // LedgerRecord. False means "not sure": ask protobuf.
  bool CertainlyParses(absl::string_view bytes) const {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    return Check(0, p, p + bytes.size(), 0);
  }

 private:
  enum Kind : uint8_t { kNone = 0, kVarint, kFixed64, kFixed32, kBytes, kString, kMessage };
  struct Field {
    Kind kind = kNone;
    bool repeated = false;
    int message = -1;  // for kMessage: index into messages_
  };
  struct Message {
    std::vector<Field> fields;  // by field number; kNone where none is declared
  };
  static constexpr int kMaxDepth = 64;     // protobuf's own limit is 100
  static constexpr int kMaxNumber = 1024;  // larger field numbers: not sure

  explicit WireSchema(const google::protobuf::Descriptor* root) {
    absl::flat_hash_map<const google::protobuf::Descriptor*, int> ids;
    Build(root, &ids);
  }

  int Build(const google::protobuf::Descriptor* d,
            absl::flat_hash_map<const google::protobuf::Descriptor*, int>* ids) {
    using google::protobuf::FieldDescriptor;
    if (auto it = ids->find(d); it != ids->end()) return it->second;
    const int id = static_cast<int>(messages_.size());
    messages_.emplace_back();
    (*ids)[d] = id;
    if (d->file()->syntax() != google::protobuf::FileDescriptor::SYNTAX_PROTO3) {
      return id;  // no fields known: every occurrence is "not sure"
    }
    int max_number = 0;
    for (int i = 0; i < d->field_count(); ++i) {
      max_number = std::max(max_number, d->field(i)->number());
    }
    if (max_number > kMaxNumber) return id;
    std::vector<Field> fields(max_number + 1);
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      Field& x = fields[f->number()];
      x.repeated = f->is_repeated();
      switch (f->type()) {
        case FieldDescriptor::TYPE_INT32:
        case FieldDescriptor::TYPE_INT64:
        case FieldDescriptor::TYPE_UINT32:
        case FieldDescriptor::TYPE_UINT64:
        case FieldDescriptor::TYPE_SINT32:
        case FieldDescriptor::TYPE_SINT64:
        case FieldDescriptor::TYPE_BOOL:
        case FieldDescriptor::TYPE_ENUM:
          x.kind = kVarint;
          break;
        case FieldDescriptor::TYPE_FIXED64:
        case FieldDescriptor::TYPE_SFIXED64:
        case FieldDescriptor::TYPE_DOUBLE:
          x.kind = kFixed64;
          break;
        case FieldDescriptor::TYPE_FIXED32:
        case FieldDescriptor::TYPE_SFIXED32:
        case FieldDescriptor::TYPE_FLOAT:
          x.kind = kFixed32;
          break;
        case FieldDescriptor::TYPE_STRING:
          x.kind = kString;
          break;
        case FieldDescriptor::TYPE_BYTES:
          x.kind = kBytes;
          break;
        case FieldDescriptor::TYPE_MESSAGE: {
          const int sub = Build(f->message_type(), ids);  // may grow messages_
          fields[f->number()].kind = kMessage;
          fields[f->number()].message = sub;
          break;
        }
        default:  // groups
          x.kind = kNone;
      }
    }
    messages_[id].fields = std::move(fields);
    return id;
  }

  // A varint of at most `max_bytes` bytes; the last byte of a 10-byte one
  // must be 0 or 1 (no overflow). Minimal encoding is not required (protobuf
  // accepts padded varints).
  static bool ReadVarint(const uint8_t** p, const uint8_t* end, int max_bytes, uint64_t* v) {
    uint64_t r = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (*p == end) return false;
      const uint8_t b = *(*p)++;
      r |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (b < 0x80) {
        if (i == 9 && b > 1) return false;
        *v = r;
        return true;
      }
    }
    return false;
  }

  // protobuf's own UTF-8 check, after a fast path for ASCII (most strings).
  static bool IsValidUtf8(const uint8_t* p, uint64_t len) {
    uint64_t i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) != 0) break;
    }
    for (; i < len; ++i) {
      if (p[i] >= 0x80) {
        return google::protobuf::internal::IsStructurallyValidUTF8(
            reinterpret_cast<const char*>(p + i), static_cast<int>(len - i));
      }
    }
    return true;
  }

  bool Check(int m, const uint8_t* p, const uint8_t* end, int depth) const {
    const std::vector<Field>& fields = messages_[m].fields;
    while (p < end) {
      const uint8_t* tag_start = p;
      uint64_t tag;
      if (!ReadVarint(&p, end, 5, &tag) || tag > 0xffffffffu) return false;
      if (p - tag_start > 1 && p[-1] == 0) return false;  // a padded tag: let protobuf judge
      const uint64_t number = tag >> 3;
      const int wire_type = static_cast<int>(tag & 7);
      if (number == 0 || number >= fields.size()) return false;
      const Field& f = fields[number];
      uint64_t v;
      switch (wire_type) {
        case 0:
          if (f.kind != kVarint || !ReadVarint(&p, end, 10, &v)) return false;
          break;
        case 1:
          if (f.kind != kFixed64 || end - p < 8) return false;
          p += 8;
          break;
        case 5:
          if (f.kind != kFixed32 || end - p < 4) return false;
          p += 4;
          break;
        case 2: {
          uint64_t len;
          if (!ReadVarint(&p, end, 5, &len) || len > static_cast<uint64_t>(end - p) ||
              len > 0x7fffffffu) {
            return false;
          }
          const uint8_t* body = p;
          p += len;
          switch (f.kind) {
            case kBytes:
              break;
            case kString:
              if (!IsValidUtf8(body, len)) return false;
              break;
            case kMessage:
              if (depth + 1 >= kMaxDepth || !Check(f.message, body, p, depth + 1)) return false;
              break;
            case kVarint:  // packed
              if (!f.repeated) return false;
              while (body < p) {
                if (!ReadVarint(&body, p, 10, &v)) return false;
              }
              break;
            case kFixed64:
              if (!f.repeated || len % 8 != 0) return false;
              break;
            case kFixed32:
              if (!f.repeated || len % 4 != 0) return false;
              break;
            default:
              return false;
          }
          break;
        }
        default:  // groups (3, 4) and invalid wire types (6, 7)
          return false;
      }
    }
    return p == end;
  }

  std::vector<Message> messages_;
};

// ===========================================================================
// The fields of a record that verify needs.

struct RecordFields {
  uint64_t position = 0;
  int64_t recorded_seconds = 0;
  int32_t recorded_nanos = 0;
  uint64_t stream_version = 0;
  absl::string_view event_id, stream;
  bool retraction = false;
  absl::string_view retraction_target;
};

// Reads the length-delimited body at *p; false if malformed.
bool ReadDelimited(const uint8_t** p, const uint8_t* end, absl::string_view* out) {
  uint64_t len = 0;
  for (int i = 0; i < 5; ++i) {
    if (*p == end) return false;
    const uint8_t b = *(*p)++;
    len |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      if (len > static_cast<uint64_t>(end - *p)) return false;
      *out = absl::string_view(reinterpret_cast<const char*>(*p), len);
      *p += len;
      return true;
    }
  }
  return false;
}

bool ReadVarint64(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t r = 0;
  for (int i = 0; i < 10; ++i) {
    if (*p == end) return false;
    const uint8_t b = *(*p)++;
    r |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *v = r;
      return true;
    }
  }
  return false;
}

// Skips a field of wire type 0, 1, 2 or 5.
bool SkipField(int wire_type, const uint8_t** p, const uint8_t* end) {
  uint64_t v;
  absl::string_view s;
  switch (wire_type) {
    case 0:
      return ReadVarint64(p, end, &v);
    case 1:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case 5:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    case 2:
      return ReadDelimited(p, end, &s);
    default:
      return false;
  }
}

// Field numbers the fast reader needs, from the descriptors (so that a new
// body kind is known as one without touching this file).
struct FieldNumbers {
  std::array<bool, 64> body{};  // Event's oneof body members, by number
  int retraction = 0;           // Event.retraction
  bool ok = false;              // the layout is the one ReadFieldsFast expects

  static const FieldNumbers& Get() {
    static const FieldNumbers* const kNumbers = [] {
      auto* n = new FieldNumbers();
      const google::protobuf::Descriptor* r = LedgerRecord::descriptor();
      const google::protobuf::Descriptor* e = Event::descriptor();
      const google::protobuf::OneofDescriptor* body = e->FindOneofByName("body");
      const google::protobuf::FieldDescriptor* retraction = e->FindFieldByName("retraction");
      bool ok = body != nullptr && retraction != nullptr &&
                r->FindFieldByNumber(1)->name() == "position" &&
                r->FindFieldByNumber(2)->name() == "recorded_at" &&
                r->FindFieldByNumber(3)->name() == "stream_version" &&
                r->FindFieldByNumber(4)->name() == "event" &&
                e->FindFieldByNumber(1)->name() == "event_id" &&
                e->FindFieldByNumber(2)->name() == "stream" &&
                retraction->message_type()->FindFieldByNumber(1)->name() == "target_event_id";
      for (int i = 0; ok && i < body->field_count(); ++i) {
        const int number = body->field(i)->number();
        if (number < 3 || number >= static_cast<int>(n->body.size())) {
          ok = false;
        } else {
          n->body[number] = true;
        }
      }
      n->retraction = ok ? retraction->number() : 0;
      n->ok = ok;
      return n;
    }();
    return *kNumbers;
  }
};

// The fields of a record whose bytes WireSchema accepted, read without
// building the message. False ("not sure") when a field verify reads occurs
// more than once or with another wire type (protobuf's last-one-wins and
// merge rules then apply), or when the event has more than one body field.
bool ReadFieldsFast(absl::string_view bytes, RecordFields* out) {
  const FieldNumbers& numbers = FieldNumbers::Get();
  if (!numbers.ok) return false;
  *out = RecordFields();
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* end = p + bytes.size();
  int seen_record = 0;  // bit per field number 1..4
  absl::string_view recorded, event;
  while (p < end) {
    uint64_t tag;
    if (!ReadVarint64(&p, end, &tag)) return false;
    const uint64_t number = tag >> 3;
    const int wt = static_cast<int>(tag & 7);
    if (number >= 1 && number <= 4) {
      if (seen_record & (1 << number)) return false;
      seen_record |= 1 << number;
    }
    if (number == 1 && wt == 0) {
      if (!ReadVarint64(&p, end, &out->position)) return false;
    } else if (number == 2 && wt == 2) {
      if (!ReadDelimited(&p, end, &recorded)) return false;
    } else if (number == 3 && wt == 0) {
      if (!ReadVarint64(&p, end, &out->stream_version)) return false;
    } else if (number == 4 && wt == 2) {
      if (!ReadDelimited(&p, end, &event)) return false;
    } else {
      return false;
    }
  }
  // google.protobuf.Timestamp: int64 seconds = 1, int32 nanos = 2.
  {
    const auto* q = reinterpret_cast<const uint8_t*>(recorded.data());
    const uint8_t* qend = q + recorded.size();
    int seen = 0;
    while (q < qend) {
      uint64_t tag, v;
      if (!ReadVarint64(&q, qend, &tag)) return false;
      const uint64_t number = tag >> 3;
      if ((number != 1 && number != 2) || (tag & 7) != 0 || (seen & (1 << number))) return false;
      seen |= 1 << number;
      if (!ReadVarint64(&q, qend, &v)) return false;
      if (number == 1) {
        out->recorded_seconds = static_cast<int64_t>(v);
      } else {
        out->recorded_nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
      }
    }
  }
  // Event: event_id = 1, stream = 2, the body oneof, retraction among it.
  {
    const auto* q = reinterpret_cast<const uint8_t*>(event.data());
    const uint8_t* qend = q + event.size();
    bool have_id = false, have_stream = false, have_body = false;
    absl::string_view retraction;
    while (q < qend) {
      uint64_t tag;
      if (!ReadVarint64(&q, qend, &tag)) return false;
      const uint64_t number = tag >> 3;
      const int wt = static_cast<int>(tag & 7);
      const bool is_body = number < numbers.body.size() && numbers.body[number];
      if (number == 1 || number == 2 || is_body) {
        if (wt != 2) return false;
        absl::string_view s;
        if (!ReadDelimited(&q, qend, &s)) return false;
        if (number == 1) {
          if (have_id) return false;
          have_id = true;
          out->event_id = s;
        } else if (number == 2) {
          if (have_stream) return false;
          have_stream = true;
          out->stream = s;
        } else {
          if (have_body) return false;
          have_body = true;
          if (static_cast<int>(number) == numbers.retraction) {
            out->retraction = true;
            retraction = s;
          }
        }
      } else if (!SkipField(wt, &q, qend)) {
        return false;
      }
    }
    // Retraction: target_event_id = 1.
    const auto* r = reinterpret_cast<const uint8_t*>(retraction.data());
    const uint8_t* rend = r + retraction.size();
    bool have_target = false;
    while (r < rend) {
      uint64_t tag;
      if (!ReadVarint64(&r, rend, &tag)) return false;
      const int wt = static_cast<int>(tag & 7);
      if ((tag >> 3) == 1) {
        if (wt != 2 || have_target) return false;
        have_target = true;
        if (!ReadDelimited(&r, rend, &out->retraction_target)) return false;
      } else if (!SkipField(wt, &r, rend)) {
        return false;
      }
    }
  }
  return true;
}

// The fields of any record bytes: the fast path when it is sure, otherwise
// protobuf's parser (`scratch` holds the parse; the views point into it).
// False when the bytes do not parse.
bool ReadRecordFields(absl::string_view bytes, LedgerRecord* scratch, RecordFields* out) {
  if (WireSchema::ForLedgerRecord().CertainlyParses(bytes) && ReadFieldsFast(bytes, out)) {
    return true;
  }
  if (!scratch->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  out->position = scratch->position();
  out->recorded_seconds = scratch->recorded_at().seconds();
  out->recorded_nanos = scratch->recorded_at().nanos();
  out->stream_version = scratch->stream_version();
  out->event_id = scratch->event().event_id();
  out->stream = scratch->event().stream();
  out->retraction = scratch->event().body_case() == Event::kRetraction;
  out->retraction_target = scratch->event().retraction().target_event_id();
  return true;
}

// The column families verify reads (Ledger::Impl is private to Ledger, so
// Verify hands these over).
struct Store {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids = nullptr;
  rocksdb::ColumnFamilyHandle* merkle = nullptr;
  rocksdb::ColumnFamilyHandle* retracted = nullptr;
  const RocksLogCapture* log_capture = nullptr;  // may be null
};

// ===========================================================================
// The fast pass.

// Stored record values handed from the reader thread to the checker.
struct Batch {
  uint64_t first_position = 0;
  std::string data;                  // the values, back to back
  std::vector<uint32_t> ends;        // end offset of each value in data
  std::vector<merkle::Hash> leaves;  // LeafHash of each value's record bytes
};

// A bounded hand-over of batches, recycling their buffers.
class BatchQueue {
 public:
  static constexpr size_t kBatches = 4;
  BatchQueue() {
    for (size_t i = 0; i < kBatches; ++i) free_.push_back(std::make_unique<Batch>());
  }
  // Reader side.
  std::unique_ptr<Batch> TakeFree() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !free_.empty() || closed_; });
    if (free_.empty()) return nullptr;
    auto b = std::move(free_.front());
    free_.pop_front();
    return b;
  }
  void PushFull(std::unique_ptr<Batch> b) {
    std::lock_guard<std::mutex> l(mu_);
    full_.push_back(std::move(b));
    cv_.notify_all();
  }
  void FinishWriting() {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
    cv_.notify_all();
  }
  // Checker side: the next batch, or nullptr when the reader is done.
  std::unique_ptr<Batch> TakeFull() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    auto b = std::move(full_.front());
    full_.pop_front();
    return b;
  }
  void GiveBack(std::unique_ptr<Batch> b) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(b));
    cv_.notify_all();
  }
  // Stops the reader (it gets no more free batches).
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    free_.clear();
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> free_, full_;
  bool done_ = false, closed_ = false;
};

// What the fast pass found: nothing (ok), a difference it describes, or an
// error that stopped it.
struct FastFinding {
  bool ok = true;
  absl::Status error;                // set when reading failed
  std::optional<uint64_t> position;  // when tied to a record
  std::string problem;
};

class FastVerifier {
 public:
  FastVerifier(const Store& st, const Head& head, const rocksdb::Snapshot* snapshot,
               const DigestKeys& keys, const std::function<void(uint64_t, uint64_t)>& progress)
      : st_(st),
        head_(head),
        snapshot_(snapshot),
        progress_(progress),
        merkle_expected_(keys),
        streams_expected_(keys),
        ids_expected_(keys),
        retracted_expected_(keys),
        merkle_stored_(keys),
        streams_stored_(keys),
        ids_stored_(keys),
        retracted_stored_(keys) {}

  // Runs both threads; returns what was found and fills *root.
  FastFinding Run(merkle::Hash* root) {
    std::thread reader([this] {
      ReadRecords();
      RunFamilyTasks();
    });
    CheckRecords();
    RunFamilyTasks();
    reader.join();
    *root = range_.Root();
    return Compare();
  }

  uint64_t records_checked() const { return checked_; }

 private:
  enum Task { kMerkleTask = 0, kStreamsTask, kEventIdsTask, kRetractedTask, kNumTasks };

  rocksdb::ReadOptions ScanOptions() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.readahead_size = 4 << 20;
    ro.fill_cache = false;  // one pass over everything: keep the cache for others
    return ro;
  }

  // Records a finding (the first one wins) and stops both threads.
  void Found(std::optional<uint64_t> position, std::string problem) {
    std::lock_guard<std::mutex> l(finding_mu_);
    if (finding_.ok) {
      finding_.ok = false;
      finding_.position = position;
      finding_.problem = std::move(problem);
    }
    stop_.store(true);
    queue_.Close();
  }
  void FoundError(absl::Status s) {
    {
      std::lock_guard<std::mutex> l(finding_mu_);
      if (finding_.ok) {
        finding_.ok = false;
        finding_.error = std::move(s);
      }
    }
    stop_.store(true);
    queue_.Close();
  }

  // Reader thread: the records family in key order, values in batches.
  void ReadRecords() {
    constexpr size_t kBatchBytes = 1 << 20;
    constexpr size_t kBatchRecords = 4096;
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), st_.records));
    std::unique_ptr<Batch> batch;
    uint64_t expect = 0;
    for (it->SeekToFirst(); it->Valid() && !stop_.load(std::memory_order_relaxed); it->Next()) {
      if (it->key().size() != 8) {
        Found(expect,
              absl::StrCat("records key of ", it->key().size(), " bytes after position ", expect));
        break;
      }
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      if (pos != expect || pos >= head_.tree_size) {
        Found(std::min(expect, head_.tree_size),
              expect >= head_.tree_size
                  ? std::string("a record is stored past the head")
                  : MissingRecordText(expect, absl::StrCat("next stored is ", pos), *it,
                                      st_.log_capture));
        break;
      }
      if (!batch) {
        batch = queue_.TakeFree();
        if (!batch) break;  // closed
        batch->first_position = pos;
        batch->data.clear();
        batch->ends.clear();
        batch->leaves.clear();
      }
      // The leaf hash is computed here, on the reader thread, which has time
      // to spare; the checker checks the value's tag before using it.
      const rocksdb::Slice value = it->value();
      batch->leaves.push_back(
          value.empty() ? merkle::Hash{}
                        : merkle::LeafHash(absl::string_view(value.data() + 1, value.size() - 1)));
      batch->data.append(value.data(), value.size());
      batch->ends.push_back(static_cast<uint32_t>(batch->data.size()));
      ++expect;
      if (batch->data.size() >= kBatchBytes || batch->ends.size() >= kBatchRecords) {
        queue_.PushFull(std::move(batch));
      }
    }
    if (batch) queue_.PushFull(std::move(batch));
    if (!stop_.load()) {
      if (absl::Status s = FromRocks(it->status(), "reading records"); !s.ok()) {
        FoundError(s);
      } else if (expect != head_.tree_size) {
        Found(expect, MissingRecordText(expect, absl::StrCat("tree size ", head_.tree_size), *it,
                                        st_.log_capture));
      }
    }
    queue_.FinishWriting();
  }

  // Checker (calling) thread: every record.
  void CheckRecords() {
    LedgerRecord scratch;
    RecordFields f;
    std::string stream_key, position_value, merkle_key;
    absl::Time last_recorded = absl::InfinitePast();
    while (std::unique_ptr<Batch> batch = queue_.TakeFull()) {
      if (stop_.load(std::memory_order_relaxed)) break;
      uint32_t begin = 0;
      uint64_t pos = batch->first_position;
      for (size_t i = 0; i < batch->ends.size(); ++i) {
        const uint32_t end = batch->ends[i];
        const absl::string_view value(batch->data.data() + begin, end - begin);
        begin = end;
        absl::StatusOr<absl::string_view> bytes = RecordBytesFromValue(value, pos);
        if (!bytes.ok()) return Found(pos, std::string(bytes.status().message()));
        if (!ReadRecordFields(*bytes, &scratch, &f)) {
          return Found(pos, absl::StrCat("record ", pos, ": stored bytes do not parse"));
        }
        if (f.position != pos) {
          return Found(pos, absl::StrCat("record ", pos, ": stored under position ", pos,
                                         " but says position ", f.position));
        }
        const absl::Time recorded =
            absl::FromUnixSeconds(f.recorded_seconds) + absl::Nanoseconds(f.recorded_nanos);
        if (recorded < last_recorded) {
          return Found(pos, absl::StrCat("recorded_at ", absl::FormatTime(recorded),
                                         " is earlier than the previous record's ",
                                         absl::FormatTime(last_recorded)));
        }
        last_recorded = recorded;
        range_.Append(batch->leaves[i], [&](int level, uint64_t index, const merkle::Hash& h) {
          merkle_key.clear();
          merkle_key.push_back(static_cast<char>(level));
          PutFixed64BE(&merkle_key, index);
          merkle_expected_.Add(
              merkle_key, absl::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
        });
        position_value.clear();
        PutFixed64BE(&position_value, pos);
        stream_key.assign(f.stream.data(), f.stream.size());
        stream_key.push_back('\0');
        PutFixed64BE(&stream_key, f.stream_version);
        streams_expected_.Add(stream_key, position_value);
        ids_expected_.Add(f.event_id, position_value);
        if (f.retraction) retracted_expected_.Add(f.retraction_target, position_value);
        ++pos;
        ++checked_;
        if (progress_ && checked_ % 65536 == 0) progress_(checked_, head_.tree_size);
      }
      queue_.GiveBack(std::move(batch));
    }
  }

  // Both threads, once done with the records: scan the other families.
  void RunFamilyTasks() {
    for (int t = next_task_.fetch_add(1); t < kNumTasks; t = next_task_.fetch_add(1)) {
      if (stop_.load()) return;
      switch (t) {
        case kMerkleTask:
          ScanFamily(st_.merkle, &merkle_stored_, "scanning the merkle family");
          break;
        case kStreamsTask:
          ScanStreams();
          break;
        case kEventIdsTask:
          ScanFamily(st_.event_ids, &ids_stored_, "scanning the event-id index");
          break;
        case kRetractedTask:
          ScanFamily(st_.retracted, &retracted_stored_, "scanning the retraction index");
          break;
      }
    }
  }

  void ScanFamily(rocksdb::ColumnFamilyHandle* cf, MultisetDigest* d, const char* what) {
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if ((d->count() & 0xffff) == 0 && stop_.load(std::memory_order_relaxed)) return;
      d->Add(absl::string_view(it->key().data(), it->key().size()),
             absl::string_view(it->value().data(), it->value().size()));
    }
    if (absl::Status s = FromRocks(it->status(), what); !s.ok()) FoundError(s);
  }

  // The stream index in key order: versions of each stream contiguous from
  // 0, positions increasing; and its digest.
  void ScanStreams() {
    std::unique_ptr<rocksdb::Iterator> it(st_.db->NewIterator(ScanOptions(), st_.streams));
    std::string last_stream;
    uint64_t last_version = 0, last_position = 0;
    bool have_last = false;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if ((streams_stored_.count() & 0xffff) == 0 && stop_.load(std::memory_order_relaxed)) return;
      const absl::string_view k(it->key().data(), it->key().size());
      const absl::string_view v(it->value().data(), it->value().size());
      absl::string_view s;
      uint64_t version;
      if (!ParseStreamKey(k, &s, &version) || v.size() != 8) {
        return Found(std::nullopt, "the stream index holds a malformed entry");
      }
      const uint64_t pos = DecodeFixed64BE(v.data());
      const bool same = have_last && s == last_stream;
      if ((same && (version != last_version + 1 || pos <= last_position)) ||
          (!same && version != 0)) {
        return Found(std::nullopt, absl::StrCat("stream \"", s, "\" version ", version,
                                                " is out of sequence in the stream index"));
      }
      last_stream.assign(s.data(), s.size());
      last_version = version;
      last_position = pos;
      have_last = true;
      streams_stored_.Add(k, v);
    }
    if (absl::Status st = FromRocks(it->status(), "scanning an index"); !st.ok()) FoundError(st);
  }

  FastFinding Compare() {
    std::lock_guard<std::mutex> l(finding_mu_);
    if (!finding_.ok) return finding_;
    FastFinding f;
    if (checked_ != head_.tree_size) {
      f.ok = false;
      f.position = checked_;
      f.problem = absl::StrCat("the head says ", head_.tree_size, " records but only ", checked_,
                               " are stored");
    } else if (range_.Root() != head_.root) {
      f.ok = false;
      f.problem = absl::StrCat("recomputed root ", merkle::ToHex(range_.Root()),
                               " differs from the stored head root ", merkle::ToHex(head_.root));
    } else if (!(merkle_stored_ == merkle_expected_)) {
      f.ok = false;
      f.problem = absl::StrCat("the merkle family holds ", merkle_stored_.count(),
                               " nodes where the records complete ", merkle_expected_.count(),
                               ", or some stored node differs from the recomputed one");
    } else if (!(streams_stored_ == streams_expected_)) {
      f.ok = false;
      f.problem = "the stream index differs from the entries the records imply";
    } else if (!(ids_stored_ == ids_expected_)) {
      f.ok = false;
      f.problem = "the event-id index differs from the entries the records imply";
    } else if (!(retracted_stored_ == retracted_expected_)) {
      f.ok = false;
      f.problem = "the retraction index differs from the entries the records imply";
    }
    return f;
  }

  const Store st_;
  const Head head_;
  const rocksdb::Snapshot* snapshot_;
  const std::function<void(uint64_t, uint64_t)>& progress_;
  BatchQueue queue_;
  std::atomic<bool> stop_{false};
  std::atomic<int> next_task_{0};
  std::mutex finding_mu_;
  FastFinding finding_;
  // Checker thread only.
  merkle::CompactRange range_;
  uint64_t checked_ = 0;
  MultisetDigest merkle_expected_, streams_expected_, ids_expected_, retracted_expected_;
  // One family task each.
  MultisetDigest merkle_stored_, streams_stored_, ids_stored_, retracted_stored_;
};

// The fast pass composes keys by hand (no allocation per entry); they must be
// the bytes key_coding.h defines.
bool KeyLayoutsAgree() {
  std::string m;
  m.push_back(static_cast<char>(7));
  PutFixed64BE(&m, 0x0102030405060708ull);
  std::string s = "a/b";
  s.push_back('\0');
  PutFixed64BE(&s, 42);
  std::string p;
  PutFixed64BE(&p, 9);
  return m == MerkleKey(7, 0x0102030405060708ull) && s == StreamKey("a/b", 42) && p == RecordKey(9);
}

// ===========================================================================
// The lookup pass: exact reports of the first difference.

// A multiset digest with SHA-256, as the lookup pass has always used: the
// lane-wise sum (mod 2^64) of SHA-256 of each entry.
class Sha256SetDigest {
 public:
  void Add(absl::string_view key, absl::string_view value) {
    buf_.clear();
    const uint64_t klen = key.size();
    buf_.append(reinterpret_cast<const char*>(&klen), sizeof(klen));
    buf_.append(key.data(), key.size());
    buf_.append(value.data(), value.size());
    uint8_t h[32];
    SHA256(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size(), h);
    for (int i = 0; i < 4; ++i) {
      uint64_t lane;
      std::memcpy(&lane, h + 8 * i, 8);
      lanes_[i] += lane;
    }
    ++count_;
  }
  bool operator==(const Sha256SetDigest& o) const {
    return lanes_ == o.lanes_ && count_ == o.count_;
  }

 private:
  std::array<uint64_t, 4> lanes_{};
  uint64_t count_ = 0;
  std::string buf_;
};

// Walks the stored nodes of one Merkle level in index order.
class LevelCursor {
 public:
  LevelCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, int level)
      : lower_(MerkleKey(level, 0)), upper_(MerkleKey(level + 1, 0)), upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    ro.readahead_size = 1 << 20;
    it_.reset(db->NewIterator(ro, cf));
    it_->Seek(lower_);
  }
  rocksdb::Iterator* it() { return it_.get(); }

 private:
  std::string lower_, upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

std::string PositionValue(uint64_t position) { return RecordKey(position); }

absl::StatusOr<VerifyReport> VerifyByLookups(
    const Ledger& ledger, const Store& st, const Head& head,
    const std::function<void(uint64_t done, uint64_t total)>& progress) {
  VerifyReport report;
  report.tree_size = head.tree_size;
  auto fail = [&](std::optional<uint64_t> pos, std::string problem) {
    report.first_bad_position = pos;
    report.problem = std::move(problem);
    return report;
  };

  // 1. Records: leaf hashes, Merkle nodes, clock, and index digests.
  merkle::CompactRange range;
  std::vector<std::unique_ptr<LevelCursor>> levels;
  Sha256SetDigest streams_expected, ids_expected, retracted_expected;
  absl::Time last_recorded = absl::InfinitePast();
  std::string node_problem;
  std::string problem;
  uint64_t position = 0;
  absl::Status scan = ledger.Scan(0, head.tree_size, [&](const StoredRecord& rec) -> absl::Status {
    position = rec.record.position();
    const absl::Time recorded = absl::FromUnixSeconds(rec.record.recorded_at().seconds()) +
                                absl::Nanoseconds(rec.record.recorded_at().nanos());
    if (recorded < last_recorded) {
      problem =
          absl::StrCat("recorded_at ", absl::FormatTime(recorded),
                       " is earlier than the previous record's ", absl::FormatTime(last_recorded));
      return absl::CancelledError();
    }
    last_recorded = recorded;
    range.Append(
        merkle::LeafHash(rec.bytes), [&](int level, uint64_t index, const merkle::Hash& h) {
          if (!node_problem.empty()) return;
          while (static_cast<int>(levels.size()) <= level) {
            levels.push_back(
                std::make_unique<LevelCursor>(st.db, st.merkle, static_cast<int>(levels.size())));
          }
          rocksdb::Iterator* it = levels[level]->it();
          int stored_level;
          uint64_t stored_index;
          if (!it->Valid() ||
              !ParseMerkleKey(absl::string_view(it->key().data(), it->key().size()), &stored_level,
                              &stored_index) ||
              stored_index != index) {
            node_problem = absl::StrCat("Merkle node (level ", level, ", index ", index,
                                        ") is missing from storage");
            return;
          }
          if (it->value().size() != 32 || std::memcmp(it->value().data(), h.data(), 32) != 0) {
            node_problem = absl::StrCat("stored Merkle node (level ", level, ", index ", index,
                                        ") differs from the hash recomputed from the records");
            return;
          }
          it->Next();
        });
    if (!node_problem.empty()) {
      problem = node_problem;
      return absl::CancelledError();
    }
    const Event& e = rec.record.event();
    const std::string pos_value = PositionValue(position);
    streams_expected.Add(StreamKey(e.stream(), rec.record.stream_version()), pos_value);
    ids_expected.Add(e.event_id(), pos_value);
    if (e.body_case() == Event::kRetraction) {
      retracted_expected.Add(e.retraction().target_event_id(), pos_value);
    }
    ++report.records_checked;
    if (progress && report.records_checked % 65536 == 0) {
      progress(report.records_checked, head.tree_size);
    }
    return absl::OkStatus();
  });
  if (!problem.empty()) return fail(position, problem);
  if (!scan.ok()) {
    if (scan.code() == absl::StatusCode::kDataLoss) {
      return fail(report.records_checked, std::string(scan.message()));
    }
    return scan;
  }
  if (report.records_checked != head.tree_size) {
    return fail(report.records_checked,
                absl::StrCat("the head says ", head.tree_size, " records but only ",
                             report.records_checked, " are stored"));
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(st.db->NewIterator(rocksdb::ReadOptions(), st.records));
    it->Seek(RecordKey(head.tree_size));
    if (it->Valid()) {
      return fail(head.tree_size, "a record is stored past the head");
    }
  }
  report.root = range.Root();
  report.root_computed = true;
  if (report.root != head.root) {
    return fail(std::nullopt,
                absl::StrCat("recomputed root ", merkle::ToHex(report.root),
                             " differs from the stored head root ", merkle::ToHex(head.root)));
  }
  for (size_t level = 0; level < levels.size(); ++level) {
    if (levels[level]->it()->Valid()) {
      return fail(std::nullopt,
                  absl::StrCat("Merkle level ", level, " stores nodes beyond the tree size"));
    }
  }

  // 2. Indexes, each one sequential pass.
  auto digest_family =
      [&](rocksdb::ColumnFamilyHandle* cf, Sha256SetDigest* d,
          const std::function<std::string(absl::string_view, absl::string_view)>& check)
      -> absl::StatusOr<std::string> {
    std::unique_ptr<rocksdb::Iterator> it(st.db->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::string_view k(it->key().data(), it->key().size());
      absl::string_view v(it->value().data(), it->value().size());
      if (check) {
        if (std::string p = check(k, v); !p.empty()) return p;
      }
      d->Add(k, v);
    }
    if (absl::Status s = FromRocks(it->status(), "scanning an index"); !s.ok()) return s;
    return std::string();
  };
  std::string last_stream;
  uint64_t last_version = 0, last_position = 0;
  bool have_last = false;
  Sha256SetDigest streams_stored, ids_stored, retracted_stored;
  absl::StatusOr<std::string> sp =
      digest_family(st.streams, &streams_stored, [&](absl::string_view k, absl::string_view v) {
        absl::string_view s;
        uint64_t version;
        if (!ParseStreamKey(k, &s, &version) || v.size() != 8) {
          return std::string("the stream index holds a malformed entry");
        }
        const uint64_t pos = DecodeFixed64BE(v.data());
        const bool same = have_last && s == last_stream;
        if ((same && (version != last_version + 1 || pos <= last_position)) ||
            (!same && version != 0)) {
          return absl::StrCat("stream \"", s, "\" version ", version,
                              " is out of sequence in the stream index");
        }
        last_stream.assign(s.data(), s.size());
        last_version = version;
        last_position = pos;
        have_last = true;
        return std::string();
      });
  if (!sp.ok()) return sp.status();
  if (!sp->empty()) return fail(std::nullopt, *sp);
  absl::StatusOr<std::string> ip = digest_family(st.event_ids, &ids_stored, nullptr);
  if (!ip.ok()) return ip.status();
  absl::StatusOr<std::string> rp = digest_family(st.retracted, &retracted_stored, nullptr);
  if (!rp.ok()) return rp.status();
  if (streams_stored == streams_expected && ids_stored == ids_expected &&
      retracted_stored == retracted_expected) {
    if (progress) progress(report.records_checked, head.tree_size);
    return report;
  }

  // 3. A digest differs: find the first record whose index entries disagree.
  std::optional<uint64_t> first;
  std::string what;
  absl::Status locate =
      ledger.Scan(0, head.tree_size, [&](const StoredRecord& rec) -> absl::Status {
        const Event& e = rec.record.event();
        const std::string want = PositionValue(rec.record.position());
        std::string got;
        rocksdb::Status s = st.db->Get(rocksdb::ReadOptions(), st.streams,
                                       StreamKey(e.stream(), rec.record.stream_version()), &got);
        if (!s.ok() || got != want) {
          first = rec.record.position();
          what = absl::StrCat("the stream index entry for \"", e.stream(), "\" version ",
                              rec.record.stream_version(), " does not point at this record");
          return absl::CancelledError();
        }
        s = st.db->Get(rocksdb::ReadOptions(), st.event_ids, e.event_id(), &got);
        if (!s.ok() || got != want) {
          first = rec.record.position();
          what = absl::StrCat("the event-id index entry for \"", e.event_id(),
                              "\" does not point at this record");
          return absl::CancelledError();
        }
        if (e.body_case() == Event::kRetraction) {
          s = st.db->Get(rocksdb::ReadOptions(), st.retracted, e.retraction().target_event_id(),
                         &got);
          if (!s.ok() || got != want) {
            first = rec.record.position();
            what = "the retraction index entry of this retraction is missing or wrong";
            return absl::CancelledError();
          }
        }
        return absl::OkStatus();
      });
  if (first) return fail(first, what);
  if (!locate.ok() && locate.code() != absl::StatusCode::kCancelled) return locate;
  std::string which = !(streams_stored == streams_expected) ? "stream index"
                      : !(ids_stored == ids_expected)       ? "event-id index"
                                                            : "retraction index";
  return fail(std::nullopt,
              absl::StrCat("the ", which,
                           " holds entries that no record accounts for (every record's own "
                           "entries are correct)"));
}

}  // namespace

absl::StatusOr<VerifyReport> Ledger::Verify(
    const std::function<void(uint64_t done, uint64_t total)>& progress) const {
  Impl& im = *impl_;
  if (!KeyLayoutsAgree()) {
    return absl::InternalError("verify's key layouts disagree with key_coding.h");
  }
  absl::StatusOr<DigestKeys> keys = RandomDigestKeys();
  if (!keys.ok()) return keys.status();

  // The head and a snapshot that agree: appends hold `mu` while they write.
  // (A read-only ledger is a RocksDB secondary instance, which has no
  // snapshots; its data changes only in TryCatchUp.)
  Head head;
  const rocksdb::Snapshot* snapshot = nullptr;
  {
    std::lock_guard<std::mutex> l(im.mu);
    head = im.head;
    if (!im.options.read_only) snapshot = im.db->GetSnapshot();
  }
  const Store st{im.db.get(),           im.cf(Impl::kRecords),
                 im.cf(Impl::kStreams), im.cf(Impl::kEventIds),
                 im.cf(Impl::kMerkle),  im.cf(Impl::kRetracted),
                 im.log_capture.get()};
  VerifyReport report;
  report.tree_size = head.tree_size;
  FastFinding finding;
  uint64_t checked = 0;
  {
    FastVerifier fast(st, head, snapshot, *keys, progress);
    finding = fast.Run(&report.root);
    checked = fast.records_checked();
  }
  if (snapshot != nullptr) im.db->ReleaseSnapshot(snapshot);
  if (finding.ok) {
    report.root_computed = true;
    report.records_checked = checked;
    if (progress) progress(checked, head.tree_size);
    return report;
  }

  // Something differs (or reading failed): the lookup pass names the first
  // position and what differs.
  absl::StatusOr<VerifyReport> exact = VerifyByLookups(*this, st, head, progress);
  if (!exact.ok() || !exact->ok()) return exact;
  if (!finding.error.ok()) return finding.error;
  // Only the fast pass saw it (it also checks the merkle levels the lookup
  // pass never opens).
  exact->first_bad_position = finding.position;
  exact->problem = finding.problem;
  return exact;
}

}  // namespace ledger
