//! `table` output: StackQL's boxed table, laid out by the rules of the table writer StackQL
//! configures (olekukonko/tablewriter at the version StackQL pins, with a line after every
//! row, `|` at the corners and headers printed as written).
//!
//! ```text
//! |-----------|--------------------------------|-------|
//! |  region   |          description           | count |
//! |-----------|--------------------------------|-------|
//! | us-east-1 | a description long enough to   |    12 |
//! |           | be wrapped at thirty columns   |       |
//! |-----------|--------------------------------|-------|
//! ```
//!
//! - A cell is wrapped at its own widest line, and at most at 30 columns
//!   ([`MAX_CELL_WIDTH`]), with minimal raggedness ([`crate::wrap`]); a word wider than
//!   that stays whole and widens the column. Line breaks in a cell are reflowed with the
//!   rest of its text, as StackQL does.
//! - Each physical line of a cell that looks like a number (`-*digits.digits`, empty
//!   included) is right-aligned, any other left-aligned; headers are centred, the odd
//!   column of space going right.
//! - Zero rows print the header block only; NULL prints as `null`.
//! - Widths are terminal columns (`unicode-width`): East Asian wide characters take two.
//!
//! Ours, not StackQL's: `-H` hides the header block (and an empty result prints nothing);
//! `\r` breaks a line like `\n`, a tab is four spaces and other control characters are
//! shown escaped (`\u{1b}`, see [`crate::escape`]), so data never drives the terminal.

use std::io::{self, Write};

use crate::escape::escape_controls;
use crate::wrap::{display_width, wrap};
use crate::ResultSet;

/// The widest a cell is wrapped to, in terminal columns.
pub(crate) const MAX_CELL_WIDTH: usize = 30;

/// A cell broken into the lines it prints as, and the columns the widest takes.
struct LaidOut {
    lines: Vec<String>,
    width: usize,
}

/// Break `text` into printed lines: its own lines made safe to print, reflowed into one
/// paragraph and wrapped at the widest of them, capped at [`MAX_CELL_WIDTH`].
fn lay_out(text: &str) -> LaidOut {
    let source: Vec<String> = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(|line| escape_controls(&line.replace('\t', "    "), &[]))
        .collect();
    let limit = source
        .iter()
        .map(|l| display_width(l))
        .max()
        .unwrap_or(0)
        .min(MAX_CELL_WIDTH);
    let lines = wrap(&source.join(" "), limit);
    let width = lines
        .iter()
        .map(|l| display_width(l))
        .fold(limit, usize::max);
    LaidOut { lines, width }
}

/// The table writer's test for numbers, `^-*\d*\.?\d*$` on the trimmed text: it also
/// holds for `""`, `-` and `.`, which only decides where spaces go.
fn looks_numeric(text: &str) -> bool {
    let unsigned = text.trim().trim_start_matches('-');
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
}

/// `text` in `width` columns; text wider than that is printed as it is.
fn align(text: &str, width: usize, how: Align) -> String {
    let gap = width.saturating_sub(display_width(text));
    let left = match how {
        Align::Left => 0,
        Align::Right => gap,
        Align::Centre => gap / 2,
    };
    format!("{}{text}{}", " ".repeat(left), " ".repeat(gap - left))
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Centre,
}

fn rule(widths: &[usize]) -> String {
    let mut line = String::from("|");
    for w in widths {
        line.push_str(&"-".repeat(w + 2));
        line.push('|');
    }
    line.push('\n');
    line
}

/// The physical lines of one row. A cell with fewer lines than the row is continued with
/// `filler` (the table writer pads body cells with two spaces, header cells with nothing).
fn write_row(
    out: &mut dyn Write,
    cells: &[LaidOut],
    widths: &[usize],
    filler: &str,
    aligned: impl Fn(&str) -> Align,
) -> io::Result<()> {
    let height = cells.iter().map(|c| c.lines.len()).max().unwrap_or(0);
    for i in 0..height {
        let mut line = String::from("|");
        for (cell, &w) in cells.iter().zip(widths) {
            let text = cell.lines.get(i).map_or(filler, String::as_str);
            line.push(' ');
            line.push_str(&align(text, w, aligned(text)));
            line.push_str(" |");
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub(crate) fn write(out: &mut dyn Write, rs: &ResultSet, hide_headers: bool) -> io::Result<()> {
    if rs.columns.is_empty() || (hide_headers && rs.rows.is_empty()) {
        return Ok(());
    }
    let header: Option<Vec<LaidOut>> =
        (!hide_headers).then(|| rs.columns.iter().map(|c| lay_out(c)).collect());
    let body: Vec<Vec<LaidOut>> = rs
        .rows
        .iter()
        .map(|r| {
            rs.aligned(r)
                .map(|c| lay_out(&c.to_text().unwrap_or_else(|| "null".to_string())))
                .collect()
        })
        .collect();

    let mut widths = vec![0usize; rs.columns.len()];
    for cells in header.iter().chain(&body) {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(cell.width);
        }
    }

    let rule = rule(&widths);
    out.write_all(rule.as_bytes())?;
    if let Some(header) = &header {
        write_row(out, header, &widths, "", |_| Align::Centre)?;
        out.write_all(rule.as_bytes())?;
    }
    for cells in &body {
        write_row(out, cells, &widths, "  ", |text| {
            if looks_numeric(text) {
                Align::Right
            } else {
                Align::Left
            }
        })?;
        out.write_all(rule.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_the_table_writer_sees_them() {
        for yes in ["12", "-3", "0.5", ".5", "5.", "--7", "", " 42 ", "-", "."] {
            assert!(looks_numeric(yes), "{yes:?}");
        }
        for no in [
            "1e5", "1.2.3", "+1", "1-", "null", "12 34", "٣", "0x1f", "1,000",
        ] {
            assert!(!looks_numeric(no), "{no:?}");
        }
    }

    #[test]
    fn cells_are_made_safe_before_they_are_measured() {
        let laid = lay_out("a\tb\r\nc\u{7}\u{1b}[2J");
        assert_eq!(laid.lines, vec!["a    b", "c\\u{7}\\u{1b}[2J"]);
        assert_eq!(laid.width, 15);
    }

    #[test]
    fn line_breaks_are_reflowed_within_the_widest_line() {
        // Widest line 4 columns: "aaaa bb" cannot share a line at 4.
        assert_eq!(lay_out("aaaa\nbb").lines, vec!["aaaa", "bb"]);
        // Widest line 5: "b" and "c" fit together once reflowed.
        assert_eq!(lay_out("aaaaa\nb\nc").lines, vec!["aaaaa", "b c"]);
    }

    #[test]
    fn alignment_pads_and_never_cuts() {
        assert_eq!(align("ab", 5, Align::Centre), " ab  ");
        assert_eq!(align("ab", 5, Align::Right), "   ab");
        assert_eq!(align("ab", 5, Align::Left), "ab   ");
        assert_eq!(align("  ", 1, Align::Right), "  ");
    }
}
