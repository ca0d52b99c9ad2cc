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

from typing import Generator

import httpx

from ingo_signer._client import Signing

__all__ = ["IngoAuth"]


class IngoAuth(Signing, httpx.Auth):
    """``httpx`` authentication that signs each request with ``key``:
    ``IngoAuth(key, *, sign_headers=(), algorithm=None, order=None, http_version=None)``.

    ``sign_headers`` names further request headers to sign (``"idempotency-key"``, ``"host"``);
    httpx always sends ``Host``. ``algorithm``, ``order`` and ``http_version`` are
    :func:`ingo_signer.sign`'s options.
    """

    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        signed = self.signed_headers(
            request.method,
            request.url.raw_path.decode("ascii"),
            request.content,
            request.headers.get("Content-Type"),
            request.headers.get,
        )
        request.headers.update(signed)
        yield request
