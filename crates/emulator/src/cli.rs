//! The `stackql emulator` command line: [`EmulatorArgs`] (flattened into the CLI by the
//! binary) and [`run`], which serves until Ctrl-C.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Completion, EmulatorConfig, Faults, LatencyConfig, DEFAULT_ACCOUNT_ID};

/// Flags of `stackql emulator`. The registry root is passed to [`run`] separately, because
/// `--registry` is the CLI's global flag.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 to listen on; 0 picks a free port (printed at start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The emulated AWS account id (in generated ARNs).
    #[arg(long = "account-id", default_value = DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// Page size of ListResources and ListResourceRequests (MaxResults can lower it).
    #[arg(long = "page-size", default_value_t = 20)]
    pub page_size: usize,
    /// Accept requests without checking their SigV4 signature (the region still comes
    /// from the credential scope, or us-east-1).
    #[arg(long = "no-verify-signatures")]
    pub no_verify_signatures: bool,
    /// Status reads (GetResourceRequestStatus) before a request reaches its final status;
    /// 0 with --complete-after-ms 0 makes every request final in its own response.
    #[arg(long = "complete-after-polls", default_value_t = 1)]
    pub complete_after_polls: u32,
    /// Milliseconds before a request can reach its final status.
    #[arg(long = "complete-after-ms", default_value_t = 0)]
    pub complete_after_ms: u64,
    /// Latency added to every response, in milliseconds.
    #[arg(long = "latency-ms", default_value_t = 0)]
    pub latency_ms: u64,
    /// Random extra latency, uniform in [0, N] milliseconds.
    #[arg(long = "latency-jitter-ms", default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Fraction of requests answered with ThrottlingException (0.0 to 1.0).
    #[arg(long = "throttle-rate", default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// Fraction of requests answered with a 500 InternalFailure (0.0 to 1.0).
    #[arg(long = "error-rate", default_value_t = 0.0)]
    pub error_rate: f64,
    /// A region whose requests all fail with 503 ServiceUnavailable (repeatable).
    #[arg(long = "down-region")]
    pub down_regions: Vec<String>,
    /// Keep state in this SQLite file; a restart sees the same resources and requests.
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Load resources from this JSON file at start:
    /// {"resources": [{"TypeName", "Region", "Properties", "Identifier"?, "AccountId"?}]}.
    #[arg(long = "seed", value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// An accepted credential pair `ACCESS_KEY_ID:SECRET` (repeatable); default
    /// AKIDEXAMPLE with AWS's documentation example secret.
    #[arg(long = "credentials", value_name = "ACCESS_KEY_ID:SECRET")]
    pub credentials: Vec<String>,
}

impl EmulatorArgs {
    /// The configuration these flags describe.
    pub fn to_config(&self, registry_root: Option<PathBuf>) -> anyhow::Result<EmulatorConfig> {
        let mut config = EmulatorConfig {
            registry_root,
            account_id: self.account_id.clone(),
            verify_signatures: !self.no_verify_signatures,
            page_size: self.page_size,
            completion: Completion {
                polls: self.complete_after_polls,
                delay: Duration::from_millis(self.complete_after_ms),
            },
            latency: (self.latency_ms > 0 || self.latency_jitter_ms > 0).then_some(LatencyConfig {
                fixed: Duration::from_millis(self.latency_ms),
                jitter: Duration::from_millis(self.latency_jitter_ms),
            }),
            faults: Faults {
                throttle_rate: self.throttle_rate,
                error_rate: self.error_rate,
                down_regions: self.down_regions.clone(),
            },
            // A long-running server must not grow without bound.
            journal: false,
            state_file: self.state.clone(),
            seed_file: self.seed.clone(),
            ..EmulatorConfig::default()
        };
        if !self.credentials.is_empty() {
            config.credentials = self
                .credentials
                .iter()
                .map(|pair| {
                    pair.split_once(':')
                        .map(|(k, s)| (k.to_string(), s.to_string()))
                        // Never echo the value: it holds a secret.
                        .ok_or_else(|| {
                            anyhow::anyhow!("--credentials expects ACCESS_KEY_ID:SECRET")
                        })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        Ok(config)
    }
}

/// Runs the emulator until Ctrl-C. Prints `listening on http://127.0.0.1:PORT` to stdout;
/// everything else goes to stderr.
pub async fn run(args: EmulatorArgs, registry_root: Option<PathBuf>) -> anyhow::Result<()> {
    let config = args.to_config(registry_root)?;
    let permissive = config.registry_root.is_none();
    let verify = config.verify_signatures;
    let emulator = crate::start(config, args.port).await?;
    if permissive {
        eprintln!("stackql emulator: no registry given: any TypeName is accepted without schema validation");
    } else {
        eprintln!(
            "stackql emulator: {} resource types from the registry",
            emulator.type_count()
        );
    }
    if verify {
        eprintln!("stackql emulator: accepting SigV4 requests from the configured access keys (default AKIDEXAMPLE)");
    }
    println!("listening on {}", emulator.endpoint_url());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    wait_for_stop().await?;
    emulator.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one (how scripts and CI stop a server).
async fn wait_for_stop() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
