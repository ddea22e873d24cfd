//! Reading XML answers within limits (DTDs, and so entity expansion, refused; a node
//! limit), and turning a document into the map Go's `github.com/clbanning/mxj` builds:
//! `{root: value}`, attributes as `-name` (namespace declarations included, as Go's
//! decoder reports them), an element's text alone as its value or as `#text` beside
//! attributes and children, repeated elements as a list (a single one is not a list),
//! an empty element as "", element names without their namespace prefix, text trimmed
//! of `\t\r\b\n ` at both ends. With `cast` (what the mxj template kind asks for) texts
//! that parse as numbers become float64 and `true`/`false` forms become bools.

use std::collections::BTreeMap;
use std::rc::Rc;

use roxmltree::{Document, Node, ParsingOptions};

use crate::template::Val;

/// Elements (and text nodes) one answer may hold: far above any AWS page (EC2's 1,000
/// instances are ~200k nodes), far below what would exhaust memory.
pub const MAX_NODES: u32 = 5_000_000;
/// Element nesting converted; deeper answers are refused, not walked (the walk recurses).
pub const MAX_DEPTH: usize = 64;

/// A parsed answer. DTDs (and so entity expansion) are refused.
pub fn parse(text: &str) -> Result<Document<'_>, String> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
        .map_err(|e| format!("the answer is not valid XML: {e}"))
}

/// The mxj map of a whole document.
pub fn to_mxj(doc: &Document, cast: bool) -> Result<Val, String> {
    let root = doc.root_element();
    let mut m = BTreeMap::new();
    m.insert(root.tag_name().name().to_string(), element(root, cast, 0)?);
    Ok(Val::Map(Rc::new(m)))
}

fn element(node: Node, cast: bool, depth: usize) -> Result<Val, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "the answer nests elements deeper than {MAX_DEPTH} levels, the limit for XML answers"
        ));
    }
    let mut na: BTreeMap<String, Val> = BTreeMap::new();
    for (prefix, _uri) in declared_namespaces(node) {
        let key = format!("-{}", prefix.unwrap_or("xmlns"));
        na.insert(key, leaf(_uri, cast));
    }
    for a in node.attributes() {
        na.insert(format!("-{}", a.name()), leaf(a.value(), cast));
    }
    // Text before any attribute or child is the element's simple value.
    let mut simple: Option<Val> = None;
    for child in node.children() {
        if child.is_element() {
            let v = element(child, cast, depth + 1)?;
            let key = child.tag_name().name().to_string();
            match na.get_mut(&key) {
                Some(Val::List(list)) => Rc::make_mut(list).push(v),
                Some(existing) => {
                    let first = std::mem::replace(existing, Val::Nil);
                    *existing = Val::List(Rc::new(vec![first, v]));
                }
                None => {
                    na.insert(key, v);
                }
            }
        } else if child.is_text() {
            let t = child
                .text()
                .unwrap_or("")
                .trim_matches(['\t', '\r', '\u{8}', '\n', ' ']);
            if t.is_empty() {
                continue;
            }
            if !na.is_empty() {
                na.insert("#text".into(), leaf(t, cast));
            } else {
                simple = Some(leaf(t, cast));
            }
        }
    }
    Ok(match simple {
        None if na.is_empty() => Val::str(""),
        None => Val::Map(Rc::new(na)),
        Some(v) if na.is_empty() => v,
        Some(v) => {
            na.insert("#text".into(), v);
            Val::Map(Rc::new(na))
        }
    })
}

/// Namespaces declared on this element (roxmltree lists those in scope): the ones its
/// parent does not have.
fn declared_namespaces<'a>(node: Node<'a, '_>) -> Vec<(Option<&'a str>, &'a str)> {
    let parent: Vec<(Option<&str>, &str)> = node
        .parent_element()
        .map(|p| p.namespaces().map(|n| (n.name(), n.uri())).collect())
        .unwrap_or_default();
    node.namespaces()
        .map(|n| (n.name(), n.uri()))
        .filter(|ns| ns.0 != Some("xml") && !parent.contains(ns))
        .collect()
}

fn leaf(text: &str, cast: bool) -> Val {
    if cast {
        if let Some(v) = cast_text(text) {
            return v;
        }
    }
    Val::str(text)
}

/// mxj's cast: "nan", "inf", "-inf" (any case) stay text; what Go's `ParseFloat` accepts
/// becomes float64 (out of range stays text); short `t`/`f` forms `ParseBool` accepts
/// become bools.
fn cast_text(s: &str) -> Option<Val> {
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "nan" | "inf" | "-inf") {
        return None;
    }
    if let Ok(f) = s.parse::<f64>() {
        let named_infinity = lower.trim_start_matches(['+', '-']).starts_with("inf");
        if f.is_finite() || named_infinity || f.is_nan() {
            return Some(Val::Float(f));
        }
        return None;
    }
    if !s.is_empty() && s.len() < 6 && matches!(s.as_bytes()[0], b't' | b'T' | b'f' | b'F') {
        match s {
            "t" | "T" | "TRUE" | "true" | "True" => return Some(Val::Bool(true)),
            "f" | "F" | "FALSE" | "false" | "False" => return Some(Val::Bool(false)),
            _ => {}
        }
    }
    None
}
