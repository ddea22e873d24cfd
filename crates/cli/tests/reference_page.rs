//! The reference page (`../shared/spec/aws.sagemaker.images.md`) end to end: every SQL
//! example verbatim through the real binary against the emulator, which verifies every
//! SigV4 signature; the wire is asserted from the emulator's journal.

mod common;

use common::*;
use serde_json::{json, Value};
use stackql_testkit::{aws_registry, reference_examples};

const ROLE: &str = "arn:aws:iam::123456789012:role/sagemaker-role";

fn write_iql(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn create_image(reg: &std::path::Path, url: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let awaited = reference_examples()
        .insert_required
        .replace("INSERT INTO", "INSERT /*+ AWAIT */ INTO");
    let f = write_iql(dir.path(), "insert.iql", &awaited);
    stackql(
        reg,
        Some(url),
        &[
            "exec",
            "-i",
            &f,
            "--var",
            &format!("ImageName={name}"),
            "--var",
            &format!("ImageRoleArn={ROLE}"),
        ],
    )
    .ok();
}

#[test]
fn insert_required_properties_verbatim_sends_desired_state_string() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let dir = tempfile::tempdir().unwrap();
    let f = write_iql(
        dir.path(),
        "insert.iql",
        &reference_examples().insert_required,
    );
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-i",
            &f,
            "--var",
            "ImageName=my-image",
            "--var",
            &format!("ImageRoleArn={ROLE}"),
        ],
    )
    .ok();
    assert!(
        run.stderr
            .contains("The operation was despatched successfully"),
        "{}",
        run.stderr
    );
    let journal = emu.journal();
    let creates = ops(&journal, "CreateResource");
    assert_eq!(creates.len(), 1, "exactly one create call");
    let c = creates[0];
    assert_cloud_control_wire(c, "CreateResource", "us-east-1");
    let b = write_body(c);
    assert_eq!(b["TypeName"], "AWS::SageMaker::Image");
    let desired = b["DesiredState"]
        .as_str()
        .expect("DesiredState is a JSON string");
    let desired: Value = serde_json::from_str(desired).unwrap();
    assert_eq!(
        desired,
        json!({"ImageName": "my-image", "ImageRoleArn": ROLE})
    );
    // The registry's `__Image` query markers are not sent.
    assert!(!c.path_and_query.contains("__"), "{}", c.path_and_query);
}

#[test]
fn insert_all_properties_sends_tags_as_json_array_and_awaits() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let dir = tempfile::tempdir().unwrap();
    // The page's text with the AWAIT hint added: the await path polls the request status.
    let awaited = reference_examples()
        .insert_all
        .replace("INSERT INTO", "INSERT /*+ AWAIT */ INTO");
    let f = write_iql(dir.path(), "insert_all.iql", &awaited);
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-v",
            "-i",
            &f,
            "--var",
            "ImageName=img-all",
            "--var",
            &format!("ImageRoleArn={ROLE}"),
            "--var",
            "ImageDisplayName=Display 'quoted'",
            "--var",
            "ImageDescription=desc",
            "--var",
            "Key=team",
            "--var",
            "Value=ml",
        ],
    )
    .ok();
    // StackQL's line, then (-v) the identifier the awaited create reached.
    assert!(
        run.stderr
            .lines()
            .any(|l| l == "The operation completed successfully"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("arn:aws:sagemaker:us-east-1:123456789012:image/img-all: SUCCESS"),
        "{}",
        run.stderr
    );
    let journal = emu.journal();
    let c = ops(&journal, "CreateResource")[0];
    let desired: Value = serde_json::from_str(body(c)["DesiredState"].as_str().unwrap()).unwrap();
    assert_eq!(
        desired,
        json!({
            "ImageName": "img-all",
            "ImageRoleArn": ROLE,
            "ImageDisplayName": "Display 'quoted'",
            "ImageDescription": "desc",
            "Tags": [{"Value": "ml", "Key": "team"}]
        })
    );
    let polls = ops(&journal, "GetResourceRequestStatus");
    assert!(!polls.is_empty(), "AWAIT polls the request status");
    assert_cloud_control_wire(polls[0], "GetResourceRequestStatus", "us-east-1");
    let token = body(polls[0])["RequestToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
}

#[test]
fn select_verbatim_follows_every_page() {
    let reg = aws_registry();
    // Page size 2 with 5 images: three pages, NextToken followed to the end.
    let emu = emulator(reg.root(), 2);
    for i in 0..5 {
        create_image(reg.root(), &emu.url(), &format!("img-{i}"));
    }
    emu.server().clear_journal();
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", "-o", "json", &reference_examples().select],
    )
    .ok();
    let rows = run.json();
    let mut arns: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["region"], "us-east-1");
            r["image_arn"].as_str().unwrap().to_string()
        })
        .collect();
    arns.sort();
    let expected: Vec<String> = (0..5)
        .map(|i| format!("arn:aws:sagemaker:us-east-1:123456789012:image/img-{i}"))
        .collect();
    assert_eq!(arns, expected);
    let journal = emu.journal();
    let lists = ops(&journal, "ListResources");
    assert_eq!(lists.len(), 3, "three pages");
    for (i, l) in lists.iter().enumerate() {
        assert_cloud_control_wire(l, "ListResources", "us-east-1");
        let b = body(l);
        assert_eq!(b["TypeName"], "AWS::SageMaker::Image");
        assert_eq!(b.get("NextToken").is_some(), i > 0, "page {i} NextToken");
    }
    assert_eq!(journal.len(), 3, "nothing but the listing was sent");
}

#[test]
fn read_and_update_one_image_through_image_resource() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    create_image(reg.root(), &emu.url(), "one");
    let arn = "arn:aws:sagemaker:us-east-1:123456789012:image/one";
    emu.server().clear_journal();
    let get = format!(
        "SELECT image_name, image_arn, image_role_arn, region FROM aws.sagemaker.image WHERE data__Identifier = '{arn}' AND region = 'us-east-1'"
    );
    let rows = stackql(reg.root(), Some(&emu.url()), &["exec", "-o", "json", &get])
        .ok()
        .json();
    assert_eq!(
        rows,
        json!([{"image_name": "one", "image_arn": arn, "image_role_arn": ROLE, "region": "us-east-1"}])
    );
    let journal = emu.journal();
    let g = ops(&journal, "GetResource");
    assert_eq!(g.len(), 1);
    assert_cloud_control_wire(g[0], "GetResource", "us-east-1");
    assert_eq!(
        body(g[0]),
        json!({"TypeName": "AWS::SageMaker::Image", "Identifier": arn})
    );

    emu.server().clear_journal();
    let patch = r#"[{"op":"add","path":"/ImageDescription","value":"updated"}]"#;
    let update = format!(
        "UPDATE /*+ AWAIT */ aws.sagemaker.image SET data__PatchDocument = string('{patch}') WHERE data__Identifier = '{arn}' AND region = 'us-east-1'"
    );
    let run = stackql(reg.root(), Some(&emu.url()), &["exec", &update]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let journal = emu.journal();
    let u = ops(&journal, "UpdateResource");
    assert_eq!(u.len(), 1);
    assert_cloud_control_wire(u[0], "UpdateResource", "us-east-1");
    let b = body(u[0]);
    assert_eq!(b["Identifier"], arn);
    assert_eq!(b["TypeName"], "AWS::SageMaker::Image");
    assert_eq!(
        b["PatchDocument"].as_str(),
        Some(patch),
        "PatchDocument goes as a string"
    );

    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            &get.replace("image_name,", "image_description,"),
        ],
    )
    .ok()
    .json();
    assert_eq!(rows[0]["image_description"], "updated");
}

#[test]
fn delete_verbatim_then_awaited_failure_then_real_delete() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    create_image(reg.root(), &emu.url(), "gone");
    emu.server().clear_journal();
    // Verbatim: '<ImageArn>' is sent as is; Cloud Control accepts the request and the
    // failure only shows in the request's final status.
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", &reference_examples().delete],
    )
    .ok();
    assert!(
        run.stderr
            .contains("The operation was despatched successfully"),
        "{}",
        run.stderr
    );
    let journal = emu.journal();
    let d = ops(&journal, "DeleteResource");
    assert_eq!(d.len(), 1);
    assert_cloud_control_wire(d[0], "DeleteResource", "us-east-1");
    assert_eq!(
        write_body(d[0]),
        json!({"TypeName": "AWS::SageMaker::Image", "Identifier": "<ImageArn>"})
    );

    // Awaited, the same statement fails with the error code and message, exit code 1.
    let awaited = reference_examples()
        .delete
        .replace("DELETE FROM", "DELETE /*+ AWAIT */ FROM");
    let run = stackql(reg.root(), Some(&emu.url()), &["exec", &awaited]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("FAILED"), "{}", run.stderr);
    assert!(run.stderr.contains("NotFound"), "{}", run.stderr);

    let arn = "arn:aws:sagemaker:us-east-1:123456789012:image/gone";
    let del = awaited.replace("<ImageArn>", arn);
    let run = stackql(reg.root(), Some(&emu.url()), &["exec", &del]).ok();
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", "-o", "json", &reference_examples().select],
    )
    .ok()
    .json();
    assert_eq!(rows, json!([]));
}

#[test]
fn signature_made_with_another_secret_is_refused() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let run = stackql_with_env(
        reg.root(),
        Some(&emu.url()),
        &["exec", &reference_examples().select],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("InvalidSignatureException"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("not-the-secret"),
        "the secret never appears in output"
    );
}
