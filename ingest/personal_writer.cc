#include "ingest/personal_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"

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
  // Created with the ledger (init, migrate: an empty log). A store missing
  // beside a log that has records is damage: a new one would hold a new
  // ledger secret, so known agency ids would get new subjects and erased
  // people would be stored again.
  options.create_if_missing = db.GetHead().tree_size == 0;
  options.sync = true;
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      personal::PersonalStore::Open(db.path(), options);
  if (!store.ok()) {
    if (store.status().code() == absl::StatusCode::kNotFound) {
      return absl::DataLossError(absl::StrCat(
          "this format-2 ledger has records but no personal-data store (",
          personal::PersonalStorePath(db.path()),
          "): restore it from a backup (`ledger backup restore`); a new, empty one would "
          "give known people new subjects and forget every erasure"));
    }
    return store.status();
  }
  absl::StatusOr<personal::SweepReport> swept = (*store)->Sweep(
      [&db](absl::string_view id) { return EventInLog(db, id); });
  if (!swept.ok()) return swept.status();
  if (sweep != nullptr) *sweep = *swept;
  return store;
}

}  // namespace ingest
