//! StackQL's `.stackqlrc`: default values for the global flags, read from the working
//! directory (or `--configfile PATH`). StackQL reads it as a Java properties file keyed by
//! flag name (`output=json`, `http.response.pageLimit: 5`, `registry {"url": "..."}`) and
//! applies each key whose flag was not given on the command line; so do we, by turning the
//! file's entries into flags placed before the command line's (right after the subcommand:
//! `argv` comes here with the subcommand first). A key is applied only to the subcommands
//! that have that flag (`output=json` means nothing to `emulator`); keys that are flags of
//! no subcommand are reported on stderr rather than dropped silently.

use crate::args::Cli;
use anyhow::{bail, Context};
use clap::CommandFactory;
use std::ffi::OsString;
use std::path::PathBuf;

pub const DEFAULT_FILE: &str = ".stackqlrc";

/// `argv` (subcommand first) with the config file's defaults inserted after the subcommand.
pub fn args_with_config(argv: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let strings: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (path, explicit) = match flag_value(&strings, "configfile") {
        Some(p) => (PathBuf::from(p), true),
        None => (PathBuf::from(DEFAULT_FILE), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(argv),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the config file {}", path.display()))
        }
    };
    let entries = parse_properties(&text)
        .with_context(|| format!("in the config file {}", path.display()))?;
    let command = Cli::command();
    let Some(subcommand) = strings
        .get(1)
        .and_then(|name| command.find_subcommand(name))
    else {
        // No subcommand (`--help`, `--version`, or a usage error clap reports): no defaults.
        return Ok(argv);
    };
    let mut injected: Vec<OsString> = Vec::new();
    for (key, value) in entries {
        let Some(arg) = subcommand
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
        else {
            let elsewhere = command.get_subcommands().any(|s| {
                s.get_arguments()
                    .any(|a| a.get_long() == Some(key.as_str()))
            });
            if !elsewhere {
                eprintln!(
                    "warning: {}: '{key}' is not a flag of this build; ignored",
                    path.display()
                );
            }
            continue;
        };
        if key == "configfile" || given_on_command_line(&strings, &key, arg.get_short()) {
            continue;
        }
        // Switches take their value after `=` only; an empty value sets them, as `key=` in
        // StackQL's properties file does.
        if arg.is_require_equals_set() {
            match crate::compat_flags::pflag_bool(&value) {
                _ if value.is_empty() => injected.push(format!("--{key}").into()),
                Ok(_) => injected.push(format!("--{key}={value}").into()),
                Err(_) => bail!(
                    "{}: '{key}' is a switch; its value must be true or false, not '{value}'",
                    path.display()
                ),
            }
        } else {
            injected.push(format!("--{key}={value}").into());
        }
    }
    let mut out = Vec::with_capacity(argv.len() + injected.len());
    let mut it = argv.into_iter();
    out.extend(it.next());
    out.extend(it.next());
    out.extend(injected);
    out.extend(it);
    Ok(out)
}

/// The value of `--name V` / `--name=V` on the command line.
fn flag_value(args: &[String], name: &str) -> Option<String> {
    let long = format!("--{name}");
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            return None;
        }
        if *a == long {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
    }
    None
}

fn given_on_command_line(args: &[String], long: &str, short: Option<char>) -> bool {
    let l = format!("--{long}");
    args.iter().skip(1).take_while(|a| *a != "--").any(|a| {
        *a == l
            || a.starts_with(&format!("{l}="))
            || short.is_some_and(|s| {
                // `-o json`, `-ojson`, and short switches grouped as in `-Hv`.
                let Some(rest) = a.strip_prefix('-').filter(|r| !r.starts_with('-')) else {
                    return false;
                };
                rest.starts_with(s)
                    || (rest.len() > 1
                        && rest.chars().all(|c| c.is_ascii_alphabetic())
                        && rest.contains(s))
            })
    })
}

/// Java properties: `key=value`, `key: value` or `key value`; `#` and `!` comment lines;
/// a trailing backslash continues the line.
fn parse_properties(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = if logical.is_empty() {
            raw.trim_start()
        } else {
            raw.trim()
        };
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let sep = entry
            .find(|c: char| c == '=' || c == ':' || c.is_whitespace())
            .unwrap_or(entry.len());
        let key = entry[..sep].trim().to_string();
        let mut rest = entry[sep..].trim_start();
        if let Some(r) = rest.strip_prefix(['=', ':']) {
            rest = r.trim_start();
        }
        if key.is_empty() {
            bail!("a line has no key: '{entry}'");
        }
        out.push((key, rest.trim_end().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_forms() {
        let p = parse_properties(
            "# comment\n! also\noutput=json\nhttp.response.pageLimit: 5\nregistry {\"url\": \"file:///x\"}\ndelimiter = ;\nvar a=1,\\\n  b=2\n",
        )
        .unwrap();
        assert_eq!(
            p,
            vec![
                ("output".into(), "json".into()),
                ("http.response.pageLimit".into(), "5".into()),
                ("registry".into(), "{\"url\": \"file:///x\"}".into()),
                ("delimiter".into(), ";".into()),
                ("var".into(), "a=1,b=2".into()),
            ]
        );
    }

    #[test]
    fn command_line_wins() {
        let args: Vec<String> = ["stackql", "-ojson", "exec", "--approot=/x", "-H"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(given_on_command_line(&args, "output", Some('o')));
        assert!(given_on_command_line(&args, "approot", None));
        assert!(given_on_command_line(&args, "hideheaders", Some('H')));
        assert!(!given_on_command_line(&args, "delimiter", Some('d')));
        assert_eq!(flag_value(&args, "approot").as_deref(), Some("/x"));
    }
}
