//! Result sets as Postgres rows: a column's type is inferred from its values (SQLite has no
//! column types for expressions): all integers -> int8, numbers with a real -> float8, all
//! blobs -> bytea, anything else (or only NULLs) -> text. Values are then encoded in the
//! type announced, in text or binary as the client asked.

use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldInfo};
use pgwire::api::Type;
use pgwire::error::PgWireResult;
use pgwire::messages::data::DataRow;
use stackql_output::{Cell, ResultSet};
use std::sync::Arc;

pub fn infer(rs: &ResultSet) -> Vec<Type> {
    (0..rs.columns.len())
        .map(|i| {
            let mut ints = 0;
            let mut reals = 0;
            let mut blobs = 0;
            let mut others = 0;
            for row in &rs.rows {
                match row.get(i).unwrap_or(&Cell::Null) {
                    Cell::Null => {}
                    Cell::Integer(_) => ints += 1,
                    Cell::Real(_) => reals += 1,
                    Cell::Blob(_) => blobs += 1,
                    Cell::Text(_) => others += 1,
                }
            }
            match (ints, reals, blobs, others) {
                (_, 0, 0, 0) if ints > 0 => Type::INT8,
                (_, r, 0, 0) if r > 0 => Type::FLOAT8,
                (0, 0, b, 0) if b > 0 => Type::BYTEA,
                _ => Type::TEXT,
            }
        })
        .collect()
}

pub fn fields(names: &[String], types: &[Type], format: &Format) -> Vec<FieldInfo> {
    names
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (name, t))| {
            FieldInfo::new(name.clone(), None, None, t.clone(), format.format_for(i))
        })
        .collect()
}

/// Encodes every row in the announced types; a value that does not fit its column's type
/// (possible only when the types were announced before this execution) is converted.
pub fn encode(rs: &ResultSet, fields: Arc<Vec<FieldInfo>>) -> PgWireResult<Vec<DataRow>> {
    let mut out = Vec::with_capacity(rs.rows.len());
    let mut enc = DataRowEncoder::new(fields.clone());
    for row in &rs.rows {
        for (i, f) in fields.iter().enumerate() {
            let cell = row.get(i).unwrap_or(&Cell::Null);
            encode_cell(&mut enc, cell, f.datatype())?;
        }
        out.push(enc.take_row());
    }
    Ok(out)
}

fn encode_cell(enc: &mut DataRowEncoder, cell: &Cell, t: &Type) -> PgWireResult<()> {
    if matches!(cell, Cell::Null) {
        return enc.encode_field(&None::<i64>);
    }
    if *t == Type::INT8 {
        let v = match cell {
            Cell::Integer(i) => Some(*i),
            Cell::Real(r) if r.fract() == 0.0 => Some(*r as i64),
            other => other.to_text().and_then(|s| s.trim().parse().ok()),
        };
        if let Some(v) = v {
            return enc.encode_field(&v);
        }
        return enc.encode_field(&None::<i64>);
    }
    if *t == Type::FLOAT8 {
        let v = match cell {
            Cell::Integer(i) => Some(*i as f64),
            Cell::Real(r) => Some(*r),
            other => other.to_text().and_then(|s| s.trim().parse().ok()),
        };
        return enc.encode_field(&v);
    }
    if *t == Type::BYTEA {
        let bytes = match cell {
            Cell::Blob(b) => b.clone(),
            other => other.to_text().unwrap_or_default().into_bytes(),
        };
        return enc.encode_field(&bytes);
    }
    // Blobs as text use the same base64 as `-o json` (Cell::to_text).
    enc.encode_field(&cell.to_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_values() {
        let rs = ResultSet {
            columns: vec![
                "i".into(),
                "r".into(),
                "t".into(),
                "n".into(),
                "mixed".into(),
            ],
            rows: vec![
                vec![
                    Cell::Integer(1),
                    Cell::Real(1.5),
                    Cell::Text("a".into()),
                    Cell::Null,
                    Cell::Integer(1),
                ],
                vec![
                    Cell::Null,
                    Cell::Integer(2),
                    Cell::Null,
                    Cell::Null,
                    Cell::Text("x".into()),
                ],
            ],
        };
        assert_eq!(
            infer(&rs),
            vec![Type::INT8, Type::FLOAT8, Type::TEXT, Type::TEXT, Type::TEXT]
        );
    }
}
