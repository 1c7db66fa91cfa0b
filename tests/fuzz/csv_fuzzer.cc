// Fuzz target: `ledger import FILE.csv --mapping MAP`, without the ledger:
// the CSV reader (ingest/import_reader.h: CsvRows), the mapping parser
// and the row-to-event conversion (ingest/import_mapping.h: CsvMapping),
// then what the import pipeline does with the event (EnsureEventId,
// ValidateEvent) and what storing and exporting it needs.
//
// Input: the mapping text, a line "%%", then the CSV bytes. Without a "%%"
// line the whole input is the CSV and the mapping is empty (only the reader
// is exercised). The CSV reaches CsvRows through a memfd, as a file would.
//
// Properties checked for every input:
//  1. The reader against a reference: when the CSV is "clean" RFC 4180 (as
//     ReferenceCsv below defines it: quotes only around whole fields, CR
//     only in CRLF or inside quotes, every quote closed), CsvRows returns
//     exactly the reference's header, rows, fields, blank rows, first and
//     last line numbers and line count, and refuses the header exactly when
//     it is refusable (no column, an empty, duplicate or non-UTF-8 name).
//     On any input: errors are kInvalidArgument, a row's lines are in order,
//     an error-free row has as many fields as the header.
//  2. CsvMapping::Parse succeeds or fails with kInvalidArgument naming
//     "<name>:"; Apply is deterministic and either fills the event or gives a
//     non-empty reason. Every message (reader, header, mapping, Apply,
//     ValidateEvent) is free of control characters: input echoed in it is
//     escaped, so it stays one line on a terminal and in a log.
//  3. A converted event, after EnsureEventId, gets OK or kInvalidArgument
//     from ValidateEvent; a valid one serializes within kMaxEventBytes and
//     round-trips through the binary format and through canonical JSON
//     (export) and ParseEventJson (re-import).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "enforcement/v1/event.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tests/fuzz/fuzz_check.h"
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/import_mapping.h"
#include "ingest/import_reader.h"
#include "ingest/ndjson.h"

namespace {

using enforcement::v1::Event;
using google::protobuf::util::MessageDifferencer;

// FUZZ_DEBUG=1 prints what happens to each row (for `tools/fuzz repro`).
const bool kDebug = std::getenv("FUZZ_DEBUG") != nullptr;

// Rows read from one input at most (the input is small; this bounds a bug
// that would loop).
constexpr int kMaxRows = 100000;

// --- the reference CSV reader -------------------------------------------------

struct RefRecord {
  uint64_t line = 0, last_line = 0;
  bool blank = false;
  std::vector<std::string> fields;
};

struct RefCsv {
  std::vector<RefRecord> records;  // every record, blank ones included
  uint64_t lines = 0;              // physical lines
};

// Splits `text` (BOM already removed) into records, or nullopt when it is
// not clean. Written from RFC 4180 and the conventions of import_reader.h,
// one record at a time, without the production code's state machine.
std::optional<RefCsv> ReferenceCsv(absl::string_view text) {
  RefCsv out;
  size_t i = 0;
  uint64_t line = 1;
  const size_t n = text.size();
  while (i < n) {
    RefRecord rec;
    rec.line = line;
    // A blank line: nothing, or a lone CR, before the LF or the end.
    if (text[i] == '\n' || text.substr(i, 2) == "\r\n" || text.substr(i) == "\r") {
      if (text.substr(i) == "\r") return std::nullopt;  // CR without LF at the very end
      rec.blank = true;
      rec.last_line = line;
      i += text[i] == '\n' ? 1 : 2;
      ++line;
      out.records.push_back(std::move(rec));
      continue;
    }
    bool end_of_record = false;
    while (!end_of_record) {
      std::string field;
      if (i < n && text[i] == '"') {
        ++i;
        while (true) {
          if (i >= n) return std::nullopt;  // unterminated
          const char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') {
              field.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
        }
        // After the closing quote: ',', LF, CRLF or the end.
        if (i >= n) {
          end_of_record = true;
        } else if (text[i] == ',') {
          ++i;
        } else if (text[i] == '\n') {
          ++i;
          end_of_record = true;
          rec.last_line = line++;
        } else if (text.substr(i, 2) == "\r\n") {
          i += 2;
          end_of_record = true;
          rec.last_line = line++;
        } else {
          return std::nullopt;
        }
        if (i >= n && !end_of_record) {
          // "a," at the very end: one more, empty field.
          rec.fields.push_back(std::move(field));
          field.clear();
          end_of_record = true;
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n') {
          const char c = text[i];
          if (c == '"') return std::nullopt;
          if (c == '\r' && !(i + 1 < n && text[i + 1] == '\n')) return std::nullopt;
          if (c != '\r') field.push_back(c);
          ++i;
        }
        if (i >= n) {
          end_of_record = true;
        } else if (text[i] == ',') {
          ++i;
          if (i >= n) {
            rec.fields.push_back(std::move(field));
            field.clear();
            end_of_record = true;
          }
        } else {  // LF
          ++i;
          end_of_record = true;
          rec.last_line = line++;
        }
      }
      rec.fields.push_back(std::move(field));
    }
    if (rec.last_line == 0) rec.last_line = line;  // the input ended the record
    out.records.push_back(std::move(rec));
  }
  // The physical lines: one per LF, plus an unterminated last line.
  out.lines = line - 1 + ((n > 0 && text[n - 1] != '\n') ? 1 : 0);
  return out;
}

// The reason the reference would refuse this header, or "" if none.
bool HeaderRefusable(const std::vector<std::string>& names) {
  absl::flat_hash_set<std::string> seen;
  for (const std::string& name : names) {
    if (name.empty() || ingest::FindInvalidUtf8(name) != absl::string_view::npos) return true;
    if (!seen.insert(name).second) return true;
  }
  return false;
}

// --- plumbing -----------------------------------------------------------------

// An InputFile over `bytes`, through a memfd.
std::unique_ptr<ingest::InputFile> OpenBytes(absl::string_view bytes) {
  const int fd = memfd_create("fuzz-csv", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    FUZZ_CHECK(w > 0, "write to memfd failed");
    done += static_cast<size_t>(w);
  }
  absl::StatusOr<std::unique_ptr<ingest::InputFile>> in =
      ingest::InputFile::Open(absl::StrCat("/proc/self/fd/", fd));
  close(fd);
  FUZZ_CHECK(in.ok(), "InputFile::Open of a memfd: ", in.status().ToString());
  return *std::move(in);
}

// Property 3 for one converted event.
void CheckEvent(Event event, absl::string_view input) {
  ingest::EnsureEventId(&event);
  const absl::Status valid = ledger::ValidateEvent(event);
  FUZZ_CHECK(valid.ok() || valid.code() == absl::StatusCode::kInvalidArgument,
             "ValidateEvent returned ", valid.ToString());
  FUZZ_CHECK(fuzz::IsPrintableMessage(valid.message()),
             "ValidateEvent message has a control character: ", fuzz::Show(valid.message()));
  if (!valid.ok()) return;

  std::string bytes;
  FUZZ_CHECK(ledger::SerializeEventDeterministic(event, &bytes),
             "SerializeEventDeterministic failed");
  FUZZ_CHECK(bytes.size() <= ledger::kMaxEventBytes, "a valid event serializes to ", bytes.size(),
             " bytes");
  Event back;
  FUZZ_CHECK(back.ParseFromString(bytes), "the stored bytes of a valid CSV event do not parse: ",
             event.ShortDebugString(), "\ninput: ", fuzz::Show(input));
  FUZZ_CHECK(MessageDifferencer::Equals(event, back), "binary round trip changed the event: ",
             event.ShortDebugString());

  const absl::StatusOr<std::string> json = ingest::ToCanonicalJson(event);
  FUZZ_CHECK(json.ok(), "ToCanonicalJson failed on a valid event: ", json.status().ToString(),
             "\nevent: ", event.ShortDebugString());
  Event reimported;
  ingest::JsonParseError error;
  FUZZ_CHECK(ingest::ParseEventJson(*json, &reimported, &error),
             "the export of a CSV-imported event does not import (", error.message,
             ")\njson: ", fuzz::Show(*json), "\ninput: ", fuzz::Show(input));
  FUZZ_CHECK(MessageDifferencer::Equals(event, reimported),
             "export then import changed a CSV-imported event: ", fuzz::Show(*json));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  fuzz::QuietProtobufWarnings();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::string_view mapping_text;
  absl::string_view csv = input;
  if (absl::StartsWith(input, "%%\n")) {
    csv = input.substr(3);
  } else if (size_t sep = input.find("\n%%\n"); sep != absl::string_view::npos) {
    mapping_text = input.substr(0, sep + 1);
    csv = input.substr(sep + 4);
  }

  absl::string_view body = csv;
  if (absl::StartsWith(body, "\xEF\xBB\xBF")) body.remove_prefix(3);
  const std::optional<RefCsv> ref = ReferenceCsv(body);
  // The reference's header: the first non-blank record.
  size_t ref_next = 0;
  if (kDebug) std::fprintf(stderr, "reference: %s\n", ref.has_value() ? "clean" : "not clean");
  if (ref.has_value()) {
    while (ref_next < ref->records.size() && ref->records[ref_next].blank) ++ref_next;
  }

  absl::StatusOr<std::unique_ptr<ingest::CsvRows>> rows = ingest::CsvRows::Open(OpenBytes(csv));
  if (!rows.ok()) {
    FUZZ_CHECK(rows.status().code() == absl::StatusCode::kInvalidArgument,
               "CsvRows::Open returned ", rows.status().ToString());
    FUZZ_CHECK(fuzz::IsPrintableMessage(rows.status().message()),
               "CsvRows::Open error has a control character: ",
               fuzz::Show(rows.status().message()));
    if (ref.has_value()) {
      FUZZ_CHECK(ref_next == ref->records.size() ||
                     HeaderRefusable(ref->records[ref_next].fields),
                 "CsvRows::Open refused a clean CSV with a good header: ",
                 rows.status().ToString(), "\ncsv: ", fuzz::Show(csv));
    }
    return 0;
  }
  ingest::CsvRows& reader = **rows;
  const std::vector<std::string>& header = reader.header();
  FUZZ_CHECK(!header.empty(), "empty header accepted");
  if (ref.has_value()) {
    FUZZ_CHECK(ref_next < ref->records.size(), "a header was read from a CSV with none: ",
               fuzz::Show(csv));
    const RefRecord& h = ref->records[ref_next];
    FUZZ_CHECK(!HeaderRefusable(h.fields), "a refusable header was accepted: ", fuzz::Show(csv));
    FUZZ_CHECK(header == h.fields, "header differs from the reference's: ", fuzz::Show(csv));
    FUZZ_CHECK(reader.header_lines() == h.last_line, "header_lines ", reader.header_lines(),
               ", the reference ", h.last_line, ": ", fuzz::Show(csv));
    ++ref_next;
  }

  // 2. The mapping.
  std::unique_ptr<ingest::CsvMapping> mapping;
  {
    absl::StatusOr<std::unique_ptr<ingest::CsvMapping>> parsed =
        ingest::CsvMapping::Parse(mapping_text, "fuzz.mapping", header);
    if (kDebug) std::fprintf(stderr, "mapping: %s\n", parsed.status().ToString().c_str());
    if (parsed.ok()) {
      mapping = *std::move(parsed);
    } else {
      FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument,
                 "CsvMapping::Parse returned ", parsed.status().ToString());
      FUZZ_CHECK(absl::StartsWith(parsed.status().message(), "fuzz.mapping:"),
                 "mapping error does not name the mapping: ", parsed.status().ToString());
      FUZZ_CHECK(fuzz::IsPrintableMessage(parsed.status().message()),
                 "mapping error has a control character: ",
                 fuzz::Show(parsed.status().message()));
    }
  }

  // 1 and 3: the rows.
  uint64_t previous_last_line = reader.header_lines();
  ingest::Row row;
  for (int n = 0;; ++n) {
    FUZZ_CHECK(n < kMaxRows, "more than ", kMaxRows, " rows from ", size, " bytes");
    absl::StatusOr<bool> more = reader.Next(&row);
    if (!more.ok()) {
      FUZZ_CHECK(more.status().code() == absl::StatusCode::kInvalidArgument,
                 "CsvRows::Next returned ", more.status().ToString());
      FUZZ_CHECK(!ref.has_value(), "CsvRows::Next failed on a clean CSV: ",
                 more.status().ToString());
      break;
    }
    if (!*more) {
      if (ref.has_value()) {
        FUZZ_CHECK(ref_next == ref->records.size(), "the reader stopped after ", n,
                   " rows; the reference has ", ref->records.size() - ref_next, " more: ",
                   fuzz::Show(csv));
        FUZZ_CHECK(reader.lines() == ref->lines, "lines() is ", reader.lines(),
                   ", the reference counts ", ref->lines, ": ", fuzz::Show(csv));
      }
      break;
    }
    FUZZ_CHECK(row.line == previous_last_line + 1 && row.last_line >= row.line,
               "row lines ", row.line, "..", row.last_line, " after line ", previous_last_line,
               ": ", fuzz::Show(csv));
    previous_last_line = row.last_line;
    if (kDebug) {
      std::fprintf(stderr, "row %d lines %llu..%llu blank=%d fields=%zu error=\"%s\"\n", n,
                   static_cast<unsigned long long>(row.line),
                   static_cast<unsigned long long>(row.last_line), row.blank, row.fields.size(),
                   row.read_error.c_str());
    }
    FUZZ_CHECK(fuzz::IsPrintableMessage(row.read_error), "read_error has a control character: ",
               fuzz::Show(row.read_error));
    if (row.read_error.empty() && !row.blank) {
      FUZZ_CHECK(row.fields.size() == header.size(), "a row of ", row.fields.size(),
                 " fields has no error; the header has ", header.size());
    }
    if (ref.has_value()) {
      FUZZ_CHECK(ref_next < ref->records.size(), "the reader returned a row the reference does "
                 "not have (line ", row.line, "): ", fuzz::Show(csv));
      const RefRecord& r = ref->records[ref_next++];
      FUZZ_CHECK(row.line == r.line && row.last_line == r.last_line, "row at lines ", row.line,
                 "..", row.last_line, ", the reference ", r.line, "..", r.last_line, ": ",
                 fuzz::Show(csv));
      FUZZ_CHECK(row.blank == r.blank, "line ", row.line, ": blank=", row.blank,
                 ", the reference ", r.blank, ": ", fuzz::Show(csv));
      if (!r.blank) {
        FUZZ_CHECK(row.fields == r.fields, "line ", row.line,
                   ": fields differ from the reference's: ", fuzz::Show(csv));
        const bool count_error = r.fields.size() != header.size();
        FUZZ_CHECK(row.read_error.empty() != count_error, "line ", row.line, ": read_error \"",
                   row.read_error, "\" on a clean record of ", r.fields.size(), " fields (header ",
                   header.size(), "): ", fuzz::Show(csv));
      }
    }
    if (!row.read_error.empty() || row.blank || mapping == nullptr) continue;

    // The conversion, as ledger import's CSV RowParser does it.
    if (ingest::FindInvalidUtf8(row.raw) != absl::string_view::npos) continue;
    Event event;
    std::string why;
    const bool applied = mapping->Apply(row.fields, &event, &why);
    Event again;
    std::string why_again;
    FUZZ_CHECK(mapping->Apply(row.fields, &again, &why_again) == applied && why == why_again &&
                   MessageDifferencer::Equals(event, again),
               "Apply is not deterministic on line ", row.line);
    if (!applied) {
      FUZZ_CHECK(!why.empty() && fuzz::IsPrintableMessage(why),
                 "Apply failed without a reason, or with a control character in it, on line ",
                 row.line, ": ", fuzz::Show(why));
      if (kDebug) std::fprintf(stderr, "  Apply: %s\n", why.c_str());
      continue;
    }
    if (kDebug) {
      Event shown = event;
      ingest::EnsureEventId(&shown);
      std::fprintf(stderr, "  event: %s\n  ValidateEvent: %s\n", shown.ShortDebugString().c_str(),
                   ledger::ValidateEvent(shown).ToString().c_str());
    }
    CheckEvent(std::move(event), input);
  }
  return 0;
}
