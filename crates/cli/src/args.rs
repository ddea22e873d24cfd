//! StackQL's command-line flags, spelled as StackQL spells them (`--http.response.pageLimit`),
//! each either honoured or refused with a message: none is silently ignored. Each
//! subcommand takes only the flags it uses (`emulator` has no `-o`, only `srv` has
//! `--pgsrv.*`); flags written before the subcommand, as StackQL allows, are moved after it
//! ([`subcommand_first`]) and then belong to it like any other.

use clap::{Args, CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "stackql",
    // StackQL's text, first line read by pystackql: `stackql v<semver> <os>/<arch> (<sha>)`.
    version = concat!(
        "v",
        env!("CARGO_PKG_VERSION"),
        " ",
        env!("STACKQL_BUILD_PLATFORM"),
        " (",
        env!("STACKQL_BUILD_SHA"),
        ")\nBuildDate: ",
        env!("STACKQL_BUILD_DATE"),
        "\nhttps://stackql.io"
    ),
    about = "Query, deploy and manage cloud resources with SQL"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one or more statements (from the argument or --infile) and print the results.
    Exec(ExecArgs),
    /// Serve a local AWS Cloud Control API driven by the registry (for trying and testing offline).
    Emulator(EmulatorCommand),
    /// Reference pages from the registry: `docs p.s.r` prints one; `docs p[.s] --out DIR` writes them all.
    Docs(DocsCommand),
    /// Interactive shell: statements end with `;`, tab completion, history in the app root.
    Shell(ShellArgs),
    /// Postgres wire protocol server (--pgsrv.address, --pgsrv.port, --pgsrv.tls).
    Srv(SrvCommand),
    /// The provider registry: `registry list [provider]`, `registry pull provider [version]`
    /// (from the --registry url into the local root).
    Registry(RegistryArgs),
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The statements to run, separated by `;`.
    pub query: Option<String>,
}

#[derive(Args, Debug)]
pub struct ShellArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Args, Debug)]
pub struct SrvCommand {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub srv: stackql_pgserver::SrvArgs,
}

#[derive(Args, Debug)]
pub struct RegistryArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[arg(trailing_var_arg = true)]
    pub rest: Vec<String>,
}

#[derive(Args, Debug)]
pub struct EmulatorCommand {
    #[command(flatten)]
    pub location: RegistryLocation,
    #[command(flatten)]
    pub emulator: stackql_emulator::EmulatorArgs,
}

#[derive(Args, Debug)]
pub struct DocsCommand {
    #[command(flatten)]
    pub location: RegistryLocation,
    #[command(flatten)]
    pub docs: crate::docs::DocsArgs,
}

/// Where the registry is, for the subcommands that read it but run no statements.
#[derive(Args, Debug)]
pub struct RegistryLocation {
    /// Registry: StackQL's JSON form ({"url":"file:///abs","localDocRoot":"/abs"}) or a directory holding src/<provider>/<version>.
    #[arg(long)]
    pub registry: Option<String>,
    /// Application root; the default registry lives in <approot> (StackQL's `.stackql`).
    #[arg(long, default_value = ".stackql")]
    pub approot: PathBuf,
    /// Config file of default flag values, `name=value` per line (default: ./.stackqlrc);
    /// flags on the command line win.
    #[arg(long)]
    pub configfile: Option<PathBuf>,
}

impl RegistryLocation {
    /// As the global flags the registry resolution reads (nothing else set).
    pub fn to_global(&self) -> GlobalArgs {
        GlobalArgs {
            registry: self.registry.clone(),
            approot: self.approot.clone(),
            configfile: self.configfile.clone(),
            ..GlobalArgs::default()
        }
    }
}

/// Where `srv` listens and how it secures connections.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Postgres server address (default 127.0.0.1).
    #[arg(long = "pgsrv.address")]
    pub address: Option<String>,
    /// Postgres server port (default 5466; 0 picks a free one).
    #[arg(long = "pgsrv.port")]
    pub port: Option<u16>,
    /// Postgres server TLS: {"certFilePath": "server.crt", "keyFilePath": "server.key"}.
    #[arg(long = "pgsrv.tls")]
    pub tls: Option<String>,
}

impl Command {
    /// The flags every statement-running subcommand shares (None for emulator and docs,
    /// which take only their own).
    pub fn global(&self) -> Option<&GlobalArgs> {
        match self {
            Command::Exec(a) => Some(&a.global),
            Command::Shell(a) => Some(&a.global),
            Command::Srv(a) => Some(&a.global),
            Command::Registry(a) => Some(&a.global),
            Command::Emulator(_) | Command::Docs(_) => None,
        }
    }
}

/// `argv` with every flag written before the subcommand moved just after it, so
/// `stackql --registry R exec ...` (StackQL's global-flag style) parses like
/// `stackql exec --registry R ...`. Which tokens are flag values is read from the flag
/// definitions; without a subcommand `argv` is returned unchanged.
pub fn subcommand_first(argv: Vec<OsString>) -> Vec<OsString> {
    let command = Cli::command();
    let names: Vec<String> = command
        .get_subcommands()
        .flat_map(|s| {
            std::iter::once(s.get_name().to_string()).chain(s.get_all_aliases().map(str::to_string))
        })
        .collect();
    let takes_value = |token: &str| -> bool {
        let args = || command.get_subcommands().flat_map(|s| s.get_arguments());
        if let Some(long) = token.strip_prefix("--") {
            return !long.contains('=')
                && args().any(|a| a.get_long() == Some(long) && a.get_action().takes_values());
        }
        // `-o json` takes the next token; `-ojson` and switch groups (`-Hv`) do not.
        let mut chars = token.chars().skip(1);
        match (chars.next(), chars.next()) {
            (Some(short), None) => {
                args().any(|a| a.get_short() == Some(short) && a.get_action().takes_values())
            }
            _ => false,
        }
    };
    let mut i = 1;
    while i < argv.len() {
        let token = argv[i].to_string_lossy();
        if token == "--" {
            return argv;
        }
        if names.iter().any(|n| *n == token) {
            if i == 1 {
                return argv;
            }
            let mut out = Vec::with_capacity(argv.len());
            out.push(argv[0].clone());
            out.push(argv[i].clone());
            out.extend(argv[1..i].iter().cloned());
            out.extend(argv[i + 1..].iter().cloned());
            return out;
        }
        if !token.starts_with('-') {
            // A stray word before any subcommand: clap reports it.
            return argv;
        }
        i += if takes_value(token.as_ref()) { 2 } else { 1 };
    }
    argv
}

#[derive(Args, Debug, Default)]
pub struct GlobalArgs {
    /// Registry: StackQL's JSON form ({"url":"file:///abs","localDocRoot":"/abs"}) or a directory holding src/<provider>/<version>.
    #[arg(long)]
    pub registry: Option<String>,
    /// Authentication, StackQL's JSON form keyed by provider, e.g. {"aws":{"type":"aws_signing_v4","keyIDenvvar":"AWS_ACCESS_KEY_ID","credentialsenvvar":"AWS_SECRET_ACCESS_KEY"}}.
    #[arg(long)]
    pub auth: Option<String>,
    /// Output format: table, json, jsonl, csv, text.
    #[arg(short = 'o', long, default_value = "table")]
    pub output: String,
    /// Omit the header row (table, csv, text).
    #[arg(short = 'H', long = "hideheaders")]
    pub hide_headers: bool,
    /// Field delimiter for csv and text output.
    #[arg(short = 'd', long, default_value = ",")]
    pub delimiter: String,
    /// Read the statements from this file.
    #[arg(short = 'i', long)]
    pub infile: Option<PathBuf>,
    /// Write results to this file instead of stdout.
    #[arg(short = 'f', long)]
    pub outfile: Option<PathBuf>,
    /// Template data: a JSON file whose object supplies {{ placeholders }}.
    #[arg(short = 'q', long)]
    pub iqldata: Option<PathBuf>,
    /// Template variable KEY=VALUE (repeatable; `a=1,b=2` is two, as in StackQL: quote a pair holding commas, `"k=a,b"`).
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Print the rendered statements and send nothing.
    #[arg(long)]
    pub dryrun: bool,
    /// Application root; the default registry lives in <approot> (StackQL's `.stackql`).
    #[arg(long, default_value = ".stackql")]
    pub approot: PathBuf,
    /// Config file of default flag values, `name=value` per line (default: ./.stackqlrc);
    /// flags on the command line win.
    #[arg(long)]
    pub configfile: Option<PathBuf>,
    /// API calls in flight at once per statement.
    #[arg(long = "execution.concurrency.limit", default_value_t = 16)]
    pub concurrency: usize,
    /// Pages fetched per listing at most (-1: every page).
    #[arg(long = "http.response.pageLimit", default_value_t = -1, allow_negative_numbers = true)]
    pub page_limit: i64,
    /// Bytes one API response may have at most (default 256 MiB); a larger answer fails
    /// the call as soon as the limit is passed, before it is all read.
    #[arg(long = "http.response.maxBytes", global = true, default_value_t = stackql_engine::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
    /// Log every HTTP request (method, URL, target, region, status, time) on stderr; never
    /// headers, bodies or secrets.
    #[arg(long = "http.log.enabled")]
    pub http_log: bool,
    /// Timeout of one API request, in seconds.
    #[arg(long = "apirequesttimeout", default_value_t = 60)]
    pub api_request_timeout: u64,
    /// Accept TLS certificates that do not verify.
    #[arg(long = "tls.allowInsecure")]
    pub tls_allow_insecure: bool,
    /// Extra CA certificates (PEM file).
    #[arg(long = "tls.CABundle")]
    pub tls_ca_bundle: Option<PathBuf>,
    /// Log level (panic, fatal, error, warn, info, debug, trace); debug and trace log every
    /// HTTP request as --http.log.enabled does.
    #[arg(long)]
    pub loglevel: Option<String>,
    /// Verbose: log every HTTP request on stderr (as --http.log.enabled).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Attempts per request (the first included) for throttling, server errors and timeouts;
    /// writes are retried only when they carry an idempotency token.
    #[arg(long = "http.retry.maxAttempts", default_value_t = 5)]
    pub retry_max_attempts: u32,
    /// Seconds after which no further retry of a request starts.
    #[arg(long = "http.retry.maxTime", default_value_t = 120)]
    pub retry_max_time: u64,
    /// Return the rows that could be fetched when some calls fail after retries; the failed
    /// calls are listed on stderr and the exit code is 2 (also per statement: /*+ ALLOW_PARTIAL */).
    #[arg(long = "allow-partial")]
    pub allow_partial: bool,
    /// No progress display on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// How long /*+ AWAIT */ waits for a final status, in seconds.
    #[arg(long = "await.timeout", default_value_t = 600)]
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
        if self.dryrun && matches!(command, Command::Registry(_)) {
            anyhow::bail!(
                "--dryrun: `stackql registry` has no statements to show; `registry list` sends nothing that changes anything, and `registry pull` cannot be rehearsed"
            );
        }
        Ok(())
    }
}
