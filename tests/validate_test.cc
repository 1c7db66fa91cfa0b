// Tests of ledger/validate.h: the stateless rules of SPEC §3 and of the field
// comments in proto/enforcement/v1/event.proto. Every refusal is checked for
// its exact code and message; the facts of SPEC §1 must pass.
#include "ledger/validate.h"
#include "util/text.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger {
namespace {

using ::enforcement::v1::Event;
using ::enforcement::v1::Precision;
using ::google::protobuf::Timestamp;

// The status is kInvalidArgument with exactly `message`.
MATCHER_P(IsInvalid, message, "") {
  *result_listener << "where the status is " << arg;
  return arg.code() == absl::StatusCode::kInvalidArgument && arg.message() == message;
}

Timestamp At(int year, int month, int day, int hour = 0, int minute = 0, int second = 0,
             int nanos = 0) {
  Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone())));
  ts.set_nanos(nanos);
  return ts;
}

Event Envelope(const std::string& event_id, const std::string& stream, const Timestamp& at,
               Precision precision) {
  Event event;
  event.set_event_id(event_id);
  event.set_stream(stream);
  *event.mutable_occurred_at() = at;
  event.set_occurred_precision(precision);
  event.mutable_source()->set_publisher("Ministry of Public Security");
  event.mutable_source()->set_title("Myanmar hands over 352 Chinese fraud suspects");
  *event.mutable_source()->mutable_published_at() = At(2024, 3, 11, 2, 30);
  event.set_recorded_by("validate_test");
  return event;
}

// SPEC §1: Myanmar police, on clues from China, raided hideouts in Muse;
// 807 captured, 352 of them Chinese incl. 21 ringleaders; computers and phones
// seized in unknown number.
Event MuseRaid() {
  Event event = Envelope("mps-2024-muse-raid", "operation/muse-2024", At(2024, 2, 1),
                         enforcement::v1::PRECISION_MONTH);
  auto* raid = event.mutable_raid();
  raid->set_operation_id("muse-2024");
  raid->mutable_location()->set_place("Muse");
  raid->mutable_location()->set_region("Shan State");
  raid->mutable_location()->set_country("MM");
  auto* police = raid->add_agencies();
  police->set_name("Myanmar Police Force");
  police->set_country("MM");
  auto* ministry = raid->add_agencies();
  ministry->set_name("Ministry of Public Security");
  ministry->set_country("CN");
  raid->set_tip_from_country("CN");
  raid->set_suspects_detained(807);
  (*raid->mutable_detained_by_nationality())["CN"] = 352;
  raid->set_ringleaders_detained(21);
  auto* computers = raid->add_seized();
  computers->set_item("computers");
  auto* phones = raid->add_seized();
  phones->set_item("mobile phones");
  raid->set_note("first joint operation of the two countries' police in the area");
  return event;
}

// SPEC §1: the 352 Chinese nationals were handed over on Sunday 2024-03-10.
Event MuseHandover() {
  Event event = Envelope("mps-2024-muse-handover", "handover/muse-2024-03-10", At(2024, 3, 10),
                         enforcement::v1::PRECISION_DAY);
  auto* handover = event.mutable_handover();
  handover->set_from_country("MM");
  handover->set_to_country("CN");
  handover->mutable_from_agency()->set_name("Myanmar Police Force");
  handover->mutable_from_agency()->set_country("MM");
  handover->mutable_to_agency()->set_name("Ministry of Public Security");
  handover->mutable_to_agency()->set_country("CN");
  handover->set_suspects_count(352);
  handover->set_ringleaders_count(21);
  handover->set_nationality("CN");
  handover->set_operation_id("muse-2024");
  return event;
}

// SPEC §1: 268 suspects transferred from Laos to China in February 2024.
Event LaosHandover() {
  Event event = Envelope("mps-2024-laos-february", "handover/la-cn-2024-02", At(2024, 2, 1),
                         enforcement::v1::PRECISION_MONTH);
  auto* handover = event.mutable_handover();
  handover->set_from_country("LA");
  handover->set_to_country("CN");
  handover->set_suspects_count(268);
  return event;
}

// SPEC §1: about 48,000 Chinese suspects handed over since the start of 2023.
Event HandedOverFigure() {
  Event event = Envelope("mps-2024-figure-48000", "figure/cn-suspects-handed-over", At(2024, 3, 11),
                         enforcement::v1::PRECISION_DAY);
  auto* figure = event.mutable_reported_figure();
  figure->set_metric("suspects_handed_over");
  figure->set_to_country("CN");
  figure->set_nationality("CN");
  *figure->mutable_period_from() = At(2023, 1, 1);
  figure->set_period_from_precision(enforcement::v1::PRECISION_YEAR);
  *figure->mutable_period_to() = At(2024, 3, 11);
  figure->set_period_to_precision(enforcement::v1::PRECISION_DAY);
  figure->set_value(48000);
  figure->set_approximate(true);
  return event;
}

// SPEC §1: a ringleader sentenced to 15 years 6 months; 196 victims; 27.96
// million yuan ($3.87 million) between April 2019 and October 2020.
Event RingleaderSentencing() {
  Event event = Envelope("court-2024-ringleader", "case/yunnan-ringleader", At(2024, 1, 1),
                         enforcement::v1::PRECISION_YEAR);
  auto* s = event.mutable_sentencing();
  s->set_case_id("yunnan-ringleader");
  s->set_court("Intermediate People's Court");
  s->set_suspect_id("ringleader-1");
  s->set_role(enforcement::v1::ROLE_RINGLEADER);
  s->add_offences("fraud");
  s->add_offences("organizing illegal border crossing");
  s->set_prison_months(186);
  s->set_victims(196);
  s->mutable_amount_defrauded()->set_currency("CNY");
  s->mutable_amount_defrauded()->set_minor_units(2796000000);
  s->mutable_amount_defrauded_equivalent()->set_currency("USD");
  s->mutable_amount_defrauded_equivalent()->set_minor_units(387000000);
  *s->mutable_offence_from() = At(2019, 4, 1);
  s->set_offence_from_precision(enforcement::v1::PRECISION_MONTH);
  *s->mutable_offence_to() = At(2020, 10, 1);
  s->set_offence_to_precision(enforcement::v1::PRECISION_MONTH);
  s->set_instance(enforcement::v1::INSTANCE_FIRST);
  s->set_suspect_name("(as published)");
  s->set_suspect_nationality("CN");
  return event;
}

Event RingleaderArrest() {
  Event event = Envelope("mpf-arrest-ringleader-1", "suspect/ringleader-1",
                         At(2024, 2, 20, 3, 15, 0, 500), enforcement::v1::PRECISION_EXACT);
  auto* arrest = event.mutable_arrest();
  arrest->mutable_suspect()->set_suspect_id("ringleader-1");
  arrest->mutable_suspect()->set_nationality("CN");
  arrest->mutable_suspect()->set_role(enforcement::v1::ROLE_RINGLEADER);
  arrest->set_operation_id("muse-2024");
  arrest->mutable_location()->set_country("MM");
  arrest->mutable_agency()->set_name("Myanmar Police Force");
  arrest->mutable_agency()->set_country("MM");
  return event;
}

// Corrects the raid: the replacement carries only a body (no id, stream or
// source), as the proto allows.
Event RaidCorrection() {
  Event event = Envelope("mps-2024-muse-raid-fix", "operation/muse-2024", At(2024, 3, 12),
                         enforcement::v1::PRECISION_DAY);
  auto* correction = event.mutable_correction();
  correction->set_target_event_id("mps-2024-muse-raid");
  correction->set_reason("the ministry revised the count");
  *correction->mutable_replacement()->mutable_raid() = MuseRaid().raid();
  correction->mutable_replacement()->mutable_raid()->set_suspects_detained(808);
  return event;
}

Event RaidRetraction() {
  Event event = Envelope("mps-2024-muse-raid-retract", "operation/muse-2024", At(2024, 3, 12),
                         enforcement::v1::PRECISION_DAY);
  event.mutable_retraction()->set_target_event_id("mps-2024-muse-raid");
  event.mutable_retraction()->set_reason("duplicate of another report");
  return event;
}

// --- the facts of SPEC §1 pass ---------------------------------------------

TEST(ValidateEventTest, MuseRaidWith807DetainedAnd352ChineseIncluding21RingleadersPasses) {
  EXPECT_EQ(ValidateEvent(MuseRaid()), absl::OkStatus());
}

TEST(ValidateEventTest, HandoverOf352FromMyanmarToChinaOnADayPasses) {
  EXPECT_EQ(ValidateEvent(MuseHandover()), absl::OkStatus());
}

TEST(ValidateEventTest, HandoverOf268FromLaosInFebruaryAtMonthPrecisionPasses) {
  EXPECT_EQ(ValidateEvent(LaosHandover()), absl::OkStatus());
}

TEST(ValidateEventTest, ApproximateReportedFigureOf48000Passes) {
  EXPECT_EQ(ValidateEvent(HandedOverFigure()), absl::OkStatus());
}

TEST(ValidateEventTest, SentencingOf186MonthsFor196VictimsAndCny2796000000Passes) {
  EXPECT_EQ(ValidateEvent(RingleaderSentencing()), absl::OkStatus());
}

TEST(ValidateEventTest, ArrestAtAnExactInstantPasses) {
  EXPECT_EQ(ValidateEvent(RingleaderArrest()), absl::OkStatus());
}

TEST(ValidateEventTest, CorrectionWhoseReplacementHasOnlyABodyPasses) {
  EXPECT_EQ(ValidateEvent(RaidCorrection()), absl::OkStatus());
}

TEST(ValidateEventTest, RetractionPasses) {
  EXPECT_EQ(ValidateEvent(RaidRetraction()), absl::OkStatus());
}

Event RingleaderRelease() {
  Event event = Envelope("court-release-1", "suspect/ringleader-1", At(2025, 6, 1),
                         enforcement::v1::PRECISION_DAY);
  auto* release = event.mutable_release();
  release->set_suspect_id("ringleader-1");
  release->set_country("CN");
  release->mutable_agency()->set_country("CN");
  release->set_reason("sentence served");
  return event;
}

TEST(ValidateEventTest, ReleasePasses) {
  EXPECT_EQ(ValidateEvent(RingleaderRelease()), absl::OkStatus());
}

TEST(ValidateEventTest, ReleaseWithoutSuspectOrWithABadCountryIsRefused) {
  Event event = RingleaderRelease();
  event.mutable_release()->clear_suspect_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("release.suspect_id: must be set"));
  event = RingleaderRelease();
  event.mutable_release()->set_country("China");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("release.country: \"China\" is not an ISO 3166-1 alpha-2 code"));
  event = RingleaderRelease();
  event.mutable_release()->mutable_agency()->set_country("cn");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("release.agency.country: \"cn\" is not an ISO 3166-1 alpha-2 code "
                        "(codes are upper case: \"CN\")"));
}

TEST(ValidateEventTest, SentencingCourtCountryMustBeAnIsoCode) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->set_court_country("CN");
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.mutable_sentencing()->set_court_country("PRC");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.court_country: \"PRC\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, EmptyOptionalCodesAndMessagesPass) {
  Event event = MuseRaid();
  event.mutable_raid()->clear_location();
  event.mutable_raid()->clear_agencies();
  event.mutable_raid()->clear_tip_from_country();
  event.mutable_raid()->clear_detained_by_nationality();
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.mutable_raid()->mutable_location()->set_place("Muse");  // country unset
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

TEST(ValidateEventTest, FirstFailingRuleIsReported) {
  Event event;
  event.set_stream("nonsense");
  EXPECT_THAT(ValidateEvent(event), IsInvalid("event_id: must be set"));
}

// --- event_id -----------------------------------------------------------------

TEST(ValidateEventTest, MissingEventIdIsRefused) {
  Event event = MuseRaid();
  event.clear_event_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("event_id: must be set"));
}

TEST(ValidateEventTest, EventIdLongerThan256BytesIsRefused) {
  Event event = MuseRaid();
  event.set_event_id(std::string(256, 'a'));
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.set_event_id(std::string(257, 'a'));
  EXPECT_THAT(ValidateEvent(event), IsInvalid("event_id: 257 bytes, more than the 256-byte limit"));
}

TEST(ValidateEventTest, EventIdWithControlCharacterIsRefused) {
  constexpr absl::string_view kRule = " (text carries no control characters)";
  Event event = MuseRaid();
  event.set_event_id("raid\n1");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid(absl::StrCat("event_id: control character U+000A at byte 4 of "
                                     "\"raid\\n1\"", kRule)));
  event.set_event_id("raid\x7f");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid(absl::StrCat("event_id: control character U+007F at byte 4 of "
                                     "\"raid\\x7f\"", kRule)));
  event.set_event_id("r\xc2\x85");  // U+0085 NEXT LINE, a C1 control
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid(absl::StrCat("event_id: control character U+0085 at byte 1 of "
                                     "\"r\\u0085\"", kRule)));
  event.set_event_id("缅甸-raid");  // other non-ASCII text is fine
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

// --- stream -------------------------------------------------------------------

TEST(ValidateEventTest, MissingStreamIsRefused) {
  Event event = MuseRaid();
  event.clear_stream();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("stream: must be set"));
}

TEST(ValidateEventTest, StreamWithoutKindIsRefused) {
  Event event = MuseRaid();
  event.set_stream("muse-2024");
  EXPECT_THAT(ValidateEvent(event), IsInvalid("stream: \"muse-2024\" is not \"<kind>/<name>\""));
}

TEST(ValidateEventTest, StreamOfUnknownKindIsRefused) {
  Event event = MuseRaid();
  event.set_stream("raid/muse-2024");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("stream: unknown kind \"raid\" (expected operation, suspect, case, "
                        "handover or figure)"));
}

TEST(ValidateEventTest, StreamWithEmptyNameIsRefused) {
  Event event = MuseRaid();
  event.set_stream("operation/");
  EXPECT_THAT(ValidateEvent(event), IsInvalid("stream: \"operation/\" has an empty name"));
}

TEST(ValidateEventTest, StreamNameLongerThan512BytesIsRefused) {
  Event event = MuseRaid();
  event.set_stream("operation/" + std::string(512, 'm'));
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.set_stream("operation/" + std::string(513, 'm'));
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("stream: name is 513 bytes, more than the 512-byte limit"));
}

TEST(ValidateEventTest, StreamWithNulIsRefused) {
  Event event = MuseRaid();
  event.set_stream(std::string("operation/mu\0se", 15));
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("stream: control character U+0000 at byte 12 of "
                        "\"operation/mu\\x00se\" (text carries no control characters)"));
}

TEST(IsValidStreamNameTest, AcceptsTheFiveKindsWithANonEmptyName) {
  for (const char* stream : {"operation/muse-2024", "suspect/ringleader-1", "case/yunnan-1",
                             "handover/mm-cn/2024-03-10", "figure/cn-handed-over"}) {
    EXPECT_TRUE(IsValidStreamName(stream)) << stream;
  }
  for (const char* stream :
       {"", "operation", "operation/", "/muse", "Operation/muse", "raid/muse", "case/\t1"}) {
    EXPECT_FALSE(IsValidStreamName(stream)) << stream;
  }
  EXPECT_FALSE(IsValidStreamName(std::string("case/a\0b", 8)));
  EXPECT_TRUE(IsValidStreamName("case/" + std::string(512, 'x')));
  EXPECT_FALSE(IsValidStreamName("case/" + std::string(513, 'x')));
}

// --- occurred_at and its precision -------------------------------------------

TEST(ValidateEventTest, MissingOccurredAtIsRefused) {
  Event event = MuseRaid();
  event.clear_occurred_at();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("occurred_at: must be set"));
}

TEST(ValidateEventTest, OccurredAtBefore1900IsRefused) {
  Event event = MuseRaid();
  *event.mutable_occurred_at() = At(1900, 1, 1);
  event.set_occurred_precision(enforcement::v1::PRECISION_YEAR);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  *event.mutable_occurred_at() = At(1899, 12, 31, 23, 59, 59);
  event.set_occurred_precision(enforcement::v1::PRECISION_EXACT);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at.seconds: -2208988801 is outside years 1900..9999"));
}

TEST(ValidateEventTest, OccurredAtAfter9999IsRefused) {
  Event event = MuseRaid();
  *event.mutable_occurred_at() = At(9999, 12, 31, 23, 59, 59);
  event.set_occurred_precision(enforcement::v1::PRECISION_EXACT);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.mutable_occurred_at()->set_seconds(253402300800);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at.seconds: 253402300800 is outside years 1900..9999"));
  event.mutable_occurred_at()->set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at.seconds: 9223372036854775807 is outside years 1900..9999"));
}

TEST(ValidateEventTest, OccurredAtNanosOutOfRangeIsRefused) {
  Event event = RingleaderArrest();
  event.mutable_occurred_at()->set_nanos(1000000000);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at.nanos: 1000000000 is outside 0..999999999"));
  event.mutable_occurred_at()->set_nanos(-1);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("occurred_at.nanos: -1 is outside 0..999999999"));
}

TEST(ValidateEventTest, UnspecifiedPrecisionIsRefused) {
  Event event = MuseRaid();
  event.clear_occurred_precision();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_precision: must be set (PRECISION_UNSPECIFIED is refused)"));
}

TEST(ValidateEventTest, UnknownPrecisionIsRefused) {
  Event event = MuseRaid();
  event.set_occurred_precision(static_cast<Precision>(9));
  EXPECT_THAT(ValidateEvent(event), IsInvalid("occurred_precision: 9 is not a known Precision"));
}

TEST(ValidateEventTest, DayPrecisionRequiresMidnightUtc) {
  Event event = MuseHandover();
  *event.mutable_occurred_at() = At(2024, 3, 10, 5);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at: 2024-03-10T05:00:00Z is not the first instant of a day "
                        "(PRECISION_DAY)"));
  *event.mutable_occurred_at() = At(2024, 3, 10, 0, 0, 0, 500000000);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at: 2024-03-10T00:00:00.5Z is not the first instant of a day "
                        "(PRECISION_DAY)"));
}

TEST(ValidateEventTest, MonthPrecisionRequiresTheFirstOfTheMonth) {
  Event event = LaosHandover();
  *event.mutable_occurred_at() = At(2024, 2, 10);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at: 2024-02-10T00:00:00Z is not the first instant of a month "
                        "(PRECISION_MONTH)"));
}

TEST(ValidateEventTest, YearPrecisionRequiresTheFirstOfJanuary) {
  Event event = RingleaderSentencing();
  *event.mutable_occurred_at() = At(2024, 3, 1);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at: 2024-03-01T00:00:00Z is not the first instant of a year "
                        "(PRECISION_YEAR)"));
}

TEST(ValidateEventTest, DatesBefore1970AreAlignedInUtcToo) {
  Event event = RingleaderSentencing();
  *event.mutable_occurred_at() = At(1969, 1, 1);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.set_occurred_precision(enforcement::v1::PRECISION_DAY);
  *event.mutable_occurred_at() = At(1969, 7, 20, 20, 17);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("occurred_at: 1969-07-20T20:17:00Z is not the first instant of a day "
                        "(PRECISION_DAY)"));
}

// --- source -------------------------------------------------------------------

TEST(ValidateEventTest, MissingSourceIsRefused) {
  Event event = MuseRaid();
  event.clear_source();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("source: must be set (with publisher or reference)"));
}

TEST(ValidateEventTest, SourceWithoutPublisherOrReferenceIsRefused) {
  Event event = MuseRaid();
  event.mutable_source()->clear_publisher();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("source: publisher or reference must be set"));
  event.mutable_source()->set_reference("MPS-2024-0311");
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

TEST(ValidateEventTest, SourcePublishedAtMustBeAValidTimestamp) {
  Event event = MuseRaid();
  event.mutable_source()->mutable_published_at()->set_nanos(-1);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("source.published_at.nanos: -1 is outside 0..999999999"));
}

// --- body and size ------------------------------------------------------------

TEST(ValidateEventTest, MissingBodyIsRefused) {
  Event event = MuseRaid();
  event.clear_raid();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("body: must be set (one of raid, arrest, handover, sentencing, "
                        "correction, retraction, reported_figure, release)"));
}

TEST(ValidateEventTest, EventOverOneMebibyteIsRefused) {
  Event event = MuseRaid();
  const size_t base = event.ByteSizeLong();
  // Grow the note until the event is exactly at the limit: that passes.
  size_t note = kMaxEventBytes - base - 8;
  event.mutable_raid()->set_note(std::string(note, 'n'));
  while (event.ByteSizeLong() < kMaxEventBytes) {
    event.mutable_raid()->set_note(std::string(++note, 'n'));
  }
  ASSERT_EQ(event.ByteSizeLong(), kMaxEventBytes);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.mutable_raid()->set_note(std::string(note + 1, 'n'));
  ASSERT_EQ(event.ByteSizeLong(), kMaxEventBytes + 1);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("event: serializes to 1048577 bytes, more than the 1 MiB limit"));
}

// --- country codes ------------------------------------------------------------

TEST(IsCountryCodeTest, AcceptsExactlyThe249AssignedCodes) {
  int count = 0;
  std::string code = "AA";
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      code[0] = a;
      code[1] = b;
      count += IsCountryCode(code);
    }
  }
  EXPECT_EQ(count, 249);
  for (const char* ok : {"CN", "MM", "LA", "TH", "KH", "US", "GB", "AX", "ZW"}) {
    EXPECT_TRUE(IsCountryCode(ok)) << ok;
  }
  // User-assigned (XK), exceptionally reserved (UK, EU), withdrawn (YU, AN),
  // wrong case or length.
  for (const char* bad : {"XK", "UK", "EU", "YU", "AN", "XX", "cn", "Cn", "", "C", "CHN", "C\n"}) {
    EXPECT_FALSE(IsCountryCode(bad)) << bad;
  }
}

TEST(ValidateEventTest, RaidLocationCountryMustBeIso3166) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_location()->set_country("XX");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.location.country: \"XX\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, LowerCaseCountryIsRefusedWithAHint) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_location()->set_country("mm");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.location.country: \"mm\" is not an ISO 3166-1 alpha-2 code "
                        "(codes are upper case: \"MM\")"));
}

TEST(ValidateEventTest, LongBadValueIsCutInTheMessage) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_location()->set_country(std::string(100, 'Q'));
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid(absl::StrCat("raid.location.country: \"", std::string(64, 'Q'),
                                     "\"... (100 bytes) is not an ISO 3166-1 alpha-2 code")));
}

TEST(ValidateEventTest, RaidAgencyCountryIsCheckedWithItsIndex) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_agencies(1)->set_country("CHN");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.agencies[1].country: \"CHN\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, RaidTipFromCountryMustBeIso3166) {
  Event event = MuseRaid();
  event.mutable_raid()->set_tip_from_country("UK");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.tip_from_country: \"UK\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, RaidNationalityKeyMustBeIso3166) {
  Event event = MuseRaid();
  (*event.mutable_raid()->mutable_detained_by_nationality())["XX"] = 1;
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.detained_by_nationality[\"XX\"]: \"XX\" is not an ISO 3166-1 "
                        "alpha-2 code"));
}

TEST(ValidateEventTest, RaidNationalityBreakdownReportsTheSmallestBadKey) {
  Event event = MuseRaid();
  auto& counts = *event.mutable_raid()->mutable_detained_by_nationality();
  for (const char* key : {"ZZ", "QQ", "YY", "XX", "WW"}) counts[key] = 1;
  counts["AA"] = 1;
  counts["KH"] = -4;
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.detained_by_nationality[\"AA\"]: \"AA\" is not an ISO 3166-1 "
                        "alpha-2 code"));
}

TEST(ValidateEventTest, ArrestSuspectNationalityMustBeIso3166) {
  Event event = RingleaderArrest();
  event.mutable_arrest()->mutable_suspect()->set_nationality("ZZ");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("arrest.suspect.nationality: \"ZZ\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, ArrestLocationAndAgencyCountriesMustBeIso3166) {
  Event event = RingleaderArrest();
  event.mutable_arrest()->mutable_location()->set_country("Myanmar");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("arrest.location.country: \"Myanmar\" is not an ISO 3166-1 alpha-2 code"));
  event = RingleaderArrest();
  event.mutable_arrest()->mutable_agency()->set_country("BU");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("arrest.agency.country: \"BU\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, HandoverRequiresFromCountry) {
  Event event = MuseHandover();
  event.mutable_handover()->clear_from_country();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("handover.from_country: must be set"));
  event.mutable_handover()->set_from_country("BU");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.from_country: \"BU\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, HandoverRequiresToCountry) {
  Event event = MuseHandover();
  event.mutable_handover()->clear_to_country();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("handover.to_country: must be set"));
  event.mutable_handover()->set_to_country("PRC");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.to_country: \"PRC\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, HandoverToTheSameCountryIsRefused) {
  Event event = MuseHandover();
  event.mutable_handover()->set_from_country("CN");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.to_country: \"CN\" is the same as from_country"));
}

TEST(ValidateEventTest, HandoverAgencyCountriesMustBeIso3166) {
  Event event = MuseHandover();
  event.mutable_handover()->mutable_from_agency()->set_country("XM");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.from_agency.country: \"XM\" is not an ISO 3166-1 alpha-2 code"));
  event = MuseHandover();
  event.mutable_handover()->mutable_to_agency()->set_country("XC");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.to_agency.country: \"XC\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, HandoverNationalityMustBeIso3166) {
  Event event = MuseHandover();
  event.mutable_handover()->set_nationality("Chinese");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.nationality: \"Chinese\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ValidateEventTest, SentencingSuspectNationalityMustBeIso3166) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->set_suspect_nationality("CHN");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.suspect_nationality: \"CHN\" is not an ISO 3166-1 alpha-2 "
                        "code"));
}

TEST(ValidateEventTest, ReportedFigureCountriesMustBeIso3166) {
  Event event = HandedOverFigure();
  event.mutable_reported_figure()->set_from_country("ASEAN");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("reported_figure.from_country: \"ASEAN\" is not an ISO 3166-1 alpha-2 "
                        "code"));
  event = HandedOverFigure();
  event.mutable_reported_figure()->set_to_country("cn");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("reported_figure.to_country: \"cn\" is not an ISO 3166-1 alpha-2 code "
                        "(codes are upper case: \"CN\")"));
  event = HandedOverFigure();
  event.mutable_reported_figure()->set_nationality("XX");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("reported_figure.nationality: \"XX\" is not an ISO 3166-1 alpha-2 code"));
}

// --- currency codes -----------------------------------------------------------

TEST(IsCurrencyCodeTest, AcceptsTheActiveIso4217Codes) {
  int count = 0;
  std::string code = "AAA";
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      for (char c = 'A'; c <= 'Z'; ++c) {
        code = {a, b, c};
        count += IsCurrencyCode(code);
      }
    }
  }
  EXPECT_EQ(count, 182);
  for (const char* ok : {"CNY", "USD", "MMK", "LAK", "THB", "EUR", "XAU", "ZWG", "XCG"}) {
    EXPECT_TRUE(IsCurrencyCode(ok)) << ok;
  }
  // Not ISO (RMB), withdrawn (HRK, DEM, BUK), wrong case or length.
  for (const char* bad : {"RMB", "HRK", "DEM", "BUK", "cny", "", "CN", "CNYY"}) {
    EXPECT_FALSE(IsCurrencyCode(bad)) << bad;
  }
}

TEST(ValidateEventTest, MoneyRequiresCurrency) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_fine()->set_minor_units(100);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.fine.currency: must be set"));
}

TEST(ValidateEventTest, NewAmountsNeedAnIso4217MinorUnitButStoredRecordsStayValid) {
  Event event = RingleaderSentencing();
  for (const char* code : {"XAU", "XXX", "XTS", "XDR"}) {
    event.mutable_sentencing()->mutable_amount_defrauded()->set_currency(code);
    // A record stored before the rule (migrate re-validates it) is valid.
    EXPECT_TRUE(ValidateEvent(event).ok()) << code;
    EXPECT_THAT(ValidateNewAmounts(event),
                IsInvalid(absl::StrCat("sentencing.amount_defrauded.currency: \"", code,
                                       "\" has no ISO 4217 minor unit (precious metals, bond units, XDR, XTS and XXX "
                                       "are not money amounts here); record the amount in the "
                                       "currency it was reported in")))
        << code;
  }
  for (const char* code : {"JPY", "BHD", "MMK", "IQD"}) {
    event.mutable_sentencing()->mutable_amount_defrauded()->set_currency(code);
    EXPECT_TRUE(ValidateNewAmounts(event).ok()) << code;
  }
  // Also in a correction's replacement.
  Event correction;
  *correction.mutable_correction()->mutable_replacement() = RingleaderSentencing();
  correction.mutable_correction()->mutable_replacement()->mutable_sentencing()
      ->mutable_fine()->set_currency("XAU");
  EXPECT_THAT(ValidateNewAmounts(correction),
              IsInvalid("correction.replacement.sentencing.fine.currency: \"XAU\" has no ISO "
                        "4217 minor unit (precious metals, bond units, XDR, XTS and XXX are not "
                        "money amounts here); record the amount in the currency it was reported "
                        "in"));
}

TEST(ValidateEventTest, MoneyCurrencyMustBeActiveIso4217) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_amount_defrauded()->set_currency("RMB");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.amount_defrauded.currency: \"RMB\" is not an active ISO 4217 "
                        "currency code"));
  event.mutable_sentencing()->mutable_amount_defrauded()->set_currency("HRK");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.amount_defrauded.currency: \"HRK\" is not an active ISO 4217 "
                        "currency code"));
}

TEST(ValidateEventTest, LowerCaseCurrencyIsRefusedWithAHint) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_amount_defrauded_equivalent()->set_currency("usd");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.amount_defrauded_equivalent.currency: \"usd\" is not an "
                        "active ISO 4217 currency code (codes are upper case: \"USD\")"));
}

// --- counts and amounts are not negative --------------------------------------

TEST(ValidateEventTest, RaidNegativeSuspectsDetainedIsRefused) {
  Event event = MuseRaid();
  event.mutable_raid()->set_suspects_detained(-807);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("raid.suspects_detained: -807 is negative"));
}

TEST(ValidateEventTest, RaidNegativeNationalityCountIsRefused) {
  Event event = MuseRaid();
  (*event.mutable_raid()->mutable_detained_by_nationality())["CN"] = -352;
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.detained_by_nationality[\"CN\"]: -352 is negative"));
}

TEST(ValidateEventTest, RaidNegativeRingleadersIsRefused) {
  Event event = MuseRaid();
  event.mutable_raid()->set_ringleaders_detained(-21);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("raid.ringleaders_detained: -21 is negative"));
}

TEST(ValidateEventTest, RaidNegativeSeizedQuantityIsRefused) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_seized(1)->set_quantity(-1);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("raid.seized[1].quantity: -1 is negative"));
}

TEST(ValidateEventTest, HandoverNegativeCountsAreRefused) {
  Event event = MuseHandover();
  event.mutable_handover()->set_suspects_count(-352);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("handover.suspects_count: -352 is negative"));
  event = MuseHandover();
  event.mutable_handover()->set_ringleaders_count(-21);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("handover.ringleaders_count: -21 is negative"));
}

TEST(ValidateEventTest, SentencingNegativePrisonMonthsIsRefused) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->set_prison_months(-186);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.prison_months: -186 is negative"));
}

TEST(ValidateEventTest, SentencingNegativeVictimsIsRefused) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->set_victims(-196);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.victims: -196 is negative"));
}

TEST(ValidateEventTest, NegativeMoneyIsRefused) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_fine()->set_currency("CNY");
  event.mutable_sentencing()->mutable_fine()->set_minor_units(-1);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.fine.minor_units: -1 is negative"));
  event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_amount_defrauded()->set_minor_units(-2796000000);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.amount_defrauded.minor_units: -2796000000 is negative"));
}

TEST(ValidateEventTest, ReportedFigureNegativeValueIsRefused) {
  Event event = HandedOverFigure();
  event.mutable_reported_figure()->set_value(-48000);
  EXPECT_THAT(ValidateEvent(event), IsInvalid("reported_figure.value: -48000 is negative"));
}

// --- parts do not exceed wholes -----------------------------------------------

TEST(ValidateEventTest, RaidRejectsMoreRingleadersThanDetained) {
  Event event = MuseRaid();
  event.mutable_raid()->set_ringleaders_detained(808);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.ringleaders_detained: 808 is more than suspects_detained 807"));
}

TEST(ValidateEventTest, RaidRejectsNationalityBreakdownAboveTotal) {
  Event event = MuseRaid();
  (*event.mutable_raid()->mutable_detained_by_nationality())["MM"] = 455;
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());  // 352 + 455 = 807
  (*event.mutable_raid()->mutable_detained_by_nationality())["MM"] = 548;
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.detained_by_nationality: counts sum to 900, more than "
                        "suspects_detained 807"));
}

TEST(ValidateEventTest, RaidNationalitySumIsCheckedWithinTheBounds) {
  Event event = MuseRaid();
  event.mutable_raid()->set_suspects_detained(kMaxPeople);
  auto& counts = *event.mutable_raid()->mutable_detained_by_nationality();
  counts["CN"] = kMaxPeople;
  counts["MM"] = kMaxPeople;
  counts["TH"] = kMaxPeople;
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.detained_by_nationality: counts sum to 3000000000, more than "
                        "suspects_detained 1000000000"));
  counts.erase("MM");
  counts.erase("TH");
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

TEST(ValidateEventTest, HandoverRejectsMoreIdsThanCount) {
  Event event = MuseHandover();
  auto* handover = event.mutable_handover();
  for (const char* id : {"S-1", "S-2", "S-3", "S-4", "S-5"}) handover->add_suspect_ids(id);
  handover->set_suspects_count(5);
  handover->set_ringleaders_count(3);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  handover->set_suspects_count(3);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.suspects_count: 3 is less than the 5 suspect_ids"));
}

TEST(ValidateEventTest, HandoverRejectsMoreRingleadersThanCount) {
  Event event = MuseHandover();
  event.mutable_handover()->set_ringleaders_count(353);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.ringleaders_count: 353 is more than suspects_count 352"));
}

TEST(ValidateEventTest, HandoverRejectsZeroCount) {
  Event event = MuseHandover();
  event.mutable_handover()->set_suspects_count(0);
  event.mutable_handover()->set_ringleaders_count(0);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.suspects_count: must be at least 1 (a handover moves someone)"));
}

TEST(ValidateEventTest, HandoverRejectsEmptySuspectId) {
  Event event = MuseHandover();
  event.mutable_handover()->add_suspect_ids("S-1");
  event.mutable_handover()->add_suspect_ids("");
  EXPECT_THAT(ValidateEvent(event), IsInvalid("handover.suspect_ids[1]: must not be empty"));
}

TEST(ValidateEventTest, HandoverRejectsRepeatedSuspectId) {
  Event event = MuseHandover();
  for (const char* id : {"S-1", "S-2", "S-1", "S-2"}) event.mutable_handover()->add_suspect_ids(id);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.suspect_ids[2]: \"S-1\" repeats suspect_ids[0]"));
}

TEST(ValidateEventTest, HandoverRejectsRepeatedSuspectIdInALongList) {
  Event event = MuseHandover();
  for (int i = 0; i < 352; ++i) event.mutable_handover()->add_suspect_ids(absl::StrCat("S-", i));
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  event.mutable_handover()->set_suspect_ids(300, "S-12");
  event.mutable_handover()->set_suspect_ids(310, "S-7");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("handover.suspect_ids[300]: \"S-12\" repeats suspect_ids[12]"));
}

// --- required identifiers -----------------------------------------------------

TEST(ValidateEventTest, RaidRequiresOperationId) {
  Event event = MuseRaid();
  event.mutable_raid()->clear_operation_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("raid.operation_id: must be set"));
}

TEST(ValidateEventTest, RaidSeizedItemRequiresItsName) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_seized(0)->clear_item();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("raid.seized[0].item: must be set"));
}

TEST(ValidateEventTest, ArrestRequiresSuspect) {
  Event event = RingleaderArrest();
  event.mutable_arrest()->clear_suspect();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("arrest.suspect: must be set"));
}

TEST(ValidateEventTest, ArrestRequiresSuspectId) {
  Event event = RingleaderArrest();
  event.mutable_arrest()->mutable_suspect()->clear_suspect_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("arrest.suspect.suspect_id: must be set"));
}

TEST(ValidateEventTest, UnknownRoleIsRefused) {
  Event event = RingleaderArrest();
  event.mutable_arrest()->mutable_suspect()->set_role(static_cast<enforcement::v1::Role>(99));
  EXPECT_THAT(ValidateEvent(event), IsInvalid("arrest.suspect.role: 99 is not a known Role"));
  event = RingleaderSentencing();
  event.mutable_sentencing()->set_role(static_cast<enforcement::v1::Role>(-1));
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.role: -1 is not a known Role"));
}

TEST(ValidateEventTest, SentencingRequiresCaseId) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->clear_case_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.case_id: must be set"));
}

TEST(ValidateEventTest, SentencingRequiresSuspectId) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->clear_suspect_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.suspect_id: must be set"));
}

TEST(ValidateEventTest, UnknownInstanceIsRefused) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->set_instance(static_cast<enforcement::v1::Instance>(7));
  EXPECT_THAT(ValidateEvent(event), IsInvalid("sentencing.instance: 7 is not a known Instance"));
}

TEST(ValidateEventTest, ReportedFigureRequiresMetric) {
  Event event = HandedOverFigure();
  event.mutable_reported_figure()->clear_metric();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("reported_figure.metric: must be set"));
}

// --- periods ------------------------------------------------------------------

TEST(ValidateEventTest, SentencingOffenceFromRequiresPrecision) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->clear_offence_from_precision();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_from_precision: must be set (PRECISION_UNSPECIFIED "
                        "is refused)"));
}

TEST(ValidateEventTest, SentencingOffenceToRequiresPrecision) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->clear_offence_to_precision();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to_precision: must be set (PRECISION_UNSPECIFIED "
                        "is refused)"));
}

TEST(ValidateEventTest, SentencingOffenceFromMustBeAlignedToItsPrecision) {
  Event event = RingleaderSentencing();
  *event.mutable_sentencing()->mutable_offence_from() = At(2019, 4, 15);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_from: 2019-04-15T00:00:00Z is not the first instant "
                        "of a month (PRECISION_MONTH)"));
}

TEST(ValidateEventTest, SentencingOffenceTimestampMustBeValid) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->mutable_offence_to()->set_nanos(2000000000);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to.nanos: 2000000000 is outside 0..999999999"));
}

TEST(ValidateEventTest, PrecisionWithoutItsTimestampIsRefused) {
  Event event = RingleaderSentencing();
  event.mutable_sentencing()->clear_offence_to();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to_precision: is set without offence_to"));
  event.mutable_sentencing()->clear_offence_to_precision();
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());  // an open-ended period
}

TEST(ValidateEventTest, SentencingOffenceToBeforeOffenceFromIsRefused) {
  Event event = RingleaderSentencing();
  *event.mutable_sentencing()->mutable_offence_from() = At(2020, 10, 1);
  *event.mutable_sentencing()->mutable_offence_to() = At(2019, 4, 1);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to: 2019-04-01T00:00:00Z (PRECISION_MONTH) ends "
                        "before offence_from 2020-10-01T00:00:00Z starts"));
}

TEST(ValidateEventTest, PeriodEndingInTheUnitWhereItStartsPasses) {
  // From 15 April 2019 (a day) to "April 2019" (a month): the month ends after
  // the day, so the period is not reversed although its timestamps are.
  Event event = RingleaderSentencing();
  *event.mutable_sentencing()->mutable_offence_from() = At(2019, 4, 15);
  event.mutable_sentencing()->set_offence_from_precision(enforcement::v1::PRECISION_DAY);
  *event.mutable_sentencing()->mutable_offence_to() = At(2019, 4, 1);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
  // "March 2019" ends before 15 April.
  *event.mutable_sentencing()->mutable_offence_to() = At(2019, 3, 1);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to: 2019-03-01T00:00:00Z (PRECISION_MONTH) ends "
                        "before offence_from 2019-04-15T00:00:00Z starts"));
  // An exact end one second before the start.
  *event.mutable_sentencing()->mutable_offence_to() = At(2019, 4, 14, 23, 59, 59);
  event.mutable_sentencing()->set_offence_to_precision(enforcement::v1::PRECISION_EXACT);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("sentencing.offence_to: 2019-04-14T23:59:59Z (PRECISION_EXACT) ends "
                        "before offence_from 2019-04-15T00:00:00Z starts"));
  // A period of one instant.
  *event.mutable_sentencing()->mutable_offence_to() = At(2019, 4, 15);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

TEST(ValidateEventTest, ReportedFigurePeriodFromRequiresPrecision) {
  Event event = HandedOverFigure();
  event.mutable_reported_figure()->clear_period_from_precision();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("reported_figure.period_from_precision: must be set "
                                              "(PRECISION_UNSPECIFIED is refused)"));
}

TEST(ValidateEventTest, ReportedFigurePeriodToBeforePeriodFromIsRefused) {
  Event event = HandedOverFigure();
  *event.mutable_reported_figure()->mutable_period_to() = At(2022, 12, 31);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("reported_figure.period_to: 2022-12-31T00:00:00Z (PRECISION_DAY) ends "
                        "before period_from 2023-01-01T00:00:00Z starts"));
}

TEST(ValidateEventTest, ReportedFigurePeriodToMustBeAlignedToItsPrecision) {
  Event event = HandedOverFigure();
  *event.mutable_reported_figure()->mutable_period_to() = At(2024, 3, 11, 12);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("reported_figure.period_to: 2024-03-11T12:00:00Z is not the first "
                        "instant of a day (PRECISION_DAY)"));
}

// --- corrections and retractions ----------------------------------------------

TEST(ValidateEventTest, CorrectionRequiresTargetEventId) {
  Event event = RaidCorrection();
  event.mutable_correction()->clear_target_event_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("correction.target_event_id: must be set"));
}

TEST(ValidateEventTest, CorrectionRequiresReason) {
  Event event = RaidCorrection();
  event.mutable_correction()->clear_reason();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("correction.reason: must be set"));
}

TEST(ValidateEventTest, CorrectionRequiresReplacement) {
  Event event = RaidCorrection();
  event.mutable_correction()->clear_replacement();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("correction.replacement: must be set"));
}

TEST(ValidateEventTest, CorrectionReplacementRequiresBody) {
  Event event = RaidCorrection();
  event.mutable_correction()->mutable_replacement()->clear_raid();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.body: must be set (a replacement body is one of "
                        "raid, arrest, handover, sentencing, reported_figure, "
                        "release)"));
}

TEST(ValidateEventTest, CorrectionReplacementCannotBeACorrection) {
  Event event = RaidCorrection();
  *event.mutable_correction()->mutable_replacement() = RaidCorrection();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.correction: not allowed (a replacement body is "
                        "one of raid, arrest, handover, sentencing, reported_figure, "
                        "release)"));
}

TEST(ValidateEventTest, CorrectionReplacementCannotBeARetraction) {
  Event event = RaidCorrection();
  *event.mutable_correction()->mutable_replacement()->mutable_retraction() =
      RaidRetraction().retraction();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.retraction: not allowed (a replacement body is "
                        "one of raid, arrest, handover, sentencing, reported_figure, "
                        "release)"));
}

TEST(ValidateEventTest, CorrectionReplacementBodyFollowsTheSameRules) {
  Event event = RaidCorrection();
  event.mutable_correction()
      ->mutable_replacement()
      ->mutable_raid()
      ->mutable_location()
      ->set_country("XX");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.raid.location.country: \"XX\" is not an ISO "
                        "3166-1 alpha-2 code"));

  Event handover_fix = RaidCorrection();
  Event* replacement = handover_fix.mutable_correction()->mutable_replacement();
  *replacement->mutable_handover() = MuseHandover().handover();
  for (const char* id : {"S-1", "S-2", "S-3", "S-4", "S-5"}) {
    replacement->mutable_handover()->add_suspect_ids(id);
  }
  replacement->mutable_handover()->set_suspects_count(3);
  replacement->mutable_handover()->set_ringleaders_count(0);
  EXPECT_THAT(ValidateEvent(handover_fix),
              IsInvalid("correction.replacement.handover.suspects_count: 3 is less than the 5 "
                        "suspect_ids"));
}

TEST(ValidateEventTest, CorrectionReplacementOccurredAtFollowsTheUsualRules) {
  Event event = RaidCorrection();
  Event* replacement = event.mutable_correction()->mutable_replacement();
  *replacement->mutable_occurred_at() = At(2024, 3, 10);
  replacement->set_occurred_precision(enforcement::v1::PRECISION_DAY);
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());

  *replacement->mutable_occurred_at() = At(2024, 3, 10, 5);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.occurred_at: 2024-03-10T05:00:00Z is not the "
                        "first instant of a day (PRECISION_DAY)"));

  replacement->clear_occurred_precision();
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.occurred_precision: must be set "
                        "(PRECISION_UNSPECIFIED is refused)"));

  replacement->clear_occurred_at();
  replacement->set_occurred_precision(enforcement::v1::PRECISION_MONTH);
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.occurred_precision: is set without occurred_at"));
}

TEST(ValidateEventTest, CorrectionReplacementEnvelopeIsIgnored) {
  Event event = RaidCorrection();
  Event* replacement = event.mutable_correction()->mutable_replacement();
  replacement->set_stream("not a stream");
  replacement->set_event_id(std::string(300, 'x'));
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

TEST(ValidateEventTest, RetractionRequiresTargetEventId) {
  Event event = RaidRetraction();
  event.mutable_retraction()->clear_target_event_id();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("retraction.target_event_id: must be set"));
}

TEST(ValidateEventTest, RetractionRequiresReason) {
  Event event = RaidRetraction();
  event.mutable_retraction()->clear_reason();
  EXPECT_THAT(ValidateEvent(event), IsInvalid("retraction.reason: must be set"));
}


// --- domain bounds (SPEC §8) ------------------------------------------------------

// Every count and amount has a bound; one past it is refused with the rule,
// the bound itself passes.
TEST(ValidateEventTest, EveryCountAndAmountIsRefusedBeyondItsBound) {
  struct Case {
    Event (*make)();
    void (*set)(Event*, int64_t);
    int64_t bound;
    const char* path;
  };
  const Case cases[] = {
      {MuseRaid, [](Event* e, int64_t v) { e->mutable_raid()->set_suspects_detained(v); },
       kMaxPeople, "raid.suspects_detained"},
      {MuseRaid,
       [](Event* e, int64_t v) {
         e->mutable_raid()->set_suspects_detained(v);
         (*e->mutable_raid()->mutable_detained_by_nationality())["CN"] = v;
       },
       kMaxPeople, "raid.suspects_detained"},
      {MuseRaid,
       [](Event* e, int64_t v) {
         e->mutable_raid()->set_suspects_detained(kMaxPeople);
         e->mutable_raid()->mutable_detained_by_nationality()->erase("CN");
         (*e->mutable_raid()->mutable_detained_by_nationality())["MM"] = v;
       },
       kMaxPeople, "raid.detained_by_nationality[\"MM\"]"},
      {MuseRaid,
       [](Event* e, int64_t v) {
         e->mutable_raid()->set_suspects_detained(kMaxPeople);
         e->mutable_raid()->set_ringleaders_detained(v);
       },
       kMaxPeople, "raid.ringleaders_detained"},
      {MuseRaid, [](Event* e, int64_t v) { e->mutable_raid()->mutable_seized(1)->set_quantity(v); },
       kMaxSeizedQuantity, "raid.seized[1].quantity"},
      {MuseHandover, [](Event* e, int64_t v) { e->mutable_handover()->set_suspects_count(v); },
       kMaxPeople, "handover.suspects_count"},
      {MuseHandover,
       [](Event* e, int64_t v) {
         e->mutable_handover()->set_suspects_count(kMaxPeople);
         e->mutable_handover()->set_ringleaders_count(v);
       },
       kMaxPeople, "handover.ringleaders_count"},
      {RingleaderSentencing,
       [](Event* e, int64_t v) { e->mutable_sentencing()->set_prison_months(v); },
       kMaxPrisonMonths, "sentencing.prison_months"},
      {RingleaderSentencing, [](Event* e, int64_t v) { e->mutable_sentencing()->set_victims(v); },
       kMaxPeople, "sentencing.victims"},
      {RingleaderSentencing,
       [](Event* e, int64_t v) {
         e->mutable_sentencing()->mutable_fine()->set_currency("CNY");
         e->mutable_sentencing()->mutable_fine()->set_minor_units(v);
       },
       kMaxMinorUnits, "sentencing.fine.minor_units"},
      {RingleaderSentencing,
       [](Event* e, int64_t v) {
         e->mutable_sentencing()->mutable_amount_defrauded()->set_minor_units(v);
       },
       kMaxMinorUnits, "sentencing.amount_defrauded.minor_units"},
      {RingleaderSentencing,
       [](Event* e, int64_t v) {
         e->mutable_sentencing()->mutable_amount_defrauded_equivalent()->set_minor_units(v);
       },
       kMaxMinorUnits, "sentencing.amount_defrauded_equivalent.minor_units"},
      {HandedOverFigure, [](Event* e, int64_t v) { e->mutable_reported_figure()->set_value(v); },
       kMaxFigureValue, "reported_figure.value"},
      {RaidCorrection,
       [](Event* e, int64_t v) {
         e->mutable_correction()->mutable_replacement()->mutable_raid()->set_suspects_detained(v);
       },
       kMaxPeople, "correction.replacement.raid.suspects_detained"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    Event event = c.make();
    c.set(&event, c.bound);
    EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
    for (int64_t v : {c.bound + 1, std::numeric_limits<int64_t>::max()}) {
      event = c.make();
      c.set(&event, v);
      EXPECT_THAT(ValidateEvent(event),
                  IsInvalid(absl::StrCat(c.path, ": ", v, " is more than the bound ", c.bound)));
    }
  }
}

TEST(ValidateEventTest, TheBoundsAreTheDocumentedFigures) {
  EXPECT_EQ(kMaxPeople, 1000000000);
  EXPECT_EQ(kMaxMinorUnits, 1000000000000000);
  EXPECT_EQ(kMaxSeizedQuantity, 1000000000000);
  EXPECT_EQ(kMaxPrisonMonths, 12000000);
  EXPECT_EQ(kMaxFigureValue, 1000000000000000);
}

// --- text carries no control characters (SPEC §8) -----------------------------------

// Sets, by reflection, every string field reachable from `message` (the
// envelope, the body that is set, and of a correction its replacement's
// envelope and body) to `value`, one at a time, and calls `check` with the
// changed event and the field's path. Map keys are left alone (they are
// country codes).
void ForEachStringField(const Event& root, google::protobuf::Message* message,
                        const std::string& prefix, const std::string& value,
                        const std::function<void(const Event&, const std::string&)>& check,
                        Event* event) {
  const google::protobuf::Descriptor* d = message->GetDescriptor();
  const google::protobuf::Reflection* r = message->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->is_map()) continue;
    if (f->real_containing_oneof() != nullptr && !r->HasField(*message, f)) continue;
    const std::string path = prefix.empty() ? std::string(f->name())
                                            : absl::StrCat(prefix, ".", f->name());
    if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      if (f->is_repeated()) {
        const bool had = r->FieldSize(*message, f) > 0;
        const std::string old = had ? r->GetRepeatedString(*message, f, 0) : "";
        if (had) {
          r->SetRepeatedString(message, f, 0, value);
        } else {
          r->AddString(message, f, value);
        }
        check(*event, absl::StrCat(path, "[0]"));
        if (had) {
          r->SetRepeatedString(message, f, 0, old);
        } else {
          r->RemoveLast(message, f);
        }
      } else {
        const std::string old = r->GetString(*message, f);
        r->SetString(message, f, value);
        check(*event, path);
        r->SetString(message, f, old);
      }
    } else if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
               f->message_type()->full_name() != "google.protobuf.Timestamp") {
      if (f->is_repeated()) {
        if (r->FieldSize(*message, f) == 0) continue;
        ForEachStringField(root, r->MutableRepeatedMessage(message, f, 0),
                           absl::StrCat(path, "[0]"), value, check, event);
      } else {
        const bool had = r->HasField(*message, f);
        ForEachStringField(root, r->MutableMessage(message, f), path, value, check, event);
        if (!had) r->ClearField(message, f);
      }
    }
  }
}

// Every body, with every optional message present, so that every string
// field of the model is reached.
std::vector<Event> EveryBody() {
  std::vector<Event> events = {MuseRaid(),         MuseHandover(),     HandedOverFigure(),
                               RingleaderSentencing(), RingleaderArrest(), RaidCorrection(),
                               RaidRetraction(),   RingleaderRelease()};
  events[1].mutable_handover()->add_suspect_ids("S-1");
  events[3].mutable_sentencing()->set_court_country("CN");
  return events;
}

bool IsCodeField(const std::string& path) {
  return absl::EndsWith(path, "country") || absl::EndsWith(path, "nationality") ||
         absl::EndsWith(path, "currency");
}

TEST(ValidateEventTest, EveryTextFieldRefusesControlCharacters) {
  int fields = 0;
  for (const Event& base : EveryBody()) {
    ASSERT_EQ(ValidateEvent(base), absl::OkStatus()) << base.ShortDebugString();
    // ESC (C0), DEL, and U+009B (C1: the 8-bit CSI) and U+0085 (NEL).
    for (const std::string& bad : {std::string("\x1b[2JMuse"), std::string("Mu\x7fse"),
                                   std::string("Mu\xc2\x9b" "2Jse"), std::string("a\xc2\x85")}) {
      Event event = base;
      ForEachStringField(
          event, &event, "", bad,
          [&](const Event& changed, const std::string& path) {
            ++fields;
            const absl::Status s = ValidateEvent(changed);
            EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << path;
            EXPECT_TRUE(absl::StartsWith(s.message(), path + ": ")) << path << ": " << s;
            if (!IsCodeField(path)) {
              EXPECT_THAT(s.message(), testing::HasSubstr("control character U+00")) << path;
            }
            for (char c : s.message()) {
              EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << path << ": " << s;
            }
            EXPECT_EQ(s.message().find("\xc2\x9b"), absl::string_view::npos) << s;
            EXPECT_EQ(s.message().find("\xc2\x85"), absl::string_view::npos) << s;
          },
          &event);
    }
  }
  EXPECT_GT(fields, 4 * 60);  // the walk reached the model's text fields
}

TEST(ValidateEventTest, ControlCharacterRefusalNamesThePathTheRuleAndTheEscapedValue) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_location()->set_place("\x1b[2JMuse");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.location.place: control character U+001B at byte 0 of "
                        "\"\\x1b[2JMuse\" (text carries no control characters)"));
  event = MuseRaid();
  event.mutable_raid()->set_note("first\xc2\x85joint");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("raid.note: control character U+0085 at byte 5 of "
                        "\"first\\u0085joint\" (text carries no control characters)"));
  event = RaidCorrection();
  event.mutable_correction()->mutable_replacement()->mutable_raid()->add_agencies()->set_name(
      "Police\t");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("correction.replacement.raid.agencies[2].name: control character "
                        "U+0009 at byte 6 of \"Police\\t\" (text carries no control characters)"));
}

TEST(ValidateEventTest, NonAsciiTextWithoutControlsPasses) {
  Event event = MuseRaid();
  event.mutable_raid()->mutable_location()->set_place("\xe6\x9c\xa8\xe5\xa7\x90 Muse \xe2\x80\x93 "
                                                        "\xd9\x85\xd9\x8a\xd9\x88\xd8\xb2");
  // Free text may carry direction marks (right-to-left scripts use them).
  event.mutable_raid()->set_note("\xe2\x80\x8f\xd9\x85\xd9\x8a\xe2\x80\xae" "x" "\xe2\x80\xac");
  event.mutable_raid()->set_operation_id("op-\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(ValidateEvent(event), absl::OkStatus());
}

// --- identifiers carry no bidirectional controls --------------------------------------

TEST(ValidateEventTest, IdentifiersRefuseBidiOverridesAndIsolates) {
  // U+202E RIGHT-TO-LEFT OVERRIDE in event_id (the example).
  Event event = MuseRaid();
  event.set_event_id("raid-\xe2\x80\xae" "1-dis");
  EXPECT_THAT(ValidateEvent(event),
              IsInvalid("event_id: bidirectional control U+202E at byte 5 of "
                        "\"raid-\\u202e1-dis\" (identifiers carry no direction controls)"));
  struct Case {
    Event (*make)();
    void (*set)(Event*, const std::string&);
    const char* path;
  };
  const Case cases[] = {
      {MuseRaid, [](Event* e, const std::string& v) { e->set_stream("operation/" + v); },
       "stream"},
      {MuseRaid, [](Event* e, const std::string& v) { e->mutable_raid()->set_operation_id(v); },
       "raid.operation_id"},
      {RingleaderArrest,
       [](Event* e, const std::string& v) {
         e->mutable_arrest()->mutable_suspect()->set_suspect_id(v);
       },
       "arrest.suspect.suspect_id"},
      {RingleaderArrest,
       [](Event* e, const std::string& v) { e->mutable_arrest()->set_operation_id(v); },
       "arrest.operation_id"},
      {MuseHandover, [](Event* e, const std::string& v) { e->mutable_handover()->add_suspect_ids(v); },
       "handover.suspect_ids[0]"},
      {MuseHandover,
       [](Event* e, const std::string& v) { e->mutable_handover()->set_operation_id(v); },
       "handover.operation_id"},
      {RingleaderSentencing,
       [](Event* e, const std::string& v) { e->mutable_sentencing()->set_case_id(v); },
       "sentencing.case_id"},
      {RingleaderSentencing,
       [](Event* e, const std::string& v) { e->mutable_sentencing()->set_suspect_id(v); },
       "sentencing.suspect_id"},
      {RaidCorrection,
       [](Event* e, const std::string& v) { e->mutable_correction()->set_target_event_id(v); },
       "correction.target_event_id"},
      {RaidCorrection,
       [](Event* e, const std::string& v) {
         e->mutable_correction()->mutable_replacement()->mutable_raid()->set_operation_id(v);
       },
       "correction.replacement.raid.operation_id"},
      {RaidRetraction,
       [](Event* e, const std::string& v) { e->mutable_retraction()->set_target_event_id(v); },
       "retraction.target_event_id"},
      {RingleaderRelease,
       [](Event* e, const std::string& v) { e->mutable_release()->set_suspect_id(v); },
       "release.suspect_id"},
      {RingleaderRelease, [](Event* e, const std::string& v) { e->mutable_release()->set_case_id(v); },
       "release.case_id"},
      {HandedOverFigure,
       [](Event* e, const std::string& v) { e->mutable_reported_figure()->set_metric(v); },
       "reported_figure.metric"},
  };
  // ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
  const char* const kBidi[] = {"\xd8\x9c",     "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",
                               "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
                               "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9"};
  for (const Case& c : cases) {
    for (const char* bidi : kBidi) {
      SCOPED_TRACE(absl::StrCat(c.path, " ", absl::CHexEscape(bidi)));
      Event e = c.make();
      c.set(&e, absl::StrCat("x", bidi, "y"));
      const absl::Status s = ValidateEvent(e);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StartsWith(s.message(), absl::StrCat(c.path, ": bidirectional control U+")))
          << s;
      EXPECT_EQ(s.message().find(bidi), absl::string_view::npos) << s;  // escaped
    }
  }
}

// --- util/text.h ----------------------------------------------------------------

TEST(EscapeTextTest, EscapesWhatDoesNotPrintAndKeepsTheRest) {
  EXPECT_EQ(EscapeText("Muse \xe2\x80\x93 \xe7\xbc\x85\xe7\x94\xb8"), "Muse \xe2\x80\x93 \xe7\xbc\x85\xe7\x94\xb8");
  EXPECT_FALSE(NeedsEscape("Muse \xe2\x80\x93 \xe7\xbc\x85\xe7\x94\xb8 \\ \""));
  EXPECT_EQ(EscapeText("\x1b[2JMuse"), "\\x1b[2JMuse");
  EXPECT_EQ(EscapeText("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
  EXPECT_EQ(EscapeText("x\xc2\x9b" "y"), "x\\u009by");              // C1 CSI
  EXPECT_EQ(EscapeText("x\xe2\x80\xae" "y"), "x\\u202ey");          // RLO
  EXPECT_EQ(EscapeText("x\xe2\x81\xa6" "y\xe2\x80\xa8"), "x\\u2066y\\u2028");
  EXPECT_EQ(EscapeText("x\xff\xc3" "y"), "x\\xff\\xc3y");           // not UTF-8
  EXPECT_EQ(EscapeText("\xed\xa0\x80"), "\\xed\\xa0\\x80");          // a surrogate
  EXPECT_EQ(EscapeText("a\\b\"c'"), "a\\b\"c'");
  EXPECT_EQ(EscapeText("a\\b\"c'", /*quoted=*/true), "a\\\\b\\\"c\\'");
  for (const char* s : {"\x1b", "\xc2\x85", "\xe2\x80\xae", "\xff", "a\n"}) EXPECT_TRUE(NeedsEscape(s));
}

TEST(EscapeTextTest, FindsControlsAndBidiControlsAtTheirOffsets) {
  EXPECT_FALSE(FindControlCharacter("Muse \xe2\x80\xae").found());
  TextFault f = FindControlCharacter("ab\xc2\x80");
  EXPECT_EQ(f.offset, 2u);
  EXPECT_EQ(f.code_point, 0x80u);
  f = FindControlOrBidi("ab\xe2\x80\xae");
  EXPECT_EQ(f.offset, 2u);
  EXPECT_EQ(f.code_point, 0x202Eu);
  EXPECT_TRUE(f.bidi);
  EXPECT_FALSE(FindControlOrBidi("\xe2\x80\x93\xd8\x9b\xc2\xa0").found());  // en dash, U+061B, NBSP
}

}  // namespace
}  // namespace ledger
