"""WSGI middleware that verifies each request (Flask, Django, any WSGI app).

>>> from flask import Flask
>>> from ingo_signer.wsgi import VerifyMiddleware
>>> app = Flask(__name__)
>>> app.wsgi_app = VerifyMiddleware(app.wsgi_app, verifier)  # doctest: +SKIP

For each request it verifies the head first (a refused request's body is never read), then
reads exactly the declared ``Content-Length`` from ``wsgi.input`` through the pending
verification, checks length and digest, and only then calls the app, with the verified body in
``wsgi.input`` and the identity in the environ: ``environ["ingo_signer.username"]`` and
``environ["ingo_signer.verified"]`` (in Flask: ``request.environ[...]``).

Refusals are answered as every gateway of the project answers them: the status, a JSON body
``{"status": ..., "client_message": ...}``, ``WWW-Authenticate: hmac`` with a 401; the error's
kind goes to the ``ingo_signer`` logger.

What WSGI hides: a server joins repeated headers into one (so a repeated signed header is
refused for its value, not as repeated), and the request-target is read from ``RAW_URI`` or
``REQUEST_URI`` (werkzeug, gunicorn, uWSGI), else rebuilt from ``PATH_INFO`` and
``QUERY_STRING``, which may differ from what the client sent.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote

from ingo_signer._native import PendingBody, Verifier
from ingo_signer._refusal import refusal
from ingo_signer.errors import VerifyError

__all__ = ["VerifyMiddleware"]

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_CHUNK = 64 * 1024


class VerifyMiddleware:
    """Lets through to ``app`` only the requests ``verifier`` accepts. See the module docs."""

    def __init__(self, app: WSGIApp, verifier: Verifier) -> None:
        self.app = app
        self.verifier = verifier

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method: str = environ["REQUEST_METHOD"]
        target = request_target(environ)
        protocol: str = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
        version = protocol[5:] if protocol.startswith("HTTP/") else protocol
        try:
            pending = self.verifier.verify_head(
                method, target, request_headers(environ), http_version=version
            )
            body = _read(pending, environ["wsgi.input"])
            verified = pending.finish()
        except VerifyError as error:
            status, headers, answer = refusal(error, method, target)
            start_response(_status_line(status), headers)
            return [answer]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["ingo_signer.username"] = verified.username
        environ["ingo_signer.verified"] = verified
        return self.app(environ, start_response)


def request_target(environ: Environ) -> str:
    """The request-target as the server received it, or as near as WSGI tells."""
    raw: Optional[str] = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    target = quote(path, safe="/:@!$&'()*+,;=-._~") or "/"
    query: str = environ.get("QUERY_STRING", "")
    return f"{target}?{query}" if query else target


def request_headers(environ: Environ) -> List[Tuple[str, bytes]]:
    """The request's headers from the environ, as ``(name, raw bytes)`` pairs."""
    headers: List[Tuple[str, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            # Servers set these two to "" when the request has none.
            name = key
        else:
            continue
        headers.append((name.replace("_", "-").lower(), str(value).encode("latin-1")))
    return headers


def _read(pending: PendingBody, stream: Any) -> bytes:
    """Exactly the declared length (never more: WSGI input must not be read past it), fed
    through ``pending``; a short body is left to :meth:`PendingBody.finish` to refuse."""
    chunks: List[bytes] = []
    left = pending.content_length
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            break
        pending.update(chunk)
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Refused"
