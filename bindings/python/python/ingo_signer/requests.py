"""Sign every request of ``requests``: ``requests.post(url, data=body, auth=IngoAuth(key))``.

The body is signed as sent: ``bytes`` as they are, a ``str`` as UTF-8 (the prepared request's
body is replaced by those bytes, so what is sent is what was signed; ``requests`` would send a
``str`` as Latin-1). ``json=`` bodies and ``data=`` bytes work; a streamed body (a file or a
generator) cannot be signed, because its digest and length go in the signed headers.

The request's own ``Content-Type`` is signed when it has one (``json=`` sets
``application/json``); otherwise ``application/json`` is sent and signed. A redirect is not
signed again: its new request line would not match the signature.
"""

from __future__ import annotations

from typing import Iterable, Literal, Optional

import requests
from requests.auth import AuthBase

from ingo_signer._client import Signing
from ingo_signer._native import SigningKey

__all__ = ["IngoAuth"]


class IngoAuth(Signing, AuthBase):
    """``requests`` authentication that signs each request with ``key``.

    ``sign_headers`` names further request headers to sign (``"idempotency-key"``, ``"host"``):
    the request must carry each of them, with an ASCII value. ``algorithm`` and ``order`` are
    :func:`ingo_signer.sign`'s options (``requests`` always speaks HTTP/1.1).
    """

    def __init__(
        self,
        key: SigningKey,
        *,
        sign_headers: Iterable[str] = (),
        algorithm: Optional[Literal["hmac-sha512", "hmac-sha256"]] = None,
        order: Optional[Literal["digest-last", "length-last"]] = None,
    ) -> None:
        super().__init__(key, sign_headers=sign_headers, algorithm=algorithm, order=order)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(
                "IngoAuth signs a body given whole (bytes or str), not "
                f"{type(body).__name__}: its digest and length are signed"
            )
        body = bytes(body)
        r.body = body

        def header(name: str) -> Optional[str]:
            value = _text(r.headers.get(name))
            if value is not None and not value.isascii():
                # http.client sends str values as Latin-1; the signature covers UTF-8.
                raise ValueError(f"header {name!r} is to be signed but its value is not ASCII")
            return value

        signed = self.signed_headers(
            r.method or "GET", r.path_url, body, _text(r.headers.get("Content-Type")), header
        )
        r.headers.update(signed)
        return r


def _text(value: object) -> Optional[str]:
    """A header value as ``requests`` may hold it (str or bytes), as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)
