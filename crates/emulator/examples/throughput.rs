//! Measures the emulator's own throughput with latency 0: concurrent keep-alive clients in
//! this process send small signed-shaped requests (GetResource, ListResources,
//! CreateResource with immediate completion) for a few seconds and report requests/second.
//! The clients share the machine with the server, so the figure is a lower bound.
//!
//! `cargo run --release -p stackql-emulator --example throughput -- [SECONDS] [CONNECTIONS] [verify] [state]`
//!
//! With `verify`, clients sign every request (SigV4) and the emulator verifies it, as in
//! the default configuration; without, signatures are not checked. With `state`, every
//! change is written to a SQLite state file before it is answered.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use stackql_emulator::{start, Completion, EmulatorConfig};

const TYPE: &str = "Bench::Emulator::Widget";

fn request(target: &str, body: String, verify: bool) -> hyper::Request<Full<Bytes>> {
    let mut req = hyper::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "cloudcontrolapi.local")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("CloudApiService.{target}"))
        .body(body.into_bytes())
        .expect("request");
    if verify {
        let creds = stackql_aws_auth::Credentials::new(
            stackql_emulator::DEFAULT_ACCESS_KEY_ID,
            stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
            None,
        );
        stackql_aws_auth::sign(
            &mut req,
            &creds,
            "us-east-1",
            "cloudcontrolapi",
            std::time::SystemTime::now(),
        )
        .expect("sign");
    } else {
        req.headers_mut().insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cloudcontrolapi/aws4_request, SignedHeaders=host, Signature=00"
                .parse()
                .expect("header"),
        );
    }
    let (parts, body) = req.into_parts();
    hyper::Request::from_parts(parts, Full::new(Bytes::from(body)))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let connections: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let flags: Vec<String> = args.collect();
    let verify = flags.iter().any(|a| a == "verify");
    // `state`: persist to a SQLite file in the temp directory, as `--state` does.
    let state_file = flags.iter().any(|a| a == "state").then(|| {
        let p =
            std::env::temp_dir().join(format!("stackql-emulator-bench-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    });
    let emu = start(
        EmulatorConfig {
            verify_signatures: verify,
            completion: Completion::immediate(),
            journal: false,
            state_file: state_file.clone(),
            ..EmulatorConfig::default()
        },
        0,
    )
    .await
    .expect("start");
    let addr = emu.addr();
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for conn in 0..connections {
        let count = count.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).ok();
            let (mut sender, driver) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .expect("handshake");
            tokio::spawn(driver);
            let mut i = 0u64;
            while Instant::now() < deadline {
                let kind = i % 4;
                let req = match kind {
                    0 => request(
                        "CreateResource",
                        format!(
                            r#"{{"TypeName":"{TYPE}","DesiredState":"{{\"N\":{i},\"C\":{conn}}}"}}"#
                        ),
                        verify,
                    ),
                    1 | 2 => request(
                        "GetResource",
                        format!(r#"{{"TypeName":"{TYPE}","Identifier":"missing-{i}"}}"#),
                        verify,
                    ),
                    _ => request(
                        "ListResources",
                        format!(r#"{{"TypeName":"{TYPE}","MaxResults":5}}"#),
                        verify,
                    ),
                };
                i += 1;
                let resp = sender.send_request(req).await.expect("send");
                let status = resp.status().as_u16();
                let _ = resp.into_body().collect().await;
                // GetResource of a missing id is an expected 400; anything else is not.
                let is_get = kind == 1 || kind == 2;
                let expected = if is_get { status == 400 } else { status == 200 };
                if !expected {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.expect("client task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = count.load(Ordering::Relaxed);
    println!(
        "{n} requests in {elapsed:.2}s over {connections} connections: {:.0} requests/second ({} unexpected answers)",
        n as f64 / elapsed,
        errors.load(Ordering::Relaxed)
    );
    emu.shutdown().await;
    if let Some(p) = state_file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
}
