// ReadRecordFields (ledger/record_fields.h): a conservative wire-format
// checker (WireSchema) and a fast reader of the fields verify needs.
#include "ledger/record_fields.h"

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/common.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using enforcement::v1::LedgerRecord;

// ===========================================================================
// The conservative wire-format checker.

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
// The fast reader.

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

}  // namespace

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
}  // namespace ledger
