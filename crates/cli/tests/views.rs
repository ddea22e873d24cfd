//! Registry views as StackQL runs them, through the real binary: outer parameters reaching a
//! view that does not show them, the view's literals as defaults, `requiredParams` variants
//! and their `fallback` chain, a list-and-detail join view, and how DESCRIBE and SHOW METHODS
//! present views. Mostly against our own `testdata/views` provider served by the emulator
//! (seeded from `testdata/views/seed.json`), and against the aws snapshot's views.

mod common;

use common::*;
use serde_json::{json, Value};
use stackql_testkit::{aws_registry, workspace_root, Emulator, EmulatorConfig};
use std::path::PathBuf;

fn viewlab() -> PathBuf {
    workspace_root().join("testdata/views")
}

fn viewlab_emulator() -> Emulator {
    Emulator::start(EmulatorConfig {
        registry_root: Some(viewlab()),
        seed_file: Some(viewlab().join("seed.json")),
        ..EmulatorConfig::default()
    })
}

fn query(emu: &Emulator, sql: &str) -> Vec<Value> {
    match stackql(&viewlab(), Some(&emu.url()), &["exec", "-o", "json", sql])
        .ok()
        .json()
    {
        Value::Array(rows) => rows,
        other => panic!("expected rows, got {other}"),
    }
}

/// (operation, region, body) of every Cloud Control read the emulator saw.
fn reads(emu: &Emulator) -> Vec<(String, String, Value)> {
    emu.journal()
        .iter()
        .filter(|r| {
            matches!(
                r.operation.as_deref(),
                Some("ListResources") | Some("GetResource")
            )
        })
        .map(|r| {
            let auth = r.header("authorization").unwrap_or_default();
            let region = auth.split('/').nth(2).unwrap_or_default().to_string();
            (r.operation.clone().unwrap_or_default(), region, body(r))
        })
        .collect()
}

fn fails(run: Run, needle: &str) {
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains(needle), "{needle:?} in {}", run.stderr);
}

#[test]
fn outer_parameters_reach_a_view_that_does_not_show_them() {
    let emu = viewlab_emulator();
    // The listing view shows no data__Identifier: the binding goes into the view (its
    // table then reads one resource) and out of the outer WHERE.
    let rows = query(
        &emu,
        "SELECT Arn, Colour FROM viewlab.storage.bucket_listing WHERE data__Identifier = 'alpha'",
    );
    assert_eq!(
        rows,
        vec![json!({"Arn": "arn:viewlab:::alpha", "Colour": "red"})]
    );
    let calls = reads(&emu);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].0, "GetResource");
    assert_eq!(calls[0].1, "us-east-1", "the view's region is the default");
    assert_eq!(calls[0].2["Identifier"], "alpha");
    assert_eq!(calls[0].2["TypeName"], "Viewlab::Storage::Bucket");
    // An IN list reaches it whole, each value one call; other conditions stay outside.
    let rows = query(
        &emu,
        "SELECT BucketName FROM viewlab.storage.bucket_listing \
         WHERE data__Identifier IN ('alpha', 'beta') AND Colour = 'blue'",
    );
    assert_eq!(rows, vec![json!({"BucketName": "beta"})]);
}

#[test]
fn view_literals_are_defaults_the_outer_where_overrides() {
    let emu = viewlab_emulator();
    // No region: the view's own `region = 'us-east-1'` applies instead of an error.
    let rows = query(
        &emu,
        "SELECT BucketName FROM viewlab.storage.bucket_listing ORDER BY 1",
    );
    assert_eq!(
        rows,
        vec![
            json!({"BucketName": "alpha"}),
            json!({"BucketName": "beta"})
        ]
    );
    // A region in WHERE replaces it, though the view does not show region.
    let before = reads(&emu).len();
    let rows = query(
        &emu,
        "SELECT BucketName FROM viewlab.storage.bucket_listing WHERE region IN ('eu-west-1', 'ap-southeast-2') ORDER BY 1",
    );
    assert_eq!(
        rows,
        vec![
            json!({"BucketName": "delta"}),
            json!({"BucketName": "gamma"})
        ]
    );
    let mut regions: Vec<String> = reads(&emu)[before..].iter().map(|c| c.1.clone()).collect();
    regions.sort();
    assert_eq!(
        regions,
        ["ap-southeast-2", "eu-west-1"],
        "us-east-1 is not read"
    );
    // A placeholder (`'<BucketName>'`) is never sent: without the parameter it is missing.
    fails(
        stackql(
            &viewlab(),
            Some(&emu.url()),
            &[
                "exec",
                "SELECT colour FROM viewlab.storage.bucket_detail_only",
            ],
        ),
        "missing required parameter data__Identifier for viewlab.storage.bucket_detail_only",
    );
}

#[test]
fn required_params_choose_the_variant_and_fallback() {
    let emu = viewlab_emulator();
    // Both parameters: the detail variant (postgres variants in the chain are not ours).
    let rows = query(
        &emu,
        "SELECT * FROM viewlab.storage.bucket_polymorphic WHERE data__Identifier = 'delta' AND region = 'ap-southeast-2'",
    );
    assert_eq!(
        rows,
        vec![
            json!({"region": "ap-southeast-2", "data__Identifier": "delta", "bucket_name": "delta", "colour": "black"})
        ]
    );
    // None: only a variant without required params, the listing (its default region).
    let rows = query(&emu, "SELECT * FROM viewlab.storage.bucket_polymorphic");
    assert_eq!(
        rows,
        vec![json!({"BucketName": "gamma", "Arn": "arn:viewlab:::gamma"})]
    );
    // A view whose only variant needs a parameter the statement lacks names it.
    fails(
        stackql(
            &viewlab(),
            Some(&emu.url()),
            &["exec", "SELECT * FROM viewlab.storage.bucket_detail WHERE region = 'us-east-1'"],
        ),
        "missing required parameter data__Identifier for viewlab.storage.bucket_detail (supply it in WHERE, e.g. data__Identifier = '<value>')",
    );
    let rows = query(
        &emu,
        "SELECT bucket_name, colour, region FROM viewlab.storage.bucket_detail WHERE data__Identifier = 'gamma' AND region = 'eu-west-1'",
    );
    assert_eq!(
        rows,
        vec![json!({"bucket_name": "gamma", "colour": "green", "region": "eu-west-1"})]
    );
}

#[test]
fn a_list_and_detail_view_plans_like_the_join_written_by_hand() {
    let emu = viewlab_emulator();
    let by_hand = query(
        &emu,
        "SELECT detail.region, JSON_EXTRACT(detail.Properties, '$.BucketName') AS bucket_name \
         FROM viewlab.cloud_control.resources listing \
         INNER JOIN viewlab.cloud_control.resource detail \
         ON detail.data__Identifier = listing.Identifier AND detail.region = listing.region \
         WHERE listing.data__TypeName = 'Viewlab::Storage::Bucket' \
         AND detail.data__TypeName = 'Viewlab::Storage::Bucket' AND listing.region = 'us-east-1' ORDER BY 2",
    );
    let view = query(
        &emu,
        "SELECT region, bucket_name FROM viewlab.storage.bucket_list_and_detail ORDER BY 2",
    );
    assert_eq!(view, by_hand);
    assert_eq!(view.len(), 2);
    let rows = query(
        &emu,
        "SELECT bucket_name, colour FROM viewlab.storage.bucket_list_and_detail WHERE region = 'eu-west-1'",
    );
    assert_eq!(
        rows,
        vec![json!({"bucket_name": "gamma", "colour": "green"})]
    );
    let rows = query(
        &emu,
        "SELECT bucket_name FROM viewlab.storage.bucket_list_and_detail WHERE data__Identifier = 'beta'",
    );
    assert_eq!(rows, vec![json!({"bucket_name": "beta"})]);
}

fn discover(registry: &std::path::Path, sql: &str) -> Vec<Value> {
    match stackql(registry, None, &["exec", "-o", "json", sql])
        .ok()
        .json()
    {
        Value::Array(rows) => rows,
        other => panic!("expected rows, got {other}"),
    }
}

#[test]
fn describe_a_view_sorted_with_relational_types() {
    assert_eq!(
        discover(&viewlab(), "DESCRIBE viewlab.storage.bucket_polymorphic"),
        vec![
            json!({"name": "bucket_name", "type": "text"}),
            json!({"name": "colour", "type": "text"}),
            json!({"name": "data__Identifier", "type": ""}),
            json!({"name": "region", "type": ""}),
        ]
    );
    // A response field passed through keeps its schema type; a joined table's parameter
    // has none.
    assert_eq!(
        discover(
            &viewlab(),
            "DESCRIBE EXTENDED viewlab.storage.bucket_list_and_detail"
        ),
        vec![
            json!({"name": "Identifier", "type": "string", "description": ""}),
            json!({"name": "bucket_name", "type": "text", "description": ""}),
            json!({"name": "colour", "type": "text", "description": ""}),
            json!({"name": "data__Identifier", "type": "", "description": ""}),
            json!({"name": "region", "type": "", "description": ""}),
        ]
    );
}

#[test]
fn show_methods_puts_the_view_first_and_orders_methods_by_verb() {
    let rows = discover(&viewlab(), "SHOW METHODS IN viewlab.storage.buckets");
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["MethodName"].as_str().unwrap().to_string(),
                r["RequiredParams"].as_str().unwrap().to_string(),
                r["SQLVerb"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("__view__", "region", "SELECT"),
        ("adopt_bucket", "data__DesiredState, region", "INSERT"),
        ("create_bucket", "data__DesiredState, region", "INSERT"),
        ("delete_bucket", "data__Identifier, region", "DELETE"),
        (
            "update_bucket",
            "data__Identifier, data__PatchDocument, region",
            "UPDATE",
        ),
        ("cancel_request", "data__RequestToken, region", "EXEC"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);
    // The primary variant's requiredParams, in the predicate's order.
    let rows = discover(
        &viewlab(),
        "SHOW METHODS IN viewlab.storage.bucket_polymorphic",
    );
    assert_eq!(
        rows,
        vec![
            json!({"MethodName": "__view__", "RequiredParams": "data__Identifier, region", "SQLVerb": "SELECT"})
        ]
    );
}

#[test]
fn the_aws_snapshot_views_take_defaults_and_outer_parameters() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    for region in ["us-east-1", "eu-west-1"] {
        stackql(
            reg.root(),
            Some(&emu.url()),
            &[
                "exec",
                &format!(
                    "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) \
                     SELECT 'img-{region}', 'arn:aws:iam::123456789012:role/r', '{region}'"
                ),
            ],
        )
        .ok();
    }
    let run = |sql: &str| match stackql(reg.root(), Some(&emu.url()), &["exec", "-o", "json", sql])
        .ok()
        .json()
    {
        Value::Array(rows) => rows,
        other => panic!("{other}"),
    };
    // No region: the view's `region = 'us-east-1'`.
    let rows = run("SELECT region, image_arn FROM aws.sagemaker.images");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["region"], "us-east-1");
    let arn = rows[0]["image_arn"].as_str().unwrap().to_string();
    let rows = run("SELECT region FROM aws.sagemaker.images WHERE region = 'eu-west-1'");
    assert_eq!(rows, vec![json!({"region": "eu-west-1"})]);
    // The detail view: the identifier binding replaces its placeholder; region defaults.
    let rows = run(&format!(
        "SELECT image_name FROM aws.sagemaker.image WHERE data__Identifier = '{arn}'"
    ));
    assert_eq!(rows, vec![json!({"image_name": "img-us-east-1"})]);
}
