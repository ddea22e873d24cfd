"""Drives the emulator with boto3 (a real AWS SDK) to check wire compatibility: create,
the SDK's waiter, the paginator, get, update, delete, and the error types botocore parses.

Usage: STACKQL_EMULATOR_ENDPOINT=http://127.0.0.1:PORT python3 boto3_compat.py
The emulator must serve the awscc registry, verify signatures with the default
AKIDEXAMPLE key, and complete requests on the first status read (its defaults).
Prints "N passed, M failed" and exits non-zero on any failure.
"""

import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

ENDPOINT = os.environ["STACKQL_EMULATOR_ENDPOINT"]
IMAGE = "AWS::SageMaker::Image"
ROLE = "arn:aws:iam::123456789012:role/sagemaker-role"

passed = 0
failed = 0


def client(region="us-east-1", key="AKIDEXAMPLE",
           secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"):
    return boto3.client(
        "cloudcontrol",
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        # One attempt: the checks below want to see each error, not a retry of it.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure and go on
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def expect_error(code, status, fn):
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got == code, f"expected {code}, got {got}: {e}"
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
        assert e.response["ResponseMetadata"].get("RequestId"), "no request id"
        return e
    raise AssertionError(f"expected {code}, got success")


cc = client()


def lifecycle():
    created = cc.create_resource(
        TypeName=IMAGE,
        DesiredState=json.dumps({"ImageName": "boto-image", "ImageRoleArn": ROLE}),
    )["ProgressEvent"]
    assert created["OperationStatus"] == "IN_PROGRESS", created
    assert hasattr(created["EventTime"], "year"), "EventTime must parse as a timestamp"
    token = created["RequestToken"]
    cc.get_waiter("resource_request_success").wait(
        RequestToken=token, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    done = cc.get_resource_request_status(RequestToken=token)["ProgressEvent"]
    assert done["OperationStatus"] == "SUCCESS", done
    arn = done["Identifier"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:image/boto-image", arn
    got = cc.get_resource(TypeName=IMAGE, Identifier=arn)["ResourceDescription"]
    assert json.loads(got["Properties"])["ImageRoleArn"] == ROLE

    up = cc.update_resource(
        TypeName=IMAGE, Identifier=arn,
        PatchDocument=json.dumps([{"op": "add", "path": "/ImageDescription", "value": "d"}]),
    )["ProgressEvent"]
    cc.get_waiter("resource_request_success").wait(
        RequestToken=up["RequestToken"], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    props = json.loads(cc.get_resource(TypeName=IMAGE, Identifier=arn)
                       ["ResourceDescription"]["Properties"])
    assert props["ImageDescription"] == "d", props

    gone = cc.delete_resource(TypeName=IMAGE, Identifier=arn)["ProgressEvent"]
    cc.get_waiter("resource_request_success").wait(
        RequestToken=gone["RequestToken"], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    expect_error("ResourceNotFoundException", 400,
                 lambda: cc.get_resource(TypeName=IMAGE, Identifier=arn))


def paginate():
    west = client("us-west-2")
    for i in range(45):
        e = west.create_resource(
            TypeName=IMAGE,
            DesiredState=json.dumps({"ImageName": f"page-{i}", "ImageRoleArn": ROLE}),
        )["ProgressEvent"]
        west.get_resource_request_status(RequestToken=e["RequestToken"])
    pages = list(west.get_paginator("list_resources").paginate(TypeName=IMAGE))
    sizes = [len(p["ResourceDescriptions"]) for p in pages]
    assert sizes == [20, 20, 5], sizes
    small = list(west.get_paginator("list_resources").paginate(
        TypeName=IMAGE, PaginationConfig={"PageSize": 10}))
    assert sum(len(p["ResourceDescriptions"]) for p in small) == 45
    requests = list(west.get_paginator("list_resource_requests").paginate(
        ResourceRequestStatusFilter={"Operations": ["CREATE"], "OperationStatuses": ["SUCCESS"]}))
    assert sum(len(p["ResourceRequestStatusSummaries"]) for p in requests) == 45


def failed_waiter():
    cc.create_resource(TypeName=IMAGE, DesiredState=json.dumps(
        {"ImageName": "dup", "ImageRoleArn": ROLE}))
    first = cc.list_resource_requests()["ResourceRequestStatusSummaries"][0]
    cc.get_resource_request_status(RequestToken=first["RequestToken"])
    second = cc.create_resource(TypeName=IMAGE, DesiredState=json.dumps(
        {"ImageName": "dup", "ImageRoleArn": ROLE}))["ProgressEvent"]
    try:
        cc.get_waiter("resource_request_success").wait(
            RequestToken=second["RequestToken"], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    except WaiterError as e:
        event = e.last_response["ProgressEvent"]
        assert event["OperationStatus"] == "FAILED" and event["ErrorCode"] == "AlreadyExists", event
        return
    raise AssertionError("the waiter should fail on AlreadyExists")


def errors():
    expect_error("TypeNotFoundException", 400,
                 lambda: cc.list_resources(TypeName="AWS::Nothing::Here"))
    expect_error("ValidationException", 400,
                 lambda: cc.create_resource(TypeName=IMAGE, DesiredState=json.dumps({"ImageName": "x"})))
    expect_error("RequestTokenNotFoundException", 400,
                 lambda: cc.get_resource_request_status(RequestToken="no-such-token"))
    expect_error("RequestTokenNotFoundException", 400,
                 lambda: cc.cancel_resource_request(RequestToken="no-such-token"))
    done = cc.create_resource(TypeName=IMAGE, DesiredState=json.dumps(
        {"ImageName": "errs", "ImageRoleArn": ROLE}), ClientToken="boto-token")["ProgressEvent"]
    cc.get_resource_request_status(RequestToken=done["RequestToken"])
    arn = "arn:aws:sagemaker:us-east-1:123456789012:image/errs"
    expect_error("NotUpdatableException", 400, lambda: cc.update_resource(
        TypeName=IMAGE, Identifier=arn,
        PatchDocument=json.dumps([{"op": "replace", "path": "/ImageName", "value": "n"}])))
    expect_error("ClientTokenConflictException", 400, lambda: cc.create_resource(
        TypeName=IMAGE, DesiredState=json.dumps({"ImageName": "other", "ImageRoleArn": ROLE}),
        ClientToken="boto-token"))
    expect_error("ConcurrentModificationException", 500,
                 lambda: cc.cancel_resource_request(RequestToken=done["RequestToken"]))
    up = cc.update_resource(TypeName=IMAGE, Identifier=arn, PatchDocument=json.dumps(
        [{"op": "add", "path": "/ImageDescription", "value": "x"}]))["ProgressEvent"]
    expect_error("ConcurrentOperationException", 400,
                 lambda: cc.delete_resource(TypeName=IMAGE, Identifier=arn))
    cancelled = cc.cancel_resource_request(RequestToken=up["RequestToken"])["ProgressEvent"]
    assert cancelled["OperationStatus"] == "CANCEL_IN_PROGRESS", cancelled
    expect_error("UnrecognizedClientException", 400,
                 lambda: client(key="AKIDUNKNOWN").list_resources(TypeName=IMAGE))
    expect_error("InvalidSignatureException", 400,
                 lambda: client(secret="wrong").list_resources(TypeName=IMAGE))


check("create, waiter, get, update, delete", lifecycle)
check("paginators", paginate)
check("waiter sees FAILED AlreadyExists", failed_waiter)
check("error types", errors)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
