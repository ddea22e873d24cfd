#!/usr/bin/env bash
# Fuzzes, each for a time budget (default 60 s per target; STACKQL_FUZZ_SECS to change,
# STACKQL_FUZZ_SEED to replay a failure): the template renderer, the statement splitter, the
# SQL front end and the registry loader. Arbitrary input must give a result or an error,
# never a panic. A failure prints the seed and the shrunk input; each one found becomes a
# named regression test. Seeds come from ../shared (the reference page, snapshot documents).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"
export STACKQL_FUZZ_SECS="${STACKQL_FUZZ_SECS:-60}"
cargo test -p stackql-template --test fuzz --locked -- --nocapture renderer_never_panics
cargo test -p stackql --test fuzz --locked -- --nocapture --test-threads=1
