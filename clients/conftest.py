"""Fixtures for driving StackQL's own Python clients (pystackql, stackql-deploy), unpatched,
against our binary and our Cloud Control emulator on loopback.

The binary comes from STACKQL_BIN (scripts/clients.sh builds it). The registry is the May-2024
`aws` snapshot in ../shared/registry, linked (never copied) into each app root's `src/`, which
is where StackQL keeps pulled providers: the clients find `aws` as if it had been pulled.
"""

import os
import pathlib
import re
import socket
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("STACKQL_SHARED", REPO.parent / "shared")).resolve()
REGISTRY = SHARED / "registry"

# The emulator's full-verification key pair (AWS's documentation example): the clients sign
# with it and the emulator checks every signature.
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"


def stackql_bin() -> pathlib.Path:
    path = os.environ.get("STACKQL_BIN")
    if not path:
        raise RuntimeError("STACKQL_BIN is not set: run the client tests through scripts/clients.sh")
    path = pathlib.Path(path).resolve()
    if not path.is_file():
        raise RuntimeError(f"STACKQL_BIN={path} is not a file")
    return path


@pytest.fixture(scope="session")
def binary() -> pathlib.Path:
    if not (REGISTRY / "src" / "aws").is_dir():
        raise RuntimeError(f"{REGISTRY} lacks src/aws: the registry snapshots live in ../shared")
    return stackql_bin()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_line(proc: subprocess.Popen, pattern: str, timeout: float = 30.0) -> str:
    """Reads the process's output until a line matches; fails with what it printed."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if re.search(pattern, line):
            return line
    proc.kill()
    raise RuntimeError(f"no line matching {pattern!r}; the process printed:\n{''.join(seen)}")


@pytest.fixture(scope="session")
def emulator(binary, tmp_path_factory):
    """Our Cloud Control emulator on a free loopback port; yields its URL."""
    state = tmp_path_factory.mktemp("emulator")
    proc = subprocess.Popen(
        [str(binary), "emulator", "--registry", str(REGISTRY), "--approot", str(state / "approot"),
         "--port", "0", "--credentials", f"{ACCESS_KEY}:{SECRET_KEY}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    line = wait_for_line(proc, r"listening on")
    url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def link_registry(approot: pathlib.Path) -> pathlib.Path:
    """An app root whose src/aws is the shared snapshot, as after `REGISTRY PULL aws`."""
    (approot / "src").mkdir(parents=True, exist_ok=True)
    link = approot / "src" / "aws"
    if not link.exists():
        link.symlink_to(REGISTRY / "src" / "aws", target_is_directory=True)
    return approot


@pytest.fixture
def aws_env(emulator, monkeypatch):
    """The environment a user of the clients would set: credentials and the endpoint."""
    env = {
        "AWS_ENDPOINT_URL": emulator,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env


@pytest.fixture
def workdir(tmp_path, monkeypatch, aws_env):
    """A fresh working directory whose default app root (.stackql) has the aws provider."""
    link_registry(tmp_path / ".stackql")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def bindir(binary, tmp_path_factory) -> pathlib.Path:
    """A directory holding the binary as `stackql`: the clients' `download_dir`."""
    d = tmp_path_factory.mktemp("bin")
    (d / "stackql").symlink_to(binary)
    return d


@pytest.fixture
def server(binary, workdir):
    """`stackql srv` on a free loopback port, in the working directory; yields the port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "srv", "--pgsrv.address", "127.0.0.1", "--pgsrv.port", str(port),
         "--approot", str(workdir / ".stackql")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"stackql srv exited: {proc.stdout.read()}")
            time.sleep(0.1)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
