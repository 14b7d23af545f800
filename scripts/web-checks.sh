#!/usr/bin/env bash
# Web checks (CI runs them after the tests), against a freshly started server on the embedded
# SQLite:
#   - GraphiQL in headless Chromium with every other host refused: a query typed into its
#     editor returns the cities (screenshot in target/web-checks/graphiql.png);
#   - the GraphQL-over-HTTP audit (graphql-http's serverAudits): every MUST and SHOULD.
# Needs Node.js and Debian's chromium (/usr/bin/chromium, or CHROMIUM=path); the npm packages
# are pinned in scripts/web-checks/package-lock.json and installed with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/cleanprod
OUT=$ROOT/target/web-checks
say() { echo "web-checks: $*"; }
die() {
    say "FAILED: $*"
    exit 1
}

for var in $(compgen -e); do
    case $var in DATABASE_URL | CLEANPROD_*) unset "$var" ;; esac
done
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || die "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"
(cd scripts/web-checks && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed"
cargo build -q || die "cargo build failed"

rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [[ -f $WORK/server.log ]] && cp "$WORK/server.log" "$OUT/server.log"
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
(
    cd "$WORK"
    exec env CLEANPROD_ADMIN_PASSWORD=web-checks-only CLEANPROD_BIND="127.0.0.1:$PORT" \
        RUST_LOG=info,sqlx=warn,sea_orm=warn "$BIN" serve >"$WORK/server.log" 2>&1
) &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; die "the server exited on start"; }
    sleep 0.25
done
curl -fsS -o /dev/null "$BASE/readyz" || { cat "$WORK/server.log"; die "the server is not ready after 30 s"; }

STATUS=0
node scripts/web-checks/graphiql-browser.mjs "$BASE/graphql" "$OUT/graphiql.png" || STATUS=1
node scripts/web-checks/graphql-http-audit.mjs "$BASE/graphql" || STATUS=1
if [[ $STATUS -eq 0 ]]; then say "passed"; else die "see above"; fi
