//! Read-only values a create handler would set, against the real registry snapshot: ARNs in
//! each service's format, creation and change timestamps, and RetryAfter in the events of
//! requests that complete on a timer.

mod common;

use std::time::Duration;

use common::{registry_config, Client, IMAGE, ROLE};
use serde_json::{json, Value};
use stackql_emulator::{start, Completion, EmulatorConfig, RunningEmulator};

async fn immediate() -> RunningEmulator {
    start(
        EmulatorConfig {
            completion: Completion::immediate(),
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap()
}

/// Creates a resource (immediate completion) and returns its identifier and model.
async fn create(c: &Client, type_name: &str, state: Value) -> (String, Value) {
    let reply = c.create(type_name, state).await.ok();
    let event = &reply["ProgressEvent"];
    assert_eq!(event["OperationStatus"], "SUCCESS", "{type_name}: {event}");
    let model = serde_json::from_str(event["ResourceModel"].as_str().unwrap()).unwrap();
    (event["Identifier"].as_str().unwrap().to_string(), model)
}

#[tokio::test]
async fn arns_follow_each_service_format() {
    let emu = immediate().await;
    let c = Client::connect(&emu, "eu-west-1").await;
    let cases = [
        // The registry's own pattern gives the format (and the reference page shows it).
        (
            IMAGE,
            json!({"ImageName": "img", "ImageRoleArn": ROLE}),
            "ImageArn",
            "arn:aws:sagemaker:eu-west-1:123456789012:image/img",
        ),
        (
            "AWS::SageMaker::ModelPackageGroup",
            json!({"ModelPackageGroupName": "group"}),
            "ModelPackageGroupArn",
            "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/group",
        ),
        // Well-known formats the schemas do not spell out.
        (
            "AWS::S3::Bucket",
            json!({"BucketName": "my-bucket"}),
            "Arn",
            "arn:aws:s3:::my-bucket",
        ),
        (
            "AWS::Logs::LogGroup",
            json!({"LogGroupName": "/app/logs"}),
            "Arn",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/app/logs:*",
        ),
        (
            "AWS::SNS::Topic",
            json!({"TopicName": "alerts"}),
            "TopicArn",
            "arn:aws:sns:eu-west-1:123456789012:alerts",
        ),
    ];
    for (type_name, state, property, want) in cases {
        let (_, model) = create(&c, type_name, state).await;
        assert_eq!(model[property], want, "{type_name}: {model}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn creation_and_change_times() {
    let emu = immediate().await;
    let c = Client::connect(&emu, "us-east-1").await;
    let (arn, model) = create(
        &c,
        "AWS::SageMaker::ModelPackageGroup",
        json!({"ModelPackageGroupName": "timed"}),
    )
    .await;
    let created = model["CreationTime"].as_str().unwrap().to_string();
    assert!(is_iso8601(&created), "{model}");
    // A status is not the emulator's to invent.
    assert!(model.get("ModelPackageGroupStatus").is_none(), "{model}");
    let got = c.get("AWS::SageMaker::ModelPackageGroup", &arn).await.ok();
    let props: Value =
        serde_json::from_str(got["ResourceDescription"]["Properties"].as_str().unwrap()).unwrap();
    assert_eq!(props["CreationTime"], created.as_str());

    // A change time moves on update; the creation time does not.
    let (name, model) = create(
        &c,
        "AWS::Scheduler::ScheduleGroup",
        json!({"Name": "group"}),
    )
    .await;
    let first = model["LastModificationDate"].as_str().unwrap().to_string();
    assert_eq!(model["CreationDate"], first.as_str());
    tokio::time::sleep(Duration::from_millis(5)).await;
    let up = c
        .update(
            "AWS::Scheduler::ScheduleGroup",
            &name,
            json!([{"op": "add", "path": "/Tags", "value": [{"Key": "k", "Value": "v"}]}]),
        )
        .await
        .ok();
    assert_eq!(up["ProgressEvent"]["OperationStatus"], "SUCCESS", "{up}");
    let got = c.get("AWS::Scheduler::ScheduleGroup", &name).await.ok();
    let props: Value =
        serde_json::from_str(got["ResourceDescription"]["Properties"].as_str().unwrap()).unwrap();
    assert_eq!(props["CreationDate"], first.as_str());
    let second = props["LastModificationDate"].as_str().unwrap();
    assert!(second > first.as_str(), "{second} after {first}");
    emu.shutdown().await;
}

#[tokio::test]
async fn retry_after_when_completion_is_timed() {
    let emu = start(
        EmulatorConfig {
            completion: Completion {
                polls: 0,
                delay: Some(Duration::from_millis(300)),
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let reply = c
        .create(IMAGE, json!({"ImageName": "later", "ImageRoleArn": ROLE}))
        .await
        .ok();
    let event = &reply["ProgressEvent"];
    assert_eq!(event["OperationStatus"], "IN_PROGRESS");
    let wait = event["RetryAfter"].as_f64().unwrap() - event["EventTime"].as_f64().unwrap();
    assert!(
        (0.29..0.32).contains(&wait),
        "RetryAfter 300 ms on: {event}"
    );
    let token = event["RequestToken"].as_str().unwrap();
    let again = c.status(token).await.ok();
    assert_eq!(
        again["ProgressEvent"]["RetryAfter"], event["RetryAfter"],
        "{again}"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let done = c.status(token).await.ok();
    assert_eq!(done["ProgressEvent"]["OperationStatus"], "SUCCESS");
    assert!(done["ProgressEvent"].get("RetryAfter").is_none(), "{done}");
    emu.shutdown().await;

    // The default completes on the first status read: nothing to announce.
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let reply = c
        .create(IMAGE, json!({"ImageName": "polled", "ImageRoleArn": ROLE}))
        .await
        .ok();
    assert!(
        reply["ProgressEvent"].get("RetryAfter").is_none(),
        "{reply}"
    );
    emu.shutdown().await;
}

fn is_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && s.ends_with('Z')
        && s[..4].parse::<u32>().is_ok_and(|y| y >= 2024)
}
