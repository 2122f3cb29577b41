#!/usr/bin/env bash
# The namespace lab: guests ⇄ gateway ⇄ upstream ("the internet"), all on this machine.
#
#   lab/lab.sh up   PREFIX [GUESTS] [NET2_GUESTS] [MANAGEMENT]
#                     create PREFIX-gw, PREFIX-up, PREFIX-g1..gN, PREFIX-n1..nM and the
#                     management side: MANAGEMENT=ns (default) a namespace PREFIX-mg, =host
#                     this machine itself (one lab at a time: fixed addresses)
#   lab/lab.sh down PREFIX            remove everything PREFIX made (safe to repeat)
#
# Guest gI: 10.77.0.(10+I)/24 and 2001:db8:77::(10+I)/64, MAC 02:77:00:00:00:(10+I), DNS and
# default routes via the gateway 10.77.0.1 / 2001:db8:77::1 (bridge lan0). A second guest
# network, bridge lan1 (10.79.0.1/24, 2001:db8:79::1/64), stands for a VLAN (this kernel may
# lack 802.1Q; to the daemon a VLAN interface is just another interface): guest nI there has
# 10.79.0.(10+I), 2001:db8:79::(10+I), MAC 02:79:00:00:00:(10+I).
# Gateway WAN wan0
# 10.88.0.1/24, 2001:db8:88::1/64; upstream eth0 10.88.0.2 (and 10.88.0.3), 2001:db8:88::2
# runs lab/upstream.py on ports 80 and 443 (both families). IPv6 is routed, not NATed. The gateway runs dnsmasq: DNS answering every
# name with the upstream address, and DHCP for anything else plugged into the lab.
# The management network (where the embedded Hotspot Manager listens, never a guest
# network): gateway mgmt0 10.66.0.1/24, fd00:66::1/64; the admin's side 10.66.0.2,
# fd00:66::2 (namespace PREFIX-mg, or this machine's interface PREFIX-mg with MANAGEMENT=host).
# hotspotd itself is not started here: the caller runs it in PREFIX-gw.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: lab.sh up|down PREFIX [GUESTS] [NET2_GUESTS] [ns|host]}
prefix=${2:?usage: lab.sh up|down PREFIX [GUESTS] [NET2_GUESTS] [ns|host]}
guests=${3:-1}
net2_guests=${4:-0}
management=${5:-ns}
run=/run/hotspotd-lab/$prefix

down() {
    if [ -d "$run" ]; then
        for pidfile in "$run"/*.pid; do
            [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
        done
    fi
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-(gw|up|mg|[gn][0-9]+)$" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns"
        rm -rf "/etc/netns/$ns"
    done
    rm -rf "$run"
}

# add_guest NS PORT BRIDGE NET I: guest namespace NS on the gateway's BRIDGE through veth PORT,
# with 10.NET.0.(10+I), 2001:db8:NET::(10+I) and MAC 02:NET:00:00:00:(10+I).
add_guest() {
    local g=$1 port=$2 bridge=$3 net=$4 host=$((10 + $5)) gw=$prefix-gw
    ip netns add "$g"
    ip -n "$g" link set lo up
    ip link add wlan0 netns "$g" type veth peer name "$port" netns "$gw"
    ip -n "$g" link set wlan0 address "02:$net:00:00:00:$(printf %02x "$host")"
    ip -n "$g" addr add "10.$net.0.$host/24" dev wlan0
    ip -n "$g" addr add "2001:db8:$net::$host/64" dev wlan0 nodad
    ip -n "$g" link set wlan0 up
    ip -n "$g" route add default via "10.$net.0.1"
    ip -n "$g" -6 route add default via "2001:db8:$net::1"
    ip -n "$gw" link set "$port" master "$bridge" up
    mkdir -p "/etc/netns/$g"
    echo "nameserver 10.$net.0.1" > "/etc/netns/$g/resolv.conf"
}

# add_management GW ns|host: the management link mgmt0 of GW and the admin's side of it.
add_management() {
    local gw=$1 side=$prefix-mg
    case $2 in
        ns)
            ip netns add "$side"
            ip -n "$side" link set lo up
            ip link add mgmt0 netns "$gw" type veth peer name eth0 netns "$side"
            side_cmd=(ip -n "$side") side_if=eth0 ;;
        host)
            ip link del "$side" 2>/dev/null || true
            ip link add mgmt0 netns "$gw" type veth peer name "$side"
            side_cmd=(ip) side_if=$side ;;
        *) echo "MANAGEMENT must be ns or host, not $2" >&2; exit 2 ;;
    esac
    ip -n "$gw" addr add 10.66.0.1/24 dev mgmt0
    ip -n "$gw" addr add fd00:66::1/64 dev mgmt0 nodad
    ip -n "$gw" link set mgmt0 up
    "${side_cmd[@]}" addr add 10.66.0.2/24 dev "$side_if"
    "${side_cmd[@]}" addr add fd00:66::2/64 dev "$side_if" nodad
    "${side_cmd[@]}" link set "$side_if" up
}

up() {
    down
    mkdir -p "$run"
    local gw=$prefix-gw upns=$prefix-up
    ip netns add "$gw"
    ip netns add "$upns"
    ip -n "$gw" link set lo up
    ip -n "$upns" link set lo up
    ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1
    # No duplicate-address detection on the gateway's and upstream's links: a link-local
    # address stays tentative for ~2 s after the link comes up, and routing waits that long.
    # (Guests keep theirs: tests watch their probes.)
    for ns in "$gw" "$upns"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    done

    ip -n "$gw" link add lan0 type bridge
    ip -n "$gw" addr add 10.77.0.1/24 dev lan0
    ip -n "$gw" addr add 2001:db8:77::1/64 dev lan0 nodad
    ip -n "$gw" link set lan0 up
    ip -n "$gw" link add lan1 type bridge
    ip -n "$gw" addr add 10.79.0.1/24 dev lan1
    ip -n "$gw" addr add 2001:db8:79::1/64 dev lan1 nodad
    ip -n "$gw" link set lan1 up

    ip link add wan0 netns "$gw" type veth peer name eth0 netns "$upns"
    ip -n "$gw" addr add 10.88.0.1/24 dev wan0
    ip -n "$gw" addr add 2001:db8:88::1/64 dev wan0 nodad
    ip -n "$gw" link set wan0 up
    ip -n "$upns" addr add 10.88.0.2/24 dev eth0
    # A second "internet" address, for walled-garden tests (DNS still points names at .2).
    ip -n "$upns" addr add 10.88.0.3/24 dev eth0
    ip -n "$upns" addr add 2001:db8:88::2/64 dev eth0 nodad
    ip -n "$upns" link set eth0 up
    ip -n "$upns" route add 10.77.0.0/24 via 10.88.0.1
    ip -n "$upns" route add 2001:db8:77::/64 via 2001:db8:88::1
    ip -n "$upns" route add 10.79.0.0/24 via 10.88.0.1
    ip -n "$upns" route add 2001:db8:79::/64 via 2001:db8:88::1

    add_management "$gw" "$management"

    for i in $(seq 1 "$guests"); do add_guest "$prefix-g$i" "port$i" lan0 77 "$i"; done
    for i in $(seq 1 "$net2_guests"); do add_guest "$prefix-n$i" "nport$i" lan1 79 "$i"; done

    ip netns exec "$gw" dnsmasq --conf-file=/dev/null --keep-in-foreground --no-resolv --no-hosts \
        --interface=lan0 --interface=lan1 --bind-interfaces --address=/pay.example.com/10.88.0.3 --address=/#/10.88.0.2 \
        --dhcp-range=10.77.0.100,10.77.0.200,1h --dhcp-leasefile="$run/leases" \
        --dhcp-option=114,http://10.77.0.1:2050/api/captive \
        --dhcp-range=set:net2,10.79.0.100,10.79.0.200,1h \
        --dhcp-option=tag:net2,114,http://10.79.0.1:2050/api/captive \
        --pid-file="$run/dnsmasq-own.pid" --user=root --log-facility=- >"$run/dnsmasq.log" 2>&1 &
    echo $! > "$run/dnsmasq.pid"
    ip netns exec "$upns" python3 "$here/upstream.py" 80 443 >"$run/upstream.log" 2>&1 &
    echo $! > "$run/upstream.pid"

    # Wait until both services answer, so callers can start testing at once.
    for _ in $(seq 1 100); do
        if ip netns exec "$upns" bash -c 'exec 3<>/dev/tcp/127.0.0.1/80' 2>/dev/null \
            && ip netns exec "$gw" bash -c 'exec 3<>/dev/tcp/10.77.0.1/53' 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "lab services did not start; see $run/*.log" >&2
    exit 1
}

case $cmd in
    up) up ;;
    down) down ;;
    *) echo "usage: lab.sh up|down PREFIX [GUESTS] [NET2_GUESTS] [ns|host]" >&2; exit 2 ;;
esac
