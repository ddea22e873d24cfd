//! Splitting a script into statements on `;` outside quotes and comments (found by
//! `scan.rs`).

use crate::scan::Region;
use crate::SqlError;

/// One statement of a script, trimmed, with the line it starts on (1-based) for errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementText {
    pub text: String,
    pub line: usize,
}

/// Splits on top-level `;`. Statements that are empty or only comments are dropped.
/// Linear in the script: each byte is looked at a bounded number of times, and line
/// numbers are counted on from the previous statement, not from the start.
/// A script over `MAX_SCRIPT_BYTES` is refused.
pub fn split_statements(script: &str) -> Result<Vec<StatementText>, SqlError> {
    crate::limits::check_script(script)?;
    let mut out = Vec::new();
    let bytes = script.as_bytes();
    let mut start = 0;
    // Newlines in script[..counted_to] are `lines_before`.
    let mut counted_to = 0;
    let mut lines_before = 0;
    let mut push = |from: usize, to: usize, out: &mut Vec<StatementText>| {
        let piece = &script[from..to];
        if has_code(piece) {
            let lead = piece.len() - piece.trim_start().len();
            let at = from + lead;
            lines_before += bytecount_newlines(&bytes[counted_to..at]);
            counted_to = at;
            out.push(StatementText {
                text: piece.trim().to_string(),
                line: lines_before + 1,
            });
        }
    };
    for i in crate::scan::top_level_semicolons(script) {
        push(start, i, &mut out);
        start = i + 1;
    }
    if start < script.len() {
        push(start, script.len(), &mut out);
    }
    Ok(out)
}

fn bytecount_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// Whether a piece holds anything but whitespace and comments (a `/*+ HINT */` counts).
fn has_code(piece: &str) -> bool {
    crate::scan::regions(piece).any(|p| match p.region {
        Region::Code => !piece[p.start..p.end].trim().is_empty(),
        Region::Quoted(_) => true,
        Region::LineComment => false,
        Region::BlockComment => piece[p.start..p.end].starts_with("/*+"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn splits_outside_quotes_and_comments() {
        let s = split_statements("SELECT ';'; -- a; b\nSELECT 2;\n/* c; */ ;  ").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "SELECT ';'");
        assert_eq!(s[1].text, "-- a; b\nSELECT 2");
        assert_eq!(s[1].line, 1);
    }
    #[test]
    fn line_numbers() {
        let s = split_statements("\n\nSELECT 1;\nSELECT 2").unwrap();
        assert_eq!((s[0].line, s[1].line), (3, 4));
    }
}
