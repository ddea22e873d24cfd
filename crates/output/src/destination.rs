//! Where results are written: standard output, standard error, or a file (`--outfile`).

use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Destination {
    #[default]
    Stdout,
    Stderr,
    File(PathBuf),
}

impl Destination {
    /// A buffered writer; a file is created (or truncated) now.
    pub fn open(&self) -> std::io::Result<Box<dyn Write>> {
        Ok(match self {
            Destination::Stdout => Box::new(std::io::BufWriter::new(std::io::stdout())),
            Destination::Stderr => Box::new(std::io::stderr()),
            Destination::File(path) => {
                Box::new(std::io::BufWriter::new(std::fs::File::create(path)?))
            }
        })
    }
}
