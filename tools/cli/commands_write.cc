// The commands that write: init, append, import.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "util/file_io.h"
#include "ledger/ledger.h"
#include "util/output_file.h"
#include "ledger/validate.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "util/error_detail.h"
#include "tools/cli/import_json.h"
#include "tools/cli/import_mapping.h"
#include "tools/cli/import_pipeline.h"
#include "tools/cli/import_reader.h"
#include "tools/cli/import_rejects.h"
#include "tools/cli/ndjson.h"

namespace cli {
namespace {

using enforcement::v1::Event;

constexpr uint64_t kDefaultBatch = 1000;
constexpr uint64_t kMaxBatch = 1000000;
constexpr size_t kMaxBatchBytes = size_t{64} << 20;

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
    // After an I/O error (e.g. a full disk) leave nothing behind, so that the
    // same init can run again: the directory was new or empty. (Not when
    // another writer holds it: that one may be creating a ledger there.)
    const absl::StatusCode code = opened.status().code();
    const bool io_error = code == absl::StatusCode::kResourceExhausted ||
                          (code == absl::StatusCode::kUnavailable &&
                           !util::IsLockContention(opened.status())) ||
                          code == absl::StatusCode::kInternal;
    if (io_error && !std::filesystem::exists(st)) {
      std::filesystem::remove_all(db, ec);
    } else if (io_error) {
      for (const auto& entry : std::filesystem::directory_iterator(db, ec)) {
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
      }
    }
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
// import: see tools/cli/import_pipeline.h and docs/IMPORT.md.

int RunImport(const Invocation& inv) {
  const std::string input = inv.args.positionals()[0];
  absl::StatusOr<std::optional<uint64_t>> batch_opt = inv.args.GetUint("batch");
  if (!batch_opt.ok()) return inv.UsageError(batch_opt.status().message());
  const uint64_t batch_size = batch_opt->value_or(kDefaultBatch);
  if (batch_size == 0 || batch_size > kMaxBatch) {
    return inv.UsageError(absl::StrCat("--batch must be between 1 and ", kMaxBatch));
  }
  absl::StatusOr<std::optional<uint64_t>> threads_opt = inv.args.GetUint("threads");
  if (!threads_opt.ok()) return inv.UsageError(threads_opt.status().message());
  uint64_t threads = threads_opt->value_or(
      std::clamp<uint64_t>(std::thread::hardware_concurrency(), 1, 8));
  if (threads == 0 || threads > 64) return inv.UsageError("--threads must be between 1 and 64");
  const bool dry_run = inv.args.Has("dry-run");
  const bool bulk = inv.args.Has("bulk");
  if (dry_run && bulk) return inv.UsageError("--dry-run writes nothing; --bulk makes no sense with it");
  const std::optional<std::string> mapping_path = inv.args.Get("mapping");
  const std::optional<std::string> rejects_path = inv.args.Get("rejects");
  if (mapping_path && mapping_path->empty()) return inv.UsageError("--mapping wants a file");
  if (rejects_path && rejects_path->empty()) return inv.UsageError("--rejects wants a file");
  if (dry_run && rejects_path) {
    return inv.UsageError("--dry-run writes nothing, not even rejects; drop --rejects or --dry-run");
  }
  std::string lower_input = input;
  for (char& c : lower_input) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!mapping_path && absl::EndsWith(lower_input, ".csv")) {
    return inv.UsageError(absl::StrCat(input, " looks like CSV; CSV input needs --mapping MAP "
                                       "(see docs/IMPORT.md and data/*.mapping)"));
  }
  const bool csv = mapping_path.has_value();

  // The ledger is opened (and the writer lock taken) before the input is
  // opened, so that a second writer is refused before anything is read.
  std::unique_ptr<ledger::Ledger> db;
  if (!dry_run) {
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened =
        OpenLedger(inv.global, bulk ? OpenMode::kWriteBulk : OpenMode::kWrite);
    if (!opened.ok()) return inv.Fail(opened.status(), StatusContext::kOpen);
    db = *std::move(opened);
  }
  absl::StatusOr<std::unique_ptr<InputFile>> file = InputFile::Open(input);
  if (!file.ok()) {
    const absl::StatusCode c = file.status().code();
    return inv.Fail((c == absl::StatusCode::kNotFound || c == absl::StatusCode::kInvalidArgument)
                        ? kExitUsage
                        : kExitInternal,
                    file.status().message());
  }
  if ((*file)->is_stdin() && isatty(STDIN_FILENO) == 1) {
    std::fprintf(stderr, "ledger: %s: reading %s from the terminal; end with Ctrl-D\n",
                 inv.command.c_str(), csv ? "CSV rows" : "NDJSON events");
  }

  std::unique_ptr<RowSource> source;
  std::unique_ptr<CsvMapping> mapping;
  RowParser parser;
  if (csv) {
    absl::StatusOr<std::unique_ptr<CsvRows>> rows = CsvRows::Open(*std::move(file));
    if (!rows.ok()) {
      return inv.Fail(rows.status().code() == absl::StatusCode::kInvalidArgument ? kExitInvalidInput
                                                                                 : kExitInternal,
                      absl::StrCat(rows.status().message(), "\nnothing was written"));
    }
    absl::StatusOr<std::unique_ptr<CsvMapping>> loaded =
        CsvMapping::Load(*mapping_path, (*rows)->header());
    if (!loaded.ok()) {
      return inv.Fail(kExitUsage, absl::StrCat("--mapping: ", loaded.status().message(),
                                               "\nnothing was written"));
    }
    mapping = *std::move(loaded);
    source = *std::move(rows);
    const CsvMapping* m = mapping.get();
    parser = [m](const Row& row, Event* event, uint64_t* column, std::string* message) {
      *column = 0;
      if (size_t bad = FindInvalidUtf8(row.raw); bad != absl::string_view::npos) {
        *column = bad + 1;
        *message = absl::StrCat("not valid UTF-8 at byte ", bad + 1, " of the row");
        return false;
      }
      return m->Apply(row.fields, event, message);
    };
  } else {
    source = NewNdjsonRows(*std::move(file));
    parser = [](const Row& row, Event* event, uint64_t* column, std::string* message) {
      JsonParseError error;
      if (ParseEventJson(row.raw, event, &error)) return true;
      *column = error.column;
      *message = std::move(error.message);
      return false;
    };
  }

  std::unique_ptr<RejectsFile> rejects;
  if (rejects_path) {
    // The rejects file must not be the input (standard input redirected
    // from it counts) nor the mapping: compared by device and inode.
    ledger::OutputRules rules{"--rejects", {}};
    const std::optional<ledger::FileId> input_id =
        input == "-" ? ledger::IdentifyFd(STDIN_FILENO) : ledger::IdentifyPath(input);
    if (input_id) rules.inputs.push_back({*input_id, "the input"});
    if (mapping_path) {
      if (std::optional<ledger::FileId> id = ledger::IdentifyPath(*mapping_path)) {
        rules.inputs.push_back({*id, "the mapping (--mapping)"});
      }
    }
    absl::StatusOr<std::unique_ptr<RejectsFile>> opened =
        RejectsFile::Open(*rejects_path, source->input().name(), rules);
    if (!opened.ok()) {
      const absl::StatusCode c = opened.status().code();
      return inv.Fail(c == absl::StatusCode::kInvalidArgument        ? kExitInvalidInput
                      : c == absl::StatusCode::kFailedPrecondition ? kExitUsage
                                                                   : kExitInternal,
                      c == absl::StatusCode::kFailedPrecondition
                          ? absl::StrCat(opened.status().message(), "\nnothing was written")
                          : absl::StrCat("--rejects: ", opened.status().message(),
                                         "\nnothing was written"));
    }
    rejects = *std::move(opened);
  }

  ImportConfig config;
  config.format = csv ? "csv" : "ndjson";
  config.batch_size = batch_size;
  config.max_batch_bytes = kMaxBatchBytes;
  config.threads = static_cast<int>(threads);
  config.dry_run = dry_run;
  config.bulk = bulk;
  const char* crosscheck = std::getenv("LEDGER_IMPORT_CROSSCHECK");
  config.crosscheck = crosscheck != nullptr && std::string(crosscheck) == "1";
  return RunImportPipeline(inv, *source, parser, db.get(), rejects.get(), config);
}

}  // namespace cli
