"""A load run through real nginx (two workers, the default clock): thousands of requests over
keep-alive connections from several clients at once, a fifth of them forged in one of several
ways. No false accept, no false reject, and the upstream sees exactly the verified ones, each
with its body intact and the verified username.

The throughput printed is for information only (a shared 2-core machine); nothing is timed."""

import http.client
import threading
import time
from collections import Counter

from conftest import DEMO_ACCESS, DEMO_INIT, DEMO_USER, sign

REQUESTS = 4000
CLIENTS = 8
TARGET = "/gateway/process--card"

# How a forged request is made, and the status and kind it must get.
FORGERIES = {
    "wrong-secret": (401, "verify.signature_mismatch"),
    "tampered-body": (401, "digest.mismatch"),
    "stale-date": (401, "verify.date_skew"),
    "no-authorization": (401, "verify.missing_authorization"),
    "other-user": (401, "verify.unknown_username"),
}


def make_request(n):
    """(headers, body, expected status, expected kind) for request number n."""
    body = b'{"transaction_id":"%08d","amount":"%d.00"}' % (n, n % 997)
    forgery = list(FORGERIES)[(n // 5) % len(FORGERIES)] if n % 5 == 0 else None
    kwargs = {}
    if forgery == "wrong-secret":
        kwargs["secret"] = "not-the-demo-secret"
    elif forgery == "stale-date":
        kwargs["now"] = time.time() - 3600
    elif forgery == "other-user":
        kwargs["user"] = "mallory"
    headers = dict(sign("POST", TARGET, body, **kwargs))
    if forgery == "tampered-body":
        body = body.replace(b"amount", b"amounT")
    elif forgery == "no-authorization":
        del headers["Authorization"]
    headers["X-Test-Id"] = str(n)
    status, kind = FORGERIES[forgery] if forgery else (200, "-")
    return headers, body, status, kind


def test_load_no_false_accept_no_false_reject(nginx_factory, upstream):
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, workers=2)
    results = {}
    errors = []
    lock = threading.Lock()

    def client(numbers):
        conn = http.client.HTTPConnection("127.0.0.1", ngx.port, timeout=30)
        try:
            for n in numbers:
                headers, body, _, _ = make_request(n)
                conn.request("POST", TARGET, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                with lock:
                    results[n] = resp.status
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(range(i, REQUESTS, CLIENTS),))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert not errors, errors[:5]
    print(f"\n{REQUESTS} requests over {CLIENTS} keep-alive connections in {elapsed:.2f} s "
          f"({REQUESTS / elapsed:.0f} requests/s, client, nginx and upstream on one machine)")

    expected = {n: make_request(n)[2] for n in range(REQUESTS)}
    false = {n: (results.get(n), expected[n]) for n in expected if results.get(n) != expected[n]}
    assert not false, f"{len(false)} wrong answers, e.g. {list(false.items())[:5]}"

    # The upstream saw every verified request, once, and nothing else.
    accepted = {str(n) for n, status in expected.items() if status == 200}
    seen = [ids[0] for ids in upstream.header_values("X-Test-Id")]
    assert len(seen) == len(accepted) and set(seen) == accepted
    assert all(users == [DEMO_USER] for users in upstream.header_values("X-Ingo-Username"))
    for request in upstream.requests:
        n = int(dict(request["headers"])["X-Test-Id"])
        assert request["body"] == make_request(n)[1]

    # Every answer is in the access log with its kind.
    kinds = Counter()
    for n in range(REQUESTS):
        line = ngx.next_access_line(str(n))
        _, status, kind, user = line.split("|", 3)
        _, _, want_status, want_kind = make_request(n)
        assert (int(status), kind) == (want_status, want_kind), line
        assert user == (DEMO_USER if want_status == 200 else "-")
        kinds[kind] += 1
    assert kinds["-"] == len(accepted)
    assert len(kinds) == 1 + len(FORGERIES)


def test_latency_the_module_adds(nginx_factory):
    """p50 and p99 of a verified request against the same request through the same nginx
    without the module, both proxied to a server block of that nginx that answers 200 (so no
    Python upstream adds its noise), interleaved on two kept-alive connections in one run.
    Printed, never asserted (a shared machine); every request must succeed."""
    from conftest import free_port
    plain_port, answer_port = free_port(), free_port()
    extra = """
    upstream answer {
        server 127.0.0.1:%d;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:%d;
        location / {
            return 200 "ok";
        }
    }
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://answer;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }""" % (answer_port, answer_port, plain_port)
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, extra_http=extra,
                        upstream_port=answer_port)
    rounds = 1000
    timings = {"with": [], "without": []}
    conns = {"with": http.client.HTTPConnection("127.0.0.1", ngx.port, timeout=10),
             "without": http.client.HTTPConnection("127.0.0.1", plain_port, timeout=10)}
    try:
        for i in range(rounds):
            # Each round its own request (the module refuses a replay).
            body = b'{"transaction_id":"%08d","amount":"10.00"}' % i
            headers = dict(sign("POST", TARGET, body))
            for which in (("with", "without") if i % 2 else ("without", "with")):
                conn = conns[which]
                t0 = time.perf_counter()
                conn.request("POST", TARGET, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                timings[which].append(time.perf_counter() - t0)
                assert resp.status == 200
    finally:
        for conn in conns.values():
            conn.close()

    def pct(values, p):
        values = sorted(values[100:])  # the first 100 warm up
        return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1e6

    w, wo = (pct(timings["with"], 50), pct(timings["with"], 99)), \
        (pct(timings["without"], 50), pct(timings["without"], 99))
    print(f"\nlatency, microseconds, client and nginx on one machine: with the module p50 "
          f"{w[0]:.0f} p99 {w[1]:.0f}; without p50 {wo[0]:.0f} p99 {wo[1]:.0f}; "
          f"added p50 {w[0] - wo[0]:.0f} p99 {w[1] - wo[1]:.0f} "
          f"(ratio p50 {w[0] / wo[0]:.2f}, p99 {w[1] / wo[1]:.2f})")
