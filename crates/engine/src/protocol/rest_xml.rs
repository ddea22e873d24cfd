//! Hooks of the rest-xml protocol (S3): a JSON body planned for a method whose request
//! media type is XML is sent as XML — an object of one member is that member's element
//! (`{"CreateBucketConfiguration": {...}}`), anything else goes under `default_root`.
//! Reading answers and errors is shared with the query protocol (`xml.rs`).

use super::xml;
use serde_json::Value;

pub fn body_bytes(body: Option<&Value>, default_root: &str) -> Vec<u8> {
    match body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) if map.is_empty() => Vec::new(),
        Some(Value::Object(map)) if map.len() == 1 => {
            let (root, inner) = map.iter().next().expect("one member");
            xml::to_xml(root, inner, &Value::Null).into_bytes()
        }
        Some(other) => xml::to_xml(default_root, other, &Value::Null).into_bytes(),
    }
}
