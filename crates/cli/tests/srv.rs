//! `stackql srv` with the real `psql` client (Debian package postgresql-client): the
//! reference page's INSERT and SELECT over TLS with SCRAM password authentication, errors
//! with SQLSTATE codes, and `--pgsrv.*` flags refused outside `srv`.

mod common;

use common::*;
use stackql_testkit::aws_registry;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

struct Srv {
    child: Child,
    port: u16,
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pgserver/tests/data")
        .join(name)
}

/// Starts `stackql srv` on 127.0.0.1 with port 0 and reads the port it printed.
fn srv(registry: &Path, endpoint: &str, extra: &[&str], password: Option<&str>) -> Srv {
    let (key, secret) = stackql_testkit::test_credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackql"));
    cmd.arg(format!("--registry={}", registry.display()))
        .args(["srv", "--pgsrv.port", "0"])
        .args(extra)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env_remove("STACKQL_PGSRV_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("STACKQL_PGSRV_PASSWORD", p);
    }
    let mut child = cmd.spawn().expect("start stackql srv");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().expect("srv prints where it listens").unwrap();
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("unexpected first line: {line}"));
    let port = addr["127.0.0.1:".len()..].parse().unwrap();
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Srv { child, port }
}

fn psql(port: u16, sslmode: &str, password: &str, sql: &str) -> Output {
    Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={port} user=tester dbname=stackql sslmode={sslmode}"
        ))
        .args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            "VERBOSITY=verbose",
            "-At",
            "-c",
            sql,
        ])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .expect(
            "psql must be installed (Debian package postgresql-client); this test is never skipped",
        )
}

#[test]
fn psql_runs_the_reference_insert_and_select_over_tls_with_scram() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let tls = format!(
        r#"{{"certFilePath": "{}", "keyFilePath": "{}"}}"#,
        data("server.crt").display(),
        data("server.key").display()
    );
    let server = srv(
        reg.root(),
        &emu.url(),
        &["--pgsrv.tls", &tls, "--pgsrv.authmethod", "scram-sha-256"],
        Some("pw-for-tests"),
    );

    let insert = "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (\n ImageName,\n ImageRoleArn,\n region\n)\nSELECT \n'psql-img',\n 'arn:aws:iam::123456789012:role/sagemaker-role',\n'us-east-1';";
    let out = psql(server.port, "require", "pw-for-tests", insert);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("INSERT 0 1"), "{stdout}");
    assert!(stderr.contains("completed: SUCCESS"), "notice: {stderr}");

    let select =
        "SELECT\nregion,\nimage_arn\nFROM aws.sagemaker.images\nWHERE region = 'us-east-1';";
    let out = psql(server.port, "require", "pw-for-tests", select);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "us-east-1|arn:aws:sagemaker:us-east-1:123456789012:image/psql-img\n"
    );

    // Errors carry SQLSTATE codes (VERBOSITY=verbose prints them).
    let out = psql(
        server.port,
        "require",
        "pw-for-tests",
        "SELECT region FROM aws.sagemaker.images",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("22023"), "{stderr}");
    assert!(
        stderr.contains("missing required parameter region"),
        "{stderr}"
    );

    let out = psql(server.port, "require", "not-the-password", "SELECT 1");
    assert!(!out.status.success(), "a wrong password is refused");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("password authentication failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(emu);
}

#[test]
fn pgsrv_flags_are_refused_outside_srv() {
    let reg = aws_registry();
    let run = stackql(
        reg.root(),
        None,
        &["exec", "--pgsrv.port", "5466", "SELECT 1"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("stackql srv"), "{}", run.stderr);
}

#[test]
fn an_injected_host_receives_nothing_through_srv() {
    let reg = aws_registry();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    // An empty override means none: the provider's own endpoints apply.
    let server = srv(reg.root(), "", &[], None);
    let sql = format!("SELECT * FROM aws.sagemaker.images WHERE region = 'x@127.0.0.1:{port}/#'");
    let out = psql(server.port, "disable", "", &sql);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("is not an AWS region"), "{stderr}");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the injected host was contacted: {other:?}"),
    }
}
