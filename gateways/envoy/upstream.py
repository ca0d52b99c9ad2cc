#!/usr/bin/env python3
"""A stand-in upstream for trying the example: answers every request on 127.0.0.1:10001 with
what reached it (method, target, the verified username Envoy added, the body's length).

    python3 gateways/envoy/upstream.py
"""
from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        reply = json.dumps(
            {
                "method": self.command,
                "target": self.path,
                "x-ingo-username": self.headers.get("x-ingo-username"),
                "body_bytes": len(body),
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write("upstream: " + (format % args) + "\n")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 10001
    ThreadingHTTPServer(("127.0.0.1", port), Echo).serve_forever()
