#!/usr/bin/env bash
# backup_bench: how long backups of a big format-2 ledger take (docs/PERFORMANCE.md,
# "Format 2 ... and backups"): import N generated events, then backup create (first and
# incremental), backup verify, backup restore (with its verification), verify and
# verify --personal of the restored copy, and a snapshot, each timed with /usr/bin/time.
#
#   tools/bench/backup_bench.sh [EVENTS] [WORKDIR]     # defaults: 1000000, a new temp dir
#   LEDGER=/path/to/ledger tools/bench/backup_bench.sh  # default: build/ledger
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ledger="${LEDGER:-$root/build/ledger}"
events="${1:-1000000}"
work="${2:-$(mktemp -d "${TMPDIR:-/tmp}/backup-bench-XXXXXX")}"
mkdir -p "$work"
cd "$work"
rm -rf db backups restored snap
timed() { local what="$1"; shift; /usr/bin/time -f "$what: %e s (peak RSS %M KB)" "$@" >/dev/null; }
"$ledger" gen --events "$events" --seed 1 --out events.ndjson 2>/dev/null
"$ledger" --db db init --origin bench.example/backup >/dev/null
timed "import (format 2)" "$ledger" --db db import events.ndjson
du -sh db db/personal
timed "backup create" "$ledger" --db db backup create --to backups
timed "backup create again (incremental, nothing new)" "$ledger" --db db backup create --to backups
du -sh backups
timed "backup verify" "$ledger" backup verify --from backups
timed "backup restore (with its verification)" "$ledger" backup restore --from backups --db restored
timed "verify of the restored ledger" "$ledger" --db restored verify
timed "verify --personal of the restored ledger" "$ledger" --db restored verify --personal
timed "snapshot" "$ledger" --db db snapshot snap
echo "work directory: $work (remove it when done)"
