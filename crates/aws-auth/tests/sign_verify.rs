//! `sign` and `verify` on realistic Cloud Control requests: round trips, header handling,
//! AWS error wording, and that signatures never leak through Debug/Display.

use stackql_aws_auth::{parse_amz_date, sign, verify, AuthError, Credentials, VerifyError};
use std::time::{Duration, SystemTime};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

fn t0() -> SystemTime {
    parse_amz_date("20150830T123600Z").unwrap()
}

fn creds(token: bool) -> Credentials {
    Credentials::new("AKIDEXAMPLE", SECRET, token.then(|| TOKEN.to_string()))
}

fn secret_for(akid: &str) -> Option<String> {
    (akid == "AKIDEXAMPLE").then(|| SECRET.to_string())
}

fn list_resources() -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method("POST")
        .uri("https://cloudcontrolapi.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "CloudApiService.ListResources")
        .header("user-agent", "stackql/0.1")
        .body(br#"{"TypeName":"AWS::SageMaker::Image"}"#.to_vec())
        .unwrap()
}

/// What the emulator sees: origin-form URI, same headers and body.
fn as_received(req: &http::Request<Vec<u8>>) -> (http::request::Parts, Vec<u8>) {
    let mut server = http::Request::builder()
        .method(req.method().clone())
        .uri(req.uri().path_and_query().unwrap().as_str())
        .body(req.body().clone())
        .unwrap();
    *server.headers_mut() = req.headers().clone();
    server.into_parts()
}

fn auth_header(req: &http::Request<Vec<u8>>) -> String {
    req.headers()["authorization"].to_str().unwrap().to_string()
}

fn signature_of(req: &http::Request<Vec<u8>>) -> String {
    auth_header(req)
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn cloud_control_request_round_trips_with_session_token() {
    let mut req = list_resources();
    sign(&mut req, &creds(true), "us-east-1", "cloudcontrolapi", t0()).unwrap();

    assert_eq!(
        req.headers()["host"],
        "cloudcontrolapi.us-east-1.amazonaws.com"
    );
    assert_eq!(req.headers()["x-amz-date"], "20150830T123600Z");
    assert_eq!(req.headers()["x-amz-security-token"], TOKEN);
    let auth = auth_header(&req);
    assert!(auth.starts_with(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cloudcontrolapi/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="
    ), "{auth}");

    let (parts, body) = as_received(&req);
    let ok = verify(&parts, &body, &secret_for, t0() + Duration::from_secs(60)).unwrap();
    assert_eq!(ok.access_key_id, "AKIDEXAMPLE");
    assert_eq!(ok.date, "20150830");
    assert_eq!(ok.region, "us-east-1");
    assert_eq!(ok.service, "cloudcontrolapi");
    assert_eq!(
        ok.signed_headers,
        [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target"
        ]
    );

    // A different session token is a different signed request.
    let (mut parts, body) = as_received(&req);
    parts
        .headers
        .insert("x-amz-security-token", "other".parse().unwrap());
    assert_eq!(
        verify(&parts, &body, &secret_for, t0()),
        Err(VerifyError::SignatureDoesNotMatch)
    );
}

#[test]
fn user_agent_is_not_signed_so_proxies_may_change_it() {
    let mut req = list_resources();
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    assert!(!auth_header(&req).contains("user-agent"));
    let (mut parts, body) = as_received(&req);
    parts
        .headers
        .insert("user-agent", "rewritten-by-proxy".parse().unwrap());
    assert!(verify(&parts, &body, &secret_for, t0()).is_ok());
}

#[test]
fn resigning_replaces_the_previous_signature() {
    let mut req = list_resources();
    sign(&mut req, &creds(true), "us-east-1", "cloudcontrolapi", t0()).unwrap();
    let later = t0() + Duration::from_secs(5);
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        later,
    )
    .unwrap();
    assert_eq!(req.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(req.headers()["x-amz-date"], "20150830T123605Z");
    assert!(req.headers().get("x-amz-security-token").is_none());
    let (parts, body) = as_received(&req);
    assert!(verify(&parts, &body, &secret_for, later).is_ok());
}

#[test]
fn host_is_added_from_the_uri_with_non_default_ports_only() {
    let mut req = http::Request::builder()
        .method("POST")
        .uri("http://127.0.0.1:4566/")
        .body(b"{}".to_vec())
        .unwrap();
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    assert_eq!(req.headers()["host"], "127.0.0.1:4566");
    let (parts, body) = as_received(&req);
    assert!(verify(&parts, &body, &secret_for, t0()).is_ok());

    let mut req = http::Request::builder()
        .uri("https://cloudcontrolapi.eu-west-1.amazonaws.com:443/")
        .body(Vec::new())
        .unwrap();
    sign(
        &mut req,
        &creds(false),
        "eu-west-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    assert_eq!(
        req.headers()["host"],
        "cloudcontrolapi.eu-west-1.amazonaws.com"
    );
}

#[test]
fn signing_without_any_host_is_an_error() {
    let mut req = http::Request::builder().uri("/").body(Vec::new()).unwrap();
    let err = sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap_err();
    assert!(matches!(err, AuthError::MissingHost { .. }), "{err:?}");
    assert!(err.to_string().contains("no Host header"), "{err}");
}

#[test]
fn signatures_and_tokens_do_not_leak_through_debug_or_errors() {
    let mut req = list_resources();
    sign(&mut req, &creds(true), "us-east-1", "cloudcontrolapi", t0()).unwrap();
    let sig = signature_of(&req);
    let debug = format!("{req:?}");
    assert!(!debug.contains(&sig), "{debug}");
    assert!(!debug.contains(TOKEN), "{debug}");

    let (parts, body) = as_received(&req);
    let wrong = |_: &str| Some("not-the-secret".to_string());
    let err = verify(&parts, &body, &wrong, t0()).unwrap_err();
    for text in [format!("{err:?}"), err.to_string(), err.message()] {
        assert!(!text.contains(&sig) && !text.contains(SECRET) && !text.contains(TOKEN));
    }
    // Malformed headers are described without echoing the header (AWS echoes it; we don't).
    let (mut parts, body) = as_received(&req);
    let auth = auth_header(&req).replace("SignedHeaders=", "Signedheaders=");
    parts.headers.insert("authorization", auth.parse().unwrap());
    let err = verify(&parts, &body, &secret_for, t0()).unwrap_err();
    assert!(!err.message().contains(&sig), "{}", err.message());
}

fn with_auth(auth: &str) -> http::request::Parts {
    let (mut parts, _) = http::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", "localhost")
        .header("x-amz-date", "20150830T123600Z")
        .body(())
        .unwrap()
        .into_parts();
    parts.headers.insert("authorization", auth.parse().unwrap());
    parts
}

const GOOD_PREFIX: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cloudcontrolapi/aws4_request";
const SIG: &str = "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

fn incomplete(parts: &http::request::Parts) -> String {
    match verify(parts, b"", &secret_for, t0()) {
        Err(e @ VerifyError::IncompleteSignature(_)) => {
            assert_eq!(e.aws_error_type(), "IncompleteSignatureException");
            assert_eq!(e.http_status(), 400);
            e.message()
        }
        other => panic!("expected IncompleteSignature, got {other:?}"),
    }
}

#[test]
fn missing_authorization_is_missing_authentication_token() {
    let (parts, _) = http::Request::builder()
        .uri("/")
        .header("host", "localhost")
        .body(())
        .unwrap()
        .into_parts();
    let err = verify(&parts, b"", &secret_for, t0()).unwrap_err();
    assert_eq!(err, VerifyError::MissingAuthentication);
    assert_eq!(err.aws_error_type(), "MissingAuthenticationTokenException");
    assert_eq!(err.http_status(), 403);
    assert_eq!(err.message(), "Missing Authentication Token");
}

#[test]
fn malformed_authorization_headers_are_incomplete_signatures() {
    let m = incomplete(&with_auth(&format!(
        "{GOOD_PREFIX}, SignedHeaders=host;x-amz-date"
    )));
    assert_eq!(m, "Authorization header requires 'Signature' parameter.");

    let m = incomplete(&with_auth("AWS4-HMAC-SHA256 Foo=bar"));
    assert!(m.contains("requires 'Credential' parameter."), "{m}");
    assert!(m.contains("requires 'Signature' parameter."), "{m}");
    assert!(m.contains("requires 'SignedHeaders' parameter."), "{m}");

    let m = incomplete(&with_auth("Bearer abc"));
    assert!(m.contains("Unsupported AWS 'algorithm': 'Bearer'"), "{m}");

    let m = incomplete(&with_auth(&format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host;x-amz-date, {SIG}"
    )));
    assert!(
        m.starts_with("Credential must have exactly 5 slash-delimited elements"),
        "{m}"
    );

    let m = incomplete(&with_auth(&format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/cloudcontrolapi/aws5_request, SignedHeaders=host;x-amz-date, {SIG}"
    )));
    assert_eq!(
        m,
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    );

    let m = incomplete(&with_auth(&format!(
        "{GOOD_PREFIX}, SignedHeaders=x-amz-date, {SIG}"
    )));
    assert_eq!(
        m,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );

    let mut parts = with_auth(&format!(
        "{GOOD_PREFIX}, SignedHeaders=host;x-amz-date, {SIG}"
    ));
    parts.headers.remove("x-amz-date");
    assert!(incomplete(&parts).contains("'X-Amz-Date'"));
    parts
        .headers
        .insert("x-amz-date", "2015-08-30T12:36:00Z".parse().unwrap());
    assert!(incomplete(&parts).contains("ISO-8601 basic format"));
}

#[test]
fn unknown_access_key_is_unrecognized_client() {
    let parts = with_auth(&format!(
        "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20150830/us-east-1/cloudcontrolapi/aws4_request, SignedHeaders=host;x-amz-date, {SIG}"
    ));
    let err = verify(&parts, b"", &secret_for, t0()).unwrap_err();
    assert_eq!(err, VerifyError::UnrecognizedClient);
    assert_eq!(err.aws_error_type(), "UnrecognizedClientException");
    assert_eq!(err.http_status(), 400);
    assert_eq!(
        err.message(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn wrong_signature_uses_aws_wording() {
    let parts = with_auth(&format!(
        "{GOOD_PREFIX}, SignedHeaders=host;x-amz-date, {SIG}"
    ));
    let err = verify(&parts, b"", &secret_for, t0()).unwrap_err();
    assert_eq!(err, VerifyError::SignatureDoesNotMatch);
    assert_eq!(err.aws_error_type(), "InvalidSignatureException");
    assert_eq!(err.http_status(), 400);
    assert_eq!(
        err.message(),
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service \
         documentation for details."
    );
}

#[test]
fn expiry_messages_match_aws() {
    let mut req = list_resources();
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    let (parts, body) = as_received(&req);

    let now = parse_amz_date("20150830T125600Z").unwrap();
    let err = verify(&parts, &body, &secret_for, now).unwrap_err();
    assert_eq!(
        err,
        VerifyError::SignatureExpired {
            signed: "20150830T123600Z".into(),
            now: "20150830T125600Z".into()
        }
    );
    assert_eq!(err.aws_error_type(), "InvalidSignatureException");
    assert_eq!(err.http_status(), 400);
    assert_eq!(
        err.message(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z \
         (20150830T125600Z - 15 min.)"
    );

    let now = parse_amz_date("20150830T121600Z").unwrap();
    let err = verify(&parts, &body, &secret_for, now).unwrap_err();
    assert_eq!(err.aws_error_type(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z \
         (20150830T121600Z + 15 min.)"
    );
}

#[test]
fn credential_scope_date_must_match_x_amz_date() {
    let mut req = list_resources();
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    let (mut parts, body) = as_received(&req);
    parts
        .headers
        .insert("x-amz-date", "20150831T000000Z".parse().unwrap());
    let err = verify(&parts, &body, &secret_for, t0()).unwrap_err();
    assert_eq!(err.aws_error_type(), "InvalidSignatureException");
    assert_eq!(
        err.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
         HTTP: '20150830' != '20150831', from '20150831T000000Z'."
    );
}

#[test]
fn unsigned_payload_marker_is_honoured_but_a_wrong_hash_is_not() {
    let mut req = list_resources();
    req.headers_mut()
        .insert("x-amz-content-sha256", "UNSIGNED-PAYLOAD".parse().unwrap());
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    let (parts, _) = as_received(&req);
    assert!(verify(&parts, b"any body at all", &secret_for, t0()).is_ok());

    let mut req = list_resources();
    let wrong = "0".repeat(64);
    req.headers_mut()
        .insert("x-amz-content-sha256", wrong.parse().unwrap());
    sign(
        &mut req,
        &creds(false),
        "us-east-1",
        "cloudcontrolapi",
        t0(),
    )
    .unwrap();
    let (parts, body) = as_received(&req);
    assert_eq!(
        verify(&parts, &body, &secret_for, t0()),
        Err(VerifyError::SignatureDoesNotMatch)
    );
}

#[test]
fn query_strings_are_signed() {
    let mut req = http::Request::builder()
        .method("GET")
        .uri("https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15")
        .body(Vec::new())
        .unwrap();
    sign(&mut req, &creds(false), "us-east-1", "ec2", t0()).unwrap();
    let (parts, body) = as_received(&req);
    assert!(verify(&parts, &body, &secret_for, t0()).is_ok());
    let (mut parts, body) = as_received(&req);
    parts.uri = "/?Action=DescribeInstances&Version=2016-11-15"
        .parse()
        .unwrap();
    assert_eq!(
        verify(&parts, &body, &secret_for, t0()),
        Err(VerifyError::SignatureDoesNotMatch)
    );
}
