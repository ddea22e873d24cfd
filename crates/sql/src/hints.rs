//! Query hints written as `/*+ NAME */` comments (StackQL's `/*+ AWAIT */`).

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
    /// Scans every `/*+ ... */` comment outside string literals.
    pub fn scan(sql: &str) -> Hints {
        let mut hints = Hints::default();
        let bytes = sql.as_bytes();
        let mut i = 0;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'\'' || b == b'"' => quote = Some(b),
                // On bytes: `i` may sit inside a multi-byte character.
                None if bytes[i..].starts_with(b"/*+") => {
                    let body_start = i + 3;
                    let end = sql[body_start..]
                        .find("*/")
                        .map(|e| body_start + e)
                        .unwrap_or(sql.len());
                    for word in sql[body_start..end].split(|c: char| c.is_whitespace() || c == ',')
                    {
                        match word.to_ascii_uppercase().as_str() {
                            "" => {}
                            "AWAIT" => hints.await_completion = true,
                            "ALLOW_PARTIAL" => hints.allow_partial = true,
                            other => hints.unknown.push(other.to_string()),
                        }
                    }
                    i = end + 2;
                    continue;
                }
                None => {}
            }
            i += 1;
        }
        hints
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn finds_await_outside_strings_only() {
        assert!(Hints::scan("INSERT /*+ AWAIT */ INTO x SELECT 1").await_completion);
        assert!(!Hints::scan("SELECT '/*+ AWAIT */'").await_completion);
        assert_eq!(
            Hints::scan("DELETE /*+ AWAIT, FAST */ FROM x").unknown,
            vec!["FAST"]
        );
        // Characters of several bytes before and between hints.
        let h = Hints::scan("SELECT 'é', 𷌒 /*+ AWAIT */ -- café");
        assert!(h.await_completion && h.unknown.is_empty());
    }
}
