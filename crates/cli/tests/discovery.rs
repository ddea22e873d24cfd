//! Discovery statements through the real binary: `SHOW PROVIDERS|SERVICES|RESOURCES|METHODS`,
//! `SHOW INSERT INTO`, `DESCRIBE [EXTENDED]`, `DESCRIBE METHOD`, with LIKE and WHERE, against
//! the May-2024 aws snapshot as it ships. Nothing is sent: the
//! endpoint is an unroutable port, so any call would fail the statement.

mod common;

use common::*;
use serde_json::{json, Value};
use stackql_testkit::{aws_registry, shared_registry};

fn rows(args: &[&str], registry: &std::path::Path) -> Vec<Value> {
    let mut all = vec!["-o", "json"];
    all.extend_from_slice(args);
    match stackql(registry, None, &all).ok().json() {
        Value::Array(rows) => rows,
        other => panic!("expected an array of rows, got {other}"),
    }
}

fn fails(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 1,
        "expected exit 1\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "stderr should contain {needle:?}:\n{}",
        run.stderr
    );
}

#[test]
fn show_methods_lists_the_view_first_then_methods_by_verb() {
    let reg = aws_registry();
    let got = rows(
        &["exec", "SHOW METHODS IN aws.sagemaker.images"],
        reg.root(),
    );
    // As StackQL: the view first, with its predicate's requiredParams (none here).
    assert_eq!(
        got,
        vec![
            json!({"MethodName": "__view__", "RequiredParams": "", "SQLVerb": "SELECT"}),
            json!({"MethodName": "create_resource", "RequiredParams": "data__DesiredState, region", "SQLVerb": "INSERT"}),
            json!({"MethodName": "delete_resource", "RequiredParams": "data__Identifier, region", "SQLVerb": "DELETE"}),
        ]
    );
    // The singular resource: its predicate names no requiredParams either.
    let got = rows(
        &[
            "exec",
            "SHOW EXTENDED METHODS IN aws.sagemaker.image WHERE SQLVerb = 'SELECT'",
        ],
        reg.root(),
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["MethodName"], "__view__");
    assert_eq!(got[0]["RequiredParams"], "");
    assert!(got[0]["description"]
        .as_str()
        .is_some_and(|d| d.contains("AWS::SageMaker::Image")));
    let got = rows(
        &[
            "exec",
            "SHOW METHODS IN aws.sagemaker.images LIKE '%_resource'",
        ],
        reg.root(),
    );
    let names: Vec<&str> = got
        .iter()
        .map(|r| r["MethodName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["create_resource", "delete_resource"]);
}

#[test]
fn describe_lists_view_columns_as_stackql_types_them() {
    let reg = aws_registry();
    // Sorted by name; computed columns are text, parameters passed through have no type.
    assert_eq!(
        rows(&["exec", "DESCRIBE aws.sagemaker.image"], reg.root()),
        [
            "data__Identifier",
            "image_arn",
            "image_description",
            "image_display_name"
        ]
        .iter()
        .map(|n| (n, if n.starts_with("data__") { "" } else { "text" }))
        .chain([
            (&"image_name", "text"),
            (&"image_role_arn", "text"),
            (&"region", ""),
            (&"tags", "text"),
        ])
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect::<Vec<_>>()
    );
    assert_eq!(
        rows(
            &["exec", "DESCRIBE EXTENDED aws.sagemaker.images"],
            reg.root()
        ),
        vec![
            json!({"name": "image_arn", "type": "text", "description": ""}),
            json!({"name": "region", "type": "", "description": ""}),
        ]
    );
    // A table that is not a view: its response fields, then its parameters.
    let got = rows(
        &["exec", "DESCRIBE aws.cloud_control.resources"],
        reg.root(),
    );
    let names: Vec<&str> = got.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"Identifier") && names.contains(&"Properties"),
        "{names:?}"
    );
    let props = names.iter().position(|n| *n == "Properties").unwrap();
    let region = names.iter().position(|n| *n == "region").unwrap();
    assert!(props < region, "fields before parameters: {names:?}");
}

#[test]
fn describe_method_shows_inputs_and_outputs() {
    let reg = aws_registry();
    let got = rows(
        &[
            "exec",
            "DESCRIBE METHOD aws.sagemaker.images.create_resource",
        ],
        reg.root(),
    );
    let find = |n: &str| {
        got.iter()
            .find(|r| r["name"] == n)
            .unwrap_or_else(|| panic!("no {n} in {got:?}"))
            .clone()
    };
    assert_eq!(find("region")["param_type"], "input_required");
    assert_eq!(find("ImageName")["param_type"], "input_optional");
    assert_eq!(find("Tags")["type"], "array");
    assert!(find("Tags")["shape"].as_str().unwrap().contains("\"Key\""));
    assert_eq!(find("data__DesiredState")["param_type"], "input_required");
    assert!(got.iter().any(|r| r["param_type"] == "output"), "{got:?}");
    assert!(got[0].get("description").is_none());
}

#[test]
fn show_providers_services_resources_with_like_and_where() {
    let shared = shared_registry();
    let got = rows(&["exec", "SHOW PROVIDERS"], &shared);
    assert_eq!(
        got,
        vec![
            json!({"name": "aws", "version": "v00.00.00000"}),
            json!({"name": "awscc", "version": "v00.00.00000"}),
        ]
    );
    let reg = aws_registry();
    let got = rows(&["exec", "SHOW SERVICES IN aws LIKE 'sage%'"], reg.root());
    assert_eq!(
        got,
        vec![json!({"id": "sagemaker:v00.00.00000", "name": "sagemaker", "title": "sagemaker"})]
    );
    let got = rows(&["exec", "SHOW SERVICES IN aws"], reg.root());
    assert_eq!(got.len(), 220);
    let got = rows(
        &[
            "exec",
            "SHOW EXTENDED SERVICES IN aws WHERE name IN ('ec2_api', 'iam_api')",
        ],
        reg.root(),
    );
    let names: Vec<&str> = got.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ec2_api", "iam_api"]);
    assert!(got[0].get("description").is_some());
    let got = rows(
        &[
            "exec",
            "SHOW EXTENDED RESOURCES IN aws.sagemaker WHERE name IN ('image', 'images')",
        ],
        reg.root(),
    );
    assert_eq!(
        got,
        vec![
            json!({"name": "image", "id": "aws.sagemaker.image", "description": "Resource Type definition for AWS::SageMaker::Image"}),
            json!({"name": "images", "id": "aws.sagemaker.images", "description": "Resource Type definition for AWS::SageMaker::Image"}),
        ]
    );
    let got = rows(
        &[
            "exec",
            "SHOW RESOURCES IN aws.sagemaker WHERE id = 'aws.sagemaker.images'",
        ],
        reg.root(),
    );
    assert_eq!(
        got,
        vec![json!({"name": "images", "id": "aws.sagemaker.images"})]
    );
}

#[test]
fn show_insert_into_is_a_ready_template() {
    let reg = aws_registry();
    let run = stackql(
        reg.root(),
        None,
        &[
            "-o",
            "text",
            "-H",
            "exec",
            "SHOW /*+ REQUIRED */ INSERT INTO aws.sagemaker.images",
        ],
    )
    .ok();
    assert_eq!(
        run.stdout,
        "INSERT INTO aws.sagemaker.images (\n  ImageName,\n  ImageRoleArn,\n  region\n)\nSELECT\n  {{ ImageName }},\n  {{ ImageRoleArn }},\n  'us-east-1'\n;\n"
    );
    let run = stackql(
        reg.root(),
        None,
        &[
            "-o",
            "text",
            "-H",
            "exec",
            "SHOW EXTENDED INSERT INTO aws.sagemaker.images",
        ],
    )
    .ok();
    assert!(
        run.stdout
            .starts_with("<<<json\n{\n \"ImageName\": \"{{ ImageName }}\","),
        "{}",
        run.stdout
    );
    for col in [
        "ImageDisplayName",
        "ImageDescription",
        "Tags",
        "\"Key\": \"{{ Key }}\"",
    ] {
        assert!(run.stdout.contains(col), "{col} missing:\n{}", run.stdout);
    }
    // Read-only properties are not insertable.
    assert!(!run.stdout.contains("ImageArn"), "{}", run.stdout);
}

#[test]
fn unknown_names_and_bad_syntax_are_reported() {
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SHOW METHODS IN aws.sagemaker.imags"],
    );
    fails(&r, "unknown resource 'imags'");
    fails(&r, "images");
    let r = stackql(reg.root(), None, &["exec", "SHOW SERVICES IN awz"]);
    fails(&r, "did you mean 'aws'");
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SHOW RESOURCES IN aws.sagemakr"],
    );
    fails(&r, "did you mean 'sagemaker'");
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "DESCRIBE METHOD aws.sagemaker.images.create_resorce",
        ],
    );
    fails(&r, "unknown method 'create_resorce'");
    fails(&r, "create_resource");
    let r = stackql(reg.root(), None, &["exec", "DESCRIBE aws.sagemaker"]);
    fails(&r, "3 parts");
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SHOW SERVICES IN aws WHERE nonesuch = 1"],
    );
    fails(&r, "nonesuch");
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SHOW INSERT INTO aws.cloud_control.resource"],
    );
    fails(&r, "has no INSERT method");
}
