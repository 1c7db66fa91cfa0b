// Storage format 2 (docs/FORMAT.md, docs/PERSONAL_DATA.md): the validation
// rules of ValidateEventFormat2, what format 1 refuses, and a format-2
// Ledger: its format on disk and in the high-water mark, the record size
// limit, erasures that cannot be corrected or retracted.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/high_water_mark.h"
#include "ledger/key_coding.h"
#include "ledger/ledger.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "rocksdb/db.h"
#include "tests/support/event_builders.h"
#include "tests/support/paths.h"
#include "util/error_detail.h"

namespace ledger {
namespace {

using enforcement::v1::Event;
using enforcement::v1::PersonalField;

constexpr char kSubA[] = "sub_00112233445566778899aabbccddeeff";
constexpr char kSubB[] = "sub_ffeeddccbbaa99887766554433221100";
constexpr char kName[] = "张伟";
constexpr char kAgencyId[] = "cn-张伟-01";

MATCHER_P(IsInvalid, message, "") {
  return arg.code() == absl::StatusCode::kInvalidArgument && arg.message() == message;
}

void AddEntry(Event& e, const std::string& path, const std::string& subject,
              std::string commitment = std::string(32, '\x11')) {
  PersonalField* f = e.add_personal();
  f->set_field_path(path);
  f->set_subject_id(subject);
  f->set_commitment(std::move(commitment));
}

// An arrest of subject A as the importer stores it: the subject id in the
// field, the name gone, one entry each.
Event Arrest(const std::string& id = "arrest-1") {
  Event e = testing_support::ArrestEvent(id, kSubA);
  AddEntry(e, "arrest.suspect.name", kSubA);
  AddEntry(e, "arrest.suspect.suspect_id", kSubA);
  AddEntry(e, "stream", kSubA);  // the stream suspect/<subject>
  return e;
}

Event Handover() {
  Event e = testing_support::HandoverEvent("handover-1", "handover/mm-cn", "MM", "CN", 3);
  e.mutable_handover()->add_suspect_ids(kSubA);
  e.mutable_handover()->add_suspect_ids(kSubB);
  AddEntry(e, "handover.suspect_ids[0]", kSubA);
  AddEntry(e, "handover.suspect_ids[1]", kSubB);
  return e;
}

Event Sentencing() {
  Event e = testing_support::ArrestEvent("sentencing-1", kSubB);
  e.set_stream("case/c-1");
  e.clear_arrest();
  auto* s = e.mutable_sentencing();
  s->set_case_id("c-1");
  s->set_suspect_id(kSubB);
  AddEntry(e, "sentencing.suspect_id", kSubB);
  AddEntry(e, "sentencing.suspect_name", kSubB);
  return e;
}

Event Release() {
  Event e = testing_support::ArrestEvent("release-1", kSubA);
  e.clear_arrest();
  e.mutable_release()->set_suspect_id(kSubA);
  AddEntry(e, "release.suspect_id", kSubA);
  AddEntry(e, "stream", kSubA);
  return e;
}

// A correction of an arrest: the replacement's entries are the event's, with
// the "correction.replacement." prefix.
Event ArrestCorrection(const std::string& id = "fix-1", const std::string& target = "arrest-1") {
  Event body = testing_support::ArrestEvent("x", kSubA);
  Event e = testing_support::CorrectionEvent(id, std::string("suspect/") + kSubA, target, body);
  AddEntry(e, "correction.replacement.arrest.suspect.name", kSubA);
  AddEntry(e, "correction.replacement.arrest.suspect.suspect_id", kSubA);
  AddEntry(e, "stream", kSubA);
  return e;
}

Event Erasure(const std::string& id = "erasure-1", const std::string& subject = kSubA) {
  Event e = testing_support::ArrestEvent(id, subject);
  e.clear_arrest();
  auto* x = e.mutable_erasure();
  x->set_subject_id(subject);
  x->set_authority("Court of X, order 2026/118");
  x->set_reason("acquitted");
  return e;
}

// --- validation --------------------------------------------------------------

TEST(Format2ValidationTest, EventsAsTheImporterStoresThemPass) {
  for (const Event& e : {Arrest(), Handover(), Sentencing(), Release(), ArrestCorrection(),
                         Erasure(), testing_support::RaidEvent("raid-1", "op-1")}) {
    EXPECT_EQ(ValidateEventFormat2(e), absl::OkStatus()) << e.ShortDebugString();
    EXPECT_EQ(ValidateEventForFormat(e, 2), ValidateEventFormat2(e));
  }
  // A name left empty by the producer has no entry; an erased subject's
  // commitments are empty.
  Event e = Arrest();
  e.mutable_personal()->erase(e.mutable_personal()->begin());
  e.mutable_personal(0)->clear_commitment();
  EXPECT_EQ(ValidateEventFormat2(e), absl::OkStatus());
}

TEST(Format2ValidationTest, Format2RefusesAName) {
  const std::string rule =
      ": must be empty (format 2 keeps names out of the log: they go through the importer into "
      "the personal-data store)";
  Event e = Arrest();
  e.mutable_arrest()->mutable_suspect()->set_name(kName);
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("arrest.suspect.name" + rule));
  e = Sentencing();
  e.mutable_sentencing()->set_suspect_name(kName);
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("sentencing.suspect_name" + rule));
  e = ArrestCorrection();
  e.mutable_correction()->mutable_replacement()->mutable_arrest()->mutable_suspect()->set_name(
      kName);
  const absl::Status s = ValidateEventFormat2(e);
  EXPECT_THAT(s, IsInvalid("correction.replacement.arrest.suspect.name" + rule));
  EXPECT_FALSE(absl::StrContains(s.message(), kName)) << s;
  // Format 1 keeps names.
  e = testing_support::ArrestEvent("a", "cn-1");
  e.mutable_arrest()->mutable_suspect()->set_name(kName);
  EXPECT_EQ(ValidateEvent(e), absl::OkStatus());
}

TEST(Format2ValidationTest, Format2RefusesAnAgencySuspectId) {
  const std::string rule =
      ": is not a subject id (\"sub_\" + 32 lowercase hex digits): format 2 keeps agency suspect "
      "ids out of the log, the importer maps them to subjects";
  Event e = Arrest();
  e.mutable_arrest()->mutable_suspect()->set_suspect_id(kAgencyId);
  absl::Status s = ValidateEventFormat2(e);
  EXPECT_THAT(s, IsInvalid("arrest.suspect.suspect_id" + rule));
  EXPECT_FALSE(absl::StrContains(s.message(), kAgencyId)) << s;
  e = Handover();
  e.mutable_handover()->set_suspect_ids(1, "sub_FFEEDDCCBBAA99887766554433221100");
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("handover.suspect_ids[1]" + rule));
  e = Sentencing();
  e.mutable_sentencing()->set_suspect_id("sub_0011");
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("sentencing.suspect_id" + rule));
  e = Release();
  e.mutable_release()->set_suspect_id(std::string("x") + (kSubA + 1));
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("release.suspect_id" + rule));
  // A suspect stream is named by its subject.
  e = Arrest();
  e.set_stream(std::string("suspect/") + kAgencyId);
  s = ValidateEventFormat2(e);
  EXPECT_THAT(s, IsInvalid("stream: is not a subject id (\"sub_\" + 32 lowercase hex digits): "
                           "format 2 names a suspect stream \"suspect/<subject id>\""));
  EXPECT_FALSE(absl::StrContains(s.message(), kAgencyId)) << s;
}

TEST(Format2ValidationTest, Format2RequiresAPersonalEntryPerSuspectField) {
  const std::string rule =
      ": has no entry in personal (format 2: every suspect id field has a PersonalField with its "
      "field path and subject id)";
  Event e = Arrest();  // name, suspect_id, stream: drop the suspect_id's
  e.mutable_personal()->DeleteSubrange(1, 1);
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("arrest.suspect.suspect_id" + rule));
  e = Arrest();
  e.mutable_personal()->RemoveLast();
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("stream: has no entry in personal (format 2: a suspect stream's name has "
                        "a PersonalField \"stream\" with its subject id)"));
  e = Handover();
  e.mutable_personal()->RemoveLast();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("handover.suspect_ids[1]" + rule));
  e = ArrestCorrection();
  e.mutable_personal()->DeleteSubrange(1, 1);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("correction.replacement.arrest.suspect.suspect_id" + rule));
  e = Release();
  e.clear_personal();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("release.suspect_id" + rule));
}

TEST(Format2ValidationTest, Format2RefusesUnsortedOrRepeatedEntries) {
  Event e = Arrest();
  e.mutable_personal()->SwapElements(0, 1);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[1].field_path: \"arrest.suspect.name\" comes before "
                        "personal[0].field_path (entries are sorted by field_path, no repeats)"));
  e = Arrest();
  *e.mutable_personal(0) = e.personal(1);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[1].field_path: \"arrest.suspect.suspect_id\" repeats "
                        "personal[0].field_path (entries are sorted by field_path, no repeats)"));
  // Sorted as bytes: [10] before [2].
  e = testing_support::HandoverEvent("h", "handover/mm-cn", "MM", "CN", 11);
  std::vector<std::string> paths;
  for (int i = 0; i < 11; ++i) {
    const std::string subject = absl::StrCat("sub_", std::string(30, '0'), 10 + i);
    e.mutable_handover()->add_suspect_ids(subject);
    paths.push_back(absl::StrCat("handover.suspect_ids[", i, "]"));
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& p : paths) {
    const int i = std::stoi(p.substr(p.find('[') + 1));
    AddEntry(e, p, e.handover().suspect_ids(i));
  }
  EXPECT_EQ(ValidateEventFormat2(e), absl::OkStatus());
}

TEST(Format2ValidationTest, Format2RefusesAnEntryForAFieldTheEventHasNot) {
  const std::string rule =
      " is not a personal field of this event (a suspect id or name field of its body, "
      "docs/PERSONAL_DATA.md)";
  Event e = testing_support::RaidEvent("raid-1", "op-1");
  AddEntry(e, "raid.note", kSubA);
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("personal[0].field_path: \"raid.note\"" + rule));
  e = Handover();
  AddEntry(e, "handover.suspect_ids[2]", kSubA);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[2].field_path: \"handover.suspect_ids[2]\"" + rule));
  e = Handover();
  e.mutable_personal(0)->set_field_path("handover.suspect_ids[00]");
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[0].field_path: \"handover.suspect_ids[00]\"" + rule));
  // A replacement's fields are named with the prefix; the event's own body
  // has none.
  e = ArrestCorrection();
  e.mutable_personal(0)->set_field_path("arrest.suspect.name");
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[0].field_path: \"arrest.suspect.name\"" + rule));
  e = Arrest();
  e.mutable_personal(0)->clear_field_path();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("personal[0].field_path: must be set"));
}

TEST(Format2ValidationTest, Format2EntryNamesTheSubjectOfItsField) {
  Event e = Arrest();
  e.mutable_personal(0)->set_subject_id(kSubB);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid(absl::StrCat("personal[0].subject_id: \"", kSubB,
                                     "\" is not the subject of arrest.suspect.suspect_id, \"",
                                     kSubA, "\"")));
  e = Handover();
  e.mutable_personal(1)->set_subject_id(kSubA);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid(absl::StrCat("personal[1].subject_id: \"", kSubA,
                                     "\" is not the subject of handover.suspect_ids[1], \"", kSubB,
                                     "\"")));
  e = Arrest();
  e.mutable_personal(1)->set_subject_id("subject-a");
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[1].subject_id: is not a subject id (\"sub_\" + 32 lowercase "
                        "hex digits)"));
}

TEST(Format2ValidationTest, Format2CommitmentIs32BytesOrEmpty) {
  Event e = Arrest();
  e.mutable_personal(1)->set_commitment(std::string(31, 'c'));
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("personal[1].commitment: 31 bytes, not 32 (an HMAC-SHA256) or empty (the "
                        "subject was erased)"));
  e.mutable_personal(1)->set_commitment(std::string(33, 'c'));
  EXPECT_FALSE(ValidateEventFormat2(e).ok());
}

TEST(Format2ValidationTest, Format2ReplacementCarriesNoPersonalOfItsOwn) {
  Event e = ArrestCorrection();
  AddEntry(*e.mutable_correction()->mutable_replacement(), "arrest.suspect.suspect_id", kSubA);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("correction.replacement.personal: a replacement carries no entries of its "
                        "own (they are the event's, with field paths starting "
                        "\"correction.replacement.\")"));
}

TEST(Format2ValidationTest, ErasureRules) {
  Event e = Erasure();
  e.mutable_erasure()->clear_subject_id();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("erasure.subject_id: must be set"));
  e = Erasure();
  e.mutable_erasure()->set_subject_id(kAgencyId);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid("erasure.subject_id: is not a subject id (\"sub_\" + 32 lowercase hex "
                        "digits)"));
  e = Erasure();
  e.mutable_erasure()->clear_authority();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("erasure.authority: must be set"));
  e = Erasure();
  e.mutable_erasure()->clear_reason();
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("erasure.reason: must be set"));
  e = Erasure();
  e.mutable_erasure()->set_reason("acquitted\x07");
  EXPECT_EQ(ValidateEventFormat2(e).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(ValidateEventFormat2(e).message(), "erasure.reason: control"));
  e = Erasure();
  e.set_stream(std::string("suspect/") + kSubB);
  EXPECT_THAT(ValidateEventFormat2(e),
              IsInvalid(absl::StrCat("stream: \"suspect/", kSubB, "\" is not \"suspect/", kSubA,
                                     "\" (an erasure is written in the stream of its subject)")));
  e = Erasure();
  AddEntry(e, "erasure.subject_id", kSubA);
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid("personal: an erasure carries no personal entries"));
  // Never a replacement, in either format.
  e = testing_support::CorrectionEvent("fix", std::string("suspect/") + kSubA, "erasure-1",
                                       Erasure());
  const std::string not_allowed =
      "correction.replacement.erasure: not allowed (a replacement body is one of raid, arrest, "
      "handover, sentencing, reported_figure, release)";
  EXPECT_THAT(ValidateEventFormat2(e), IsInvalid(not_allowed));
  EXPECT_THAT(ValidateEvent(e), IsInvalid(not_allowed));
}

TEST(Format2ValidationTest, Format1RefusesPersonalEntries) {
  Event e = testing_support::ArrestEvent("a", "cn-1");
  AddEntry(e, "arrest.suspect.suspect_id", kSubA);
  EXPECT_THAT(ValidateEvent(e), IsInvalid("personal: format 1 has no personal fields (a format-2 "
                                          "ledger: `ledger migrate`)"));
  e = testing_support::CorrectionEvent("fix", "suspect/cn-1", "a",
                                       testing_support::ArrestEvent("x", "cn-1"));
  AddEntry(*e.mutable_correction()->mutable_replacement(), "arrest.suspect.suspect_id", kSubA);
  EXPECT_THAT(ValidateEvent(e),
              IsInvalid("correction.replacement.personal: format 1 has no personal fields (a "
                        "format-2 ledger: `ledger migrate`)"));
}

TEST(Format2ValidationTest, Format1RefusesErasure) {
  EXPECT_THAT(ValidateEvent(Erasure()),
              IsInvalid("erasure: format 1 has no erasures (a format-2 ledger: `ledger migrate`)"));
  EXPECT_EQ(ValidateEventForFormat(Erasure(), 1), ValidateEvent(Erasure()));
}

TEST(Format2ValidationTest, UnknownFormatIsRefused) {
  EXPECT_EQ(ValidateEventForFormat(Arrest(), 3).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateEventForFormat(Arrest(), 0).code(), absl::StatusCode::kInvalidArgument);
}

TEST(Format2ValidationTest, SubjectIds) {
  EXPECT_TRUE(IsSubjectId(kSubA));
  EXPECT_FALSE(IsSubjectId("sub_00112233445566778899AABBCCDDEEFF"));
  EXPECT_FALSE(IsSubjectId("sub_00112233445566778899aabbccddeef"));
  EXPECT_FALSE(IsSubjectId("sub_00112233445566778899aabbccddeeff0"));
  EXPECT_FALSE(IsSubjectId("SUB_00112233445566778899aabbccddeeff"));
  EXPECT_FALSE(IsSubjectId("sub_00112233445566778899aabbccddeefg"));
  EXPECT_FALSE(IsSubjectId(""));
}

// --- the ledger ----------------------------------------------------------------

constexpr char kOrigin[] = "format2.example/log";

absl::StatusOr<std::unique_ptr<Ledger>> Create(const std::string& dir, uint32_t format,
                                               absl::Time* now = nullptr) {
  OpenOptions o;
  o.create_if_missing = true;
  o.origin = kOrigin;
  o.format_version = format;
  if (now != nullptr) o.clock = [now] { return *now; };
  return Ledger::Open(dir, o);
}

std::string Reason(const absl::Status& s) {
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(s);
  return d ? d->reason() : "";
}

std::string StoredFormatKey(const std::string& dir) {
  std::string value;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {"default", "records", "streams", "event_ids", "merkle", "retracted"}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  EXPECT_TRUE(raw->Get(rocksdb::ReadOptions(), handles[0], kFormatVersionKey, &value).ok());
  for (auto* h : handles) EXPECT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
  return value;
}

TEST(Format2LedgerTest, DefaultLedgerIsFormat1) {
  testing_support::TempDir t;
  auto l = Create(t.Sub("db"), OpenOptions().format_version);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ((*l)->format_version(), 1u);
  l->reset();
  EXPECT_EQ(StoredFormatKey(t.Sub("db")), "1");
}

TEST(Format2LedgerTest, Format2LedgerReopensAsFormat2) {
  testing_support::TempDir t;
  const std::string dir = t.Sub("db");
  {
    auto l = Create(dir, 2);
    ASSERT_TRUE(l.ok()) << l.status();
    EXPECT_EQ((*l)->format_version(), 2u);
    ASSERT_TRUE((*l)->AppendEvents({Arrest()}).ok());
  }
  EXPECT_EQ(StoredFormatKey(dir), "2");
  // format_version is used only when creating: a reopen asking for 1 gets 2.
  OpenOptions o;
  o.format_version = 1;
  auto writer = Ledger::Open(dir, o);
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ((*writer)->format_version(), 2u);
  OpenOptions ro;
  ro.read_only = true;
  auto reader = Ledger::Open(dir, ro);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->format_version(), 2u);
  // Its rules are format 2's.
  Event named = testing_support::ArrestEvent("arrest-2", "cn-1");
  absl::StatusOr<AppendResult> r = (*writer)->AppendEvents({named});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "stream: is not a subject id")) << r.status();
  std::optional<util::ErrorDetail> d = util::GetErrorDetail(r.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->field_path(), "stream");
  EXPECT_EQ(d->reason(), "invalid_event");
}

TEST(Format2LedgerTest, Format1LedgerRefusesPersonalEntriesAndErasures) {
  testing_support::TempDir t;
  auto l = Create(t.Sub("db"), 1);
  ASSERT_TRUE(l.ok()) << l.status();
  absl::StatusOr<AppendResult> r = (*l)->AppendEvents({Arrest()});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "personal: format 1 has no personal fields"))
      << r.status();
  r = (*l)->AppendEvents({Erasure()});
  EXPECT_TRUE(absl::StrContains(r.status().message(), "erasure: format 1 has no erasures"))
      << r.status();
  EXPECT_EQ((*l)->GetHead().tree_size, 0u);
}

TEST(Format2LedgerTest, HighWaterMarkCarriesFormat2) {
  testing_support::TempDir t;
  const std::string dir = t.Sub("db");
  {
    auto l = Create(dir, 2);
    ASSERT_TRUE(l.ok()) << l.status();
    ASSERT_TRUE((*l)->AppendEvents({Arrest()}).ok());
  }
  absl::StatusOr<HighWaterMark> m = ReadHighWaterMark(dir);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->format_version, 2u);
  EXPECT_EQ(m->tree_size, 1u);
  testing_support::TempDir t1;
  ASSERT_TRUE(Create(t1.Sub("db"), 1).ok());
  m = ReadHighWaterMark(t1.Sub("db"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->format_version, 1u);
}

TEST(Format2LedgerTest, UnknownFormat3IsRefused) {
  testing_support::TempDir t;
  const std::string dir = t.Sub("db");
  auto created = Create(dir, 3);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(created.status().message(), "this program writes formats 1 and 2"))
      << created.status();
  ASSERT_TRUE(Create(dir, 2).ok());
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {"default", "records", "streams", "event_ids", "merkle", "retracted"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &raw).ok());
    EXPECT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[0], kFormatVersionKey, "3").ok());
    for (auto* h : handles) EXPECT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(raw->Close().ok());
    delete raw;
  }
  for (bool read_only : {false, true}) {
    OpenOptions o;
    o.read_only = read_only;
    auto l = Ledger::Open(dir, o);
    EXPECT_EQ(l.status().code(), absl::StatusCode::kUnimplemented) << l.status();
    EXPECT_TRUE(absl::StrContains(l.status().message(),
                                  "has storage format \"3\"; this program reads formats 1 and 2"))
        << l.status();
  }
}

// A raid (no personal fields) whose record at position 0, stream version 0,
// recorded at `now`, is exactly `record_bytes` long.
Event RaidOfRecordSize(size_t record_bytes, absl::Time now) {
  Event e = testing_support::RaidEvent("big", "op-big");
  size_t note = record_bytes;
  for (int round = 0; round < 8; ++round) {
    e.mutable_raid()->set_note(std::string(note, 'n'));
    std::string event_bytes, record;
    EXPECT_TRUE(SerializeEventDeterministic(e, &event_bytes));
    AppendRecordBytes(0, now, 0, event_bytes, &record);
    if (record.size() == record_bytes) return e;
    note = note + record_bytes - record.size();
  }
  ADD_FAILURE() << "no raid of record size " << record_bytes;
  return e;
}

TEST(Format2LedgerTest, Format2RefusesARecordOver65535Bytes) {
  testing_support::TempDir t;
  absl::Time now = absl::FromUnixSeconds(1711929600);
  auto l = Create(t.Sub("db"), 2, &now);
  ASSERT_TRUE(l.ok()) << l.status();
  const Event over = RaidOfRecordSize(kMaxRecordBytesFormat2 + 1, now);
  absl::StatusOr<AppendResult> r = (*l)->AppendEvents({over, Arrest()});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(Reason(r.status()), "record_too_large");
  EXPECT_TRUE(absl::StrContains(r.status().message(),
                                "its record would be 65536 bytes; a format-2 record is at most "
                                "65,535 bytes: the entry limit of the tlog-tiles publication "
                                "format; nothing was written"))
      << r.status();
  EXPECT_EQ(util::FailedEventIndex(r.status()), std::optional<uint32_t>(0));
  EXPECT_EQ((*l)->GetHead().tree_size, 0u);  // the whole batch is refused

  // Just under, or at, the limit: stored, and a retry is a duplicate.
  const Event at_limit = RaidOfRecordSize(kMaxRecordBytesFormat2, now);
  r = (*l)->AppendEvents({at_limit});
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<StoredRecord> stored = (*l)->ReadOne(0);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->bytes.size(), kMaxRecordBytesFormat2);
  r = (*l)->AppendEvents({at_limit});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->events[0].duplicate);
  EXPECT_EQ(r->appended, 0u);

  // Format 1 has no such limit.
  testing_support::TempDir t1;
  auto l1 = Create(t1.Sub("db"), 1, &now);
  ASSERT_TRUE(l1.ok()) << l1.status();
  EXPECT_TRUE((*l1)->AppendEvents({over}).ok());
}

TEST(Format2LedgerTest, ErasureCannotBeCorrectedOrRetracted) {
  testing_support::TempDir t;
  auto l = Create(t.Sub("db"), 2);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_TRUE((*l)->AppendEvents({Arrest(), Erasure()}).ok());
  const std::string stream = std::string("suspect/") + kSubA;
  // Retractions in the subject's stream carry its "stream" entry.
  auto in_stream = [](Event e) {
    AddEntry(e, "stream", kSubA);
    return e;
  };
  const Event retraction = in_stream(testing_support::RetractionEvent("undo", stream, "erasure-1"));
  absl::StatusOr<AppendResult> r = (*l)->AppendEvents({retraction});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(Reason(r.status()), "target_is_erasure");
  EXPECT_TRUE(absl::StrContains(r.status().message(),
                                "retraction.target_event_id: \"erasure-1\" is an erasure, which "
                                "cannot be corrected or retracted"))
      << r.status();
  r = (*l)->AppendEvents({ArrestCorrection("fix", "erasure-1")});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(Reason(r.status()), "target_is_erasure");
  // Also when the erasure is earlier in the same batch.
  r = (*l)->AppendEvents({Erasure("erasure-2"),
                          in_stream(testing_support::RetractionEvent("undo-2", stream, "erasure-2"))});
  EXPECT_EQ(Reason(r.status()), "target_is_erasure") << r.status();
  EXPECT_EQ((*l)->GetHead().tree_size, 2u);
  // The arrest itself can be corrected and retracted as before.
  EXPECT_TRUE((*l)->AppendEvents({ArrestCorrection("fix-arrest", "arrest-1")}).ok());
  EXPECT_TRUE(
      (*l)->AppendEvents({in_stream(testing_support::RetractionEvent("undo-arrest", stream, "arrest-1"))})
          .ok());
}

TEST(Format2LedgerTest, IdenticalRetryIsADuplicateInFormat2) {
  testing_support::TempDir t;
  auto l = Create(t.Sub("db"), 2);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_TRUE((*l)->AppendEvents({Arrest(), Handover()}).ok());
  absl::StatusOr<AppendResult> r = (*l)->AppendEvents({Handover(), Arrest()});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->appended, 0u);
  EXPECT_TRUE(r->events[0].duplicate);
  EXPECT_EQ(r->events[0].position, 1u);
  EXPECT_EQ(r->events[1].position, 0u);
  Event changed = Arrest();
  changed.mutable_personal(1)->set_commitment(std::string(32, '\x22'));
  EXPECT_EQ((*l)->AppendEvents({changed}).status().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace ledger
