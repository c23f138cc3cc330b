"""Typed reads of the core's JSON for the generated wire classes
(``_wire.py``): each checks the JSON type, so a format change fails loudly
instead of passing a wrong value on."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Callable, Dict, List, Optional, TypeVar

from ._native import Fingerprint

_T = TypeVar("_T")

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _wrong(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected} from the core, got {type(value).__name__}")


def obj(value: Any) -> Dict[str, Any]:
    """A JSON object, decoded or as the native layer's JSON text."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise _wrong("a JSON object", value)
    return value


def array(value: Any) -> List[Any]:
    """A JSON array (absent or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong("a JSON array", value)
    return value


def text(value: Any) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise _wrong("a JSON string", value)
    return value


def integer(value: Any) -> int:
    """A JSON integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong("a JSON integer", value)
    return value


def boolean(value: Any) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise _wrong("a JSON boolean", value)
    return value


def utc(value: Any) -> _dt.datetime:
    """The core's RFC 3339 UTC time (``YYYY-MM-DDThh:mm:ssZ``) as an aware
    UTC datetime."""
    return _dt.datetime.strptime(text(value), _FORMAT).replace(tzinfo=_dt.timezone.utc)


class FingerprintText(str):
    """A fingerprint as the keyring results carry it: its ``SHA256:...``
    text, a ``str``, that also equals (and hashes like) the
    :class:`~cosign_keys.Fingerprint` it is the text of, so
    ``bundle.current.fingerprint == key.fingerprint`` holds."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fingerprint):
            return str(self) == str(other)
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return super().__hash__()


def fingerprint(value: Any) -> str:
    """A ``SHA256:...`` fingerprint's text, checked and canonicalised by
    :class:`Fingerprint`."""
    return FingerprintText(Fingerprint(text(value)))


def optional(value: Any, decode: Callable[[Any], _T]) -> Optional[_T]:
    """``decode(value)``, or ``None`` for an absent or null value."""
    return None if value is None else decode(value)


def default(value: Any, fallback: _T, decode: Callable[[Any], _T]) -> _T:
    """``decode(value)``, or ``fallback`` for an absent or null value."""
    return fallback if value is None else decode(value)
