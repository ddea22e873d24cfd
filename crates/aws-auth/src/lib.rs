//! stackql-aws-auth: AWS credentials resolution, SigV4 request signing, and SigV4
//! verification for the local Cloud Control emulator.
//!
//! - [`resolve_credentials`]: `--auth` JSON entry, then `AWS_*` variables, then shared
//!   profile files (static keys only).
//! - [`resolve_with_chain`] (feature `chain`): the same, then the full standard AWS chain
//!   (assume role, SSO, `credential_process`, web identity, container, instance metadata)
//!   for what static keys do not cover.
//! - [`sign`]: adds `X-Amz-Date`, `X-Amz-Security-Token` and `Authorization` to a request.
//! - [`verify`]: the server side, with AWS's error types and messages.
//!
//! Secrets never appear in `Debug`/`Display` output or error messages.

mod amz_date;
#[cfg(feature = "chain")]
mod chain;
mod credentials;
mod error;
mod profile;
mod region;
mod sign;
mod verify;

pub use amz_date::{format_amz_date, parse_amz_date};
#[cfg(feature = "chain")]
pub use chain::{resolve_with_chain, CHAIN_ENV_VARS};
pub use credentials::{resolve_credentials, Credentials};
pub use error::AuthError;
pub use profile::configured_region;
pub use region::{is_region_form, DEFAULT_REGION};
pub use sign::{sign, sign_with, SignOptions};
pub use verify::{verify, verify_form, verify_with, VerifiedRequest, VerifyError, VerifyOptions};
