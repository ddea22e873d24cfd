//! Test helpers shared by the integration tests: temp directories and a raw-HTTP parser for
//! the SigV4 test-vector files.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system temp dir, removed on drop (no `tempfile` dependency needed).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "stackql-aws-auth-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parses a test-vector request file (`METHOD target HTTP/1.1`, `Name:value` lines, blank
/// line, body). The target may contain raw spaces and UTF-8, which are percent-encoded as an
/// HTTP client would before sending; obsolete folded header lines are joined with a space
/// (RFC 7230 3.2.4), since `http` header values cannot hold newlines. With `absolute`, the URI
/// is `https://<Host><target>` (client side); otherwise the origin-form target (server side).
pub fn parse_http(text: &str, absolute: bool) -> http::Request<Vec<u8>> {
    let text = text.replace("\r\n", "\n");
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h.to_string(), b.as_bytes().to_vec()),
        None => (text.trim_end_matches('\n').to_string(), Vec::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let (method, rest) = request_line.split_once(' ').expect("method");
    // The version is optional: double-url-encode's signed request omits it.
    let target = match rest.rsplit_once(' ') {
        Some((target, version)) if version.starts_with("HTTP/") => target,
        _ => rest,
    };

    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("continuation without header");
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }

    let target = encode_target(target);
    let uri = if absolute {
        let host = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.clone())
            .expect("Host header");
        format!("https://{host}{target}")
    } else {
        target
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(
            name.as_str(),
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    builder.body(body).unwrap()
}

fn encode_target(target: &str) -> String {
    let mut out = String::new();
    for b in target.bytes() {
        let keep = b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `2015-08-30T12:36:00Z` → SystemTime, via the crate's own `X-Amz-Date` parser.
pub fn parse_rfc3339(text: &str) -> std::time::SystemTime {
    let compact: String = text.chars().filter(|c| *c != '-' && *c != ':').collect();
    stackql_aws_auth::parse_amz_date(&compact).unwrap_or_else(|| panic!("bad timestamp {text}"))
}
