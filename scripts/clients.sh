#!/usr/bin/env bash
# StackQL's own Python clients, unpatched, against our binary and emulator: pystackql (local
# and server mode) and stackql-deploy (build, test, teardown). Needs pytest, pystackql,
# stackql-deploy and pandas (.ci/run installs them) and ../shared beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"
cargo build --quiet --bin stackql
export STACKQL_BIN="$CARGO_TARGET_DIR/debug/stackql"
exec python3 -m pytest -q -p no:cacheprovider clients "$@"
