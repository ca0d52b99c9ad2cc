#!/usr/bin/env python3
"""Sends three requests to the gateway: one signed with the demo key (SPEC §7: username `demo`,
secret `demo-secret-not-for-production`), which must reach the upstream; another whose body is
changed after signing, which must be refused; and the first one again, a replay, which must be
refused too. Prints the answers; exits 1 if one is not what it must be. Signs with Python's hmac
and hashlib, as any client would.
Usage: send_signed.py [HOST:PORT]   (default 127.0.0.1:10002; waits up to 10 s for it)"""

import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import socket
import sys
import time

USERNAME, SECRET = "demo", b"demo-secret-not-for-production"
TARGET = "/api/v1/sessions/point-in-time/plugin"
BODY = b'{"participant_unique_id1":"70646041"}'


def sign(body):
    x_date = email.utils.formatdate(time.time(), usegmt=True)
    digest = base64.b64encode(hashlib.sha512(body).digest()).decode()
    lines = [f"POST {TARGET} HTTP/1.1", f"x-date: {x_date}", "content-type: application/json",
             f"content-length: {len(body)}", f"content-sha512: {digest}"]
    mac = hmac.new(SECRET, "\n".join(lines).encode(), hashlib.sha512).digest()
    return {"X-Date": x_date, "Content-Type": "application/json",
            "Content-Length": str(len(body)), "Content-sha512": digest,
            "Authorization": f'hmac username="{USERNAME}", algorithm="hmac-sha512", '
                             'headers="request-line x-date content-type content-length '
                             f'content-sha512", signature="{base64.b64encode(mac).decode()}"'}


def send(host, port, headers, body):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("POST", TARGET, body=body, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    answer = json.loads(payload) if resp.getheader("Content-Type") == "application/json" else {}
    return resp.status, resp.getheader("WWW-Authenticate"), answer


def main():
    host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:10002").rpartition(":")
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"nothing listens on {host}:{port}")
            time.sleep(0.1)
    headers = sign(BODY)
    signed = send(host, port, headers, BODY)
    while signed[0] == 502 and time.monotonic() < deadline:  # the upstream is not up yet
        time.sleep(0.2)
        headers = sign(BODY)
        signed = send(host, port, headers, BODY)
    print("signed request:  ", signed[0], json.dumps(signed[2]))
    other = BODY.replace(b"70646041", b"70646042")
    tampered = send(host, port, sign(other), other.replace(b"7", b"8"))
    print("tampered request:", tampered[0], f"WWW-Authenticate: {tampered[1]}",
          json.dumps(tampered[2]))
    replayed = send(host, port, headers, BODY)
    print("replayed request:", replayed[0], f"WWW-Authenticate: {replayed[1]}",
          json.dumps(replayed[2]))
    ok = (signed[0] == 200 and signed[2].get("x_ingo_username") == USERNAME
          and tampered[0] == 401 and tampered[1] == "hmac"
          and replayed[0] == 401 and replayed[1] == "hmac")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
