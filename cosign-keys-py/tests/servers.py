"""Finding the test servers (OpenBao, moto) through the environment that
`scripts/servers/openbao.sh env` and `scripts/servers/moto.sh env` print.

A test that needs a server skips, with the reason, when its variables are
absent, unless COSIGN_KEYS_REQUIRE_SERVERS=1 (the project's test command sets
it after starting the servers), which turns every such skip into a failure.
When the variables are present the server must behave: nothing here hides
an error."""

from __future__ import annotations

import os
import uuid
from typing import Dict

import pytest

VAULT_VARS = ("VAULT_ADDR", "VAULT_TOKEN")
"""From `scripts/servers/openbao.sh env` (root token, KV v2 at secret/, transit at transit/)."""

AWS_VARS = (
    "COSIGN_KEYS_TEST_AWSKMS_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
)
"""From `scripts/servers/moto.sh env` (moto over HTTPS with the test CA in AWS_CA_BUNDLE)."""

AZURE_VARS = (
    "COSIGN_KEYS_TEST_AZURE_VAULT",
    "COSIGN_KEYS_AZURE_TOKEN",
    "COSIGN_KEYS_AZURE_CA_BUNDLE",
)
"""From `scripts/servers/azure-kv.sh env` (Lowkey Vault at localhost:PORT over HTTPS with the test CA)."""


def require(*names: str) -> Dict[str, str]:
    """The variables' values; skips (or fails, when servers are required)
    if any is unset or empty."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        if "VAULT_ADDR" in missing or "VAULT_TOKEN" in missing:
            server = "openbao"
        elif any(name in AZURE_VARS for name in missing):
            server = "azure-kv"
        else:
            server = "moto"
        reason = (
            f"{', '.join(missing)} not set: start the server with scripts/servers/"
            f"{server}.sh start and eval its `env` output"
        )
        if os.environ.get("COSIGN_KEYS_REQUIRE_SERVERS") == "1":
            pytest.fail(f"COSIGN_KEYS_REQUIRE_SERVERS=1 but {reason}")
        if server == "azure-kv" and os.environ.get("COSIGN_KEYS_REQUIRE_AZURE") == "1":
            pytest.fail(f"COSIGN_KEYS_REQUIRE_AZURE=1 but {reason}")
        pytest.skip(reason)
    return {name: os.environ[name] for name in names}


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same server) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
