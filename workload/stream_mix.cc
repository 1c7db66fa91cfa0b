#include "workload/stream_mix.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace workload::internal {
namespace {

using enforcement::v1::Event;

// Relative weights of raid, arrest, handover, sentencing.
constexpr int kKindWeights[] = {20, 35, 15, 30};
// Streams open at a time per kind, in proportion to the weights: ~1,000 in all.
constexpr int kOpenStreamsPerWeight = 10;
constexpr int kMinStreamEvents = 10;
constexpr int kMaxStreamEvents = 50;
// Events occur between 2019-01-01 and 2024-12-31.
constexpr int64_t kFirstDay = 17897;  // days since the Unix epoch of 2019-01-01
constexpr int64_t kDays = 2192;

const char* const kKindPrefix[] = {"operation/", "suspect/", "handover/", "case/"};
const char* const kSubjectPrefix[] = {"op", "sus", "ho", "case"};

const char* const kCountries[] = {"MM", "TH", "KH", "LA", "PH", "VN", "MY", "ID"};
const char* const kNationalities[] = {"CN", "CN", "CN", "VN", "ID", "MY", "TH", "PH"};
const char* const kPublishers[] = {
    "Xinhua",      "Ministry of Public Security", "Global Times", "The Irrawaddy", "Bangkok Post",
    "Khmer Times", "Supreme People's Court"};
const char* const kHosts[] = {"english.news.cn",   "www.mps.gov.cn",      "www.globaltimes.cn",
                              "www.irrawaddy.com", "www.bangkokpost.com", "www.khmertimeskh.com"};
const char* const kPlaces[][2] = {{"Myawaddy", "Kayin State"}, {"Laukkaing", "Shan State"},
                                  {"Muse", "Shan State"},      {"Sihanoukville", "Preah Sihanouk"},
                                  {"Bavet", "Svay Rieng"},     {"Tachileik", "Shan State"},
                                  {"Pasay", "Metro Manila"},   {"Boten", "Luang Namtha"}};
const char* const kAgencies[] = {"Myanmar Police Force",       "Ministry of Public Security",
                                 "Royal Thai Police",          "Cambodian National Police",
                                 "Philippine National Police", "Lao Police"};
const char* const kAgencyCountry[] = {"MM", "CN", "TH", "KH", "PH", "LA"};
const char* const kSeized[] = {"computers",  "mobile phones", "SIM cards",
                               "bank cards", "vehicles",      "firearms"};
const char* const kCourts[] = {
    "Wenzhou Intermediate People's Court", "Lishui Intermediate People's Court",
    "Xiamen Intermediate People's Court", "Fujian Higher People's Court"};
const char* const kOffences[] = {"fraud",
                                 "telecom fraud",
                                 "organising illegal border crossing",
                                 "intentional homicide",
                                 "illegal detention",
                                 "casino crimes"};
const char* const kGivenNames[] = {"Wei", "Ming", "Jun", "Hao", "Lei", "Tao", "Xin", "Bai"};
const char* const kFamilyNames[] = {"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Xu"};
const char* const kTitleWords[] = {
    "telecom", "fraud",   "suspects", "handed",    "over", "border",  "police", "crackdown",
    "scam",    "centres", "court",    "sentences", "gang", "members", "raid",   "detained"};

void SetDay(int64_t day, google::protobuf::Timestamp* ts) { ts->set_seconds(day * 86400); }

}  // namespace

StreamMix::StreamMix(uint64_t seed)
    : seed_(seed), rng_(seed * 0x9E3779B97F4A7C15ull + 1) {}

uint64_t StreamMix::Uniform(uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
}

StreamMix::OpenStream& StreamMix::PickStream(Kind kind) {
  std::vector<OpenStream>& open = open_[kind];
  const size_t want = static_cast<size_t>(kKindWeights[kind] * kOpenStreamsPerWeight);
  auto open_new = [&](OpenStream* s) {
    s->subject = absl::StrCat(kSubjectPrefix[kind], "-", seed_, "-", next_stream_++);
    s->name = absl::StrCat(kKindPrefix[kind], s->subject);
    s->remaining = static_cast<int>(Uniform(kMinStreamEvents, kMaxStreamEvents));
  };
  if (open.size() < want) {
    open.emplace_back();
    open_new(&open.back());
    return open.back();
  }
  OpenStream& s = open[Uniform(0, open.size() - 1)];
  if (s.remaining == 0) open_new(&s);
  return s;
}

Event StreamMix::Next() {
  // The kind, by weight.
  int roll = static_cast<int>(Uniform(0, 99));
  Kind kind = kRaid;
  for (int k = 0; k < kNumKinds; ++k) {
    if (roll < kKindWeights[k]) {
      kind = static_cast<Kind>(k);
      break;
    }
    roll -= kKindWeights[k];
  }
  OpenStream& s = PickStream(kind);
  --s.remaining;

  Event e;
  e.set_event_id(absl::StrCat("gen-", seed_, "-", next_index_++));
  e.set_stream(s.name);
  const int64_t day = kFirstDay + static_cast<int64_t>(Uniform(0, kDays - 1));
  if (Uniform(0, 4) == 0) {
    e.mutable_occurred_at()->set_seconds(day * 86400 + static_cast<int64_t>(Uniform(0, 86399)));
    e.set_occurred_precision(enforcement::v1::PRECISION_EXACT);
  } else {
    SetDay(day, e.mutable_occurred_at());
    e.set_occurred_precision(enforcement::v1::PRECISION_DAY);
  }
  auto* src = e.mutable_source();
  src->set_publisher(Choose(kPublishers));
  std::string title;
  const int words = static_cast<int>(Uniform(4, 7));
  for (int i = 0; i < words; ++i) {
    if (i > 0) title += ' ';
    title += Choose(kTitleWords);
  }
  src->set_title(std::move(title));
  src->mutable_published_at()->set_seconds((day + static_cast<int64_t>(Uniform(0, 3))) * 86400 +
                                           static_cast<int64_t>(Uniform(0, 86399)));
  e.set_recorded_by("append_bench");

  switch (kind) {
    case kRaid:
      FillRaid(s, &e);
      break;
    case kArrest:
      FillArrest(s, &e);
      break;
    case kHandover:
      FillHandover(s, &e);
      break;
    case kSentencing:
      FillSentencing(s, &e);
      break;
    case kNumKinds:
      break;
  }
  return e;
}

void StreamMix::FillRaid(const OpenStream& s, Event* e) {
  e->mutable_source()->set_url(
      absl::StrFormat("https://%s/%d.html", Choose(kHosts), Uniform(10000000, 99999999)));
  auto* r = e->mutable_raid();
  r->set_operation_id(s.subject);
  const auto& place = kPlaces[Uniform(0, std::size(kPlaces) - 1)];
  r->mutable_location()->set_place(place[0]);
  r->mutable_location()->set_region(place[1]);
  r->mutable_location()->set_country(Choose(kCountries));
  const size_t agency = Uniform(0, std::size(kAgencies) - 1);
  auto* a = r->add_agencies();
  a->set_name(kAgencies[agency]);
  a->set_country(kAgencyCountry[agency]);
  r->set_tip_from_country("CN");
  const int64_t detained = static_cast<int64_t>(Uniform(1, 900));
  r->set_suspects_detained(detained);
  (*r->mutable_detained_by_nationality())["CN"] = detained / 2;
  (*r->mutable_detained_by_nationality())[Choose(kCountries)] = detained / 4;
  r->set_ringleaders_detained(static_cast<int64_t>(Uniform(0, 5)) % (detained + 1));
  auto* item = r->add_seized();
  item->set_item(Choose(kSeized));
  item->set_quantity(static_cast<int64_t>(Uniform(0, 500)));
}

void StreamMix::FillArrest(const OpenStream& s, Event* e) {
  e->mutable_source()->set_url(
      absl::StrFormat("https://%s/%d.html", Choose(kHosts), Uniform(10000000, 99999999)));
  e->mutable_source()->set_reference(
      absl::StrFormat("MPS-%d-%05d", Uniform(2019, 2024), Uniform(0, 99999)));
  auto* a = e->mutable_arrest();
  auto* suspect = a->mutable_suspect();
  suspect->set_suspect_id(s.subject);
  suspect->set_name(absl::StrCat(Choose(kFamilyNames), " ", Choose(kGivenNames)));
  suspect->set_nationality(Choose(kNationalities));
  suspect->set_role(static_cast<enforcement::v1::Role>(Uniform(0, 5)));
  a->set_operation_id(absl::StrCat("op-", seed_, "-", Uniform(0, 9999)));
  const auto& place = kPlaces[Uniform(0, std::size(kPlaces) - 1)];
  a->mutable_location()->set_place(place[0]);
  a->mutable_location()->set_region(place[1]);
  a->mutable_location()->set_country(Choose(kCountries));
  const size_t agency = Uniform(0, std::size(kAgencies) - 1);
  a->mutable_agency()->set_name(kAgencies[agency]);
  a->mutable_agency()->set_country(kAgencyCountry[agency]);
}

void StreamMix::FillHandover(const OpenStream& s, Event* e) {
  e->mutable_source()->set_url(
      absl::StrFormat("https://%s/%d.html", Choose(kHosts), Uniform(10000000, 99999999)));
  auto* h = e->mutable_handover();
  const size_t from = Uniform(0, std::size(kAgencies) - 1);
  size_t to = 1;  // Ministry of Public Security (CN)
  if (from == to) to = 0;
  h->set_from_country(kAgencyCountry[from]);
  h->set_to_country(kAgencyCountry[to]);
  h->mutable_from_agency()->set_name(kAgencies[from]);
  h->mutable_from_agency()->set_country(kAgencyCountry[from]);
  h->mutable_to_agency()->set_name(kAgencies[to]);
  h->mutable_to_agency()->set_country(kAgencyCountry[to]);
  const int ids = static_cast<int>(Uniform(0, 3));
  for (int i = 0; i < ids; ++i) {
    h->add_suspect_ids(absl::StrCat("sus-", seed_, "-", Uniform(0, 999999) * 4 + i));
  }
  const int64_t count = ids + static_cast<int64_t>(Uniform(1, 300));
  h->set_suspects_count(count);
  h->set_ringleaders_count(std::min<int64_t>(count, static_cast<int64_t>(Uniform(0, 3))));
  h->set_nationality("CN");
  h->set_operation_id(s.subject);
}

void StreamMix::FillSentencing(const OpenStream& s, Event* e) {
  auto* src = e->mutable_source();
  src->set_reference(
      absl::StrFormat("(%d) Zhe 03 Xing Chu No. %d", Uniform(2019, 2024), Uniform(100, 999)));
  auto* x = e->mutable_sentencing();
  x->set_case_id(s.subject);
  x->set_court(Choose(kCourts));
  x->set_suspect_id(absl::StrCat("sus-", seed_, "-", Uniform(0, 999999)));
  x->set_role(static_cast<enforcement::v1::Role>(Uniform(1, 5)));
  x->add_offences(Choose(kOffences));
  x->set_prison_months(static_cast<int64_t>(Uniform(6, 240)));
  x->mutable_fine()->set_currency("CNY");
  x->mutable_fine()->set_minor_units(static_cast<int64_t>(Uniform(1, 5000)) * 1000000);
  x->set_victims(static_cast<int64_t>(Uniform(0, 2000)));
  // An offence period of whole months.
  const absl::CivilMonth start(2017 + static_cast<int>(Uniform(0, 4)),
                               1 + static_cast<int>(Uniform(0, 11)));
  const absl::CivilMonth end = start + static_cast<int>(Uniform(1, 30));
  x->mutable_offence_from()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(start, absl::UTCTimeZone())));
  x->set_offence_from_precision(enforcement::v1::PRECISION_MONTH);
  x->mutable_offence_to()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(end, absl::UTCTimeZone())));
  x->set_offence_to_precision(enforcement::v1::PRECISION_MONTH);
  x->set_instance(static_cast<enforcement::v1::Instance>(Uniform(1, 3)));
  x->set_suspect_name(absl::StrCat(Choose(kFamilyNames), " ", Choose(kGivenNames)));
  x->set_suspect_nationality("CN");
}

}  // namespace workload::internal
