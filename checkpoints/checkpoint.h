// Checkpoints: the signed statement "the log <origin> has <size> records and
// this Merkle root", in the C2SP tlog-checkpoint format (c2sp.org/
// tlog-checkpoint), which is a signed note (checkpoints/note.h) whose text is
//
//   <origin>\n
//   <tree size, ASCII decimal, no leading zeros>\n
//   <RFC 6962 root hash, standard base64 of 32 bytes>\n
//   [<extension line, non-empty>\n]...
//
// docs/TAMPER_EVIDENCE.md has a worked example. Thread-safety: pure functions
// over values.
#ifndef ENFORCEMENT_CHECKPOINTS_CHECKPOINT_H_
#define ENFORCEMENT_CHECKPOINTS_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "merkle/merkle.h"
#include "checkpoints/note.h"

namespace ledger {

struct Checkpoint {
  std::string origin;                   // non-empty, one line
  uint64_t size = 0;                    // number of records (leaves)
  merkle::Hash root{};                  // root of the tree of the first `size` records
  std::vector<std::string> extensions;  // optional extra lines, each non-empty
  bool operator==(const Checkpoint&) const = default;
};

// The note text of `c`. kInvalidArgument if the origin is empty or any line
// holds a newline, a control character or invalid UTF-8, or an extension
// line is empty.
absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& c);

// Parses checkpoint note text (what OpenNote returns as Note::text, not the
// whole signed note). Strict: the text must end with a newline and have at
// least three lines; the origin must be non-empty; the size must be decimal
// digits without sign, leading zeros (except "0" itself) or overflow; the
// root must be canonical base64 of exactly 32 bytes; extension lines must be
// non-empty. kInvalidArgument naming the line otherwise.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text);

// FormatCheckpoint, then SignNote with `signer`. The C2SP spec recommends
// that the key name equal the origin; this is not enforced.
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer);

struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  Note note;  // the text and which keys signed it
};
// OpenNote(signed_note, known), then ParseCheckpoint of its text. Errors are
// those of OpenNote (kInvalidArgument malformed, kUnauthenticated bad or no
// known signature) and of ParseCheckpoint (kInvalidArgument, messages
// starting with "checkpoint").
absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(absl::string_view signed_note,
                                                    absl::Span<const NoteVerifier> known);
absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(absl::string_view signed_note,
                                                    const NoteVerifier& verifier);

}  // namespace ledger

#endif  // ENFORCEMENT_CHECKPOINTS_CHECKPOINT_H_
