//! `REGISTRY LIST` / `REGISTRY PULL` (and `stackql registry list|pull`) against a registry
//! served from 127.0.0.1 by a small HTTP server inside the test. The registry is built at
//! test time from `testdata/registry` (a tiny `demo` provider): `dist/providers.yaml` and
//! `dist/demo/<version>.tgz`. Pulls must be checked and atomic: a corrupt archive or a cut
//! download leaves the previously pulled version in place and usable.

mod common;

use common::*;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
enum Reply {
    Ok(Vec<u8>),
    /// Announces the whole length, sends the first half, then closes the connection.
    CutShort(Vec<u8>),
}

/// A registry on 127.0.0.1:0; replies can be changed while it runs.
struct Server {
    url: String,
    replies: Arc<Mutex<HashMap<String, Reply>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/providers", listener.local_addr().unwrap());
        let replies: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, q) = (replies.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Drain the headers.
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                q.lock().unwrap().push(path.clone());
                let reply = r.lock().unwrap().get(&path).cloned();
                let _ = match reply {
                    Some(Reply::Ok(body)) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        stream.write_all(&body)
                    }
                    Some(Reply::CutShort(body)) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(&body[..body.len() / 2]);
                        stream.flush()
                    }
                    None => write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                };
            }
        });
        Server {
            url,
            replies,
            requests,
        }
    }

    fn set(&self, path: &str, reply: Reply) {
        self.replies
            .lock()
            .unwrap()
            .insert(format!("/providers/dist/{path}"), reply);
    }

    fn registry_flag(&self) -> String {
        format!("--registry={{\"url\": \"{}\"}}", self.url)
    }
}

fn demo_dir() -> PathBuf {
    stackql_testkit::workspace_root().join("testdata/registry/src/demo/v00.00.00001")
}

/// `demo` packed as `<version>/...`, the layout of the public registry's archives, its
/// provider.yaml naming `version` (its service `$ref`s included).
fn demo_archive(version: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(format!("{version}/services"), demo_dir().join("services"))
        .unwrap();
    let provider = std::fs::read_to_string(demo_dir().join("provider.yaml"))
        .unwrap()
        .replace("v00.00.00001", version);
    let mut header = tar::Header::new_gnu();
    header.set_size(provider.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(
        &mut header,
        format!("{version}/provider.yaml"),
        provider.as_bytes(),
    )
    .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

fn index(versions: &[&str]) -> Reply {
    let mut y = String::from("providers:\n  demo:\n    versions:\n");
    for v in versions {
        y.push_str(&format!("    - {v}\n"));
    }
    y.push_str("  other:\n    versions:\n    - v1.0.0\n");
    Reply::Ok(y.into_bytes())
}

/// Runs the real binary with exactly these arguments (the registry comes from them).
fn bin(args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackql"))
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .expect("run stackql");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs stackql against the test registry with `approot` as the app root.
fn run(server: &Server, approot: &Path, args: &[&str]) -> Run {
    let flag = server.registry_flag();
    let root = format!("--approot={}", approot.display());
    let mut all = vec![flag.as_str(), root.as_str()];
    all.extend_from_slice(args);
    bin(&all)
}

#[test]
fn list_and_pull_then_query_the_pulled_provider() {
    let server = Server::start();
    server.set("providers.yaml", index(&["v00.00.00001", "v00.00.00002"]));
    server.set(
        "demo/v00.00.00001.tgz",
        Reply::Ok(demo_archive("v00.00.00001")),
    );
    server.set(
        "demo/v00.00.00002.tgz",
        Reply::Ok(demo_archive("v00.00.00002")),
    );
    let app = tempfile::tempdir().unwrap();
    let approot = app.path().join("fresh");

    let listed = run(&server, &approot, &["-o", "json", "registry", "list"])
        .ok()
        .json();
    assert_eq!(
        listed,
        json!([
            {"provider": "demo", "version": "v00.00.00002"},
            {"provider": "other", "version": "v1.0.0"}
        ])
    );
    let one = run(
        &server,
        &approot,
        &["-o", "json", "exec", "REGISTRY LIST demo"],
    )
    .ok()
    .json();
    assert_eq!(
        one,
        json!([{"provider": "demo", "versions": "v00.00.00001, v00.00.00002"}])
    );

    let pulled = run(
        &server,
        &approot,
        &["registry", "pull", "demo", "v00.00.00001"],
    )
    .ok();
    assert!(
        pulled
            .stderr
            .contains("demo provider, version 'v00.00.00001' successfully installed"),
        "{}",
        pulled.stderr
    );
    assert!(approot
        .join("src/demo/v00.00.00001/services/widgets.yaml")
        .is_file());

    // Queries read the app root, where the pull unpacked.
    let services = run(
        &server,
        &approot,
        &["-o", "json", "exec", "SHOW SERVICES IN demo"],
    )
    .ok()
    .json();
    assert_eq!(services[0]["name"], "widgets");

    // The statement form, latest version by default.
    let latest = run(&server, &approot, &["exec", "REGISTRY PULL demo"]).ok();
    assert!(
        latest.stderr.contains("version 'v00.00.00002'"),
        "{}",
        latest.stderr
    );
    let providers = run(&server, &approot, &["-o", "json", "exec", "SHOW PROVIDERS"])
        .ok()
        .json();
    assert_eq!(
        providers,
        json!([{"name": "demo", "version": "v00.00.00002"}])
    );
    let leftovers: Vec<_> = std::fs::read_dir(&approot)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".stackql-pull"))
        .collect();
    assert!(leftovers.is_empty(), "staging directories are cleaned up");
}

fn pulled_v1(server: &Server) -> tempfile::TempDir {
    server.set("providers.yaml", index(&["v00.00.00001", "v00.00.00002"]));
    server.set(
        "demo/v00.00.00001.tgz",
        Reply::Ok(demo_archive("v00.00.00001")),
    );
    let app = tempfile::tempdir().unwrap();
    run(
        server,
        app.path(),
        &["registry", "pull", "demo", "v00.00.00001"],
    )
    .ok();
    app
}

fn assert_v1_still_usable(server: &Server, approot: &Path) {
    let described = run(
        server,
        approot,
        &["-o", "json", "exec", "DESCRIBE demo.widgets.widgets"],
    )
    .ok()
    .json();
    assert_eq!(described[0]["name"], "id");
    let providers = run(server, approot, &["-o", "json", "exec", "SHOW PROVIDERS"])
        .ok()
        .json();
    assert_eq!(
        providers,
        json!([{"name": "demo", "version": "v00.00.00001"}])
    );
    let leftovers: Vec<_> = std::fs::read_dir(approot)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".stackql-pull"))
        .collect();
    assert!(leftovers.is_empty(), "no staging directory is left behind");
}

#[test]
fn a_corrupt_archive_changes_nothing() {
    let server = Server::start();
    let app = pulled_v1(&server);
    // Valid gzip header, then garbage.
    let mut corrupt = demo_archive("v00.00.00001");
    let n = corrupt.len();
    for b in &mut corrupt[20..n - 8] {
        *b ^= 0x5a;
    }
    server.set("demo/v00.00.00001.tgz", Reply::Ok(corrupt));
    let failed = run(
        &server,
        app.path(),
        &["registry", "pull", "demo", "v00.00.00001"],
    );
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("nothing was changed"),
        "{}",
        failed.stderr
    );
    assert_v1_still_usable(&server, app.path());

    // Not an archive at all, for a new version.
    server.set(
        "demo/v00.00.00002.tgz",
        Reply::Ok(b"<html>oops</html>".to_vec()),
    );
    let failed = run(
        &server,
        app.path(),
        &["exec", "REGISTRY PULL demo v00.00.00002"],
    );
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("gzip") || failed.stderr.contains("corrupt"),
        "{}",
        failed.stderr
    );
    assert_v1_still_usable(&server, app.path());
    assert!(!app.path().join("src/demo/v00.00.00002").exists());
}

#[test]
fn an_interrupted_download_changes_nothing() {
    let server = Server::start();
    let app = pulled_v1(&server);
    server.set(
        "demo/v00.00.00001.tgz",
        Reply::CutShort(demo_archive("v00.00.00001")),
    );
    let failed = run(
        &server,
        app.path(),
        &["registry", "pull", "demo", "v00.00.00001"],
    );
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("interrupted") || failed.stderr.contains("cut short"),
        "{}",
        failed.stderr
    );
    assert_v1_still_usable(&server, app.path());
}

#[test]
fn archives_that_escape_or_lack_a_provider_are_refused() {
    let server = Server::start();
    let app = pulled_v1(&server);

    // An entry climbing out of the target, written by hand (tar::Builder refuses `..`).
    let mut header = tar::Header::new_gnu();
    let evil = b"evil";
    header.set_size(evil.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    {
        let name = b"v00.00.00002/../../../escaped.txt";
        let gnu = header.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name);
    }
    header.set_cksum();
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    b.append(&header, &evil[..]).unwrap();
    let escaping = b.into_inner().unwrap().finish().unwrap();
    server.set("demo/v00.00.00002.tgz", Reply::Ok(escaping));
    let failed = run(
        &server,
        app.path(),
        &["registry", "pull", "demo", "v00.00.00002"],
    );
    assert_eq!(failed.code, 1);
    assert!(failed.stderr.contains("outside"), "{}", failed.stderr);
    assert!(!app.path().join("escaped.txt").exists());
    assert!(!app.path().parent().unwrap().join("escaped.txt").exists());

    // A well-formed archive without provider.yaml.
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    b.append_dir_all("v00.00.00002/services", demo_dir().join("services"))
        .unwrap();
    server.set(
        "demo/v00.00.00002.tgz",
        Reply::Ok(b.into_inner().unwrap().finish().unwrap()),
    );
    let failed = run(
        &server,
        app.path(),
        &["registry", "pull", "demo", "v00.00.00002"],
    );
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("no provider.yaml"),
        "{}",
        failed.stderr
    );
    assert_v1_still_usable(&server, app.path());
}

#[test]
fn unknown_providers_and_versions_are_named() {
    let server = Server::start();
    server.set("providers.yaml", index(&["v00.00.00001"]));
    let app = tempfile::tempdir().unwrap();
    let r = run(&server, app.path(), &["registry", "pull", "dmeo"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("did you mean demo"), "{}", r.stderr);
    let r = run(&server, app.path(), &["registry", "pull", "demo", "v9"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("available: v00.00.00001"), "{}", r.stderr);
    let r = run(&server, app.path(), &["exec", "REGISTRY PULL ../demo"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("not a valid provider name"),
        "{}",
        r.stderr
    );
    assert!(server
        .requests
        .lock()
        .unwrap()
        .iter()
        .all(|p| p.starts_with("/providers/dist/")));
}

#[test]
fn a_file_url_registry_works_too() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dist.path().join("dist/demo")).unwrap();
    std::fs::write(
        dist.path().join("dist/providers.yaml"),
        "providers:\n  demo:\n    versions:\n    - v00.00.00001\n",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("dist/demo/v00.00.00001.tgz"),
        demo_archive("v00.00.00001"),
    )
    .unwrap();
    let app = tempfile::tempdir().unwrap();
    let flag = format!(
        "--registry={{\"url\": \"file://{}\", \"localDocRoot\": \"{}\"}}",
        dist.path().display(),
        app.path().display()
    );
    bin(&[&flag, "registry", "pull", "demo"]).ok();
    let services = bin(&[
        &flag,
        "-o",
        "json",
        "exec",
        "SHOW RESOURCES IN demo.widgets",
    ])
    .ok()
    .json();
    assert_eq!(services[0]["name"], "widgets");
}

/// Runs the binary in `cwd` (a fresh directory: the default app root `.stackql` is created
/// there) with exactly these arguments.
fn bin_in(cwd: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackql"))
        .current_dir(cwd)
        .args(args)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .expect("run stackql");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A loopback url nothing listens on: a connection is refused at once.
fn unreachable_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/providers", listener.local_addr().unwrap());
    drop(listener);
    url
}

#[test]
fn a_fresh_directory_answers_select_1_and_show_providers() {
    let cwd = tempfile::tempdir().unwrap();
    let registry = format!("--registry={{\"url\": \"{}\"}}", unreachable_url());
    let one = bin_in(
        cwd.path(),
        &[&registry, "-o", "json", "exec", "SELECT 1 AS one"],
    )
    .ok()
    .json();
    assert_eq!(one, json!([{"one": 1}]));
    assert!(
        cwd.path().join(".stackql/src").is_dir(),
        "the app root is created"
    );
    let providers = bin_in(
        cwd.path(),
        &["exec", &registry, "-o", "json", "SHOW PROVIDERS"],
    )
    .ok();
    assert_eq!(providers.json(), json!([]), "{}", providers.stderr);
    // With --approot, that directory is the app root instead (parents created too).
    let root = cwd.path().join("a/b");
    let flag = format!("--approot={}", root.display());
    bin_in(cwd.path(), &[&registry, &flag, "exec", "SELECT 1"]).ok();
    assert!(root.join("src").is_dir());
}

#[test]
fn the_first_use_of_a_provider_pulls_its_latest_version() {
    let server = Server::start();
    server.set("providers.yaml", index(&["v00.00.00001", "v00.00.00002"]));
    server.set(
        "demo/v00.00.00002.tgz",
        Reply::Ok(demo_archive("v00.00.00002")),
    );
    let cwd = tempfile::tempdir().unwrap();
    let flag = server.registry_flag();
    let described = bin_in(
        cwd.path(),
        &[&flag, "-o", "json", "exec", "DESCRIBE demo.widgets.widgets"],
    )
    .ok();
    assert!(
        described
            .stderr
            .contains("demo provider, version 'v00.00.00002' successfully installed"),
        "{}",
        described.stderr
    );
    assert_eq!(described.json()[0]["name"], "id");
    assert!(cwd
        .path()
        .join(".stackql/src/demo/v00.00.00002/provider.yaml")
        .is_file());
    let fetched = server.requests.lock().unwrap().clone();
    assert_eq!(
        fetched,
        vec![
            "/providers/dist/providers.yaml".to_string(),
            "/providers/dist/demo/v00.00.00002.tgz".to_string()
        ]
    );
    // Installed now: the next statement reads it without asking the registry.
    let providers = bin_in(cwd.path(), &[&flag, "-o", "json", "exec", "SHOW PROVIDERS"])
        .ok()
        .json();
    assert_eq!(
        providers,
        json!([{"name": "demo", "version": "v00.00.00002"}])
    );
    bin_in(cwd.path(), &[&flag, "exec", "SHOW SERVICES IN demo"]).ok();
    assert_eq!(server.requests.lock().unwrap().len(), 2);

    // A name the registry does not have is an error naming it, with suggestions.
    let typo = bin_in(
        cwd.path(),
        &[&flag, "exec", "DESCRIBE dmeo.widgets.widgets"],
    );
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("provider 'dmeo' is not installed")
            && typo.stderr.contains("did you mean demo"),
        "{}",
        typo.stderr
    );
}

#[test]
fn local_doc_root_is_where_first_use_pulls_go() {
    let server = Server::start();
    server.set("providers.yaml", index(&["v00.00.00001"]));
    server.set(
        "demo/v00.00.00001.tgz",
        Reply::Ok(demo_archive("v00.00.00001")),
    );
    let cwd = tempfile::tempdir().unwrap();
    let docs = cwd.path().join("docs");
    let flag = format!(
        "--registry={{\"url\": \"{}\", \"localDocRoot\": \"{}\"}}",
        server.url,
        docs.display()
    );
    let resources = bin_in(
        cwd.path(),
        &[
            &flag,
            "-o",
            "json",
            "exec",
            "SHOW RESOURCES IN demo.widgets",
        ],
    )
    .ok()
    .json();
    assert_eq!(resources[0]["name"], "widgets");
    assert!(docs.join("src/demo/v00.00.00001/provider.yaml").is_file());
    assert!(!cwd.path().join(".stackql/src/demo").exists());
}

#[test]
fn an_unreachable_registry_is_a_clear_error_and_nothing_else_is_sent() {
    let cwd = tempfile::tempdir().unwrap();
    let url = unreachable_url();
    let flag = format!("--registry={{\"url\": \"{url}\"}}");
    // The endpoint is an emulator: had the query gone on, it would have seen a request.
    let registry = stackql_testkit::aws_registry();
    let emu = emulator(registry.root(), 10);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackql"))
        .current_dir(cwd.path())
        .args([
            &flag,
            "exec",
            "SELECT region FROM aws.cloud_control.resources WHERE region = 'us-east-1' AND data__TypeName = 'AWS::S3::Bucket'",
        ])
        .env("AWS_ENDPOINT_URL", emu.url())
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("provider 'aws' is not installed") && stderr.contains(&url),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(emu.journal().is_empty(), "no API call was sent");
    assert!(!cwd.path().join(".stackql/src/aws").exists());
}

#[test]
fn offline_never_asks_the_registry() {
    let server = Server::start();
    server.set("providers.yaml", index(&["v00.00.00001"]));
    server.set(
        "demo/v00.00.00001.tgz",
        Reply::Ok(demo_archive("v00.00.00001")),
    );
    let cwd = tempfile::tempdir().unwrap();
    let flag = server.registry_flag();
    let r = bin_in(
        cwd.path(),
        &[&flag, "--offline", "exec", "DESCRIBE demo.widgets.widgets"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown provider 'demo'"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--offline is set, so it was not pulled"),
        "the error says why nothing was pulled: {}",
        r.stderr
    );
    assert!(server.requests.lock().unwrap().is_empty());
    // --offline=false is the default: the provider is pulled.
    bin_in(
        cwd.path(),
        &[
            &flag,
            "--offline=false",
            "exec",
            "DESCRIBE demo.widgets.widgets",
        ],
    )
    .ok();
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}
