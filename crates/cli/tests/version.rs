//! `stackql --version` prints StackQL's text, whose first line pystackql and stackql-deploy
//! parse: `stackql v<semver> <os>/<arch> (<short sha>)`, then `BuildDate: ...` and the URL.

use std::process::Command;

#[test]
fn version_text_is_stackqls() {
    let out = Command::new(env!("CARGO_BIN_EXE_stackql"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let first: Vec<&str> = lines[0].split(' ').collect();
    assert_eq!(first.len(), 4, "{text}");
    assert_eq!(first[0], "stackql");
    let semver = first[1].strip_prefix('v').expect("v<semver>");
    assert_eq!(semver, env!("CARGO_PKG_VERSION"));
    assert_eq!(semver.split('.').count(), 3, "{semver}");
    let (os, arch) = first[2].split_once('/').expect("<os>/<arch>");
    assert_eq!(os, std::env::consts::OS.replace("macos", "darwin"));
    assert!(
        !arch.is_empty() && arch != "x86_64",
        "Go's spelling: {arch}"
    );
    let sha = first[3]
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .expect("(<sha>)");
    assert!(
        sha == "unknown" || (sha.len() >= 7 && sha.chars().all(|c| c.is_ascii_hexdigit())),
        "{sha}"
    );
    assert!(lines[1].starts_with("BuildDate: "), "{text}");
    assert_eq!(lines[2], "https://stackql.io");
}
