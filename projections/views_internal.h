// Internals of projections::Views shared by views.cc (open, lock, catch-up,
// rebuild, as-of, verify) and views_query.cc (the queries and digests). Not
// part of the public API.
#ifndef ENFORCEMENT_PROJECTIONS_VIEWS_INTERNAL_H_
#define ENFORCEMENT_PROJECTIONS_VIEWS_INTERNAL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "projections/store_coding.h"
#include "projections/views.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"

namespace projections {

class Views::Impl {
 public:
  ~Impl();

  std::string dir;
  bool scratch = false;  // remove `dir` when closed
  int lock_fd = -1;      // flock held on <dir>/VIEWS.lock (persistent stores)
  ViewsOptions options;
  std::unique_ptr<rocksdb::Env> mem_env;  // in-memory scratch stores only
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;  // indexed by internal::Cf
  // From the meta family.
  uint64_t applied = 0;
  std::string root;    // Merkle root of the log at size `applied` (32 bytes; empty if 0)
  std::string origin;  // the log's origin line, once known
  std::string format;  // stored format version ("" for a new store)
  // Why Open emptied the store, for the next catch-up to report ("" = it did not).
  std::string discarded;

  rocksdb::ColumnFamilyHandle* cf(internal::Cf c) const { return cfs[c]; }

  absl::Status OpenDb();
  void CloseDb();
  // Destroys the store and creates an empty one in its place.
  absl::Status Wipe();
  absl::Status LoadMeta();
};

// Maps a RocksDB status to an absl::Status with `context`.
absl::Status ViewsFromRocks(const rocksdb::Status& s, absl::string_view context);

}  // namespace projections

#endif  // ENFORCEMENT_PROJECTIONS_VIEWS_INTERNAL_H_
