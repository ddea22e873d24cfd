//! Reading a YAML (or JSON) registry document into `serde_json::Value`, within limits.
//!
//! YAML mapping keys that are not strings (`200:` unquoted) become strings, anchors and
//! merge keys (`<<`) are resolved, so the rest of the crate only ever sees JSON.
//!
//! Limits, because a registry can come from anywhere (`--registry`, `REGISTRY PULL`):
//! a document may be at most `MAX_DOCUMENT_BYTES`, and what it expands to may be at most
//! `expansion_budget(len)`. The second stops "billion laughs" documents, where a few
//! kilobytes of anchors and aliases stand for gigabytes: the value is built straight from
//! the parser's events (aliases are replayed there), and the build stops as soon as the
//! estimated size of what it has built passes the budget, so memory stays bounded by the
//! budget however the aliases are arranged. serde_yaml_ng's own repetition limit (100 alias
//! replays per event) does not bound size: one alias can stand for a huge anchor.

use crate::RegistryError;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The largest registry document read (bytes): eight times the largest real one
/// (`aws/ec2_api.yaml`, 4 MB).
pub const MAX_DOCUMENT_BYTES: u64 = 32 << 20;

/// What one node is charged besides its text: about what a `serde_json::Value` in a map or
/// list costs in memory.
const NODE_COST: usize = 32;

/// The most a document of `len` bytes may expand to (in the units of `NODE_COST`): a fixed
/// allowance plus 32 times its text. A document without aliases costs at most about 16
/// times its text (`[0,0,...]`: 2 bytes a node), real ones less than 8 (the snapshot test
/// below), so only alias expansion reaches this.
fn expansion_budget(len: usize) -> usize {
    (64 << 20) + len.saturating_mul(32)
}

/// Reads and parses `path`, refusing files over `MAX_DOCUMENT_BYTES` before reading them.
pub(crate) fn read_document(path: &Path) -> Result<Value, RegistryError> {
    let too_large = |len: u64| {
        RegistryError::Parse {
        path: path.to_path_buf(),
        message: format!(
            "the document is {len} bytes; registry documents may be at most {} MiB ({MAX_DOCUMENT_BYTES} bytes)",
            MAX_DOCUMENT_BYTES >> 20
        ),
    }
    };
    let file = std::fs::File::open(path).map_err(|e| RegistryError::io(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| RegistryError::io(path, e))?
        .len();
    if len > MAX_DOCUMENT_BYTES {
        return Err(too_large(len));
    }
    // Bounded again while reading: the file may grow between stat and read.
    let mut text = String::new();
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| RegistryError::io(path, e))?;
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large(text.len() as u64));
    }
    parse_document(&text).map_err(|message| RegistryError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

/// Checks that a parsed document is a non-empty mapping, naming it (`kind`: "service",
/// "provider") and its file when not, so an empty file does not read as "no such resource".
pub(crate) fn expect_mapping(
    doc: &Value,
    kind: &'static str,
    path: &Path,
) -> Result<(), RegistryError> {
    let found = match doc {
        Value::Object(m) if !m.is_empty() => return Ok(()),
        Value::Object(_) | Value::Null => {
            return Err(RegistryError::EmptyDocument {
                kind,
                path: path.to_path_buf(),
            })
        }
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
    };
    Err(RegistryError::NotAMapping {
        kind,
        path: path.to_path_buf(),
        found,
    })
}

/// Parses one YAML document within `expansion_budget(text.len())`.
pub(crate) fn parse_document(text: &str) -> Result<Value, String> {
    parse_within(text, expansion_budget(text.len()))
}

fn parse_within(text: &str, limit: usize) -> Result<Value, String> {
    // Whitespace only (tabs included, which YAML refuses as indentation) is an empty
    // document, reported as such by `expect_mapping`.
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut left = limit;
    let de = serde_yaml_ng::Deserializer::from_str(text);
    Node(&mut left).deserialize(de).map_err(|e| {
        let message = e.to_string();
        if message.contains(EXPANSION_ERROR) || message.contains("repetition limit exceeded") {
            format!(
                "its anchors and aliases expand to more than {} MiB from {} bytes of text (limit: 64 MiB plus 32 times the text)",
                limit >> 20,
                text.len()
            )
        } else {
            message
        }
    })
}

const EXPANSION_ERROR: &str = "alias expansion over budget";

/// Builds one node, charging it to the budget.
struct Node<'b>(&'b mut usize);

impl Node<'_> {
    fn charge<E: de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        let cost = NODE_COST + bytes;
        if *self.0 < cost {
            return Err(E::custom(EXPANSION_ERROR));
        }
        *self.0 -= cost;
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(mut self, b: bool) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(mut self, i: i64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Number(i.into()))
    }
    fn visit_u64<E: de::Error>(mut self, u: u64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Number(u.into()))
    }
    fn visit_f64<E: de::Error>(mut self, f: f64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(mut self, s: &str) -> Result<Value, E> {
        self.charge(s.len())?;
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E: de::Error>(mut self, s: String) -> Result<Value, E> {
        self.charge(s.len())?;
        Ok(Value::String(s))
    }
    fn visit_unit<E: de::Error>(mut self) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        self.charge(0)?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Node(&mut *self.0))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        self.charge(0)?;
        let mut out = Map::new();
        let mut merge = None;
        while let Some(key) = map.next_key_seed(Node(&mut *self.0))? {
            let value = map.next_value_seed(Node(&mut *self.0))?;
            let key = key_text(key);
            if key == "<<" {
                merge = Some(value);
            } else {
                out.insert(key, value);
            }
        }
        if let Some(merged) = merge {
            merge_into(&mut out, merged).map_err(de::Error::custom)?;
        }
        Ok(Value::Object(out))
    }
    /// A tagged node (`!Thing value`): the tag is dropped, the value kept.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, contents): (de::IgnoredAny, _) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(contents, self)
    }
}

/// A mapping key as text: `200:` is `"200"`, `true:` is `"true"`, `~:` is `"null"`.
fn key_text(key: Value) -> String {
    match key {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// YAML merge keys: `<<: *base` or `<<: [*a, *b]`; keys already present win, then earlier
/// mappings over later ones.
fn merge_into(out: &mut Map<String, Value>, merged: Value) -> Result<(), &'static str> {
    let sources = match merged {
        Value::Object(m) => vec![m],
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err("a merge key (<<) list may hold only mappings"),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("a merge key (<<) takes a mapping or a list of mappings"),
    };
    for source in sources {
        for (k, v) in source {
            out.entry(k).or_insert(v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_keys_and_anchors() {
        let v = parse_document("a: &x [1, 2]\nb: *x\nresponses:\n  200: ok\n").unwrap();
        assert_eq!(v["b"], json!([1, 2]));
        assert_eq!(v["responses"]["200"], "ok");
    }

    #[test]
    fn merge_keys_and_tags() {
        let v = parse_document(
            "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nm:\n  <<: [*b, *o]\n  y: 9\nt: !Ref name\n",
        )
        .unwrap();
        assert_eq!(v["m"], json!({"y": 9, "x": 1, "z": 3}));
        assert_eq!(v["t"], "name");
        assert!(parse_document("m:\n  <<: 5\n").is_err());
    }

    #[test]
    fn wide_alias_expansion_is_refused_within_budget() {
        // One anchor of 2,000 strings of 100 bytes, aliased 5,000 times: 1 GB expanded,
        // under serde_yaml_ng's repetition limit (5,000 jumps for 7,000 events).
        let mut doc = String::from("a: &a\n");
        for i in 0..2000 {
            doc.push_str(&format!("  - {i:0>100}\n"));
        }
        doc.push_str("b:\n");
        for _ in 0..5000 {
            doc.push_str("  - *a\n");
        }
        let started = std::time::Instant::now();
        let err = parse_document(&doc).unwrap_err();
        assert!(err.contains("anchors and aliases expand"), "{err}");
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }

    #[test]
    fn real_documents_stay_far_below_the_budget() {
        // The largest snapshot documents parse with a quarter of the per-byte allowance and
        // none of the fixed one.
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
        for doc in [
            "registry/src/aws/v00.00.00000/services/ec2_api.yaml",
            "registry-current/src/aws/v00.00.00000/services/sagemaker.yaml",
            "registry/src/awscc/v00.00.00000/services/ec2.yaml",
        ] {
            let text = std::fs::read_to_string(shared.join(doc))
                .unwrap_or_else(|e| panic!("../shared/{doc}: {e}"));
            parse_within(&text, text.len() * 8).unwrap_or_else(|e| panic!("{doc}: {e}"));
        }
    }
}
