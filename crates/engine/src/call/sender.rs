//! The one place bytes leave the process: `Sender` sends a signed request and returns the
//! status, headers and body (read within a size limit). The real one is reqwest's client;
//! tests hand the engine a fake (`EngineOptions::sender`) and run without sockets.

use futures::future::BoxFuture;
use std::sync::Arc;

/// A complete answer.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SendError {
    /// No answer (connection refused, timeout, a body cut short): the description.
    Transport(String),
    /// The body passed the limit it was read with.
    TooLarge,
}

pub trait Sender: Send + Sync {
    /// Sends `req`; a body longer than `max_body` bytes is abandoned as `TooLarge`.
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        max_body: u64,
    ) -> BoxFuture<'_, Result<RawResponse, SendError>>;
}

/// reqwest's client: the body is read chunk by chunk and abandoned once it passes the
/// limit, so an endless or huge answer costs at most the limit in memory.
pub struct ReqwestSender {
    pub client: reqwest::Client,
}

impl Sender for ReqwestSender {
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        max_body: u64,
    ) -> BoxFuture<'_, Result<RawResponse, SendError>> {
        Box::pin(async move {
            let url = req.uri().to_string();
            let req = reqwest::Request::try_from(req)
                .map_err(|e| SendError::Transport(format!("invalid request for {url}: {e}")))?;
            let mut resp = self
                .client
                .execute(req)
                .await
                .map_err(|e| SendError::Transport(describe_transport(&url, &e)))?;
            if resp.content_length().is_some_and(|n| n > max_body) {
                return Err(SendError::TooLarge);
            }
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| SendError::Transport(describe_transport(&url, &e)))?
            {
                if (body.len() + chunk.len()) as u64 > max_body {
                    return Err(SendError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        })
    }
}

fn describe_transport(url: &str, e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut msg = format!("{kind}: {url}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

/// A sender answering from a function, for tests: it sees each request (method, URI,
/// headers, body) as sent, after signing.
pub struct FnSender<F>(pub F);

impl<F> Sender for FnSender<F>
where
    F: Fn(&http::Request<Vec<u8>>) -> Result<RawResponse, SendError> + Send + Sync,
{
    fn send(
        &self,
        req: http::Request<Vec<u8>>,
        max_body: u64,
    ) -> BoxFuture<'_, Result<RawResponse, SendError>> {
        let result = (self.0)(&req).and_then(|r| {
            if r.body.len() as u64 > max_body {
                Err(SendError::TooLarge)
            } else {
                Ok(r)
            }
        });
        Box::pin(async move { result })
    }
}

/// A shared sender, as `EngineOptions` holds one.
pub type SharedSender = Arc<dyn Sender>;
