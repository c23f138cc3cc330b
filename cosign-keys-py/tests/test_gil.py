"""The GIL is released during the slow calls, so other Python threads make
progress while scrypt (or key generation, or bulk signing) runs.

Method: run the call in a worker thread while the main thread counts loop
iterations and records the longest pause between two of them; then run the
same loop against a worker that only sleeps (which certainly releases the
GIL) for as long, as the baseline. If the call held the GIL, the main thread
would stand still for the whole call (one pause as long as the call, almost
no iterations); released, it keeps counting at close to the baseline rate.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from typing import Callable, Dict, List, Tuple

import pytest

from helpers import generated_key

from cosign_keys import Algorithm, EncryptedPrivateKey, KmsKey, PermissionDenied, PrivateKey, Store

PASSWORD = "gil test password"


def progress_during(call: Callable[[], object]) -> Tuple[float, int, float]:
    """Runs `call` in a thread while counting here. Returns the time until
    the call finished, the iterations counted meanwhile, and the longest
    pause between two of them. The clock starts before the thread does, so
    a call that grabs the GIL at once cannot hide its hold."""
    done = threading.Event()
    errors: List[BaseException] = []

    def worker() -> None:
        try:
            call()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=worker)
    count = 0
    longest = 0.0
    begin = last = time.perf_counter()
    thread.start()
    while not done.is_set():
        count += 1
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    duration = time.perf_counter() - begin
    longest = max(longest, time.perf_counter() - last)
    thread.join()
    assert not errors, errors
    return duration, count, longest


@pytest.fixture(scope="module")
def cosign_key_file() -> bytes:
    # cosign's real cost, N=65536: a noticeable fraction of a second.
    return generated_key(Algorithm.ECDSA_P256).encrypt(PASSWORD, n=65536)


def _calls(pem: bytes) -> Dict[str, Callable[[], object]]:
    key = generated_key(Algorithm.ECDSA_P256)
    locked = EncryptedPrivateKey.from_pem(pem)
    return {
        "decrypt (scrypt N=65536)": lambda: PrivateKey.from_cosign_pem(pem, PASSWORD),
        "encrypt (scrypt N=65536)": lambda: key.encrypt(PASSWORD, n=65536),
        "change_password (2x scrypt)": lambda: locked.change_password(PASSWORD, "new"),
        "import cosign key file": lambda: PrivateKey.import_key(pem, PASSWORD),
        "generate RSA-3072": lambda: PrivateKey.generate(Algorithm.RSA_3072),
        "sign_many (3000 x ECDSA P-256)": lambda: key.sign_many([b"blob %d" % i for i in range(3000)]),
    }


@pytest.mark.parametrize(
    "name",
    [
        "decrypt (scrypt N=65536)",
        "encrypt (scrypt N=65536)",
        "change_password (2x scrypt)",
        "import cosign key file",
        "generate RSA-3072",
        "sign_many (3000 x ECDSA P-256)",
    ],
)
def test_gil_released(name: str, cosign_key_file: bytes) -> None:
    call = _calls(cosign_key_file)[name]
    # Pin the interpreter's switch interval to its default so a GIL-holding
    # call could not hide behind frequent forced switches.
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        call()  # warm-up: allocator, lazily imported classes
        duration, count, longest = progress_during(call)
        base_duration, base_count, _ = progress_during(lambda: time.sleep(duration))
    finally:
        sys.setswitchinterval(old_interval)
    rate = (count / duration) / (base_count / base_duration)
    print(
        f"\n{name}: call {duration * 1000:.0f} ms; main thread did {count} iterations "
        f"({rate:.0%} of its rate beside a sleeping thread), longest pause {longest * 1000:.1f} ms"
    )
    assert duration > 0.02, f"{name} too fast ({duration * 1000:.1f} ms) to show anything"
    # Held GIL: ~0% of the solo rate and one pause as long as the call.
    assert rate > 0.1, f"main thread starved during {name}: {rate:.0%} of its baseline rate"
    assert longest < duration / 2, (
        f"main thread paused {longest * 1000:.0f} ms of a {duration * 1000:.0f} ms call"
    )


def test_method_detects_a_call_that_holds_the_gil() -> None:
    """Negative control: CPython's regex engine keeps the GIL while it
    backtracks, and the measurement above must see that."""
    pattern = re.compile(r"(a+)+$")
    subject = "a" * 22 + "b"  # catastrophic backtracking, ~0.1-0.3 s
    duration, count, longest = progress_during(lambda: pattern.match(subject))
    print(
        f"\nregex holding the GIL: {duration * 1000:.0f} ms, {count} iterations, "
        f"longest pause {longest * 1000:.0f} ms"
    )
    assert longest > duration / 2


# --- store and KMS calls: the GIL is released while they wait on the network


def _read_request(conn: socket.socket) -> bytes:
    """Reads one HTTP request; returns its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def _answer_from_this_thread(
    call: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> Tuple[BaseException, List[bytes]]:
    """Runs `call` (which talks to Vault at a loopback port we listen on) in a
    worker thread, and answers its HTTP requests from THIS thread, in Python,
    with 403 permission denied.

    Python code here needs the GIL, so the call can only see our 403 (and
    raise PermissionDenied) if it released the GIL while it waited. A call
    that held it would starve this thread until its own request timeout and
    fail with UnavailableError instead. No clock is involved."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    for name in ("VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_ROLE_ID", "VAULT_SECRET_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("VAULT_TOKEN", "gil-test-token")
    outcome: List[BaseException] = []
    done = threading.Event()

    def worker() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            outcome.append(exc)
        finally:
            done.set()

    requests: List[bytes] = []
    thread = threading.Thread(target=worker)
    with listener:
        thread.start()
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(10)
                requests.append(_read_request(conn))
                body = b'{"errors":["permission denied"]}'
                conn.sendall(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                )
    thread.join()
    assert outcome, "the call succeeded against a server that refuses everything"
    return outcome[0], requests


def _sign_digests_raising() -> None:
    """sign_digests returns per-item errors; raise the first for the test."""
    (result,) = KmsKey.open("hashivault://gil-test").sign_digests([bytes(32)])
    if isinstance(result, BaseException):
        raise result


_NETWORK_CALLS: Dict[str, Callable[[], object]] = {
    "Store (vault-kv://) versions": lambda: Store.open("vault-kv://secret/gil-test").versions(),
    "Store (vault-kv://) get": lambda: Store.open("vault-kv://secret/gil-test").get(),
    "KmsKey (hashivault://) public_key": lambda: KmsKey.open("hashivault://gil-test").public_key(),
    "KmsKey (hashivault://) sign_digests": _sign_digests_raising,
}


@pytest.mark.parametrize("name", list(_NETWORK_CALLS))
def test_gil_released_during_network_calls(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    error, requests = _answer_from_this_thread(_NETWORK_CALLS[name], monkeypatch)
    print(f"\n{name}: {len(requests)} request(s) answered from the main thread; raised {error!r}")
    assert isinstance(error, PermissionDenied), f"{name}: expected our 403, got {error!r}"
    assert requests and all(r.split(b" ", 1)[0] in (b"GET", b"POST", b"PUT", b"LIST") for r in requests)
    # The token went to the server, never into the error message.
    assert "gil-test-token" not in str(error)
