// The personal-data commands: erase. The engine is ingest::EraseSubject
// (ingest/erase.h); docs/PERSONAL_DATA.md.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "enforcement/api/v1/personal.pb.h"
#include "ingest/erase.h"
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
                  "keep the data until they are purged (docs/BACKUP.md)\n");
  WriteStdout(text);
  return kExitOk;
}

}  // namespace cli
