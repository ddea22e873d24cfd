//! `/*+ AWAIT */`: polling Cloud Control's GetResourceRequestStatus with the RequestToken of
//! a ProgressEvent until it reaches a final status, honouring `RetryAfter`, within a limit.

use crate::call::http::HttpClient;
use crate::decode::items::progress_event;
use crate::error::CallError;
use crate::plan::request::{Intent, PreparedRequest};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const FINAL_STATUSES: &[&str] = &["SUCCESS", "FAILED", "CANCEL_COMPLETE"];

pub enum AwaitError {
    Call(CallError),
    TimedOut { last_status: String },
}

/// Polls until the operation ends; returns the final ProgressEvent.
pub async fn await_final(
    http: &HttpClient,
    template: &PreparedRequest,
    token: &str,
    timeout: Duration,
) -> Result<Value, AwaitError> {
    let origin = match url::Url::parse(&template.url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => template.url.clone(),
    };
    let req = PreparedRequest {
        method: "POST".into(),
        url: format!("{origin}/?Action=GetResourceRequestStatus&Version=2021-09-30"),
        headers: vec![
            (
                "X-Amz-Target".into(),
                "CloudApiService.GetResourceRequestStatus".into(),
            ),
            ("Content-Type".into(), "application/x-amz-json-1.0".into()),
        ],
        body: Some(json!({ "RequestToken": token })),
        region: template.region.clone(),
        signing_service: template.signing_service.clone(),
        provider: template.provider.clone(),
        label: "GetResourceRequestStatus".into(),
        params: vec![format!("RequestToken={token}")],
        // Polling only reads.
        retry_safe: true,
        intent: Intent::Read,
        endpoint: template.endpoint.clone(),
        protocol: stackql_registry::WireProtocol::AwsJson { minor: 0 },
        transform: None,
    };
    let deadline = Instant::now() + timeout;
    let mut backoff = Duration::from_millis(200);
    loop {
        let resp = http
            .call(&req)
            .await
            .map_err(AwaitError::Call)?
            .to_json()
            .map_err(|e| AwaitError::Call(CallError::Refused(format!("{}: {e}", req.label))))?;
        let event = progress_event(&resp)
            .map_err(|e| AwaitError::Call(CallError::Refused(format!("{}: {e}", req.label))))?;
        let status = event
            .get("OperationStatus")
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN")
            .to_string();
        if FINAL_STATUSES.contains(&status.as_str()) {
            return Ok(event);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(AwaitError::TimedOut {
                last_status: status,
            });
        }
        // RetryAfter is a timestamp (epoch seconds) at which to ask again.
        let wait = match event.get("RetryAfter").and_then(Value::as_f64) {
            Some(at) => {
                let now_epoch = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                Duration::from_secs_f64((at - now_epoch).clamp(0.05, 10.0))
            }
            None => {
                let w = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                w
            }
        };
        // A cancel must not wait out the pause: the caller reports the last status now.
        tokio::select! {
            _ = tokio::time::sleep(wait.min(deadline - now)) => {}
            _ = http.cancelled() => {
                return Err(AwaitError::Call(CallError::Transport(crate::call::http::CANCELLED.into())));
            }
        }
    }
}
