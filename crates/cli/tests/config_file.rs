//! `.stackqlrc` in the working directory and `--configfile PATH`: default flag values as
//! StackQL reads them (a properties file keyed by flag name); the command line wins.

mod common;

use common::Run;
use serde_json::json;
use std::path::Path;

fn registry() -> String {
    stackql_testkit::workspace_root()
        .join("testdata/registry")
        .display()
        .to_string()
}

/// Runs the binary in `cwd` with exactly `args`.
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

#[test]
fn stackqlrc_in_the_working_directory_sets_defaults_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".stackqlrc"),
        format!(
            "# defaults for this project\noutput=json\nregistry: {}\napproot = {}\n",
            registry(),
            dir.path().join("app").display()
        ),
    )
    .unwrap();
    let r = bin_in(dir.path(), &["exec", "SELECT 1 AS x"]).ok();
    assert_eq!(r.json(), json!([{"x": 1}]));

    // The command line wins over the file.
    let r = bin_in(dir.path(), &["-o", "csv", "exec", "SELECT 1 AS x"]).ok();
    assert_eq!(r.stdout, "x\n1\n");
    let r = bin_in(dir.path(), &["--output=text", "exec", "SELECT 1 AS x"]).ok();
    assert_eq!(r.stdout.trim(), "x\n1".trim());

    // The file's approot is where user objects go.
    bin_in(dir.path(), &["exec", "CREATE TABLE t (a)"]).ok();
    assert!(dir.path().join("app/stackql.db").is_file());
}

#[test]
fn configfile_flag_switches_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("my.rc");
    std::fs::write(
        &cfg,
        format!(
            "registry={}\noutput=csv\nhideheaders=true\ncolorscheme=dark\ncolourscheme=dark\n",
            registry()
        ),
    )
    .unwrap();
    let flag = format!("--configfile={}", cfg.display());
    let r = bin_in(dir.path(), &[&flag, "exec", "SELECT 1 AS x, 2 AS y"]).ok();
    assert_eq!(r.stdout, "1,2\n", "hideheaders=true from the file");
    assert!(
        r.stderr
            .contains("'colourscheme' is not a flag of this build"),
        "unknown keys are reported, not dropped silently: {}",
        r.stderr
    );

    // StackQL's own flags are keys too (colorscheme, which changes nothing, is not reported).
    assert!(!r.stderr.contains("'colorscheme'"), "{}", r.stderr);

    // The command line wins, a switch included (`--hideheaders=false`, as pflag writes it).
    let r = bin_in(dir.path(), &[&flag, "-o", "json", "exec", "SELECT 1 AS x"]).ok();
    assert_eq!(r.json(), json!([{"x": 1}]));
    let r = bin_in(
        dir.path(),
        &[&flag, "--hideheaders=false", "exec", "SELECT 1 AS x"],
    )
    .ok();
    assert_eq!(r.stdout, "x\n1\n");

    // A named config file that does not exist is an error, not a silent default.
    let missing = format!("--configfile={}", dir.path().join("nope").display());
    let r = bin_in(dir.path(), &[&missing, "exec", "SELECT 1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cannot read the config file"),
        "{}",
        r.stderr
    );

    // A bad switch value is named.
    std::fs::write(&cfg, "dryrun=maybe\n").unwrap();
    let r = bin_in(dir.path(), &[&flag, "exec", "SELECT 1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("'dryrun' is a switch"), "{}", r.stderr);
}
