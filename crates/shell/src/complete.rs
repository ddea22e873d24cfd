//! Tab completion from the registry: keywords, providers, `provider.` -> services,
//! `provider.service.` -> resources, the columns and required parameters of the resources
//! the statement names, and region names (the `region` server variable's enum) after
//! `region =` or inside `region IN (`.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use stackql_registry::{Registry, SqlVerb};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "AS",
    "ON",
    "JOIN",
    "LEFT",
    "INNER",
    "GROUP",
    "BY",
    "ORDER",
    "ASC",
    "DESC",
    "LIMIT",
    "DISTINCT",
    "COUNT",
    "JSON_EXTRACT",
    "JSON_EACH",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "EXEC",
    "SHOW",
    "EXTENDED",
    "PROVIDERS",
    "SERVICES",
    "RESOURCES",
    "METHODS",
    "DESCRIBE",
    "REGISTRY",
    "LIST",
    "PULL",
    "WITH",
    "UNION",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXPLAIN",
    "CREATE",
    "VIEW",
    "DROP",
    "TABLE",
    "MATERIALIZED",
    "REFRESH",
];
const COMMANDS: &[&str] = &["help", "exit", "quit"];

pub struct ShellHelper {
    registry: Option<Arc<Registry>>,
    /// Lines of the statement typed so far (before the current line), so completion on a
    /// continuation line knows which resources the statement names.
    pub pending: Mutex<String>,
}

impl ShellHelper {
    pub fn new(registry: Option<Arc<Registry>>) -> ShellHelper {
        ShellHelper {
            registry,
            pending: Mutex::new(String::new()),
        }
    }

    /// Completion candidates for `line` with the cursor at `pos`: (start of the replaced
    /// word, full replacements).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '-' | '\'')))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        let pending = self.pending.lock().expect("pending lock").clone();
        let statement = format!("{pending}\n{line}");
        let Some(reg) = &self.registry else {
            return (start, keyword_matches(word));
        };

        if after_region_predicate(&format!("{pending}\n{}", &before[..start])) {
            let prefix = word.trim_start_matches('\'');
            let mut regions = BTreeSet::new();
            for (p, s, _) in named_resources(&statement) {
                if let Ok(svc) = reg.provider(&p).and_then(|pr| pr.service(&s)) {
                    for server in &svc.servers {
                        if let Some((_, values)) = server.variables.get("region") {
                            regions.extend(values.iter().cloned());
                        }
                    }
                }
            }
            let out = regions
                .into_iter()
                .filter(|r| r.starts_with(prefix))
                .map(|r| format!("'{r}'"))
                .collect();
            return (start, out);
        }

        let parts: Vec<&str> = word.split('.').collect();
        match parts.as_slice() {
            [provider, svc_prefix] => {
                let Ok(p) = reg.provider(provider) else {
                    return (start, vec![]);
                };
                let out = p
                    .services
                    .keys()
                    .filter(|s| s.starts_with(svc_prefix))
                    .map(|s| format!("{provider}.{s}"))
                    .collect();
                (start, out)
            }
            [provider, service, res_prefix] => {
                let Ok(svc) = reg.provider(provider).and_then(|p| p.service(service)) else {
                    return (start, vec![]);
                };
                let out = svc
                    .resources
                    .keys()
                    .filter(|r| r.starts_with(res_prefix))
                    .map(|r| format!("{provider}.{service}.{r}"))
                    .collect();
                (start, out)
            }
            [single] => {
                let mut out = keyword_matches(single);
                if let Ok(providers) = reg.provider_names() {
                    out.extend(providers.into_iter().filter(|p| p.starts_with(single)));
                }
                let mut cols = BTreeSet::new();
                for (p, s, r) in named_resources(&statement) {
                    if let Ok((_, res)) = reg.resource(&p, &s, &r) {
                        cols.extend(resource_columns(&res));
                    }
                }
                out.extend(
                    cols.into_iter()
                        .filter(|c| c.to_lowercase().starts_with(&single.to_lowercase())),
                );
                (start, out)
            }
            _ => (start, vec![]),
        }
    }
}

fn keyword_matches(word: &str) -> Vec<String> {
    if word.is_empty() {
        return vec![];
    }
    let lower = word.chars().all(|c| !c.is_ascii_uppercase());
    let mut out: Vec<String> = KEYWORDS
        .iter()
        .filter(|k| k.starts_with(&word.to_ascii_uppercase()))
        .map(|k| {
            if lower {
                k.to_lowercase()
            } else {
                k.to_string()
            }
        })
        .collect();
    out.extend(
        COMMANDS
            .iter()
            .filter(|c| c.starts_with(word))
            .map(|c| c.to_string()),
    );
    out
}

/// `... region =`, `... region = 'us-`, `... region IN ('a', ` (case-insensitive).
fn after_region_predicate(before_word: &str) -> bool {
    let lower = before_word.to_lowercase();
    let t = lower.trim_end();
    if let Some(rest) = t.strip_suffix('=') {
        return rest.trim_end().ends_with("region");
    }
    // Inside an open IN list after `region`.
    if let Some(open) = t.rfind('(') {
        if !t[open..].contains(')') {
            let head = t[..open].trim_end();
            if let Some(h) = head.strip_suffix("in") {
                return h.trim_end().ends_with("region");
            }
        }
    }
    false
}

/// `provider.service.resource` names in the statement text.
fn named_resources(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for token in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
        let parts: Vec<&str> = token.split('.').collect();
        if let [p, s, r] = parts.as_slice() {
            if !p.is_empty() && !s.is_empty() && !r.is_empty() {
                out.push((p.to_string(), s.to_string(), r.to_string()));
            }
        }
    }
    out
}

/// Columns a user can name: the view's output columns (or the select methods' columns) and
/// every method's required parameters.
fn resource_columns(res: &stackql_registry::Resource) -> BTreeSet<String> {
    let mut cols = BTreeSet::new();
    if let Some(view) = res.select_view() {
        cols.extend(view_columns(&view.ddl));
    }
    for m in res.methods_for(SqlVerb::Select) {
        cols.extend(m.columns.iter().map(|c| c.0.clone()));
    }
    for m in res.methods.values() {
        cols.extend(m.required_param_names());
    }
    cols
}

/// Output column names of a view's `SELECT a, f(x) as b FROM ...`.
fn view_columns(ddl: &str) -> Vec<String> {
    let lower = ddl.to_lowercase();
    let (Some(s), Some(f)) = (lower.find("select"), lower.find("from")) else {
        return vec![];
    };
    if f < s {
        return vec![];
    }
    let list = &ddl[s + 6..f];
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in list.chars().chain(std::iter::once(',')) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                let item = std::mem::take(&mut current);
                let name = item
                    .split_whitespace()
                    .last()
                    .unwrap_or("")
                    .trim_matches('"');
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(name.to_string());
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, cands) = self.candidates(line, pos);
        Ok((
            start,
            cands
                .into_iter()
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: c,
                })
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_context() {
        assert!(after_region_predicate(
            "SELECT * FROM a.b.c WHERE region = "
        ));
        assert!(after_region_predicate("WHERE REGION="));
        assert!(after_region_predicate("WHERE region IN ('us-east-1', "));
        assert!(!after_region_predicate("WHERE data__Identifier = "));
        assert!(!after_region_predicate("WHERE region IN ('a') AND x = "));
    }

    #[test]
    fn view_column_names() {
        let ddl = "SELECT\nregion,\nJSON_EXTRACT(Properties, '$.ImageArn') as image_arn\nFROM aws.cloud_control.resources";
        assert_eq!(view_columns(ddl), vec!["region", "image_arn"]);
    }

    #[test]
    fn names_in_statement() {
        assert_eq!(
            named_resources("SELECT x FROM aws.sagemaker.images WHERE"),
            vec![("aws".into(), "sagemaker".into(), "images".into())]
        );
    }
}
