#include "tools/cli/import_pipeline.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "tools/cli/event_id.h"

namespace cli {
namespace {

using enforcement::v1::Event;
using Clock = std::chrono::steady_clock;

constexpr size_t kChunkRows = 256;
constexpr size_t kChunkBytes = size_t{1} << 20;

// What a parser thread made of one row.
struct Outcome {
  bool ok = false;
  // Parsed, but refused by validation: the event is kept, since the same
  // event may already be in the ledger from before the rule (then it is a
  // duplicate, as on any re-import).
  bool refused_by_validation = false;
  Event event;
  uint64_t column = 0;
  std::string message;  // without "file:line: "
};

struct Chunk {
  uint64_t seq = 0;
  std::vector<Row> rows;
  std::vector<Outcome> out;
  uint64_t end_offset = 0;  // input bytes consumed after its last row
};

// ---------------------------------------------------------------------------
// The threads: reader -> parsers -> in-order hand-over.

class Stages {
 public:
  Stages(RowSource& source, const RowParser& parser, const ImportConfig& config)
      : source_(source), parser_(parser), config_(config) {}
  ~Stages() { Stop(); }

  void Start() {
    source_.input().set_cancel(&stop_);
    max_inflight_ = static_cast<size_t>(config_.threads) * 4 + 4;
    reader_ = std::thread([this] { ReadLoop(); });
    for (int i = 0; i < config_.threads; ++i) parsers_.emplace_back([this] { ParseLoop(); });
  }

  // The next chunk in input order, or nullptr when there is none (then
  // reader_status() says whether the input ended or failed).
  std::unique_ptr<Chunk> Next() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] {
      return done_.count(next_seq_) > 0 || (reader_done_ && next_seq_ == total_chunks_);
    });
    auto it = done_.find(next_seq_);
    if (it == done_.end()) return nullptr;
    std::unique_ptr<Chunk> c = std::move(it->second);
    done_.erase(it);
    ++next_seq_;
    return c;
  }
  // The caller is done with a chunk: room for the reader.
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --inflight_;
    }
    space_cv_.notify_one();
  }
  absl::Status reader_status() {
    std::lock_guard<std::mutex> lock(mu_);
    return reader_status_;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    space_cv_.notify_all();
    work_cv_.notify_all();
    done_cv_.notify_all();
    if (reader_.joinable()) reader_.join();
    for (std::thread& t : parsers_) {
      if (t.joinable()) t.join();
    }
    parsers_.clear();
  }

 private:
  void ReadLoop() {
    uint64_t seq = 0;
    bool finished = false;
    absl::Status status;
    while (!finished) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        space_cv_.wait(lock, [&] { return stop_ || inflight_ < max_inflight_; });
        if (stop_) break;
      }
      auto chunk = std::make_unique<Chunk>();
      size_t bytes = 0;
      while (chunk->rows.size() < kChunkRows && bytes < kChunkBytes) {
        Row row;
        absl::StatusOr<bool> more = source_.Next(&row);
        if (!more.ok()) {
          status = more.status();
          finished = true;
          break;
        }
        if (!*more) {
          finished = true;
          break;
        }
        bytes += row.raw.size();
        chunk->rows.push_back(std::move(row));
      }
      chunk->end_offset = source_.input().bytes_consumed();
      std::lock_guard<std::mutex> lock(mu_);
      if (!chunk->rows.empty()) {
        chunk->seq = seq++;
        work_.push_back(std::move(chunk));
        ++inflight_;
        work_cv_.notify_one();
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    reader_done_ = true;
    total_chunks_ = seq;
    reader_status_ = status;
    work_cv_.notify_all();
    done_cv_.notify_all();
  }

  void ParseLoop() {
    while (true) {
      std::unique_ptr<Chunk> chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return stop_ || !work_.empty() || reader_done_; });
        if (stop_ || work_.empty()) return;
        chunk = std::move(work_.front());
        work_.pop_front();
      }
      chunk->out.resize(chunk->rows.size());
      for (size_t i = 0; i < chunk->rows.size(); ++i) ParseRow(chunk->rows[i], &chunk->out[i]);
      {
        std::lock_guard<std::mutex> lock(mu_);
        done_[chunk->seq] = std::move(chunk);
      }
      done_cv_.notify_one();
    }
  }

  void ParseRow(const Row& row, Outcome* out) {
    if (row.blank) return;
    if (!row.read_error.empty()) {
      out->column = row.read_error_column;
      out->message = row.read_error;
      return;
    }
    if (!parser_(row, &out->event, &out->column, &out->message)) return;
    if (config_.crosscheck && config_.format == "ndjson") {
      Event reference;
      google::protobuf::util::JsonParseOptions options;
      const auto s = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(row.raw.data(), row.raw.size()), &reference, options);
      std::string a, b;
      ledger::SerializeEventDeterministic(out->event, &a);
      ledger::SerializeEventDeterministic(reference, &b);
      if (!s.ok() || a != b) {
        out->message = absl::StrCat("crosscheck: protobuf's JsonStringToMessage ",
                                    s.ok() ? "parses this line to a different message"
                                           : absl::StrCat("refuses this line: ", s.ToString()));
        return;
      }
    }
    EnsureEventId(&out->event);
    if (absl::Status s = ledger::ValidateEvent(out->event); !s.ok()) {
      out->message = std::string(s.message());
      out->refused_by_validation = true;
      return;
    }
    out->ok = true;
  }

  RowSource& source_;
  const RowParser& parser_;
  const ImportConfig& config_;
  std::thread reader_;
  std::vector<std::thread> parsers_;

  std::mutex mu_;
  std::condition_variable space_cv_, work_cv_, done_cv_;
  std::atomic<bool> stop_{false};
  size_t max_inflight_ = 8;
  size_t inflight_ = 0;
  std::deque<std::unique_ptr<Chunk>> work_;
  std::map<uint64_t, std::unique_ptr<Chunk>> done_;
  uint64_t next_seq_ = 0;
  bool reader_done_ = false;
  uint64_t total_chunks_ = 0;
  absl::Status reader_status_;
};

// ---------------------------------------------------------------------------
// Progress: rows, rows/s, percentage and ETA, on stderr when it is a
// terminal, at most 5 times a second.

class ImportProgress {
 public:
  explicit ImportProgress(std::optional<uint64_t> size)
      : size_(size), enabled_(isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
  ~ImportProgress() { Finish(); }
  void Update(uint64_t rows, uint64_t bytes) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    if (!drawn_ && now - start_ < std::chrono::milliseconds(300)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::string text = absl::StrCat("\r\033[Kimport: ", WithThousands(rows), " rows");
    if (secs > 0) {
      absl::StrAppend(&text, "  ", WithThousands(static_cast<uint64_t>(rows / secs)), " rows/s");
    }
    if (size_ && *size_ > 0) {
      const double fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(*size_));
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
  void Finish() {
    if (!enabled_ || !drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }

 private:
  std::optional<uint64_t> size_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_, last_;
};

// ---------------------------------------------------------------------------
// The committing side.

// Errors about one input event, which --rejects turns into a rejected row.
bool IsRowError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

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
      c.last_line + 1 >= failed_through_line
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

class Importer {
 public:
  Importer(const Invocation& inv, RowSource& source, ledger::Ledger* db, RejectsFile* rejects,
           const ImportConfig& config)
      : inv_(inv), source_(source), db_(db), rejects_(rejects), config_(config),
        progress_(source.input().size()) {
    if (db_ != nullptr) committed_.tree_size = db_->GetHead().tree_size;
  }

  int Run(Stages& stages) {
    const auto start = Clock::now();
    while (std::unique_ptr<Chunk> chunk = stages.Next()) {
      for (size_t i = 0; i < chunk->rows.size(); ++i) {
        if (int c = Take(chunk->rows[i], chunk->out[i]); c != kExitOk) {
          stages.Stop();
          return c;
        }
      }
      progress_.Update(rows_, chunk->end_offset);
      stages.Release();
    }
    if (absl::Status s = stages.reader_status(); !s.ok()) {
      stages.Stop();
      const int code = s.code() == absl::StatusCode::kInvalidArgument ? kExitInvalidInput
                                                                      : kExitInternal;
      return Fail(code, 0, s.message(), std::max(through_line_, source_.lines()));
    }
    if (int c = Commit(); c != kExitOk) return c;
    committed_.last_line = source_.lines();
    progress_.Finish();
    if (db_ != nullptr && config_.bulk) {
      if (absl::Status f = db_->Flush(); !f.ok()) {
        return inv_.Fail(kExitInternal,
                         absl::StrCat("all batches were appended, but syncing them to disk failed: ",
                                      f.message(), "; a crash now may lose trailing batches"));
      }
    }
    Summary(std::chrono::duration<double>(Clock::now() - start).count());
    return kExitOk;
  }

 private:
  std::string Where(uint64_t line) const { return absl::StrCat(source_.input().name(), ":", line); }
  static std::string What(uint64_t column, absl::string_view message) {
    return column > 0 ? absl::StrCat("column ", column, ": ", message) : std::string(message);
  }
  std::string Reason(const Row& row, uint64_t column, absl::string_view message) const {
    return absl::StrCat(Where(row.line), ": ", What(column, message));
  }

  // One row, in input order.
  int Take(Row& row, Outcome& out) {
    through_line_ = row.last_line;
    if (row.blank) return kExitOk;
    ++rows_;
    if (rejects_ != nullptr && rejects_->HasLine(row.line) &&
        rejects_->Contains(row.line, RejectsFile::RowHash(row))) {
      ++rejected_earlier_;  // its fate is already recorded: skip it
      return kExitOk;
    }
    if (!out.ok && out.refused_by_validation && StoredUnchanged(out.event)) {
      out.ok = true;  // a duplicate: Append reports it as one
    }
    if (!out.ok) {
      if (rejects_ == nullptr) {
        return Fail(kExitInvalidInput, row.line, What(out.column, out.message), row.last_line);
      }
      rejects_->Add(row, Reason(row, out.column, out.message));
      ++rejected_;
      return kExitOk;
    }
    ++events_read_;
    batch_bytes_ += out.event.ByteSizeLong();
    batch_.push_back(std::move(out.event));
    batch_rows_.push_back(std::move(row));
    if (batch_.size() >= config_.batch_size || batch_bytes_ >= config_.max_batch_bytes) {
      return Commit();
    }
    return kExitOk;
  }

  // Whether `e` is already in the ledger with identical content.
  bool StoredUnchanged(const Event& e) const {
    if (db_ == nullptr || e.event_id().empty()) return false;
    absl::StatusOr<uint64_t> pos = db_->FindEvent(e.event_id());
    if (!pos.ok()) return false;
    absl::StatusOr<ledger::StoredRecord> stored = db_->ReadOne(*pos);
    if (!stored.ok()) return false;
    std::string a, b;
    return ledger::SerializeEventDeterministic(e, &a) &&
           ledger::SerializeEventDeterministic(stored->record.event(), &b) && a == b;
  }

  // Writes the pending rejects (fsync), then appends the batch atomically.
  int Commit() {
    if (rejects_ != nullptr) {
      if (absl::Status s = rejects_->Sync(); !s.ok()) {
        return Fail(kExitInternal, 0, s.message(), through_line_);
      }
    }
    if (batch_.empty()) return kExitOk;
    if (db_ != nullptr) {
      while (true) {
        absl::StatusOr<ledger::AppendResult> r = db_->AppendEvents(batch_);
        if (r.ok()) {
          committed_.appended += r->appended;
          for (const ledger::AppendedEvent& e : r->events) committed_.duplicates += e.duplicate ? 1 : 0;
          committed_.tree_size = r->tree_size;
          break;
        }
        const absl::Status& s = r.status();
        const std::optional<size_t> idx = FailedIndex(s);
        if (idx && *idx < batch_rows_.size() && rejects_ != nullptr && IsRowError(s)) {
          // A rule that needs the ledger's state (a correction's target, an
          // id already used for other content): reject that row, durably,
          // and append the rest of the batch.
          rejects_->Add(batch_rows_[*idx], absl::StrCat(Where(batch_rows_[*idx].line), ": ",
                                                         EventMessage(s, *idx)));
          ++rejected_;
          --events_read_;
          if (absl::Status w = rejects_->Sync(); !w.ok()) {
            return Fail(kExitInternal, 0, w.message(), through_line_);
          }
          batch_.erase(batch_.begin() + static_cast<std::ptrdiff_t>(*idx));
          batch_rows_.erase(batch_rows_.begin() + static_cast<std::ptrdiff_t>(*idx));
          if (batch_.empty()) break;
          continue;
        }
        if (idx && *idx < batch_rows_.size()) {
          return Fail(ExitCodeFor(s, StatusContext::kAppend), batch_rows_[*idx].line,
                      EventMessage(s, *idx), through_line_);
        }
        return Fail(ExitCodeFor(s, StatusContext::kAppend), 0,
                    absl::StrCat("lines ", committed_.last_line + 1, "\u2013", through_line_, ": ",
                                 s.message()),
                    through_line_);
      }
    }
    committed_.events += batch_.size();
    committed_.batches += 1;
    committed_.last_line = through_line_;
    batch_.clear();
    batch_rows_.clear();
    batch_bytes_ = 0;
    return kExitOk;
  }

  int Fail(int exit_code, uint64_t line, absl::string_view what, uint64_t through_line) {
    progress_.Finish();
    if (rejects_ != nullptr) rejects_->Sync().IgnoreError();  // best effort; decided rows
    std::string flush_note;
    if (db_ != nullptr && config_.bulk && committed_.batches > 0) {
      if (absl::Status f = db_->Flush(); !f.ok()) {
        flush_note = absl::StrCat("\nwarning: syncing the committed batches failed: ", f.message());
      }
    }
    const std::string where = line == 0 ? std::string() : absl::StrCat(Where(line), ": ");
    const std::string state = config_.dry_run ? std::string("dry run: nothing was written")
                                              : CommittedSentence(committed_, through_line);
    if (inv_.global.json) {
      JsonObject o;
      o.Bool("ok", false)
          .Str("file", source_.input().name())
          .Str("format", config_.format)
          .Num("failed_line", line)
          .Str("error", absl::StrCat(where, what))
          .Bool("dry_run", config_.dry_run);
      if (!config_.dry_run) {
        o.Num("committed_through_line", committed_.last_line)
            .Num("committed_events", committed_.events)
            .Num("appended", committed_.appended)
            .Num("duplicates", committed_.duplicates)
            .Num("batches", committed_.batches)
            .Num("tree_size", committed_.tree_size);
        if (rejects_ != nullptr) {
          o.Num("rejected", rejected_)
              .Num("rejected_earlier", rejected_earlier_)
              .Str("rejects_file", rejects_->path());
        }
      }
      WriteStdout(o.Build() + "\n");
    }
    return inv_.Fail(exit_code, absl::StrCat(where, what, "\n", state, flush_note));
  }

  void Summary(double secs) {
    const uint64_t lines = source_.lines();
    if (inv_.global.json) {
      JsonObject o;
      o.Bool("ok", true)
          .Str("file", source_.input().name())
          .Str("format", config_.format)
          .Num("lines", lines)
          .Num("rows", rows_)
          .Num("events", events_read_)
          .Num("appended", committed_.appended)
          .Num("duplicates", committed_.duplicates)
          .Num("rejected", rejected_ + rejected_earlier_)
          .Num("rejected_now", rejected_)
          .Num("rejected_earlier", rejected_earlier_)
          .Num("batches", committed_.batches)
          .Bool("dry_run", config_.dry_run)
          .Bool("bulk", config_.bulk)
          .Num("threads", static_cast<uint64_t>(config_.threads))
          .Double("seconds", secs);
      if (rejects_ != nullptr) o.Str("rejects_file", rejects_->path());
      if (!config_.dry_run) o.Num("tree_size", committed_.tree_size);
      WriteStdout(o.Build() + "\n");
      return;
    }
    const std::string rate =
        secs >= 0.05 ? absl::StrFormat("; took %.2f s (%s rows/s)", secs,
                                       WithThousands(static_cast<uint64_t>(rows_ / secs)))
                     : "";
    std::string rejected = absl::StrCat(", rejected ", rejected_ + rejected_earlier_);
    if (rejects_ != nullptr) {
      absl::StrAppend(&rejected, " (", rejected_, " new, ", rejected_earlier_, " already in ",
                      rejects_->path(), ")");
    }
    if (config_.dry_run) {
      WriteStdout(absl::StrCat("dry run of ", source_.input().name(), ": read ", lines,
                               " lines, ", rows_, " rows, ", events_read_,
                               " events parsed and valid, in ", committed_.batches,
                               " batches of up to ", config_.batch_size, "; nothing written",
                               rate, "\n"));
    } else {
      WriteStdout(absl::StrCat("imported ", source_.input().name(), ": read ", lines, " lines, ",
                               rows_, " rows, ", events_read_, " events; appended ",
                               committed_.appended, ", duplicates ", committed_.duplicates,
                               rejected, ", batches ", committed_.batches, "; tree size ",
                               committed_.tree_size, rate, "\n"));
    }
  }

  const Invocation& inv_;
  RowSource& source_;
  ledger::Ledger* db_;
  RejectsFile* rejects_;
  const ImportConfig& config_;
  ImportProgress progress_;
  Committed committed_;
  std::vector<Event> batch_;
  std::vector<Row> batch_rows_;
  size_t batch_bytes_ = 0;
  uint64_t through_line_ = 0;  // last line of the last row taken
  uint64_t rows_ = 0;
  uint64_t events_read_ = 0;
  uint64_t rejected_ = 0;
  uint64_t rejected_earlier_ = 0;
};

}  // namespace

int RunImportPipeline(const Invocation& inv, RowSource& source, const RowParser& parser,
                      ledger::Ledger* db, RejectsFile* rejects, const ImportConfig& config) {
  Stages stages(source, parser, config);
  stages.Start();
  Importer importer(inv, source, db, rejects, config);
  const int code = importer.Run(stages);
  stages.Stop();
  return code;
}

}  // namespace cli
