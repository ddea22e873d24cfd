//! The HTTP side: accepts connections on 127.0.0.1, turns each awsJson1.0 request into an
//! operation call (authentication, faults, latency, dispatch), writes AWS-shaped responses,
//! and records every exchange in the journal.
//!
//! Admin endpoints (not part of AWS's API, never signed): `POST /_emulator/reset` forgets all
//! resources and requests; `GET /_emulator/health` answers `ok`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::auth;
use crate::catalog::Catalog;
use crate::config::{AcceptedKeys, EmulatorConfig};
use crate::ids::IdGen;
use crate::ops::{self, Ctx};
use crate::state::Store;
use crate::wire::{ApiError, ErrorKind, CONTENT_TYPE, TARGET_PREFIX};

/// Largest request body accepted: the model's documents are at most 256 KiB each.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One request as the emulator received it, and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path_and_query: String,
    /// Header names are lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The Cloud Control operation named by `X-Amz-Target`, when it names one.
    pub operation: Option<String>,
    pub status: u16,
}

impl RecordedRequest {
    /// The value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Everything request handlers share.
pub struct Inner {
    pub config: EmulatorConfig,
    pub catalog: Catalog,
    pub store: Mutex<Store>,
    pub ids: IdGen,
    /// The accepted keys' secrets; None: any key (`AcceptedKeys::Any`).
    secrets: Option<HashMap<String, String>>,
    journal: Mutex<Vec<RecordedRequest>>,
}

impl Inner {
    pub fn new(config: EmulatorConfig, catalog: Catalog, store: Store, ids: IdGen) -> Self {
        let secrets = match &config.credentials {
            AcceptedKeys::Any => None,
            AcceptedKeys::Only(pairs) => Some(pairs.iter().cloned().collect()),
        };
        Inner {
            config,
            catalog,
            store: Mutex::new(store),
            ids,
            secrets,
            journal: Mutex::new(Vec::new()),
        }
    }

    pub fn journal(&self) -> Vec<RecordedRequest> {
        self.journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn clear_journal(&self) {
        self.journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Forgets all resources and requests (in the state file too).
    pub fn reset(&self) -> Result<(), crate::persist::PersistError> {
        self.store.lock().unwrap_or_else(|p| p.into_inner()).clear()
    }
}

/// The accept loop; ends when `shutdown` fires, closing every open connection.
pub async fn serve(listener: TcpListener, inner: Arc<Inner>, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let inner = inner.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let inner = inner.clone();
                        async move { Ok::<_, Infallible>(handle(inner, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

async fn handle(inner: Arc<Inner>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let request_id = inner.ids.uuid();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = ApiError::new(
                ErrorKind::Serialization,
                "The request body could not be read or is too large.",
            );
            return finish(
                &inner,
                &parts,
                Bytes::new(),
                None,
                error_response(&e, &request_id),
            );
        }
    };
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let operation = target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .filter(|op| crate::wire::OPERATIONS.contains(op))
        .map(str::to_string);

    if let Some(resp) = admin(&inner, &parts) {
        return finish(&inner, &parts, body, None, resp);
    }

    let outcome = answer(
        &inner,
        &parts,
        &body,
        target.as_deref(),
        operation.as_deref(),
    );
    if let Some(latency) = inner.config.latency {
        let jitter = latency.jitter.mul_f64(inner.ids.next_f64());
        let wait = latency.fixed + jitter;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
    let resp = match outcome {
        Ok(v) => json_response(200, &v, &request_id),
        Err(e) => error_response(&e, &request_id),
    };
    finish(&inner, &parts, body, operation, resp)
}

/// Authenticates, injects faults and runs the operation.
fn answer(
    inner: &Inner,
    parts: &http::request::Parts,
    body: &[u8],
    target: Option<&str>,
    operation: Option<&str>,
) -> Result<Value, ApiError> {
    let caller = auth::authenticate(
        parts,
        body,
        inner.config.verify_signatures,
        inner.secrets.as_ref(),
    )?;
    let Some(operation) = operation else {
        return Err(ApiError::new(
            ErrorKind::UnknownOperation,
            match target {
                Some(t) => format!("Unknown operation {t}"),
                None => "Missing X-Amz-Target header".to_string(),
            },
        ));
    };
    let faults = &inner.config.faults;
    if faults.down_regions.iter().any(|r| r == &caller.region) {
        return Err(ApiError::new(
            ErrorKind::ServiceUnavailable,
            format!("Service unavailable in {} (injected fault)", caller.region),
        ));
    }
    if faults.throttle_rate > 0.0 && inner.ids.next_f64() < faults.throttle_rate {
        return Err(ApiError::new(ErrorKind::Throttling, "Rate exceeded"));
    }
    if faults.error_rate > 0.0 && inner.ids.next_f64() < faults.error_rate {
        return Err(ApiError::new(
            ErrorKind::InternalFailure,
            "We encountered an internal error. Please try again. (injected fault)",
        ));
    }
    let input: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(ApiError::new(
                    ErrorKind::Serialization,
                    "Start of structure or map found where not expected.",
                ))
            }
            Err(e) => {
                return Err(ApiError::new(
                    ErrorKind::Serialization,
                    format!("The request body is not valid JSON: {e}"),
                ))
            }
        }
    };
    let ctx = Ctx {
        inner,
        account: &inner.config.account_id,
        region: &caller.region,
    };
    ops::dispatch(&ctx, operation, &input).unwrap_or_else(|| {
        Err(ApiError::new(
            ErrorKind::UnknownOperation,
            format!("Unknown operation {operation}"),
        ))
    })
}

fn admin(inner: &Inner, parts: &http::request::Parts) -> Option<Response<Full<Bytes>>> {
    let path = parts.uri.path();
    if !path.starts_with("/_emulator/") {
        return None;
    }
    let text = |status: u16, body: &'static str| {
        Response::builder()
            .status(status)
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("static response")
    };
    Some(match (parts.method.as_str(), path) {
        ("POST", "/_emulator/reset") => match inner.reset() {
            Ok(()) => text(200, "reset\n"),
            Err(e) => {
                eprintln!("stackql emulator: reset failed: {e}");
                text(500, "reset failed\n")
            }
        },
        ("GET", "/_emulator/health") => text(200, "ok\n"),
        _ => text(404, "unknown admin endpoint\n"),
    })
}

fn json_response(status: u16, v: &Value, request_id: &str) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(v).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", CONTENT_TYPE)
        .header("x-amzn-requestid", request_id)
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

fn error_response(e: &ApiError, request_id: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(e.kind.http_status())
        .header("content-type", CONTENT_TYPE)
        .header("x-amzn-requestid", request_id)
        .header("x-amzn-errortype", e.kind.name())
        .body(Full::new(Bytes::from(e.body())))
        .expect("valid response")
}

/// Records the exchange in the journal and hands the response back.
fn finish(
    inner: &Inner,
    parts: &http::request::Parts,
    body: Bytes,
    operation: Option<String>,
    resp: Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    if inner.config.journal {
        let record = RecordedRequest {
            method: parts.method.to_string(),
            path_and_query: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.to_string()),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
            operation,
            status: resp.status().as_u16(),
        };
        inner
            .journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record);
    }
    resp
}

/// Binds 127.0.0.1:`port` (0 = any free port).
pub async fn bind(port: u16) -> Result<(TcpListener, SocketAddr), crate::EmulatorError> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| crate::EmulatorError::Bind { port, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| crate::EmulatorError::Bind { port, source })?;
    Ok((listener, addr))
}
