#include "ingest/import_pipeline.h"

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
#include "ingest/event_id.h"
#include "ingest/import_json.h"
#include "ingest/import_mapping.h"
#include "ingest/import_rejects.h"
#include "ingest/personal_split.h"
#include "ingest/personal_writer.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "util/error_detail.h"
#include "util/output_file.h"
#include "util/utf8.h"

namespace ingest {
namespace {

using enforcement::v1::Event;
using Clock = std::chrono::steady_clock;

constexpr size_t kChunkRows = 256;
// The reason of a rejects entry for a row that names an erased subject.
constexpr char kWithheld[] =
    "rejected; the row and the reason are withheld: the row names a subject whose personal "
    "data was erased (docs/PERSONAL_DATA.md)";
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
  std::string reason;   // ErrorDetail reason ("invalid_json", "invalid_event", ...)
  absl::Status status;  // validation's status, with its ErrorDetail (field path)
  // Format 2: the row names a subject whose personal data was erased; a
  // rejects entry for it keeps neither the row nor the reason's values.
  bool erased_subject = false;
  // Format 2: the values for the personal-data store (ingest/personal_split.h).
  std::vector<personal::PersonalValue> values;
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
  Stages(RowSource& source, const RowParser& parser, const ImportOptions& config, bool csv,
         const PersonalSplitter* splitter)
      : source_(source), parser_(parser), config_(config), csv_(csv), splitter_(splitter) {}
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

  // A validation refusal: "<field path>: <rule>" (ledger/validate.h), as the
  // ledger reads it for its own detail.
  static void RefuseAsInvalid(absl::Status s, Outcome* out) {
    out->message = std::string(s.message());
    out->reason = "invalid_event";
    util::ErrorDetail d;
    d.set_reason("invalid_event");
    if (size_t colon = out->message.find(": "); colon != std::string::npos) {
      d.set_field_path(out->message.substr(0, colon));
    }
    out->status = util::AddErrorDetail(std::move(s), d);
    out->refused_by_validation = true;
  }

  void ParseRow(const Row& row, Outcome* out) {
    if (row.blank) return;
    if (!row.read_error.empty()) {
      out->column = row.read_error_column;
      out->message = row.read_error;
      out->reason = "invalid_row";
      return;
    }
    if (!parser_(row, &out->event, &out->column, &out->message)) {
      out->reason = csv_ ? "invalid_row" : "invalid_json";
      return;
    }
    if (config_.crosscheck && !csv_) {
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
        out->reason = "crosscheck";
        return;
      }
    }
    // New events only: amounts in currencies with a minor unit (both formats).
    if (absl::Status s = ledger::ValidateNewAmounts(out->event); !s.ok()) {
      RefuseAsInvalid(std::move(s), out);
      return;
    }
    if (splitter_ != nullptr) {
      // Format 2: validation by the rules that see the names, then names and
      // agency ids leave the event (the ledger validates the rest at append).
      if (absl::Status s = splitter_->Split(&out->event, &out->values, &out->erased_subject);
          !s.ok()) {
        out->message = std::string(s.message());
        out->reason = s.code() == absl::StatusCode::kInvalidArgument ? "invalid_event"
                                                                     : "personal_store_error";
        out->status = std::move(s);
        out->refused_by_validation = out->reason == "invalid_event";
        if (out->refused_by_validation) {
          out->erased_subject = splitter_->MentionsErasedSubject(out->event);
        }
        return;
      }
      out->ok = true;
      return;
    }
    EnsureEventId(&out->event);
    if (absl::Status s = ledger::ValidateEvent(out->event); !s.ok()) {
      RefuseAsInvalid(std::move(s), out);
      return;
    }
    out->ok = true;
  }

  RowSource& source_;
  const RowParser& parser_;
  const ImportOptions& config_;
  const bool csv_;
  const PersonalSplitter* splitter_;  // format 2 only
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
// The committing side.

// Errors about one input event, which a rejects file turns into a rejected row.
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

// The ledger's message about event `index` of a batch without its
// "event <index> " prefix (the caller names the line instead).
std::string EventMessage(const absl::Status& status, size_t index) {
  absl::string_view msg = status.message();
  absl::ConsumePrefix(&msg, absl::StrCat("event ", index, " "));
  return std::string(msg);
}

util::ErrorDetail Detail(absl::string_view reason) {
  util::ErrorDetail d;
  d.set_reason(std::string(reason));
  return d;
}

class Importer {
 public:
  Importer(RowSource& source, ledger::Ledger* db, RejectsFile* rejects,
           const ImportOptions& config, ImportReport* report, personal::PersonalStore* store)
      : source_(source), db_(db), rejects_(rejects), config_(config), report_(*report),
        store_(store), start_(Clock::now()) {
    if (db_ != nullptr) report_.set_tree_size(db_->GetHead().tree_size);
  }

  absl::Status Run(Stages& stages) {
    while (std::unique_ptr<Chunk> chunk = stages.Next()) {
      for (size_t i = 0; i < chunk->rows.size(); ++i) {
        if (absl::Status s = Take(chunk->rows[i], chunk->out[i]); !s.ok()) {
          stages.Stop();
          return s;
        }
      }
      if (config_.progress) {
        ImportProgress p;
        p.rows = rows_;
        p.bytes_read = chunk->end_offset;
        p.input_bytes = source_.input().size();
        p.seconds = Seconds();
        config_.progress(p);
      }
      stages.Release();
    }
    if (absl::Status s = stages.reader_status(); !s.ok()) {
      stages.Stop();
      util::ErrorDetail d = Detail(s.code() == absl::StatusCode::kInvalidArgument ? "invalid_row"
                                                                                   : "input_read_error");
      d.set_file(source_.input().name());
      return Fail(util::AddErrorDetail(std::move(s), d), 0,
                  std::max(through_line_, source_.lines()));
    }
    if (absl::Status s = Commit(); !s.ok()) return s;
    report_.set_committed_through_line(source_.lines());
    Fill();
    report_.set_ok(true);
    if (db_ != nullptr && config_.bulk) {
      absl::Status f = db_->Flush();
      if (f.ok()) SettleUnsettled();
      if (!f.ok()) {
        report_.set_ok(false);
        const absl::Status s(f.code(), absl::StrCat("all batches were appended, but syncing them to "
                                                    "disk failed: ", f.message(),
                                                    "; a crash now may lose trailing batches"));
        report_.set_error(std::string(s.message()));
        return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  std::string Where(uint64_t line) const { return absl::StrCat(source_.input().name(), ":", line); }
  static std::string What(uint64_t column, absl::string_view message) {
    return column > 0 ? absl::StrCat("column ", column, ": ", message) : std::string(message);
  }

  // The report's counts from the importer's state.
  void Fill() {
    report_.set_lines(source_.lines());
    report_.set_rows(rows_);
    report_.set_events(events_read_);
    report_.set_appended(appended_);
    report_.set_duplicates(duplicates_);
    report_.set_batches(batches_);
    report_.set_rejected(rejected_ + rejected_earlier_);
    report_.set_rejected_now(rejected_);
    report_.set_rejected_earlier(rejected_earlier_);
    report_.set_committed_events(committed_events_);
    if (first_position_) report_.set_first_position(*first_position_);
    if (last_position_) report_.set_last_position(*last_position_);
    report_.set_seconds(Seconds());
  }

  // One row, in input order.
  absl::Status Take(Row& row, Outcome& out) {
    through_line_ = row.last_line;
    if (row.blank) return absl::OkStatus();
    ++rows_;
    if (rejects_ != nullptr && rejects_->HasLine(row.line) &&
        rejects_->Contains(row.line, RejectsFile::RowHash(row))) {
      ++rejected_earlier_;  // its fate is already recorded: skip it
      return absl::OkStatus();
    }
    if (!out.ok && out.refused_by_validation && StoredUnchanged(out.event)) {
      out.ok = true;  // a duplicate: Append reports it as one
    }
    if (!out.ok) {
      if (rejects_ == nullptr || out.reason == "personal_store_error") {
        // Validation's status keeps its detail (field path); a parse error
        // gets one here.
        absl::Status s = out.status.ok() ? absl::InvalidArgumentError(out.message) : out.status;
        util::ErrorDetail more;
        const std::optional<util::ErrorDetail> known = util::GetErrorDetail(s);
        if (!known || known->reason().empty()) more.set_reason(out.reason);
        more.set_file(source_.input().name());
        more.set_line(row.line);
        more.set_column(static_cast<uint32_t>(out.column));
        if (!out.event.event_id().empty() && (!known || known->event_id().empty())) {
          more.set_event_id(out.event.event_id());
        }
        return Fail(Located(std::move(s), row.line, out.column, more), row.line, row.last_line);
      }
      if (out.erased_subject) {
        rejects_->AddRedacted(row, absl::StrCat(Where(row.line), ": ", kWithheld));
      } else {
        rejects_->Add(row, absl::StrCat(Where(row.line), ": ", What(out.column, out.message)));
      }
      ++rejected_;
      return absl::OkStatus();
    }
    ++events_read_;
    batch_bytes_ += out.event.ByteSizeLong();
    batch_.push_back(std::move(out.event));
    batch_rows_.push_back(std::move(row));
    batch_values_.push_back(std::move(out.values));
    batch_erased_.push_back(out.erased_subject);
    if (batch_.size() >= config_.batch_size || batch_bytes_ >= config_.max_batch_bytes) {
      return Commit();
    }
    return absl::OkStatus();
  }

  // `s` with its message prefixed by "file:line: column C: " and `more`
  // merged into its detail.
  absl::Status Located(absl::Status s, uint64_t line, uint64_t column,
                       const util::ErrorDetail& more) const {
    absl::Status located(s.code(), absl::StrCat(Where(line), ": ", What(column, s.message())));
    if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
      located = util::WithErrorDetail(std::move(located), *d);
    }
    return util::AddErrorDetail(std::move(located), more);
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

  absl::Status RejectsWriteFailed(absl::Status w) {
    util::ErrorDetail d = Detail("rejects_write_failed");
    d.set_file(rejects_->path());
    return Fail(util::AddErrorDetail(std::move(w), d), 0, through_line_);
  }

  // Writes the pending rejects (fsync), then appends the batch atomically.
  absl::Status Commit() {
    if (rejects_ != nullptr) {
      if (absl::Status s = rejects_->Sync(); !s.ok()) return RejectsWriteFailed(std::move(s));
    }
    if (batch_.empty()) return absl::OkStatus();
    if (db_ != nullptr) {
      while (true) {
        // Format 2's write order (docs/PERSONAL_DATA.md): personal data
        // first, then the log, then the pending record goes.
        std::optional<uint64_t> pending;
        if (store_ != nullptr) {
          absl::StatusOr<std::optional<uint64_t>> p = PersistValues();
          if (!p.ok()) return Fail(PersonalStoreError(p.status()), 0, through_line_);
          pending = *p;
        }
        absl::StatusOr<ledger::AppendResult> r = db_->AppendEvents(batch_);
        if (pending) {
          if (r.ok()) {
            // Bulk: the batch is in the log but not yet synced; its pending
            // record stays until the log is (a crash sweeps it at the next
            // open). Otherwise one left behind is swept at the next open.
            if (config_.bulk) {
              unsettled_.push_back(*pending);
            } else {
              store_->Settle(*pending).IgnoreError();
            }
          } else if (IsRowError(r.status())) {
            // Refused as a whole: what the store took for it must go again.
            if (absl::Status swept = SweepRefused(); !swept.ok()) {
              return Fail(PersonalStoreError(swept), 0, through_line_);
            }
          }
          // Any other failure (I/O): the batch may still be in the log after a
          // reopen; the pending record is swept then, against the log as it is.
        }
        if (r.ok()) {
          appended_ += r->appended;
          for (const ledger::AppendedEvent& e : r->events) {
            if (e.duplicate) {
              ++duplicates_;
              continue;
            }
            if (!first_position_) first_position_ = e.position;
            last_position_ = e.position;
          }
          report_.set_tree_size(r->tree_size);
          break;
        }
        const absl::Status& s = r.status();
        const std::optional<uint32_t> idx = util::FailedEventIndex(s);
        if (idx && *idx < batch_rows_.size() && rejects_ != nullptr && IsRowError(s)) {
          // A rule that needs the ledger's state (a correction's target, an
          // id already used for other content): reject that row, durably,
          // and append the rest of the batch.
          if (batch_erased_[*idx]) {
            rejects_->AddRedacted(batch_rows_[*idx],
                                  absl::StrCat(Where(batch_rows_[*idx].line), ": ", kWithheld));
          } else {
            rejects_->Add(batch_rows_[*idx], absl::StrCat(Where(batch_rows_[*idx].line), ": ",
                                                           EventMessage(s, *idx)));
          }
          ++rejected_;
          --events_read_;
          if (absl::Status w = rejects_->Sync(); !w.ok()) return RejectsWriteFailed(std::move(w));
          batch_.erase(batch_.begin() + static_cast<std::ptrdiff_t>(*idx));
          batch_rows_.erase(batch_rows_.begin() + static_cast<std::ptrdiff_t>(*idx));
          batch_values_.erase(batch_values_.begin() + static_cast<std::ptrdiff_t>(*idx));
          batch_erased_.erase(batch_erased_.begin() + static_cast<std::ptrdiff_t>(*idx));
          if (batch_.empty()) break;
          continue;
        }
        if (idx && *idx < batch_rows_.size()) {
          const Row& row = batch_rows_[*idx];
          util::ErrorDetail more;
          more.set_file(source_.input().name());
          more.set_line(row.line);
          absl::Status located(s.code(), absl::StrCat(Where(row.line), ": ", EventMessage(s, *idx)));
          if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
            located = util::WithErrorDetail(std::move(located), *d);
          }
          return Fail(util::AddErrorDetail(std::move(located), more), row.line, through_line_);
        }
        absl::Status batch_error(s.code(), absl::StrCat("lines ", committed_through_line_ + 1,
                                                        "\u2013", through_line_, ": ", s.message()));
        if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
          batch_error = util::WithErrorDetail(std::move(batch_error), *d);
        }
        util::ErrorDetail more;
        more.set_file(source_.input().name());
        return Fail(util::AddErrorDetail(std::move(batch_error), more), 0, through_line_);
      }
    }
    committed_events_ += batch_.size();
    batches_ += 1;
    committed_through_line_ = through_line_;
    batch_.clear();
    batch_rows_.clear();
    batch_values_.clear();
    batch_erased_.clear();
    batch_bytes_ = 0;
    return absl::OkStatus();
  }

  // The batch's personal values into the store (synced, with a pending
  // record); nullopt when the batch has none.
  absl::StatusOr<std::optional<uint64_t>> PersistValues() {
    std::vector<personal::PersonalValue> all;
    for (const std::vector<personal::PersonalValue>& v : batch_values_) {
      if (v.empty()) continue;
      // Split found the event not stored, but an earlier batch may have
      // stored it since (the parser threads run ahead): its values are kept
      // already, and must not be overwritten (a conflicting copy would
      // replace them before the append refuses it).
      absl::StatusOr<bool> stored = EventInLog(*db_, v.front().event_id);
      if (!stored.ok()) return stored.status();
      if (*stored) continue;
      all.insert(all.end(), v.begin(), v.end());
    }
    if (all.empty()) return std::optional<uint64_t>();
    absl::StatusOr<uint64_t> id = store_->Persist(all);
    if (!id.ok()) return id.status();
    return std::optional<uint64_t>(*id);
  }

  // Bulk mode, after the log is synced: the pending records of its batches go.
  void SettleUnsettled() {
    for (uint64_t id : unsettled_) store_->Settle(id).IgnoreError();
    unsettled_.clear();
  }

  // After a refused batch: the store keeps nothing for events not in the log.
  absl::Status SweepRefused() {
    absl::StatusOr<personal::SweepReport> r =
        store_->Sweep([this](absl::string_view id) { return EventInLog(*db_, id); },
                      /*remove_unused_subjects=*/false);
    return r.status();
  }

  absl::Status PersonalStoreError(const absl::Status& s) const {
    util::ErrorDetail d = Detail("personal_store_error");
    return util::AddErrorDetail(
        absl::Status(s.code(), absl::StrCat("lines ", committed_through_line_ + 1, "\u2013",
                                            through_line_, ": the personal-data store: ",
                                            s.message(), "; nothing of these lines was written")),
        d);
  }

  // Records the failure in the report (what was committed) and returns `s`.
  absl::Status Fail(absl::Status s, uint64_t line, uint64_t through_line) {
    if (rejects_ != nullptr) rejects_->Sync().IgnoreError();  // best effort; decided rows
    if (db_ != nullptr && config_.bulk && batches_ > 0) {
      absl::Status f = db_->Flush();
      if (f.ok()) SettleUnsettled();
      if (!f.ok()) {
        report_.add_warnings(absl::StrCat("syncing the committed batches failed: ", f.message()));
      }
    }
    Fill();
    report_.set_ok(false);
    report_.set_failed_line(line);
    report_.set_error(std::string(s.message()));
    if (std::optional<util::ErrorDetail> d = util::GetErrorDetail(s)) {
      *report_.mutable_error_detail() = *d;
    }
    report_.set_committed_through_line(committed_through_line_);
    report_.set_failed_through_line(through_line);
    return s;
  }

  RowSource& source_;
  ledger::Ledger* db_;
  RejectsFile* rejects_;
  const ImportOptions& config_;
  ImportReport& report_;
  personal::PersonalStore* store_;  // format 2 only
  const Clock::time_point start_;
  std::vector<Event> batch_;
  std::vector<Row> batch_rows_;
  std::vector<std::vector<personal::PersonalValue>> batch_values_;
  std::vector<bool> batch_erased_;  // the row names an erased subject (format 2)
  // Bulk mode: pending records settled only once the log is synced.
  std::vector<uint64_t> unsettled_;
  size_t batch_bytes_ = 0;
  uint64_t through_line_ = 0;            // last line of the last row taken
  uint64_t committed_through_line_ = 0;  // last input line covered by a committed batch
  uint64_t rows_ = 0;
  uint64_t events_read_ = 0;
  uint64_t committed_events_ = 0;
  uint64_t appended_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t batches_ = 0;
  uint64_t rejected_ = 0;
  uint64_t rejected_earlier_ = 0;
  std::optional<uint64_t> first_position_, last_position_;
};

// A setup failure (nothing read or written): `status` with `reason` (and
// `file`) in its detail, also recorded in the report.
ImportOutcome SetupFailure(absl::Status status, absl::string_view reason, absl::string_view file,
                           ImportReport report) {
  util::ErrorDetail d = Detail(reason);
  d.set_file(std::string(file));
  status = util::AddErrorDetail(std::move(status), d);
  report.set_ok(false);
  report.set_error(std::string(status.message()));
  if (std::optional<util::ErrorDetail> got = util::GetErrorDetail(status)) {
    *report.mutable_error_detail() = *got;
  }
  return {std::move(status), std::move(report)};
}

}  // namespace

RowParser NdjsonRowParser() {
  return [](const Row& row, Event* event, uint64_t* column, std::string* message) {
    JsonParseError error;
    if (ParseEventJsonInPlace(row.raw, event, &error)) return true;
    *column = error.column;
    *message = std::move(error.message);
    return false;
  };
}

ImportOutcome RunImport(ledger::Ledger* db, const ImportOptions& options) {
  const bool csv = options.mapping_path.has_value();
  ImportReport report;
  report.set_format(csv ? "csv" : "ndjson");
  report.set_file(options.input == "-" ? "<stdin>" : options.input);
  report.set_dry_run(options.dry_run);
  report.set_bulk(options.bulk);
  report.set_threads(static_cast<uint32_t>(options.threads));
  report.set_batch_size(static_cast<uint32_t>(options.batch_size));
  if (options.rejects_path) report.set_rejects_file(*options.rejects_path);
  if (db != nullptr) report.set_tree_size(db->GetHead().tree_size);

  absl::StatusOr<std::unique_ptr<InputFile>> file = InputFile::Open(options.input);
  if (!file.ok()) {
    return SetupFailure(file.status(), "input_not_opened", options.input, std::move(report));
  }
  report.set_file((*file)->name());

  std::unique_ptr<RowSource> source;
  std::unique_ptr<CsvMapping> mapping;
  RowParser parser;
  if (csv) {
    absl::StatusOr<std::unique_ptr<CsvRows>> rows = CsvRows::Open(*std::move(file));
    if (!rows.ok()) {
      return SetupFailure(rows.status(),
                          rows.status().code() == absl::StatusCode::kInvalidArgument
                              ? "invalid_csv_header"
                              : "input_read_error",
                          report.file(), std::move(report));
    }
    absl::StatusOr<std::unique_ptr<CsvMapping>> loaded =
        CsvMapping::Load(*options.mapping_path, (*rows)->header());
    if (!loaded.ok()) {
      return SetupFailure(loaded.status(), "invalid_mapping", *options.mapping_path,
                          std::move(report));
    }
    mapping = *std::move(loaded);
    source = *std::move(rows);
    const CsvMapping* m = mapping.get();
    parser = [m](const Row& row, Event* event, uint64_t* column, std::string* message) {
      *column = 0;
      if (size_t bad = util::FindInvalidUtf8(row.raw); bad != absl::string_view::npos) {
        *column = bad + 1;
        *message = absl::StrCat("not valid UTF-8 at byte ", bad + 1, " of the row");
        return false;
      }
      return m->Apply(row.fields, event, message);
    };
  } else {
    source = NewNdjsonRows(*std::move(file));
    parser = NdjsonRowParser();
  }

  std::unique_ptr<RejectsFile> rejects;
  if (options.rejects_path) {
    // The rejects file must not be the input (standard input redirected
    // from it counts) nor the mapping: compared by device and inode.
    ledger::OutputRules rules{"--rejects", {}};
    const std::optional<ledger::FileId> input_id = options.input == "-"
                                                       ? ledger::IdentifyFd(STDIN_FILENO)
                                                       : ledger::IdentifyPath(options.input);
    if (input_id) rules.inputs.push_back({*input_id, "the input"});
    if (options.mapping_path) {
      if (std::optional<ledger::FileId> id = ledger::IdentifyPath(*options.mapping_path)) {
        rules.inputs.push_back({*id, "the mapping (--mapping)"});
      }
    }
    absl::StatusOr<std::unique_ptr<RejectsFile>> opened =
        RejectsFile::Open(*options.rejects_path, source->input().name(), rules);
    if (!opened.ok()) {
      return SetupFailure(opened.status(),
                          opened.status().code() == absl::StatusCode::kFailedPrecondition
                              ? "rejects_file_refused"
                              : "rejects_file_unusable",
                          *options.rejects_path, std::move(report));
    }
    rejects = *std::move(opened);
  }

  // Format 2: names and agency ids go to the personal-data store.
  std::optional<PersonalSplitter> splitter;
  if (db != nullptr && db->format_version() >= 2) {
    if (options.personal_store == nullptr) {
      return SetupFailure(absl::FailedPreconditionError(
                              "a format-2 ledger needs its personal-data store to import"),
                          "personal_store_error", "", std::move(report));
    }
    splitter.emplace(*options.personal_store, db);
  }
  Stages stages(*source, parser, options, csv, splitter ? &*splitter : nullptr);
  stages.Start();
  Importer importer(*source, db, rejects.get(), options, &report,
                    splitter ? options.personal_store : nullptr);
  absl::Status status = importer.Run(stages);
  stages.Stop();
  return {std::move(status), std::move(report)};
}

std::string CommittedSentence(const ImportReport& r) {
  if (r.dry_run()) return "dry run: nothing was written";
  if (r.failed_through_line() == 0) {
    // A setup error (nothing read), or a failure after the last batch
    // (its message says what happened to the batches).
    return r.batches() == 0 ? "nothing was written" : "";
  }
  const uint64_t failed = r.failed_through_line();
  const uint64_t last = r.committed_through_line();
  std::string unwritten =
      last + 1 >= failed
          ? absl::StrCat("nothing from line ", failed, " was written")
          : absl::StrCat("nothing from lines ", last + 1, "\u2013", failed, " was written");
  if (r.batches() == 0) return absl::StrCat("no earlier batch was committed; ", unwritten);
  return absl::StrCat("lines 1\u2013", last, " (", r.committed_events(), " events, ",
                      r.appended(), " new, ", r.duplicates(), " duplicates) were committed in ",
                      r.batches() == 1 ? std::string("1 earlier batch")
                                       : absl::StrCat(r.batches(), " earlier batches"),
                      "; ", unwritten);
}

}  // namespace ingest
