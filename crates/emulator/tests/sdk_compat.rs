//! Wire compatibility with a real AWS SDK: runs `tests/sdk/boto3_compat.py` (boto3's
//! waiter, paginators and error parsing) against the standalone binary. boto3 is installed
//! by `.ci/run`; without it the test fails and says how to install it.

mod common;

use std::process::Command;

#[test]
fn boto3_drives_the_emulator() {
    let has_boto3 = Command::new("python3")
        .args(["-c", "import boto3"])
        .status()
        .is_ok_and(|s| s.success());
    // Never skipped: a passing test's stderr is hidden, so a skip would be silent.
    // `.ci/run` installs boto3; elsewhere `pip install boto3` once.
    assert!(
        has_boto3,
        "python3 with boto3 is required (pip install boto3; .ci/run installs it)"
    );
    let (mut child, addr) = common::spawn_binary(&[]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/boto3_compat.py");
    let out = Command::new("python3")
        .arg(&script)
        .env("STACKQL_EMULATOR_ENDPOINT", format!("http://{addr}"))
        // The SDK must not pick up the developer's own AWS configuration.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run python3");
    child.kill().unwrap();
    child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "boto3 compatibility failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}
