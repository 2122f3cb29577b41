#!/usr/bin/env bash
# Kernel cost of per-client shaping state, for the design of HTB shaping (README, "Rate limit
# precision"): N HTB classes with TBF leaves on one veth, sent by one `tc -batch` (one process,
# the rtnetlink messages an in-process implementation would write), then the same with classes
# alone, then one more client on top. Run as root: `bash bench/shaping_cost.sh [N]`.
set -euo pipefail
NS=hsratc$$
N=${1:-10000}
WORK=$(mktemp -d)
ip netns add "$NS"
trap 'ip netns del "$NS"; rm -rf "$WORK"' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link add a0 type veth peer name b0
root() { in_ns tc qdisc replace dev a0 root handle 1: htb r2q 1000; }
timed() { # label, batch file
    local s e
    s=$(date +%s%N); in_ns tc -batch "$2"; e=$(date +%s%N)
    echo "$1: $(( (e - s) / 1000000 )) ms"
}
for i in $(seq 2 $((N + 1))); do
    m=$(printf %x "$i")
    echo "class add dev a0 parent 1: classid 1:$m htb rate 8mbit ceil 8mbit burst 65536 cburst 65536 quantum 65536"
    echo "qdisc add dev a0 parent 1:$m handle $m: tbf rate 8mbit burst 10000 limit 196608"
done > "$WORK/all.tc"
grep '^class' "$WORK/all.tc" > "$WORK/classes.tc"
printf '%s\n' "class add dev a0 parent 1: classid 1:ffff htb rate 8mbit ceil 8mbit burst 65536 cburst 65536 quantum 65536" \
    "qdisc add dev a0 parent 1:ffff handle ffff: tbf rate 8mbit burst 10000 limit 196608" > "$WORK/one.tc"
: > "$WORK/none.tc"
root
timed "$N classes with TBF leaves" "$WORK/all.tc"
timed "one more client (class + leaf, with tc's start)" "$WORK/one.tc"
timed "tc's start alone" "$WORK/none.tc"
in_ns tc qdisc del dev a0 root
root
timed "$N classes, default pfifo leaves" "$WORK/classes.tc"
# Changing a class that exists (a pool made in advance) skips the kernel's reverse-binding walk
# over every class of the qdisc that each new class costs.
sed -e 's/^class add/class change/' -e 's/8mbit/4mbit/g' "$WORK/classes.tc" > "$WORK/change.tc"
timed "$N changes of existing classes' rates" "$WORK/change.tc"
