#!/usr/bin/env bash
# Time and peak memory of `cosign-keys recover` on a hostile backup: a real
# backup whose age header was edited to ask for scrypt work factor 22
# (4 GiB, the attack of issue 11). "after" is the default (refused before
# any derivation, KDF_LIMIT_EXCEEDED); "before" re-creates the old behaviour
# with --max-work-factor 22 (age ran scrypt at 2^22 before the MAC failed).
# Usage: benches/hostile-backup.sh [--after-only]   (needs /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${COSIGN_KEYS_BIN:-target/debug/cosign-keys}"
[[ -x "$bin" ]] || cargo build -q -p cosign-keys-cli
bin="$(realpath "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export COSIGN_PASSWORD="" COSIGN_KEYS_BACKUP_PASSPHRASE="bench passphrase" COSIGN_KEYS_ACTOR=bench
"$bin" rotate --keyring keyring.json --store "file://$work/keys" --reason bench >/dev/null 2>&1
"$bin" backup --keyring keyring.json --out real.age --work-factor 10 >/dev/null 2>&1
python3 - <<'PY'
import base64
text = open("real.age").read().splitlines()
raw = base64.b64decode("".join(l for l in text if not l.startswith("-----")))
end = raw.index(b"\n---")
header = raw[:end].replace(b" 10\n", b" 22\n")
open("hostile.age", "wb").write(header + raw[end:])
PY
run() {
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o time.txt "$bin" recover --keyring "new-$label.json" \
        --backup hostile.age "$@" >/dev/null 2>err.txt || true
    read -r secs kib < <(tail -1 time.txt)
    printf '%-7s %8s s  %10s KiB max RSS  %s\n' "$label" "$secs" "$kib" "$(tail -1 err.txt | grep -o '\[[A-Z_]*\]$')"
}
run after
[[ "${1:-}" == "--after-only" ]] || run before --max-work-factor 22
