// The subcommands of `ledger` and their table. To add a command: write
// `int RunX(const Invocation&)` in a commands_*.cc file, declare it here and
// add one row to the table in commands.cc (name, help text, options, run).
#ifndef ENFORCEMENT_TOOLS_CLI_COMMANDS_H_
#define ENFORCEMENT_TOOLS_CLI_COMMANDS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tools/cli/cli_common.h"

namespace projections {
struct CatchUpOptions;
}

namespace cli {

// commands_query.cc: catch-up options that show a catch-up's progress on
// `progress` (records applied, then a bulk build's merge). `progress` must
// outlive the catch-up.
projections::CatchUpOptions CatchUpProgress(ProgressMeter* progress);

// commands_write.cc
int RunInit(const Invocation& inv);
int RunAppend(const Invocation& inv);
int RunImport(const Invocation& inv);
// commands_personal.cc
int RunErase(const Invocation& inv);
int RunMigrate(const Invocation& inv);
// gen.cc
int RunGen(const Invocation& inv);
// commands_read.cc
int RunRead(const Invocation& inv);
int RunHead(const Invocation& inv);
int RunExport(const Invocation& inv);
// commands_show.cc (one event in full: query/event_details.h)
int RunShow(const Invocation& inv);
// commands_verify.cc
int RunVerify(const Invocation& inv);
// commands_query.cc (projections: views, flows, totals, timelines)
int RunSuspects(const Invocation& inv);
// commands_search.cc: `suspects search PREFIX --personal` (called by RunSuspects)
int RunSuspectsSearch(const Invocation& inv);
int RunOperations(const Invocation& inv);
int RunCases(const Invocation& inv);
int RunFlows(const Invocation& inv);
int RunStats(const Invocation& inv);
int RunTimeline(const Invocation& inv);
int RunRebuild(const Invocation& inv);
// commands_audit.cc (tamper evidence: keys, checkpoints, proofs, audits)
int RunKeygen(const Invocation& inv);
int RunCheckpoint(const Invocation& inv);
int RunCheckpoints(const Invocation& inv);
int RunProve(const Invocation& inv);
int RunCheck(const Invocation& inv);
int RunAudit(const Invocation& inv);
// commands_report.cc (the case dossier)
int RunReport(const Invocation& inv);
// commands_backup.cc (backups, restores, snapshots)
int RunBackup(const Invocation& inv);
int RunSnapshot(const Invocation& inv);

// Every command, in the order `ledger --help` lists them.
absl::Span<const CommandSpec> Commands();
// The command named `name`, or nullptr.
const CommandSpec* FindCommand(absl::string_view name);

// `ledger --help`: synopsis, global options, commands, exit codes.
std::string OverviewHelp();
// `ledger help CMD` / `ledger CMD --help`: synopsis, description, options,
// example, exit codes.
std::string CommandHelp(const CommandSpec& command);

}  // namespace cli

#endif  // ENFORCEMENT_TOOLS_CLI_COMMANDS_H_
