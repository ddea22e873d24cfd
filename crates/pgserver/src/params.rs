//! Extended-protocol parameters. The engine has no bind parameters, so `$1..$n` are found
//! outside quotes and comments and replaced by SQL literals before the statement runs.

use stackql_sql::scan::Region;

/// Calls `f(start, end, n)` for every `$n` outside string literals, quoted identifiers and
/// comments (the regions `stackql_sql::scan` finds).
fn scan(sql: &str, mut f: impl FnMut(usize, usize, usize)) {
    for piece in stackql_sql::scan::regions(sql) {
        if piece.region != Region::Code {
            continue;
        }
        let b = sql.as_bytes();
        let mut i = piece.start;
        while i < piece.end {
            if b[i] == b'$' {
                let mut j = i + 1;
                while j < piece.end && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j > i + 1 {
                    if let Ok(n) = sql[i + 1..j].parse::<usize>() {
                        f(i, j, n);
                    }
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
    }
}

/// The highest `$n` in the statement: how many parameters the client must bind.
pub fn count(sql: &str) -> usize {
    let mut max = 0;
    scan(sql, |_, _, n| max = max.max(n));
    max
}

/// Replaces each `$n` with `literals[n - 1]`.
pub fn substitute(sql: &str, literals: &[String]) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    let mut missing = None;
    scan(sql, |start, end, n| {
        out.push_str(&sql[last..start]);
        match literals.get(n.wrapping_sub(1)) {
            Some(l) => out.push_str(l),
            None => missing = Some(n),
        }
        last = end;
    });
    if let Some(n) = missing {
        return Err(format!(
            "parameter ${n} has no value ({} bound)",
            literals.len()
        ));
    }
    out.push_str(&sql[last..]);
    Ok(out)
}

/// A text value as a SQL string literal.
pub fn text_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statement's first keyword, upper-cased, after comments.
pub fn first_keyword(sql: &str) -> String {
    for piece in stackql_sql::scan::regions(sql) {
        let text = sql[piece.start..piece.end].trim_start();
        match piece.region {
            Region::LineComment | Region::BlockComment => continue,
            Region::Code if text.is_empty() => continue,
            Region::Code => {
                return text
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect::<String>()
                    .to_ascii_uppercase()
            }
            Region::Quoted(_) => break,
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_outside_quotes_only() {
        let sql = "SELECT '$1', \"$2\" FROM t WHERE a = $1 -- $3\n AND b = $2 /* $4 */";
        assert_eq!(count(sql), 2);
        assert_eq!(
            substitute(sql, &["'x'".into(), "2".into()]).unwrap(),
            "SELECT '$1', \"$2\" FROM t WHERE a = 'x' -- $3\n AND b = 2 /* $4 */"
        );
        assert!(substitute("SELECT $2", &["1".into()]).is_err());
        assert_eq!(text_literal("it's"), "'it''s'");
    }

    #[test]
    fn first_keyword_skips_comments() {
        assert_eq!(
            first_keyword("-- c\n /* x */ insert /*+ AWAIT */ INTO"),
            "INSERT"
        );
        assert_eq!(first_keyword("  select 1"), "SELECT");
    }
}
