//! `Credentials` (with a redacting `Debug`) and `resolve_credentials`: the `--auth` JSON entry,
//! the standard environment variables, then the shared profile files.

use crate::error::AuthError;
use crate::profile;
use serde_json::Value;
use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

/// The three standard variables; an `--auth` entry that only names these behaves like no entry.
const AKID_VAR: &str = "AWS_ACCESS_KEY_ID";
const SECRET_VAR: &str = "AWS_SECRET_ACCESS_KEY";
const TOKEN_VAR: &str = "AWS_SESSION_TOKEN";

/// AWS credentials: an access key id, its secret, and a session token for temporary keys.
///
/// The secret and token are private so that they are only read deliberately, and `Debug`
/// prints them redacted: credentials end up inside other structs that get logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (not secret: AWS prints it in error messages too).
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// When temporary credentials stop working (assumed roles, SSO, container, instance
    /// metadata); None for long-term keys.
    expiry: Option<SystemTime>,
}

impl Credentials {
    /// Builds credentials from their parts; `token` is the session token of temporary keys.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: token,
            expiry: None,
        }
    }

    /// The same credentials, valid until `expiry`.
    pub fn with_expiry(mut self, expiry: Option<SystemTime>) -> Self {
        self.expiry = expiry;
        self
    }

    /// When they expire; None for long-term keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The secret access key. Never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token, for temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "** redacted **";
        let mut d = f.debug_struct("Credentials");
        d.field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| REDACTED),
            );
        if let Some(expiry) = &self.expiry {
            d.field("expiry", expiry);
        }
        d.finish()
    }
}

/// Resolve credentials StackQL-style.
///
/// `auth` is the provider's entry of the `--auth` JSON, e.g.
/// `{"type":"aws_signing_v4","keyIDenvvar":"AWS_ACCESS_KEY_ID","credentialsenvvar":"AWS_SECRET_ACCESS_KEY"}`.
/// Keys (matched case-insensitively): `type` (must be `aws_signing_v4` if present), `keyID`
/// (inline key id) or `keyIDenvvar`, `credentialsenvvar` or `credentialsfilepath` (a file
/// holding only the secret), and `sessiontokenenvvar` (our extension; defaults to
/// `AWS_SESSION_TOKEN`, optional unless named explicitly).
///
/// An entry that names only the standard variables (as the registry's default `auth` block
/// does) and a missing entry both mean: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
/// `AWS_SESSION_TOKEN`, then the shared files (`AWS_SHARED_CREDENTIALS_FILE` or
/// `~/.aws/credentials`, `AWS_CONFIG_FILE` or `~/.aws/config`) for `AWS_PROFILE` or `default`,
/// static keys only.
///
/// `env` looks up environment variables (injected so that tests never touch the real
/// environment); empty values count as unset, as in the AWS SDKs.
pub fn resolve_credentials(
    auth: Option<&Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, AuthError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(auth) = auth {
        if let Some(creds) = from_auth_entry(auth, &env)? {
            return Ok(creds);
        }
    }
    if let Some(creds) = from_standard_env(&env)? {
        return Ok(creds);
    }
    profile::from_shared_files(&env)
}

/// `Ok(None)` when the entry only restates the defaults, so the caller falls through to the
/// standard chain (including profiles) instead of failing on unset standard variables.
fn from_auth_entry(
    auth: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, AuthError> {
    let obj = auth.as_object().ok_or_else(|| {
        AuthError::InvalidAuth(format!(
            "expected a JSON object like {{\"type\":\"aws_signing_v4\",\"keyIDenvvar\":\"{AKID_VAR}\",\
             \"credentialsenvvar\":\"{SECRET_VAR}\"}}, got {}",
            json_kind(auth)
        ))
    })?;
    // StackQL's own keys mix case (keyIDenvvar); accept any case so typos of case don't bite.
    let field = |name: &str| -> Result<Option<&str>, AuthError> {
        match obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            None => Ok(None),
            Some((k, Value::String(s))) if s.trim().is_empty() => {
                Err(AuthError::InvalidAuth(format!("\"{k}\" is empty")))
            }
            Some((_, Value::String(s))) => Ok(Some(s.trim())),
            Some((k, other)) => Err(AuthError::InvalidAuth(format!(
                "\"{k}\" must be a string, got {}",
                json_kind(other)
            ))),
        }
    };

    if let Some(t) = field("type")? {
        if !t.eq_ignore_ascii_case("aws_signing_v4") {
            return Err(AuthError::InvalidAuth(format!(
                "type \"{t}\" is not supported for AWS; use \"aws_signing_v4\""
            )));
        }
    }
    let inline_key_id = field("keyID")?;
    let key_id_var = field("keyIDenvvar")?;
    let secret_var = field("credentialsenvvar")?;
    let secret_file = field("credentialsfilepath")?;
    let token_var = field("sessiontokenenvvar")?;

    let only_defaults = inline_key_id.is_none()
        && secret_file.is_none()
        && key_id_var.is_none_or(|v| v == AKID_VAR)
        && secret_var.is_none_or(|v| v == SECRET_VAR)
        && token_var.is_none_or(|v| v == TOKEN_VAR);
    if only_defaults {
        return Ok(None);
    }

    let access_key_id = match inline_key_id {
        Some(k) => k.to_string(),
        None => {
            let var = key_id_var.unwrap_or(AKID_VAR);
            env(var).ok_or_else(|| AuthError::MissingEnvVar {
                var: var.to_string(),
                holds: "AWS access key id",
                why: origin(key_id_var.is_some(), "keyIDenvvar"),
            })?
        }
    };
    let secret_access_key = match secret_file {
        Some(path) => read_secret_file(path, env)?,
        None => {
            let var = secret_var.unwrap_or(SECRET_VAR);
            env(var).ok_or_else(|| AuthError::MissingEnvVar {
                var: var.to_string(),
                holds: "AWS secret access key",
                why: origin(secret_var.is_some(), "credentialsenvvar"),
            })?
        }
    };
    let session_token = match token_var {
        // Named explicitly: the user expects temporary credentials, so its absence is an error.
        Some(var) => Some(env(var).ok_or_else(|| AuthError::MissingEnvVar {
            var: var.to_string(),
            holds: "AWS session token",
            why: origin(true, "sessiontokenenvvar"),
        })?),
        None => env(TOKEN_VAR),
    };
    Ok(Some(Credentials::new(
        access_key_id,
        secret_access_key.trim(),
        session_token.map(|t| t.trim().to_string()),
    )))
}

fn origin(explicit: bool, key: &str) -> String {
    if explicit {
        format!("named by {key} in --auth")
    } else {
        format!("the default when --auth has no {key}")
    }
}

fn read_secret_file(path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, AuthError> {
    let path = expand_home(path, env);
    let err = |reason: String| AuthError::SecretFile {
        path: path.clone(),
        reason,
    };
    // Only the io::Error's description goes into the message: never the content.
    let content = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
    let secret = content.trim();
    if secret.is_empty() {
        return Err(err("the file is empty".into()));
    }
    if secret.chars().any(char::is_whitespace) {
        // Probably a shared credentials file or a key/value file: sending that as the secret
        // would only produce a confusing signature error from AWS later.
        return Err(err(
            "the file must hold only the secret access key (it contains several words or lines; \
             for a shared credentials file use AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE instead)"
                .into(),
        ));
    }
    Ok(secret.to_string())
}

fn from_standard_env(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, AuthError> {
    match (env(AKID_VAR), env(SECRET_VAR)) {
        (Some(akid), Some(secret)) => Ok(Some(Credentials::new(
            akid.trim(),
            secret.trim(),
            env(TOKEN_VAR).map(|t| t.trim().to_string()),
        ))),
        // Half a key pair is a mistake worth reporting rather than silently using a profile.
        (Some(_), None) => Err(AuthError::MissingEnvVar {
            var: SECRET_VAR.into(),
            holds: "AWS secret access key",
            why: format!("because {AKID_VAR} is set"),
        }),
        (None, Some(_)) => Err(AuthError::MissingEnvVar {
            var: AKID_VAR.into(),
            holds: "AWS access key id",
            why: format!("because {SECRET_VAR} is set"),
        }),
        (None, None) => Ok(None),
    }
}

/// Expands a leading `~` with HOME (or USERPROFILE on Windows), through the injected env.
pub(crate) fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let rest = path
        .strip_prefix("~/")
        .or_else(|| path.strip_prefix("~\\"))
        .or(if path == "~" { Some("") } else { None });
    match (rest, home_dir(env)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

pub(crate) fn home_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("HOME")
        .or_else(|| env("USERPROFILE"))
        .map(PathBuf::from)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
