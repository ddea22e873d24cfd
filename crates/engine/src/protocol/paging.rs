//! Every pagination rule in one place: the document's declared `x-stackQL-config`
//! pagination (a token in the body, query or header, read from a top-level field of a JSON
//! answer), and for native AWS services that declare none, the AWS conventions — a
//! `NextToken`/`nextToken` parameter followed with the answer's `NextToken`/`nextToken`
//! (EC2 answers `<nextToken>`), a `Marker` parameter with the answer's `Marker` while
//! `IsTruncated` is not false (IAM). S3's markers and `Link` headers are added here too.

use super::{xml, Answer};
use crate::plan::request::PreparedRequest;
use serde_json::Value;
use stackql_registry::{Method, ParamLocation, Service, TokenLocation, WireProtocol};

/// How one method's listing continues.
#[derive(Clone, Debug, PartialEq)]
pub struct Paging {
    /// Where the token goes in the next request.
    pub request_key: String,
    pub request_location: TokenLocation,
    /// The JSON type the request declares for the token.
    pub request_token_type: Option<String>,
    pub response: ResponseToken,
}

/// Where the token comes from in an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseToken {
    /// A top-level field of a JSON answer (declared pagination).
    Field(String),
    /// A field or element of this name, any case, at the top of the answer or inside its
    /// `...Result` wrapper (AWS conventions); a `Marker` counts only while `IsTruncated`
    /// is not `false`.
    Convention(String),
    /// S3's listings: the element `next` while `IsTruncated` is true, else (`last_key`,
    /// ListObjects without a delimiter) the last `Key` listed; `then` is a second marker
    /// (request parameter, answer element) that goes with the first, as ListObjectVersions'
    /// `version-id-marker` from `NextVersionIdMarker` (see `s3_paging`).
    S3 {
        next: &'static str,
        last_key: bool,
        then: Option<(&'static str, &'static str)>,
    },
    /// The `rel="next"` target of the answer's `Link` header (declared as the response
    /// token `Link` in a header, as GitHub's document does): the next request is that URL,
    /// followed only on the request's own origin (`Pager`).
    LinkNext,
    /// Declared somewhere this client does not read (another response header): one page.
    Unread,
}

/// Request parameters that carry an AWS continuation token, in order of preference.
const CONVENTIONAL_KEYS: &[&str] = &["NextToken", "nextToken", "Marker"];

impl Paging {
    /// The rule for `method`: what the document declares, else the AWS convention when
    /// the service is a native AWS one and the method takes a token parameter.
    pub fn of(method: &Method, service: &Service) -> Option<Paging> {
        if let Some(p) = &method.pagination {
            return Some(Paging {
                request_key: p.request_key.clone(),
                request_location: p.request_location,
                request_token_type: p.request_token_type.clone(),
                response: if p.response_location == TokenLocation::Body {
                    // The current registry writes the key as JSONPath (`$.NextToken`).
                    let key = p.response_key.strip_prefix("$.").unwrap_or(&p.response_key);
                    ResponseToken::Field(key.to_string())
                } else if p.response_key.eq_ignore_ascii_case("link") {
                    ResponseToken::LinkNext
                } else {
                    ResponseToken::Unread
                },
            });
        }
        if service.signing_name.is_none() || service.protocol == WireProtocol::Json {
            return None;
        }
        if service.protocol == WireProtocol::RestXml {
            return s3_paging(method);
        }
        CONVENTIONAL_KEYS.iter().find_map(|key| {
            let param = method.params.iter().find(|p| p.wire_name == *key)?;
            let location = match &param.location {
                ParamLocation::Query => TokenLocation::Query,
                ParamLocation::Header => TokenLocation::Header,
                ParamLocation::Body { .. } => TokenLocation::Body,
                _ => return None,
            };
            Some(Paging {
                request_key: key.to_string(),
                request_location: location,
                request_token_type: param
                    .schema
                    .get("type")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                response: ResponseToken::Convention(key.to_string()),
            })
        })
    }
}

/// A next-page token as the service wrote it: a string, or a number (an offset or a page
/// index; StackQL follows those too).
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Text(String),
    Number(serde_json::Number),
    /// Several query parameters that continue the listing together (S3's key marker with
    /// its version-id or upload-id marker), as (parameter, value).
    Params(Vec<(String, String)>),
}

impl Token {
    /// The token as text (query strings, headers, and the loop check).
    pub fn text(&self) -> String {
        match self {
            Token::Text(t) => t.clone(),
            Token::Number(n) => n.to_string(),
            Token::Params(pairs) => pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        }
    }

    /// The token as a body field, in the type the request declares for it (a numeric token
    /// is sent as a string where the schema says `string`, and the other way round); an
    /// undeclared type keeps the form the service used.
    fn body_value(&self, declared: Option<&str>) -> Value {
        match (self, declared) {
            (Token::Number(n), Some("string")) => Value::String(n.to_string()),
            (Token::Text(t), Some("integer")) => t
                .parse::<i64>()
                .map_or_else(|_| Value::String(t.clone()), Value::from),
            (Token::Text(t), Some("number")) => t
                .parse::<serde_json::Number>()
                .map_or_else(|_| Value::String(t.clone()), Value::Number),
            (Token::Text(t), _) => Value::String(t.clone()),
            (Token::Number(n), _) => Value::Number(n.clone()),
            // Only S3 makes these, for query strings.
            (Token::Params(_), _) => Value::String(self.text()),
        }
    }
}

/// The next-page token of an answer; a token of another kind (an object, a list) is a
/// malformed answer: it would otherwise end the listing silently, dropping the remaining
/// pages.
pub fn next_token(answer: &Answer, p: &Paging) -> Result<Option<Token>, String> {
    match answer {
        Answer::Json(page) => json_page_token(page, p),
        Answer::Transformed { shaped, raw } => match json_page_token(shaped, p)? {
            Some(token) => Ok(Some(token)),
            None => next_token(raw, p),
        },
        Answer::Xml(text) => xml_page_token(text, p),
    }
}

fn json_page_token(page: &Value, p: &Paging) -> Result<Option<Token>, String> {
    match &p.response {
        // The Link header is not in the answer's body; the pager reads it (`link_next`).
        ResponseToken::Unread | ResponseToken::LinkNext | ResponseToken::S3 { .. } => Ok(None),
        ResponseToken::Field(key) => json_token(page.get(key), key),
        ResponseToken::Convention(key) => {
            let Some(obj) = page.as_object() else {
                return Ok(None);
            };
            let found = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
            if key == "Marker" && obj.get("IsTruncated").and_then(Value::as_bool) == Some(false) {
                return Ok(None);
            }
            json_token(found.map(|(_, v)| v), key)
        }
    }
}

fn xml_page_token(text: &str, p: &Paging) -> Result<Option<Token>, String> {
    match &p.response {
        ResponseToken::Unread | ResponseToken::LinkNext => Ok(None),
        ResponseToken::S3 {
            next,
            last_key,
            then,
        } => s3_token(
            text,
            next,
            *last_key,
            then.map(|t| (p.request_key.as_str(), t)),
        ),
        ResponseToken::Field(key) | ResponseToken::Convention(key) => {
            let doc = xml::parse(text)?;
            Ok(xml_token(&doc, key).map(Token::Text))
        }
    }
}

fn json_token(v: Option<&Value>, key: &str) -> Result<Option<Token>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) => Ok(Some(Token::Text(t.clone())).filter(|_| !t.is_empty())),
        Some(Value::Number(n)) => Ok(Some(Token::Number(n.clone()))),
        Some(other) => Err(format!(
            "expected a string or a number at $.{key}, got {}",
            crate::decode::items::kind_of(other)
        )),
    }
}

/// The token element under the root or its `...Result` wrapper.
fn xml_token(doc: &roxmltree::Document, key: &str) -> Option<String> {
    let root = doc.root_element();
    let holders = std::iter::once(root).chain(
        root.children()
            .filter(|c| c.is_element() && c.tag_name().name().ends_with("Result")),
    );
    for holder in holders {
        let token = holder
            .children()
            .find(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(key));
        if let Some(token) = token {
            if key == "Marker"
                && xml::child_text(holder, "IsTruncated").is_some_and(|t| t.trim() == "false")
            {
                return None;
            }
            let text: String = token.text().unwrap_or_default().trim().to_string();
            return Some(text).filter(|t| !t.is_empty());
        }
    }
    None
}

/// The request for the next page: `req` with the token where the rule puts it.
pub fn set_token(req: &mut PreparedRequest, p: &Paging, token: &Token) {
    if p.response == ResponseToken::LinkNext {
        // The whole next URL; the pager has checked its origin.
        req.url = token.text();
        return;
    }
    match p.request_location {
        TokenLocation::Body => {
            if let Some(Value::Object(b)) = &mut req.body {
                b.insert(
                    p.request_key.clone(),
                    token.body_value(p.request_token_type.as_deref()),
                );
            }
        }
        TokenLocation::Query => {
            let set: Vec<(String, String)> = match token {
                Token::Params(pairs) => pairs.clone(),
                _ => vec![(p.request_key.clone(), token.text())],
            };
            let mut url = url::Url::parse(&req.url).expect("request URLs are valid");
            // The rule's own parameters are replaced, even one this page's answer left out
            // (a version-id marker belongs to the key marker it came with).
            let replaced = |k: &str| {
                k == p.request_key
                    || set.iter().any(|(s, _)| s == k)
                    || matches!(&p.response, ResponseToken::S3 { then: Some((param, _)), .. } if *param == k)
            };
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !replaced(k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .extend_pairs(set);
            req.url = url.to_string();
        }
        TokenLocation::Header => {
            req.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case(&p.request_key));
            req.headers.push((p.request_key.clone(), token.text()));
        }
    }
}

/// S3's listings (rest-xml), which continue only while `IsTruncated` is true:
/// ListObjectsV2 sends `continuation-token` from the answer's `NextContinuationToken`;
/// ListObjects sends `marker` from `NextMarker`, or, since S3 gives that only with a
/// delimiter, the last `Key` listed. (Its `Marker` element echoes the request, so the
/// generic `Marker` convention would stop after the first page.) ListObjectVersions sends
/// `key-marker` and `version-id-marker` from `NextKeyMarker` and `NextVersionIdMarker`,
/// ListMultipartUploads `key-marker` and `upload-id-marker` from `NextKeyMarker` and
/// `NextUploadIdMarker`: one key's versions or uploads may span pages, so the key alone
/// would repeat or skip some.
fn s3_paging(method: &Method) -> Option<Paging> {
    let has = |name: &str| {
        method
            .params
            .iter()
            .any(|p| p.wire_name == name && p.location == ParamLocation::Query)
    };
    let (request_key, next, last_key, then) = if has("continuation-token") {
        ("continuation-token", "NextContinuationToken", false, None)
    } else if has("marker") {
        ("marker", "NextMarker", true, None)
    } else if has("key-marker") && has("version-id-marker") {
        (
            "key-marker",
            "NextKeyMarker",
            false,
            Some(("version-id-marker", "NextVersionIdMarker")),
        )
    } else if has("key-marker") && has("upload-id-marker") {
        (
            "key-marker",
            "NextKeyMarker",
            false,
            Some(("upload-id-marker", "NextUploadIdMarker")),
        )
    } else {
        return None;
    };
    Some(Paging {
        request_key: request_key.to_string(),
        request_location: TokenLocation::Query,
        request_token_type: None,
        response: ResponseToken::S3 {
            next,
            last_key,
            then,
        },
    })
}

/// The next page of an S3 listing (see `s3_paging`). A truncated answer without a way to
/// continue is an error: stopping there would return part of the bucket as if whole.
/// `then` is (the first marker's request parameter, the second marker) for listings
/// continued by two.
fn s3_token(
    text: &str,
    next: &str,
    last_key: bool,
    then: Option<(&str, (&str, &str))>,
) -> Result<Option<Token>, String> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let truncated = xml::child_text(root, "IsTruncated").is_some_and(|t| t.trim() == "true");
    if !truncated {
        return Ok(None);
    }
    let element = |name: &str| xml::child_text(root, name).filter(|t| !t.trim().is_empty());
    if let Some(t) = element(next) {
        let Some((first_param, (param, then_next))) = then else {
            return Ok(Some(Token::Text(t)));
        };
        // The key marker always; the second only when the answer gives one (S3 omits it
        // when the page ended on a key's last version or upload).
        let mut pairs = vec![(first_param.to_string(), t)];
        if let Some(second) = element(then_next) {
            pairs.push((param.to_string(), second));
        }
        return Ok(Some(Token::Params(pairs)));
    }
    if last_key {
        let last = root
            .children()
            .rev()
            .find(|c| c.is_element() && c.tag_name().name() == "Contents")
            .and_then(|c| xml::child_text(c, "Key"));
        if let Some(key) = last.filter(|k| !k.is_empty()) {
            return Ok(Some(Token::Text(key)));
        }
    }
    Err(format!(
        "the answer is truncated (IsTruncated) but gives no {next}{}",
        if last_key { " and no last Key" } else { "" }
    ))
}

/// The `rel="next"` target of a `Link` header (RFC 8288, as GitHub sends it), resolved
/// against the URL of the request that got it. Whether it may be followed (same origin)
/// is the pager's decision.
pub fn link_next(header: &str, base: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params = after[end + 1..].split('<').next().unwrap_or("");
        let is_next = params.split([';', ',']).any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return url::Url::parse(base)
                .ok()?
                .join(target.trim())
                .ok()
                .map(String::from);
        }
        rest = &after[end + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::request::{Intent, PreparedRequest};
    use serde_json::json;

    fn pagination(location: TokenLocation, declared: Option<&str>) -> Paging {
        Paging {
            request_key: "NextToken".into(),
            request_location: location,
            request_token_type: declared.map(str::to_string),
            response: ResponseToken::Field("NextToken".into()),
        }
    }

    fn request(url: &str) -> PreparedRequest {
        PreparedRequest {
            method: "POST".into(),
            url: url.into(),
            headers: vec![],
            body: Some(json!({"MaxResults": 2})),
            region: None,
            signing_service: None,
            provider: "p".into(),
            label: "p.s.r.list".into(),
            params: vec![],
            retry_safe: true,
            intent: Intent::Read,
            endpoint: crate::plan::endpoint::Origin::of_url(url).unwrap(),
            protocol: WireProtocol::AwsJson { minor: 0 },
            transform: None,
        }
    }

    #[test]
    fn numeric_tokens_are_followed_in_the_declared_form() {
        let p = pagination(TokenLocation::Body, None);
        let token = next_token(&Answer::Json(json!({"NextToken": 40})), &p)
            .unwrap()
            .unwrap();
        assert_eq!(token.text(), "40");
        // Undeclared: sent back as the service wrote it.
        let mut req = request("http://127.0.0.1:9/");
        set_token(&mut req, &p, &token);
        assert_eq!(req.body, Some(json!({"MaxResults": 2, "NextToken": 40})));
        // Declared a string: sent as one.
        let mut req = request("http://127.0.0.1:9/");
        set_token(
            &mut req,
            &pagination(TokenLocation::Body, Some("string")),
            &token,
        );
        assert_eq!(req.body.unwrap()["NextToken"], json!("40"));
        // A string token where the request wants an integer.
        let text = next_token(&Answer::Json(json!({"NextToken": "7"})), &p)
            .unwrap()
            .unwrap();
        let mut req = request("http://127.0.0.1:9/");
        set_token(
            &mut req,
            &pagination(TokenLocation::Body, Some("integer")),
            &text,
        );
        assert_eq!(req.body.unwrap()["NextToken"], json!(7));
        // In a query string: its decimal text.
        let mut req = request("http://127.0.0.1:9/items?limit=2&NextToken=20");
        set_token(&mut req, &pagination(TokenLocation::Query, None), &token);
        assert_eq!(req.url, "http://127.0.0.1:9/items?limit=2&NextToken=40");
        let mut req = request("http://127.0.0.1:9/items");
        set_token(&mut req, &pagination(TokenLocation::Query, None), &token);
        assert_eq!(req.url, "http://127.0.0.1:9/items?NextToken=40");
    }

    #[test]
    fn empty_null_and_missing_tokens_end_the_listing_and_objects_are_refused() {
        let p = pagination(TokenLocation::Body, None);
        for page in [
            json!({}),
            json!({"NextToken": null}),
            json!({"NextToken": ""}),
        ] {
            assert_eq!(
                next_token(&Answer::Json(page.clone()), &p).unwrap(),
                None,
                "{page}"
            );
        }
        assert_eq!(
            next_token(&Answer::Json(json!({"NextToken": {"a": 1}})), &p).unwrap_err(),
            "expected a string or a number at $.NextToken, got an object"
        );
    }

    fn convention(key: &str) -> Paging {
        Paging {
            request_key: key.into(),
            request_location: TokenLocation::Query,
            request_token_type: None,
            response: ResponseToken::Convention(key.into()),
        }
    }

    #[test]
    fn aws_conventions_find_tokens_in_xml_and_json_answers() {
        let ec2 = Answer::Xml("<DescribeInstancesResponse><reservationSet/><nextToken>abc</nextToken></DescribeInstancesResponse>".into());
        assert_eq!(
            next_token(&ec2, &convention("NextToken")).unwrap(),
            Some(Token::Text("abc".into()))
        );
        let iam = |truncated: &str| {
            Answer::Xml(format!(
                "<ListRolesResponse><ListRolesResult><Roles/><IsTruncated>{truncated}</IsTruncated><Marker>m2</Marker></ListRolesResult></ListRolesResponse>"
            ))
        };
        assert_eq!(
            next_token(&iam("true"), &convention("Marker")).unwrap(),
            Some(Token::Text("m2".into()))
        );
        assert_eq!(
            next_token(&iam("false"), &convention("Marker")).unwrap(),
            None
        );
        let json = Answer::Json(json!({"nextToken": "n1", "items": []}));
        assert_eq!(
            next_token(&json, &convention("NextToken")).unwrap(),
            Some(Token::Text("n1".into()))
        );
        let last = Answer::Xml("<R><nextToken/></R>".into());
        assert_eq!(next_token(&last, &convention("NextToken")).unwrap(), None);
    }

    fn s3(next: &'static str, last_key: bool) -> Paging {
        Paging {
            request_key: "marker".into(),
            request_location: TokenLocation::Query,
            request_token_type: None,
            response: ResponseToken::S3 {
                next,
                last_key,
                then: None,
            },
        }
    }

    fn s3_two(then: (&'static str, &'static str)) -> Paging {
        Paging {
            request_key: "key-marker".into(),
            request_location: TokenLocation::Query,
            request_token_type: None,
            response: ResponseToken::S3 {
                next: "NextKeyMarker",
                last_key: false,
                then: Some(then),
            },
        }
    }

    #[test]
    fn s3_versions_and_uploads_continue_from_both_markers() {
        let versions = s3_two(("version-id-marker", "NextVersionIdMarker"));
        let page = |truncated: &str, markers: &str| {
            Answer::Xml(format!(
                "<ListVersionsResult><Name>b</Name><KeyMarker>k0</KeyMarker><VersionIdMarker>v0</VersionIdMarker>\
                 <IsTruncated>{truncated}</IsTruncated>{markers}\
                 <Version><Key>k1</Key><VersionId>v1</VersionId></Version></ListVersionsResult>"
            ))
        };
        let both = "<NextKeyMarker>k1</NextKeyMarker><NextVersionIdMarker>v1</NextVersionIdMarker>";
        let token = next_token(&page("true", both), &versions).unwrap().unwrap();
        assert_eq!(
            token,
            Token::Params(vec![
                ("key-marker".into(), "k1".into()),
                ("version-id-marker".into(), "v1".into())
            ])
        );
        // Both replace the previous page's markers; the other parameters stay.
        let mut req =
            request("http://127.0.0.1:9/b?versions=&max-keys=2&key-marker=k0&version-id-marker=v0");
        set_token(&mut req, &versions, &token);
        assert_eq!(
            req.url,
            "http://127.0.0.1:9/b?versions=&max-keys=2&key-marker=k1&version-id-marker=v1"
        );
        // A page that ends on a key's last version names no version: the old one goes.
        let key_only = next_token(
            &page("true", "<NextKeyMarker>k2</NextKeyMarker>"),
            &versions,
        )
        .unwrap()
        .unwrap();
        set_token(&mut req, &versions, &key_only);
        assert_eq!(
            req.url,
            "http://127.0.0.1:9/b?versions=&max-keys=2&key-marker=k2"
        );
        assert_eq!(next_token(&page("false", both), &versions).unwrap(), None);
        // Truncated without a key marker: an error, never a short listing.
        let err = next_token(
            &page("true", "<NextVersionIdMarker>v1</NextVersionIdMarker>"),
            &versions,
        )
        .unwrap_err();
        assert!(err.contains("NextKeyMarker"), "{err}");

        let uploads = s3_two(("upload-id-marker", "NextUploadIdMarker"));
        let page = Answer::Xml(
            "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>\
             <NextKeyMarker>obj</NextKeyMarker><NextUploadIdMarker>u-7</NextUploadIdMarker>\
             <Upload><Key>obj</Key><UploadId>u-7</UploadId></Upload></ListMultipartUploadsResult>"
                .into(),
        );
        let token = next_token(&page, &uploads).unwrap().unwrap();
        let mut req = request("http://127.0.0.1:9/b?uploads=");
        set_token(&mut req, &uploads, &token);
        assert_eq!(
            req.url,
            "http://127.0.0.1:9/b?uploads=&key-marker=obj&upload-id-marker=u-7"
        );
        // Two pages that differ only in the second marker are different tokens (the
        // pager's loop check compares `text`).
        assert_ne!(
            Token::Params(vec![
                ("key-marker".into(), "k".into()),
                ("upload-id-marker".into(), "1".into())
            ])
            .text(),
            Token::Params(vec![
                ("key-marker".into(), "k".into()),
                ("upload-id-marker".into(), "2".into())
            ])
            .text()
        );
    }

    #[test]
    fn s3_listings_continue_while_truncated() {
        let v1 = |truncated: &str, next: &str| {
            Answer::Xml(format!(
                "<ListBucketResult><Name>b</Name><Marker></Marker>{next}<IsTruncated>{truncated}</IsTruncated>\
                 <Contents><Key>a/1</Key></Contents><Contents><Key>a/2</Key></Contents></ListBucketResult>"
            ))
        };
        // Without a delimiter S3 sends no NextMarker: the last key continues the listing.
        assert_eq!(
            next_token(&v1("true", ""), &s3("NextMarker", true)).unwrap(),
            Some(Token::Text("a/2".into()))
        );
        assert_eq!(
            next_token(
                &v1("true", "<NextMarker>z</NextMarker>"),
                &s3("NextMarker", true)
            )
            .unwrap(),
            Some(Token::Text("z".into()))
        );
        assert_eq!(
            next_token(&v1("false", ""), &s3("NextMarker", true)).unwrap(),
            None
        );
        let v2 = Answer::Xml(
            "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>c2</NextContinuationToken></ListBucketResult>".into(),
        );
        assert_eq!(
            next_token(&v2, &s3("NextContinuationToken", false)).unwrap(),
            Some(Token::Text("c2".into()))
        );
        // Truncated with nothing to continue from: an error, not a silently short listing.
        let broken = Answer::Xml(
            "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".into(),
        );
        assert!(next_token(&broken, &s3("NextContinuationToken", false)).is_err());
    }

    #[test]
    fn link_headers_name_the_next_page() {
        let base = "https://api.github.com/orgs/o/repos?per_page=2";
        let gh = r#"<https://api.github.com/organizations/1/repos?per_page=2&page=2>; rel="next", <https://api.github.com/organizations/1/repos?per_page=2&page=5>; rel="last""#;
        assert_eq!(
            link_next(gh, base).as_deref(),
            Some("https://api.github.com/organizations/1/repos?per_page=2&page=2")
        );
        // Order, spacing, several rel values and relative targets.
        let other = r#"</repos?page=1>; rel="prev first",</repos?page=3>;rel=next"#;
        assert_eq!(
            link_next(other, base).as_deref(),
            Some("https://api.github.com/repos?page=3")
        );
        assert_eq!(link_next(r#"<https://x/?p=9>; rel="last""#, base), None);
        assert_eq!(link_next("garbage", base), None);
        // The next request is the whole link; the pager checks its origin against the
        // request's endpoint first, so another host never gets the credentials.
        let link = Paging {
            request_key: String::new(),
            request_location: TokenLocation::Query,
            request_token_type: None,
            response: ResponseToken::LinkNext,
        };
        let mut req = request("https://api.github.com/orgs/o/repos");
        let evil = link_next(r#"<https://evil.example/steal>; rel="next""#, &req.url).unwrap();
        assert!(req.endpoint_allows(&evil).is_err());
        let next = link_next(gh, &req.url).unwrap();
        assert!(req.endpoint_allows(&next).is_ok());
        set_token(&mut req, &link, &Token::Text(next.clone()));
        assert_eq!(req.url, next);
        assert_eq!(link_next("<unclosed; rel=next", base), None);
    }
}
