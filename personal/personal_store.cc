// The personal-data store. See personal_store.h for the contract and
// docs/FORMAT.md, "The personal-data store", for the keys and values.
//
// Locking: `rw_` orders the store's RocksDB work against Erase — every read
// or write of the database holds it shared; Erase holds it exclusively, so
// that no Persist can write a value of a subject being erased and no
// iterator or read pins a table file that Erase's compaction must delete.
// `mu_` guards the subject cache. Order: rw_ before mu_; never the other way.
#include "personal/personal_store.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "enforcement/personal/v1/personal_store.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "util/error_detail.h"

namespace personal {
namespace {

using enforcement::personal::v1::FieldValue;
using enforcement::personal::v1::FieldValues;
using enforcement::personal::v1::PendingRecord;
using enforcement::personal::v1::SubjectRecord;

constexpr char kSecretKey[] = "m/secret";
constexpr char kFormatKey[] = "m/format";
constexpr char kFormatValue[] = "1";
constexpr char kLookupPrefix[] = "l/";
constexpr char kSubjectPrefix[] = "s/";
constexpr char kValuePrefix[] = "v/";
constexpr char kPendingPrefix[] = "p/";

std::string LookupDbKey(const Digest& d) {
  return absl::StrCat(kLookupPrefix,
                      absl::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}
std::string SubjectDbKey(absl::string_view subject_id) {
  return absl::StrCat(kSubjectPrefix, subject_id);
}
// "v/<subject id>\0": every value of one subject (subject ids have one length).
std::string ValuePrefix(absl::string_view subject_id) {
  std::string k = absl::StrCat(kValuePrefix, subject_id);
  k.push_back('\0');
  return k;
}
std::string ValueDbKey(absl::string_view subject_id, absl::string_view event_id,
                       absl::string_view field_path) {
  std::string k = ValuePrefix(subject_id);
  k.append(event_id.data(), event_id.size());
  k.push_back('\0');
  k.append(field_path.data(), field_path.size());
  return k;
}

// A value's key "v/<subject id>\0<event id>\0" split into its ids; false
// when malformed.
bool SplitValueKey(const rocksdb::Slice& key, absl::string_view* subject_id,
                   absl::string_view* event_id) {
  absl::string_view k(key.data(), key.size());
  if (!absl::ConsumePrefix(&k, kValuePrefix)) return false;
  const size_t a = k.find('\0');
  const size_t b = a == absl::string_view::npos ? a : k.find('\0', a + 1);
  if (b == absl::string_view::npos) return false;
  *subject_id = k.substr(0, a);
  *event_id = k.substr(a + 1, b - a - 1);
  return true;
}

absl::Status MalformedValueKey() {
  return absl::DataLossError("a personal value's key in the personal-data store is malformed");
}

std::string PendingDbKey(uint64_t id) {
  std::string k = kPendingPrefix;
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(id >> shift));
  return k;
}
uint64_t PendingIdOf(absl::string_view key) {
  uint64_t id = 0;
  for (size_t i = 2; i < key.size(); ++i) id = (id << 8) | static_cast<uint8_t>(key[i]);
  return id;
}
// The key just past every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char c = static_cast<unsigned char>(prefix.back());
    if (c != 0xff) {
      prefix.back() = static_cast<char>(c + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no space left on device while ", context, " (", s.ToString(), ")"));
  }
  std::string msg = absl::StrCat("personal-data store: ", context, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return absl::AbortedError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

absl::Status SubjectErased(absl::string_view subject_id) {
  util::ErrorDetail d;
  d.set_reason("subject_erased");
  return util::WithErrorDetail(
      absl::FailedPreconditionError(absl::StrCat("subject ", subject_id,
                                                 " was erased: its personal data is destroyed")),
      d);
}

absl::Status ReadOnlyError(absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("the personal-data store is open read-only: cannot ", what));
}

// RocksDB's info log is dropped: a read-only open would otherwise rotate the
// writer's LOG, and RocksDB 7.8's file logger aborts on a full disk
// (ledger/rocks_log.h). The store's errors reach callers as statuses.
class DiscardLogger : public rocksdb::Logger {
 public:
  DiscardLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

int64_t ToMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return 0;
  return absl::ToUnixMicros(t);
}

SubjectInfo InfoOf(const SubjectRecord& r) {
  SubjectInfo info;
  info.subject_id = r.subject_id();
  info.erased = r.erased();
  info.created_at = absl::FromUnixMicros(r.created_at_unix_micros());
  if (r.erased()) {
    info.erased_at = absl::FromUnixMicros(r.erased_at_unix_micros());
    info.authority = r.authority();
    info.reason = r.reason();
  }
  return info;
}

// A SubjectRecord's bytes, wiping the key's copies in the message.
std::string SerializeWiping(SubjectRecord* r) {
  std::string out = r->SerializeAsString();
  Wipe(r->mutable_key());
  return out;
}

// Plaintext values leave no copy behind in freed memory where it is cheap.
void Wipe(FieldValues* blob) {
  for (FieldValue& f : *blob->mutable_fields()) Wipe(f.mutable_value());
}

// A FieldValues' bytes, wiping the values in the message.
std::string SerializeWiping(FieldValues* blob) {
  std::string out = blob->SerializeAsString();
  Wipe(blob);
  return out;
}

}  // namespace

std::string PersonalStorePath(absl::string_view ledger_dir) {
  return absl::StrCat(ledger_dir, "/personal");
}

// One subject in memory. Fields other than the constants are guarded by
// Impl::mu_.
struct Subject {
  ~Subject() { OPENSSL_cleanse(key.data(), key.size()); }
  std::string subject_id;  // constant
  Digest lookup{};         // constant; all zero when unknown (loaded by id)
  bool lookup_known = false;
  absl::Time created_at;   // constant
  Key key{};               // zeroed once erased
  bool erased = false;
  bool persisted = false;
};

// The cache of subjects stays bounded (an import of millions of suspects must
// not hold them all): past this many entries, the persisted ones are dropped
// (they are read again from the store when asked for); subjects only in memory
// (not yet persisted) always stay.
constexpr size_t kMaxCachedSubjects = 65536;

class PersonalStore::Impl {
 public:
  ~Impl() {
    for (auto& [id, s] : by_id_) OPENSSL_cleanse(s->key.data(), s->key.size());
    OPENSSL_cleanse(secret_.data(), secret_.size());
    db_.reset();
  }

  absl::Status OpenDb(absl::string_view ledger_dir, const StoreOptions& options);

  // The subject `subject_id`, from the cache or (persisted) from the
  // database; nullptr when there is none.
  absl::StatusOr<std::shared_ptr<Subject>> LoadById(absl::string_view subject_id);
  // Reads "s/<id>"; nullopt when absent. Callers hold rw_ shared.
  absl::StatusOr<std::optional<SubjectRecord>> ReadSubject(absl::string_view subject_id);
  // The cached subject for a record read from the database.
  std::shared_ptr<Subject> CacheRecord(const SubjectRecord& r, const std::string* agency_id);
  // The fields sealed for (subject, event) under `key`. kNotFound when none.
  absl::StatusOr<FieldValues> ReadFields(const Key& key, absl::string_view subject_id,
                                         absl::string_view event_id);
  // Drops the persisted subjects once the cache holds more than
  // kMaxCachedSubjects. REQUIRES: mu_ held.
  void TrimCacheLocked();

  bool writable() const { return options_.mode == StoreOptions::Mode::kWrite; }
  absl::Status ShredOldFiles();
  absl::Status DestroyOldFiles();

  std::string path_;
  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  Key secret_{};
  std::atomic<uint64_t> next_pending_{1};

  std::shared_mutex rw_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Subject>> by_agency_;  // guarded by mu_
  size_t trim_at_ = kMaxCachedSubjects;                                     // guarded by mu_
  absl::flat_hash_map<std::string, std::shared_ptr<Subject>> by_id_;      // guarded by mu_
};

absl::Status PersonalStore::Impl::OpenDb(absl::string_view ledger_dir,
                                         const StoreOptions& options) {
  options_ = options;
  path_ = PersonalStorePath(ledger_dir);
  std::error_code ec;
  const bool exists = std::filesystem::exists(path_ + "/CURRENT", ec);
  if (!exists && !(writable() && options.create_if_missing)) {
    return absl::NotFoundError(absl::StrCat("no personal-data store at ", path_));
  }
  rocksdb::Options o;
  o.create_if_missing = writable() && options.create_if_missing;
  // Most lookups of an import miss (a new suspect): bloom filters answer them
  // without reading table blocks.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(size_t{32} << 20);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  o.info_log = std::make_shared<DiscardLogger>();
  // Erase must leave no file holding a destroyed key or value: write-ahead
  // logs are deleted as soon as they are obsolete, never archived or reused.
  o.WAL_ttl_seconds = 0;
  o.WAL_size_limit_MB = 0;
  o.recycle_log_file_num = 0;
  o.avoid_unnecessary_blocking_io = false;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  o.keep_log_file_num = 1;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (writable()) {
    s = rocksdb::DB::Open(o, path_, &raw);
  } else {
    // A writer's flush may delete a WAL or table file between the reader's
    // MANIFEST read and its opening that file: believed when it repeats.
    for (int attempt = 0; attempt < 3; ++attempt) {
      s = rocksdb::DB::OpenForReadOnly(o, path_, &raw);
      if (s.ok() || !(s.IsIOError() || s.IsPathNotFound())) break;
    }
  }
  if (!s.ok()) {
    if (s.IsCorruption()) {
      return absl::DataLossError(
          absl::StrCat("opening the personal-data store ", path_, ": ", s.ToString()));
    }
    return FromRocks(s, absl::StrCat("opening ", path_));
  }
  db_.reset(raw);

  std::string secret;
  s = db_->Get(rocksdb::ReadOptions(), kSecretKey, &secret);
  if (s.IsNotFound() && !exists) {
    absl::StatusOr<Key> k = NewKey();
    if (!k.ok()) return k.status();
    secret_ = *k;
    OPENSSL_cleanse(k->data(), k->size());
    rocksdb::WriteBatch b;
    b.Put(kFormatKey, kFormatValue);
    b.Put(kSecretKey,
          rocksdb::Slice(reinterpret_cast<const char*>(secret_.data()), secret_.size()));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Write(wo, &b);
    b.Clear();
    if (!s.ok()) return FromRocks(s, "creating the ledger secret");
  } else if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "reading the ledger secret");
  } else if (s.IsNotFound() || secret.size() != kKeyBytes) {
    Wipe(&secret);
    return absl::DataLossError(absl::StrCat("the personal-data store ", path_,
                                            " has no valid ledger secret (m/secret)"));
  } else {
    std::memcpy(secret_.data(), secret.data(), kKeyBytes);
    Wipe(&secret);
  }

  // The next pending id: past the last one left (by a crash) in the store.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(PrefixEnd(kPendingPrefix));
  if (it->Valid() && it->key().starts_with(kPendingPrefix)) {
    next_pending_ = PendingIdOf(it->key().ToString()) + 1;
  }
  return FromRocks(it->status(), "reading the pending records");
}

absl::StatusOr<std::optional<SubjectRecord>> PersonalStore::Impl::ReadSubject(
    absl::string_view subject_id) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), SubjectDbKey(subject_id), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading subject ", subject_id));
  SubjectRecord r;
  const bool parsed = r.ParseFromString(value);
  Wipe(&value);
  if (!parsed || r.subject_id() != subject_id || (!r.erased() && r.key().size() != kKeyBytes)) {
    Wipe(r.mutable_key());
    return absl::DataLossError(
        absl::StrCat("the personal-data store's record of subject ", subject_id, " is damaged"));
  }
  return r;
}

std::shared_ptr<Subject> PersonalStore::Impl::CacheRecord(const SubjectRecord& r,
                                                          const std::string* agency_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = by_id_.try_emplace(r.subject_id());
  if (inserted) {
    auto s = std::make_shared<Subject>();
    s->subject_id = r.subject_id();
    if (r.lookup().size() == s->lookup.size()) {
      std::memcpy(s->lookup.data(), r.lookup().data(), s->lookup.size());
      s->lookup_known = true;
    }
    s->created_at = absl::FromUnixMicros(r.created_at_unix_micros());
    s->erased = r.erased();
    if (!r.erased()) std::memcpy(s->key.data(), r.key().data(), kKeyBytes);
    s->persisted = true;
    it->second = std::move(s);
  }
  if (agency_id != nullptr) by_agency_.try_emplace(*agency_id, it->second);
  std::shared_ptr<Subject> out = it->second;
  TrimCacheLocked();
  return out;
}

void PersonalStore::Impl::TrimCacheLocked() {
  if (by_id_.size() <= trim_at_ && by_agency_.size() <= trim_at_) return;
  absl::erase_if(by_id_, [](const auto& e) { return e.second->persisted; });
  absl::erase_if(by_agency_, [](const auto& e) { return e.second->persisted; });
  // Subjects not yet persisted stay: trim again only once the cache doubled.
  trim_at_ = std::max(kMaxCachedSubjects, 2 * std::max(by_id_.size(), by_agency_.size()));
}

absl::StatusOr<std::shared_ptr<Subject>> PersonalStore::Impl::LoadById(
    absl::string_view subject_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = by_id_.find(subject_id); it != by_id_.end()) return it->second;
  }
  absl::StatusOr<std::optional<SubjectRecord>> r = ReadSubject(subject_id);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return std::shared_ptr<Subject>();
  std::shared_ptr<Subject> s = CacheRecord(**r, nullptr);
  Wipe((*r)->mutable_key());
  return s;
}

// Moves the memtable into a table file (the WAL that held erased entries
// becomes obsolete), rewrites every table without the entries deleted or
// overwritten (bottommost level forced: no old version survives), and
// deletes the files that held them now.
absl::Status PersonalStore::Impl::ShredOldFiles() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  if (absl::Status st = FromRocks(db_->Flush(fo), "flushing the erasure"); !st.ok()) return st;
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  co.exclusive_manual_compaction = true;
  if (absl::Status st = FromRocks(db_->CompactRange(co, nullptr, nullptr), "compacting the erasure");
      !st.ok()) {
    return st;
  }
  return DestroyOldFiles();
}

// Deletes the files RocksDB no longer needs now, in this thread (a forced
// full scan: DisableFileDeletions + EnableFileDeletions(force)), rather than
// leaving them to a background job that may run after Erase returns.
absl::Status PersonalStore::Impl::DestroyOldFiles() {
  if (absl::Status st = FromRocks(db_->DisableFileDeletions(), "pausing file deletions");
      !st.ok()) {
    return st;
  }
  return FromRocks(db_->EnableFileDeletions(/*force=*/true), "deleting obsolete files");
}

PersonalStore::PersonalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PersonalStore::~PersonalStore() = default;

absl::StatusOr<std::unique_ptr<PersonalStore>> PersonalStore::Open(absl::string_view ledger_dir,
                                                                   const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (absl::Status st = impl->OpenDb(ledger_dir, options); !st.ok()) return st;
  return std::unique_ptr<PersonalStore>(new PersonalStore(std::move(impl)));
}

const std::string& PersonalStore::path() const { return impl_->path_; }

absl::StatusOr<SubjectHandle> PersonalStore::SubjectForAgencyId(absl::string_view agency_id) {
  Impl& im = *impl_;
  auto handle_of = [](const Subject& s) {  // called under mu_
    SubjectHandle h;
    h.subject_id = s.subject_id;
    h.erased = s.erased;
    if (!s.erased) h.key = s.key;
    return h;
  };
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    if (auto it = im.by_agency_.find(agency_id); it != im.by_agency_.end()) {
      return handle_of(*it->second);
    }
  }
  const std::string agency(agency_id);
  const Digest lookup = LookupKey(im.secret_, agency_id);
  {
    std::shared_lock<std::shared_mutex> rw(im.rw_);
    std::string subject_id;
    rocksdb::Status s = im.db_->Get(rocksdb::ReadOptions(), LookupDbKey(lookup), &subject_id);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading a lookup entry");
    if (s.ok()) {
      absl::StatusOr<std::optional<SubjectRecord>> r = im.ReadSubject(subject_id);
      if (!r.ok()) return r.status();
      if (!r->has_value()) {
        return absl::DataLossError(absl::StrCat(
            "the personal-data store's lookup entry names subject ", subject_id,
            ", which it does not hold"));
      }
      std::shared_ptr<Subject> sub = im.CacheRecord(**r, &agency);
      Wipe((*r)->mutable_key());
      std::lock_guard<std::mutex> lock(im.mu_);
      return handle_of(*sub);  // (the cache may have been trimmed since)
    }
  }
  if (!im.writable()) {
    return absl::FailedPreconditionError(
        "the personal-data store is open read-only and holds no subject for this agency id");
  }
  // A new subject, in memory until a Persist names it.
  auto fresh = std::make_shared<Subject>();
  absl::StatusOr<std::string> id = NewSubjectId();
  if (!id.ok()) return id.status();
  absl::StatusOr<Key> key = NewKey();
  if (!key.ok()) return key.status();
  fresh->subject_id = *std::move(id);
  fresh->lookup = lookup;
  fresh->lookup_known = true;
  fresh->created_at = absl::Now();
  fresh->key = *key;
  OPENSSL_cleanse(key->data(), key->size());
  std::lock_guard<std::mutex> lock(im.mu_);
  auto [it, inserted] = im.by_agency_.try_emplace(agency, fresh);
  if (inserted) {
    im.by_id_.emplace(fresh->subject_id, fresh);
  } else {
    OPENSSL_cleanse(fresh->key.data(), fresh->key.size());  // another thread won
  }
  SubjectHandle h = handle_of(*it->second);
  im.TrimCacheLocked();
  return h;
}

absl::StatusOr<std::optional<std::string>> PersonalStore::FindSubjectByAgencyId(
    absl::string_view agency_id) {
  Impl& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    if (auto it = im.by_agency_.find(agency_id); it != im.by_agency_.end() &&
                                                 it->second->persisted) {
      return std::optional<std::string>(it->second->subject_id);
    }
  }
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  std::string subject_id;
  rocksdb::Status s =
      im.db_->Get(rocksdb::ReadOptions(), LookupDbKey(LookupKey(im.secret_, agency_id)), &subject_id);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading a lookup entry");
  return std::optional<std::string>(std::move(subject_id));
}

absl::StatusOr<SubjectInfo> PersonalStore::GetSubject(absl::string_view subject_id) {
  std::shared_lock<std::shared_mutex> rw(impl_->rw_);
  absl::StatusOr<std::optional<SubjectRecord>> r = impl_->ReadSubject(subject_id);
  if (!r.ok()) return r.status();
  if (!r->has_value()) {
    return absl::NotFoundError(absl::StrCat("no subject ", subject_id, " in the personal-data store"));
  }
  Wipe((*r)->mutable_key());
  return InfoOf(**r);
}

absl::StatusOr<uint64_t> PersonalStore::Persist(const std::vector<PersonalValue>& values) {
  Impl& im = *impl_;
  if (!im.writable()) return ReadOnlyError("persist personal values");
  // The subjects named, with copies of their keys for sealing outside locks.
  struct Named {
    std::shared_ptr<Subject> subject;
    Key key;
  };
  absl::flat_hash_map<std::string, Named> named;
  auto wipe_keys = [&named] {
    for (auto& [id, n] : named) OPENSSL_cleanse(n.key.data(), n.key.size());
  };
  for (const PersonalValue& v : values) {
    if (v.event_id.find('\0') != std::string::npos ||
        v.field_path.find('\0') != std::string::npos) {
      wipe_keys();
      return absl::InvalidArgumentError("an event id or field path holds a NUL character");
    }
    if (named.contains(v.subject_id)) continue;
    absl::StatusOr<std::shared_ptr<Subject>> s;
    {
      std::shared_lock<std::shared_mutex> rw(im.rw_);
      s = im.LoadById(v.subject_id);
    }
    if (!s.ok() || *s == nullptr) {
      wipe_keys();
      if (!s.ok()) return s.status();
      return absl::NotFoundError(absl::StrCat("subject ", v.subject_id,
                                              " is unknown to the personal-data store"));
    }
    Named n{*s, Key{}};
    {
      std::lock_guard<std::mutex> lock(im.mu_);
      if (n.subject->erased) {
        wipe_keys();
        return SubjectErased(v.subject_id);
      }
      n.key = n.subject->key;
    }
    named.emplace(v.subject_id, std::move(n));
  }

  // One sealed blob per (subject, event): every field of that subject in
  // that event. Sealed outside every lock.
  rocksdb::WriteBatch batch;
  PendingRecord pending;
  std::map<std::pair<absl::string_view, absl::string_view>, std::map<absl::string_view, absl::string_view>>
      groups;
  for (const PersonalValue& v : values) {
    groups[{v.subject_id, v.event_id}][v.field_path] = v.value;  // a repeat: the last wins
  }
  for (const auto& [where, fields] : groups) {
    const auto& [subject_id, event_id] = where;
    FieldValues blob;
    for (const auto& [path, value] : fields) {
      FieldValue* f = blob.add_fields();
      f->set_field_path(std::string(path));
      f->set_value(std::string(value));
    }
    std::string plain = SerializeWiping(&blob);
    absl::StatusOr<std::string> sealed =
        Seal(named.at(std::string(subject_id)).key, SealAad(subject_id, event_id, ""), plain);
    Wipe(&plain);
    if (!sealed.ok()) {
      wipe_keys();
      return sealed.status();
    }
    batch.Put(ValueDbKey(subject_id, event_id, ""), *sealed);
    auto* ref = pending.add_values();
    ref->set_subject_id(std::string(subject_id));
    ref->set_event_id(std::string(event_id));
  }

  std::shared_lock<std::shared_mutex> rw(im.rw_);
  std::vector<std::shared_ptr<Subject>> created;
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    for (auto& [id, n] : named) {
      if (n.subject->erased) {  // erased since the check above
        wipe_keys();
        return SubjectErased(id);
      }
      if (n.subject->persisted) continue;
      // A subject not yet persisted is written by every Persist that names it
      // until one succeeds: the same bytes each time.
      SubjectRecord r;
      r.set_subject_id(id);
      r.set_key(reinterpret_cast<const char*>(n.key.data()), n.key.size());
      r.set_lookup(reinterpret_cast<const char*>(n.subject->lookup.data()),
                   n.subject->lookup.size());
      r.set_created_at_unix_micros(ToMicros(n.subject->created_at));
      std::string bytes = SerializeWiping(&r);
      batch.Put(SubjectDbKey(id), bytes);
      Wipe(&bytes);
      batch.Put(LookupDbKey(n.subject->lookup), id);
      pending.add_created_subjects(id);
      created.push_back(n.subject);
    }
  }
  wipe_keys();
  const uint64_t pending_id = im.next_pending_.fetch_add(1);
  batch.Put(PendingDbKey(pending_id), pending.SerializeAsString());
  rocksdb::WriteOptions wo;
  wo.sync = im.options_.sync;
  rocksdb::Status s = im.db_->Write(wo, &batch);
  batch.Clear();
  if (!s.ok()) return FromRocks(s, "persisting personal values");
  std::lock_guard<std::mutex> lock(im.mu_);
  for (const auto& sub : created) sub->persisted = true;
  return pending_id;
}

absl::Status PersonalStore::Settle(uint64_t pending_id) {
  Impl& im = *impl_;
  if (!im.writable()) return ReadOnlyError("settle a pending record");
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  return FromRocks(im.db_->Delete(rocksdb::WriteOptions(), PendingDbKey(pending_id)),
                   "settling a pending record");
}

absl::StatusOr<SweepReport> PersonalStore::Sweep(
    const std::function<absl::StatusOr<bool>(absl::string_view event_id)>& in_log,
    bool remove_unused_subjects) {
  Impl& im = *impl_;
  if (!im.writable()) return ReadOnlyError("sweep");
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  SweepReport report;
  absl::flat_hash_map<std::string, bool> known;  // event id -> in the log
  std::vector<std::pair<std::string, PendingRecord>> records;
  {
    const std::string upper = PrefixEnd(kPendingPrefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
    for (it->Seek(kPendingPrefix); it->Valid(); it->Next()) {
      PendingRecord p;
      if (!p.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("pending record ", PendingIdOf(it->key().ToString()),
                                                " of the personal-data store does not parse"));
      }
      records.emplace_back(it->key().ToString(), std::move(p));
    }
    if (absl::Status st = FromRocks(it->status(), "reading the pending records"); !st.ok()) {
      return st;
    }
  }
  rocksdb::WriteOptions unsynced;
  for (const auto& [key, p] : records) {
    ++report.pending_records;
    rocksdb::WriteBatch values;
    for (const auto& ref : p.values()) {
      auto [k, inserted] = known.try_emplace(ref.event_id(), false);
      if (inserted) {
        absl::StatusOr<bool> in = in_log(ref.event_id());
        if (!in.ok()) return in.status();
        k->second = *in;
      }
      if (k->second) continue;
      const std::string vk = ValueDbKey(ref.subject_id(), ref.event_id(), ref.field_path());
      std::string ignored;
      rocksdb::Status s = im.db_->Get(rocksdb::ReadOptions(), vk, &ignored);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return FromRocks(s, "reading a swept value");
      values.Delete(vk);
      ++report.values_removed;
    }
    if (absl::Status st = FromRocks(im.db_->Write(unsynced, &values), "sweeping values");
        !st.ok()) {
      return st;
    }
    rocksdb::WriteBatch rest;
    for (const std::string& sid : p.created_subjects()) {
      if (!remove_unused_subjects) break;
      absl::StatusOr<std::optional<SubjectRecord>> r = im.ReadSubject(sid);
      if (!r.ok()) return r.status();
      if (!r->has_value() || (*r)->erased()) continue;
      Wipe((*r)->mutable_key());
      const std::string prefix = ValuePrefix(sid);
      const std::string upper = PrefixEnd(prefix);
      rocksdb::Slice upper_slice(upper);
      rocksdb::ReadOptions ro;
      ro.iterate_upper_bound = &upper_slice;
      std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
      it->Seek(prefix);
      const bool has_value = it->Valid();
      if (absl::Status st = FromRocks(it->status(), "reading a subject's values"); !st.ok()) {
        return st;
      }
      if (has_value) continue;
      rest.Delete(SubjectDbKey(sid));
      if ((*r)->lookup().size() == sizeof(Digest)) {
        rest.Delete(absl::StrCat(kLookupPrefix, (*r)->lookup()));
      }
      ++report.subjects_removed;
      // This process may still use the subject (a batch refused as a whole
      // is retried without its bad rows): it stays in memory, not persisted,
      // so that the next Persist naming it writes it again.
      std::lock_guard<std::mutex> lock(im.mu_);
      if (auto c = im.by_id_.find(sid); c != im.by_id_.end()) c->second->persisted = false;
    }
    rest.Delete(key);
    if (absl::Status st = FromRocks(im.db_->Write(unsynced, &rest), "sweeping a pending record");
        !st.ok()) {
      return st;
    }
  }
  if (!records.empty()) {
    if (absl::Status st = FromRocks(im.db_->FlushWAL(/*sync=*/true), "syncing the sweep");
        !st.ok()) {
      return st;
    }
  }
  return report;
}

absl::StatusOr<std::string> PersonalStore::Reveal(absl::string_view subject_id,
                                                  absl::string_view event_id,
                                                  absl::string_view field_path) {
  Impl& im = *impl_;
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  absl::StatusOr<std::shared_ptr<Subject>> s = im.LoadById(subject_id);
  if (!s.ok()) return s.status();
  Key key;
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    if (*s == nullptr || !(*s)->persisted) {
      return absl::NotFoundError(absl::StrCat("no subject ", subject_id,
                                              " in the personal-data store"));
    }
    if ((*s)->erased) return SubjectErased(subject_id);
    key = (*s)->key;
  }
  absl::StatusOr<FieldValues> blob = im.ReadFields(key, subject_id, event_id);
  OPENSSL_cleanse(key.data(), key.size());
  if (!blob.ok()) return blob.status();
  for (FieldValue& f : *blob->mutable_fields()) {
    if (f.field_path() == field_path) {
      std::string value = std::move(*f.mutable_value());
      Wipe(&*blob);
      return value;
    }
  }
  Wipe(&*blob);
  return absl::NotFoundError(absl::StrCat("no personal value of subject ", subject_id,
                                          " for event ", event_id, " field ", field_path));
}

namespace {

// The fields of one sealed (subject, event) blob; the plaintext is wiped.
// kDataLoss when it does not unseal or parse.
absl::StatusOr<FieldValues> OpenFields(const Key& key, absl::string_view subject_id,
                                       absl::string_view event_id, absl::string_view sealed) {
  absl::StatusOr<std::string> plain = Unseal(key, SealAad(subject_id, event_id, ""), sealed);
  if (!plain.ok()) return plain.status();
  FieldValues blob;
  const bool parsed = blob.ParseFromString(*plain);
  Wipe(&*plain);
  if (!parsed) {
    return absl::DataLossError(absl::StrCat("the personal values of subject ", subject_id,
                                            " for event ", event_id, " do not parse"));
  }
  return blob;
}

}  // namespace

absl::StatusOr<FieldValues> PersonalStore::Impl::ReadFields(const Key& key,
                                                            absl::string_view subject_id,
                                                            absl::string_view event_id) {
  std::string sealed;
  rocksdb::Status st =
      db_->Get(rocksdb::ReadOptions(), ValueDbKey(subject_id, event_id, ""), &sealed);
  if (st.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no personal value of subject ", subject_id,
                                            " for event ", event_id));
  }
  if (!st.ok()) return FromRocks(st, "reading a personal value");
  return OpenFields(key, subject_id, event_id, sealed);
}

absl::StatusOr<Digest> PersonalStore::OpeningFor(absl::string_view subject_id,
                                                 absl::string_view event_id,
                                                 absl::string_view field_path) {
  Impl& im = *impl_;
  absl::StatusOr<std::shared_ptr<Subject>> s;
  {
    std::shared_lock<std::shared_mutex> rw(im.rw_);
    s = im.LoadById(subject_id);
  }
  if (!s.ok()) return s.status();
  Key key;
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    if (*s == nullptr) {
      return absl::NotFoundError(absl::StrCat("no subject ", subject_id,
                                              " in the personal-data store"));
    }
    if ((*s)->erased) return SubjectErased(subject_id);
    key = (*s)->key;
  }
  Digest d = Opening(key, event_id, field_path);
  OPENSSL_cleanse(key.data(), key.size());
  return d;
}

absl::StatusOr<EraseResult> PersonalStore::Erase(absl::string_view subject_id,
                                                 absl::string_view authority,
                                                 absl::string_view reason, absl::Time at) {
  Impl& im = *impl_;
  if (!im.writable()) return ReadOnlyError("erase");
  if (authority.empty()) return absl::InvalidArgumentError("an erasure needs an authority");
  if (reason.empty()) return absl::InvalidArgumentError("an erasure needs a reason");
  std::unique_lock<std::shared_mutex> rw(im.rw_);
  absl::StatusOr<std::optional<SubjectRecord>> r = im.ReadSubject(subject_id);
  if (!r.ok()) return r.status();
  if (!r->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no subject ", subject_id, " in the personal-data store"));
  }
  SubjectRecord rec = **std::move(r);
  EraseResult result;
  Key key{};
  if (rec.key().size() == key.size()) std::memcpy(key.data(), rec.key().data(), key.size());
  struct WipeKey {
    Key& k;
    ~WipeKey() { OPENSSL_cleanse(k.data(), k.size()); }
  } wipe_key{key};
  if (rec.erased()) {
    // Nothing changes; but the flush and compaction run again, so that
    // erasing again completes an erasure cut short by a crash after its
    // batch was written.
    result.subject = InfoOf(rec);
    result.already_erased = true;
    if (absl::Status st = im.ShredOldFiles(); !st.ok()) return st;
    return result;
  }
  Wipe(rec.mutable_key());
  rec.clear_key();
  rec.set_erased(true);
  rec.set_erased_at_unix_micros(ToMicros(at));
  rec.set_authority(std::string(authority));
  rec.set_reason(std::string(reason));

  rocksdb::WriteBatch batch;
  batch.Put(SubjectDbKey(subject_id), rec.SerializeAsString());
  {
    const std::string prefix = ValuePrefix(subject_id);
    const std::string upper = PrefixEnd(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      batch.Delete(it->key());
      // Count the fields the blob holds (1 if it cannot be read).
      const absl::string_view k(it->key().data(), it->key().size());
      const size_t a = k.find('\0');
      const size_t b = k.find('\0', a + 1);
      absl::StatusOr<std::string> plain =
          Unseal(key, SealAad(subject_id, k.substr(a + 1, b - a - 1), ""),
                 absl::string_view(it->value().data(), it->value().size()));
      FieldValues blob;
      result.values_destroyed += plain.ok() && blob.ParseFromString(*plain)
                                     ? static_cast<uint64_t>(blob.fields_size())
                                     : 1;
      if (plain.ok()) Wipe(&*plain);
      Wipe(&blob);
    }
    if (absl::Status st = FromRocks(it->status(), "listing the subject's values"); !st.ok()) {
      return st;
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (absl::Status st = FromRocks(im.db_->Write(wo, &batch), "writing the erasure"); !st.ok()) {
    return st;
  }
  {
    std::lock_guard<std::mutex> lock(im.mu_);
    if (auto c = im.by_id_.find(subject_id); c != im.by_id_.end()) {
      c->second->erased = true;
      c->second->persisted = true;
      OPENSSL_cleanse(c->second->key.data(), c->second->key.size());
    }
  }
  if (absl::Status st = im.ShredOldFiles(); !st.ok()) return st;
  result.subject = InfoOf(rec);
  return result;
}

absl::Status PersonalStore::Flush() {
  Impl& im = *impl_;
  if (!im.writable()) return absl::OkStatus();
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  return FromRocks(im.db_->FlushWAL(/*sync=*/true), "syncing the personal-data store");
}

absl::StatusOr<std::vector<SubjectInfo>> PersonalStore::ListSubjects() {
  Impl& im = *impl_;
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  std::vector<SubjectInfo> out;
  const std::string upper = PrefixEnd(kSubjectPrefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
  for (it->Seek(kSubjectPrefix); it->Valid(); it->Next()) {
    SubjectRecord r;
    if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("the personal-data store's record ",
                                              it->key().ToString(), " does not parse"));
    }
    Wipe(r.mutable_key());
    out.push_back(InfoOf(r));
  }
  if (absl::Status st = FromRocks(it->status(), "listing subjects"); !st.ok()) return st;
  return out;
}

absl::StatusOr<std::vector<PersonalStore::ValueRef>> PersonalStore::ListValues(
    absl::string_view subject_id, std::vector<std::string>* subject_ids) {
  Impl& im = *impl_;
  std::vector<std::pair<std::string, std::string>> blobs;  // (subject, event)
  {
    std::shared_lock<std::shared_mutex> rw(im.rw_);
    const std::string prefix =
        subject_id.empty() ? std::string(kValuePrefix) : ValuePrefix(subject_id);
    const std::string upper = PrefixEnd(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      absl::string_view subject, event;
      if (!SplitValueKey(it->key(), &subject, &event)) return MalformedValueKey();
      blobs.emplace_back(std::string(subject), std::string(event));
    }
    if (absl::Status st = FromRocks(it->status(), "listing personal values"); !st.ok()) return st;
  }
  // The field paths are inside the sealed blobs.
  std::vector<ValueRef> out;
  for (const auto& [subject, event] : blobs) {
    absl::StatusOr<std::shared_ptr<Subject>> s;
    {
      std::shared_lock<std::shared_mutex> rw(im.rw_);
      s = im.LoadById(subject);
    }
    if (!s.ok()) return s.status();
    Key key{};
    {
      std::lock_guard<std::mutex> lock(im.mu_);
      if (*s == nullptr || (*s)->erased) {
        return absl::DataLossError(absl::StrCat("the personal-data store keeps values of ", subject,
                                                ", which it holds no key for"));
      }
      key = (*s)->key;
    }
    absl::StatusOr<FieldValues> fields;
    {
      std::shared_lock<std::shared_mutex> rw(im.rw_);
      fields = im.ReadFields(key, subject, event);
    }
    OPENSSL_cleanse(key.data(), key.size());
    if (!fields.ok()) return fields.status();
    for (const FieldValue& f : fields->fields()) {
      if (subject_ids != nullptr) subject_ids->push_back(subject);
      out.push_back(ValueRef{event, f.field_path()});
    }
    Wipe(&*fields);
  }
  return out;
}

absl::Status PersonalStore::ScanValues(
    const std::function<bool(absl::string_view field_path)>& wanted,
    const std::function<bool(const OpenedValue&)>& visit) {
  Impl& im = *impl_;
  std::shared_lock<std::shared_mutex> rw(im.rw_);
  const std::string upper = PrefixEnd(kValuePrefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(im.db_->NewIterator(ro));
  std::string subject;  // whose key is in `key`
  Key key{};
  struct WipeKey {
    Key& k;
    ~WipeKey() { OPENSSL_cleanse(k.data(), k.size()); }
  } wipe_key{key};
  for (it->Seek(kValuePrefix); it->Valid(); it->Next()) {
    absl::string_view subject_id, event_id;
    if (!SplitValueKey(it->key(), &subject_id, &event_id)) return MalformedValueKey();
    if (subject_id != subject) {
      absl::StatusOr<std::shared_ptr<Subject>> s = im.LoadById(subject_id);
      if (!s.ok()) return s.status();
      std::lock_guard<std::mutex> lock(im.mu_);
      if (*s == nullptr || (*s)->erased) {
        return absl::DataLossError(absl::StrCat("the personal-data store keeps values of ",
                                                subject_id, ", which it holds no key for"));
      }
      key = (*s)->key;
      subject = std::string(subject_id);
    }
    absl::StatusOr<FieldValues> blob = OpenFields(
        key, subject_id, event_id, absl::string_view(it->value().data(), it->value().size()));
    if (!blob.ok()) return blob.status();
    bool go_on = true;
    for (const FieldValue& f : blob->fields()) {
      if (!wanted(f.field_path())) continue;
      go_on = visit(OpenedValue{subject_id, event_id, f.field_path(), f.value()});
      if (!go_on) break;
    }
    Wipe(&*blob);
    if (!go_on) return absl::OkStatus();
  }
  return FromRocks(it->status(), "reading personal values");
}

}  // namespace personal
