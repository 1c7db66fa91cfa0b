// Ed25519 signed notes, byte for byte the format of Go's
// golang.org/x/mod/sumdb/note and of the C2SP signed-note spec
// (c2sp.org/signed-note), so that any implementation of either can verify
// what the ledger signs and the other way round. docs/TAMPER_EVIDENCE.md has
// the grammar and a worked example.
//
//   key name   non-empty UTF-8, no Unicode space (Go's unicode.IsSpace), no '+'
//   key hash   first 4 bytes, big-endian, of
//              SHA-256(name || 0x0A || 0x01 || 32-byte Ed25519 public key)
//   verifier   "<name>+<hash as 8 hex digits>+<base64(0x01 || public key)>"
//   signer     "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || 32-byte seed)>"
//   note       text (ending in "\n"), "\n", then one or more lines
//              "— <name> <base64(key hash || 64-byte signature)>\n"
//              (em dash U+2014, space). The signature covers the text
//              including its final newline, not the blank line.
//
// Where this is stricter than Go (documented so that nobody is surprised):
// base64 in keys and signature lines must be canonical standard base64 with
// padding (Go's decoder also takes non-zero trailing bits and ignores CR/LF),
// and SignNote refuses text that OpenNote would refuse (Go signs it anyway).
//
// Thread-safety: all types are values; const methods may be called from any
// thread. No function keeps a reference to its arguments.
#ifndef ENFORCEMENT_CHECKPOINTS_NOTE_H_
#define ENFORCEMENT_CHECKPOINTS_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "util/utf8.h"

namespace ledger {

// The signature-type byte of Ed25519 (C2SP signed-note §Signature types;
// Go's algEd25519).
inline constexpr uint8_t kNoteAlgEd25519 = 0x01;
// Go's Open refuses notes with more signature lines than this; so do we.
// (C2SP requires accepting at least 16.)
inline constexpr int kMaxNoteSignatures = 100;

// Reports whether `name` may be a key name: non-empty, valid UTF-8, no
// Unicode white space and no '+'.
bool IsValidNoteKeyName(absl::string_view name);

// The 32-bit key hash of a key: the first four bytes, big-endian, of
// SHA-256(name || "\n" || alg_and_key), where alg_and_key is the algorithm
// byte followed by the public key bytes.
uint32_t NoteKeyHash(absl::string_view name, absl::string_view alg_and_key);

// Valid UTF-8 as Go's utf8.ValidString defines it (no overlong forms,
// surrogates or code points above U+10FFFF): util/utf8.h.
using ::util::IsValidUtf8;

// OK when `msg` may appear in a note: valid UTF-8 with no ASCII control
// character other than newline. kInvalidArgument naming the byte offset
// otherwise.
absl::Status CheckNoteCharacters(absl::string_view msg);

// A public key that can check signatures: parsed from a verifier key string.
class NoteVerifier {
 public:
  // Parses "<name>+<hash>+<base64>". kInvalidArgument, saying which part is
  // wrong, for: a PRIVATE+KEY string, a bad name, a hash that is not 8 hex
  // digits, non-canonical base64, an algorithm other than Ed25519, a key that
  // is not 32 bytes, or a hash that does not match the name and key.
  static absl::StatusOr<NoteVerifier> Parse(absl::string_view vkey);
  // A verifier for a raw 32-byte Ed25519 public key (Go's
  // NewEd25519VerifierKey). kInvalidArgument for a bad name or key size.
  static absl::StatusOr<NoteVerifier> FromEd25519PublicKey(absl::string_view name,
                                                           absl::string_view public_key);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  const std::string& public_key() const { return public_key_; }  // 32 raw bytes
  // The verifier key string, "<name>+<hash>+<base64>".
  std::string ToString() const;
  // Whether `signature` (64 bytes, without the key-hash prefix) is a valid
  // Ed25519 signature of `msg` by this key.
  bool Verify(absl::string_view msg, absl::string_view signature) const;

 private:
  NoteVerifier() = default;
  std::string name_;
  uint32_t key_hash_ = 0;
  std::string public_key_;
};

// A private key that can sign. The seed is secret: it is wiped from memory
// when the object is destroyed; ToString() reveals it.
class NoteSigner {
 public:
  // Parses "PRIVATE+KEY+<name>+<hash>+<base64>". kInvalidArgument on the
  // same grounds as NoteVerifier::Parse, the hash being checked against the
  // public key derived from the seed.
  static absl::StatusOr<NoteSigner> Parse(absl::string_view skey);

  NoteSigner(const NoteSigner&) = default;
  NoteSigner& operator=(const NoteSigner&) = default;
  NoteSigner(NoteSigner&&) = default;
  NoteSigner& operator=(NoteSigner&&) = default;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  // The matching public key.
  NoteVerifier Verifier() const;
  // The signer key string "PRIVATE+KEY+..." (secret).
  std::string ToString() const;
  // The 64-byte Ed25519 signature of `msg`. kInternal if OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view msg) const;

 private:
  NoteSigner() = default;
  std::string name_;
  uint32_t key_hash_ = 0;
  std::string seed_;        // 32 bytes, secret
  std::string public_key_;  // 32 bytes
};

// A freshly generated key pair as key strings (Go's GenerateKey).
struct NoteKeyPair {
  std::string signer_key;    // PRIVATE+KEY+<name>+<hash>+<base64>; keep secret
  std::string verifier_key;  // <name>+<hash>+<base64>; give to verifiers
};
// Generates an Ed25519 key pair named `name` from the OpenSSL CSPRNG.
// kInvalidArgument for a bad name; kInternal if OpenSSL fails.
absl::StatusOr<NoteKeyPair> GenerateNoteKey(absl::string_view name);

// One signature line of a note.
struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string base64;  // base64(key hash || signature), as on the line
  bool operator==(const NoteSignature&) const = default;
};

// A note: its text and its signatures.
struct Note {
  std::string text;                            // ends with "\n"
  std::vector<NoteSignature> sigs;             // verified by a known key
  std::vector<NoteSignature> unverified_sigs;  // by keys not known to the caller
};

// Signs note.text with each signer and returns the encoded note: the text, a
// blank line, the existing signatures of `note` (sigs, then unverified_sigs)
// except those by the same name and key hash as a new signer, then one line
// per signer. As Go's note.Sign. kInvalidArgument if the text does not end
// with a newline or is not valid note text, a signer name is invalid, or an
// existing signature is malformed.
absl::StatusOr<std::string> SignNote(const Note& note, absl::Span<const NoteSigner> signers);
// Shorthand: a note with `text` and no existing signature, one signer.
absl::StatusOr<std::string> SignNote(absl::string_view text, const NoteSigner& signer);

// Parses `msg` and checks every signature by a key in `known` (matched by
// name and key hash; other signatures are kept unverified and not checked,
// as C2SP requires). As Go's note.Open:
//  - kInvalidArgument "malformed note: ..." when msg is not valid UTF-8,
//    has a control character other than newline, has no blank line before
//    the signature block, does not end in a newline, has a signature line
//    that is not "— <valid name> <base64 of at least 5 bytes>", or has more
//    than kMaxNoteSignatures signature lines; also when two entries of
//    `known` have the same name and key hash and a signature needs one.
//  - kUnauthenticated "invalid signature for key <name>+<hash>" when a
//    signature by a known key does not verify;
//  - kUnauthenticated "note has no verifiable signatures ..." when no
//    signature is by a known key.
// Repeated identical signatures are reported once.
absl::StatusOr<Note> OpenNote(absl::string_view msg, absl::Span<const NoteVerifier> known);

}  // namespace ledger

#endif  // ENFORCEMENT_CHECKPOINTS_NOTE_H_
