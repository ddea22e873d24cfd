#!/usr/bin/env bash
# Every check CI runs: formatting, lints, and the whole test suite (unit, integration
# against the local emulator, SigV4 test vectors), then the README's demo as a smoke test.
# Needs ../shared beside the checkout (the registry snapshots the tests read).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== fuzzing: templates, splitter, SQL front end, registry loader (time-boxed)"
scripts/fuzz.sh
echo "== StackQL's clients (pystackql, stackql-deploy) against our binary and emulator"
scripts/clients.sh
echo "== demo (README main job)"
scripts/demo.sh
