#!/usr/bin/env bash
# Start-up benchmark (issue 4, item 8; issue 10): how long a process takes to list the
# services of the full `aws` snapshot and to plan a query against ec2_api.yaml (4 MB of YAML),
# cold (no registry cache) and warm (cache in <approot>/cache), end to end as a process; and,
# on the current registry (../shared/registry-current), SHOW RESOURCES and an EXPLAIN SELECT
# against its sagemaker.yaml (2.5 MB).
#
# Usage: scripts/bench-startup.sh [--runs N] [--baseline /path/to/older/stackql]
#   --baseline also times another binary (e.g. one built before the cache) the same way.
# Needs ../shared/registry beside the checkout; uses hyperfine when installed
# (apt-get install -y hyperfine), else a loop timed with date +%s%N.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
runs=20
baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

registry="$(cd "$here/../shared/registry" && pwd)"
current="$(cd "$here/../shared/registry-current" && pwd)"
[ -f "$current/src/aws/v00.00.00000/services/sagemaker.yaml" ] || {
    echo "the current aws registry is missing under $current" >&2
    exit 2
}
[ -f "$registry/src/aws/v00.00.00000/services/ec2_api.yaml" ] || {
    echo "the aws snapshot is missing under $registry" >&2
    exit 2
}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/stackql-target}"
(cd "$here" && cargo build --release -p stackql --quiet)
# A private copy: other builds sharing the target directory must not swap it mid-run.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$CARGO_TARGET_DIR/release/stackql" "$work/stackql"
approot="$work/app"
mkdir -p "$approot"

# Listing services: SHOW SERVICES where the binary has it; otherwise an unknown service,
# whose "did you mean" needs the whole service list of provider.yaml.
list_sql_for() {
    if "$1" exec --approot "$approot" --registry "$registry" "SHOW SERVICES IN aws" >/dev/null 2>&1; then
        echo "SHOW SERVICES IN aws"
    else
        echo "SELECT * FROM aws.no_such_service.x"
    fi
}
# Planning against ec2_api: EXPLAIN sends nothing. Exit code 1 is accepted: a plan that
# fails after resolving the resource (e.g. a missing parameter) has still loaded it.
plan_sql="EXPLAIN SELECT * FROM aws.ec2_api.vpcs WHERE region = 'us-east-1'"
# The current registry's sagemaker (native, 2.5 MB): its resource list and a plan.
sagemaker_show_sql="SHOW RESOURCES IN aws.sagemaker"
sagemaker_plan_sql="EXPLAIN SELECT * FROM aws.sagemaker.images WHERE region = 'us-east-1'"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo "plan:    $plan_sql"
echo "plan output (first line): $("$work/stackql" exec --approot "$approot" --registry "$registry" "$plan_sql" 2>&1 | head -1)"
echo "sagemaker: $sagemaker_plan_sql (registry-current)"
echo "sagemaker plan output (first line): $("$work/stackql" exec --approot "$approot" --registry "$current" "$sagemaker_plan_sql" 2>&1 | head -1)"
echo

# median_ms <command...>: runs the command $runs times (after a warm-up) and prints the
# median wall time in milliseconds. $prepare runs before each timed run.
median_ms() {
    local times=() i s e
    bash -c "$prepare"
    "$@" >/dev/null 2>&1 || true
    for ((i = 0; i < runs; i++)); do
        bash -c "$prepare"
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s%N)
        times+=($(((e - s) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'
}

time_one() { # label prepare bin sql [registry]
    local label="$1" bin="$3" sql="$4" reg="${5:-$registry}" ms
    prepare="$2"
    if command -v hyperfine >/dev/null; then
        ms=$(hyperfine -N -i --warmup 2 --runs "$runs" --prepare "$prepare" \
            --export-json "$work/h.json" \
            "$bin exec --approot $approot --registry $reg \"$sql\"" >/dev/null 2>&1 &&
            python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/h.json")
    else
        ms=$(median_ms "$bin" exec --approot "$approot" --registry "$reg" "$sql")
    fi
    printf '%-44s %8s ms\n' "$label" "$ms"
}

cold="rm -rf $approot/cache"
warm="true"
for who in stackql ${baseline:+baseline}; do
    bin="$work/stackql"
    [ "$who" = baseline ] && { cp "$baseline" "$work/baseline"; bin="$work/baseline"; }
    rm -rf "$approot/cache"
    list_sql="$(list_sql_for "$bin")"
    echo "$who lists services with: $list_sql"
    time_one "$who: list services, cold" "$cold" "$bin" "$list_sql"
    time_one "$who: plan on ec2_api, cold" "$cold" "$bin" "$plan_sql"
    # Warm: the first run writes the cache, the timed ones read it.
    "$bin" exec --approot "$approot" --registry "$registry" "$plan_sql" >/dev/null 2>&1 || true
    time_one "$who: list services, warm" "$warm" "$bin" "$list_sql"
    time_one "$who: plan on ec2_api, warm" "$warm" "$bin" "$plan_sql"
    time_one "$who: process floor (--help)" "$warm" "$bin" "--help"
    [ "$who" = baseline ] && continue
    rm -rf "$approot/cache"
    time_one "$who: sagemaker SHOW RESOURCES, cold" "$cold" "$bin" "$sagemaker_show_sql" "$current"
    time_one "$who: sagemaker EXPLAIN SELECT, cold" "$cold" "$bin" "$sagemaker_plan_sql" "$current"
    "$bin" exec --approot "$approot" --registry "$current" "$sagemaker_plan_sql" >/dev/null 2>&1 || true
    time_one "$who: sagemaker SHOW RESOURCES, warm" "$warm" "$bin" "$sagemaker_show_sql" "$current"
    time_one "$who: sagemaker EXPLAIN SELECT, warm" "$warm" "$bin" "$sagemaker_plan_sql" "$current"
done
echo
echo "median of $runs runs each; targets: warm under 30 ms, ec2_api cold under 1 s"
