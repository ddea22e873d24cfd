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

/// `demo` packed as `<version>/...`, the layout of the public registry's archives.
fn demo_archive(version: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(version, demo_dir()).unwrap();
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
