#!/usr/bin/env bash
# One command to a working hotspot on this machine: installs what is needed, builds, creates
# the namespace lab (guests on two networks ⇄ gateway ⇄ upstream "internet", and this machine
# on the gateway's management network) and runs hotspotd in the gateway namespace in the
# foreground, with its Hotspot Manager. Ctrl-C stops both and removes the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scripts/install-deps.sh
cargo build --release
bin=$repo/target/release/hotspotd
config=$repo/lab/hotspotd.toml
prefix=hslab

lab/lab.sh up "$prefix" 2 1 host
trap 'lab/lab.sh down "$prefix"' EXIT
codes=$("$bin" -c "$config" voucher create -n 3 --validity 1h --down 10M --up 2M --quota 500MB --note "lab demo")

# The Hotspot Manager is served by hotspotd itself ([manager] in lab/hotspotd.toml) on the
# management address 10.66.0.1, reached from this machine (never from a guest network), with
# its SQLite database beside the gateway's; a fresh one-time admin password each start.
manager_url=http://10.66.0.1:8443
admin_password=$("$bin" manager reset-admin --database sqlite:///var/lib/hotspotd-lab/manager.db \
    | sed -n 's/^New one-time password for admin: //p')

cat <<MSG

hotspotd lab is up. Guests: $prefix-g1 (10.77.0.11), $prefix-g2 (10.77.0.12) on lan0, and
$prefix-n1 (10.79.0.11) on the second guest network lan1 (portal 10.79.0.1:2050). Every host
name resolves to the upstream server 10.88.0.2, which plays the internet.

Fresh vouchers (1 h from first logon, 10/2 Mbit/s, 500 MB):
$codes

Act as a guest (in another terminal, as root):
  ip netns exec $prefix-g1 curl -i http://example.com/             # 302 to the splash page
  ip netns exec $prefix-g1 curl -s http://10.77.0.1:2050/ | grep -o 'name="token" value="[^"]*"' | head -1
  ip netns exec $prefix-g1 curl -i -d code=CODE -d token=TOKEN http://10.77.0.1:2050/login
                                                                   # TOKEN: the splash form's
  ip netns exec $prefix-g1 curl http://example.com/                # now the upstream page
  ip netns exec $prefix-g1 chromium --no-sandbox --user-data-dir=\$(mktemp -d) http://example.com/
      (a real browser as the guest; needs a display; add --headless --dump-dom without one)
Hotspot Manager: $manager_url (from this machine, e.g. a browser here, or
  ssh -L 8443:10.66.0.1:8443 to this machine and http://localhost:8443 from yours).
  Log in as admin with the one-time password $admin_password
  (it asks for a new one). Guests get nothing from it: try
  ip netns exec $prefix-g1 curl -m 3 $manager_url/login           # times out
  This gateway is a unit of it (synced over loopback): the hotspot under reseller "Local"
  shows its unit, guests and sessions, and a splash design published there reaches guests
  within a second or two (hotspotd -c $config sync status).
Operate:
  $bin -c $config clients
  $bin -c $config voucher create -n 5 --validity 3d
  $bin -c $config kick 02:77:00:00:00:0b

Running hotspotd (Ctrl-C to stop and remove the lab)...
MSG
ip netns exec "$prefix-gw" "$bin" -c "$config" run
