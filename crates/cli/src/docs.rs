//! `stackql docs`: StackQL's reference pages rendered from the registry. `docs p.s.r`
//! prints one page on stdout; `docs p --out DIR` (or `p.s`) writes every resource's page as
//! `DIR/<service>/<resource>/index.md` and says on stderr what it wrote and what it skipped.

use crate::args::GlobalArgs;
use crate::registry_flag;
use anyhow::{bail, Context};
use clap::Args;
use stackql_registry::Registry;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DocsArgs {
    /// provider.service.resource (one page on stdout), or provider / provider.service with --out.
    pub name: String,
    /// Directory to write the pages into (required for a provider or a service).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(global: &GlobalArgs, args: DocsArgs) -> anyhow::Result<ExitCode> {
    let root = registry_flag::resolve(global)?;
    let registry = Registry::open(&root)?;
    let parts: Vec<&str> = args.name.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) || parts.len() > 3 {
        bail!(
            "expected provider, provider.service or provider.service.resource, got '{}'",
            args.name
        );
    }
    match (parts.as_slice(), &args.out) {
        ([p, s, r], None) => {
            let page = stackql_engine::docs::render_resource_page(&registry, p, s, r)?;
            let mut out = std::io::stdout().lock();
            out.write_all(page.as_bytes())?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        ([p, s, r], Some(dir)) => {
            let page = stackql_engine::docs::render_resource_page(&registry, p, s, r)?;
            let path = dir.join(s).join(r).join("index.md");
            std::fs::create_dir_all(path.parent().expect("has a parent"))
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        (_, None) => bail!(
            "'{}' names a provider or a service: pass --out DIR to write its pages, or name one resource (provider.service.resource) to print it",
            args.name
        ),
        (parts, Some(dir)) => {
            let summary =
                stackql_engine::docs::write_docs(&registry, parts[0], parts.get(1).copied(), dir)?;
            for skipped in &summary.skipped {
                eprintln!("skipped {skipped}");
            }
            eprintln!(
                "wrote {} page(s) under {}{}",
                summary.written.len(),
                dir.display(),
                if summary.skipped.is_empty() {
                    String::new()
                } else {
                    format!("; {} service(s) skipped (listed above)", summary.skipped.len())
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
