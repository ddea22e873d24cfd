//! `stackql srv`: a Postgres wire protocol server in front of the engine, so `psql`, drivers
//! and BI tools can run StackQL statements. Simple and extended query protocol (pgwire),
//! result columns typed from their values, one engine per session on its own thread,
//! errors as `ErrorResponse` with SQLSTATE codes (see [`errors`]), optional TLS and
//! password authentication. Listens on 127.0.0.1 unless told otherwise. `--dryrun` answers
//! every statement with its text and runs nothing. A session's failure (error, panic,
//! cancel, client gone) ends that statement or session only (see [`session`]).

pub mod errors;
mod handler;
mod params;
mod session;
mod tls;
mod types;

pub use handler::FAILED_LOGIN_DELAY;
pub use session::{EngineFactory, SESSION_STACK_BYTES};

use pgwire::tokio::process_socket;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// StackQL's default port for `srv`.
pub const DEFAULT_PORT: u16 = 5466;

/// Options of `stackql srv` that are not global flags.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct SrvArgs {
    /// Password authentication method when a password is configured: scram-sha-256 (default), md5 or password (cleartext; use it only with TLS).
    #[arg(long = "pgsrv.authmethod")]
    pub auth_method: Option<String>,
    /// Environment variable holding the password clients must give (any user name). Unset or empty: no password asked. The password is never a flag, so it never shows in `ps`.
    #[arg(long = "pgsrv.passwordenv", default_value = "STACKQL_PGSRV_PASSWORD")]
    pub password_env: String,
}

/// TLS certificate chain and private key (PEM files), StackQL's `--pgsrv.tls` JSON.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    Scram,
    Md5,
    Cleartext,
}

#[derive(Clone)]
pub struct PasswordAuth {
    pub method: AuthMethod,
    pub password: String,
}

impl std::fmt::Debug for PasswordAuth {
    // The password never reaches logs or error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordAuth")
            .field("method", &self.method)
            .field("password", &"<redacted>")
            .finish()
    }
}

pub struct ServerConfig {
    pub address: String,
    pub port: u16,
    pub tls: Option<TlsFiles>,
    pub auth: Option<PasswordAuth>,
    pub engines: EngineFactory,
    /// `--dryrun`: statements are answered with their text (planned, never run). The
    /// `engines` must be built with `EngineOptions::dry_run` too: they do the planning.
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("--pgsrv.tls: {0}")]
    Tls(String),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl SrvArgs {
    /// The password settings from the flags and the environment.
    pub fn password_auth(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<PasswordAuth>, ServerError> {
        let password = env(&self.password_env).filter(|p| !p.is_empty());
        let method = match self.auth_method.as_deref().map(str::to_ascii_lowercase) {
            None => AuthMethod::Scram,
            Some(m) if m == "scram-sha-256" || m == "scram" => AuthMethod::Scram,
            Some(m) if m == "md5" => AuthMethod::Md5,
            Some(m) if m == "password" || m == "cleartext" => AuthMethod::Cleartext,
            Some(m) => {
                return Err(ServerError::Config(format!(
                    "--pgsrv.authmethod must be scram-sha-256, md5 or password, got '{m}'"
                )))
            }
        };
        match password {
            Some(password) => Ok(Some(PasswordAuth { method, password })),
            None if self.auth_method.is_some() => Err(ServerError::Config(format!(
                "--pgsrv.authmethod needs a password: set the environment variable {}",
                self.password_env
            ))),
            None => Ok(None),
        }
    }
}

/// Parses StackQL's `--pgsrv.tls` value: `{"certFilePath": "...", "keyFilePath": "..."}`.
/// `clientCAs` (client certificate authentication) is refused rather than ignored.
pub fn parse_tls_flag(flag: &str) -> Result<TlsFiles, ServerError> {
    let v: serde_json::Value = serde_json::from_str(flag).map_err(|e| {
        ServerError::Tls(format!(
            "not valid JSON ({e}); expected {{\"certFilePath\": \"server.crt\", \"keyFilePath\": \"server.key\"}}"
        ))
    })?;
    let field = |name: &str| {
        v.get(name)
            .and_then(|x| x.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| ServerError::Tls(format!("\"{name}\" (a PEM file path) is required")))
    };
    if v.get("clientCAs")
        .is_some_and(|c| !c.as_array().is_some_and(|a| a.is_empty()))
    {
        return Err(ServerError::Tls(
            "\"clientCAs\" (client certificate authentication) is not supported by this build; use password authentication".into(),
        ));
    }
    Ok(TlsFiles {
        cert: field("certFilePath")?,
        key: field("keyFilePath")?,
    })
}

/// A bound server, before it accepts connections.
pub struct Server {
    listener: TcpListener,
    acceptor: Option<pgwire::tokio::TlsAcceptor>,
    factory: Arc<handler::Shared>,
}

impl Server {
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        let acceptor = match &config.tls {
            Some(files) => Some(tls::acceptor(files)?),
            None => None,
        };
        let cert_pem = match &config.tls {
            Some(files) => Some(std::fs::read(&files.cert).map_err(|e| {
                ServerError::Tls(format!("cannot read {}: {e}", files.cert.display()))
            })?),
            None => None,
        };
        let addr = format!("{}:{}", config.address, config.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.clone(),
                source,
            })?;
        Ok(Server {
            listener,
            acceptor,
            factory: Arc::new(handler::Shared {
                engines: config.engines,
                auth: config.auth,
                cert_pem,
                dry_run: config.dry_run,
                sessions: Default::default(),
            }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until the future is dropped; each session runs on its own task
    /// with its own engine thread.
    pub async fn serve(self) -> Result<(), ServerError> {
        loop {
            let (socket, _) = self.listener.accept().await?;
            let (socket, watch) = watchable(socket)?;
            let handlers = Arc::new(handler::Connection::new(self.factory.clone(), watch));
            let acceptor = self.acceptor.clone();
            tokio::spawn(async move {
                // A broken connection ends that session only.
                let _ = process_socket(socket, acceptor, handlers).await;
            });
        }
    }
}

/// The socket and a second handle on it (same connection) that only watches for the client
/// closing; without one (the dup failed) sessions just cannot notice a vanished client.
fn watchable(
    socket: tokio::net::TcpStream,
) -> std::io::Result<(tokio::net::TcpStream, Option<Arc<tokio::net::TcpStream>>)> {
    let std_socket = socket.into_std()?;
    let watch = std_socket
        .try_clone()
        .ok()
        .and_then(|w| tokio::net::TcpStream::from_std(w).ok())
        .map(Arc::new);
    Ok((tokio::net::TcpStream::from_std(std_socket)?, watch))
}

/// What the server warns about at start: passwords that cross the network readable
/// (cleartext) or replayable (md5) because there is no TLS.
pub fn insecure_auth_warning(tls: bool, auth: Option<AuthMethod>) -> Option<String> {
    let what = match (tls, auth) {
        (false, Some(AuthMethod::Cleartext)) => "passwords cross the network in clear text",
        (false, Some(AuthMethod::Md5)) => {
            "md5 password hashes cross the network and can be replayed"
        }
        _ => return None,
    };
    Some(format!(
        "warning: --pgsrv.authmethod without --pgsrv.tls: {what}; add --pgsrv.tls or use scram-sha-256"
    ))
}

/// Runs the server until Ctrl-C, printing where it listens on stderr.
pub fn run(config: ServerConfig) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tls = config.tls.is_some();
        let auth = config.auth.as_ref().map(|a| a.method);
        let server = Server::bind(config).await?;
        let addr = server.local_addr()?;
        eprintln!(
            "stackql srv listening on {addr} (postgres wire protocol{}{})",
            if tls { ", TLS" } else { "" },
            match auth {
                Some(AuthMethod::Scram) => ", password: scram-sha-256",
                Some(AuthMethod::Md5) => ", password: md5",
                Some(AuthMethod::Cleartext) => ", password: cleartext",
                None => ", no password",
            }
        );
        if let Some(w) = insecure_auth_warning(tls, auth) {
            eprintln!("{w}");
        }
        tokio::select! {
            r = server.serve() => r,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("stackql srv: interrupted, shutting down");
                Ok(())
            }
        }
    })
}
