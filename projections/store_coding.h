// Every byte encoding of the views store (keys and values of its column
// families) lives here. docs/PROJECTIONS.md ("Storage") is the
// specification. Internal to projections/.
#ifndef ENFORCEMENT_PROJECTIONS_STORE_CODING_H_
#define ENFORCEMENT_PROJECTIONS_STORE_CODING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"
#include "projections/view_types.h"

namespace projections::internal {

// The format of the views store this code writes. A store of another format
// is rebuilt from the log.
// "3": counters and aggregates are 128-bit (docs/PROJECTIONS.md "Aggregates").
// "4": erasures (format-2 logs): erasure members, erased suspects, the
//      suspects_erased counter (docs/PROJECTIONS.md "Erasure").
// "5": entity keys lead with the id's natural sort form (NaturalSortForm), so
//      that lists page in natural order (s-7-1-4 before s-7-1-39).
inline constexpr char kViewsFormatVersion[] = "5";

// Column families, in the order they are opened.
enum Cf {
  kMetaCf = 0,  // "default": format, origin, checkpoint
  kEventsCf,    // effective version of every record, by position
  kSuspectsCf,
  kOperationsCf,
  kCasesCf,
  kFlowsCf,
  kTotalsCf,
  kTimelinesCf,
  kNumCfs
};
extern const char* const kCfNames[kNumCfs];
// The view a family holds, for digests ("events", "suspects", ...); the meta
// family has none.
extern const char* const kViewNames[kNumCfs];

// Meta keys.
inline constexpr char kFormatKey[] = "format";
inline constexpr char kOriginKey[] = "origin";
inline constexpr char kCheckpointKey[] = "checkpoint";

// "No position".
inline constexpr uint64_t kNone = ~uint64_t{0};

// --- primitive encodings ------------------------------------------------------

void PutFixed64BE(std::string* dst, uint64_t v);
uint64_t GetFixed64BE(const char* p);  // REQUIRES: 8 readable bytes
std::string PosKey(uint64_t position);

// An order-preserving, self-delimiting encoding of a string: 0x00 becomes
// 0x00 0xFF and the string ends with 0x00 0x01. Keys built from encoded
// strings sort as the strings do.
void PutOrdered(std::string* dst, absl::string_view s);
bool GetOrdered(absl::string_view* in, std::string* out);

// 12 bytes: seconds as big-endian with the sign bit flipped, then nanos as
// fixed32 big-endian. Sorts as the instant does.
void PutOcc(std::string* dst, int64_t seconds, int32_t nanos);
std::string OccKey(const Date& d);
bool GetOcc(absl::string_view* in, int64_t* seconds, int32_t* nanos);

// Counter values: 16 bytes, big-endian two's complement of a Sum.
std::string EncodeCounter(Sum v);
bool DecodeCounter(absl::string_view v, Sum* out);

// Value encoder/decoder: varints, zig-zag signed varints, length-prefixed
// strings.
class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out) {}
  void U64(uint64_t v);
  // A position or kNone: v + 1, kNone as 0 (one byte, not ten).
  void OptPos(uint64_t v) { U64(v == kNone ? 0 : v + 1); }
  void I64(int64_t v);
  // A Sum: zig-zag, then a varint of up to 19 bytes.
  void I128(Sum v);
  void Bool(bool b) { U64(b ? 1 : 0); }
  void Str(absl::string_view s);
  void DateV(const Date& d);

 private:
  std::string* out_;
};

class Decoder {
 public:
  explicit Decoder(absl::string_view in) : in_(in) {}
  bool U64(uint64_t* v);
  bool OptPos(uint64_t* v) {
    if (!U64(v)) return false;
    *v = *v == 0 ? kNone : *v - 1;
    return true;
  }
  bool I64(int64_t* v);
  bool I128(Sum* v);
  bool I32(int32_t* v);
  bool Bool(bool* b);
  bool Str(std::string* s);
  bool DateV(Date* d);
  bool done() const { return in_.empty(); }

 private:
  absl::string_view in_;
};

// --- the events family ----------------------------------------------------------

// A correction or retraction in a fact's correction tree.
struct TreeNode {
  uint64_t position = 0;
  uint64_t target = 0;  // position of the event it names
  bool retraction = false;
  uint64_t retracted_by = kNone;  // corrections: the retraction that withdrew it
  bool has_date = false;          // corrections: the replacement carries occurred_at
  Date occurred;                  // the node's own occurred_at
  std::string event_id;
  bool operator==(const TreeNode&) const = default;
};

// The state kept per record, keyed by position (kEventsCf).
struct EventState {
  uint64_t position = 0;
  int64_t recorded_seconds = 0;
  int32_t recorded_nanos = 0;
  enforcement::v1::Event::BodyCase kind = enforcement::v1::Event::BODY_NOT_SET;
  std::string event;  // the Event as recorded, deterministic serialization
  // Corrections and retractions: the event named, and the fact at the root of
  // its correction tree (kNone when the target is unknown: then it has no effect).
  uint64_t target = kNone, root = kNone;
  // Facts and corrections: the retraction that withdrew it.
  uint64_t retracted_by = kNone;
  // Facts only.
  std::vector<TreeNode> tree;       // in position order
  std::vector<std::string> scopes;  // timeline scopes (ScopeKey), sorted
  uint64_t winner = kNone;          // correction whose body is in effect
  uint64_t date_from = kNone;       // correction whose occurred_at is in effect
  std::string effective;            // the effective Event when it differs from `event`
};
std::string EncodeEventState(const EventState& s);
absl::Status DecodeEventState(absl::string_view v, EventState* s);

// --- entity families ---------------------------------------------------------------
// Within kSuspectsCf, kOperationsCf and kCasesCf, where eid is
// ordered(NaturalSortForm(id)) ordered(id) (format "5"):
//   'v' eid                      -> the entity's view
//   'm' eid kind(1) position(8)  -> a contributing event: MemberValue
//                                   (rules.h); "" for an operation's
//                                   arrests and handovers
//   'c' eid name                 -> counter (operations only)
inline constexpr char kViewTag = 'v';
inline constexpr char kMemberTag = 'm';
inline constexpr char kCounterTag = 'c';
// Member kinds.
inline constexpr char kRaidMember = 'R';
inline constexpr char kArrestMember = 'A';
inline constexpr char kHandoverMember = 'H';
inline constexpr char kSentencingMember = 'S';
inline constexpr char kReleaseMember = 'L';
inline constexpr char kErasureMember = 'E';

// The natural sort form of an id: every run of ASCII digits becomes '0',
// the count of its significant digits (2 bytes, big-endian) and those
// digits, so that byte order is natural order ("s-7-1-4" < "s-7-1-39";
// leading zeros do not count: "s-07" and "s-7" have one form, and the id
// itself breaks the tie).
std::string NaturalSortForm(absl::string_view id);
// Natural order of ids: by NaturalSortForm, then by the id's bytes. The
// order of the entity families' keys and of their lists.
bool NaturalIdLess(absl::string_view a, absl::string_view b);
// Reads an eid (above) off the front of `in`.
bool GetEntityId(absl::string_view* in, std::string* id);
std::string EntityKey(absl::string_view id);
std::string MemberPrefix(absl::string_view id);
std::string MemberKey(absl::string_view id, char kind, uint64_t position);
std::string EntityCounterPrefix(absl::string_view id);

// A suspect that is not erased encodes as in format "3"; an erased one
// appends erased_at, authority and reason.
std::string EncodeSuspect(const SuspectView& v);
absl::Status DecodeSuspect(absl::string_view in, SuspectView* v);
// The stored part of an operation: everything derived from its raids.
std::string EncodeOperationCore(const OperationView& v);
absl::Status DecodeOperationCore(absl::string_view in, OperationView* v);
std::string EncodeCase(const CaseView& v);
absl::Status DecodeCase(absl::string_view in, CaseView* v);

// --- flows ---------------------------------------------------------------------------
// Within kFlowsCf:
//   bucket(1) ordered(from) ordered(to) ordered(period) field(1) -> counter
//   'E' bucket(1) ordered(from) ordered(to) ordered(period) occ(12) position(8) -> ""
// bucket: 'M' month rows (precision month or finer), 'U' year rows of
// year-precision handovers (month unknown), 'Y' year rows (all handovers).
inline constexpr char kMonthBucket = 'M';
inline constexpr char kYearOnlyBucket = 'U';
inline constexpr char kYearBucket = 'Y';
inline constexpr char kFlowEventTag = 'E';
// Fields.
inline constexpr char kPeopleField = 'p';
inline constexpr char kIdentifiedField = 'i';
inline constexpr char kRingleadersField = 'r';
inline constexpr char kHandoversField = 'h';

std::string FlowRowPrefix(char bucket, absl::string_view from, absl::string_view to,
                          absl::string_view period);

// --- totals --------------------------------------------------------------------------
// Within kTotalsCf:
//   'c' name                           -> counter
//   'f' position(8)                    -> "" (a reported figure in effect)
//   'd' metric(1) occ(12) position(8)  -> DatedFact (the index derived figures scan)
inline constexpr char kFigureTag = 'f';
inline constexpr char kDatedTag = 'd';
// Metrics of the dated index.
inline constexpr char kDatedHandover = 'H';
inline constexpr char kDatedRaid = 'R';
inline constexpr char kDatedArrest = 'A';
inline constexpr char kDatedSentencing = 'S';

struct DatedFact {
  Date occurred;
  std::string from_country, to_country, nationality;
  int64_t count = 0;
  std::vector<std::pair<std::string, int64_t>> by_nationality;  // raids, sorted
};
std::string EncodeDatedFact(const DatedFact& f);
bool DecodeDatedFact(absl::string_view in, DatedFact* f);
std::string DatedKey(char metric, const Date& occurred, uint64_t position);
std::string FigureKey(uint64_t position);

// --- timelines ------------------------------------------------------------------------
// Within kTimelinesCf: scope occ(12) position(8) -> "", where scope is
// ScopeKey(kind, key).
char ScopeTag(TimelineKind kind);  // 's', 'o', 'c', 'n', 'g'
std::string ScopeKey(TimelineKind kind, absl::string_view key);
std::string TimelineKey(absl::string_view scope, const Date& occurred, uint64_t position);

// --- meta ----------------------------------------------------------------------------
struct Checkpoint {
  uint64_t applied = 0;  // records [0, applied) are reflected
  std::string root;      // 32-byte Merkle root of the log at size `applied`
};
std::string EncodeCheckpoint(const Checkpoint& c);
bool DecodeCheckpoint(absl::string_view v, Checkpoint* c);

}  // namespace projections::internal

#endif  // ENFORCEMENT_PROJECTIONS_STORE_CODING_H_
