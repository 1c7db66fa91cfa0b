// C2SP tlog-checkpoint bodies; see checkpoint.h.
#include "checkpoints/checkpoint.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ledger {
namespace {

// ASCII decimal without sign or leading zeros, fitting uint64.
bool ParseTreeSize(absl::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (~uint64_t{0} - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

absl::Status CheckLine(absl::string_view what, absl::string_view line) {
  if (line.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  if (absl::StrContains(line, '\n')) {
    return absl::InvalidArgumentError(absl::StrCat(what, " contains a newline"));
  }
  if (absl::Status s = CheckNoteCharacters(line); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& c) {
  if (absl::Status s = CheckLine("checkpoint origin", c.origin); !s.ok()) return s;
  std::string out = absl::StrCat(c.origin, "\n", c.size, "\n", merkle::ToBase64(c.root), "\n");
  for (size_t i = 0; i < c.extensions.size(); ++i) {
    if (absl::Status s = CheckLine(absl::StrCat("checkpoint extension line ", i), c.extensions[i]);
        !s.ok()) {
      return s;
    }
    absl::StrAppend(&out, c.extensions[i], "\n");
  }
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text) {
  if (!absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("checkpoint text does not end with a newline");
  }
  if (absl::Status s = CheckNoteCharacters(text); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint text: ", s.message()));
  }
  text.remove_suffix(1);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint has ", lines.size(), " line(s); want origin, tree size and root hash"));
  }
  Checkpoint c;
  if (lines[0].empty()) return absl::InvalidArgumentError("checkpoint line 1 (origin) is empty");
  c.origin = std::string(lines[0]);
  if (!ParseTreeSize(lines[1], &c.size)) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint line 2 (tree size) \"", absl::CHexEscape(lines[1]),
                     "\" is not a decimal number without sign or leading zeros that fits 64 bits"));
  }
  absl::StatusOr<merkle::Hash> root = merkle::FromBase64(lines[2]);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint line 3 (root hash): ", root.status().message()));
  }
  c.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint line ", i + 1, " (extension) is empty"));
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer) {
  absl::StatusOr<std::string> text = FormatCheckpoint(c);
  if (!text.ok()) return text.status();
  return SignNote(*text, signer);
}

absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(absl::string_view signed_note,
                                                    absl::Span<const NoteVerifier> known) {
  absl::StatusOr<Note> note = OpenNote(signed_note, known);
  if (!note.ok()) return note.status();
  absl::StatusOr<Checkpoint> c = ParseCheckpoint(note->text);
  if (!c.ok()) return c.status();
  VerifiedCheckpoint out;
  out.checkpoint = *std::move(c);
  out.note = *std::move(note);
  return out;
}

absl::StatusOr<VerifiedCheckpoint> VerifyCheckpoint(absl::string_view signed_note,
                                                    const NoteVerifier& verifier) {
  return VerifyCheckpoint(signed_note, absl::MakeConstSpan(&verifier, 1));
}

}  // namespace ledger
