//! Build facts for `stackql --version`, which prints them as StackQL does (pystackql reads the
//! first line): the platform in Go's spelling (`linux/amd64`), the commit's short SHA and the
//! commit's date (the commit's, not the clock's, so a build is reproducible). Without git
//! (a source tarball) both say `unknown`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let os = match std::env::var("CARGO_CFG_TARGET_OS")
        .unwrap_or_default()
        .as_str()
    {
        "macos" => "darwin".to_string(),
        other => other.to_string(),
    };
    let arch = match std::env::var("CARGO_CFG_TARGET_ARCH")
        .unwrap_or_default()
        .as_str()
    {
        "x86_64" => "amd64".to_string(),
        "aarch64" => "arm64".to_string(),
        "x86" => "386".to_string(),
        other => other.to_string(),
    };
    let sha = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&[
        "log",
        "-1",
        "--format=%cd",
        "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
    ])
    .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STACKQL_BUILD_PLATFORM={os}/{arch}");
    println!("cargo:rustc-env=STACKQL_BUILD_SHA={sha}");
    println!("cargo:rustc-env=STACKQL_BUILD_DATE={date}");
    // A new commit changes HEAD's target; rerun then (paths from git, so worktrees work too).
    for path in ["HEAD", "logs/HEAD"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
