//! `stackql shell` through a pseudo-terminal (rexpect) driving the real binary against the
//! emulator: a multi-line SELECT, tab completion of services, resources and regions,
//! Ctrl-C cancelling a slow statement without leaving the shell (and listing the writes an
//! interrupted INSERT had sent), `--dryrun`, history in the app root, and exit.

mod common;

use common::*;
use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};
use stackql_testkit::{aws_registry, Emulator, EmulatorConfig};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const PROMPT: &str = "stackql  >> ";

fn shell(registry: &Path, endpoint: &str, approot: &Path) -> PtySession {
    shell_with(registry, endpoint, approot, &[])
}

fn shell_with(registry: &Path, endpoint: &str, approot: &Path, extra: &[&str]) -> PtySession {
    let (key, secret) = stackql_testkit::test_credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackql"));
    cmd.arg(format!("--registry={}", registry.display()))
        .arg(format!("--approot={}", approot.display()))
        .arg("shell")
        .args(extra)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        // A real terminal type: with "dumb" rustyline falls back to plain line reading.
        .env("TERM", "xterm");
    let mut s = spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(30_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn stackql shell");
    s.exp_string(PROMPT).expect("first prompt");
    s
}

/// Keys as typed: `send` buffers, so flush to let the shell see them. The pause lets the
/// line editor switch the terminal to raw mode first (input typed before a prompt is
/// discarded then, as in a real terminal).
fn type_keys(s: &mut PtySession, keys: &str) {
    std::thread::sleep(Duration::from_millis(200));
    s.send(keys).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
}

fn type_line(s: &mut PtySession, line: &str) {
    type_keys(s, &format!("{line}\r"));
}

#[test]
fn multi_line_select_completion_history_and_exit() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let approot = tempfile::tempdir().unwrap();
    stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'img-shell', 'arn:aws:iam::123456789012:role/r', 'us-east-1'",
        ],
    )
    .ok();
    let mut s = shell(reg.root(), &emu.url(), approot.path());

    // A statement spanning three lines runs at the `;`.
    type_line(&mut s, "SELECT region,");
    s.exp_string("-> ").unwrap();
    type_line(&mut s, "image_arn FROM aws.sagemaker.images");
    s.exp_string("-> ").unwrap();
    type_line(&mut s, "WHERE region = 'us-east-1';");
    s.exp_string("arn:aws:sagemaker:us-east-1:123456789012:image/img-shell")
        .unwrap();
    s.exp_string(PROMPT).unwrap();

    // aws.sagem<TAB> -> aws.sagemaker (the only service with that prefix).
    type_keys(&mut s, "SELECT * FROM aws.sagem\t");
    s.exp_string("aws.sagemaker").unwrap();
    // aws.sagemaker.imag<TAB> -> the common prefix of image and images; TAB again lists both.
    type_keys(&mut s, ".imag\t");
    s.exp_string("aws.sagemaker.image").unwrap();
    type_keys(&mut s, "\t");
    s.exp_string("aws.sagemaker.images").unwrap();
    // Regions of the resource's `region` server variable after `region =`.
    type_keys(&mut s, "s WHERE region = 'us-east-\t");
    type_keys(&mut s, "\t");
    s.exp_string("'us-east-2'").unwrap();
    // Ctrl-C at the prompt clears the line; the shell stays.
    s.send_control('c').unwrap();
    s.exp_string(PROMPT).unwrap();

    // Errors are reported and the shell goes on.
    type_line(&mut s, "SELECT region FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image';");
    s.exp_string("missing required parameter region").unwrap();
    s.exp_string(PROMPT).unwrap();

    // Statements without rows answer with StackQL's messages.
    type_line(&mut s, "CREATE TABLE shell_notes (id INTEGER);");
    s.exp_string("DDL Execution Completed").unwrap();
    s.exp_string(PROMPT).unwrap();
    type_line(
        &mut s,
        "INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'img-shell-2', 'arn:aws:iam::123456789012:role/r', 'us-east-1';",
    );
    s.exp_string("The operation was despatched successfully")
        .unwrap();
    s.exp_string(PROMPT).unwrap();

    type_line(&mut s, "help");
    s.exp_string("Tab completes").unwrap();
    s.exp_string(PROMPT).unwrap();

    type_line(&mut s, "exit");
    s.exp_eof().unwrap();

    let history = std::fs::read_to_string(approot.path().join(".stackql_history")).unwrap();
    assert!(
        history.contains("image_arn FROM aws.sagemaker.images"),
        "{history}"
    );
}

#[test]
fn ctrl_c_cancels_a_slow_statement_and_the_shell_goes_on() {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        latency: Some(stackql_emulator::LatencyConfig {
            fixed: Duration::from_secs(8),
            jitter: Duration::ZERO,
        }),
        ..EmulatorConfig::default()
    });
    let approot = tempfile::tempdir().unwrap();
    let mut s = shell(reg.root(), &emu.url(), approot.path());
    type_line(
        &mut s,
        "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';",
    );
    // Let the call reach the emulator, then interrupt.
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    s.send_control('c').unwrap();
    // The engine itself stops (its in-flight call is dropped) rather than being abandoned.
    s.exp_string("cancelled: the statement was stopped")
        .unwrap();
    s.exp_string(PROMPT).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancelling did not wait for the 8 s call"
    );
    // The same engine answers the next statement.
    type_line(&mut s, "SELECT 40 + 2 AS answer;");
    s.exp_string("42").unwrap();
    s.exp_string(PROMPT).unwrap();
    type_line(&mut s, "\\q");
    s.exp_eof().unwrap();
}

#[test]
fn dryrun_prints_the_insert_and_sends_nothing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let approot = tempfile::tempdir().unwrap();
    let mut s = shell_with(
        reg.root(),
        &emu.url(),
        approot.path(),
        &["--dryrun", "--var", "img=dry-img"],
    );
    type_line(
        &mut s,
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT {{ img }}, 'arn:aws:iam::123456789012:role/r', 'us-east-1';",
    );
    // The statement as it would run: rendered (the typed line only has the placeholder),
    // in a table cell wrapped at 30 columns, words whole.
    s.exp_string("'dry-img',").unwrap();
    s.exp_string("'arn:aws:iam::123456789012:role/r',").unwrap();
    s.exp_string("'us-east-1';").unwrap();
    s.exp_string(PROMPT).unwrap();
    // A syntax error is still an error under --dryrun.
    type_line(&mut s, "SELEC 1;");
    s.exp_string("error").unwrap();
    s.exp_string(PROMPT).unwrap();
    type_line(&mut s, "\\q");
    s.exp_eof().unwrap();
    assert!(
        emu.journal().is_empty(),
        "--dryrun sent {} request(s)",
        emu.journal().len()
    );
}

#[test]
fn ctrl_c_during_an_awaited_insert_lists_the_write_it_sent() {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        // Never final while the test runs: the INSERT stays in its await, polling with
        // growing pauses (up to 5 s) that Ctrl-C must not have to wait out.
        completion: stackql_emulator::Completion {
            polls: 10_000,
            delay: None,
        },
        ..EmulatorConfig::default()
    });
    let approot = tempfile::tempdir().unwrap();
    let mut s = shell(reg.root(), &emu.url(), approot.path());
    type_line(
        &mut s,
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'cut-img', 'arn:aws:iam::123456789012:role/r', 'us-east-1';",
    );
    let token = wait_for_status_poll(&emu);
    s.send_control('c').unwrap();
    s.exp_string("cancelled").unwrap();
    s.exp_string("INSERT aws.sagemaker.images").unwrap();
    s.exp_string(&format!("request token {token}")).unwrap();
    s.exp_string(PROMPT).unwrap();
    type_line(&mut s, "\\q");
    s.exp_eof().unwrap();
}

/// Waits until the statement polls the status of its request; returns the request token.
fn wait_for_status_poll(emu: &Emulator) -> String {
    let started = Instant::now();
    loop {
        let journal = emu.journal();
        if let Some(poll) = ops(&journal, "GetResourceRequestStatus").first() {
            return body(poll)["RequestToken"]
                .as_str()
                .expect("RequestToken")
                .to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the INSERT never polled its status"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
