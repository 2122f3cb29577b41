#!/usr/bin/env bash
# Fuzzes the packet parsers with cargo-fuzz (libFuzzer): every target for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS]
# The stable toolchain is enough: RUSTC_BOOTSTRAP lets it take the instrumentation flags, and
# the parsers are safe Rust, so no sanitizer is needed (a panic or hang is what we look for).
# Crashes land in fuzz/artifacts/TARGET/; the corpus grows in fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in frame dns_message; do
    if ! RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$target" -- \
        -max_total_time="$seconds" -timeout=5 >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    echo "$target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log")"
done
