#include "ingest/event_batch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/import_reader.h"
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
    EnsureEventId(&event);
    if (stream && event.stream() != *stream) {
      return Located(absl::InvalidArgumentError(absl::StrCat(
                         Where(name, row.line, 0), "stream: \"", event.stream(),
                         "\" is not the stream appended to, \"", *stream,
                         "\" (one append writes to one stream)")),
                     "stream_mismatch", name, row.line, 0, "stream");
    }
    batch.events.push_back(std::move(event));
    batch.lines.push_back(row.line);
  }
  return batch;
}

absl::StatusOr<ledger::AppendResult> AppendEventBatch(ledger::Ledger& db, const EventBatch& batch,
                                                      const std::optional<std::string>& stream,
                                                      ledger::ExpectedVersion expected) {
  if (batch.events.empty()) {
    ledger::AppendResult r;
    r.tree_size = db.GetHead().tree_size;
    return r;
  }
  absl::StatusOr<ledger::AppendResult> result =
      stream ? db.Append(*stream, expected, batch.events) : db.AppendEvents(batch.events);
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
