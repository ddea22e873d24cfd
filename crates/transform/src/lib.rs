//! Response transforms a registry method declares (`response.transform`), applied to an
//! answer's body before its `objectKey` selects rows, as Go StackQL applies them:
//!
//! * `golang_template_json_v0.1.0` / `_v0.3.0`: the body decoded as JSON (numbers are
//!   float64, as Go decodes them), then the Go template;
//! * `golang_template_mxj_v0.1.0` / `_v0.2.0` / `_v0.3.0`: the body read as XML into the
//!   map `github.com/clbanning/mxj` builds, with casting (see `xml`), then the template;
//! * `golang_template_text_v0.1.0` / `_v0.3.0` and `golang_template_v0.1.0` / `_v0.3.0`:
//!   the body as one string, then the template;
//! * `schema_driven_xml_v0.1.0`: the XML body projected by the row schema (see
//!   `schema_xml`).
//!
//! The template kinds' output is parsed as JSON. Pure: bytes and JSON in, JSON out; no
//! I/O. Every input is untrusted and bounded (`Limits`, `xml::MAX_NODES`,
//! `xml::MAX_DEPTH`).

pub mod schema_xml;
pub mod template;
pub mod xml;

use serde_json::Value;

use template::{FuncSet, Template, Val};
pub use template::{Limits, TemplateError};

/// Why a transform could not be applied. The messages name the kind and what failed;
/// they quote no part of the answer.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TransformError {
    #[error("unsupported response transform type {0:?}")]
    UnknownKind(String),
    #[error("response transform {0:?} declares no template body")]
    MissingBody(String),
    #[error("response transform {kind:?}: {message}")]
    Schema { kind: String, message: String },
    #[error("response transform {kind:?}: the template body: {source}")]
    Template {
        kind: String,
        #[source]
        source: TemplateError,
    },
    #[error("response transform {kind:?}: {message}")]
    Input { kind: String, message: String },
    #[error("response transform {kind:?}: its output is not JSON: {message}")]
    Output { kind: String, message: String },
}

/// What the answer's body is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Json,
    Mxj,
    Text,
    SchemaDrivenXml,
}

/// A declared transform kind, checked against the ones StackQL knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub family: Family,
    /// From template version v0.2.0 on, `toJson`, `kindOf` and `plus1` exist.
    funcs: FuncSet,
}

impl Kind {
    pub fn parse(kind: &str) -> Result<Kind, TransformError> {
        let (family, v2) = match kind {
            "golang_template_mxj_v0.1.0" => (Family::Mxj, false),
            "golang_template_mxj_v0.2.0" | "golang_template_mxj_v0.3.0" => (Family::Mxj, true),
            "golang_template_json_v0.1.0" => (Family::Json, false),
            "golang_template_json_v0.3.0" => (Family::Json, true),
            "golang_template_text_v0.1.0" | "golang_template_v0.1.0" => (Family::Text, false),
            "golang_template_text_v0.3.0" | "golang_template_v0.3.0" => (Family::Text, true),
            "schema_driven_xml_v0.1.0" => (Family::SchemaDrivenXml, false),
            other => return Err(TransformError::UnknownKind(other.to_string())),
        };
        Ok(Kind {
            family,
            funcs: FuncSet { v2 },
        })
    }
}

impl PartialEq for FuncSet {
    fn eq(&self, other: &Self) -> bool {
        self.v2 == other.v2
    }
}
impl Eq for FuncSet {}

/// A method's `response.transform` with what the schema-driven kind needs besides.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResponseTransform<'a> {
    /// `transform.type`.
    pub kind: &'a str,
    /// `transform.body` (template kinds).
    pub body: Option<&'a str>,
    /// The method's `response.schema_override` with every `$ref` (and `allOf`) already
    /// resolved by the caller (schema-driven kind): an object schema whose
    /// `properties.<list>.items.properties` are the row's columns.
    pub schema: Option<&'a Value>,
    /// `response.objectKey` (`$.line_items`); its name after `$.` is the list property
    /// (schema-driven kind).
    pub object_key: Option<&'a str>,
    /// The service's `info.x-protocol` (`query`, `ec2`, `rest-xml`): with `query` the
    /// `...Result` wrapper is skipped (schema-driven kind).
    pub protocol: Option<&'a str>,
}

/// Parses a transform's template without running it, as Go does when it builds the
/// transformer: the kind must be known and its body must parse. For the schema-driven
/// kind there is nothing to parse.
pub fn check(kind: &str, body: Option<&str>) -> Result<(), TransformError> {
    let k = Kind::parse(kind)?;
    if k.family == Family::SchemaDrivenXml {
        return Ok(());
    }
    parse_template(kind, k, body, &Limits::default()).map(|_| ())
}

fn parse_template(
    kind: &str,
    k: Kind,
    body: Option<&str>,
    limits: &Limits,
) -> Result<Template, TransformError> {
    let body = body.ok_or_else(|| TransformError::MissingBody(kind.to_string()))?;
    Template::parse(body, k.funcs, limits).map_err(|source| TransformError::Template {
        kind: kind.to_string(),
        source,
    })
}

/// Applies the transform to an answer's body; the result is the JSON the `objectKey`
/// then selects from. An answer that gives the template nothing to run on (an empty
/// body, JSON `null`) or a template that prints only blanks gives `Value::Null`.
pub fn apply(t: &ResponseTransform, input: &[u8]) -> Result<Value, TransformError> {
    apply_with_limits(t, input, &Limits::default())
}

pub fn apply_with_limits(
    t: &ResponseTransform,
    input: &[u8],
    limits: &Limits,
) -> Result<Value, TransformError> {
    let k = Kind::parse(t.kind)?;
    if k.family == Family::SchemaDrivenXml {
        let schema = t.schema.ok_or_else(|| TransformError::Schema {
            kind: t.kind.to_string(),
            message: "the method declares no schema_override".into(),
        })?;
        let list = t.object_key.unwrap_or("");
        let list = list.strip_prefix("$.").unwrap_or(list);
        let text = utf8(t.kind, input)?;
        return schema_xml::project(text, schema, list, t.protocol).map_err(|message| {
            TransformError::Input {
                kind: t.kind.to_string(),
                message,
            }
        });
    }
    let out = render_with_limits(t.kind, t.body, input, limits)?;
    let Some(out) = out else {
        return Ok(Value::Null);
    };
    if out.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&out).map_err(|e| TransformError::Output {
        kind: t.kind.to_string(),
        message: e.to_string(),
    })
}

/// The text a template kind prints for `input` (a request transform's output is sent as
/// it is, not parsed); `None` when the input gives the template nothing to run on, as
/// Go's readers do for an empty body or JSON `null`.
pub fn render(
    kind: &str,
    body: Option<&str>,
    input: &[u8],
) -> Result<Option<String>, TransformError> {
    render_with_limits(kind, body, input, &Limits::default())
}

pub fn render_with_limits(
    kind: &str,
    body: Option<&str>,
    input: &[u8],
    limits: &Limits,
) -> Result<Option<String>, TransformError> {
    let k = Kind::parse(kind)?;
    let data = match k.family {
        Family::SchemaDrivenXml => {
            return Err(TransformError::Schema {
                kind: kind.to_string(),
                message: "the schema-driven kind has no template to render".into(),
            })
        }
        Family::Text => Val::str(&String::from_utf8_lossy(input)),
        Family::Json => {
            if input.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            let v: Value = serde_json::from_slice(input).map_err(|e| TransformError::Input {
                kind: kind.to_string(),
                message: format!("the answer is not JSON: {e}"),
            })?;
            if v.is_null() {
                return Ok(None);
            }
            Val::from_json(&v)
        }
        Family::Mxj => {
            let text = utf8(kind, input)?;
            if text.trim().is_empty() {
                return Ok(None);
            }
            let doc = xml::parse(text).map_err(|message| TransformError::Input {
                kind: kind.to_string(),
                message,
            })?;
            xml::to_mxj(&doc, true).map_err(|message| TransformError::Input {
                kind: kind.to_string(),
                message,
            })?
        }
    };
    let tpl = parse_template(kind, k, body, limits)?;
    tpl.execute(&data, limits)
        .map(Some)
        .map_err(|source| TransformError::Template {
            kind: kind.to_string(),
            source,
        })
}

fn utf8<'i>(kind: &str, input: &'i [u8]) -> Result<&'i str, TransformError> {
    std::str::from_utf8(input).map_err(|_| TransformError::Input {
        kind: kind.to_string(),
        message: "the answer is not UTF-8 text".into(),
    })
}
