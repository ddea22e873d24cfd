//! `stackql exec`: read the script, render its template, run each statement, print rows
//! on stdout (or --outfile) and everything else on stderr; exit 1 at the first failure,
//! 130 when interrupted (SIGINT/SIGTERM: see [`crate::interrupt`]).
//! `--dryrun` plans each statement and prints it as it would run ([`Session::dry_run`]), and
//! sends nothing. Statements go through one engine [`Session`].

use crate::args::{ExecArgs, GlobalArgs};
use crate::registry_flag;
use anyhow::{bail, Context};
use stackql_engine::{CallBudget, EngineOptions, Outcome, Session};
use stackql_output::{write_result, OutputFormat, OutputOptions};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(global: &GlobalArgs, args: &ExecArgs) -> anyhow::Result<ExitCode> {
    let script = match (&args.query, global.infile_path()) {
        (Some(_), Some(_)) => {
            bail!("give the query either as an argument or with --infile, not both")
        }
        (Some(q), None) => q.clone(),
        (None, Some(path)) => read_bounded(path, "--infile")?,
        // `-i stdin` (StackQL's default) with no argument: the script comes from stdin.
        (None, None) if global.infile_is_stdin() => read_stdin_bounded()?,
        (None, None) => bail!(
            "no query: pass it as an argument (stackql exec \"SELECT ...\"), with --infile FILE, or on stdin with -i stdin"
        ),
    };
    let vars = template_vars(global)?;
    let rendered = stackql_template::render_script(&script, &vars)?;
    let statements = Session::statements(&rendered)?;
    if statements.is_empty() {
        bail!("the query is empty (only whitespace or comments)");
    }
    let output_options = output_options(global)?;

    let options = engine_options(global, call_budget(global)?)?;
    let mut session = Session::new(options)?;
    if global.dryrun {
        // Every statement is planned before any is printed.
        let shown = statements
            .iter()
            .map(|s| session.dry_run(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = std::io::stdout().lock();
        for s in shown {
            writeln!(out, "{s}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let interrupts = crate::interrupt::Interrupts::install(session.cancel_handle())
        .context("cannot watch for Ctrl-C")?;
    let show_progress = !global.quiet && std::io::stderr().is_terminal();
    let mut incomplete = false;

    let mut out = global.results().open().with_context(|| {
        let path = global.outfile.clone().unwrap_or_default();
        format!("cannot write --outfile {}", path.display())
    })?;
    for s in &statements {
        if interrupts.interrupted() {
            break;
        }
        let progress = show_progress.then(|| crate::progress::Display::start(session.progress()));
        let executed = session.run(s);
        drop(progress);
        if interrupts.interrupted() {
            out.flush()?;
            report_interrupted(executed);
            return Ok(ExitCode::from(crate::interrupt::EXIT_INTERRUPTED));
        }
        let executed = match executed {
            Ok(e) => e,
            Err(e) => {
                out.flush()?;
                return Err(e.into());
            }
        };
        for notice in &executed.notices {
            eprintln!("warning: {notice}");
        }
        for (i, line) in executed.incomplete_report().iter().enumerate() {
            incomplete = true;
            eprintln!("{}{line}", if i == 0 { "warning: " } else { "" });
        }
        match executed.outcome {
            Outcome::Rows(rs) => write_result(&mut out, &rs, &output_options)?,
            Outcome::Mutations(results) => {
                // StackQL's messages on stderr (and nothing on stdout, whatever the
                // format): pystackql reads them as the statement's result.
                for line in results.iter().flat_map(|m| m.report_lines(global.verbose)) {
                    eprintln!("{line}");
                }
            }
        }
    }
    out.flush()?;
    if interrupts.interrupted() {
        eprintln!("interrupted: the remaining statements were not run");
        return Ok(ExitCode::from(crate::interrupt::EXIT_INTERRUPTED));
    }
    // Partial results are results, but not success: scripts must be able to tell.
    Ok(if incomplete {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the interrupted statement had done: every write sent, with its target, request
/// token or identifier and last known status (the engine's report of a cancelled
/// mutation lists them), so nothing half-done goes unmentioned.
fn report_interrupted(executed: Result<stackql_engine::Executed, stackql_engine::EngineError>) {
    match executed {
        Ok(executed) => {
            if let Outcome::Mutations(results) = executed.outcome {
                for line in results.iter().flat_map(|m| m.report_lines(true)) {
                    eprintln!("{line}");
                }
            }
        }
        Err(e) => eprintln!("error: {e}"),
    }
    eprintln!("interrupted: the remaining statements were not run");
}

/// A file named by a flag, read no further than the script limit (a larger file, or an
/// endless one such as a FIFO or `/dev/zero`, is refused without filling memory).
fn read_bounded(path: &std::path::Path, flag: &str) -> anyhow::Result<String> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {flag} {}", path.display()))?;
    read_script(file, &format!("{flag} {}", path.display()))
}

/// The script on standard input (`-i stdin`), within the same bound.
fn read_stdin_bounded() -> anyhow::Result<String> {
    read_script(std::io::stdin().lock(), "the script on stdin")
}

fn read_script(source: impl std::io::Read, what: &str) -> anyhow::Result<String> {
    use std::io::Read;
    let limit = stackql_sql::MAX_SCRIPT_BYTES;
    let mut bytes = Vec::new();
    source
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what}"))?;
    if bytes.len() > limit {
        bail!(
            "{what} is larger than {} MiB, the most a script may be",
            limit >> 20
        );
    }
    String::from_utf8(bytes).with_context(|| format!("{what} is not UTF-8 text"))
}

/// Template variables from --var and --iqldata (shared by exec and shell).
pub(crate) fn template_vars(global: &GlobalArgs) -> anyhow::Result<stackql_template::Vars> {
    let iqldata = match &global.iqldata {
        Some(path) => Some(read_bounded(path, "--iqldata")?),
        None => None,
    };
    // Each --var is split at commas as StackQL does (CSV); a split is reported so a
    // value cut at a comma is noticed (the warning names keys, never values).
    let cli = stackql_template::vars_from_cli(&global.vars, iqldata.as_deref())?;
    for w in &cli.warnings {
        eprintln!("warning: {w}");
    }
    Ok(cli.vars)
}

/// -o, -H and -d (shared by exec and shell).
pub(crate) fn output_options(global: &GlobalArgs) -> anyhow::Result<OutputOptions> {
    let format: OutputFormat = global
        .output
        .parse()
        .map_err(|e| anyhow::anyhow!("-o/--output: {e}"))?;
    Ok(OutputOptions {
        format,
        hide_headers: global.hide_headers,
        delimiter: single_char(&global.delimiter)?,
    })
}

/// The bound on requests in flight (`--execution.concurrency.limit`). Made once per
/// process by its frontend and given to every engine it creates, so the limit holds for
/// the process as a whole (a server's sessions share it).
pub(crate) fn call_budget(global: &GlobalArgs) -> anyhow::Result<CallBudget> {
    Ok(CallBudget::new(global.concurrency_limit()?))
}

/// Engine options from the global flags (shared by exec, shell and srv); `budget` is the
/// process's one [`call_budget`].
pub(crate) fn engine_options(
    global: &GlobalArgs,
    budget: CallBudget,
) -> anyhow::Result<EngineOptions> {
    let mut options = EngineOptions::new(registry_flag::resolve(global)?);
    options.auth = match &global.auth {
        Some(a) => Some(serde_json::from_str(a).context("--auth is not valid JSON")?),
        None => None,
    };
    options.budget = budget;
    options.dry_run = global.dryrun;
    // StackQL: any number <= 0 means no limit.
    options.page_limit = match global.page_limit {
        n if n <= 0 => None,
        n => Some(usize::try_from(n).unwrap_or(usize::MAX)),
    };
    if global.max_response_bytes == 0 {
        bail!("--http.response.maxBytes 0 would refuse every answer; give a size in bytes");
    }
    options.max_response_bytes = global.max_response_bytes;
    // StackQL: 0 means no timeout.
    options.request_timeout = u64::try_from(global.api_request_timeout)
        .ok()
        .filter(|s| *s > 0)
        .map(Duration::from_secs);
    options.transport = registry_flag::transport(global)?;
    options.await_timeout = Duration::from_secs(global.await_timeout);
    if global.retry_max_attempts == 0 {
        bail!("--http.retry.maxAttempts must be at least 1 (1 means no retries)");
    }
    options.retry.max_attempts = global.retry_max_attempts;
    options.retry.max_elapsed = Duration::from_secs(global.retry_max_time);
    options.allow_partial = global.allow_partial;
    options.log_requests = global.log_requests();
    // Parsed registry documents are kept in the app root, never beside the registry.
    options.cache_dir = Some(global.approot.join("cache"));
    // User views and tables outlive the process in <approot>/stackql.db.
    options.approot = Some(global.approot.clone());
    options.remote_registry = registry_flag::remote(global)?;
    options.auto_pull = !global.offline && registry_flag::pulls_into_root(global)?;
    options.offline = global.offline;
    Ok(options)
}

fn single_char(s: &str) -> anyhow::Result<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ if s == "\\t" => Ok('\t'),
        _ => bail!("-d/--delimiter must be one character, got '{s}'"),
    }
}
