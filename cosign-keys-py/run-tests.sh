#!/usr/bin/env bash
# Builds the cosign_keys wheel (abi3, release, --locked), installs it into a
# fresh virtual environment and checks it: mypy --strict on the tests and
# examples, mypy.stubtest on the native module's stubs, then the pytest suite
# (last, so the run closes on pytest's summary line).
#
# Needs only python3 (with venv and pip) and cargo. The venv is created anew
# at $COSIGN_KEYS_PY_VENV, default <cargo target dir>/py-venv, and is left in
# place afterwards for bench/bench.py.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

step() { printf '\n==> %s\n' "$*"; }

target_dir="${CARGO_TARGET_DIR:-}"
if [[ -z "$target_dir" ]]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$here/Cargo.toml" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
fi
venv="${COSIGN_KEYS_PY_VENV:-$target_dir/py-venv}"
wheel_dir="$target_dir/wheels-cosign-keys-py"
# Keep the source tree clean: caches go to the target dir, no bytecode files.
export MYPY_CACHE_DIR="$target_dir/mypy-cache-cosign-keys-py"
export PYTHONDONTWRITEBYTECODE=1

step "_wire.py matches the core's wire schema (scripts/gen-wire.py)"
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
python3 "$here/../scripts/gen-wire.py" "$here/../schema/cosign-keys.schema.json" "$fresh" \
    --methods python/cosign_keys/_wire_methods.py
if ! diff -u python/cosign_keys/_wire.py "$fresh"; then
    echo "run-tests.sh: _wire.py is stale; run scripts/gen-wire.sh and commit" >&2
    exit 1
fi

step "fresh virtual environment in $venv"
rm -rf "$venv"
python3 -m venv "$venv"
py="$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"

step "build the abi3 wheel (maturin build --release --locked)"
rm -rf "$wheel_dir"
"$venv/bin/maturin" build --release --locked --interpreter "$py" --out "$wheel_dir"
wheels=("$wheel_dir"/cosign_keys-*-abi3-*.whl)
if [[ ${#wheels[@]} -ne 1 || ! -f "${wheels[0]}" ]]; then
    echo "expected exactly one abi3 wheel in $wheel_dir" >&2
    ls -l "$wheel_dir" >&2
    exit 1
fi

step "install $(basename "${wheels[0]}")"
"$py" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "${wheels[0]}"

step "mypy --strict (tests, examples, bench)"
"$venv/bin/mypy" --strict tests examples/release_script.py examples/rotation_script.py bench/bench.py

step "stubtest (the .pyi matches the native module)"
# stubtest ignores MYPY_CACHE_DIR and writes .mypy_cache into the current
# directory: run it from the target dir.
(cd "$target_dir" && "$py" -m mypy.stubtest cosign_keys._native --allowlist "$here/stubtest-allowlist.txt")

step "test servers"
# The store and KMS tests find OpenBao, moto and Lowkey Vault through the variables that
# `scripts/servers/{openbao,moto,azure-kv}.sh env` print,
# inherited from this script's environment. Without them those tests skip
# (with the reason), unless COSIGN_KEYS_REQUIRE_SERVERS=1 makes that a failure.
for var in VAULT_ADDR COSIGN_KEYS_TEST_AWSKMS_ENDPOINT COSIGN_KEYS_TEST_AZURE_VAULT; do
    if [[ -n "${!var:-}" ]]; then
        echo "$var=${!var}"
    else
        echo "$var not set: its tests will $([[ "${COSIGN_KEYS_REQUIRE_SERVERS:-0}" == 1 ]] && echo fail || echo skip)"
    fi
done

step "pytest"
# Run from the tests' own directory so that the installed wheel, never the
# source tree, is imported. Exit status 5 (no tests collected) is a failure.
status=0
"$venv/bin/pytest" -c "$here/pyproject.toml" --rootdir "$here" "$here/tests" || status=$?
if [[ $status -eq 5 ]]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$status"
