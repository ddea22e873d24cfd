//! SQL text cut into its lexical regions — code, quoted text, comments — the one scanner
//! behind everything that looks for something "outside quotes and comments": statement
//! splitting (`split.rs`), `/*+ HINT */` comments (`hints.rs`), the shell's "is the
//! statement complete" and the Postgres server's `$n` parameters.
//!
//! Quotes are `'`, `"` and `` ` ``, each closed by the same character; a doubled quote
//! (`'it''s'`) reads as two adjacent quoted regions, which is the same for every caller.
//! Comments are `-- ...` to the end of the line and `/* ... */` (not nested).

/// What a region of SQL text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Anything outside quotes and comments.
    Code,
    /// A quoted string or identifier, its quote character with it.
    Quoted(u8),
    /// `-- ...` up to (not including) the newline.
    LineComment,
    /// `/* ... */`, delimiters included; a hint is one whose text starts with `/*+`.
    BlockComment,
}

/// One region: `text[start..end]`. `terminated` is false for a quote or block comment the
/// text ends inside of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub region: Region,
    pub start: usize,
    pub end: usize,
    pub terminated: bool,
}

/// The regions of `sql` in order; together they cover it exactly. Linear in the text, and
/// every boundary is an ASCII byte, so each piece is a valid `&str` slice.
pub fn regions(sql: &str) -> Regions<'_> {
    Regions {
        bytes: sql.as_bytes(),
        pos: 0,
    }
}

pub struct Regions<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for Regions<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let b = self.bytes;
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let find = |from: usize, needle: &[u8]| {
            b.get(from..)
                .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
                .map(|at| from + at)
        };
        let (region, end, terminated) = match b[start] {
            q @ (b'\'' | b'"' | b'`') => match find(start + 1, &[q]) {
                Some(close) => (Region::Quoted(q), close + 1, true),
                None => (Region::Quoted(q), b.len(), false),
            },
            b'-' if b.get(start + 1) == Some(&b'-') => {
                let end = find(start + 2, b"\n").unwrap_or(b.len());
                (Region::LineComment, end, true)
            }
            b'/' if b.get(start + 1) == Some(&b'*') => match find(start + 2, b"*/") {
                Some(close) => (Region::BlockComment, close + 2, true),
                None => (Region::BlockComment, b.len(), false),
            },
            _ => {
                let mut end = start + 1;
                while end < b.len() && !starts_region(b, end) {
                    end += 1;
                }
                (Region::Code, end, true)
            }
        };
        self.pos = end;
        Some(Piece {
            region,
            start,
            end,
            terminated,
        })
    }
}

fn starts_region(b: &[u8], i: usize) -> bool {
    match b[i] {
        b'\'' | b'"' | b'`' => true,
        b'-' => b.get(i + 1) == Some(&b'-'),
        b'/' => b.get(i + 1) == Some(&b'*'),
        _ => false,
    }
}

/// Byte offsets of every `;` outside quotes and comments.
pub fn top_level_semicolons(sql: &str) -> impl Iterator<Item = usize> + '_ {
    regions(sql)
        .filter(|p| p.region == Region::Code)
        .flat_map(move |p| {
            sql[p.start..p.end]
                .bytes()
                .enumerate()
                .filter(|(_, c)| *c == b';')
                .map(move |(i, _)| p.start + i)
        })
}

/// Whether `input` is one or more whole statements: it ends with a `;` that is outside
/// quotes and comments, and no quote or block comment is left open (the shell reads more
/// lines until it is).
pub fn ends_statement(input: &str) -> bool {
    let t = input.trim_end();
    if !t.ends_with(';') || regions(t).any(|p| !p.terminated) {
        return false;
    }
    top_level_semicolons(t).last() == Some(t.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Region, &str, bool)> {
        regions(sql)
            .map(|p| (p.region, &sql[p.start..p.end], p.terminated))
            .collect()
    }

    #[test]
    fn regions_cover_the_text_and_tell_code_from_quotes_and_comments() {
        let sql = "SELECT 'a;b', \"c\" -- d;\n/*+ AWAIT */ `e` /* f";
        let got = kinds(sql);
        assert_eq!(
            got,
            vec![
                (Region::Code, "SELECT ", true),
                (Region::Quoted(b'\''), "'a;b'", true),
                (Region::Code, ", ", true),
                (Region::Quoted(b'"'), "\"c\"", true),
                (Region::Code, " ", true),
                (Region::LineComment, "-- d;", true),
                (Region::Code, "\n", true),
                (Region::BlockComment, "/*+ AWAIT */", true),
                (Region::Code, " ", true),
                (Region::Quoted(b'`'), "`e`", true),
                (Region::Code, " ", true),
                (Region::BlockComment, "/* f", false),
            ]
        );
        assert_eq!(got.iter().map(|g| g.1).collect::<String>(), sql);
    }

    #[test]
    fn a_doubled_quote_and_multibyte_text_stay_inside_their_regions() {
        assert_eq!(
            kinds("'it''s' é;"),
            vec![
                (Region::Quoted(b'\''), "'it'", true),
                (Region::Quoted(b'\''), "'s'", true),
                (Region::Code, " é;", true),
            ]
        );
        assert_eq!(top_level_semicolons("'it''s' é;").collect::<Vec<_>>(), [10]);
    }

    #[test]
    fn a_statement_ends_only_at_a_top_level_semicolon_with_nothing_left_open() {
        assert!(ends_statement("SELECT 1;"));
        assert!(ends_statement("SELECT ';' ;  \n"));
        assert!(!ends_statement("SELECT 'a;"));
        assert!(!ends_statement("SELECT 1 /* ;"));
        assert!(!ends_statement("SELECT 1 -- ;"));
        assert!(!ends_statement("SELECT 1"));
    }
}
