#!/usr/bin/env bash
# Fuzzes the template renderer for a time budget (default 60 s; STACKQL_FUZZ_SECS to change,
# STACKQL_FUZZ_SEED to replay a failure): arbitrary templates and values must render or fail
# with an error, never panic. A failure prints the seed and the shrunk input.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"
export STACKQL_FUZZ_SECS="${STACKQL_FUZZ_SECS:-60}"
exec cargo test -p stackql-template --test fuzz --locked -- --nocapture renderer_never_panics
