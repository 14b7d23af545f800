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
OUT=$ROOT/target/web-checks
say() { echo "web-checks: $*"; }
die() {
    say "FAILED: $*"
    exit 1
}

[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || die "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"
(cd scripts/web-checks && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed"
rm -rf "$OUT"
mkdir -p "$OUT"
# shellcheck source=check-server.sh
source "$ROOT/scripts/check-server.sh"
start_check_server "$OUT" web-checks-only

STATUS=0
node scripts/web-checks/graphiql-browser.mjs "$BASE/graphql" "$OUT/graphiql.png" || STATUS=1
node scripts/web-checks/graphql-http-audit.mjs "$BASE/graphql" || STATUS=1
if [[ $STATUS -eq 0 ]]; then say "passed"; else die "see above"; fi
