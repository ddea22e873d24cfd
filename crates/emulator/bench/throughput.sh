#!/usr/bin/env bash
# The emulator's own throughput with latency 0 (issue 3: it must not be the bottleneck of
# the engine's benchmarks; the aim is 5,000 small requests/second on 2 cores).
#
# Builds examples/throughput.rs in release, runs it RUNS times in each mode, and prints
# the median requests/second per mode with the machine it ran on. Modes:
#   plain   signatures not checked, state in memory
#   verify  every request SigV4-signed by the client and verified (the default setup)
#   state   verify + every change written to a SQLite state file before it is answered
# Clients run in the same process as the server, so the figures are lower bounds.
#
# Usage: crates/emulator/bench/throughput.sh [RUNS] [SECONDS] [CONNECTIONS]
#        (defaults 5 runs of 5 seconds over 32 keep-alive connections)
# Any unexpected answer from the emulator makes the script fail.
set -euo pipefail

RUNS="${1:-5}"
SECONDS_PER_RUN="${2:-5}"
CONNECTIONS="${3:-32}"
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"

cargo build --quiet --release -p stackql-emulator --example throughput
BIN="$CARGO_TARGET_DIR/release/examples/throughput"

cpu_model="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine:  $(nproc) cores, ${cpu_model:-unknown CPU}, $(uname -sr)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the runs)"
echo "rustc:    $(rustc --version)"
echo "settings: $RUNS runs x ${SECONDS_PER_RUN}s, $CONNECTIONS connections, mix 1/4 CreateResource (immediate completion), 1/2 GetResource, 1/4 ListResources"

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for mode in plain verify state; do
    case "$mode" in
        plain) flags=() ;;
        verify) flags=(verify) ;;
        state) flags=(verify state) ;;
    esac
    rates=()
    for _ in $(seq "$RUNS"); do
        line="$("$BIN" "$SECONDS_PER_RUN" "$CONNECTIONS" "${flags[@]}")"
        rate="$(sed -n 's/.*: \([0-9]*\) requests\/second.*/\1/p' <<<"$line")"
        unexpected="$(sed -n 's/.*(\([0-9]*\) unexpected answers).*/\1/p' <<<"$line")"
        if [[ -z "$rate" || "$unexpected" != "0" ]]; then
            echo "run failed or got unexpected answers: $line" >&2
            exit 1
        fi
        rates+=("$rate")
    done
    printf '%-7s median %6s requests/second (runs: %s)\n' \
        "$mode" "$(printf '%s\n' "${rates[@]}" | median)" "${rates[*]}"
done
