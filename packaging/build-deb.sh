#!/usr/bin/env bash
# Builds the Debian package: target/debian/hotspotd_<version>_<arch>.deb.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install --locked cargo-deb
cargo build --release
cargo deb --no-build
ls -l target/debian/*.deb
