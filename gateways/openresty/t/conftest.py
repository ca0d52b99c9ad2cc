"""Fixtures for the suite: a real nginx (Debian's, with its Lua module) in front of a small
recording upstream, both on free loopback ports, and an independent signer (Python's hmac and
hashlib, as test-vectors/generate.py does) for requests made at run time.

Every nginx the suite starts is stopped at teardown, and its error log is checked like
Test::Nginx's `no_error_log [error]`: a line at level error or worse fails the test unless the
test declared it expected.
"""

import base64
import email.utils
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
ROOT = HERE.parent.parent
VECTORS = ROOT / "test-vectors"
DEMO_USER = "demo"
DEMO_SECRET = "demo-secret-not-for-production"
MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so",
           "/usr/lib/nginx/modules/ngx_http_lua_module.so")
SIGNED_LIST = "request-line x-date content-type content-length content-sha512"


def library_path():
    """libingo_signer.so as built by `cargo build --release -p ingo-signer-ffi` (ci.sh)."""
    if os.environ.get("INGO_SIGNER_LIB"):
        return Path(os.environ["INGO_SIGNER_LIB"]).resolve()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    return target / "release" / "libingo_signer.so"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


# ------------------------------------------------------------------------------------------
# Signing, independently of the library under test.
# ------------------------------------------------------------------------------------------

def sign(method, target, body, *, user=DEMO_USER, secret=DEMO_SECRET, now=None,
         version="HTTP/1.1", content_type="application/json"):
    """The five signed headers (as a list of pairs) for a request made now."""
    x_date = email.utils.formatdate(time.time() if now is None else now, usegmt=True)
    digest = base64.b64encode(hashlib.sha512(body).digest()).decode()
    lines = [f"{method} {target} {version}", f"x-date: {x_date}",
             f"content-type: {content_type}", f"content-length: {len(body)}",
             f"content-sha512: {digest}"]
    mac = hmac.new(secret.encode(), "\n".join(lines).encode(), hashlib.sha512).digest()
    signature = base64.b64encode(mac).decode()
    authorization = (f'hmac username="{user}", algorithm="hmac-sha512", '
                     f'headers="{SIGNED_LIST}", signature="{signature}"')
    return [("X-Date", x_date), ("Content-Type", content_type),
            ("Content-Length", str(len(body))), ("Content-sha512", digest),
            ("Authorization", authorization)]


def raw_request(method, target, headers, body=b"", version="HTTP/1.1"):
    """The bytes of a request exactly as given: no header is added, none normalised."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode("utf-8")
    out = [b(method) + b" " + b(target) + b" " + b(version) + b"\r\n"]
    for name, value in headers:
        out.append(b(name) + b": " + b(value) + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out) + b(body)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Response({self.status}, {self.headers!r}, {self.body[:200]!r})"


def read_response(sock):
    """One HTTP/1.x response from `sock` (None when the server closed without answering)."""
    resp = http.client.HTTPResponse(sock)
    try:
        resp.begin()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return None
    body = resp.read()
    headers = {}
    for name, value in resp.getheaders():
        headers[name.lower()] = value
    return Response(resp.status, headers, body)


def send_raw(port, data, timeout=5.0):
    """Sends `data` on a new connection and reads one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_response(sock)


def send_h2(port, method, target, headers, body=b"", timeout=10.0):
    """A request over HTTP/2 without TLS (prior knowledge), by the `h2` protocol library: the
    pseudo-headers from `method` and `target`, then `headers` (names lower-cased, as HTTP/2
    requires), then the body. Returns the Response, or None when the stream was reset first.
    (curl 7.88 reports a stream reset that follows a complete answer as an error, so it cannot
    show an early refusal.)"""
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        pseudo = [(":method", method), (":path", target), (":scheme", "http"),
                  (":authority", f"127.0.0.1:{port}")]
        conn.send_headers(1, pseudo + [(n.lower(), v) for n, v in headers],
                          end_stream=not body)
        if body:
            conn.send_data(1, body, end_stream=True)
        sock.sendall(conn.data_to_send())
        status, hdrs, payload = None, {}, b""
        while True:
            data = sock.recv(65536)
            if not data:
                return None
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    for name, value in event.headers:
                        name, value = name.decode(), value.decode("latin-1")
                        if name == ":status":
                            status = int(value)
                        else:
                            hdrs[name] = value
                elif isinstance(event, h2.events.DataReceived):
                    payload += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, 1)
                elif isinstance(event, h2.events.StreamEnded):
                    return Response(status, hdrs, payload)
                elif isinstance(event, h2.events.StreamReset):
                    return None
            sock.sendall(conn.data_to_send())


# ------------------------------------------------------------------------------------------
# The upstream: answers 200 and records what reached it.
# ------------------------------------------------------------------------------------------

class Upstream:
    def __init__(self):
        # http.server refuses more than 100 header lines; a test sends 150.
        http.client._MAXHEADERS = 1000
        self.requests = []
        self.lock = threading.Lock()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer, sent at once (no 40 ms Nagle / delayed-ACK stall).
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                seen = {"method": self.command, "path": self.path, "body": body,
                        "headers": list(self.headers.items())}
                with upstream.lock:
                    upstream.requests.append(seen)
                out = json.dumps({"seen": self.path,
                                  "user": self.headers.get("X-Ingo-Username")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def header_values(self, name):
        """Every value of header `name` the upstream saw, request by request."""
        with self.lock:
            return [[v for n, v in r["headers"] if n.lower() == name.lower()]
                    for r in self.requests]

    def saw_test_ids(self):
        return {v for vs in self.header_values("X-Test-Id") for v in vs}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream():
    up = Upstream()
    yield up
    up.stop()


# ------------------------------------------------------------------------------------------
# nginx
# ------------------------------------------------------------------------------------------

SERIOUS = re.compile(r"\[(error|crit|alert|emerg)\]")


def lua_string(value):
    """A Lua string literal holding exactly the bytes of `value` (str: its UTF-8)."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\' else "\\%d" % b
                         for b in raw) + '"'


class Nginx:
    """nginx started with a configuration built from the parts a test gives."""

    def __init__(self, *, init, access, upstream_port, extra_http="",
                 extra_location="", extra_server="", workers=1, body_timeout="10s",
                 main="", env=None, h2=False, master=True):
        # Started as root, nginx's workers run as nobody: the prefix (temporary files) must be
        # reachable for them, which pytest's own temporary directories are not.
        self.prefix = Path(tempfile.mkdtemp(prefix="ingo-openresty-test-"))
        os.chmod(self.prefix, 0o755)
        for d in ("logs", "tmp"):
            (self.prefix / d).mkdir()
        self.port = free_port()
        # A second listener speaking HTTP/2 without TLS (h2c, prior knowledge).
        self.h2_port = free_port() if h2 else None
        h2_listen = f"listen 127.0.0.1:{self.h2_port} http2;" if h2 else ""
        lib = library_path()
        assert lib.is_file(), f"{lib} is missing: run gateways/openresty/ci.sh (it builds it)"
        modules = "".join(f"load_module {m};\n" for m in MODULES)
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(f"""{modules}
daemon off;
master_process {"on" if master else "off"};
worker_processes {workers};
pid logs/nginx.pid;
error_log logs/error.log info;
{main}
events {{ worker_connections 1024; }}
http {{
    lua_package_path "{HERE}/lib/?.lua;;";
    lua_package_cpath "{lib.parent}/?.so;;";
    log_format test '$http_x_test_id|$status|$ingo_kind|$ingo_username';
    access_log logs/access.log test;
    lua_shared_dict ingo_replay 1m;
    client_body_buffer_size 64k;
    client_max_body_size 0;
    client_body_timeout {body_timeout};
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    init_by_lua_block {{
{init}
    }}
    upstream app {{
        server 127.0.0.1:{upstream_port};
        keepalive 8;
    }}
{extra_http}
    server {{
        listen 127.0.0.1:{self.port};
        {h2_listen}
        set $ingo_kind "-";
        set $ingo_username "-";
{extra_server}
        location / {{
            access_by_lua_block {{
{access}
            }}
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
{extra_location}
        }}
    }}
}}
""")
        self.expected_errors = []
        self.proc = None
        self.env = env
        self.taken = set()
        self.lines = []
        self.by_id = {}
        self.read_bytes = 0

    def start(self):
        """Starts nginx; returns (True, '') or (False, its output) when it refuses to start."""
        env = dict(os.environ, **(self.env or {}))
        self.proc = subprocess.Popen(
            ["nginx", "-p", f"{self.prefix}/", "-c", str(self.conf), "-e", "logs/error.log"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        if wait_for_port(self.port, self.proc):
            return True, ""
        out = self.stop()
        return False, out

    def stop(self):
        if self.proc is None:
            return ""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        out = self.proc.stdout.read().decode("utf-8", "replace")
        self.proc.stdout.close()
        self.proc = None
        return out + self.error_log()

    def cleanup(self):
        shutil.rmtree(self.prefix, ignore_errors=True)

    def error_log(self):
        path = self.prefix / "logs" / "error.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def access_lines(self):
        """Every line of the access log so far (read incrementally)."""
        path = self.prefix / "logs" / "access.log"
        if path.exists():
            with open(path, "rb") as f:
                f.seek(self.read_bytes)
                data = f.read()
            # Only whole lines; a line being written is taken next time.
            end = data.rfind(b"\n") + 1
            self.read_bytes += end
            for line in data[:end].decode("utf-8", "replace").splitlines():
                self.by_id.setdefault(line.split("|", 1)[0], []).append(len(self.lines))
                self.lines.append(line)
        return self.lines

    def log_mark(self):
        """Where the access log ends now (for next_access_line's `after`)."""
        return len(self.access_lines())

    def next_access_line(self, test_id=None, after=0, timeout=3.0):
        """The access-log line of a request: the one logged with `test_id`, or (for a request
        nginx refused before reading its headers, which logs no id) the first line without an
        id past `after` (a log_mark taken before the request was sent). Waits for it."""
        deadline = time.monotonic() + timeout
        while True:
            self.access_lines()
            if test_id is not None:
                candidates = self.by_id.get(test_id, [])
            else:
                candidates = [i for i in self.by_id.get("-", []) + self.by_id.get("", [])
                              if i >= after]
            for index in sorted(candidates):
                if index not in self.taken:
                    self.taken.add(index)
                    return self.lines[index]
            if time.monotonic() > deadline:
                return None
            time.sleep(0.005)

    def expect_error(self, pattern):
        """Declares that error-log lines matching `pattern` are expected."""
        self.expected_errors.append(re.compile(pattern))

    def serious_errors(self):
        return [line for line in self.error_log().splitlines()
                if SERIOUS.search(line) and not any(p.search(line) for p in self.expected_errors)]

    def request(self, method, target, body=b"", headers=(), timeout=5.0):
        """A request through http.client on a new connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, target, body=body, headers=dict(headers))
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                            resp.read())
        finally:
            conn.close()


@pytest.fixture
def nginx_factory(upstream):
    """make(init=..., access=...) -> a started Nginx; all are stopped and their error logs
    checked at teardown."""
    started = []

    def make(*, start=True, **kwargs):
        kwargs.setdefault("upstream_port", upstream.port)
        ngx = Nginx(**kwargs)
        started.append(ngx)
        if start:
            ok, out = ngx.start()
            assert ok, f"nginx did not start:\n{out}"
        return ngx

    yield make
    problems = []
    for ngx in started:
        ngx.stop()
        problems += ngx.serious_errors()
        for path in (ngx.prefix / "logs").glob("*"):
            assert DEMO_SECRET not in path.read_text("utf-8", "replace"), f"secret in {path}"
        ngx.cleanup()
    assert not problems, "unexpected error-log lines:\n" + "\n".join(problems)


DEMO_INIT = f"""
        ingo_verifier = assert(require("resty.ingo_signer").new({{
            keys = {{ {{ username = "{DEMO_USER}", secret = "{DEMO_SECRET}" }} }},
        }}))
"""
DEMO_ACCESS = "ingo_verifier:access()"


@pytest.fixture
def demo(nginx_factory):
    """nginx verifying with the demo key, default policy."""
    return nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS)
