#include "ingest/event_batch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/import_reader.h"
#include "ingest/personal_split.h"
#include "ingest/personal_writer.h"
#include "ledger/validate.h"
#include "util/error_detail.h"

namespace ingest {
namespace {

absl::Status Located(absl::Status s, absl::string_view reason, const std::string& file,
                     uint64_t line, uint64_t column, absl::string_view field_path = "") {
  util::ErrorDetail d;
  if (!field_path.empty()) d.set_field_path(std::string(field_path));
  if (!reason.empty()) d.set_reason(std::string(reason));
  d.set_file(file);
  d.set_line(line);
  d.set_column(static_cast<uint32_t>(column));
  return util::AddErrorDetail(std::move(s), d);
}

std::string Where(const std::string& file, uint64_t line, uint64_t column) {
  return column > 0 ? absl::StrCat(file, ":", line, ": column ", column, ": ")
                    : absl::StrCat(file, ":", line, ": ");
}

}  // namespace

absl::StatusOr<EventBatch> ReadEventBatch(const std::string& input,
                                          const std::optional<std::string>& stream) {
  absl::StatusOr<std::unique_ptr<InputFile>> file = InputFile::Open(input);
  if (!file.ok()) {
    util::ErrorDetail d;
    d.set_reason("input_not_opened");
    d.set_file(input);
    return util::AddErrorDetail(file.status(), d);
  }
  std::unique_ptr<RowSource> rows = NewNdjsonRows(*std::move(file));
  EventBatch batch;
  batch.input_name = rows->input().name();
  const std::string& name = batch.input_name;
  Row row;
  while (true) {
    absl::StatusOr<bool> more = rows->Next(&row);
    if (!more.ok()) {
      const uint64_t line = rows->lines();
      return Located(absl::Status(more.status().code(),
                                  absl::StrCat(Where(name, line, 0), more.status().message())),
                     more.status().code() == absl::StatusCode::kInvalidArgument ? "invalid_row"
                                                                                 : "input_read_error",
                     name, line, 0);
    }
    if (!*more) break;
    if (row.blank) continue;
    if (!row.read_error.empty()) {
      return Located(absl::InvalidArgumentError(absl::StrCat(
                         Where(name, row.line, row.read_error_column), row.read_error)),
                     "invalid_row", name, row.line, row.read_error_column);
    }
    enforcement::v1::Event event;
    JsonParseError error;
    if (!ParseEventJsonInPlace(row.raw, &event, &error)) {
      return Located(absl::InvalidArgumentError(
                         absl::StrCat(Where(name, row.line, error.column), error.message)),
                     "invalid_json", name, row.line, error.column);
    }
    const bool derived = EnsureEventId(&event);
    if (stream && event.stream() != *stream) {
      return Located(absl::InvalidArgumentError(absl::StrCat(
                         Where(name, row.line, 0), "stream: \"", event.stream(),
                         "\" is not the stream appended to, \"", *stream,
                         "\" (one append writes to one stream)")),
                     "stream_mismatch", name, row.line, 0, "stream");
    }
    batch.events.push_back(std::move(event));
    batch.lines.push_back(row.line);
    batch.derived_id.push_back(derived);
  }
  return batch;
}

absl::StatusOr<ledger::AppendResult> AppendEventBatch(ledger::Ledger& db, EventBatch& batch,
                                                      const std::optional<std::string>& stream,
                                                      ledger::ExpectedVersion expected,
                                                      personal::PersonalStore* store) {
  if (batch.events.empty()) {
    ledger::AppendResult r;
    r.tree_size = db.GetHead().tree_size;
    return r;
  }
  // New events only (ledger/validate.h): amounts in currencies with a minor
  // unit. Refused as the ledger refuses an invalid event, by its line.
  for (size_t i = 0; i < batch.events.size(); ++i) {
    absl::Status s = ledger::ValidateNewAmounts(batch.events[i]);
    if (s.ok()) continue;
    util::ErrorDetail d;
    d.set_reason("invalid_event");
    const std::string message(s.message());
    if (size_t colon = message.find(": "); colon != std::string::npos) {
      d.set_field_path(message.substr(0, colon));
    }
    const std::string& id = batch.events[i].event_id();
    absl::Status located(
        s.code(), absl::StrCat(Where(batch.input_name, batch.lines[i], 0),
                               id.empty() ? "" : absl::StrCat("(event_id \"", id, "\"): "),
                               message));
    return Located(util::WithErrorDetail(std::move(located), d), "", batch.input_name,
                   batch.lines[i], 0);
  }
  std::optional<std::string> log_stream = stream;
  std::vector<personal::PersonalValue> values;
  if (db.format_version() >= 2) {
    if (store == nullptr) {
      return absl::FailedPreconditionError(
          "a format-2 ledger needs its personal-data store to append");
    }
    const PersonalSplitter splitter(*store, &db);
    for (size_t i = 0; i < batch.events.size(); ++i) {
      enforcement::v1::Event& event = batch.events[i];
      const bool derived = i < batch.derived_id.size() && batch.derived_id[i];
      if (derived) event.clear_event_id();
      const std::string given_id = derived ? "" : event.event_id();
      if (absl::Status s = splitter.Split(&event, &values); !s.ok()) {
        // As the ledger words a refusal of one event (its index is the line).
        absl::Status located(
            s.code(), absl::StrCat(Where(batch.input_name, batch.lines[i], 0),
                                   given_id.empty() ? "" : absl::StrCat("(event_id \"", given_id, "\"): "),
                                   s.message()));
        if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
          located = util::WithErrorDetail(std::move(located), *d);
        }
        return Located(std::move(located), "", batch.input_name, batch.lines[i], 0);
      }
    }
    if (stream) log_stream = batch.events.front().stream();  // suspect/<agency id> -> subject
  }
  // Format 2's write order (docs/PERSONAL_DATA.md): personal data first.
  std::optional<uint64_t> pending;
  if (!values.empty()) {
    absl::StatusOr<uint64_t> id = store->Persist(values);
    if (!id.ok()) return id.status();
    pending = *id;
  }
  absl::StatusOr<ledger::AppendResult> result =
      log_stream ? db.Append(*log_stream, expected, batch.events) : db.AppendEvents(batch.events);
  if (pending) {
    // A pending record that cannot be deleted now is swept at the next open
    // (its values are in the log then, so they stay).
    const absl::StatusCode code = result.status().code();
    const bool refused = code == absl::StatusCode::kInvalidArgument ||
                         code == absl::StatusCode::kAlreadyExists ||
                         code == absl::StatusCode::kAborted || code == absl::StatusCode::kNotFound ||
                         code == absl::StatusCode::kFailedPrecondition ||
                         code == absl::StatusCode::kOutOfRange;
    if (result.ok()) {
      store->Settle(*pending).IgnoreError();
    } else if (!refused) {
      // An I/O failure: the batch may still be in the log after a reopen;
      // the pending record is swept then, against the log as it is.
    } else if (absl::Status swept =
                   store->Sweep([&db](absl::string_view id) { return EventInLog(db, id); },
                                /*remove_unused_subjects=*/false)
                       .status();
               !swept.ok()) {
      return absl::Status(swept.code(), absl::StrCat(result.status().message(),
                                                     "; cleaning the personal-data store after "
                                                     "it failed too: ", swept.message()));
    }
  }
  if (result.ok()) return result;
  const absl::Status& s = result.status();
  const std::optional<uint32_t> idx = util::FailedEventIndex(s);
  if (!idx || *idx >= batch.lines.size()) return s;
  absl::string_view msg = s.message();
  absl::ConsumePrefix(&msg, absl::StrCat("event ", *idx, " "));
  absl::Status located(s.code(), absl::StrCat(Where(batch.input_name, batch.lines[*idx], 0), msg));
  if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
    located = util::WithErrorDetail(std::move(located), *d);
  }
  return Located(std::move(located), "", batch.input_name, batch.lines[*idx], 0);
}

}  // namespace ingest
