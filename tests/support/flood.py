#!/usr/bin/env python3
"""Posts one form many times at once, as a hostile guest's script would (test and bench helper).

usage: flood.py URL BODY COUNT SOURCE[,SOURCE...]
Opens COUNT connections round-robin from the SOURCE addresses, releases all requests at the
same moment (posts to /login and /logout carry the form token of a portal page fetched first
from each source address, as a script would scrape it), and prints JSON: {"by_source": {ip: {status: n}}, "seconds": elapsed}. A request
that gets no answer within 120 s counts as status "000".
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

url, body, count, sources = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
parts = urllib.parse.urlparse(url)
results = {}
lock = threading.Lock()
barrier = threading.Barrier(count)


def form_token(source):
    """The token of the portal page shown to `source` (the status page once online)."""
    for path in ("/", "/status"):
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10,
                                          source_address=(source, 0))
        conn.request("GET", path)
        page = conn.getresponse().read().decode()
        conn.close()
        if 'name="token" value="' in page:
            return page.split('name="token" value="', 1)[1].split('"', 1)[0]
    return ""


bodies = {s: body for s in sources}
if parts.path in ("/login", "/logout"):
    bodies = {s: body + "&token=" + form_token(s) for s in sources}


def post(source):
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120,
                                      source_address=(source, 0))
    status = "000"
    try:
        conn.connect()
        barrier.wait()
        conn.request("POST", parts.path, body=bodies[source],
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        status = str(resp.status)
    except (OSError, threading.BrokenBarrierError):
        barrier.abort()
    finally:
        conn.close()
    with lock:
        counts = results.setdefault(source, {})
        counts[status] = counts.get(status, 0) + 1


start = time.monotonic()
threads = [threading.Thread(target=post, args=(sources[i % len(sources)],)) for i in range(count)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"by_source": results, "seconds": time.monotonic() - start}))
