"""Private helpers shared by the lifecycle modules: times in and out of the
native layer, typed reads of the core's JSON, and argument checks that raise
the library's own exceptions."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, List, Mapping, NoReturn, Optional, Tuple, Union

from .errors import ErrorCode, InvalidArgumentError

Json = Mapping[str, Any]
"""One decoded JSON object from the core."""

ActorArg = Tuple[str, str, Optional[str]]
"""``(who, reason, host)`` as the native layer takes it."""

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def invalid(message: str) -> NoReturn:
    """Raises :class:`InvalidArgumentError` (never with a secret in it)."""
    raise InvalidArgumentError(message, int(ErrorCode.INVALID_ARGUMENT), "INVALID_ARGUMENT")


def rfc3339(when: Optional[_dt.datetime], name: str = "now") -> Optional[str]:
    """An aware datetime as the core's one time format, RFC 3339 in UTC to
    the second (``2026-11-25T11:26:45Z``; a fraction is dropped, as the core
    keeps times to the second). ``None`` stays ``None`` (the system clock)."""
    if when is None:
        return None
    if not isinstance(when, _dt.datetime):
        raise TypeError(f"{name} must be a datetime.datetime, not {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        invalid(
            f"{name} is a naive datetime: give a timezone-aware one "
            "(e.g. datetime.now(timezone.utc))"
        )
    try:
        utc_time = when.astimezone(_dt.timezone.utc)
    except OverflowError:
        invalid(f"{name} is out of range")
    if utc_time.year < 1970:
        invalid(f"{name} is before 1970-01-01T00:00:00Z")
    return (
        f"{utc_time.year:04d}-{utc_time.month:02d}-{utc_time.day:02d}T"
        f"{utc_time.hour:02d}:{utc_time.minute:02d}:{utc_time.second:02d}Z"
    )


def utc(text: str) -> _dt.datetime:
    """The core's ``YYYY-MM-DDThh:mm:ssZ`` as an aware UTC datetime."""
    return _dt.datetime.strptime(text, _FORMAT).replace(tzinfo=_dt.timezone.utc)


def utc_or_none(value: Any) -> Optional[_dt.datetime]:
    """:func:`utc` of a JSON value that may be absent or null."""
    return None if value is None else utc(str(value))


def actor(who: str, reason: str, host: Optional[str]) -> ActorArg:
    """Checks the types of who acts, why and from where, and packs them; the
    core applies the actor rule (a blank ``who`` is refused) for every
    language."""
    for name, value in (("who", who), ("reason", reason)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if host is not None and not isinstance(host, str):
        raise TypeError(f"host must be str or None, not {type(host).__name__}")
    return (who, reason, host)


def selector(key: Union[int, str, object]) -> str:
    """A key selector: an id (``2`` or ``"#2"``) or a fingerprint (``str`` or
    :class:`cosign_keys.Fingerprint`)."""
    if isinstance(key, bool):
        raise TypeError("a key is an id (int) or a fingerprint, not a bool")
    return str(key)


def text_list(value: Any) -> List[str]:
    """A JSON array of strings."""
    return [str(item) for item in (value or [])]


def int_list(value: Any) -> List[int]:
    """A JSON array of integers."""
    return [int(item) for item in (value or [])]


def optional_int(value: Any) -> Optional[int]:
    """An integer that may be null."""
    return None if value is None else int(value)


def optional_str(value: Any) -> Optional[str]:
    """A string that may be absent or null."""
    return None if value is None else str(value)


def obj(value: Any) -> Dict[str, Any]:
    """A JSON object (checked, so a format change fails loudly)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object from the core, got {type(value).__name__}")
    return value
