#include "projections/store_coding.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace projections::internal {

const char* const kCfNames[kNumCfs] = {"default", "events", "suspects", "operations",
                                       "cases",   "flows",  "totals",   "timelines"};
const char* const kViewNames[kNumCfs] = {"",      "events", "suspects", "operations",
                                         "cases", "flows",  "totals",   "timelines"};

// --- primitives ------------------------------------------------------------------

void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string PosKey(uint64_t position) {
  std::string k;
  PutFixed64BE(&k, position);
  return k;
}

void PutOrdered(std::string* dst, absl::string_view s) {
  if (s.find('\0') == absl::string_view::npos) {  // the usual case: one append
    dst->append(s.data(), s.size());
  } else {
    for (char c : s) {
      dst->push_back(c);
      if (c == '\0') dst->push_back('\xFF');
    }
  }
  dst->append("\0\x01", 2);
}

bool GetOrdered(absl::string_view* in, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < in->size()) {
    const char c = (*in)[i];
    if (c != '\0') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in->size()) return false;
    const char next = (*in)[i + 1];
    if (next == '\xFF') {
      out->push_back('\0');
      i += 2;
    } else if (next == '\x01') {
      in->remove_prefix(i + 2);
      return true;
    } else {
      return false;
    }
  }
  return false;
}

void PutOcc(std::string* dst, int64_t seconds, int32_t nanos) {
  PutFixed64BE(dst, static_cast<uint64_t>(seconds) ^ (uint64_t{1} << 63));
  const auto n = static_cast<uint32_t>(nanos);
  char buf[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                 static_cast<char>(n)};
  dst->append(buf, 4);
}

std::string OccKey(const Date& d) {
  std::string k;
  PutOcc(&k, d.seconds, d.nanos);
  return k;
}

bool GetOcc(absl::string_view* in, int64_t* seconds, int32_t* nanos) {
  if (in->size() < 12) return false;
  *seconds = static_cast<int64_t>(GetFixed64BE(in->data()) ^ (uint64_t{1} << 63));
  uint32_t n = 0;
  for (int i = 8; i < 12; ++i) n = (n << 8) | static_cast<unsigned char>((*in)[i]);
  *nanos = static_cast<int32_t>(n);
  in->remove_prefix(12);
  return true;
}

std::string EncodeCounter(Sum v) {
  std::string out;
  PutFixed64BE(&out, static_cast<uint64_t>(absl::Int128High64(v)));
  PutFixed64BE(&out, absl::Int128Low64(v));
  return out;
}

bool DecodeCounter(absl::string_view v, Sum* out) {
  if (v.size() != 16) return false;
  *out = absl::MakeInt128(static_cast<int64_t>(GetFixed64BE(v.data())), GetFixed64BE(v.data() + 8));
  return true;
}

void Encoder::U64(uint64_t v) {
  char buf[10];  // one append, not a push_back per byte
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out_->append(buf, n);
}

void Encoder::I64(int64_t v) {
  U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void Encoder::I128(Sum v) {
  // Zig-zag: 0, -1, 1, -2, ... as 0, 1, 2, 3, ...
  absl::uint128 u = (absl::uint128(v) << 1) ^ absl::uint128(v >> 127);
  char buf[19];
  size_t n = 0;
  while (u >= 0x80) {
    buf[n++] = static_cast<char>((absl::Uint128Low64(u) & 0x7F) | 0x80);
    u >>= 7;
  }
  buf[n++] = static_cast<char>(absl::Uint128Low64(u));
  out_->append(buf, n);
}

void Encoder::Str(absl::string_view s) {
  U64(s.size());
  out_->append(s.data(), s.size());
}

void Encoder::DateV(const Date& d) {
  U64(static_cast<uint64_t>(d.precision));
  if (d.precision == enforcement::v1::PRECISION_UNSPECIFIED) return;
  I64(d.seconds);
  U64(static_cast<uint32_t>(d.nanos));
}

bool Decoder::U64(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in_.empty()) return false;
    const auto b = static_cast<unsigned char>(in_[0]);
    in_.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Decoder::I64(int64_t* v) {
  uint64_t u;
  if (!U64(&u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool Decoder::I128(Sum* v) {
  absl::uint128 u = 0;
  for (int shift = 0; shift <= 126; shift += 7) {
    if (in_.empty()) return false;
    const auto b = static_cast<unsigned char>(in_[0]);
    in_.remove_prefix(1);
    u |= absl::uint128(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = absl::int128(u >> 1) ^ -absl::int128(u & 1);
      return true;
    }
  }
  return false;
}

bool Decoder::I32(int32_t* v) {
  int64_t x;
  if (!I64(&x)) return false;
  *v = static_cast<int32_t>(x);
  return true;
}

bool Decoder::Bool(bool* b) {
  uint64_t u;
  if (!U64(&u) || u > 1) return false;
  *b = u == 1;
  return true;
}

bool Decoder::Str(std::string* s) {
  uint64_t n;
  if (!U64(&n) || n > in_.size()) return false;
  s->assign(in_.data(), n);
  in_.remove_prefix(n);
  return true;
}

bool Decoder::DateV(Date* d) {
  uint64_t p;
  if (!U64(&p)) return false;
  *d = Date{};
  d->precision = static_cast<enforcement::v1::Precision>(p);
  if (p == 0) return true;
  uint64_t n;
  if (!I64(&d->seconds) || !U64(&n)) return false;
  d->nanos = static_cast<int32_t>(n);
  return true;
}

namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("views store: malformed ", what, " value"));
}

void EncodeEventRef(Encoder& e, const EventRef& r) {
  e.Str(r.event_id);
  e.U64(r.position);
}
bool DecodeEventRef(Decoder& d, EventRef* r) { return d.Str(&r->event_id) && d.U64(&r->position); }

void EncodeContributors(Encoder& e, const std::vector<Contributor>& v) {
  e.U64(v.size());
  for (const auto& c : v) {
    e.Str(c.event_id);
    e.U64(c.position);
    e.Str(c.kind);
    e.DateV(c.occurred);
  }
}
bool DecodeContributors(Decoder& d, std::vector<Contributor>* v) {
  uint64_t n;
  if (!d.U64(&n)) return false;
  v->clear();
  for (uint64_t i = 0; i < n; ++i) {
    Contributor c;
    if (!d.Str(&c.event_id) || !d.U64(&c.position) || !d.Str(&c.kind) || !d.DateV(&c.occurred)) {
      return false;
    }
    v->push_back(std::move(c));
  }
  return true;
}

void EncodeMoney(Encoder& e, const MoneyView& m) {
  e.Str(m.currency);
  e.I64(m.minor_units);
}
bool DecodeMoney(Decoder& d, MoneyView* m) { return d.Str(&m->currency) && d.I64(&m->minor_units); }

void EncodeMoneyList(Encoder& e, const std::vector<MoneyView>& v) {
  e.U64(v.size());
  for (const auto& m : v) EncodeMoney(e, m);
}
bool DecodeMoneyList(Decoder& d, std::vector<MoneyView>* v) {
  uint64_t n;
  if (!d.U64(&n)) return false;
  v->assign(n, MoneyView{});
  for (auto& m : *v) {
    if (!DecodeMoney(d, &m)) return false;
  }
  return true;
}

void EncodeStrings(Encoder& e, const std::vector<std::string>& v) {
  e.U64(v.size());
  for (const auto& s : v) e.Str(s);
}
bool DecodeStrings(Decoder& d, std::vector<std::string>* v) {
  uint64_t n;
  if (!d.U64(&n)) return false;
  v->assign(n, std::string());
  for (auto& s : *v) {
    if (!d.Str(&s)) return false;
  }
  return true;
}

void EncodeCountMap(Encoder& e, const SumMap& m) {
  e.U64(m.size());
  for (const auto& [k, v] : m) {
    e.Str(k);
    e.I128(v);
  }
}
bool DecodeCountMap(Decoder& d, SumMap* m) {
  uint64_t n;
  if (!d.U64(&n)) return false;
  m->clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    Sum v;
    if (!d.Str(&k) || !d.I128(&v)) return false;
    (*m)[k] = v;
  }
  return true;
}

void EncodeSentence(Encoder& e, const SentenceInfo& s) {
  e.Str(s.case_id);
  e.Str(s.court);
  e.I64(s.prison_months);
  e.Bool(s.fine.has_value());
  if (s.fine) EncodeMoney(e, *s.fine);
  e.Str(s.instance);
  EncodeStrings(e, s.offences);
  e.DateV(s.occurred);
  EncodeEventRef(e, s.event);
}
bool DecodeSentence(Decoder& d, SentenceInfo* s) {
  bool has_fine;
  if (!d.Str(&s->case_id) || !d.Str(&s->court) || !d.I64(&s->prison_months) || !d.Bool(&has_fine)) {
    return false;
  }
  s->fine.reset();
  if (has_fine) {
    MoneyView m;
    if (!DecodeMoney(d, &m)) return false;
    s->fine = m;
  }
  return d.Str(&s->instance) && DecodeStrings(d, &s->offences) && d.DateV(&s->occurred) &&
         DecodeEventRef(d, &s->event);
}

}  // namespace

// --- events --------------------------------------------------------------------

std::string EncodeEventState(const EventState& s) {
  std::string out;
  size_t size = 96 + s.event.size() + s.effective.size() + 64 * s.tree.size();
  for (const std::string& scope : s.scopes) size += scope.size() + 2;
  out.reserve(size);
  Encoder e(&out);
  e.U64(s.position);
  e.I64(s.recorded_seconds);
  e.U64(static_cast<uint32_t>(s.recorded_nanos));
  e.U64(static_cast<uint64_t>(s.kind));
  e.Str(s.event);
  e.OptPos(s.target);
  e.OptPos(s.root);
  e.OptPos(s.retracted_by);
  e.U64(s.tree.size());
  for (const TreeNode& n : s.tree) {
    e.U64(n.position);
    e.U64(n.target);
    e.Bool(n.retraction);
    e.OptPos(n.retracted_by);
    e.Bool(n.has_date);
    e.DateV(n.occurred);
    e.Str(n.event_id);
  }
  EncodeStrings(e, s.scopes);
  e.OptPos(s.winner);
  e.OptPos(s.date_from);
  e.Str(s.effective);
  return out;
}

absl::Status DecodeEventState(absl::string_view v, EventState* s) {
  Decoder d(v);
  uint64_t nanos, kind, n;
  if (!d.U64(&s->position) || !d.I64(&s->recorded_seconds) || !d.U64(&nanos) || !d.U64(&kind) ||
      !d.Str(&s->event) || !d.OptPos(&s->target) || !d.OptPos(&s->root) ||
      !d.OptPos(&s->retracted_by) ||
      !d.U64(&n)) {
    return Malformed("events");
  }
  s->recorded_nanos = static_cast<int32_t>(nanos);
  s->kind = static_cast<enforcement::v1::Event::BodyCase>(kind);
  s->tree.assign(n, TreeNode{});
  for (TreeNode& t : s->tree) {
    if (!d.U64(&t.position) || !d.U64(&t.target) || !d.Bool(&t.retraction) ||
        !d.OptPos(&t.retracted_by) || !d.Bool(&t.has_date) || !d.DateV(&t.occurred) ||
        !d.Str(&t.event_id)) {
      return Malformed("events");
    }
  }
  if (!DecodeStrings(d, &s->scopes) || !d.OptPos(&s->winner) || !d.OptPos(&s->date_from) ||
      !d.Str(&s->effective) || !d.done()) {
    return Malformed("events");
  }
  return absl::OkStatus();
}

// --- entities -------------------------------------------------------------------

std::string NaturalSortForm(absl::string_view id) {
  std::string out;
  out.reserve(id.size() + 8);
  size_t i = 0;
  while (i < id.size()) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) {
      out.push_back(id[i++]);
      continue;
    }
    size_t end = i;
    while (end < id.size() && absl::ascii_isdigit(static_cast<unsigned char>(id[end]))) ++end;
    size_t first = i;
    while (first < end && id[first] == '0') ++first;  // significant digits from here
    // '0' sorts a run where a digit would; then its significant length
    // (2 bytes, big-endian: shorter numbers first), then the digits.
    const size_t n = std::min<size_t>(end - first, 0xFFFF);
    out.push_back('0');
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
    out.append(id.data() + first, n);
    out.append(id.data() + first + n, end - first - n);  // (beyond 65,535 digits: as text)
    i = end;
  }
  return out;
}

bool NaturalIdLess(absl::string_view a, absl::string_view b) {
  const std::string na = NaturalSortForm(a), nb = NaturalSortForm(b);
  if (na != nb) return na < nb;
  return a < b;
}

namespace {
std::string EntityPrefix(char tag, absl::string_view id) {
  std::string k(1, tag);
  k.reserve(2 * id.size() + 16);
  PutOrdered(&k, NaturalSortForm(id));
  PutOrdered(&k, id);
  return k;
}
}  // namespace

bool GetEntityId(absl::string_view* in, std::string* id) {
  std::string natural;
  return GetOrdered(in, &natural) && GetOrdered(in, id);
}

std::string EntityKey(absl::string_view id) { return EntityPrefix(kViewTag, id); }

std::string MemberPrefix(absl::string_view id) { return EntityPrefix(kMemberTag, id); }

std::string MemberKey(absl::string_view id, char kind, uint64_t position) {
  std::string k = EntityPrefix(kMemberTag, id);
  k.push_back(kind);
  PutFixed64BE(&k, position);
  return k;
}

std::string EntityCounterPrefix(absl::string_view id) { return EntityPrefix(kCounterTag, id); }

std::string EncodeSuspect(const SuspectView& v) {
  std::string out;
  Encoder e(&out);
  e.Str(v.suspect_id);
  e.Str(v.name);
  e.Str(v.nationality);
  e.Str(v.role);
  e.Str(v.operation_id);
  e.Str(v.status);
  e.Str(v.custody_country);
  e.Bool(v.sentence.has_value());
  if (v.sentence) EncodeSentence(e, *v.sentence);
  e.DateV(v.first_occurred);
  e.DateV(v.last_occurred);
  EncodeContributors(e, v.events);
  if (v.erased) {
    e.DateV(v.erased_at);
    e.Str(v.erasure_authority);
    e.Str(v.erasure_reason);
  }
  return out;
}

absl::Status DecodeSuspect(absl::string_view in, SuspectView* v) {
  Decoder d(in);
  bool has_sentence;
  if (!d.Str(&v->suspect_id) || !d.Str(&v->name) || !d.Str(&v->nationality) || !d.Str(&v->role) ||
      !d.Str(&v->operation_id) || !d.Str(&v->status) || !d.Str(&v->custody_country) ||
      !d.Bool(&has_sentence)) {
    return Malformed("suspect");
  }
  v->sentence.reset();
  if (has_sentence) {
    SentenceInfo s;
    if (!DecodeSentence(d, &s)) return Malformed("suspect");
    v->sentence = std::move(s);
  }
  if (!d.DateV(&v->first_occurred) || !d.DateV(&v->last_occurred) ||
      !DecodeContributors(d, &v->events)) {
    return Malformed("suspect");
  }
  v->erased = !d.done();
  v->erased_at = Date{};
  v->erasure_authority.clear();
  v->erasure_reason.clear();
  if (v->erased && (!d.DateV(&v->erased_at) || !d.Str(&v->erasure_authority) ||
                    !d.Str(&v->erasure_reason) || !d.done())) {
    return Malformed("suspect");
  }
  return absl::OkStatus();
}

std::string EncodeOperationCore(const OperationView& v) {
  std::string out;
  Encoder e(&out);
  e.Str(v.operation_id);
  e.Str(v.place);
  e.Str(v.region);
  e.Str(v.country);
  e.U64(v.agencies.size());
  for (const auto& a : v.agencies) {
    e.Str(a.name);
    e.Str(a.country);
  }
  EncodeStrings(e, v.tip_from_countries);
  e.DateV(v.first_raid);
  e.DateV(v.last_raid);
  e.U64(v.raids.size());
  for (const auto& r : v.raids) {
    EncodeEventRef(e, r.event);
    e.DateV(r.occurred);
    e.Str(r.place);
    e.Str(r.region);
    e.Str(r.country);
    e.I64(r.detained);
    e.I64(r.ringleaders);
    e.Str(r.note);
  }
  e.I128(v.detained);
  e.I128(v.ringleaders_detained);
  EncodeCountMap(e, v.detained_by_nationality);
  e.U64(v.seized.size());
  for (const auto& s : v.seized) {
    e.Str(s.item);
    e.I128(s.quantity);
    e.Bool(s.quantity_unknown);
  }
  return out;
}

absl::Status DecodeOperationCore(absl::string_view in, OperationView* v) {
  Decoder d(in);
  uint64_t n;
  if (!d.Str(&v->operation_id) || !d.Str(&v->place) || !d.Str(&v->region) || !d.Str(&v->country) ||
      !d.U64(&n)) {
    return Malformed("operation");
  }
  v->agencies.assign(n, AgencyView{});
  for (auto& a : v->agencies) {
    if (!d.Str(&a.name) || !d.Str(&a.country)) return Malformed("operation");
  }
  if (!DecodeStrings(d, &v->tip_from_countries) || !d.DateV(&v->first_raid) ||
      !d.DateV(&v->last_raid) || !d.U64(&n)) {
    return Malformed("operation");
  }
  v->raids.assign(n, RaidSummary{});
  for (auto& r : v->raids) {
    if (!DecodeEventRef(d, &r.event) || !d.DateV(&r.occurred) || !d.Str(&r.place) ||
        !d.Str(&r.region) || !d.Str(&r.country) || !d.I64(&r.detained) || !d.I64(&r.ringleaders) ||
        !d.Str(&r.note)) {
      return Malformed("operation");
    }
  }
  if (!d.I128(&v->detained) || !d.I128(&v->ringleaders_detained) ||
      !DecodeCountMap(d, &v->detained_by_nationality) || !d.U64(&n)) {
    return Malformed("operation");
  }
  v->seized.assign(n, SeizedTotal{});
  for (auto& s : v->seized) {
    if (!d.Str(&s.item) || !d.I128(&s.quantity) || !d.Bool(&s.quantity_unknown)) {
      return Malformed("operation");
    }
  }
  if (!d.done()) return Malformed("operation");
  return absl::OkStatus();
}

std::string EncodeCase(const CaseView& v) {
  std::string out;
  Encoder e(&out);
  e.Str(v.case_id);
  EncodeStrings(e, v.courts);
  e.U64(v.defendants.size());
  for (const auto& d : v.defendants) {
    e.Str(d.suspect_id);
    e.Str(d.name);
    e.Str(d.nationality);
    e.Str(d.role);
    EncodeSentence(e, d.sentence);
  }
  e.I64(v.victims);
  EncodeMoneyList(e, v.amounts_defrauded);
  EncodeMoneyList(e, v.amounts_defrauded_equivalent);
  e.I128(v.prison_months_total);
  e.DateV(v.offence_from);
  e.DateV(v.offence_to);
  EncodeContributors(e, v.events);
  return out;
}

absl::Status DecodeCase(absl::string_view in, CaseView* v) {
  Decoder d(in);
  uint64_t n;
  if (!d.Str(&v->case_id) || !DecodeStrings(d, &v->courts) || !d.U64(&n)) {
    return Malformed("case");
  }
  v->defendants.assign(n, Defendant{});
  for (auto& def : v->defendants) {
    if (!d.Str(&def.suspect_id) || !d.Str(&def.name) || !d.Str(&def.nationality) ||
        !d.Str(&def.role) || !DecodeSentence(d, &def.sentence)) {
      return Malformed("case");
    }
  }
  if (!d.I64(&v->victims) || !DecodeMoneyList(d, &v->amounts_defrauded) ||
      !DecodeMoneyList(d, &v->amounts_defrauded_equivalent) || !d.I128(&v->prison_months_total) ||
      !d.DateV(&v->offence_from) || !d.DateV(&v->offence_to) ||
      !DecodeContributors(d, &v->events) || !d.done()) {
    return Malformed("case");
  }
  return absl::OkStatus();
}

// --- flows -------------------------------------------------------------------------

std::string FlowRowPrefix(char bucket, absl::string_view from, absl::string_view to,
                          absl::string_view period) {
  std::string k(1, bucket);
  PutOrdered(&k, from);
  PutOrdered(&k, to);
  PutOrdered(&k, period);
  return k;
}

// --- totals ---------------------------------------------------------------------------

std::string EncodeDatedFact(const DatedFact& f) {
  std::string out;
  Encoder e(&out);
  e.DateV(f.occurred);
  e.Str(f.from_country);
  e.Str(f.to_country);
  e.Str(f.nationality);
  e.I64(f.count);
  e.U64(f.by_nationality.size());
  for (const auto& [k, v] : f.by_nationality) {
    e.Str(k);
    e.I64(v);
  }
  return out;
}

bool DecodeDatedFact(absl::string_view in, DatedFact* f) {
  Decoder d(in);
  uint64_t n;
  if (!d.DateV(&f->occurred) || !d.Str(&f->from_country) || !d.Str(&f->to_country) ||
      !d.Str(&f->nationality) || !d.I64(&f->count) || !d.U64(&n)) {
    return false;
  }
  f->by_nationality.assign(n, {});
  for (auto& [k, v] : f->by_nationality) {
    if (!d.Str(&k) || !d.I64(&v)) return false;
  }
  return d.done();
}

std::string DatedKey(char metric, const Date& occurred, uint64_t position) {
  std::string k;
  k.reserve(22);
  k.push_back(kDatedTag);
  k.push_back(metric);
  PutOcc(&k, occurred.seconds, occurred.nanos);
  PutFixed64BE(&k, position);
  return k;
}

std::string FigureKey(uint64_t position) {
  std::string k(1, kFigureTag);
  PutFixed64BE(&k, position);
  return k;
}

// --- timelines -----------------------------------------------------------------------

char ScopeTag(TimelineKind kind) {
  switch (kind) {
    case TimelineKind::kSuspect:
      return 's';
    case TimelineKind::kOperation:
      return 'o';
    case TimelineKind::kCase:
      return 'c';
    case TimelineKind::kCountry:
      return 'n';
    case TimelineKind::kGlobal:
      return 'g';
  }
  return '?';
}

std::string ScopeKey(TimelineKind kind, absl::string_view key) {
  std::string k;
  k.reserve(key.size() + 3);
  k.push_back(ScopeTag(kind));
  PutOrdered(&k, kind == TimelineKind::kGlobal ? absl::string_view() : key);
  return k;
}

std::string TimelineKey(absl::string_view scope, const Date& occurred, uint64_t position) {
  std::string k;
  k.reserve(scope.size() + 20);
  k.append(scope.data(), scope.size());
  PutOcc(&k, occurred.seconds, occurred.nanos);
  PutFixed64BE(&k, position);
  return k;
}

// --- meta ------------------------------------------------------------------------------

std::string EncodeCheckpoint(const Checkpoint& c) {
  std::string out;
  PutFixed64BE(&out, c.applied);
  out.append(c.root);
  return out;
}

bool DecodeCheckpoint(absl::string_view v, Checkpoint* c) {
  if (v.size() != 8 + 32) return false;
  c->applied = GetFixed64BE(v.data());
  c->root.assign(v.data() + 8, 32);
  return true;
}

}  // namespace projections::internal
