#!/usr/bin/env bash
# The README's main job, on a machine with no AWS account: start the local Cloud Control
# emulator, then run the reference page's SELECT, INSERT (awaited), SELECT and DELETE
# (awaited) against it with the real binary, signed with the emulator's test keys.
#
# The registry is the May-2024 `aws` snapshot in ../shared/registry as it ships (its own
# sagemaker.yaml), read in place: nothing is written next to it (caches go to the app root).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$(pwd)
shared=${STACKQL_SHARED:-$root_dir/../shared}
[ -d "$shared/registry/src/aws" ] || { echo "demo: $shared/registry is missing (the registry snapshots live in ../shared)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stackql-target}"
cargo build --quiet --bin stackql ${DEMO_CARGO_FLAGS:-}
bin="$CARGO_TARGET_DIR/${DEMO_PROFILE:-debug}/stackql"

work=$(mktemp -d)
emu_pid=""
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

registry="$(cd "$shared/registry" && pwd)"

# --credentials: the demo's requests have their signatures verified in full.
"$bin" emulator --registry "$registry" --port 0 \
  --credentials 'AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' > "$work/emulator.out" 2>&1 &
emu_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/emulator.out" | head -1)
[ -n "$url" ] || { echo "demo: the emulator did not start:" >&2; cat "$work/emulator.out" >&2; exit 1; }

export AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
sq() { "$bin" --registry "$registry" --approot "$work/approot" "$@"; }

cat > "$work/insert.iql" <<'IQL'
<<<json
{
 "ImageName": "{{ ImageName }}",
 "ImageRoleArn": "{{ ImageRoleArn }}"
}
>>>
--required properties only
INSERT /*+ AWAIT */ INTO aws.sagemaker.images (
 ImageName,
 ImageRoleArn,
 region
)
SELECT 
{{ ImageName }},
 {{ ImageRoleArn }},
'us-east-1';
IQL

echo "# emulator at $url"
echo "# INSERT (awaited)"
sq exec -i "$work/insert.iql" --var ImageName=demo-image --var ImageRoleArn=arn:aws:iam::123456789012:role/demo
echo "# SELECT"
sq exec "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';"
arn=arn:aws:sagemaker:us-east-1:123456789012:image/demo-image
echo "# DELETE (awaited)"
sq exec "DELETE /*+ AWAIT */ FROM aws.sagemaker.images WHERE data__Identifier = '$arn' AND region = 'us-east-1';"
echo "# SELECT after DELETE"
out=$(sq exec -o json "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';")
echo "$out"
[ "$out" = "[]" ] || { echo "demo: the image is still listed after DELETE" >&2; exit 1; }
echo "# demo OK"
