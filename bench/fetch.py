#!/usr/bin/env python3
"""Fetching benchmarks of issue 4, against the local Cloud Control emulator with injected
latency. Prints every figure (medians of several runs) and the machine; see BENCHMARKS.md.

Usage: bench/fetch.py [--runs N] [--skip-awscli]
Needs ../shared beside the checkout and builds the release binary first.
"""
import argparse, json, os, platform, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("STACKQL_SHARED", os.path.join(ROOT, "..", "shared"))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/stackql-target"))
BIN = os.path.join(TARGET, "release", "stackql")
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGIONS16 = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-north-1",
             "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-south-1", "af-south-1",
             "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1"]
ROLE = "arn:aws:iam::123456789012:role/bench"


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def compose_registry(work):
    src = os.path.join(SHARED, "registry", "src", "aws", "v00.00.00000")
    dst = os.path.join(work, "registry", "src", "aws", "v00.00.00000")
    os.makedirs(os.path.join(dst, "services"))
    os.symlink(os.path.abspath(os.path.join(src, "provider.yaml")), os.path.join(dst, "provider.yaml"))
    for f in os.listdir(os.path.join(src, "services")):
        os.symlink(os.path.abspath(os.path.join(src, "services", f)), os.path.join(dst, "services", f))
    return os.path.join(work, "registry")


class Emulator:
    def __init__(self, registry, work, seed, *flags):
        seed_path = os.path.join(work, f"seed-{len(seed)}.json")
        with open(seed_path, "w") as f:
            json.dump({"resources": seed}, f)
        self.out = open(os.path.join(work, "emulator.log"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "emulator", "--registry", registry, "--port", "0", "--seed", seed_path, *flags],
            stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            self.out.seek(0)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", self.out.read())
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.out.seek(0)
        raise SystemExit("emulator did not start:\n" + self.out.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def images(regions, per_region):
    return [{"TypeName": "AWS::SageMaker::Image", "Region": r,
             "Properties": {"ImageName": f"img-{i:06d}", "ImageRoleArn": ROLE}}
            for r in regions for i in range(per_region)]


def run_stackql(registry, url, sql, *flags, stdout=subprocess.DEVNULL, measure_rss=False):
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
    env.pop("AWS_SESSION_TOKEN", None)
    # GNU time reports the peak resident set of exactly this process.
    prefix = ["/usr/bin/time", "-f", "maxrss_kb=%M"] if measure_rss else []
    start = time.perf_counter()
    p = subprocess.run([*prefix, BIN, "--registry", registry, "exec", "--quiet", *flags, sql],
                       env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"stackql failed ({p.returncode}): {p.stderr}")
    return elapsed, p


def median_of(runs, fn):
    times = [fn() for _ in range(runs)]
    return statistics.median(times), times


def fmt(ts):
    return ", ".join(f"{t * 1000:.0f}" for t in ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-awscli", action="store_true")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "stackql"], cwd=ROOT, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    print(f"# stackql fetching benchmarks, {time.strftime('%Y-%m-%d')}")
    print(f"machine: {machine()}; runs per figure: {args.runs} (median reported, all runs in ms)")
    work = tempfile.mkdtemp(prefix="stackql-bench-")
    try:
        reg = compose_registry(work)
        region_list = ", ".join(f"'{r}'" for r in REGIONS16)
        fanout_sql = f"SELECT region, image_arn FROM aws.sagemaker.images WHERE region IN ({region_list})"

        # 1. Fan-out: 16 regions x 3 pages, 100 ms per call.
        emu = Emulator(reg, work, images(REGIONS16, 6), "--latency-ms", "100", "--page-size", "2")
        try:
            def fan():
                t, p = run_stackql(reg, emu.url, fanout_sql, "-o", "json", stdout=subprocess.PIPE)
                assert len(json.loads(p.stdout)) == 96, "fan-out returned the wrong rows"
                return t
            med, ts = median_of(args.runs, fan)
            print(f"fan-out 16 regions x 3 pages @100 ms: median {med * 1000:.0f} ms = {med / 0.3:.2f} x the 300 ms floor (target <= 1.25) [{fmt(ts)}]")
            if not args.skip_awscli:
                aws = shutil.which("aws")
                if aws is None:
                    print("aws CLI comparison: SKIPPED, the AWS CLI is not installed (pip install awscli)")
                else:
                    def cli_loop():
                        env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                                   AWS_PAGER="", AWS_CONFIG_FILE="/dev/null")
                        start = time.perf_counter()
                        count = 0
                        for r in REGIONS16:
                            p = subprocess.run([aws, "cloudcontrol", "list-resources", "--type-name",
                                                "AWS::SageMaker::Image", "--region", r, "--endpoint-url",
                                                emu.url, "--output", "json"], env=env,
                                               capture_output=True, text=True, check=True)
                            count += len(json.loads(p.stdout)["ResourceDescriptions"])
                        assert count == 96, f"aws cli listed {count}"
                        return time.perf_counter() - start
                    cmed, cts = median_of(max(1, args.runs // 2), cli_loop)
                    print(f"aws CLI shell loop, same 16 regions: median {cmed * 1000:.0f} ms; stackql is {cmed / med:.1f}x faster [{fmt(cts)}]")
        finally:
            emu.stop()

        # 2. List-then-detail: 200 images, 50 ms per call, concurrency 16.
        emu = Emulator(reg, work, images(["us-east-1"], 200), "--latency-ms", "50", "--page-size", "20")
        try:
            list_sql = "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'"
            lmed, lts = median_of(args.runs, lambda: run_stackql(reg, emu.url, list_sql)[0])
            join_sql = ("SELECT d.image_name, d.image_role_arn FROM aws.sagemaker.images l "
                        "JOIN aws.sagemaker.image d ON d.data__Identifier = l.image_arn AND d.region = l.region "
                        "WHERE l.region = 'us-east-1'")
            def join():
                t, p = run_stackql(reg, emu.url, join_sql, "-o", "json", stdout=subprocess.PIPE)
                assert len(json.loads(p.stdout)) == 200
                return t
            jmed, jts = median_of(args.runs, join)
            bound = lmed + 13 * 0.05
            print(f"list 200 images (10 pages @50 ms): median {lmed * 1000:.0f} ms [{fmt(lts)}]")
            print(f"list-then-detail join, 200 GetResource @50 ms, concurrency 16: median {jmed * 1000:.0f} ms = {jmed / bound:.2f} x (list + 13 x 50 ms) (target <= 1.3) [{fmt(jts)}]")
        finally:
            emu.stop()

        # 3. Volume: 100,000 resources in 1,000 pages, no latency.
        emu = Emulator(reg, work, images(["us-east-1"], 100_000), "--page-size", "100")
        try:
            vol_sql = "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'"
            rss = []
            def volume():
                t, p = run_stackql(reg, emu.url, vol_sql, "-o", "jsonl", measure_rss=True)
                rss.append(int(re.search(r"maxrss_kb=(\d+)", p.stderr).group(1)))
                return t
            vmed, vts = median_of(args.runs, volume)
            print(f"volume 100,000 rows / 1,000 pages: median {vmed * 1000:.0f} ms = {100_000 / vmed:,.0f} rows/s (target >= 100,000) [{fmt(vts)}]")
            print(f"volume peak RSS of stackql: median {statistics.median(rss) / 1024:.0f} MB, max {max(rss) / 1024:.0f} MB (target < 200 MB)")
        finally:
            emu.stop()

        # 4. Throttling storm: 30 % of calls throttled.
        emu = Emulator(reg, work, images(REGIONS16, 6), "--page-size", "2", "--throttle-rate", "0.3")
        try:
            retries = []
            def storm():
                t, p = run_stackql(reg, emu.url, fanout_sql, "-o", "json", "--http.retry.maxAttempts", "10",
                                   stdout=subprocess.PIPE)
                rows = json.loads(p.stdout)
                assert len(rows) == 96 and len({r["image_arn"] for r in rows}) == 96, "incomplete under throttling"
                m = re.search(r"(\d+) request\(s\) retried", p.stderr)
                retries.append(int(m.group(1)) if m else 0)
                return t
            smed, sts = median_of(args.runs, storm)
            print(f"throttling storm (30 %), 16 regions x 3 pages: complete and correct every run; median {smed * 1000:.0f} ms; retries per run {retries} [{fmt(sts)}]")
        finally:
            emu.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
