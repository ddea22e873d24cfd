//! `stackql shell`: read statements interactively (a statement ends at `;` and may span
//! lines), render them with the same template variables as `exec`, run them on an engine
//! thread that Ctrl-C can cancel, and print results with `exec`'s output options. History
//! lives in the app root; tab completion comes from the registry ([`complete`]).

pub mod complete;
mod worker;

pub use worker::EngineFactory;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};
use stackql_engine::{Outcome, Session};
use stackql_output::{write_result, OutputOptions};
use stackql_registry::Registry;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use worker::{Answer, Worker};

pub struct ShellConfig {
    pub engines: EngineFactory,
    /// For completion; the engine opens its own.
    pub registry_root: PathBuf,
    pub output: OutputOptions,
    pub vars: stackql_template::Vars,
    /// History file (in the app root).
    pub history: PathBuf,
    /// Where results go (stdout unless `--outfile` says otherwise).
    pub results: stackql_output::Destination,
    /// `-v`: after StackQL's message for a write, what was sent (target, request token,
    /// status).
    pub verbose: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("terminal: {0}")]
    Readline(#[from] ReadlineError),
}

const PROMPT: &str = "stackql  >> ";
const CONTINUE: &str = "        -> ";

const HELP: &str = "\
Statements end with ';' and may span several lines. Examples:
  SHOW PROVIDERS;
  SHOW SERVICES IN aws;
  SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';
Tab completes keywords, providers, services (aws.<TAB>), resources (aws.sagemaker.<TAB>),
columns and required parameters of the resources named, and regions after `region =`.
Ctrl-C cancels the running statement (or clears the input); Ctrl-D, exit, quit or \\q leaves.
{{ placeholders }} are rendered with --var / --iqldata as in `stackql exec`.";

/// Whether the accumulated input is a whole statement: it ends with `;` outside quotes,
/// comments and `<<<json ... >>>` data blocks.
pub fn is_complete(input: &str) -> bool {
    let t = input.trim_end();
    if !t.ends_with(';') {
        return false;
    }
    if let (Some(open), close) = (t.find("<<<"), t.rfind(">>>")) {
        if close.is_none_or(|c| c < open) {
            return false;
        }
    }
    // The last `;` must be a statement end, not inside a literal or comment.
    stackql_sql::scan::ends_statement(t)
}

fn is_exit(line: &str) -> bool {
    let l = line.trim().trim_end_matches(';').trim();
    matches!(l, "exit" | "quit" | "\\q")
}

pub fn run(config: ShellConfig) -> Result<(), ShellError> {
    let registry = Registry::open(&config.registry_root).ok().map(Arc::new);
    let rl_config = Config::builder()
        .auto_add_history(false)
        // bash-like: complete the common prefix, list the candidates on a second TAB.
        .completion_type(CompletionType::List)
        .max_history_size(10_000)?
        .build();
    let mut rl: Editor<complete::ShellHelper, FileHistory> = Editor::with_config(rl_config)?;
    rl.set_helper(Some(complete::ShellHelper::new(registry)));
    if let Some(dir) = config.history.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // A missing history file is the first run, not an error.
    let _ = rl.load_history(&config.history);

    let mut worker = Worker::new(config.engines.clone())?;
    let mut out: Box<dyn Write> = config.results.open()?;
    eprintln!("stackql shell: statements end with ';'. Type help for help, exit to leave.");
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { PROMPT } else { CONTINUE };
        if let Some(h) = rl.helper() {
            *h.pending.lock().expect("pending lock") = buffer.clone();
        }
        let line = match rl.readline(prompt) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C at the prompt drops the statement being typed.
                if !buffer.is_empty() {
                    eprintln!("(input cleared)");
                }
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        if buffer.is_empty() {
            let cmd = line.trim();
            if cmd.is_empty() {
                continue;
            }
            if is_exit(cmd) {
                let _ = rl.add_history_entry(cmd);
                break;
            }
            if matches!(cmd.trim_end_matches(';'), "help" | "\\?" | "\\h") {
                let _ = rl.add_history_entry(cmd);
                println!("{HELP}");
                continue;
            }
        }
        if !buffer.is_empty() {
            buffer.push('\n');
        }
        buffer.push_str(&line);
        if !is_complete(&buffer) {
            continue;
        }
        let input = std::mem::take(&mut buffer);
        let _ = rl.add_history_entry(input.as_str());
        // Saved after every statement so a killed shell keeps its history.
        let _ = rl.save_history(&config.history);
        run_input(&input, &config, &mut worker, &mut out);
    }
    let _ = rl.save_history(&config.history);
    Ok(())
}

fn run_input(input: &str, config: &ShellConfig, worker: &mut Worker, out: &mut dyn Write) {
    let rendered = match stackql_template::render_script(input, &config.vars) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return;
        }
    };
    let statements = match Session::statements(&rendered) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return;
        }
    };
    for s in statements {
        match worker.execute(&s) {
            Answer::Done(result) => match *result {
                Ok(executed) => {
                    for n in &executed.notices {
                        eprintln!("warning: {n}");
                    }
                    for (i, line) in executed.incomplete_report().iter().enumerate() {
                        eprintln!("{}{line}", if i == 0 { "warning: " } else { "" });
                    }
                    match executed.outcome {
                        Outcome::Rows(rs) => {
                            if let Err(e) = write_result(out, &rs, &config.output) {
                                eprintln!("error: cannot print the result: {e}");
                            }
                            let _ = out.flush();
                        }
                        Outcome::Mutations(results) => {
                            for line in results.iter().flat_map(|m| m.report_lines(config.verbose))
                            {
                                eprintln!("{line}");
                            }
                        }
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    // Like exec: the rest of the input is not run after a failure.
                    return;
                }
            },
            Answer::Interrupted(result) => {
                report_interrupted(*result);
                return;
            }
            Answer::Cancelled => {
                eprintln!(
                    "cancelled: the statement was abandoned and its result discarded; \
                     API calls already sent may still complete at the provider"
                );
                return;
            }
            Answer::Unavailable(why) => {
                eprintln!("error: the engine is unavailable: {why}");
                return;
            }
        }
    }
}

/// Ctrl-C stopped the statement: say so, with every write it had sent (target, request
/// token or identifier, last known status) so nothing half-done goes unmentioned.
fn report_interrupted(result: Result<stackql_engine::Executed, stackql_engine::EngineError>) {
    match result {
        Err(
            e @ (stackql_engine::EngineError::Cancelled
            | stackql_engine::EngineError::CancelledMutation { .. }),
        ) => eprintln!("{e}"),
        Err(e) => eprintln!("cancelled: the statement was stopped and nothing more was sent\n{e}"),
        Ok(executed) => {
            // It ended before the cancel took hold: its writes are reported as usual.
            if let Outcome::Mutations(results) = executed.outcome {
                for line in results.iter().flat_map(|m| m.report_lines(true)) {
                    eprintln!("{line}");
                }
            }
            eprintln!("cancelled: the rest of the input was not run");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT\n1\n;  "));
        assert!(!is_complete("SELECT ';"));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("<<<json\n{\"a\": \"x;\"}\n;"));
        assert!(is_complete("<<<json\n{\"a\": 1}\n>>>\nSELECT {{ a }};"));
        assert!(is_exit("\\q"));
        assert!(is_exit("exit;"));
    }
}
