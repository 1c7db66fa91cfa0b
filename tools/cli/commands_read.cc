// The commands that read: read, head, export. All open the ledger read-only
// (OpenMode::kRead), so they work while a writer runs; they see the records
// committed when they opened it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "util/output_file.h"
#include "util/text.h"
#include "tools/cli/cli_common.h"
#include "tools/cli/commands.h"
#include "enforcement/api/v1/log.pb.h"
#include "ingest/ndjson.h"

namespace cli {
namespace {

// Scan's early stop: returned by a callback that has seen enough.
absl::Status StopScan() { return absl::CancelledError("stop"); }
bool IsStopScan(const absl::Status& s) {
  return s.code() == absl::StatusCode::kCancelled && s.message() == "stop";
}

std::vector<std::string> RecordRow(const enforcement::v1::LedgerRecord& r) {
  const enforcement::v1::Event& e = r.event();
  return {absl::StrCat(r.position()),
          FormatTimestamp(r.recorded_at()),
          e.stream(),
          absl::StrCat(r.stream_version()),
          e.event_id(),
          BodyKind(e),
          FormatOccurred(e.occurred_at(), e.occurred_precision())};
}

const std::vector<std::string>& RecordHeaders() {
  static const auto* const kHeaders = new std::vector<std::string>{
      "POSITION", "RECORDED_AT", "STREAM", "VERSION", "EVENT_ID", "KIND", "OCCURRED"};
  return *kHeaders;
}

// Resolves --from/--to against the tree size. kOutOfRange when from is past
// the head; `to` is clamped to the head.
absl::Status ResolveRange(const Invocation& inv, uint64_t tree_size, uint64_t* from,
                          uint64_t* to, int* usage) {
  absl::StatusOr<std::optional<uint64_t>> f = inv.args.GetUint("from");
  absl::StatusOr<std::optional<uint64_t>> t = inv.args.GetUint("to");
  for (const auto* s : {&f, &t}) {
    if (!s->ok()) {
      *usage = 1;
      return s->status();
    }
  }
  *from = f->value_or(0);
  *to = t->value_or(std::max(tree_size, *from));
  if (*to < *from) {
    *usage = 1;
    return absl::InvalidArgumentError(
        absl::StrCat("--to ", *to, " is before --from ", *from, " (the range is [from, to))"));
  }
  if (*from > tree_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "position ", *from, " is past the head: ",
        tree_size == 0 ? std::string("the ledger is empty")
                       : absl::StrCat("the ledger has ", tree_size, " records (positions 0\u2013",
                                      tree_size - 1, ")")));
  }
  if (*to > tree_size) *to = tree_size;
  return absl::OkStatus();
}

// Appends the base-128 varint encoding of v (protobuf's wire format).
void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

}  // namespace

// ---------------------------------------------------------------------------
// read

int RunRead(const Invocation& inv) {
  const std::optional<std::string> stream = inv.args.Get("stream");
  // Paging (docs/PAGING.md): a table shows at most 100 records unless
  // --limit K (0 or --all: all); NDJSON (--json), a stream for scripts like
  // export's, is cut only by --limit. --after P resumes after position P
  // (with --stream: after version P). A cut says "N more — next page:
  // --after P" on stderr.
  absl::StatusOr<std::optional<uint64_t>> limit_opt = inv.args.GetUint("limit");
  if (!limit_opt.ok()) return inv.UsageError(limit_opt.status().message());
  if (inv.args.Has("all") && limit_opt->value_or(0) != 0) {
    return inv.UsageError("give --all or --limit K, not both");
  }
  uint64_t limit = limit_opt->value_or(inv.global.json ? 0 : 100);
  if (inv.args.Has("all")) limit = 0;
  if (limit == 0) limit = ~uint64_t{0};
  absl::StatusOr<std::optional<uint64_t>> after_opt = inv.args.GetUint("after");
  if (!after_opt.ok()) return inv.UsageError(after_opt.status().message());
  const std::optional<uint64_t> after = *after_opt;
  // The first position (or stream version) after the cursor; --after at the
  // largest number has nothing after it (not a wrap to 0).
  const uint64_t after_next = after && *after != ~uint64_t{0} ? *after + 1 : ~uint64_t{0};
  if (after && (inv.args.Has("from") || inv.args.Has("from-version"))) {
    return inv.UsageError("--after P resumes after P: give it or --from/--from-version, not both");
  }
  uint64_t remaining = 0;  // records after the page
  uint64_t last = 0;       // the cursor: last position (or stream version) shown
  if (stream && (inv.args.Has("from") || inv.args.Has("to"))) {
    return inv.UsageError("--from/--to select positions; with --stream use --from-version");
  }
  if (!stream && inv.args.Has("from-version")) {
    return inv.UsageError("--from-version needs --stream S");
  }
  absl::StatusOr<std::optional<uint64_t>> from_version_opt = inv.args.GetUint("from-version");
  if (!from_version_opt.ok()) return inv.UsageError(from_version_opt.status().message());

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  const ledger::Head head = (*db)->GetHead();

  // Created at the first record, so that an error leaves stdout empty.
  std::optional<TablePrinter> table;
  bool write_failed = false;
  uint64_t emitted = 0;
  auto emit = [&](const ledger::StoredRecord& rec) -> absl::Status {
    ++emitted;
    if (!inv.global.json) {
      if (!table) table.emplace(RecordHeaders());
      table->AddRow(RecordRow(rec.record));
      return StdoutClosed() ? StopScan() : absl::OkStatus();
    }
    absl::StatusOr<std::string> json = ingest::ToCanonicalJson(rec.record);
    if (!json.ok()) return json.status();
    if (!WriteStdout(*json + "\n")) {
      write_failed = true;
      return StopScan();
    }
    return absl::OkStatus();
  };

  if (stream) {
    absl::StatusOr<std::optional<uint64_t>> version = (*db)->StreamVersion(*stream);
    if (!version.ok()) return inv.Fail(version.status(), StatusContext::kRead);
    if (!version->has_value()) {
      return inv.Fail(kExitNotFound, absl::StrCat("stream ", *stream, " has no events"));
    }
    const uint64_t from_version = after ? after_next : from_version_opt->value_or(0);
    if (from_version > **version + 1) {
      return inv.Fail(kExitNotFound, absl::StrCat("stream ", *stream, " has versions 0\u2013",
                                                  **version, "; --from-version ", from_version,
                                                  " is past its end"));
    }
    absl::StatusOr<std::vector<uint64_t>> positions =
        (*db)->StreamPositions(*stream, from_version, limit);
    if (!positions.ok()) return inv.Fail(positions.status(), StatusContext::kRead);
    if (!positions->empty() && positions->size() == limit) {
      last = from_version + limit - 1;
      if (last < **version) remaining = **version - last;
    }
    for (uint64_t p : *positions) {
      absl::StatusOr<ledger::StoredRecord> rec = (*db)->ReadOne(p);
      if (!rec.ok()) {
        return inv.Fail(rec.status(), StatusContext::kRead, absl::StrCat("position ", p));
      }
      if (absl::Status s = emit(*rec); !s.ok()) {
        if (IsStopScan(s)) break;
        return inv.Fail(s, StatusContext::kRead);
      }
    }
  } else {
    uint64_t from = 0, to = 0;
    int usage = 0;
    if (absl::Status s = ResolveRange(inv, head.tree_size, &from, &to, &usage); !s.ok()) {
      if (usage) return inv.UsageError(s.message());
      return inv.Fail(s, StatusContext::kRead);
    }
    if (after) from = std::min(after_next, to);
    if (limit < to - from) {
      last = from + limit - 1;
      remaining = to - from - limit;
    }
    uint64_t n = 0;
    absl::Status s = (*db)->Scan(from, to, [&](const ledger::StoredRecord& rec) -> absl::Status {
      if (n >= limit) return StopScan();
      ++n;
      return emit(rec);
    });
    if (!s.ok() && !IsStopScan(s)) return inv.Fail(s, StatusContext::kRead);
    if (s.ok() && n != std::min(limit, to - from)) {
      if (table) table->Finish();
      return inv.Fail(kExitInternal, absl::StrCat("expected records ", from, "\u2013", to - 1,
                                                  " but the store yielded ", n));
    }
  }
  if (table) table->Finish();
  if (!inv.global.json && emitted == 0) WriteStdout("no records\n");
  if (StdoutClosed()) return kExitOk;  // the reader has seen enough, as `head` intends
  if (remaining > 0 && !write_failed) {
    std::fflush(stdout);
    std::fprintf(stderr, "ledger: read: %s more \u2014 next page: --after %llu (--limit 0 for all)\n",
                 WithThousands(remaining).c_str(), static_cast<unsigned long long>(last));
  }
  if (write_failed) return inv.Fail(kExitInternal, "cannot write to standard output");
  return kExitOk;
}

// ---------------------------------------------------------------------------
// head

int RunHead(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  const ledger::Head head = (*db)->GetHead();
  if (inv.global.json) {
    enforcement::api::v1::HeadAnswer answer;
    answer.set_db(inv.global.db);
    answer.set_origin(head.origin);
    answer.set_tree_size(head.tree_size);
    answer.set_root_hex(merkle::ToHex(head.root));
    answer.set_root_base64(merkle::ToBase64(head.root));
    if (head.last_recorded_at != absl::InfinitePast()) {
      answer.set_last_recorded_at(FormatRfc3339(head.last_recorded_at));
    }
    return WriteAnswer(inv, answer);
  }
  PrintKeyValues({{"origin", head.origin},
                  {"tree size", absl::StrCat(head.tree_size)},
                  {"root (hex)", merkle::ToHex(head.root)},
                  {"root (base64)", merkle::ToBase64(head.root)},
                  {"last recorded at", head.tree_size == 0 ? std::string("- (empty ledger)")
                                                           : FormatRfc3339(head.last_recorded_at)}});
  return kExitOk;
}

// ---------------------------------------------------------------------------
// export

int RunExport(const Invocation& inv) {
  const std::optional<std::string> format = inv.args.Get("format");
  if (!format) return inv.UsageError("--format delimited|ndjson is required");
  if (*format != "delimited" && *format != "ndjson") {
    return inv.UsageError(
        absl::StrCat("--format wants delimited or ndjson, not \"", *format, "\""));
  }
  const bool delimited = *format == "delimited";
  const std::string out_path = inv.args.GetOr("out", "-");
  const bool to_stdout = out_path == "-";
  if (to_stdout && delimited && isatty(STDOUT_FILENO) == 1) {
    return inv.UsageError("refusing to write binary records to a terminal; use --out FILE or a pipe");
  }

  absl::StatusOr<std::unique_ptr<ledger::Ledger>> db = OpenLedger(inv.global, OpenMode::kRead);
  if (!db.ok()) return inv.Fail(db.status(), StatusContext::kOpen);
  const ledger::Head head = (*db)->GetHead();
  uint64_t from = 0, to = 0;
  int usage = 0;
  if (absl::Status s = ResolveRange(inv, head.tree_size, &from, &to, &usage); !s.ok()) {
    if (usage) return inv.UsageError(s.message());
    return inv.Fail(s, StatusContext::kRead);
  }

  // Written under the output-file policy (docs/FILES.md): a temporary file
  // beside the target, renamed over it only when the export is complete.
  std::unique_ptr<ledger::OutputFile> file;
  FILE* out = stdout;
  if (!to_stdout) {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> created =
        ledger::OutputFile::Create(out_path, {"--out", {}});
    if (!created.ok()) return OutputError(inv, created.status());
    file = *std::move(created);
    out = file->file();
  }

  ProgressMeter progress("export", "records");
  uint64_t count = 0, bytes = 0;
  std::string buf;
  absl::Status s = (*db)->Scan(from, to, [&](const ledger::StoredRecord& rec) -> absl::Status {
    buf.clear();
    if (delimited) {
      AppendVarint(&buf, rec.bytes.size());
      buf += rec.bytes;
    } else {
      absl::StatusOr<std::string> json = ingest::ToCanonicalJson(rec.record);
      if (!json.ok()) return json.status();
      buf = *std::move(json);
      buf.push_back('\n');
    }
    if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", to_stdout ? "standard output" : out_path,
                                                 ": ", std::strerror(errno)));
    }
    ++count;
    bytes += buf.size();
    progress.Update(count, to > from ? static_cast<double>(count) / static_cast<double>(to - from)
                                     : -1.0);
    return absl::OkStatus();
  });
  progress.Finish();
  if (s.ok() && count != to - from) {
    // Ledger::Scan stops quietly at the last stored record; a shorter export
    // than the head promises must not pass for a complete one.
    s = absl::DataLossError(absl::StrCat("expected records ", from, "\u2013", to - 1,
                                         " but the store yielded ", count));
  }
  if (!s.ok()) {
    return inv.Fail(s, StatusContext::kRead,
                    to_stdout ? absl::StrCat("export stopped after ", count, " records")
                              : absl::StrCat("export failed; ", out_path, " was not written"));
  }
  if (file) {
    if (absl::Status c = file->Commit(); !c.ok()) {
      return inv.Fail(c.code() == absl::StatusCode::kFailedPrecondition ? kExitUsage : kExitInternal,
                      c.message());
    }
  } else {
    if (std::fflush(stdout) != 0) return inv.Fail(kExitInternal, "cannot write to standard output");
    return kExitOk;  // stdout carries the data: no summary
  }

  // A summary, for an export to a file. From position 0 the root of the
  // exported prefix is what a checkpoint of that size must show.
  std::optional<merkle::Hash> root;
  if (from == 0) {
    absl::StatusOr<merkle::Hash> r = (*db)->RootAt(to);
    if (r.ok()) root = *r;
  }
  if (inv.global.json) {
    enforcement::api::v1::ExportAnswer answer;
    answer.set_out(out_path);
    answer.set_format(*format);
    answer.set_records(count);
    answer.set_bytes(bytes);
    answer.set_from(from);
    answer.set_to(to);
    answer.set_tree_size(head.tree_size);
    if (root) {
      answer.set_root_hex(merkle::ToHex(*root));
      answer.set_root_base64(merkle::ToBase64(*root));
    }
    if (int e = WriteAnswer(inv, answer); e != kExitOk) return e;
  } else {
    std::string line = absl::StrCat("exported ", ledger::Counted(static_cast<long long>(count), "record", "records"), count == 0 ? "" : absl::StrCat(
                                        " (positions ", from, "\u2013", to - 1, ")"),
                                    " as ", *format, " to ", out_path, " (", bytes, " bytes)");
    if (root) {
      absl::StrAppend(&line, "; root of the first ", to, " records: ", merkle::ToHex(*root));
    }
    WriteStdout(line + "\n");
  }
  return kExitOk;
}

}  // namespace cli
