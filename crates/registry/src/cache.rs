//! A cache of parsed registry documents under a directory the caller chooses (the app root's
//! `cache/`), so that planning a query does not pay for parsing YAML.
//!
//! Parsing `ec2_api.yaml` (4 MB of YAML) takes far longer than the rest of a short query, and
//! a query needs one of its resources. So a service is cached as one file:
//!
//! ```text
//! "SQLRC001" | u64 LE header length | header JSON | resource blobs ... | document blob
//! ```
//!
//! The header holds the source's stamp, the service-wide facts and each resource's byte
//! range; a resource is read (one positioned read, one small JSON parse) the first time it
//! is asked for, and the whole document only if someone calls `Service::document`.
//!
//! Validity: the header records the model fingerprint of the build that wrote it (see
//! `build.rs`) and the source file's stamp (absolute path, size, mtime and, on Unix, ctime,
//! inode and device). A `stat` costs microseconds where hashing 4 MB costs milliseconds, and
//! ctime changes on every write, even when a tool restores mtime. Files are written to a
//! temporary name and renamed, so a concurrent reader sees the old file or the new one,
//! never a torn one; an open reader keeps its inode even if the file is replaced.
//! Anything unreadable or inconsistent is a miss: the source is parsed, as without a cache,
//! and nothing is printed.

use crate::provider::ServiceEntry;
use crate::resource::Resource;
use crate::service::{IndexEntry, Resources, Service, ServiceHead, ServiceOptions};
use crate::yaml::read_document;
use crate::RegistryError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const MAGIC: &[u8; 8] = b"SQLRC001";
const MODEL: &str = env!("STACKQL_REGISTRY_MODEL_HASH");

/// Identity of a source file at the time it was parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    path: PathBuf,
    len: u64,
    mtime: (i64, u32),
    ctime: (i64, u32),
    ino: u64,
    dev: u64,
}

impl Stamp {
    /// Follows symlinks: a re-pointed link is a different source.
    pub(crate) fn of(path: &Path) -> std::io::Result<Stamp> {
        let path = std::path::absolute(path)?;
        let meta = std::fs::metadata(&path)?;
        #[cfg(unix)]
        let (mtime, ctime, ino, dev) = {
            use std::os::unix::fs::MetadataExt;
            (
                (meta.mtime(), meta.mtime_nsec() as u32),
                (meta.ctime(), meta.ctime_nsec() as u32),
                meta.ino(),
                meta.dev(),
            )
        };
        #[cfg(not(unix))]
        let (mtime, ctime, ino, dev) = {
            let m = meta
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            ((m.as_secs() as i64, m.subsec_nanos()), (0, 0), 0, 0)
        };
        Ok(Stamp {
            path,
            len: meta.len(),
            mtime,
            ctime,
            ino,
            dev,
        })
    }

    /// Whether the source changed too recently for its stamp to be trusted. File times come
    /// from a coarse clock (a jiffy or more), so a second write within the same tick would
    /// leave the stamp unchanged; such a file is parsed but not cached until it settles
    /// ("racy git" has the same problem and the same answer).
    fn is_racy(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let newest = self.mtime.max(self.ctime);
        let settled = now.as_secs() as i64 - RACY_SECS;
        (newest.0, newest.1) >= (settled, now.subsec_nanos())
    }
}

/// How old a source's last change must be before its stamp is trusted.
const RACY_SECS: i64 = 1;

/// `<cache dir>/registry`: where parsed documents are kept.
#[derive(Clone, Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct ServiceHeader {
    model: String,
    stamp: Stamp,
    head: ServiceHead,
    /// Each resource's name, (offset, length) in the blob area, and description.
    resources: Vec<IndexEntry>,
    document: (u64, u64),
    /// Length of the blob area: a shorter file was cut off.
    blobs_len: u64,
}

#[derive(Serialize, Deserialize)]
struct ProviderFile {
    model: String,
    stamp: Stamp,
    version: String,
    services: BTreeMap<String, ServiceEntry>,
    /// provider.yaml's `config.auth`.
    #[serde(default)]
    auth: Option<Value>,
    #[serde(default)]
    snake_case_aliases: bool,
}

/// What a provider's cache entry gives back: its version, service index, `config.auth` and
/// the `config` options its services are parsed with.
pub(crate) type ProviderFacts = (
    String,
    BTreeMap<String, ServiceEntry>,
    Option<Value>,
    ServiceOptions,
);

impl Cache {
    pub(crate) fn new(cache_dir: &Path) -> Cache {
        Cache {
            dir: cache_dir.join("registry"),
        }
    }

    /// One file per source; the hash of the source's path keeps registries at different
    /// roots apart, and the readable prefix helps whoever looks into the directory.
    fn file_for(&self, provider: &str, label: &str, source: &Path, ext: &str) -> PathBuf {
        let abs = std::path::absolute(source).unwrap_or_else(|_| source.to_path_buf());
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in abs.as_os_str().as_encoded_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.dir
            .join(provider)
            .join(format!("{label}-{h:016x}.{ext}"))
    }

    pub(crate) fn load_provider(&self, provider: &str, stamp: &Stamp) -> Option<ProviderFacts> {
        let path = self.file_for(provider, "provider", &stamp.path, "json");
        let bytes = std::fs::read(path).ok()?;
        let file: ProviderFile = serde_json::from_slice(&bytes).ok()?;
        (file.model == MODEL && file.stamp == *stamp).then_some((
            file.version,
            file.services,
            file.auth,
            ServiceOptions {
                snake_case_columns: file.snake_case_aliases,
            },
        ))
    }

    pub(crate) fn store_provider(
        &self,
        provider: &str,
        stamp: &Stamp,
        version: &str,
        services: &BTreeMap<String, ServiceEntry>,
        auth: Option<&Value>,
        options: ServiceOptions,
    ) {
        if stamp.is_racy() {
            return;
        }
        let file = ProviderFile {
            model: MODEL.to_string(),
            stamp: stamp.clone(),
            version: version.to_string(),
            services: services.clone(),
            auth: auth.cloned(),
            snake_case_aliases: options.snake_case_columns,
        };
        if let Ok(bytes) = serde_json::to_vec(&file) {
            let path = self.file_for(provider, "provider", &stamp.path, "json");
            if write_atomic(&path, &[&bytes]).is_ok() {
                evict_orphans(&path);
            }
        }
    }

    /// The service from its cache file, if that file was written by this build from the
    /// source as it is now. Reads the header only.
    pub(crate) fn load_service(
        &self,
        provider: &str,
        service: &str,
        stamp: &Stamp,
    ) -> Option<Service> {
        let path = self.file_for_service(provider, service, stamp);
        let mut file = File::open(path).ok()?;
        let mut prefix = [0u8; 16];
        file.read_exact(&mut prefix).ok()?;
        if &prefix[..8] != MAGIC {
            return None;
        }
        let header_len = u64::from_le_bytes(prefix[8..].try_into().ok()?);
        let file_len = file.metadata().ok()?.len();
        if header_len > file_len {
            return None;
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact(&mut header).ok()?;
        let header: ServiceHeader = serde_json::from_slice(&header).ok()?;
        let blob_base = 16 + header_len;
        if header.model != MODEL
            || header.stamp != *stamp
            || blob_base + header.blobs_len != file_len
            || header.head.provider != provider
            || header.head.name != service
        {
            return None;
        }
        let cached = CachedService {
            file: Mutex::new(file),
            blob_base,
            names: header.resources,
            document: header.document,
            stamp: header.stamp,
            head: header.head.clone(),
            cache: self.clone(),
            parsed: Mutex::new(None),
        };
        Some(cached.into_service(header.head))
    }

    fn file_for_service(&self, provider: &str, service: &str, stamp: &Stamp) -> PathBuf {
        self.file_for(provider, service, &stamp.path, "svc")
    }

    /// Writes a fully parsed service. Failures are ignored: the cache only ever saves time.
    pub(crate) fn store_service(&self, service: &Service, stamp: &Stamp) {
        if stamp.is_racy() {
            return;
        }
        let _ = self.try_store_service(service, stamp);
    }

    fn try_store_service(&self, service: &Service, stamp: &Stamp) -> Option<()> {
        let mut blobs: Vec<Vec<u8>> = Vec::with_capacity(service.resources.len() + 1);
        let mut ranges = Vec::with_capacity(service.resources.len());
        let mut offset = 0u64;
        for (name, resource) in &service.resources {
            let blob = serde_json::to_vec(resource.as_ref()).ok()?;
            ranges.push(IndexEntry {
                name: name.clone(),
                range: (offset, blob.len() as u64),
                description: resource.description.clone(),
            });
            offset += blob.len() as u64;
            blobs.push(blob);
        }
        let document = serde_json::to_vec(service.document().ok()?).ok()?;
        let document_range = (offset, document.len() as u64);
        offset += document.len() as u64;
        blobs.push(document);
        let header = serde_json::to_vec(&ServiceHeader {
            model: MODEL.to_string(),
            stamp: stamp.clone(),
            head: service.head(),
            resources: ranges,
            document: document_range,
            blobs_len: offset,
        })
        .ok()?;
        let len = (header.len() as u64).to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![MAGIC, &len, &header];
        parts.extend(blobs.iter().map(Vec::as_slice));
        let path = self.file_for_service(&service.provider, &service.name, stamp);
        write_atomic(&path, &parts).ok()?;
        evict_orphans(&path);
        Some(())
    }
}

/// Removes the entries of the same name (`<label>-<hash>.<ext>`) written for sources that
/// no longer exist (temporary registries, moved roots), and temporary files abandoned by
/// crashed writers, so the cache does not grow without bound. Runs only after a write,
/// that is after a parse, where its cost disappears.
fn evict_orphans(kept: &Path) {
    let (Some(dir), Some(name)) = (kept.parent(), kept.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let Some((label, rest)) = name.rsplit_once('-') else {
        return;
    };
    let ext = rest.rsplit('.').next().unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(other) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if other == name {
            continue;
        }
        if other.starts_with('.') && other.ends_with(".tmp") {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 600);
            if old {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        let same_kind = other
            .strip_prefix(label)
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|r| !r.contains('-') && r.ends_with(&format!(".{ext}")));
        if same_kind && source_of(&path).is_some_and(|src| !src.exists()) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The source path recorded in a cache file, if it can be read.
fn source_of(path: &Path) -> Option<PathBuf> {
    #[derive(Deserialize)]
    struct JustStamp {
        stamp: Stamp,
    }
    let mut file = File::open(path).ok()?;
    let bytes = if path.extension().is_some_and(|e| e == "svc") {
        let mut prefix = [0u8; 16];
        file.read_exact(&mut prefix).ok()?;
        let len = u64::from_le_bytes(prefix[8..].try_into().ok()?);
        let mut header = vec![0u8; usize::try_from(len).ok()?.min(64 << 20)];
        file.read_exact(&mut header).ok()?;
        header
    } else {
        let mut all = Vec::new();
        file.read_to_end(&mut all).ok()?;
        all
    };
    serde_json::from_slice::<JustStamp>(&bytes)
        .ok()
        .map(|s| s.stamp.path)
}

/// Temp file in the same directory, then rename: readers see a whole file or none.
fn write_atomic(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        std::process::id()
    ));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        for part in parts {
            f.write_all(part)?;
        }
        f.flush()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The lazily read parts of a service loaded from its cache file. The file stays open, so
/// a replacement written meanwhile by another process does not shift the ranges under us.
pub(crate) struct CachedService {
    file: Mutex<File>,
    blob_base: u64,
    names: Vec<IndexEntry>,
    document: (u64, u64),
    stamp: Stamp,
    head: ServiceHead,
    cache: Cache,
    /// The source parsed after a blob turned out unreadable.
    parsed: Mutex<Option<Arc<Service>>>,
}

impl CachedService {
    pub(crate) fn into_service(self, head: ServiceHead) -> Service {
        let names = self.names.clone();
        let lazy = Arc::new(self);
        Service::from_head(head, Resources::lazy(names, lazy.clone()), Some(lazy))
    }

    fn read_blob(&self, (offset, len): (u64, u64)) -> Option<Vec<u8>> {
        let mut file = self.file.lock().ok()?;
        file.seek(SeekFrom::Start(self.blob_base + offset)).ok()?;
        let mut buf = vec![0u8; usize::try_from(len).ok()?];
        file.read_exact(&mut buf).ok()?;
        Some(buf)
    }

    pub(crate) fn resource(
        &self,
        name: &str,
        range: (u64, u64),
    ) -> Result<Arc<Resource>, RegistryError> {
        if let Some(r) = self
            .read_blob(range)
            .and_then(|b| serde_json::from_slice::<Resource>(&b).ok())
            .filter(|r| r.name == name)
        {
            return Ok(Arc::new(r));
        }
        self.fallback()?
            .resources
            .try_get(name)?
            .cloned()
            .ok_or_else(|| {
                RegistryError::invalid(
                    &self.head.path,
                    format!("resource {name} disappeared from the document while it was read"),
                )
            })
    }

    pub(crate) fn document(&self) -> Result<Value, RegistryError> {
        if let Some(d) = self
            .read_blob(self.document)
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            return Ok(d);
        }
        Ok(self.fallback()?.document()?.clone())
    }

    /// Parses the source, as without a cache, and rewrites the cache so the next process
    /// does not trip over the same damage.
    fn fallback(&self) -> Result<Arc<Service>, RegistryError> {
        let mut parsed = self.parsed.lock().expect("cache fallback lock");
        if let Some(s) = parsed.as_ref() {
            return Ok(s.clone());
        }
        let stamp =
            Stamp::of(&self.head.path).map_err(|e| RegistryError::io(&self.head.path, e))?;
        let doc = read_document(&self.head.path)?;
        let service = Arc::new(Service::from_document(
            &self.head.provider,
            &self.head.name,
            &self.head.path,
            doc,
            ServiceOptions {
                snake_case_columns: self.head.snake_case_columns,
            },
        )?);
        if stamp == self.stamp {
            self.cache.store_service(&service, &stamp);
        }
        *parsed = Some(service.clone());
        Ok(service)
    }
}
