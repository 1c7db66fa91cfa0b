// File handling of the tamper-evidence checks (audit/) and of the commands
// of `ledger` that use them (keygen, checkpoint, checkpoints, prove, check,
// audit; tools/cli/commands_audit.cc):
// reading the files an auditor hands over, loading keys, creating key files
// exclusively, and walking a delimited export. Outputs are written with
// util/output_file.h.
//
// None of these functions opens a ledger: audit/check.h uses them to verify
// proofs, checkpoints and exports from files alone.
//
// Error codes: kNotFound / kUnavailable for files that cannot be read or
// written (the caller named a wrong file); kAlreadyExists when an exclusive
// create finds the file; kInvalidArgument for malformed keys;
// kFailedPrecondition for a malformed or inconsistent export (a failed
// check). Thread-compatible: no shared state beyond the files named.
#ifndef ENFORCEMENT_AUDIT_AUDIT_IO_H_
#define ENFORCEMENT_AUDIT_AUDIT_IO_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "util/file_io.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"

namespace audit {

// The whole regular file at `path` (binary), at most `max_bytes`: see
// ledger::ReadWholeFile (a FIFO, a device or a larger file is
// kInvalidArgument; hostile inputs are expected). The limits of each kind
// of file are in util/file_io.h and docs/FILES.md.
using ledger::ReadWholeFile;

// Creates `path` with open(O_CREAT | O_EXCL, mode), so that an existing file
// (or a symlink planted there) is never overwritten or followed, writes
// `data` and fsyncs. kAlreadyExists if `path` exists.
absl::Status CreateFileExclusively(const std::string& path, absl::string_view data, mode_t mode);

// Verifier keys from a --key argument: "@FILE" or the path of an existing
// file (one key per non-empty line, e.g. what `ledger keygen` writes to
// PREFIX.pub), else the verifier key string itself.
absl::StatusOr<std::vector<ledger::NoteVerifier>> LoadVerifierKeys(const std::string& arg);

// The signer key in the file at `path` (what `ledger keygen` writes to
// PREFIX.key): "PRIVATE+KEY+..." on one line, in a regular file of at most
// ledger::kMaxSignerKeyFileBytes. A file readable or writable by group or
// others is kPermissionDenied, as ssh refuses such a private key (checked
// with fstat on the file read). `id`, if not null, receives the file's
// identity, so that no output of the command can replace it.
absl::StatusOr<ledger::NoteSigner> LoadSignerKey(const std::string& path,
                                                 ledger::FileId* id = nullptr);

// A delimited export (varint length, then LedgerRecord bytes, repeated),
// walked record by record. Checks the framing and that each record is a
// well-formed LedgerRecord whose position field equals its index, and
// reports the first problem as kFailedPrecondition naming the record's
// position and byte offset. `fn` is called for every good record in order;
// its error stops the walk.
absl::Status ForEachExportedRecord(
    const std::string& path,
    const std::function<absl::Status(uint64_t position, absl::string_view bytes)>& fn);

}  // namespace audit

#endif  // ENFORCEMENT_AUDIT_AUDIT_IO_H_
