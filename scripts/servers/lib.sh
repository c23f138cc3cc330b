# shellcheck shell=bash
# Shared helpers for scripts/servers/*.sh (sourced, not run). Loopback only.
#
# The caller sets NAME (used in messages and paths) before sourcing; this file sets:
#   CACHE_ROOT  ${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}
#   CACHE       $CACHE_ROOT/$NAME       RUN  $CACHE/run (state: pid, port, secrets)
#   LOGS        $CACHE/logs             PIDFILE $RUN/$NAME.pid
HOST=127.0.0.1
CACHE_ROOT="${COSIGN_KEYS_CACHE:-$HOME/.cache/cosign-keys}"
CACHE="$CACHE_ROOT/$NAME"
RUN="$CACHE/run"
LOGS="$CACHE/logs"
PIDFILE="$RUN/$NAME.pid"

say() { echo "$NAME.sh: $*" >&2; }
die() {
    say "error: $*"
    exit 1
}

python_bin() {
    local py
    for py in "${COSIGN_KEYS_PYTHON:-}" python3 python; do
        if [[ -n "$py" ]] && command -v "$py" >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    die "no python3 found"
}

# ensure_venv DIR PIP_ARGS...: a venv at DIR with exactly these pinned requirements.
# A marker file records the requirement list, so a changed pin reinstalls.
ensure_venv() {
    local dir="$1"
    shift
    local want="$*"
    if [[ -x "$dir/bin/python" && -f "$dir/.cosign-keys-reqs" && "$(cat "$dir/.cosign-keys-reqs")" == "$want" ]]; then
        return 0
    fi
    mkdir -p "$LOGS"
    say "installing $want into $dir (log $LOGS/install.log)"
    rm -rf "$dir"
    "$(python_bin)" -m venv "$dir" >>"$LOGS/install.log" 2>&1 || die "python -m venv $dir failed, see $LOGS/install.log"
    "$dir/bin/python" -m pip install --quiet "$@" >>"$LOGS/install.log" 2>&1 ||
        die "pip install $want failed, see $LOGS/install.log"
    printf '%s' "$want" >"$dir/.cosign-keys-reqs"
}

port_free() {
    "$(python_bin)" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# pick_port OVERRIDE [NEEDS_NEXT]: OVERRIDE if set, else a random free port (and port+1 free too
# when NEEDS_NEXT=1).
pick_port() {
    local override="$1" next="${2:-0}" i p
    if [[ -n "$override" ]]; then
        port_free "$override" || die "port $override on $HOST is in use"
        printf '%s\n' "$override"
        return 0
    fi
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 20000))
        if port_free "$p" && { [[ "$next" != 1 ]] || port_free $((p + 1)); }; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    die "no free port found on $HOST"
}

# pid_alive [EXE_SUBSTRING]: the pid file names a live process (whose executable path contains
# EXE_SUBSTRING, so a recycled pid is not mistaken for ours).
pid_alive() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ -z "${1:-}" || "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == *"$1"* ]]
}

# spawn LOGFILE CMD...: start CMD detached (own session, stdin from /dev/null), record its pid.
# In a non-interactive shell the background job is not a process-group leader, so setsid
# and nohup exec in place and $! is the server's own pid.
spawn() {
    local log="$1"
    shift
    nohup setsid "$@" >>"$log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
}

# wait_until SECS DESCRIPTION CMD...: poll CMD every 0.25s; fail clearly after SECS or if the
# server process died.
wait_until() {
    local secs="$1" what="$2"
    shift 2
    local deadline=$((SECONDS + secs))
    while ((SECONDS < deadline)); do
        "$@" && return 0
        if ! pid_alive; then
            die "$what: the server process exited; last log lines:
$(tail -n 25 "${LOG:-/dev/null}" 2>/dev/null)"
        fi
        sleep 0.25
    done
    die "$what: not ready after ${secs}s; log: ${LOG:-?}"
}

# stop_pid [GRACE_SECS]: TERM, wait, then KILL; remove state.
stop_pid() {
    local grace="${1:-10}"
    if [[ -f "$PIDFILE" ]]; then
        local pid
        pid="$(cat "$PIDFILE")"
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            local deadline=$((SECONDS + grace))
            while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
            if kill -0 "$pid" 2>/dev/null; then
                say "pid $pid ignored TERM for ${grace}s; killing"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.2
            fi
            say "stopped (pid $pid)"
        else
            say "not running (stale pid file removed)"
        fi
    else
        say "not running"
    fi
    rm -rf "$RUN"
}

# ensure_test_tls DIR: a throwaway CA (ca.pem) and a server cert (server.pem, server.key) for
# localhost / 127.0.0.1 / *.localhost, signed by that CA. Clients trust ca.pem explicitly.
# Shared by all servers through $CACHE_ROOT/tls, so one CA file trusts every test server.
ensure_test_tls() {
    local dir="$1"
    if [[ -s "$dir/ca.pem" && -s "$dir/server.pem" && -s "$dir/server.key" ]] &&
        openssl x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null 2>&1; then
        return 0
    fi
    command -v openssl >/dev/null || die "openssl not found (needed for the test TLS certificate)"
    mkdir -p "$dir"
    chmod 700 "$dir"
    local tmp
    tmp="$(mktemp -d "$dir/.tmp.XXXXXX")"
    (
        cd "$tmp"
        openssl ecparam -name prime256v1 -genkey -noout -out ca.key
        openssl req -x509 -new -key ca.key -sha256 -days 825 -subj "/CN=cosign-keys test CA" \
            -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" -out ca.pem
        openssl ecparam -name prime256v1 -genkey -noout -out server.key.ec
        # PKCS#8: accepted by Java, Python and rustls alike.
        openssl pkcs8 -topk8 -nocrypt -in server.key.ec -out server.key
        openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
        cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:*.localhost,IP:127.0.0.1
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EOF
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 397 -sha256 -extfile server.ext -out server.pem
    ) >>"$LOGS/tls.log" 2>&1 || die "creating the test TLS certificate failed, see $LOGS/tls.log"
    mv "$tmp/ca.pem" "$tmp/ca.key" "$tmp/server.pem" "$tmp/server.key" "$dir/"
    chmod 600 "$dir/ca.key" "$dir/server.key"
    rm -rf "$tmp"
}
