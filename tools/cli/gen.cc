// `ledger gen`: writes the events of workload::EventGenerator's kStory
// shape (workload/generator.h; docs/IMPORT.md, "Synthetic data") as NDJSON,
// or as the wide CSV that data/generated.mapping maps (workload/gen_csv.h).
// The output depends only on (--seed, --events, --no-ids).
#include "tools/cli/gen.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "ledger/record_coding.h"
#include "ingest/event_id.h"
#include "util/output_file.h"
#include "workload/gen_csv.h"
#include "workload/generator.h"

namespace cli {

using enforcement::v1::Event;

int RunGen(const Invocation& inv) {
  absl::StatusOr<std::optional<uint64_t>> events = inv.args.GetUint("events");
  if (!events.ok()) return inv.UsageError(events.status().message());
  absl::StatusOr<std::optional<uint64_t>> seed = inv.args.GetUint("seed");
  if (!seed.ok()) return inv.UsageError(seed.status().message());
  if (!events->has_value()) return inv.UsageError("--events N is required");
  if (!seed->has_value()) return inv.UsageError("--seed S is required (the output depends only on it)");
  const std::string format = inv.args.GetOr("format", "ndjson");
  if (format != "ndjson" && format != "csv") {
    return inv.UsageError(absl::StrCat("--format wants ndjson or csv, not \"", format, "\""));
  }
  const std::string out_path = inv.args.GetOr("out", "-");
  FILE* out = stdout;
  // --out FILE: under the output-file policy (docs/FILES.md), written to a
  // temporary file beside it and renamed over it when complete.
  std::unique_ptr<ledger::OutputFile> file;
  if (out_path != "-") {
    absl::StatusOr<std::unique_ptr<ledger::OutputFile>> created =
        ledger::OutputFile::Create(out_path, {"--out", {}});
    if (!created.ok()) return OutputError(inv, created.status());
    file = *std::move(created);
    out = file->file();
  }
  workload::GeneratorOptions options;
  options.shape = workload::Shape::kStory;
  options.seed = **seed;
  if (inv.args.Has("no-ids")) options.derive_event_id = &ingest::DeriveEventId;
  workload::EventGenerator gen(std::move(options));
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool()));
  google::protobuf::util::JsonPrintOptions print;
  bool ok = true;
  if (format == "csv") ok = WriteTo(out, workload::CsvLine(workload::GenCsvHeader()));
  std::string line;
  for (uint64_t i = 0; ok && i < **events; ++i) {
    const Event e = gen.Next();
    if (format == "csv") {
      line = workload::CsvLine(workload::GenCsvRow(e));
    } else {
      // Via the deterministic binary form, so that map keys come out sorted
      // (MessageToJsonString follows the in-memory map's hash order).
      std::string binary;
      ledger::SerializeEventDeterministic(e, &binary);
      line.clear();
      const auto status = google::protobuf::util::BinaryToJsonString(
          resolver.get(), "type.googleapis.com/enforcement.v1.Event", binary, &line, print);
      if (!status.ok()) return inv.Fail(kExitInternal, std::string(status.message()));
      line.push_back('\n');
    }
    ok = WriteTo(out, line);
  }
  if (file) {
    if (!ok) return inv.Fail(kExitInternal, absl::StrCat("cannot write ", out_path));
    if (absl::Status c = file->Commit(); !c.ok()) {
      return inv.Fail(c.code() == absl::StatusCode::kFailedPrecondition ? kExitUsage : kExitInternal,
                      c.message());
    }
  } else if (!ok) {
    if (StdoutClosed()) return kExitOk;
    return inv.Fail(kExitInternal, "cannot write to standard output");
  }
  return kExitOk;
}

}  // namespace cli
