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
    let mut moto = Moto { child, port };
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
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto's whole state as JSON text (`/moto-api/data.json`): what it issued, e.g. the
    /// keys of assumed roles under `sts.AssumedRole`.
    pub fn data(&self) -> String {
        self.get("/moto-api/data.json")
            .expect("moto answers /moto-api/data.json")
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
