//! Turning a method plus column values into one concrete HTTP request: server URL from the
//! server variables (or the AWS endpoint override), path and query parameters, header
//! defaults (`X-Amz-Target`), and a body named and typed per `requestBodyTranslate`.

use crate::decode::values::{sql_to_field, sql_to_text};
use crate::plan::endpoint::{check_variable, ensure_origin, Origin};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};
use stackql_registry::{Method, ParamLocation, ResponseTransform, Service, WireProtocol};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Column values for one call; `forced` marks columns wrapped in `string(...)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallValues {
    pub values: BTreeMap<String, SqlValue>,
    pub forced: std::collections::BTreeSet<String>,
    /// `@@json`: the body given whole, merged over `request.base`.
    pub raw_body: Option<Value>,
}

impl CallValues {
    pub fn set(&mut self, column: &str, v: SqlValue) {
        self.values.insert(column.to_string(), v);
    }
}

/// A request ready to sign and send.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub region: Option<String>,
    pub signing_service: Option<String>,
    /// Whose credentials sign it (`--auth` is keyed by provider).
    pub provider: String,
    /// `provider.service.resource.method`, for errors.
    pub label: String,
    /// Identifying parameter values (`name=value`) for errors and EXPLAIN.
    pub params: Vec<String>,
    /// Whether sending it twice does no harm: reads, and writes carrying an idempotency
    /// token (Cloud Control `ClientToken`). Only such requests are retried.
    pub retry_safe: bool,
    /// Whether the statement only reads (SELECT, or EXEC of a method the resource lists
    /// under `sqlVerbs.select`); decides what an unreadable answer may trigger.
    pub intent: Intent,
    /// The only origin this request (and its later pages) may be sent to: the server
    /// template's, variables filled in, or the explicit endpoint override.
    pub endpoint: Origin,
    /// How it goes on the wire and how its answer is read (`protocol::encode`/`decode`).
    pub protocol: WireProtocol,
    /// The method's `response.transform`, applied to each answer (`protocol::decode`).
    pub transform: Option<Arc<ResponseTransform>>,
}

/// What the statement does with a request, which decides whether it may be sent twice.
/// Never derived from the HTTP verb: query-protocol writes are GETs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    Read,
    Write,
}

impl PreparedRequest {
    /// Refuses the request unless its URL is at `endpoint` (checked again before signing,
    /// since paging rewrites URLs).
    pub fn check_endpoint(&self) -> Result<(), String> {
        self.endpoint_allows(&self.url)
    }

    /// Refuses `url` (a page link the answer named) unless it is at this request's endpoint.
    pub fn endpoint_allows(&self, url: &str) -> Result<(), String> {
        ensure_origin(&self.label, url, &self.endpoint)
    }
}

/// Where requests go when the user overrides the endpoint (`AWS_ENDPOINT_URL`, ...).
pub trait EndpointResolver: Send + Sync {
    /// A base URL (scheme, host, port) replacing the registry server for `signing_service`.
    fn endpoint_for(&self, signing_service: &str) -> Option<String>;
    /// A base URL replacing the registry servers of every service of `provider`, with the
    /// name of the setting that gave it (for errors). Only an explicit setting naming the
    /// provider: credentials go to the provider's own endpoint or to this.
    fn endpoint_for_provider(&self, _provider: &str) -> Option<(String, String)> {
        None
    }
}

/// The variable overriding every endpoint of a provider: `STACKQL_ENDPOINT_URL_GITHUB` for
/// `github` (upper case, anything but letters and digits as `_`). Our own; Go StackQL has
/// none (COMPATIBILITY.md).
pub fn provider_endpoint_var(provider: &str) -> String {
    let id: String = provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("STACKQL_ENDPOINT_URL_{id}")
}

/// The AWS SDK convention: `AWS_ENDPOINT_URL_<SERVICE_ID>` first, then `AWS_ENDPOINT_URL`.
pub struct EnvEndpoints {
    pub lookup: crate::EnvLookup,
}

impl EndpointResolver for EnvEndpoints {
    fn endpoint_for(&self, signing_service: &str) -> Option<String> {
        // The SDK service id of the signing name `cloudcontrolapi` is `CloudControl`.
        let service_id = match signing_service {
            "cloudcontrolapi" => "CLOUDCONTROL".to_string(),
            other => other.to_ascii_uppercase().replace('-', "_"),
        };
        (self.lookup)(&format!("AWS_ENDPOINT_URL_{service_id}"))
            .or_else(|| (self.lookup)("AWS_ENDPOINT_URL"))
            .filter(|v| !v.trim().is_empty())
    }
    fn endpoint_for_provider(&self, provider: &str) -> Option<(String, String)> {
        let var = provider_endpoint_var(provider);
        (self.lookup)(&var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v, var))
    }
}

pub fn build_request(
    label: &str,
    service: &Service,
    method: &Method,
    call: &CallValues,
    endpoints: &dyn EndpointResolver,
    intent: Intent,
) -> Result<PreparedRequest, String> {
    let mut server_raw: BTreeMap<String, (&str, &SqlValue)> = BTreeMap::new();
    let mut path = method.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = method.header_defaults.clone();
    let mut body = Map::new();
    let mut nested: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut params = Vec::new();

    if let Some(raw) = &call.raw_body {
        let Value::Object(raw) = raw else {
            return Err("@@json must be a JSON object".to_string());
        };
        body.extend(raw.clone());
    }

    for (column, value) in &call.values {
        let Some(param) = method.param(column) else {
            continue;
        };
        let forced = call.forced.contains(column);
        match &param.location {
            ParamLocation::Server => {
                server_raw.insert(param.wire_name.clone(), (column.as_str(), value));
            }
            ParamLocation::Path => {
                let text = sql_to_text(value);
                let segment = path_segment(column, &text).map_err(|e| format!("{label}: {e}"))?;
                path = path.replace(&format!("{{{}}}", param.wire_name), &segment);
                params.push(format!("{column}={text}"));
            }
            ParamLocation::Query => {
                if !matches!(value, SqlValue::Null) {
                    let text = sql_to_text(value);
                    if service.protocol.is_query() {
                        // Lists and objects travel flattened (`Filter.1.Name=...`).
                        query.extend(crate::protocol::query::param_fields(
                            service.protocol,
                            &param.wire_name,
                            &text,
                            &param.schema,
                        ));
                    } else {
                        query.push((param.wire_name.clone(), text.clone()));
                    }
                    params.push(format!("{column}={text}"));
                }
            }
            ParamLocation::Header => {
                if !matches!(value, SqlValue::Null) {
                    headers.push((param.wire_name.clone(), sql_to_text(value)));
                }
            }
            ParamLocation::Body { field } => {
                if let Some(v) = sql_to_field(column, value, &param.schema, forced)? {
                    if let Value::String(s) = &v {
                        if is_identifying(field) {
                            params.push(format!("{column}={s}"));
                        }
                    }
                    body.insert(field.clone(), v);
                }
            }
            ParamLocation::BodyNested { parent, field } => {
                if let Some(v) = sql_to_field(column, value, &param.schema, forced)? {
                    nested
                        .entry(parent.clone())
                        .or_default()
                        .insert(field.clone(), v);
                }
            }
        }
    }
    // Cloud Control rejects a CreateResource without DesiredState, and a type whose
    // properties are all optional is created from none: the body object is always sent,
    // empty when the statement names none of its properties (`@@json` may carry it whole).
    if let Some(prop) = method.body_object() {
        if !body.contains_key(prop) {
            nested.entry(prop.to_string()).or_default();
        }
    }
    for (parent, object) in nested {
        let string_only = method
            .request
            .as_ref()
            .map(|r| r.nested_string_only)
            .unwrap_or(false);
        let value = Value::Object(object);
        // `x-stackQL-stringOnly`: Cloud Control wants DesiredState as a JSON *string*.
        body.insert(
            parent,
            if string_only {
                Value::String(value.to_string())
            } else {
                value
            },
        );
    }

    let mut body = match &method.request {
        Some(spec) => statement_body(spec, body),
        None => body,
    };

    if matches!(service.protocol, WireProtocol::AwsJson { .. }) {
        path = crate::protocol::json::aws_json_path(&path);
    }
    let server = choose_server(label, method, &server_raw)?;
    // Every value is checked against the server it fills before it is substituted.
    let mut server_values = BTreeMap::new();
    for (var, (column, value)) in &server_raw {
        let text = check_variable(label, column, var, value, server)?;
        server_values.insert(var.clone(), text);
    }
    for var in server.variables.keys().filter(|v| server.uses(v)) {
        if !server_values.contains_key(var) {
            return Err(format!("{label}: missing server variable {var}"));
        }
    }
    let region = server_values.get("region").cloned();
    let signing_service = service.signing_name.clone();
    // The AWS SDK variables for AWS services, else the provider's own override.
    let over = signing_service
        .as_deref()
        .and_then(|s| endpoints.endpoint_for(s))
        .map(|url| (url, "AWS_ENDPOINT_URL".to_string()))
        .or_else(|| endpoints.endpoint_for_provider(&service.provider));
    let (base, endpoint, path) = match over {
        Some((over, var)) => {
            let origin = Origin::of_url(&over)
                .map_err(|e| format!("{label}: the endpoint override ({var}) is unusable: {e}"))?;
            let path = path_style(server, &server_values, &path);
            (over, origin, path)
        }
        None => (
            server.render(&server_values),
            Origin::of_template(server, &server_values).map_err(|e| format!("{label}: {e}"))?,
            path,
        ),
    };
    let mut url = join_url(&base, &path, &query);
    ensure_origin(label, &url, &endpoint)?;

    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        if let Some(req) = &method.request {
            headers.push(("Content-Type".to_string(), req.media_type.clone()));
        }
    }
    // Writes with an idempotency token in their schema get one, so a retry after a lost
    // response cannot create or delete twice (Cloud Control's ClientToken).
    let has_token_field = method
        .request
        .as_ref()
        .is_some_and(|r| r.schema.pointer("/properties/ClientToken").is_some());
    if has_token_field && !body.contains_key("ClientToken") {
        body.insert(
            "ClientToken".to_string(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
    }
    if service.protocol == WireProtocol::RestXml && method.request.is_some() {
        crate::protocol::rest_xml::complete_create_bucket(
            &method.operation_id,
            region.as_deref(),
            &mut body,
        );
    }
    let retry_safe = intent == Intent::Read || body.contains_key("ClientToken");
    if let (WireProtocol::RestXml, Some(spec)) = (service.protocol, &method.request) {
        crate::protocol::rest_xml::enclose(&method.operation_id, &spec.schema, &mut body);
    }
    let body = if service.protocol.is_query() {
        // The query protocol has no JSON body: its fields join the form, flattened by the
        // request schema, and the form is the body (`protocol::encode`).
        let schema = method.request.as_ref().map(|r| &r.schema);
        let mut url_parsed = url::Url::parse(&url).map_err(|e| format!("{label}: {e}"))?;
        {
            let mut pairs = url_parsed.query_pairs_mut();
            for (field, v) in &body {
                let field_schema = schema
                    .and_then(|s| s.pointer(&format!("/properties/{field}")))
                    .unwrap_or(&Value::Null);
                for (k, text) in
                    crate::protocol::query::flatten(service.protocol, field, v, field_schema)
                {
                    pairs.append_pair(&k, &text);
                }
            }
        }
        if !body.is_empty() {
            url = url_parsed.to_string();
        }
        None
    } else {
        method.request.as_ref().map(|_| Value::Object(body))
    };
    Ok(PreparedRequest {
        method: method.http_method.clone(),
        url,
        headers,
        body,
        region,
        signing_service,
        provider: service.provider.clone(),
        label: label.to_string(),
        params,
        retry_safe,
        intent,
        endpoint,
        protocol: service.protocol,
        transform: method.response.transform.clone().map(Arc::new),
    })
}

/// The body to send, from the fields the statement supplied: with none, the method's
/// `request.default` whole if it has one (as StackQL sends it: `{"Filters": {}}` for
/// CloudHSM's DescribeClusters); otherwise `request.base` with the fields merged over it.
fn statement_body(
    spec: &stackql_registry::RequestSpec,
    fields: Map<String, Value>,
) -> Map<String, Value> {
    if fields.is_empty() {
        if let Some(Value::Object(default)) = &spec.default {
            return default.clone();
        }
    }
    let mut body = match &spec.base {
        Some(Value::Object(base)) => base.clone(),
        _ => Map::new(),
    };
    body.extend(fields);
    body
}

/// The server of the method (its operation's or path's own `servers`, else the
/// document's) whose variable enums accept the given values (the `.com.cn` server for
/// `cn-` regions); values are only compared here, never substituted.
fn choose_server<'m>(
    label: &str,
    method: &'m Method,
    raw: &BTreeMap<String, (&str, &SqlValue)>,
) -> Result<&'m stackql_registry::Server, String> {
    let texts: BTreeMap<String, String> = raw
        .iter()
        .map(|(k, (_, v))| (k.clone(), sql_to_text(v)))
        .collect();
    method
        .server_for(&texts)
        .ok_or_else(|| format!("{label}: the service document declares no servers"))
}

/// The path to send to an endpoint override: the host's variables other than `region`
/// (S3's `{bucket}`) become leading path segments, as the AWS SDKs address S3 path-style
/// when an endpoint is given. The values were checked as one DNS label each before this,
/// and are encoded as one segment besides, so they cannot climb or leave the path.
fn path_style(
    server: &stackql_registry::Server,
    values: &BTreeMap<String, String>,
    path: &str,
) -> String {
    let authority = crate::plan::endpoint::authority_of(&server.url);
    let mut host_vars: Vec<(usize, &str)> = server
        .variables
        .keys()
        .filter(|v| v.as_str() != "region")
        .filter_map(|v| {
            authority
                .find(&format!("{{{v}}}"))
                .map(|at| (at, v.as_str()))
        })
        .collect();
    host_vars.sort();
    let mut prefix = String::new();
    for (_, var) in host_vars {
        if let Some(value) = values.get(var) {
            prefix.push('/');
            prefix.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        }
    }
    if prefix.is_empty() {
        return path.to_string();
    }
    // `/` (the bucket itself) and `/?list-type=2` address the bucket: no trailing slash.
    match path.strip_prefix('/') {
        Some(rest) if rest.is_empty() || rest.starts_with('?') => format!("{prefix}{rest}"),
        _ => format!("{prefix}{path}"),
    }
}

/// A path parameter as one path segment: percent-encoded so it can add no `/`, `?`, `#`
/// or `@`. `.` and `..` are refused: URLs normalise them (encoded or not) into a move up
/// the path, so no encoding keeps them a plain segment.
fn path_segment(column: &str, text: &str) -> Result<String, String> {
    if text == "." || text == ".." {
        return Err(format!(
            "'{text}' is not a valid {column}: it goes into the URL path, where it would \
             change which resource is addressed"
        ));
    }
    Ok(url::form_urlencoded::byte_serialize(text.as_bytes()).collect())
}

/// Body fields worth naming when a call fails (the others are bulky or secret-ish).
fn is_identifying(field: &str) -> bool {
    matches!(field, "TypeName" | "Identifier" | "RequestToken")
}

/// The server URL, the method's path and the query. Query names starting with `__` in a
/// registry path (`?Action=CreateResource&__Image&__detailTransformed=true`) only keep
/// paths distinct in the document: they are never sent, whether or not the document asks
/// for `drop_double_underscore_params` (the May-2024 aws documents ask for it in a place
/// StackQL does not read, and StackQL drops them too).
fn join_url(base: &str, path: &str, extra: &[(String, String)]) -> String {
    let base = base.trim_end_matches('/');
    let (path_part, query_part) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut pairs: Vec<String> = query_part
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|kv| !kv.is_empty())
        .filter(|kv| !kv.starts_with("__"))
        .map(str::to_string)
        .collect();
    for (k, v) in extra {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        pairs.push(format!("{}={}", enc(k), enc(v)));
    }
    let mut url = format!(
        "{base}{}",
        if path_part.is_empty() { "/" } else { path_part }
    );
    if !pairs.is_empty() {
        url.push('?');
        url.push_str(&pairs.join("&"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn url_joining_drops_double_underscore_params() {
        assert_eq!(
            join_url(
                "http://127.0.0.1:9/",
                "/?Action=CreateResource&Version=2021-09-30&__Image&__detailTransformed=true",
                &[],
            ),
            "http://127.0.0.1:9/?Action=CreateResource&Version=2021-09-30"
        );
        assert_eq!(
            join_url("https://h", "/a", &[("k".into(), "a b".into())]),
            "https://h/a?k=a+b"
        );
    }

    #[test]
    fn a_path_parameter_cannot_change_the_host_or_climb_the_path() {
        let base = "https://s3.us-east-1.amazonaws.com";
        let endpoint = Origin::of_url(base).unwrap();
        for value in ["x@127.0.0.1:9/#", "a/../../b", "?q=1", "%2F", "..."] {
            let seg = path_segment("Key", value).unwrap();
            assert!(!seg.contains(['/', '@', ':', '#', '?']), "{value} -> {seg}");
            let url = join_url(base, &format!("/bucket/{seg}/x"), &[]);
            ensure_origin("t", &url, &endpoint).unwrap();
            let parsed = url::Url::parse(&url).unwrap();
            assert!(parsed.path().starts_with("/bucket/"), "{value} -> {url}");
            assert!(parsed.path().ends_with("/x"), "{value} -> {url}");
        }
        for dots in [".", ".."] {
            let e = path_segment("Key", dots).unwrap_err();
            assert!(e.contains("not a valid Key"), "{e}");
        }
    }

    /// An S3-shaped document: the bucket in the host of the document's server, ListBuckets
    /// with a server of its own.
    const S3_DOC: &str = r#"
openapi: 3.0.0
info: {title: s3, version: '1', x-serviceName: s3}
servers:
- url: https://{bucket}.s3.{region}.amazonaws.com
  variables:
    bucket: {default: rubbish-bucket}
    region: {default: us-east-2}
paths:
  /:
    get:
      operationId: ListBuckets
      servers:
      - url: https://s3.{region}.amazonaws.com
        variables:
          region: {default: us-east-2}
      responses: {'200': {description: ok}}
    delete:
      operationId: DeleteBucket
      responses: {'204': {description: ok}}
  /{Key}:
    get:
      operationId: GetObject
      parameters:
      - {in: path, name: Key, required: true, schema: {type: string}}
      responses: {'200': {description: ok}}
components:
  x-stackQL-resources:
    buckets:
      id: aws.s3.buckets
      name: buckets
      methods:
        list: {operation: {$ref: '#/paths/~1/get'}}
        delete: {operation: {$ref: '#/paths/~1/delete'}}
      sqlVerbs: {select: [{$ref: '#/components/x-stackQL-resources/buckets/methods/list'}],
                 delete: [{$ref: '#/components/x-stackQL-resources/buckets/methods/delete'}]}
    objects:
      id: aws.s3.objects
      name: objects
      methods:
        get: {operation: {$ref: '#/paths/~1{Key}/get'}}
      sqlVerbs: {select: [{$ref: '#/components/x-stackQL-resources/objects/methods/get'}]}
"#;

    struct Fixed(Option<String>);
    impl EndpointResolver for Fixed {
        fn endpoint_for(&self, _: &str) -> Option<String> {
            self.0.clone()
        }
    }

    fn s3_request(
        resource: &str,
        method: &str,
        values: &[(&str, &str)],
        over: Option<&str>,
    ) -> Result<PreparedRequest, String> {
        let service = Service::parse("aws", "s3", std::path::Path::new("s3.yaml"), S3_DOC).unwrap();
        let res = service.resource(resource).unwrap();
        let m = res.method(method).unwrap();
        let mut call = CallValues::default();
        for (k, v) in values {
            call.set(k, SqlValue::Text(v.to_string()));
        }
        build_request(
            "aws.s3.t.m",
            &service,
            m,
            &call,
            &Fixed(over.map(str::to_string)),
            Intent::Read,
        )
    }

    #[test]
    fn an_operation_server_overrides_the_documents() {
        let list = s3_request("buckets", "list", &[("region", "eu-west-1")], None).unwrap();
        assert_eq!(list.url, "https://s3.eu-west-1.amazonaws.com/");
        let service = Service::parse("aws", "s3", std::path::Path::new("s3.yaml"), S3_DOC).unwrap();
        let res = service.resource("buckets").unwrap();
        // ListBuckets asks for no bucket; deleting one does.
        assert!(res.method("list").unwrap().param("bucket").is_none());
        assert!(res.method("delete").unwrap().param("bucket").is_some());
        let del = s3_request(
            "buckets",
            "delete",
            &[("region", "eu-west-1"), ("bucket", "my-bucket")],
            None,
        )
        .unwrap();
        assert_eq!(del.url, "https://my-bucket.s3.eu-west-1.amazonaws.com/");
    }

    #[test]
    fn with_an_endpoint_override_s3_is_addressed_path_style() {
        let over = Some("http://127.0.0.1:4566");
        let list = s3_request("buckets", "list", &[("region", "us-east-1")], over).unwrap();
        assert_eq!(list.url, "http://127.0.0.1:4566/");
        let del = s3_request(
            "buckets",
            "delete",
            &[("region", "us-east-1"), ("bucket", "my-bucket")],
            over,
        )
        .unwrap();
        assert_eq!(del.url, "http://127.0.0.1:4566/my-bucket");
        let get = s3_request(
            "objects",
            "get",
            &[("region", "us-east-1"), ("bucket", "b-1"), ("Key", "a b/c")],
            over,
        )
        .unwrap();
        assert_eq!(get.url, "http://127.0.0.1:4566/b-1/a+b%2Fc");
        assert_eq!(
            get.endpoint,
            Origin::of_url("http://127.0.0.1:4566").unwrap()
        );
    }

    #[test]
    fn a_bucket_name_cannot_redirect_the_request() {
        let hostile = [
            "evil.com",
            "x@127.0.0.1:9",
            "evil.com:443",
            "a/../..",
            "..",
            "a#",
            "a?b=c",
            "%2e%2e",
            "a b",
            "a\\b",
        ];
        for over in [None, Some("http://127.0.0.1:4566")] {
            for bucket in hostile {
                let got = s3_request(
                    "buckets",
                    "delete",
                    &[("region", "us-east-1"), ("bucket", bucket)],
                    over,
                );
                match got {
                    Err(e) => assert!(e.contains("bucket"), "{bucket}: {e}"),
                    Ok(req) => panic!("{bucket} was accepted: {}", req.url),
                }
            }
        }
        // A key may hold anything; it stays one path segment below the bucket.
        for key in [
            "../../other-bucket/x",
            "@evil.com",
            "//evil.com/x",
            "?x-id=1",
        ] {
            let req = s3_request(
                "objects",
                "get",
                &[("region", "us-east-1"), ("bucket", "mine"), ("Key", key)],
                Some("http://127.0.0.1:4566"),
            )
            .unwrap();
            let url = url::Url::parse(&req.url).unwrap();
            assert_eq!(url.host_str(), Some("127.0.0.1"), "{key}");
            assert_eq!(
                url.path_segments().unwrap().count(),
                2,
                "{key}: {}",
                req.url
            );
            assert!(url.path().starts_with("/mine/"), "{key}: {}", req.url);
            assert_eq!(url.query(), None, "{key}");
        }
    }
}
