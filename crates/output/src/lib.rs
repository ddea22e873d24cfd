//! Public API of `stackql-output`: the result-set model and `write_result` for every output format.
//!
//! Formats (all end with a newline after the last line they print):
//! - `table`: StackQL's boxed ASCII table, cells wrapped at 30 columns and numbers
//!   right-aligned (see [`table`]); NULL shows as `null`.
//! - `json`: one compact JSON array of objects, keys in column order, then `\n`.
//! - `jsonl`: one compact JSON object per row and line.
//! - `csv`: RFC 4180 (quoting only where needed), NULL as an empty field.
//! - `text`: fields joined by the delimiter, no quoting at all, NULL as empty.
//!
//! `table` and `text` show control characters from the data (ESC sequences included) as
//! `\u{1b}`-style escapes, so printed cloud data never drives the terminal ([`escape`]).
//!
//! Cell values as text: integers in decimal; reals in Rust's shortest
//! round-trip form with `.0` kept on whole numbers (`2.0`, `0.1`, `1e300`),
//! non-finite as `NaN`/`inf`/`-inf` (JSON: `null`); blobs as standard padded
//! base64 in every format (JSON has no bytes type, and base64 is what most
//! JSON producers use for bytes).
//!
//! A row with fewer cells than columns is padded with NULLs; extra cells are
//! ignored, so a malformed row can never shift the columns.

mod destination;
mod escape;
mod json;
mod table;
mod text;
mod wrap;

pub use destination::Destination;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use thiserror::Error;

/// One value of a result row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    /// The value as display text; `None` for NULL (each format decides how
    /// to show NULL).
    pub fn to_text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Integer(i) => Some(i.to_string()),
            Cell::Real(f) => Some(format_real(*f)),
            Cell::Text(s) => Some(s.clone()),
            Cell::Blob(b) => Some(base64(b)),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Integer(i)
    }
}

impl From<f64> for Cell {
    fn from(f: f64) -> Self {
        Cell::Real(f)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// Column names and rows of one statement's result.
#[derive(Clone, Debug, Default)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl ResultSet {
    /// The cells of `row` aligned to the columns (padded with NULL, extra
    /// cells dropped).
    pub(crate) fn aligned<'a>(&'a self, row: &'a [Cell]) -> impl Iterator<Item = &'a Cell> + 'a {
        static NULL: Cell = Cell::Null;
        (0..self.columns.len()).map(move |i| row.get(i).unwrap_or(&NULL))
    }
}

/// The `--output` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
    Text,
}

impl OutputFormat {
    /// Every format, in the order they are listed to users.
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Table,
        OutputFormat::Json,
        OutputFormat::Jsonl,
        OutputFormat::Csv,
        OutputFormat::Text,
    ];

    /// The name accepted by `--output`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
            OutputFormat::Text => "text",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An `--output` value that names no format.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("unknown output format '{given}'; valid formats are: table, json, jsonl, csv, text")]
pub struct UnknownFormat {
    pub given: String,
}

impl FromStr for OutputFormat {
    type Err = UnknownFormat;

    /// Case-insensitive, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFormat {
                given: s.to_string(),
            })
    }
}

/// How to print a result.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    pub format: OutputFormat,
    /// Omit the header row (csv, text) or header block (table). No effect on json/jsonl.
    pub hide_headers: bool,
    /// Field separator for csv and text; csv needs an ASCII character.
    pub delimiter: char,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            format: OutputFormat::Table,
            hide_headers: false,
            delimiter: ',',
        }
    }
}

/// Write `rs` to `out` in the format of `opts`.
///
/// Errors are I/O errors from `out`, or `InvalidInput` for a csv delimiter
/// that is not ASCII.
pub fn write_result(
    out: &mut dyn Write,
    rs: &ResultSet,
    opts: &OutputOptions,
) -> std::io::Result<()> {
    match opts.format {
        OutputFormat::Table => table::write(out, rs, opts.hide_headers),
        OutputFormat::Json => json::write_array(out, rs),
        OutputFormat::Jsonl => json::write_lines(out, rs),
        OutputFormat::Csv => text::write_csv(out, rs, opts),
        OutputFormat::Text => text::write_text(out, rs, opts),
    }
}

/// Render `rs` to a `String` (convenience for tests and the shell).
pub fn render_to_string(rs: &ResultSet, opts: &OutputOptions) -> std::io::Result<String> {
    let mut buf = Vec::new();
    write_result(&mut buf, rs, opts)?;
    // Every writer only emits UTF-8 (text cells are `String`s).
    Ok(String::from_utf8(buf).expect("formatters write UTF-8"))
}

fn format_real(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        // Keep whole reals recognisable as reals, as SQLite does (`2.0`).
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// Standard base64 with padding (RFC 4648 §4). Small enough not to warrant a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        // RFC 4648 §10 test vectors.
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn reals() {
        assert_eq!(format_real(2.0), "2.0");
        assert_eq!(format_real(-0.5), "-0.5");
        assert_eq!(format_real(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_real(1e300), 1e300.to_string());
        assert_eq!(format_real(f64::NAN), "NaN");
        assert_eq!(format_real(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn format_names() {
        assert_eq!("JSON".parse::<OutputFormat>(), Ok(OutputFormat::Json));
        assert_eq!(" jsonl ".parse::<OutputFormat>(), Ok(OutputFormat::Jsonl));
        let err = "yaml".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown output format 'yaml'; valid formats are: table, json, jsonl, csv, text"
        );
        for f in OutputFormat::ALL {
            assert_eq!(f.to_string().parse::<OutputFormat>(), Ok(f));
        }
    }

    #[test]
    fn rows_are_aligned_to_columns() {
        let rs = ResultSet {
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::Integer(1)], vec![1.into(), 2.into(), 3.into()]],
        };
        let opts = OutputOptions {
            format: OutputFormat::Csv,
            ..OutputOptions::default()
        };
        assert_eq!(render_to_string(&rs, &opts).unwrap(), "a,b\n1,\n1,2\n");
    }

    #[test]
    fn cell_conversions() {
        assert_eq!(Cell::from(Some("x")), Cell::Text("x".into()));
        assert_eq!(Cell::from(None::<i64>), Cell::Null);
        assert_eq!(Cell::Blob(vec![0xff]).to_text().as_deref(), Some("/w=="));
    }
}
