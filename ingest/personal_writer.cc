#include "ingest/personal_writer.h"

#include <utility>

namespace ingest {

absl::StatusOr<bool> EventInLog(const ledger::Ledger& db, absl::string_view event_id) {
  absl::StatusOr<uint64_t> pos = db.FindEvent(event_id);
  if (pos.ok()) return true;
  if (pos.status().code() == absl::StatusCode::kNotFound) return false;
  return pos.status();
}

absl::StatusOr<std::unique_ptr<personal::PersonalStore>> OpenPersonalStoreForWriter(
    const ledger::Ledger& db, personal::SweepReport* sweep) {
  if (db.format_version() < 2) return std::unique_ptr<personal::PersonalStore>();
  personal::StoreOptions options;
  options.mode = personal::StoreOptions::Mode::kWrite;
  options.create_if_missing = true;
  options.sync = true;
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      personal::PersonalStore::Open(db.path(), options);
  if (!store.ok()) return store.status();
  absl::StatusOr<personal::SweepReport> swept = (*store)->Sweep(
      [&db](absl::string_view id) { return EventInLog(db, id); });
  if (!swept.ok()) return swept.status();
  if (sweep != nullptr) *sweep = *swept;
  return store;
}

}  // namespace ingest
