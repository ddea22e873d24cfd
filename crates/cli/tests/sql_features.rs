//! SQL over provider tables: joins between a listing view and a per-resource view (the
//! identifier flows from the outer row into the inner call), JSON functions, CTEs,
//! GROUP BY, ORDER BY and LIMIT, all in the embedded SQLite.

mod common;

use common::*;
use serde_json::json;
use stackql_testkit::aws_registry;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

fn seed(reg: &std::path::Path, url: &str) {
    let insert = format!(
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, Tags, region) VALUES \
         ('a', '{ROLE}', '[{{\"Key\":\"team\",\"Value\":\"ml\"}}]', 'us-east-1'), \
         ('b', '{ROLE}', '[{{\"Key\":\"team\",\"Value\":\"ml\"}},{{\"Key\":\"env\",\"Value\":\"dev\"}}]', 'us-east-1'), \
         ('c', '{ROLE}', '[]', 'us-east-1')"
    );
    stackql(reg, Some(url), &["exec", &insert]).ok();
}

#[test]
fn list_then_detail_join_passes_identifiers_into_the_inner_table() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    seed(reg.root(), &emu.url());
    emu.server().clear_journal();
    let sql = "SELECT d.image_name, d.image_role_arn \
               FROM aws.sagemaker.images l \
               JOIN aws.sagemaker.image d ON d.data__Identifier = l.image_arn AND d.region = l.region \
               WHERE l.region = 'us-east-1' ORDER BY d.image_name";
    let rows = stackql(reg.root(), Some(&emu.url()), &["exec", "-o", "json", sql])
        .ok()
        .json();
    assert_eq!(
        rows,
        json!([
            {"image_name": "a", "image_role_arn": ROLE},
            {"image_name": "b", "image_role_arn": ROLE},
            {"image_name": "c", "image_role_arn": ROLE}
        ])
    );
    let journal = emu.journal();
    assert_eq!(ops(&journal, "ListResources").len(), 1);
    assert_eq!(
        ops(&journal, "GetResource").len(),
        3,
        "one GetResource per listed image"
    );
}

#[test]
fn json_each_cte_group_by_order_limit() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    seed(reg.root(), &emu.url());
    let sql = "WITH tags AS ( \
                 SELECT d.image_name, j.value ->> '$.Key' AS k, j.value ->> '$.Value' AS v \
                 FROM aws.sagemaker.images l \
                 JOIN aws.sagemaker.image d ON d.data__Identifier = l.image_arn AND d.region = l.region, \
                 json_each(d.tags) j \
                 WHERE l.region = 'us-east-1') \
               SELECT k, COUNT(*) AS n, group_concat(image_name) AS images FROM tags \
               GROUP BY k ORDER BY n DESC, k LIMIT 5";
    let rows = stackql(reg.root(), Some(&emu.url()), &["exec", "-o", "json", sql])
        .ok()
        .json();
    assert_eq!(
        rows,
        json!([
            {"k": "team", "n": 2, "images": "a,b"},
            {"k": "env", "n": 1, "images": "b"}
        ])
    );
    let count = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", "-o", "json", "SELECT count(*) AS n FROM aws.sagemaker.images WHERE region = 'us-east-1' AND image_arn LIKE '%/b'"],
    )
    .ok()
    .json();
    assert_eq!(count, json!([{"n": 1}]));
}

#[test]
fn auth_json_endpoint_override_session_token_and_iqldata() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.json");
    std::fs::write(
        &data,
        r#"{"name": "from-iqldata", "role": "arn:aws:iam::123456789012:role/x"}"#,
    )
    .unwrap();
    let (key, secret) = stackql_testkit::test_credentials();
    let auth = r#"{"aws":{"type":"aws_signing_v4","keyIDenvvar":"MY_KEY","credentialsenvvar":"MY_SECRET"}}"#;
    let run = stackql_with_env(
        reg.root(),
        Some("http://127.0.0.1:9"), // AWS_ENDPOINT_URL points nowhere...
        &[
            "exec",
            // -v: the created identifier is reported (and the session token still is not).
            "-v",
            "--auth",
            auth,
            "--iqldata",
            &data.display().to_string(),
            "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT {{ name }}, {{ role }}, 'us-east-1'",
        ],
        &[
            ("MY_KEY", key),
            ("MY_SECRET", secret),
            ("AWS_SESSION_TOKEN", "session-token-value"),
            // ...the service-specific variable wins, as in the AWS SDKs.
            ("AWS_ENDPOINT_URL_CLOUDCONTROL", &emu.url()),
        ],
    )
    .ok();
    assert!(run.stderr.contains("image/from-iqldata"), "{}", run.stderr);
    assert!(!run.stderr.contains("session-token-value"));
    let journal = emu.journal();
    let c = ops(&journal, "CreateResource")[0];
    assert_eq!(
        c.header("x-amz-security-token"),
        Some("session-token-value")
    );
    assert!(
        c.header("authorization")
            .unwrap()
            .contains("x-amz-security-token"),
        "the token is signed"
    );
}

#[test]
fn page_limit_caps_and_says_so() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 1);
    seed(reg.root(), &emu.url());
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            "--http.response.pageLimit",
            "2",
            "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2);
    assert!(
        run.stderr.contains("stopped after 2 page(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn exec_reads_a_request_status_with_at_at_json() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        // -v: after StackQL's message, the request token to follow the write up with.
        &["exec", "-v", &format!("INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'e', '{ROLE}', 'us-east-1'")],
    )
    .ok();
    let token = run
        .stderr
        .split("request token ")
        .nth(1)
        .and_then(|t| t.split([')', ' ', '\n']).next())
        .expect("the request token is printed")
        .to_string();
    let exec = format!(
        "EXEC aws.cloud_control.resource_request.get_resource_request @region = 'us-east-1' @@json = '{{\"RequestToken\": \"{token}\"}}'"
    );
    let rows = stackql(reg.root(), Some(&emu.url()), &["exec", "-o", "json", &exec])
        .ok()
        .json();
    assert_eq!(rows[0]["RequestToken"], token.as_str());
    assert_eq!(rows[0]["Operation"], "CREATE");
    assert_eq!(rows[0]["TypeName"], "AWS::SageMaker::Image");
    let journal = emu.journal();
    let s = ops(&journal, "GetResourceRequestStatus");
    assert_eq!(s.len(), 1);
    assert_cloud_control_wire(s[0], "GetResourceRequestStatus", "us-east-1");
    assert_eq!(body(s[0]), json!({"RequestToken": token}));
    // A required parameter missing from EXEC is named, nothing sent.
    let before = emu.journal().len();
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "EXEC aws.cloud_control.resource_request.get_resource_request @@json = '{}'",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("missing required parameter"),
        "{}",
        r.stderr
    );
    assert_eq!(emu.journal().len(), before);
}
