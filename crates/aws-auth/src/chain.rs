//! The full standard AWS credential chain (the `aws-config` crate) for what static keys do
//! not cover: profiles with `role_arn` + `source_profile` / `credential_source` (STS
//! AssumeRole), SSO, `credential_process`, web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` +
//! `AWS_ROLE_ARN`), container credentials and instance metadata.
//!
//! [`resolve_with_chain`] first resolves exactly as [`crate::resolve_credentials`] does
//! (`--auth` entry, `AWS_*` keys, static profile keys, with the same errors), and asks the
//! chain only where that finds a profile using another source, or nothing at all. The
//! chain sees the environment only through the injected lookup ([`CHAIN_ENV_VARS`] are
//! copied out of it), so tests never see the developer's variables or `~/.aws`.

use crate::credentials::{resolve_credentials, Credentials};
use crate::error::AuthError;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_http_client::tls;
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;
use serde_json::Value;
use std::collections::HashMap;

/// Every variable the chain reads (aws-config's environment settings for credentials,
/// profiles, endpoints, STS, SSO, containers and instance metadata, plus the home
/// directory that locates `~/.aws`). Only these are copied into the chain's environment.
pub const CHAIN_ENV_VARS: &[&str] = &[
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_V1_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_METADATA_SERVICE_TIMEOUT",
    "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_SDK_UA_APP_ID",
];

/// STS and SSO need a region to be reached even when nothing configures one; the AWS
/// SDKs' global STS endpoint lives in this one.
const STS_FALLBACK_REGION: &str = "us-east-1";

/// Credentials StackQL-style first (see [`resolve_credentials`]), then from the standard
/// chain where the profile uses a non-static source or nothing static was found.
///
/// The environment is read synchronously, before the first await, so the returned future
/// holds no reference to `env`.
pub fn resolve_with_chain(
    auth: Option<&Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> impl std::future::Future<Output = Result<Credentials, AuthError>> + Send + 'static {
    let first = resolve_credentials(auth, env);
    let snapshot: HashMap<String, String> = CHAIN_ENV_VARS
        .iter()
        .filter_map(|k| env(k).map(|v| (k.to_string(), v)))
        .collect();
    let region = crate::configured_region(env);
    async move {
        match first {
            Ok(creds) => Ok(creds),
            Err(AuthError::UnsupportedProfile { profile, kind }) => from_chain(snapshot, region)
                .await
                .map_err(|reason| AuthError::Chain {
                    what: format!("AWS profile '{profile}' ({kind})"),
                    reason,
                }),
            Err(AuthError::NoCredentials { profile, searched }) => from_chain(snapshot, region)
                .await
                .map_err(|reason| AuthError::NoCredentials {
                    profile,
                    searched: format!(
                        "{searched}; web identity, container credentials and instance \
                             metadata gave none either: {reason}"
                    ),
                }),
            Err(other) => Err(other),
        }
    }
}

/// One resolution through aws-config's default chain, with the injected environment,
/// an HTTPS client on rustls + ring, and a region for STS/SSO.
async fn from_chain(
    env: HashMap<String, String>,
    region: Option<String>,
) -> Result<Credentials, String> {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let region = region.unwrap_or_else(|| STS_FALLBACK_REGION.to_string());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .env(Env::from(env))
        .http_client(http_client)
        .region(Region::new(region))
        .load()
        .await;
    let provider = config
        .credentials_provider()
        .ok_or_else(|| "the AWS credential chain is not available".to_string())?;
    // aws-config's errors name the provider and the cause, never key material.
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| describe(&e))?;
    Ok(Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        creds.session_token().map(str::to_string),
    )
    .with_expiry(creds.expiry()))
}

/// An error and its causes, each said once (aws-config nests the chain's attempts).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}
