// Signed notes; see note.h and docs/TAMPER_EVIDENCE.md. The rules follow
// golang.org/x/mod/sumdb/note (note.go) and c2sp.org/signed-note.
#include "checkpoints/note.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace ledger {
namespace {

// UTF-8 of U+2014 EM DASH followed by a space: the start of a signature line.
constexpr absl::string_view kSigPrefix = "\xE2\x80\x94 ";
constexpr absl::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SigSize = 64;

// Decodes the UTF-8 sequence at s[i], as Go's utf8.DecodeRune: returns the
// code point and sets *len, or returns -1 for an invalid sequence (bad lead
// byte, bad continuation, overlong form, surrogate, above U+10FFFF).
int32_t DecodeRune(absl::string_view s, size_t i, size_t* len) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c0 = b(i);
  if (c0 < 0x80) {
    *len = 1;
    return c0;
  }
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;
  int32_t cp;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    n = 2, cp = c0 & 0x1F;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    n = 3, cp = c0 & 0x0F;
    if (c0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (c0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    n = 4, cp = c0 & 0x07;
    if (c0 == 0xF0) lo = 0x90;  // no overlong forms
    if (c0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    const uint8_t c = b(i + k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  *len = n;
  return cp;
}

// Go's unicode.IsSpace: the Unicode White_Space property.
bool IsUnicodeSpace(int32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

std::string Sha256(absl::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

// Standard base64 with padding, in its one canonical spelling.
bool DecodeCanonicalBase64(absl::string_view b64, std::string* out) {
  return absl::Base64Unescape(b64, out) && absl::Base64Escape(*out) == b64;
}

// The first four bytes of s, big-endian. REQUIRES: s.size() >= 4.
uint32_t BigEndian32(absl::string_view s) {
  return (uint32_t{static_cast<uint8_t>(s[0])} << 24) | (uint32_t{static_cast<uint8_t>(s[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[2])} << 8) | uint32_t{static_cast<uint8_t>(s[3])};
}

std::string HashHex(uint32_t h) { return absl::StrFormat("%08x", h); }

// Parses the key hash field: exactly 8 hex digits (Go: len 8 and
// strconv.ParseUint(s, 16, 32), which takes either case).
bool ParseKeyHash(absl::string_view s, uint32_t* out) {
  if (s.size() != 8) return false;
  uint32_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

// Splits s at the first `sep` (Go's chop): before, and after (empty if absent).
std::pair<absl::string_view, absl::string_view> Chop(absl::string_view s, char sep) {
  const size_t i = s.find(sep);
  if (i == absl::string_view::npos) return {s, absl::string_view()};
  return {s.substr(0, i), s.substr(i + 1)};
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The public key of an Ed25519 seed, or empty on OpenSSL failure.
std::string PublicKeyOfSeed(absl::string_view seed) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  if (!pkey) return "";
  std::string pub(kEd25519KeySize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(pub.data()),
                                  &len) != 1 ||
      len != kEd25519KeySize) {
    return "";
  }
  return pub;
}

std::string AlgAndKey(absl::string_view key) {
  std::string out(1, static_cast<char>(kNoteAlgEd25519));
  out.append(key.data(), key.size());
  return out;
}

// Decodes the "<base64(alg || key)>" part of a key string; `what` names the
// kind of key in errors.
absl::StatusOr<std::string> DecodeKeyData(absl::string_view b64, absl::string_view what) {
  std::string raw;
  if (b64.empty() || !DecodeCanonicalBase64(b64, &raw) || raw.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " key data is not canonical base64: \"", absl::CHexEscape(b64), "\""));
  }
  if (static_cast<uint8_t>(raw[0]) != kNoteAlgEd25519) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s key has algorithm byte 0x%02x; only Ed25519 (0x01) is known", what,
                        static_cast<uint8_t>(raw[0])));
  }
  if (raw.size() != 1 + kEd25519KeySize) {
    return absl::InvalidArgumentError(absl::StrCat(what, " key is ", raw.size() - 1,
                                                   " bytes after the algorithm byte, want 32"));
  }
  std::string key = raw.substr(1);
  OPENSSL_cleanse(raw.data(), raw.size());  // may be a secret seed
  return key;
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed note: ", why));
}

}  // namespace

bool IsValidNoteKeyName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    size_t len = 0;
    const int32_t r = DecodeRune(name, i, &len);
    if (r < 0 || r == '+' || IsUnicodeSpace(r)) return false;
    i += len;
  }
  return true;
}

uint32_t NoteKeyHash(absl::string_view name, absl::string_view alg_and_key) {
  return BigEndian32(Sha256(absl::StrCat(name, "\n", alg_and_key)));
}

absl::Status CheckNoteCharacters(absl::string_view msg) {
  for (size_t i = 0; i < msg.size();) {
    size_t len = 0;
    const int32_t r = DecodeRune(msg, i, &len);
    if (r < 0) return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", i));
    if (r < 0x20 && r != '\n') {
      return absl::InvalidArgumentError(
          absl::StrFormat("control character 0x%02x at byte %d", r, i));
    }
    i += len;
  }
  return absl::OkStatus();
}

// --- NoteVerifier ------------------------------------------------------------

absl::StatusOr<NoteVerifier> NoteVerifier::Parse(absl::string_view vkey) {
  if (absl::StartsWith(vkey, kPrivateKeyPrefix)) {
    return absl::InvalidArgumentError(
        "this is a private signer key (PRIVATE+KEY+...), not a verifier key");
  }
  const auto [name, rest] = Chop(vkey, '+');
  const auto [hash16, key64] = Chop(rest, '+');
  if (!IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verifier key name \"", absl::CHexEscape(name),
        "\" is invalid: want non-empty UTF-8 without spaces or '+' (format <name>+<hash>+<key>)"));
  }
  uint32_t hash = 0;
  if (!ParseKeyHash(hash16, &hash)) {
    return absl::InvalidArgumentError(absl::StrCat("verifier key hash \"", absl::CHexEscape(hash16),
                                                   "\" is not 8 hex digits"));
  }
  absl::StatusOr<std::string> key = DecodeKeyData(key64, "verifier");
  if (!key.ok()) return key.status();
  const uint32_t want = NoteKeyHash(name, AlgAndKey(*key));
  if (hash != want) {
    return absl::InvalidArgumentError(absl::StrCat("verifier key hash ", hash16,
                                                   " does not match the name and key (want ",
                                                   HashHex(want), ")"));
  }
  NoteVerifier v;
  v.name_ = std::string(name);
  v.key_hash_ = hash;
  v.public_key_ = *std::move(key);
  return v;
}

absl::StatusOr<NoteVerifier> NoteVerifier::FromEd25519PublicKey(absl::string_view name,
                                                                absl::string_view public_key) {
  if (!IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key name \"", absl::CHexEscape(name), "\" is invalid"));
  }
  if (public_key.size() != kEd25519KeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key is ", public_key.size(), " bytes, want 32"));
  }
  NoteVerifier v;
  v.name_ = std::string(name);
  v.public_key_ = std::string(public_key);
  v.key_hash_ = NoteKeyHash(name, AlgAndKey(public_key));
  return v;
}

std::string NoteVerifier::ToString() const {
  return absl::StrCat(name_, "+", HashHex(key_hash_), "+", absl::Base64Escape(AlgAndKey(public_key_)));
}

bool NoteVerifier::Verify(absl::string_view msg, absl::string_view signature) const {
  if (signature.size() != kEd25519SigSize) return false;
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key_),
                                           public_key_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(msg),
                          msg.size()) == 1;
}

// --- NoteSigner --------------------------------------------------------------

absl::StatusOr<NoteSigner> NoteSigner::Parse(absl::string_view skey) {
  if (!absl::StartsWith(skey, kPrivateKeyPrefix)) {
    return absl::InvalidArgumentError(
        "signer key does not start with PRIVATE+KEY+ (format PRIVATE+KEY+<name>+<hash>+<key>)");
  }
  skey.remove_prefix(kPrivateKeyPrefix.size());
  const auto [name, rest] = Chop(skey, '+');
  const auto [hash16, key64] = Chop(rest, '+');
  if (!IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("signer key name \"", absl::CHexEscape(name),
                     "\" is invalid: want non-empty UTF-8 without spaces or '+'"));
  }
  uint32_t hash = 0;
  if (!ParseKeyHash(hash16, &hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("signer key hash \"", absl::CHexEscape(hash16), "\" is not 8 hex digits"));
  }
  absl::StatusOr<std::string> seed = DecodeKeyData(key64, "signer");
  if (!seed.ok()) return seed.status();
  NoteSigner s;
  s.seed_ = *std::move(seed);
  s.public_key_ = PublicKeyOfSeed(s.seed_);
  if (s.public_key_.empty()) return absl::InternalError("OpenSSL could not load the Ed25519 seed");
  // The hash is of the public key, so it can only be checked after deriving it.
  const uint32_t want = NoteKeyHash(name, AlgAndKey(s.public_key_));
  if (hash != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signer key hash ", hash16, " does not match the name and key (want ", HashHex(want), ")"));
  }
  s.name_ = std::string(name);
  s.key_hash_ = hash;
  return s;
}

NoteSigner::~NoteSigner() {
  if (!seed_.empty()) OPENSSL_cleanse(seed_.data(), seed_.size());
}

NoteVerifier NoteSigner::Verifier() const {
  // Cannot fail: the name and key were checked by Parse.
  return *NoteVerifier::FromEd25519PublicKey(name_, public_key_);
}

std::string NoteSigner::ToString() const {
  return absl::StrCat(kPrivateKeyPrefix, name_, "+", HashHex(key_hash_), "+",
                      absl::Base64Escape(AlgAndKey(seed_)));
}

absl::StatusOr<std::string> NoteSigner::Sign(absl::string_view msg) const {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed_), seed_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return absl::InternalError("OpenSSL could not set up Ed25519 signing");
  // Ed25519 is used without a separate digest: md is NULL.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return absl::InternalError("EVP_DigestSignInit failed for Ed25519");
  }
  std::string sig(kEd25519SigSize, '\0');
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(msg),
                     msg.size()) != 1 ||
      len != kEd25519SigSize) {
    return absl::InternalError("EVP_DigestSign failed for Ed25519");
  }
  return sig;
}

absl::StatusOr<NoteKeyPair> GenerateNoteKey(absl::string_view name) {
  if (!IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key name \"", absl::CHexEscape(name),
        "\" is invalid: want non-empty UTF-8 without spaces or '+', e.g. example.org/ledger"));
  }
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return absl::InternalError("OpenSSL could not generate an Ed25519 key");
  }
  PkeyPtr pkey(raw);
  std::string seed(kEd25519KeySize, '\0');
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &len) != 1 ||
      len != kEd25519KeySize) {
    return absl::InternalError("OpenSSL could not export the Ed25519 seed");
  }
  const std::string pub = PublicKeyOfSeed(seed);
  if (pub.empty()) return absl::InternalError("OpenSSL could not derive the Ed25519 public key");
  const std::string hash = HashHex(NoteKeyHash(name, AlgAndKey(pub)));
  NoteKeyPair out;
  out.signer_key =
      absl::StrCat(kPrivateKeyPrefix, name, "+", hash, "+", absl::Base64Escape(AlgAndKey(seed)));
  out.verifier_key = absl::StrCat(name, "+", hash, "+", absl::Base64Escape(AlgAndKey(pub)));
  OPENSSL_cleanse(seed.data(), seed.size());
  return out;
}

// --- Notes -------------------------------------------------------------------

absl::StatusOr<std::string> SignNote(const Note& note, absl::Span<const NoteSigner> signers) {
  if (!absl::EndsWith(note.text, "\n")) return Malformed("text does not end with a newline");
  if (absl::Status s = CheckNoteCharacters(note.text); !s.ok()) {
    return Malformed(absl::StrCat("text: ", s.message()));
  }
  std::string out = note.text;
  std::string new_sigs;
  std::set<std::pair<std::string, uint32_t>> have;
  for (const NoteSigner& s : signers) {
    if (!IsValidNoteKeyName(s.name())) {
      return absl::InvalidArgumentError(absl::StrCat("invalid signer name \"", s.name(), "\""));
    }
    have.emplace(s.name(), s.key_hash());
    absl::StatusOr<std::string> sig = s.Sign(note.text);
    if (!sig.ok()) return sig.status();
    const uint32_t h = s.key_hash();
    std::string raw = {static_cast<char>(h >> 24), static_cast<char>(h >> 16),
                       static_cast<char>(h >> 8), static_cast<char>(h)};
    raw += *sig;
    absl::StrAppend(&new_sigs, kSigPrefix, s.name(), " ", absl::Base64Escape(raw), "\n");
  }
  out += "\n";
  for (const std::vector<NoteSignature>* list : {&note.sigs, &note.unverified_sigs}) {
    for (const NoteSignature& sig : *list) {
      if (!IsValidNoteKeyName(sig.name)) {
        return Malformed(absl::StrCat("existing signature has invalid name \"", sig.name, "\""));
      }
      if (have.count({sig.name, sig.key_hash}) > 0) continue;  // replaced by a new signature
      std::string raw;
      if (!DecodeCanonicalBase64(sig.base64, &raw) || raw.size() < 5 ||
          BigEndian32(raw) != sig.key_hash) {
        return Malformed(absl::StrCat("existing signature by ", sig.name,
                                      " does not encode its key hash ", HashHex(sig.key_hash)));
      }
      absl::StrAppend(&out, kSigPrefix, sig.name, " ", sig.base64, "\n");
    }
  }
  out += new_sigs;
  return out;
}

absl::StatusOr<std::string> SignNote(absl::string_view text, const NoteSigner& signer) {
  Note n;
  n.text = std::string(text);
  return SignNote(n, absl::MakeConstSpan(&signer, 1));
}

absl::StatusOr<Note> OpenNote(absl::string_view msg, absl::Span<const NoteVerifier> known) {
  if (absl::Status s = CheckNoteCharacters(msg); !s.ok()) return Malformed(s.message());
  // The text ends at the last blank line; what follows are signature lines.
  const size_t split = msg.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return Malformed("no blank line between the text and the signatures");
  }
  Note n;
  n.text = std::string(msg.substr(0, split + 1));
  absl::string_view sigs = msg.substr(split + 2);
  if (sigs.empty()) return Malformed("no signature lines after the blank line");
  if (sigs.back() != '\n') return Malformed("the last signature line does not end with a newline");

  std::set<std::pair<std::string, uint32_t>> seen;
  std::set<std::string> seen_unverified;
  int line_no = 0;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // found: sigs ends with '\n'
    absl::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    ++line_no;
    if (!absl::ConsumePrefix(&line, kSigPrefix)) {
      return Malformed(absl::StrCat("signature line ", line_no,
                                    " does not start with an em dash (U+2014) and a space"));
    }
    const auto [name, b64] = Chop(line, ' ');
    std::string raw;
    if (!IsValidNoteKeyName(name)) {
      return Malformed(absl::StrCat("signature line ", line_no, " has an invalid key name"));
    }
    if (b64.empty() || !DecodeCanonicalBase64(b64, &raw) || raw.size() < 5) {
      return Malformed(absl::StrCat("signature line ", line_no, " (", name,
                                    ") is not canonical base64 of a key hash and a signature"));
    }
    if (line_no > kMaxNoteSignatures) {
      return Malformed(absl::StrCat("more than ", kMaxNoteSignatures, " signatures"));
    }
    const uint32_t hash = BigEndian32(raw);
    const NoteVerifier* verifier = nullptr;
    int matches = 0;
    for (const NoteVerifier& v : known) {
      if (v.name() == name && v.key_hash() == hash) {
        verifier = &v;
        ++matches;
      }
    }
    NoteSignature sig{std::string(name), hash, std::string(b64)};
    if (matches == 0) {
      if (seen_unverified.insert(std::string(line)).second) {
        n.unverified_sigs.push_back(std::move(sig));
      }
      continue;
    }
    if (matches > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("ambiguous key ", name, "+", HashHex(hash), ": given more than once"));
    }
    if (!seen.emplace(std::string(name), hash).second) continue;  // repeated signature
    if (!verifier->Verify(n.text, absl::string_view(raw).substr(4))) {
      return absl::UnauthenticatedError(
          absl::StrCat("invalid signature for key ", name, "+", HashHex(hash)));
    }
    n.sigs.push_back(std::move(sig));
  }
  if (n.sigs.empty()) {
    std::vector<std::string> by;
    for (const NoteSignature& s : n.unverified_sigs) {
      by.push_back(absl::StrCat(s.name, "+", HashHex(s.key_hash)));
    }
    std::vector<std::string> want;
    for (const NoteVerifier& v : known) want.push_back(absl::StrCat(v.name(), "+", HashHex(v.key_hash())));
    return absl::UnauthenticatedError(absl::StrCat(
        "note has no verifiable signatures: signed by ", absl::StrJoin(by, ", "),
        "; known keys: ", want.empty() ? "none" : absl::StrJoin(want, ", ")));
  }
  return n;
}

}  // namespace ledger
