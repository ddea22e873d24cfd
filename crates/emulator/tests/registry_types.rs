//! Types as the real registry describes them, end to end: which provider's schema a type is
//! validated against when `aws` and `awscc` both describe it, map properties written with
//! `x-patternProperties`, identifiers made of the request's account and region or of
//! nested parts, and the service namespace of generated ARNs.

mod common;

use common::{registry_config, registry_with, Client};
use serde_json::{json, Value};
use stackql_emulator::{start, Completion, EmulatorConfig, RunningEmulator};

const ACCOUNT: &str = "123456789012";

async fn immediate(config: EmulatorConfig) -> RunningEmulator {
    start(
        EmulatorConfig {
            completion: Completion::immediate(),
            ..config
        },
        0,
    )
    .await
    .unwrap()
}

/// Creates a resource (immediate completion) and returns its identifier and model.
async fn create(c: &Client, type_name: &str, state: Value) -> (String, Value) {
    let reply = c.create(type_name, state).await;
    assert_eq!(reply.status, 200, "{type_name}: {:?}", reply.body);
    let event = &reply.body["ProgressEvent"];
    assert_eq!(event["OperationStatus"], "SUCCESS", "{type_name}: {event}");
    let model = serde_json::from_str(event["ResourceModel"].as_str().unwrap()).unwrap();
    (event["Identifier"].as_str().unwrap().to_string(), model)
}

/// The message of a create refused as a schema violation.
async fn refused(c: &Client, type_name: &str, state: Value) -> String {
    c.create(type_name, state)
        .await
        .err("ValidationException", 400)
}

#[tokio::test]
async fn awscc_schema_wins_over_the_older_aws_copy() {
    let emu = immediate(registry_config()).await;
    let c = Client::connect(&emu, "eu-west-1").await;
    // `aws` requires ComputeEnvironmentOrder and has no JobQueueType; `awscc` does not and has.
    let (id, model) = create(
        &c,
        "AWS::Batch::JobQueue",
        json!({"Priority": 1, "JobQueueName": "q", "JobQueueType": "ECS"}),
    )
    .await;
    assert_eq!(model["JobQueueArn"], id);
    // Fields only the newer schema knows.
    create(
        &c,
        "AWS::AppIntegrations::Application",
        json!({
            "Name": "app", "Namespace": "ns", "Description": "d",
            "ApplicationSourceConfig": {"ExternalUrlConfig": {"AccessUrl": "https://example.com"}},
            "IsService": false
        }),
    )
    .await;
    // `awscc` names the nested definition apart from the root: the property is checked as
    // the subscription, not as the whole resource.
    let sub = json!({"RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": "Enabled"}});
    let (id, _) = create(
        &c,
        "AWS::CloudFront::MonitoringSubscription",
        json!({"DistributionId": "E1", "MonitoringSubscription": sub}),
    )
    .await;
    assert_eq!(id, "E1");
    let msg = refused(
        &c,
        "AWS::CloudFront::MonitoringSubscription",
        json!({"DistributionId": "E2", "MonitoringSubscription": {"Nope": 1}}),
    )
    .await;
    assert!(
        msg.contains("#/MonitoringSubscription: extraneous key [Nope] is not permitted"),
        "{msg}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn aws_alone_still_serves_its_types() {
    let root = registry_with(&["aws"]);
    let emu = immediate(EmulatorConfig {
        registry_root: Some(root.path().to_path_buf()),
        ..EmulatorConfig::default()
    })
    .await;
    let c = Client::connect(&emu, "eu-west-1").await;
    let msg = refused(&c, "AWS::Batch::JobQueue", json!({"Priority": 1})).await;
    assert!(
        msg.contains("required key [ComputeEnvironmentOrder] not found"),
        "{msg}"
    );
    // `aws` lost the nested definition to the root of the same name; a property cannot be
    // the whole resource, so it is not validated as one.
    let (id, _) = create(
        &c,
        "AWS::CloudFront::MonitoringSubscription",
        json!({"DistributionId": "E1", "MonitoringSubscription": {"RealtimeMetricsSubscriptionConfig": {}}}),
    )
    .await;
    assert_eq!(id, "E1");
    emu.shutdown().await;
}

#[tokio::test]
async fn map_properties_follow_x_pattern_properties() {
    let emu = immediate(registry_config()).await;
    let c = Client::connect(&emu, "eu-west-1").await;
    let t = "AWS::Batch::ComputeEnvironment";
    let (_, model) = create(
        &c,
        t,
        json!({"Type": "UNMANAGED", "Tags": {"team": "x", "env": "dev"}}),
    )
    .await;
    assert_eq!(model["Tags"], json!({"team": "x", "env": "dev"}));
    // Values are still checked against the pattern's schema.
    let msg = refused(&c, t, json!({"Type": "UNMANAGED", "Tags": {"team": 5}})).await;
    assert!(
        msg.contains("#/Tags/team: expected type: String, found: Integer"),
        "{msg}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn identifiers_from_the_request_and_nested_parts() {
    let emu = immediate(registry_config()).await;
    let c = Client::connect(&emu, "eu-west-1").await;
    // Read-only AccountId and Region: the request's, so the resource is found by them.
    let t = "AWS::ARCZonalShift::AutoshiftObserverNotificationStatus";
    let (id, model) = create(&c, t, json!({"Status": "ENABLED"})).await;
    assert_eq!(id, format!("{ACCOUNT}|eu-west-1"));
    assert_eq!(model["AccountId"], ACCOUNT);
    assert_eq!(model["Region"], "eu-west-1");
    let got = c.get(t, &id).await.ok();
    assert_eq!(got["ResourceDescription"]["Identifier"], id.as_str());

    // A nested identifier part is the client's: refused when missing, used when given.
    let t = "AWS::QuickSight::RefreshSchedule";
    let msg = refused(&c, t, json!({"DataSetId": "ds", "Schedule": {}})).await;
    assert!(
        msg.contains("#/Schedule: required key [ScheduleId] not found"),
        "{msg}"
    );
    let msg = refused(&c, t, json!({"DataSetId": "ds"})).await;
    assert!(
        msg.contains("#: required key [Schedule] not found"),
        "{msg}"
    );
    let (id, model) = create(
        &c,
        t,
        json!({"DataSetId": "ds", "Schedule": {"ScheduleId": "daily"}}),
    )
    .await;
    assert_eq!(model["AwsAccountId"], ACCOUNT);
    assert_eq!(id, format!("{ACCOUNT}|ds|daily"));
    c.get(t, &id).await.ok();
    emu.shutdown().await;
}

#[tokio::test]
async fn arns_carry_the_types_own_service() {
    let emu = immediate(registry_config()).await;
    let c = Client::connect(&emu, "eu-west-1").await;
    let cases = [
        // Create permissions lead with s3 / kms / logs / `Batch` actions.
        (
            "AWS::Amplify::Branch",
            json!({"AppId": "d1", "BranchName": "main"}),
            "Arn",
            "arn:aws:amplify:eu-west-1:123456789012:",
        ),
        (
            "AWS::ImageBuilder::Component",
            json!({"Name": "c", "Platform": "Linux", "Version": "1.0.0"}),
            "Arn",
            "arn:aws:imagebuilder:eu-west-1:123456789012:",
        ),
        (
            "AWS::B2BI::Profile",
            json!({"Name": "p", "Phone": "5555555555", "BusinessName": "b", "Logging": "ENABLED"}),
            "ProfileArn",
            "arn:aws:b2bi:eu-west-1:123456789012:",
        ),
        (
            "AWS::Batch::ComputeEnvironment",
            json!({"Type": "UNMANAGED", "ComputeEnvironmentName": "ce"}),
            "ComputeEnvironmentArn",
            "arn:aws:batch:eu-west-1:123456789012:compute-environment/ce",
        ),
        // Services whose ARN namespace is not the type's: the create action names it.
        (
            "AWS::StepFunctions::Activity",
            json!({"Name": "a"}),
            "Arn",
            "arn:aws:states:eu-west-1:123456789012:activity:a",
        ),
    ];
    for (type_name, state, property, want) in cases {
        let (_, model) = create(&c, type_name, state).await;
        let arn = model[property].as_str().unwrap_or_default();
        assert!(arn.starts_with(want), "{type_name}: {arn} (want {want}...)");
    }
    emu.shutdown().await;
}
