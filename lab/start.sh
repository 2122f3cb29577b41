#!/usr/bin/env bash
# One command to a working hotspot on this machine: installs what is needed, builds, creates
# the namespace lab (guests on two networks ⇄ gateway ⇄ upstream "internet") and runs hotspotd in the
# gateway namespace in the foreground. Ctrl-C stops it and removes the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scripts/install-deps.sh
cargo build --release
bin=$repo/target/release/hotspotd
config=$repo/lab/hotspotd.toml
prefix=hslab

lab/lab.sh up "$prefix" 2 1
trap 'lab/lab.sh down "$prefix"' EXIT
codes=$("$bin" -c "$config" voucher create -n 3 --validity 1h --down 10M --up 2M --quota 500MB --note "lab demo")

cat <<MSG

hotspotd lab is up. Guests: $prefix-g1 (10.77.0.11), $prefix-g2 (10.77.0.12) on lan0, and
$prefix-n1 (10.79.0.11) on the second guest network lan1 (portal 10.79.0.1:2050). Every host
name resolves to the upstream server 10.88.0.2, which plays the internet.

Fresh vouchers (1 h from first logon, 10/2 Mbit/s, 500 MB):
$codes

Act as a guest (in another terminal, as root):
  ip netns exec $prefix-g1 curl -i http://example.com/             # 302 to the splash page
  ip netns exec $prefix-g1 curl -s http://10.77.0.1:2050/ | grep -o 'name="token" value="[^"]*"'
  ip netns exec $prefix-g1 curl -i -d code=CODE -d token=TOKEN http://10.77.0.1:2050/login
                                                                   # TOKEN: the splash form's
  ip netns exec $prefix-g1 curl http://example.com/                # now the upstream page
  ip netns exec $prefix-g1 chromium --no-sandbox --user-data-dir=\$(mktemp -d) http://example.com/
      (a real browser as the guest; needs a display; add --headless --dump-dom without one)
Operate:
  $bin -c $config clients
  $bin -c $config voucher create -n 5 --validity 3d
  $bin -c $config kick 02:77:00:00:00:0b

Running hotspotd (Ctrl-C to stop and remove the lab)...
MSG
ip netns exec "$prefix-gw" "$bin" -c "$config" run
