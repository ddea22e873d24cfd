//! The `stackql` binary: StackQL's command line (`exec`, `emulator`, and the global flags
//! existing scripts pass) over the engine. Owns flag parsing, registry and auth resolution,
//! templating of the query text, output, and exit codes.

mod args;
mod compat_flags;
mod config_file;
mod docs;
mod env_file;
mod exec;
mod frontends;
mod interrupt;
mod progress;
mod registry_cmd;
mod registry_flag;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Defaults from .stackqlrc / --configfile become flags that the command line overrides.
    let argv = args::subcommand_first(std::env::args_os().collect());
    let argv = match config_file::args_with_config(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    };
    let cli = args::Cli::parse_from(argv);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: args::Cli) -> anyhow::Result<ExitCode> {
    if let Some(global) = cli.command.global() {
        global.refuse_unsupported(&cli.command)?;
        if global.verbose {
            for (flag, why) in global.ignored(&cli.command) {
                eprintln!("{flag} has no effect here: {why}");
            }
        }
        // Before any thread starts: it sets environment variables.
        if let Some(path) = &global.env_file {
            env_file::load(path)?;
        }
        registry_flag::prepare_roots(global)?;
    }
    match cli.command {
        args::Command::Exec(exec_args) => {
            let global = &exec_args.global;
            exec::run(global, &exec_args)
        }
        args::Command::Docs(docs) => docs::run(&docs.location.to_global(), docs.docs),
        args::Command::Emulator(emu) => {
            let root = registry_flag::resolve_optional(&emu.location.to_global())?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(stackql_emulator::run(emu.emulator, root))?;
            Ok(ExitCode::SUCCESS)
        }
        args::Command::Shell(shell) => frontends::shell(shell.global),
        args::Command::Srv(srv) => frontends::srv(srv.global, srv.srv),
        args::Command::Registry(r) => registry_cmd::run(&r.global, &r.rest),
    }
}
