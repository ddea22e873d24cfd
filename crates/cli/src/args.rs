//! StackQL's command-line flags, spelled as StackQL spells them (`--http.response.pageLimit`)
//! and read with pflag's rules: `exec`, `shell`, `srv` and `registry` take every flag StackQL
//! has (they are persistent on its root command), honoured, refused with a reason, or —
//! for the few that mean nothing here ([`crate::compat_flags`]) — accepted and named under
//! `-v`. Our own `emulator` and `docs` take only theirs. Flags written before the
//! subcommand, as StackQL allows, are moved after it ([`subcommand_first`]).

use crate::compat_flags::{go_uint32, pflag_bool, CompatFlags};
use clap::{Args, CommandFactory, Parser, Subcommand};
use stackql_output::Destination;
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
    // pflag: a flag given twice takes its last value.
    #[command(args_override_self = true)]
    Exec(ExecArgs),
    /// Serve a local AWS Cloud Control API driven by the registry (for trying and testing offline).
    Emulator(EmulatorCommand),
    /// Reference pages from the registry: `docs p.s.r` prints one; `docs p[.s] --out DIR` writes them all.
    Docs(DocsCommand),
    /// Interactive shell: statements end with `;`, tab completion, history in the app root.
    // pflag: a flag given twice takes its last value.
    #[command(args_override_self = true)]
    Shell(ShellArgs),
    /// Postgres wire protocol server (--pgsrv.address, --pgsrv.port, --pgsrv.tls).
    // pflag: a flag given twice takes its last value.
    #[command(args_override_self = true)]
    Srv(SrvCommand),
    /// The provider registry: `registry list [provider]`, `registry pull provider [version]`
    /// (from the --registry url into the local root).
    // pflag: a flag given twice takes its last value.
    #[command(args_override_self = true)]
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
#[derive(Args, Debug, Default)]
pub struct ListenArgs {
    /// Postgres server address (default 127.0.0.1; srv only).
    #[arg(long = "pgsrv.address", allow_hyphen_values = true)]
    pub address: Option<String>,
    /// Postgres server port (default 5466; 0 picks a free one; srv only).
    #[arg(long = "pgsrv.port", allow_hyphen_values = true)]
    pub port: Option<u16>,
    /// Postgres server TLS: {"certFilePath": "server.crt", "keyFilePath": "server.key"} (srv only).
    #[arg(long = "pgsrv.tls", allow_hyphen_values = true)]
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
        // Switches (`--dryrun`, `-H`) take a value only after `=`, never the next token.
        let takes_next =
            |a: &clap::Arg| a.get_action().takes_values() && !a.is_require_equals_set();
        if let Some(long) = token.strip_prefix("--") {
            return !long.contains('=')
                && args().any(|a| a.get_long() == Some(long) && takes_next(a));
        }
        // `-o json` takes the next token; `-ojson`, `-o=json` and switch groups (`-Hv`) do not.
        let mut chars = token.chars().skip(1);
        match (chars.next(), chars.next()) {
            (Some(short), None) => args().any(|a| a.get_short() == Some(short) && takes_next(a)),
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

/// Flags every statement-running subcommand (`exec`, `shell`, `srv`, `registry`) takes: all
/// of StackQL's, as its flags are persistent on its root command. Value-taking flags take
/// the next argument whatever it looks like (`--execution.concurrency.limit -1`), as pflag
/// does; switches take a value only after `=` (`--hideheaders=false`).
#[derive(Args, Debug, Default)]
pub struct GlobalArgs {
    /// Registry: StackQL's JSON form ({"url":"file:///abs","localDocRoot":"/abs"}) or a directory holding src/<provider>/<version>.
    #[arg(long, allow_hyphen_values = true)]
    pub registry: Option<String>,
    /// Authentication, StackQL's JSON form keyed by provider, e.g. {"aws":{"type":"aws_signing_v4","keyIDenvvar":"AWS_ACCESS_KEY_ID","credentialsenvvar":"AWS_SECRET_ACCESS_KEY"}}.
    #[arg(long, allow_hyphen_values = true)]
    pub auth: Option<String>,
    /// Output format: table, json, jsonl, csv, text.
    #[arg(short = 'o', long, default_value = "table", allow_hyphen_values = true)]
    pub output: String,
    /// Omit the header row (table, csv, text).
    #[arg(short = 'H', long = "hideheaders", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub hide_headers: bool,
    /// Field delimiter for csv and text output.
    #[arg(short = 'd', long, default_value = ",", allow_hyphen_values = true)]
    pub delimiter: String,
    /// Read the statements from this file (`stdin`, StackQL's default: the query argument, or standard input when there is none).
    #[arg(short = 'i', long, allow_hyphen_values = true)]
    pub infile: Option<PathBuf>,
    /// Write results to this file instead of stdout (`stdout` and `stderr` name the streams).
    #[arg(short = 'f', long, allow_hyphen_values = true)]
    pub outfile: Option<PathBuf>,
    /// Template data: a JSON file whose object supplies {{ placeholders }}.
    #[arg(short = 'q', long, allow_hyphen_values = true)]
    pub iqldata: Option<PathBuf>,
    /// Template variable KEY=VALUE (repeatable; `a=1,b=2` is two, as in StackQL: quote a pair holding commas, `"k=a,b"`).
    #[arg(long = "var", allow_hyphen_values = true)]
    pub vars: Vec<String>,
    /// Print the rendered statements and send nothing.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub dryrun: bool,
    /// Application root, created when missing; the default registry lives in <approot> (StackQL's `.stackql`).
    #[arg(long, default_value = ".stackql", allow_hyphen_values = true)]
    pub approot: PathBuf,
    /// Mode of the app root directory when it is created (Go syntax: 0755, 0o700, 493; default 0755).
    #[arg(long = "approotfilemode", allow_hyphen_values = true, value_parser = go_uint32)]
    pub approot_file_mode: Option<u32>,
    /// Config file of default flag values, `name=value` per line (default: ./.stackqlrc);
    /// flags on the command line win.
    #[arg(long, allow_hyphen_values = true)]
    pub configfile: Option<PathBuf>,
    /// API calls in flight at once (-1, StackQL's "unlimited": the default bound, 16).
    #[arg(long = "execution.concurrency.limit", default_value_t = DEFAULT_CONCURRENCY as i64, allow_hyphen_values = true)]
    pub concurrency: i64,
    /// Pages fetched per listing at most (0 or less: every page).
    #[arg(long = "http.response.pageLimit", default_value_t = -1, allow_hyphen_values = true)]
    pub page_limit: i64,
    /// Bytes one API response may have at most (default 256 MiB); a larger answer fails
    /// the call as soon as the limit is passed, before it is all read.
    #[arg(long = "http.response.maxBytes", default_value_t = stackql_engine::DEFAULT_MAX_RESPONSE_BYTES, allow_hyphen_values = true)]
    pub max_response_bytes: u64,
    /// Log every HTTP request (method, URL, target, region, status, time) on stderr; never
    /// headers, bodies or secrets.
    #[arg(long = "http.log.enabled", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub http_log: bool,
    /// HTTP proxy host (empty: no proxy beyond the HTTPS_PROXY/HTTP_PROXY environment).
    #[arg(long = "http.proxy.host", allow_hyphen_values = true)]
    pub proxy_host: Option<String>,
    /// HTTP proxy port (0 or less: the scheme's default).
    #[arg(long = "http.proxy.port", default_value_t = -1, allow_hyphen_values = true)]
    pub proxy_port: i64,
    /// HTTP proxy scheme: http or https.
    #[arg(
        long = "http.proxy.scheme",
        default_value = "http",
        allow_hyphen_values = true
    )]
    pub proxy_scheme: String,
    /// HTTP proxy user (basic authentication to the proxy).
    #[arg(long = "http.proxy.user", allow_hyphen_values = true)]
    pub proxy_user: Option<String>,
    /// HTTP proxy password.
    #[arg(long = "http.proxy.password", allow_hyphen_values = true)]
    pub proxy_password: Option<String>,
    /// Timeout of one API request, in seconds (0 or less: none).
    #[arg(
        long = "apirequesttimeout",
        default_value_t = 45,
        allow_hyphen_values = true
    )]
    pub api_request_timeout: i64,
    /// Accept TLS certificates that do not verify.
    #[arg(long = "tls.allowInsecure", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub tls_allow_insecure: bool,
    /// Extra CA certificates (PEM file), trusted besides the system's.
    #[arg(long = "tls.CABundle", allow_hyphen_values = true)]
    pub tls_ca_bundle: Option<PathBuf>,
    /// Log level (panic, fatal, error, warn, info, debug, trace); debug and trace log every
    /// HTTP request as --http.log.enabled does.
    #[arg(long, allow_hyphen_values = true)]
    pub loglevel: Option<String>,
    /// Verbose: log every HTTP request on stderr (as --http.log.enabled) and name the flags
    /// given that have no effect in this build.
    #[arg(short = 'v', long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub verbose: bool,
    /// Never pull a provider from the registry: use only those already in the app root.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub offline: bool,
    /// A dotenv file (KEY=VALUE lines) loaded into the environment at start, created empty
    /// (mode 0600) when missing, as StackQL does.
    #[arg(long = "env.file", allow_hyphen_values = true)]
    pub env_file: Option<PathBuf>,
    /// Attempts per request (the first included) for throttling, server errors and timeouts;
    /// writes are retried only when they carry an idempotency token.
    #[arg(
        long = "http.retry.maxAttempts",
        default_value_t = 5,
        allow_hyphen_values = true
    )]
    pub retry_max_attempts: u32,
    /// Seconds after which no further retry of a request starts.
    #[arg(
        long = "http.retry.maxTime",
        default_value_t = 120,
        allow_hyphen_values = true
    )]
    pub retry_max_time: u64,
    /// Return the rows that could be fetched when some calls fail after retries; the failed
    /// calls are listed on stderr and the exit code is 2 (also per statement: /*+ ALLOW_PARTIAL */).
    #[arg(long = "allow-partial", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub allow_partial: bool,
    /// No progress display on stderr.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = pflag_bool)]
    pub quiet: bool,
    /// How long /*+ AWAIT */ waits for a final status, in seconds.
    #[arg(
        long = "await.timeout",
        default_value_t = 600,
        allow_hyphen_values = true
    )]
    pub await_timeout: u64,
    /// Where `srv` listens (accepted by every subcommand, as in StackQL).
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub compat: CompatFlags,
}

/// API calls in flight at once unless `--execution.concurrency.limit` says otherwise; also
/// what StackQL's "unlimited" (-1, pystackql's default) means here: more calls at once mostly
/// buys throttling, which the retries then absorb.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// The sentinels StackQL gives `--outfile`/`--infile` for the standard streams.
pub const STDOUT: &str = "stdout";
pub const STDERR: &str = "stderr";
pub const STDIN: &str = "stdin";

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

    /// Where results go: `-f stdout` (StackQL's default) and `-f stderr` are the streams,
    /// as is an empty value.
    pub fn results(&self) -> Destination {
        match self.outfile.as_deref() {
            None => Destination::Stdout,
            Some(p) if p.as_os_str().is_empty() || p.as_os_str() == STDOUT => Destination::Stdout,
            Some(p) if p.as_os_str() == STDERR => Destination::Stderr,
            Some(p) => Destination::File(p.to_path_buf()),
        }
    }

    /// `-i FILE`, or None for StackQL's `-i stdin` (and no `-i`).
    pub fn infile_path(&self) -> Option<&std::path::Path> {
        self.infile
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty() && p.as_os_str() != STDIN)
    }

    /// Whether `-i stdin` was written out.
    pub fn infile_is_stdin(&self) -> bool {
        self.infile
            .as_deref()
            .is_some_and(|p| p.as_os_str() == STDIN)
    }

    /// Calls in flight at once: StackQL's "unlimited" (any negative value) is the default
    /// bound; 0 would run nothing.
    pub fn concurrency_limit(&self) -> anyhow::Result<usize> {
        match self.concurrency {
            n if n < 0 => Ok(DEFAULT_CONCURRENCY),
            0 => anyhow::bail!(
                "--execution.concurrency.limit 0 would run nothing; use a positive number, or -1 for the default bound ({DEFAULT_CONCURRENCY})"
            ),
            n => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }

    /// Flags StackQL has that this build cannot honour: refused, never ignored.
    pub fn refuse_unsupported(&self, command: &Command) -> anyhow::Result<()> {
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
        self.compat.refuse()
    }

    /// (flag, why) for each flag given that changes nothing for this subcommand; `-v`
    /// prints them.
    pub fn ignored(&self, command: &Command) -> Vec<(&'static str, &'static str)> {
        let mut out = self.compat.ignored();
        if !matches!(command, Command::Srv(_)) {
            let listen = &self.listen;
            for (flag, given) in [
                ("--pgsrv.address", listen.address.is_some()),
                ("--pgsrv.port", listen.port.is_some()),
                ("--pgsrv.tls", listen.tls.is_some()),
            ] {
                if given {
                    out.push((flag, "only `stackql srv` listens"));
                }
            }
        }
        out
    }
}
