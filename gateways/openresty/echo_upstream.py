#!/usr/bin/env python3
"""A small upstream for trying the gateway: answers every request with 200 and a JSON echo of
what reached it (method, target, the verified username, the body's length), and prints one line
per request. Usage: echo_upstream.py [HOST:PORT]   (default 127.0.0.1:10001)"""

import http.server
import json
import sys


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {"method": self.command, "target": self.path,
                "x_ingo_username": self.headers.get("X-Ingo-Username"), "body_bytes": len(body)}
        out = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        print("upstream got", json.dumps(seen), flush=True)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


def main():
    host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:10001").rpartition(":")
    server = http.server.ThreadingHTTPServer((host, int(port)), Echo)
    print(f"upstream on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
