//! `stackql srv` with the real `psql` client (Debian package postgresql-client): the
//! reference page's INSERT and SELECT over TLS with SCRAM password authentication, errors
//! with SQLSTATE codes, `--pgsrv.*` flags refused outside `srv`, `--dryrun`, failed
//! passwords naming the user, the no-TLS password warning, a runaway query stopping when
//! its client goes away, and `--execution.concurrency.limit` bounding the whole server.

mod common;
mod loopback;

use common::*;
use loopback::{json, Loopback};
use stackql_testkit::aws_registry;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Srv {
    child: Child,
    port: u16,
    /// Every stderr line the server printed so far.
    stderr: Arc<Mutex<Vec<String>>>,
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
    let stderr = Arc::new(Mutex::new(vec![line.clone()]));
    let sink = stderr.clone();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(l);
        }
    });
    Srv {
        child,
        port,
        stderr,
    }
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
    // StackQL's message, then what was done (a notice is shown, not parsed).
    assert!(
        stderr.contains("The operation completed successfully; INSERT aws.sagemaker.images"),
        "notice: {stderr}"
    );
    assert!(
        stderr.contains("image/psql-img: SUCCESS"),
        "notice: {stderr}"
    );

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
        "SELECT region FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image'",
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
fn pgsrv_flags_outside_srv_are_accepted_and_named_under_verbose() {
    // StackQL's flags are persistent: `exec --pgsrv.port N` is a valid command line there.
    let reg = aws_registry();
    let run = stackql(
        reg.root(),
        None,
        &["exec", "--pgsrv.port", "5466", "SELECT 1"],
    )
    .ok();
    assert_eq!(run.stderr, "");
    let run = stackql(
        reg.root(),
        None,
        &["exec", "-v", "--pgsrv.port", "5466", "SELECT 1"],
    )
    .ok();
    assert!(
        run.stderr
            .contains("--pgsrv.port has no effect here: only `stackql srv` listens"),
        "{}",
        run.stderr
    );
}

#[test]
fn dryrun_insert_through_psql_returns_the_statement_and_sends_nothing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let server = srv(reg.root(), &emu.url(), &["--dryrun"], None);
    let insert = "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) SELECT 'dry-psql', 'arn:aws:iam::123456789012:role/r', 'us-east-1'";
    let out = psql(server.port, "disable", "", &format!("{insert};"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, format!("{insert};\n"));
    assert!(
        emu.journal().is_empty(),
        "--dryrun sent {} request(s)",
        emu.journal().len()
    );
}

#[test]
fn failed_password_names_the_user_is_slowed_and_cleartext_without_tls_is_warned() {
    let reg = aws_registry();
    let server = srv(
        reg.root(),
        "http://127.0.0.1:9",
        &["--pgsrv.authmethod", "password"],
        Some("pw-for-tests"),
    );
    let started = Instant::now();
    let out = psql(server.port, "disable", "wrong", "SELECT 1");
    assert!(!out.status.success(), "a wrong password is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("user \"tester\""), "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "refused after {:?}",
        started.elapsed()
    );
    let lines = server.stderr.lock().unwrap().join("\n");
    assert!(
        lines.contains("warning: --pgsrv.authmethod without --pgsrv.tls"),
        "{lines}"
    );
}

/// CPU time (user + system) the process has used, from /proc (clock ticks of 10 ms).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start at state (field 3).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn cpu_over(pid: u32, window: Duration) -> f64 {
    let before = cpu_seconds(pid);
    std::thread::sleep(window);
    cpu_seconds(pid) - before
}

#[test]
fn a_runaway_query_stops_when_its_client_goes_away() {
    let reg = aws_registry();
    let server = srv(reg.root(), "http://127.0.0.1:9", &[], None);
    let pid = server.child.id();
    let mut client = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=tester dbname=stackql sslmode=disable",
            server.port
        ))
        .args([
            "-X",
            "-c",
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("psql must be installed (Debian package postgresql-client)");
    // It burns CPU: wait until it has used 0.3 s, however loaded the machine is, and
    // note how fast it burned.
    let base = cpu_seconds(pid);
    let started = Instant::now();
    while cpu_seconds(pid) - base < 0.3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the runaway query never kept the server busy"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let burn_time = started.elapsed().as_secs_f64();
    let rate = 0.3 / burn_time;
    // The client vanishes without a word (as a killed psql or a dropped pool does).
    client.kill().unwrap();
    client.wait().unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let window = Duration::from_secs_f64((3.0 * burn_time).max(2.0));
    let after = cpu_over(pid, window);
    assert!(
        after < rate * window.as_secs_f64() / 10.0,
        "the server still burns {after}s of CPU in {window:?} after the client left (it burned {rate} s/s before)"
    );
    // And it still serves.
    let out = psql(server.port, "disable", "", "SELECT 40 + 2");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
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

const SIXTEEN_REGIONS: [&str; 16] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];

#[test]
fn the_concurrency_limit_bounds_every_session_of_the_server_together() {
    let reg = aws_registry();
    // Each listing call is answered after 200 ms; the server counts calls in flight.
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, peak) = (in_flight.clone(), most.clone());
    let api = Loopback::start(move |r, _| {
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(current, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(200));
        let region = r.signed_region().unwrap_or_default();
        now.fetch_sub(1, Ordering::SeqCst);
        json(
            200,
            &format!(
                r#"{{"TypeName":"AWS::SageMaker::Image","ResourceDescriptions":[{{"Identifier":"img-{region}","Properties":"{{}}"}}]}}"#
            ),
        )
    });
    let server = srv(
        reg.root(),
        &api.url(),
        &["--execution.concurrency.limit", "4"],
        None,
    );
    let regions = SIXTEEN_REGIONS.map(|r| format!("'{r}'")).join(", ");
    let sql = format!(
        "SELECT identifier FROM aws.cloud_control.resources \
         WHERE data__TypeName = 'AWS::SageMaker::Image' AND region IN ({regions}) \
         ORDER BY identifier"
    );
    // Three sessions at once, each fanning out over 16 regions.
    let sessions: Vec<_> = (0..3)
        .map(|_| {
            let sql = sql.clone();
            let port = server.port;
            std::thread::spawn(move || psql(port, "disable", "", &sql))
        })
        .collect();
    let mut expected: Vec<String> = SIXTEEN_REGIONS.iter().map(|r| format!("img-{r}")).collect();
    expected.sort();
    for session in sessions {
        let out = session.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(rows, expected, "every session gets all its rows");
    }
    assert_eq!(api.requests().len(), 48, "one call per region per session");
    let most = most.load(Ordering::SeqCst);
    assert!(
        most <= 4,
        "{most} calls were in flight at once across the sessions; the limit is 4"
    );
    // The bound was used, not avoided by sending one call at a time.
    assert_eq!(most, 4, "the calls never ran 4 at once");
}
