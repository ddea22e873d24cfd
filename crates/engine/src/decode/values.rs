//! Conversions between JSON (the wire), SQLite values (the engine) and request fields
//! typed by the registry schema: an array column given as JSON text goes out as JSON, a
//! string column goes out as a string, `string(...)` forces a string.

use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use stackql_output::Cell;
use stackql_registry::{ColumnType, JsonContainer};

/// A JSON value as a SQLite value: objects and arrays become their JSON text.
pub fn json_to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// A SQLite value as an output cell.
pub fn sql_to_cell(v: SqlValue) -> Cell {
    match v {
        SqlValue::Null => Cell::Null,
        SqlValue::Integer(i) => Cell::Integer(i),
        SqlValue::Real(r) => Cell::Real(r),
        SqlValue::Text(t) => Cell::Text(t),
        SqlValue::Blob(b) => Cell::Blob(b),
    }
}

/// An output cell as a SQLite value (rows of a source query feeding requests or tables).
pub fn cell_to_sql(c: &Cell) -> SqlValue {
    match c {
        Cell::Null => SqlValue::Null,
        Cell::Integer(i) => SqlValue::Integer(*i),
        Cell::Real(r) => SqlValue::Real(*r),
        Cell::Text(t) => SqlValue::Text(t.clone()),
        Cell::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

/// The text of a SQLite value as sent in a URL, header or string field.
pub fn sql_to_text(v: &SqlValue) -> String {
    match v {
        SqlValue::Null => String::new(),
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Real(r) => r.to_string(),
        SqlValue::Text(s) => s.clone(),
        SqlValue::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A column value as the request field the schema describes. `None` for NULL: a NULL
/// column is left out of the body rather than sent as `null`.
pub fn sql_to_field(
    column: &str,
    v: &SqlValue,
    schema: &Value,
    force_string: bool,
) -> Result<Option<Value>, String> {
    if matches!(v, SqlValue::Null) {
        return Ok(None);
    }
    if force_string {
        return Ok(Some(Value::String(sql_to_text(v))));
    }
    let bad = |expected: &str| {
        format!(
            "column {column} expects {expected}, got {} (wrap it in string('...') to send it as a string)",
            describe(v)
        )
    };
    if let Some(container) = JsonContainer::of(schema) {
        let parsed = match v {
            SqlValue::Text(t) => serde_json::from_str::<Value>(t)
                .ok()
                .filter(|j| container.accepts(j)),
            _ => None,
        };
        return parsed.map(Some).ok_or_else(|| bad(container.expected()));
    }
    let out = match ColumnType::of(schema) {
        ColumnType::Integer => match v {
            SqlValue::Integer(i) => Value::from(*i),
            SqlValue::Text(t) => t
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| bad("an integer"))?,
            SqlValue::Real(r) if r.fract() == 0.0 => Value::from(*r as i64),
            _ => return Err(bad("an integer")),
        },
        ColumnType::Number => match v {
            SqlValue::Integer(i) => Value::from(*i),
            SqlValue::Real(r) => Value::from(*r),
            SqlValue::Text(t) => t
                .trim()
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| bad("a number"))?,
            _ => return Err(bad("a number")),
        },
        ColumnType::Boolean => match v {
            SqlValue::Integer(0) => Value::Bool(false),
            SqlValue::Integer(1) => Value::Bool(true),
            SqlValue::Text(t) if t.eq_ignore_ascii_case("true") => Value::Bool(true),
            SqlValue::Text(t) if t.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(bad("a boolean (true/false)")),
        },
        ColumnType::String => Value::String(sql_to_text(v)),
        // Object and array schemas are JSON containers, sent above.
        ColumnType::Unknown | ColumnType::Object | ColumnType::Array => match v {
            SqlValue::Integer(i) => Value::from(*i),
            SqlValue::Real(r) => Value::from(*r),
            _ => Value::String(sql_to_text(v)),
        },
    };
    Ok(Some(out))
}

fn describe(v: &SqlValue) -> String {
    match v {
        SqlValue::Null => "NULL".into(),
        SqlValue::Integer(i) => format!("the integer {i}"),
        SqlValue::Real(r) => format!("the number {r}"),
        SqlValue::Text(t) => {
            let short: String = t.chars().take(40).collect();
            format!(
                "the text '{short}'{}",
                if t.chars().count() > 40 { "..." } else { "" }
            )
        }
        SqlValue::Blob(_) => "a blob".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_from_json_text_strings_stay_strings() {
        let arr = json!({"type": "array"});
        let f = sql_to_field(
            "Tags",
            &SqlValue::Text("[{\"Key\":\"k\"}]".into()),
            &arr,
            false,
        )
        .unwrap();
        assert_eq!(f, Some(json!([{"Key": "k"}])));
        let s = json!({"type": "string"});
        let f = sql_to_field("PatchDocument", &SqlValue::Text("[1]".into()), &s, false).unwrap();
        assert_eq!(f, Some(json!("[1]")));
        let f = sql_to_field("Tags", &SqlValue::Text("[1]".into()), &arr, true).unwrap();
        assert_eq!(f, Some(json!("[1]")));
        let err = sql_to_field("Tags", &SqlValue::Text("nope".into()), &arr, false).unwrap_err();
        assert!(err.contains("Tags expects a JSON array"), "{err}");
        assert_eq!(sql_to_field("X", &SqlValue::Null, &s, false).unwrap(), None);
    }
}
