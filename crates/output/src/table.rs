//! `table` output: StackQL's boxed ASCII table.
//!
//! ```text
//! |-----------|-----------------------------------------------------|
//! |  region   |                      image_arn                      |
//! |-----------|-----------------------------------------------------|
//! | us-east-1 | arn:aws:sagemaker:us-east-1:123456789012:image/demo |
//! |-----------|-----------------------------------------------------|
//! ```
//!
//! Headers are centred (extra space goes right), cells left-aligned, widths
//! measured in terminal columns (`unicode-width`), so CJK and emoji line up.
//! A cell with line breaks becomes several physical lines of one row, so the
//! box never breaks; tabs become four spaces and other control characters are
//! shown escaped (`\u{1b}`, see [`crate::escape`]): they have no predictable width
//! and must never reach the terminal. NULL is shown as `null` to
//! tell it apart from an empty string.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use crate::ResultSet;

/// Split a value into display lines with control characters neutralised.
fn display_lines(text: &str) -> Vec<String> {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .split('\n')
        .map(|line| crate::escape::escape_controls(&line.replace('\t', "    "), &[]))
        .collect()
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn separator(out: &mut dyn Write, widths: &[usize]) -> io::Result<()> {
    let mut line = String::from("|");
    for w in widths {
        line.push_str(&"-".repeat(w + 2));
        line.push('|');
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// Write one logical row (possibly several physical lines).
fn row(
    out: &mut dyn Write,
    cells: &[Vec<String>],
    widths: &[usize],
    centre: bool,
) -> io::Result<()> {
    let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
    for i in 0..height {
        let mut line = String::from("|");
        for (cell, w) in cells.iter().zip(widths) {
            let text = cell.get(i).map_or("", String::as_str);
            let pad = w - width(text);
            let (left, right) = if centre {
                // Centre within the cell including its two margin spaces,
                // extra space on the right (as StackQL does).
                let total = pad + 2;
                (total / 2, total - total / 2)
            } else {
                (1, pad + 1)
            };
            line.push_str(&" ".repeat(left));
            line.push_str(text);
            line.push_str(&" ".repeat(right));
            line.push('|');
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub(crate) fn write(out: &mut dyn Write, rs: &ResultSet, hide_headers: bool) -> io::Result<()> {
    if rs.columns.is_empty() {
        return Ok(());
    }
    let header: Vec<Vec<String>> = rs.columns.iter().map(|c| display_lines(c)).collect();
    let body: Vec<Vec<Vec<String>>> = rs
        .rows
        .iter()
        .map(|r| {
            rs.aligned(r)
                .map(|c| display_lines(&c.to_text().unwrap_or_else(|| "null".to_string())))
                .collect()
        })
        .collect();

    let mut widths = vec![0usize; rs.columns.len()];
    let shown = body.iter().chain((!hide_headers).then_some(&header));
    for cells in shown {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = cell.iter().map(|l| width(l)).fold(*w, usize::max);
        }
    }

    if hide_headers && body.is_empty() {
        return Ok(());
    }
    separator(out, &widths)?;
    if !hide_headers {
        row(out, &header, &widths, true)?;
        separator(out, &widths)?;
    }
    if body.is_empty() {
        return Ok(());
    }
    for cells in &body {
        row(out, cells, &widths, false)?;
    }
    separator(out, &widths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{render_to_string, Cell, OutputFormat, OutputOptions};

    #[test]
    fn reference_example() {
        let rs = ResultSet {
            columns: vec!["region".into(), "image_arn".into()],
            rows: vec![vec![
                Cell::from("us-east-1"),
                Cell::from("arn:aws:sagemaker:us-east-1:123456789012:image/demo"),
            ]],
        };
        let out = render_to_string(&rs, &OutputOptions::default()).unwrap();
        assert_eq!(
            out,
            "\
|-----------|-----------------------------------------------------|
|  region   |                      image_arn                      |
|-----------|-----------------------------------------------------|
| us-east-1 | arn:aws:sagemaker:us-east-1:123456789012:image/demo |
|-----------|-----------------------------------------------------|
"
        );
        let opts = OutputOptions {
            format: OutputFormat::Table,
            hide_headers: true,
            ..OutputOptions::default()
        };
        assert_eq!(
            render_to_string(&rs, &opts).unwrap(),
            "\
|-----------|-----------------------------------------------------|
| us-east-1 | arn:aws:sagemaker:us-east-1:123456789012:image/demo |
|-----------|-----------------------------------------------------|
"
        );
    }

    #[test]
    fn control_characters_do_not_break_the_box() {
        assert_eq!(
            display_lines("a\tb\r\nc\u{7}\u{1b}[2J"),
            vec!["a    b", "c\\u{7}\\u{1b}[2J"]
        );
    }
}
