#include "tools/cli/cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "enforcement/api/v1/error.pb.h"
#include "util/text.h"
#include "ledger/validate.h"
#include "util/answer_json.h"
#include "util/display_width.h"
#include "util/error_detail.h"
#include "util/output_file.h"
#include "util/json_quote.h"
#include "util/time_format.h"

namespace cli {

// ---------------------------------------------------------------------------
// Exit codes.

namespace {
constexpr ExitCodeInfo kExitCodes[] = {
    {kExitOk, "success"},
    {kExitVerifyFailed, "verification failed: verify found a difference"},
    {kExitUsage, "usage error: unknown command or option, missing or malformed argument"},
    {kExitInvalidInput,
     "invalid input: an event failed to parse or validate; nothing from the failing batch "
     "was written"},
    {kExitConflict,
     "conflict: expected-version mismatch, an event_id already recorded with different "
     "content, or init on an existing ledger"},
    {kExitNotFound, "not found: no ledger at --db, unknown stream or position"},
    {kExitLocked, "locked: another process holds the ledger for writing"},
    {kExitInternal, "I/O error, data loss or internal error"},
};

constexpr OptionSpec kGlobalOptions[] = {
    {"db", "DIR", "the ledger directory (default: $LEDGER_DB, else ./ledger-data)"},
    {"json", nullptr, "machine-readable JSON output instead of tables"},
    {"help", nullptr, "show help for the command"},
};
}  // namespace

absl::Span<const ExitCodeInfo> ExitCodeTable() { return kExitCodes; }

const char* ExitCodeMeaning(int code) {
  for (const ExitCodeInfo& e : kExitCodes) {
    if (e.code == code) return e.meaning;
  }
  return "unknown";
}

int ExitCodeFor(const absl::Status& status) {
  // An error that concerns one input event (it carries the event's index)
  // is about the input, whatever its code, unless it is a conflict.
  const bool about_input = util::FailedEventIndex(status).has_value();
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
      return kExitInvalidInput;
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kAlreadyExists:
      return kExitConflict;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
      return about_input ? kExitInvalidInput : kExitNotFound;
    case absl::StatusCode::kFailedPrecondition:
      return about_input ? kExitInvalidInput : kExitInternal;
    case absl::StatusCode::kUnavailable:
      // Lock contention (the writer's or the views') is kUnavailable with
      // a *_lock_held reason; other kUnavailable are I/O errors.
      return util::IsLockContention(status) ? kExitLocked : kExitInternal;
    default:
      return kExitInternal;
  }
}

int ExitCodeFor(const absl::Status& status, StatusContext) { return ExitCodeFor(status); }

// ---------------------------------------------------------------------------
// Invocation.

const char* ExitCodeName(int code) {
  switch (code) {
    case kExitOk: return "OK";
    case kExitVerifyFailed: return "VERIFY_FAILED";
    case kExitUsage: return "USAGE";
    case kExitInvalidInput: return "INVALID_INPUT";
    case kExitConflict: return "CONFLICT";
    case kExitNotFound: return "NOT_FOUND";
    case kExitLocked: return "LOCKED";
    default: return "INTERNAL";
  }
}

int ReportError(absl::string_view command, bool json, int code, absl::string_view message,
                const absl::Status* status, const util::ErrorDetail* detail) {
  std::fflush(stdout);
  std::optional<util::ErrorDetail> from_status;
  if (detail == nullptr && status != nullptr) {
    from_status = util::GetErrorDetail(*status);
    if (from_status) detail = &*from_status;
  }
  if (json) {
    enforcement::api::v1::ErrorAnswer answer;
    enforcement::api::v1::CliError& e = *answer.mutable_error();
    e.set_code(ExitCodeName(code));
    e.set_exit_code(static_cast<uint32_t>(code));
    e.set_message(std::string(message));
    e.set_command(std::string(command));
    if (status != nullptr) e.set_status_code(absl::StatusCodeToString(status->code()));
    if (detail != nullptr) {
      *e.mutable_detail() = *detail;
      e.set_reason(detail->reason());
    }
    absl::StatusOr<std::string> text = util::AnswerJson(answer);
    if (text.ok()) {
      std::fputs((*text + "\n").c_str(), stderr);
      return code;
    }
    // Unreachable for this message; fall back to the text form.
  }
  std::string text;
  const std::string prefix = command.empty() ? "ledger: " : absl::StrCat("ledger: ", command, ": ");
  for (absl::string_view line : absl::StrSplit(message, '\n')) {
    absl::StrAppend(&text, prefix, DisplayText(line), "\n");
  }
  std::fputs(text.c_str(), stderr);
  return code;
}

int Invocation::Fail(int code, absl::string_view message) const {
  return ReportError(command, AnswerIsJson(*this), code, message);
}

int Invocation::Fail(int code, absl::string_view message, const absl::Status& cause) const {
  return ReportError(command, AnswerIsJson(*this), code, message, &cause);
}

int Invocation::Fail(const absl::Status& status, StatusContext context,
                     absl::string_view what) const {
  const std::string msg =
      what.empty() ? std::string(status.message()) : absl::StrCat(what, ": ", status.message());
  return ReportError(command, AnswerIsJson(*this), ExitCodeFor(status, context), msg, &status);
}

int WriteAnswer(const Invocation& inv, const google::protobuf::Message& answer) {
  absl::StatusOr<std::string> json = util::AnswerJson(answer);
  if (!json.ok()) return inv.Fail(kExitInternal, json.status().message());
  WriteTo(AnswerStream(), *json + "\n");
  return kExitOk;
}

int OutputError(const Invocation& inv, const absl::Status& s) {
  const absl::StatusCode c = s.code();
  const bool usage = c == absl::StatusCode::kFailedPrecondition ||
                     c == absl::StatusCode::kInvalidArgument || c == absl::StatusCode::kNotFound;
  return inv.Fail(usage ? kExitUsage : kExitInternal, s.message());
}

int Invocation::UsageError(absl::string_view message) const {
  return UsageError(absl::InvalidArgumentError(message));
}

int Invocation::UsageError(const absl::Status& status) const {
  util::ErrorDetail detail = util::GetErrorDetail(status).value_or(util::ErrorDetail());
  if (detail.reason().empty()) detail.set_reason("usage");
  ReportError(command, AnswerIsJson(*this), kExitUsage, status.message(), nullptr, &detail);
  if (!AnswerIsJson(*this)) std::fprintf(stderr, "Run 'ledger help %s' for usage.\n", command.c_str());
  return kExitUsage;
}

absl::Span<const OptionSpec> GlobalOptionSpecs() { return kGlobalOptions; }

std::string ResolveDbPath(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  const char* env = std::getenv("LEDGER_DB");
  if (env != nullptr && *env != '\0') return env;
  return "./ledger-data";
}

// ---------------------------------------------------------------------------
// Opening.

namespace {

namespace fs = std::filesystem;

constexpr char kCreateHint[] =
    "; create one with 'ledger init --origin NAME', or point --db or $LEDGER_DB at one";

absl::Status NotALedger(std::string message) {
  util::ErrorDetail detail;
  detail.set_reason("not_a_ledger");
  return util::WithErrorDetail(absl::NotFoundError(std::move(message)), detail);
}

// Why `db`, which the ledger refused as "not a ledger", is not one: a
// store that lives inside a ledger (its views, its personal data) or some
// other RocksDB database. nullopt when it looks like a damaged ledger (it
// has a ledger's HIGH_WATER_MARK), which stays a data-loss error.
std::optional<absl::Status> ExplainNotALedger(const std::string& db) {
  std::error_code ec;
  fs::path path = fs::path(db).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "db/views/"
  const std::string base = path.filename().string();
  const fs::path parent = fs::absolute(path, ec).parent_path();
  const bool parent_is_ledger = fs::exists(parent / "CURRENT", ec);
  const char* what = base == "views"      ? "the views store"
                     : base == "personal" ? "the personal-data store"
                                          : nullptr;
  if (what != nullptr && parent_is_ledger) {
    std::string ledger_dir = path.parent_path().string();
    if (ledger_dir.empty()) ledger_dir = ".";
    return NotALedger(absl::StrCat("'", db, "' is not a ledger (it is ", what,
                                   " of the ledger at '", ledger_dir, "'; use --db ",
                                   ledger_dir, ")"));
  }
  if (fs::exists(path / "HIGH_WATER_MARK", ec)) return std::nullopt;
  return NotALedger(absl::StrCat("'", db,
                                 "' is not a ledger (a RocksDB database without the "
                                 "ledger's records)",
                                 kCreateHint));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenLedger(const GlobalOptions& global,
                                                           OpenMode mode) {
  const std::string& db = global.db;
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", db, kCreateHint));
  }
  ledger::OpenOptions options;
  options.read_only = mode == OpenMode::kRead;
  options.durability =
      mode == OpenMode::kWriteBulk ? ledger::Durability::kBulk : ledger::Durability::kSync;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(db, options);
  if (opened.ok()) return opened;
  const absl::Status& s = opened.status();
  switch (s.code()) {
    case absl::StatusCode::kNotFound: {
      // The ledger's own message says the same as ours ("no ledger at
      // DIR (create one ...)"): say it once, with what is at DIR instead.
      const char* what = " (not a directory)";
      if (fs::is_directory(db, ec)) {
        what = fs::is_empty(db, ec) ? " (the directory is empty)"
                                    : " (the directory holds no ledger)";
      }
      return absl::NotFoundError(absl::StrCat("no ledger at ", db, what, kCreateHint));
    }
    case absl::StatusCode::kUnavailable:
      return util::WithErrorDetail(
          absl::UnavailableError(absl::StrCat(
              "locked: ", s.message(),
              ". Wait for the other writer to finish and retry; reading commands (read, head, "
              "export, verify) work meanwhile.")),
          util::GetErrorDetail(s).value_or(util::ErrorDetail()));
    case absl::StatusCode::kDataLoss:
      if (absl::StrContains(s.message(), "not a ledger")) {
        if (std::optional<absl::Status> why = ExplainNotALedger(db)) return *why;
      }
      return absl::DataLossError(
          absl::StrCat("the ledger at ", db, " is damaged: ", s.message()));
    default:
      return absl::Status(s.code(),
                          absl::StrCat("cannot open the ledger at ", db, ": ", s.message()));
  }
}

// ---------------------------------------------------------------------------
// Answer formats and tables.

namespace {

constexpr OptionSpec kAnswerOutputOptions[] = {
    {"format", "FMT", "table (default), json (= --json), csv (RFC 4180) or tsv"},
    {"out", "FILE", "write the answer to FILE instead of stdout (docs/FILES.md)"},
};

OutputFormat g_format = OutputFormat::kTable;
FILE* g_stream = nullptr;  // nullptr: stdout
int g_sections = 0;        // tables and key/value blocks written in csv/tsv

void WriteRecord(FILE* out, OutputFormat format, const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line.push_back(format == OutputFormat::kCsv ? ',' : '\t');
    const std::string cell = SpreadsheetSafe(cells[i]);
    line += format == OutputFormat::kCsv ? CsvField(cell) : TsvField(cell);
  }
  line += format == OutputFormat::kCsv ? "\r\n" : "\n";
  WriteTo(out, line);
}

// Starts a section (a table or a key/value block) of a csv or tsv answer.
void StartSection(FILE* out, OutputFormat format) {
  if (g_sections++ > 0) WriteTo(out, format == OutputFormat::kCsv ? "\r\n" : "\n");
}

}  // namespace

absl::Span<const OptionSpec> AnswerOutputOptionSpecs() { return kAnswerOutputOptions; }

OutputFormat AnswerFormat() { return g_format; }

FILE* AnswerStream() { return g_stream == nullptr ? stdout : g_stream; }

bool AnswerIsJson(const Invocation& inv) {
  return inv.global.json || g_format == OutputFormat::kJson;
}

int RunWithAnswerOutput(const Invocation& inv, CommandFn run) {
  const std::string name = inv.args.GetOr("format", inv.global.json ? "json" : "table");
  OutputFormat format;
  if (name == "table") {
    format = OutputFormat::kTable;
  } else if (name == "json") {
    format = OutputFormat::kJson;
  } else if (name == "csv") {
    format = OutputFormat::kCsv;
  } else if (name == "tsv") {
    format = OutputFormat::kTsv;
  } else {
    return inv.UsageError(
        absl::StrCat("--format wants table, json, csv or tsv, not '", name, "'"));
  }
  if (inv.global.json && format != OutputFormat::kJson) {
    return inv.UsageError(absl::StrCat("--json and --format ", name, " disagree; give one"));
  }
  std::unique_ptr<ledger::OutputFile> file;
  if (std::optional<std::string> path = inv.args.Get("out")) {
    if (path->empty()) return inv.UsageError("--out wants a file name");
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> created =
        ledger::OutputFile::Create(*path, {"--out", {}});
    if (!created.ok()) return OutputError(inv, created.status());
    file = *std::move(created);
  }
  g_format = format;
  g_stream = file ? file->file() : nullptr;
  g_sections = 0;
  int code = run(inv);
  g_format = OutputFormat::kTable;
  g_stream = nullptr;
  g_sections = 0;
  if (file && code == kExitOk) {
    if (absl::Status c = file->Commit(); !c.ok()) code = OutputError(inv, c);
  }
  return code;
}

void Prose(absl::string_view text) {
  if (g_format == OutputFormat::kTable) WriteTo(AnswerStream(), text);
}

std::string SpreadsheetSafe(absl::string_view cell) {
  if (cell.empty() || cell == "-") return std::string(cell);
  const char c = cell.front();
  if (c != '=' && c != '+' && c != '-' && c != '@' && c != '\t' && c != '\r') {
    return std::string(cell);
  }
  // A negative figure stays a number: '-', a digit, then digits, ',' and '.'.
  if (c == '-' && cell.size() > 1 && absl::ascii_isdigit(static_cast<unsigned char>(cell[1])) &&
      cell.find_first_not_of("0123456789,.", 1) == absl::string_view::npos) {
    return std::string(cell);
  }
  return absl::StrCat("'", cell);
}

std::string CsvField(absl::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(cell);
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string TsvField(absl::string_view cell) {
  std::string out;
  out.reserve(cell.size());
  for (char c : cell) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string DisplayText(absl::string_view text) {
  if (!ledger::NeedsEscape(text)) return std::string(text);
  return ledger::EscapeText(text);
}

std::string TableCell(absl::string_view text) {
  return util::IsolateIfRightToLeft(DisplayText(text));
}

TablePrinter::TablePrinter(std::vector<std::string> headers, FILE* out, size_t buffered_rows)
    : headers_(std::move(headers)),
      out_(out != nullptr ? out : AnswerStream()),
      format_(out != nullptr ? OutputFormat::kTable : g_format),
      buffered_rows_(buffered_rows) {
  if (format_ == OutputFormat::kJson) format_ = OutputFormat::kTable;  // not an answer's rows
  widths_.resize(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths_[i] = util::DisplayWidth(headers_[i]);
}

TablePrinter::~TablePrinter() { Finish(); }

void TablePrinter::AddRow(std::vector<std::string> row) {
  row.resize(headers_.size());
  if (format_ != OutputFormat::kTable) {
    if (!streaming_) Flush();
    WriteRecord(out_, format_, row);
    return;
  }
  for (std::string& cell : row) cell = TableCell(cell);
  if (streaming_) {
    Print(row);
    return;
  }
  for (size_t i = 0; i < row.size(); ++i) {
    widths_[i] = std::max(widths_[i], util::DisplayWidth(row[i]));
  }
  pending_.push_back(std::move(row));
  if (pending_.size() >= buffered_rows_) Flush();
}

void TablePrinter::Flush() {
  if (!streaming_) {
    if (format_ == OutputFormat::kTable) {
      Print(headers_);
    } else {
      StartSection(out_, format_);
      WriteRecord(out_, format_, headers_);
    }
    streaming_ = true;
  }
  for (const auto& row : pending_) Print(row);
  pending_.clear();
}

void TablePrinter::Print(const std::vector<std::string>& row) {
  std::string line;
  for (size_t i = 0; i < row.size(); ++i) {
    line += row[i];
    if (i + 1 == row.size()) break;
    const size_t w = util::DisplayWidth(row[i]);
    line.append(widths_[i] > w ? widths_[i] - w : 0, ' ');
    line += "  ";
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  line.push_back('\n');
  WriteTo(out_, line);
}

void TablePrinter::Finish() {
  if (finished_) return;
  finished_ = true;
  Flush();
}

void PrintKeyValues(const std::vector<std::pair<std::string, std::string>>& rows, FILE* out) {
  const OutputFormat format = out != nullptr || g_format == OutputFormat::kJson
                                  ? OutputFormat::kTable
                                  : g_format;
  if (out == nullptr) out = AnswerStream();
  if (format != OutputFormat::kTable) {
    StartSection(out, format);
    WriteRecord(out, format, {"field", "value"});
    for (const auto& [k, v] : rows) WriteRecord(out, format, {k, v});
    return;
  }
  size_t width = 0;
  for (const auto& [k, v] : rows) width = std::max(width, util::DisplayWidth(k) + 1);
  for (const auto& [k, v] : rows) {
    std::string line = absl::StrCat(TableCell(k), ":");
    line.append(width + 2 - (util::DisplayWidth(k) + 1), ' ');
    absl::StrAppend(&line, TableCell(v), "\n");
    WriteTo(out, line);
  }
}

namespace {
bool g_stdout_closed = false;
}  // namespace

bool WriteTo(FILE* out, absl::string_view data) {
  if (std::fwrite(data.data(), 1, data.size(), out) == data.size()) return true;
  if (out == stdout && errno == EPIPE) g_stdout_closed = true;
  return false;
}

bool WriteStdout(absl::string_view data) { return WriteTo(stdout, data); }

bool StdoutClosed() { return g_stdout_closed; }

// ---------------------------------------------------------------------------
// Formatting.

std::string FormatRfc3339(absl::Time t) { return util::FormatRfc3339(t); }

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) { return util::ToAbslTime(ts); }

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  return util::FormatRfc3339(ts);
}

std::string FormatOccurred(const google::protobuf::Timestamp& ts,
                           enforcement::v1::Precision precision) {
  const char* unit = "unspecified";
  switch (precision) {
    case enforcement::v1::PRECISION_EXACT: unit = "exact"; break;
    case enforcement::v1::PRECISION_DAY: unit = "day"; break;
    case enforcement::v1::PRECISION_MONTH: unit = "month"; break;
    case enforcement::v1::PRECISION_YEAR: unit = "year"; break;
    default: break;
  }
  return absl::StrCat(util::FormatAtPrecision(ts, precision), " (", unit, ")");
}

std::optional<size_t> FailedIndex(const absl::Status& status) {
  std::optional<uint32_t> index = util::FailedEventIndex(status);
  if (!index) return std::nullopt;
  return static_cast<size_t>(*index);
}

std::string EventMessage(const absl::Status& status, size_t index) {
  absl::string_view msg = status.message();
  absl::ConsumePrefix(&msg, absl::StrCat("event ", index, " "));
  return std::string(msg);
}

std::string BodyKind(const enforcement::v1::Event& event) {
  if (event.body_case() == enforcement::v1::Event::BODY_NOT_SET) return "(none)";
  return ledger::BodyName(event.body_case());
}

std::string WithThousands(uint64_t n) { return ledger::Thousands(absl::StrCat(n)); }

// ---------------------------------------------------------------------------
// Progress.

ProgressMeter::ProgressMeter(std::string label, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressMeter::~ProgressMeter() { Finish(); }

bool ProgressMeter::Due(bool last) {
  if (!enabled_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(200) && !last) return false;
  if (!drawn_ && now - start_ < std::chrono::milliseconds(300)) return false;  // quick jobs: no flicker
  last_ = now;
  return true;
}

void ProgressMeter::Update(uint64_t count, double fraction) {
  if (Due(/*last=*/false)) Draw(count, fraction);
}

void ProgressMeter::Stage(const std::string& stage, double fraction) {
  if (!Due(/*last=*/fraction >= 1.0)) return;
  std::string text = absl::StrCat("\r\033[K", label_, ": ", stage);
  absl::StrAppendFormat(&text, "  %.0f%%", std::clamp(fraction, 0.0, 1.0) * 100);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressMeter::Draw(uint64_t count, double fraction) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string text = absl::StrCat("\r\033[K", label_, ": ", WithThousands(count), " ", unit_);
  if (secs > 0) {
    absl::StrAppend(&text, "  ", WithThousands(static_cast<uint64_t>(count / secs)), " ", unit_,
                    "/s");
  }
  if (fraction >= 0) {
    fraction = std::min(fraction, 1.0);
    absl::StrAppendFormat(&text, "  %.0f%%", fraction * 100);
    if (fraction > 0.001) {
      const int64_t eta = static_cast<int64_t>(secs / fraction - secs);
      absl::StrAppendFormat(&text, "  ETA %d:%02d:%02d", eta / 3600, (eta / 60) % 60, eta % 60);
    }
  }
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressMeter::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace cli
