//! `csv` (RFC 4180 via the `csv` crate) and `text` (plain delimited, unquoted; control
//! characters other than tab and newline escaped, see [`crate::escape`]) output.

use std::io::{self, Write};

use crate::escape::escape_controls;
use crate::{OutputOptions, ResultSet};

pub(crate) fn write_csv(
    out: &mut dyn Write,
    rs: &ResultSet,
    opts: &OutputOptions,
) -> io::Result<()> {
    let delimiter = u8::try_from(opts.delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "csv delimiter must be an ASCII character, got {:?}",
                    opts.delimiter
                ),
            )
        })?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        // Records may legitimately differ in length (zero columns); we align rows ourselves.
        .flexible(true)
        .from_writer(out);
    if !opts.hide_headers {
        w.write_record(&rs.columns)?;
    }
    for row in &rs.rows {
        w.write_record(rs.aligned(row).map(|c| c.to_text().unwrap_or_default()))?;
    }
    w.flush()
}

pub(crate) fn write_text(
    out: &mut dyn Write,
    rs: &ResultSet,
    opts: &OutputOptions,
) -> io::Result<()> {
    let mut sep = [0u8; 4];
    let sep = opts.delimiter.encode_utf8(&mut sep).as_bytes();
    let mut line = |fields: &mut dyn Iterator<Item = String>| -> io::Result<()> {
        for (i, f) in fields.enumerate() {
            if i > 0 {
                out.write_all(sep)?;
            }
            out.write_all(escape_controls(&f, &['\t', '\n']).as_bytes())?;
        }
        out.write_all(b"\n")
    };
    if !opts.hide_headers {
        line(&mut rs.columns.iter().cloned())?;
    }
    for row in &rs.rows {
        line(&mut rs.aligned(row).map(|c| c.to_text().unwrap_or_default()))?;
    }
    Ok(())
}
