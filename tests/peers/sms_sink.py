"""The SMS "handset" of the tests: Kannel's generic HTTP SMSC delivers here
(send-url http://127.0.0.1:PORT/mt?to=%p&from=%P&text=%a). Each message is appended to FILE
as one JSON line; the answer "Sent" is what Kannel's status-success-regex expects.

usage: sms_sink.py PORT FILE"""
import http.server
import json
import sys
import urllib.parse

PORT, OUT = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({k: v[0] for k, v in query.items()}) + "\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Sent")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
