//! Fingerprints the registry model's source so that a cache written by one build is never
//! read by another whose parsing or model differs: a stale cache would silently plan from
//! an old model, and a hand-bumped format version is too easy to forget.

use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let mut files = Vec::new();
    collect(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a: deterministic across toolchains, unlike std's DefaultHasher.
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    for f in &files {
        f.to_string_lossy().hash(&mut h);
        std::fs::read(f).expect("read registry source").hash(&mut h);
    }
    std::fs::read("Cargo.toml")
        .expect("read Cargo.toml")
        .hash(&mut h);
    println!("cargo:rustc-env=STACKQL_REGISTRY_MODEL_HASH={:016x}", h.0);
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
