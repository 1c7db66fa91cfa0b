// The personal-data commands: erase. The engine is ingest::EraseSubject
// (ingest/erase.h); docs/PERSONAL_DATA.md.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "enforcement/api/v1/personal.pb.h"
#include "ingest/erase.h"
#include "ingest/migrate.h"
#include "ingest/personal_writer.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "util/error_detail.h"
#include "util/time_format.h"

namespace cli {

int RunErase(const Invocation& inv) {
  ingest::EraseRequest request;
  request.subject = inv.args.Get("subject").value_or("");
  request.authority = inv.args.Get("authority").value_or("");
  request.reason = inv.args.Get("reason").value_or("");
  if (request.subject.empty()) {
    return inv.UsageError("--subject ID is required: a subject id (sub_…) or an agency's suspect id");
  }
  if (request.authority.empty()) {
    return inv.UsageError("--authority REF is required: the order or decision that requires it");
  }
  if (request.reason.empty()) return inv.UsageError("--reason TEXT is required");

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kWrite);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      ingest::OpenPersonalStoreForWriter(**db);
  if (!store.ok()) return inv.Fail(store.status(), StatusContext::kOpen);

  if (store->get() == nullptr) {  // a format-1 ledger has no store
    return inv.Fail(kExitConflict,
                    "this ledger is format 1: its records hold names and agency suspect ids in "
                    "clear, hashed into the Merkle tree, where no erasure can reach them without "
                    "breaking every proof; `ledger migrate --to NEWDIR --origin NEW` makes a "
                    "format-2 ledger, which keeps personal data in a store that erase can empty");
  }
  absl::StatusOr<ingest::EraseOutcome> erased = ingest::EraseSubject(**db, **store, request);
  if (!erased.ok()) {
    const std::optional<util::ErrorDetail> d = util::GetErrorDetail(erased.status());
    const bool format1 = d && d->reason() == "format_1_ledger";
    return inv.Fail(format1 ? kExitConflict : ExitCodeFor(erased.status()),
                    erased.status().message());
  }
  const ingest::EraseOutcome& e = *erased;
  if (inv.global.json) {
    enforcement::api::v1::EraseAnswer answer;
    answer.set_subject_id(e.subject.subject_id);
    answer.set_already_erased(e.already_erased);
    answer.set_erased_at(util::FormatRfc3339(e.subject.erased_at));
    answer.set_authority(e.subject.authority);
    answer.set_reason(e.subject.reason);
    answer.set_values_destroyed(static_cast<uint32_t>(e.values_destroyed));
    answer.set_erasure_event_id(e.erasure_event_id);
    answer.set_erasure_position(e.erasure_position);
    answer.set_erasure_event_appended(e.erasure_event_appended);
    answer.set_tree_size(e.tree_size);
    return WriteAnswer(inv, answer);
  }
  std::string text;
  if (e.already_erased) {
    absl::StrAppend(&text, "subject ", e.subject.subject_id, " was already erased at ",
                    util::FormatRfc3339(e.subject.erased_at), " (", e.subject.authority, ": ",
                    e.subject.reason, "); nothing more to destroy\n");
  } else {
    absl::StrAppend(&text, "erased subject ", e.subject.subject_id, ": its key and ",
                    e.values_destroyed, e.values_destroyed == 1 ? " value" : " values",
                    " are destroyed (flushed and compacted away); no name or agency id of this "
                    "subject can be recovered from this ledger's directory\n");
  }
  absl::StrAppend(&text, "erasure event ", e.erasure_event_id, " at position ",
                  e.erasure_position,
                  e.erasure_event_appended ? " appended" : " (already in the log)",
                  "; tree size ", e.tree_size,
                  "\nevery record, proof and checkpoint is unchanged; backups made before now "
                  "keep the data until they are purged (a restore re-applies erasures recorded "
                  "since), and snapshots (ledger snapshot) keep it until deleted (docs/BACKUP.md)\n");
  WriteStdout(text);
  return kExitOk;
}

}  // namespace cli

namespace cli {

int RunMigrate(const Invocation& inv) {
  ingest::MigrateOptions options;
  options.from = inv.global.db;
  options.to = inv.args.Get("to").value_or("");
  options.origin = inv.args.Get("origin").value_or("");
  if (options.to.empty()) return inv.UsageError("--to NEWDIR is required (the new ledger)");
  if (options.origin.empty()) return inv.UsageError("--origin NEW is required (the new log's origin)");
  ProgressMeter progress("migrate", "records");
  options.progress = [&progress](uint64_t done, uint64_t total) {
    progress.Update(done, total > 0 ? static_cast<double>(done) / static_cast<double>(total) : -1);
  };
  const ingest::MigrateOutcome out = ingest::MigrateToFormat2(options);
  progress.Finish();
  const ingest::MigrateReport& r = out.report;
  if (inv.global.json) {
    enforcement::api::v1::MigrateAnswer answer;
    answer.set_ok(out.status.ok());
    answer.set_from(options.from);
    answer.set_to(options.to);
    answer.set_origin(options.origin);
    answer.set_records(r.records);
    answer.set_ids_rederived(r.ids_rederived);
    answer.set_targets_rewritten(r.targets_rewritten);
    answer.set_subjects(r.subjects);
    answer.set_tree_size(r.tree_size);
    if (out.status.ok()) answer.set_root_hex(merkle::ToHex(r.root));
    for (const ingest::TooLargeRecord& t : r.too_large) {
      enforcement::api::v1::TooLargeRecord* m = answer.add_too_large();
      m->set_position(t.position);
      m->set_event_id(t.event_id);
      m->set_bytes(t.bytes);
    }
    if (!out.status.ok()) answer.set_error(std::string(out.status.message()));
    if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
  }
  if (!out.status.ok()) {
    std::string text(out.status.message());
    for (const ingest::TooLargeRecord& t : r.too_large) {
      absl::StrAppend(&text, "\n  position ", t.position, "  ", t.event_id, "  ", t.bytes,
                      " bytes");
    }
    const absl::StatusCode code = out.status.code();
    int exit = ExitCodeFor(out.status);
    if (code == absl::StatusCode::kFailedPrecondition) exit = kExitInvalidInput;
    if (code == absl::StatusCode::kInvalidArgument) exit = kExitUsage;
    return inv.Fail(exit, text);
  }
  if (inv.global.json) return kExitOk;
  WriteStdout(absl::StrCat(
      "migrated ", r.records, " records from ", options.from, " (format 1) into ", options.to,
      " (format 2, origin \"", r.origin, "\"): tree size ", r.tree_size, ", root ",
      merkle::ToHex(r.root), "\n", r.subjects, " subjects in its personal-data store; ",
      r.ids_rederived, " derived event ids derived again without personal data, ",
      r.targets_rewritten, " correction/retraction targets rewritten\n",
      "the old ledger is unchanged and stays readable as format 1; its checkpoints do not "
      "cover the new log (a new origin): sign new ones with `ledger checkpoint`\n"));
  return kExitOk;
}

}  // namespace cli
