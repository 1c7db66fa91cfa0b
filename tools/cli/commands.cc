// The command table of `ledger` and the help text rendered from it.
#include "tools/cli/commands.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/cli/help_formats.h"

namespace cli {
namespace {

// The query commands answer in every format of docs/OUTPUT.md: each gets
// --format and --out (cli_common.h AnswerOutputOptionSpecs).
std::vector<CommandSpec>* WithAnswerOutputOptions(std::vector<CommandSpec>* table) {
  for (CommandSpec& c : *table) {
    if (c.run == &RunSuspects || c.run == &RunOperations || c.run == &RunCases ||
        c.run == &RunFlows || c.run == &RunStats || c.run == &RunTimeline) {
      for (const OptionSpec& o : AnswerOutputOptionSpecs()) c.options.push_back(o);
    }
  }
  return table;
}

const std::vector<CommandSpec>& Table() {
  static const auto* const kTable = WithAnswerOutputOptions(new std::vector<CommandSpec>{
      {
          "init",
          "create a new, empty ledger",
          "ledger init --origin NAME [--db DIR] [--format 2|1]",
          "Creates an empty ledger in DIR (which must not exist or be empty).\n"
          "NAME is the log's origin line, used in signed checkpoints; by\n"
          "convention a host-like name, e.g. \"ledger.example.org/enforcement\".\n"
          "Format 2 (the default) keeps personal data out of the log: suspects'\n"
          "names and agency ids go to an encrypted personal-data store in\n"
          "DIR/personal and the log holds pseudonymous subject ids and salted\n"
          "commitments, so that `ledger erase` can forget a person without\n"
          "changing a record (docs/PERSONAL_DATA.md). Format 1 keeps names in\n"
          "the records, where they can never be erased; it exists for ledgers\n"
          "made before format 2 and for tests.\n"
          "Refuses (exit 4) when a ledger or other files already exist in DIR.",
          {{"origin", "NAME", "the checkpoint origin line of the new log (required)"},
           {"format", "N", "storage format: 2 (default) or 1"}},
          0,
          0,
          "ledger --db ./ledger-data init --origin ledger.example.org/enforcement",
          {kExitOk, kExitUsage, kExitConflict, kExitLocked, kExitInternal},
          &RunInit,
      },
      {
          "append",
          "append NDJSON events in one atomic write",
          "ledger append [FILE|-] [--stream S [--expected-version any|none|N]]",
          "Reads events, one JSON object per line (the canonical proto3 JSON of\n"
          "enforcement.v1.Event, parsed strictly as by import: duplicate keys,\n"
          "unknown fields and non-JSON refused; blank lines skipped; an event\n"
          "without event_id gets import's derived id) from FILE or standard\n"
          "input, and appends them in ONE atomic write: all are written or none;\n"
          "an invalid event refuses the whole write (validated after the\n"
          "duplicate check, as in import). With --stream, every event must\n"
          "belong to stream S and --expected-version is checked first (any: no\n"
          "check; none: S must have no events yet; N: S's last stream_version\n"
          "must be N). An event whose event_id is already recorded with\n"
          "identical content is reported as a duplicate with its original\n"
          "position and not written again.\n"
          "Prints the position, stream version and duplicate flag of each event.",
          {{"stream", "S", "append to stream S only (one Ledger::Append)"},
           {"expected-version", "V",
            "with --stream: any (default), none (no events yet) or the exact last version N"}},
          0,
          1,
          "echo '{\"eventId\":\"e1\",\"stream\":\"operation/muse-2023\",...}' |\n"
          "    ledger append --stream operation/muse-2023 --expected-version none",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunAppend,
      },
      {
          "import",
          "bulk-load NDJSON or CSV in atomic batches",
          "ledger import FILE|- [--mapping MAP] [--rejects FILE] [--batch N] [--threads T]\n"
          "                     [--dry-run] [--bulk]",
          "Streams FILE (or standard input) in constant memory: NDJSON, one event\n"
          "per line (canonical proto3 JSON of enforcement.v1.Event, parsed strictly:\n"
          "duplicate keys, unknown fields and non-JSON refused; blank lines\n"
          "skipped), or with --mapping MAP a CSV file (RFC 4180, header row) whose\n"
          "columns MAP assigns to event fields (docs/IMPORT.md; data/*.mapping). A\n"
          "UTF-8 BOM at the start is skipped; CRLF line ends are accepted. Rows are\n"
          "parsed and validated on T threads while earlier batches are appended.\n"
          "An event without an event_id gets \"sha256:\" + 32 hex digits of the\n"
          "SHA-256 of its content, so re-importing a file, or an overlapping one,\n"
          "appends nothing twice. Rows are grouped into batches of N events; each\n"
          "batch is appended atomically (and ends early at 64 MiB).\n"
          "Errors name FILE:LINE, the column, the field path and the rule. By\n"
          "default import stops at the first bad row and says exactly what was\n"
          "committed: earlier batches stay written, nothing of the failing batch\n"
          "is. With --rejects FILE it commits the good rows and appends every bad\n"
          "row, unchanged, with its reason, to FILE (NDJSON), synced before the\n"
          "next batch is committed: every row ends up in the ledger or in FILE,\n"
          "also after a kill; re-run the same command to resume. FILE must be\n"
          "absent, empty or a rejects file: other content, a symlink, a device or\n"
          "FIFO, a file inside a ledger directory or the input itself (by device\n"
          "and inode) is refused, untouched. MAP is a regular file of at most\n"
          "1 MiB; the input may be a pipe (docs/FILES.md).\n"
          "--dry-run parses and validates everything and writes nothing (no ledger\n"
          "needed; checks needing the ledger's state, like a correction's target,\n"
          "are not made). --bulk skips the per-batch fsync and syncs once at the\n"
          "end: faster, but a crash may lose whole trailing batches (never part\n"
          "of one). Progress (rows, rows/s, %, ETA) on stderr when it is a\n"
          "terminal; a one-line summary on stdout (--json: one JSON object).",
          {{"batch", "N", "events per atomic batch (default 1000)"},
           {"mapping", "MAP", "the input is CSV; MAP maps its columns to event fields"},
           {"rejects", "FILE", "commit good rows; append bad ones with their reason to FILE"},
           {"threads", "T", "parser threads (default: the number of CPUs, at most 8)"},
           {"dry-run", nullptr, "parse and validate only; write nothing"},
           {"bulk", nullptr, "bulk durability: fsync once at the end instead of per batch"}},
          1,
          1,
          "ledger import data/enforcement.ndjson --batch 5000\n"
          "ledger import data/handovers.csv --mapping data/handovers.mapping \\\n"
          "    --rejects handovers.rejects.ndjson\n"
          "ledger gen --events 1000 --seed 7 | ledger import - --dry-run",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunImport,
      },
      {
          "erase",
          "destroy a subject's personal data (crypto-shredding)",
          "ledger erase --subject ID --authority REF --reason TEXT",
          "For a format-2 ledger (docs/PERSONAL_DATA.md): destroys the key and\n"
          "every encrypted value (names, agency suspect ids) of one subject in\n"
          "the personal-data store, flushed and compacted away before it returns,\n"
          "keeps a tombstone (so later imports of the same agency id store no\n"
          "personal data again), and appends an erasure event (no personal data\n"
          "in it) naming the authority and the reason. No record changes: every\n"
          "proof and signed checkpoint issued before still verifies, and the\n"
          "commitments in the log can no longer be opened. ID is the subject id\n"
          "(sub_...) or the agency's suspect id. Running it again changes nothing\n"
          "(it completes the erasure event if a crash kept it out of the log).\n"
          "Backups made before keep the data until they are purged (docs/BACKUP.md).\n"
          "A format-1 ledger holds names in its records and is refused (exit 4).",
          {{"subject", "ID", "the subject id or the agency's suspect id (required)"},
           {"authority", "REF", "the order or decision requiring the erasure (required)"},
           {"reason", "TEXT", "why, e.g. \"acquitted\" (required)"}},
          0,
          0,
          "ledger erase --subject cn-zhang-wei-01 --authority \"Court of Xishuangbanna, order "
          "2026/118\" \\\n    --reason acquitted",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunErase,
      },
      {
          "migrate",
          "copy a format-1 ledger into a new format-2 ledger",
          "ledger migrate --to NEWDIR --origin NEW [--db DIR]",
          "Copies the format-1 ledger at DIR (whose records hold names and agency\n"
          "suspect ids in clear) into a new format-2 ledger at NEWDIR, whose\n"
          "records hold subject ids and commitments and whose personal-data store\n"
          "holds the values (docs/PERSONAL_DATA.md). One record per old record, in\n"
          "order: positions, stream versions and recorded_at are kept; suspect\n"
          "streams are named by subject; derived ids (sha256:...) are derived again\n"
          "without personal data and correction/retraction targets rewritten.\n"
          "NEW must differ from the old origin: it is a new log, and the old\n"
          "checkpoints do not cover it. All or nothing: built beside NEWDIR and\n"
          "renamed into place when complete; a record too large for format 2\n"
          "(65,535 bytes) is listed, with all others like it, and nothing is\n"
          "written (exit 3). The old ledger is not changed.",
          {{"to", "NEWDIR", "the new ledger's directory: new or empty (required)"},
           {"origin", "NEW", "the new log's origin line (required)"}},
          0,
          0,
          "ledger --db ./ledger-data migrate --to ./ledger-v2 --origin ledger.example.org/v2",
          {kExitOk, kExitUsage, kExitInvalidInput, kExitNotFound, kExitInternal},
          &RunMigrate,
      },
      {
          "gen",
          "write a realistic synthetic data set (NDJSON or CSV)",
          "ledger gen --events N --seed S [--format ndjson|csv] [--out FILE] [--no-ids]",
          "Writes N synthetic events, deterministically from seed S (same bytes\n"
          "for the same N and S): operations of tens to hundreds of suspects of\n"
          "mixed nationalities with a few ringleaders (a raid, then arrests),\n"
          "handovers of the foreign nationals in one to three batches, sentencings\n"
          "months later, cumulative reported figures, about 2% corrections and\n"
          "0.5% retractions of earlier arrests and handovers, occurred times out\n"
          "of recorded order. Every event passes validation and imports into an\n"
          "empty ledger. Streams in constant memory. --format csv writes the wide\n"
          "CSV that data/generated.mapping maps (ledger import FILE --mapping\n"
          "data/generated.mapping). Event ids are gen-S-<n>; with --no-ids there\n"
          "are none and the importer derives them (corrections then target the\n"
          "derived ids of format 1: such a file imports into an `init --format 1`\n"
          "ledger; in format 2 a derived id depends on random subject ids, which\n"
          "no producer can know, so its corrections find no target: keep the ids\n"
          "for format 2). --out FILE is written atomically over nothing or a\n"
          "regular file (a device, FIFO, symlink, directory or a file inside a\n"
          "ledger directory is refused; docs/FILES.md); default stdout.",
          {{"events", "N", "how many events (required)"},
           {"seed", "S", "the random seed (required)"},
           {"format", "F", "ndjson (default) or csv"},
           {"out", "FILE", "write to FILE atomically; - for standard output (default)"},
           {"no-ids", nullptr, "leave event_id empty: importers derive it from the content"}},
          0,
          0,
          "ledger gen --events 1000000 --seed 1 --out /tmp/events.ndjson\n"
          "ledger gen --events 500 --seed 7 --format csv | \\\n"
          "    ledger import - --mapping data/generated.mapping",
          {kExitOk, kExitUsage, kExitInternal},
          &RunGen,
      },
      {
          "read",
          "print records by position or by stream",
          "ledger read [--from N | --after P] [--to M] [--limit K|--all]\n"
          "       ledger read --stream S [--from-version V | --after V] [--limit K|--all]",
          "Prints records in positions [N, M) (default: all), or the events of\n"
          "stream S from version V on. The table shows position, recorded_at,\n"
          "stream, stream version, event_id, body kind and when it occurred, at\n"
          "its precision. With --json, one LedgerRecord per line in canonical\n"
          "proto3 JSON (NDJSON). Opens the ledger read-only: works while a writer\n"
          "runs, and shows the records committed when it started. A table shows at\n"
          "most 100 records (--limit K; 0 or --all = all); NDJSON only what\n"
          "--limit allows. When records are left out, a line on stderr gives the\n"
          "next page: --after P (docs/PAGING.md).",
          {{"from", "N", "first position (default 0)"},
           {"to", "M", "end position, exclusive (default: the tree size)"},
           {"limit", "K", "print at most K records (table default 100; 0 = all)"},
           {"all", nullptr, "every record (= --limit 0)"},
           {"after", "P", "start after position P (with --stream: after version P)"},
           {"stream", "S", "read the events of stream S instead of a position range"},
           {"from-version", "V", "with --stream: first stream version (default 0)"}},
          0,
          0,
          "ledger read --from 100 --limit 10\n"
          "ledger read --stream suspect/cn-0042 --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunRead,
      },
      {
          "show",
          "one event in full: state, fixes, source, proof",
          "ledger show EVENT_ID | #N | --position N [--personal]",
          "Shows one event: the event as recorded, its position, stream and\n"
          "stream version, recorded time, the date in effect, its state (in\n"
          "effect; corrected by E; retracted by E; superseded, for a correction\n"
          "whose body is no longer the one in effect), the corrections and\n"
          "retractions that fix it (directly or through a correction of it, in\n"
          "log order), its source, and the `ledger prove inclusion` command\n"
          "that proves it is leaf N of the tree (with the tree size).\n"
          "The argument is an event id, verbatim, also when it is a number (event\n"
          "ids are strings); #N or --position N names the record at position N.\n"
          "The event is found through the event-id index and its state through\n"
          "the views (brought up to the head first, as every query does): no\n"
          "scan of the log. Format 2: the log holds commitments, not names; they\n"
          "are listed as such, and --personal opens them from the personal-data\n"
          "store, each checked against its commitment (an erased subject shows\n"
          "as erased). Without --personal no personal value is printed.",
          {{"position", "N", "the record at position N (as #N)"},
           {"personal", nullptr,
            "format 2: show the personal values (names, agency ids), each checked"}},
          0,
          1,
          "ledger show xinhua-2024-04-01-muse-raid\n"
          "ledger show '#3'\n"
          "ledger show --position 3 --personal --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunShow,
      },
      {
          "head",
          "print the tree size, Merkle root and origin",
          "ledger head",
          "Prints the number of records (the Merkle tree size), the RFC 6962\n"
          "root hash in hex and base64, the origin line and the recorded_at of\n"
          "the last record. Opens the ledger read-only.",
          {},
          0,
          0,
          "ledger head --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunHead,
      },
      {
          "export",
          "write records as length-delimited protobuf or NDJSON",
          "ledger export --format delimited|ndjson [--out FILE|-] [--from N] [--to M]",
          "Writes records in positions [N, M) (default: all). delimited: for each\n"
          "record a base-128 varint length and the exact stored LedgerRecord\n"
          "bytes, the ones the Merkle leaves hash (protobuf's delimited format;\n"
          "never re-serialized). ndjson: one LedgerRecord per line in canonical\n"
          "proto3 JSON. An export from position 0 plus a checkpoint is a complete,\n"
          "verifiable audit copy. --out FILE is written atomically (a temporary\n"
          "file renamed into place) over nothing or a regular file: a device,\n"
          "FIFO, symlink, directory, signer key or a file inside a ledger\n"
          "directory is refused (docs/FILES.md). Without it, or with -, to\n"
          "standard output (binary output to a terminal is refused). Opens the\n"
          "ledger read-only.",
          {{"format", "F", "delimited or ndjson (required)"},
           {"out", "FILE", "write to FILE atomically; - for standard output (default)"},
           {"from", "N", "first position (default 0)"},
           {"to", "M", "end position, exclusive (default: the tree size)"}},
          0,
          0,
          "ledger export --format delimited --out audit-copy.bin\n"
          "ledger export --format ndjson --from 1000 | jq .event.stream",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunExport,
      },
      {
          "verify",
          "recompute hashes and indexes from the stored bytes",
          "ledger verify [--personal]",
          "Recomputes every leaf hash from the stored record bytes, the Merkle\n"
          "root and stored subtree hashes, the stream index and the event-id\n"
          "index. Prints what was checked and the root; on a difference, the\n"
          "first bad position and what differs, and exits 1. Then checks the\n"
          "views (DIR/views): brings them up to the head, rebuilds them from\n"
          "position 0 in a scratch store and compares every view's digest,\n"
          "reporting each view; a difference exits 1. With --personal (format\n"
          "2), also checks the personal-data store against the log both ways:\n"
          "every kept value opens its record's commitment, every commitment of\n"
          "a live subject has its value (docs/PERSONAL_DATA.md); a difference\n"
          "exits 1. Opens the ledger read-only; progress on stderr when it is a\n"
          "terminal.",
          {{"personal", nullptr, "also check the personal-data store against the log (format 2)"}},
          0,
          0,
          "ledger verify && echo intact",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitNotFound, kExitInternal},
          &RunVerify,
      },
      {
          "suspects",
          "list suspects, or show one: status, custody, sentence",
          "ledger suspects list [--status S] [--nationality CC] [--operation ID]\n"
          "                     [--custody CC] [--role R] [--after ID] [--limit N|--all]\n"
          "                     [--personal]\n"
          "       ledger suspects show ID [--personal]\n"
          "       ledger suspects search PREFIX --personal [--after SUBJECT] [--limit N]",
          "The suspects view (docs/PROJECTIONS.md §6): one person per suspect_id,\n"
          "with status (detained, handed_over, sentenced, released), the country holding\n"
          "them, nationality, role, operation and latest sentence. 'list' is in\n"
          "natural order of suspect_id (s-7-1-4 before s-7-1-39), filtered, one page\n"
          "of at most N (default 100; --limit 0 or --all = all); when more follow, a\n"
          "line on stderr gives the next page's --after CURSOR (docs/PAGING.md).\n"
          "A country code that is not ISO 3166-1 alpha-2 upper case is refused\n"
          "(exit 3, as import refuses it). 'show ID' adds the contributing events;\n"
          "an unknown ID exits 5.\n"
          "Like every query: opens the ledger read-only, brings the views in\n"
          "DIR/views up to the log's head (progress on stderr when it is a\n"
          "terminal), then answers, so it reflects every event appended before it\n"
          "started. --as-of-position N answers as when the log held N records;\n"
          "--as-of T as of the records *recorded* up to T (a date: to the end of\n"
          "that day, UTC; or an RFC 3339 time; a bare number is refused); the\n"
          "answer then says \"as of ...\" (stderr, or the JSON field as_of).\n"
          "--json: the shapes of docs/PROJECTIONS.md §10.\n"
          "Format 2 (docs/PERSONAL_DATA.md): suspects are subjects (sub_...); ID may\n"
          "also be the agency's suspect id, looked up in the personal-data store.\n"
          "The views hold no names. 'show ID --personal' is for callers allowed to\n"
          "see personal data: it adds the subject's names and agency ids from the\n"
          "personal-data store, each checked against the commitment in its record\n"
          "(verified, or MISMATCH when store and log disagree); an erased subject\n"
          "has none.\n"
          "Names are personal data: 'list' and 'show' (and 'cases') print them only\n"
          "with --personal, which says the caller may see them; a name that could not\n"
          "be checked against a commitment is marked (format 1 has none).\n"
          "'search PREFIX --personal' finds subjects whose name, or a word of it,\n"
          "starts with PREFIX, case-insensitive, in any script (format 2: through the\n"
          "personal-data store, never the views); it pages by subject id.",
          {{"status", "S", "list: detained, handed_over, sentenced, released or unknown"},
           {"personal", nullptr,
            "show names (personal data: only for callers allowed to see them), each checked "
            "against its commitment; show: add the personal data; search: required"},
           {"nationality", "CC", "list: of this nationality"},
           {"operation", "ID", "list: of this operation"},
           {"custody", "CC", "list: in custody of this country"},
           {"role", "R", "list: member, ringleader, recruiter, money_mule or facilitator"},
           {"after", "ID", "list: start after this suspect_id (the cursor of the last page)"},
           {"limit", "N", "list: at most N (default 100; 0 = all)"},
           {"all", nullptr, "list: every entry (= --limit 0)"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          1,
          2,
          "ledger suspects list --status sentenced\n"
          "ledger suspects show cn-ringleader-yunnan-01 --json\n"
          "ledger suspects search zhang --personal",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunSuspects,
      },
      {
          "operations",
          "list operations, or show one: raids, detained, seized, handed over",
          "ledger operations list [--after ID] [--limit N|--all]\n"
          "       ledger operations show ID [--max-events N]",
          "The operations view: place, agencies, raid dates, detained (total, by\n"
          "nationality, ringleaders: the raids' reported counts), seized items,\n"
          "individual arrests beside them (never added), and the people handed\n"
          "over so far. An unknown ID exits 5. Catch-up, --as-of-position,\n"
          "--as-of and --json as for 'ledger suspects'.",
          {{"after", "ID", "list: start after this operation_id (natural order; paging)"},
           {"limit", "N", "list: at most N (default 100; 0 = all)"},
           {"all", nullptr, "list: every entry (= --limit 0)"},
           {"max-events", "N", "event ids listed per kind (default 100; 0 = all)"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          1,
          2,
          "ledger operations list\n"
          "ledger operations show op-2024-muse-01 --as-of-position 1",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunOperations,
      },
      {
          "cases",
          "list court cases, or show one: defendants, sentences, victims, amounts",
          "ledger cases list [--after ID] [--limit N|--all] [--personal]\n"
          "       ledger cases show ID [--personal]",
          "The cases view: courts, defendants with their latest sentence, victims\n"
          "and amounts defrauded (the largest figure any sentencing gives, per\n"
          "currency), total prison months, offence period. An unknown ID exits 5.\n"
          "The defendants' names only with --personal (as for 'ledger suspects').\n"
          "Catch-up, --as-of-position, --as-of and --json as for 'ledger\n"
          "suspects'.",
          {{"after", "ID", "list: start after this case_id (natural order; paging)"},
           {"personal", nullptr,
            "show the defendants' names (personal data: only for callers allowed to see them)"},
           {"limit", "N", "list: at most N (default 100; 0 = all)"},
           {"all", nullptr, "list: every entry (= --limit 0)"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          1,
          2,
          "ledger cases show cn-fraud-ringleader-yunnan-01",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunCases,
      },
      {
          "flows",
          "custody flows: people handed over, country to country, by month or year",
          "ledger flows [--from CC] [--to CC] [--by month|year] [--since P] [--until P]\n"
          "             [--after FROM:TO:PERIOD] [--limit N|--all]",
          "People moved from one country to another per period: the sum of the\n"
          "handovers' suspects_count (individuals and counts combined, never\n"
          "twice), of whom identified by id, ringleaders, and handover events.\n"
          "By month, a handover known only to its year is in a row 'YYYY (month\n"
          "unknown)', never on a made-up month. --since/--until keep the periods\n"
          "overlapping P (YYYY or YYYY-MM), inclusive. Rows page as lists do\n"
          "(default 100; the cursor is FROM:TO:PERIOD). Country codes, catch-up,\n"
          "--as-of-position, --as-of and --json as for 'ledger suspects'.",
          {{"from", "CC", "only from this country"},
           {"to", "CC", "only to this country"},
           {"by", "UNIT", "month (default) or year"},
           {"since", "P", "periods from P on (YYYY or YYYY-MM)"},
           {"until", "P", "periods up to P (YYYY or YYYY-MM)"},
           {"max-events", "N", "--json: handover ids listed per row (default 100; 0 = all)"},
           {"after", "CURSOR", "rows after FROM:TO:PERIOD (the cursor of the last page)"},
           {"limit", "N", "at most N rows (default 100; 0 = all)"},
           {"all", nullptr, "every row (= --limit 0)"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          0,
          0,
          "ledger flows --to CN\n"
          "ledger flows --from MM --by year --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunFlows,
      },
      {
          "stats",
          "totals, and each reported figure beside the figure the ledger derives",
          "ledger stats [--after POS] [--limit N|--all]",
          "Totals over the events in effect (retracted facts excluded, corrections\n"
          "applied): events by kind, detained (raids' counts) beside individual\n"
          "arrests, people handed over, sentences, distinct suspects, operations\n"
          "and cases; then every reported figure (e.g. about 48,000 handed over since\n"
          "2023) beside the figure derived from the ledger's events for the same\n"
          "metric, countries, nationality and period, and the uncertain part\n"
          "(events whose date straddles the period or with an unknown country).\n"
          "A reported figure is never added into a total. The reported figures\n"
          "page as lists do (default 100, by position; the cursor is a position).\n"
          "Catch-up, --as-of-position, --as-of and --json as for 'ledger suspects'.",
          {{"after", "POS", "reported figures after position POS (the cursor of the last page)"},
           {"limit", "N", "at most N reported figures (default 100; 0 = all)"},
           {"all", nullptr, "every reported figure (= --limit 0)"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          0,
          0,
          "ledger stats\n"
          "ledger stats --as-of 2024-04-01T00:00:00Z --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunStats,
      },
      {
          "timeline",
          "events of a suspect, operation, case, country or all, in occurred order",
          "ledger timeline --suspect ID|--operation ID|--case ID|--country CC|--all\n"
          "                [--kind K] [--since D] [--until D] [--newest-first]\n"
          "                [--after CURSOR] [--limit N]",
          "The events of one scope ordered by when they occurred (the first\n"
          "instant of their date's unit), then position, with the date's\n"
          "precision, the source, and marks: corrected (by which correction),\n"
          "retracted (by which retraction), or a fix's target. Corrections and\n"
          "retractions stay visible beside the facts they fix. An unknown suspect,\n"
          "operation or case exits 5. --since/--until filter on *occurred* time\n"
          "(a date, month, year or RFC 3339 time): an event is kept when its\n"
          "date's unit overlaps the range, so a month-precise event of March 2024\n"
          "is kept by --since 2024-03-15 and by --until 2024-03-01. Entries page\n"
          "as lists do (default 100; --limit 0 for all: --all is the global scope\n"
          "here). Catch-up, --as-of-position, --as-of (recorded time) and --json as\n"
          "for 'ledger suspects'.",
          {{"suspect", "ID", "the timeline of suspect ID"},
           {"operation", "ID", "the timeline of operation ID"},
           {"case", "ID", "the timeline of case ID"},
           {"country", "CC", "the timeline of country CC"},
           {"all", nullptr, "the global timeline"},
           {"limit", "N", "at most N entries (default 100; 0 = all)"},
           {"after", "CURSOR", "entries after CURSOR (from the last page's next-page line)"},
           {"kind", "K", "only events of kind K (raid, arrest, handover, ..., correction)"},
           {"since", "D", "only events that may have occurred at or after D (occurred time)"},
           {"until", "D", "only events that may have occurred at or before D (occurred time)"},
           {"newest-first", nullptr, "latest first"},
           {"as-of-position", "N", "answer as when the log held its first N records"},
           {"as-of", "T",
            "answer as of the records *recorded* (not occurred) up to T: a date (to the end of "
            "that day, UTC) or an RFC 3339 time"}},
          0,
          0,
          "ledger timeline --operation op-2024-muse-01\n"
          "ledger timeline --all --limit 20 --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunTimeline,
      },
      {
          "rebuild",
          "rebuild the views from position 0 and print their digests",
          "ledger rebuild",
          "Drops every view in DIR/views (and its snapshots) and replays the log\n"
          "from position 0, then prints one SHA-256 digest per view over its\n"
          "stored state. A rebuilt store is byte-identical to one kept up to date\n"
          "incrementally ('ledger verify' compares them). Opens the ledger\n"
          "read-only; progress on stderr when it is a terminal.",
          {},
          0,
          0,
          "ledger rebuild --json",
          {kExitOk, kExitUsage, kExitNotFound, kExitLocked, kExitInternal},
          &RunRebuild,
      },
      {
          "keygen",
          "create an Ed25519 key pair for signing checkpoints",
          "ledger keygen --name NAME [--out PREFIX]",
          "Generates an Ed25519 key pair named NAME (by convention the log's\n"
          "origin) in the key formats of Go's golang.org/x/mod/sumdb/note and\n"
          "C2SP signed-note. Writes PREFIX.key, the signer key\n"
          "(PRIVATE+KEY+NAME+HASH+BASE64; secret: created with mode 0600), and\n"
          "PREFIX.pub, the verifier key (NAME+HASH+BASE64; give it to auditors),\n"
          "and prints the verifier key. Refuses (exit 4) if either file exists,\n"
          "and (exit 2) a PREFIX inside a ledger directory (docs/FILES.md).\n"
          "PREFIX defaults to NAME with every character other than letters,\n"
          "digits, '.', '_' and '-' replaced by '_'. Needs no ledger.",
          {{"name", "NAME", "the key name, e.g. the log's origin (required)"},
           {"out", "PREFIX", "write PREFIX.key and PREFIX.pub (default: from NAME)"}},
          0,
          0,
          "ledger keygen --name ledger.example.org/enforcement --out /secure/ledger",
          {kExitOk, kExitUsage, kExitConflict, kExitInternal},
          &RunKeygen,
      },
      {
          "checkpoint",
          "sign a checkpoint of the current tree (or an earlier size)",
          "ledger checkpoint --key FILE [--size T] [--out FILE]",
          "Signs, with the signer key in FILE, a checkpoint in the C2SP\n"
          "tlog-checkpoint format (origin, tree size, base64 RFC 6962 root, then\n"
          "the Ed25519 signature line) for the head, or for the first T records,\n"
          "and prints it. Every issued checkpoint is kept in DIR/checkpoints/\n"
          "(append-only; see docs/TAMPER_EVIDENCE.md). The ledger never signs two\n"
          "checkpoints that are not consistent: before signing, consistency\n"
          "proofs from the stored tree are verified against the latest issued\n"
          "checkpoint of size <= T and the earliest of size >= T, and every issued\n"
          "checkpoint must state the stored root at its size: anything\n"
          "inconsistent is refused (exit 1, naming the file). Signing the same\n"
          "checkpoint again with the same key is idempotent. FILE must be a\n"
          "regular file that only its owner can read or write (mode 0600 or\n"
          "0400): like ssh, a signer key open to group or others is refused\n"
          "(exit 2). --out is written atomically, never over FILE itself, a\n"
          "device, FIFO, symlink or a file inside a ledger directory\n"
          "(docs/FILES.md). Opens the ledger read-only; sign after an import has\n"
          "finished.",
          {{"key", "FILE", "the signer key file written by 'ledger keygen' (required)"},
           {"size", "T", "sign the tree of the first T records (default: the head)"},
           {"out", "FILE", "also write the checkpoint to FILE (atomically)"}},
          0,
          0,
          "ledger checkpoint --key /secure/ledger.key > checkpoint.txt",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitConflict, kExitNotFound, kExitInternal},
          &RunCheckpoint,
      },
      {
          "checkpoints",
          "list the checkpoints this ledger has issued",
          "ledger checkpoints",
          "Lists the checkpoints in DIR/checkpoints/ by tree size: size, root,\n"
          "signers (as written; not verified) and whether the root is the\n"
          "ledger's root at that size. Exits 1 if one does not match. With\n"
          "--json, one JSON object per line. Opens the ledger read-only.",
          {},
          0,
          0,
          "ledger checkpoints --json",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitNotFound, kExitInternal},
          &RunCheckpoints,
      },
      {
          "prove",
          "write an inclusion or consistency proof as JSON",
          "ledger prove inclusion (--position N | --event-id ID) [--size T]\n"
          "                       [--record-out FILE] [--out FILE]\n"
          "       ledger prove consistency --from T1 [--to T2] [--out FILE]",
          "inclusion: proves that record N (or the event ID) is leaf N of the tree\n"
          "of the first T records (default: the head). consistency: proves that\n"
          "the tree of T1 records is a prefix of the tree of T2 records (default:\n"
          "the head). Prints the proof as JSON with the field names of the RFC\n"
          "6962 test vectors (inclusion: leafIdx, treeSize, root, leafHash, proof;\n"
          "consistency: size1, size2, root1, root2, proof), hashes in base64, in\n"
          "RFC 9162 order. Built from O(log n) stored subtree hashes and checked\n"
          "before it is printed. --record-out FILE writes the record's exact\n"
          "bytes, so that 'ledger check inclusion' or tools/verify_export.py can\n"
          "check it offline. --out and --record-out are two files, each written\n"
          "atomically over nothing or a regular file (a device, FIFO, symlink,\n"
          "signer key or a file inside a ledger directory is refused;\n"
          "docs/FILES.md). Opens the ledger read-only.",
          {{"position", "N", "inclusion: the record's position"},
           {"event-id", "ID", "inclusion: the record of event ID"},
           {"size", "T", "inclusion: the tree size (default: the head)"},
           {"record-out", "FILE", "inclusion: also write the record's bytes to FILE"},
           {"from", "T1", "consistency: the older tree size (required, > 0)"},
           {"to", "T2", "consistency: the newer tree size (default: the head)"},
           {"out", "FILE", "write the proof to FILE (atomically) instead of stdout"}},
          1,
          1,
          "ledger prove inclusion --position 42 --record-out r42.bin > p42.json\n"
          "ledger prove consistency --from 1000 --out c.json",
          {kExitOk, kExitUsage, kExitNotFound, kExitInternal},
          &RunProve,
      },
      {
          "check",
          "verify a proof, checkpoint or export from files alone",
          "ledger check inclusion --proof P.json --record R.bin [--checkpoint C --key VKEY]\n"
          "       ledger check consistency --proof P.json [--old C1 --new C2 --key VKEY]\n"
          "       ledger check checkpoint --checkpoint C --key VKEY [--export E.bin]",
          "Checks tamper evidence from files alone, without opening any database\n"
          "(--db is ignored). inclusion: the record's leaf hash is the proof's and\n"
          "the proof leads to its root; with a checkpoint, that the checkpoint is\n"
          "signed by VKEY and has the proof's size and root. consistency: the\n"
          "proof holds; with checkpoints, both are signed and match it.\n"
          "checkpoint: the signature by VKEY and the format; with --export (a\n"
          "'ledger export --format delimited' file), that its framing and record\n"
          "positions are intact (naming the first bad position) and the root of\n"
          "its first T records is the signed one. VKEY is a verifier key, a file\n"
          "holding one (PREFIX.pub) or @FILE. Proofs, records, checkpoints and key\n"
          "files must be regular files within a size limit (docs/FILES.md; a\n"
          "FIFO or device is refused, exit 2). Exit 0 when every check passes, 1\n"
          "with a message naming what failed.",
          {{"proof", "P.json", "the proof written by 'ledger prove'"},
           {"record", "R.bin", "inclusion: the record's bytes (prove --record-out)"},
           {"checkpoint", "C", "a signed checkpoint (inclusion, checkpoint)"},
           {"old", "C1", "consistency: the checkpoint of the older tree"},
           {"new", "C2", "consistency: the checkpoint of the newer tree"},
           {"key", "VKEY", "the log's verifier key, a file holding it, or @FILE"},
           {"export", "E.bin", "checkpoint: a delimited export to check against it"}},
          1,
          1,
          "ledger check inclusion --proof p42.json --record r42.bin \\\n"
          "    --checkpoint checkpoint.txt --key ledger.pub\n"
          "ledger check checkpoint --checkpoint checkpoint.txt --key ledger.pub --export all.bin",
          {kExitOk, kExitVerifyFailed, kExitUsage},
          &RunCheck,
      },
      {
          "report",
          "write a case dossier: one self-contained HTML page with its proofs",
          "ledger report (--operation ID | --case ID | --country CC | --all) --out FILE\n"
          "              [--key VKEY] [--max-events N]",
          "Writes one self-contained HTML file (nothing loaded from the network)\n"
          "for an operation, a case, a country or the whole ledger: the timeline\n"
          "with each event's source and precision (a month-precise event drawn as\n"
          "its month), the custody flows between countries, the totals with each\n"
          "reported figure beside the derived one, corrections and retractions,\n"
          "and the latest signed checkpoint in DIR/checkpoints/ with every shown\n"
          "event's record and inclusion proof embedded, re-checked by the page in\n"
          "the browser (docs/REPORT.md). With --key VKEY (the log's verifier key)\n"
          "the checkpoint's signature is checked first and the key embedded, so\n"
          "that the page checks it too. No names: suspects appear by id. Needs a\n"
          "signed checkpoint (`ledger checkpoint --key FILE`; exit 5 without\n"
          "one). Exit 1 when the checkpoint's root is not the ledger's or VKEY\n"
          "did not sign it. --out follows the output-file policy (docs/FILES.md).",
          {{"operation", "ID", "the dossier of operation ID"},
           {"case", "ID", "the dossier of court case ID"},
           {"country", "CC", "the dossier of country CC (ISO 3166-1 alpha-2)"},
           {"all", nullptr, "the dossier of the whole ledger"},
           {"out", "FILE", "the HTML file to write (required)"},
           {"key", "VKEY", "the log's verifier key, a file holding it, or @FILE"},
           {"max-events", "N", "show at most N events (default 5000)"},
           {"personal", nullptr,
            "format 1: embed its records although they hold names (readers may see them)"}},
          0,
          0,
          "ledger report --operation op-2024-muse-01 --key ledger.pub --out muse.html",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitNotFound, kExitInternal},
          &RunReport,
      },
      {
          "audit",
          "prove the ledger extends a signed checkpoint; re-verify everything",
          "ledger audit --checkpoint OLD --key VKEY",
          "Checks that the ledger is an append-only extension of an earlier\n"
          "signed checkpoint: the signature by VKEY, the origin, a size within\n"
          "the head, the stored root at that size equal to the signed root, and\n"
          "a consistency proof from the signed tree to the head, generated from\n"
          "storage and verified. Then recomputes everything from the stored bytes\n"
          "(as 'ledger verify') and compares every checkpoint in\n"
          "DIR/checkpoints/ with the tree. Prints a report of what was checked\n"
          "(--json: one object); exits 1 if anything fails. OLD and a key file\n"
          "must be regular files within a size limit (docs/FILES.md). Opens the\n"
          "ledger read-only; progress on stderr when it is a terminal.",
          {{"checkpoint", "OLD", "an earlier signed checkpoint of this log (required)"},
           {"key", "VKEY", "the log's verifier key, a file holding it, or @FILE (required)"}},
          0,
          0,
          "ledger audit --checkpoint checkpoint-2024-01.txt --key ledger.pub",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitNotFound, kExitInternal},
          &RunAudit,
      },
      {
          "backup",
          "back up, list, verify, restore or purge backups",
          "ledger backup create --to DIR [--wait S] [--keep-days N] [--keep-last K] [--no-purge]\n"
          "       ledger backup list --from DIR\n"
          "       ledger backup verify --from DIR [--id N]\n"
          "       ledger backup restore --from DIR [--id N] --db TARGET [--overwrite]\n"
          "                             [--allow-rollback]\n"
          "       ledger backup purge --from DIR --keep-days N [--keep-last K]",
          "Backups of the ledger at --db in DIR (docs/BACKUP.md): the log, the\n"
          "personal-data store and the issued checkpoints, taken together under the\n"
          "writer lock (create waits up to --wait S seconds for a running writer,\n"
          "default 0, then exits 6), incremental and checksummed (RocksDB's\n"
          "BackupEngine). The views are not backed up: they are rebuilt. create\n"
          "then purges the backups older than --keep-days (default 30) except the\n"
          "--keep-last newest (default 1), unless --no-purge. verify checks every\n"
          "file's checksum, restores into a temporary directory, runs the log's\n"
          "full verify and checks each checkpoint's root (exit 1 on a failure).\n"
          "restore does the same beside TARGET and moves the result into place;\n"
          "it refuses an existing TARGET without --overwrite (exit 4), and a TARGET\n"
          "whose high-water mark or checkpoints are beyond the backup without\n"
          "--allow-rollback (exit 4; the message names the positions lost).\n"
          "purge deletes the backups older than N days: an erased subject is\n"
          "unrecoverable from backups once every backup made before the erasure\n"
          "is purged.",
          {{"to", "DIR", "create: the backup directory (created if absent)"},
           {"from", "DIR", "list, verify, restore, purge: the backup directory"},
           {"id", "N", "verify, restore: the backup (default: the newest complete one)"},
           {"wait", "S", "create: wait up to S seconds for the writer lock (default 0)"},
           {"keep-days", "N", "create, purge: delete backups older than N days (create: 30)"},
           {"keep-last", "K", "create, purge: always keep the K newest backups (default 1)"},
           {"no-purge", nullptr, "create: do not purge old backups"},
           {"overwrite", nullptr, "restore: replace an existing ledger at TARGET"},
           {"allow-rollback", nullptr,
            "restore: accept losing the positions TARGET has beyond the backup"}},
          1,
          1,
          "ledger --db ./ledger-data backup create --to /backups/ledger\n"
          "ledger backup verify --from /backups/ledger\n"
          "ledger backup restore --from /backups/ledger --db ./restored",
          {kExitOk, kExitVerifyFailed, kExitUsage, kExitConflict, kExitNotFound, kExitLocked,
           kExitInternal},
          &RunBackup,
      },
      {
          "snapshot",
          "a point-in-time copy of the ledger for analysis",
          "ledger snapshot DIR [--wait S]",
          "Makes DIR (new) a copy of the ledger at --db as of now, with hard links\n"
          "where the file system allows (RocksDB checkpoints of the log and the\n"
          "personal-data store), the issued checkpoints and a high-water mark:\n"
          "`ledger verify --db DIR` and every query work on it. Takes the writer\n"
          "lock for a moment (waits up to --wait S seconds, default 0). The copy\n"
          "holds the personal data of the moment: a later erase does not reach\n"
          "it; delete it when done.",
          {{"wait", "S", "wait up to S seconds for the writer lock (default 0)"}},
          1,
          1,
          "ledger --db ./ledger-data snapshot /tmp/ledger-copy\n"
          "ledger --db /tmp/ledger-copy stats",
          {kExitOk, kExitUsage, kExitConflict, kExitNotFound, kExitLocked, kExitInternal},
          &RunSnapshot,
      },
  });
  return *kTable;
}

std::string OptionLabel(const OptionSpec& o) {
  return o.value_name == nullptr ? absl::StrCat("--", o.name)
                                 : absl::StrCat("--", o.name, " ", o.value_name);
}

constexpr size_t kHelpWidth = 79;

// Appends `label` padded to `indent` columns, then `text` word-wrapped to
// kHelpWidth with continuation lines indented by `indent`.
void AppendHanging(std::string* out, const std::string& label, size_t indent,
                   absl::string_view text) {
  std::string line = label;
  line.append(indent > line.size() ? indent - line.size() : 1, ' ');
  size_t used = line.size();
  bool first_word = true;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!first_word && used + 1 + word.size() > kHelpWidth) {
      absl::StrAppend(out, line, "\n");
      line = std::string(indent, ' ');
      used = indent;
      first_word = true;
    }
    if (!first_word) {
      line.push_back(' ');
      ++used;
    }
    absl::StrAppend(&line, word);
    used += word.size();
    first_word = false;
  }
  absl::StrAppend(out, line, "\n");
}

void AppendOptions(std::string* out, const std::vector<const OptionSpec*>& options) {
  size_t width = 0;
  for (const OptionSpec* o : options) width = std::max(width, OptionLabel(*o).size());
  for (const OptionSpec* o : options) {
    AppendHanging(out, absl::StrCat("  ", OptionLabel(*o)), width + 4, o->help);
  }
}

void AppendExitCodes(std::string* out, const std::vector<int>& codes) {
  for (int code : codes) {
    AppendHanging(out, absl::StrFormat("  %2d", code), 6, ExitCodeMeaning(code));
  }
}

void AppendIndented(std::string* out, absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) absl::StrAppend(out, "  ", line, "\n");
}

}  // namespace

absl::Span<const CommandSpec> Commands() { return Table(); }

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& c : Table()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string OverviewHelp() {
  std::string out =
      "ledger: an append-only, tamper-evident ledger of enforcement events.\n"
      "\n"
      "Usage: ledger [--db DIR] [--json] COMMAND [ARGS...]\n"
      "       ledger help COMMAND      (or: ledger COMMAND --help)\n"
      "       ledger --version\n"
      "\n"
      "Global options (before or after COMMAND):\n";
  std::vector<const OptionSpec*> globals;
  for (const OptionSpec& o : GlobalOptionSpecs()) globals.push_back(&o);
  AppendOptions(&out, globals);
  out += "\nCommands:\n";
  size_t width = 0;
  for (const CommandSpec& c : Table()) width = std::max(width, std::string(c.name).size());
  for (const BuiltinCommand& b : BuiltinCommands()) {
    width = std::max(width, std::string(b.name).size());
  }
  for (const CommandSpec& c : Table()) {
    absl::StrAppendFormat(&out, "  %-*s  %s\n", static_cast<int>(width), c.name, c.summary);
  }
  out += "\nAbout ledger itself:\n";
  for (const BuiltinCommand& b : BuiltinCommands()) {
    absl::StrAppendFormat(&out, "  %-*s  %s\n", static_cast<int>(width), b.name, b.summary);
  }
  out +=
      "\nOutput: tables for people by default; --json for programs (the query\n"
      "commands also take --format json|csv|tsv and --out FILE, docs/OUTPUT.md).\n"
      "Errors go to stderr as \"ledger: COMMAND: message\" (with --json: one JSON\n"
      "object, docs/JSON.md). Progress of long work (import, export, verify,\n"
      "rebuild, a query's catch-up of the views) goes to stderr, only when it is\n"
      "a terminal. Names are personal data: shown only with --personal.\n"
      "\nExit status:\n";
  std::vector<int> all;
  for (const ExitCodeInfo& e : ExitCodeTable()) all.push_back(e.code);
  AppendExitCodes(&out, all);
  out +=
      "\nExample:\n"
      "  ledger --db ./ledger-data init --origin ledger.example.org/enforcement\n"
      "  ledger --db ./ledger-data import data/events.ndjson\n"
      "  ledger --db ./ledger-data verify\n";
  return out;
}

std::string CommandHelp(const CommandSpec& c) {
  std::string out = absl::StrCat("ledger ", c.name, ": ", c.summary, "\n\nUsage: ", c.synopsis,
                                 "\n\n");
  absl::StrAppend(&out, c.description, "\n\nOptions:\n");
  std::vector<const OptionSpec*> options;
  for (const OptionSpec& o : c.options) options.push_back(&o);
  for (const OptionSpec& o : GlobalOptionSpecs()) options.push_back(&o);
  AppendOptions(&out, options);
  out += "\nExample:\n";
  AppendIndented(&out, c.example);
  out += "\nExit status:\n";
  AppendExitCodes(&out, c.exit_codes);
  return out;
}

}  // namespace cli
