//! A small hand-written awsJson1.0 client for driving the emulator over HTTP, and the path
//! of the registry snapshot the tests read.

#![allow(dead_code)] // Each test file uses a different part of this helper.

use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use serde_json::{json, Value};
use stackql_emulator::{EmulatorConfig, RunningEmulator};
use tokio::sync::Mutex;

/// `/work/shared/registry` in development, `<checkout>/../shared/registry` in CI: beside
/// the checkout either way. Missing it is a broken setup, not a reason to skip.
pub fn registry_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/registry");
    assert!(
        root.join("src/awscc/v00.00.00000/provider.yaml").is_file(),
        "registry snapshot not found at {} (expected shared/registry beside the checkout)",
        root.display()
    );
    root
}

/// The Cloud Control service model, beside the registry.
pub fn service_model() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/cloudcontrol-2021-09-30.service.json");
    assert!(p.is_file(), "service model not found at {}", p.display());
    p
}

/// A configuration over the real registry snapshot.
pub fn registry_config() -> EmulatorConfig {
    EmulatorConfig {
        registry_root: Some(registry_root()),
        ..EmulatorConfig::default()
    }
}

/// A temporary registry root holding only `providers` of the snapshot, symlinked (never
/// copied); it lives as long as the returned directory.
pub fn registry_with(providers: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    for p in providers {
        std::os::unix::fs::symlink(registry_root().join("src").join(p), src.join(p)).unwrap();
    }
    dir
}

pub const IMAGE: &str = "AWS::SageMaker::Image";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/sagemaker-role";

/// A response: status, headers (lowercase names) and the JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `__type` of an error reply.
    pub fn error_type(&self) -> &str {
        self.body["__type"].as_str().unwrap_or("")
    }

    pub fn event(&self) -> &Value {
        &self.body["ProgressEvent"]
    }

    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {:?}", self.body);
        self.body
    }

    /// Asserts an AWS error reply and returns its message.
    #[track_caller]
    pub fn err(&self, error_type: &str, status: u16) -> String {
        assert_eq!(
            self.error_type(),
            error_type,
            "unexpected reply {:?}",
            self.body
        );
        assert_eq!(self.status, status, "status of {error_type}");
        assert_eq!(self.header("x-amzn-errortype"), Some(error_type));
        assert!(self.header("x-amzn-requestid").is_some());
        self.body["Message"].as_str().unwrap_or("").to_string()
    }
}

/// One keep-alive connection to the emulator, signing as `access_key` in `region`.
pub struct Client {
    sender: Mutex<SendRequest<Full<Bytes>>>,
    pub region: String,
    pub access_key: String,
    pub secret: String,
}

impl Client {
    pub async fn connect(emulator: &RunningEmulator, region: &str) -> Client {
        Client::connect_as(
            emulator,
            region,
            stackql_emulator::DEFAULT_ACCESS_KEY_ID,
            stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
        )
        .await
    }

    pub async fn connect_as(
        emulator: &RunningEmulator,
        region: &str,
        access_key: &str,
        secret: &str,
    ) -> Client {
        Client::connect_to(emulator.addr(), region, access_key, secret).await
    }

    /// Connects to an emulator running anywhere (e.g. in another process).
    pub async fn connect_to(
        addr: std::net::SocketAddr,
        region: &str,
        access_key: &str,
        secret: &str,
    ) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        Client {
            sender: Mutex::new(sender),
            region: region.to_string(),
            access_key: access_key.to_string(),
            secret: secret.to_string(),
        }
    }

    /// Calls `CloudApiService.<operation>` with a JSON body.
    pub async fn call(&self, operation: &str, body: Value) -> Reply {
        let target = format!("CloudApiService.{operation}");
        self.raw(Some(&target), serde_json::to_vec(&body).unwrap(), true)
            .await
    }

    /// Sends a request with full control over target, body and signing.
    pub async fn raw(&self, target: Option<&str>, body: Vec<u8>, sign: bool) -> Reply {
        let access_key = self.access_key.clone();
        let secret = self.secret.clone();
        let region = self.region.clone();
        self.custom(target, body, move |req| {
            if sign {
                sign_request(req, &access_key, &secret, &region);
            }
        })
        .await
    }

    /// Sends a request after `prepare` has had its way with it (signing, tampering).
    pub async fn custom(
        &self,
        target: Option<&str>,
        body: Vec<u8>,
        prepare: impl FnOnce(&mut hyper::Request<Vec<u8>>),
    ) -> Reply {
        self.try_custom(target, body, prepare).await.unwrap()
    }

    /// [`Client::call`] that reports a broken connection instead of panicking.
    pub async fn try_call(&self, operation: &str, body: Value) -> Result<Reply, String> {
        let target = format!("CloudApiService.{operation}");
        let (key, secret, region) = (&self.access_key, &self.secret, &self.region);
        self.try_custom(Some(&target), serde_json::to_vec(&body).unwrap(), |req| {
            sign_request(req, key, secret, region)
        })
        .await
    }

    async fn try_custom(
        &self,
        target: Option<&str>,
        body: Vec<u8>,
        prepare: impl FnOnce(&mut hyper::Request<Vec<u8>>),
    ) -> Result<Reply, String> {
        let mut builder = hyper::Request::builder()
            .method("POST")
            .uri("/")
            .header("host", "cloudcontrolapi.local")
            .header("content-type", "application/x-amz-json-1.0");
        if let Some(t) = target {
            builder = builder.header("x-amz-target", t);
        }
        let mut req = builder.body(body).unwrap();
        prepare(&mut req);
        let (parts, body) = req.into_parts();
        let req = hyper::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let mut sender = self.sender.lock().await;
        sender.ready().await.map_err(|e| e.to_string())?;
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    // ---- operation helpers ----

    pub async fn create(&self, type_name: &str, desired: Value) -> Reply {
        self.call(
            "CreateResource",
            json!({"TypeName": type_name, "DesiredState": desired.to_string()}),
        )
        .await
    }

    pub async fn status(&self, token: &str) -> Reply {
        self.call("GetResourceRequestStatus", json!({"RequestToken": token}))
            .await
    }

    /// Polls until the request is terminal; returns the final ProgressEvent.
    pub async fn await_request(&self, token: &str) -> Value {
        for _ in 0..100 {
            let e = self.status(token).await.ok()["ProgressEvent"].clone();
            match e["OperationStatus"].as_str().unwrap() {
                "SUCCESS" | "FAILED" | "CANCEL_COMPLETE" => return e,
                _ => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
        panic!("request {token} did not finish");
    }

    /// Creates and awaits; returns the final event.
    pub async fn create_done(&self, type_name: &str, desired: Value) -> Value {
        let r = self.create(type_name, desired).await.ok();
        let token = r["ProgressEvent"]["RequestToken"]
            .as_str()
            .unwrap()
            .to_string();
        self.await_request(&token).await
    }

    pub async fn get(&self, type_name: &str, id: &str) -> Reply {
        self.call(
            "GetResource",
            json!({"TypeName": type_name, "Identifier": id}),
        )
        .await
    }

    pub async fn update(&self, type_name: &str, id: &str, patch: Value) -> Reply {
        self.call(
            "UpdateResource",
            json!({"TypeName": type_name, "Identifier": id, "PatchDocument": patch.to_string()}),
        )
        .await
    }

    pub async fn delete(&self, type_name: &str, id: &str) -> Reply {
        self.call(
            "DeleteResource",
            json!({"TypeName": type_name, "Identifier": id}),
        )
        .await
    }

    /// Every page of ListResources; returns the identifiers and the page sizes.
    pub async fn list_all(&self, type_name: &str, max: Option<u64>) -> (Vec<String>, Vec<usize>) {
        let mut ids = Vec::new();
        let mut sizes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"TypeName": type_name});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            if let Some(m) = max {
                body["MaxResults"] = json!(m);
            }
            let page = self.call("ListResources", body).await.ok();
            assert_eq!(page["TypeName"], type_name);
            let descs = page["ResourceDescriptions"].as_array().unwrap();
            sizes.push(descs.len());
            for d in descs {
                ids.push(d["Identifier"].as_str().unwrap().to_string());
                let props: Value = serde_json::from_str(d["Properties"].as_str().unwrap()).unwrap();
                assert!(props.is_object());
            }
            match page.get("NextToken") {
                Some(Value::String(t)) => token = Some(t.clone()),
                None => break,
                Some(other) => panic!("NextToken must be a string or absent, got {other}"),
            }
            assert!(sizes.len() < 1000, "paging does not end");
        }
        (ids, sizes)
    }
}

/// Signs like an AWS SDK (SigV4, `cloudcontrolapi`, the client's region), at the current time.
pub fn sign_request(
    req: &mut hyper::Request<Vec<u8>>,
    access_key: &str,
    secret: &str,
    region: &str,
) {
    sign_request_at(
        req,
        access_key,
        secret,
        region,
        std::time::SystemTime::now(),
    );
}

/// Signs at a given time (for expired signatures).
pub fn sign_request_at(
    req: &mut hyper::Request<Vec<u8>>,
    access_key: &str,
    secret: &str,
    region: &str,
    time: std::time::SystemTime,
) {
    let creds = stackql_aws_auth::Credentials::new(access_key, secret, None);
    stackql_aws_auth::sign(req, &creds, region, "cloudcontrolapi", time).expect("signing");
}

/// Starts the standalone `stackql-emulator` binary on a free port over the registry
/// snapshot, with extra flags; returns the child and the address it printed.
pub fn spawn_binary(extra: &[&std::ffi::OsStr]) -> (std::process::Child, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stackql-emulator"))
        .args(["--port", "0", "--registry"])
        .arg(registry_root())
        // Tests verify signatures fully, as AWS does.
        .arg(format!(
            "--credentials={}:{}",
            stackql_emulator::DEFAULT_ACCESS_KEY_ID,
            stackql_emulator::DEFAULT_SECRET_ACCESS_KEY
        ))
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start stackql-emulator");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, url.parse().unwrap())
}

/// A valid Image DesiredState.
pub fn image(name: &str) -> Value {
    json!({"ImageName": name, "ImageRoleArn": ROLE})
}
