//! Wiring of `stackql shell` and `stackql srv`: both open engine sessions
//! (`stackql_engine::Session`) from the same global flags as `exec` (through
//! `exec::engine_options`), one per session, all sharing the process's one call budget
//! (`exec::call_budget`).

use crate::args::GlobalArgs;
use crate::exec;
use anyhow::Context;
use stackql_engine::{CallBudget, Session};
use std::process::ExitCode;
use std::sync::Arc;

/// Sessions on demand: the shell replaces an abandoned one, the server opens one per
/// client. Every session gets a clone of `budget`, so together they stay within the limit.
fn engine_factory(
    global: Arc<GlobalArgs>,
    budget: CallBudget,
) -> Arc<dyn Fn() -> Result<Session, Box<dyn std::error::Error + Send + Sync>> + Send + Sync> {
    Arc::new(move || {
        let options =
            exec::engine_options(&global, budget.clone()).map_err(|e| format!("{e:#}"))?;
        Ok(Session::new(options)?)
    })
}

pub fn shell(global: GlobalArgs) -> anyhow::Result<ExitCode> {
    // Flags are checked once up front so a typo fails before the prompt appears.
    let budget = exec::call_budget(&global)?;
    let options = exec::engine_options(&global, budget.clone())?;
    let config = stackql_shell::ShellConfig {
        registry_root: options.registry_root.clone(),
        output: exec::output_options(&global)?,
        vars: exec::template_vars(&global)?,
        history: global.approot.join(".stackql_history"),
        results: global.results(),
        verbose: global.verbose,
        engines: engine_factory(Arc::new(global), budget),
    };
    stackql_shell::run(config)?;
    Ok(ExitCode::SUCCESS)
}

pub fn srv(global: GlobalArgs, args: stackql_pgserver::SrvArgs) -> anyhow::Result<ExitCode> {
    let listen = &global.listen;
    // Fail at start, not at the first connection, when the registry or flags are wrong.
    let budget = exec::call_budget(&global)?;
    Session::new(exec::engine_options(&global, budget.clone())?)
        .context("cannot start the engine")?;
    let tls = match &listen.tls {
        Some(flag) => Some(stackql_pgserver::parse_tls_flag(flag)?),
        None => None,
    };
    let auth = args.password_auth(|k| std::env::var(k).ok())?;
    let address = listen
        .address
        .clone()
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let port = listen.port.unwrap_or(stackql_pgserver::DEFAULT_PORT);
    if auth.is_none() && !is_loopback(&address) {
        eprintln!(
            "warning: stackql srv listens on {address} without a password; set {} to require one",
            args.password_env
        );
    }
    let config = stackql_pgserver::ServerConfig {
        address,
        port,
        tls,
        auth,
        dry_run: global.dryrun,
        engines: engine_factory(Arc::new(global), budget),
    };
    stackql_pgserver::run(config)?;
    Ok(ExitCode::SUCCESS)
}

fn is_loopback(address: &str) -> bool {
    address == "localhost"
        || address
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
