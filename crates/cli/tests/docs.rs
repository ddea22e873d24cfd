//! `stackql docs`: the reference page of `aws.sagemaker.images` rendered from the registry
//! equals `../shared/spec/aws.sagemaker.images.md` byte for byte, and every resource of both
//! snapshots (aws and awscc, as they ship) renders.

mod common;

use common::*;
use stackql_registry::{Registry, RegistryError};
use stackql_testkit::{aws_registry, shared_dir, shared_registry};
use std::path::Path;

#[test]
fn images_page_equals_the_reference_page() {
    let reg = aws_registry();
    let run = stackql(reg.root(), None, &["docs", "aws.sagemaker.images"]).ok();
    let golden = std::fs::read_to_string(shared_dir().join("spec/aws.sagemaker.images.md"))
        .expect("reference page");
    if run.stdout != golden {
        let first = run
            .stdout
            .lines()
            .zip(golden.lines())
            .position(|(a, b)| a != b);
        panic!(
            "the rendered page differs from the reference page (first differing line {first:?})\n--- rendered ---\n{}",
            run.stdout
        );
    }
}

/// Every resource of every service whose document ships, and the services that do not.
fn expected(root: &Path, provider: &str) -> (usize, usize) {
    let registry = Registry::open(root).unwrap();
    let p = registry.provider(provider).unwrap();
    let (mut pages, mut missing) = (0, 0);
    for name in p.services.keys() {
        match p.service(name) {
            Ok(s) => pages += s.resources.len(),
            Err(RegistryError::MissingServiceDocument { .. }) => missing += 1,
            Err(e) => panic!("{e}"),
        }
    }
    (pages, missing)
}

fn pages_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for svc in std::fs::read_dir(dir).unwrap() {
        for res in std::fs::read_dir(svc.unwrap().path()).unwrap() {
            let page = res.unwrap().path().join("index.md");
            assert!(page.is_file(), "{}", page.display());
            out.push(page);
        }
    }
    out
}

fn renders_every_resource(root: &Path, provider: &str) {
    let (pages, missing) = expected(root, provider);
    assert!(pages > 100, "{provider}: only {pages} resources?");
    let out = tempfile::tempdir().unwrap();
    let run = stackql(
        root,
        None,
        &["docs", provider, "--out", out.path().to_str().unwrap()],
    )
    .ok();
    assert!(
        run.stderr.contains(&format!("wrote {pages} page(s)")),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("skipped "))
            .count(),
        missing,
        "{}",
        run.stderr
    );
    let written = pages_under(out.path());
    assert_eq!(written.len(), pages);
    for page in written {
        let text = std::fs::read_to_string(&page).unwrap();
        assert!(text.starts_with("---\ntitle: "), "{}", page.display());
        assert!(text.contains("## Fields\n"), "{}", page.display());
        assert!(text.contains("## Methods\n"), "{}", page.display());
    }
}

#[test]
fn every_aws_resource_renders() {
    let reg = aws_registry();
    renders_every_resource(reg.root(), "aws");
}

#[test]
fn every_awscc_resource_renders() {
    renders_every_resource(&shared_registry(), "awscc");
}

#[test]
fn one_service_into_a_directory_and_usage_errors() {
    let reg = aws_registry();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let run = stackql(reg.root(), None, &["docs", "aws.sagemaker", "--out", dir]).ok();
    let sagemaker = Registry::open(reg.root())
        .unwrap()
        .provider("aws")
        .unwrap()
        .service("sagemaker")
        .unwrap()
        .resources
        .len();
    assert!(sagemaker > 2, "{sagemaker} sagemaker resources");
    assert!(
        run.stderr.contains(&format!("wrote {sagemaker} page(s)")),
        "{}",
        run.stderr
    );
    let images = std::fs::read_to_string(out.path().join("sagemaker/images/index.md")).unwrap();
    let golden =
        std::fs::read_to_string(shared_dir().join("spec/aws.sagemaker.images.md")).unwrap();
    assert_eq!(images, golden);
    let singular = std::fs::read_to_string(out.path().join("sagemaker/image/index.md")).unwrap();
    assert!(singular.contains(
        "Gets or updates an individual <code>image</code> resource, use <code>images</code>"
    ));
    assert!(singular.contains("WHERE region = 'us-east-1' AND data__Identifier = '<ImageArn>';"));
    assert!(
        singular.contains("### Read\n```json\nsagemaker:DescribeImage,\nsagemaker:ListTags\n```")
    );

    let r = stackql(reg.root(), None, &["docs", "aws"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("--out DIR"), "{}", r.stderr);
    let r = stackql(reg.root(), None, &["docs", "aws.sagemaker.imags"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("unknown resource 'imags'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("images"), "{}", r.stderr);
}
