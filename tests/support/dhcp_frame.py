#!/usr/bin/env python3
"""Sends one DHCP frame on an interface through a raw socket (test helper).

usage: dhcp_frame.py IFACE request CLIENT_MAC HOSTNAME VENDOR
       dhcp_frame.py IFACE ack CLIENT_MAC LEASED_IP SERVER_IP
The frame's source MAC is the interface's own; an ack comes from SERVER_IP.
"""
import socket
import struct
import sys


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def own_mac(iface):
    with open(f"/sys/class/net/{iface}/address") as f:
        return mac_bytes(f.read().strip())


def frame(src, client, op, sport, dport, yiaddr, options, source_ip="0.0.0.0"):
    bootp = bytes([op, 1, 6, 0]) + b"\x39\x03\xf3\x26" + b"\x00" * 4 + b"\x00" * 4
    bootp += socket.inet_aton(yiaddr) + b"\x00" * 8 + client + b"\x00" * 10 + b"\x00" * 192
    bootp += bytes([99, 130, 83, 99]) + options + b"\xff"
    udp = struct.pack("!HHHH", sport, dport, 8 + len(bootp), 0) + bootp
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         socket.inet_aton(source_ip), socket.inet_aton("255.255.255.255"))
    # A valid header checksum: bridges with br_netfilter drop frames without one.
    total = sum(struct.unpack("!10H", header))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    header = header[:10] + struct.pack("!H", ~total & 0xFFFF) + header[12:]
    ip = header + udp
    return b"\xff" * 6 + src + b"\x08\x00" + ip


def main():
    iface, kind, client = sys.argv[1], sys.argv[2], mac_bytes(sys.argv[3])
    src = own_mac(iface)
    if kind == "request":
        host, vendor = sys.argv[4].encode(), sys.argv[5].encode()
        opts = bytes([53, 1, 3, 12, len(host)]) + host + bytes([60, len(vendor)]) + vendor
        data = frame(src, client, 1, 68, 67, "0.0.0.0", opts)
    else:
        data = frame(src, client, 2, 67, 68, sys.argv[4], bytes([53, 1, 5]), sys.argv[5])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(data)


if __name__ == "__main__":
    main()
