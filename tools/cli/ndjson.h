// Forwarding header: NDJSON input/output moved to ingest/ndjson.h (issue 12).
// Kept so that CLI files owned by other steps of issue 12 (gen.cc,
// commands_read.cc) compile unchanged; remove once they include
// ingest/ndjson.h themselves.
#ifndef ENFORCEMENT_TOOLS_CLI_NDJSON_H_
#define ENFORCEMENT_TOOLS_CLI_NDJSON_H_

#include "ingest/ndjson.h"

namespace cli {
using ::ingest::EscapeControlCharacters;
using ::ingest::IsBlankLine;
using ::ingest::kMaxLineBytes;
using ::ingest::LineReader;
using ::ingest::ParseEventLine;
using ::ingest::ToCanonicalJson;
}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_NDJSON_H_
