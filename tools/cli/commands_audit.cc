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
#include "enforcement/v1/ledger_record.pb.h"
#include "checkpoints/checkpoint.h"
#include "checkpoints/checkpoint_store.h"
#include "ledger/high_water_mark.h"
#include "ledger/ledger.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"
#include "util/output_file.h"
#include "merkle/proof_json.h"
#include "tools/cli/audit_io.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"

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

std::string KeyLabel(const std::string& name, uint32_t key_hash) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", key_hash);
  return absl::StrCat(name, "+", hex);
}

std::string SignedBy(const ledger::Note& note) {
  std::vector<std::string> who;
  for (const ledger::NoteSignature& s : note.sigs) who.push_back(KeyLabel(s.name, s.key_hash));
  return absl::StrJoin(who, ", ");
}

// `what` read and opened as a checkpoint signed by one of `keys`; a failure
// message names the file and the reason.
absl::StatusOr<ledger::VerifiedCheckpoint> OpenCheckpointFile(const std::string& path,
                                                              const std::vector<NoteVerifier>& keys,
                                                              int* usage) {
  absl::StatusOr<std::string> note = ReadWholeFile(path, ledger::kMaxCheckpointFileBytes);
  if (!note.ok()) {
    *usage = 1;
    return note.status();
  }
  absl::StatusOr<ledger::VerifiedCheckpoint> v = ledger::VerifyCheckpoint(*note, keys);
  if (!v.ok()) {
    return absl::Status(v.status().code(),
                        absl::StrCat("checkpoint ", path, ": ", v.status().message()));
  }
  return v;
}

// Prints the outcome of a `check` and returns its exit status.
int CheckOutcome(const Invocation& inv, const std::string& kind, const absl::Status& result,
                 const std::string& ok_message, JsonObject details) {
  if (inv.global.json) {
    JsonObject o;
    o.Bool("ok", result.ok()).Str("kind", kind);
    if (result.ok()) {
      o.Null("problem").Str("message", ok_message);
    } else {
      o.Str("problem", result.message());
    }
    const std::string d = details.Build();
    if (d != "{}") o.Raw("details", d);
    WriteStdout(o.Build() + "\n");
  } else if (result.ok()) {
    WriteStdout(absl::StrCat("OK: ", ok_message, "\n"));
  }
  if (!result.ok()) return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", result.message()));
  return kExitOk;
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
    WriteStdout(JsonObject()
                    .Str("name", *name)
                    .Str("verifier_key", pair->verifier_key)
                    .Str("key_file", key_path)
                    .Str("pub_file", pub_path)
                    .Build() +
                "\n");
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
    WriteStdout(JsonObject()
                    .Str("origin", c.origin)
                    .Num("tree_size", c.size)
                    .Str("root_hex", merkle::ToHex(c.root))
                    .Str("root_base64", merkle::ToBase64(c.root))
                    .Str("signed_by", KeyLabel(signer->name(), signer->key_hash()))
                    .Str("file", file)
                    .Bool("already_issued", added->already_issued)
                    .Str("checkpoint", *note)
                    .Build() +
                "\n");
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
      std::vector<std::string> quoted;
      for (const std::string& s : i.signers) quoted.push_back(JsonQuote(s));
      WriteStdout(JsonObject()
                      .Str("file", absl::StrCat(store.dir(), "/", i.file))
                      .Str("origin", c.origin)
                      .Num("tree_size", c.size)
                      .Str("root_base64", merkle::ToBase64(c.root))
                      .Raw("signers", absl::StrCat("[", absl::StrJoin(quoted, ","), "]"))
                      .Bool("matches_tree", status == "yes")
                      .Build() +
                  "\n");
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
  const ledger::Head head = db.GetHead();
  const uint64_t size = size_opt->value_or(head.tree_size);
  if (size > head.tree_size) {
    return inv.Fail(kExitNotFound,
                    absl::StrCat("--size ", size, " is past the head (the ledger has ",
                                 head.tree_size, " records)"));
  }
  uint64_t position = 0;
  if (event_id) {
    absl::StatusOr<uint64_t> p = db.FindEvent(*event_id);
    if (!p.ok()) return inv.Fail(p.status(), StatusContext::kRead);
    position = *p;
  } else {
    position = **pos_opt;
  }
  if (position >= size) {
    return inv.Fail(kExitNotFound,
                    absl::StrCat("position ", position, " is not in the tree of size ", size,
                                 size == 0 ? " (it is empty)" : ""));
  }
  absl::StatusOr<ledger::StoredRecord> rec = db.ReadOne(position);
  if (!rec.ok())
    return inv.Fail(rec.status(), StatusContext::kRead, absl::StrCat("position ", position));
  ledger::InclusionProofJson p;
  p.leaf_index = position;
  p.tree_size = size;
  p.leaf_hash = merkle::LeafHash(rec->bytes);
  absl::StatusOr<merkle::Hash> root = db.RootAt(size);
  if (!root.ok()) return inv.Fail(root.status(), StatusContext::kRead);
  p.root = *root;
  absl::StatusOr<std::vector<merkle::Hash>> path =
      merkle::InclusionProof(db.nodes(), position, size);
  if (!path.ok()) return inv.Fail(path.status(), StatusContext::kRead, "building the proof");
  p.proof = *std::move(path);
  // The stored hashes must agree with the record bytes; never hand out a
  // proof that does not verify.
  if (absl::Status v = ledger::VerifyInclusionProof(p); !v.ok()) {
    return inv.Fail(kExitInternal, absl::StrCat("the stored tree does not agree with record ",
                                                position, " (run 'ledger verify'): ", v.message()));
  }
  if (outs.record) {
    if (absl::Status s = WriteAndCommit(*outs.record, rec->bytes); !s.ok()) {
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
  if (size2 > head.tree_size) {
    return inv.Fail(kExitNotFound,
                    absl::StrCat("tree size ", size2, " is past the head (the ledger has ",
                                 head.tree_size, " records)"));
  }
  ledger::ConsistencyProofJson p;
  p.size1 = size1;
  p.size2 = size2;
  absl::StatusOr<merkle::Hash> r1 = db.RootAt(size1);
  if (!r1.ok()) return inv.Fail(r1.status(), StatusContext::kRead);
  absl::StatusOr<merkle::Hash> r2 = db.RootAt(size2);
  if (!r2.ok()) return inv.Fail(r2.status(), StatusContext::kRead);
  p.root1 = *r1;
  p.root2 = *r2;
  absl::StatusOr<std::vector<merkle::Hash>> path =
      merkle::ConsistencyProof(db.nodes(), size1, size2);
  if (!path.ok()) return inv.Fail(path.status(), StatusContext::kRead, "building the proof");
  p.proof = *std::move(path);
  if (absl::Status v = ledger::VerifyConsistencyProof(p); !v.ok()) {
    return inv.Fail(kExitInternal, absl::StrCat("the stored tree is inconsistent (run 'ledger "
                                                "verify'): ",
                                                v.message()));
  }
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
  std::vector<NoteVerifier> keys;
  if (key) {
    absl::StatusOr<std::vector<NoteVerifier>> k = LoadVerifierKeys(*key);
    if (!k.ok()) return inv.UsageError(k.status().message());
    keys = *std::move(k);
  }
  absl::StatusOr<std::string> proof_text = ReadWholeFile(*proof_path, ledger::kMaxProofJsonBytes);
  if (!proof_text.ok()) return FileError(inv, proof_text.status());
  absl::StatusOr<std::string> record = ReadWholeFile(*record_path, ledger::kMaxRecordFileBytes);
  if (!record.ok()) return FileError(inv, record.status());

  JsonObject details;
  auto check = [&]() -> absl::Status {
    absl::StatusOr<ledger::InclusionProofJson> p = ledger::DecodeInclusionProof(*proof_text);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof ", *proof_path, " is malformed: ", p.status().message()));
    }
    details.Num("position", p->leaf_index)
        .Num("tree_size", p->tree_size)
        .Str("root_base64", merkle::ToBase64(p->root));
    enforcement::v1::LedgerRecord rec;
    if (!rec.ParseFromString(*record) || !rec.has_event()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record ", *record_path, " is not a well-formed LedgerRecord with an event"));
    }
    if (rec.position() != p->leaf_index) {
      return absl::InvalidArgumentError(
          absl::StrCat("record ", *record_path, " says position ", rec.position(),
                       " but the proof is for position (leafIdx) ", p->leaf_index));
    }
    const merkle::Hash lh = merkle::LeafHash(*record);
    if (lh != p->leaf_hash) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record at position ", p->leaf_index, " (", *record_path, "): its leaf hash ",
          merkle::ToBase64(lh), " differs from the proof's leafHash ",
          merkle::ToBase64(p->leaf_hash), ": the record is not the one the log committed to"));
    }
    if (absl::Status v = ledger::VerifyInclusionProof(*p); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("position ", p->leaf_index,
                                                     ": the inclusion proof in ", *proof_path,
                                                     " does not verify: ", v.message()));
    }
    if (cp_path) {
      int usage = 0;
      absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpointFile(*cp_path, keys, &usage);
      if (!cp.ok()) return usage ? absl::NotFoundError(cp.status().message()) : cp.status();
      if (cp->checkpoint.size != p->tree_size || cp->checkpoint.root != p->root) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the proof is for tree size ", p->tree_size, " with root ", merkle::ToBase64(p->root),
            " but the checkpoint ", *cp_path, " is for tree size ", cp->checkpoint.size,
            " with root ", merkle::ToBase64(cp->checkpoint.root)));
      }
      details.Str("checkpoint_signed_by", SignedBy(cp->note));
    }
    return absl::OkStatus();
  };
  absl::Status s = check();
  if (s.code() == absl::StatusCode::kNotFound) return FileError(inv, s);
  absl::StatusOr<ledger::InclusionProofJson> p = ledger::DecodeInclusionProof(*proof_text);
  std::string ok_message;
  if (s.ok()) {
    ok_message =
        absl::StrCat("the record at position ", p->leaf_index, " is included in the tree of size ",
                     p->tree_size, " with root ", merkle::ToBase64(p->root));
    if (cp_path) absl::StrAppend(&ok_message, ", as signed in ", *cp_path);
  }
  return CheckOutcome(inv, "inclusion", s, ok_message, details);
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
  std::vector<NoteVerifier> keys;
  if (key) {
    absl::StatusOr<std::vector<NoteVerifier>> k = LoadVerifierKeys(*key);
    if (!k.ok()) return inv.UsageError(k.status().message());
    keys = *std::move(k);
  }
  absl::StatusOr<std::string> proof_text = ReadWholeFile(*proof_path, ledger::kMaxProofJsonBytes);
  if (!proof_text.ok()) return FileError(inv, proof_text.status());
  JsonObject details;
  std::string ok_message;
  auto check = [&]() -> absl::Status {
    absl::StatusOr<ledger::ConsistencyProofJson> p = ledger::DecodeConsistencyProof(*proof_text);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof ", *proof_path, " is malformed: ", p.status().message()));
    }
    details.Num("size1", p->size1)
        .Num("size2", p->size2)
        .Str("root1_base64", merkle::ToBase64(p->root1))
        .Str("root2_base64", merkle::ToBase64(p->root2));
    if (absl::Status v = ledger::VerifyConsistencyProof(*p); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("the consistency proof in ", *proof_path,
                                                     " from tree size ", p->size1, " to tree size ",
                                                     p->size2, " does not verify: ", v.message()));
    }
    ok_message = absl::StrCat("the tree of size ", p->size1, " (root ", merkle::ToBase64(p->root1),
                              ") is a prefix of the tree of size ", p->size2, " (root ",
                              merkle::ToBase64(p->root2), ")");
    if (old_path) {
      std::string origin;
      for (const auto& [path, size, root, which] :
           {std::tuple{*old_path, p->size1, p->root1, "old"},
            std::tuple{*new_path, p->size2, p->root2, "new"}}) {
        int usage = 0;
        absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpointFile(path, keys, &usage);
        if (!cp.ok()) return usage ? absl::NotFoundError(cp.status().message()) : cp.status();
        if (cp->checkpoint.size != size || cp->checkpoint.root != root) {
          return absl::InvalidArgumentError(absl::StrCat(
              "the ", which, " checkpoint ", path, " is for tree size ", cp->checkpoint.size,
              " with root ", merkle::ToBase64(cp->checkpoint.root),
              " but the proof says tree size ", size, " with root ", merkle::ToBase64(root)));
        }
        if (!origin.empty() && cp->checkpoint.origin != origin) {
          return absl::InvalidArgumentError(
              absl::StrCat("the checkpoints are of different logs: \"", origin, "\" and \"",
                           cp->checkpoint.origin, "\""));
        }
        origin = cp->checkpoint.origin;
      }
      absl::StrAppend(&ok_message, "; both checkpoints are signed and match the proof");
    }
    return absl::OkStatus();
  };
  absl::Status s = check();
  if (s.code() == absl::StatusCode::kNotFound) return FileError(inv, s);
  return CheckOutcome(inv, "consistency", s, ok_message, details);
}

int CheckCheckpoint(const Invocation& inv) {
  if (int u = RejectOptions(inv, "checkpoint", {"proof", "record", "old", "new"}); u != kExitOk) {
    return u;
  }
  const std::optional<std::string> cp_path = inv.args.Get("checkpoint");
  const std::optional<std::string> key = inv.args.Get("key");
  const std::optional<std::string> export_path = inv.args.Get("export");
  if (!cp_path || !key) return inv.UsageError("--checkpoint C and --key VKEY are required");
  absl::StatusOr<std::vector<NoteVerifier>> keys = LoadVerifierKeys(*key);
  if (!keys.ok()) return inv.UsageError(keys.status().message());
  int usage = 0;
  absl::StatusOr<ledger::VerifiedCheckpoint> cp = OpenCheckpointFile(*cp_path, *keys, &usage);
  if (!cp.ok() && usage) return FileError(inv, cp.status());
  JsonObject details;
  std::string ok_message;
  auto check = [&]() -> absl::Status {
    if (!cp.ok()) return cp.status();
    const Checkpoint& c = cp->checkpoint;
    details.Str("origin", c.origin)
        .Num("tree_size", c.size)
        .Str("root_base64", merkle::ToBase64(c.root))
        .Str("signed_by", SignedBy(cp->note));
    ok_message =
        absl::StrCat("checkpoint ", *cp_path, ": origin ", c.origin, ", tree size ", c.size,
                     ", root ", merkle::ToBase64(c.root), "; signed by ", SignedBy(cp->note));
    if (!export_path) return absl::OkStatus();
    merkle::CompactRange range;
    std::optional<merkle::Hash> root_at_size;
    if (c.size == 0) root_at_size = merkle::EmptyRoot();
    uint64_t count = 0;
    absl::Status walk = ForEachExportedRecord(
        *export_path, [&](uint64_t position, absl::string_view bytes) -> absl::Status {
          count = position + 1;
          if (position < c.size) {
            range.Append(merkle::LeafHash(bytes), nullptr);
            if (count == c.size) root_at_size = range.Root();
          }
          return absl::OkStatus();
        });
    if (walk.code() == absl::StatusCode::kNotFound ||
        walk.code() == absl::StatusCode::kUnavailable) {
      return absl::NotFoundError(walk.message());
    }
    if (!walk.ok()) return absl::InvalidArgumentError(walk.message());
    if (count < c.size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "export ", *export_path, " has only ", count, " records but the checkpoint covers ",
          c.size, ": the records from position ", count, " on are missing"));
    }
    if (*root_at_size != c.root) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the root of the first ", c.size, " records of ", *export_path, " is ",
          merkle::ToBase64(*root_at_size), " but the checkpoint says ", merkle::ToBase64(c.root),
          ": some record in positions 0\u2013", c.size - 1,
          " differs from what was signed (the root cannot say which; check an inclusion proof "
          "of a record to find it)"));
    }
    details.Num("export_records", count);
    absl::StrAppend(&ok_message, "; the first ", c.size, " records of ", *export_path,
                    " have exactly the signed root",
                    count > c.size ? absl::StrCat(" (the export has ", count, " records)") : "");
    return absl::OkStatus();
  };
  absl::Status s = check();
  if (s.code() == absl::StatusCode::kNotFound) return FileError(inv, s);
  return CheckOutcome(inv, "checkpoint", s, ok_message, details);
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

struct AuditCheck {
  std::string name;
  enum Result { kPass, kFail, kSkipped } result = kSkipped;
  std::string detail;
};

const char* ResultName(AuditCheck::Result r) {
  switch (r) {
    case AuditCheck::kPass:
      return "pass";
    case AuditCheck::kFail:
      return "FAIL";
    case AuditCheck::kSkipped:
      return "skipped";
  }
  return "?";
}

}  // namespace

int RunAudit(const Invocation& inv) {
  const std::optional<std::string> cp_path = inv.args.Get("checkpoint");
  const std::optional<std::string> key = inv.args.Get("key");
  if (!cp_path || !key) {
    return inv.UsageError("--checkpoint OLD.ckpt and --key VKEY are required");
  }
  absl::StatusOr<std::vector<NoteVerifier>> keys = LoadVerifierKeys(*key);
  if (!keys.ok()) return inv.UsageError(keys.status().message());
  absl::StatusOr<std::string> note = ReadWholeFile(*cp_path, ledger::kMaxCheckpointFileBytes);
  if (!note.ok()) return FileError(inv, note.status());

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> opened = OpenLedger(inv.global, OpenMode::kRead);
  if (!opened.ok()) {
    if (opened.status().code() == absl::StatusCode::kDataLoss) {
      return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", opened.status().message()));
    }
    return inv.Fail(opened.status(), StatusContext::kOpen);
  }
  ledger::Ledger& db = **opened;
  const ledger::Head head = db.GetHead();

  std::vector<AuditCheck> checks;
  auto add = [&](std::string name, AuditCheck::Result r, std::string detail) {
    checks.push_back({std::move(name), r, std::move(detail)});
  };
  // 1-5: the signed checkpoint against the stored tree.
  absl::StatusOr<ledger::VerifiedCheckpoint> vc = ledger::VerifyCheckpoint(*note, *keys);
  std::optional<Checkpoint> cp;
  if (vc.ok()) {
    cp = vc->checkpoint;
    add("signature", AuditCheck::kPass, absl::StrCat("signed by ", SignedBy(vc->note)));
  } else {
    add("signature", AuditCheck::kFail, std::string(vc.status().message()));
  }
  const std::string skipped = "skipped: the checkpoint is not trusted";
  bool tree_checks = cp.has_value();
  if (!cp) {
    add("origin", AuditCheck::kSkipped, skipped);
  } else if (cp->origin == head.origin) {
    add("origin", AuditCheck::kPass,
        absl::StrCat("the checkpoint is of this log, \"", head.origin, "\""));
  } else {
    add("origin", AuditCheck::kFail,
        absl::StrCat("the checkpoint is of the log \"", cp->origin, "\" but this ledger is \"",
                     head.origin, "\""));
  }
  if (!cp) {
    add("size", AuditCheck::kSkipped, skipped);
  } else if (cp->size <= head.tree_size) {
    add("size", AuditCheck::kPass,
        absl::StrCat("the checkpoint's tree size ", cp->size, " is within the ledger's ",
                     head.tree_size, " records"));
  } else {
    add("size", AuditCheck::kFail,
        absl::StrCat("the checkpoint says ", cp->size, " records but the ledger has only ",
                     head.tree_size, ": records that were signed are gone"));
    tree_checks = false;
  }
  if (!tree_checks) {
    add("root", AuditCheck::kSkipped, cp ? "skipped: the size is past the head" : skipped);
    add("consistency", AuditCheck::kSkipped, cp ? "skipped: the size is past the head" : skipped);
  } else {
    absl::StatusOr<merkle::Hash> root = db.RootAt(cp->size);
    if (!root.ok()) {
      add("root", AuditCheck::kFail,
          absl::StrCat("cannot compute the stored root at tree size ", cp->size, ": ",
                       root.status().message()));
    } else if (*root == cp->root) {
      add("root", AuditCheck::kPass,
          absl::StrCat("the ledger's root at tree size ", cp->size, " is the signed root ",
                       merkle::ToBase64(cp->root)));
    } else {
      add("root", AuditCheck::kFail,
          absl::StrCat("the ledger's root at tree size ", cp->size, " is ", merkle::ToBase64(*root),
                       " but the checkpoint says ", merkle::ToBase64(cp->root),
                       ": the ledger is not the log that was signed, or it rewrote history"));
    }
    if (cp->size == 0) {
      add("consistency", cp->root == merkle::EmptyRoot() ? AuditCheck::kPass : AuditCheck::kFail,
          "from the empty tree: every tree extends it (its root must be SHA-256(\"\"))");
    } else {
      absl::StatusOr<std::vector<merkle::Hash>> proof =
          merkle::ConsistencyProof(db.nodes(), cp->size, head.tree_size);
      absl::Status v = proof.ok() ? merkle::VerifyConsistency(cp->size, head.tree_size, cp->root,
                                                              head.root, *proof)
                                  : proof.status();
      if (v.ok()) {
        add("consistency", AuditCheck::kPass,
            absl::StrCat("a consistency proof of ", proof->size(), " hashes from tree size ",
                         cp->size, " (the signed root) to tree size ", head.tree_size,
                         " (the head's root), generated from storage, verifies"));
      } else {
        add("consistency", AuditCheck::kFail,
            absl::StrCat("the consistency proof from tree size ", cp->size, " to ", head.tree_size,
                         " does not verify against the signed root: ", v.message()));
      }
    }
  }
  // 6: everything recomputed from the stored bytes.
  ProgressMeter progress("audit: verify", "records");
  absl::StatusOr<ledger::VerifyReport> report =
      db.Verify([&progress](uint64_t done, uint64_t total) {
        progress.Update(done,
                        total > 0 ? static_cast<double>(done) / static_cast<double>(total) : -1.0);
      });
  progress.Finish();
  if (!report.ok()) {
    add("verify", AuditCheck::kFail,
        absl::StrCat("verification stopped: ", report.status().message()));
  } else if (report->ok()) {
    add("verify", AuditCheck::kPass,
        absl::StrCat(report->records_checked,
                     " records: leaf hashes from the stored bytes, every stored Merkle node, the "
                     "head's root, the stream, event-id and retraction indexes"));
  } else {
    add("verify", AuditCheck::kFail,
        absl::StrCat(report->first_bad_position
                         ? absl::StrCat("at position ", *report->first_bad_position, ": ")
                         : std::string(),
                     report->problem));
  }
  // 7: every checkpoint this ledger issued still matches its tree.
  {
    ledger::CheckpointStore store(inv.global.db);
    absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> issued = store.List();
    if (!issued.ok()) {
      add("issued checkpoints", AuditCheck::kFail, std::string(issued.status().message()));
    } else {
      std::string bad;
      for (const ledger::IssuedCheckpoint& i : *issued) {
        const Checkpoint& c = i.checkpoint;
        if (c.origin != head.origin || c.size > head.tree_size) {
          bad = absl::StrCat("checkpoints/", i.file, " (tree size ", c.size, ", origin \"",
                             c.origin, "\") is not a checkpoint of this ledger's tree");
          break;
        }
        absl::StatusOr<merkle::Hash> r = db.RootAt(c.size);
        if (!r.ok() || *r != c.root) {
          bad = absl::StrCat("checkpoints/", i.file, " says root ", merkle::ToBase64(c.root),
                             " for tree size ", c.size, " but the ledger's root there is ",
                             r.ok() ? merkle::ToBase64(*r) : std::string(r.status().message()));
          break;
        }
      }
      if (!bad.empty()) {
        add("issued checkpoints", AuditCheck::kFail, bad);
      } else {
        add("issued checkpoints", AuditCheck::kPass,
            issued->empty() ? std::string("none issued by this ledger")
                            : absl::StrCat("all ", issued->size(),
                                           " checkpoints in checkpoints/ match the tree"));
      }
    }
  }

  bool ok = true;
  std::string first_failure;
  for (const AuditCheck& c : checks) {
    if (c.result != AuditCheck::kPass) {
      ok = false;
      if (first_failure.empty() && c.result == AuditCheck::kFail) {
        first_failure = absl::StrCat(c.name, ": ", c.detail);
      }
    }
  }
  if (inv.global.json) {
    JsonObject o;
    o.Bool("ok", ok);
    if (cp) {
      o.Raw("checkpoint", JsonObject()
                              .Str("file", *cp_path)
                              .Str("origin", cp->origin)
                              .Num("tree_size", cp->size)
                              .Str("root_hex", merkle::ToHex(cp->root))
                              .Str("root_base64", merkle::ToBase64(cp->root))
                              .Str("signed_by", SignedBy(vc->note))
                              .Build());
    } else {
      o.Null("checkpoint");
    }
    o.Raw("head", JsonObject()
                      .Str("db", inv.global.db)
                      .Str("origin", head.origin)
                      .Num("tree_size", head.tree_size)
                      .Str("root_hex", merkle::ToHex(head.root))
                      .Str("root_base64", merkle::ToBase64(head.root))
                      .Build());
    std::vector<std::string> items;
    for (const AuditCheck& c : checks) {
      items.push_back(JsonObject()
                          .Str("check", c.name)
                          .Str("result", ResultName(c.result))
                          .Str("detail", c.detail)
                          .Build());
    }
    o.Raw("checks", absl::StrCat("[", absl::StrJoin(items, ","), "]"));
    if (report.ok()) {
      o.Num("records_checked", report->records_checked);
    } else {
      o.Null("records_checked");
    }
    if (ok) {
      o.Null("problem");
    } else {
      o.Str("problem", first_failure);
    }
    WriteStdout(o.Build() + "\n");
  } else {
    PrintKeyValues(
        {{"checkpoint", cp ? absl::StrCat(*cp_path, ": origin ", cp->origin, ", tree size ",
                                          cp->size, ", root ", merkle::ToBase64(cp->root))
                           : absl::StrCat(*cp_path, " (not verified)")},
         {"ledger", absl::StrCat(inv.global.db, ": origin ", head.origin, ", tree size ",
                                 head.tree_size, ", root ", merkle::ToBase64(head.root))}});
    WriteStdout("\n");
    {
      TablePrinter table({"CHECK", "RESULT", "DETAIL"});
      for (const AuditCheck& c : checks) table.AddRow({c.name, ResultName(c.result), c.detail});
    }
    WriteStdout("\n");
    PrintKeyValues(
        {{"result",
          ok ? absl::StrCat("PASS: the ledger (tree size ", head.tree_size,
                            ") is an append-only extension of the signed checkpoint (tree size ",
                            cp->size, "), and everything recomputed from the stored bytes agrees")
             : "FAIL"}});
  }
  if (!ok) return inv.Fail(kExitVerifyFailed, absl::StrCat("FAILED: ", first_failure));
  return kExitOk;
}

}  // namespace cli
