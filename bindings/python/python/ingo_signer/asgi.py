"""ASGI middleware that verifies each request (Starlette, FastAPI, any ASGI app).

>>> from starlette.applications import Starlette
>>> from ingo_signer.asgi import VerifyMiddleware
>>> app = Starlette()
>>> app.add_middleware(VerifyMiddleware, verifier=verifier)  # doctest: +SKIP

For each HTTP request it

1. verifies the head as soon as it arrives (:meth:`Verifier.verify_head`: Authorization, key,
   MAC, date, content type, declared length against the body limit); a request that fails is
   answered at once and not a byte of its body is read (a client that sent
   ``Expect: 100-continue`` is never asked for it);
2. reads the body through the pending verification, chunk by chunk, stopping at the first
   error (a body that runs past its declared length is refused on the chunk that crosses it,
   so at most the limit is held);
3. checks length and digest (:meth:`PendingBody.finish`), and only then calls the app, with the
   whole body and the verified identity in the scope: ``request.state.ingo_username`` (the
   username) and ``request.state.ingo_verified`` (the :class:`Verified`) in Starlette, or
   ``scope["state"]`` in any ASGI app.

Refusals are answered as every gateway of the project answers them: the status, a JSON body
``{"status": ..., "client_message": ...}``, ``WWW-Authenticate: hmac`` with a 401; the error's
kind goes to the ``ingo_signer`` logger. Lifespan events pass through; WebSocket connections are
refused (closed with code 1008), because the protocol signs HTTP requests only.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from ingo_signer._native import PendingBody, Verifier
from ingo_signer._refusal import refusal
from ingo_signer.errors import VerifyError

__all__ = ["VerifyMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class VerifyMiddleware:
    """Lets through to ``app`` only the requests ``verifier`` accepts. See the module docs."""

    def __init__(self, app: ASGIApp, verifier: Verifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        target = request_target(scope)
        headers = [(bytes(name), bytes(value)) for name, value in scope["headers"]]
        try:
            pending = self.verifier.verify_head(
                method, target, headers, http_version=scope.get("http_version", "1.1")
            )
            body = await _read(pending, receive)
            if body is None:
                return  # the client went away
            verified = pending.finish()
        except VerifyError as error:
            await _refuse(send, error, method, target)
            return
        state: Dict[str, Any] = dict(scope.get("state") or {})
        state["ingo_username"] = verified.username
        state["ingo_verified"] = verified
        await self.app(dict(scope, state=state), _replay(body, receive), send)


def request_target(scope: Scope) -> str:
    """The request-target as it was on the wire: ``raw_path`` and the query string.

    Bytes are mapped one to one (Latin-1), so a target that is not ASCII reaches the core as
    such and is refused there. A server that gives no ``raw_path`` gets ``path`` percent-encoded
    again, which may differ from what the client sent.
    """
    raw: Optional[bytes] = scope.get("raw_path")
    if raw is None:
        from urllib.parse import quote

        raw = quote(scope["path"], safe="/:@!$&'()*+,;=-._~").encode("latin-1")
    query: bytes = scope.get("query_string", b"")
    if query:
        raw = raw + b"?" + query
    return raw.decode("latin-1")


async def _read(pending: PendingBody, receive: Receive) -> Optional[bytes]:
    """The body, fed chunk by chunk through ``pending``; None when the client disconnects."""
    chunks: List[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        if chunk:
            pending.update(chunk)
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the verified body once, then whatever the server sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, error: VerifyError, method: str, target: str) -> None:
    status, headers, body = refusal(error, method, target)
    raw: List[Tuple[bytes, bytes]] = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
