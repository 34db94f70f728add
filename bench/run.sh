#!/usr/bin/env bash
# The benchmark of docs/PERFORMANCE.md. Rerun it with:
#   bench/run.sh [sqlite|postgres|both] [departement|national|all] [1|5|all]
# It builds the release binaries, generates each data set into a fresh database, starts the
# server, and measures: generation time, annual report latency (p50/p95, sequential), hours
# import throughput (a 50,000-line CSV through the HTTP API), clause progress throughput and
# p99 latency at 32 concurrent authenticated clients (wrk), the same while imports run,
# and the server's peak memory (VmHWM) for each case. Results go to stdout and bench/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${1:-both}
SCALES=${2:-all}
YEARS_LIST=${3:-all}
[ "$BACKENDS" = both ] && BACKENDS="sqlite postgres"
[ "$SCALES" = all ] && SCALES="departement national"
[ "$YEARS_LIST" = all ] && YEARS_LIST="1 5"
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18471}
BASE="http://127.0.0.1:$PORT"
PASSWORD=bench-password-2026
OUT=bench/results.txt
AUTOGROUP_FILE=/proc/sys/kernel/sched_autogroup_enabled
AUTOGROUP_BEFORE=$(cat "$AUTOGROUP_FILE" 2>/dev/null || echo n/a)

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
cargo build --release --bins -q
BIN=$PWD/target/release/clausier
CLIENT=$PWD/target/release/clausier-bench
WORK=$(mktemp -d)
SERVER_PID=

say() { echo "$*" | tee -a "$OUT"; }

start_server() {
  (cd "$WORK" && ROCKET_PORT=$PORT CLAUSIER_DATABASE_URL="$1" CLAUSIER_REMINDERS_CRON="" \
    CLAUSIER_ANONYMISE_CRON="" CLAUSIER_DATABASE_POOL_SIZE=8 RUST_LOG=warn "$BIN" >"$WORK/server.log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "$BASE/health" >/dev/null && return 0
    sleep 0.2
  done
  echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}

server_pid() { pgrep -f "^$BIN\$" | head -1; }

stop_server() {
  local pid; pid=$(server_pid || true)
  if [ -n "$pid" ]; then
    say "  server peak memory (VmHWM): $(grep VmHWM /proc/$pid/status | awk '{printf "%.0f MB", $2/1024}')"
    kill "$pid"; wait "$SERVER_PID" 2>/dev/null || true
  fi
}
restore() {
  pkill -f "^$BIN\$" || true
  rm -rf "$WORK"
  if [ -w "$AUTOGROUP_FILE" ] && [ "$AUTOGROUP_BEFORE" != n/a ]; then
    echo "$AUTOGROUP_BEFORE" > "$AUTOGROUP_FILE"
  fi
}
trap restore EXIT

progress() {
  local token=$1 label=$2 seconds=${3:-10}
  wrk -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
    "$BASE/api/v1/clauses/1/progress?on=2025-06-30" > "$WORK/wrk.txt"
  say "  progress $label: $(grep 'Requests/sec' "$WORK/wrk.txt" | awk '{print $2}') req/s, p50 $(grep ' 50%' "$WORK/wrk.txt" | awk '{print $2}'), p99 $(grep ' 99%' "$WORK/wrk.txt" | awk '{print $2}'), errors: $(grep -E 'Non-2xx|Socket errors' "$WORK/wrk.txt" | tr '\n' ' ' || true)"
}

# The kernel's autogroup scheduling shares the CPU between sessions before processes: the
# load generator's session (wrk, the import client and the server started here) would get as
# much CPU as all of PostgreSQL, which no deployment has (clients are elsewhere). The run
# shares the CPU per process instead (AUTOGROUP=0, the default; root only) and puts the
# setting back at the end; AUTOGROUP=keep measures with the machine's setting. Recorded
# with the results (docs/PERFORMANCE.md shows both).
if [ "${AUTOGROUP:-0}" != keep ] && [ -w "$AUTOGROUP_FILE" ]; then
  echo "${AUTOGROUP:-0}" > "$AUTOGROUP_FILE"
fi
AUTOGROUP=$(cat "$AUTOGROUP_FILE" 2>/dev/null || echo n/a)
say "== clausier benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), sched_autogroup_enabled=$AUTOGROUP"
for backend in $BACKENDS; do
  for scale in $SCALES; do
    for years in $YEARS_LIST; do
      if [ "$backend" = sqlite ]; then
        url="sqlite://$WORK/bench-$scale-$years.db"
      else
        db="clausier_bench_${scale}_$years"
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        url="$PG_SERVER/$db"
      fi
      say "-- $backend, $scale, $years year(s)"
      gen=$(cd "$WORK" && CLAUSIER_DATABASE_URL="$url" "$BIN" bench-data --scale "$scale" --years "$years" --seed 1 > "$WORK/gen.txt" && head -1 "$WORK/gen.txt")
      say "  generated: $gen"
      # Measure a settled database, not the autovacuum and checkpoint that follow a bulk
      # load of a million rows on the same two cores.
      [ "$backend" = postgres ] && psql "$url" -qc "VACUUM ANALYZE" -c "CHECKPOINT"
      start_server "$url"
      year=$(( $(date -u +%Y) - 1 ))
      say "  $("$CLIENT" report --base "$BASE" --email financeur@bench.clausier.fr --password $PASSWORD --query "year=$year" --n 40)"
      if [ "$years" = 1 ]; then
        token=$("$CLIENT" token --base "$BASE" --email admin0@bench.clausier.fr --password $PASSWORD)
        progress "$token" "alone"
        say "  $("$CLIENT" import --base "$BASE" --email entreprise@bench.clausier.fr --password $PASSWORD --year $((year + 1)) --months 10)"
        # Imports back to back for the whole wrk run (each replaces the figures of the one
        # before), so every request of the window meets an import in progress.
        rm -f "$WORK/stop" "$WORK/import2.txt"
        (v=7; while [ ! -e "$WORK/stop" ]; do
          "$CLIENT" import --base "$BASE" --email entreprise@bench.clausier.fr --password $PASSWORD --year $((year + 1)) --months 10 --variant $v >> "$WORK/import2.txt"
          v=$((v + 1))
        done) &
        imports_pid=$!
        progress "$token" "during imports" 10
        touch "$WORK/stop"
        wait $imports_pid
        while read -r line; do say "  (concurrent) $line"; done < "$WORK/import2.txt"
      fi
      stop_server
      [ "$backend" = postgres ] && psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $db"
    done
  done
done
