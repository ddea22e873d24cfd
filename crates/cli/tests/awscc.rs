//! The current `awscc` snapshot: `images_list_only` lists, `images` reads one image by
//! Identifier, and INSERT names DesiredState's properties as columns (`naive_DesiredState`):
//! an empty DesiredState, JSON properties typed through `oneOf`, and properties named like
//! a CreateResource field.

mod common;

use common::*;
use serde_json::{json, Value};
use stackql_testkit::shared_registry;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";
/// The role Cloud Control itself assumes (CreateResource's own `RoleArn`).
const CC_ROLE: &str = "arn:aws:iam::123456789012:role/cloud-control";

#[test]
fn insert_then_list_and_get_with_the_current_provider() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    let insert = format!(
        "INSERT /*+ AWAIT */ INTO awscc.sagemaker.images (ImageName, ImageRoleArn, Tags, region) \
         SELECT 'cc-image', '{ROLE}', '[{{\"Key\":\"k\",\"Value\":\"v\"}}]', 'us-west-2'"
    );
    let run = stackql(&reg, Some(&emu.url()), &["exec", &insert]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let journal = emu.journal();
    let c = ops(&journal, "CreateResource");
    assert_eq!(c.len(), 1);
    assert_cloud_control_wire(c[0], "CreateResource", "us-west-2");
    let b = body(c[0]);
    assert_eq!(b["TypeName"], "AWS::SageMaker::Image");
    let desired: Value = serde_json::from_str(b["DesiredState"].as_str().unwrap()).unwrap();
    assert_eq!(
        desired,
        json!({"ImageName": "cc-image", "ImageRoleArn": ROLE, "Tags": [{"Key": "k", "Value": "v"}]})
    );

    let rows = stackql(
        &reg,
        Some(&emu.url()),
        &["exec", "-o", "json", "SELECT region, image_arn FROM awscc.sagemaker.images_list_only WHERE region = 'us-west-2'"],
    )
    .ok()
    .json();
    let arn = "arn:aws:sagemaker:us-west-2:123456789012:image/cc-image";
    assert_eq!(rows, json!([{"region": "us-west-2", "image_arn": arn}]));

    let rows = stackql(
        &reg,
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            &format!("SELECT image_name, image_role_arn, tags FROM awscc.sagemaker.images WHERE Identifier = '{arn}' AND region = 'us-west-2'"),
        ],
    )
    .ok()
    .json();
    assert_eq!(rows[0]["image_name"], "cc-image");
    assert_eq!(rows[0]["image_role_arn"], ROLE);
    let tags: Value = serde_json::from_str(rows[0]["tags"].as_str().unwrap()).unwrap();
    assert_eq!(tags, json!([{"Key": "k", "Value": "v"}]));
    let journal = emu.journal();
    let g = ops(&journal, "GetResource");
    assert_eq!(
        body(g[g.len() - 1]),
        json!({"TypeName": "AWS::SageMaker::Image", "Identifier": arn})
    );
}

#[test]
fn regions_of_an_in_list_are_all_fetched() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    for region in ["us-east-1", "eu-west-1"] {
        let insert = format!(
            "INSERT /*+ AWAIT */ INTO awscc.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'img-{region}', '{ROLE}', '{region}'"
        );
        stackql(&reg, Some(&emu.url()), &["exec", &insert]).ok();
    }
    let rows = stackql(
        &reg,
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            // One call at a time: identical-call caching must still tell regions apart
            // (with AWS_ENDPOINT_URL set, the region shows only in the signing scope).
            "--execution.concurrency.limit=1",
            "SELECT region, image_arn FROM awscc.sagemaker.images_list_only WHERE region IN ('us-east-1', 'eu-west-1', 'ap-south-1') ORDER BY region",
        ],
    )
    .ok()
    .json();
    let journal: Vec<String> = emu
        .journal()
        .iter()
        .map(|r| {
            format!(
                "{:?} {} {}",
                r.operation,
                r.status,
                String::from_utf8_lossy(&r.body)
            )
        })
        .collect();
    assert_eq!(
        rows,
        json!([
            {"region": "eu-west-1", "image_arn": "arn:aws:sagemaker:eu-west-1:123456789012:image/img-eu-west-1"},
            {"region": "us-east-1", "image_arn": "arn:aws:sagemaker:us-east-1:123456789012:image/img-us-east-1"}
        ]),
        "journal: {journal:#?}"
    );
    let lists = ops(&emu.journal(), "ListResources").len();
    assert_eq!(lists, 3, "one listing per region of the IN list");
}

/// The DesiredState of the only CreateResource in the journal, parsed from its JSON string.
fn desired_state(emu: &stackql_testkit::Emulator) -> (Value, Value) {
    let journal = emu.journal();
    let c = ops(&journal, "CreateResource");
    assert_eq!(c.len(), 1);
    assert_cloud_control_wire(c[0], "CreateResource", "us-west-2");
    let b = write_body(c[0]);
    let desired = serde_json::from_str(b["DesiredState"].as_str().expect("a JSON string"))
        .expect("DesiredState is JSON");
    (b, desired)
}

#[test]
fn an_insert_naming_no_property_sends_an_empty_desired_state() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    let run = stackql(
        &reg,
        Some(&emu.url()),
        &[
            "exec",
            "INSERT /*+ AWAIT */ INTO awscc.apigateway.rest_apis (region) SELECT 'us-west-2'",
        ],
    )
    .ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let (b, desired) = desired_state(&emu);
    assert_eq!(b["TypeName"], "AWS::ApiGateway::RestApi");
    assert_eq!(desired, json!({}));
}

#[test]
fn one_of_json_properties_are_embedded_as_json() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    // KeySchema is `oneOf: [array, object]`: the SQL string is parsed, not sent as text.
    let insert = "INSERT /*+ AWAIT */ INTO awscc.dynamodb.tables \
         (TableName, KeySchema, AttributeDefinitions, BillingMode, region) SELECT 't1', \
         '[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]', \
         '[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}]', 'PAY_PER_REQUEST', 'us-west-2'";
    let run = stackql(&reg, Some(&emu.url()), &["exec", insert]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let (_, desired) = desired_state(&emu);
    assert_eq!(
        desired["KeySchema"],
        json!([{"AttributeName": "id", "KeyType": "HASH"}])
    );

    // A value that is not JSON of either kind is refused before any call.
    let bad = stackql(
        &reg,
        Some(&emu.url()),
        &[
            "exec",
            "INSERT INTO awscc.dynamodb.tables (TableName, KeySchema, region) SELECT 't2', 'id', 'us-west-2'",
        ],
    );
    assert!(
        bad.stderr
            .contains("KeySchema expects a JSON object or array"),
        "{}",
        bad.stderr
    );
    assert_eq!(ops(&emu.journal(), "CreateResource").len(), 1);
}

#[test]
fn a_property_named_like_a_request_field_goes_to_desired_state() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    let insert = format!(
        "INSERT /*+ AWAIT */ INTO awscc.logs.destinations \
         (DestinationName, TargetArn, RoleArn, data__RoleArn, region) \
         SELECT 'd1', 'arn:aws:kinesis:us-west-2:123456789012:stream/s', '{ROLE}', '{CC_ROLE}', 'us-west-2'"
    );
    let run = stackql(&reg, Some(&emu.url()), &["exec", &insert]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let (b, desired) = desired_state(&emu);
    assert_eq!(desired["RoleArn"], ROLE);
    assert_eq!(desired["DestinationName"], "d1");
    // The request field of that name stays reachable under its `data__` name.
    assert_eq!(b["RoleArn"], CC_ROLE);
    let fields = stackql(
        &reg,
        None,
        &[
            "exec",
            "-o",
            "json",
            "DESCRIBE METHOD awscc.logs.destinations.create_resource",
        ],
    )
    .ok()
    .json();
    let names: Vec<&str> = fields
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(names.contains(&"RoleArn"), "{names:?}");
    assert!(names.contains(&"data__RoleArn"), "{names:?}");
}

#[test]
fn a_type_name_property_goes_to_desired_state_and_the_resource_type_stays() {
    let reg = shared_registry();
    let emu = emulator(&reg, 20);
    // AppSync's resolver has a `TypeName` property (a GraphQL type); Cloud Control's
    // `TypeName` stays the resource type (`request.base`). The resolver has no `RoleArn`
    // property, so there the plain name is still the envelope's field: the rule is per type.
    let insert = format!(
        "INSERT /*+ AWAIT */ INTO awscc.appsync.resolvers \
         (ApiId, FieldName, TypeName, RoleArn, region) \
         SELECT 'api1', 'getPost', 'Query', '{ROLE}', 'us-west-2'"
    );
    let run = stackql(&reg, Some(&emu.url()), &["exec", &insert]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let (b, desired) = desired_state(&emu);
    assert_eq!(b["TypeName"], "AWS::AppSync::Resolver");
    assert_eq!(b["RoleArn"], ROLE);
    assert_eq!(
        desired,
        json!({"ApiId": "api1", "FieldName": "getPost", "TypeName": "Query"})
    );

    // SHOW INSERT asks for the property under its own name.
    let shown = stackql(
        &reg,
        None,
        &[
            "exec",
            "-o",
            "json",
            "SHOW INSERT /*+ REQUIRED */ INTO awscc.logs.destinations",
        ],
    )
    .ok()
    .json();
    let text = shown[0]["insert_statement"].as_str().unwrap().to_string();
    assert!(text.contains("RoleArn,"), "{text}");
    assert!(!text.contains("data__"), "{text}");
}
