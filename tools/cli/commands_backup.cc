// `ledger backup create|list|verify|restore|purge` and `ledger snapshot`:
// the engine is backup/ (backup/backup.h, docs/BACKUP.md).
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "backup/backup.h"
#include "enforcement/api/v1/backup.pb.h"
#include "ledger/ledger.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "util/error_detail.h"

namespace cli {
namespace {

using enforcement::api::v1::BackupManifest;
using enforcement::api::v1::BackupVerifyAnswer;

// Directories that contain each other are a usage error (2); a refusal
// (another ledger's backups, a rollback not allowed) a conflict (4); a
// backup that fails its checks a failed verification (1); everything else
// maps as everywhere.
int ExitFor(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kInvalidArgument) return kExitUsage;
  if (s.code() == absl::StatusCode::kFailedPrecondition) return kExitConflict;
  if (s.code() == absl::StatusCode::kDataLoss) return kExitVerifyFailed;
  return ExitCodeFor(s);
}

int Fail(const Invocation& inv, const absl::Status& s) {
  return inv.Fail(ExitFor(s), s.message());
}

// Opens the ledger for writing, waiting up to --wait seconds for another
// writer.
absl::StatusOr<std::unique_ptr<ledger::Ledger>> OpenWriter(const Invocation& inv,
                                                           uint64_t wait_seconds) {
  const absl::Time deadline = absl::Now() + absl::Seconds(static_cast<int64_t>(wait_seconds));
  for (;;) {
    absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kWrite);
    if (db.ok() || !util::IsLockContention(db.status()) || absl::Now() >= deadline) return db;
    usleep(100 * 1000);
  }
}

std::string Describe(const BackupManifest& m) {
  return absl::StrCat("backup ", m.id(), " of ", m.created_at(), " (tree size ", m.tree_size(),
                      ")");
}

std::vector<std::pair<std::string, std::string>> ManifestRows(const BackupManifest& m) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"backup", absl::StrCat(m.id())},
      {"created at", m.created_at()},
      {"origin", m.origin()},
      {"tree size", absl::StrCat(m.tree_size())},
      {"root (hex)", m.root_hex()},
      {"personal data", m.has_personal_backup_id()
                            ? absl::StrCat("backed up (store backup ", m.personal_backup_id(), ")")
                            : std::string("none (no personal-data store)")},
      {"checkpoints", absl::StrCat(m.checkpoints_size(),
                                   m.newest_checkpoint().empty() ? "" : ", newest ",
                                   m.newest_checkpoint())},
  };
  return rows;
}

void AddVerifyRows(const BackupVerifyAnswer& v,
                   std::vector<std::pair<std::string, std::string>>* rows) {
  rows->push_back({"files", v.files_ok() ? "OK (sizes and checksums)" : "FAILED"});
  if (v.files_ok()) {
    rows->push_back({"log verify", v.has_log() && v.log().problem().empty()
                                       ? absl::StrCat("OK (", v.log().records_checked(),
                                                      " records)")
                                       : std::string("FAILED")});
    rows->push_back({"head", v.head_ok() ? "OK (as the manifest says)" : "FAILED"});
    rows->push_back({"checkpoints", v.checkpoints_ok()
                                        ? absl::StrCat("OK (", v.checkpoints_checked(),
                                                       " checked against the restored tree)")
                                        : std::string("FAILED")});
  }
  rows->push_back({"result", v.ok() ? "OK" : "FAILED"});
  if (!v.ok()) rows->push_back({"problem", v.problem()});
}

absl::StatusOr<std::optional<uint64_t>> IdArg(const Invocation& inv) {
  return inv.args.GetUint("id");
}

int RunCreate(const Invocation& inv) {
  const std::optional<std::string> to = inv.args.Get("to");
  if (!to || to->empty()) return inv.UsageError("backup create needs --to DIR");
  absl::StatusOr<std::optional<uint64_t>> wait = inv.args.GetUint("wait");
  absl::StatusOr<std::optional<uint64_t>> keep_days = inv.args.GetUint("keep-days");
  absl::StatusOr<std::optional<uint64_t>> keep_last = inv.args.GetUint("keep-last");
  for (const auto* s : {&wait, &keep_days, &keep_last}) {
    if (!s->ok()) return inv.UsageError(s->status().message());
  }
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenWriter(inv, wait->value_or(0));
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  backup::CreateOptions options;
  options.purge = !inv.args.Has("no-purge");
  options.retention.keep_for =
      absl::Hours(24 * static_cast<int64_t>(keep_days->value_or(backup::kDefaultRetentionDays)));
  options.retention.keep_last = static_cast<uint32_t>(keep_last->value_or(1));
  absl::StatusOr<enforcement::api::v1::BackupCreateAnswer> a =
      backup::CreateBackup(**db, *to, options);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) return WriteAnswer(inv, *a);
  std::vector<std::pair<std::string, std::string>> rows = ManifestRows(a->backup());
  rows.insert(rows.begin(), {"backed up to", *to});
  rows.push_back({"purged", a->purged().empty() ? std::string("none")
                                                : absl::StrJoin(a->purged(), ", ")});
  if (!a->incomplete_deleted().empty()) {
    rows.push_back({"incomplete deleted", absl::StrJoin(a->incomplete_deleted(), ", ")});
  }
  rows.push_back({"oldest held", Describe(a->oldest_held())});
  rows.push_back({"seconds", absl::StrCat(a->seconds())});
  PrintKeyValues(rows);
  return kExitOk;
}

int RunList(const Invocation& inv) {
  const std::optional<std::string> from = inv.args.Get("from");
  if (!from || from->empty()) return inv.UsageError("backup list needs --from DIR");
  absl::StatusOr<enforcement::api::v1::BackupListAnswer> a = backup::ListBackups(*from);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) return WriteAnswer(inv, *a);
  TablePrinter t({"ID", "CREATED", "TREE SIZE", "ROOT", "PERSONAL", "CHECKPOINTS", "BYTES",
                  "STATE"});
  for (const auto& e : a->backups()) {
    const BackupManifest& m = e.manifest();
    t.AddRow({absl::StrCat(m.id()), m.created_at(),
              e.complete() ? absl::StrCat(m.tree_size()) : "-",
              e.complete() ? m.root_hex().substr(0, 16) : "-",
              m.has_personal_backup_id() ? "yes" : "no", absl::StrCat(m.checkpoints_size()),
              WithThousands(e.size_bytes()),
              e.complete() ? "complete" : "INCOMPLETE"});
  }
  t.Finish();
  return kExitOk;
}

int RunVerifyBackup(const Invocation& inv) {
  const std::optional<std::string> from = inv.args.Get("from");
  if (!from || from->empty()) return inv.UsageError("backup verify needs --from DIR");
  absl::StatusOr<std::optional<uint64_t>> id = IdArg(inv);
  if (!id.ok()) return inv.UsageError(id.status().message());
  absl::StatusOr<BackupVerifyAnswer> a = backup::VerifyBackup(*from, *id);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) {
    if (int e = WriteAnswer(inv, *a); e != kExitOk) return e;
  } else {
    std::vector<std::pair<std::string, std::string>> rows = ManifestRows(a->backup());
    AddVerifyRows(*a, &rows);
    PrintKeyValues(rows);
  }
  if (!a->ok()) {
    return inv.Fail(kExitVerifyFailed,
                    absl::StrCat("backup ", a->backup().id(), " FAILED: ", a->problem()));
  }
  return kExitOk;
}

int RunRestore(const Invocation& inv) {
  const std::optional<std::string> from = inv.args.Get("from");
  if (!from || from->empty()) return inv.UsageError("backup restore needs --from DIR");
  absl::StatusOr<std::optional<uint64_t>> id = IdArg(inv);
  if (!id.ok()) return inv.UsageError(id.status().message());
  backup::RestoreOptions options;
  options.overwrite = inv.args.Has("overwrite");
  options.allow_rollback = inv.args.Has("allow-rollback");
  absl::StatusOr<enforcement::api::v1::BackupRestoreAnswer> a =
      backup::RestoreBackup(*from, *id, inv.global.db, options);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) return WriteAnswer(inv, *a);
  std::vector<std::pair<std::string, std::string>> rows = ManifestRows(a->verified().backup());
  rows.insert(rows.begin(), {"restored to", a->db()});
  AddVerifyRows(a->verified(), &rows);
  rows.push_back({"replaced", a->replaced() ? "yes (the previous ledger is deleted)" : "no"});
  if (a->has_lost_from()) {
    rows.push_back({"rolled back", absl::StrCat("positions [", a->lost_from(), ", ", a->lost_to(),
                                                ") of the previous ledger are lost")});
  }
  rows.push_back({"erasures re-applied",
                  a->erasures_reapplied() == 0
                      ? std::string("none")
                      : absl::StrCat(a->erasures_reapplied(), " (",
                                     absl::StrJoin(a->reapplied_subject_ids(), ", "),
                                     "; one erasure event each appended)")});
  rows.push_back({"seconds", absl::StrCat(a->seconds())});
  PrintKeyValues(rows);
  return kExitOk;
}

int RunPurge(const Invocation& inv) {
  const std::optional<std::string> from = inv.args.Get("from");
  if (!from || from->empty()) return inv.UsageError("backup purge needs --from DIR");
  absl::StatusOr<std::optional<uint64_t>> keep_days = inv.args.GetUint("keep-days");
  absl::StatusOr<std::optional<uint64_t>> keep_last = inv.args.GetUint("keep-last");
  if (!keep_days.ok()) return inv.UsageError(keep_days.status().message());
  if (!keep_last.ok()) return inv.UsageError(keep_last.status().message());
  if (!*keep_days) return inv.UsageError("backup purge needs --keep-days N");
  backup::RetentionOptions options;
  options.keep_for = absl::Hours(24 * static_cast<int64_t>(**keep_days));
  options.keep_last = static_cast<uint32_t>(keep_last->value_or(1));
  absl::StatusOr<enforcement::api::v1::BackupPurgeAnswer> a = backup::PurgeBackups(*from, options);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) return WriteAnswer(inv, *a);
  PrintKeyValues({
      {"purged", a->purged().empty() ? std::string("none") : absl::StrJoin(a->purged(), ", ")},
      {"incomplete deleted", a->incomplete_deleted().empty()
                                 ? std::string("none")
                                 : absl::StrJoin(a->incomplete_deleted(), ", ")},
      {"held", absl::StrCat(a->held())},
      {"oldest held", a->has_oldest_held() ? Describe(a->oldest_held()) : std::string("none")},
  });
  return kExitOk;
}

}  // namespace

int RunBackup(const Invocation& inv) {
  const std::string& action = inv.args.positionals()[0];
  if (action == "create") return RunCreate(inv);
  if (action == "list") return RunList(inv);
  if (action == "verify") return RunVerifyBackup(inv);
  if (action == "restore") return RunRestore(inv);
  if (action == "purge") return RunPurge(inv);
  return inv.UsageError(absl::StrCat("unknown backup action \"", action,
                                     "\" (create, list, verify, restore or purge)"));
}

int RunSnapshot(const Invocation& inv) {
  const std::string& dir = inv.args.positionals()[0];
  absl::StatusOr<std::optional<uint64_t>> wait = inv.args.GetUint("wait");
  if (!wait.ok()) return inv.UsageError(wait.status().message());
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenWriter(inv, wait->value_or(0));
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  absl::StatusOr<enforcement::api::v1::SnapshotAnswer> a = backup::Snapshot(**db, dir);
  if (!a.ok()) return Fail(inv, a.status());
  if (inv.global.json) return WriteAnswer(inv, *a);
  PrintKeyValues({
      {"snapshot", a->dir()},
      {"origin", a->origin()},
      {"tree size", absl::StrCat(a->tree_size())},
      {"root (hex)", a->root_hex()},
      {"personal data", a->personal() ? "copied" : "none"},
      {"checkpoints", absl::StrCat(a->checkpoints())},
      {"seconds", absl::StrCat(a->seconds())},
  });
  return kExitOk;
}

}  // namespace cli
