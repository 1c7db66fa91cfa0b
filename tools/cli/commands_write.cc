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
#include "util/text.h"
#include "ledger/validate.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "enforcement/api/v1/log.pb.h"
#include "util/error_detail.h"
#include "ingest/event_batch.h"
#include "ingest/import_pipeline.h"
#include "ingest/personal_writer.h"
#include "util/answer_json.h"

namespace cli {
namespace {
// The number style of docs/OUTPUT.md for the summaries below.
template <typename N>
std::string Th(N n) {
  return ledger::Thousands(static_cast<long long>(n));
}
template <typename N>
std::string Co(N n, absl::string_view one, absl::string_view many) {
  return ledger::Counted(static_cast<long long>(n), one, many);
}
}  // namespace
namespace {

using enforcement::v1::Event;

constexpr uint64_t kDefaultBatch = 1000;
constexpr uint64_t kMaxBatch = 1000000;
constexpr size_t kMaxBatchBytes = size_t{64} << 20;

// Tells a user who forgot the input that the command waits for it.
void NoteTerminalInput(const Invocation& inv, const std::string& input, const char* what) {
  if (input == "-" && isatty(STDIN_FILENO) == 1) {
    std::fprintf(stderr, "ledger: %s: reading %s from the terminal; end with Ctrl-D\n",
                 inv.command.c_str(), what);
  }
}

// The exit code and message of a failed import. Setup errors (the input,
// the mapping, the rejects file) keep the exit codes they had: a path
// that cannot be used is a usage error.
int ImportFailed(const Invocation& inv, const ingest::ImportOutcome& outcome) {
  const absl::Status& s = outcome.status;
  const std::optional<util::ErrorDetail> detail = util::GetErrorDetail(s);
  const std::string reason = detail ? detail->reason() : "";
  int code = ExitCodeFor(s);
  std::string message(s.message());
  if (reason == "input_not_opened") {
    code = (s.code() == absl::StatusCode::kNotFound || s.code() == absl::StatusCode::kInvalidArgument)
               ? kExitUsage
               : kExitInternal;
  } else if (reason == "invalid_mapping") {
    code = kExitUsage;
    message = absl::StrCat("--mapping: ", message);
  } else if (reason == "rejects_file_refused") {
    code = kExitUsage;
  } else if (reason == "rejects_file_unusable") {
    code = s.code() == absl::StatusCode::kInvalidArgument ? kExitInvalidInput : kExitInternal;
    message = absl::StrCat("--rejects: ", message);
  } else if (reason == "invalid_csv_header") {
    code = kExitInvalidInput;
  }
  std::string text = message;
  if (std::string state = ingest::CommittedSentence(outcome.report); !state.empty()) {
    absl::StrAppend(&text, "\n", state);
  }
  for (const std::string& w : outcome.report.warnings()) absl::StrAppend(&text, "\nwarning: ", w);
  return inv.Fail(code, text, s);
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
  absl::StatusOr<std::optional<uint64_t>> format = inv.args.GetUint("format");
  if (!format.ok()) return inv.UsageError(format.status().message());
  const uint64_t format_version = format->value_or(2);
  if (format_version != 1 && format_version != 2) {
    return inv.UsageError("--format is 2 (the default: no personal data in the log) or 1");
  }
  ledger::OpenOptions options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.origin = *origin;
  options.format_version = static_cast<uint32_t>(format_version);
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
  // Format 2: the personal-data store is created with the log, so that
  // backups find both from the start.
  if (absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
          ingest::OpenPersonalStoreForWriter(**opened);
      !store.ok()) {
    return inv.Fail(store.status(), StatusContext::kOpen,
                    absl::StrCat("cannot create the personal-data store of ", db));
  }
  const ledger::Head head = (*opened)->GetHead();
  if (inv.global.json) {
    enforcement::api::v1::InitAnswer answer;
    answer.set_db(db);
    answer.set_origin(head.origin);
    answer.set_tree_size(head.tree_size);
    answer.set_root_hex(merkle::ToHex(head.root));
    if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
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

  // Read all input before taking the writer lock: one batch, the import's
  // input policy (ingest/event_batch.h); validation is the ledger's.
  NoteTerminalInput(inv, input, "NDJSON events");
  absl::StatusOr<ingest::EventBatch> batch = ingest::ReadEventBatch(input, stream);
  if (!batch.ok()) {
    const absl::Status& s = batch.status();
    const std::optional<util::ErrorDetail> d = util::GetErrorDetail(s);
    if (d && d->reason() == "input_not_opened") {
      return inv.Fail((s.code() == absl::StatusCode::kNotFound ||
                       s.code() == absl::StatusCode::kInvalidArgument)
                          ? kExitUsage
                          : kExitInternal,
                      s.message(), s);
    }
    return inv.Fail(ExitCodeFor(s), absl::StrCat(s.message(), "\nnothing was written"), s);
  }
  const std::vector<Event>& events = batch->events;
  const std::vector<uint64_t>& lines = batch->lines;

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kWrite);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      ingest::OpenPersonalStoreForWriter(**db);
  if (!store.ok()) return inv.Fail(store.status(), StatusContext::kOpen);

  absl::StatusOr<ledger::AppendResult> result =
      ingest::AppendEventBatch(**db, *batch, stream, expected, store->get());
  if (!result.ok()) {
    const absl::Status& s = result.status();
    std::string msg(s.message());
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
    return inv.Fail(ExitCodeFor(s), msg, s);
  }

  const ledger::AppendResult& r = *result;
  uint64_t duplicates = 0;
  for (const ledger::AppendedEvent& e : r.events) duplicates += e.duplicate ? 1 : 0;
  const uint64_t tree_size = r.tree_size;
  if (inv.global.json) {
    enforcement::api::v1::AppendAnswer answer;
    answer.set_appended(static_cast<uint32_t>(r.appended));
    answer.set_duplicates(static_cast<uint32_t>(duplicates));
    answer.set_tree_size(tree_size);
    for (size_t i = 0; i < events.size() && i < r.events.size(); ++i) {
      enforcement::api::v1::AppendedEvent* e = answer.add_events();
      e->set_line(lines[i]);
      e->set_event_id(events[i].event_id());
      e->set_stream(events[i].stream());
      e->set_position(r.events[i].position);
      e->set_stream_version(r.events[i].stream_version);
      e->set_duplicate(r.events[i].duplicate);
    }
    return WriteAnswer(inv, answer);
  }
  if (events.empty()) {
    WriteStdout(absl::StrCat("no events in ", batch->input_name, "; nothing appended; tree size ",
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
  WriteStdout(absl::StrCat("appended ", Th(r.appended), " of ",
                           ledger::Counted(static_cast<long long>(events.size()), "event", "events"),
                           " (", ledger::Counted(static_cast<long long>(duplicates), "duplicate",
                                                 "duplicates"),
                           "); tree size ", tree_size, "\n"));
  return kExitOk;
}

// ---------------------------------------------------------------------------
// import: the engine is ingest::RunImport (ingest/import_pipeline.h); docs/IMPORT.md.

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
  std::unique_ptr<personal::PersonalStore> store;
  if (!dry_run) {
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened =
        OpenLedger(inv.global, bulk ? OpenMode::kWriteBulk : OpenMode::kWrite);
    if (!opened.ok()) return inv.Fail(opened.status(), StatusContext::kOpen);
    db = *std::move(opened);
    absl::StatusOr<std::unique_ptr<personal::PersonalStore>> s =
        ingest::OpenPersonalStoreForWriter(*db);
    if (!s.ok()) return inv.Fail(s.status(), StatusContext::kOpen);
    store = *std::move(s);
  }
  NoteTerminalInput(inv, input, csv ? "CSV rows" : "NDJSON events");

  ProgressMeter progress("import", "rows");
  ingest::ImportOptions options;
  options.input = input;
  options.mapping_path = mapping_path;
  options.rejects_path = rejects_path;
  options.batch_size = batch_size;
  options.max_batch_bytes = kMaxBatchBytes;
  options.threads = static_cast<int>(threads);
  options.dry_run = dry_run;
  options.bulk = bulk;
  options.personal_store = store.get();
  const char* crosscheck = std::getenv("LEDGER_IMPORT_CROSSCHECK");
  options.crosscheck = crosscheck != nullptr && std::string(crosscheck) == "1";
  options.progress = [&progress](const ingest::ImportProgress& p) {
    const double fraction =
        p.input_bytes && *p.input_bytes > 0
            ? static_cast<double>(p.bytes_read) / static_cast<double>(*p.input_bytes)
            : -1.0;
    progress.Update(p.rows, fraction);
  };
  const ingest::ImportOutcome outcome = ingest::RunImport(db.get(), options);
  progress.Finish();

  const ingest::ImportReport& report = outcome.report;
  if (inv.global.json) {
    if (int e = WriteAnswer(inv, report); e != kExitOk) return e;
  }
  if (!outcome.status.ok()) return ImportFailed(inv, outcome);
  if (inv.global.json) return kExitOk;

  const double secs = report.seconds();
  const std::string rate =
      secs >= 0.05 ? absl::StrFormat("; took %.2f s (%s rows/s)", secs,
                                     WithThousands(static_cast<uint64_t>(report.rows() / secs)))
                   : "";
  std::string rejected = absl::StrCat(", rejected ", Th(report.rejected()));
  if (rejects_path) {
    absl::StrAppend(&rejected, " (", Th(report.rejected_now()), " new, ", Th(report.rejected_earlier()),
                    " already in ", report.rejects_file(), ")");
  }
  if (dry_run) {
    WriteStdout(absl::StrCat("dry run of ", report.file(), ": read ", Co(report.lines(), "line", "lines"),
                             ", ", Co(report.rows(), "row", "rows"), ", ",
                             Co(report.events(), "event", "events"), " parsed and valid, in ",
                             Co(report.batches(), "batch", "batches"), " of up to ", Th(batch_size),
                             "; nothing written", rate, "\n"));
  } else {
    WriteStdout(absl::StrCat("imported ", report.file(), ": read ", Co(report.lines(), "line", "lines"),
                             ", ", Co(report.rows(), "row", "rows"), ", ",
                             Co(report.events(), "event", "events"), "; appended ",
                             Th(report.appended()), ", duplicates ", Th(report.duplicates()), rejected,
                             ", batches ", Th(report.batches()), "; tree size ",
                             report.tree_size(), rate, "\n"));
  }
  return kExitOk;
}

}  // namespace cli
