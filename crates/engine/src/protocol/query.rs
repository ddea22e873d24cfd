//! The AWS query protocol and EC2's variant: parameters (JSON lists and objects included)
//! flattened into form fields — `Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1` for EC2,
//! `Tags.member.1.Key=k` for IAM and the other query services — and sent as a form POST
//! with `Action` and `Version` (from the document's `/?Action=...&Version=...` path).

use serde_json::Value;
use stackql_registry::{xml_name, WireProtocol};

/// The content type of a query-protocol request.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Form fields for one parameter named `name` (its wire name) holding `value`.
pub fn flatten(
    protocol: WireProtocol,
    name: &str,
    value: &Value,
    schema: &Value,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten_into(
        protocol == WireProtocol::Ec2Query,
        name,
        value,
        schema,
        &mut out,
        0,
    );
    out
}

/// The form fields of a statement's value for a query parameter: a JSON list or object
/// where the parameter's schema is one (a list parameter given one plain value is a list
/// of that value: `VpcId = 'vpc-1'` is `VpcId.1=vpc-1`), otherwise the value's text.
pub fn param_fields(
    protocol: WireProtocol,
    name: &str,
    text: &str,
    schema: &Value,
) -> Vec<(String, String)> {
    let kind = schema.get("type").and_then(Value::as_str);
    let structured = kind == Some("array")
        || kind == Some("object")
        || (kind.is_none()
            && (schema.get("items").is_some() || schema.get("properties").is_some()));
    if !structured {
        return vec![(name.to_string(), text.to_string())];
    }
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Array(_) | Value::Object(_))) => v,
        _ if schema.get("items").is_some() => Value::Array(vec![Value::String(text.to_string())]),
        _ => Value::String(text.to_string()),
    };
    flatten(protocol, name, &value, schema)
}

/// How deep a parameter value may nest: far beyond any AWS shape, and the walk recurses.
const MAX_DEPTH: usize = 32;

fn flatten_into(
    ec2: bool,
    prefix: &str,
    value: &Value,
    schema: &Value,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Array(list) => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            let flattened = schema
                .pointer("/xml/flattened")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            for (i, v) in list.iter().enumerate() {
                let key = if ec2 || flattened {
                    format!("{prefix}.{}", i + 1)
                } else {
                    // The query protocol wraps list members, in `member` unless the items
                    // name their element otherwise.
                    let member = xml_name(items).unwrap_or("member");
                    format!("{prefix}.{member}.{}", i + 1)
                };
                flatten_into(ec2, &key, v, items, out, depth + 1);
            }
        }
        Value::Object(map) => {
            let is_map =
                schema.get("properties").is_none() && schema.get("additionalProperties").is_some();
            if is_map && !ec2 {
                let values = schema.get("additionalProperties").unwrap_or(&Value::Null);
                for (i, (k, v)) in map.iter().enumerate() {
                    out.push((format!("{prefix}.entry.{}.key", i + 1), k.clone()));
                    flatten_into(
                        ec2,
                        &format!("{prefix}.entry.{}.value", i + 1),
                        v,
                        values,
                        out,
                        depth + 1,
                    );
                }
                return;
            }
            for (k, v) in map {
                let (wire, member_schema) = member_name(ec2, k, schema);
                flatten_into(
                    ec2,
                    &format!("{prefix}.{wire}"),
                    v,
                    member_schema,
                    out,
                    depth + 1,
                );
            }
        }
    }
}

/// The wire name of an object member the user wrote as `key`: the schema's property of
/// that name, or of that name without a plural `s` (EC2's `Filter` has `Value` where the
/// SDKs say `Values`); EC2 capitalises member names (`Name`, `Value`).
fn member_name<'s>(ec2: bool, key: &str, schema: &'s Value) -> (String, &'s Value) {
    let props = schema.get("properties").and_then(Value::as_object);
    let found = props.and_then(|p| {
        p.get_key_value(key)
            .or_else(|| key.strip_suffix('s').and_then(|k| p.get_key_value(k)))
            .or_else(|| p.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)))
    });
    let (name, member_schema) = match found {
        Some((n, s)) => (n.as_str(), s),
        None => (key, &Value::Null),
    };
    let name = if ec2 {
        capitalise(name)
    } else {
        name.to_string()
    };
    (name, member_schema)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The form body of a query request whose parameters are in its URL: the URL's query
/// pairs (`Action` and `Version` first, as the path lists them), form-encoded; and the URL
/// without them.
pub fn form_from_url(url: &str) -> Result<(String, Vec<u8>), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("invalid request URL {url}: {e}"))?;
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Ok((parsed.to_string(), body.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ec2_lists_are_numbered_and_filters_use_the_wire_names() {
        let filter_schema = json!({"type": "array", "items": {"type": "object", "xml": {"name": "Filter"},
            "properties": {"undefined": {"type": "string"},
                "Value": {"type": "array", "items": {"type": "string", "xml": {"name": "item"}}}}}});
        let value = json!([{"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}]);
        assert_eq!(
            flatten(WireProtocol::Ec2Query, "Filter", &value, &filter_schema),
            vec![
                ("Filter.1.Name".to_string(), "vpc-id".to_string()),
                ("Filter.1.Value.1".to_string(), "vpc-1".to_string()),
                ("Filter.1.Value.2".to_string(), "vpc-2".to_string()),
            ]
        );
    }

    #[test]
    fn query_lists_nest_in_member_and_maps_in_entry() {
        let tags = json!({"type": "array", "items": {"xml": {"name": "member"},
            "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}}});
        assert_eq!(
            flatten(
                WireProtocol::Query,
                "Tags",
                &json!([{"Key": "k", "Value": "v"}]),
                &tags
            ),
            vec![
                ("Tags.member.1.Key".to_string(), "k".to_string()),
                ("Tags.member.1.Value".to_string(), "v".to_string()),
            ]
        );
        let map = json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert_eq!(
            flatten(WireProtocol::Query, "Attributes", &json!({"a": "1"}), &map),
            vec![
                ("Attributes.entry.1.key".to_string(), "a".to_string()),
                ("Attributes.entry.1.value".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(
            flatten(
                WireProtocol::Query,
                "MaxItems",
                &json!(2),
                &json!({"type": "integer"})
            ),
            vec![("MaxItems".to_string(), "2".to_string())]
        );
    }

    #[test]
    fn statement_values_become_lists_where_the_schema_has_one() {
        let ids = json!({"type": "array", "items": {"type": "string"}});
        assert_eq!(
            param_fields(WireProtocol::Ec2Query, "VpcId", "vpc-1", &ids),
            vec![("VpcId.1".to_string(), "vpc-1".to_string())]
        );
        assert_eq!(
            param_fields(WireProtocol::Ec2Query, "VpcId", r#"["a","b"]"#, &ids).len(),
            2
        );
        assert_eq!(
            param_fields(
                WireProtocol::Query,
                "UserName",
                "[x]",
                &json!({"type": "string"})
            ),
            vec![("UserName".to_string(), "[x]".to_string())]
        );
    }

    #[test]
    fn the_url_query_becomes_the_form_body() {
        let (url, body) = form_from_url(
            "http://127.0.0.1:5000/?Action=CreateUser&Version=2010-05-08&UserName=a%20b",
        )
        .unwrap();
        assert_eq!(url, "http://127.0.0.1:5000/");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "Action=CreateUser&Version=2010-05-08&UserName=a+b"
        );
    }
}
