//! `stackql registry list [provider]` and `stackql registry pull provider [version]`, as
//! StackQL spells them: the same work as the `REGISTRY` statements, without opening the
//! local registry first (a fresh app root has none yet).

use crate::args::GlobalArgs;
use crate::{exec, registry_flag};
use anyhow::{bail, Context};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str =
    "usage: stackql registry list [provider] | stackql registry pull provider [version]";

pub fn run(global: &GlobalArgs, rest: &[String]) -> anyhow::Result<ExitCode> {
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let statement = match words.as_slice() {
        [sub, args @ ..] if sub.eq_ignore_ascii_case("list") && args.len() <= 1 => {
            format!("REGISTRY LIST {}", args.join(" "))
        }
        [sub, args @ ..] if sub.eq_ignore_ascii_case("pull") && (1..=2).contains(&args.len()) => {
            format!("REGISTRY PULL {}", args.join(" "))
        }
        _ => bail!("{USAGE}"),
    };
    // The statement parser checks names (no paths) exactly as for `exec "REGISTRY ..."`.
    let stackql_sql::Statement::Registry(cmd) = stackql_sql::parse_statement(&statement, 1)? else {
        bail!("{USAGE}");
    };
    let remote = registry_flag::remote(global)?.context(
        "--registry names a directory; registry list/pull need StackQL's JSON form with a \"url\"",
    )?;
    match cmd {
        stackql_sql::RegistryCommand::List { provider } => {
            let rs = remote.list(provider.as_deref())?;
            let mut out = std::io::stdout().lock();
            stackql_output::write_result(&mut out, &rs, &exec::output_options(global)?)?;
            out.flush()?;
        }
        stackql_sql::RegistryCommand::Pull { provider, version } => {
            let pulled = remote.pull(&provider, version.as_deref())?;
            eprintln!("{}", pulled.message());
        }
    }
    Ok(ExitCode::SUCCESS)
}
