"""stackql-deploy, unpatched, builds, tests and tears down a stack (clients/stacks/) with our
binary against the emulator: a plain INSERT, then a statecheck until the resource is there."""

import json
import pathlib
import subprocess
import sys

STACK = pathlib.Path(__file__).resolve().parent / "stacks" / "sagemaker_image"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:image/deploy-image-dev-img"


def deploy(command: str, bindir, workdir) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "stackql_deploy.cli", command, str(STACK), "dev",
         "--download-dir", str(bindir), "-e", "AWS_REGION=us-east-1", "--show-queries"],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"stackql-deploy {command} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def images(binary, workdir) -> list:
    out = subprocess.run(
        [str(binary), "exec", "-o", "json",
         "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'"],
        cwd=workdir, capture_output=True, text=True, check=True,
    ).stdout
    return [row["image_arn"] for row in json.loads(out)]


def test_build_test_teardown(binary, bindir, workdir):
    build = deploy("build", bindir, workdir)
    assert "build complete" in build.stdout + build.stderr
    assert ARN in images(binary, workdir)

    # A second build finds the resource (exists + statecheck) and creates nothing new.
    deploy("build", bindir, workdir)
    assert images(binary, workdir).count(ARN) == 1

    deploy("test", bindir, workdir)

    deploy("teardown", bindir, workdir)
    assert ARN not in images(binary, workdir)
