#!/usr/bin/env python3
"""Run inside a guest namespace: log in, time the first upstream TCP connection, log out;
repeat. Prints one JSON object with the samples in milliseconds.

usage: login_latency.py PORTAL_URL CODE UPSTREAM_IP ROUNDS
CODE "click" logs in by click-through (terms accepted, marketing ticked) instead of a voucher.
"""
import json
import socket
import sys
import time
import urllib.parse
import http.client

portal, code, upstream, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host = urllib.parse.urlparse(portal).netloc


def post(path, body):
    conn = http.client.HTTPConnection(host, timeout=5)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def form_token(path):
    """The token of the portal page at `path` (posts without one are refused)."""
    conn = http.client.HTTPConnection(host, timeout=5)
    conn.request("GET", path)
    page = conn.getresponse().read().decode()
    conn.close()
    return page.split('name="token" value="', 1)[1].split('"', 1)[0]


def first_connect(deadline):
    """Seconds until a TCP connection to the upstream web server succeeds."""
    while True:
        s = socket.socket()
        s.settimeout(0.2)
        try:
            s.connect((upstream, 80))
            s.close()
            return
        except OSError:
            s.close()
            if time.perf_counter() > deadline:
                raise SystemExit("upstream never became reachable after login")


post_to_connect, response_to_connect, login_only = [], [], []
for _ in range(rounds):
    if code == "click":
        path = "/login/click"
        fields = {"accept_terms": "yes", "consent_marketing": "yes", "token": form_token("/")}
    else:
        path, fields = "/login", {"code": code, "token": form_token("/")}
    body = urllib.parse.urlencode(fields)
    t0 = time.perf_counter()
    status = post(path, body)
    t1 = time.perf_counter()
    if status != 303:
        raise SystemExit(f"login answered {status}")
    first_connect(t1 + 5)
    t2 = time.perf_counter()
    login_only.append((t1 - t0) * 1000)
    post_to_connect.append((t2 - t0) * 1000)
    response_to_connect.append((t2 - t1) * 1000)
    if post("/logout", urllib.parse.urlencode({"token": form_token("/status")})) != 200:
        raise SystemExit("logout failed")
print(json.dumps({"login_request_ms": login_only, "post_to_first_connect_ms": post_to_connect,
                  "response_to_first_connect_ms": response_to_connect}))
