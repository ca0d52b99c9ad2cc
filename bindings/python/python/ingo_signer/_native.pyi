"""Type stubs of the native module (hand-written; ci.sh checks them with mypy.stubtest)."""

from collections.abc import Iterable, Mapping
from typing import Literal, Optional, Union, final

_Data = Union[bytes, bytearray, memoryview, str]
_HeaderName = Union[str, bytes]
# Pairs in the order received (lists of two work too), or a mapping with str or bytes keys.
_Headers = Union[Iterable[tuple[_HeaderName, _Data]], Mapping[str, _Data], Mapping[bytes, _Data]]
_ExtraHeaders = Union[Iterable[tuple[str, str]], Mapping[str, str]]

__all__ = [
    "_bench_core_sign",
    "PendingBody",
    "SigningKey",
    "Verified",
    "Verifier",
    "Violation",
    "sign",
    "validate",
    "__version__",
]

__version__: str

@final
class SigningKey:
    """A username and its HMAC secret, keyed once. The secret never appears in ``repr``."""

    def __new__(
        cls, username: str, secret: Union[bytes, bytearray, memoryview, str]
    ) -> SigningKey: ...
    @property
    def username(self) -> str: ...

def sign(
    key: SigningKey,
    method: str,
    target: str,
    body: Optional[_Data] = None,
    *,
    now: Optional[int] = None,
    content_type: Optional[str] = None,
    algorithm: Optional[Literal["hmac-sha512", "hmac-sha256"]] = None,
    order: Optional[Literal["digest-last", "length-last"]] = None,
    http_version: Optional[Literal["1.0", "1.1", "2.0", "2"]] = None,
    extra_headers: Optional[_ExtraHeaders] = None,
) -> dict[str, str]:
    """The headers that sign the request, in signing order: X-Date, Content-Type,
    Content-Length, Content-sha512 (Content-sha256 for hmac-sha256), Authorization."""

@final
class Verified:
    """A verified request: who signed it, and how."""

    @property
    def username(self) -> str: ...
    @property
    def algorithm(self) -> Literal["hmac-sha512", "hmac-sha256"]: ...
    @property
    def key_index(self) -> int: ...

@final
class PendingBody:
    """A request whose head is authenticated, waiting for its body."""

    @property
    def username(self) -> str: ...
    @property
    def content_length(self) -> int: ...
    def update(self, chunk: _Data) -> None: ...
    def finish(self) -> Verified: ...

@final
class Verifier:
    """Verifies requests against a set of keys and a policy."""

    def __new__(
        cls,
        keys: Union[SigningKey, Iterable[SigningKey]],
        *,
        max_skew: int = ...,
        allow_legacy_sha256: bool = False,
        max_body: int = ...,
        required_headers: Iterable[str] = ...,
    ) -> Verifier: ...
    @property
    def max_skew(self) -> int: ...
    @property
    def max_body(self) -> int: ...
    @property
    def allow_legacy_sha256(self) -> bool: ...
    @property
    def required_headers(self) -> list[str]: ...
    def verify(
        self,
        method: str,
        target: str,
        headers: _Headers,
        body: Optional[_Data] = None,
        *,
        now: Optional[int] = None,
        http_version: Optional[str] = None,
    ) -> Verified: ...
    def verify_head(
        self,
        method: str,
        target: str,
        headers: _Headers,
        *,
        now: Optional[int] = None,
        http_version: Optional[str] = None,
    ) -> PendingBody: ...

@final
class Violation:
    """One payload rule broken by one field."""

    @property
    def path(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def value(self) -> Optional[str]: ...

def validate(
    endpoint: Literal["session-create", "push-to-card"],
    body: _Data,
    *,
    paypal: bool = False,
    sender: bool = False,
    ledger: bool = False,
    retail: bool = False,
) -> list[Violation]:
    """Every SPEC §6 rule the body breaks (an empty list: it may be sent)."""

def _bench_core_sign(
    key: SigningKey, method: str, target: str, body: _Data, now: int, iterations: int
) -> float:
    """Unstable, for the benchmark only: seconds for ``iterations`` signatures in one Rust loop."""
