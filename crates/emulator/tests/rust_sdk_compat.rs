//! Wire compatibility with the official AWS SDK for Rust (`aws-sdk-cloudcontrol`): the SDK's
//! own serializers, SigV4 signer, `ResourceRequestSuccess` waiter, paginators, retry
//! classifier and typed errors drive the emulator over plain HTTP on 127.0.0.1.
//!
//! The SDK is built without default features (no TLS stack) and talks through its own
//! hyper 1 client built TLS-free (`aws_smithy_http_client::Builder::build_http`).

mod common;

use std::time::Duration;

use aws_sdk_cloudcontrol as cloudcontrol;
use cloudcontrol::client::Waiters;
use cloudcontrol::config::retry::RetryConfig;
use cloudcontrol::config::{
    AsyncSleep, BehaviorVersion, Credentials, Region, SharedAsyncSleep, Sleep,
};
use cloudcontrol::error::{ProvideErrorMetadata, SdkError};
use cloudcontrol::operation::RequestId;
use cloudcontrol::types::{
    HandlerErrorCode, Operation, OperationStatus, ResourceRequestStatusFilter,
};
use cloudcontrol::Client;
use common::{registry_config, IMAGE, ROLE};
use serde_json::{json, Value};
use stackql_emulator::{
    start, Completion, EmulatorConfig, Faults, RunningEmulator, DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
};

/// The waiter's back-off starts at 5 s and the retry strategy's at about 1 s: real
/// seconds would make this suite slow, so the SDK sleeps a hundredth of what it asks for.
/// Every poll and retry still happens, in the SDK's own order.
#[derive(Debug)]
struct FastSleep;

impl AsyncSleep for FastSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        Sleep::new(tokio::time::sleep(duration / 100))
    }
}

/// An SDK client for the emulator, signing as `key`/`secret` in `region`, with at most
/// `attempts` attempts per call (1: every error surfaces as it was sent).
fn sdk_client(
    emu: &RunningEmulator,
    region: &str,
    key: &str,
    secret: &str,
    attempts: u32,
) -> Client {
    let config = cloudcontrol::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(emu.endpoint_url())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(key, secret, None, None, "emulator-test"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .sleep_impl(SharedAsyncSleep::new(FastSleep))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .build();
    Client::from_conf(config)
}

/// The client every test uses: default credentials, one attempt.
fn default_client(emu: &RunningEmulator, region: &str) -> Client {
    sdk_client(
        emu,
        region,
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_SECRET_ACCESS_KEY,
        1,
    )
}

fn image_state(name: &str) -> String {
    json!({"ImageName": name, "ImageRoleArn": ROLE}).to_string()
}

fn image_arn(region: &str, name: &str) -> String {
    format!("arn:aws:sagemaker:{region}:123456789012:image/{name}")
}

/// The HTTP status of a service error (the SDK keeps the raw response).
fn http_status<E: std::fmt::Debug>(
    err: &SdkError<E, cloudcontrol::config::http::HttpResponse>,
) -> u16 {
    match err {
        SdkError::ServiceError(ctx) => ctx.raw().status().as_u16(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// How many times `operation` reached the emulator since the journal was last cleared.
fn calls(emu: &RunningEmulator, operation: &str) -> usize {
    emu.journal()
        .iter()
        .filter(|r| r.operation.as_deref() == Some(operation))
        .count()
}

#[tokio::test]
async fn create_wait_get_update_delete() {
    // Three status reads to finish: the waiter must poll through IN_PROGRESS.
    let emu = start(
        EmulatorConfig {
            completion: Completion {
                polls: 3,
                delay: None,
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let cc = default_client(&emu, "us-east-1");
    let arn = image_arn("us-east-1", "sdk-image");

    let created = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("sdk-image"))
        .send()
        .await
        .unwrap();
    let event = created.progress_event().unwrap();
    assert_eq!(event.operation(), Some(&Operation::Create));
    assert_eq!(event.operation_status(), Some(&OperationStatus::InProgress));
    assert_eq!(event.type_name(), Some(IMAGE));
    assert!(event.identifier().is_none(), "{event:?}");
    assert!(
        event.event_time().is_some(),
        "EventTime parses as a timestamp"
    );
    assert!(
        created.request_id().is_some(),
        "x-amzn-RequestId reaches the SDK"
    );
    let token = event.request_token().unwrap().to_string();

    emu.clear_journal();
    let done = cc
        .wait_until_resource_request_success()
        .request_token(&token)
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(
        calls(&emu, "GetResourceRequestStatus"),
        3,
        "the waiter polled"
    );
    let done = done.as_result().unwrap().progress_event().unwrap();
    assert_eq!(done.operation_status(), Some(&OperationStatus::Success));
    assert_eq!(done.identifier(), Some(arn.as_str()));
    let model: Value = serde_json::from_str(done.resource_model().unwrap()).unwrap();
    assert_eq!(model["ImageArn"], arn);

    let got = cc
        .get_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.type_name(), Some(IMAGE));
    let desc = got.resource_description().unwrap();
    assert_eq!(desc.identifier(), Some(arn.as_str()));
    let props: Value = serde_json::from_str(desc.properties().unwrap()).unwrap();
    assert_eq!(props["ImageRoleArn"], ROLE);

    let updated = cc
        .update_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .patch_document(
            json!([{"op": "add", "path": "/ImageDescription", "value": "d"}]).to_string(),
        )
        .send()
        .await
        .unwrap();
    let event = updated.progress_event().unwrap();
    assert_eq!(event.operation(), Some(&Operation::Update));
    cc.wait_until_resource_request_success()
        .request_token(event.request_token().unwrap())
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    let got = cc
        .get_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .send()
        .await
        .unwrap();
    let props: Value =
        serde_json::from_str(got.resource_description().unwrap().properties().unwrap()).unwrap();
    assert_eq!(props["ImageDescription"], "d");

    let deleted = cc
        .delete_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .send()
        .await
        .unwrap();
    let event = deleted.progress_event().unwrap();
    assert_eq!(event.operation(), Some(&Operation::Delete));
    cc.wait_until_resource_request_success()
        .request_token(event.request_token().unwrap())
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    let err = cc
        .get_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 400);
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{err:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn paginators_walk_every_page() {
    let emu = start(
        EmulatorConfig {
            completion: Completion::immediate(),
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let west = default_client(&emu, "us-west-2");
    for i in 0..45 {
        let out = west
            .create_resource()
            .type_name(IMAGE)
            .desired_state(image_state(&format!("page-{i:02}")))
            .send()
            .await
            .unwrap();
        let status = out.progress_event().unwrap().operation_status();
        assert_eq!(status, Some(&OperationStatus::Success));
    }

    // Default page size (20): the SDK's paginator follows NextToken to the end.
    emu.clear_journal();
    let pages: Vec<_> = west
        .list_resources()
        .type_name(IMAGE)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|page| page.unwrap())
        .collect();
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.resource_descriptions().len())
        .collect();
    assert_eq!(sizes, [20, 20, 5]);
    assert_eq!(calls(&emu, "ListResources"), 3);
    assert!(pages.last().unwrap().next_token().is_none());

    // A smaller page size through the paginator, and the flattened item stream.
    let mut ids = Vec::new();
    let mut items = west
        .list_resources()
        .type_name(IMAGE)
        .into_paginator()
        .page_size(10)
        .items()
        .send();
    while let Some(item) = items.next().await {
        ids.push(item.unwrap().identifier().unwrap().to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 45);
    assert_eq!(ids[0], image_arn("us-west-2", "page-00"));

    // ListResourceRequests with its filter, through its own paginator.
    let requests: usize = west
        .list_resource_requests()
        .resource_request_status_filter(
            ResourceRequestStatusFilter::builder()
                .operations(Operation::Create)
                .operation_statuses(OperationStatus::Success)
                .build(),
        )
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|page| page.unwrap().resource_request_status_summaries().len())
        .sum();
    assert_eq!(requests, 45);

    // State is per region: nothing was created in us-east-1.
    let east = default_client(&emu, "us-east-1");
    let listed = east.list_resources().type_name(IMAGE).send().await.unwrap();
    assert!(listed.resource_descriptions().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn typed_errors() {
    let emu = start(registry_config(), 0).await.unwrap();
    let cc = default_client(&emu, "us-east-1");

    // TypeNotFoundException.
    let err = cc
        .list_resources()
        .type_name("AWS::Nothing::Here")
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 400);
    assert!(err.request_id().is_some());
    let err = err.into_service_error();
    assert!(err.is_type_not_found_exception(), "{err:?}");
    assert!(err.message().unwrap_or("").contains("AWS::Nothing::Here"));

    // RequestTokenNotFoundException.
    let err = cc
        .get_resource_request_status()
        .request_token("no-such-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_request_token_not_found_exception(), "{err:?}");

    // A schema violation: ValidationException, which the model does not list, so the SDK
    // keeps it as an unmodelled error with its code.
    let err = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(json!({"ImageName": "x"}).to_string())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("ValidationException"), "{err:?}");
    assert!(
        err.message().unwrap_or("").contains("ImageRoleArn"),
        "{err:?}"
    );

    // AlreadyExists is no exception: the second CREATE's request FAILS, and the waiter
    // ends in its failure state with that event.
    let first = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("dup"))
        .client_token("sdk-token")
        .send()
        .await
        .unwrap();
    let first_token = first.progress_event().unwrap().request_token().unwrap();
    cc.wait_until_resource_request_success()
        .request_token(first_token)
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    let second = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("dup"))
        .send()
        .await
        .unwrap();
    let waited = cc
        .wait_until_resource_request_success()
        .request_token(second.progress_event().unwrap().request_token().unwrap())
        .wait(Duration::from_secs(600))
        .await
        .unwrap_err();
    let cloudcontrol::waiters::resource_request_success::WaitUntilResourceRequestSuccessError::FailureState(failure) =
        waited
    else {
        panic!("expected the waiter's failure state, got {waited:?}");
    };
    let event = failure
        .final_poll()
        .as_result()
        .unwrap()
        .progress_event()
        .unwrap();
    assert_eq!(event.operation_status(), Some(&OperationStatus::Failed));
    assert_eq!(event.error_code(), Some(&HandlerErrorCode::AlreadyExists));
    assert!(event.status_message().is_some());

    // ClientToken: the same request replays its event; another one conflicts.
    let replay = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("dup"))
        .client_token("sdk-token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.progress_event().unwrap().request_token(),
        Some(first_token)
    );
    let err = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("other"))
        .client_token("sdk-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_client_token_conflict_exception(), "{err:?}");

    // NotUpdatableException: ImageName is create-only.
    let arn = image_arn("us-east-1", "dup");
    let err = cc
        .update_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .patch_document(json!([{"op": "replace", "path": "/ImageName", "value": "n"}]).to_string())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_updatable_exception(), "{err:?}");
    assert!(err
        .message()
        .unwrap_or("")
        .contains("/properties/ImageName"));

    // ResourceNotFoundException, from GetResource and UpdateResource.
    let missing = image_arn("us-east-1", "missing");
    let err = cc
        .get_resource()
        .type_name(IMAGE)
        .identifier(&missing)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = cc
        .update_resource()
        .type_name(IMAGE)
        .identifier(&missing)
        .patch_document(
            json!([{"op": "add", "path": "/ImageDescription", "value": "x"}]).to_string(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");

    // ConcurrentOperationException: an UPDATE is in flight (nobody has read its status yet).
    let update = cc
        .update_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .patch_document(
            json!([{"op": "add", "path": "/ImageDescription", "value": "x"}]).to_string(),
        )
        .send()
        .await
        .unwrap();
    let err = cc
        .delete_resource()
        .type_name(IMAGE)
        .identifier(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_concurrent_operation_exception(), "{err:?}");
    let cancelled = cc
        .cancel_resource_request()
        .request_token(update.progress_event().unwrap().request_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        cancelled.progress_event().unwrap().operation_status(),
        Some(&OperationStatus::CancelInProgress)
    );
    // Cancelling a finished request: the model's ConcurrentModificationException (a fault).
    let err = cc
        .cancel_resource_request()
        .request_token(first_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 500);
    assert!(err
        .into_service_error()
        .is_concurrent_modification_exception());

    // Signatures: the SDK signs with a wrong secret, or with a key the emulator does not
    // know; both answers are AWS's (unmodelled) authentication errors.
    let wrong_secret = sdk_client(&emu, "us-east-1", DEFAULT_ACCESS_KEY_ID, "wrong", 1);
    let err = wrong_secret
        .list_resources()
        .type_name(IMAGE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 400);
    let err = err.into_service_error();
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");
    let unknown_key = sdk_client(
        &emu,
        "us-east-1",
        "AKIDUNKNOWN",
        DEFAULT_SECRET_ACCESS_KEY,
        1,
    );
    let err = unknown_key
        .list_resources()
        .type_name(IMAGE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_faults_reach_the_sdk_retry_strategy() {
    async fn faulty(faults: Faults) -> RunningEmulator {
        // Permissive mode (no registry): faults are checked before any type lookup.
        start(
            EmulatorConfig {
                faults,
                ..EmulatorConfig::default()
            },
            0,
        )
        .await
        .unwrap()
    }
    const TYPE: &str = "Test::Emulator::Widget";

    // Throttling: a typed ThrottlingException; with retries on, the SDK classifies it as
    // retryable and tries again, up to its limit.
    let emu = faulty(Faults {
        throttle_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let err = default_client(&emu, "us-east-1")
        .list_resources()
        .type_name(TYPE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 400);
    let err = err.into_service_error();
    assert!(err.is_throttling_exception(), "{err:?}");
    assert_eq!(err.message(), Some("Rate exceeded"));
    emu.clear_journal();
    let retrying = sdk_client(
        &emu,
        "us-east-1",
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_SECRET_ACCESS_KEY,
        3,
    );
    let err = retrying
        .list_resources()
        .type_name(TYPE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_throttling_exception(), "{err:?}");
    assert_eq!(
        calls(&emu, "ListResources"),
        3,
        "the SDK retried throttling"
    );
    emu.shutdown().await;

    // Server errors: a 500 the SDK retries as transient.
    let emu = faulty(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let retrying = sdk_client(
        &emu,
        "us-east-1",
        DEFAULT_ACCESS_KEY_ID,
        DEFAULT_SECRET_ACCESS_KEY,
        2,
    );
    let err = retrying
        .list_resources()
        .type_name(TYPE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 500);
    assert_eq!(calls(&emu, "ListResources"), 2, "the SDK retried the 500");
    emu.shutdown().await;

    // A region that is down: 503 there, service as usual elsewhere.
    let emu = faulty(Faults {
        down_regions: vec!["eu-west-1".into()],
        ..Faults::default()
    })
    .await;
    let err = default_client(&emu, "eu-west-1")
        .list_resources()
        .type_name(TYPE)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_status(&err), 503);
    default_client(&emu, "us-east-1")
        .list_resources()
        .type_name(TYPE)
        .send()
        .await
        .unwrap();
    emu.shutdown().await;
}

#[tokio::test]
async fn waiter_on_a_timed_completion_sees_retry_after() {
    let emu = start(
        EmulatorConfig {
            completion: Completion {
                polls: 0,
                delay: Some(Duration::from_millis(200)),
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let cc = default_client(&emu, "us-east-1");
    let created = cc
        .create_resource()
        .type_name(IMAGE)
        .desired_state(image_state("timed"))
        .send()
        .await
        .unwrap();
    let event = created.progress_event().unwrap();
    assert_eq!(event.operation_status(), Some(&OperationStatus::InProgress));
    // RetryAfter parses as the SDK's timestamp, 200 ms after the event.
    let retry_after = event.retry_after().expect("RetryAfter on a timed request");
    let event_time = event.event_time().unwrap();
    let wait = retry_after.as_secs_f64() - event_time.as_secs_f64();
    assert!((0.19..0.22).contains(&wait), "{event:?}");
    let done = cc
        .wait_until_resource_request_success()
        .request_token(event.request_token().unwrap())
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    let done = done.as_result().unwrap().progress_event().unwrap();
    assert_eq!(done.operation_status(), Some(&OperationStatus::Success));
    assert!(done.retry_after().is_none());
    emu.shutdown().await;
}
