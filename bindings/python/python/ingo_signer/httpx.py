"""Sign every request of an ``httpx`` client, sync or async: ``httpx.Client(auth=IngoAuth(key))``.

``IngoAuth`` is an ``httpx.Auth`` that does no I/O, so one class serves ``httpx.Client`` and
``httpx.AsyncClient``. It sets ``requires_request_body``, so httpx reads a streamed body before
signing it (the digest and length are signed).

The request's own ``Content-Type`` is signed when it has one (``json=`` sets
``application/json``); otherwise ``application/json`` is sent and signed. The HTTP version is
part of the signature: a client created with ``http2=True`` must say ``http_version="2.0"``
(and the server must then be reached over HTTP/2).
"""

from __future__ import annotations

from typing import Generator, Iterable, Literal, Optional

import httpx

from ingo_signer._native import SigningKey, sign

__all__ = ["IngoAuth"]


class IngoAuth(httpx.Auth):
    """``httpx`` authentication that signs each request with ``key``.

    ``sign_headers`` names further request headers to sign (``"idempotency-key"``, ``"host"``);
    httpx always sends ``Host``. ``algorithm``, ``order`` and ``http_version`` are
    :func:`ingo_signer.sign`'s options.
    """

    requires_request_body = True

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

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        extra = []
        for name in self.sign_headers:
            if name not in request.headers:
                raise ValueError(f"header {name!r} is to be signed but the request has none")
            extra.append((name, request.headers[name]))
        signed = sign(
            self.key,
            request.method,
            request.url.raw_path.decode("ascii"),
            request.content,
            content_type=request.headers.get("Content-Type"),
            algorithm=self.algorithm,
            order=self.order,
            http_version=self.http_version,
            extra_headers=extra,
        )
        request.headers.update(signed)
        yield request

    def __repr__(self) -> str:
        return f"IngoAuth({self.key!r})"
