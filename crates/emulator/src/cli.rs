//! The `stackql emulator` command line: [`EmulatorArgs`] (flattened into the CLI by the
//! binary) and [`run`], which serves until Ctrl-C.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{
    AcceptedKeys, Completion, EmulatorConfig, Faults, LatencyConfig, DEFAULT_ACCOUNT_ID,
};

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
    /// Status reads (GetResourceRequestStatus) after which a request reaches its final
    /// status, if --complete-after-ms has not finished it before; 0: reads never finish
    /// it (with --complete-after-ms 0, every request is final in its own response).
    #[arg(long = "complete-after-polls", default_value_t = 1)]
    pub complete_after_polls: u32,
    /// Milliseconds after which a request reaches its final status whether or not anyone
    /// reads it; -1: only reads finish it (see --complete-after-polls).
    #[arg(
        long = "complete-after-ms",
        default_value_t = 300,
        allow_negative_numbers = true
    )]
    pub complete_after_ms: i64,
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
    /// Verify signatures fully, accepting only this key pair `ACCESS_KEY_ID:SECRET`
    /// (repeatable). Without it any access key is accepted: the signature's form, the
    /// credential scope (service, region) and the date are still checked.
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
                delay: match self.complete_after_ms {
                    -1 => None,
                    ms => Some(Duration::from_millis(u64::try_from(ms).map_err(|_| {
                        anyhow::anyhow!("--complete-after-ms must be 0 or more, or -1 (never)")
                    })?)),
                },
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
        config.credentials = AcceptedKeys::Any;
        if !self.credentials.is_empty() {
            config.credentials = AcceptedKeys::Only(
                self.credentials
                    .iter()
                    .map(|pair| {
                        pair.split_once(':')
                            .map(|(k, s)| (k.to_string(), s.to_string()))
                            // Never echo the value: it holds a secret.
                            .ok_or_else(|| {
                                anyhow::anyhow!("--credentials expects ACCESS_KEY_ID:SECRET")
                            })
                    })
                    .collect::<anyhow::Result<_>>()?,
            );
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
    let config_keys = config.credentials.clone();
    let emulator = crate::start(config, args.port).await?;
    if permissive {
        eprintln!("stackql emulator: no registry given: any TypeName is accepted without schema validation");
    } else {
        eprintln!(
            "stackql emulator: {} resource types from the registry",
            emulator.type_count()
        );
    }
    match (&config_keys, verify) {
        (_, false) => {}
        (AcceptedKeys::Any, true) => eprintln!(
            "stackql emulator: accepting SigV4 requests from any access key (form, scope and date checked; --credentials verifies signatures)"
        ),
        (AcceptedKeys::Only(pairs), true) => eprintln!(
            "stackql emulator: verifying SigV4 signatures of {} access key(s) given with --credentials",
            pairs.len()
        ),
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
