//! Wire safety (issue 8): user text never chooses the host that receives signed requests,
//! a write is sent once unless it carries an idempotency token, answers are bounded in
//! size while they stream, malformed answers are errors naming the JSONPath, and the retry
//! summary counts only retries that succeeded. Every server here is on 127.0.0.1.

mod common;
mod loopback;

use common::*;
use loopback::{json, Loopback, Recorded, Reply};
use stackql_testkit::aws_registry;
use std::collections::BTreeSet;
use std::net::TcpListener;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";
const CC_INSERT: &str = "INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) \
     SELECT 'img-1', 'arn:aws:iam::123456789012:role/r', 'us-east-1'";
const IAM_INSERT: &str =
    "INSERT INTO aws.iam_api.users (UserName, region) SELECT 'someone', 'us-east-1'";
const EC2_EXEC: &str = "EXEC aws.ec2_api.address.address_Allocate @region = 'us-east-1'";
const LIST_TWO_REGIONS: &str = "SELECT region, identifier FROM aws.cloud_control.resources \
     WHERE data__TypeName = 'AWS::SageMaker::Image' AND region IN ('us-east-1', 'us-west-2') \
     ORDER BY identifier";

fn run(server: &Loopback, args: &[&str]) -> Run {
    let reg = aws_registry();
    stackql(reg.root(), Some(&server.url()), args)
}

fn with_flags<'a>(flags: &[&'a str], sql: &'a str) -> Vec<&'a str> {
    let mut args = vec!["exec"];
    args.extend_from_slice(flags);
    args.push(sql);
    args
}

const FAIL_500: fn(&Recorded, usize) -> Reply =
    |_, _| json(500, r#"{"__type":"InternalFailure","message":"try again"}"#);

fn client_tokens(requests: &[Recorded]) -> BTreeSet<String> {
    requests
        .iter()
        .map(|r| {
            r.json()["ClientToken"]
                .as_str()
                .unwrap_or_else(|| panic!("a write without ClientToken: {r:?}"))
                .to_string()
        })
        .collect()
}

#[test]
fn a_cloud_control_write_is_retried_with_the_same_client_token() {
    let server = Loopback::start(FAIL_500);
    let r = run(
        &server,
        &with_flags(&["--http.retry.maxAttempts", "3"], CC_INSERT),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 500"), "{}", r.stderr);
    let sent = server.requests();
    assert_eq!(sent.len(), 3, "every attempt of a tokened write is sent");
    assert_eq!(
        client_tokens(&sent).len(),
        1,
        "one ClientToken for all attempts"
    );

    // A timeout is retried the same way.
    let server = Loopback::start(|_, _| Reply::Silence);
    let r = run(
        &server,
        &with_flags(
            &["--http.retry.maxAttempts", "2", "--apirequesttimeout", "1"],
            CC_INSERT,
        ),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("timed out"), "{}", r.stderr);
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(client_tokens(&sent).len(), 1);
}

#[test]
fn an_unreadable_answer_to_a_write_is_reported_not_retried() {
    let server = Loopback::start(|_, _| {
        Reply::Answer(
            200,
            vec![("x-amzn-RequestId", "req-123".into())],
            "<html>\u{1b}[2Jgateway</html>".into(),
        )
    });
    let r = run(
        &server,
        &with_flags(&["--http.retry.maxAttempts", "5"], CC_INSERT),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        server.requests().len(),
        1,
        "sent once: it may have taken effect"
    );
    for part in [
        "not JSON",
        "HTTP 200",
        "request id req-123",
        "<html>\\x1b[2Jgateway",
    ] {
        assert!(r.stderr.contains(part), "{part} missing from: {}", r.stderr);
    }
    assert!(!r.stderr.contains('\u{1b}'), "control bytes are escaped");
}

#[test]
fn a_query_protocol_write_is_sent_exactly_once() {
    // The document makes IAM's CreateUser an HTTP GET; it is sent as the query protocol's
    // form POST, and neither verb may make a write look retryable.
    for (name, sql) in [("iam insert", IAM_INSERT), ("ec2 exec", EC2_EXEC)] {
        let server = Loopback::start(FAIL_500);
        let r = run(
            &server,
            &with_flags(&["--http.retry.maxAttempts", "5"], sql),
        );
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert!(r.stderr.contains("HTTP 500"), "{name}: {}", r.stderr);
        let sent = server.requests();
        assert_eq!(sent.len(), 1, "{name}: a 500 is not retried");
        if name == "iam insert" {
            assert_eq!(sent[0].method, "POST");
            let form = String::from_utf8_lossy(&sent[0].body);
            assert!(form.contains("Action=CreateUser"), "{:?}", sent[0]);
        }

        let server = Loopback::start(|_, _| Reply::Silence);
        let r = run(
            &server,
            &with_flags(
                &["--http.retry.maxAttempts", "5", "--apirequesttimeout", "1"],
                sql,
            ),
        );
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert_eq!(
            server.requests().len(),
            1,
            "{name}: a timeout is not retried"
        );

        let server = Loopback::start(|_, _| {
            Reply::Answer(
                500,
                vec![("x-amzn-RequestId", "r-9".into())],
                "\u{0}\u{ff}".into(),
            )
        });
        let r = run(
            &server,
            &with_flags(&["--http.retry.maxAttempts", "5"], sql),
        );
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert_eq!(
            server.requests().len(),
            1,
            "{name}: an unreadable 500 is not retried"
        );
        assert!(
            r.stderr.contains("\\x00\\xc3\\xbf"),
            "{name}: the body's bytes are shown escaped: {}",
            r.stderr
        );
    }
}

#[test]
fn an_answer_over_the_size_limit_fails_while_it_streams() {
    let server = Loopback::start(|_, _| Reply::Endless);
    let limit = 1024 * 1024;
    let limit_text = limit.to_string();
    let r = run(
        &server,
        &with_flags(
            &[
                "--http.response.maxBytes",
                &limit_text,
                "--apirequesttimeout",
                "60",
            ],
            "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        ),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "larger than {limit} bytes, the limit set by --http.response.maxBytes"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(server.requests().len(), 1, "a size refusal is not retried");
    // The client hung up near the limit, long before the endless body's 4 GiB backstop:
    // what was sent beyond the limit is only what socket buffers hold.
    let sent = server
        .endless_bytes
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        sent < 64 * 1024 * 1024,
        "{sent} bytes were sent before the client stopped"
    );
}

#[test]
fn a_malformed_listing_is_an_error_naming_the_method_and_path() {
    let server = Loopback::start(|_, _| json(200, r#"{"ResourceDescriptions":"notalist"}"#));
    let r = run(
        &server,
        &with_flags(
            &["-o", "json"],
            "SELECT identifier FROM aws.cloud_control.resources \
             WHERE data__TypeName = 'AWS::SageMaker::Image' AND region = 'us-east-1'",
        ),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("aws.cloud_control.resources.list_resources"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("expected an array at $.ResourceDescriptions, got a string"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "", "no phantom row");
    assert_eq!(
        server.requests().len(),
        1,
        "a malformed answer is not retried"
    );
}

#[test]
fn a_write_answered_without_a_progress_event_is_an_error() {
    let server = Loopback::start(|_, _| json(200, r#"{"Status":"fine"}"#));
    let r = run(&server, &["exec", CC_INSERT]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("aws.sagemaker.images.create_resource"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("expected an object at $.ProgressEvent, got nothing"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("despatched"), "{}", r.stdout);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn the_retry_summary_counts_only_retries_that_succeeded() {
    // us-east-1 fails once and then answers; us-west-2 always fails.
    let server = Loopback::start(|req, _| {
        let east = req.signed_region().as_deref() == Some("us-east-1");
        static EAST_FAILED: std::sync::atomic::AtomicBool =
            std::sync::atomic::AtomicBool::new(false);
        if east && EAST_FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            json(
                200,
                r#"{"TypeName":"AWS::SageMaker::Image","ResourceDescriptions":[{"Identifier":"img-1","Properties":"{}"}]}"#,
            )
        } else {
            json(503, r#"{"__type":"ServiceUnavailable","message":"down"}"#)
        }
    });
    let r = run(
        &server,
        &with_flags(
            &[
                "--http.retry.maxAttempts",
                "2",
                "--allow-partial",
                "-o",
                "json",
            ],
            LIST_TWO_REGIONS,
        ),
    );
    assert_eq!(r.code, 2, "partial result: {}", r.stderr);
    assert!(r.stderr.contains("in us-west-2"), "{}", r.stderr);
    assert!(!r.stderr.contains("all retries succeeded"), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "1 request(s) retried (0 throttled responses); 1 call(s) succeeded after retrying"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{}", r.stdout);
    assert_eq!(server.requests().len(), 4);

    // When every retried call failed, no retry summary at all: only the failures.
    let server = Loopback::start(FAIL_500);
    let r = run(
        &server,
        &with_flags(
            &["--http.retry.maxAttempts", "2", "--allow-partial"],
            LIST_TWO_REGIONS,
        ),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("retried"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2 call(s) failed after retries"),
        "{}",
        r.stderr
    );
}

/// Runs `stackql` without any endpoint override, with credentials including a session
/// token, as a user on a real machine would.
fn run_unpointed(args: &[&str]) -> Run {
    let reg = aws_registry();
    stackql_with_env(
        reg.root(),
        None,
        args,
        &[
            // Empty means unset: the provider's own endpoints apply.
            ("AWS_ENDPOINT_URL", ""),
            ("AWS_SESSION_TOKEN", "FAKE-SESSION-TOKEN"),
        ],
    )
}

#[test]
fn an_injected_host_receives_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let evil = format!("x@127.0.0.1:{port}/#");
    let select = format!("SELECT * FROM aws.sagemaker.images WHERE region = '{evil}'");
    let insert = format!(
        "INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'i', '{ROLE}', '{evil}'"
    );
    let exec = format!("EXEC aws.ec2_api.address.address_Allocate @region = '{evil}'");
    let var = format!("region={evil}");
    let runs = [
        ("SELECT", run_unpointed(&["exec", &select])),
        ("INSERT", run_unpointed(&["exec", &insert])),
        ("EXEC", run_unpointed(&["exec", &exec])),
        (
            "--var",
            run_unpointed(&[
                "exec",
                "--var",
                &var,
                "SELECT * FROM aws.sagemaker.images WHERE region = '{{ region }}'",
            ]),
        ),
    ];
    for (how, r) in &runs {
        assert_eq!(r.code, 1, "{how}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("'{evil}' is not an AWS region")),
            "{how}: {}",
            r.stderr
        );
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the injected host was contacted: {other:?}"),
    }
}

#[test]
fn empty_null_and_mistyped_regions_are_refused_before_sending() {
    for (value, expect) in [
        ("''", "region is empty"),
        ("NULL", "region is NULL"),
        ("'us-east1'", "did you mean us-east-1?"),
    ] {
        let server = Loopback::start(FAIL_500);
        let sql = format!(
            "INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'i', '{ROLE}', {value}"
        );
        let r = run(&server, &["exec", &sql]);
        assert_eq!(r.code, 1, "{value}: {}", r.stderr);
        assert!(r.stderr.contains(expect), "{value}: {}", r.stderr);
        let sql = format!("SELECT * FROM aws.sagemaker.images WHERE region = {value}");
        let r = run(&server, &["exec", &sql]);
        assert_eq!(r.code, 1, "{value}: {}", r.stderr);
        if value != "NULL" {
            // `region = NULL` matches nothing in SQL; SQLite may skip the call entirely.
            assert!(r.stderr.contains(expect), "{value}: {}", r.stderr);
        }
        assert!(server.requests().is_empty(), "{value}: nothing is sent");
    }
}
