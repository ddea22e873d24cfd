//! Query hints written as `/*+ NAME */` comments (StackQL's `/*+ AWAIT */`), found by
//! `scan.rs`.

use crate::scan::Region;

/// Hints found in a statement's text. Unknown hint names are kept so the caller can refuse
/// them instead of ignoring them silently.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    pub await_completion: bool,
    /// `/*+ ALLOW_PARTIAL */`: return what could be fetched, report failed calls.
    pub allow_partial: bool,
    pub unknown: Vec<String>,
}

impl Hints {
    /// Reads every `/*+ ... */` comment of the statement (not those inside quotes or
    /// other comments).
    pub fn scan(sql: &str) -> Hints {
        let mut hints = Hints::default();
        for word in hint_words(sql) {
            match word.as_str() {
                "AWAIT" => hints.await_completion = true,
                "ALLOW_PARTIAL" => hints.allow_partial = true,
                _ => hints.unknown.push(word),
            }
        }
        hints
    }
}

/// The upper-cased words, split at white space and commas, of every `/*+ ... */` comment
/// of `sql` (an unclosed one runs to the end).
pub(crate) fn hint_words(sql: &str) -> Vec<String> {
    crate::scan::regions(sql)
        .filter(|p| p.region == Region::BlockComment)
        .filter_map(|p| sql[p.start..p.end].strip_prefix("/*+"))
        .flat_map(|body| {
            body.strip_suffix("*/")
                .unwrap_or(body)
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_uppercase)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_await_outside_strings_only() {
        assert!(Hints::scan("INSERT /*+ AWAIT */ INTO x SELECT 1").await_completion);
        assert!(!Hints::scan("SELECT '/*+ AWAIT */'").await_completion);
        assert!(!Hints::scan("SELECT 1 -- /*+ AWAIT */").await_completion);
        assert_eq!(
            Hints::scan("DELETE /*+ AWAIT, FAST */ FROM x").unknown,
            vec!["FAST"]
        );
        // Characters of several bytes before and between hints.
        let h = Hints::scan("SELECT 'é', 𷌒 /*+ AWAIT */ -- café");
        assert!(h.await_completion && h.unknown.is_empty());
    }
}
