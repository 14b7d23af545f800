# Sourced by the CI check scripts (fuzz-graphql.sh, web-checks.sh): builds the server and
# starts it on a free local port with a fresh embedded SQLite database in a temporary folder.
#
#   start_check_server LOG_DIR ADMIN_PASSWORD
#
# sets WORK (the server's folder), SERVER_PID and BASE (http://127.0.0.1:PORT), and on exit
# stops the server, keeps its log as LOG_DIR/server.log and removes WORK. The caller defines
# `die MESSAGE` (print and exit non-zero). The server sees no DATABASE_URL or CLEANPROD_*
# setting from the caller's environment.

start_check_server() {
    local log_dir=$1 admin_password=$2 port
    for var in $(compgen -e); do
        case $var in DATABASE_URL | CLEANPROD_*) unset "$var" ;; esac
    done
    CHECK_BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/cleanprod
    cargo build -q || die "cargo build failed"
    [[ -x $CHECK_BIN ]] || die "$CHECK_BIN is missing"
    CHECK_LOG_DIR=$log_dir
    WORK=$(mktemp -d)
    SERVER_PID=
    trap stop_check_server EXIT
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    BASE=http://127.0.0.1:$port
    (
        cd "$WORK"
        exec env CLEANPROD_ADMIN_PASSWORD="$admin_password" CLEANPROD_BIND="127.0.0.1:$port" \
            RUST_LOG=info,sqlx=warn,sea_orm=warn "$CHECK_BIN" serve >"$WORK/server.log" 2>&1
    ) &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; die "the server exited on start"; }
        sleep 0.25
    done
    cat "$WORK/server.log"
    die "the server is not ready after 30 s"
}

stop_check_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [[ -f $WORK/server.log ]] && cp "$WORK/server.log" "$CHECK_LOG_DIR/server.log"
    rm -rf "$WORK"
}
