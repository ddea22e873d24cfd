//! `--env.file`: StackQL's dotenv credential store. At start the file is created (mode
//! 0600, in a 0700 directory) when missing, then each `KEY=VALUE` line is put into the
//! environment, overriding what was there, so credentials such as `AWS_ACCESS_KEY_ID` can
//! live in it. Lines: `#` comments, an optional `export ` prefix, values optionally in
//! matching quotes; lines without `=` and empty values are skipped, as StackQL does.

use anyhow::Context;
use std::path::Path;

const NEW_FILE_TEXT: &str = "# StackQL credential store, read at start: one KEY=VALUE per line, e.g.\n# AWS_ACCESS_KEY_ID=...\n# AWS_SECRET_ACCESS_KEY=...\n";

/// Creates the file when missing (saying so on stderr), then loads it. Must run before
/// any thread is started: it changes the process environment.
pub fn load(path: &Path) -> anyhow::Result<()> {
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    if !path.exists() {
        create(path).with_context(|| format!("cannot create --env.file {}", path.display()))?;
        eprintln!("created default env file '{}'", path.display());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --env.file {}", path.display()))?;
    for (key, value) in parse(&text) {
        std::env::set_var(key, value);
    }
    Ok(())
}

fn create(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(NEW_FILE_TEXT.as_bytes())
}

/// The file's variables, in order (a later line for a key wins when they are set).
fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let mut value = value.trim();
        if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value = &value[1..value.len() - 1];
        }
        // A key the environment cannot hold is skipped rather than panicking set_var.
        if key.is_empty() || value.is_empty() || key.contains(['=', '\0']) || value.contains('\0') {
            continue;
        }
        out.push((key.to_string(), value.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_lines() {
        let vars = parse("# comment\nexport A=1\nB = \"two words\"\nC='x'\nnovalue\nD=\nE=a=b\n");
        assert_eq!(
            vars,
            vec![
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "two words".to_string()),
                ("C".to_string(), "x".to_string()),
                ("E".to_string(), "a=b".to_string()),
            ]
        );
    }
}
