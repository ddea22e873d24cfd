//! The secret a token scheme (basic, bearer, api_key, custom) sends, read from where the
//! auth entry says, in StackQL's order: `credentialsenvvar`, `credentialsfilepathenvvar`,
//! `credentialsfilepath`, `username_var` + `password_var` (or `api_key_var` +
//! `api_secret_var`), then inline `username` + `password` (or `api_key` + `api_secret`);
//! the pairs are sent as base64 `user:pass`. [`Secret`] never prints its value.

use super::scheme::{text, TokenAuth};
use crate::EnvLookup;
use base64::Engine as _;
use std::fmt;

/// A credential file holds a token or a key, not a document.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// A secret value; `Debug` and `Display` redact it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    /// The value, for the one place it is written into a request.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(** redacted **)")
    }
}

/// The token `auth` sends for `provider`. Errors name variables, files and fields, never
/// what they hold.
pub(crate) fn token(provider: &str, auth: &TokenAuth, env: &EnvLookup) -> Result<Secret, String> {
    let kind = auth.kind;
    let fields = &auth.fields;
    let var = |field: &str, name: &str| -> Result<String, String> {
        env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            format!(
                "environment variable {name} is not set (named by {field} in the {kind} \
                 authentication of provider '{provider}')"
            )
        })
    };
    let raw = if let Some(name) = text(fields, "credentialsenvvar") {
        var("credentialsenvvar", &name)?
    } else if let Some(name) = text(fields, "credentialsfilepathenvvar") {
        let path = var("credentialsfilepathenvvar", &name)?;
        read_file(provider, kind, &path)?
    } else if let Some(path) = text(fields, "credentialsfilepath") {
        read_file(provider, kind, &path)?
    } else if let Some(pair) = env_pair(fields, &var, kind, provider)? {
        encode(&pair)
    } else if let Some(pair) = inline_pair(fields) {
        encode(&pair)
    } else {
        return Err(format!(
            "the {kind} authentication of provider '{provider}' names no credentials: set \
             credentialsenvvar (or credentialsfilepath{}) in --auth or its provider.yaml",
            if kind == "basic" {
                ", or username_var and password_var"
            } else {
                ""
            }
        ));
    };
    let raw = raw.trim().to_string();
    // StackQL expects basic credentials already base64-encoded; a plain `user:pass` (':'
    // is not in the base64 alphabet) is encoded here rather than sent as garbage.
    let value = if auth.encode_user_pass && raw.contains(':') {
        encode(&raw)
    } else {
        raw
    };
    if value.is_empty() {
        return Err(format!(
            "the {kind} credential of provider '{provider}' is empty"
        ));
    }
    Ok(Secret(value))
}

fn env_pair(
    fields: &serde_json::Map<String, serde_json::Value>,
    var: &dyn Fn(&str, &str) -> Result<String, String>,
    kind: &str,
    provider: &str,
) -> Result<Option<String>, String> {
    for (user_field, pass_field) in [
        ("username_var", "password_var"),
        ("api_key_var", "api_secret_var"),
    ] {
        if let (Some(u), Some(p)) = (text(fields, user_field), text(fields, pass_field)) {
            return match (var(user_field, &u), var(pass_field, &p)) {
                (Ok(user), Ok(pass)) => Ok(Some(format!("{user}:{pass}"))),
                (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
                // Both unset: say so at once rather than one fix at a time.
                (Err(_), Err(_)) => Err(format!(
                    "environment variables {u} and {p} are not set (named by {user_field} \
                     and {pass_field} in the {} authentication of provider '{}')",
                    kind, provider
                )),
            };
        }
    }
    Ok(None)
}

fn inline_pair(fields: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    [("username", "password"), ("api_key", "api_secret")]
        .into_iter()
        .find_map(|(u, p)| Some(format!("{}:{}", text(fields, u)?, text(fields, p)?)))
}

fn encode(user_pass: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(user_pass)
}

fn read_file(provider: &str, kind: &str, path: &str) -> Result<String, String> {
    let err = |reason: String| {
        format!("cannot read the {kind} credential of provider '{provider}' from {path}: {reason}")
    };
    let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if meta.len() > MAX_SECRET_FILE_BYTES {
        return Err(err(format!(
            "the file is larger than {MAX_SECRET_FILE_BYTES} bytes"
        )));
    }
    // Only the I/O error's description goes into the message, never the content.
    std::fs::read_to_string(path).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::scheme::{choose, Scheme};
    use serde_json::json;
    use std::sync::Arc;

    fn token_auth(entry: serde_json::Value) -> TokenAuth {
        match choose("p", Some(&entry), None, false).unwrap() {
            Scheme::Token(t) => t,
            other => panic!("{other:?}"),
        }
    }

    fn env(pairs: &[(&str, &str)]) -> EnvLookup {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Arc::new(move |k| map.get(k).cloned())
    }

    #[test]
    fn basic_from_variables_and_from_a_plain_or_encoded_pair() {
        let e = env(&[
            ("U", "octo"),
            ("P", "s3cret"),
            ("C", "octo:s3cret"),
            ("E", "b2N0bzpzM2NyZXQ="),
        ]);
        let expected = "b2N0bzpzM2NyZXQ=";
        let t = token_auth(json!({"type": "basic", "username_var": "U", "password_var": "P"}));
        assert_eq!(token("p", &t, &e).unwrap().expose(), expected);
        let t = token_auth(json!({"type": "basic", "credentialsenvvar": "C"}));
        assert_eq!(token("p", &t, &e).unwrap().expose(), expected);
        let t = token_auth(json!({"type": "basic", "credentialsenvvar": "E"}));
        assert_eq!(token("p", &t, &e).unwrap().expose(), expected);
        let t = token_auth(json!({"type": "basic", "username": "octo", "password": "s3cret"}));
        assert_eq!(token("p", &t, &e).unwrap().expose(), expected);
    }

    #[test]
    fn bearer_from_a_file_trimmed_and_errors_never_show_values() {
        let dir = std::env::temp_dir().join(format!("stackql-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "tok-123\n").unwrap();
        let t =
            token_auth(json!({"type": "bearer", "credentialsfilepath": file.to_str().unwrap()}));
        let s = token("p", &t, &env(&[])).unwrap();
        assert_eq!(s.expose(), "tok-123");
        assert_eq!(format!("{s:?}"), "Secret(** redacted **)");
        std::fs::remove_dir_all(&dir).unwrap();

        let t = token_auth(json!({"type": "basic", "username_var": "U", "password_var": "P"}));
        let err = token("gh", &t, &env(&[("U", "octo")])).unwrap_err();
        assert!(err.contains("P is not set"), "{err}");
        assert!(err.contains("provider 'gh'"), "{err}");
        assert!(!err.contains("octo"), "{err}");
        let t = token_auth(json!({"type": "bearer"}));
        let err = token("gh", &t, &env(&[])).unwrap_err();
        assert!(err.contains("names no credentials"), "{err}");
    }
}
