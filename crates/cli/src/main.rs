//! The `stackql` binary: StackQL's command line (`exec`, `emulator`, and the global flags
//! existing scripts pass) over the engine. Owns flag parsing, registry and auth resolution,
//! templating of the query text, output, and exit codes.

mod args;
mod config_file;
mod docs;
mod exec;
mod frontends;
mod progress;
mod registry_cmd;
mod registry_flag;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Defaults from .stackqlrc / --configfile become flags that the command line overrides.
    let argv = match config_file::args_with_config(std::env::args_os().collect()) {
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
    cli.global.refuse_unsupported(&cli.command)?;
    match cli.command {
        args::Command::Exec(exec_args) => exec::run(&cli.global, exec_args),
        args::Command::Docs(docs_args) => docs::run(&cli.global, docs_args),
        args::Command::Emulator(emu) => {
            let root = registry_flag::resolve_optional(&cli.global)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(stackql_emulator::run(emu, root))?;
            Ok(ExitCode::SUCCESS)
        }
        args::Command::Shell => frontends::shell(cli.global),
        args::Command::Srv(srv) => frontends::srv(cli.global, srv),
        args::Command::Registry { rest } => registry_cmd::run(&cli.global, &rest),
    }
}
