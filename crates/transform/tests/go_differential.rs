//! Our templates against Go's own text/template: every `golang_template_json_v0.3.0` body
//! of the current registry, run by both on answers generated from the keys the body
//! indexes (missing, strings empty or not, lists, objects, numbers, false, null), must
//! print the same text or both fail. Needs `go` (`.ci/run` installs golang-go); without
//! it the test fails, saying so.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};

fn services_dir() -> std::path::PathBuf {
    stackql_testkit::shared_dir().join("registry-current/src/aws/v00.00.00000/services")
}

/// Every distinct JSON-kind template body of the current registry.
fn bodies() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(services_dir()).expect("registry-current services") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("document");
        if !text.contains("golang_template_json_v0.3.0") {
            continue;
        }
        let doc: Value = serde_yaml_ng::from_str(&text).expect("yaml");
        collect(&doc, &mut out);
    }
    out
}

fn collect(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("golang_template_json_v0.3.0") {
                if let Some(b) = m.get("body").and_then(Value::as_str) {
                    out.insert(b.to_string());
                }
            }
            m.values().for_each(|c| collect(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect(c, out)),
        _ => {}
    }
}

/// The string literals a body indexes with: the answer's keys it looks for.
fn keys(body: &str) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for part in body.split("index ").skip(1) {
        for lit in part.split('"').skip(1).step_by(2).take(3) {
            if !lit.is_empty() && !lit.contains(['{', '}']) {
                keys.insert(lit.to_string());
            }
        }
    }
    keys.into_iter().collect()
}

fn inputs(keys: &[String]) -> Vec<Value> {
    let object: serde_json::Map<String, Value> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), json!(format!("v{i}<&>"))))
        .collect();
    let with = |v: Value| Value::Object(keys.iter().map(|k| (k.clone(), v.clone())).collect());
    vec![
        json!({}),
        with(json!("text")),
        with(json!(["a", "b\"c"])),
        with(json!([
            Value::Object(object.clone()),
            Value::Object(object.clone())
        ])),
        with(Value::Object(object.clone())),
        with(json!([])),
        with(json!(12345678.5)),
        with(json!("")),
        with(json!(0)),
        with(json!(false)),
        with(Value::Null),
    ]
}

#[test]
fn registry_templates_match_go() {
    let go = Command::new("go").arg("version").output();
    assert!(
        go.is_ok_and(|o| o.status.success()),
        "`go` is required for this test (apt-get install golang-go; .ci/run installs it)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go_oracle/main.go");
    std::fs::copy(src, dir.path().join("main.go")).expect("copy oracle");
    std::fs::write(dir.path().join("go.mod"), "module oracle\n\ngo 1.19\n").expect("go.mod");
    let exe = dir.path().join("oracle");
    let built = Command::new("go")
        .args(["build", "-o"])
        .arg(&exe)
        .arg(".")
        .current_dir(dir.path())
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOPATH", dir.path().join("gopath"))
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("go build");
    assert!(
        built.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&built.stderr)
    );

    let mut cases = Vec::new();
    for body in bodies() {
        for input in inputs(&keys(&body)) {
            cases.push((body.clone(), input.to_string()));
        }
    }
    assert!(cases.len() > 500, "only {} cases", cases.len());
    let stdin: Vec<Value> = cases
        .iter()
        .map(|(b, i)| json!({"body": b, "input": i}))
        .collect();
    let mut child = Command::new(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("oracle");
    serde_json::to_writer(child.stdin.take().expect("stdin"), &stdin).expect("write cases");
    let out = child.wait_with_output().expect("oracle output");
    assert!(out.status.success(), "oracle failed");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("oracle JSON");

    assert_eq!(results.len(), cases.len(), "one result per case");
    // Both sides erring everywhere would agree vacuously: most cases must print JSON.
    let printed = results
        .iter()
        .filter(|r| r["err"] != true && r["out"] != "")
        .count();
    assert!(
        printed * 2 > cases.len(),
        "Go printed for only {printed} of {} cases",
        cases.len()
    );
    let mut differ = Vec::new();
    for ((body, input), go) in cases.iter().zip(&results) {
        let ours =
            stackql_transform::render("golang_template_json_v0.3.0", Some(body), input.as_bytes());
        let same = match (&ours, go["err"].as_bool() == Some(true)) {
            (Err(_), true) => true,
            (Ok(text), false) => {
                text.as_deref().unwrap_or("") == go["out"].as_str().unwrap_or_default()
            }
            _ => false,
        };
        if !same {
            differ.push(format!(
                "{body}\n  input {input}\n  go   {go}\n  ours {ours:?}"
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        differ.len(),
        cases.len(),
        differ
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
