//! Credential resolution: environment, `--auth` JSON, shared profile files, unsupported
//! profile kinds, error wording, and redaction. The environment is always injected.

mod common;

use common::TempDir;
use serde_json::json;
use stackql_aws_auth::{resolve_credentials, AuthError, Credentials};
use std::collections::HashMap;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn resolve(
    auth: Option<serde_json::Value>,
    pairs: &[(&str, &str)],
) -> Result<Credentials, AuthError> {
    resolve_credentials(auth.as_ref(), &env(pairs))
}

fn ok(c: &Credentials, akid: &str, secret: &str, token: Option<&str>) {
    assert_eq!(c.access_key_id, akid);
    assert_eq!(c.secret_access_key(), secret);
    assert_eq!(c.session_token(), token);
}

#[test]
fn standard_environment_variables() {
    let c = resolve(
        None,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
        ],
    )
    .unwrap();
    ok(&c, "AKIDEXAMPLE", SECRET, Some(TOKEN));

    let c = resolve(
        None,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", ""),
        ],
    )
    .unwrap();
    ok(&c, "AKIDEXAMPLE", SECRET, None);
}

#[test]
fn half_a_key_pair_names_the_missing_variable() {
    let err = resolve(None, &[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("environment variable AWS_SECRET_ACCESS_KEY is not set"),
        "{msg}"
    );
    let err = resolve(None, &[("AWS_SECRET_ACCESS_KEY", SECRET)]).unwrap_err();
    assert!(
        err.to_string().contains("AWS_ACCESS_KEY_ID is not set"),
        "{err}"
    );
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn nothing_configured_says_how_to_fix_it() {
    let home = TempDir::new();
    let err = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap_err();
    assert!(matches!(err, AuthError::NoCredentials { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ),
        "{msg}"
    );
    assert!(msg.contains("--auth"), "{msg}");
    assert!(msg.contains(".aws/credentials"), "{msg}");

    // No HOME at all: still a clear message, not a panic.
    let err = resolve(None, &[]).unwrap_err();
    assert!(err.to_string().contains("HOME is not set"), "{err}");
}

#[test]
fn auth_json_with_custom_variable_names() {
    let auth = json!({"type": "aws_signing_v4", "keyIDenvvar": "MY_KEY", "credentialsenvvar": "MY_SECRET"});
    let c = resolve(
        Some(auth.clone()),
        &[
            ("MY_KEY", "AKIDCUSTOM"),
            ("MY_SECRET", SECRET),
            ("AWS_ACCESS_KEY_ID", "AKIDSTANDARD"),
            ("AWS_SECRET_ACCESS_KEY", "standard-secret"),
            ("AWS_SESSION_TOKEN", TOKEN),
        ],
    )
    .unwrap();
    ok(&c, "AKIDCUSTOM", SECRET, Some(TOKEN));

    let err = resolve(Some(auth), &[("MY_KEY", "AKIDCUSTOM")]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("environment variable MY_SECRET is not set"),
        "{msg}"
    );
    assert!(
        msg.contains("named by credentialsenvvar in --auth"),
        "{msg}"
    );
}

#[test]
fn auth_json_keys_are_case_insensitive_and_token_var_can_be_named() {
    let auth = json!({"Type": "AWS_SIGNING_V4", "keyidenvvar": "K", "CredentialsEnvVar": "S", "sessionTokenEnvVar": "T"});
    let c = resolve(
        Some(auth.clone()),
        &[("K", "AKID"), ("S", SECRET), ("T", TOKEN)],
    )
    .unwrap();
    ok(&c, "AKID", SECRET, Some(TOKEN));
    // Named explicitly, so its absence is reported rather than silently ignored.
    let err = resolve(Some(auth), &[("K", "AKID"), ("S", SECRET)]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("environment variable T is not set"),
        "{err}"
    );
}

#[test]
fn auth_json_with_a_secret_file() {
    let dir = TempDir::new();
    let path = dir.write("secret", &format!("{SECRET}\n"));
    let auth = json!({"type": "aws_signing_v4", "keyIDenvvar": "K", "credentialsfilepath": path});
    let c = resolve(Some(auth), &[("K", "AKIDFILE")]).unwrap();
    ok(&c, "AKIDFILE", SECRET, None);

    // `~` expands through the injected HOME.
    let auth = json!({"keyID": "AKIDINLINE", "credentialsfilepath": "~/secret"});
    let c = resolve(Some(auth), &[("HOME", dir.path().to_str().unwrap())]).unwrap();
    ok(&c, "AKIDINLINE", SECRET, None);
}

#[test]
fn bad_secret_files_are_reported_without_their_content() {
    let dir = TempDir::new();
    let path = dir.write(
        "creds",
        &format!("[default]\naws_secret_access_key = {SECRET}\n"),
    );
    let auth = json!({"keyIDenvvar": "K", "credentialsfilepath": path});
    let err = resolve(Some(auth), &[("K", "AKID")]).unwrap_err();
    assert!(matches!(err, AuthError::SecretFile { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("must hold only the secret access key"),
        "{err}"
    );
    assert!(!err.to_string().contains(SECRET) && !format!("{err:?}").contains(SECRET));

    let auth = json!({"keyIDenvvar": "K", "credentialsfilepath": dir.path().join("nope")});
    let err = resolve(Some(auth), &[("K", "AKID")]).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn invalid_auth_entries() {
    let err = resolve(Some(json!({"type": "service_account"})), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid --auth entry for AWS: type \"service_account\" is not supported for AWS; use \"aws_signing_v4\""
    );
    let err = resolve(Some(json!("AKID")), &[]).unwrap_err();
    assert!(matches!(err, AuthError::InvalidAuth(_)), "{err:?}");
    assert!(err.to_string().contains("expected a JSON object"), "{err}");
    let err = resolve(Some(json!({"keyIDenvvar": 7})), &[]).unwrap_err();
    assert!(
        err.to_string().contains("\"keyIDenvvar\" must be a string"),
        "{err}"
    );
}

#[test]
fn auth_naming_only_the_standard_variables_falls_back_to_profiles() {
    // This is the registry's default auth block: it must not disable ~/.aws/credentials.
    let home = TempDir::new();
    home.write(
        ".aws/credentials",
        &format!("[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = {SECRET}\n"),
    );
    let auth = json!({"type": "aws_signing_v4", "credentialsenvvar": "AWS_SECRET_ACCESS_KEY", "keyIDenvvar": "AWS_ACCESS_KEY_ID"});
    let c = resolve(Some(auth), &[("HOME", home.path().to_str().unwrap())]).unwrap();
    ok(&c, "AKIDPROFILE", SECRET, None);
}

#[test]
fn default_profile_from_home() {
    let home = TempDir::new();
    home.write(
        ".aws/credentials",
        &format!(
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\n[other]\naws_access_key_id = X\naws_secret_access_key = Y\n"
        ),
    );
    let c = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap();
    ok(&c, "AKIDDEFAULT", SECRET, Some(TOKEN));
}

#[test]
fn environment_wins_over_profiles() {
    let home = TempDir::new();
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    );
    let c = resolve(
        None,
        &[
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    )
    .unwrap();
    ok(&c, "AKIDENV", SECRET, None);
}

#[test]
fn named_profile_from_config_file_and_explicit_paths() {
    let dir = TempDir::new();
    let config = dir.write(
        "my-config",
        &format!(
            "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n\
             aws_access_key_id = AKIDDEV\naws_secret_access_key = {SECRET}\n"
        ),
    );
    let c = resolve(
        None,
        &[
            ("AWS_PROFILE", "dev"),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("absent").to_str().unwrap(),
            ),
        ],
    )
    .unwrap();
    ok(&c, "AKIDDEV", SECRET, None);

    // The credentials file overrides the config file for the same profile.
    let creds = dir.write(
        "my-credentials",
        "[dev]\naws_secret_access_key = overridden\n",
    );
    let c = resolve(
        None,
        &[
            ("AWS_PROFILE", "dev"),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
        ],
    )
    .unwrap();
    ok(&c, "AKIDDEV", "overridden", None);
}

#[test]
fn unknown_profile_is_named() {
    let home = TempDir::new();
    home.write(".aws/config", "[profile dev]\nregion = us-east-1\n");
    let err = resolve(
        None,
        &[
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_PROFILE", "prod"),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, AuthError::ProfileNotFound { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("AWS profile 'prod' (from AWS_PROFILE) was not found"),
        "{msg}"
    );
    assert!(msg.contains(".aws/config"), "{msg}");
}

#[test]
fn profile_without_keys_is_no_credentials() {
    let home = TempDir::new();
    home.write(".aws/config", "[default]\nregion = us-east-1\n");
    let err = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap_err();
    assert!(matches!(err, AuthError::NoCredentials { .. }), "{err:?}");
    assert!(err.to_string().contains("the profile has no keys"), "{err}");
}

#[test]
fn incomplete_profile_names_the_missing_key() {
    let home = TempDir::new();
    home.write(".aws/credentials", "[default]\naws_access_key_id = AKID\n");
    let err = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap_err();
    assert_eq!(
        err.to_string().split(';').next().unwrap(),
        "AWS profile 'default' sets aws_access_key_id but not aws_secret_access_key"
    );
}

#[test]
fn unsupported_profile_kinds_say_so_and_how_to_work_around() {
    let cases = [
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
            "role_arn (assume role)",
        ),
        (
            "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            "AWS IAM Identity Center (sso_session)",
        ),
        (
            "sso_start_url = https://corp.awsapps.com/start\n",
            "AWS IAM Identity Center (sso_start_url)",
        ),
        (
            "credential_process = /usr/bin/get-creds\n",
            "credential_process",
        ),
        (
            "web_identity_token_file = /tmp/token\nrole_arn = arn:aws:iam::1:role/r\n",
            "role_arn (assume role)",
        ),
    ];
    for (body, kind) in cases {
        let home = TempDir::new();
        home.write(".aws/config", &format!("[profile work]\n{body}"));
        let err = resolve(
            None,
            &[
                ("HOME", home.path().to_str().unwrap()),
                ("AWS_PROFILE", "work"),
            ],
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "AWS profile 'work' uses {kind}, which is not supported yet: export"
            )),
            "{msg}"
        );
        assert!(
            msg.contains("aws configure export-credentials --profile work"),
            "{msg}"
        );
    }
    // role_arn wins over static keys, as in the AWS SDKs.
    let home = TempDir::new();
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = A\naws_secret_access_key = S\nrole_arn = arn:aws:iam::1:role/r\n",
    );
    let err = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap_err();
    assert!(matches!(
        err,
        AuthError::UnsupportedProfile {
            kind: "role_arn (assume role)",
            ..
        }
    ));
    // credential_process next to static keys: the static keys are usable.
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = A\naws_secret_access_key = S\ncredential_process = x\n",
    );
    let c = resolve(None, &[("HOME", home.path().to_str().unwrap())]).unwrap();
    ok(&c, "A", "S", None);
}

#[test]
fn debug_redacts_secret_and_token() {
    let c = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.to_string()));
    let debug = format!("{c:?}");
    assert!(debug.contains("AKIDEXAMPLE"), "{debug}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
    assert_eq!(
        debug,
        "Credentials { access_key_id: \"AKIDEXAMPLE\", secret_access_key: \"** redacted **\", session_token: Some(\"** redacted **\") }"
    );
    let pretty = format!("{:#?}", Some(c.clone()));
    assert!(
        !pretty.contains(SECRET) && !pretty.contains(TOKEN),
        "{pretty}"
    );
    let no_token = format!("{:?}", Credentials::new("A", SECRET, None));
    assert!(no_token.contains("session_token: None"), "{no_token}");
}
