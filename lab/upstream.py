#!/usr/bin/env python3
"""Stand-in for the internet in the namespace lab: answers every host name (the lab's DNS
points all names here) with the genuine captive-portal probe answers, plus test endpoints.

  GET /bytes/N     N bytes of data (download tests)
  POST /upload     reads the body, answers its length (upload tests)
  anything else    a small page naming the host and path
"""
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

PROBES = {
    ("captive.apple.com", "/hotspot-detect.html"): (200, "text/html",
        b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("www.apple.com", "/library/test/success.html"): (200, "text/html",
        b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("connectivitycheck.gstatic.com", "/generate_204"): (204, "text/plain", b""),
    ("www.gstatic.com", "/generate_204"): (204, "text/plain", b""),
    ("clients3.google.com", "/generate_204"): (204, "text/plain", b""),
    ("www.msftconnecttest.com", "/connecttest.txt"): (200, "text/plain", b"Microsoft Connect Test"),
    ("detectportal.firefox.com", "/canonical.html"): (200, "text/html",
        b'<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'),
    ("detectportal.firefox.com", "/success.txt"): (200, "text/plain", b"success\n"),
}

CHUNK = b"x" * 65536


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = self.path.split("?")[0]
        if (host, path) in PROBES:
            return self.reply(*PROBES[(host, path)])
        if path.startswith("/bytes/"):
            size = int(path[len("/bytes/"):])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            while size > 0:
                n = min(size, len(CHUNK))
                self.wfile.write(CHUNK[:n])
                size -= n
            return
        body = f"<html><head><title>Upstream {host}</title></head><body><h1>Upstream page</h1><p id=where>{host}{self.path}</p></body></html>"
        self.reply(200, "text/html", body.encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        got = 0
        while got < length:
            data = self.rfile.read(min(65536, length - got))
            if not data:
                break
            got += len(data)
        self.reply(200, "text/plain", str(got).encode())


class DualStackServer(ThreadingHTTPServer):
    """Listens on :: with IPV6_V6ONLY off: one socket answers IPv4 and IPv6."""
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    servers = [DualStackServer(("::", int(port)), Handler) for port in sys.argv[1:] or ["80"]]
    threads = [Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
