//! Which authenticator a provider's calls get: provider.yaml's `config.auth`, or the
//! provider's `--auth` entry in its place, read into a [`Scheme`]. The type names and
//! fields are StackQL's (`aws_signing_v4`, `basic`, `bearer`, `api_key`, `custom`,
//! `null_auth`; `credentialsenvvar`, `username_var`, `valuePrefix`, `location`, `name`...).

use serde_json::{Map, Value};

/// The types a provider may name, for the error about one it may not.
pub(crate) const SUPPORTED: &str = "aws_signing_v4, basic, bearer, api_key, custom, null_auth";

/// How a provider's requests are authenticated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scheme {
    /// SigV4 with AWS credentials; the entry is what `--auth`/`config.auth` says about
    /// them (`keyIDenvvar`, ...), resolved by `stackql_aws_auth`.
    AwsSigV4 { entry: Option<Value> },
    /// A secret placed in a header or the query string.
    Token(TokenAuth),
    /// Nothing added (`null_auth`, or no auth declared by a non-AWS provider).
    Null,
}

/// Where a token goes and what precedes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenAuth {
    /// StackQL's type name, for errors.
    pub kind: &'static str,
    pub place: Place,
    /// Written before the token (`Basic `, `Bearer `, `valuePrefix`).
    pub prefix: String,
    /// Whether a plain `user:pass` is base64-encoded first (basic).
    pub encode_user_pass: bool,
    /// The entry's fields naming the secret (see `secret::token`).
    pub fields: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Place {
    Header(String),
    Query(String),
}

/// The scheme for `provider`: `flag_entry` (its `--auth` entry) replaces `config` (its
/// provider.yaml `config.auth`) but inherits its `type` when it names none. Without any
/// type, requests of an AWS service document (`aws_signing`) are signed, others get none.
pub(crate) fn choose(
    provider: &str,
    flag_entry: Option<&Value>,
    config: Option<&Value>,
    aws_signing: bool,
) -> Result<Scheme, String> {
    let entry = flag_entry.or(config);
    let fields = match entry {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            let from = if flag_entry.is_some() {
                "its --auth entry"
            } else {
                "config.auth in its provider.yaml"
            };
            return Err(format!(
                "the authentication of provider '{provider}' ({from}) must be a JSON object \
                 like {{\"type\":\"bearer\",\"credentialsenvvar\":\"MY_TOKEN\"}}, got {}",
                crate::json_kind(other)
            ));
        }
    };
    let type_of = |m: Option<&Value>| -> Result<Option<String>, String> {
        match m.and_then(Value::as_object).and_then(|m| field(m, "type")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_ascii_lowercase())),
            Some(other) => Err(format!(
                "the auth type of provider '{provider}' must be a string, got {}",
                crate::json_kind(other)
            )),
        }
    };
    let kind = match type_of(flag_entry)? {
        Some(t) => Some(t),
        None => type_of(config)?,
    };
    let kind = match kind.as_deref() {
        Some(k) => k.to_string(),
        None if aws_signing => "aws_signing_v4".into(),
        None => "null_auth".into(),
    };
    let prefix_field = || text(&fields, "valuePrefix");
    let token = |kind: &'static str, place: Place, prefix: String, encode: bool| {
        Scheme::Token(TokenAuth {
            kind,
            place,
            prefix,
            encode_user_pass: encode,
            fields: fields.clone(),
        })
    };
    const AUTHORIZATION: &str = "Authorization";
    Ok(match kind.as_str() {
        "aws_signing_v4" => Scheme::AwsSigV4 {
            entry: entry.filter(|e| !e.is_null()).cloned(),
        },
        // StackQL's basic: `Authorization: <valuePrefix or the scheme> <base64 user:pass>`.
        "basic" => token(
            "basic",
            Place::Header(AUTHORIZATION.into()),
            prefix_field().unwrap_or_else(|| "Basic ".into()),
            true,
        ),
        // StackQL always writes `Bearer ` for bearer, whatever valuePrefix says.
        "bearer" => token(
            "bearer",
            Place::Header(AUTHORIZATION.into()),
            "Bearer ".into(),
            false,
        ),
        // StackQL's api_key: the Authorization header, `valuePrefix` or `api_key ` first.
        "api_key" => token(
            "api_key",
            Place::Header(AUTHORIZATION.into()),
            prefix_field().unwrap_or_else(|| "api_key ".into()),
            false,
        ),
        // StackQL's custom: the token as is, in the header or query parameter `name`.
        "custom" => {
            let name = text(&fields, "name").ok_or_else(|| {
                format!(
                    "provider '{provider}' uses auth type custom, which needs \"name\": the \
                     header or query parameter that carries the credential"
                )
            })?;
            let place = match text(&fields, "location")
                .as_deref()
                .map(str::to_ascii_lowercase)
            {
                None => Place::Header(name),
                Some(l) if l == "header" => Place::Header(name),
                Some(l) if l == "query" => Place::Query(name),
                Some(l) => {
                    return Err(format!(
                        "provider '{provider}' uses auth type custom with location \"{l}\"; \
                         use \"header\" or \"query\""
                    ))
                }
            };
            token("custom", place, String::new(), false)
        }
        "null_auth" | "null" => Scheme::Null,
        other => {
            return Err(format!(
                "provider '{provider}' uses auth type \"{other}\", which is not supported \
                 (supported: {SUPPORTED}); nothing was sent"
            ))
        }
    })
}

/// A field by name, any case (StackQL's own keys mix case: `keyIDenvvar`, `valuePrefix`).
pub(crate) fn field<'a>(m: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A non-empty string field.
pub(crate) fn text(m: &Map<String, Value>, name: &str) -> Option<String> {
    match field(m, name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_flag_entry_replaces_config_and_inherits_its_type() {
        let config = json!({"type": "basic", "username_var": "U", "password_var": "P"});
        let flag = json!({"credentialsenvvar": "CREDS"});
        let Scheme::Token(t) = choose("github", Some(&flag), Some(&config), false).unwrap() else {
            panic!("not a token scheme")
        };
        assert_eq!(t.kind, "basic");
        assert_eq!(t.prefix, "Basic ");
        assert!(text(&t.fields, "username_var").is_none());
        assert_eq!(
            text(&t.fields, "credentialsenvvar").as_deref(),
            Some("CREDS")
        );
    }

    #[test]
    fn without_a_type_aws_documents_are_signed_and_others_get_nothing() {
        assert!(matches!(
            choose("aws", None, None, true).unwrap(),
            Scheme::AwsSigV4 { entry: None }
        ));
        assert_eq!(choose("x", None, None, false).unwrap(), Scheme::Null);
        assert_eq!(
            choose("x", None, Some(&json!({"type": "null_auth"})), true).unwrap(),
            Scheme::Null
        );
    }

    #[test]
    fn prefixes_follow_stackql() {
        let prefix = |entry: Value| match choose("p", Some(&entry), None, false).unwrap() {
            Scheme::Token(t) => t.prefix,
            other => panic!("{other:?}"),
        };
        assert_eq!(prefix(json!({"type": "api_key"})), "api_key ");
        assert_eq!(
            prefix(json!({"type": "api_key", "valuePrefix": "Token "})),
            "Token "
        );
        assert_eq!(
            prefix(json!({"type": "bearer", "valuePrefix": "Token "})),
            "Bearer "
        );
        assert_eq!(prefix(json!({"type": "BASIC"})), "Basic ");
    }

    #[test]
    fn unknown_types_and_bad_entries_name_the_provider() {
        let e = choose(
            "google",
            Some(&json!({"type": "service_account"})),
            None,
            false,
        )
        .unwrap_err();
        assert!(e.contains("provider 'google'"), "{e}");
        assert!(e.contains("\"service_account\""), "{e}");
        assert!(e.contains("nothing was sent"), "{e}");
        let e = choose("p", Some(&json!("bearer")), None, false).unwrap_err();
        assert!(e.contains("must be a JSON object"), "{e}");
        let e = choose("p", Some(&json!({"type": "custom"})), None, false).unwrap_err();
        assert!(e.contains("needs \"name\""), "{e}");
        let e = choose(
            "p",
            Some(&json!({"type": "custom", "name": "k", "location": "cookie"})),
            None,
            false,
        )
        .unwrap_err();
        assert!(e.contains("\"cookie\""), "{e}");
    }
}
