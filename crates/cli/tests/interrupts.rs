//! SIGINT and SIGTERM during `stackql exec`: the running statement is cancelled, nothing
//! more is sent, every write already sent is reported with its request token, and the exit
//! code is 130.

mod common;

use common::*;
use stackql_testkit::{aws_registry, Emulator, EmulatorConfig};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const INSERT: &str = "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'sig-img', 'arn:aws:iam::123456789012:role/r', 'us-east-1'; SELECT 1";

fn run_and_interrupt(signal: &str) {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        // Never final while the test runs: the INSERT stays in its await.
        completion: stackql_emulator::Completion {
            polls: 10_000,
            delay: None,
        },
        ..EmulatorConfig::default()
    });
    let (key, secret) = stackql_testkit::test_credentials();
    let child = Command::new(env!("CARGO_BIN_EXE_stackql"))
        .current_dir(scratch_dir())
        .arg(format!("--registry={}", reg.root().display()))
        .args(["exec", INSERT])
        .env("AWS_ENDPOINT_URL", emu.url())
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first status poll: the create went out and its token is known.
    let started = Instant::now();
    let token = loop {
        let journal = emu.journal();
        if let Some(poll) = ops(&journal, "GetResourceRequestStatus").first() {
            break body(poll)["RequestToken"].as_str().unwrap().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no status poll"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let signalled = Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "{signal}: took {:?}",
        signalled.elapsed()
    );
    assert!(
        stderr.contains("INSERT aws.sagemaker.images")
            && stderr.contains(&format!("request token {token}"))
            && stderr.contains("IN_PROGRESS"),
        "{signal}: the sent write is reported with its token and last status:\n{stderr}"
    );
    // The SELECT after it never ran.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{signal}");
    // Nothing was sent after the signal (only polls could have been, and they stopped).
    let creates = ops(&emu.journal(), "CreateResource").len();
    assert_eq!(creates, 1, "{signal}");
    let polls = ops(&emu.journal(), "GetResourceRequestStatus").len();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(ops(&emu.journal(), "GetResourceRequestStatus").len(), polls);
}

#[test]
fn sigint_during_an_awaited_insert_reports_the_request_token_and_exits_130() {
    run_and_interrupt("-INT");
}

#[test]
fn sigterm_does_the_same() {
    run_and_interrupt("-TERM");
}
