//! Test support: where `../shared` is, a temporary registry root linking a real `aws`
//! snapshot (the May-2024 one or the current one; never copied), an emulator started on 127.0.0.1:0 in its own runtime, and
//! `moto_server` on a free port (`moto.rs`).

mod moto;

pub use moto::{start_moto, Moto};
use std::path::{Path, PathBuf};

pub use stackql_emulator::{EmulatorConfig, RecordedRequest, RunningEmulator};

/// The workspace root (the directory holding `crates/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit sits two levels below the workspace root")
        .to_path_buf()
}

/// `../shared` beside the checkout. Tests that need it fail loudly when it is missing:
/// CI lays it out beside every clone.
pub fn shared_dir() -> PathBuf {
    let dir = workspace_root().join("../shared");
    assert!(
        dir.join("registry/src").is_dir(),
        "../shared/registry is missing beside the checkout ({}); the tests run against the real registry snapshots there",
        dir.display()
    );
    dir.canonicalize().expect("shared dir")
}

/// The real registry root holding `src/aws` and `src/awscc`.
pub fn shared_registry() -> PathBuf {
    shared_dir().join("registry")
}

/// A registry root that exists as long as this value lives.
pub struct TempRegistry {
    dir: tempfile::TempDir,
}

impl TempRegistry {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The May-2024 `aws` snapshot (all 220 service documents) in a temporary root of its own,
/// so a test may add or remove documents without touching `../shared`. Snapshot files are
/// symlinked; nothing is copied into the project.
pub fn aws_registry() -> TempRegistry {
    linked_aws(&shared_registry().join("src/aws/v00.00.00000"))
}

/// The current `aws` provider (`../shared/registry-current`: 418 services in four wire
/// protocols, what `REGISTRY PULL aws` installs today) in a temporary root of its own,
/// symlinked like `aws_registry`.
pub fn aws_current_registry() -> TempRegistry {
    linked_aws(&shared_dir().join("registry-current/src/aws/v00.00.00000"))
}

/// A temporary root whose `src/aws/v00.00.00000` links every file of `real`.
fn linked_aws(real: &Path) -> TempRegistry {
    let dir = tempfile::tempdir().expect("tempdir");
    let version = dir.path().join("src/aws/v00.00.00000");
    let services = version.join("services");
    std::fs::create_dir_all(&services).expect("mkdir");
    symlink(&real.join("provider.yaml"), &version.join("provider.yaml"));
    for entry in std::fs::read_dir(real.join("services")).expect("read snapshot services") {
        let path = entry.expect("entry").path();
        symlink(&path, &services.join(path.file_name().expect("name")));
    }
    TempRegistry { dir }
}

/// A root holding the named providers of `../shared/registry-current` (e.g. `aws`,
/// `github`), each linked whole (`src/<provider>` is a symlink; nothing is copied).
pub fn current_registry(providers: &[&str]) -> TempRegistry {
    let real = shared_dir().join("registry-current/src");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    for provider in providers {
        let from = real.join(provider);
        assert!(
            from.is_dir(),
            "{} is missing; the tests run against the registry-current snapshot there",
            from.display()
        );
        symlink(&from, &src.join(provider));
    }
    TempRegistry { dir }
}

fn symlink(from: &Path, to: &Path) {
    std::os::unix::fs::symlink(from, to)
        .unwrap_or_else(|e| panic!("symlink {} -> {}: {e}", to.display(), from.display()));
}

/// An emulator with its own runtime, so synchronous tests (and the engine, which runs its
/// own runtime) can use it.
pub struct Emulator {
    pub runtime: tokio::runtime::Runtime,
    pub server: Option<RunningEmulator>,
}

impl Emulator {
    pub fn start(config: EmulatorConfig) -> Emulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime
            .block_on(stackql_emulator::start(config, 0))
            .expect("emulator starts");
        Emulator {
            runtime,
            server: Some(server),
        }
    }
    pub fn url(&self) -> String {
        self.server().endpoint_url()
    }
    pub fn server(&self) -> &RunningEmulator {
        self.server.as_ref().expect("running")
    }
    pub fn journal(&self) -> Vec<RecordedRequest> {
        self.server().journal()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

/// An injected environment that points the engine at the emulator at `url` with the test
/// key pair, so a test never reads or changes the process's environment.
pub fn emulator_env(url: String) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let (key, secret) = test_credentials();
    move |k| match k {
        "AWS_ENDPOINT_URL" => Some(url.clone()),
        "AWS_ACCESS_KEY_ID" => Some(key.to_string()),
        "AWS_SECRET_ACCESS_KEY" => Some(secret.to_string()),
        _ => None,
    }
}

/// The emulator's default accepted key pair (the SigV4 suite's example keys).
pub fn test_credentials() -> (&'static str, &'static str) {
    (
        stackql_emulator::DEFAULT_ACCESS_KEY_ID,
        stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
    )
}

/// The ```sql examples of the reference page `../shared/spec/aws.sagemaker.images.md`, read
/// at test time so tests run the page's own text verbatim: SELECT, INSERT (required
/// properties), INSERT (all properties), DELETE.
pub struct ReferenceExamples {
    pub select: String,
    pub insert_required: String,
    pub insert_all: String,
    pub delete: String,
}

pub fn reference_examples() -> ReferenceExamples {
    let path = shared_dir().join("spec/aws.sagemaker.images.md");
    let page = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the reference page {} is missing ({e})", path.display()));
    let mut blocks = Vec::new();
    let mut rest = page.as_str();
    while let Some(start) = rest.find("```sql\n") {
        let body = &rest[start + "```sql\n".len()..];
        let end = body.find("```").expect("closed code block");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    let [select, insert_required, insert_all, delete]: [String; 4] =
        blocks.try_into().unwrap_or_else(|b: Vec<String>| {
            panic!("expected 4 SQL examples on the page, found {}", b.len())
        });
    ReferenceExamples {
        select,
        insert_required,
        insert_all,
        delete,
    }
}
