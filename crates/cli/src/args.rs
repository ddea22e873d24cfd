//! StackQL's command-line flags, spelled as StackQL spells them (`--http.response.pageLimit`),
//! each either honoured or refused with a message: none is silently ignored.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "stackql",
    version,
    about = "Query, deploy and manage cloud resources with SQL"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one or more statements (from the argument or --infile) and print the results.
    Exec(ExecArgs),
    /// Serve a local AWS Cloud Control API driven by the registry (for trying and testing offline).
    Emulator(stackql_emulator::EmulatorArgs),
    /// Reference pages from the registry: `docs p.s.r` prints one; `docs p[.s] --out DIR` writes them all.
    Docs(crate::docs::DocsArgs),
    /// Interactive shell: statements end with `;`, tab completion, history in the app root.
    Shell,
    /// Postgres wire protocol server (--pgsrv.address, --pgsrv.port, --pgsrv.tls).
    Srv(stackql_pgserver::SrvArgs),
    /// The provider registry: `registry list [provider]`, `registry pull provider [version]`
    /// (from the --registry url into the local root).
    Registry {
        #[arg(trailing_var_arg = true)]
        rest: Vec<String>,
    },
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// The statements to run, separated by `;`.
    pub query: Option<String>,
}

#[derive(Args, Debug, Default)]
pub struct GlobalArgs {
    /// Registry: StackQL's JSON form ({"url":"file:///abs","localDocRoot":"/abs"}) or a directory holding src/<provider>/<version>.
    #[arg(long, global = true)]
    pub registry: Option<String>,
    /// Authentication, StackQL's JSON form keyed by provider, e.g. {"aws":{"type":"aws_signing_v4","keyIDenvvar":"AWS_ACCESS_KEY_ID","credentialsenvvar":"AWS_SECRET_ACCESS_KEY"}}.
    #[arg(long, global = true)]
    pub auth: Option<String>,
    /// Output format: table, json, jsonl, csv, text.
    #[arg(short = 'o', long, global = true, default_value = "table")]
    pub output: String,
    /// Omit the header row (table, csv, text).
    #[arg(short = 'H', long = "hideheaders", global = true)]
    pub hide_headers: bool,
    /// Field delimiter for csv and text output.
    #[arg(short = 'd', long, global = true, default_value = ",")]
    pub delimiter: String,
    /// Read the statements from this file.
    #[arg(short = 'i', long, global = true)]
    pub infile: Option<PathBuf>,
    /// Write results to this file instead of stdout.
    #[arg(short = 'f', long, global = true)]
    pub outfile: Option<PathBuf>,
    /// Template data: a JSON file whose object supplies {{ placeholders }}.
    #[arg(short = 'q', long, global = true)]
    pub iqldata: Option<PathBuf>,
    /// Template variable KEY=VALUE (repeatable; `a=1,b=2` also accepted, as StackQL does).
    #[arg(long = "var", global = true)]
    pub vars: Vec<String>,
    /// Print the rendered statements and send nothing.
    #[arg(long, global = true)]
    pub dryrun: bool,
    /// Application root; the default registry lives in <approot> (StackQL's `.stackql`).
    #[arg(long, global = true, default_value = ".stackql")]
    pub approot: PathBuf,
    /// Config file of default flag values, `name=value` per line (default: ./.stackqlrc);
    /// flags on the command line win.
    #[arg(long, global = true)]
    pub configfile: Option<PathBuf>,
    /// API calls in flight at once per statement.
    #[arg(
        long = "execution.concurrency.limit",
        global = true,
        default_value_t = 16
    )]
    pub concurrency: usize,
    /// Pages fetched per listing at most (-1: every page).
    #[arg(long = "http.response.pageLimit", global = true, default_value_t = -1, allow_negative_numbers = true)]
    pub page_limit: i64,
    /// Bytes one API response may have at most (default 256 MiB); a larger answer fails
    /// the call as soon as the limit is passed, before it is all read.
    #[arg(long = "http.response.maxBytes", global = true, default_value_t = stackql_engine::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
    /// Log every HTTP request (method, URL, target, region, status, time) on stderr; never
    /// headers, bodies or secrets.
    #[arg(long = "http.log.enabled", global = true)]
    pub http_log: bool,
    /// Timeout of one API request, in seconds.
    #[arg(long = "apirequesttimeout", global = true, default_value_t = 60)]
    pub api_request_timeout: u64,
    /// Accept TLS certificates that do not verify.
    #[arg(long = "tls.allowInsecure", global = true)]
    pub tls_allow_insecure: bool,
    /// Extra CA certificates (PEM file).
    #[arg(long = "tls.CABundle", global = true)]
    pub tls_ca_bundle: Option<PathBuf>,
    /// Log level (panic, fatal, error, warn, info, debug, trace); debug and trace log every
    /// HTTP request as --http.log.enabled does.
    #[arg(long, global = true)]
    pub loglevel: Option<String>,
    /// Verbose: log every HTTP request on stderr (as --http.log.enabled).
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// Postgres server address (srv).
    #[arg(long = "pgsrv.address", global = true)]
    pub pgsrv_address: Option<String>,
    /// Postgres server port (srv).
    #[arg(long = "pgsrv.port", global = true)]
    pub pgsrv_port: Option<u16>,
    /// Postgres server TLS settings (srv).
    #[arg(long = "pgsrv.tls", global = true)]
    pub pgsrv_tls: Option<String>,
    /// Attempts per request (the first included) for throttling, server errors and timeouts;
    /// writes are retried only when they carry an idempotency token.
    #[arg(long = "http.retry.maxAttempts", global = true, default_value_t = 5)]
    pub retry_max_attempts: u32,
    /// Seconds after which no further retry of a request starts.
    #[arg(long = "http.retry.maxTime", global = true, default_value_t = 120)]
    pub retry_max_time: u64,
    /// Return the rows that could be fetched when some calls fail after retries; the failed
    /// calls are listed on stderr and the exit code is 2 (also per statement: /*+ ALLOW_PARTIAL */).
    #[arg(long = "allow-partial", global = true)]
    pub allow_partial: bool,
    /// No progress display on stderr.
    #[arg(long, global = true)]
    pub quiet: bool,
    /// How long /*+ AWAIT */ waits for a final status, in seconds.
    #[arg(long = "await.timeout", global = true, default_value_t = 600)]
    pub await_timeout: u64,
}

/// StackQL's log levels (logrus). This build logs HTTP requests at debug and trace; the
/// other levels add nothing to what errors and warnings already say.
const LOG_LEVELS: &[&str] = &[
    "panic", "fatal", "error", "warn", "warning", "info", "debug", "trace",
];

impl GlobalArgs {
    /// Whether each HTTP request is logged on stderr: --http.log.enabled, -v, or
    /// --loglevel debug/trace.
    pub fn log_requests(&self) -> bool {
        self.http_log
            || self.verbose
            || self
                .loglevel
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case("debug") || l.eq_ignore_ascii_case("trace"))
    }

    /// Flags StackQL has that this build cannot honour yet: refused, never ignored.
    pub fn refuse_unsupported(&self, command: &Command) -> anyhow::Result<()> {
        let refuse = |flag: &str, why: &str| {
            anyhow::bail!("{flag} is not supported by this build yet: {why}")
        };
        if self.tls_ca_bundle.is_some() {
            refuse("--tls.CABundle", "the system trust store is used; --tls.allowInsecure is available for test endpoints")?;
        }
        if let Some(level) = &self.loglevel {
            if !LOG_LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
                anyhow::bail!(
                    "--loglevel {level}: expected one of {}",
                    LOG_LEVELS.join(", ")
                );
            }
        }
        if !matches!(command, Command::Srv(_))
            && (self.pgsrv_address.is_some()
                || self.pgsrv_port.is_some()
                || self.pgsrv_tls.is_some())
        {
            refuse(
                "--pgsrv.*",
                "these flags configure the Postgres wire server; use them with `stackql srv`",
            )?;
        }
        Ok(())
    }
}
