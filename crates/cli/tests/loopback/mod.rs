//! A scripted HTTP/1.1 server on 127.0.0.1:<free port> for wire-safety tests: it records
//! every request and answers each as the test's script says (a status and body, silence
//! until the client gives up, or a body that never ends), closing the connection after
//! each answer so every attempt is one connection and one recorded request.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The region of the SigV4 credential scope (`Credential=AKID/date/<region>/...`).
    pub fn signed_region(&self) -> Option<String> {
        let auth = self.header("authorization")?;
        let scope = auth.split("Credential=").nth(1)?;
        scope.split('/').nth(2).map(str::to_string)
    }
}

pub enum Reply {
    /// Status, extra headers, body.
    Answer(u16, Vec<(&'static str, String)>, String),
    /// Never answers; the connection stays open until the client gives up.
    Silence,
    /// A 200 whose body never ends (no Content-Length).
    Endless,
}

pub fn json(status: u16, body: &str) -> Reply {
    Reply::Answer(
        status,
        vec![("Content-Type", "application/x-amz-json-1.0".into())],
        body.to_string(),
    )
}

type Script = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

pub struct Loopback {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Body bytes written for `Reply::Endless` answers before the client hung up.
    pub endless_bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Loopback {
    /// `script(request, n)` answers the n-th request (0-based).
    pub fn start(script: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let endless_bytes: Arc<AtomicU64> = Arc::default();
        let stop: Arc<AtomicBool> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        {
            let (requests, endless_bytes, stop) =
                (requests.clone(), endless_bytes.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (requests, endless_bytes, script) =
                        (requests.clone(), endless_bytes.clone(), script.clone());
                    std::thread::spawn(move || serve(conn, &requests, &endless_bytes, &*script));
                }
            });
        }
        Loopback {
            port,
            requests,
            endless_bytes,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, requests: &Mutex<Vec<Recorded>>, endless: &AtomicU64, script: &Script) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone stream"));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let recorded = Recorded {
        method,
        target,
        headers,
        body,
    };
    let n = {
        let mut all = requests.lock().unwrap();
        all.push(recorded.clone());
        all.len() - 1
    };
    let mut out = conn;
    match script(&recorded, n) {
        Reply::Answer(status, extra, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(body.as_bytes());
        }
        Reply::Silence => {
            // Reads until the client closes (it times out), so nothing is ever answered.
            let _ = out.set_read_timeout(Some(Duration::from_secs(60)));
            let mut sink = [0u8; 1024];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        }
        Reply::Endless => {
            let _ = out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nConnection: close\r\n\r\n{\"ResourceDescriptions\":[\"",
            );
            let chunk = vec![b'a'; 64 * 1024];
            // Stops when the client hangs up, or after 4 GiB as a backstop.
            for _ in 0..65_536 {
                if out.write_all(&chunk).is_err() {
                    break;
                }
                endless.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
    }
}
