//! Where a request may go. Server variables are checked before they are substituted into a
//! server URL (a `region` by its form, others by their `enum` or as one DNS label or path
//! segment), and the composed URL's origin must be the server template's with the
//! variables filled in, or the explicit override (`AWS_ENDPOINT_URL*`). User text can fill
//! a template; it can never choose the host that receives signed requests.

use crate::decode::values::sql_to_text;
use rusqlite::types::Value as SqlValue;
use stackql_registry::{closest_names, Server};
use std::collections::BTreeMap;
use std::fmt;

/// AWS regions, for "did you mean" on a mistyped region. A region that is not listed here
/// is still accepted when it has a region's form: new regions appear faster than any list
/// (or registry enum) is updated.
const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

pub use stackql_aws_auth::is_region_form;

/// The text of one server variable's value, after checking it may be substituted into
/// `server`'s URL. `column` is the name the user wrote (for the error).
pub fn check_variable(
    label: &str,
    column: &str,
    var: &str,
    value: &SqlValue,
    server: &Server,
) -> Result<String, String> {
    let text = sql_to_text(value);
    if matches!(value, SqlValue::Null) || text.trim().is_empty() {
        let what = if matches!(value, SqlValue::Null) {
            "NULL"
        } else {
            "empty"
        };
        return Err(format!(
            "{label}: {column} is {what}; it chooses the endpoint, so give it a value, e.g. {}",
            example(column, var, server)
        ));
    }
    let allowed = server
        .variables
        .get(var)
        .map(|(_, allowed)| allowed.as_slice())
        .unwrap_or_default();
    if var == "region" {
        // Registry enums are incomplete (s3_api lists no us-east-1): the form decides.
        if is_region_form(&text) {
            return Ok(text);
        }
        let known = KNOWN_REGIONS
            .iter()
            .copied()
            .chain(allowed.iter().map(String::as_str));
        return Err(format!(
            "{label}: '{}' is not an AWS region (expected a name like us-east-1){}",
            text.escape_debug(),
            did_you_mean(&text, known)
        ));
    }
    if !allowed.is_empty() {
        if allowed.contains(&text) {
            return Ok(text);
        }
        return Err(format!(
            "{label}: '{}' is not a valid {column} (one of: {}){}",
            text.escape_debug(),
            allowed.join(", "),
            did_you_mean(&text, allowed.iter().map(String::as_str))
        ));
    }
    let in_host = authority_of(&server.url).contains(&format!("{{{var}}}"));
    let ok = if in_host {
        // One DNS label: it cannot add a dot, a port, credentials or a path.
        text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    } else {
        // One path segment of unreserved characters, never `.` or `..`.
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
            && text != "."
            && text != ".."
    };
    if ok {
        Ok(text)
    } else {
        Err(format!(
            "{label}: '{}' is not a valid {column}: it goes into the endpoint's {}, so it may \
             hold only letters, digits and '-'{}",
            text.escape_debug(),
            if in_host { "host name" } else { "path" },
            if in_host { "" } else { ", '.', '_' and '~'" }
        ))
    }
}

fn example(column: &str, var: &str, server: &Server) -> String {
    let default = server.variables.get(var).and_then(|(d, _)| d.as_deref());
    let value = crate::example_default(var, default).unwrap_or_else(|| "<value>".to_string());
    format!("{column} = '{value}'")
}

fn did_you_mean<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> String {
    match closest_names(wanted, known).first() {
        Some(best) => format!("; did you mean {best}?"),
        None => String::new(),
    }
}

/// The `scheme://host[:port]` a request may be sent to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// The text between `://` and the path of a URL template.
pub(crate) fn authority_of(template: &str) -> &str {
    let rest = template.split_once("://").map_or(template, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

impl Origin {
    /// The origin of a URL as an HTTP client will read it.
    pub fn of_url(text: &str) -> Result<Origin, String> {
        let url = url::Url::parse(text).map_err(|e| format!("'{text}' is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("'{text}' is not an http(s) URL"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("'{text}' names no host"))?;
        Ok(Origin {
            scheme: url.scheme().to_string(),
            host: host.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }

    /// The origin a server template names once `values` fill its variables, read from the
    /// template's own text (not from the composed URL): a value that would smuggle in `@`,
    /// `:`, `/` or `#` makes the two disagree, and the request is refused.
    pub fn of_template(
        server: &Server,
        values: &BTreeMap<String, String>,
    ) -> Result<Origin, String> {
        let (scheme, _) = server
            .url
            .split_once("://")
            .ok_or_else(|| format!("the server URL '{}' has no scheme", server.url))?;
        let mut authority = authority_of(&server.url).to_string();
        for (name, (default, _)) in &server.variables {
            if let Some(v) = values.get(name).or(default.as_ref()) {
                authority = authority.replace(&format!("{{{name}}}"), v);
            }
        }
        if authority.contains(['@', '/', '#', '?', '\\', '{', '}', '%', ' ']) {
            return Err(format!(
                "the endpoint host '{authority}' is not a host name"
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("the endpoint '{authority}' has an invalid port"))?,
                ),
            ),
            None => (authority.as_str(), None),
        };
        let scheme = scheme.to_ascii_lowercase();
        let port = port.or(match scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        });
        Ok(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// Refuses a URL whose origin is not `expected`: such a request would carry credentials
/// to a host the provider document does not name.
pub fn ensure_origin(label: &str, url: &str, expected: &Origin) -> Result<(), String> {
    let actual = Origin::of_url(url).map_err(|e| format!("{label}: {e}"))?;
    if &actual == expected {
        Ok(())
    } else {
        Err(format!(
            "{label}: refusing to send the request to {actual}: the endpoint is {expected}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str, vars: &[(&str, &[&str])]) -> Server {
        Server {
            url: url.to_string(),
            variables: vars
                .iter()
                .map(|(k, e)| {
                    (
                        k.to_string(),
                        (None, e.iter().map(|s| s.to_string()).collect()),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn region_form_admits_every_partition() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "eusc-de-east-1",
            "cn-northwest-1",
            "ap-southeast-5",
        ] {
            assert!(is_region_form(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east1",
            "us",
            "x@127.0.0.1:18443/#",
            "US-EAST-1",
            "us-east-",
            "abcde-east-1",
            "u-east-1",
            "us--1",
        ] {
            assert!(!is_region_form(bad), "{bad}");
        }
    }

    #[test]
    fn a_mistyped_region_is_refused_with_a_suggestion() {
        let s = server(
            "https://cloudcontrolapi.{region}.amazonaws.com",
            &[("region", &[])],
        );
        let e = check_variable(
            "t",
            "region",
            "region",
            &SqlValue::Text("us-east1".into()),
            &s,
        )
        .unwrap_err();
        assert!(e.contains("did you mean us-east-1?"), "{e}");
        // The enum does not limit regions: s3_api's lists no us-east-1.
        let s = server(
            "https://s3.{region}.amazonaws.com",
            &[("region", &["us-east-2"])],
        );
        assert_eq!(
            check_variable(
                "t",
                "region",
                "region",
                &SqlValue::Text("us-east-1".into()),
                &s
            ),
            Ok("us-east-1".to_string())
        );
    }

    #[test]
    fn null_and_empty_values_name_the_column() {
        let s = server("https://x.{region}.amazonaws.com", &[("region", &[])]);
        for v in [SqlValue::Null, SqlValue::Text(String::new())] {
            let e = check_variable("t", "region", "region", &v, &s).unwrap_err();
            assert!(e.contains("region is"), "{e}");
            assert!(e.contains("region = 'us-east-1'"), "{e}");
        }
    }

    #[test]
    fn other_variables_follow_their_enum_or_stay_one_label() {
        let s = server(
            "https://{bucket}.s3.{region}.amazonaws.com/{stage}",
            &[
                ("bucket", &[]),
                ("region", &[]),
                ("stage", &["prod", "test"]),
            ],
        );
        let check =
            |var: &str, v: &str| check_variable("t", var, var, &SqlValue::Text(v.into()), &s);
        assert!(check("bucket", "my-bucket").is_ok());
        for bad in ["evil.com", "a@b", "a:1", "a/b", "a#", "a?b", "a%2F", "a b"] {
            assert!(check("bucket", bad).is_err(), "{bad}");
        }
        assert!(check("stage", "prod").is_ok());
        assert!(check("stage", "prd")
            .unwrap_err()
            .contains("did you mean prod?"));
    }

    #[test]
    fn an_injected_authority_changes_the_origin_and_is_refused() {
        let s = server(
            "https://cloudcontrolapi.{region}.amazonaws.com",
            &[("region", &[])],
        );
        let mut values = BTreeMap::new();
        values.insert("region".to_string(), "us-east-1".to_string());
        let origin = Origin::of_template(&s, &values).unwrap();
        assert_eq!(
            origin.to_string(),
            "https://cloudcontrolapi.us-east-1.amazonaws.com:443"
        );
        assert!(ensure_origin("t", &s.render(&values), &origin).is_ok());
        values.insert("region".to_string(), "x@127.0.0.1:18443/#".to_string());
        assert!(Origin::of_template(&s, &values).is_err());
        // Even if a template check were bypassed, the composed URL goes elsewhere.
        let e = ensure_origin("t", &s.render(&values), &origin).unwrap_err();
        assert!(e.contains("refusing to send the request to http"), "{e}");
    }
}
