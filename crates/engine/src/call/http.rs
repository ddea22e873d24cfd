//! The one HTTP client of a process: has each request encoded by its wire protocol,
//! authenticated through the auth seam (`crate::auth`: SigV4, basic, bearer, ...), sent
//! through its `Sender`, and its answer decoded by the protocol (AWS error bodies into
//! `CallError::Api`); follows pagination tokens to the last page (`Pager`, with the rules
//! of `protocol::paging`).

use crate::auth::Authenticator;
use crate::call::budget::CallBudget;
use crate::call::retry::{classify, AdaptiveLimiter, CallStats, RetryPolicy, RetryReason};
use crate::call::sender::{ReqwestSender, SendError, SharedSender};
use crate::error::CallError;
use crate::plan::request::{Intent, PreparedRequest};
use crate::protocol::paging::{link_next, next_token, set_token, Paging, ResponseToken, Token};
use crate::protocol::{self, Answer};
use crate::session::ProgressEvent;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The error text of calls stopped by a cancel (Ctrl-C in the shell, a Postgres cancel).
pub const CANCELLED: &str = "cancelled before it completed";

pub struct HttpClient {
    /// Where requests go: reqwest's client, or a test's fake.
    sender: SharedSender,
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
    /// Sends instead of reqwest (tests); None builds the real client.
    pub sender: Option<SharedSender>,
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
        let sender: SharedSender = match options.sender {
            Some(s) => s,
            None => Arc::new(ReqwestSender {
                client: options
                    .transport
                    .apply(builder)?
                    .build()
                    .map_err(|e| format!("cannot set up the HTTP client: {e}"))?,
            }),
        };
        Ok(HttpClient {
            sender,
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
    pub async fn call(&self, req: &PreparedRequest) -> Result<Answer, CallError> {
        self.call_page(req).await.map(|(answer, _)| answer)
    }

    /// The answer with its `Link` header, which REST providers (GitHub) page by.
    async fn call_page(
        &self,
        req: &PreparedRequest,
    ) -> Result<(Answer, Option<String>), CallError> {
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

    async fn call_with_retries(
        &self,
        req: &PreparedRequest,
    ) -> Result<(Answer, Option<String>), CallError> {
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
                "http: {}{target} [{}] {outcome}",
                crate::protocol::shown_target(req),
                req.region.as_deref().unwrap_or("-")
            );
        }
    }

    /// One attempt: encode for the wire protocol, sign, send, decode.
    async fn call_once(
        &self,
        req: &PreparedRequest,
    ) -> Result<(Answer, Option<String>), CallError> {
        // Credentials go only to the endpoint the request was built for.
        req.check_endpoint().map_err(CallError::Refused)?;
        let wire =
            protocol::encode(req).map_err(|e| CallError::Refused(format!("{}: {e}", req.label)))?;
        let mut builder = http::Request::builder()
            .method(wire.method.as_str())
            .uri(wire.url.as_str());
        for (k, v) in &wire.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let mut http_req = builder
            .body(wire.body)
            .map_err(|e| CallError::Transport(format!("invalid request for {}: {e}", req.url)))?;
        // After the endpoint check: credentials only go where the request was built for.
        self.auth.apply(req, &mut http_req).await?;
        let sent = Instant::now();
        let resp = match self.sender.send(http_req, self.max_response_bytes).await {
            Ok(r) => r,
            Err(SendError::TooLarge) => {
                return Err(CallError::Refused(format!(
                    "the response from {} is larger than {} bytes, the limit set by \
                     --http.response.maxBytes; raise it or narrow the query",
                    req.url, self.max_response_bytes
                )))
            }
            Err(SendError::Transport(message)) => {
                self.log(
                    req,
                    &format!("failed after {} ms: {message}", sent.elapsed().as_millis()),
                );
                return Err(CallError::Transport(message));
            }
        };
        let status = resp.status;
        self.log(
            req,
            &format!("HTTP {status} in {} ms", sent.elapsed().as_millis()),
        );
        let header = |name: &str| {
            resp.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let meta = protocol::ResponseMeta {
            status,
            request_id: header("x-amzn-requestid").or_else(|| header("x-amz-request-id")),
            error_type: header("x-amzn-errortype"),
            content_type: header("content-type"),
        };
        let link = header("link");
        protocol::decode(req.protocol, meta, &resp.body, req.transform.as_deref())
            .map(|answer| (answer, link))
    }

    /// Every page of a listing, in order (for EXEC; queries stream through `Pager`).
    pub async fn call_paginated(
        &self,
        req: &PreparedRequest,
        paging: Option<&Paging>,
    ) -> Result<Vec<Answer>, CallError> {
        let mut pager = Pager::new(req.clone(), paging.cloned());
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
    paging: Option<Paging>,
    pages: usize,
    seen_tokens: std::collections::HashSet<String>,
}

impl Pager {
    pub fn new(req: PreparedRequest, paging: Option<Paging>) -> Self {
        Pager {
            next: Some(req),
            paging,
            pages: 0,
            seen_tokens: Default::default(),
        }
    }

    /// The next page, or None after the last one.
    pub async fn next_page(&mut self, http: &HttpClient) -> Result<Option<Answer>, CallError> {
        let Some(current) = self.next.take() else {
            return Ok(None);
        };
        let (page, link) = match http.call_page(&current).await {
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
        let token = match &self.paging {
            Some(p) if p.response == ResponseToken::LinkNext => {
                match link.as_deref().and_then(|h| link_next(h, &current.url)) {
                    // Credentials never follow a Link to another origin.
                    Some(url) => {
                        current.endpoint_allows(&url).map_err(|e| {
                            CallError::Refused(format!("not following the Link header: {e}"))
                        })?;
                        Some(Token::Text(url))
                    }
                    None => None,
                }
            }
            Some(p) => next_token(&page, p)
                .map_err(|e| CallError::Refused(format!("{}: {e}", current.label)))?,
            None => None,
        };
        if let (Some(p), Some(token)) = (&self.paging, token) {
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
