"""What the ``requests`` and ``httpx`` auth classes share: the options and the one call to
:func:`ingo_signer.sign`."""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Literal, Optional

from ingo_signer._native import SigningKey, sign


class Signing:
    """Signs a request's method, target, body and content type, and the headers named in
    ``sign_headers`` with the values the request carries."""

    def __init__(
        self,
        key: SigningKey,
        *,
        sign_headers: Iterable[str] = (),
        algorithm: Optional[Literal["hmac-sha512", "hmac-sha256"]] = None,
        order: Optional[Literal["digest-last", "length-last"]] = None,
        http_version: Optional[Literal["1.1", "2.0"]] = None,
    ) -> None:
        self.key = key
        self.sign_headers = tuple(sign_headers)
        self.algorithm = algorithm
        self.order = order
        self.http_version = http_version

    def signed_headers(
        self,
        method: str,
        target: str,
        body: bytes,
        content_type: Optional[str],
        header: Callable[[str], Optional[str]],
    ) -> Dict[str, str]:
        """The five signing headers; ``header(name)`` is the request's value of ``name``."""
        extra = []
        for name in self.sign_headers:
            value = header(name)
            if value is None:
                raise ValueError(f"header {name!r} is to be signed but the request has none")
            extra.append((name, value))
        return sign(
            self.key,
            method,
            target,
            body,
            content_type=content_type,
            algorithm=self.algorithm,
            order=self.order,
            http_version=self.http_version,
            extra_headers=extra,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"
