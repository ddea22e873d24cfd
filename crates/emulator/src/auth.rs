//! Who is calling, and for which region: SigV4 verification behind the `verify_signatures`
//! switch, done by the workspace's `stackql-aws-auth` crate.
//!
//! The region of a request is the region of its credential scope
//! (`Credential=AKID/20240101/us-east-1/cloudcontrolapi/aws4_request`), as for AWS: state is
//! kept per account and region. With verification on, AWS's answers apply: no signature is
//! MissingAuthenticationTokenException, a malformed one IncompleteSignatureException, an
//! unknown key UnrecognizedClientException, and a wrong secret, a tampered request, an
//! expired date, a scope for another service or a region that is not one
//! InvalidSignatureException. Accepting any key (`AcceptedKeys::Any`) skips only the key
//! lookup and the signature's value. With verification off, the scope only gives the region
//! (default us-east-1).

use std::collections::HashMap;
use std::time::SystemTime;

use crate::config::DEFAULT_REGION;
use crate::wire::{ApiError, ErrorKind};

/// The signing name of Cloud Control, which a credential scope must name.
const SERVICE: &str = "cloudcontrolapi";

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key_id: Option<String>,
    pub region: String,
}

/// The parts of a SigV4 credential scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Reads the credential scope from the `Authorization` header, or from a presigned
/// query's `X-Amz-Credential`, without checking anything else.
pub fn credential_scope(parts: &http::request::Parts) -> Option<CredentialScope> {
    let credential = match parts.headers.get(http::header::AUTHORIZATION) {
        Some(auth) => auth
            .to_str()
            .ok()?
            .strip_prefix("AWS4-HMAC-SHA256")?
            .split(',')
            .map(str::trim)
            .find_map(|kv| kv.strip_prefix("Credential="))?
            .to_string(),
        None => parts
            .uri
            .query()?
            .split('&')
            .find_map(|kv| kv.strip_prefix("X-Amz-Credential="))?
            .replace("%2F", "/")
            .replace("%2f", "/"),
    };
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [key, date, region, service, "aws4_request"] if !key.is_empty() && !region.is_empty() => {
            Some(CredentialScope {
                access_key_id: key.to_string(),
                date: date.to_string(),
                region: region.to_string(),
                service: service.to_string(),
            })
        }
        _ => None,
    }
}

/// Authenticates a request. `secrets` maps access key ids to secret keys; None accepts
/// any key, checking everything but the signature's value.
pub fn authenticate(
    parts: &http::request::Parts,
    body: &[u8],
    verify: bool,
    secrets: Option<&HashMap<String, String>>,
) -> Result<Caller, ApiError> {
    if !verify {
        return Ok(match credential_scope(parts) {
            Some(s) => Caller {
                access_key_id: Some(s.access_key_id),
                region: s.region,
            },
            None => Caller {
                access_key_id: None,
                region: DEFAULT_REGION.to_string(),
            },
        });
    }
    let now = SystemTime::now();
    let verified = match secrets {
        Some(secrets) => {
            let secret_for = |key: &str| secrets.get(key).cloned();
            stackql_aws_auth::verify(parts, body, &secret_for, now)
        }
        None => stackql_aws_auth::verify_form(parts, now),
    }
    .map_err(|e| {
        // The crate speaks AWS's error names; every one of them is a kind we know.
        let kind = ErrorKind::named(e.aws_error_type()).unwrap_or(ErrorKind::InvalidSignature);
        ApiError::new(kind, e.message())
    })?;
    if verified.service != SERVICE {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to correct service: '{SERVICE}'. "),
        ));
    }
    if !stackql_aws_auth::is_region_form(&verified.region) {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                verified.region.escape_debug()
            ),
        ));
    }
    Ok(Caller {
        access_key_id: Some(verified.access_key_id),
        region: verified.region,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>) -> http::request::Parts {
        let mut b = http::Request::builder().method("POST").uri("/");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn scope_gives_the_region_when_not_verifying() {
        let p = parts(Some("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-2/cloudcontrolapi/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"));
        let c = authenticate(&p, b"", false, None).unwrap();
        assert_eq!(c.region, "eu-west-2");
        assert_eq!(
            authenticate(&parts(None), b"", false, None).unwrap().region,
            "us-east-1"
        );
    }

    #[test]
    fn verification_errors_keep_the_crate_status() {
        let secrets = HashMap::from([("AKIDEXAMPLE".to_string(), "s".to_string())]);
        let e = authenticate(&parts(None), b"", true, Some(&secrets)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::MissingAuthenticationToken);
        let from_crate = stackql_aws_auth::VerifyError::MissingAuthentication;
        assert_eq!(e.kind.http_status(), from_crate.http_status());
        assert_eq!(
            ErrorKind::named(stackql_aws_auth::VerifyError::UnrecognizedClient.aws_error_type())
                .unwrap()
                .http_status(),
            stackql_aws_auth::VerifyError::UnrecognizedClient.http_status()
        );
        assert_eq!(
            ErrorKind::named(stackql_aws_auth::VerifyError::SignatureDoesNotMatch.aws_error_type())
                .unwrap()
                .http_status(),
            400
        );
    }
}
