//! Client-side SigV4: `sign` adds `X-Amz-Date`, `X-Amz-Security-Token` and `Authorization` to
//! an `http::Request`, delegating the algorithm to aws-sigv4.

use crate::credentials::Credentials;
use crate::error::AuthError;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SigningSettings, UriPathNormalizationMode,
};
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::{HeaderName, AUTHORIZATION, HOST};
use http::HeaderValue;
use std::time::SystemTime;

pub(crate) const X_AMZ_DATE: &str = "x-amz-date";
pub(crate) const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
pub(crate) const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// How the canonical request is formed. The defaults are what every AWS service except S3
/// expects (Cloud Control, EC2, IAM ...): normalised, double-encoded path, no payload header,
/// session token signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOptions {
    /// Remove `.`/`..` segments and duplicate slashes from the path before signing.
    /// S3 is the service that needs `false`.
    pub normalize_path: bool,
    /// Percent-encode the already-encoded path once more. S3 is the service that needs `false`.
    pub double_encode_path: bool,
    /// Send `x-amz-content-sha256` with the body hash and sign it (S3 requires it).
    pub content_sha256_header: bool,
    /// Include `X-Amz-Security-Token` in the signature (`false` adds it after signing, which
    /// a few services such as IoT need).
    pub sign_session_token: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            normalize_path: true,
            double_encode_path: true,
            content_sha256_header: false,
            sign_session_token: true,
        }
    }
}

/// The canonical-path rules both signing and verification must agree on.
pub(crate) fn set_path_modes(settings: &mut SigningSettings, normalize: bool, double_encode: bool) {
    settings.uri_path_normalization_mode = if normalize {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    settings.percent_encoding_mode = if double_encode {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
}

/// Signs `request` in place with the default [`SignOptions`]: adds `X-Amz-Date`,
/// `X-Amz-Security-Token` (temporary credentials) and `Authorization`.
///
/// The Host header must be present or derivable from the URI; it is added if absent so that
/// the header sent is exactly the one signed. Signing again (e.g. for a retry) replaces the
/// previous signature headers.
pub fn sign(
    request: &mut http::Request<Vec<u8>>,
    creds: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), AuthError> {
    sign_with(
        request,
        creds,
        region,
        service,
        time,
        &SignOptions::default(),
    )
}

/// [`sign`] with explicit [`SignOptions`].
pub fn sign_with(
    request: &mut http::Request<Vec<u8>>,
    creds: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
    options: &SignOptions,
) -> Result<(), AuthError> {
    // Left-over signature headers from an earlier attempt would otherwise be signed as
    // ordinary headers (aws-sigv4 requires that they are absent).
    let headers = request.headers_mut();
    headers.remove(AUTHORIZATION);
    headers.remove(X_AMZ_DATE);
    headers.remove(X_AMZ_SECURITY_TOKEN);
    if options.content_sha256_header {
        headers.remove(X_AMZ_CONTENT_SHA256);
    }
    ensure_host(request)?;

    let mut header_pairs = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        let value = std::str::from_utf8(value.as_bytes()).map_err(|_| {
            AuthError::InvalidRequest(format!("the value of header {name} is not valid UTF-8"))
        })?;
        header_pairs.push((name.as_str(), value));
    }
    // A caller that set x-amz-content-sha256 itself (e.g. UNSIGNED-PAYLOAD) has chosen the
    // payload hash: sign that instead of hashing the body.
    let body = match request.headers().get(X_AMZ_CONTENT_SHA256) {
        Some(v) if !options.content_sha256_header => SignableBody::Precomputed(
            v.to_str()
                .map_err(|_| {
                    AuthError::InvalidRequest("x-amz-content-sha256 is not valid ASCII".into())
                })?
                .to_string(),
        ),
        _ => SignableBody::Bytes(request.body()),
    };

    let mut settings = SigningSettings::default();
    set_path_modes(
        &mut settings,
        options.normalize_path,
        options.double_encode_path,
    );
    settings.payload_checksum_kind = if options.content_sha256_header {
        PayloadChecksumKind::XAmzSha256
    } else {
        PayloadChecksumKind::NoHeader
    };
    settings.session_token_mode = if options.sign_session_token {
        SessionTokenMode::Include
    } else {
        SessionTokenMode::Exclude
    };

    let uri = request.uri().to_string();
    let method = request.method().as_str().to_string();
    let instructions = {
        let identity = identity(creds);
        let signable = SignableRequest::new(&method, uri, header_pairs.into_iter(), body)
            .map_err(|e| AuthError::Signing(e.to_string()))?;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| AuthError::Signing(e.to_string()))?
            .into();
        aws_sigv4::http_request::sign(signable, &params)
            .map_err(|e| AuthError::Signing(e.to_string()))?
            .into_parts()
            .0
    };
    instructions.apply_to_request_http1x(request);
    // Mark the signature sensitive so that `http`'s Debug of the request hides it (aws-sigv4
    // already does so for the session token).
    if let Some(v) = request.headers_mut().get_mut(AUTHORIZATION) {
        v.set_sensitive(true);
    }
    Ok(())
}

pub(crate) fn identity(creds: &Credentials) -> Identity {
    aws_credential_types::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key().to_string(),
        creds.session_token().map(str::to_string),
        None,
        "stackql",
    )
    .into()
}

/// Adds `Host` from the URI authority when missing, leaving out a default port as HTTP
/// clients do (hyper strips it, and the signed value must equal the sent one).
fn ensure_host(request: &mut http::Request<Vec<u8>>) -> Result<(), AuthError> {
    if request.headers().contains_key(HOST) {
        return Ok(());
    }
    let uri = request.uri();
    let host = uri.host().ok_or_else(|| AuthError::MissingHost {
        uri: uri.to_string(),
    })?;
    let default_port = match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") | None => Some(443),
        _ => None,
    };
    let value = match uri.port_u16() {
        Some(p) if Some(p) != default_port => format!("{host}:{p}"),
        _ => host.to_string(),
    };
    let value = HeaderValue::from_str(&value)
        .map_err(|_| AuthError::InvalidRequest(format!("host {value} is not a valid header")))?;
    request
        .headers_mut()
        .insert(HeaderName::from_static("host"), value);
    Ok(())
}
