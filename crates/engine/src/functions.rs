//! SQL functions StackQL queries use beyond SQLite's own: `string`, `split_part`,
//! `regexp_like`, `regexp_substr`, `regexp_replace`, `json_equal` and `aws_policy_equal`.
//! NULL in gives NULL out, as for SQLite's built-ins; bad input (a pattern that does not
//! compile, text that is not JSON) is an error naming the function.

use crate::decode::values;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Error};
use serde_json::Value;
use std::sync::Arc;

/// Compiled patterns are bounded so a hostile pattern cannot take unbounded memory; the
/// `regex` crate matches in linear time, so no pattern can make a match run away either.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    // `string(x)`: StackQL's marker for "send as a string"; in SQL it is the text of x.
    conn.create_scalar_function("string", 1, flags, |c| {
        let v: SqlValue = c.get(0)?;
        Ok(match v {
            SqlValue::Null => SqlValue::Null,
            other => SqlValue::Text(values::sql_to_text(&other)),
        })
    })?;
    conn.create_scalar_function("split_part", 3, flags, |c| {
        let (Some(s), Some(sep), Some(n)) = (text(c, 0)?, text(c, 1)?, int(c, 2)?) else {
            return Ok(None);
        };
        Ok(split_part(&s, &sep, n))
    })?;
    conn.create_scalar_function("regexp_like", 2, flags, |c| {
        let Some(s) = text(c, 0)? else {
            return Ok(None);
        };
        let Some(re) = pattern(c, "regexp_like")? else {
            return Ok(None);
        };
        Ok(Some(re.is_match(&s) as i64))
    })?;
    conn.create_scalar_function("regexp_substr", 2, flags, |c| {
        let Some(s) = text(c, 0)? else {
            return Ok(None);
        };
        let Some(re) = pattern(c, "regexp_substr")? else {
            return Ok(None);
        };
        Ok(re.find(&s).map(|m| m.as_str().to_string()))
    })?;
    conn.create_scalar_function("regexp_replace", 3, flags, |c| {
        let (Some(s), Some(replacement)) = (text(c, 0)?, text(c, 2)?) else {
            return Ok(None);
        };
        let Some(re) = pattern(c, "regexp_replace")? else {
            return Ok(None);
        };
        Ok(Some(re.replace_all(&s, replacement.as_str()).into_owned()))
    })?;
    conn.create_scalar_function("json_equal", 2, flags, |c| {
        let (Some(a), Some(b)) = (json(c, 0, "json_equal")?, json(c, 1, "json_equal")?) else {
            return Ok(None);
        };
        Ok(Some(json_equal(&a, &b) as i64))
    })?;
    conn.create_scalar_function("aws_policy_equal", 2, flags, |c| {
        let (Some(a), Some(b)) = (
            json(c, 0, "aws_policy_equal")?,
            json(c, 1, "aws_policy_equal")?,
        ) else {
            return Ok(None);
        };
        Ok(Some(aws_policy_equal(&a, &b) as i64))
    })?;
    Ok(())
}

fn text(c: &Context, i: usize) -> rusqlite::Result<Option<String>> {
    let v: SqlValue = c.get(i)?;
    Ok(match v {
        SqlValue::Null => None,
        other => Some(values::sql_to_text(&other)),
    })
}

fn int(c: &Context, i: usize) -> rusqlite::Result<Option<i64>> {
    let v: SqlValue = c.get(i)?;
    Ok(match v {
        SqlValue::Null => None,
        SqlValue::Integer(n) => Some(n),
        SqlValue::Real(f) => Some(f as i64),
        other => Some(values::sql_to_text(&other).trim().parse().map_err(|_| {
            Error::UserFunctionError("split_part: the field number must be an integer".into())
        })?),
    })
}

/// The pattern argument (index 1), compiled once per statement through SQLite's auxiliary
/// data, so a pattern is not recompiled for every row.
fn pattern(c: &Context, function: &'static str) -> rusqlite::Result<Option<Arc<regex::Regex>>> {
    if matches!(c.get::<SqlValue>(1)?, SqlValue::Null) {
        return Ok(None);
    }
    let re = c.get_or_create_aux(1, |v| -> Result<regex::Regex, Error> {
        let p = v.as_str().map_err(|_| {
            Error::UserFunctionError(format!("{function}: the pattern must be text").into())
        })?;
        regex::RegexBuilder::new(p)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| Error::UserFunctionError(format!("{function}: {e}").into()))
    })?;
    Ok(Some(re))
}

fn json(c: &Context, i: usize, function: &str) -> rusqlite::Result<Option<Value>> {
    let Some(t) = text(c, i)? else {
        return Ok(None);
    };
    serde_json::from_str(&t).map(Some).map_err(|e| {
        Error::UserFunctionError(format!("{function}: argument {} is not JSON ({e})", i + 1).into())
    })
}

/// The `n`th field of `s` split on `sep`, counting from 1, or from the end when negative;
/// `None` when there is no such field. An empty separator leaves `s` whole (one field).
pub fn split_part(s: &str, sep: &str, n: i64) -> Option<String> {
    let fields: Vec<&str> = if sep.is_empty() {
        vec![s]
    } else {
        s.split(sep).collect()
    };
    let len = fields.len() as i64;
    let index = match n {
        0 => return None,
        n if n > 0 => n - 1,
        n => len + n,
    };
    (0..len)
        .contains(&index)
        .then(|| fields[index as usize].to_string())
}

/// Deep JSON equality: object key order is ignored, numbers compare by value (`1` = `1.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// IAM policy equality: a policy given as JSON text inside a string is read as JSON; a single
/// statement equals a one-element `Statement` list; the order of statements does not matter;
/// within them `Action`, `NotAction`, `Resource`, `NotResource`, the values of `Principal`
/// and `NotPrincipal` and of each condition are sets, where a single string equals a
/// one-element list. Everything else compares as `json_equal`.
pub fn aws_policy_equal(a: &Value, b: &Value) -> bool {
    json_equal(&normalize_policy(a), &normalize_policy(b))
}

fn normalize_policy(v: &Value) -> Value {
    let v = match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    };
    let Value::Object(mut policy) = v else {
        return v;
    };
    if let Some(st) = policy.remove("Statement") {
        let list = match st {
            Value::Array(items) => items,
            single => vec![single],
        };
        let mut statements: Vec<Value> = list.iter().map(normalize_statement).collect();
        statements.sort_by_key(canonical);
        policy.insert("Statement".into(), Value::Array(statements));
    }
    Value::Object(policy)
}

fn normalize_statement(st: &Value) -> Value {
    let Value::Object(map) = st else {
        return st.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, v) in map {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => as_set(v),
            "Principal" | "NotPrincipal" | "Condition" => map_of_sets(v, k == "Condition"),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

/// `{"AWS": "x"}` → `{"AWS": ["x"]}`; for conditions one level deeper
/// (`{"StringEquals": {"k": "v"}}`). `"*"` stays as it is.
fn map_of_sets(v: &Value, nested: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if nested {
                        map_of_sets(v, false)
                    } else {
                        as_set(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn as_set(v: &Value) -> Value {
    let mut items = match v {
        Value::Array(items) => items.clone(),
        single => vec![single.clone()],
    };
    items.sort_by_key(canonical);
    items.dedup_by(|a, b| json_equal(a, b));
    Value::Array(items)
}

/// A sort key equal for `json_equal` values (keys sorted, numbers as `f64`).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Number(n) => format!("{}", n.as_f64().unwrap_or_default()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(sql: &str) -> SqlValue {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn fails(sql: &str) -> String {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.query_row(sql, [], |r| r.get::<_, SqlValue>(0))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn split_part_counts_from_one_and_from_the_end() {
        let s = "arn:aws:iam::123456789012:role/x";
        assert_eq!(split_part(s, ":", 1).as_deref(), Some("arn"));
        assert_eq!(split_part(s, ":", 5).as_deref(), Some("123456789012"));
        assert_eq!(split_part(s, ":", -1).as_deref(), Some("role/x"));
        assert_eq!(split_part(s, ":", -6).as_deref(), Some("arn"));
        assert_eq!(split_part(s, ":", 7), None);
        assert_eq!(split_part(s, ":", -7), None);
        assert_eq!(split_part(s, ":", 0), None);
        assert_eq!(split_part("a,,b", ",", 2).as_deref(), Some(""));
        assert_eq!(split_part("abc", "", 1).as_deref(), Some("abc"));
        assert_eq!(
            one("SELECT split_part('a/b/c', '/', -2)"),
            SqlValue::Text("b".into())
        );
        assert_eq!(one("SELECT split_part('a/b/c', '/', 4)"), SqlValue::Null);
        assert_eq!(one("SELECT split_part(NULL, '/', 1)"), SqlValue::Null);
    }

    /// SQLite's own math functions, compiled in by `.cargo/config.toml`
    /// (`SQLITE_ENABLE_MATH_FUNCTIONS`): StackQL's SQLite has them.
    #[test]
    fn sqlite_math_functions_are_compiled_in() {
        assert_eq!(one("SELECT sqrt(16)"), SqlValue::Real(4.0));
        assert_eq!(one("SELECT pow(2, 10)"), SqlValue::Real(1024.0));
        assert_eq!(one("SELECT power(3, 2)"), SqlValue::Real(9.0));
        assert_eq!(one("SELECT mod(7, 3)"), SqlValue::Real(1.0));
        assert_eq!(one("SELECT ln(1)"), SqlValue::Real(0.0));
        assert_eq!(one("SELECT log10(1000)"), SqlValue::Real(3.0));
        assert_eq!(one("SELECT ceil(1.2)"), SqlValue::Real(2.0));
        assert_eq!(one("SELECT floor(-1.2)"), SqlValue::Real(-2.0));
        match one("SELECT pi()") {
            SqlValue::Real(p) => assert!((p - std::f64::consts::PI).abs() < 1e-12),
            other => panic!("pi() gave {other:?}"),
        }
        assert_eq!(
            one("SELECT sqrt(-1)"),
            SqlValue::Null,
            "out of domain is NULL"
        );
    }

    #[test]
    fn regexp_functions() {
        assert_eq!(
            one("SELECT regexp_like('us-east-1', '^[a-z]{2}-[a-z]+-\\d$')"),
            SqlValue::Integer(1)
        );
        assert_eq!(one("SELECT regexp_like('x', '^y')"), SqlValue::Integer(0));
        assert_eq!(
            one("SELECT regexp_substr('i-0abc and i-0def', 'i-[0-9a-f]+')"),
            SqlValue::Text("i-0abc".into())
        );
        assert_eq!(one("SELECT regexp_substr('x', 'y')"), SqlValue::Null);
        assert_eq!(
            one("SELECT regexp_replace('a1b22c', '[0-9]+', '#')"),
            SqlValue::Text("a#b#c".into()),
            "every match is replaced"
        );
        assert_eq!(
            one("SELECT regexp_replace('role/admin', '(\\w+)/(\\w+)', '$2:$1')"),
            SqlValue::Text("admin:role".into())
        );
        assert!(fails("SELECT regexp_like('x', '(')").contains("regexp_like"));
    }

    #[test]
    fn json_equal_ignores_key_order_and_number_spelling() {
        assert!(json_equal(
            &json!({"a": [1, {"b": 2, "c": 3}]}),
            &json!({"a": [1.0, {"c": 3, "b": 2}]})
        ));
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert_eq!(
            one(r#"SELECT json_equal('{"x":1,"y":[true]}', '{"y":[true],"x":1}')"#),
            SqlValue::Integer(1)
        );
        assert!(fails("SELECT json_equal('{', '{}')").contains("argument 1 is not JSON"));
    }

    #[test]
    fn aws_policy_equal_treats_lists_as_sets() {
        let a = json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:b", "arn:a"],
            "Principal": {"AWS": "arn:aws:iam::1:root"}}});
        let b = json!({"Statement": [{
            "Resource": ["arn:a", "arn:b"], "Action": ["s3:GetObject"], "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::1:root"]}}], "Version": "2012-10-17"});
        assert!(aws_policy_equal(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": {
            "Effect": "Deny", "Action": "s3:GetObject", "Resource": ["arn:b", "arn:a"],
            "Principal": {"AWS": "arn:aws:iam::1:root"}}});
        assert!(!aws_policy_equal(&a, &c));
        // Statement order does not matter; a policy inside a JSON string is read as JSON.
        let two =
            json!({"Statement": [{"Sid": "1", "Action": "a"}, {"Sid": "2", "Action": ["b", "c"]}]});
        let swapped = json!({"Statement": [{"Sid": "2", "Action": ["c", "b"]}, {"Sid": "1", "Action": ["a"]}]});
        assert!(aws_policy_equal(&two, &Value::String(swapped.to_string())));
        assert_eq!(
            one(
                r#"SELECT aws_policy_equal('{"Statement":{"Action":"x"}}', '{"Statement":[{"Action":["x"]}]}')"#
            ),
            SqlValue::Integer(1)
        );
    }
}
