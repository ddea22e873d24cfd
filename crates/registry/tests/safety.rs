//! Registries built to hurt: documents that expand without bound ("billion laughs"),
//! oversized documents, `$ref`s that climb out of the registry root, and empty documents.
//! Each is refused with an error naming the file; nothing outside the root is opened.

use stackql_registry::{Registry, RegistryError, Service, MAX_DOCUMENT_BYTES};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A registry root with provider `p` whose provider.yaml lists `services` (name, $ref).
fn registry(services: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let version = dir.path().join("src/p/v1");
    std::fs::create_dir_all(version.join("services")).unwrap();
    let mut yaml = String::from("id: p\nname: p\nversion: v1\nproviderServices:\n");
    for (name, reference) in services {
        yaml.push_str(&format!(
            "  {name}:\n    id: {name}:v1\n    name: {name}\n    service:\n      $ref: '{reference}'\n    title: {name}\n    description: {name}\n"
        ));
    }
    std::fs::write(version.join("provider.yaml"), yaml).unwrap();
    dir
}

fn services_dir(root: &Path) -> PathBuf {
    root.join("src/p/v1/services")
}

const GOOD_SERVICE: &str =
    "openapi: 3.0.0\ninfo:\n  title: s\n  version: v1\ncomponents:\n  x-stackQL-resources: {}\n";

/// The peak resident memory of this process so far (kB), from /proc.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[test]
fn billion_laughs_is_refused_quickly_in_little_memory() {
    // The classic: nine levels of nine aliases, 10^9 strings once expanded.
    let mut laughs = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names: Vec<char> = "abcdefghij".chars().collect();
    for w in names.windows(2) {
        let (prev, next) = (w[0], w[1]);
        laughs.push_str(&format!(
            "{next}: &{next} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    // The wide one: a big anchor aliased often stays under serde_yaml_ng's repetition
    // limit (100 alias replays per event) while expanding to gigabytes.
    let mut wide = String::from("a: &a\n");
    for i in 0..4000 {
        wide.push_str(&format!("  - {i:0>200}\n"));
    }
    wide.push_str("b:\n");
    for _ in 0..20_000 {
        wide.push_str("  - *a\n");
    }
    let before = peak_rss_kb();
    for (name, doc) in [("laughs", &laughs), ("wide", &wide)] {
        let root = registry(&[("s", "p/v1/services/s.yaml")]);
        std::fs::write(services_dir(root.path()).join("s.yaml"), doc).unwrap();
        let reg = Registry::open(root.path()).unwrap();
        let started = Instant::now();
        let err = reg
            .provider("p")
            .unwrap()
            .service("s")
            .err()
            .expect("refused");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name}: {:?}",
            started.elapsed()
        );
        let msg = err.to_string();
        assert!(msg.contains("s.yaml"), "{name}: {msg}");
        assert!(
            msg.contains("anchors and aliases expand to more than"),
            "{name}: {msg}"
        );
    }
    // Expanded, "wide" is 16 GB; the budget lets the build reach about 70 MB.
    let grown_mb = (peak_rss_kb().saturating_sub(before)) / 1024;
    assert!(grown_mb < 600, "peak memory grew by {grown_mb} MB");
}

#[test]
fn oversized_documents_are_refused_before_reading() {
    let root = registry(&[("s", "p/v1/services/s.yaml")]);
    let path = services_dir(root.path()).join("s.yaml");
    // Sparse: the size is there without writing it.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(MAX_DOCUMENT_BYTES + 1).unwrap();
    let reg = Registry::open(root.path()).unwrap();
    let err = reg
        .provider("p")
        .unwrap()
        .service("s")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("s.yaml"), "{err}");
    assert!(err.contains("may be at most 32 MiB"), "{err}");
}

#[test]
fn a_ref_out_of_the_root_is_refused_and_nothing_is_opened() {
    for reference in [
        "../../etc/passwd",
        "/etc/passwd",
        "p/v1/../../../outside.yaml",
        "",
    ] {
        let root = registry(&[("s", reference)]);
        // A valid document right outside the root: refusing must not depend on what is there.
        let outside = root.path().parent().unwrap().join("outside.yaml");
        let _ = std::fs::write(&outside, GOOD_SERVICE);
        let reg = Registry::open(root.path()).unwrap();
        let err = reg.provider("p").err().expect("refused");
        assert!(
            matches!(err, RegistryError::RefOutsideRoot { .. }),
            "{reference}: {err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("provider.yaml"), "{msg}");
        assert!(
            msg.contains(&format!("$ref '{reference}' leaves the registry root")),
            "{msg}"
        );
        let _ = std::fs::remove_file(&outside);
    }
}

#[test]
fn refs_that_stay_inside_and_linked_files_are_read() {
    // `..` that stays inside `src/` is fine, and so is a link inside the root to a file
    // kept elsewhere (how the tests link the read-only snapshots): the rule is about the
    // path as written, not where a link leads.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("real.yaml"), GOOD_SERVICE).unwrap();
    let root = registry(&[
        ("s", "p/v1/../v1/./services/s.yaml"),
        ("l", "p/v1/services/l.yaml"),
    ]);
    std::fs::write(services_dir(root.path()).join("s.yaml"), GOOD_SERVICE).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("real.yaml"),
        services_dir(root.path()).join("l.yaml"),
    )
    .unwrap();
    let reg = Registry::open(root.path()).unwrap();
    let p = reg.provider("p").unwrap();
    assert_eq!(p.service("s").unwrap().title, "s");
    assert_eq!(p.service("l").unwrap().title, "s");
}

#[test]
fn empty_documents_are_named() {
    for (text, expected) in [
        ("", "service document {} is empty"),
        ("  \n\t\n", "service document {} is empty"),
        ("# only a comment\n", "service document {} is empty"),
        ("~\n", "service document {} is empty"),
        ("{}\n", "service document {} is empty"),
        (
            "- a\n- b\n",
            "service document {} is not a mapping of keys to values (it holds a list)",
        ),
        (
            "just text\n",
            "service document {} is not a mapping of keys to values (it holds a string)",
        ),
    ] {
        let root = registry(&[("s", "p/v1/services/s.yaml")]);
        let path = services_dir(root.path()).join("s.yaml");
        std::fs::write(&path, text).unwrap();
        let reg = Registry::open(root.path()).unwrap();
        let err = reg.resource("p", "s", "anything").err().expect("refused");
        let want = expected.replace("{}", &path.display().to_string());
        assert_eq!(err.to_string(), want, "{text:?}");
    }
    // The same through the text entry point, and for provider.yaml.
    let err = Service::parse("p", "s", Path::new("x.yaml"), "")
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "service document x.yaml is empty");
    let root = registry(&[]);
    std::fs::write(root.path().join("src/p/v1/provider.yaml"), "\n").unwrap();
    let err = Registry::open(root.path())
        .unwrap()
        .provider("p")
        .err()
        .unwrap();
    assert!(err.to_string().starts_with("provider document"), "{err}");
    assert!(err.to_string().ends_with("provider.yaml is empty"), "{err}");
}
