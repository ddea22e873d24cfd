//! A standalone `stackql-emulator` binary: the same server as `stackql emulator`, for
//! scripts and tests that need it as a separate process (crash tests, other languages'
//! SDKs) without building the whole CLI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use stackql_emulator::{run, EmulatorArgs};

/// A local AWS Cloud Control API for trying, testing and benchmarking StackQL offline.
#[derive(Debug, Parser)]
#[command(name = "stackql-emulator", version)]
struct Cli {
    #[command(flatten)]
    args: EmulatorArgs,
    /// Registry directory holding src/<provider>/<version>/; without it every TypeName is
    /// accepted and nothing is validated.
    #[arg(long = "registry", value_name = "DIR")]
    registry: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.args, cli.registry).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stackql-emulator: {e:#}");
            ExitCode::FAILURE
        }
    }
}
