#include "ingest/migrate.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ingest/event_id.h"
#include "ingest/personal_split.h"
#include "ingest/personal_writer.h"
#include "ledger/ledger.h"
#include "ledger/key_coding.h"
#include "ledger/record_coding.h"
#include "ledger/validate.h"
#include "util/error_detail.h"

namespace ingest {
namespace {

using enforcement::v1::Event;

constexpr size_t kBatchEvents = 1000;

absl::Status Reason(absl::Status s, absl::string_view reason) {
  util::ErrorDetail d;
  d.set_reason(std::string(reason));
  return util::AddErrorDetail(std::move(s), d);
}

// The target of a correction or retraction, if the event has one.
std::string* MutableTarget(Event* e) {
  if (e->has_correction()) return e->mutable_correction()->mutable_target_event_id();
  if (e->has_retraction()) return e->mutable_retraction()->mutable_target_event_id();
  return nullptr;
}

// Writes the new ledger into `dir`; the caller renames or removes it.
class Migration {
 public:
  Migration(const MigrateOptions& options, ledger::Ledger& source, MigrateReport& report)
      : options_(options), source_(source), report_(report) {}

  absl::Status Run(const std::string& dir) {
    ledger::OpenOptions o;
    o.create_if_missing = true;
    o.error_if_exists = true;
    o.origin = options_.origin;
    o.format_version = 2;
    o.durability = ledger::Durability::kBulk;
    o.clock = [this] { return recorded_at_; };  // keeps each record's recorded_at
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> target = ledger::Ledger::Open(dir, o);
    if (!target.ok()) return target.status();
    target_ = *std::move(target);
    absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
        OpenPersonalStoreForWriter(*target_);
    if (!store.ok()) return store.status();
    store_ = *std::move(store);
    splitter_.emplace(*store_, target_.get());

    const uint64_t total = source_.GetHead().tree_size;
    absl::Status scanned = source_.Scan(0, total, [&](ledger::StoredRecord& r) -> absl::Status {
      if (absl::Status s = Take(r.record); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("record ", r.record.position(), ": ",
                                                   s.message()));
      }
      if (options_.progress && (r.record.position() + 1) % 4096 == 0) {
        options_.progress(r.record.position() + 1, total);
      }
      return absl::OkStatus();
    });
    if (!scanned.ok()) return scanned;
    if (absl::Status s = Commit(); !s.ok()) return s;
    if (options_.progress) options_.progress(total, total);
    if (!report_.too_large.empty()) {
      return Reason(absl::FailedPreconditionError(absl::StrCat(
                        report_.too_large.size(),
                        report_.too_large.size() == 1 ? " record is" : " records are",
                        " larger than 65,535 bytes in format 2 (the most a format-2 record "
                        "may hold, the entry limit of the tlog-tiles publication format); "
                        "nothing was written")),
                    "record_too_large");
    }
    if (absl::Status s = target_->Flush(); !s.ok()) return s;
    if (absl::Status s = store_->Flush(); !s.ok()) return s;
    const ledger::Head head = target_->GetHead();
    if (head.tree_size != total) {
      return absl::InternalError(absl::StrCat("the new ledger has ", head.tree_size,
                                              " records, the old one ", total));
    }
    report_.tree_size = head.tree_size;
    report_.root = head.root;
    report_.origin = head.origin;
    absl::StatusOr<std::vector<personal::SubjectInfo>> subjects = store_->ListSubjects();
    if (!subjects.ok()) return subjects.status();
    report_.subjects = subjects->size();
    return absl::OkStatus();
  }

 private:
  absl::Status Take(const enforcement::v1::LedgerRecord& record) {
    Event e = record.event();
    const std::string old_id = e.event_id();
    const bool derived = absl::StartsWith(old_id, kDerivedIdPrefix) && DeriveEventId(e) == old_id;
    if (std::string* target = MutableTarget(&e)) {
      if (auto it = new_ids_.find(*target); it != new_ids_.end()) {
        *target = it->second;
        ++report_.targets_rewritten;
      }
    }
    if (derived) e.clear_event_id();
    std::vector<personal::PersonalValue> values;
    if (absl::Status s = splitter_->Split(&e, &values); !s.ok()) return s;
    if (derived) {
      new_ids_[old_id] = e.event_id();
      ++report_.ids_rederived;
    }
    ++report_.records;
    std::string event_bytes, record_bytes;
    ledger::SerializeEventDeterministic(e, &event_bytes);
    ledger::AppendRecordBytes(record.position(), ToAbsl(record), record.stream_version(),
                              event_bytes, &record_bytes);
    if (record_bytes.size() > ledger::kMaxRecordBytesFormat2) {
      report_.too_large.push_back({record.position(), old_id, record_bytes.size()});
    }
    if (!report_.too_large.empty()) return absl::OkStatus();  // listing only, from now on
    if (!batch_.empty() && (ToAbsl(record) != recorded_at_ || batch_.size() >= kBatchEvents)) {
      if (absl::Status s = Commit(); !s.ok()) return s;
    }
    recorded_at_ = ToAbsl(record);
    batch_.push_back(std::move(e));
    values_.insert(values_.end(), values.begin(), values.end());
    return absl::OkStatus();
  }

  static absl::Time ToAbsl(const enforcement::v1::LedgerRecord& r) {
    return absl::FromUnixSeconds(r.recorded_at().seconds()) +
           absl::Nanoseconds(r.recorded_at().nanos());
  }

  // Personal data first, then the log (docs/PERSONAL_DATA.md).
  absl::Status Commit() {
    if (batch_.empty()) return absl::OkStatus();
    std::optional<uint64_t> pending;
    if (!values_.empty()) {
      absl::StatusOr<uint64_t> id = store_->Persist(values_);
      if (!id.ok()) return id.status();
      pending = *id;
    }
    absl::StatusOr<ledger::AppendResult> r = target_->AppendEvents(batch_);
    if (!r.ok()) return r.status();
    for (const ledger::AppendedEvent& a : r->events) {
      if (a.duplicate) {
        return absl::FailedPreconditionError(absl::StrCat(
            "two records of the old ledger become the same format-2 event (position ",
            a.position, "): they differ only in personal data of the same agency id"));
      }
    }
    if (pending) store_->Settle(*pending).IgnoreError();
    batch_.clear();
    values_.clear();
    return absl::OkStatus();
  }

  const MigrateOptions& options_;
  ledger::Ledger& source_;
  MigrateReport& report_;
  std::unique_ptr<ledger::Ledger> target_;
  std::unique_ptr<personal::PersonalStore> store_;
  std::optional<PersonalSplitter> splitter_;
  absl::flat_hash_map<std::string, std::string> new_ids_;  // old derived id -> new
  std::vector<Event> batch_;
  std::vector<personal::PersonalValue> values_;
  absl::Time recorded_at_ = absl::UnixEpoch();
};

}  // namespace

MigrateOutcome MigrateToFormat2(const MigrateOptions& options) {
  MigrateOutcome out;
  auto fail = [&out](absl::Status s) {
    out.status = std::move(s);
    return std::move(out);
  };
  if (options.origin.empty()) {
    return fail(absl::InvalidArgumentError("--origin: the new log needs an origin line"));
  }
  for (char c : options.origin) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return fail(absl::InvalidArgumentError("--origin must be one line of printable characters"));
    }
  }
  ledger::OpenOptions ro;
  ro.read_only = true;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> source = ledger::Ledger::Open(options.from, ro);
  if (!source.ok()) return fail(source.status());
  if ((*source)->format_version() >= 2) {
    return fail(Reason(absl::FailedPreconditionError(absl::StrCat(
                           options.from, " is format ", (*source)->format_version(),
                           " already: its records hold no personal data")),
                       "already_format_2"));
  }
  if ((*source)->GetHead().origin == options.origin) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "--origin: \"", options.origin,
        "\" is the old log's origin; the new log is a different log (its leaves differ), so "
        "it needs a new origin, or checkpoints of the two would contradict each other")));
  }
  std::error_code ec;
  // "new/" and "new" are the same directory (the temporary one goes beside it).
  std::string to_text = options.to;
  while (to_text.size() > 1 && to_text.back() == '/') to_text.pop_back();
  const std::filesystem::path to(to_text);
  if (std::filesystem::exists(to, ec) &&
      !(std::filesystem::is_directory(to, ec) && std::filesystem::is_empty(to, ec))) {
    return fail(Reason(absl::InvalidArgumentError(absl::StrCat(
                           "--to: ", options.to,
                           " exists and is not an empty directory; migrate writes a new ledger "
                           "only into a new or empty directory")),
                       "target_not_empty"));
  }
  // Built beside `to`, renamed into place when complete.
  const std::string temp = absl::StrCat(to.string(), ".migrating-", getpid());
  std::filesystem::remove_all(temp, ec);
  std::optional<Migration> migration;
  migration.emplace(options, **source, out.report);
  absl::Status s = migration->Run(temp);
  migration.reset();  // closes the new ledger and its store before the rename
  if (!s.ok()) {
    std::filesystem::remove_all(temp, ec);
    return fail(std::move(s));
  }
  if (std::filesystem::exists(to, ec)) std::filesystem::remove(to, ec);  // the empty directory
  std::filesystem::rename(temp, to, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove_all(temp, ec);
    return fail(absl::InternalError(absl::StrCat("renaming the new ledger into ", options.to,
                                                 " failed: ", why)));
  }
  out.status = absl::OkStatus();
  return out;
}

}  // namespace ingest
