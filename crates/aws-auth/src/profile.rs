//! Static keys from the AWS shared files (`~/.aws/credentials`, `~/.aws/config`), for
//! `AWS_PROFILE` or `default`; a profile using another credential source is reported as
//! `UnsupportedProfile`, which the `chain` feature (`crate::chain`) hands to the full AWS
//! chain. Also the region the environment or profile configures (`configured_region`),
//! which error messages suggest.

use crate::credentials::{expand_home, home_dir, Credentials};
use crate::error::AuthError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

type Section = HashMap<String, String>;

/// Profile settings that mean "credentials come from somewhere other than static keys",
/// with how to name them to the user. These take precedence over static keys in the AWS
/// SDKs, so a profile holding both would not mean what a static-key reading suggests.
const OVERRIDING_SOURCES: &[(&str, &str)] = &[
    ("role_arn", "role_arn (assume role)"),
    ("sso_session", "AWS IAM Identity Center (sso_session)"),
    ("sso_start_url", "AWS IAM Identity Center (sso_start_url)"),
    ("sso_account_id", "AWS IAM Identity Center (sso_account_id)"),
    (
        "web_identity_token_file",
        "web_identity_token_file (web identity)",
    ),
    ("login_session", "login_session (aws login)"),
];

pub(crate) fn from_shared_files(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Credentials, AuthError> {
    let explicit = env("AWS_PROFILE").or_else(|| env("AWS_DEFAULT_PROFILE"));
    let profile = explicit.clone().unwrap_or_else(|| "default".to_string());
    let profile = profile.trim().to_string();

    let credentials_path = file_path(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let config_path = file_path(env, "AWS_CONFIG_FILE", "config");
    let searched = describe_search(&credentials_path, &config_path);

    let credentials_file = load(credentials_path.as_deref())?;
    let config_file = load(config_path.as_deref())?;

    // ~/.aws/credentials uses `[name]`; ~/.aws/config uses `[profile name]`, except that
    // `[default]` is also accepted there.
    let from_credentials = credentials_file.get(&profile);
    let from_config = config_file.get(&format!("profile {profile}")).or_else(|| {
        (profile == "default")
            .then(|| config_file.get("default"))
            .flatten()
    });

    if from_credentials.is_none() && from_config.is_none() {
        return Err(match explicit {
            Some(_) => AuthError::ProfileNotFound { profile, searched },
            None => AuthError::NoCredentials {
                profile,
                searched: format!("environment variables unset; {searched}"),
            },
        });
    }
    // The credentials file wins over the config file for the same key, as in the AWS CLI.
    let mut merged = Section::new();
    for section in [from_config, from_credentials].into_iter().flatten() {
        merged.extend(section.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    if let Some((_, kind)) = OVERRIDING_SOURCES
        .iter()
        .find(|(key, _)| merged.contains_key(*key))
    {
        return Err(AuthError::UnsupportedProfile { profile, kind });
    }
    const AKID: &str = "aws_access_key_id";
    const SECRET: &str = "aws_secret_access_key";
    match (merged.get(AKID), merged.get(SECRET)) {
        (Some(akid), Some(secret)) => Ok(Credentials::new(
            akid.as_str(),
            secret.as_str(),
            merged.get("aws_session_token").cloned(),
        )),
        (Some(_), None) => Err(AuthError::IncompleteProfile {
            profile,
            present: AKID,
            missing: SECRET,
        }),
        (None, Some(_)) => Err(AuthError::IncompleteProfile {
            profile,
            present: SECRET,
            missing: AKID,
        }),
        (None, None) if merged.contains_key("credential_process") => {
            Err(AuthError::UnsupportedProfile {
                profile,
                kind: "credential_process",
            })
        }
        (None, None) => Err(AuthError::NoCredentials {
            searched: format!("environment variables unset; the profile has no keys; {searched}"),
            profile,
        }),
    }
}

/// The region `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's `region` setting names,
/// as the AWS SDKs look for it. StackQL never sends to it unasked (a statement names its
/// region); it is only offered as the example when a statement lacks one. Unreadable
/// files and malformed names count as no region.
pub fn configured_region(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let from_env = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    let region = match from_env {
        Some(r) => r,
        None => {
            let profile = env("AWS_PROFILE")
                .or_else(|| env("AWS_DEFAULT_PROFILE"))
                .unwrap_or_else(|| "default".to_string());
            let profile = profile.trim();
            let config = load(file_path(&env, "AWS_CONFIG_FILE", "config").as_deref()).ok()?;
            let section = config.get(&format!("profile {profile}")).or_else(|| {
                (profile == "default")
                    .then(|| config.get("default"))
                    .flatten()
            })?;
            section.get("region")?.clone()
        }
    };
    let region = region.trim().to_string();
    crate::is_region_form(&region).then_some(region)
}

fn file_path(env: &dyn Fn(&str) -> Option<String>, var: &str, name: &str) -> Option<PathBuf> {
    match env(var) {
        Some(p) => Some(expand_home(p.trim(), env)),
        None => home_dir(env).map(|h| h.join(".aws").join(name)),
    }
}

fn describe_search(credentials: &Option<PathBuf>, config: &Option<PathBuf>) -> String {
    let show = |p: &Option<PathBuf>, what: &str| match p {
        Some(p) => format!("{what} {}", p.display()),
        None => format!("no {what} (HOME is not set)"),
    };
    format!(
        "looked in {} and {}",
        show(credentials, "credentials file"),
        show(config, "config file")
    )
}

/// A missing file is simply empty (most users have only one of the two).
fn load(path: Option<&Path>) -> Result<HashMap<String, Section>, AuthError> {
    let Some(path) = path else {
        return Ok(HashMap::new());
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse_ini(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
        Err(e) => Err(AuthError::ProfileFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

/// The subset of the AWS ini dialect that matters for static keys: `[section]` headers
/// (inner whitespace collapsed so `[profile  x]` works), `key = value`, full-line `#`/`;`
/// comments, and indented nested settings (`s3 =` followed by indented lines), which are
/// skipped. Keys are lower-cased; repeated sections merge, later values winning.
fn parse_ini(text: &str) -> HashMap<String, Section> {
    let mut sections: HashMap<String, Section> = HashMap::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            // Continuation of a nested setting: not a top-level key.
            continue;
        }
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = inner.split_whitespace().collect::<Vec<_>>().join(" ");
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(section), Some((key, value))) = (&current, line.split_once('=')) else {
            continue;
        };
        let value = value.trim();
        if let Some(s) = sections.get_mut(section) {
            if !value.is_empty() {
                s.insert(key.trim().to_ascii_lowercase(), value.to_string());
            }
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::parse_ini;

    #[test]
    fn parses_sections_comments_and_nested_settings() {
        let ini = "# comment\n[default]\naws_access_key_id = AKID\n; other\n\
                   [profile   dev]\nregion=us-west-2\ns3 =\n  max_concurrent_requests = 20\n\
                   AWS_Secret_Access_Key = S\n[default]\naws_session_token = T\n";
        let s = parse_ini(ini);
        assert_eq!(s["default"]["aws_access_key_id"], "AKID");
        assert_eq!(s["default"]["aws_session_token"], "T");
        assert_eq!(s["profile dev"]["region"], "us-west-2");
        assert_eq!(s["profile dev"]["aws_secret_access_key"], "S");
        assert!(!s["profile dev"].contains_key("max_concurrent_requests"));
        assert!(!s["profile dev"].contains_key("s3"));
    }
}
