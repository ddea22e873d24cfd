//! The JSONPath subset registry documents use for `response.objectKey`:
//! `$`, `.key`, `['key']`, `[n]` and `[*]`. Written here because it is six lines of logic
//! and the same steps also walk response *schemas* (properties/items), which no JSONPath
//! library does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Key(String),
    Index(usize),
    Wildcard,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonPath {
    pub steps: Vec<Step>,
}

impl JsonPath {
    /// Parses `$.a.b[*]`; returns None for anything outside the subset (e.g. XPath `/*/x`).
    pub fn parse(text: &str) -> Option<JsonPath> {
        let rest = text.trim().strip_prefix('$')?;
        let mut steps = Vec::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    let mut key = String::new();
                    while let Some(&n) = chars.peek() {
                        if n == '.' || n == '[' {
                            break;
                        }
                        key.push(n);
                        chars.next();
                    }
                    if key.is_empty() {
                        return None;
                    }
                    if key == "*" {
                        steps.push(Step::Wildcard);
                    } else {
                        steps.push(Step::Key(key));
                    }
                }
                '[' => {
                    let mut inner = String::new();
                    for n in chars.by_ref() {
                        if n == ']' {
                            break;
                        }
                        inner.push(n);
                    }
                    let inner = inner.trim();
                    if inner == "*" {
                        steps.push(Step::Wildcard);
                    } else if let Ok(i) = inner.parse::<usize>() {
                        steps.push(Step::Index(i));
                    } else {
                        let key = inner.trim_matches(|c| c == '\'' || c == '"');
                        steps.push(Step::Key(key.to_string()));
                    }
                }
                _ => return None,
            }
        }
        Some(JsonPath { steps })
    }

    /// The values the path selects in `doc`, in document order.
    pub fn select<'a>(&self, doc: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![doc];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Key(k) => next.extend(v.get(k)),
                    Step::Index(i) => next.extend(v.get(*i)),
                    Step::Wildcard => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                }
            }
            current = next;
        }
        current
    }
}

/// The path written back in the subset's canonical form (`$.a[*]['b c']`), for errors.
impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "$")?;
        for step in &self.steps {
            match step {
                Step::Key(k)
                    if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') =>
                {
                    write!(f, ".{k}")?
                }
                Step::Key(k) => write!(f, "['{k}']")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Wildcard => write!(f, "[*]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[test]
    fn parses_and_selects() {
        let p = JsonPath::parse("$.ResourceDescriptions").unwrap();
        let doc = json!({"ResourceDescriptions": [{"Identifier": "a"}]});
        assert_eq!(p.select(&doc), vec![&doc["ResourceDescriptions"]]);
        let p = JsonPath::parse("$.a[*]['b']").unwrap();
        let doc = json!({"a": [{"b": 1}, {"b": 2}]});
        assert_eq!(p.select(&doc), vec![&json!(1), &json!(2)]);
        assert!(JsonPath::parse("/*/vpcSet/item").is_none());
        assert_eq!(JsonPath::parse("$").unwrap().steps, vec![]);
        for text in ["$", "$.ResourceDescriptions", "$.a[*]['b c'][2]"] {
            assert_eq!(JsonPath::parse(text).unwrap().to_string(), text);
        }
    }
}
