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
import sys
import threading
import time
from typing import Callable, Dict, List, Tuple

import pytest

from helpers import generated_key

from cosign_keys import Algorithm, EncryptedPrivateKey, PrivateKey

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
