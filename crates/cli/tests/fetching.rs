//! Fetching behaviour (issue 4): retries under throttling, failures never silent (strict by
//! default, opt-in partial results with exit code 2), EXPLAIN sends nothing, LIMIT stops
//! fetching pages early.

mod common;

use common::*;
use serde_json::json;
use stackql_testkit::{aws_registry, Emulator, EmulatorConfig};

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

fn seed(reg: &std::path::Path, url: &str, regions: &[&str], per_region: usize) {
    for region in regions {
        let values: Vec<String> = (0..per_region)
            .map(|i| format!("('img-{i}', '{ROLE}', '{region}')"))
            .collect();
        let sql = format!(
            "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) VALUES {}",
            values.join(", ")
        );
        stackql(reg, Some(url), &["exec", &sql]).ok();
    }
}

#[test]
fn throttled_calls_are_retried_and_the_result_is_complete() {
    let reg = aws_registry();
    // Half of all calls are throttled, seeding included: every statement needs retries.
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        page_size: 2,
        faults: stackql_emulator::Faults {
            throttle_rate: 0.5,
            ..Default::default()
        },
        ..EmulatorConfig::default()
    });
    let url = emu.url();
    // 20 attempts: a call throttled every time (0.5^20) cannot make the test flaky.
    let retry_flags = ["--http.retry.maxAttempts", "20"];
    for i in 0..6 {
        let sql = format!(
            "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'img-{i}', '{ROLE}', 'us-east-1'"
        );
        let mut args = vec!["exec"];
        args.extend(retry_flags);
        args.push(&sql);
        stackql(reg.root(), Some(&url), &args).ok();
    }
    let seeded = emu.journal().len();
    let mut args = vec!["exec", "-o", "json"];
    args.extend(retry_flags);
    args.push(
        "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1' ORDER BY image_arn",
    );
    let run = stackql(reg.root(), Some(&url), &args).ok();
    let arns: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["image_arn"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..6)
        .map(|i| format!("arn:aws:sagemaker:us-east-1:123456789012:image/img-{i}"))
        .collect();
    assert_eq!(arns, expected, "complete and correct despite throttling");
    let journal = emu.journal();
    // Every request the client sends is valid, so each 400 is a ThrottlingException.
    let throttled_total = journal.iter().filter(|r| r.status == 400).count();
    assert!(
        throttled_total > 0,
        "the emulator throttled some of {} calls",
        journal.len()
    );
    let throttled_in_select = journal[seeded..].iter().filter(|r| r.status == 400).count();
    if throttled_in_select > 0 {
        assert!(
            run.stderr
                .contains(&format!("{throttled_in_select} request(s) retried")),
            "retries are reported: {}",
            run.stderr
        );
    }
}

#[test]
fn a_failing_region_fails_the_statement_unless_partial_results_are_allowed() {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        faults: stackql_emulator::Faults {
            down_regions: vec!["eu-west-1".into()],
            ..Default::default()
        },
        ..EmulatorConfig::default()
    });
    seed(reg.root(), &emu.url(), &["us-east-1"], 2);
    let q = "SELECT region, image_arn FROM aws.sagemaker.images WHERE region IN ('us-east-1', 'eu-west-1') ORDER BY image_arn";
    let fast = ["--http.retry.maxAttempts", "2"];
    let mut args = vec!["exec", "-o", "json"];
    args.extend(fast);
    args.push(q);
    let strict = stackql(reg.root(), Some(&emu.url()), &args);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stderr.contains("in eu-west-1"), "{}", strict.stderr);
    assert!(strict.stderr.contains("HTTP 503"), "{}", strict.stderr);
    assert_eq!(strict.stdout, "", "no rows on failure by default");

    let mut args = vec!["exec", "-o", "json", "--allow-partial"];
    args.extend(fast);
    args.push(q);
    let partial = stackql(reg.root(), Some(&emu.url()), &args);
    assert_eq!(
        partial.code, 2,
        "partial results exit 2: {}",
        partial.stderr
    );
    assert!(partial.stderr.contains("INCOMPLETE"), "{}", partial.stderr);
    assert!(
        partial.stderr.contains("in eu-west-1"),
        "{}",
        partial.stderr
    );
    let rows = partial.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["region"] == "us-east-1"));

    // The same per statement, with the hint.
    let hinted = q.replacen("SELECT", "SELECT /*+ ALLOW_PARTIAL */", 1);
    let mut args = vec!["exec", "-o", "json"];
    args.extend(fast);
    args.push(&hinted);
    let run = stackql(reg.root(), Some(&emu.url()), &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn explain_lists_calls_and_sends_nothing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            "EXPLAIN SELECT d.image_name FROM aws.sagemaker.images l \
             JOIN aws.sagemaker.image d ON d.data__Identifier = l.image_arn AND d.region = l.region \
             WHERE l.region IN ('us-east-1', 'eu-west-1')",
        ],
    )
    .ok();
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert_eq!(
        rows[0]["method"],
        "aws.cloud_control.resources.list_resources"
    );
    assert_eq!(rows[0]["http"], "POST CloudApiService.ListResources");
    let regions: Vec<&str> = rows[..2]
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert!(
        regions.contains(&"us-east-1") && regions.contains(&"eu-west-1"),
        "{regions:?}"
    );
    assert_eq!(rows[0]["pages"], "unknown (follows NextToken)");
    assert_eq!(rows[2]["method"], "aws.cloud_control.resource.get_resource");
    assert_eq!(rows[2]["calls"], "unknown");

    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            &format!("EXPLAIN INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) VALUES ('a', '{ROLE}', 'us-east-1'), ('b', '{ROLE}', 'us-east-1')"),
        ],
    )
    .ok();
    assert_eq!(
        run.json(),
        json!([{
            "method": "aws.sagemaker.images.create_resource",
            "http": "POST CloudApiService.CreateResource",
            "region": "us-east-1",
            "parameters": "",
            "calls": 2,
            "pages": "1",
            "note": "then polls GetResourceRequestStatus until a final status"
        }])
    );
    assert!(emu.journal().is_empty(), "EXPLAIN sends nothing");
}

#[test]
fn limit_stops_fetching_pages_early() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 1);
    seed(reg.root(), &emu.url(), &["us-east-1"], 12);
    emu.server().clear_journal();
    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            "--execution.concurrency.limit",
            "1",
            "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1' LIMIT 1",
        ],
    )
    .ok()
    .json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let pages = ops(&emu.journal(), "ListResources").len();
    assert!(
        pages < 12,
        "pages are fetched as SQLite consumes them, not all up front: {pages} of 12"
    );
}

#[test]
fn progress_shows_on_a_terminal_only_and_not_with_quiet() {
    let reg = aws_registry();
    // 700 ms per call and three pages: the statement takes over a second.
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        page_size: 1,
        latency: Some(stackql_emulator::LatencyConfig {
            fixed: std::time::Duration::from_millis(700),
            jitter: std::time::Duration::ZERO,
        }),
        ..EmulatorConfig::default()
    });
    seed(reg.root(), &emu.url(), &["us-east-1"], 2);
    let sql = "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'";
    // Piped stderr: no progress line.
    let piped = stackql(reg.root(), Some(&emu.url()), &["exec", sql]).ok();
    assert!(!piped.stderr.contains("calls "), "{}", piped.stderr);
    // On a terminal (util-linux `script` provides one): the progress line appears.
    let (key, secret) = stackql_testkit::test_credentials();
    let run_on_tty = |extra: &str| {
        let cmd = format!(
            "{} --registry={} exec {extra} \"{sql}\"",
            env!("CARGO_BIN_EXE_stackql"),
            reg.root().display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("AWS_ENDPOINT_URL", emu.url())
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .output()
            .expect("util-linux `script` runs the binary on a pseudo-terminal");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run_on_tty("");
    assert!(
        shown.contains("calls 0/1 · pages"),
        "progress on a terminal: {shown}"
    );
    assert!(shown.contains("image/img-1"), "{shown}");
    let quiet = run_on_tty("--quiet");
    assert!(!quiet.contains("calls 0/1"), "--quiet hides it: {quiet}");
}
