//! Reading items out of a response page: what the method's `objectKey` selects, arrays
//! flattened. An answer whose shape cannot hold rows (a string where the list belongs) is
//! an error naming the JSONPath, never a row of NULLs.

use serde_json::Value;
use stackql_registry::JsonPath;

/// The items of one page (each becomes a row).
pub fn page_items<'a>(page: &'a Value, path: Option<&JsonPath>) -> Result<Vec<&'a Value>, String> {
    let selected = match path {
        Some(p) => p.select(page),
        None => vec![page],
    };
    let mut items = Vec::new();
    for v in selected {
        match v {
            Value::Array(list) => items.extend(list.iter()),
            Value::Null => {}
            Value::Object(_) => items.push(v),
            other => {
                return Err(format!(
                    "expected an array at {}, got {}",
                    path.map_or_else(|| "$".to_string(), JsonPath::to_string),
                    kind_of(other)
                ))
            }
        }
    }
    Ok(items)
}

/// The `ProgressEvent` object of a Cloud Control answer. Without it there is no status and
/// no request token to report or await, so its absence is a malformed answer.
pub fn progress_event(answer: &Value) -> Result<Value, String> {
    match answer.get("ProgressEvent") {
        Some(event @ Value::Object(_)) => Ok(event.clone()),
        other => Err(format!(
            "expected an object at $.ProgressEvent, got {}",
            other.map_or("nothing", kind_of)
        )),
    }
}

/// A JSON value's kind, with its article, for error messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_are_flattened_and_scalars_refused() {
        let path = JsonPath::parse("$.ResourceDescriptions").unwrap();
        let page = json!({"ResourceDescriptions": [{"a": 1}, {"a": 2}]});
        assert_eq!(page_items(&page, Some(&path)).unwrap().len(), 2);
        assert!(page_items(&json!({}), Some(&path)).unwrap().is_empty());
        assert_eq!(
            page_items(&json!({"ResourceDescriptions": "notalist"}), Some(&path)).unwrap_err(),
            "expected an array at $.ResourceDescriptions, got a string"
        );
        assert_eq!(
            progress_event(&json!({})).unwrap_err(),
            "expected an object at $.ProgressEvent, got nothing"
        );
        assert!(progress_event(&json!({"ProgressEvent": {"OperationStatus": "SUCCESS"}})).is_ok());
        assert_eq!(
            page_items(&json!(7), None).unwrap_err(),
            "expected an array at $, got a number"
        );
    }
}
