"""Type stubs of the native extension (use :mod:`cosign_keys`, not this)."""

import os
from types import TracebackType
from typing import Iterable, List, Mapping, Optional, Tuple, Type, Union, final

from .algorithm import Algorithm
from .errors import CosignKeysError
from .kms import KmsKeyVersion
from .store import StoredKey, StoredPublicKey, VersionInfo

_Buffer = Union[bytes, bytearray, memoryview]
"""Bytes-like input: ``bytes`` is read in place, the others are copied."""
_Password = Union[str, bytes, bytearray]
"""A password: ``str`` is UTF-8 encoded; pass a ``bytearray`` to wipe it after."""
_AlgorithmArg = Union[Algorithm, str]

__all__ = [
    "EncryptedPrivateKey",
    "ScryptParams",
    "PrivateKey",
    "Fingerprint",
    "PublicKey",
    "Store",
    "KmsKey",
    "parse_key_ref",
    "parse_kms_handle",
    "is_kms_uri",
    "write_atomic",
    "features",
    "error_codes",
    "algorithm_table",
    "__version__",
    "DEFAULT_MAX_MEMORY_BYTES",
    "DEFAULT_MAX_WORK",
    "Keyring",
    "audit_verify",
    "audit_head",
    "audit_head_parse",
    "audit_entries",
    "backup_create",
    "backup_recover",
    "combine_shares",
]

__version__: str
DEFAULT_MAX_MEMORY_BYTES: int
"""Memory limit for a key file's scrypt cost unless ``max_memory_bytes`` is given."""
DEFAULT_MAX_WORK: int
"""Limit on a key file's N·r·p unless ``max_work`` is given."""

@final
class Fingerprint:
    """SHA-256 of the DER SubjectPublicKeyInfo; ``str()`` is ``SHA256:<base64>``."""

    def __new__(cls, text: str) -> Fingerprint: ...
    @property
    def hex(self) -> str: ...
    @property
    def raw(self) -> bytes: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class PublicKey:
    """A public key; verification releases the GIL."""

    @staticmethod
    def from_pem(data: _Buffer) -> PublicKey: ...
    @staticmethod
    def from_der(data: _Buffer) -> PublicKey: ...
    def to_pem(self) -> bytes: ...
    def to_der(self) -> bytes: ...
    @property
    def algorithm(self) -> Algorithm: ...
    @property
    def fingerprint(self) -> Fingerprint: ...
    def verify(self, blob: _Buffer, signature: _Buffer) -> None: ...
    def verify_digest(self, digest: _Buffer, signature: _Buffer) -> None: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class PrivateKey:
    """An unlocked private key; cannot be pickled or copied."""

    @staticmethod
    def generate(algorithm: _AlgorithmArg = "ecdsa-p256") -> PrivateKey: ...
    @staticmethod
    def from_cosign_pem(
        data: _Buffer,
        password: _Password,
        *,
        max_memory_bytes: Optional[int] = None,
        max_work: Optional[int] = None,
    ) -> PrivateKey: ...
    @staticmethod
    def import_key(
        data: _Buffer,
        password: Optional[_Password] = None,
        *,
        max_memory_bytes: Optional[int] = None,
        max_work: Optional[int] = None,
    ) -> PrivateKey: ...
    def encrypt(
        self,
        password: _Password,
        *,
        n: Optional[int] = None,
        r: Optional[int] = None,
        p: Optional[int] = None,
    ) -> bytes: ...
    @property
    def algorithm(self) -> Algorithm: ...
    @property
    def public_key(self) -> PublicKey: ...
    @property
    def fingerprint(self) -> Fingerprint: ...
    def sign(self, blob: _Buffer) -> bytes: ...
    def sign_digest(self, digest: _Buffer) -> bytes: ...
    def sign_many(self, blobs: Iterable[_Buffer]) -> List[bytes]: ...
    def to_pkcs8_pem(self) -> bytearray: ...
    def to_pkcs8_der(self) -> bytearray: ...

@final
class ScryptParams:
    """Validated scrypt parameters (defaults: cosign's N=65536, r=8, p=1)."""

    def __new__(cls, n: int = 65536, r: int = 8, p: int = 1) -> ScryptParams: ...
    @property
    def n(self) -> int: ...
    @property
    def log_n(self) -> int: ...
    @property
    def r(self) -> int: ...
    @property
    def p(self) -> int: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def work(self) -> int: ...
    @property
    def is_cosign_compatible(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class EncryptedPrivateKey:
    """A parsed, still locked Cosign key file."""

    @staticmethod
    def from_pem(data: _Buffer) -> EncryptedPrivateKey: ...
    @staticmethod
    def from_json(data: _Buffer) -> EncryptedPrivateKey: ...
    def to_json(self) -> bytes: ...
    def to_pem(self) -> bytes: ...
    @property
    def scrypt_params(self) -> ScryptParams: ...
    @property
    def has_legacy_label(self) -> bool: ...
    def decrypt(
        self,
        password: _Password,
        *,
        max_memory_bytes: Optional[int] = None,
        max_work: Optional[int] = None,
    ) -> PrivateKey: ...
    def change_password(
        self,
        old: _Password,
        new: _Password,
        *,
        max_memory_bytes: Optional[int] = None,
        max_work: Optional[int] = None,
    ) -> EncryptedPrivateKey: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...

@final
class Store:
    """A key store opened from a URI; every call releases the GIL."""

    @staticmethod
    def open(uri: str) -> Store: ...
    @property
    def uri(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def put(
        self,
        encrypted_key: Union[EncryptedPrivateKey, _Buffer],
        public_key: Union[PublicKey, _Buffer],
        *,
        password: Optional[_Password] = None,
        created_by: str,
        labels: Optional[Mapping[str, str]] = None,
        overwrite: bool = False,
        expected_version: Optional[int] = None,
    ) -> int: ...
    def get(self, version: Optional[int] = None) -> StoredKey: ...
    def get_public(self, version: Optional[int] = None) -> StoredPublicKey: ...
    def versions(self) -> List[VersionInfo]: ...
    def delete(self, version: Optional[int] = None, *, destroy: bool = False) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
        /,
    ) -> bool: ...

@final
class KmsKey:
    """A signing key inside a KMS; every call releases the GIL."""

    @staticmethod
    def open(uri: str) -> KmsKey: ...
    @property
    def uri(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def create(self, algorithm: _AlgorithmArg = "ecdsa-p256") -> PublicKey: ...
    def public_key(self) -> PublicKey: ...
    def sign_digest(self, digest: _Buffer) -> bytes: ...
    def sign_blob(self, data: _Buffer) -> bytes: ...
    def sign_digests(self, digests: Iterable[_Buffer]) -> List[Union[bytes, CosignKeysError]]: ...
    def versions(self) -> List[KmsKeyVersion]: ...
    def rotate(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> KmsKey: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
        /,
    ) -> bool: ...

def parse_key_ref(uri: str) -> str: ...
def parse_kms_handle(uri: str) -> str: ...
def is_kms_uri(uri: str) -> bool: ...
def write_atomic(
    path: Union[str, "os.PathLike[str]"],
    data: _Buffer,
    mode: int = 0o600,
    overwrite: bool = False,
) -> None: ...
def features() -> frozenset[str]: ...
def error_codes() -> List[Tuple[int, str]]: ...
def algorithm_table() -> List[Tuple[str, Optional[str]]]: ...

_Actor = Tuple[str, str, Optional[str]]
"""``(who, reason, host)``; ``host`` ``None`` is this machine."""
_Policy = Tuple[int, int]
"""``(period_days, transition_window_days)``."""
_Scrypt = Tuple[int, int, int]
"""``(n, r, p)``."""

@final
class Keyring:
    """A keyring; results are the core's JSON (use ``cosign_keys.Keyring``)."""

    @staticmethod
    def open(
        manifest: str, audit_log: Union[str, "os.PathLike[str]"], signatures: Optional[str] = None
    ) -> Keyring: ...
    @property
    def location(self) -> str: ...
    @property
    def audit_log(self) -> str: ...
    @property
    def signatures(self) -> str: ...
    def manifest(self) -> Optional[Tuple[str, int]]: ...
    def init(self, policy: _Policy, actor: _Actor, now: Optional[str] = None) -> str: ...
    def set_policy(self, policy: _Policy, actor: _Actor, now: Optional[str] = None) -> None: ...
    def rotate(
        self,
        uri: str,
        algorithm: _AlgorithmArg,
        password: Optional[_Password],
        actor: _Actor,
        *,
        now: Optional[str] = None,
        window_days: Optional[int] = None,
        expect_revision: Optional[int] = None,
        policy: Optional[_Policy] = None,
        keep_password: bool = False,
        scrypt: Optional[_Scrypt] = None,
    ) -> str: ...
    def emergency_rotate(
        self,
        key: str,
        compromise: Tuple[str, str],
        uri: str,
        algorithm: _AlgorithmArg,
        password: Optional[_Password],
        actor: _Actor,
        *,
        now: Optional[str] = None,
        keep_password: bool = False,
        scrypt: Optional[_Scrypt] = None,
    ) -> str: ...
    def revoke(
        self, key: str, compromise: Tuple[str, str], actor: _Actor, now: Optional[str] = None
    ) -> str: ...
    def resume(
        self,
        uri: Optional[str] = None,
        algorithm: Optional[_AlgorithmArg] = None,
        password: Optional[_Password] = None,
        *,
        now: Optional[str] = None,
        keep_password: bool = False,
        scrypt: Optional[_Scrypt] = None,
    ) -> Optional[str]: ...
    def retire(self, key: Optional[str], actor: _Actor, now: Optional[str] = None) -> List[int]: ...
    def destroy(
        self, key: str, actor: _Actor, now: Optional[str] = None, material_gone: bool = False
    ) -> str: ...
    def status(self, now: Optional[str] = None) -> str: ...
    def due(self, now: Optional[str] = None) -> str: ...
    def trust_bundle(self, at: Optional[str] = None) -> Tuple[str, str]: ...
    def distribute(
        self, directory: str, actor: _Actor, now: Optional[str] = None
    ) -> Tuple[str, str]: ...
    def unlock(
        self, key: Optional[str], password: _Password, actor: _Actor, now: Optional[str] = None
    ) -> Tuple[PrivateKey, str]: ...
    def sign_digest(
        self,
        artifact: str,
        digest: str,
        pipeline: str,
        password: Optional[_Password],
        actor: _Actor,
        now: Optional[str] = None,
    ) -> str: ...
    def record_signing(
        self,
        artifact: str,
        digest: str,
        pipeline: str,
        fingerprint: Optional[str],
        actor: _Actor,
        now: Optional[str] = None,
    ) -> str: ...
    def resign_list(self) -> str: ...
    def audit_head(self) -> str: ...
    def verify_audit(self) -> Tuple[int, str]: ...

def audit_verify(path: str, expected_head: Optional[str] = None) -> Tuple[int, str]: ...
def audit_head(path: str) -> str: ...
def audit_head_parse(text: str) -> Tuple[int, str]: ...
def audit_entries(path: str) -> List[Tuple[int, str, str]]: ...
def backup_create(
    keyring: Keyring,
    out: str,
    actor: _Actor,
    *,
    passphrase: Optional[_Password] = None,
    threshold: Optional[int] = None,
    shares: Optional[int] = None,
    work_factor: Optional[int] = None,
    overwrite: bool = False,
    now: Optional[str] = None,
) -> Tuple[str, Optional[List[str]]]: ...
def backup_recover(
    path: str,
    manifest: str,
    audit_log: str,
    actor: _Actor,
    *,
    passphrase: Optional[_Password] = None,
    shares: Optional[List[str]] = None,
    signatures: Optional[str] = None,
    store_map: List[Tuple[str, str]] = ...,
    overwrite: bool = False,
    max_work_factor: Optional[int] = None,
    now: Optional[str] = None,
) -> str: ...
def combine_shares(shares: List[str]) -> bytearray: ...
