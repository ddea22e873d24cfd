//! StackQL's command line as pflag reads it: every flag of StackQL's `exec` (and the
//! forms pystackql and stackql-deploy write) is accepted; flags that change something here
//! do (proxy, timeouts, CA bundle, env file, app root mode, sentinels), and the ones that
//! do not say so under `-v`.

mod common;

use common::*;
use serde_json::json;
use stackql_testkit::aws_registry;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ONE: &str = "SELECT 1 AS one";

/// Runs the binary in `cwd` with exactly `args`, `stdin` piped in, AWS pointed at `endpoint`.
fn run_in(cwd: &Path, args: &[&str], stdin: &str, endpoint: &str) -> Run {
    let (key, secret) = stackql_testkit::test_credentials();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackql"))
        .current_dir(cwd)
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stackql");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn registry_flag(reg: &Path) -> String {
    format!("--registry={}", reg.display())
}

#[test]
fn output_and_switch_forms_as_pflag_reads_them() {
    let reg = aws_registry();
    let r = reg.root();
    for form in [
        &["-o", "json"][..],
        &["-ojson"],
        &["-o=json"],
        &["--output", "json"],
        &["--output=json"],
        // The last one given wins, as in pflag.
        &["-o", "csv", "--output=json"],
    ] {
        let mut args = vec!["exec"];
        args.extend_from_slice(form);
        args.push(ONE);
        let out = stackql(r, None, &args).ok();
        assert_eq!(out.json(), json!([{"one": 1}]), "{form:?}");
    }
    let csv = |extra: &[&str]| {
        let mut args = vec!["exec", "-o", "csv"];
        args.extend_from_slice(extra);
        args.push(ONE);
        stackql(r, None, &args).ok().stdout
    };
    assert_eq!(csv(&[]), "one\n1\n");
    for hidden in [
        &["-H"][..],
        &["--hideheaders"],
        &["--hideheaders=true"],
        &["-H=true"],
        &["--hideheaders=1"],
        &["-Hv"],
    ] {
        assert_eq!(csv(hidden), "1\n", "{hidden:?}");
    }
    for shown in [
        &["--hideheaders=false"][..],
        &["-H=false"],
        &["-H", "--hideheaders=F"],
    ] {
        assert_eq!(csv(shown), "one\n1\n", "{shown:?}");
    }
    // A switch never takes the next argument: `--dryrun false` leaves `false` as the query.
    let r2 = stackql(r, None, &["exec", "--dryrun", "false", ONE]);
    assert_ne!(r2.code, 0);
    let dry = stackql(r, None, &["exec", "--dryrun=true", ONE]).ok();
    assert_eq!(dry.stdout, "SELECT 1 AS one;\n");
    let wet = stackql(r, None, &["exec", "--dryrun=false", "-o", "json", ONE]).ok();
    assert_eq!(wet.json(), json!([{"one": 1}]));
    let bad = stackql(r, None, &["exec", "--hideheaders=maybe", ONE]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("maybe"), "{}", bad.stderr);
}

#[test]
fn flags_before_the_subcommand_in_every_form() {
    let reg = aws_registry();
    let r = reg.root();
    for before in [
        &["-o", "csv", "-H"][..],
        &["-ocsv", "--hideheaders=true"],
        &[
            "--output=csv",
            "-H=true",
            "--execution.concurrency.limit",
            "-1",
        ],
        &["--dryrun=false", "-o", "csv", "--hideheaders"],
        &["--http.response.maxResults", "-1", "-o=csv", "-H"],
    ] {
        let mut args = before.to_vec();
        args.extend_from_slice(&["exec", ONE]);
        assert_eq!(stackql(r, None, &args).ok().stdout, "1\n", "{before:?}");
    }
}

/// Every StackQL flag this build accepts without acting on it, with a value as scripts
/// write it.
const IGNORED: &[(&str, &str)] = &[
    ("--cpuprofile", "prof.out"),
    ("--dbInternal", "{}"),
    ("--sqlBackend", r#"{"dsn": "file:stackql.db"}"#),
    ("--namespaces", "{}"),
    ("--store.txn", "{}"),
    ("--gc", "{}"),
    ("--acid", "{}"),
    ("--preview", "{}"),
    ("--session", "{}"),
    ("--colorscheme", "null"),
    ("--http.response.maxResults", "-1"),
    ("--indirect.depth.max", "5"),
    ("--dataflow.dependency.max", "50"),
    ("--dataflow.components.max", "50"),
    ("--provider", "aws"),
    ("--export.alias", "x"),
    ("--pgsrv.loglevel", "WARN"),
    ("--pgsrv.sundry", "{}"),
    ("--pgsrv.address", "127.0.0.1"),
    ("--pgsrv.port", "5466"),
    ("--querycachesize", "100"),
    ("--cachekeycount", "100"),
    ("--metadatattl", "3600"),
    ("--errorpresentation", "stderr"),
    ("--mcp.config", "{}"),
    ("--mcp.server.type", "http"),
    ("--viperconfigfilename", "cfg"),
];
const IGNORED_SWITCHES: &[&str] = &[
    "--pgsrv.debug.enable",
    "--usenonpreferredapis",
    "--TestWithoutAPICalls=false",
];

#[test]
fn flags_without_effect_are_accepted_and_named_under_verbose() {
    let reg = aws_registry();
    let mut args = vec!["exec".to_string(), "-o".into(), "json".into()];
    for (flag, value) in IGNORED {
        args.push(flag.to_string());
        args.push(value.to_string());
    }
    args.extend(IGNORED_SWITCHES.iter().map(|s| s.to_string()));
    args.push(ONE.into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let quiet = stackql(reg.root(), None, &argv).ok();
    assert_eq!(quiet.json(), json!([{"one": 1}]));
    assert_eq!(quiet.stderr, "", "no notices without -v");

    let mut verbose = argv.clone();
    verbose.insert(1, "-v");
    let loud = stackql(reg.root(), None, &verbose).ok();
    assert_eq!(loud.json(), json!([{"one": 1}]));
    let names = IGNORED.iter().map(|(f, _)| *f).chain(
        IGNORED_SWITCHES
            .iter()
            .map(|s| s.split('=').next().unwrap()),
    );
    for flag in names {
        let line = format!("{flag} has no effect here: ");
        assert_eq!(
            loud.stderr.matches(&line).count(),
            1,
            "one line for {flag}:\n{}",
            loud.stderr
        );
    }
    // In the same form, `=value`, and before the subcommand.
    let r = stackql(
        reg.root(),
        None,
        &[
            "--dataflow.components.max=50",
            "--verbose=true",
            "exec",
            ONE,
        ],
    )
    .ok();
    assert!(
        r.stderr
            .contains("--dataflow.components.max has no effect here"),
        "{}",
        r.stderr
    );
}

#[test]
fn flags_stackql_rejects_or_that_would_mislead_are_refused() {
    let reg = aws_registry();
    // `-t/--toggle` is local to StackQL's root command: its subcommands refuse it too.
    for t in ["-t", "--toggle"] {
        let r = stackql(reg.root(), None, &["exec", t, ONE]);
        assert_ne!(r.code, 0, "{t}");
    }
    let r = stackql(reg.root(), None, &["exec", "--TestWithoutAPICalls", ONE]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--dryrun"), "{}", r.stderr);
    let r = stackql(
        reg.root(),
        None,
        &["exec", "--execution.concurrency.limit", "0", ONE],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("would run nothing"), "{}", r.stderr);
    let r = stackql(reg.root(), None, &["exec", "--nosuchflag", ONE]);
    assert_ne!(r.code, 0);
}

#[test]
fn infile_and_outfile_sentinels() {
    let reg = aws_registry();
    let flag = registry_flag(reg.root());
    let cwd = tempfile::tempdir().unwrap();
    let dead = "http://127.0.0.1:9";
    // `-i stdin` without an argument reads the script from standard input.
    let piped = run_in(
        cwd.path(),
        &[&flag, "exec", "-i", "stdin", "-o", "json"],
        "SELECT 2 AS two;",
        dead,
    )
    .ok();
    assert_eq!(piped.json(), json!([{"two": 2}]));
    // With an argument, `-i stdin` (StackQL's default) means the argument.
    let arg = run_in(
        cwd.path(),
        &[&flag, "exec", "--infile=stdin", "-o", "json", ONE],
        "SELECT 2 AS two;",
        dead,
    )
    .ok();
    assert_eq!(arg.json(), json!([{"one": 1}]));
    // `-f stdout` is standard output, not a file called stdout; `-f stderr` the other stream.
    let out = run_in(
        cwd.path(),
        &[&flag, "exec", "-f", "stdout", "-o", "json", ONE],
        "",
        dead,
    )
    .ok();
    assert_eq!(out.json(), json!([{"one": 1}]));
    let err = run_in(
        cwd.path(),
        &[&flag, "exec", "-fstderr", "-o", "json", ONE],
        "",
        dead,
    )
    .ok();
    assert_eq!(err.stdout, "");
    assert!(err.stderr.contains(r#"[{"one":1}]"#), "{}", err.stderr);
    assert!(!cwd.path().join("stdout").exists());
    assert!(!cwd.path().join("stderr").exists());
    // A real path is still a file.
    run_in(
        cwd.path(),
        &[&flag, "exec", "-f", "out.json", "-o", "json", ONE],
        "",
        dead,
    )
    .ok();
    assert_eq!(
        std::fs::read_to_string(cwd.path().join("out.json")).unwrap(),
        "[{\"one\":1}]\n"
    );
    // The shell takes the same sentinel (stackql-deploy starts it with --colorscheme null).
    let shell = run_in(
        cwd.path(),
        &[
            &flag,
            "shell",
            "--colorscheme",
            "null",
            "-f",
            "stdout",
            "-o",
            "json",
        ],
        "SELECT 3 AS three;\n",
        dead,
    )
    .ok();
    assert!(
        shell.stdout.contains(r#"[{"three":3}]"#),
        "{}",
        shell.stdout
    );
}

/// The command line pystackql builds (utils/params.py), joined with spaces and run by a
/// shell as pystackql does (core/query.py), with per-call `--auth '<json>'`.
#[test]
fn pystackql_command_lines_run() {
    let reg = aws_registry();
    let cwd = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_stackql");
    let approot = cwd.path().join("approot");
    let common = format!(
        "--approot {} --execution.concurrency.limit -1 --dataflow.dependency.max 50 \
         --dataflow.components.max 50 --http.response.maxResults -1 \
         --http.response.pageLimit 20 --indirect.depth.max 5 --apirequesttimeout 45",
        approot.display()
    );
    let auth = r#"{"aws": {"type": "aws_signing_v4", "credentialsenvvar": "AWS_SECRET_ACCESS_KEY", "keyIDenvvar": "AWS_ACCESS_KEY_ID"}}"#;
    let line = format!(
        "{bin} exec 'SELECT 1 AS one' --output json {common} --http.log.enabled --auth '{auth}' --registry={}",
        reg.root().display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[{\"one\":1}]\n");
    assert!(approot.is_dir());
    // The csv form: --delimiter and --hideheaders.
    let line = format!(
        "{bin} exec 'SELECT 1 AS a, 2 AS b' --output csv {common} --delimiter '|' --hideheaders --registry={}",
        reg.root().display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1|2\n");
}

/// A loopback HTTP proxy that records each request head and refuses it.
fn recording_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            log.lock().unwrap().push(head);
            let _ = stream.write_all(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, seen)
}

const LIST_IMAGES: &str = "SELECT region FROM aws.cloud_control.resources WHERE region = 'us-east-1' AND data__TypeName = 'AWS::SageMaker::Image'";

#[test]
fn proxy_flags_route_api_calls_through_the_proxy() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 10);
    let (port, seen) = recording_proxy();
    let port = port.to_string();
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--http.proxy.host",
            "127.0.0.1",
            "--http.proxy.port",
            &port,
            "--http.proxy.scheme",
            "http",
            "--http.proxy.user",
            "pxuser",
            "--http.proxy.password",
            "pxsecret",
            "--http.retry.maxAttempts=1",
            LIST_IMAGES,
        ],
    );
    assert_eq!(r.code, 1, "the proxy refuses: {}", r.stderr);
    assert!(!r.stderr.contains("pxsecret"), "{}", r.stderr);
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let emu_authority = emu
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    assert!(
        heads[0].starts_with(&format!("POST http://{emu_authority}/")),
        "absolute-form request to the proxy: {}",
        heads[0]
    );
    // Basic pxuser:pxsecret
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic chh1c2vyonb4c2vjcmv0"),
        "{}",
        heads[0]
    );
    assert!(emu.journal().is_empty(), "nothing reached the API directly");
    let bad = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "--http.proxy.host=127.0.0.1",
            "--http.proxy.scheme=ftp",
            ONE,
        ],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("--http.proxy.scheme ftp"),
        "{}",
        bad.stderr
    );
}

#[test]
fn apirequesttimeout_bounds_a_request() {
    let reg = aws_registry();
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
    let h = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    let started = Instant::now();
    let r = stackql(
        reg.root(),
        Some(&url),
        &[
            "exec",
            "--apirequesttimeout",
            "1",
            "--http.retry.maxAttempts=1",
            LIST_IMAGES,
        ],
    );
    let took = started.elapsed();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(20),
        "{took:?}: {}",
        r.stderr
    );
}

#[test]
fn ca_bundle_is_read() {
    let reg = aws_registry();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem");
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            &format!("--tls.CABundle={}", missing.display()),
            ONE,
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cannot read --tls.CABundle"),
        "{}",
        r.stderr
    );
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "--tls.CABundle", junk.to_str().unwrap(), ONE],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--tls.CABundle"), "{}", r.stderr);
}

#[test]
fn env_file_supplies_credentials_and_is_created_when_missing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 10);
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("creds.env");
    std::fs::write(
        &env_file,
        "# credentials\nexport AWS_ACCESS_KEY_ID=AKIDFROMENVFILE\nAWS_SECRET_ACCESS_KEY='s3cret'\n",
    )
    .unwrap();
    let flag = format!("--env.file={}", env_file.display());
    let _ = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", &flag, "--http.retry.maxAttempts=1", LIST_IMAGES],
    );
    let journal = emu.journal();
    assert!(!journal.is_empty());
    let auth = journal[0]
        .header("authorization")
        .unwrap_or_default()
        .to_string();
    assert!(auth.contains("Credential=AKIDFROMENVFILE/"), "{auth}");

    let fresh = dir.path().join("sub/new.env");
    let r = stackql(
        reg.root(),
        None,
        &["exec", &format!("--env.file={}", fresh.display()), ONE],
    )
    .ok();
    assert!(
        r.stderr.contains("created default env file"),
        "{}",
        r.stderr
    );
    let mut text = String::new();
    std::fs::File::open(&fresh)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.starts_with('#'));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[cfg(unix)]
#[test]
fn approotfilemode_sets_the_mode_of_a_new_app_root() {
    use std::os::unix::fs::PermissionsExt;
    let reg = aws_registry();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    stackql(
        reg.root(),
        None,
        &[
            "exec",
            "--approotfilemode",
            "0700",
            &format!("--approot={}", root.display()),
            ONE,
        ],
    )
    .ok();
    let mode = std::fs::metadata(&root).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let bad = stackql(reg.root(), None, &["exec", "--approotfilemode", "rwx", ONE]);
    assert_ne!(bad.code, 0);
}

#[test]
fn concurrency_minus_one_and_page_limit_zero_mean_unbounded() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 10);
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            "--execution.concurrency.limit",
            "-1",
            "--http.response.pageLimit",
            "0",
            LIST_IMAGES,
        ],
    )
    .ok();
    assert_eq!(r.json(), json!([]));
    assert!(!r.stderr.contains("cut"), "{}", r.stderr);
    assert_eq!(emu.journal().len(), 1);
}
