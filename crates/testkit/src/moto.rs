//! `moto_server` (an independent implementation of the AWS APIs, from PyPI's
//! `moto[server]`, installed by `.ci/run`) on a free loopback port for one test, killed
//! when the handle drops. A machine without it fails the test saying so, never skips it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start (it imports every AWS model on the first run).
const STARTUP: Duration = Duration::from_secs(60);

pub struct Moto {
    child: Child,
    pub port: u16,
    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub url: String,
}

/// Starts `python3 -m moto.server` on 127.0.0.1 and waits until it answers.
pub fn start_moto() -> Moto {
    // A free port: bind port 0, read it, release it for moto (a race with another
    // process taking it in between only fails this test, loudly).
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start moto_server (python3 -m moto.server): {e}; install it with `python3 -m pip install 'moto[server]'`")
        });
    let mut moto = Moto {
        child,
        port,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = moto.child.try_wait() {
            panic!(
                "moto_server exited at once ({status}); is moto[server] installed? \
                 (`python3 -m pip install 'moto[server]'`)"
            );
        }
        if moto.get("/moto-api/data.json").is_some() {
            return moto;
        }
        if started.elapsed() > STARTUP {
            panic!("moto_server did not answer on 127.0.0.1:{port} within {STARTUP:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Moto {
    /// moto's whole state as JSON text (`/moto-api/data.json`): what it issued, e.g. the
    /// keys of assumed roles under `sts.AssumedRole`.
    pub fn data(&self) -> String {
        self.get("/moto-api/data.json")
            .expect("moto answers /moto-api/data.json")
    }

    /// Runs a Python script with boto3 pointed at this server (any keys; `region` is the
    /// default region) and returns what it prints as JSON.
    pub fn boto3(&self, script: &str) -> String {
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(format!("import boto3, json\n{script}"))
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "boto3 script failed:\n{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The body of a GET answered 200, None otherwise.
    fn get(&self, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        head.split_whitespace()
            .nth(1)
            .filter(|s| *s == "200")
            .map(|_| body.to_string())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
