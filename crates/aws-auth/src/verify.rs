//! Server-side SigV4 (used by the local emulator): `verify` checks a received request's
//! `Authorization` header and answers with AWS's own error types and wording.
//!
//! The canonical request is rebuilt by aws-sigv4 itself (same time, scope and signed headers
//! as the client claims), so client and server can never disagree on canonicalisation rules.

use crate::amz_date::{format_amz_date, parse_amz_date};
use crate::credentials::Credentials;
use crate::sign::{identity, X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN};
use aws_sigv4::http_request::{
    PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SigningSettings,
};
use http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::{Duration, SystemTime};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS accepts request times up to 15 minutes either side of its clock.
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// What a successfully verified request was signed for; the caller checks `service` and
/// `region` against what it serves (AWS answers a wrong scope with its own errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// The credential scope date, `yyyymmdd`.
    pub date: String,
    /// The credential scope region.
    pub region: String,
    /// The credential scope service (signing name).
    pub service: String,
    /// The signed header names, lower case, as listed by the client.
    pub signed_headers: Vec<String>,
}

/// Why a request was rejected; [`VerifyError::aws_error_type`], [`VerifyError::http_status`]
/// and [`VerifyError::message`] give the awsJson error response AWS would send.
///
/// No variant carries the received or expected signature, so errors are safe to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// No `Authorization` header.
    MissingAuthentication,
    /// The `Authorization` header or `X-Amz-Date` is malformed; the text says what is wrong.
    IncompleteSignature(String),
    /// The access key id is unknown.
    UnrecognizedClient,
    /// The recomputed signature differs (wrong secret, tampered request, other signing method).
    SignatureDoesNotMatch,
    /// `X-Amz-Date` is more than 15 minutes before `now` (both `yyyymmddThhmmssZ`).
    SignatureExpired {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The verifier's clock.
        now: String,
    },
    /// `X-Amz-Date` is more than 15 minutes after `now` (both `yyyymmddThhmmssZ`).
    SignatureNotYetCurrent {
        /// The request's `X-Amz-Date`.
        signed: String,
        /// The verifier's clock.
        now: String,
    },
    /// The credential scope date is not the date of `X-Amz-Date`.
    ScopeDateMismatch {
        /// `yyyymmdd` from the credential scope.
        scope_date: String,
        /// The request's `X-Amz-Date`.
        request_date: String,
    },
}

impl VerifyError {
    /// The `__type` of the awsJson error body.
    pub fn aws_error_type(&self) -> &'static str {
        match self {
            VerifyError::MissingAuthentication => "MissingAuthenticationTokenException",
            VerifyError::IncompleteSignature(_) => "IncompleteSignatureException",
            VerifyError::UnrecognizedClient => "UnrecognizedClientException",
            VerifyError::SignatureDoesNotMatch
            | VerifyError::SignatureExpired { .. }
            | VerifyError::SignatureNotYetCurrent { .. }
            | VerifyError::ScopeDateMismatch { .. } => "InvalidSignatureException",
        }
    }

    /// The HTTP status of the error response.
    pub fn http_status(&self) -> u16 {
        match self {
            VerifyError::MissingAuthentication => 403,
            _ => 400,
        }
    }

    /// The `message` of the error body, in AWS's wording.
    pub fn message(&self) -> String {
        match self {
            VerifyError::MissingAuthentication => "Missing Authentication Token".into(),
            VerifyError::IncompleteSignature(m) => m.clone(),
            VerifyError::UnrecognizedClient => {
                "The security token included in the request is invalid.".into()
            }
            VerifyError::SignatureDoesNotMatch => {
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
                    .into()
            }
            VerifyError::SignatureExpired { signed, now } => format!(
                "Signature expired: {signed} is now earlier than {} ({now} - 15 min.)",
                shift(now, false)
            ),
            VerifyError::SignatureNotYetCurrent { signed, now } => format!(
                "Signature not yet current: {signed} is still later than {} ({now} + 15 min.)",
                shift(now, true)
            ),
            VerifyError::ScopeDateMismatch {
                scope_date,
                request_date,
            } => format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{scope_date}' != '{}', from '{request_date}'.",
                request_date.get(..8).unwrap_or(request_date)
            ),
        }
    }
}

/// `now` ± 15 minutes, for the expiry messages.
fn shift(now: &str, later: bool) -> String {
    match parse_amz_date(now) {
        Some(t) if later => format_amz_date(t + MAX_SKEW),
        Some(t) => format_amz_date(t.checked_sub(MAX_SKEW).unwrap_or(t)),
        None => now.to_string(),
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.aws_error_type(), self.message())
    }
}

impl std::error::Error for VerifyError {}

/// Canonicalisation choices the verifier must share with the client. The defaults are those
/// of every AWS service except S3 (and of [`crate::sign`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// See [`crate::SignOptions::normalize_path`].
    pub normalize_path: bool,
    /// See [`crate::SignOptions::double_encode_path`].
    pub double_encode_path: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            normalize_path: true,
            double_encode_path: true,
        }
    }
}

/// Checks a received request's SigV4 signature with the default [`VerifyOptions`].
///
/// `secret_for` maps an access key id to its secret (`None`: unknown key); `now` is the
/// server's clock, compared with `X-Amz-Date` using AWS's 15-minute window. When
/// `X-Amz-Content-Sha256` is present its value is the signed payload hash (and, if it is a
/// hash, it must match `body`).
pub fn verify(
    parts: &http::request::Parts,
    body: &[u8],
    secret_for: &dyn Fn(&str) -> Option<String>,
    now: SystemTime,
) -> Result<VerifiedRequest, VerifyError> {
    verify_with(parts, body, secret_for, now, &VerifyOptions::default())
}

/// [`verify`] with explicit [`VerifyOptions`].
pub fn verify_with(
    parts: &http::request::Parts,
    body: &[u8],
    secret_for: &dyn Fn(&str) -> Option<String>,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<VerifiedRequest, VerifyError> {
    let (parsed, signed_at) = checked_form(parts, now)?;
    let secret = secret_for(&parsed.access_key_id).ok_or(VerifyError::UnrecognizedClient)?;
    let expected = recompute_signature(parts, body, &parsed, secret, signed_at, options)?;
    if !constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        return Err(VerifyError::SignatureDoesNotMatch);
    }
    Ok(parsed.verified())
}

/// Checks everything of a SigV4 request but the signature's value, for a server that
/// accepts any access key (the emulator's default, so SDK users' own test keys work): the
/// `Authorization` header's form (algorithm, a 5-part credential scope, signed headers
/// including the host, a 64-digit hex signature), `X-Amz-Date` matching the scope date and
/// within 15 minutes of `now`.
pub fn verify_form(
    parts: &http::request::Parts,
    now: SystemTime,
) -> Result<VerifiedRequest, VerifyError> {
    Ok(checked_form(parts, now)?.0.verified())
}

/// The shared checks of [`verify_with`] and [`verify_form`]: the parsed header and the
/// signing time.
fn checked_form(
    parts: &http::request::Parts,
    now: SystemTime,
) -> Result<(ParsedAuthorization, SystemTime), VerifyError> {
    let incomplete = |m: &str| VerifyError::IncompleteSignature(m.to_string());
    let mut auth_values = parts.headers.get_all(AUTHORIZATION).iter();
    let auth = auth_values
        .next()
        .ok_or(VerifyError::MissingAuthentication)?;
    if auth_values.next().is_some() {
        return Err(incomplete(
            "Multiple Authorization headers are not allowed.",
        ));
    }
    let auth = auth
        .to_str()
        .map_err(|_| incomplete("The Authorization header contains invalid characters."))?;
    let parsed = parse_authorization(auth)?;

    let date_header = single_header(parts, X_AMZ_DATE)?.ok_or_else(|| {
        incomplete(
            "Authorization header requires existence of an 'X-Amz-Date' header \
             (the 'Date' header is not supported by this endpoint).",
        )
    })?;
    let signed_at = parse_amz_date(date_header.trim()).ok_or_else(|| {
        VerifyError::IncompleteSignature(format!(
            "X-Amz-Date must be in the ISO-8601 basic format yyyyMMdd'T'HHmmss'Z', got '{}'.",
            date_header.chars().take(32).collect::<String>()
        ))
    })?;
    let request_date = format_amz_date(signed_at);
    if !request_date.starts_with(&parsed.date) {
        return Err(VerifyError::ScopeDateMismatch {
            scope_date: parsed.date,
            request_date,
        });
    }

    let now_text = format_amz_date(now);
    if signed_at + MAX_SKEW < now {
        return Err(VerifyError::SignatureExpired {
            signed: request_date,
            now: now_text,
        });
    }
    if signed_at > now + MAX_SKEW {
        return Err(VerifyError::SignatureNotYetCurrent {
            signed: request_date,
            now: now_text,
        });
    }
    Ok((parsed, signed_at))
}

struct ParsedAuthorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl ParsedAuthorization {
    fn verified(self) -> VerifiedRequest {
        VerifiedRequest {
            access_key_id: self.access_key_id,
            date: self.date,
            region: self.region,
            service: self.service,
            signed_headers: self.signed_headers,
        }
    }
}

/// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. Messages follow
/// AWS's, minus the echo of the header value that AWS appends (it contains the signature).
fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(VerifyError::IncompleteSignature(format!(
            "Unsupported AWS 'algorithm': '{}'; only {ALGORITHM} is accepted.",
            algorithm.chars().take(32).collect::<String>()
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in rest.split(',') {
        let Some((key, val)) = component.trim().split_once('=') else {
            continue;
        };
        match key.trim() {
            "Credential" => credential = Some(val.trim()),
            "SignedHeaders" => signed_headers = Some(val.trim()),
            "Signature" => signature = Some(val.trim()),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, present) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(VerifyError::IncompleteSignature(missing.trim_end().into()));
    };

    let scope: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = scope[..] else {
        return Err(VerifyError::IncompleteSignature(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if akid.is_empty() {
        return Err(VerifyError::IncompleteSignature(
            "Credential should have a non-empty access key id.".into(),
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{date}'."
        )));
    }
    if region.is_empty() {
        return Err(VerifyError::IncompleteSignature(
            "Credential should be scoped to a valid region.".into(),
        ));
    }
    if service.is_empty() {
        return Err(VerifyError::IncompleteSignature(
            "Credential should be scoped to correct service.".into(),
        ));
    }
    if terminator != "aws4_request" {
        return Err(VerifyError::IncompleteSignature(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VerifyError::IncompleteSignature(
            "Signature must be 64 hexadecimal digits.".into(),
        ));
    }
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_string())
        .collect();
    if !signed_headers
        .iter()
        .any(|h| h == "host" || h == ":authority")
    {
        return Err(VerifyError::IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    Ok(ParsedAuthorization {
        access_key_id: akid.into(),
        date: date.into(),
        region: region.into(),
        service: service.into(),
        signed_headers,
        signature: signature.into(),
    })
}

fn single_header<'a>(
    parts: &'a http::request::Parts,
    name: &str,
) -> Result<Option<&'a str>, VerifyError> {
    let mut values = parts.headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(VerifyError::IncompleteSignature(format!(
            "The request must not contain more than one '{name}' header."
        )));
    }
    first.to_str().map(Some).map_err(|_| {
        VerifyError::IncompleteSignature(format!(
            "The '{name}' header contains invalid characters."
        ))
    })
}

/// Signs a copy of the request restricted to the client's signed headers, with the client's
/// time and scope, and returns the hex signature.
fn recompute_signature(
    parts: &http::request::Parts,
    body: &[u8],
    parsed: &ParsedAuthorization,
    secret: String,
    signed_at: SystemTime,
    options: &VerifyOptions,
) -> Result<String, VerifyError> {
    let signed = |name: &str| parsed.signed_headers.iter().any(|h| h == name);

    // aws-sigv4 adds x-amz-date from the time and the token from the credentials itself.
    let token = if signed(X_AMZ_SECURITY_TOKEN) {
        Some(
            single_header(parts, X_AMZ_SECURITY_TOKEN)?
                .ok_or(VerifyError::SignatureDoesNotMatch)?
                .to_string(),
        )
    } else {
        None
    };

    let authority = parts.uri.authority().map(|a| a.as_str().to_string());
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for name in &parsed.signed_headers {
        if name == X_AMZ_DATE || name == X_AMZ_SECURITY_TOKEN {
            continue;
        }
        let values: Vec<_> = parts.headers.get_all(name.as_str()).iter().collect();
        if values.is_empty() {
            // HTTP/2 carries the host as :authority, which `http` puts in the URI.
            match (name.as_str(), &authority) {
                ("host" | ":authority", Some(a)) => headers.push(("host", a.as_str())),
                _ => return Err(VerifyError::SignatureDoesNotMatch),
            }
            continue;
        }
        for value in values {
            let value = std::str::from_utf8(value.as_bytes())
                .map_err(|_| VerifyError::SignatureDoesNotMatch)?;
            headers.push((name.as_str(), value));
        }
    }

    let signable_body = match single_header(parts, X_AMZ_CONTENT_SHA256)? {
        Some(claimed) => {
            let claimed = claimed.trim();
            // A real hash must describe this body, or the body could be swapped under a valid
            // signature; markers such as UNSIGNED-PAYLOAD are the client's explicit choice.
            let is_hash = claimed.len() == 64 && claimed.bytes().all(|b| b.is_ascii_hexdigit());
            if is_hash && !claimed.eq_ignore_ascii_case(&hex::encode(Sha256::digest(body))) {
                return Err(VerifyError::SignatureDoesNotMatch);
            }
            SignableBody::Precomputed(claimed.to_string())
        }
        None => SignableBody::Bytes(body),
    };

    let mut settings = SigningSettings::default();
    // Sign exactly the client's list: aws-sigv4's default exclusions (user-agent, …) would
    // drop headers that a client legitimately signed.
    settings.excluded_headers = None;
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    settings.session_token_mode = SessionTokenMode::Include;
    crate::sign::set_path_modes(
        &mut settings,
        options.normalize_path,
        options.double_encode_path,
    );

    let creds = Credentials::new(parsed.access_key_id.clone(), secret, token);
    let identity = identity(&creds);
    let uri = parts.uri.to_string();
    let signable = SignableRequest::new(
        parts.method.as_str(),
        uri,
        headers.into_iter(),
        signable_body,
    )
    .map_err(|_| VerifyError::SignatureDoesNotMatch)?;
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&parsed.region)
        .name(&parsed.service)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| VerifyError::SignatureDoesNotMatch)?
        .into();
    // Any failure to canonicalise (e.g. an invalid header value) means the client cannot have
    // produced a valid signature for this request either.
    let output = aws_sigv4::http_request::sign(signable, &params)
        .map_err(|_| VerifyError::SignatureDoesNotMatch)?;
    Ok(output.signature().to_string())
}

/// Compares without an early exit, so response timing does not reveal how many leading
/// characters of a forged signature were right. Lengths are public (always 64 hex digits).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | (std::hint::black_box(x ^ y)));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abcd", b"abcd"));
        assert!(!constant_time_eq(b"abcd", b"abce"));
        assert!(!constant_time_eq(b"abcd", b"xbcd"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
    }
}
