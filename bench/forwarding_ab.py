#!/usr/bin/env python3
"""Where the forwarding cost of the hotspotd table goes: interleaved A/B runs of one guest's
iperf3 through a gateway namespace, with no table and with variants of the table written by
hand (the real one's shape, one client authorised). Prints the median of each variant as a
percentage of no table. Run as root: `python3 bench/forwarding_ab.py [ROUNDS]`.

Namespaces are named after this process and removed on exit, also on failure.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

PREFIX = f"hsab{os.getpid()}"
GUEST, GW, UP = (f"{PREFIX}{n}" for n in ("g", "w", "u"))
MAC = "02:77:00:00:00:0b"
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


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


def cleanup():
    for ns in (GUEST, GW, UP):
        pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
        for pid in pids:
            sh("kill", pid, check=False)
        sh("ip", "netns", "del", ns, check=False)


OBJECTS = f"""
  set authed {{ type ether_addr . ipv4_addr; flags timeout; elements = {{ {MAC} . 10.77.0.11 }} }}
  set authed_ip {{ type ipv4_addr; flags timeout; elements = {{ 10.77.0.11 }} }}
  set authed6 {{ type ether_addr . ipv6_addr; flags timeout; }}
  set authed_ip6 {{ type ipv6_addr; flags timeout; }}
  set block_mac {{ type ether_addr; }}
  set allow_mac {{ type ether_addr; }}
  set garden {{ type ipv4_addr; flags interval; }}
  counter c1 {{}}
  counter c2 {{}}
  quota q1 {{ over 100000 mbytes }}
  limit l1 {{ rate over 10000 mbytes/second }}
  map up_limit {{ type ether_addr : limit; elements = {{ {MAC} : "l1" }} }}
  map down_limit {{ type ipv4_addr : limit; elements = {{ 10.77.0.11 : "l1" }} }}
  map up_quota {{ type ether_addr : quota; elements = {{ {MAC} : "q1" }} }}
  map down_quota {{ type ipv4_addr : quota; elements = {{ 10.77.0.11 : "q1" }} }}
  map up_only_quota {{ type ether_addr : quota; }}
  map down_only_quota {{ type ipv4_addr : quota; }}
  map up_counter {{ type ether_addr : counter; elements = {{ {MAC} : "c1" }} }}
  map down_counter {{ type ipv4_addr : counter; elements = {{ 10.77.0.11 : "c2" }} }}
"""
SCREEN = '  chain screen { type filter hook prerouting priority -150; iifname "lan0" ether saddr @block_mac drop; }\n'
CAPTURE = """  chain capture { type nat hook prerouting priority -105;
    iifname "lan0" ether saddr @allow_mac return
    iifname "lan0" ether saddr . ip saddr @authed return
    iifname "lan0" meta nfproto ipv4 tcp dport 80 redirect to :2050
  }
"""
UP_FULL = ("limit name ether saddr map @up_limit drop; quota name ether saddr map @up_quota drop; "
           "quota name ether saddr map @up_only_quota drop; counter name ether saddr map @up_counter;")
DOWN_FULL = ("limit name ip daddr map @down_limit drop; quota name ip daddr map @down_quota drop; "
             "quota name ip daddr map @down_only_quota drop; counter name ip daddr map @down_counter;")
CURRENT_FORWARD = """    iifname "lan0" oifname "lan0" drop
    iifname "lan0" ether saddr . ip saddr @authed jump client_up
    iifname "lan0" ether saddr . ip6 saddr @authed6 jump client_up
    oifname "lan0" ip daddr @authed_ip jump client_down
    oifname "lan0" ip6 daddr @authed_ip6 jump client_down
    iifname "lan0" ip daddr @garden accept
    oifname "lan0" drop"""


def table(forward, up=UP_FULL, down=DOWN_FULL, screen=True, capture=True, extra=""):
    return ("table inet hs {" + OBJECTS + extra + (SCREEN if screen else "") + (CAPTURE if capture else "")
            + f"  chain client_up {{ {up} accept; }}\n  chain client_down {{ {down} accept; }}\n"
            + "  chain forward { type filter hook forward priority -5;\n" + forward + "\n  }\n}\n")


def dispatch(up, down):
    """One verdict-map lookup per packet jumps to the client's own chain."""
    maps = (f"  map up_v {{ type ether_addr . ipv4_addr : verdict; elements = {{ {MAC} . 10.77.0.11 : jump client_up }} }}\n"
            "  map down_v { type ipv4_addr : verdict; elements = { 10.77.0.11 : jump client_down } }\n")
    forward = """    iifname "lan0" ether saddr . ip saddr vmap @up_v
    oifname "lan0" ip daddr vmap @down_v
    oifname "lan0" drop"""
    return table(forward, up, down, screen=False, extra=maps)


VARIANTS = {
    "no table": None,
    "conntrack alone (empty NAT chain)": "table inet hs {\n chain pre { type nat hook prerouting priority -100; }\n}\n",
    "the table as built": table(CURRENT_FORWARD),
    "without the screen chain": table(CURRENT_FORWARD, screen=False),
    "without conntrack (no NAT chain, no screen)": table(CURRENT_FORWARD, screen=False, capture=False),
    "per-client chains: counter only": table(CURRENT_FORWARD, up="counter name ether saddr map @up_counter;",
                                             down="counter name ip daddr map @down_counter;"),
    "iif/oif instead of iifname/oifname": table(CURRENT_FORWARD.replace('iifname "lan0"', 'iif "lan0"')
                                                .replace('oifname "lan0"', 'oif "lan0"')),
    "verdict-map dispatch, no accounting": dispatch("", ""),
    "verdict-map dispatch, counter only": dispatch("counter name ether saddr map @up_counter;",
                                                   "counter name ip daddr map @down_counter;"),
    "verdict-map dispatch, limit + quota + counter": dispatch(
        UP_FULL.replace("quota name ether saddr map @up_only_quota drop; ", ""),
        DOWN_FULL.replace("quota name ip daddr map @down_only_quota drop; ", "")),
}


def gbits(reverse):
    # Client on CPU 0, server on CPU 1: unpinned, the same setup wanders by ±15%.
    args = ["iperf3", "-c", "10.88.0.2", "-t", "4", "-O", "1", "-J", "-A", "0,1"] + (["-R"] if reverse else [])
    out = in_ns(GUEST, *args)
    return json.loads(out.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9


def load(ruleset):
    in_ns(GW, "nft", "delete", "table", "inet", "hs", check=False)
    if ruleset is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".nft") as f:
            f.write(ruleset)
            f.flush()
            in_ns(GW, "nft", "-f", f.name)


def main():
    try:
        lab()
        results = {name: [] for name in VARIANTS}
        for r in range(ROUNDS):
            for name, ruleset in VARIANTS.items():
                load(ruleset)
                results[name].append((gbits(False), gbits(True)))
            print(f"round {r + 1}/{ROUNDS} done", file=sys.stderr)
        base_up = statistics.median(u for u, _ in results["no table"])
        base_down = statistics.median(d for _, d in results["no table"])
        print(f"median of {ROUNDS} interleaved rounds of 4 s per direction, % of no table")
        for name, runs in results.items():
            up = statistics.median(u for u, _ in runs)
            down = statistics.median(d for _, d in runs)
            print(f"{name:48} upload {up:5.2f} Gbit/s ({up / base_up:4.0%})  "
                  f"download {down:5.2f} Gbit/s ({down / base_down:4.0%})")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
