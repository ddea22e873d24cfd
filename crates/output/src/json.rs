//! `json` and `jsonl` output: rows as JSON objects keyed by column name.
//!
//! Objects are written field by field rather than through a map, so keys
//! keep column order and duplicate column names (`SELECT a, a`) keep both
//! values instead of one silently overwriting the other.

use std::io::{self, Write};

use serde_json::Value;

use crate::{Cell, ResultSet};

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Integer(i) => Value::from(*i),
        // `from_f64` is None for NaN/inf, which JSON cannot express.
        Cell::Real(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Cell::Text(_) | Cell::Blob(_) => Value::String(cell.to_text().unwrap_or_default()),
    }
}

fn write_object(out: &mut dyn Write, rs: &ResultSet, row: &[Cell]) -> io::Result<()> {
    out.write_all(b"{")?;
    for (i, (name, cell)) in rs.columns.iter().zip(rs.aligned(row)).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, name)?;
        out.write_all(b":")?;
        serde_json::to_writer(&mut *out, &cell_json(cell))?;
    }
    out.write_all(b"}")
}

/// One compact array, then a newline; `[]` for no rows.
pub(crate) fn write_array(out: &mut dyn Write, rs: &ResultSet) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, row) in rs.rows.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_object(out, rs, row)?;
    }
    out.write_all(b"]\n")
}

/// One compact object per line; nothing at all for no rows.
pub(crate) fn write_lines(out: &mut dyn Write, rs: &ResultSet) -> io::Result<()> {
    for row in &rs.rows {
        write_object(out, rs, row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
