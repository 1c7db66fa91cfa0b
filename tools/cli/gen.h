// `ledger gen`: the CLI front of the workload generator (workload/).
#ifndef ENFORCEMENT_TOOLS_CLI_GEN_H_
#define ENFORCEMENT_TOOLS_CLI_GEN_H_

#include "tools/cli/cli_common.h"

namespace cli {

// `ledger gen --events N --seed S [--format ndjson|csv] [--out FILE] [--no-ids]`.
int RunGen(const Invocation& inv);

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_GEN_H_
