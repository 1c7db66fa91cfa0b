// Backups (rocksdb::BackupEngine) and snapshots (rocksdb::Checkpoint) of a
// ledger: backup/backup.h.
#include "backup/backup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "audit/verify.h"
#include "checkpoints/checkpoint_store.h"
#include "google/protobuf/util/json_util.h"
#include "ingest/erase.h"
#include "ingest/personal_writer.h"
#include "ledger/high_water_mark.h"
#include "personal/personal_store.h"
#include "rocksdb/db.h"
#include "rocksdb/utilities/backup_engine.h"
#include "rocksdb/utilities/checkpoint.h"
#include "util/error_detail.h"
#include "util/file_io.h"
#include "util/time_format.h"

namespace backup {

namespace fs = std::filesystem;
using enforcement::api::v1::BackupCreateAnswer;
using enforcement::api::v1::BackupEntry;
using enforcement::api::v1::BackupErasure;
using enforcement::api::v1::BackupListAnswer;
using enforcement::api::v1::BackupManifest;
using enforcement::api::v1::BackupPurgeAnswer;
using enforcement::api::v1::BackupRestoreAnswer;
using enforcement::api::v1::BackupVerifyAnswer;
using enforcement::api::v1::SnapshotAnswer;

namespace {

constexpr char kManifestName[] = "MANIFEST.json";
constexpr uint32_t kManifestVersion = 1;

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(context, ": ", s.ToString());
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

std::string Parent(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (p.has_filename() == false) p = p.parent_path();
  fs::path parent = p.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}
std::string Base(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

// Whether `inner` is `outer` or inside it (both made absolute and normal;
// symlinks of existing parts resolved).
bool Within(const std::string& inner, const std::string& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(fs::absolute(inner, ec), ec);
  const fs::path b = fs::weakly_canonical(fs::absolute(outer, ec), ec);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

// True when `path` is absent or an empty directory.
bool AbsentOrEmpty(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return true;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec);
}

// --- DIR/LOCK ----------------------------------------------------------------

class DirLock {
 public:
  static absl::StatusOr<std::unique_ptr<DirLock>> Take(const std::string& dir, bool exclusive) {
    absl::StatusOr<int> fd = ledger::OpenLockFile(dir + "/LOCK");
    if (!fd.ok()) return fd.status();
    if (flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
      close(*fd);
      util::ErrorDetail detail;
      detail.set_reason("backup_lock_held");
      return util::WithErrorDetail(
          absl::UnavailableError(absl::StrCat("the backup directory ", dir,
                                              " is in use by another backup command")),
          detail);
    }
    return std::unique_ptr<DirLock>(new DirLock(*fd));
  }
  ~DirLock() { close(fd_); }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

// --- engines -----------------------------------------------------------------

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.share_table_files = true;
  o.share_files_with_checksum = true;
  o.sync = true;
  o.max_background_operations = 2;
  return o;
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const std::string& dir) {
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngine::Open(EngineOptions(dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening the backups in ", dir));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenEngineReadOnly(
    const std::string& dir) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s =
      rocksdb::BackupEngineReadOnly::Open(EngineOptions(dir), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening the backups in ", dir));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(raw);
}

// --- manifests ---------------------------------------------------------------

std::string BackupsDir(const std::string& dir) { return dir + "/backups"; }
std::string IdDir(const std::string& dir, uint64_t id) {
  return absl::StrCat(BackupsDir(dir), "/", id);
}

absl::StatusOr<BackupManifest> ReadManifest(const std::string& path) {
  absl::StatusOr<std::string> text = ledger::ReadWholeFile(path, 1 << 20);
  if (!text.ok()) return text.status();
  BackupManifest m;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(*text, &m, o).ok()) {
    return absl::DataLossError(absl::StrCat(path, " is not a backup manifest"));
  }
  return m;
}

absl::Status WriteManifest(const std::string& path, const BackupManifest& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(m, &json, o).ok()) {
    return absl::InternalError("cannot print a backup manifest");
  }
  if (absl::Status s = ledger::CreateFileWhole(path, json, 0644); !s.ok()) return s;
  return ledger::SyncDir(Parent(path));
}

// The complete backups (with a manifest), by id.
absl::StatusOr<std::map<uint64_t, BackupManifest>> ReadManifests(const std::string& dir) {
  std::map<uint64_t, BackupManifest> out;
  std::error_code ec;
  if (!fs::exists(BackupsDir(dir), ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(BackupsDir(dir), ec)) {
    uint64_t id = 0;
    if (!absl::SimpleAtoi(e.path().filename().string(), &id)) continue;
    const std::string path = e.path().string() + "/" + kManifestName;
    if (!fs::exists(path, ec)) continue;
    absl::StatusOr<BackupManifest> m = ReadManifest(path);
    if (!m.ok()) return m.status();
    if (m->id() != id) {
      return absl::DataLossError(absl::StrCat(path, " names backup ", m->id(), ", not ", id));
    }
    out.emplace(id, *std::move(m));
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot list ", BackupsDir(dir), ": ", ec.message()));
  }
  return out;
}

absl::Time CreatedAt(const BackupManifest& m) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, m.created_at(), &t, &err)) return absl::InfinitePast();
  return t;
}

// --- checkpoints -------------------------------------------------------------

// The issued checkpoints of `ledger_dir`, each checked against the tree that
// `root_at` describes (of size `tree_size`): at most its size, the same root.
absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> CheckedCheckpoints(
    const std::string& ledger_dir, uint64_t tree_size,
    const std::function<absl::StatusOr<merkle::Hash>(uint64_t)>& root_at) {
  absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> list =
      ledger::CheckpointStore(ledger_dir).List();
  if (!list.ok()) return list.status();
  for (const ledger::IssuedCheckpoint& c : *list) {
    if (c.checkpoint.size > tree_size) {
      return absl::DataLossError(absl::StrCat("checkpoints/", c.file, " was issued at tree size ",
                                              c.checkpoint.size, ", past the log's ", tree_size));
    }
    absl::StatusOr<merkle::Hash> root = root_at(c.checkpoint.size);
    if (!root.ok()) return root.status();
    if (*root != c.checkpoint.root) {
      return absl::DataLossError(absl::StrCat("checkpoints/", c.file, " states root ",
                                              merkle::ToHex(c.checkpoint.root), " at tree size ",
                                              c.checkpoint.size, ", the log has ",
                                              merkle::ToHex(*root)));
    }
  }
  return list;
}

absl::Status WriteCheckpoints(const std::string& to_dir,
                              const std::vector<ledger::IssuedCheckpoint>& list) {
  std::error_code ec;
  fs::create_directories(to_dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", to_dir, ": ", ec.message()));
  for (const ledger::IssuedCheckpoint& c : list) {
    absl::Status s = ledger::CreateFileWhole(to_dir + "/" + c.file, c.signed_note, 0644);
    if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  }
  return ledger::SyncDir(to_dir);
}

// --- the personal-data store ----------------------------------------------------

std::string PersonalDir(const std::string& ledger_dir) { return ledger_dir + "/personal"; }

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenPersonal(const std::string& ledger_dir) {
  rocksdb::Options o;
  o.create_if_missing = false;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, PersonalDir(ledger_dir), &raw);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("opening the personal-data store ", PersonalDir(ledger_dir)));
  }
  return std::unique_ptr<rocksdb::DB>(raw);
}

// --- DIR/ERASURES -----------------------------------------------------------------

constexpr char kErasuresName[] = "ERASURES";
constexpr uint64_t kMaxErasuresFileBytes = uint64_t{256} << 20;

// Subject id -> its erasure.
using ErasureList = std::map<std::string, BackupErasure>;

// The erased subjects of the format-2 ledger at `ledger_dir`, from its
// personal-data store opened read-only (no RocksDB lock: it works beside a
// writer and beside the backup's own open of the store). Empty for a ledger
// without a store or of format 1 (its store, if any, is not one that can
// erase). `format_version` 0: unknown (then the store decides).
absl::StatusOr<ErasureList> ErasedSubjects(const std::string& ledger_dir,
                                           uint32_t format_version) {
  ErasureList out;
  std::error_code ec;
  if (format_version == 1 || !fs::exists(PersonalDir(ledger_dir) + "/CURRENT", ec)) return out;
  personal::StoreOptions so;
  so.mode = personal::StoreOptions::Mode::kReadOnly;
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      personal::PersonalStore::Open(ledger_dir, so);
  if (!store.ok()) return store.status();
  absl::StatusOr<std::vector<personal::SubjectInfo>> subjects = (*store)->ListSubjects();
  if (!subjects.ok()) return subjects.status();
  for (const personal::SubjectInfo& s : *subjects) {
    if (!s.erased) continue;
    BackupErasure& e = out[s.subject_id];
    e.set_subject_id(s.subject_id);
    e.set_erased_at(util::FormatRfc3339(s.erased_at));
    e.set_authority(s.authority);
    e.set_reason(s.reason);
  }
  return out;
}

// DIR/ERASURES: one BackupErasure in JSON a line. Absent: none.
absl::StatusOr<ErasureList> ReadErasures(const std::string& dir) {
  ErasureList out;
  const std::string path = absl::StrCat(dir, "/", kErasuresName);
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  absl::StatusOr<std::string> text = ledger::ReadWholeFile(path, kMaxErasuresFileBytes);
  if (!text.ok()) return text.status();
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    BackupErasure e;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &e, o).ok() ||
        e.subject_id().empty()) {
      return absl::DataLossError(
          absl::StrCat(path, " line ", line_no, " is not an erasure entry"));
    }
    out.emplace(e.subject_id(), std::move(e));  // the first listing wins
  }
  return out;
}

// Writes `list` to DIR/ERASURES whole: a temporary file (synced), renamed
// over the old one, the directory synced.
absl::Status WriteErasures(const std::string& dir, const ErasureList& list) {
  std::string text;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  for (const auto& [id, e] : list) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(e, &json, o).ok()) {
      return absl::InternalError("cannot print an erasure entry");
    }
    absl::StrAppend(&text, json, "\n");
  }
  const std::string path = absl::StrCat(dir, "/", kErasuresName);
  const std::string tmp = absl::StrCat(path, ".tmp-", getpid());
  std::error_code ec;
  // Temporary files a killed create left (DIR/LOCK is held exclusively).
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(absl::StrCat(kErasuresName, ".tmp-"), 0) == 0) {
      fs::remove(e.path(), ec);
    }
  }
  if (absl::Status s = ledger::CreateFileWhole(tmp, text, 0644); !s.ok()) return s;
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = ledger::ErrnoStatus("cannot rename the erasure list to", path);
    fs::remove(tmp, ec);
    return s;
  }
  return ledger::SyncDir(dir);
}

// Adds the live ledger's erasures to DIR/ERASURES (rewritten only when it
// gains an entry). Entries already listed stay, whatever the live store says.
absl::Status RecordErasures(const std::string& dir, const ledger::Ledger& db) {
  absl::StatusOr<ErasureList> live = ErasedSubjects(db.path(), db.format_version());
  if (!live.ok()) {
    return absl::Status(live.status().code(),
                        absl::StrCat("reading the erased subjects of ", db.path(), ": ",
                                     live.status().message()));
  }
  absl::StatusOr<ErasureList> listed = ReadErasures(dir);
  if (!listed.ok()) return listed.status();
  bool grew = false;
  for (auto& [id, e] : *live) grew |= listed->emplace(id, std::move(e)).second;
  if (!grew) return absl::OkStatus();
  return WriteErasures(dir, *listed);
}

// --- restore and check ---------------------------------------------------------

// Fills `tmp` (absent or empty) with backup `m`: the log, the personal-data
// store, the checkpoints and a fresh high-water mark at the backed-up head.
absl::Status RestoreInto(const std::string& dir, const BackupManifest& m, const std::string& tmp) {
  {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> log =
        OpenEngineReadOnly(dir + "/log");
    if (!log.ok()) return log.status();
    if (absl::Status s = FromRocks((*log)->RestoreDBFromBackup(m.id(), tmp, tmp),
                                   absl::StrCat("restoring the log of backup ", m.id()));
        !s.ok()) {
      return s;
    }
  }
  if (m.has_personal_backup_id()) {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> personal =
        OpenEngineReadOnly(dir + "/personal");
    if (!personal.ok()) return personal.status();
    if (absl::Status s = FromRocks(
            (*personal)->RestoreDBFromBackup(m.personal_backup_id(), PersonalDir(tmp),
                                             PersonalDir(tmp)),
            absl::StrCat("restoring the personal-data store of backup ", m.id()));
        !s.ok()) {
      return s;
    }
  }
  const std::string from = IdDir(dir, m.id()) + "/checkpoints";
  const std::string to = tmp + "/checkpoints";
  std::error_code ec;
  fs::create_directories(to, ec);
  for (const std::string& name : m.checkpoints()) {
    absl::StatusOr<std::string> note =
        ledger::ReadWholeFile(from + "/" + name, ledger::kMaxCheckpointFileBytes);
    if (!note.ok()) return note.status();
    if (absl::Status s = ledger::CreateFileWhole(to + "/" + name, *note, 0644); !s.ok()) return s;
  }
  if (absl::Status s = ledger::SyncDir(to); !s.ok()) return s;
  ledger::HighWaterMark mark;
  mark.format_version = m.format_version();
  mark.origin_hash = ledger::OriginHash(m.origin());
  mark.tree_size = m.tree_size();
  absl::StatusOr<merkle::Hash> root = merkle::FromHex(m.root_hex());
  if (!root.ok()) return absl::DataLossError(absl::StrCat("backup ", m.id(), ": bad root_hex"));
  mark.root = *root;
  absl::StatusOr<std::unique_ptr<ledger::HighWaterMarkWriter>> w =
      ledger::HighWaterMarkWriter::Create(tmp, mark);
  if (!w.ok()) return w.status();
  return ledger::SyncDir(tmp);
}

// The checks of a restored copy in `tmp` (after the files' check), into `a`.
absl::Status CheckRestored(const std::string& tmp, const BackupManifest& m, BackupVerifyAnswer* a) {
  ledger::OpenOptions o;
  o.read_only = true;
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(tmp, o);
  if (!db.ok()) {
    if (db.status().code() != absl::StatusCode::kDataLoss) return db.status();
    a->set_problem(absl::StrCat("the restored ledger does not open: ", db.status().message()));
    return absl::OkStatus();
  }
  absl::StatusOr<ledger::VerifyReport> report = (*db)->Verify();
  if (!report.ok()) {
    if (report.status().code() != absl::StatusCode::kDataLoss) return report.status();
    a->set_problem(absl::StrCat("verify of the restored log: ", report.status().message()));
    return absl::OkStatus();
  }
  *a->mutable_log() = audit::ToVerifyReport(*report);
  if (!report->ok()) {
    a->set_problem(absl::StrCat("verify of the restored log failed: ", report->problem));
    return absl::OkStatus();
  }
  const ledger::Head head = (*db)->GetHead();
  if (head.tree_size != m.tree_size() || merkle::ToHex(head.root) != m.root_hex() ||
      head.origin != m.origin()) {
    a->set_problem(absl::StrCat("the restored head (tree size ", head.tree_size, ", root ",
                                merkle::ToHex(head.root), ") is not the manifest's (tree size ",
                                m.tree_size(), ", root ", m.root_hex(), ")"));
    return absl::OkStatus();
  }
  a->set_head_ok(true);
  ledger::Ledger& l = **db;
  absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> cps = CheckedCheckpoints(
      tmp, head.tree_size, [&l](uint64_t size) { return l.RootAt(size); });
  if (!cps.ok()) {
    if (cps.status().code() != absl::StatusCode::kDataLoss) return cps.status();
    a->set_problem(absl::StrCat("checkpoints: ", cps.status().message()));
    return absl::OkStatus();
  }
  if (static_cast<int>(cps->size()) != m.checkpoints_size()) {
    a->set_problem(absl::StrCat("the backup holds ", cps->size(),
                                " checkpoints, its manifest lists ", m.checkpoints_size()));
    return absl::OkStatus();
  }
  a->set_checkpoints_ok(true);
  a->set_checkpoints_checked(static_cast<uint32_t>(cps->size()));
  return absl::OkStatus();
}

// Re-applies to the restored copy in `tmp` every erasure of `erasures` whose
// subject it holds and has not erased: the copy opened for writing, its
// personal-data store through OpenPersonalStoreForWriter, and
// ingest::EraseSubject with the listed authority, reason and time (so the
// tombstone and the Erasure event, appended to the copy's log, are those of
// the original erasure). Nothing for a format-1 copy.
absl::Status ReapplyErasures(const std::string& tmp, const ErasureList& erasures,
                             BackupRestoreAnswer* a) {
  if (erasures.empty()) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = ledger::Ledger::Open(tmp, {});
  if (!db.ok()) return db.status();
  if ((*db)->format_version() < 2) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<personal::PersonalStore>> store =
      ingest::OpenPersonalStoreForWriter(**db);
  if (!store.ok()) return store.status();
  if (*store == nullptr) return absl::OkStatus();
  for (const auto& [id, e] : erasures) {
    absl::StatusOr<personal::SubjectInfo> info = (*store)->GetSubject(id);
    if (!info.ok() && info.status().code() == absl::StatusCode::kNotFound) continue;
    if (!info.ok()) return info.status();
    if (info->erased) continue;
    ingest::EraseRequest req;
    req.subject = id;
    req.authority = e.authority();
    req.reason = e.reason();
    absl::Time at;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, e.erased_at(), &at, &err)) {
      req.clock = [at] { return at; };
    }
    absl::StatusOr<ingest::EraseOutcome> out = ingest::EraseSubject(**db, **store, req);
    if (!out.ok()) {
      return absl::Status(out.status().code(),
                          absl::StrCat("re-applying the erasure of ", id,
                                       " to the restored copy: ", out.status().message()));
    }
    a->add_reapplied_subject_ids(id);
  }
  a->set_erasures_reapplied(static_cast<uint32_t>(a->reapplied_subject_ids_size()));
  return absl::OkStatus();
}

// Picks backup `id`, or the newest complete one.
absl::StatusOr<BackupManifest> PickBackup(const std::string& dir, std::optional<uint64_t> id) {
  absl::StatusOr<std::map<uint64_t, BackupManifest>> all = ReadManifests(dir);
  if (!all.ok()) return all.status();
  if (all->empty()) return absl::NotFoundError(absl::StrCat("no complete backup in ", dir));
  if (!id) return all->rbegin()->second;
  auto it = all->find(*id);
  if (it == all->end()) {
    return absl::NotFoundError(absl::StrCat("no complete backup with id ", *id, " in ", dir));
  }
  return it->second;
}

// The files' check, the restore into `tmp` and CheckRestored.
absl::StatusOr<BackupVerifyAnswer> VerifyInto(const std::string& dir, const BackupManifest& m,
                                              const std::string& tmp) {
  const absl::Time start = absl::Now();
  BackupVerifyAnswer a;
  a.set_dir(dir);
  *a.mutable_backup() = m;
  std::string files_problem;
  {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> log =
        OpenEngineReadOnly(dir + "/log");
    if (!log.ok()) return log.status();
    rocksdb::IOStatus s = (*log)->VerifyBackup(m.id(), /*verify_with_checksum=*/true);
    if (!s.ok()) files_problem = absl::StrCat("log backup ", m.id(), ": ", s.ToString());
  }
  if (files_problem.empty() && m.has_personal_backup_id()) {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> p =
        OpenEngineReadOnly(dir + "/personal");
    if (!p.ok()) return p.status();
    rocksdb::IOStatus s = (*p)->VerifyBackup(m.personal_backup_id(), true);
    if (!s.ok()) {
      files_problem = absl::StrCat("personal-data store backup ", m.personal_backup_id(), ": ",
                                   s.ToString());
    }
  }
  if (!files_problem.empty()) {
    a.set_problem(absl::StrCat("the backup's files fail their checksums: ", files_problem));
  } else {
    a.set_files_ok(true);
    absl::Status s = RestoreInto(dir, m, tmp);
    if (!s.ok() && s.code() != absl::StatusCode::kDataLoss) return s;
    if (!s.ok()) {
      a.set_problem(absl::StrCat("restore: ", s.message()));
    } else if (absl::Status c = CheckRestored(tmp, m, &a); !c.ok()) {
      return c;
    }
  }
  std::error_code ec;
  fs::remove_all(tmp + "/readers", ec);
  a.set_ok(a.problem().empty());
  a.set_seconds(SecondsSince(start));
  return a;
}

// Deletes backup `id` (manifest first), and its personal-data backup.
absl::Status DeleteOne(const std::string& dir, uint64_t id, std::optional<uint64_t> personal_id,
                       rocksdb::BackupEngine& log, rocksdb::BackupEngine* personal) {
  std::error_code ec;
  const std::string manifest = IdDir(dir, id) + "/" + kManifestName;
  if (fs::remove(manifest, ec); ec) {
    return absl::UnavailableError(absl::StrCat("cannot delete ", manifest, ": ", ec.message()));
  }
  (void)ledger::SyncDir(IdDir(dir, id));  // absent for an incomplete backup
  rocksdb::IOStatus s = log.DeleteBackup(id);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, absl::StrCat("deleting backup ", id));
  if (personal && personal_id) {
    s = personal->DeleteBackup(*personal_id);
    if (!s.ok() && !s.IsNotFound()) {
      return FromRocks(s, absl::StrCat("deleting the personal-data backup ", *personal_id));
    }
  }
  fs::remove_all(IdDir(dir, id), ec);
  return absl::OkStatus();
}

struct PurgeResult {
  std::vector<uint64_t> purged, incomplete;
  std::optional<BackupManifest> oldest;
  uint32_t held = 0;
};

// Under the exclusive lock: deletes incomplete backups and (with
// `retention`) the old ones.
absl::StatusOr<PurgeResult> PurgeLocked(const std::string& dir,
                                        const std::optional<RetentionOptions>& retention) {
  PurgeResult r;
  absl::StatusOr<std::map<uint64_t, BackupManifest>> all = ReadManifests(dir);
  if (!all.ok()) return all.status();
  absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> log = OpenEngine(dir + "/log");
  if (!log.ok()) return log.status();
  std::unique_ptr<rocksdb::BackupEngine> personal;
  std::error_code ec;
  if (fs::exists(dir + "/personal", ec)) {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> p = OpenEngine(dir + "/personal");
    if (!p.ok()) return p.status();
    personal = *std::move(p);
  }
  if (retention) {
    const absl::Time now = retention->clock ? retention->clock() : absl::Now();
    // Newest first: the first keep_last are kept whatever their age.
    std::vector<const BackupManifest*> by_age;
    for (const auto& [id, m] : *all) by_age.push_back(&m);
    std::sort(by_age.begin(), by_age.end(), [](const BackupManifest* a, const BackupManifest* b) {
      return CreatedAt(*a) > CreatedAt(*b) || (CreatedAt(*a) == CreatedAt(*b) && a->id() > b->id());
    });
    std::vector<uint64_t> doomed;
    for (size_t i = retention->keep_last; i < by_age.size(); ++i) {
      if (CreatedAt(*by_age[i]) < now - retention->keep_for) doomed.push_back(by_age[i]->id());
    }
    std::sort(doomed.begin(), doomed.end());
    for (uint64_t id : doomed) {
      const BackupManifest& m = all->at(id);
      std::optional<uint64_t> pid;
      if (m.has_personal_backup_id()) pid = m.personal_backup_id();
      if (absl::Status s = DeleteOne(dir, id, pid, **log, personal.get()); !s.ok()) return s;
      r.purged.push_back(id);
      all->erase(id);
    }
  }
  // Incomplete: engine backups no manifest names.
  std::set<uint64_t> personal_named;
  for (const auto& [id, m] : *all) {
    if (m.has_personal_backup_id()) personal_named.insert(m.personal_backup_id());
  }
  std::vector<rocksdb::BackupInfo> infos;
  (*log)->GetBackupInfo(&infos);
  std::vector<rocksdb::BackupID> corrupt;
  (*log)->GetCorruptedBackups(&corrupt);
  for (rocksdb::BackupID c : corrupt) infos.emplace_back(c, 0, 0, 0, "");
  for (const rocksdb::BackupInfo& i : infos) {
    if (all->count(i.backup_id)) continue;
    if (absl::Status s = DeleteOne(dir, i.backup_id, std::nullopt, **log, nullptr); !s.ok()) {
      return s;
    }
    r.incomplete.push_back(i.backup_id);
  }
  if (personal) {
    infos.clear();
    personal->GetBackupInfo(&infos);
    corrupt.clear();
    personal->GetCorruptedBackups(&corrupt);
    for (rocksdb::BackupID c : corrupt) infos.emplace_back(c, 0, 0, 0, "");
    for (const rocksdb::BackupInfo& i : infos) {
      if (personal_named.count(i.backup_id)) continue;
      rocksdb::IOStatus s = personal->DeleteBackup(i.backup_id);
      if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "deleting an incomplete backup");
    }
    if (absl::Status s = FromRocks(personal->GarbageCollect(), "collecting unused backup files");
        !s.ok()) {
      return s;
    }
  }
  // Id directories left without a manifest or a backup (a crash in create).
  if (fs::exists(BackupsDir(dir), ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(BackupsDir(dir), ec)) {
      uint64_t id = 0;
      if (absl::SimpleAtoi(e.path().filename().string(), &id) && !all->count(id)) {
        fs::remove_all(e.path(), ec);
      }
    }
  }
  if (absl::Status s = FromRocks((*log)->GarbageCollect(), "collecting unused backup files");
      !s.ok()) {
    return s;
  }
  std::sort(r.incomplete.begin(), r.incomplete.end());
  for (const auto& [id, m] : *all) {
    if (!r.oldest || CreatedAt(m) < CreatedAt(*r.oldest)) r.oldest = m;
  }
  r.held = static_cast<uint32_t>(all->size());
  return r;
}

// A directory beside `target` for building it: ".<name>.<what>-<pid>". Those
// of dead processes (a kill -9) are deleted first.
std::string TempBeside(const std::string& target, absl::string_view what) {
  const std::string parent = Parent(target);
  const std::string prefix = absl::StrCat(".", Base(target), ".", what, "-");
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    int pid = 0;
    if (absl::SimpleAtoi(name.substr(prefix.size()), &pid) && pid > 0 &&
        (kill(pid, 0) == 0 || errno != ESRCH)) {
      continue;  // alive
    }
    fs::remove_all(e.path(), ec);
  }
  return absl::StrCat(parent, "/", prefix, getpid());
}

// Largest tree size named by a checkpoint file in <ledger>/checkpoints
// (names start with the size in 20 digits).
uint64_t NewestCheckpointSize(const std::string& ledger_dir, std::string* file) {
  uint64_t best = 0;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(ledger_dir + "/checkpoints", ec)) {
    const std::string name = e.path().filename().string();
    uint64_t size = 0;
    if (name.size() < 25 || name.substr(name.size() - 5) != ".ckpt" ||
        !absl::SimpleAtoi(name.substr(0, 20), &size)) {
      continue;
    }
    if (size >= best) {
      best = size;
      *file = name;
    }
  }
  return best;
}

}  // namespace

// --- create ------------------------------------------------------------------

absl::StatusOr<BackupCreateAnswer> CreateBackup(ledger::Ledger& db, const std::string& dir,
                                                const CreateOptions& options) {
  const absl::Time start = absl::Now();
  std::error_code ec;
  if (Within(dir, db.path()) || Within(db.path(), dir)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the backup directory ", dir, " and the ledger ", db.path(),
        " must not contain each other"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  absl::StatusOr<std::unique_ptr<DirLock>> lock = DirLock::Take(dir, /*exclusive=*/true);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::map<uint64_t, BackupManifest>> existing = ReadManifests(dir);
  if (!existing.ok()) return existing.status();
  const std::string origin = db.GetHead().origin;
  for (const auto& [id, m] : *existing) {
    if (m.origin() != origin) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, " holds backups of another ledger (origin \"", m.origin(),
                       "\", this one is \"", origin, "\"); use another directory"));
    }
  }
  // Incomplete backups left by a crash go first (their ids are not reused
  // by the engines otherwise).
  absl::StatusOr<PurgeResult> cleaned = PurgeLocked(dir, std::nullopt);
  if (!cleaned.ok()) return cleaned.status();

  // The erasures go to DIR/ERASURES before the backup is taken (read
  // before the store is opened for the engine; the writer lock held by the
  // caller keeps anyone from erasing meanwhile): a complete backup never
  // holds a tombstone that ERASURES lacks.
  if (absl::Status s = RecordErasures(dir, db); !s.ok()) return s;

  const bool has_personal = fs::exists(PersonalDir(db.path()) + "/CURRENT", ec);
  std::unique_ptr<rocksdb::DB> personal_db;
  std::unique_ptr<rocksdb::BackupEngine> personal_engine;
  if (has_personal) {
    absl::StatusOr<std::unique_ptr<rocksdb::DB>> p = OpenPersonal(db.path());
    if (!p.ok()) return p.status();
    personal_db = *std::move(p);
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> e = OpenEngine(dir + "/personal");
    if (!e.ok()) return e.status();
    personal_engine = *std::move(e);
  }
  absl::StatusOr<std::unique_ptr<rocksdb::BackupEngine>> log_engine = OpenEngine(dir + "/log");
  if (!log_engine.ok()) return log_engine.status();

  BackupManifest m;
  m.set_manifest_version(kManifestVersion);
  std::vector<ledger::IssuedCheckpoint> checkpoints;
  ledger::Head head;
  absl::Status frozen = db.WithFrozenDatabase([&](rocksdb::DB& rdb, const ledger::Head& h) {
    head = h;
    absl::StatusOr<ledger::HighWaterMark> mark = ledger::ReadHighWaterMark(db.path());
    if (!mark.ok()) return mark.status();
    m.set_format_version(mark->format_version);
    absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> list =
        ledger::CheckpointStore(db.path()).List();
    if (!list.ok()) return list.status();
    checkpoints = *std::move(list);
    rocksdb::CreateBackupOptions cbo;
    cbo.flush_before_backup = true;
    rocksdb::BackupID id = 0;
    if (absl::Status s = FromRocks((*log_engine)->CreateNewBackup(cbo, &rdb, &id),
                                   "backing up the log");
        !s.ok()) {
      return s;
    }
    m.set_id(id);
    if (personal_engine) {
      rocksdb::BackupID pid = 0;
      if (absl::Status s = FromRocks(personal_engine->CreateNewBackup(cbo, personal_db.get(), &pid),
                                     "backing up the personal-data store");
          !s.ok()) {
        return s;
      }
      m.set_personal_backup_id(pid);
    }
    return absl::OkStatus();
  });
  personal_db.reset();
  if (!frozen.ok()) return frozen;  // an engine backup left is incomplete: deleted next time
  m.set_created_at(util::FormatRfc3339(absl::Now()));
  m.set_tree_size(head.tree_size);
  m.set_root_hex(merkle::ToHex(head.root));
  m.set_origin(head.origin);
  // Never a log shorter than its checkpoints say.
  for (const ledger::IssuedCheckpoint& c : checkpoints) {
    if (c.checkpoint.size > head.tree_size) {
      return absl::DataLossError(absl::StrCat("checkpoints/", c.file, " was issued at tree size ",
                                              c.checkpoint.size, ", past the log's ",
                                              head.tree_size, "; not backing up"));
    }
    absl::StatusOr<merkle::Hash> root = db.RootAt(c.checkpoint.size);
    if (!root.ok()) return root.status();
    if (*root != c.checkpoint.root) {
      return absl::DataLossError(absl::StrCat("checkpoints/", c.file,
                                              " states another root than the log at its size; "
                                              "not backing up"));
    }
    m.add_checkpoints(c.file);
    m.set_newest_checkpoint(c.file);  // List orders by size
  }
  const std::string id_dir = IdDir(dir, m.id());
  if (absl::Status s = WriteCheckpoints(id_dir + "/checkpoints", checkpoints); !s.ok()) return s;
  if (absl::Status s = WriteManifest(id_dir + "/" + kManifestName, m); !s.ok()) return s;
  if (absl::Status s = ledger::SyncDir(BackupsDir(dir)); !s.ok()) return s;
  log_engine->reset();
  personal_engine.reset();

  BackupCreateAnswer a;
  a.set_dir(dir);
  *a.mutable_backup() = m;
  for (uint64_t id : cleaned->incomplete) a.add_incomplete_deleted(id);
  std::optional<RetentionOptions> retention;
  if (options.purge) retention = options.retention;
  absl::StatusOr<PurgeResult> purged = PurgeLocked(dir, retention);
  if (!purged.ok()) return purged.status();
  for (uint64_t id : purged->purged) a.add_purged(id);
  for (uint64_t id : purged->incomplete) a.add_incomplete_deleted(id);
  if (purged->oldest) *a.mutable_oldest_held() = *purged->oldest;
  a.set_seconds(SecondsSince(start));
  return a;
}

// --- list, purge, verify --------------------------------------------------------

absl::StatusOr<BackupListAnswer> ListBackups(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir + "/log", ec)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", dir));
  }
  absl::StatusOr<std::unique_ptr<DirLock>> lock = DirLock::Take(dir, /*exclusive=*/false);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::map<uint64_t, BackupManifest>> all = ReadManifests(dir);
  if (!all.ok()) return all.status();
  absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> log =
      OpenEngineReadOnly(dir + "/log");
  if (!log.ok()) return log.status();
  std::map<uint64_t, uint64_t> personal_sizes;
  if (fs::exists(dir + "/personal", ec)) {
    absl::StatusOr<std::unique_ptr<rocksdb::BackupEngineReadOnly>> p =
        OpenEngineReadOnly(dir + "/personal");
    if (!p.ok()) return p.status();
    std::vector<rocksdb::BackupInfo> infos;
    (*p)->GetBackupInfo(&infos);
    for (const rocksdb::BackupInfo& i : infos) personal_sizes[i.backup_id] = i.size;
  }
  std::vector<rocksdb::BackupInfo> infos;
  (*log)->GetBackupInfo(&infos);
  std::map<uint64_t, BackupEntry> entries;
  for (const rocksdb::BackupInfo& i : infos) {
    BackupEntry& e = entries[i.backup_id];
    e.set_size_bytes(i.size);
    auto it = all->find(i.backup_id);
    if (it == all->end()) {
      e.mutable_manifest()->set_id(i.backup_id);
      e.mutable_manifest()->set_created_at(util::FormatRfc3339(absl::FromUnixSeconds(i.timestamp)));
      continue;
    }
    *e.mutable_manifest() = it->second;
    bool complete = true;
    if (it->second.has_personal_backup_id()) {
      auto p = personal_sizes.find(it->second.personal_backup_id());
      if (p == personal_sizes.end()) {
        complete = false;
      } else {
        e.set_size_bytes(e.size_bytes() + p->second);
      }
    }
    e.set_complete(complete);
  }
  // A manifest whose log backup is gone: listed as incomplete.
  for (const auto& [id, m] : *all) {
    if (!entries.count(id)) *entries[id].mutable_manifest() = m;
  }
  BackupListAnswer a;
  a.set_dir(dir);
  for (auto& [id, e] : entries) *a.add_backups() = std::move(e);
  return a;
}

absl::StatusOr<BackupPurgeAnswer> PurgeBackups(const std::string& dir,
                                               const RetentionOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir + "/log", ec)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", dir));
  }
  absl::StatusOr<std::unique_ptr<DirLock>> lock = DirLock::Take(dir, /*exclusive=*/true);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<PurgeResult> r = PurgeLocked(dir, options);
  if (!r.ok()) return r.status();
  BackupPurgeAnswer a;
  a.set_dir(dir);
  for (uint64_t id : r->purged) a.add_purged(id);
  for (uint64_t id : r->incomplete) a.add_incomplete_deleted(id);
  if (r->oldest) *a.mutable_oldest_held() = *r->oldest;
  a.set_held(r->held);
  return a;
}

absl::StatusOr<BackupVerifyAnswer> VerifyBackup(const std::string& dir,
                                                std::optional<uint64_t> id) {
  std::error_code ec;
  if (!fs::is_directory(dir + "/log", ec)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", dir));
  }
  absl::StatusOr<std::unique_ptr<DirLock>> lock = DirLock::Take(dir, /*exclusive=*/false);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<BackupManifest> m = PickBackup(dir, id);
  if (!m.ok()) return m.status();
  std::string tmpl = (fs::temp_directory_path(ec) / "ledger-backup-verify-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return ledger::ErrnoStatus("cannot create a temporary directory", tmpl);
  }
  absl::StatusOr<BackupVerifyAnswer> a = VerifyInto(dir, *m, tmpl);
  fs::remove_all(tmpl, ec);
  return a;
}

// --- restore -------------------------------------------------------------------

absl::StatusOr<BackupRestoreAnswer> RestoreBackup(const std::string& dir,
                                                  std::optional<uint64_t> id,
                                                  const std::string& target,
                                                  const RestoreOptions& options) {
  const absl::Time start = absl::Now();
  std::error_code ec;
  if (!fs::is_directory(dir + "/log", ec)) {
    return absl::NotFoundError(absl::StrCat("no backups in ", dir));
  }
  absl::StatusOr<std::unique_ptr<DirLock>> lock = DirLock::Take(dir, /*exclusive=*/false);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<BackupManifest> m = PickBackup(dir, id);
  if (!m.ok()) return m.status();

  if (Within(dir, target) || Within(target, dir)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the backup directory ", dir, " and the target ", target, " must not contain each other"));
  }
  BackupRestoreAnswer a;
  a.set_db(target);
  // The erasures to re-apply: DIR/ERASURES, then the target's own.
  absl::StatusOr<ErasureList> erasures = ReadErasures(dir);
  if (!erasures.ok()) return erasures.status();
  const bool replace = !AbsentOrEmpty(target);
  int target_lock = -1;
  struct CloseFd {
    int* fd;
    ~CloseFd() {
      if (*fd >= 0) close(*fd);
    }
  } close_target_lock{&target_lock};
  if (replace) {
    if (!options.overwrite) {
      return absl::AlreadyExistsError(absl::StrCat(
          target, " exists; refusing to restore over it (pass --overwrite to replace it)"));
    }
    if (!fs::is_directory(target, ec) || fs::is_symlink(fs::symlink_status(target, ec))) {
      return absl::FailedPreconditionError(
          absl::StrCat(target, " is not a directory; refusing to replace it"));
    }
    // The ledger's writer lock, taken directly: the target may be too
    // damaged to open (that may be why it is restored).
    absl::StatusOr<int> fd = ledger::OpenLockFile(target + "/WRITER.lock");
    if (!fd.ok()) return fd.status();
    target_lock = *fd;
    if (flock(target_lock, LOCK_EX | LOCK_NB) != 0) {
      util::ErrorDetail detail;
      detail.set_reason("writer_lock_held");
      return util::WithErrorDetail(
          absl::UnavailableError(absl::StrCat("the ledger at ", target,
                                              " is being written by another process; "
                                              "stop it before restoring over it")),
          detail);
    }
    // What the target has acknowledged: its high-water mark and its
    // checkpoints. Restoring below them loses positions.
    uint64_t acknowledged = 0;
    std::string what;
    absl::StatusOr<ledger::HighWaterMark> mark = ledger::ReadHighWaterMark(target);
    if (mark.ok()) {
      acknowledged = mark->tree_size;
      what = "its high-water mark";
    }
    std::string file;
    const uint64_t ckpt = NewestCheckpointSize(target, &file);
    if (ckpt > acknowledged) {
      acknowledged = ckpt;
      what = absl::StrCat("its checkpoint ", file);
    }
    if (acknowledged > m->tree_size()) {
      if (!options.allow_rollback) {
        util::ErrorDetail detail;
        detail.set_reason("restore_rollback");
        return util::WithErrorDetail(
            absl::FailedPreconditionError(absl::StrCat(
                "backup ", m->id(), " ends at tree size ", m->tree_size(), " but the ledger at ",
                target, " has acknowledged tree size ", acknowledged, " (", what,
                "): restoring would lose positions [", m->tree_size(), ", ", acknowledged,
                "); pass --allow-rollback to accept that")),
            detail);
      }
      a.set_lost_from(m->tree_size());
      a.set_lost_to(acknowledged);
    }
    // The target's own erasures, read before it is replaced: they are
    // re-applied to the restored copy like those of DIR/ERASURES. A target
    // whose store cannot be read is refused: its erasures would be lost.
    absl::StatusOr<ErasureList> own =
        ErasedSubjects(target, mark.ok() ? mark->format_version : 0);
    if (!own.ok()) {
      return absl::Status(own.status().code(),
                          absl::StrCat("cannot read the erased subjects of ", target,
                                       " (they must be re-applied to the restored copy): ",
                                       own.status().message(), "; ", target, " is untouched"));
    }
    for (auto& [sid, e] : *own) erasures->emplace(sid, std::move(e));
  } else {
    std::string parent = Parent(target);
    if (!fs::is_directory(parent, ec)) {
      return absl::NotFoundError(absl::StrCat("the directory ", parent, " does not exist"));
    }
  }

  const std::string tmp = TempBeside(target, "restore");
  fs::remove_all(tmp, ec);
  absl::StatusOr<BackupVerifyAnswer> v = VerifyInto(dir, *m, tmp);
  if (!v.ok() || !v->ok()) {
    fs::remove_all(tmp, ec);
    if (!v.ok()) return v.status();
    return absl::DataLossError(absl::StrCat("backup ", m->id(), " fails its checks: ",
                                            v->problem(), "; ", target, " is untouched"));
  }
  *a.mutable_verified() = *v;
  if (absl::Status s = ReapplyErasures(tmp, *erasures, &a); !s.ok()) {
    fs::remove_all(tmp, ec);
    return absl::Status(s.code(), absl::StrCat(s.message(), "; ", target, " is untouched"));
  }
  fs::remove_all(tmp + "/readers", ec);
  if (replace) {
    // One atomic step: a crash leaves either ledger at `target`; the other
    // one is in `tmp`, deleted by the next restore.
    if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
      absl::Status s = ledger::ErrnoStatus("cannot move the restored ledger to", target);
      fs::remove_all(tmp, ec);
      return s;
    }
    a.set_replaced(true);
  } else {
    if (fs::exists(target, ec)) fs::remove(target, ec);  // an empty directory
    if (rename(tmp.c_str(), target.c_str()) != 0) {
      absl::Status s = ledger::ErrnoStatus("cannot move the restored ledger to", target);
      fs::remove_all(tmp, ec);
      return s;
    }
  }
  if (absl::Status s = ledger::SyncDir(Parent(target)); !s.ok()) return s;
  fs::remove_all(tmp, ec);  // the replaced ledger, if any
  a.set_seconds(SecondsSince(start));
  return a;
}

// --- snapshot ------------------------------------------------------------------

absl::StatusOr<SnapshotAnswer> Snapshot(ledger::Ledger& db, const std::string& dir) {
  const absl::Time start = absl::Now();
  std::error_code ec;
  if (!AbsentOrEmpty(dir)) {
    return absl::AlreadyExistsError(absl::StrCat(dir, " exists; a snapshot needs a new directory"));
  }
  if (Within(dir, db.path()) || Within(db.path(), dir)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the snapshot ", dir, " and the ledger ", db.path(), " must not contain each other"));
  }
  if (!fs::is_directory(Parent(dir), ec)) {
    return absl::NotFoundError(absl::StrCat("the directory ", Parent(dir), " does not exist"));
  }
  const std::string tmp = TempBeside(dir, "snapshot");
  fs::remove_all(tmp, ec);
  std::unique_ptr<rocksdb::DB> personal_db;
  if (fs::exists(PersonalDir(db.path()) + "/CURRENT", ec)) {
    absl::StatusOr<std::unique_ptr<rocksdb::DB>> p = OpenPersonal(db.path());
    if (!p.ok()) return p.status();
    personal_db = *std::move(p);
  }
  ledger::Head head;
  ledger::HighWaterMark mark;
  std::vector<ledger::IssuedCheckpoint> checkpoints;
  absl::Status frozen = db.WithFrozenDatabase([&](rocksdb::DB& rdb, const ledger::Head& h) {
    head = h;
    absl::StatusOr<ledger::HighWaterMark> mk = ledger::ReadHighWaterMark(db.path());
    if (!mk.ok()) return mk.status();
    mark = *mk;
    absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> list =
        ledger::CheckpointStore(db.path()).List();
    if (!list.ok()) return list.status();
    checkpoints = *std::move(list);
    rocksdb::Checkpoint* raw = nullptr;
    if (absl::Status s = FromRocks(rocksdb::Checkpoint::Create(&rdb, &raw), "snapshot"); !s.ok()) {
      return s;
    }
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    if (absl::Status s = FromRocks(cp->CreateCheckpoint(tmp), "copying the log"); !s.ok()) return s;
    if (personal_db) {
      rocksdb::Checkpoint* praw = nullptr;
      if (absl::Status s =
              FromRocks(rocksdb::Checkpoint::Create(personal_db.get(), &praw), "snapshot");
          !s.ok()) {
        return s;
      }
      std::unique_ptr<rocksdb::Checkpoint> pcp(praw);
      if (absl::Status s = FromRocks(pcp->CreateCheckpoint(PersonalDir(tmp)),
                                     "copying the personal-data store");
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  personal_db.reset();
  auto fail = [&](absl::Status s) {
    fs::remove_all(tmp, ec);
    return s;
  };
  if (!frozen.ok()) return fail(frozen);
  absl::StatusOr<std::vector<ledger::IssuedCheckpoint>> checked = CheckedCheckpoints(
      db.path(), head.tree_size, [&db](uint64_t size) { return db.RootAt(size); });
  if (!checked.ok()) return fail(checked.status());
  if (absl::Status s = WriteCheckpoints(tmp + "/checkpoints", checkpoints); !s.ok()) return fail(s);
  mark.tree_size = head.tree_size;
  mark.root = head.root;
  absl::StatusOr<std::unique_ptr<ledger::HighWaterMarkWriter>> w =
      ledger::HighWaterMarkWriter::Create(tmp, mark);
  if (!w.ok()) return fail(w.status());
  w->reset();
  if (absl::Status s = ledger::SyncDir(tmp); !s.ok()) return fail(s);
  if (fs::exists(dir, ec)) fs::remove(dir, ec);  // an empty directory
  if (rename(tmp.c_str(), dir.c_str()) != 0) {
    return fail(ledger::ErrnoStatus("cannot move the snapshot to", dir));
  }
  if (absl::Status s = ledger::SyncDir(Parent(dir)); !s.ok()) return s;
  SnapshotAnswer a;
  a.set_dir(dir);
  a.set_tree_size(head.tree_size);
  a.set_root_hex(merkle::ToHex(head.root));
  a.set_origin(head.origin);
  a.set_personal(fs::exists(PersonalDir(dir), ec));
  a.set_checkpoints(static_cast<uint32_t>(checkpoints.size()));
  a.set_seconds(SecondsSince(start));
  return a;
}

}  // namespace backup
