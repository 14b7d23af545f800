#!/usr/bin/env bash
# Benchmarks cleanprod at provincial scale and against a peer.
#
# Seeds the same demo data (cleanprod seed-demo, fixed seed) into SQLite and PostgreSQL,
# starts the release server on each, and drives it with wrk (2 threads, fixed connections)
# for each named workload; PostGraphile 4, on the same PostgreSQL database, runs the
# equivalent of workloads 1, 2 and 2b, each right after cleanprod's on PostgreSQL. Draws are
# measured three ways: one organiser drawing alone (latency), eight organisers at once
# (throughput), and on PostgreSQL two server instances drawing from the same database at once
# (no error, no expert seated twice on a day, no review with two panels). Prints a table
# (req/s, p50, p99, peak RSS, errors) and writes it to bench/results/<date>-<time>.md.
#
#   bash bench/run.sh                      # defaults below
#   BENCH_SCALE=10 bash bench/run.sh       # national scale; p99 compared with the last scale-1 run
#   BENCH_SCALE=2 BENCH_DURATION=30s BENCH_CONNECTIONS=64 bash bench/run.sh
#   BENCH_BACKENDS=postgres BENCH_WORKLOADS='^2' bash bench/run.sh   # a part, while working
#
# Tools are installed by the script: wrk (Debian), PostGraphile 4 (npm, into target/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SCALE=${BENCH_SCALE:-1}
DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
# Organisers drawing at once in workload 4 (each a connection); workload 4s is one alone.
ORGANISERS=${BENCH_ORGANISERS:-8}
PG_ADMIN_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
# An extended regular expression over workload names (1-experts, 2-enterprise-deep, ...).
WORKLOADS=${BENCH_WORKLOADS:-.}
PEER=${BENCH_PEER:-1}
PORT=${BENCH_PORT:-18180}
PEER_PORT=$((PORT + 1))
ADMIN_PASSWORD=bench-admin-password
CITY_PASSWORD=bench-city-password
SECRET=bench-secret-bench-secret-bench-secret-0123
DATA_KEY=bench-data-key-bench-data-key-bench-data-key
WORK=$(mktemp -d /tmp/cleanprod-bench.XXXXXX)
PG_DB=cleanprod_bench_$$
PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
SERVER_PID=""
SECOND_PID=""
PEER_PID=""

log() { echo "bench: $*" >&2; }

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$SECOND_PID" ] && kill "$SECOND_PID" 2>/dev/null || true
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
# The SQLite copy is seeded always: the workloads' ids are read from it.
DATABASE_URL=$SQLITE_URL "$BIN" seed-demo --scale "$SCALE" --password "$CITY_PASSWORD" >"$WORK/seed-sqlite.log" 2>&1
if [[ " $BACKENDS " == *" postgres "* ]] || [ "$PEER" = 1 ]; then
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  DATABASE_URL=$PG_URL "$BIN" seed-demo --scale "$SCALE" --password "$CITY_PASSWORD" >"$WORK/seed-pg.log" 2>&1
fi

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

open_draws() { # port token body-file...
  python3 - "$@" <<'PY'
import http.client, json, sys
port, token = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port)
opened = 0
for path in sys.argv[3:]:
    for line in open(path):
        if not line.strip():
            continue
        review = json.loads(line)["variables"]["input"]["reviewId"]
        body = json.dumps({"query": "mutation Open($id: ID!) { openDraw(reviewId: $id) { id } }", "variables": {"id": review}})
        conn.request("POST", "/graphql", body, {"content-type": "application/json", "authorization": "Bearer " + token})
        answer = conn.getresponse().read()
        if b'"errors"' in answer:
            sys.exit(f"bench: openDraw failed: {answer[:300]!r}")
        opened += 1
print(f"bench: opened {opened} draws", file=sys.stderr)
PY
}

# Each workload is a file of JSON bodies, one per line (bench/lua/graphql.lua): one line for
# a fixed operation, many for a mix, or one per review for the draws (sent once each).
write_bodies() { # dir city-audit-ids-file review-ids-file enterprise-ids-file
  python3 - "$@" <<'PY'
import json, sys, os
d, audits_file, reviews_file, enterprises_file = sys.argv[1:5]
audits = [l.strip() for l in open(audits_file) if l.strip()]
reviews = [l.strip() for l in open(reviews_file) if l.strip()]
enterprises = [l.strip() for l in open(enterprises_file) if l.strip()]
experts = {"operationName": "ExpertPage", "query": "query ExpertPage { experts(first: 20, filter: { status: ACTIVE, sector: STEEL }) { totalCount edges { node { id name title city { name } sectors expertiseKinds } } } }"}
# Workload 2 as the issue words it: one enterprise (a different one each request, all with
# drawn panels) with its audits, their reviews and panels, and the seated experts.
def deep(enterprise):
    return {"operationName": "EnterpriseAudits", "query": "query EnterpriseAudits($id: ID!) { enterprise(id: $id) { name audits { status year reviews { kind outcome date panel { seats { status expert { name title } } } } } } }", "variables": {"id": enterprise}}
# The same four levels under a page of five enterprises (the earlier runs' workload 2).
deep_page = {"operationName": "EnterprisePageAudits", "query": "query EnterprisePageAudits { enterprises(first: 5) { edges { node { name audits { status year reviews { kind outcome date panel { seats { status expert { name title } } } } } } } } }"}
# The public ranking as its page shows it: the first 50 lines and how many there are. The
# whole document (3b) grows with the province: 200 lines at scale 1, 2 000 at scale 10.
ranking = {"operationName": "Ranking", "query": "query Ranking { consultancyRanking(year: 2024) { year published entryCount entries(first: 50) { position rank total grade rankChange consultancy { name creditCode } } } }"}
ranking_whole = {"operationName": "RankingWhole", "query": "query RankingWhole { consultancyRanking(year: 2024) { year published entries { position rank total grade rankChange consultancy { name creditCode } } } }"}
def draw(review):
    return {"operationName": "Draw", "query": "mutation Draw($input: DrawPanelInput!) { drawPanel(input: $input) { id seats { expertId slotIndex } } }", "variables": {"input": {"reviewId": review}}}
# Each review is drawn once: one organiser alone takes the first 300, two instances 600 more
# (half each), and eight organisers at once the rest (at most 4 000).
single, two_a, two_b, organisers = reviews[:300], reviews[300:600], reviews[600:900], reviews[900:4900]
# A city bureau's day: mostly looking things up, now and then writing something down.
city_reads = [
    {"operationName": "CityEnterprises", "query": "query CityEnterprises { enterprises(first: 20, filter: { cityCode: \"140100\" }) { totalCount edges { node { name creditCode scale mandatoryAudit { mandatory } } } } }"},
    {"operationName": "OpenAudits", "query": "query OpenAudits { audits(first: 20, filter: { cityCode: \"140100\", status: REPORT_SUBMITTED }) { totalCount edges { node { year status deadline { kind due } enterprise { name } consultancy { name } } } } }"},
    {"operationName": "Overdue", "query": "query Overdue { overdueAudits(first: 20, cityCode: \"140100\") { totalCount edges { node { year status deadline { kind due } enterprise { name } } } } }"},
    experts,
    ranking,
]
def option(audit):
    return {"operationName": "AddOption", "query": "mutation AddOption($audit: ID!, $input: ImprovementOptionInput!) { addImprovementOption(auditId: $audit, input: $input) { id } }", "variables": {"audit": audit, "input": {"kind": "NO_LOW_COST", "title": "加强现场管理", "investment": "1.5", "economicBenefit": "0.8"}}}
mix = []
for i in range(200):
    # nine reads to one write
    mix.append(option(audits[i % len(audits)]) if i % 10 == 9 else city_reads[i % len(city_reads)])
workloads = {
    "1-experts": ([experts], "admin"),
    "2-enterprise-deep": ([deep(e) for e in enterprises], "admin"),
    "2b-five-enterprises-deep": ([deep_page], "admin"),
    "3-ranking": ([ranking], "anonymous"),
    "3b-ranking-whole": ([ranking_whole], "anonymous"),
    "4-draw-panel": ([draw(r) for r in organisers], "admin"),
    "4s-draw-single": ([draw(r) for r in single], "admin"),
    "5-city-day": (mix, "city"),
}
for name, (bodies, who) in workloads.items():
    with open(os.path.join(d, f"{name}.{who}.jsonl"), "w") as f:
        for b in bodies:
            f.write(json.dumps(b, ensure_ascii=False) + "\n")
# Not a workload of its own: run by the two-instance step on PostgreSQL.
for name, part in (("a", two_a), ("b", two_b)):
    with open(os.path.join(d, "..", f"two-instances-{name}.jsonl"), "w") as f:
        for r in part:
            f.write(json.dumps(draw(r)) + "\n")
PY
}

# PostGraphile's equivalents: the same data through its generated schema.
write_peer_bodies() { # dir enterprise-ids-file
  python3 - "$1" "$2" <<'PY'
import json, sys, os
d = sys.argv[1]
enterprises = [l.strip() for l in open(sys.argv[2]) if l.strip()]
# PostGraphile 4 singularises "enterprises" to "enterpris".
bodies = {
  "1-experts": {"query": "{ allExperts(first: 20, condition: { status: \"ACTIVE\" }) { totalCount nodes { id name title cityByCityCode { name } expertSectorsByExpertId { nodes { sector } } expertKindsByExpertId { nodes { kind } } } } }"},
  "2-enterprise-deep": [{"query": "query EnterpriseAudits($id: UUID!) { enterprisById(id: $id) { name auditsByEnterpriseId { nodes { status year reviewsByAuditId { nodes { kind outcome reviewDate panelsByReviewId { nodes { panelSeatsByPanelId { nodes { status expertByExpertId { name title } } } } } } } } } } }", "variables": {"id": e}} for e in enterprises],
  "2b-five-enterprises-deep": {"query": "{ allEnterprises(first: 5) { nodes { name auditsByEnterpriseId { nodes { status year reviewsByAuditId { nodes { kind outcome reviewDate panelsByReviewId { nodes { panelSeatsByPanelId { nodes { status expertByExpertId { name title } } } } } } } } } } } }"},
}
for name, body in bodies.items():
    with open(os.path.join(d, name + ".anonymous.jsonl"), "w") as f:
        for b in body if isinstance(body, list) else [body]:
            f.write(json.dumps(b) + "\n")
PY
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"

run_wrk() { # label workload body-file token pid [once] [connections]
  local out duration=$DURATION connections=${7:-$CONNECTIONS} threads=2
  [ "$connections" -lt 2 ] && threads=1
  if [ "${6:-}" = once ]; then
    duration=${BENCH_DRAW_DURATION:-60s}
  else
    # A mistyped query would make a fast benchmark of error answers: check each kind first.
    # (The first 50 distinct lines: a process substitution, as `head` closing a pipe early
    # would fail the pipeline under pipefail.)
    while IFS= read -r line; do
      case $line in *'"mutation '*|*'"query":"mutation'*) continue ;; esac
      answer=$(curl -s -X POST "$URL" -H 'content-type: application/json' ${4:+-H "authorization: Bearer $4"} -d "$line")
      case $answer in *'"errors"'*) log "$1 $2: the workload's query fails: $answer"; exit 1 ;; esac
    done < <(sort -u "$3" | head -n 50)
    # What one answer holds (its first line's), so that peers are compared on the same work,
    # and what it weighs on the wire to a client that takes gzip, as wrk's requests do.
    wire=$(curl -s -o /dev/null -w '%{size_download}' -X POST "$URL" -H 'content-type: application/json' \
        -H 'accept-encoding: gzip' ${4:+-H "authorization: Bearer $4"} -d "$(head -n 1 "$3")")
    curl -s -X POST "$URL" -H 'content-type: application/json' ${4:+-H "authorization: Bearer $4"} \
        -d "$(head -n 1 "$3")" | python3 -c '
import json, sys
raw = sys.stdin.buffer.read()
def objects(v):
    if isinstance(v, dict):
        return 1 + sum(objects(x) for x in v.values())
    if isinstance(v, list):
        return sum(objects(x) for x in v)
    return 0
def leaves(v):
    if isinstance(v, dict):
        return sum(leaves(x) for x in v.values())
    if isinstance(v, list):
        return sum(leaves(x) for x in v)
    return 1
data = json.loads(raw).get("data")
print(f"{sys.argv[1]}\t{sys.argv[2]}\t{len(raw)}\t{sys.argv[3]}\t{objects(data)}\t{leaves(data)}")
' "$1" "$2" "$wire" >>"$WORK/shapes.tsv"
  fi
  out=$(BENCH_BODY_FILE=$3 BENCH_TOKEN=$4 BENCH_THREADS=$threads BENCH_ONCE=${6:+1} \
        BENCH_CONNECTIONS=$connections \
        wrk -t"$threads" -c"$connections" -d"$duration" --timeout 10s --latency \
        -s "$ROOT/bench/lua/graphql.lua" "${URL_OVERRIDE:-$URL}" 2>&1 | grep '^BENCH' || true)
  local rss
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$5/status" 2>/dev/null || echo "?")
  log "$1 $2: $out rss_mb=$rss"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$out" "$rss" >>"$RESULTS"
}

# The open audits of Taiyuan (for the bureau's writes), the scheduled reviews without a
# panel (for the draws) and enterprises with drawn panels (for the deep read): the same ids
# in both databases, as the seed is deterministic.
python3 - "$WORK/bench.db" "$WORK/audits.txt" "$WORK/reviews.txt" "$WORK/enterprises.txt" <<'PY'
import sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1])
def ids(sql):
    return [str(uuid.UUID(bytes=bytes(r[0]))) if isinstance(r[0], (bytes, memoryview)) else str(r[0]) for r in db.execute(sql)]
with open(sys.argv[2], "w") as f:
    f.write("\n".join(ids("SELECT id FROM audits WHERE city_code = '140100' AND closed = 0 AND status IN ('IN_PROGRESS', 'REPORT_SUBMITTED') ORDER BY id")) + "\n")
with open(sys.argv[3], "w") as f:
    f.write("\n".join(ids("SELECT r.id FROM reviews r LEFT JOIN panels p ON p.review_id = r.id WHERE r.status = 'SCHEDULED' AND p.id IS NULL ORDER BY r.review_date, r.id")) + "\n")
with open(sys.argv[4], "w") as f:
    f.write("\n".join(ids("SELECT id FROM enterprises WHERE id IN (SELECT a.enterprise_id FROM audits a JOIN panels p ON p.audit_id = a.id) ORDER BY id LIMIT 500")) + "\n")
PY
log "$(wc -l <"$WORK/reviews.txt") scheduled reviews to draw, $(wc -l <"$WORK/audits.txt") open Taiyuan audits"

mkdir -p "$WORK/bodies" "$WORK/peer"
write_bodies "$WORK/bodies" "$WORK/audits.txt" "$WORK/reviews.txt" "$WORK/enterprises.txt"
write_peer_bodies "$WORK/peer" "$WORK/enterprises.txt"

# PostGraphile runs from the start, idle until its turn: each of its workloads is run right
# after cleanprod's same workload on PostgreSQL, on the same data (before any draw writes) and
# in the same minutes of a host whose speed drifts, so that the two are compared fairly.
PEER_URL=http://127.0.0.1:$PEER_PORT/graphql
if [ "$PEER" = 1 ]; then
  log "starting PostGraphile 4 on the same PostgreSQL database"
  "$PEER_DIR/node_modules/.bin/postgraphile" -c "$PG_URL" --host 127.0.0.1 --port "$PEER_PORT" \
    --disable-graphiql --disable-query-log >"$WORK/peer.log" 2>&1 &
  PEER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf -X POST "$PEER_URL" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

for backend in $BACKENDS; do
  if [ "$backend" = sqlite ]; then url=$SQLITE_URL; else url=$PG_URL; fi
  # Another server left on the port would answer in this one's place (this one failing to bind).
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    log "port $PORT is in use; stop what listens there or set BENCH_PORT"; exit 1
  fi
  DATABASE_URL=$url CLEANPROD_BIND=127.0.0.1:$PORT "$BIN" serve >"$WORK/server-$backend.log" 2>&1 &
  SERVER_PID=$!
  URL=http://127.0.0.1:$PORT/graphql
  wait_ready "http://127.0.0.1:$PORT/readyz"
  kill -0 "$SERVER_PID" 2>/dev/null || { log "the $backend server exited"; cat "$WORK/server-$backend.log" >&2; exit 1; }
  ADMIN=$(token_for "$URL" admin "$ADMIN_PASSWORD")
  CITY=$(token_for "$URL" city-140100 "$CITY_PASSWORD")
  # A draw needs its review's draw opened first (the commitment shown before the witness's
  # nonce): the organiser's step, done here for every review a draw workload will use.
  if [[ 4-draw-panel =~ $WORKLOADS || 4s-draw-single =~ $WORKLOADS || 6-two-instances =~ $WORKLOADS ]]; then
    open_draws "$PORT" "$ADMIN" "$WORK"/bodies/4*.jsonl "$WORK"/two-instances-*.jsonl
  fi
  for body in "$WORK"/bodies/*.jsonl; do
    file=$(basename "$body" .jsonl)
    name=${file%.*}
    [[ $name =~ $WORKLOADS ]] || continue
    case ${file##*.} in
      admin) token=$ADMIN ;;
      city) token=$CITY ;;
      *) token="" ;;
    esac
    case $name in
      4-draw-panel) run_wrk "cleanprod-$backend" "$name" "$body" "$token" "$SERVER_PID" once "$ORGANISERS" ;;
      4s-draw-single) run_wrk "cleanprod-$backend" "$name" "$body" "$token" "$SERVER_PID" once 1 ;;
      *) run_wrk "cleanprod-$backend" "$name" "$body" "$token" "$SERVER_PID" ;;
    esac
    if [ "$backend" = postgres ] && [ -n "$PEER_PID" ]; then
      for peer_body in "$WORK"/peer/"$name".*.jsonl; do
        [ -e "$peer_body" ] || continue
        URL=$PEER_URL run_wrk "postgraphile" "$name" "$peer_body" "" "$PEER_PID"
        echo "$name" >>"$WORK/peer-done.txt"
      done
    fi
  done
  if [ "$backend" = postgres ] && [[ 6-two-instances =~ $WORKLOADS ]]; then
    # A second instance on the same database; each draws its own half of 600 reviews with
    # four organisers, at the same time as the other.
    DATABASE_URL=$url CLEANPROD_BIND=127.0.0.1:$((PORT + 2)) "$BIN" serve >"$WORK/server-second.log" 2>&1 &
    SECOND_PID=$!
    wait_ready "http://127.0.0.1:$((PORT + 2))/readyz"
    URL_OVERRIDE=http://127.0.0.1:$((PORT + 2))/graphql \
      run_wrk "cleanprod-postgres-second" 6-two-instances "$WORK/two-instances-b.jsonl" "$ADMIN" "$SECOND_PID" once 4 &
    second_wrk=$!
    run_wrk "cleanprod-postgres" 6-two-instances "$WORK/two-instances-a.jsonl" "$ADMIN" "$SERVER_PID" once 4
    wait "$second_wrk"
    kill "$SECOND_PID"; wait "$SECOND_PID" 2>/dev/null || true; SECOND_PID=""
    doubles=$(psql "$url" -Atc "SELECT count(*) FROM (SELECT expert_id, review_date FROM panel_seats WHERE status <> 'DECLINED' GROUP BY expert_id, review_date HAVING count(*) > 1) d")
    two_panels=$(psql "$url" -Atc "SELECT count(*) FROM (SELECT review_id FROM panels GROUP BY review_id HAVING count(*) > 1) d")
    log "two instances: experts seated twice on a day: $doubles, reviews with two panels: $two_panels"
    printf 'two-instances\t%s\t%s\n' "$doubles" "$two_panels" >>"$WORK/checks.tsv"
  fi
  # Writers on SQLite must queue, never fail: count "database is locked" in the server log.
  locked=$(grep -c -i 'database is locked' "$WORK/server-$backend.log" || true)
  log "cleanprod-$backend: 'database is locked' in the server log: $locked"
  printf 'locked\t%s\t%s\n' "$backend" "$locked" >>"$WORK/locked.tsv"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done

# The peer's workloads not run beside ours (a run without PostgreSQL for cleanprod).
if [ -n "$PEER_PID" ]; then
  for body in "$WORK"/peer/*.jsonl; do
    file=$(basename "$body" .jsonl)
    [[ ${file%.*} =~ $WORKLOADS ]] || continue
    grep -qx "${file%.*}" "$WORK/peer-done.txt" 2>/dev/null && continue
    URL=$PEER_URL run_wrk "postgraphile" "${file%.*}" "$body" "" "$PEER_PID"
  done
fi

mkdir -p bench/results
REPORT=bench/results/$(date -u +%Y-%m-%d-%H%M).md
touch "$WORK/locked.tsv" "$WORK/shapes.tsv" "$WORK/checks.tsv"
# At another scale than 1, each p99 is set beside the latest scale-1 run's.
BASELINE=""
if [ "$SCALE" != 1 ]; then
  BASELINE=$(grep -l '^# cleanprod benchmark — scale 1,' bench/results/*.md 2>/dev/null | sort | tail -n 1 || true)
fi
python3 - "$RESULTS" "$SCALE" "$CONNECTIONS" "$DURATION" "$WORK/locked.tsv" "$ORGANISERS" "$WORK/shapes.tsv" "$WORK/checks.tsv" "$BASELINE" >"$REPORT" <<'PY'
import sys, re, platform, os, datetime
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
locked = [l.rstrip("\n").split("\t") for l in open(sys.argv[5]) if l.strip()]
checks = [l.rstrip("\n").split("\t") for l in open(sys.argv[8]) if l.strip()]
baseline = {}
if sys.argv[9]:
    for line in open(sys.argv[9]):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] not in ("server", "---"):
            baseline[(cells[0], cells[1])] = cells[4]
def parse(s):
    return dict(re.findall(r"(\w+)=([\d.]+)", s))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"# cleanprod benchmark — scale {sys.argv[2]}, {sys.argv[3]} connections, {sys.argv[4]} per workload")
print()
print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores ({cpu}) · {platform.platform()}")
print()
print("| server | workload | req/s | p50 ms | p99 ms | requests | errors | peak RSS MB |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
by = {}
for server, workload, out, rss in rows:
    m = parse(out)
    by[(server, workload)] = m
    print(f"| {server} | {workload} | {m.get('rps','?')} | {m.get('p50_ms','?')} | {m.get('p99_ms','?')} | {m.get('requests','?')} | {m.get('errors','?')} | {rss} |")
print()
print(f"Draws use each review up once (a review has one panel): workload 4s is one organiser drawing 300 panels one after the other, workload 4 is {sys.argv[6]} organisers drawing at once, workload 6 two server instances on one PostgreSQL database drawing 300 panels each at once (four organisers each). Their rate is the concurrency over the mean latency.")
print()
for _, backend, n in locked:
    print(f"- 'database is locked' in the {backend} server's log: {n}")
for _, doubles, two_panels in checks:
    print(f"- two instances on one PostgreSQL: experts seated twice on a day {doubles}, reviews with two panels {two_panels}")
if baseline:
    print()
    print(f"p99 against the scale-1 run of {os.path.basename(sys.argv[9])}:")
    print()
    print("| server | workload | p99 ms scale 1 | p99 ms now | ratio |")
    print("| --- | --- | ---: | ---: | ---: |")
    for (server, workload), m in by.items():
        then = baseline.get((server, workload))
        if then and float(then) > 0 and "p99_ms" in m:
            print(f"| {server} | {workload} | {then} | {m['p99_ms']} | {float(m['p99_ms']) / float(then):.2f}× |")
shapes = [l.rstrip("\n").split("\t") for l in open(sys.argv[7]) if l.strip()]
if shapes:
    print()
    print("One answer of each workload (its first request), to compare peers on the same work:")
    print()
    print("| server | workload | bytes | sent (gzip asked) | objects | values |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for server, workload, size, wire, objects, values in shapes:
        print(f"| {server} | {workload} | {size} | {wire} | {objects} | {values} |")
    print()
for workload in sorted({w for _, w in by}):
    ours = by.get(("cleanprod-postgres", workload))
    peer = by.get(("postgraphile", workload))
    if ours and peer and float(peer.get("rps", 0)) > 0:
        line = f"- {workload}: on PostgreSQL cleanprod's throughput is {float(ours['rps']) / float(peer['rps']):.2f}× PostGraphile's"
        if float(peer.get("p99_ms", 0)) > 0:
            line += f", its p99 {float(ours['p99_ms']) / float(peer['p99_ms']):.2f}× PostGraphile's"
        print(line)
PY
cat "$REPORT"
log "written to $REPORT"
