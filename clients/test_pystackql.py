"""pystackql, unpatched, in local mode (it runs our binary) and in server mode (psycopg over
`stackql srv`), against the emulator: the calls a pystackql user makes, and what they get back."""

import http.server
import json
import threading
import time
import uuid

import pandas as pd
import pytest
from pystackql import StackQL

ROLE = "arn:aws:iam::123456789012:role/pystackql"


def image_name() -> str:
    return "pyimg-" + uuid.uuid4().hex[:10]


def insert(name: str, await_: bool) -> str:
    hint = "/*+ AWAIT */ " if await_ else ""
    return (f"INSERT {hint}INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) "
            f"SELECT '{name}', '{ROLE}', 'us-east-1'")


def listed(stackql, name):
    rows = stackql.execute(
        "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    assert isinstance(rows, list), rows
    assert all("error" not in r for r in rows), rows
    return [r["image_arn"] for r in rows if r["image_arn"].endswith("/" + name)]


def arn(name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:123456789012:image/{name}"


@pytest.fixture
def local(bindir, workdir):
    return StackQL(download_dir=str(bindir))


def test_version_is_read_from_the_binary(local):
    assert local.version.startswith("v"), local.version
    assert local.sha and all(c in "0123456789abcdef" for c in local.sha.lower()), local.sha


def test_show_providers_and_a_plain_select(local):
    providers = local.execute("SHOW PROVIDERS")
    assert [p["name"] for p in providers] == ["aws"], providers
    # Typed JSON (a number stays a number) is one of our deliberate differences.
    assert local.execute("SELECT 1 AS one, 'x' AS s") == [{"one": 1, "s": "x"}]


def test_insert_select_delete_with_and_without_await(local):
    name = image_name()
    done = local.executeStmt(insert(name, await_=True))
    assert done == {"message": "The operation completed successfully"}, done
    assert listed(local, name) == [arn(name)]

    gone = local.executeStmt(
        f"DELETE /*+ AWAIT */ FROM aws.sagemaker.images "
        f"WHERE data__Identifier = '{arn(name)}' AND region = 'us-east-1'")
    assert gone == {"message": "The operation completed successfully"}, gone
    assert listed(local, name) == []

    # Without AWAIT nobody polls: the emulator completes the request after its delay anyway.
    other = image_name()
    sent = local.executeStmt(insert(other, await_=False))
    assert sent == {"message": "The operation was despatched successfully"}, sent
    assert eventually(lambda: listed(local, other) == [arn(other)])
    deleted = local.executeStmt(
        f"DELETE FROM aws.sagemaker.images "
        f"WHERE data__Identifier = '{arn(other)}' AND region = 'us-east-1'")
    assert deleted == {"message": "The operation was despatched successfully"}, deleted
    assert eventually(lambda: listed(local, other) == [])


def eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_describe_lists_the_columns(local):
    rows = local.execute("DESCRIBE aws.sagemaker.images")
    names = {r["name"] for r in rows}
    assert {"image_arn", "region"} <= names, names


def test_pandas_and_csv_output(bindir, workdir):
    name = image_name()
    StackQL(download_dir=str(bindir)).executeStmt(insert(name, await_=True))
    frame = StackQL(download_dir=str(bindir), output="pandas").execute(
        "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["region", "image_arn"]
    assert arn(name) in set(frame["image_arn"])

    text = StackQL(download_dir=str(bindir), output="csv", header=True).execute(
        "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    lines = text.strip().splitlines()
    assert lines[0] == "region,image_arn", lines
    assert f"us-east-1,{arn(name)}" in lines


def test_server_mode_select_insert_delete(server):
    srv = StackQL(server_mode=True, server_port=server)
    assert srv.execute("SELECT 1 AS one") == [{"one": 1}]
    name = image_name()
    srv.executeStmt(insert(name, await_=True))
    rows = srv.execute(
        "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    assert arn(name) in [r["image_arn"] for r in rows], rows
    frame = StackQL(server_mode=True, server_port=server, output="pandas").execute(
        "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    assert arn(name) in set(frame["image_arn"])
    srv.executeStmt(
        f"DELETE /*+ AWAIT */ FROM aws.sagemaker.images "
        f"WHERE data__Identifier = '{arn(name)}' AND region = 'us-east-1'")
    rows = srv.execute(
        "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'")
    assert arn(name) not in [r["image_arn"] for r in rows]


class Refusing(http.server.BaseHTTPRequestHandler):
    """A Cloud Control endpoint that refuses every call with a client error, and counts them."""
    calls: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Refusing.calls.append((self.headers.get("X-Amz-Target"), body))
        answer = json.dumps({"__type": "InvalidRequestException", "Message": "refused"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_endpoint(aws_env, monkeypatch):
    Refusing.calls = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    yield Refusing.calls
    httpd.shutdown()


def test_server_mode_a_failed_write_is_sent_once(refusing_endpoint, server):
    """pystackql reconnects and re-sends on psycopg's OperationalError (SQLSTATE class 08/58):
    a failed API call must come back as another class, so the DELETE is sent exactly once."""
    srv = StackQL(server_mode=True, server_port=server)
    srv.executeStmt(
        "DELETE FROM aws.sagemaker.images WHERE data__Identifier = "
        "'arn:aws:sagemaker:us-east-1:123456789012:image/nope' AND region = 'us-east-1'")
    deletes = [c for c in refusing_endpoint if c[0] and c[0].endswith("DeleteResource")]
    assert len(deletes) == 1, refusing_endpoint
