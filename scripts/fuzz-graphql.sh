#!/usr/bin/env bash
# GraphQL fuzz run (CI runs it after the tests): schemathesis against a freshly started server
# on the embedded SQLite, once anonymously and once with a bearer token, each bounded by a
# number of examples per operation and a fixed seed.
#
# It fails when:
#   - the standard introspection query (graphql-core's, which schemathesis sends) is refused;
#   - any response is a 5xx or not JSON, or carries an error whose `extensions.code` is
#     INTERNAL, SERVICE_UNAVAILABLE or one the API does not document;
#   - any error (message or extensions) shows internal detail: SQL, sqlx / sea_orm / DbErr,
#     a panic or stack trace, a source or file-system path;
#   - the token stopped working during the authenticated run (coverage would be lost);
#   - afterwards the server no longer answers /healthz, /readyz, a public query and the
#     admin's `me`, logged a panic, or does not exit 0 on SIGTERM.
#
# Environment: FUZZ_MAX_EXAMPLES (per operation, default 150), FUZZ_SEED (default fixed),
# FUZZ_RUN_TIMEOUT (seconds per schemathesis run, default 900: a run takes 150-200 s on a fast
# 2-core host and over 300 s on a slow one, where schemathesis itself is the bottleneck; a
# hanging request is caught sooner by --request-timeout). Reports, cassettes and the server
# log are kept in target/fuzz-report/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-150}
SEED=${FUZZ_SEED:-20261128}
RUN_TIMEOUT=${FUZZ_RUN_TIMEOUT:-900}
VENV=$ROOT/target/fuzz-venv
REPORT=$ROOT/target/fuzz-report
STARTED=$SECONDS

FAILS=()
PASSED=0
say() { echo "fuzz-graphql: $*"; }
ok() { PASSED=$((PASSED + 1)); }
fail() {
    say "FAILED: $*"
    FAILS+=("$*")
}
die() {
    say "FAILED: $*"
    say "SUMMARY: FAIL (setup): $*"
    exit 1
}

# --- schemathesis, pinned, in a venv of its own ---------------------------------------------
if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"version $SCHEMATHESIS_VERSION" ]]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into target/fuzz-venv"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV" || die "cannot create $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" || die "cannot install schemathesis"
fi
PY=$VENV/bin/python

# --- the server -----------------------------------------------------------------------------
rm -rf "$REPORT"
mkdir -p "$REPORT"
ADMIN_PW=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')
FUZZ_PW=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')
# shellcheck source=check-server.sh
source "$ROOT/scripts/check-server.sh"
start_check_server "$REPORT" "$ADMIN_PW"
BIN=$CHECK_BIN
say "server pid $SERVER_PID on $BASE (data in $WORK)"

# POSTs a GraphQL document; prints the response body.
gql() { # query [token]
    local body
    body=$("$PY" -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$1")
    curl -sS -X POST "$BASE/graphql" -H 'Content-Type: application/json' \
        ${2:+-H "Authorization: Bearer $2"} --data-binary "$body"
}
# Reads a JSON path (dot-separated) from standard input; fails when it is absent.
jget() { "$PY" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1"; }

# Tokens are taken before any fuzzing: the login throttle may lock random usernames later.
ADMIN_LOGIN=$(gql "mutation { login(username: \"admin\", password: \"$ADMIN_PW\") { token user { id } } }")
ADMIN_TOKEN=$(jget data.login.token <<<"$ADMIN_LOGIN") || die "admin login failed: $ADMIN_LOGIN"
ADMIN_ID=$(jget data.login.user.id <<<"$ADMIN_LOGIN")
# The authenticated run uses a user of its own, created by the command line with a random
# password that the fuzzer cannot guess (so changePassword cannot succeed).
(cd "$WORK" && printf '%s' "$FUZZ_PW" | "$BIN" create-user --username fuzzer --role PROVINCE_ADMIN \
    >"$REPORT/create-user.log" 2>&1) || { cat "$REPORT/create-user.log"; die "create-user failed"; }
FUZZ_LOGIN=$(gql "mutation { login(username: \"fuzzer\", password: \"$FUZZ_PW\") { token user { id } } }")
FUZZ_TOKEN=$(jget data.login.token <<<"$FUZZ_LOGIN") || die "fuzzer login failed: $FUZZ_LOGIN"
FUZZ_ID=$(jget data.login.user.id <<<"$FUZZ_LOGIN")

# --- the schema: by introspection, as any client gets it -------------------------------------
"$PY" - "$BASE/graphql" >"$REPORT/introspection.txt" 2>&1 <<'PY' && INTROSPECTION_OK=1 || INTROSPECTION_OK=0
import json, sys, urllib.request, urllib.error
import graphql
req = urllib.request.Request(sys.argv[1], data=json.dumps({"query": graphql.get_introspection_query()}).encode(),
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        status, body = r.status, r.read().decode()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read().decode()
ok = status == 200 and isinstance((json.loads(body).get("data") or {}).get("__schema"), dict)
print(f"HTTP {status}: {body[:500]}")
sys.exit(0 if ok else 1)
PY
if [[ $INTROSPECTION_OK == 1 ]]; then
    ok
    SCHEMA_LOCATION=$BASE/graphql
    SCHEMA_ARGS=()
else
    fail "the standard introspection query (graphql-core's, which schemathesis sends to load a schema from a URL) is refused: $(head -c 300 "$REPORT/introspection.txt")"
    say "fuzzing on the SDL from 'cleanprod export-schema' instead"
    "$BIN" export-schema >"$WORK/schema.graphql"
    SCHEMA_LOCATION=$WORK/schema.graphql
    SCHEMA_ARGS=(--url "$BASE/graphql")
fi

# --- the checks schemathesis runs on every response ------------------------------------------
cat >"$WORK/fuzz_hooks.py" <<'PY'
"""Checks for the cleanprod fuzz run (loaded through SCHEMATHESIS_HOOKS)."""
import atexit
import collections
import json
import os
import re
import threading

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# IDs in this API are UUIDs: random text stops at "is not a valid ID", so mostly send UUIDs
# to reach the lookups behind (and still some text).
schemathesis.graphql.scalar(
    "ID", st.one_of(st.uuids().map(str), st.uuids(version=4).map(str), st.text(max_size=40)).map(nodes.String)
)
# Decimals travel as strings: mostly numbers (some out of range or too precise), some text.
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.text(max_size=20),
    ).map(nodes.String),
)

# Files travel as parts of a multipart request; in a JSON one any value stands in for a file
# (refused), including the placeholder a multipart request leaves in its variables.
schemathesis.graphql.scalar(
    "Upload",
    st.one_of(st.text(max_size=20), st.just("#__graphql_file__:0")).map(nodes.String),
)

# Codes the API documents for a client's fault; anything else (INTERNAL, SERVICE_UNAVAILABLE,
# no code at all, an unknown one) means the server failed.
CLIENT_CODES = {
    "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT",
    "INSUFFICIENT_CANDIDATES", "BAD_REQUEST", "PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED",
}
# Internal detail that must never reach a client.
LEAKS = [re.compile(p, re.IGNORECASE) for p in (
    r"\bselect\b", r"\binsert\s+into\b", r"\bupdate\s+\S+\s+set\b", r"\bdelete\s+from\b",
    r"\bwhere\b.*=\s*\$\d", r"\bsqlx\b", r"sea[_-]orm", r"\bDbErr\b", r"\bsqlite", r"\bpostgres",
    r"\bdatabase\b", r"constraint", r"no such (table|column)", r"syntax error at", r"(execution|query|connection) error",
    r"panick", r"\bstack\b", r"backtrace", r"unwrap\(\)", r"thread '", r"\bRUST_",
    r"\.rs:\d+", r"\bsrc/", r"/(home|root|work|tmp|usr|var|etc|opt|proc)/", r"\.cargo",
    r"\b(argon2|jsonwebtoken|serde|tokio|actix|hyper)\b",
)]
# The users whose tokens the run needs: a changeUser on them would revoke those tokens.
PROTECTED_IDS = [i for i in os.environ.get("FUZZ_PROTECTED_IDS", "").split(",") if i]
STAND_IN_ID = "00000000-0000-7000-8000-000000000000"

_lock = threading.Lock()
_stats = collections.Counter()


@atexit.register
def _write_stats():
    path = os.environ.get("FUZZ_STATS_FILE")
    if path:
        with open(path, "w") as f:
            json.dump(dict(_stats), f, indent=1, sort_keys=True)


@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, str) and any(i in case.body for i in PROTECTED_IDS):
        body = case.body
        for i in PROTECTED_IDS:
            body = body.replace(i, STAND_IN_ID)
        case.body = body


def _request_text(response):
    raw = response.request.body or b""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        sent = json.loads(raw)
        return ((sent.get("query") or "") + json.dumps(sent.get("variables"), ensure_ascii=False)).lower()
    except (ValueError, AttributeError):
        return raw.lower()


@schemathesis.check
def cleanprod_no_server_fault(ctx, response, case):
    """No 5xx, JSON only, only documented client error codes, no internal detail in errors."""
    text = response.content.decode("utf-8", "replace")
    problems = []
    if response.status_code >= 500:
        problems.append(f"HTTP {response.status_code}")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
        problems.append("the response is not JSON")
    errors = payload.get("errors") if isinstance(payload, dict) else None
    scanned = [text] if not isinstance(payload, dict) else []
    codes = []
    for error in errors or []:
        ext = error.get("extensions") if isinstance(error, dict) else None
        code = ext.get("code") if isinstance(ext, dict) else None
        codes.append(code)
        if code not in CLIENT_CODES:
            problems.append(f"error code {code!r}")
        scanned.append(json.dumps(error, ensure_ascii=False))
    # A word the request itself carried may be echoed back ("expert SELECT not found").
    sent = _request_text(response)
    for chunk in scanned:
        for pattern in LEAKS:
            for match in pattern.finditer(chunk):
                if match.group(0).lower() not in sent:
                    problems.append(f"internal detail {match.group(0)!r}")
    with _lock:
        _stats["responses"] += 1
        _stats[f"status {response.status_code}"] += 1
        for code in codes:
            _stats[f"code {code}"] += 1
        if isinstance(payload, dict) and not errors and payload.get("data"):
            _stats["without errors"] += 1
            _stats[f"answered {case.operation.label}"] += 1
        if any(c == "UNAUTHENTICATED" for c in codes) and "invalid or expired token" in text:
            _stats["token rejected"] += 1
        if problems:
            _stats["faults"] += 1
    if problems:
        raise AssertionError("; ".join(sorted(set(problems))) + f"\nHTTP {response.status_code}: {text[:2000]}")
PY

# --- the two runs ----------------------------------------------------------------------------
declare -A REQUESTS
fuzz() { # name [extra schemathesis args...]
    local name=$1
    shift
    say "fuzzing ($name): up to $MAX_EXAMPLES examples per operation, seed $SEED"
    local rc=0
    (
        cd "$WORK"
        SCHEMATHESIS_HOOKS="$WORK/fuzz_hooks.py" FUZZ_STATS_FILE="$REPORT/stats-$name.json" \
            FUZZ_PROTECTED_IDS="$ADMIN_ID,$FUZZ_ID" \
            timeout --signal=INT --kill-after=20 "$RUN_TIMEOUT" \
            "$VENV/bin/schemathesis" run "$SCHEMA_LOCATION" "${SCHEMA_ARGS[@]}" \
            --checks cleanprod_no_server_fault,response_schema_conformance \
            --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
            --request-timeout 20 --generation-database none --no-color \
            --report junit,vcr --report-dir "$REPORT" \
            --report-junit-path "$REPORT/junit-$name.xml" --report-vcr-path "$REPORT/cassette-$name.yaml" \
            "$@"
    ) || rc=$?
    if [[ $rc == 124 || $rc == 137 ]]; then
        fail "$name run did not finish within $RUN_TIMEOUT s (is the server hanging?)"
    elif [[ $rc != 0 ]]; then
        fail "$name run found faults (schemathesis exit $rc; see above and target/fuzz-report/cassette-$name.yaml)"
    else
        ok
    fi
    if [[ ! -s $REPORT/stats-$name.json ]]; then
        fail "$name run left no statistics: did it send anything?"
        return
    fi
    REQUESTS[$name]=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("responses", 0))' "$REPORT/stats-$name.json")
    "$PY" - "$REPORT/stats-$name.json" "$name" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
answered = sorted(k.split(" ", 1)[1].split(".", 1)[1] for k in stats if k.startswith("answered ") and "." in k)
print(f"fuzz-graphql: {sys.argv[2]}: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if not k.startswith("answered ")))
print(f"fuzz-graphql: {sys.argv[2]}: answered without errors at least once: {', '.join(answered) or 'none'}")
PY
    if ((REQUESTS[$name] >= 100)); then ok; else fail "$name run sent only ${REQUESTS[$name]} requests"; fi
}

fuzz anonymous --warnings off
fuzz authenticated -H "Authorization: Bearer $FUZZ_TOKEN"
if [[ -s $REPORT/stats-authenticated.json ]]; then
    REJECTED=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("token rejected", 0))' "$REPORT/stats-authenticated.json")
    ((REJECTED == 0)) && ok || fail "the fuzzer's token was rejected $REJECTED times during the authenticated run: it was revoked, so part of that run was anonymous"
fi

# --- is the server still well? --------------------------------------------------------------
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    fail "the server died during fuzzing"
else
    curl -fsS -o /dev/null "$BASE/healthz" && ok || fail "/healthz does not answer 200 after fuzzing"
    curl -fsS -o /dev/null "$BASE/readyz" && ok || fail "/readyz does not answer 200 after fuzzing"
    CITIES=$(gql '{ cities { code } }')
    "$PY" -c 'import json, sys; sys.exit(len(json.load(sys.stdin)["data"]["cities"]) != 11)' <<<"$CITIES" 2>/dev/null && ok ||
        fail "{ cities } after fuzzing: $CITIES"
    ME=$(gql '{ me { username role } }' "$ADMIN_TOKEN")
    [[ $(jget data.me.role <<<"$ME" 2>/dev/null) == PROVINCE_ADMIN ]] && ok ||
        fail "the admin's { me } after fuzzing: $ME"
fi
if grep -q "panicked" "$WORK/server.log"; then
    fail "the server panicked: $(grep -m3 -A2 panicked "$WORK/server.log" | tr '\n' ' ')"
else
    ok
fi
INTERNAL_LOGGED=$(grep -c "internal error" "$WORK/server.log" || true)
((INTERNAL_LOGGED == 0)) && ok || fail "the server logged $INTERNAL_LOGGED internal errors (see target/fuzz-report/server.log)"

if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    STOP_RC=0
    for _ in $(seq 1 120); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        fail "the server did not stop within 30 s of SIGTERM"
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" || STOP_RC=$?
    SERVER_PID=
    ((STOP_RC == 0)) && ok || fail "the server exited $STOP_RC on SIGTERM (expected 0)"
fi

ELAPSED=$((SECONDS - STARTED))
DETAIL="schemathesis $SCHEMATHESIS_VERSION, seed $SEED, $MAX_EXAMPLES examples/operation, requests: anonymous ${REQUESTS[anonymous]:-0}, authenticated ${REQUESTS[authenticated]:-0}, ${ELAPSED} s"
# The plain closing line CI reads, then the summary.
say "$PASSED passed, ${#FAILS[@]} failed"
if ((${#FAILS[@]})); then
    say "SUMMARY: FAIL (${#FAILS[@]} problem(s); $DETAIL)"
    for f in "${FAILS[@]}"; do say "  - $f"; done
    exit 1
fi
say "SUMMARY: PASS ($DETAIL)"
