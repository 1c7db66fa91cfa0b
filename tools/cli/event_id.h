// Forwarding header: event-id derivation moved to ingest/event_id.h (issue
// 12). Kept so that tools/cli/gen.cc (owned by another step of issue 12)
// compiles unchanged; remove once it includes ingest/event_id.h.
#ifndef ENFORCEMENT_TOOLS_CLI_EVENT_ID_H_
#define ENFORCEMENT_TOOLS_CLI_EVENT_ID_H_

#include "ingest/event_id.h"

namespace cli {
using ::ingest::DeriveEventId;
using ::ingest::EnsureEventId;
using ::ingest::Sha256Hex;
}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_EVENT_ID_H_
