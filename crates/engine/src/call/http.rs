//! The one HTTP client of a process: authenticates each request through the auth seam
//! (`crate::auth`: SigV4, basic, bearer, ...), sends it, turns AWS error bodies into `CallError::Api`, and follows
//! pagination tokens to the last page.

use crate::auth::Authenticator;
use crate::call::budget::CallBudget;
use crate::call::retry::{classify, AdaptiveLimiter, CallStats, RetryPolicy, RetryReason};
use crate::error::CallError;
use crate::plan::request::{Intent, PreparedRequest};
use crate::session::ProgressEvent;
use serde_json::Value;
use stackql_registry::{Pagination, TokenLocation};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The error text of calls stopped by a cancel (Ctrl-C in the shell, a Postgres cancel).
pub const CANCELLED: &str = "cancelled before it completed";

pub struct HttpClient {
    client: reqwest::Client,
    /// What each request gets just before it is sent (the auth seam).
    auth: Authenticator,
    pub retry: RetryPolicy,
    pub limiter: AdaptiveLimiter,
    pub stats: CallStats,
    /// Shared with every engine its creator made (see `CallBudget`).
    budget: CallBudget,
    log_requests: bool,
    cancel: tokio::sync::watch::Sender<bool>,
    /// Pages fetched per listing at most (`--http.response.pageLimit`); None = every page.
    pub page_limit: Option<usize>,
    /// Listings cut short by `page_limit`, reported on stderr by the caller.
    pub capped: Mutex<Vec<String>>,
    /// Bytes one response body may have (`--http.response.maxBytes`), enforced while it
    /// streams in.
    max_response_bytes: u64,
}

pub struct ClientOptions {
    pub log_requests: bool,
    pub retry: RetryPolicy,
    pub budget: CallBudget,
    pub request_timeout: Option<Duration>,
    pub transport: crate::call::transport::Transport,
    pub page_limit: Option<usize>,
    pub max_response_bytes: u64,
}

impl HttpClient {
    pub fn new(options: ClientOptions, auth: Authenticator) -> Result<Self, String> {
        // ring is the one crypto provider compiled in; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("stackql-rs/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = options.request_timeout {
            builder = builder.timeout(t);
        }
        let client = options
            .transport
            .apply(builder)?
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(HttpClient {
            client,
            auth,
            retry: options.retry,
            limiter: AdaptiveLimiter::default(),
            stats: CallStats::default(),
            budget: options.budget,
            log_requests: options.log_requests,
            cancel: tokio::sync::watch::Sender::new(false),
            page_limit: options.page_limit,
            capped: Mutex::new(Vec::new()),
            max_response_bytes: options.max_response_bytes,
        })
    }

    /// Sends a request, retrying throttling, server and transport errors when the request
    /// is safe to repeat, within the retry policy; returns the decoded JSON body.
    pub async fn call(&self, req: &PreparedRequest) -> Result<Value, CallError> {
        let mut cancelled = self.cancel.subscribe();
        if *cancelled.borrow() {
            return Err(CallError::Transport(CANCELLED.into()));
        }
        tokio::select! {
            r = self.call_with_retries(req) => r,
            _ = cancelled.wait_for(|c| *c) => Err(CallError::Transport(CANCELLED.into())),
        }
    }

    /// Cancels the calls of the running statement: those waiting or in flight end with a
    /// "cancelled" error, none is sent after this.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Resolves once the running statement is cancelled (for waits between calls).
    pub async fn cancelled(&self) {
        let mut cancelled = self.cancel.subscribe();
        let _ = cancelled.wait_for(|c| *c).await;
    }

    /// Re-arms after a cancelled statement.
    pub fn reset_cancel(&self) {
        self.cancel.send_replace(false);
    }

    async fn call_with_retries(&self, req: &PreparedRequest) -> Result<Value, CallError> {
        let started = Instant::now();
        let key = format!(
            "{}|{}",
            req.signing_service.as_deref().unwrap_or(""),
            req.region.as_deref().unwrap_or("")
        );
        let mut attempt: u32 = 0;
        let mut throttles: u64 = 0;
        loop {
            let wait = self.limiter.reserve(&key);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            self.stats.note(ProgressEvent::RequestSent);
            let result = {
                // The bound on requests in flight across every engine sharing the budget
                // (--execution.concurrency.limit).
                let _permit = self.budget.acquire().await;
                self.call_once(req).await
            };
            let err = match result {
                Ok(v) => {
                    self.limiter.on_success(&key);
                    if attempt > 0 {
                        // Only now are these retries known to have succeeded.
                        CallStats::add(&self.stats.recovered_calls, 1);
                        CallStats::add(&self.stats.recovered_retries, u64::from(attempt));
                        CallStats::add(&self.stats.recovered_throttles, throttles);
                    }
                    return Ok(v);
                }
                Err(e) => e,
            };
            let reason = classify(&err);
            if reason == Some(RetryReason::Throttled) {
                CallStats::add(&self.stats.throttled, 1);
                throttles += 1;
                self.limiter.on_throttle(&key);
            }
            attempt += 1;
            // An answer that cannot be read may mean the write went through: report it.
            let retryable = match reason {
                None => false,
                Some(RetryReason::Unreadable) => req.retry_safe && req.intent == Intent::Read,
                Some(_) => req.retry_safe,
            };
            if !retryable
                || attempt >= self.retry.max_attempts
                || started.elapsed() >= self.retry.max_elapsed
            {
                return Err(err);
            }
            self.stats.note(ProgressEvent::Retry);
            tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
        }
    }

    /// `--http.log.enabled`: one line per request on stderr. Never headers or bodies: they
    /// carry signatures, tokens and the user's data.
    fn log(&self, req: &PreparedRequest, outcome: &str) {
        if self.log_requests {
            let target = req
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                .map(|(_, v)| format!(" {v}"))
                .unwrap_or_default();
            eprintln!(
                "http: {} {}{target} [{}] {outcome}",
                req.method,
                req.url,
                req.region.as_deref().unwrap_or("-")
            );
        }
    }

    /// One attempt: sign, send, decode.
    async fn call_once(&self, req: &PreparedRequest) -> Result<Value, CallError> {
        // Credentials go only to the endpoint the request was built for.
        req.check_endpoint().map_err(CallError::Refused)?;
        let body_bytes = match &req.body {
            Some(b) => serde_json::to_vec(b).map_err(|e| CallError::Transport(e.to_string()))?,
            None => Vec::new(),
        };
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let mut http_req = builder
            .body(body_bytes)
            .map_err(|e| CallError::Transport(format!("invalid request for {}: {e}", req.url)))?;
        // After the endpoint check: credentials only go where the request was built for.
        self.auth.apply(req, &mut http_req).await?;
        let reqwest_req = reqwest::Request::try_from(http_req)
            .map_err(|e| CallError::Transport(format!("invalid request for {}: {e}", req.url)))?;
        let sent = Instant::now();
        let resp = match self.client.execute(reqwest_req).await {
            Ok(r) => r,
            Err(e) => {
                let message = describe_transport(&req.url, &e);
                self.log(
                    req,
                    &format!("failed after {} ms: {message}", sent.elapsed().as_millis()),
                );
                return Err(CallError::Transport(message));
            }
        };
        let status = resp.status().as_u16();
        self.log(
            req,
            &format!("HTTP {status} in {} ms", sent.elapsed().as_millis()),
        );
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
        let error_type = header("x-amzn-errortype");
        let bytes = self.read_body(resp, req).await?;
        let json: Option<Value> = if bytes.is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        if status >= 400 {
            return Err(api_error(
                status,
                json.as_ref(),
                error_type,
                request_id,
                &bytes,
            ));
        }
        json.ok_or_else(|| CallError::Unreadable {
            status,
            request_id,
            body_start: body_start(&bytes),
        })
    }

    /// The body, read chunk by chunk and abandoned as soon as it passes the size limit, so
    /// an endless or huge answer costs at most the limit in memory.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        req: &PreparedRequest,
    ) -> Result<Vec<u8>, CallError> {
        let limit = self.max_response_bytes;
        let too_large = || {
            CallError::Refused(format!(
                "the response from {} is larger than {limit} bytes, the limit set by \
                 --http.response.maxBytes; raise it or narrow the query",
                req.url
            ))
        };
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| CallError::Transport(describe_transport(&req.url, &e)))?
        {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Every page of a listing, in order (for EXEC; queries stream through `Pager`).
    pub async fn call_paginated(
        &self,
        req: &PreparedRequest,
        pagination: Option<&Pagination>,
    ) -> Result<Vec<Value>, CallError> {
        let mut pager = Pager::new(req.clone(), pagination.cloned());
        let mut pages = Vec::new();
        while let Some(page) = pager.next_page(self).await? {
            pages.push(page);
        }
        Ok(pages)
    }
}

/// Walks the pages of one listing in order: follows the response token, stops at
/// `--http.response.pageLimit` (recording that the result was cut), and refuses a token
/// that comes back twice instead of looping forever.
pub struct Pager {
    next: Option<PreparedRequest>,
    pagination: Option<Pagination>,
    pages: usize,
    seen_tokens: std::collections::HashSet<String>,
}

impl Pager {
    pub fn new(req: PreparedRequest, pagination: Option<Pagination>) -> Self {
        Pager {
            next: Some(req),
            pagination,
            pages: 0,
            seen_tokens: Default::default(),
        }
    }

    /// The next page, or None after the last one.
    pub async fn next_page(&mut self, http: &HttpClient) -> Result<Option<Value>, CallError> {
        let Some(current) = self.next.take() else {
            return Ok(None);
        };
        let page = match http.call(&current).await {
            Ok(page) => page,
            // Reading something that does not exist finds no rows, as a table would (and as
            // StackQL answers: stackql-deploy's `SELECT COUNT(*) ... WHERE data__Identifier
            // = ...` existence checks rely on it). Only for the first page: an answer that
            // vanishes halfway through a listing is still reported.
            Err(e) if current.intent == Intent::Read && self.pages == 0 && e.is_not_found() => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        self.pages += 1;
        http.stats.note(ProgressEvent::PageReceived);
        let token = match &self.pagination {
            Some(p) => next_token(&page, p)
                .map_err(|e| CallError::Refused(format!("{}: {e}", current.label)))?,
            None => None,
        };
        if let (Some(p), Some(token)) = (&self.pagination, token) {
            if http.page_limit.is_some_and(|limit| self.pages >= limit) {
                http.capped.lock().expect("capped lock").push(format!(
                    "{} stopped after {} page(s) (--http.response.pageLimit); more results exist",
                    current.label, self.pages
                ));
            } else if !self.seen_tokens.insert(token.text()) {
                return Err(CallError::Transport(format!(
                    "{}: the service returned the same NextToken twice; stopping to avoid an endless loop",
                    current.label
                )));
            } else {
                let mut next = current;
                set_token(&mut next, p, &token);
                self.next = Some(next);
            }
        }
        Ok(Some(page))
    }
}

/// A next-page token as the service wrote it: a string, or a number (an offset or a page
/// index; StackQL follows those too).
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Text(String),
    Number(serde_json::Number),
}

impl Token {
    /// The token as text (query strings, headers, and the loop check).
    fn text(&self) -> String {
        match self {
            Token::Text(t) => t.clone(),
            Token::Number(n) => n.to_string(),
        }
    }

    /// The token as a body field, in the type the request declares for it (a numeric token
    /// is sent as a string where the schema says `string`, and the other way round); an
    /// undeclared type keeps the form the service used.
    fn body_value(&self, declared: Option<&str>) -> Value {
        match (self, declared) {
            (Token::Number(n), Some("string")) => Value::String(n.to_string()),
            (Token::Text(t), Some("integer")) => t
                .parse::<i64>()
                .map_or_else(|_| Value::String(t.clone()), Value::from),
            (Token::Text(t), Some("number")) => t
                .parse::<serde_json::Number>()
                .map_or_else(|_| Value::String(t.clone()), Value::Number),
            (Token::Text(t), _) => Value::String(t.clone()),
            (Token::Number(n), _) => Value::Number(n.clone()),
        }
    }
}

/// The next-page token of a page; a token of another kind (an object, a list) is a
/// malformed answer: it would otherwise end the listing silently, dropping the remaining
/// pages.
fn next_token(page: &Value, p: &Pagination) -> Result<Option<Token>, String> {
    if p.response_location != TokenLocation::Body {
        return Ok(None);
    }
    match page.get(&p.response_key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) => Ok(Some(Token::Text(t.clone())).filter(|_| !t.is_empty())),
        Some(Value::Number(n)) => Ok(Some(Token::Number(n.clone()))),
        Some(other) => Err(format!(
            "expected a string or a number at $.{}, got {}",
            p.response_key,
            crate::decode::items::kind_of(other)
        )),
    }
}

fn set_token(req: &mut PreparedRequest, p: &Pagination, token: &Token) {
    match p.request_location {
        TokenLocation::Body => {
            if let Some(Value::Object(b)) = &mut req.body {
                b.insert(
                    p.request_key.clone(),
                    token.body_value(p.request_token_type.as_deref()),
                );
            }
        }
        TokenLocation::Query => {
            let mut url = url::Url::parse(&req.url).expect("request URLs are valid");
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != &p.request_key)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair(&p.request_key, &token.text());
            req.url = url.to_string();
        }
        TokenLocation::Header => {
            req.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case(&p.request_key));
            req.headers.push((p.request_key.clone(), token.text()));
        }
    }
}

fn api_error(
    status: u16,
    json: Option<&Value>,
    error_type: Option<String>,
    request_id: Option<String>,
    raw: &[u8],
) -> CallError {
    let field = |k: &str| {
        json.and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    // awsJson: `__type` may be `namespace#Code`; the header may carry `Code:extra`.
    let code = field("__type")
        .or(error_type)
        .map(|c| {
            let c = c.rsplit('#').next().unwrap_or(&c).to_string();
            c.split(':').next().unwrap_or(&c).to_string()
        })
        .unwrap_or_else(|| format!("HTTP{status}"));
    let message = field("Message")
        .or_else(|| field("message"))
        .unwrap_or_else(|| body_start(raw));
    CallError::Api {
        status,
        code,
        message,
        request_id,
    }
}

/// The first bytes of an unreadable body, escaped so control characters and invalid UTF-8
/// cannot garble a terminal.
fn body_start(bytes: &[u8]) -> String {
    const SHOWN: usize = 200;
    let mut s: String = bytes[..bytes.len().min(SHOWN)]
        .iter()
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if bytes.len() > SHOWN {
        s.push_str(&format!("... ({} bytes in all)", bytes.len()));
    }
    s
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pagination(location: TokenLocation, declared: Option<&str>) -> Pagination {
        Pagination {
            request_key: "NextToken".into(),
            request_location: location,
            response_key: "NextToken".into(),
            response_location: TokenLocation::Body,
            request_token_type: declared.map(str::to_string),
        }
    }

    fn request(url: &str) -> PreparedRequest {
        PreparedRequest {
            method: "POST".into(),
            url: url.into(),
            headers: vec![],
            body: Some(json!({"MaxResults": 2})),
            region: None,
            signing_service: None,
            provider: "p".into(),
            label: "p.s.r.list".into(),
            params: vec![],
            retry_safe: true,
            intent: Intent::Read,
            endpoint: crate::plan::endpoint::Origin::of_url(url).unwrap(),
        }
    }

    #[test]
    fn numeric_tokens_are_followed_in_the_declared_form() {
        let p = pagination(TokenLocation::Body, None);
        let token = next_token(&json!({"NextToken": 40}), &p).unwrap().unwrap();
        assert_eq!(token.text(), "40");
        // Undeclared: sent back as the service wrote it.
        let mut req = request("http://127.0.0.1:9/");
        set_token(&mut req, &p, &token);
        assert_eq!(req.body, Some(json!({"MaxResults": 2, "NextToken": 40})));
        // Declared a string: sent as one.
        let mut req = request("http://127.0.0.1:9/");
        set_token(
            &mut req,
            &pagination(TokenLocation::Body, Some("string")),
            &token,
        );
        assert_eq!(req.body.unwrap()["NextToken"], json!("40"));
        // A string token where the request wants an integer.
        let text = next_token(&json!({"NextToken": "7"}), &p).unwrap().unwrap();
        let mut req = request("http://127.0.0.1:9/");
        set_token(
            &mut req,
            &pagination(TokenLocation::Body, Some("integer")),
            &text,
        );
        assert_eq!(req.body.unwrap()["NextToken"], json!(7));
        // In a query string: its decimal text.
        let mut req = request("http://127.0.0.1:9/items?limit=2&NextToken=20");
        set_token(&mut req, &pagination(TokenLocation::Query, None), &token);
        assert_eq!(req.url, "http://127.0.0.1:9/items?limit=2&NextToken=40");
        let mut req = request("http://127.0.0.1:9/items");
        set_token(&mut req, &pagination(TokenLocation::Query, None), &token);
        assert_eq!(req.url, "http://127.0.0.1:9/items?NextToken=40");
    }

    #[test]
    fn empty_null_and_missing_tokens_end_the_listing_and_objects_are_refused() {
        let p = pagination(TokenLocation::Body, None);
        for page in [
            json!({}),
            json!({"NextToken": null}),
            json!({"NextToken": ""}),
        ] {
            assert_eq!(next_token(&page, &p).unwrap(), None, "{page}");
        }
        assert_eq!(
            next_token(&json!({"NextToken": {"a": 1}}), &p).unwrap_err(),
            "expected a string or a number at $.NextToken, got an object"
        );
    }
}
