#!/usr/bin/env bash
# Regenerates everything derived from the core's wire types:
#   schema/cosign-keys.schema.json        from the Rust types (cosign_keys::wire::schema)
#   cosign-keys-py/python/cosign_keys/_wire.py   from the schema, by scripts/gen-wire.py
#   bindings/go/wire_gen.go                from the schema, by bindings/go/internal/genwire
# CI checks each copy (tests/wire_schema.rs, cosign-keys-py/run-tests.sh,
# bindings/go/run-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
COSIGN_KEYS_WRITE_SCHEMA=1 cargo test --locked -q -p cosign-keys --test wire_schema checked_in_schema_is_current
python3 scripts/gen-wire.py schema/cosign-keys.schema.json cosign-keys-py/python/cosign_keys/_wire.py
if [[ -d bindings/go/internal/genwire ]] && command -v go >/dev/null; then
    (cd bindings/go && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
        go run ./internal/genwire -schema ../../schema/cosign-keys.schema.json -out wire_gen.go)
fi
echo "gen-wire.sh: schema, _wire.py and wire_gen.go regenerated"
