#!/usr/bin/env python3
"""Precision of per-client rate limits: policing with nft `limit` objects (what hotspotd did
before) against shaping with per-client HTB classes (chosen by an nft map that sets skb->priority to
the client's class, so the qdisc needs no filter rules) and leaves of the kinds this machine's
kernel has (pfifo, bfifo, TBF; it is built without fq_codel and sfq). One guest, iperf3 through
a gateway namespace, both directions, at 1, 8, 50 and 200 Mbit/s, interleaved A/B rounds. Per
run: the first 1-second window as a multiple of the rate, the worst later window's deviation
from the rate, and the goodput of the later windows (receiver side, TCP payload).
"HTB, TBF leaf, short queue" is what the daemon builds; `cargo bench --bench rates` measures
the daemon itself the same way.

Run as root: `python3 bench/rates_ab.py [ROUNDS]` (`RATES=1,8` for some rates only,
`VARIANTS=policing,TBF` for the variants whose names contain one of the words).
Namespaces are named after this process and removed on exit, also on failure.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

PREFIX = f"hsra{os.getpid()}"
GUEST, GW, UP = (f"{PREFIX}{n}" for n in ("g", "w", "u"))
MAC = "02:77:00:00:00:0b"
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
RATES_MBIT = [int(r) for r in os.environ.get("RATES", "1,8,50,200").split(",")]
SECONDS = 8


def sh(*args, check=True):
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()}")
    return result


def in_ns(ns, *args, check=True):
    return sh("ip", "netns", "exec", ns, *args, check=check)


def lab():
    for ns in (GUEST, GW, UP):
        sh("ip", "netns", "add", ns)
        in_ns(ns, "ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "lan0", "netns", GW, "type", "veth", "peer", "name", "eth0", "netns", GUEST)
    sh("ip", "link", "add", "wan0", "netns", GW, "type", "veth", "peer", "name", "eth0", "netns", UP)
    for ns, dev, addr in ((GUEST, "eth0", "10.77.0.11/24"), (GW, "lan0", "10.77.0.1/24"),
                          (GW, "wan0", "10.88.0.1/24"), (UP, "eth0", "10.88.0.2/24")):
        in_ns(ns, "ip", "addr", "add", addr, "dev", dev)
        in_ns(ns, "ip", "link", "set", dev, "up")
    in_ns(GUEST, "ip", "link", "set", "eth0", "address", MAC)
    in_ns(GUEST, "ip", "route", "add", "default", "via", "10.77.0.1")
    in_ns(UP, "ip", "route", "add", "10.77.0.0/24", "via", "10.88.0.1")
    in_ns(GW, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    in_ns(UP, "iperf3", "-s", "-D")
    in_ns(GUEST, "iperf3", "-s", "-D")


def cleanup():
    for ns in (GUEST, GW, UP):
        for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
            sh("kill", pid, check=False)
        sh("ip", "netns", "del", ns, check=False)


def policing(bps, burst=None):
    """Today's objects: Object::limit's rate and burst (a tenth of a second, at least 96 KiB)."""
    rate = bps // 8
    if burst is None:
        burst = min(max(rate // 10, 96 * 1024), 2**32 - 1)
    spec = f"rate over {rate} bytes/second" + (f" burst {burst} bytes" if burst else "")
    return f"""table inet hs {{
  limit lu {{ {spec} }}
  limit ld {{ {spec} }}
  map up_limit {{ type ether_addr : limit; elements = {{ {MAC} : "lu" }} }}
  map down_limit {{ type ipv4_addr : limit; elements = {{ 10.77.0.11 : "ld" }} }}
  chain forward {{ type filter hook forward priority -5;
    iifname "lan0" limit name ether saddr map @up_limit drop
    oifname "lan0" limit name ip daddr map @down_limit drop
  }}
}}
"""


SHAPING_NFT = f"""table inet hs {{
  map up_class {{ type ether_addr : classid; elements = {{ {MAC} : 1:10 }} }}
  map down_class {{ type ipv4_addr : classid; elements = {{ 10.77.0.11 : 1:10 }} }}
  chain forward {{ type filter hook forward priority -5;
    iifname "lan0" meta priority set ether saddr map @up_class
    oifname "lan0" meta priority set ip daddr map @down_class
  }}
}}
"""


def shaping_burst(bps):
    """HTB bucket: a GSO super-packet or 10 ms of rate, whichever is larger."""
    return max(64 * 1024, bps // 8 // 100)


def set_shaping(bps, leaf):
    burst = shaping_burst(bps)
    for dev in ("lan0", "wan0"):
        in_ns(GW, "tc", "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "r2q", "1000")
        in_ns(GW, "tc", "class", "replace", "dev", dev, "parent", "1:", "classid", "1:10", "htb",
              "rate", f"{bps}bit", "ceil", f"{bps}bit", "burst", str(burst), "cburst", str(burst),
              "quantum", "65536")
        if leaf:
            in_ns(GW, "tc", "qdisc", "replace", "dev", dev, "parent", "1:10", *leaf(bps))


def bfifo(bps):
    """A drop-tail queue of 100 ms at the rate, at least three super-packets."""
    return ["bfifo", "limit", str(max(bps // 80, 3 * 65536))]


def tbf(bps, queue_ms=100, least=3 * 65536):
    """A token bucket at the class's rate with a bucket of 10 ms (at least two full frames): it
    cuts GSO super-packets into frames, so HTB charges and releases them one frame at a time;
    its queue holds `queue_ms` at the rate, at least `least` bytes."""
    return ["tbf", "rate", f"{bps}bit", "burst", str(max(bps // 800, 3028)),
            "limit", str(max(bps // 8 * queue_ms // 1000, least))]


def clear():
    in_ns(GW, "nft", "delete", "table", "inet", "hs", check=False)
    for dev in ("lan0", "wan0"):
        in_ns(GW, "tc", "qdisc", "del", "dev", dev, "root", check=False)


def load(ruleset):
    with tempfile.NamedTemporaryFile("w", suffix=".nft") as f:
        f.write(ruleset)
        f.flush()
        in_ns(GW, "nft", "-f", f.name)


def windows(download):
    """Receiver-side bits/s of each 1-second window: the iperf3 client receives (-R) and runs
    in the guest for a download, upstream for an upload."""
    ns, server = (GUEST, "10.88.0.2") if download else (UP, "10.77.0.11")
    args = ["iperf3", "-c", server, "-t", str(SECONDS), "-J", "-A", "0,1", "-R"]
    out = json.loads(in_ns(ns, *args).stdout)
    return [i["sum"]["bits_per_second"] for i in out["intervals"]][:SECONDS]


def figures(w, bps):
    later = w[1:]
    return (w[0] / bps, max(abs(x / bps - 1) for x in later), statistics.mean(later) / bps)


def main():
    variants = {"nft limit (policing)": lambda bps: load(policing(bps)),
                # The smallest bucket nft allows: the kernel adds a second of rate to any burst.
                "nft limit, no burst": lambda bps: load(policing(bps, 0)),
                "HTB, pfifo leaf": lambda bps: (set_shaping(bps, None), load(SHAPING_NFT)),
                "HTB, bfifo leaf": lambda bps: (set_shaping(bps, bfifo), load(SHAPING_NFT)),
                "HTB, TBF leaf": lambda bps: (set_shaping(bps, tbf), load(SHAPING_NFT)),
                "HTB, TBF leaf, short queue": lambda bps: (
                    set_shaping(bps, lambda b: tbf(b, 50, 32 * 1514)), load(SHAPING_NFT))}
    chosen = os.environ.get("VARIANTS")
    if chosen:
        variants = {k: v for k, v in variants.items() if any(c in k for c in chosen.split(","))}
    try:
        lab()
        results = {(v, r, d): [] for v in variants for r in RATES_MBIT for d in ("down", "up")}
        for rnd in range(ROUNDS):
            for mbit in RATES_MBIT:
                for name, apply in variants.items():
                    clear()
                    apply(mbit * 1_000_000)
                    for d in ("down", "up"):
                        w = windows(d == "down")
                        results[(name, mbit, d)].append(figures(w, mbit * 1_000_000))
                        print(f"round {rnd + 1} {name} {mbit} Mbit/s {d}: "
                              + " ".join(f"{x / 1e6:.2f}" for x in w), file=sys.stderr)
        print(f"median of {ROUNDS} interleaved rounds of {SECONDS} 1-second windows (iperf3, receiver side)")
        print(f"{'variant':26} {'rate':>9} {'dir':4} {'1st s/rate':>10} {'worst later':>11} {'goodput':>8}")
        for (name, mbit, d), runs in results.items():
            first = statistics.median(f for f, _, _ in runs)
            worst = statistics.median(x for _, x, _ in runs)
            good = statistics.median(g for _, _, g in runs)
            print(f"{name:26} {mbit:>4} Mbit/s {d:4} {first:>10.2f} {worst:>10.1%} {good:>8.1%}")
    finally:
        clear()
        cleanup()


if __name__ == "__main__":
    main()
