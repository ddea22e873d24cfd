//! The `stackql` binary: StackQL's command line (`exec`, `emulator`, and the global flags
//! existing scripts pass) over the engine. Owns flag parsing, registry and auth resolution,
//! templating of the query text, output, and exit codes.

mod args;
mod exec;
mod progress;
mod registry_flag;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: args::Cli) -> anyhow::Result<ExitCode> {
    cli.global.refuse_unsupported()?;
    match cli.command {
        args::Command::Exec(exec_args) => exec::run(&cli.global, exec_args),
        args::Command::Emulator(emu) => {
            let root = registry_flag::resolve_optional(&cli.global)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(stackql_emulator::run(emu, root))?;
            Ok(ExitCode::SUCCESS)
        }
        args::Command::Shell | args::Command::Srv | args::Command::Registry { .. } => {
            anyhow::bail!(
                "this subcommand is not available in this build yet; use `stackql exec` (see `stackql --help`)"
            )
        }
    }
}
