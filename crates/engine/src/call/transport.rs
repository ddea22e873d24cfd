//! How the engine's HTTP clients reach the network: an HTTP proxy (`--http.proxy.*`),
//! extra trusted CA certificates (`--tls.CABundle`) and `--tls.allowInsecure`. API calls
//! and registry downloads apply the same settings.

use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Transport {
    pub allow_insecure_tls: bool,
    pub proxy: Option<Proxy>,
    /// A PEM file whose certificates are trusted besides the system's.
    pub ca_bundle: Option<PathBuf>,
}

/// StackQL's proxy flags: `<scheme>://<host>[:<port>]`, with basic authentication when a
/// user is given.
#[derive(Clone)]
pub struct Proxy {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Proxy {
    // The password never reaches logs or error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Proxy {
    /// The proxy's URL, without credentials.
    pub fn url(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

impl Transport {
    /// `builder` with the proxy, the extra certificates and the TLS leniency set.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let mut builder = builder.tls_danger_accept_invalid_certs(self.allow_insecure_tls);
        if let Some(p) = &self.proxy {
            if !matches!(p.scheme.as_str(), "http" | "https") {
                return Err(format!(
                    "--http.proxy.scheme {}: expected http or https",
                    p.scheme
                ));
            }
            let mut proxy = reqwest::Proxy::all(p.url())
                .map_err(|e| format!("--http.proxy.host {}: {e}", p.host))?;
            if let Some(user) = p.user.as_deref().filter(|u| !u.is_empty()) {
                proxy = proxy.basic_auth(user, p.password.as_deref().unwrap_or(""));
            }
            builder = builder.proxy(proxy);
        }
        if let Some(path) = &self.ca_bundle {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read --tls.CABundle {}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                format!("--tls.CABundle {} is not a PEM bundle: {e}", path.display())
            })?;
            if certs.is_empty() {
                return Err(format!(
                    "--tls.CABundle {} holds no PEM certificates",
                    path.display()
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(builder)
    }
}
