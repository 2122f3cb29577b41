#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit tests and the end-to-end tests in network
# namespaces (real daemon, real nftables, real traffic, headless Chromium). Needs root; the
# end-to-end tests fail (never skip) without it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# A one-shot build gains nothing from incremental state; it only costs disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
