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

# The Hotspot Manager beside it, on this machine's loopback (the management side: never a
# guest network), with its own SQLite database; a fresh one-time admin password each start.
manager_db=sqlite:///var/lib/hotspotd-lab/manager.db
manager_url=http://127.0.0.1:8443
admin_password=$("$bin" manager reset-admin --database "$manager_db" 2>/dev/null | sed -n 's/^New one-time password for admin: //p')
"$bin" manager --listen 127.0.0.1:8443 --database "$manager_db" >/var/lib/hotspotd-lab/manager.log 2>&1 &
manager_pid=$!
trap 'kill "$manager_pid" 2>/dev/null; lab/lab.sh down "$prefix"' EXIT

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
Hotspot Manager: $manager_url (from this machine; log in as admin with the one-time password
  $admin_password — it asks for a new one). Its log: /var/lib/hotspotd-lab/manager.log.
  It is not yet connected to this gateway (that is the sync issue's work).
Operate:
  $bin -c $config clients
  $bin -c $config voucher create -n 5 --validity 3d
  $bin -c $config kick 02:77:00:00:00:0b

Running hotspotd (Ctrl-C to stop and remove the lab)...
MSG
ip netns exec "$prefix-gw" "$bin" -c "$config" run
