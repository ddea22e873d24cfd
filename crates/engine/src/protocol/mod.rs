//! The protocol seam: how a planned call (`PreparedRequest`) goes on the wire and how its
//! answer comes back, per wire protocol of the service document (`WireProtocol`, chosen by
//! the registry). `encode` builds the bytes to sign and send (method, URL, headers, body);
//! `decode` turns the status and body into an `Answer` or a `CallError` (AWS error code,
//! message, request id); `items` selects the rows of an answer at the method's objectKey
//! (JSONPath on JSON, XPath on XML, typed by the row schema); `paging` holds every
//! pagination rule. One file per protocol: `json.rs` (awsJson 1.0/1.1, rest-json, generic
//! REST/JSON), `query.rs` (AWS query and EC2), `rest_xml.rs` (S3's request bodies) and
//! `xml.rs` (XML answers and errors of the last three).

pub mod json;
pub mod paging;
pub mod query;
pub mod rest_xml;
pub mod xml;

use crate::error::CallError;
use crate::plan::request::PreparedRequest;
use serde_json::Value;
use stackql_registry::{JsonPath, Method, ResponseTransform, WireProtocol, XPath};
use std::borrow::Cow;
use std::sync::Arc;

/// A request as it goes on the wire (before signing).
#[derive(Clone, Debug, PartialEq)]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Builds the wire request of a planned call.
pub fn encode(req: &PreparedRequest) -> Result<WireRequest, String> {
    let mut headers = req.headers.clone();
    let (method, url, body) = match req.protocol {
        WireProtocol::Query | WireProtocol::Ec2Query => {
            // Every parameter is already a query pair (lists flattened when the request
            // was built); they travel as a form POST, never in the URL.
            let (url, body) = query::form_from_url(&req.url)?;
            set_content_type(&mut headers, query::FORM_CONTENT_TYPE);
            ("POST".to_string(), url, body)
        }
        WireProtocol::RestXml if content_type(&headers).is_some_and(|t| t.contains("xml")) => (
            req.method.clone(),
            req.url.clone(),
            rest_xml::body_bytes(req.body.as_ref(), "Body"),
        ),
        _ => (
            req.method.clone(),
            req.url.clone(),
            json::body_bytes(req.body.as_ref())?,
        ),
    };
    Ok(WireRequest {
        method,
        url,
        headers,
        body,
    })
}

/// A call as EXPLAIN and the http log show it: the verb and URL it is sent with, and for
/// the query protocols the form's `Action` (`POST https://iam.amazonaws.com/
/// Action=ListUsers`), since their documents write each call as `GET /?Action=...` although
/// it travels as a form POST.
pub fn shown_target(req: &PreparedRequest) -> String {
    match req.protocol {
        WireProtocol::Query | WireProtocol::Ec2Query => match encode(req) {
            Ok(wire) => {
                let action = url::form_urlencoded::parse(&wire.body)
                    .find(|(k, _)| k == "Action")
                    .map(|(_, v)| format!(" Action={v}"))
                    .unwrap_or_default();
                format!("{} {}{action}", wire.method, wire.url)
            }
            // Not sendable as planned; the call itself reports why.
            Err(_) => format!("{} {}", req.method, req.url),
        },
        _ => format!("{} {}", req.method, req.url),
    }
}

fn content_type(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str())
}

fn set_content_type(headers: &mut Vec<(String, String)>, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
    headers.push(("Content-Type".to_string(), value.to_string()));
}

/// A successful answer's body, as its protocol reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Json(Value),
    /// The XML text (checked to parse); read by XPath when rows are taken.
    Xml(String),
    /// An answer the method's `response.transform` reshaped into JSON (`shaped`, where
    /// rows and, as in StackQL, the page token are read) and the answer as it came (`raw`,
    /// where the token is looked for when `shaped` has none: the schema-driven XML
    /// projection keeps no `Marker`).
    Transformed {
        shaped: Value,
        raw: Box<Answer>,
    },
}

impl Answer {
    /// The answer as JSON (an XML answer converted without a schema), for what is not read
    /// as rows: Cloud Control's ProgressEvent, a write's result.
    pub fn to_json(&self) -> Result<Value, String> {
        match self {
            Answer::Json(v) => Ok(v.clone()),
            Answer::Xml(text) => xml::document_to_json(&xml::parse(text)?),
            Answer::Transformed { shaped, .. } => Ok(shaped.clone()),
        }
    }
}

/// The response headers `decode` reads.
pub struct ResponseMeta {
    pub status: u16,
    pub request_id: Option<String>,
    pub error_type: Option<String>,
    pub content_type: Option<String>,
}

/// The answer to a call, or the error it reports. An answer that cannot be read is
/// `CallError::Unreadable` (status, request id, first bytes). A successful answer of a
/// method declaring a `response.transform` is reshaped by it (`Answer::Transformed`).
pub fn decode(
    protocol: WireProtocol,
    meta: ResponseMeta,
    bytes: &[u8],
    transform: Option<&ResponseTransform>,
) -> Result<Answer, CallError> {
    let looks_xml = looks_like_xml(bytes)
        || meta
            .content_type
            .as_deref()
            .is_some_and(|t| t.contains("xml"));
    let xml_protocol = protocol.is_xml();
    if meta.status >= 400 {
        if looks_xml {
            if let Some(e) = std::str::from_utf8(bytes)
                .ok()
                .and_then(|t| xml::parse(t).ok())
                .and_then(|doc| xml::error_fields(&doc))
            {
                let (code, message, request_id) = e;
                return Err(CallError::Api {
                    status: meta.status,
                    code,
                    message,
                    request_id: request_id.or(meta.request_id),
                });
            }
        }
        let parsed = serde_json::from_slice::<Value>(bytes).ok();
        return Err(json::api_error(
            meta.status,
            parsed.as_ref(),
            meta.error_type,
            meta.request_id,
            bytes,
        ));
    }
    let unreadable = || CallError::Unreadable {
        status: meta.status,
        request_id: meta.request_id.clone(),
        body_start: body_start(bytes),
    };
    if let Some(t) = transform {
        return transformed(protocol, t, bytes, unreadable);
    }
    if bytes.is_empty() {
        return Ok(Answer::Json(Value::Null));
    }
    if xml_protocol && looks_like_xml(bytes) {
        let text = std::str::from_utf8(bytes).map_err(|_| unreadable())?;
        xml::parse(text).map_err(|_| unreadable())?;
        return Ok(Answer::Xml(text.to_string()));
    }
    serde_json::from_slice(bytes)
        .map(Answer::Json)
        .map_err(|_| unreadable())
}

/// A successful answer through the method's transform. An answer its transform cannot
/// read (not JSON, not XML) is unreadable, as any answer its protocol cannot read; a
/// body the template cannot handle or output that is not JSON is refused, naming the
/// transform (repeating the call would not change it).
fn transformed(
    protocol: WireProtocol,
    t: &ResponseTransform,
    bytes: &[u8],
    unreadable: impl Fn() -> CallError,
) -> Result<Answer, CallError> {
    let spec = stackql_transform::ResponseTransform {
        kind: &t.kind,
        body: t.body.as_deref(),
        schema: t.schema.as_ref(),
        object_key: t.object_key.as_deref(),
        protocol: match protocol {
            WireProtocol::Query => Some("query"),
            WireProtocol::Ec2Query => Some("ec2"),
            WireProtocol::RestXml => Some("rest-xml"),
            _ => None,
        },
    };
    let shaped = match stackql_transform::apply(&spec, bytes) {
        Ok(v) => v,
        Err(stackql_transform::TransformError::Input { .. }) => return Err(unreadable()),
        Err(e) => return Err(CallError::Refused(e.to_string())),
    };
    // The answer as it came, for page tokens the transform did not keep.
    let raw = match std::str::from_utf8(bytes) {
        Ok(text) if protocol.is_xml() && looks_like_xml(bytes) && xml::parse(text).is_ok() => {
            Answer::Xml(text.to_string())
        }
        _ => Answer::Json(serde_json::from_slice(bytes).unwrap_or(Value::Null)),
    };
    Ok(Answer::Transformed {
        shaped,
        raw: Box::new(raw),
    })
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    trimmed == Some(&b'<')
}

/// The first bytes of an unreadable body, escaped so control characters and invalid UTF-8
/// cannot garble a terminal.
pub fn body_start(bytes: &[u8]) -> String {
    const SHOWN: usize = 200;
    let mut s: String = bytes[..bytes.len().min(SHOWN)]
        .iter()
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect();
    if bytes.len() > SHOWN {
        s.push_str(&format!("... ({} bytes in all)", bytes.len()));
    }
    s
}

/// Where a method's rows are in its answers, and their schema.
#[derive(Clone, Debug)]
pub struct ReadSpec {
    pub json_path: Option<JsonPath>,
    pub xpath: Option<XPath>,
    pub row_schema: Arc<Value>,
}

impl ReadSpec {
    pub fn of(method: &Method) -> ReadSpec {
        ReadSpec {
            json_path: method.response.object_path.clone(),
            xpath: method.response.object_xpath.clone(),
            row_schema: Arc::new(method.response.row_schema.clone()),
        }
    }
}

/// The items (rows) of an answer: for JSON what the JSONPath selects, lists flattened;
/// for XML the elements the XPath selects (the root element without one), each typed by
/// the row schema.
pub fn items<'a>(answer: &'a Answer, spec: &ReadSpec) -> Result<Vec<Cow<'a, Value>>, String> {
    match answer {
        Answer::Json(page) | Answer::Transformed { shaped: page, .. } => Ok(
            crate::decode::items::page_items(page, spec.json_path.as_ref())?
                .into_iter()
                .map(Cow::Borrowed)
                .collect(),
        ),
        Answer::Xml(text) => {
            let doc = xml::parse(text)?;
            let nodes = match &spec.xpath {
                Some(path) => xml::select(&doc, path),
                None => vec![doc.root_element()],
            };
            nodes
                .into_iter()
                .map(|n| xml::element_to_json(n, &spec.row_schema).map(Cow::Owned))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(status: u16) -> ResponseMeta {
        ResponseMeta {
            status,
            request_id: Some("hdr".into()),
            error_type: None,
            content_type: None,
        }
    }

    #[test]
    fn errors_are_read_in_the_body_format_the_service_used() {
        let xml = b"<ErrorResponse><Error><Code>Throttling</Code><Message>slow</Message></Error><RequestId>r1</RequestId></ErrorResponse>";
        assert_eq!(
            decode(WireProtocol::Query, meta(400), xml, None).unwrap_err(),
            CallError::Api {
                status: 400,
                code: "Throttling".into(),
                message: "slow".into(),
                request_id: Some("r1".into())
            }
        );
        let json = br#"{"__type": "com.amazon#ResourceNotFoundException", "Message": "nope"}"#;
        let e = decode(WireProtocol::AwsJson { minor: 0 }, meta(400), json, None).unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
        // An HTML page where JSON belongs is unreadable, never rows.
        assert!(matches!(
            decode(
                WireProtocol::AwsJson { minor: 0 },
                meta(200),
                b"<html>oops</html>",
                None
            ),
            Err(CallError::Unreadable { .. })
        ));
        assert!(matches!(
            decode(WireProtocol::Query, meta(200), b"<unclosed>", None),
            Err(CallError::Unreadable { .. })
        ));
    }
}
