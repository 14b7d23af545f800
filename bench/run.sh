#!/usr/bin/env bash
# Benchmarks cleanprod at provincial scale and against a peer.
#
# Seeds the same demo data (cleanprod seed-demo, fixed seed) into SQLite and PostgreSQL,
# starts the release server on each, and drives it with wrk (2 threads, fixed connections)
# for each named workload; then starts PostGraphile 4 on the same PostgreSQL database and
# runs the equivalent of workloads 1 and 2 through it. Prints a table (req/s, p50, p99,
# peak RSS, errors) and writes it to bench/results/<date>.md.
#
#   bash bench/run.sh                      # defaults below
#   BENCH_SCALE=2 BENCH_DURATION=30s BENCH_CONNECTIONS=64 bash bench/run.sh
#
# Tools are installed by the script: wrk (Debian), PostGraphile 4 (npm, into target/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SCALE=${BENCH_SCALE:-1}
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PG_ADMIN_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PORT=${BENCH_PORT:-18180}
PEER_PORT=$((PORT + 1))
ADMIN_PASSWORD=bench-admin-password
SECRET=bench-secret-bench-secret-bench-secret-0123
DATA_KEY=bench-data-key-bench-data-key-bench-data-key
WORK=$(mktemp -d /tmp/cleanprod-bench.XXXXXX)
PG_DB=cleanprod_bench_$$
PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
SERVER_PID=""
PEER_PID=""

log() { echo "bench: $*" >&2; }

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  log "installing wrk"
  (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) >/dev/null
fi
PEER_DIR=$ROOT/target/bench-node
if [ ! -x "$PEER_DIR/node_modules/.bin/postgraphile" ]; then
  log "installing PostGraphile 4"
  npm install --silent --prefix "$PEER_DIR" postgraphile@4.14.1 >/dev/null 2>&1 \
    || npm install --silent --prefix "$PEER_DIR" postgraphile@4 >/dev/null
fi

log "building the release server"
cargo build --release -q
BIN=$ROOT/target/release/cleanprod

export CLEANPROD_JWT_SECRET=$SECRET CLEANPROD_DATA_KEY=$DATA_KEY CLEANPROD_ADMIN_PASSWORD=$ADMIN_PASSWORD
export RUST_LOG=warn

log "seeding scale $SCALE into SQLite and PostgreSQL"
SQLITE_URL="sqlite://$WORK/bench.db?mode=rwc"
DATABASE_URL=$SQLITE_URL "$BIN" seed-demo --scale "$SCALE" >"$WORK/seed-sqlite.log" 2>&1
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
DATABASE_URL=$PG_URL "$BIN" seed-demo --scale "$SCALE" >"$WORK/seed-pg.log" 2>&1

graphql() { # url token query-json
  curl -sf -X POST "$1" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$3"
}

token_for() { # url username password
  graphql "$1" "" "{\"query\":\"mutation { login(username: \\\"$2\\\", password: \\\"$3\\\") { token } }\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])'
}

wait_ready() { # url
  for _ in $(seq 1 200); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "server at $1 did not become ready"; return 1
}

# One GraphQL body per workload, as a front end would send it.
write_bodies() { # dir
  python3 - "$1" <<'PY'
import json, sys, os
d = sys.argv[1]
bodies = {
  "1-experts": {"operationName": "ExpertPage", "query": "query ExpertPage { experts(first: 20, filter: { status: ACTIVE, sector: STEEL }) { totalCount edges { node { id name title city { name } sectors expertiseKinds } } } }"},
  "2-enterprise-deep": {"operationName": "EnterpriseAudits", "query": "query EnterpriseAudits { enterprises(first: 5) { edges { node { name audits { status year reviews { kind outcome reviewDate } } } } } }"},
}
for name, body in bodies.items():
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(body, f)
PY
}

# PostGraphile's equivalents: the same data through its generated schema.
write_peer_bodies() { # dir
  python3 - "$1" <<'PY'
import json, sys, os
d = sys.argv[1]
bodies = {
  "1-experts": {"query": "{ allExperts(first: 20, condition: { status: \"ACTIVE\" }, filter: null) { totalCount nodes { id name title cityByCityCode { name } expertSectorsByExpertId { nodes { sector } } expertKindsByExpertId { nodes { kind } } } } }"},
  "2-enterprise-deep": {"query": "{ allEnterprises(first: 5) { nodes { name auditsByEnterpriseId { nodes { status year reviewsByAuditId { nodes { kind outcome reviewDate } } } } } } }"},
}
for name, body in bodies.items():
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(body, f)
PY
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"

run_wrk() { # label workload body token pid
  local out
  out=$(BENCH_BODY_FILE=$3 BENCH_TOKEN=$4 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s "$ROOT/bench/lua/graphql.lua" "$URL" 2>&1 | grep '^BENCH' || true)
  local rss
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$5/status" 2>/dev/null || echo "?")
  log "$1 $2: $out rss_mb=$rss"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$out" "$rss" >>"$RESULTS"
}

mkdir -p "$WORK/bodies" "$WORK/peer"
write_bodies "$WORK/bodies"
write_peer_bodies "$WORK/peer"

for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then url=$SQLITE_URL; else url=$PG_URL; fi
  DATABASE_URL=$url CLEANPROD_BIND=127.0.0.1:$PORT "$BIN" serve >"$WORK/server-$backend.log" 2>&1 &
  SERVER_PID=$!
  URL=http://127.0.0.1:$PORT/graphql
  wait_ready "http://127.0.0.1:$PORT/readyz"
  ADMIN=$(token_for "$URL" admin "$ADMIN_PASSWORD")
  for body in "$WORK"/bodies/*.json; do
    name=$(basename "$body" .json)
    run_wrk "cleanprod-$backend" "$name" "$body" "$ADMIN" "$SERVER_PID"
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done

log "starting PostGraphile 4 on the same PostgreSQL database"
"$PEER_DIR/node_modules/.bin/postgraphile" -c "$PG_URL" --host 127.0.0.1 --port "$PEER_PORT" \
  --disable-graphiql --disable-query-log >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
URL=http://127.0.0.1:$PEER_PORT/graphql
for _ in $(seq 1 100); do
  curl -sf -X POST "$URL" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null 2>&1 && break
  sleep 0.2
done
for body in "$WORK"/peer/*.json; do
  name=$(basename "$body" .json)
  run_wrk "postgraphile" "$name" "$body" "" "$PEER_PID"
done

mkdir -p bench/results
REPORT=bench/results/$(date -u +%Y-%m-%d).md
python3 - "$RESULTS" "$SCALE" "$CONNECTIONS" "$DURATION" >"$REPORT" <<'PY'
import sys, re, platform, os
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def parse(s):
    return dict(re.findall(r"(\w+)=([\d.]+)", s))
print(f"# cleanprod benchmark — scale {sys.argv[2]}, {sys.argv[3]} connections, {sys.argv[4]} per workload")
print()
print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.platform()}")
print()
print("| server | workload | req/s | p50 ms | p99 ms | errors | peak RSS MB |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
by = {}
for server, workload, out, rss in rows:
    m = parse(out)
    by[(server, workload)] = m
    print(f"| {server} | {workload} | {m.get('rps','?')} | {m.get('p50_ms','?')} | {m.get('p99_ms','?')} | {m.get('errors','?')} | {rss} |")
print()
for workload in sorted({w for _, w in by}):
    ours = by.get(("cleanprod-postgres", workload))
    peer = by.get(("postgraphile", workload))
    if ours and peer and float(peer.get("rps", 0)) > 0:
        print(f"- {workload}: cleanprod/PostGraphile throughput on PostgreSQL = {float(ours['rps']) / float(peer['rps']):.2f}×")
PY
cat "$REPORT"
log "written to $REPORT"
