"""The module's FFI path under Valgrind's memcheck, in real nginx (one process, JIT off so
memcheck sees every call): verified requests, refusals at the head and at the body, a stalled
body dropped at the deadline and a connection closed mid-body (both leave a verification in
progress for the finalizer to discard). Memcheck must report no error, and at exit (nginx
closes the Lua state, which collects the verifier) no block allocated by libingo_signer.so may
be left: every key handle was freed through ffi.gc's wrapper."""

import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import (DEMO_ACCESS, DEMO_INIT, DEMO_SECRET, Nginx, raw_request, send_raw,
                      sign, wait_for_port)

# nginx's own: the environment it builds for a single-process run is never freed.
SUPPRESSIONS = """{
   nginx-single-process-environment
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:ngx_alloc
   fun:ngx_set_environment
}
"""


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_the_ffi_path_under_memcheck(upstream):
    ngx = Nginx(init=DEMO_INIT + "        jit.off()\n", access=DEMO_ACCESS,
                upstream_port=upstream.port, master=False, body_timeout="1s")
    supp = ngx.prefix / "nginx.supp"
    supp.write_text(SUPPRESSIONS)
    log = ngx.prefix / "memcheck.log"
    proc = subprocess.Popen(
        ["valgrind", "--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=all",
         "--errors-for-leak-kinds=definite", f"--suppressions={supp}", f"--log-file={log}",
         "nginx", "-p", f"{ngx.prefix}/", "-c", str(ngx.conf), "-e", "logs/error.log"])
    try:
        assert wait_for_port(ngx.port, proc, timeout=120), log.read_text()
        statuses = []
        for i in range(12):
            body = b'{"transaction_id":"%d"}' % i
            secret = DEMO_SECRET if i % 3 else "wrong-secret"
            sent = body if i % 4 else body + b" "
            headers = [("Host", "x")] + sign("POST", "/x", body, secret=secret)
            headers = [h for h in headers if h[0] != "Content-Length"]
            headers.append(("Content-Length", str(len(sent))))
            resp = send_raw(ngx.port, raw_request("POST", "/x", headers, sent), timeout=60)
            statuses.append(resp.status)
        assert statuses.count(200) == 6 and statuses.count(401) == 6, statuses
        body = b'{"transaction_id":"stalled"}'
        # The same request again: a replay.
        resp = send_raw(ngx.port, raw_request("POST", "/x", headers, sent), timeout=60)
        assert resp.status == 401
        # A stalled body, and a connection closed in the middle of its body.
        for close in (False, True):
            sock = socket.create_connection(("127.0.0.1", ngx.port), timeout=60)
            sock.sendall(raw_request("POST", "/x", [("Host", "x")] + sign("POST", "/x", body),
                                     body[:5]))
            if close:
                time.sleep(0.5)
                sock.close()
            else:
                assert sock.recv(100) == b""
                sock.close()
        body = b'{"transaction_id":"last"}'
        ok = send_raw(ngx.port, raw_request("POST", "/x", [("Host", "x")]
                                            + sign("POST", "/x", body), body), timeout=60)
        assert ok.status == 200
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        report = log.read_text() if log.exists() else ""
        ngx.cleanup()
    assert proc.returncode == 0, report[-4000:]
    assert "ERROR SUMMARY: 0 errors" in report, report[-4000:]
    assert "ingo_" not in report and "libingo_signer" not in report, report[-4000:]
