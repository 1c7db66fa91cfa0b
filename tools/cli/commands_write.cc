// The commands that write: init, append, import.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "ledger/ledger.h"
#include "ledger/validate.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "tools/cli/ndjson.h"

namespace cli {
namespace {

using enforcement::v1::Event;

constexpr uint64_t kDefaultBatch = 1000;
constexpr uint64_t kMaxBatch = 1000000;
constexpr size_t kMaxBatchBytes = size_t{64} << 20;

// The index of the input event an Append error concerns (ledger.h
// kFailedIndexPayload), if the ledger said.
std::optional<size_t> FailedIndex(const absl::Status& status) {
  auto payload = status.GetPayload(ledger::kFailedIndexPayload);
  if (!payload) return std::nullopt;
  std::optional<uint64_t> v = ParseUint(std::string(*payload));
  if (!v) return std::nullopt;
  return static_cast<size_t>(*v);
}

// The message of an Append error about input event `index`, without the
// ledger's "event <index> " prefix: the CLI names the file line instead.
std::string EventMessage(const absl::Status& status, size_t index) {
  absl::string_view msg = status.message();
  absl::ConsumePrefix(&msg, absl::StrCat("event ", index, " "));
  return std::string(msg);
}

// Opens an input file for reading events. A missing file is a usage error
// (the argument is wrong); other failures are I/O errors.
absl::StatusOr<std::unique_ptr<LineReader>> OpenInput(const Invocation& inv,
                                                      const std::string& path, int* code) {
  absl::StatusOr<std::unique_ptr<LineReader>> reader = LineReader::Open(path);
  if (!reader.ok()) {
    const absl::StatusCode c = reader.status().code();
    *code = (c == absl::StatusCode::kNotFound || c == absl::StatusCode::kInvalidArgument)
                ? kExitUsage
                : kExitInternal;
    inv.Fail(*code, reader.status().message());
    return reader.status();
  }
  if ((*reader)->is_stdin() && isatty(STDIN_FILENO) == 1) {
    std::fprintf(stderr,
                 "ledger: %s: reading NDJSON events from the terminal; end with Ctrl-D\n",
                 inv.command.c_str());
  }
  return reader;
}

// Parses and validates one non-blank line. On error returns the message
// "<field path>: <rule>" (validation) or the parse error, without file:line.
absl::Status ParseAndValidate(absl::string_view line, Event* event) {
  if (absl::Status s = ParseEventLine(line, event); !s.ok()) return s;
  return ledger::ValidateEvent(*event);
}

std::string Where(const LineReader& reader, uint64_t line) {
  return absl::StrCat(reader.name(), ":", line);
}

}  // namespace

// ---------------------------------------------------------------------------
// init

int RunInit(const Invocation& inv) {
  const std::optional<std::string> origin = inv.args.Get("origin");
  if (!origin) return inv.UsageError("--origin NAME is required (the log's checkpoint origin line)");
  if (origin->empty()) return inv.UsageError("--origin must not be empty");
  for (char c : *origin) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return inv.UsageError("--origin must be one line of printable characters");
    }
  }
  const std::string& db = inv.global.db;
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(db, ec);
  if (std::filesystem::exists(st)) {
    if (!std::filesystem::is_directory(st)) {
      return inv.Fail(kExitConflict, absl::StrCat(db, " exists and is not a directory"));
    }
    if (!std::filesystem::is_empty(db, ec)) {
      GlobalOptions probe = inv.global;
      if (auto existing = OpenLedger(probe, OpenMode::kRead); existing.ok()) {
        const ledger::Head head = (*existing)->GetHead();
        return inv.Fail(kExitConflict,
                        absl::StrCat("a ledger already exists at ", db, " (origin \"",
                                     head.origin, "\", ", head.tree_size,
                                     " records); init never touches an existing ledger"));
      }
      return inv.Fail(kExitConflict, absl::StrCat(db, " exists and is not empty; init creates a "
                                                      "ledger only in a new or empty directory"));
    }
  }
  ledger::OpenOptions options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.origin = *origin;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(db, options);
  if (!opened.ok()) {
    return inv.Fail(opened.status(), StatusContext::kOpen,
                    absl::StrCat("cannot create a ledger at ", db));
  }
  const ledger::Head head = (*opened)->GetHead();
  if (inv.global.json) {
    WriteStdout(JsonObject()
                    .Str("db", db)
                    .Str("origin", head.origin)
                    .Num("tree_size", head.tree_size)
                    .Str("root_hex", merkle::ToHex(head.root))
                    .Build() +
                "\n");
  } else {
    WriteStdout(absl::StrCat("initialized an empty ledger at ", db, " (origin \"", head.origin,
                             "\")\n"));
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// append

int RunAppend(const Invocation& inv) {
  const std::string input = inv.args.positionals().empty() ? "-" : inv.args.positionals()[0];
  const std::optional<std::string> stream = inv.args.Get("stream");
  const std::optional<std::string> ev = inv.args.Get("expected-version");
  if (stream && stream->empty()) return inv.UsageError("--stream must not be empty");
  if (ev && !stream) {
    return inv.UsageError(
        "--expected-version needs --stream S (a version is a property of one stream)");
  }
  ledger::ExpectedVersion expected = ledger::ExpectedVersion::Any();
  if (ev) {
    if (*ev == "any") {
      expected = ledger::ExpectedVersion::Any();
    } else if (*ev == "none" || *ev == "no-stream") {
      expected = ledger::ExpectedVersion::NoStream();
    } else if (std::optional<uint64_t> v = ParseUint(*ev)) {
      expected = ledger::ExpectedVersion::Exact(*v);
    } else {
      return inv.UsageError(absl::StrCat("--expected-version wants any, none or a version number, "
                                         "not \"", *ev, "\""));
    }
  }

  // Read and validate all input before taking the writer lock.
  int code = kExitOk;
  absl::StatusOr<std::unique_ptr<LineReader>> reader = OpenInput(inv, input, &code);
  if (!reader.ok()) return code;
  LineReader& in = **reader;
  std::vector<Event> events;
  std::vector<uint64_t> lines;
  std::string line;
  while (true) {
    absl::StatusOr<bool> more = in.Next(&line);
    if (!more.ok()) {
      return inv.Fail(more.status().code() == absl::StatusCode::kInvalidArgument
                          ? kExitInvalidInput
                          : kExitInternal,
                      absl::StrCat(Where(in, in.line_number()), ": ", more.status().message(),
                                   "\nnothing was written"));
    }
    if (!*more) break;
    if (IsBlankLine(line)) continue;
    Event event;
    if (absl::Status s = ParseAndValidate(line, &event); !s.ok()) {
      return inv.Fail(kExitInvalidInput, absl::StrCat(Where(in, in.line_number()), ": ",
                                                      s.message(), "\nnothing was written"));
    }
    if (stream && event.stream() != *stream) {
      return inv.Fail(kExitInvalidInput,
                      absl::StrCat(Where(in, in.line_number()), ": stream: \"", event.stream(),
                                   "\" is not the --stream \"", *stream,
                                   "\" (one append writes to one stream)\nnothing was written"));
    }
    events.push_back(std::move(event));
    lines.push_back(in.line_number());
  }

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kWrite);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);

  absl::StatusOr<ledger::AppendResult> result =
      events.empty() ? absl::StatusOr<ledger::AppendResult>(ledger::AppendResult{})
      : stream       ? (*db)->Append(*stream, expected, events)
                     : (*db)->AppendEvents(events);
  if (!result.ok()) {
    const absl::Status& s = result.status();
    std::string msg(s.message());
    if (std::optional<size_t> idx = FailedIndex(s); idx && *idx < lines.size()) {
      msg = absl::StrCat(Where(in, lines[*idx]), ": ", EventMessage(s, *idx));
    }
    if (s.code() == absl::StatusCode::kAborted && stream && !absl::StrContains(msg, *stream)) {
      // The ledger's message should name the stream and both versions; make sure.
      std::string current = "unknown";
      if (auto v = (*db)->StreamVersion(*stream); v.ok()) {
        current = v->has_value() ? absl::StrCat(**v) : "none (no events)";
      }
      absl::StrAppend(&msg, " (stream ", *stream, " is at version ", current, ", expected ",
                      expected.ToString(), ")");
    }
    if (!absl::StrContains(msg, "nothing was written")) absl::StrAppend(&msg, "\nnothing was written");
    return inv.Fail(ExitCodeFor(s, StatusContext::kAppend), msg);
  }

  const ledger::AppendResult& r = *result;
  uint64_t duplicates = 0;
  for (const ledger::AppendedEvent& e : r.events) duplicates += e.duplicate ? 1 : 0;
  uint64_t tree_size = r.tree_size;
  if (events.empty()) tree_size = (*db)->GetHead().tree_size;
  if (inv.global.json) {
    std::string items;
    for (size_t i = 0; i < events.size() && i < r.events.size(); ++i) {
      if (!items.empty()) items += ",";
      items += JsonObject()
                   .Num("line", lines[i])
                   .Str("event_id", events[i].event_id())
                   .Str("stream", events[i].stream())
                   .Num("position", r.events[i].position)
                   .Num("stream_version", r.events[i].stream_version)
                   .Bool("duplicate", r.events[i].duplicate)
                   .Build();
    }
    WriteStdout(JsonObject()
                    .Num("appended", r.appended)
                    .Num("duplicates", duplicates)
                    .Num("tree_size", tree_size)
                    .Raw("events", absl::StrCat("[", items, "]"))
                    .Build() +
                "\n");
    return kExitOk;
  }
  if (events.empty()) {
    WriteStdout(absl::StrCat("no events in ", in.name(), "; nothing appended; tree size ",
                             tree_size, "\n"));
    return kExitOk;
  }
  {
    TablePrinter table({"LINE", "POSITION", "STREAM", "VERSION", "EVENT_ID", "STATUS"});
    for (size_t i = 0; i < events.size() && i < r.events.size(); ++i) {
      table.AddRow({absl::StrCat(lines[i]), absl::StrCat(r.events[i].position), events[i].stream(),
                    absl::StrCat(r.events[i].stream_version), events[i].event_id(),
                    r.events[i].duplicate ? "duplicate (not written again)" : "appended"});
    }
  }
  WriteStdout(absl::StrCat("appended ", r.appended, " of ", events.size(), " events (",
                           duplicates, " duplicates); tree size ", tree_size, "\n"));
  return kExitOk;
}

// ---------------------------------------------------------------------------
// import

namespace {

// What earlier, successful batches committed.
struct Committed {
  uint64_t last_line = 0;  // last input line covered by a committed batch
  uint64_t events = 0;
  uint64_t appended = 0;
  uint64_t duplicates = 0;
  uint64_t batches = 0;
  uint64_t tree_size = 0;
};

// "lines 1–2000 (2000 events, 1990 new, 10 duplicates) were committed in
// earlier batches; nothing from lines 2001–3000 was written".
std::string CommittedSentence(const Committed& c, uint64_t failed_through_line) {
  std::string unwritten =
      c.last_line + 1 == failed_through_line
          ? absl::StrCat("nothing from line ", failed_through_line, " was written")
          : absl::StrCat("nothing from lines ", c.last_line + 1, "\u2013", failed_through_line,
                         " was written");
  if (c.batches == 0) return absl::StrCat("no earlier batch was committed; ", unwritten);
  return absl::StrCat("lines 1\u2013", c.last_line, " (", c.events, " events, ", c.appended,
                      " new, ", c.duplicates, " duplicates) were committed in ",
                      c.batches == 1 ? std::string("1 earlier batch")
                                     : absl::StrCat(c.batches, " earlier batches"),
                      "; ", unwritten);
}

}  // namespace

int RunImport(const Invocation& inv) {
  const std::string input = inv.args.positionals()[0];
  absl::StatusOr<std::optional<uint64_t>> batch_opt = inv.args.GetUint("batch");
  if (!batch_opt.ok()) return inv.UsageError(batch_opt.status().message());
  const uint64_t batch_size = batch_opt->value_or(kDefaultBatch);
  if (batch_size == 0 || batch_size > kMaxBatch) {
    return inv.UsageError(absl::StrCat("--batch must be between 1 and ", kMaxBatch));
  }
  const bool dry_run = inv.args.Has("dry-run");
  const bool bulk = inv.args.Has("bulk");
  if (dry_run && bulk) return inv.UsageError("--dry-run writes nothing; --bulk makes no sense with it");

  // The ledger is opened (and the writer lock taken) before the input is
  // opened, so that a second writer is refused before anything is read.
  std::unique_ptr<ledger::Ledger> db;
  if (!dry_run) {
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened =
        OpenLedger(inv.global, bulk ? OpenMode::kWriteBulk : OpenMode::kWrite);
    if (!opened.ok()) return inv.Fail(opened.status(), StatusContext::kOpen);
    db = *std::move(opened);
  }
  int code = kExitOk;
  absl::StatusOr<std::unique_ptr<LineReader>> reader = OpenInput(inv, input, &code);
  if (!reader.ok()) return code;
  LineReader& in = **reader;

  const auto start = std::chrono::steady_clock::now();
  ProgressMeter progress("import", "lines");
  Committed committed;
  if (db) committed.tree_size = db->GetHead().tree_size;
  uint64_t events_read = 0;
  std::vector<Event> batch;
  std::vector<uint64_t> batch_lines;
  size_t batch_bytes = 0;

  auto fail = [&](int exit_code, uint64_t line, absl::string_view what,
                  uint64_t through_line) -> int {
    progress.Finish();
    std::string flush_note;
    if (db && bulk && committed.batches > 0) {
      if (absl::Status f = db->Flush(); !f.ok()) {
        flush_note = absl::StrCat("\nwarning: syncing the committed batches failed: ", f.message());
      }
    }
    const std::string where = line == 0 ? in.name() : Where(in, line);
    const std::string state = dry_run ? std::string("dry run: nothing was written")
                                      : CommittedSentence(committed, through_line);
    if (inv.global.json) {
      JsonObject o;
      o.Bool("ok", false)
          .Str("file", in.name())
          .Num("failed_line", line)
          .Str("error", absl::StrCat(where, ": ", what))
          .Bool("dry_run", dry_run);
      if (!dry_run) {
        o.Num("committed_through_line", committed.last_line)
            .Num("committed_events", committed.events)
            .Num("appended", committed.appended)
            .Num("duplicates", committed.duplicates)
            .Num("batches", committed.batches)
            .Num("tree_size", committed.tree_size);
      }
      WriteStdout(o.Build() + "\n");
    }
    return inv.Fail(exit_code, absl::StrCat(where, ": ", what, "\n", state, flush_note));
  };

  auto commit = [&]() -> int {
    if (batch.empty()) return kExitOk;
    if (!dry_run) {
      absl::StatusOr<ledger::AppendResult> r = db->AppendEvents(batch);
      if (!r.ok()) {
        const absl::Status& s = r.status();
        const std::optional<size_t> idx = FailedIndex(s);
        if (idx && *idx < batch_lines.size()) {
          return fail(ExitCodeFor(s, StatusContext::kAppend), batch_lines[*idx],
                      EventMessage(s, *idx), in.line_number());
        }
        return fail(ExitCodeFor(s, StatusContext::kAppend), 0,
                    absl::StrCat("lines ", committed.last_line + 1, "\u2013", in.line_number(),
                                 ": ", s.message()),
                    in.line_number());
      }
      committed.appended += r->appended;
      for (const ledger::AppendedEvent& e : r->events) committed.duplicates += e.duplicate ? 1 : 0;
      committed.tree_size = r->tree_size;
    }
    committed.events += batch.size();
    committed.batches += 1;
    committed.last_line = in.line_number();
    batch.clear();
    batch_lines.clear();
    batch_bytes = 0;
    return kExitOk;
  };

  std::string line;
  while (true) {
    absl::StatusOr<bool> more = in.Next(&line);
    if (!more.ok()) {
      const int c = more.status().code() == absl::StatusCode::kInvalidArgument ? kExitInvalidInput
                                                                               : kExitInternal;
      return fail(c, in.line_number(), more.status().message(), in.line_number());
    }
    if (!*more) break;
    progress.Update(in.line_number(),
                    in.size() && *in.size() > 0
                        ? static_cast<double>(in.bytes_read()) / static_cast<double>(*in.size())
                        : -1.0);
    if (IsBlankLine(line)) continue;
    Event event;
    if (absl::Status s = ParseAndValidate(line, &event); !s.ok()) {
      return fail(kExitInvalidInput, in.line_number(), s.message(), in.line_number());
    }
    ++events_read;
    batch_bytes += event.ByteSizeLong();
    batch.push_back(std::move(event));
    batch_lines.push_back(in.line_number());
    if (batch.size() >= batch_size || batch_bytes >= kMaxBatchBytes) {
      if (int c = commit(); c != kExitOk) return c;
    }
  }
  if (int c = commit(); c != kExitOk) return c;
  committed.last_line = in.line_number();
  progress.Finish();
  if (db && bulk) {
    if (absl::Status f = db->Flush(); !f.ok()) {
      return inv.Fail(kExitInternal,
                      absl::StrCat("all batches were appended, but syncing them to disk failed: ",
                                   f.message(), "; a crash now may lose trailing batches"));
    }
  }

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t lines_read = in.line_number();
  if (inv.global.json) {
    JsonObject o;
    o.Bool("ok", true)
        .Str("file", in.name())
        .Num("lines", lines_read)
        .Num("events", events_read)
        .Num("appended", committed.appended)
        .Num("duplicates", committed.duplicates)
        .Num("batches", committed.batches)
        .Bool("dry_run", dry_run)
        .Bool("bulk", bulk)
        .Double("seconds", secs);
    if (!dry_run) o.Num("tree_size", committed.tree_size);
    WriteStdout(o.Build() + "\n");
    return kExitOk;
  }
  const std::string rate =
      secs >= 0.05 ? absl::StrFormat("; took %.2f s (%s lines/s)", secs,
                                     WithThousands(static_cast<uint64_t>(lines_read / secs)))
                   : "";
  if (dry_run) {
    WriteStdout(absl::StrCat("dry run of ", in.name(), ": read ", lines_read, " lines, ",
                             events_read, " events parsed and valid, in ", committed.batches,
                             " batches of up to ", batch_size, "; nothing written", rate, "\n"));
  } else {
    WriteStdout(absl::StrCat("imported ", in.name(), ": read ", lines_read, " lines, ",
                             events_read, " events; appended ", committed.appended,
                             ", duplicates ", committed.duplicates, ", batches ",
                             committed.batches, "; tree size ", committed.tree_size, rate, "\n"));
  }
  return kExitOk;
}

}  // namespace cli
