// The tamper-evidence commands (SPEC §4, docs/TAMPER_EVIDENCE.md):
//   keygen       an Ed25519 key pair in Go's sumdb/note key formats
//   checkpoint   sign a C2SP tlog-checkpoint; kept in <db>/checkpoints/,
//                refused when inconsistent with one issued before
//   checkpoints  list the issued checkpoints, each compared with the tree
//   prove        inclusion and consistency proofs as JSON (RFC 9162 order,
//                field names of the transparency-dev test vectors)
//   check        verify proofs, checkpoints and exports from files alone,
//                without opening any database
//   audit        prove that the ledger extends an earlier signed checkpoint
//                and re-verify everything from the stored bytes
// The ledger is only ever opened read-only here (OpenMode::kRead), so all
// of these work while a writer runs.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "audit/audit.h"
#include "audit/audit_io.h"
#include "audit/check.h"
#include "audit/prove.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/checkpoint_store.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"
#include "util/output_file.h"
#include "merkle/proof_json.h"
#include "util/answer_json.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "enforcement/api/v1/log.pb.h"

namespace cli {
namespace {

using ledger::Checkpoint;
using ledger::NoteVerifier;

// A failed file read is the caller's mistake (wrong path): a usage error.
int FileError(const Invocation& inv, const absl::Status& s) {
  return inv.Fail(kExitUsage, s.message());
}

// Rejects options that belong to another KIND of a multi-kind command.
int RejectOptions(const Invocation& inv, const std::string& kind,
                  std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (inv.args.Has(n)) {
      return inv.UsageError(
          absl::StrCat("--", n, " does not apply to '", inv.command, " ", kind, "'"));
    }
  }
  return kExitOk;
}

using audit::CreateFileExclusively;
using audit::KeyLabel;
using audit::LoadSignerKey;
using audit::LoadVerifierKeys;
using audit::NamedText;
using audit::ReadWholeFile;

// Prints the outcome of a `check` and returns its exit status.
int CheckOutcome(const Invocation& inv, const enforcement::api::v1::CheckReport& report) {
  if (inv.global.json) {
    if (int e = WriteAnswer(inv, report); e != kExitOk) return e;
  } else if (report.ok()) {
    WriteStdout(absl::StrCat("OK: ", report.message(), "\n"));
  }
  if (!report.ok()) return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", report.problem()));
  return kExitOk;
}

// The file at `path`, at most `max_bytes`, named by `path` in messages.
absl::StatusOr<NamedText> ReadNamed(const std::string& path, uint64_t max_bytes) {
  absl::StatusOr<std::string> text = ReadWholeFile(path, max_bytes);
  if (!text.ok()) return text.status();
  return NamedText{path, *std::move(text)};
}

// The default file prefix for `keygen --name NAME`: NAME with every
// character other than [A-Za-z0-9._-] replaced by '_'.
std::string DefaultKeyPrefix(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool keep =
        absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// keygen

int RunKeygen(const Invocation& inv) {
  const std::optional<std::string> name = inv.args.Get("name");
  if (!name) return inv.UsageError("--name NAME is required (by convention the log's origin)");
  const std::string prefix = inv.args.GetOr("out", DefaultKeyPrefix(*name));
  if (prefix.empty()) return inv.UsageError("--out wants a file prefix, not an empty string");
  const std::string key_path = prefix + ".key", pub_path = prefix + ".pub";
  for (const std::string& p : {key_path, pub_path}) {
    std::error_code ec;
    if (std::filesystem::symlink_status(p, ec).type() != std::filesystem::file_type::not_found) {
      return inv.Fail(kExitConflict, absl::StrCat(p,
                                                  " already exists; refusing to overwrite a "
                                                  "key (choose another --out PREFIX)"));
    }
  }
  for (const std::string& p : {key_path, pub_path}) {
    // Free names (checked above); the policy still refuses a ledger directory.
    if (absl::StatusOr<ledger::OutputTarget> t = ledger::CheckOutputPath(p, {"--out", {}});
        !t.ok()) {
      return OutputError(inv, t.status());
    }
  }
  absl::StatusOr<ledger::NoteKeyPair> pair = ledger::GenerateNoteKey(*name);
  if (!pair.ok()) {
    if (pair.status().code() == absl::StatusCode::kInvalidArgument) {
      return inv.UsageError(absl::StrCat("--name: ", pair.status().message()));
    }
    return inv.Fail(kExitInternal, pair.status().message());
  }
  std::string secret = pair->signer_key + "\n";
  absl::Status s = CreateFileExclusively(key_path, secret, 0600);
  std::fill(secret.begin(), secret.end(), '\0');
  std::fill(pair->signer_key.begin(), pair->signer_key.end(), '\0');
  if (!s.ok()) {
    return inv.Fail(s.code() == absl::StatusCode::kAlreadyExists ? kExitConflict
                    : s.code() == absl::StatusCode::kNotFound    ? kExitUsage  // no such directory
                                                                 : kExitInternal,
                    s.message());
  }
  s = CreateFileExclusively(pub_path, pair->verifier_key + "\n", 0644);
  if (!s.ok()) {
    unlink(key_path.c_str());  // no half key pair
    return inv.Fail(s.code() == absl::StatusCode::kAlreadyExists ? kExitConflict : kExitInternal,
                    s.message());
  }
  if (inv.global.json) {
    enforcement::api::v1::KeygenAnswer answer;
    answer.set_name(*name);
    answer.set_verifier_key(pair->verifier_key);
    answer.set_key_file(key_path);
    answer.set_pub_file(pub_path);
    if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
  } else {
    WriteStdout(pair->verifier_key + "\n");
    if (isatty(STDERR_FILENO) == 1) {
      std::fprintf(stderr,
                   "wrote %s (signer key: secret, mode 0600) and %s (verifier key: give it to "
                   "auditors)\n",
                   key_path.c_str(), pub_path.c_str());
    }
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// checkpoint

// OK once the ledger's high-water mark covers `size` records (waiting up to
// a second for a synced writer to move it); kUnavailable naming both sizes
// if it does not. A ledger without a mark (older than marks) is not checked.
static absl::Status WaitUntilDurable(const std::string& db, uint64_t size) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<ledger::HighWaterMark> mark = ledger::ReadHighWaterMark(db);
    if (absl::IsNotFound(mark.status())) return absl::OkStatus();
    if (!mark.ok()) return mark.status();
    if (mark->tree_size >= size) return absl::OkStatus();
    if (attempt == 20) {
      return absl::UnavailableError(absl::StrCat(
          "records ", mark->tree_size, "..", size - 1,
          " are written but not yet durable (a 'ledger import --bulk' is running?); sign after "
          "it has finished, or sign an earlier tree with --size ", mark->tree_size));
    }
    usleep(50000);
  }
}

int RunCheckpoint(const Invocation& inv) {
  const std::optional<std::string> key_path = inv.args.Get("key");
  if (!key_path)
    return inv.UsageError("--key FILE (a signer key from 'ledger keygen') is required");
  absl::StatusOr<std::optional<uint64_t>> size_opt = inv.args.GetUint("size");
  if (!size_opt.ok()) return inv.UsageError(size_opt.status().message());
  ledger::FileId key_id;
  absl::StatusOr<ledger::NoteSigner> signer = LoadSignerKey(*key_path, &key_id);
  if (!signer.ok()) return inv.Fail(kExitUsage, signer.status().message());
  // --out is checked (and its temporary file created) before anything is
  // signed: a refused output leaves the store as it was.
  std::unique_ptr<ledger::OutputFile> out_file;
  if (const std::optional<std::string> out = inv.args.Get("out"); out && *out != "-") {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> created = ledger::OutputFile::Create(
        *out, {"--out", {{key_id, "the signer key file (--key)"}}});
    if (!created.ok()) return OutputError(inv, created.status());
    out_file = *std::move(created);
  }

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  ledger::CheckpointStore store(inv.global.db);
  absl::StatusOr<std::unique_ptr<ledger::CheckpointStore::Lock>> lock = store.Acquire();
  if (!lock.ok()) return inv.Fail(kExitInternal, lock.status().message());
  // Under the lock, every issued checkpoint came from a committed head: catch
  // up with the writer so the stored tree covers all of them.
  if (absl::Status s = (*db)->TryCatchUp(); !s.ok()) return inv.Fail(s, StatusContext::kRead);
  const ledger::Head head = (*db)->GetHead();
  const uint64_t size = size_opt->value_or(head.tree_size);
  // Only durable records are signed: a checkpoint over records a crash could
  // still take away would make every later open refuse the ledger (the
  // issued checkpoints are part of its high-water mark, docs/FORMAT.md). A
  // synced append moves the mark right after its batch; a bulk import only
  // when it finishes.
  if (size <= head.tree_size) {  // past the head: RootAt below says so
    if (absl::Status s = WaitUntilDurable(inv.global.db, size); !s.ok()) {
      return inv.Fail(kExitLocked, s.message());
    }
  }
  absl::StatusOr<merkle::Hash> root = (*db)->RootAt(size);
  if (!root.ok()) return inv.Fail(root.status(), StatusContext::kRead);
  Checkpoint c{head.origin, size, *root, {}};
  if (absl::Status s = store.CheckConsistent(c, (*db)->nodes(), head.tree_size); !s.ok()) {
    if (s.code() == absl::StatusCode::kFailedPrecondition) {
      return inv.Fail(kExitVerifyFailed, s.message());
    }
    return inv.Fail(s, StatusContext::kRead, "checking the issued checkpoints");
  }
  absl::StatusOr<std::string> note = ledger::SignCheckpoint(c, *signer);
  if (!note.ok()) return inv.Fail(kExitInternal, note.status().message());
  absl::StatusOr<ledger::CheckpointStore::AddResult> added =
      store.Add(c, *note, signer->key_hash());
  if (!added.ok()) {
    return inv.Fail(
        added.status().code() == absl::StatusCode::kAlreadyExists ? kExitConflict : kExitInternal,
        added.status().message());
  }
  lock->reset();
  if (out_file) {
    absl::Status s = out_file->Write(*note);
    if (s.ok()) s = out_file->Commit();
    if (!s.ok()) {
      return OutputError(inv, absl::Status(s.code(), absl::StrCat(s.message(),
                                                                  " (the checkpoint was issued "
                                                                  "and is kept in ",
                                                                  store.dir(), ")")));
    }
  }
  const std::string file = absl::StrCat(store.dir(), "/", added->file);
  if (inv.global.json) {
    enforcement::api::v1::CheckpointAnswer answer;
    answer.set_origin(c.origin);
    answer.set_tree_size(c.size);
    answer.set_root_hex(merkle::ToHex(c.root));
    answer.set_root_base64(merkle::ToBase64(c.root));
    answer.set_signed_by(KeyLabel(signer->name(), signer->key_hash()));
    answer.set_file(file);
    answer.set_already_issued(added->already_issued);
    answer.set_checkpoint(*note);
    if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
  } else {
    WriteStdout(*note);
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// checkpoints

int RunCheckpoints(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  const ledger::Head head = (*db)->GetHead();
  ledger::CheckpointStore store(inv.global.db);
  absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> issued = store.List();
  if (!issued.ok()) {
    if (issued.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", issued.status().message()));
    }
    return inv.Fail(issued.status(), StatusContext::kRead);
  }
  std::optional<TablePrinter> table;
  if (!inv.global.json) {
    table.emplace(
        std::vector<std::string>{"TREE_SIZE", "ROOT", "SIGNED_BY", "MATCHES_TREE", "FILE"});
  }
  std::vector<std::string> problems;
  for (const ledger::IssuedCheckpoint& i : *issued) {
    const Checkpoint& c = i.checkpoint;
    std::string status;
    if (c.origin != head.origin) {
      status = "NO (another log's origin)";
    } else if (c.size > head.tree_size) {
      status = "NO (past the head)";
    } else {
      absl::StatusOr<merkle::Hash> r = (*db)->RootAt(c.size);
      if (!r.ok()) return inv.Fail(r.status(), StatusContext::kRead);
      status = *r == c.root ? "yes" : "NO (root differs)";
    }
    if (status != "yes") {
      problems.push_back(
          absl::StrCat("checkpoints/", i.file, ": ", status.substr(4, status.size() - 5)));
    }
    if (table) {
      table->AddRow({absl::StrCat(c.size), merkle::ToBase64(c.root), absl::StrJoin(i.signers, ","),
                     status, i.file});
    } else {
      enforcement::api::v1::IssuedCheckpoint answer;
      answer.set_file(absl::StrCat(store.dir(), "/", i.file));
      answer.set_origin(c.origin);
      answer.set_tree_size(c.size);
      answer.set_root_base64(merkle::ToBase64(c.root));
      for (const std::string& signer : i.signers) answer.add_signers(signer);
      answer.set_matches_tree(status == "yes");
      if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
    }
  }
  if (table) {
    if (issued->empty()) {
      WriteStdout("no checkpoints issued\n");
    } else {
      table->Finish();
    }
  }
  if (!problems.empty()) {
    return inv.Fail(kExitVerifyFailed,
                    absl::StrCat("FAILED: issued checkpoints that do not match the ledger's tree: ",
                                 absl::StrJoin(problems, "; ")));
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// prove

namespace {

// The output files of `prove`, checked (and their temporary files created)
// before any proof is built, so that a refused --out or --record-out leaves
// everything as it was.
struct ProveOutputs {
  std::unique_ptr<ledger::OutputFile> proof;   // --out, unless stdout
  std::unique_ptr<ledger::OutputFile> record;  // --record-out
};

// Opens --out and --record-out under the output-file policy; a non-OK exit
// status on a refusal.
int OpenProveOutputs(const Invocation& inv, ProveOutputs* outs) {
  const std::string out = inv.args.GetOr("out", "-");
  const std::optional<std::string> rec_out = inv.args.Get("record-out");
  if (out != "-" && rec_out) {
    std::error_code e1, e2;
    const std::filesystem::path a = std::filesystem::weakly_canonical(out, e1);
    const std::filesystem::path b = std::filesystem::weakly_canonical(*rec_out, e2);
    const std::optional<ledger::FileId> ia = ledger::IdentifyPath(out);
    const std::optional<ledger::FileId> ib = ledger::IdentifyPath(*rec_out);
    if ((!e1 && !e2 && a == b) || (ia && ib && *ia == *ib)) {
      return inv.UsageError("--out and --record-out name the same file; give two files");
    }
  }
  if (out != "-") {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> f =
        ledger::OutputFile::Create(out, {"--out", {}});
    if (!f.ok()) return OutputError(inv, f.status());
    outs->proof = *std::move(f);
  }
  if (rec_out) {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> f =
        ledger::OutputFile::Create(*rec_out, {"--record-out", {}});
    if (!f.ok()) return OutputError(inv, f.status());
    outs->record = *std::move(f);
  }
  return kExitOk;
}

// Writes `data` to `file` and commits it.
absl::Status WriteAndCommit(ledger::OutputFile& file, absl::string_view data) {
  if (absl::Status s = file.Write(data); !s.ok()) return s;
  return file.Commit();
}

// Writes a proof to --out FILE (atomically) or stdout.
int EmitProof(const Invocation& inv, ProveOutputs& outs, const std::string& json,
              const std::string& summary) {
  if (!outs.proof) {
    WriteStdout(json);
    return kExitOk;
  }
  if (absl::Status s = WriteAndCommit(*outs.proof, json); !s.ok()) return OutputError(inv, s);
  WriteStdout(absl::StrCat(summary, " to ", outs.proof->path(), "\n"));
  return kExitOk;
}

int ProveInclusion(const Invocation& inv, ledger::Ledger& db, ProveOutputs& outs) {
  absl::StatusOr<std::optional<uint64_t>> pos_opt = inv.args.GetUint("position");
  absl::StatusOr<std::optional<uint64_t>> size_opt = inv.args.GetUint("size");
  if (!pos_opt.ok()) return inv.UsageError(pos_opt.status().message());
  if (!size_opt.ok()) return inv.UsageError(size_opt.status().message());
  const std::optional<std::string> event_id = inv.args.Get("event-id");
  if (pos_opt->has_value() == event_id.has_value()) {
    return inv.UsageError("give exactly one of --position N and --event-id ID");
  }
  const uint64_t size = size_opt->value_or(db.GetHead().tree_size);
  uint64_t position = 0;
  if (event_id) {
    absl::StatusOr<uint64_t> p = db.FindEvent(*event_id);
    if (!p.ok()) return inv.Fail(p.status(), StatusContext::kRead);
    position = *p;
  } else {
    position = **pos_opt;
  }
  absl::StatusOr<audit::InclusionAnswer> answer = audit::ProveInclusion(db, position, size);
  if (!answer.ok()) return inv.Fail(ExitCodeFor(answer.status()), answer.status().message(), answer.status());
  const ledger::InclusionProofJson& p = answer->proof;
  if (outs.record) {
    if (absl::Status s = WriteAndCommit(*outs.record, answer->record_bytes); !s.ok()) {
      return OutputError(inv, s);
    }
  }
  return EmitProof(inv, outs, ledger::EncodeInclusionProof(p),
                   absl::StrCat("wrote the inclusion proof of position ", position,
                                " in the tree of size ", size));
}

int ProveConsistency(const Invocation& inv, ledger::Ledger& db, ProveOutputs& outs) {
  absl::StatusOr<std::optional<uint64_t>> from = inv.args.GetUint("from");
  absl::StatusOr<std::optional<uint64_t>> to_opt = inv.args.GetUint("to");
  if (!from.ok()) return inv.UsageError(from.status().message());
  if (!to_opt.ok()) return inv.UsageError(to_opt.status().message());
  if (!from->has_value()) return inv.UsageError("--from T1 (the older tree size) is required");
  const ledger::Head head = db.GetHead();
  const uint64_t size1 = **from, size2 = to_opt->value_or(head.tree_size);
  if (size1 == 0) {
    return inv.UsageError(
        "--from 0: a consistency proof from the empty tree proves nothing; "
        "every tree extends it");
  }
  if (size1 > size2) {
    return inv.UsageError(absl::StrCat("--from ", size1, " is larger than --to ", size2));
  }
  absl::StatusOr<ledger::ConsistencyProofJson> proof = audit::ProveConsistency(db, size1, size2);
  if (!proof.ok()) return inv.Fail(ExitCodeFor(proof.status()), proof.status().message(), proof.status());
  const ledger::ConsistencyProofJson& p = *proof;
  return EmitProof(
      inv, outs, ledger::EncodeConsistencyProof(p),
      absl::StrCat("wrote the consistency proof from tree size ", size1, " to tree size ", size2));
}

}  // namespace

int RunProve(const Invocation& inv) {
  const std::string kind = inv.args.positionals().front();
  if (kind != "inclusion" && kind != "consistency") {
    return inv.UsageError(
        absl::StrCat("prove what? want 'inclusion' or 'consistency', not \"", kind, "\""));
  }
  // Options of the other kind first, then the outputs: both before the
  // ledger is opened or anything is written.
  if (int u = kind == "inclusion"
                  ? RejectOptions(inv, "inclusion", {"from", "to"})
                  : RejectOptions(inv, "consistency", {"position", "event-id", "size", "record-out"});
      u != kExitOk) {
    return u;
  }
  ProveOutputs outs;
  if (int u = OpenProveOutputs(inv, &outs); u != kExitOk) return u;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  return kind == "inclusion" ? ProveInclusion(inv, **db, outs)
                             : ProveConsistency(inv, **db, outs);
}

// ---------------------------------------------------------------------------
// check: from files alone; never opens a database.

namespace {

int CheckInclusion(const Invocation& inv) {
  if (int u = RejectOptions(inv, "inclusion", {"old", "new", "export"}); u != kExitOk) return u;
  const std::optional<std::string> proof_path = inv.args.Get("proof");
  const std::optional<std::string> record_path = inv.args.Get("record");
  const std::optional<std::string> cp_path = inv.args.Get("checkpoint");
  const std::optional<std::string> key = inv.args.Get("key");
  if (!proof_path || !record_path) {
    return inv.UsageError("--proof P.json and --record R.bin are required");
  }
  if (cp_path.has_value() != key.has_value()) {
    return inv.UsageError("--checkpoint C and --key VKEY go together");
  }
  audit::InclusionCheck in;
  if (key) {
    absl::StatusOr<std::vector<NoteVerifier>> k = LoadVerifierKeys(*key);
    if (!k.ok()) return inv.UsageError(k.status().message());
    in.keys = *std::move(k);
  }
  absl::StatusOr<NamedText> proof = ReadNamed(*proof_path, ledger::kMaxProofJsonBytes);
  if (!proof.ok()) return FileError(inv, proof.status());
  in.proof = *std::move(proof);
  absl::StatusOr<NamedText> record = ReadNamed(*record_path, ledger::kMaxRecordFileBytes);
  if (!record.ok()) return FileError(inv, record.status());
  in.record = *std::move(record);
  if (cp_path) {
    absl::StatusOr<NamedText> cp = ReadNamed(*cp_path, ledger::kMaxCheckpointFileBytes);
    if (!cp.ok()) return FileError(inv, cp.status());
    in.checkpoint = *std::move(cp);
  }
  return CheckOutcome(inv, audit::CheckInclusion(in));
}

int CheckConsistency(const Invocation& inv) {
  if (int u = RejectOptions(inv, "consistency", {"record", "checkpoint", "export"}); u != kExitOk) {
    return u;
  }
  const std::optional<std::string> proof_path = inv.args.Get("proof");
  const std::optional<std::string> old_path = inv.args.Get("old");
  const std::optional<std::string> new_path = inv.args.Get("new");
  const std::optional<std::string> key = inv.args.Get("key");
  if (!proof_path) return inv.UsageError("--proof P.json is required");
  if (old_path.has_value() != new_path.has_value() || old_path.has_value() != key.has_value()) {
    return inv.UsageError("--old C1, --new C2 and --key VKEY go together");
  }
  audit::ConsistencyCheck in;
  if (key) {
    absl::StatusOr<std::vector<NoteVerifier>> k = LoadVerifierKeys(*key);
    if (!k.ok()) return inv.UsageError(k.status().message());
    in.keys = *std::move(k);
  }
  absl::StatusOr<NamedText> proof = ReadNamed(*proof_path, ledger::kMaxProofJsonBytes);
  if (!proof.ok()) return FileError(inv, proof.status());
  in.proof = *std::move(proof);
  if (old_path) {
    absl::StatusOr<NamedText> c1 = ReadNamed(*old_path, ledger::kMaxCheckpointFileBytes);
    if (!c1.ok()) return FileError(inv, c1.status());
    absl::StatusOr<NamedText> c2 = ReadNamed(*new_path, ledger::kMaxCheckpointFileBytes);
    if (!c2.ok()) return FileError(inv, c2.status());
    in.old_checkpoint = *std::move(c1);
    in.new_checkpoint = *std::move(c2);
  }
  return CheckOutcome(inv, audit::CheckConsistency(in));
}

int CheckCheckpoint(const Invocation& inv) {
  if (int u = RejectOptions(inv, "checkpoint", {"proof", "record", "old", "new"}); u != kExitOk) {
    return u;
  }
  const std::optional<std::string> cp_path = inv.args.Get("checkpoint");
  const std::optional<std::string> key = inv.args.Get("key");
  if (!cp_path || !key) return inv.UsageError("--checkpoint C and --key VKEY are required");
  audit::CheckpointCheck in;
  absl::StatusOr<std::vector<NoteVerifier>> keys = LoadVerifierKeys(*key);
  if (!keys.ok()) return inv.UsageError(keys.status().message());
  in.keys = *std::move(keys);
  absl::StatusOr<NamedText> cp = ReadNamed(*cp_path, ledger::kMaxCheckpointFileBytes);
  if (!cp.ok()) return FileError(inv, cp.status());
  in.checkpoint = *std::move(cp);
  in.export_path = inv.args.Get("export");
  absl::StatusOr<enforcement::api::v1::CheckReport> report = audit::CheckCheckpoint(in);
  if (!report.ok()) return FileError(inv, report.status());
  return CheckOutcome(inv, *report);
}

}  // namespace

int RunCheck(const Invocation& inv) {
  const std::string kind = inv.args.positionals().front();
  if (kind == "inclusion") return CheckInclusion(inv);
  if (kind == "consistency") return CheckConsistency(inv);
  if (kind == "checkpoint") return CheckCheckpoint(inv);
  return inv.UsageError(absl::StrCat(
      "check what? want 'inclusion', 'consistency' or 'checkpoint', not \"", kind, "\""));
}

// ---------------------------------------------------------------------------
// audit

namespace {

const char* OutcomeName(enforcement::api::v1::CheckOutcome o) {
  switch (o) {
    case enforcement::api::v1::CHECK_OUTCOME_PASS:
      return "pass";
    case enforcement::api::v1::CHECK_OUTCOME_FAIL:
      return "FAIL";
    case enforcement::api::v1::CHECK_OUTCOME_SKIPPED:
      return "skipped";
    default:
      return "?";
  }
}

}  // namespace

int RunAudit(const Invocation& inv) {
  const std::optional<std::string> cp_path = inv.args.Get("checkpoint");
  const std::optional<std::string> key = inv.args.Get("key");
  if (!cp_path || !key) {
    return inv.UsageError("--checkpoint OLD.ckpt and --key VKEY are required");
  }
  audit::AuditInput in;
  absl::StatusOr<std::vector<NoteVerifier>> keys = LoadVerifierKeys(*key);
  if (!keys.ok()) return inv.UsageError(keys.status().message());
  in.keys = *std::move(keys);
  absl::StatusOr<NamedText> note = ReadNamed(*cp_path, ledger::kMaxCheckpointFileBytes);
  if (!note.ok()) return FileError(inv, note.status());
  in.checkpoint = *std::move(note);
  in.ledger_dir = inv.global.db;

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened = OpenLedger(inv.global, OpenMode::kRead);
  if (!opened.ok()) {
    if (opened.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", opened.status().message()));
    }
    return inv.Fail(opened.status(), StatusContext::kOpen);
  }
  ProgressMeter progress("audit: verify", "records");
  const enforcement::api::v1::AuditReport report =
      audit::AuditLedger(**opened, in, [&progress](uint64_t done, uint64_t total) {
        progress.Update(done,
                        total > 0 ? static_cast<double>(done) / static_cast<double>(total) : -1.0);
      });
  progress.Finish();

  if (inv.global.json) {
    if (int e = WriteAnswer(inv, report); e != kExitOk) return e;
  } else {
    const auto& cp = report.checkpoint();
    const auto& head = report.head();
    PrintKeyValues(
        {{"checkpoint", report.has_checkpoint()
                            ? absl::StrCat(*cp_path, ": origin ", cp.origin(), ", tree size ",
                                           cp.tree_size(), ", root ", cp.root_base64())
                            : absl::StrCat(*cp_path, " (not verified)")},
         {"ledger", absl::StrCat(head.db(), ": origin ", head.origin(), ", tree size ",
                                 head.tree_size(), ", root ", head.root_base64())}});
    WriteStdout("\n");
    {
      TablePrinter table({"CHECK", "RESULT", "DETAIL"});
      for (const auto& c : report.checks()) {
        table.AddRow({c.name(), OutcomeName(c.outcome()), c.detail()});
      }
    }
    WriteStdout("\n");
    PrintKeyValues(
        {{"result",
          report.ok()
              ? absl::StrCat("PASS: the ledger (tree size ", head.tree_size(),
                             ") is an append-only extension of the signed checkpoint (tree size ",
                             cp.tree_size(),
                             "), and everything recomputed from the stored bytes agrees")
              : "FAIL"}});
  }
  if (!report.ok()) return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", report.problem()));
  return kExitOk;
}

}  // namespace cli
