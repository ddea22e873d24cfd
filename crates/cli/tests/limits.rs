//! Statements and registries built to exhaust the process end as user errors: exit code 1,
//! a message naming the limit, never an abort. Deep expressions (chains and nesting), huge
//! statements, SQLite's own depth limit, and a `--registry` JSON with wrong field types.

mod common;

use common::*;
use stackql_testkit::aws_registry;
use std::path::Path;
use std::process::Command;

fn fails_cleanly(run: &Run, needle: &str) {
    assert_eq!(
        run.code, 1,
        "expected exit 1 (not an abort)\nstderr: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(needle),
        "stderr should contain {needle:?}:\n{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
}

/// Runs `exec --infile` on `sql` (command-line arguments are capped at 128 KiB), with and
/// without `--dryrun`.
fn exec_file(registry: &Path, sql: &str, dryrun: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.sql");
    std::fs::write(&file, sql).unwrap();
    let infile = format!("--infile={}", file.display());
    let mut args = vec!["exec", infile.as_str()];
    if dryrun {
        args.push("--dryrun");
    }
    stackql(registry, None, &args)
}

fn plus_chain(terms: usize, sep: &str) -> String {
    format!("SELECT {}", vec!["1"; terms].join(sep))
}

#[test]
fn a_300000_term_sum_is_refused_by_size() {
    let reg = aws_registry();
    let sql = plus_chain(300_000, " + ");
    assert!(sql.len() > 1 << 20);
    for dryrun in [false, true] {
        let run = exec_file(reg.root(), &sql, dryrun);
        fails_cleanly(&run, "the limit is 1 MiB");
    }
}

#[test]
fn a_deep_chain_under_the_size_limit_is_refused_by_depth() {
    // 200,000 terms in 400 KB: within the size limit, 200 times the depth limit.
    let reg = aws_registry();
    let sql = plus_chain(200_000, "+");
    assert!(sql.len() < 1 << 20);
    for dryrun in [false, true] {
        let run = exec_file(reg.root(), &sql, dryrun);
        fails_cleanly(&run, "more than 2000 operators in one expression");
    }
}

#[test]
fn deeply_nested_parentheses_are_refused() {
    let reg = aws_registry();
    for depth in [100_000, 300] {
        let sql = format!("SELECT {}1{}", "(".repeat(depth), ")".repeat(depth));
        for dryrun in [false, true] {
            let run = exec_file(reg.root(), &sql, dryrun);
            assert_eq!(run.code, 1, "depth {depth}: {}", run.stderr);
            assert!(
                run.stderr.contains("operators in one expression")
                    || run
                        .stderr
                        .contains("nests parentheses, subqueries or operators too deeply"),
                "depth {depth}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn deeply_nested_subqueries_and_unions_are_refused() {
    let reg = aws_registry();
    let subqueries = format!("SELECT {}1{}", "(SELECT ".repeat(5_000), ")".repeat(5_000));
    let unions = vec!["SELECT 1, 2"; 20_000].join(" UNION ALL ");
    for sql in [subqueries, unions] {
        let run = exec_file(reg.root(), &sql, true);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("limit") || run.stderr.contains("more than"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn sqlites_depth_limit_is_an_error_too() {
    // 1,500 terms pass the front end (its bound is 2,000) and reach SQLite, whose limit is
    // an expression depth of 1,000: its error is reported, the process does not crash.
    let reg = aws_registry();
    let run = exec_file(reg.root(), &plus_chain(1_500, " + "), false);
    fails_cleanly(&run, "Expression tree is too large (maximum depth 1000)");
    // 900 terms are fine everywhere.
    let run = exec_file(reg.root(), &plus_chain(900, " + "), false).ok();
    assert!(run.stdout.contains("900"), "{}", run.stdout);
}

#[test]
fn a_long_explain_chain_is_one_explain() {
    let reg = aws_registry();
    let sql = format!("{}SELECT 1", "EXPLAIN ".repeat(100_000));
    let run = exec_file(reg.root(), &sql, true);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// `stackql` with a `--registry` of our own (the common helper passes a directory).
fn with_registry_flag(flag: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_stackql"))
        .current_dir(scratch_dir())
        .arg(format!("--registry={flag}"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "y")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .expect("run stackql");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn registry_json_with_wrong_types_is_an_error() {
    let show = ["exec", "SHOW SERVICES IN aws LIKE 'sagemaker'"];
    for (flag, message) in [
        (
            r#"{"url": 5}"#,
            r#"--registry: "url" must be a string, got a number (5)"#,
        ),
        (
            r#"{"localDocRoot": true}"#,
            r#"--registry: "localDocRoot" must be a string, got a boolean (true)"#,
        ),
        (
            r#"{"url": "file:///x", "verifyConfig": "none"}"#,
            r#""verifyConfig" must be an object, got a string"#,
        ),
        (
            r#"{"url": ["a"]}"#,
            r#""url" must be a string, got an array"#,
        ),
    ] {
        let run = with_registry_flag(flag, &show);
        fails_cleanly(&run, message);
    }
}

#[test]
fn registry_json_unknown_keys_are_ignored_with_a_warning() {
    // StackQL ignores keys it does not know; a typo is most likely, so it is named.
    let reg = aws_registry();
    let flag = format!(
        r#"{{"localDocRoot": "{}", "localdocroot": "/elsewhere"}}"#,
        reg.root().display()
    );
    let run = with_registry_flag(&flag, &["exec", "SHOW SERVICES IN aws LIKE 'sagemaker'"]).ok();
    assert!(run.stdout.contains("sagemaker"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains(r#"warning: --registry: unknown key "localdocroot" ignored"#),
        "{}",
        run.stderr
    );
}

#[test]
fn an_endless_or_oversized_infile_is_refused_without_reading_it_all() {
    let reg = aws_registry();
    // /dev/zero never ends: reading stops at the script limit.
    let r = stackql(reg.root(), None, &["exec", "--dryrun", "-i", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("larger than 64 MiB"), "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.iql");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len((64 << 20) + 1).unwrap();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "--dryrun", "-q", big.to_str().unwrap(), "SELECT 1"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--iqldata"), "{}", r.stderr);
}
