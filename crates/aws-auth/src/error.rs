//! `AuthError`: everything that can go wrong resolving credentials or signing a request.
//!
//! Every message says what is missing and how to fix it, and none ever contains a secret:
//! variants carry variable names, paths and profile names, never credential values.

use std::path::PathBuf;

/// How to supply credentials; appended to errors where the user has to act.
pub(crate) const HOW_TO_SET: &str = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
(plus AWS_SESSION_TOKEN for temporary credentials), or pass --auth \
'{\"aws\":{\"type\":\"aws_signing_v4\",\"keyIDenvvar\":\"MY_KEY_ID_VAR\",\"credentialsenvvar\":\"MY_SECRET_VAR\"}}'";

/// Errors from [`crate::resolve_credentials`] and [`crate::sign`].
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Nothing in the environment, `--auth` or the shared files provided keys.
    #[error(
        "no AWS credentials found: {HOW_TO_SET}, or add aws_access_key_id and \
         aws_secret_access_key to profile '{profile}' ({searched})"
    )]
    NoCredentials {
        /// The profile that was consulted (`AWS_PROFILE` or `default`).
        profile: String,
        /// What was looked at, for the user to check.
        searched: String,
    },

    /// An environment variable that must hold part of the credentials is unset or empty.
    #[error(
        "environment variable {var} is not set (it should hold the {holds}, {why}); {HOW_TO_SET}"
    )]
    MissingEnvVar {
        /// The variable name.
        var: String,
        /// What it should contain, e.g. "AWS access key id".
        holds: &'static str,
        /// Why it was consulted, e.g. "named by keyIDenvvar in --auth".
        why: String,
    },

    /// The `--auth` entry for AWS is malformed or of a type this crate does not handle.
    #[error("invalid --auth entry for AWS: {0}")]
    InvalidAuth(String),

    /// `credentialsfilepath` could not be read or does not hold a bare secret key.
    #[error(
        "cannot use {path} (credentialsfilepath in --auth) as the AWS secret access key: {reason}"
    )]
    SecretFile {
        /// The file named by `credentialsfilepath`.
        path: PathBuf,
        /// Why (never the file's content).
        reason: String,
    },

    /// A shared credentials/config file exists but could not be read.
    #[error("cannot read AWS shared file {path}: {reason}")]
    ProfileFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },

    /// `AWS_PROFILE` names a profile that is in neither shared file.
    #[error(
        "AWS profile '{profile}' (from AWS_PROFILE) was not found ({searched}); \
         fix AWS_PROFILE, or {HOW_TO_SET}"
    )]
    ProfileNotFound {
        /// The requested profile.
        profile: String,
        /// The files that were searched.
        searched: String,
    },

    /// A profile has one half of a static key pair.
    #[error("AWS profile '{profile}' sets {present} but not {missing}; add {missing} to it, or {HOW_TO_SET}")]
    IncompleteProfile {
        /// The profile.
        profile: String,
        /// The key that is there.
        present: &'static str,
        /// The key that is missing.
        missing: &'static str,
    },

    /// The profile gets credentials some way other than static keys.
    #[error(
        "AWS profile '{profile}' uses {kind}, which is not supported yet: export static or \
         temporary keys instead, e.g. `eval \"$(aws configure export-credentials --profile {profile} \
         --format env)\"`, which sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
    )]
    UnsupportedProfile {
        /// The profile.
        profile: String,
        /// What it uses, e.g. "role_arn (assume role)".
        kind: &'static str,
    },

    /// The standard AWS chain (assume role, SSO, `credential_process`, web identity,
    /// container, instance metadata) could not produce credentials.
    #[error("cannot get AWS credentials from {what}: {reason}")]
    Chain {
        /// What was asked, e.g. "AWS profile 'dev' (role_arn (assume role))".
        what: String,
        /// The chain's error (provider and cause, never key material).
        reason: String,
    },

    /// `sign` was given a request with neither a Host header nor an absolute URI.
    #[error("cannot sign the request: it has no Host header and its URI ({uri}) has no host")]
    MissingHost {
        /// The request URI (paths and queries are not secret).
        uri: String,
    },

    /// The request cannot be represented for signing (e.g. a non-UTF-8 header value).
    #[error("cannot sign the request: {0}")]
    InvalidRequest(String),

    /// aws-sigv4 refused to sign.
    #[error("SigV4 signing failed: {0}")]
    Signing(String),
}
