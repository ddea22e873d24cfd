//! A resource method: the HTTP operation it calls, its parameters as SQL columns (path,
//! query, header, body, server variables), how a request body is named and typed
//! (`requestBodyTranslate`), and where its rows are in the response (`objectKey`).

use crate::jsonpath::{JsonPath, Step};
use crate::schema::{self, ColumnType};
use crate::service::{parse_servers, Pagination, Server, Service};
use crate::xpath::XPath;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How body fields become columns (`config.requestBodyTranslate.algorithm`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyTranslate {
    /// Default: body field `X` is column `data__X`.
    DataPrefix,
    /// `naive`: body field `X` is column `X`.
    Naive,
    /// `naive_<Prop>`: the properties of object `Prop` are the columns (naive names).
    NaiveNested(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    /// A top-level body field.
    Body {
        field: String,
    },
    /// A property of a nested body object (`naive_DesiredState`).
    BodyNested {
        parent: String,
        field: String,
    },
    /// A `servers[].variables` entry, e.g. `region`.
    Server,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The SQL column name.
    pub name: String,
    /// The name on the wire (header/query/path name or body field).
    pub wire_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub schema: Value,
    pub description: String,
    /// Other column names that supply this parameter: with `request.nativeCasing`, the
    /// snake_case form of the wire name (`queue_url` for `QueueUrl`), as StackQL accepts it.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Param {
    pub fn column_type(&self) -> ColumnType {
        ColumnType::of(&self.schema)
    }

    /// Whether a statement's `column` supplies this parameter: its name or one of its
    /// aliases.
    pub fn answers_to(&self, column: &str) -> bool {
        self.name == column || self.aliases.iter().any(|a| a == column)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestSpec {
    pub media_type: String,
    /// `request.base`: JSON merged into every body.
    pub base: Option<Value>,
    /// `request.default`: the whole body sent when the statement supplies no body field.
    pub default: Option<Value>,
    /// The resolved body schema.
    pub schema: Value,
    /// The nested object named by `naive_<Prop>` is sent as a JSON string
    /// (`x-stackQL-stringOnly`).
    pub nested_string_only: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseSpec {
    pub media_type: Option<String>,
    pub object_key: Option<String>,
    /// Parsed `object_key` when it is JSONPath.
    pub object_path: Option<JsonPath>,
    /// Parsed `object_key` when it is XPath (XML services: `/*/vpcSet/item`).
    pub object_xpath: Option<XPath>,
    /// Schema of one row (after following `objectKey` and array items); from
    /// `schema_override` when the method declares one.
    pub row_schema: Value,
    /// `response.transform`, applied to each answer before `objectKey` selects rows.
    pub transform: Option<ResponseTransform>,
}

/// A method's `response.transform` (taken only with an `overrideMediaType`, as StackQL
/// takes it): the answer is reshaped, and what `objectKey` then reads is JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseTransform {
    /// `transform.type`, e.g. `golang_template_json_v0.3.0`, `schema_driven_xml_v0.1.0`.
    pub kind: String,
    /// `transform.body`, the Go template of the template kinds.
    pub body: Option<String>,
    /// `response.schema_override` with `$ref`s and `allOf` resolved (the schema-driven
    /// kind projects rows by it).
    pub schema: Option<Value>,
    /// `response.objectKey` again: the schema-driven kind names its list after it.
    pub object_key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Method {
    pub name: String,
    pub operation_id: String,
    pub http_method: String,
    /// The path key with its query part, e.g. `/?Action=ListResources&Version=2021-09-30`.
    pub path: String,
    pub servers: Vec<Server>,
    pub params: Vec<Param>,
    /// Header parameters whose schema carries a default: always sent (`X-Amz-Target`).
    pub header_defaults: Vec<(String, String)>,
    pub request: Option<RequestSpec>,
    pub response: ResponseSpec,
    pub translate: BodyTranslate,
    pub pagination: Option<Pagination>,
    /// Row columns from the response schema: (name, type, description).
    pub columns: Vec<(String, ColumnType, String)>,
    /// Whether `region` is accepted and ignored when the method has none: only for AWS
    /// services (a SigV4 signing name), where global services such as IAM are queried
    /// with a region like every other; another provider has no region unless its
    /// document declares one.
    #[serde(default)]
    pub accepts_ignored_region: bool,
    /// Columns named otherwise than the response field they show: (column, field). With
    /// provider.yaml `config.snake_case_aliases`, `UserName` is the column `user_name`.
    #[serde(default)]
    pub renamed_columns: Vec<(String, String)>,
    /// `request.nativeCasing` (`pascal`, `camel`): how the service spells the names users
    /// may also write in snake_case.
    #[serde(default)]
    pub native_casing: Option<String>,
}

/// The one column of rows that are not objects (StackQL's `column_anon`).
pub const ANONYMOUS_COLUMN: &str = "column_anon";

/// The column an AWS method without a `region` accepts and ignores
/// (`Method::ignores_column`).
pub const IGNORED_REGION: &str = "region";

/// Header parameters that describe SigV4 itself: computed when signing, never columns.
const SIGNING_HEADERS: &[&str] = &[
    "X-Amz-Content-Sha256",
    "X-Amz-Date",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
];

impl Method {
    pub(crate) fn parse(
        service: &Service,
        doc: &Value,
        resource_def: &Value,
        name: &str,
        def: &Value,
    ) -> Result<Self, String> {
        let op_ref = def
            .pointer("/operation/$ref")
            .and_then(Value::as_str)
            .ok_or("no operation.$ref")?;
        let op = schema::follow_ref(doc, op_ref)
            .ok_or_else(|| format!("operation {op_ref} not found"))?;
        // `#/paths/<escaped path>/<verb>`: recover the path and the HTTP verb from the pointer.
        let pointer = op_ref.trim_start_matches("#/paths/");
        let (escaped_path, http_method) =
            pointer.rsplit_once('/').ok_or("malformed operation ref")?;
        let path = escaped_path.replace("~1", "/").replace("~0", "~");
        let path_item = doc
            .get("paths")
            .and_then(|p| p.get(&path))
            .cloned()
            .unwrap_or(Value::Null);

        let config = def.get("config").or_else(|| resource_def.get("config"));
        let translate = match config
            .and_then(|c| c.pointer("/requestBodyTranslate/algorithm"))
            .and_then(Value::as_str)
            .map(str::trim)
        {
            Some("naive") => BodyTranslate::Naive,
            Some(a) if a.starts_with("naive_") => {
                BodyTranslate::NaiveNested(a["naive_".len()..].to_string())
            }
            _ => BodyTranslate::DataPrefix,
        };

        let mut params = Vec::new();
        let mut header_defaults = Vec::new();
        let declared = path_item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        for p in declared {
            let p = schema::resolve(doc, p, 6);
            let (Some(pname), Some(loc)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            if SIGNING_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(pname))
            {
                continue;
            }
            let required = p
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(loc == "path");
            // Resolved so list and object parameters can be encoded from their schema
            // (the query protocol's `Filter.1.Name`, `Tags.member.1.Key`).
            let schema_v = p
                .get("schema")
                .map(|s| schema::resolve(doc, s, 8))
                .unwrap_or(Value::Null);
            let location = match loc {
                "path" => ParamLocation::Path,
                "query" => ParamLocation::Query,
                "header" => {
                    // A default, or an enum of one value (CloudHSM's `X-Amz-Target`), is
                    // the only value the operation takes: sent, never asked for.
                    let only = schema_v
                        .get("enum")
                        .and_then(Value::as_array)
                        .filter(|e| e.len() == 1)
                        .and_then(|e| e[0].as_str());
                    if let Some(d) = schema_v.get("default").and_then(Value::as_str).or(only) {
                        header_defaults.push((pname.to_string(), d.to_string()));
                        continue;
                    }
                    ParamLocation::Header
                }
                _ => continue,
            };
            params.retain(|q: &Param| q.name != pname);
            params.push(Param {
                name: pname.to_string(),
                wire_name: pname.to_string(),
                location,
                required,
                schema: schema_v,
                description: text(&p, "description"),
                aliases: Vec::new(),
            });
        }

        let request_media = def
            .pointer("/request/mediaType")
            .and_then(Value::as_str)
            .map(str::to_string);
        let base = def.pointer("/request/base").and_then(json_block);
        let default = def.pointer("/request/default").and_then(json_block);
        let request = op.get("requestBody").map(|rb| {
            let rb = schema::resolve(doc, rb, 2);
            let content = rb.get("content").and_then(Value::as_object);
            let media_type = request_media
                .clone()
                .or_else(|| content.and_then(|c| c.keys().next().cloned()))
                .unwrap_or_else(|| "application/json".to_string());
            let raw_schema = content
                .and_then(|c| c.get(&media_type).or_else(|| c.values().next()))
                .and_then(|m| m.get("schema"))
                .cloned()
                .unwrap_or(Value::Null);
            let schema_v = schema::resolve(doc, &raw_schema, 12);
            let nested_string_only = match &translate {
                BodyTranslate::NaiveNested(prop) => schema_v
                    .pointer(&format!("/properties/{prop}/x-stackQL-stringOnly"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                _ => false,
            };
            RequestSpec {
                media_type,
                base: base.clone(),
                default: default.clone(),
                schema: schema_v,
                nested_string_only,
            }
        });
        if let Some(req) = &request {
            add_body_params(&mut params, req, &translate);
        }

        let servers = {
            let own = parse_servers(op.get("servers").or_else(|| path_item.get("servers")));
            if own.is_empty() {
                service.servers.clone()
            } else {
                own
            }
        };
        // Server variables (`region`) are columns of every resource and always required:
        // StackQL users supply them in WHERE; a silent default region would hide mistakes.
        // A variable the URL has no place for (`region` of IAM's global endpoint) is no
        // parameter: a `region` column is then accepted and ignored (`ignores_column`) and
        // the request is signed for us-east-1, as AWS wants for global endpoints.
        if let Some(server) = servers.first() {
            for var in server.variables.keys().filter(|v| server.uses(v)) {
                if !params.iter().any(|p| &p.name == var) {
                    params.push(Param {
                        name: var.clone(),
                        wire_name: var.clone(),
                        location: ParamLocation::Server,
                        required: true,
                        schema: serde_json::json!({"type": "string"}),
                        description: format!("{} region.", provider_display(&service.provider)),
                        aliases: Vec::new(),
                    });
                }
            }
        }

        let native_casing = def
            .pointer("/request/nativeCasing")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if native_casing.is_some() {
            add_snake_aliases(&mut params);
        }

        let response = parse_response(doc, op, def);
        let mut columns: Vec<(String, ColumnType, String)> = Vec::new();
        let mut renamed_columns = Vec::new();
        for (field, s) in schema::properties(&response.row_schema) {
            let name = if service.snake_case_columns {
                crate::casing::to_snake(&field)
            } else {
                field.clone()
            };
            // Two fields of one snake form: the first keeps the name, as StackQL's map would.
            if columns
                .iter()
                .any(|(n, _, _)| n.eq_ignore_ascii_case(&name))
            {
                continue;
            }
            if name != field {
                renamed_columns.push((name.clone(), field));
            }
            columns.push((name, ColumnType::of(&s), text(&s, "description")));
        }
        // Rows that are not objects (a list of topic names, of `[week, additions,
        // deletions]`) are one column, named as StackQL names it.
        let scalar_rows = matches!(
            response.row_schema.get("type").and_then(Value::as_str),
            Some("string" | "integer" | "number" | "boolean" | "array")
        );
        if columns.is_empty() && scalar_rows {
            columns.push((
                ANONYMOUS_COLUMN.to_string(),
                ColumnType::of(&response.row_schema),
                text(&response.row_schema, "description"),
            ));
        }
        let pagination = config
            .and_then(|c| c.get("pagination"))
            .and_then(Pagination::parse)
            .or_else(|| service.pagination.clone())
            .map(|mut p| {
                p.request_token_type = request_token_type(&p, &params, request.as_ref());
                p
            });
        Ok(Method {
            name: name.to_string(),
            operation_id: text(op, "operationId"),
            http_method: http_method.to_ascii_uppercase(),
            path,
            servers,
            params,
            header_defaults,
            request,
            response,
            translate,
            pagination,
            columns,
            accepts_ignored_region: service.signing_name.is_some(),
            renamed_columns,
            native_casing,
        })
    }

    /// The response field a row column shows (itself unless the column was renamed).
    pub fn field_of<'a>(&'a self, column: &'a str) -> &'a str {
        self.renamed_columns
            .iter()
            .find(|(c, _)| c == column)
            .map_or(column, |(_, f)| f.as_str())
    }

    /// The required parameters (those `request.base` fills are not required), by column
    /// name, that `supplied` does not cover: the one rule
    /// the virtual table (choosing a SELECT method), a mutation's method choice and EXEC
    /// apply before anything is sent.
    pub fn missing_params(&self, supplied: impl Fn(&Param) -> bool) -> Vec<String> {
        self.params
            .iter()
            .filter(|p| p.required && !supplied(p))
            .map(|p| p.name.clone())
            .collect()
    }

    /// The parameters a caller must supply as StackQL's "Required Params" lists them
    /// (DESCRIBE, SHOW METHODS, reference pages, shell completion): the `naive_<Prop>` body
    /// object counts as `data__<Prop>` (its properties are not listed one by one), sorted.
    pub fn required_param_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some(prop) = self.body_object() {
            names.push(format!("data__{prop}"));
        }
        names.extend(
            self.params
                .iter()
                .filter(|p| p.required && !matches!(p.location, ParamLocation::BodyNested { .. }))
                .map(|p| p.name.clone()),
        );
        names.sort();
        names.dedup();
        names
    }

    /// For `naive_<Prop>` methods with a request body: `Prop`, the object the body is made of
    /// (Cloud Control's `DesiredState`). The API needs it whether or not the schema marks it
    /// required, so discovery lists it as `data__<Prop>`; planning uses
    /// `required_nested_object` instead, which asks for one of its columns only when the
    /// schema requires the object.
    pub fn body_object(&self) -> Option<&str> {
        match (&self.translate, &self.request) {
            (BodyTranslate::NaiveNested(prop), Some(_)) => Some(prop.as_str()),
            _ => None,
        }
    }

    /// For `naive_<Prop>` methods whose `Prop` is required: its name (any of its columns supplies it).
    pub fn required_nested_object(&self) -> Option<&str> {
        match (&self.translate, &self.request) {
            (BodyTranslate::NaiveNested(prop), Some(req))
                if schema::required_names(&req.schema).contains(prop) =>
            {
                Some(prop.as_str())
            }
            _ => None,
        }
    }

    /// The server this method's requests go to: among its own servers (the operation's or
    /// path's `servers`, else the document's), the first whose variable enums accept
    /// `values` (e.g. `.amazonaws.com.cn` for cn regions), else the first.
    pub fn server_for(
        &self,
        values: &std::collections::BTreeMap<String, String>,
    ) -> Option<&Server> {
        crate::service::server_among(&self.servers, values)
    }

    /// The parameter a statement's `column` supplies: by name, else by alias.
    pub fn param(&self, column: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.name == column)
            .or_else(|| self.params.iter().find(|p| p.answers_to(column)))
    }

    /// Whether `column` is `region` on a method that has no use for one (its server has no
    /// `region` variable and no parameter is called so). StackQL accepts such a column and
    /// sends nothing for it, so scripts written for every resource alike (stackql-deploy
    /// adds `region = '...'` everywhere) run unchanged; the value never reaches the URL
    /// or the signature.
    pub fn ignores_column(&self, column: &str) -> bool {
        self.accepts_ignored_region
            && column == IGNORED_REGION
            && self.param(IGNORED_REGION).is_none()
    }
}

/// The JSON type the request declares for the pagination token: the body field's schema
/// for a body token, the parameter's for a query or header token.
fn request_token_type(
    p: &Pagination,
    params: &[Param],
    request: Option<&RequestSpec>,
) -> Option<String> {
    let schema = match p.request_location {
        crate::TokenLocation::Body => request?
            .schema
            .get("properties")?
            .get(&p.request_key)?
            .clone(),
        _ => params
            .iter()
            .find(|q| q.wire_name == p.request_key)?
            .schema
            .clone(),
    };
    schema.get("type")?.as_str().map(str::to_string)
}

/// A JSON object written as YAML text (`request.base`, `request.default`). Some documents
/// wrap it in single quotes (`'{}'`, a literal block holding a quoted scalar): the quotes are
/// YAML's, not part of the JSON. Anything that is still not a JSON object is not a body.
fn json_block(v: &Value) -> Option<Value> {
    let text = v.as_str()?.trim();
    let unquoted = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(text);
    serde_json::from_str::<Value>(unquoted)
        .ok()
        .filter(Value::is_object)
}

fn provider_display(provider: &str) -> String {
    match provider {
        "aws" | "awscc" => "AWS".to_string(),
        other => other.to_string(),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn add_body_params(params: &mut Vec<Param>, req: &RequestSpec, translate: &BodyTranslate) {
    let base_keys: Vec<String> = req
        .base
        .as_ref()
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let required = schema::required_names(&req.schema);
    let nested_names = nested_property_names(req, translate);
    for (field, prop_schema) in schema::properties(&req.schema) {
        let is_required = required.contains(&field) && !base_keys.contains(&field);
        match translate {
            BodyTranslate::NaiveNested(parent) if *parent == field => {
                let nested_required = schema::required_names(&prop_schema);
                for (nf, ns) in schema::properties(&prop_schema) {
                    push_unique(
                        params,
                        Param {
                            name: nf.clone(),
                            wire_name: nf.clone(),
                            location: ParamLocation::BodyNested {
                                parent: parent.clone(),
                                field: nf.clone(),
                            },
                            required: nested_required.contains(&nf),
                            description: text(&ns, "description"),
                            schema: ns,
                            aliases: Vec::new(),
                        },
                    );
                }
            }
            _ => {
                let name = match translate {
                    BodyTranslate::DataPrefix => format!("data__{field}"),
                    _ if nested_names.contains(&field) => format!("data__{field}"),
                    _ => field.clone(),
                };
                push_unique(
                    params,
                    Param {
                        name,
                        wire_name: field.clone(),
                        location: ParamLocation::Body {
                            field: field.clone(),
                        },
                        required: is_required,
                        description: text(&prop_schema, "description"),
                        schema: prop_schema,
                        aliases: Vec::new(),
                    },
                );
            }
        }
    }
}

/// For `naive_<Prop>`: the names of `Prop`'s properties. They are the columns of the
/// statement, so a request field of the same name (Cloud Control's `RoleArn`, `TypeName`
/// beside a resource property so named) yields: it keeps the `data__` name.
fn nested_property_names(req: &RequestSpec, translate: &BodyTranslate) -> Vec<String> {
    let BodyTranslate::NaiveNested(parent) = translate else {
        return Vec::new();
    };
    req.schema
        .pointer(&format!("/properties/{parent}"))
        .map(|nested| {
            schema::properties(nested)
                .into_iter()
                .map(|(name, _)| name)
                .collect()
        })
        .unwrap_or_default()
}

/// `request.nativeCasing`: each parameter also answers to the snake_case form of its name
/// (StackQL's native-casing parameter set), unless that form is another parameter's name.
fn add_snake_aliases(params: &mut [Param]) {
    let names: Vec<String> = params.iter().map(|p| p.name.to_ascii_lowercase()).collect();
    let mut taken: Vec<String> = Vec::new();
    for p in params.iter_mut() {
        let snake = crate::casing::to_snake(&p.name);
        let lower = snake.to_ascii_lowercase();
        if snake == p.name || taken.contains(&lower) {
            continue;
        }
        // A form differing only in case is the same SQLite column: accepted, not declared.
        if lower != p.name.to_ascii_lowercase() && names.contains(&lower) {
            continue;
        }
        taken.push(lower);
        p.aliases.push(snake);
    }
}

/// A body field and a query/path parameter of the same column name: the first one declared wins.
fn push_unique(params: &mut Vec<Param>, p: Param) {
    if !params.iter().any(|q| q.name == p.name) {
        params.push(p);
    }
}

fn parse_response(doc: &Value, op: &Value, def: &Value) -> ResponseSpec {
    let media_type = def
        .pointer("/response/mediaType")
        .and_then(Value::as_str)
        .map(str::to_string);
    let doc_key = def
        .pointer("/response/openAPIDocKey")
        .and_then(Value::as_str)
        .unwrap_or("200");
    let object_key = def
        .pointer("/response/objectKey")
        .and_then(Value::as_str)
        .map(str::to_string);
    let object_path = object_key.as_deref().and_then(JsonPath::parse);
    let object_xpath = object_key.as_deref().and_then(XPath::parse);
    // A response may be a `$ref` to `#/components/responses/...` (GitHub's billing
    // reports); followed a few levels, never in a loop.
    let mut response = op.get("responses").and_then(|r| r.get(doc_key));
    for _ in 0..8 {
        match response.and_then(|r| r.get("$ref")).and_then(Value::as_str) {
            Some(reference) => response = schema::follow_ref(doc, reference),
            None => break,
        }
    }
    let content = response
        .and_then(|r| r.get("content"))
        .and_then(Value::as_object);
    // A `schema_override` describes the answer as the transform leaves it.
    let schema_override = def.pointer("/response/schema_override").cloned();
    let raw = schema_override.clone().unwrap_or_else(|| {
        content
            .and_then(|c| {
                media_type
                    .as_ref()
                    .and_then(|m| c.get(m))
                    .or_else(|| c.values().next())
            })
            .and_then(|m| m.get("schema"))
            .cloned()
            .unwrap_or(Value::Null)
    });
    // An XPath key walks through wrapper lists (`/*/reservationSet/item/instancesSet/item`),
    // each costing a few levels of `allOf`/`$ref`: resolve deep enough to reach the item.
    let depth = 12 + 3 * object_xpath.as_ref().map_or(0, |x| x.steps.len());
    let mut row_schema = schema::resolve(doc, &raw, depth);
    if let Some(xpath) = &object_xpath {
        row_schema = xpath.row_schema(&row_schema);
    }
    if let Some(path) = &object_path {
        for step in &path.steps {
            row_schema = match step {
                Step::Key(k) => row_schema
                    .pointer(&format!(
                        "/properties/{}",
                        k.replace('~', "~0").replace('/', "~1")
                    ))
                    .cloned()
                    .unwrap_or(Value::Null),
                Step::Index(_) | Step::Wildcard => {
                    row_schema.get("items").cloned().unwrap_or(Value::Null)
                }
            };
        }
    }
    if row_schema.get("type").and_then(Value::as_str) == Some("array") {
        row_schema = row_schema.get("items").cloned().unwrap_or(Value::Null);
    }
    let overridden = def
        .pointer("/response/overrideMediaType")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.is_empty());
    let transform = def
        .pointer("/response/transform")
        .filter(|_| overridden)
        .and_then(|t| {
            Some(ResponseTransform {
                kind: t.get("type")?.as_str()?.to_string(),
                body: t.get("body").and_then(Value::as_str).map(str::to_string),
                schema: schema_override
                    .as_ref()
                    .map(|s| schema::resolve(doc, s, TRANSFORM_SCHEMA_DEPTH)),
                object_key: object_key.clone(),
            })
        });
    ResponseSpec {
        media_type,
        object_key,
        object_path,
        object_xpath,
        row_schema,
        transform,
    }
}

/// How deep a `schema_override` is resolved for the schema-driven transform: the list,
/// its items and each property's type, through a few `$ref`/`allOf` levels.
const TRANSFORM_SCHEMA_DEPTH: usize = 12;
