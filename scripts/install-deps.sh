#!/usr/bin/env bash
# Installs the Debian packages hotspotd, its lab and its tests need (idempotent, quick when
# everything is already there). Needs root. The Rust toolchain (cargo) must already exist.
set -euo pipefail

packages=(nftables conntrack iproute2 iputils-ping dnsmasq-base curl python3 procps iperf3
          chromium chromium-driver wrk postgresql
          kannel python3-aiosmtpd tzdata)
# tzdata: the manager counts "today" in each hotspot's time zone from /usr/share/zoneinfo.
# kannel: the generic HTTP SMS gateway the SMS tests send through (bearerbox + smsbox).
# python3-aiosmtpd: the SMTP server the email tests deliver to, run with /usr/bin/python3
# (a python3 earlier on PATH, e.g. pyenv's, does not see Debian's modules).

if [ "$(id -u)" != 0 ]; then
    echo "run as root: network namespaces, nftables and apt-get need it" >&2
    exit 1
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (https://rustup.rs)" >&2; exit 1; }
# The OpenID Connect provider the social-login tests run (tests/peers/op.mjs): the npm
# package oidc-provider at the version the lockfile pins. Node.js comes from Debian when it is
# missing (the package asks for Node 22 LTS and runs on 20 with a warning).
command -v node >/dev/null || apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
(cd "$(dirname "$0")/../tests/peers" && npm ci --no-audit --no-fund --silent)
