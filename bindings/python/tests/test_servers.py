"""Round trips through real servers on loopback: uvicorn serving Starlette behind the ASGI
middleware, werkzeug serving Flask behind the WSGI middleware, driven by ``requests`` and by
``httpx`` (sync and async) signing with ``IngoAuth``.

Each server binds port 0. A handler records each call, so the tests can show that a refused
request never reaches the application.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import requests
import uvicorn
from flask import Flask, jsonify
from flask import request as flask_request
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from werkzeug.serving import make_server

import ingo_signer
import ingo_signer.asgi
import ingo_signer.httpx
import ingo_signer.requests
import ingo_signer.wsgi

KEY = ingo_signer.SigningKey("demo", b"demo-secret-not-for-production")
LIMIT = 4096
VERIFIER = ingo_signer.Verifier([KEY], max_body=LIMIT)
PATH = "/api/v1/sessions/point-in-time/plugin"
BODY = b'{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7"}'


class Server:
    """A server running on a thread, and the calls its handlers received."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: List[Dict[str, Any]] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _answer(
    server: Server, username: str, verified: ingo_signer.Verified, body: bytes
) -> Dict[str, Any]:
    call = {
        "username": username,
        "algorithm": verified.algorithm,
        "length": len(body),
        "sha512": hashlib.sha512(body).hexdigest(),
    }
    server.calls.append(call)
    return call


@pytest.fixture(scope="module")
def asgi_server() -> Iterator[Server]:
    server = Server("asgi")

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse(
            _answer(server, request.state.ingo_username, request.state.ingo_verified, body)
        )

    app = Starlette(
        routes=[
            Route(PATH, echo, methods=["POST", "GET"]),
            Route("/{rest:path}", echo, methods=["GET", "POST"]),
        ],
        middleware=[Middleware(ingo_signer.asgi.VerifyMiddleware, verifier=VERIFIER)],
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    server.port = uv.servers[0].sockets[0].getsockname()[1]
    yield server
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def wsgi_server() -> Iterator[Server]:
    server = Server("wsgi")
    app = Flask(__name__)

    @app.route(PATH, methods=["POST", "GET"])
    @app.route("/<path:rest>", methods=["POST", "GET"])
    def echo(rest: str = "") -> Any:
        environ = flask_request.environ
        body = flask_request.get_data()
        return jsonify(
            _answer(server, environ["ingo_signer.username"], environ["ingo_signer.verified"], body)
        )

    app.wsgi_app = ingo_signer.wsgi.VerifyMiddleware(app.wsgi_app, VERIFIER)  # type: ignore[method-assign]
    wz = make_server("127.0.0.1", 0, app, threaded=True)
    server.port = wz.server_port
    thread = threading.Thread(target=wz.serve_forever, daemon=True)
    thread.start()
    yield server
    wz.shutdown()
    thread.join(timeout=10)


@pytest.fixture(params=["asgi", "wsgi"])
def server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue(f"{request.param}_server")  # type: ignore[no-any-return]


Response = Tuple[int, Dict[str, str], bytes]


def via_requests(
    method: str, url: str, auth: Any, content: Optional[bytes] = None, **kwargs: Any
) -> Response:
    r = requests.request(
        method,
        url,
        auth=auth and ingo_signer.requests.IngoAuth(auth),
        data=content,
        timeout=30,
        **kwargs,
    )
    return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content


def via_httpx(method: str, url: str, auth: Any, **kwargs: Any) -> Response:
    with httpx.Client(auth=auth and ingo_signer.httpx.IngoAuth(auth), timeout=30) as client:
        r = client.request(method, url, **kwargs)
    return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content


def via_httpx_async(method: str, url: str, auth: Any, **kwargs: Any) -> Response:
    async def go() -> Response:
        async with httpx.AsyncClient(
            auth=auth and ingo_signer.httpx.IngoAuth(auth), timeout=30
        ) as client:
            r = await client.request(method, url, **kwargs)
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content

    return asyncio.run(go())


CLIENTS: Dict[str, Callable[..., Response]] = {
    "requests": via_requests,
    "httpx": via_httpx,
    "httpx-async": via_httpx_async,
}


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> Callable[..., Response]:
    return CLIENTS[request.param]


def _accepted(response: Response, body: bytes) -> None:
    status, _, content = response
    assert status == 200, content
    answer = json.loads(content)
    assert answer == {
        "username": "demo",
        "algorithm": "hmac-sha512",
        "length": len(body),
        "sha512": hashlib.sha512(body).hexdigest(),
    }


def _refused(response: Response, expected: ingo_signer.VerifyError) -> None:
    """The answer every gateway gives: status, JSON body, WWW-Authenticate on 401."""
    status, headers, content = response
    told = expected.for_client()
    assert status == told.http_status
    assert headers["content-type"] == "application/json"
    assert json.loads(content) == {"status": told.http_status, "client_message": told.message}
    assert content.startswith(b'{"status": %d, "client_message": ' % status)
    assert (headers.get("www-authenticate") == "hmac") == (status == 401)


def _error_for(
    key: ingo_signer.SigningKey, headers: Dict[str, str], body: bytes, target: str = PATH
) -> ingo_signer.VerifyError:
    """What the verifier, called directly, says about a request: the expected refusal."""
    with pytest.raises(ingo_signer.VerifyError) as e:
        VERIFIER.verify("POST", target, headers, body)
    return e.value


def test_signed_post_is_accepted(server: Server, client: Callable[..., Response]) -> None:
    _accepted(client("POST", server.url + PATH, KEY, content=BODY), BODY)


def test_json_body_and_query_string(server: Server, client: Callable[..., Response]) -> None:
    payload = {"participant_unique_id1": "p-1", "note": "café"}
    url = server.url + PATH + "?city=S%C3%A3o%20Paulo&x=~&empty="
    response = client("POST", url, KEY, json=payload)
    status, _, content = response
    assert status == 200, content
    assert json.loads(content)["username"] == "demo"


def test_get_with_an_empty_body(server: Server, client: Callable[..., Response]) -> None:
    _accepted(client("GET", server.url + "/status", KEY), b"")


def test_unsigned_request_is_refused(server: Server, client: Callable[..., Response]) -> None:
    calls = len(server.calls)
    response = client("POST", server.url + PATH, None, content=BODY)
    with pytest.raises(ingo_signer.VerifyError) as e:
        VERIFIER.verify("POST", PATH, [("Content-Type", "application/json")], BODY)
    assert e.value.kind == "verify.missing_authorization"
    _refused(response, e.value)
    assert len(server.calls) == calls


def test_wrong_secret_is_refused_and_logged(
    server: Server, client: Callable[..., Response], caplog: pytest.LogCaptureFixture
) -> None:
    calls = len(server.calls)
    wrong = ingo_signer.SigningKey("demo", b"not-the-secret")
    with caplog.at_level(logging.INFO, logger="ingo_signer"):
        response = client("POST", server.url + PATH, wrong, content=BODY)
    expected = _error_for(wrong, ingo_signer.sign(wrong, "POST", PATH, BODY), BODY)
    assert expected.kind == "verify.signature_mismatch"
    _refused(response, expected)
    assert len(server.calls) == calls
    assert any("verify.signature_mismatch" in r.getMessage() for r in caplog.records)


def test_unknown_username_is_answered_as_a_mismatch(
    server: Server, client: Callable[..., Response]
) -> None:
    stranger = ingo_signer.SigningKey("stranger", b"whatever")
    response = client("POST", server.url + PATH, stranger, content=BODY)
    expected = _error_for(stranger, ingo_signer.sign(stranger, "POST", PATH, BODY), BODY)
    assert expected.kind == "verify.unknown_username"
    _refused(response, expected)


def _raw_exchange(
    server: Server,
    head: bytes,
    body: bytes = b"",
    timeout: float = 10.0,
    interim: Optional[List[bool]] = None,
) -> Tuple[int, Dict[str, str], bytes, float]:
    """Sends bytes as they are and reads the final answer: (status, headers, body, seconds).
    Interim (1xx) answers are skipped and counted in ``interim``."""
    interim = [] if interim is None else interim
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        start = time.monotonic()
        sock.sendall(head + body)
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            if not data.startswith(b"HTTP/1.1 1"):
                break
            # An interim answer (100 Continue): the final one follows.
            data = data.partition(b"\r\n\r\n")[2]
            interim.append(True)
        head_part, _, rest = data.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(lines[0].split()[1]), headers, rest, time.monotonic() - start


def _head(
    method: str, target: str, headers: Dict[str, str], extra: Optional[Dict[str, str]] = None
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in {**headers, **(extra or {})}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def test_tampered_body_is_refused(server: Server) -> None:
    calls = len(server.calls)
    headers = ingo_signer.sign(KEY, "POST", PATH, BODY)
    tampered = BODY.replace(b"7064", b"7065")
    status, response_headers, content, _ = _raw_exchange(
        server, _head("POST", PATH, headers), tampered
    )
    expected = _error_for(KEY, headers, tampered)
    assert expected.kind == "digest.mismatch"
    _refused((status, response_headers, content), expected)
    assert len(server.calls) == calls


def test_oversized_body_is_refused_from_its_head(server: Server) -> None:
    """413 from the signed Content-Length alone: the server answers without the body."""
    calls = len(server.calls)
    huge = b"x" * (10 * 1024 * 1024)
    headers = ingo_signer.sign(KEY, "POST", PATH, huge)
    status, response_headers, content, seconds = _raw_exchange(server, _head("POST", PATH, headers))
    expected = _error_for(KEY, headers, huge)
    assert (expected.kind, expected.http_status) == ("verify.body_too_large", 413)
    _refused((status, response_headers, content), expected)
    assert seconds < 5  # answered without waiting for 10 MiB that never comes
    assert len(server.calls) == calls


def test_body_longer_than_declared_is_refused(server: Server) -> None:
    headers = ingo_signer.sign(KEY, "POST", PATH, BODY)
    # The server frames the body by the declared length; the digest then sees another body.
    longer = BODY[:-1] + b"xx"
    status, _, content, _ = _raw_exchange(server, _head("POST", PATH, headers), longer)
    assert status == 401 and json.loads(content)["status"] == 401


def test_short_body_is_refused(server: Server) -> None:
    headers = ingo_signer.sign(KEY, "POST", PATH, BODY)
    head = _head("POST", PATH, headers)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + BODY[:10])
        sock.shutdown(socket.SHUT_WR)  # the client stops sending: the body ends short
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    if data:  # uvicorn drops a request whose body never completes; werkzeug answers it
        status = int(data.split()[1])
        assert status == 400, data
        assert b"verify.content_length_mismatch" not in data  # kinds go to logs only


def test_expect_100_continue_is_refused_before_the_body(server: Server) -> None:
    """uvicorn sends 100 Continue only when the app first reads the body: a refused client is
    never asked for it. werkzeug sends it on its own, before the app runs; the body is still
    not read."""
    calls = len(server.calls)
    headers = ingo_signer.sign(KEY, "POST", PATH, BODY)
    wrong = dict(headers, Authorization=headers["Authorization"].replace('"demo"', '"nobody"'))
    interim: List[bool] = []
    head = _head("POST", PATH, wrong, {"Expect": "100-continue"})
    status, _, content, _ = _raw_exchange(server, head, interim=interim)
    assert status == 401, content
    if server.name == "asgi":
        assert not interim
    assert len(server.calls) == calls
