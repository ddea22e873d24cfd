//! Which wire protocol a service document speaks: `info.x-protocol` when the document says
//! (the current registry), otherwise inferred from its shape (the May-2024 documents say
//! nothing): an `X-Amz-Target` header means awsJson, `?Action=...` paths answered in XML mean
//! the query protocol (EC2's own variant for `ec2`), S3 is rest-xml, other AWS services
//! rest-json and everything else generic REST/JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireProtocol {
    /// awsJson 1.0 / 1.1: POST of a JSON body to `/`, the operation in `X-Amz-Target`.
    AwsJson { minor: u8 },
    /// AWS rest-json: the operation in the path and verb, JSON bodies and answers.
    RestJson,
    /// AWS query: form-encoded parameters (`Action`, `Version`, lists as `.member.N`), XML
    /// answers.
    Query,
    /// EC2's query variant: lists as `Name.N` (no `member`), XML answers.
    Ec2Query,
    /// AWS rest-xml (S3): the operation in the path and verb, XML bodies and answers.
    RestXml,
    /// Any other provider's REST/JSON API.
    Json,
}

impl WireProtocol {
    /// The protocol of a service document.
    pub fn of_document(doc: &Value) -> WireProtocol {
        let info = doc.get("info");
        let text = |key: &str| info.and_then(|i| i.get(key)).and_then(Value::as_str);
        let service = text("x-serviceName").unwrap_or_default();
        let is_ec2 = service == "ec2";
        if let Some(declared) = text("x-protocol") {
            let minor = match text("x-jsonVersion") {
                Some("1.1") => 1,
                _ => 0,
            };
            match declared {
                "json" => return WireProtocol::AwsJson { minor },
                "rest-json" => return WireProtocol::RestJson,
                "query" if is_ec2 => return WireProtocol::Ec2Query,
                "query" => return WireProtocol::Query,
                "ec2" => return WireProtocol::Ec2Query,
                "rest-xml" => return WireProtocol::RestXml,
                _ => {}
            }
        }
        let paths = doc.get("paths").and_then(Value::as_object);
        if let Some(minor) = paths.and_then(aws_json_minor) {
            return WireProtocol::AwsJson { minor };
        }
        if service == "s3" {
            return WireProtocol::RestXml;
        }
        let query_paths = paths.is_some_and(|p| {
            p.iter().any(|(path, item)| {
                path.contains("?Action=") && path.contains("Version=") && answers_in_xml(item)
            })
        });
        if query_paths {
            return if is_ec2 {
                WireProtocol::Ec2Query
            } else {
                WireProtocol::Query
            };
        }
        if service.is_empty() {
            WireProtocol::Json
        } else {
            WireProtocol::RestJson
        }
    }

    /// Whether answers (and error bodies) are XML.
    pub fn is_xml(self) -> bool {
        matches!(
            self,
            WireProtocol::Query | WireProtocol::Ec2Query | WireProtocol::RestXml
        )
    }

    /// Whether request parameters travel form-encoded (`Action=...&Version=...`).
    pub fn is_query(self) -> bool {
        matches!(self, WireProtocol::Query | WireProtocol::Ec2Query)
    }

    /// The name used in EXPLAIN and errors.
    pub fn name(self) -> &'static str {
        match self {
            WireProtocol::AwsJson { minor: 0 } => "awsJson1_0",
            WireProtocol::AwsJson { .. } => "awsJson1_1",
            WireProtocol::RestJson => "rest-json",
            WireProtocol::Query => "query",
            WireProtocol::Ec2Query => "ec2",
            WireProtocol::RestXml => "rest-xml",
            WireProtocol::Json => "json",
        }
    }
}

/// `Some(minor)` when operations name their target in an `X-Amz-Target` header (or path
/// fragment); the minor version from the `application/x-amz-json-1.x` media type.
fn aws_json_minor(paths: &serde_json::Map<String, Value>) -> Option<u8> {
    let mut targeted = false;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut this = path.contains("X-Amz-Target=");
        for op in item.values().filter(|v| v.is_object()) {
            let header = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|p| {
                    p.get("in").and_then(Value::as_str) == Some("header")
                        && p.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case("X-Amz-Target"))
                });
            this |= header;
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                if content.contains_key("application/x-amz-json-1.1") {
                    return Some(1);
                }
                if this && content.contains_key("application/x-amz-json-1.0") {
                    return Some(0);
                }
            }
        }
        targeted |= this;
    }
    targeted.then_some(0)
}

/// Whether some operation of a path item answers in XML.
fn answers_in_xml(item: &Value) -> bool {
    item.as_object().is_some_and(|ops| {
        ops.values().any(|op| {
            op.get("responses")
                .and_then(Value::as_object)
                .is_some_and(|r| {
                    r.values().any(|resp| {
                        resp.get("content")
                            .and_then(Value::as_object)
                            .is_some_and(|c| c.keys().any(|k| k.contains("xml")))
                    })
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declared_protocols_win_and_shapes_are_inferred() {
        let declared = json!({"info": {"x-serviceName": "logs", "x-protocol": "json", "x-jsonVersion": "1.1"}});
        assert_eq!(
            WireProtocol::of_document(&declared),
            WireProtocol::AwsJson { minor: 1 }
        );
        let ec2 = json!({"info": {"x-serviceName": "ec2"}, "paths": {
            "/?Action=DescribeVpcs&Version=2016-11-15": {"get": {"responses": {"200": {"content": {"text/xml": {}}}}}}
        }});
        assert_eq!(WireProtocol::of_document(&ec2), WireProtocol::Ec2Query);
        let iam = json!({"info": {"x-serviceName": "iam"}, "paths": {
            "/?Action=ListUsers&Version=2010-05-08": {"get": {"responses": {"200": {"content": {"text/xml": {}}}}}}
        }});
        assert_eq!(WireProtocol::of_document(&iam), WireProtocol::Query);
        let cloud_control = json!({"info": {"x-serviceName": "cloudcontrolapi"}, "paths": {
            "/?Action=ListResources&Version=2021-09-30": {"post": {
                "parameters": [{"name": "X-Amz-Target", "in": "header"}],
                "requestBody": {"content": {"application/x-amz-json-1.0": {}}},
                "responses": {"200": {"content": {"application/json": {}}}}}}
        }});
        assert_eq!(
            WireProtocol::of_document(&cloud_control),
            WireProtocol::AwsJson { minor: 0 }
        );
        assert_eq!(
            WireProtocol::of_document(&json!({"info": {"x-serviceName": "s3"}})),
            WireProtocol::RestXml
        );
        assert_eq!(
            WireProtocol::of_document(
                &json!({"info": {"x-serviceName": "lambda"}, "paths": {"/functions": {}}})
            ),
            WireProtocol::RestJson
        );
        assert_eq!(
            WireProtocol::of_document(&json!({"info": {"title": "GitHub"}})),
            WireProtocol::Json
        );
    }
}
