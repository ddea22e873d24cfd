//! Shared helpers of the CLI integration tests: run the real `stackql` binary against an
//! emulator on 127.0.0.1:0 with the test credentials, and read the emulator's journal.

#![allow(dead_code)]

use serde_json::Value;
use stackql_testkit::{Emulator, EmulatorConfig, RecordedRequest};
use std::path::Path;
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stackql failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `stackql` with the given arguments, pointing AWS at `endpoint` (None: nowhere).
pub fn stackql(registry: &Path, endpoint: Option<&str>, args: &[&str]) -> Run {
    let (key, secret) = stackql_testkit::test_credentials();
    stackql_with_env(
        registry,
        endpoint,
        args,
        &[
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ],
    )
}

pub fn stackql_with_env(
    registry: &Path,
    endpoint: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackql"));
    // Run where the default app root (.stackql, with its parse cache) and any .stackqlrc are
    // the test's own, never the source tree's or a developer's.
    cmd.current_dir(scratch_dir());
    cmd.arg(format!("--registry={}", registry.display()));
    cmd.args(args);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_CLOUDCONTROL",
    ] {
        cmd.env_remove(var);
    }
    // Never fall back to a developer's real ~/.aws files.
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    cmd.env("AWS_CONFIG_FILE", "/nonexistent/config");
    // The AWS credential chain ends at instance metadata (169.254.169.254): never off
    // loopback, never waiting for it.
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    match endpoint {
        Some(url) => {
            cmd.env("AWS_ENDPOINT_URL", url);
        }
        // An unroutable loopback port: anything sent fails fast and visibly.
        None => {
            cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run stackql");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn emulator(registry: &Path, page_size: usize) -> Emulator {
    Emulator::start(EmulatorConfig {
        registry_root: Some(registry.to_path_buf()),
        page_size,
        ..EmulatorConfig::default()
    })
}

/// An emulator over `registry` with the rest of its configuration given.
pub fn emulator_with(registry: &Path, config: EmulatorConfig) -> Emulator {
    Emulator::start(EmulatorConfig {
        registry_root: Some(registry.to_path_buf()),
        ..config
    })
}

/// Requests of one Cloud Control operation, in order.
pub fn ops<'a>(journal: &'a [RecordedRequest], operation: &str) -> Vec<&'a RecordedRequest> {
    journal
        .iter()
        .filter(|r| r.operation.as_deref() == Some(operation))
        .collect()
}

pub fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// The wire facts every Cloud Control call must carry.
pub fn assert_cloud_control_wire(r: &RecordedRequest, operation: &str, region: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.header("x-amz-target"),
        Some(format!("CloudApiService.{operation}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    let auth = r.header("authorization").expect("signed");
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{auth}"
    );
    let scope_suffix = format!("/{region}/cloudcontrolapi/aws4_request,");
    assert!(
        auth.contains(&scope_suffix),
        "scope should end {scope_suffix}: {auth}"
    );
    assert!(r.header("x-amz-date").is_some());
    assert!(
        r.status < 400,
        "the emulator refused the request: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
}

/// A write's body without its ClientToken, after checking the token is there: every
/// Cloud Control write carries one so that retries cannot act twice.
pub fn write_body(r: &RecordedRequest) -> Value {
    let mut b = body(r);
    let token = b
        .as_object_mut()
        .and_then(|o| o.remove("ClientToken"))
        .unwrap_or_else(|| {
            panic!(
                "write without ClientToken: {}",
                String::from_utf8_lossy(&r.body)
            )
        });
    assert_eq!(
        token.as_str().map(str::len),
        Some(36),
        "ClientToken is a UUID: {token}"
    );
    b
}

/// The working directory of the binary under test: inside cargo's per-target scratch
/// space, so the parse cache is reused across runs and nothing lands in the source tree.
pub fn scratch_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stackql-cwd");
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}
