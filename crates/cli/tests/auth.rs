//! The auth seam end to end (issue 10): provider.yaml's `config.auth` and `--auth` choose
//! basic, bearer, api_key, custom or no authentication for a small provider of our own
//! served by a loopback server that records headers; an unsupported type sends nothing.
//! AWS credentials come from the standard chain: a profile's `role_arn` + `source_profile`
//! and web identity through STS AssumeRole* on `moto_server` (the signature is checked
//! with the secret moto issued), `credential_process`, container credentials, SSO and
//! instance metadata (IMDSv2, alone and as a role profile's `credential_source`, with STS
//! behind a recording proxy) from loopback fixtures. Every environment is the test's own
//! (no ~/.aws).

mod common;
mod loopback;

use common::*;
use loopback::{json, Loopback, Recorded, Reply};
use serde_json::Value;
use stackql_testkit::{aws_registry, start_moto};
use std::path::Path;
use std::time::SystemTime;

const DEMO_PROVIDER: &str = "id: demo
name: demo
version: v00.00.00000
providerServices:
  things:
    id: things:v00.00.00000
    name: things
    preferred: true
    service:
      $ref: demo/v00.00.00000/services/things.yaml
    title: things API
    version: v00.00.00000
    description: test things
AUTH
";

const DEMO_THINGS: &str = "openapi: 3.0.0
info:
  title: things
  version: v1
servers:
  - url: SERVER_URL
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: flavour
          in: query
          schema:
            type: string
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ItemList'
components:
  schemas:
    Item:
      type: object
      properties:
        id:
          type: string
    ItemList:
      type: object
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/Item'
  x-stackQL-resources:
    items:
      id: demo.things.items
      name: items
      title: items
      methods:
        list:
          operation:
            $ref: '#/paths/~1items/get'
          response:
            mediaType: application/json
            openAPIDocKey: '200'
            objectKey: $.items
      sqlVerbs:
        select:
          - $ref: '#/components/x-stackQL-resources/items/methods/list'
        insert: []
        update: []
        delete: []
";

/// A registry root holding only `demo`, served at `url`, with `auth` as its provider.yaml
/// `config` block (YAML, or "" for none).
fn demo_registry(url: &str, auth: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let version = dir.path().join("src/demo/v00.00.00000");
    std::fs::create_dir_all(version.join("services")).unwrap();
    std::fs::write(
        version.join("provider.yaml"),
        DEMO_PROVIDER.replace("AUTH", auth),
    )
    .unwrap();
    std::fs::write(
        version.join("services/things.yaml"),
        DEMO_THINGS.replace("SERVER_URL", url),
    )
    .unwrap();
    dir
}

fn items(_: &Recorded, _: usize) -> Reply {
    json(200, r#"{"items": [{"id": "a"}]}"#)
}

const DEMO_SELECT: &str = "SELECT id FROM demo.things.items WHERE flavour = 'x'";

/// Runs the demo SELECT with `config` as provider.yaml's config block, `flag` as `--auth`
/// (if any) and `env`; returns the run and what the server received.
fn demo_call(config: &str, flag: Option<&str>, env: &[(&str, &str)]) -> (Run, Vec<Recorded>) {
    let server = Loopback::start(items);
    let reg = demo_registry(&server.url(), config);
    let auth_arg = flag.map(|f| format!("--auth={f}"));
    let mut args = vec!["exec", "-o", "json"];
    if let Some(a) = &auth_arg {
        args.push(a);
    }
    args.push(DEMO_SELECT);
    // The AWS test keys are in the environment too: they must never reach this provider.
    let (key, secret) = stackql_testkit::test_credentials();
    let mut all = vec![
        ("AWS_ACCESS_KEY_ID", key),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ];
    all.extend_from_slice(env);
    let run = stackql_with_env(reg.path(), None, &args, &all);
    (run, server.requests())
}

fn authorization(config: &str, flag: Option<&str>, env: &[(&str, &str)]) -> Option<String> {
    let (run, requests) = demo_call(config, flag, env);
    let run = run.ok();
    assert_eq!(run.json(), serde_json::json!([{"id": "a"}]));
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests[0].header("authorization").map(str::to_string)
}

#[test]
fn basic_auth_from_username_and_password_variables() {
    // StackQL's github provider.yaml says exactly this.
    let config =
        "config:\n  auth:\n    type: basic\n    username_var: GH_USER\n    password_var: GH_PASS\n";
    let got = authorization(config, None, &[("GH_USER", "octo"), ("GH_PASS", "s3cret")]);
    // base64("octo:s3cret")
    assert_eq!(got.as_deref(), Some("Basic b2N0bzpzM2NyZXQ="));
}

#[test]
fn basic_auth_from_credentialsenvvar_encoded_or_plain() {
    let config = "config:\n  auth:\n    type: basic\n    credentialsenvvar: CREDS\n";
    for value in ["b2N0bzpzM2NyZXQ=", "octo:s3cret"] {
        let got = authorization(config, None, &[("CREDS", value)]);
        assert_eq!(got.as_deref(), Some("Basic b2N0bzpzM2NyZXQ="), "{value}");
    }
}

#[test]
fn bearer_api_key_and_custom_follow_stackql() {
    let bearer = "config:\n  auth:\n    type: bearer\n    credentialsenvvar: TOKEN\n";
    assert_eq!(
        authorization(bearer, None, &[("TOKEN", "tok-1")]).as_deref(),
        Some("Bearer tok-1")
    );
    let api_key = "config:\n  auth:\n    type: api_key\n    credentialsenvvar: KEY\n";
    assert_eq!(
        authorization(api_key, None, &[("KEY", "k-2")]).as_deref(),
        Some("api_key k-2")
    );
    let prefixed = "config:\n  auth:\n    type: api_key\n    valuePrefix: 'Token '\n    credentialsenvvar: KEY\n";
    assert_eq!(
        authorization(prefixed, None, &[("KEY", "k-2")]).as_deref(),
        Some("Token k-2")
    );

    // custom: the token as is, in the named header or query parameter.
    let header = "config:\n  auth:\n    type: custom\n    location: header\n    name: X-Api-Key\n    credentialsenvvar: KEY\n";
    let (run, requests) = demo_call(header, None, &[("KEY", "k-3")]);
    run.ok();
    assert_eq!(requests[0].header("x-api-key"), Some("k-3"));
    assert_eq!(requests[0].header("authorization"), None);
    let query = "config:\n  auth:\n    type: custom\n    location: query\n    name: key\n    credentialsenvvar: KEY\n";
    let (run, requests) = demo_call(query, None, &[("KEY", "k 4")]);
    run.ok();
    assert_eq!(requests[0].target, "/items?flavour=x&key=k+4");
    assert_eq!(requests[0].header("authorization"), None);
}

#[test]
fn the_auth_flag_replaces_the_provider_config() {
    let config = "config:\n  auth:\n    type: bearer\n    credentialsenvvar: TOKEN\n";
    let flag =
        r#"{"demo": {"type": "api_key", "credentialsenvvar": "KEY", "valuePrefix": "Key "}}"#;
    let got = authorization(config, Some(flag), &[("TOKEN", "tok"), ("KEY", "k-5")]);
    assert_eq!(got.as_deref(), Some("Key k-5"));
    // An entry without a type keeps the provider's type with its own fields.
    let flag = r#"{"demo": {"credentialsenvvar": "OTHER"}}"#;
    let got = authorization(config, Some(flag), &[("TOKEN", "tok"), ("OTHER", "tok-6")]);
    assert_eq!(got.as_deref(), Some("Bearer tok-6"));
}

#[test]
fn no_auth_sends_no_credentials_not_even_aws_ones() {
    for config in ["", "config:\n  auth:\n    type: null_auth\n"] {
        assert_eq!(authorization(config, None, &[]), None, "{config:?}");
    }
}

#[test]
fn unsupported_types_and_missing_credentials_send_nothing() {
    let cases = [
        (
            "config:\n  auth:\n    type: oauth2\n    client_id_env_var: ID\n",
            None,
            "provider 'demo' uses auth type \"oauth2\", which is not supported",
        ),
        (
            "config:\n  auth:\n    type: bearer\n    credentialsenvvar: TOKEN\n",
            Some(r#"{"demo": {"type": "service_account", "credentialsfilepath": "/x"}}"#),
            "provider 'demo' uses auth type \"service_account\", which is not supported",
        ),
        (
            "config:\n  auth:\n    type: bearer\n    credentialsenvvar: UNSET_TOKEN\n",
            None,
            "environment variable UNSET_TOKEN is not set (named by credentialsenvvar in the \
             bearer authentication of provider 'demo')",
        ),
    ];
    for (config, flag, message) in cases {
        let (run, requests) = demo_call(config, flag, &[]);
        assert_ne!(run.code, 0, "{config}: {}", run.stdout);
        assert!(run.stderr.contains(message), "{config}: {}", run.stderr);
        assert!(requests.is_empty(), "{config}: sent {requests:?}");
    }
}

// ---- AWS: the credential chain, observed through the signature of a Cloud Control call.

const AWS_SELECT: &str = "SELECT region FROM aws.sagemaker.images WHERE region = 'us-east-1'";

fn list_resources(_: &Recorded, _: usize) -> Reply {
    json(200, r#"{"ResourceDescriptions": []}"#)
}

/// Runs the AWS SELECT against a recording Cloud Control with `env` (and no AWS keys in
/// the environment); returns the run and the recorded calls.
fn aws_call(env: &[(&str, &str)]) -> (Run, Vec<Recorded>) {
    let reg = aws_registry();
    let cloud_control = Loopback::start(list_resources);
    let mut all = vec![("AWS_EC2_METADATA_DISABLED", "true")];
    all.extend_from_slice(env);
    let run = stackql_with_env(
        reg.root(),
        Some(&cloud_control.url()),
        &["exec", "-o", "json", AWS_SELECT],
        &all,
    );
    (run, cloud_control.requests())
}

/// The access key id of a SigV4 Authorization header (`Credential=AKID/...`).
fn signed_key(r: &Recorded) -> String {
    let auth = r.header("authorization").expect("signed");
    auth.split("Credential=")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a SigV4 Authorization header")
        .to_string()
}

/// Checks the recorded request's signature with `secret`, as AWS would.
fn assert_signed_with(r: &Recorded, akid: &str, secret: &str) {
    let mut builder = http::Request::builder()
        .method(r.method.as_str())
        .uri(r.target.as_str());
    for (k, v) in &r.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let (parts, ()) = builder.body(()).unwrap().into_parts();
    let akid = akid.to_string();
    let secret = secret.to_string();
    stackql_aws_auth::verify(
        &parts,
        &r.body,
        &move |k| (k == akid).then(|| secret.clone()),
        SystemTime::now(),
    )
    .unwrap_or_else(|e| panic!("the signature does not verify: {e}"));
}

/// The AssumedRole record moto keeps for the key a request was signed with.
fn assumed_role_for(moto_data: &str, akid: &str) -> Value {
    let data: Value = serde_json::from_str(moto_data).expect("moto's data.json");
    data["sts"]["AssumedRole"]
        .as_array()
        .and_then(|roles| roles.iter().find(|r| r["access_key_id"] == akid))
        .cloned()
        .unwrap_or_else(|| panic!("moto issued no key {akid}: {data}"))
}

#[test]
fn a_profile_with_role_arn_and_source_profile_signs_with_the_assumed_role() {
    let moto = start_moto();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile base]\naws_access_key_id = AKIDBASEEXAMPLE\naws_secret_access_key = base-secret\n\
         [profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n\
         role_session_name = stackql-test\n",
    )
    .unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_PROFILE", "deploy"),
        ("AWS_ENDPOINT_URL_STS", &moto.url),
    ]);
    run.ok();
    assert_eq!(requests.len(), 1);
    let akid = signed_key(&requests[0]);
    assert_ne!(
        akid, "AKIDBASEEXAMPLE",
        "signed with the source profile's keys"
    );
    let role = assumed_role_for(&moto.data(), &akid);
    assert_eq!(role["role_arn"], "arn:aws:iam::123456789012:role/deployer");
    assert_eq!(role["session_name"], "stackql-test");
    assert_eq!(
        requests[0].header("x-amz-security-token"),
        role["session_token"].as_str()
    );
    assert_signed_with(
        &requests[0],
        &akid,
        role["secret_access_key"].as_str().unwrap(),
    );
}

#[test]
fn web_identity_signs_with_the_role_from_assume_role_with_web_identity() {
    let moto = start_moto();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl").unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", dir.path().to_str().unwrap()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/eks-pod"),
        ("AWS_ROLE_SESSION_NAME", "pod-session"),
        ("AWS_ENDPOINT_URL_STS", &moto.url),
    ]);
    run.ok();
    let akid = signed_key(&requests[0]);
    let role = assumed_role_for(&moto.data(), &akid);
    assert_eq!(role["role_arn"], "arn:aws:iam::123456789012:role/eks-pod");
    assert_signed_with(
        &requests[0],
        &akid,
        role["secret_access_key"].as_str().unwrap(),
    );
}

#[test]
fn credential_process_output_signs_the_calls() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \
         \"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"process-token\", \
         \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    set_executable(&script);
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!("[default]\ncredential_process = {}\n", script.display()),
    )
    .unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", dir.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    run.ok();
    assert_eq!(signed_key(&requests[0]), "AKIDPROCESS");
    assert_eq!(
        requests[0].header("x-amz-security-token"),
        Some("process-token")
    );
    assert_signed_with(&requests[0], "AKIDPROCESS", "process-secret");
}

#[test]
fn container_credentials_from_the_full_uri() {
    let creds = Loopback::start(|r, _| {
        assert_eq!(r.header("authorization"), Some("container-auth"), "{r:?}");
        json(
            200,
            r#"{"AccessKeyId": "AKIDCONTAINER", "SecretAccessKey": "container-secret",
                "Token": "container-token", "Expiration": "2099-01-01T00:00:00Z"}"#,
        )
    });
    let uri = format!("{}/v2/credentials/task", creds.url());
    let dir = tempfile::tempdir().unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", dir.path().to_str().unwrap()),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth"),
    ]);
    run.ok();
    assert_eq!(creds.requests().len(), 1, "resolved once, then cached");
    assert_eq!(creds.requests()[0].target, "/v2/credentials/task");
    assert_eq!(signed_key(&requests[0]), "AKIDCONTAINER");
    assert_signed_with(&requests[0], "AKIDCONTAINER", "container-secret");
}

#[test]
fn sso_profile_with_a_cached_token_and_the_portal() {
    let portal = Loopback::start(|r, _| {
        assert_eq!(
            r.header("x-amz-sso_bearer_token"),
            Some("cached-sso-token"),
            "{r:?}"
        );
        json(
            200,
            r#"{"roleCredentials": {"accessKeyId": "AKIDSSO", "secretAccessKey": "sso-secret",
                "sessionToken": "sso-token", "expiration": 4070908800000}}"#,
        )
    });
    let home = tempfile::tempdir().unwrap();
    let start_url = "https://corp.awsapps.com/start";
    // The legacy SSO profile's token cache file is named by the SHA-1 of the start URL.
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(format!("{}.json", sha1_hex(start_url))),
        format!(
            r#"{{"accessToken": "cached-sso-token", "expiresAt": "2099-01-01T00:00:00Z",
                "region": "us-east-1", "startUrl": "{start_url}"}}"#
        ),
    )
    .unwrap();
    let config = home.path().join(".aws/config");
    std::fs::write(
        &config,
        format!(
            "[profile corp]\nsso_start_url = {start_url}\nsso_region = us-east-1\n\
             sso_account_id = 123456789012\nsso_role_name = ReadOnly\n"
        ),
    )
    .unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_PROFILE", "corp"),
        ("AWS_ENDPOINT_URL_SSO", &portal.url()),
    ]);
    run.ok();
    let asked = portal.requests();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].target.starts_with("/federation/credentials?")
            && asked[0].target.contains("role_name=ReadOnly")
            && asked[0].target.contains("account_id=123456789012"),
        "{}",
        asked[0].target
    );
    assert_eq!(signed_key(&requests[0]), "AKIDSSO");
    assert_signed_with(&requests[0], "AKIDSSO", "sso-secret");
}

#[test]
fn a_failing_chain_sends_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[default]\ncredential_process = /nonexistent/get-creds\n",
    )
    .unwrap();
    let (run, requests) = aws_call(&[
        ("HOME", dir.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("cannot get AWS credentials from AWS profile 'default' (credential_process)"),
        "{}",
        run.stderr
    );
    assert!(requests.is_empty(), "{requests:?}");
}

#[test]
fn a_missing_region_suggests_the_configured_one() {
    let reg = aws_registry();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile eu]\nregion = eu-west-3\n").unwrap();
    let run = stackql_with_env(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM aws.cloud_control.resources \
             WHERE data__TypeName = 'AWS::SageMaker::Image'",
        ],
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_PROFILE", "eu"),
        ],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("region = 'eu-west-3'"),
        "{}",
        run.stderr
    );
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// SHA-1 in hex, via the system's `sha1sum` (the SSO cache's file naming).
fn sha1_hex(text: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha1sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha1sum (coreutils) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..40].to_string()
}

// ---- Instance metadata (IMDSv2), observed through a fake metadata service on loopback.

const IMDS_TOKEN: &str = "imds-session-token";
const IMDS_ROLE: &str = "stackql-instance-role";

/// A fake EC2 instance metadata service: a session token for `PUT /latest/api/token`, then,
/// for requests carrying it, the instance role's name and its temporary keys.
fn fake_imds() -> Loopback {
    Loopback::start(|r, _| {
        let text = |status: u16, body: &str| Reply::Answer(status, vec![], body.to_string());
        if r.method == "PUT" && r.target == "/latest/api/token" {
            return Reply::Answer(
                200,
                vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())],
                IMDS_TOKEN.to_string(),
            );
        }
        if r.header("x-aws-ec2-metadata-token") != Some(IMDS_TOKEN) {
            return text(401, "");
        }
        match (r.method.as_str(), r.target.as_str()) {
            ("GET", "/latest/meta-data/iam/security-credentials/") => text(200, IMDS_ROLE),
            ("GET", path)
                if path == format!("/latest/meta-data/iam/security-credentials/{IMDS_ROLE}") =>
            {
                text(
                    200,
                    r#"{"Code": "Success", "LastUpdated": "2026-01-01T00:00:00Z", "Type": "AWS-HMAC",
                        "AccessKeyId": "AKIDINSTANCE", "SecretAccessKey": "instance-secret",
                        "Token": "instance-token", "Expiration": "2099-01-01T00:00:00Z"}"#,
                )
            }
            _ => text(404, ""),
        }
    })
}

/// The environment that lets the chain reach `imds` (the other tests turn it off).
fn imds_env(imds: &Loopback) -> [(&'static str, String); 2] {
    [
        ("AWS_EC2_METADATA_DISABLED", "false".to_string()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
    ]
}

/// Checks the metadata service was asked as IMDSv2 clients do: a token first, then the
/// role's name and its keys, both with the token (the fake refuses them without it).
fn assert_imds_v2_conversation(imds: &Loopback) {
    let asked: Vec<(String, String)> = imds
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    assert_eq!(
        asked.first(),
        Some(&("PUT".to_string(), "/latest/api/token".to_string())),
        "{asked:?}"
    );
    for path in [
        "/latest/meta-data/iam/security-credentials/".to_string(),
        format!("/latest/meta-data/iam/security-credentials/{IMDS_ROLE}"),
    ] {
        assert!(
            asked.contains(&("GET".to_string(), path.clone())),
            "{path} not asked: {asked:?}"
        );
    }
}

#[test]
fn instance_metadata_keys_sign_the_calls() {
    let imds = fake_imds();
    let home = tempfile::tempdir().unwrap();
    let [disabled, endpoint] = imds_env(&imds);
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        (disabled.0, &disabled.1),
        (endpoint.0, &endpoint.1),
    ]);
    run.ok();
    assert_imds_v2_conversation(&imds);
    assert_eq!(requests.len(), 1);
    assert_eq!(signed_key(&requests[0]), "AKIDINSTANCE");
    assert_eq!(
        requests[0].header("x-amz-security-token"),
        Some("instance-token")
    );
    assert_signed_with(&requests[0], "AKIDINSTANCE", "instance-secret");
}

/// A recording proxy in front of moto: each request is recorded, sent on to moto as is and
/// moto's answer returned, so a test can check how the request to moto was signed.
fn recording_proxy(moto_port: u16) -> Loopback {
    Loopback::start(move |r, _| {
        use std::io::{Read, Write};
        let mut to_moto =
            std::net::TcpStream::connect(("127.0.0.1", moto_port)).expect("moto answers");
        let mut head = format!("{} {} HTTP/1.0\r\n", r.method, r.target);
        for (k, v) in &r.headers {
            if !k.eq_ignore_ascii_case("connection") {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("Connection: close\r\n\r\n");
        to_moto.write_all(head.as_bytes()).unwrap();
        to_moto.write_all(&r.body).unwrap();
        let mut answer = String::new();
        to_moto.read_to_string(&mut answer).unwrap();
        let (status_and_headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = status_and_headers
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(502);
        Reply::Answer(
            status,
            vec![("Content-Type", "text/xml".into())],
            body.to_string(),
        )
    })
}

#[test]
fn a_role_profile_with_credential_source_ec2_instance_metadata_assumes_the_role_with_its_keys() {
    let moto = start_moto();
    let sts = recording_proxy(moto.port);
    let imds = fake_imds();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile on-ec2]\nrole_arn = arn:aws:iam::123456789012:role/from-instance\n\
         credential_source = Ec2InstanceMetadata\nrole_session_name = on-ec2-session\n",
    )
    .unwrap();
    let [disabled, endpoint] = imds_env(&imds);
    let sts_url = sts.url();
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_PROFILE", "on-ec2"),
        ("AWS_ENDPOINT_URL_STS", &sts_url),
        (disabled.0, &disabled.1),
        (endpoint.0, &endpoint.1),
    ]);
    run.ok();
    assert_imds_v2_conversation(&imds);
    // STS was asked to assume the role with the instance's keys...
    let assume: Vec<Recorded> = sts.requests();
    assert_eq!(assume.len(), 1, "{assume:?}");
    assert!(
        String::from_utf8_lossy(&assume[0].body).contains("Action=AssumeRole"),
        "{assume:?}"
    );
    assert_eq!(signed_key(&assume[0]), "AKIDINSTANCE");
    assert_eq!(
        assume[0].header("x-amz-security-token"),
        Some("instance-token")
    );
    assert_signed_with(&assume[0], "AKIDINSTANCE", "instance-secret");
    // ...and the call is signed with the keys moto issued for that role.
    let akid = signed_key(&requests[0]);
    let role = assumed_role_for(&moto.data(), &akid);
    assert_eq!(
        role["role_arn"],
        "arn:aws:iam::123456789012:role/from-instance"
    );
    assert_eq!(role["session_name"], "on-ec2-session");
    assert_signed_with(
        &requests[0],
        &akid,
        role["secret_access_key"].as_str().unwrap(),
    );
}

/// `credential_source = Environment` names the environment's keys as the role's source, but
/// environment keys come before any profile in the standard chain (aws-config's and
/// botocore's alike, when the profile is chosen by `AWS_PROFILE`; StackQL has no other way
/// to choose one): the calls are signed with those keys and STS is never asked.
#[test]
fn environment_keys_come_before_a_role_profile_with_credential_source_environment() {
    let moto = start_moto();
    let sts = recording_proxy(moto.port);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile from-env]\nrole_arn = arn:aws:iam::123456789012:role/from-env\n\
         credential_source = Environment\n",
    )
    .unwrap();
    let sts_url = sts.url();
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_PROFILE", "from-env"),
        ("AWS_ACCESS_KEY_ID", "AKIDFROMENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_ENDPOINT_URL_STS", &sts_url),
    ]);
    run.ok();
    assert!(sts.requests().is_empty(), "{:?}", sts.requests());
    assert_signed_with(&requests[0], "AKIDFROMENV", "env-secret");
    // Without environment keys the profile is used, and its source has none to give.
    let (run, requests) = aws_call(&[
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_PROFILE", "from-env"),
        ("AWS_ENDPOINT_URL_STS", &sts_url),
    ]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("AWS profile 'from-env'"),
        "{}",
        run.stderr
    );
    assert!(requests.is_empty() && sts.requests().is_empty());
}
