//! What the registry says about one resource, in the form the discovery statements and the
//! documentation generator both print: its fields (a registry view's columns are traced back
//! to the table they come from), its methods with the parameters each requires, what a
//! SELECT must supply, a ready INSERT, and the IAM permissions of the CloudFormation schema.
//! Kept in one place so `DESCRIBE`, `SHOW METHODS` and `stackql docs` never disagree.

use crate::error::EngineError;
use serde_json::{json, Map, Value};
use stackql_registry::{
    BodyTranslate, Method, ParamLocation, Registry, Resource, Service, SqlVerb,
};
use stackql_sql::{view_shape, Literal, QualifiedName, ViewShape};
use std::sync::Arc;

/// Views over views deeper than this are reported as a registry error (a cycle).
const MAX_VIEW_DEPTH: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    /// StackQL's type names: string, integer, number, boolean, object, array, undefined.
    pub type_name: String,
    pub description: String,
    /// A request parameter (region, data__Identifier) rather than a response field.
    pub is_param: bool,
}

/// The resource's definition in its service document (for keys the model does not keep).
pub fn resource_def<'a>(
    service: &'a Service,
    resource: &Resource,
) -> Result<&'a Value, EngineError> {
    static NULL: Value = Value::Null;
    Ok(service
        .document()?
        .pointer(&format!(
            "/components/x-stackQL-resources/{}",
            resource.name.replace('~', "~0").replace('/', "~1")
        ))
        .unwrap_or(&NULL))
}

/// Fields in the order StackQL lists them: response fields (or a view's computed columns)
/// first, then the parameter columns such as `region`.
pub fn fields(registry: &Registry, resource: &Resource) -> Result<Vec<Field>, EngineError> {
    fields_depth(registry, resource, 0)
}

fn fields_depth(
    registry: &Registry,
    resource: &Resource,
    depth: usize,
) -> Result<Vec<Field>, EngineError> {
    let mut out: Vec<Field> = Vec::new();
    if let Some(view) = resource.select_view() {
        let shape = shape_of(resource, &view.ddl)?;
        let source = match shape.tables.first() {
            Some(t) => fields_depth(
                registry,
                &*source_resource(registry, resource, t, depth)?,
                depth + 1,
            )?,
            None => Vec::new(),
        };
        for col in &shape.columns {
            let from = col
                .source
                .as_ref()
                .and_then(|s| source.iter().find(|f| f.name.eq_ignore_ascii_case(s)));
            out.push(match from {
                Some(f) => Field {
                    name: col.name.clone(),
                    ..f.clone()
                },
                // Computed columns (JSON_EXTRACT(...)) have no declared type, as in StackQL.
                None => Field {
                    name: col.name.clone(),
                    type_name: "undefined".into(),
                    description: String::new(),
                    is_param: false,
                },
            });
        }
    } else {
        for method in resource.methods_for(SqlVerb::Select) {
            for (name, ty, description) in &method.columns {
                if !out.iter().any(|f| &f.name == name) {
                    out.push(Field {
                        name: name.clone(),
                        type_name: ty.name().into(),
                        description: description.clone(),
                        is_param: false,
                    });
                }
            }
            for p in &method.params {
                if !out.iter().any(|f| f.name == p.name) {
                    out.push(Field {
                        name: p.name.clone(),
                        type_name: p.column_type().name().into(),
                        description: p.description.clone(),
                        is_param: true,
                    });
                }
            }
        }
    }
    // Stable partition: response fields, then parameters.
    let (mut fields, params): (Vec<Field>, Vec<Field>) = out.into_iter().partition(|f| !f.is_param);
    fields.extend(params);
    Ok(fields)
}

/// `DESCRIBE` of a registry view, as StackQL shows it: the primary variant's columns sorted
/// by name, typed by the relational engine: a computed column (`JSON_EXTRACT(...)`) is
/// `text`, a parameter passed through (`region`, `data__Identifier`) has no type, and a
/// response field passed through keeps its schema type.
pub fn view_fields(registry: &Registry, resource: &Resource) -> Result<Vec<Field>, EngineError> {
    let computed: Vec<String> = match resource.select_view() {
        Some(view) => shape_of(resource, &view.ddl)?
            .columns
            .into_iter()
            .filter(|c| c.source.is_none())
            .map(|c| c.name)
            .collect(),
        None => Vec::new(),
    };
    let mut out: Vec<Field> = fields(registry, resource)?
        .into_iter()
        .map(|f| Field {
            type_name: if computed.contains(&f.name) {
                "text".into()
            } else if f.is_param || f.type_name == "undefined" {
                // A parameter, or a column of a joined table that only takes it as one.
                String::new()
            } else {
                f.type_name
            },
            description: String::new(),
            ..f
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn shape_of(resource: &Resource, ddl: &str) -> Result<ViewShape, EngineError> {
    view_shape(ddl).map_err(|e| {
        EngineError::Invalid(format!(
            "the registry view of {} does not parse: {e}",
            resource.full_name
        ))
    })
}

fn source_resource(
    registry: &Registry,
    view: &Resource,
    table: &QualifiedName,
    depth: usize,
) -> Result<Arc<Resource>, EngineError> {
    if depth >= MAX_VIEW_DEPTH {
        return Err(EngineError::Invalid(format!(
            "the view {} nests more than {MAX_VIEW_DEPTH} levels deep (a cycle in the registry?)",
            view.full_name
        )));
    }
    Ok(registry
        .resource(&table.provider, &table.service, &table.resource)?
        .1)
}

/// The parameters a SELECT must supply, each with an example SQL literal, `region` first:
/// for a view, what its source table requires minus what the view fixes itself
/// (`data__TypeName = 'AWS::SageMaker::Image'`), with the view's placeholder literals
/// (`'<ImageArn>'`) as the examples.
pub fn select_requirements(
    registry: &Registry,
    resource: &Resource,
) -> Result<Vec<(String, String)>, EngineError> {
    select_requirements_depth(registry, resource, 0)
}

fn select_requirements_depth(
    registry: &Registry,
    resource: &Resource,
    depth: usize,
) -> Result<Vec<(String, String)>, EngineError> {
    let mut reqs: Vec<(String, String)> = if let Some(view) = resource.select_view() {
        let shape = shape_of(resource, &view.ddl)?;
        let Some(table) = shape.tables.first() else {
            return Ok(Vec::new());
        };
        let source = source_resource(registry, resource, table, depth)?;
        select_requirements_depth(registry, &source, depth + 1)?
            .into_iter()
            .filter_map(|(name, example)| {
                match shape
                    .predicates
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(&name))
                {
                    Some((c, v)) if !ViewShape::is_placeholder(c, v) => None,
                    Some((_, v)) => Some((name, sql_literal(v))),
                    None => Some((name, example)),
                }
            })
            .collect()
    } else {
        match resource.methods_for(SqlVerb::Select).first() {
            Some(m) => required_params(m)
                .into_iter()
                .map(|p| {
                    let example = example_value(m, &p);
                    (p, example)
                })
                .collect(),
            None => Vec::new(),
        }
    };
    // Region first, as StackQL's examples write it; the rest keep their order.
    reqs.sort_by_key(|(n, _)| n != "region");
    Ok(reqs)
}

fn sql_literal(v: &Literal) -> String {
    match v {
        Literal::Text(s) => format!("'{}'", s.replace('\'', "''")),
        other => other.as_text(),
    }
}

/// An example value for a parameter: a server variable's default (`'us-east-1'`), else `'<name>'`.
fn example_value(m: &Method, param: &str) -> String {
    server_default(m, param).unwrap_or_else(|| format!("'<{param}>'"))
}

fn server_default(m: &Method, param: &str) -> Option<String> {
    let is_server = m
        .param(param)
        .is_some_and(|p| p.location == ParamLocation::Server);
    if !is_server {
        return None;
    }
    let documented = m
        .servers
        .first()
        .and_then(|s| s.variables.get(param))
        .and_then(|(d, allowed)| d.clone().or_else(|| allowed.first().cloned()));
    let default = crate::example_default(param, documented.as_deref())?;
    Some(format!("'{}'", default.replace('\'', "''")))
}

/// The parameters a caller must supply, as StackQL's "Required Params" lists them (the
/// registry's one rule: [`Method::required_param_names`]).
pub fn required_params(m: &Method) -> Vec<String> {
    m.required_param_names()
}

/// One row of `SHOW METHODS` / the docs' Methods table.
#[derive(Clone, Debug, PartialEq)]
pub struct MethodRow {
    pub name: String,
    pub required: Vec<String>,
    pub verb: &'static str,
    pub description: String,
}

/// The name `SHOW METHODS` gives a resource's registry view, which answers its SELECTs.
pub const VIEW_METHOD_NAME: &str = "__view__";

/// Methods in the registry document's order, one row per SQL verb that reaches them (EXEC
/// for those no verb reaches): the order of the reference pages' Methods table.
pub fn method_rows(service: &Service, resource: &Resource) -> Result<Vec<MethodRow>, EngineError> {
    let mut rows = Vec::new();
    for name in method_order(service, resource)? {
        let Some(m) = resource.methods.get(&name) else {
            continue;
        };
        for verb in [
            SqlVerb::Select,
            SqlVerb::Insert,
            SqlVerb::Update,
            SqlVerb::Delete,
            SqlVerb::Exec,
        ] {
            if resource
                .verbs
                .get(verb.name())
                .is_some_and(|ms| ms.contains(&name))
            {
                rows.push(MethodRow {
                    name: name.clone(),
                    required: required_params(m),
                    verb: verb.name(),
                    description: method_description(service, m)?,
                });
            }
        }
    }
    Ok(rows)
}

/// StackQL's order of SQL verbs in SHOW METHODS (it has no REPLACE here).
const SHOW_METHODS_VERB_ORDER: [SqlVerb; 5] = [
    SqlVerb::Select,
    SqlVerb::Insert,
    SqlVerb::Delete,
    SqlVerb::Update,
    SqlVerb::Exec,
];

/// `SHOW METHODS` as StackQL lists them: a registry view first, as `__view__` / SELECT with
/// the `requiredParams` of its primary variant (none: empty), then the methods by SQL verb
/// (select, insert, delete, update, exec) and by name within a verb.
pub fn show_methods_rows(
    service: &Service,
    resource: &Resource,
) -> Result<Vec<MethodRow>, EngineError> {
    let mut rows = Vec::new();
    if let Some(view) = resource.select_view() {
        rows.push(MethodRow {
            name: VIEW_METHOD_NAME.into(),
            required: view.required_params.clone(),
            verb: SqlVerb::Select.name(),
            description: format!(
                "This is a view with DDL: {} and Predicate: {}",
                view.ddl, view.predicate
            ),
        });
    }
    let mut methods = method_rows(service, resource)?;
    let rank = |verb: &str| {
        SHOW_METHODS_VERB_ORDER
            .iter()
            .position(|v| v.name() == verb)
            .unwrap_or(SHOW_METHODS_VERB_ORDER.len())
    };
    methods.sort_by(|a, b| {
        rank(a.verb)
            .cmp(&rank(b.verb))
            .then_with(|| a.name.cmp(&b.name))
    });
    rows.extend(methods);
    Ok(rows)
}

/// Method names as the document lists them (the model keeps them sorted).
fn method_order(service: &Service, resource: &Resource) -> Result<Vec<String>, EngineError> {
    let mut order: Vec<String> = resource_def(service, resource)?
        .get("methods")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for name in resource.methods.keys() {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    Ok(order)
}

/// The operation's description (or summary), from the document.
pub fn method_description(service: &Service, m: &Method) -> Result<String, EngineError> {
    let op = service
        .document()?
        .get("paths")
        .and_then(|p| p.get(&m.path))
        .and_then(|p| p.get(m.http_method.to_ascii_lowercase()));
    Ok(op
        .and_then(|o| o.get("description").or_else(|| o.get("summary")))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string())
}

/// `DESCRIBE METHOD` rows: (name, type, param_type, shape, description).
pub fn method_fields(m: &Method) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for p in &m.params {
        rows.push([
            p.name.clone(),
            p.column_type().name().to_string(),
            if p.required {
                "input_required"
            } else {
                "input_optional"
            }
            .to_string(),
            shape(&p.schema),
            p.description.clone(),
        ]);
    }
    if let Some(prop) = m.body_object() {
        // The nested object itself is what the API requires; its properties are the columns.
        if let Some(schema) = m
            .request
            .as_ref()
            .and_then(|r| r.schema.pointer(&format!("/properties/{prop}")))
        {
            rows.push([
                format!("data__{prop}"),
                "object".into(),
                "input_required".into(),
                shape(schema),
                "Supplied by the columns above (or whole, as JSON).".into(),
            ]);
        }
    }
    for (name, ty, description) in &m.columns {
        let schema = m
            .response
            .row_schema
            .pointer(&format!(
                "/properties/{}",
                m.field_of(name).replace('~', "~0").replace('/', "~1")
            ))
            .cloned()
            .unwrap_or(Value::Null);
        rows.push([
            name.clone(),
            ty.name().to_string(),
            "output".into(),
            shape(&schema),
            description.clone(),
        ]);
    }
    rows
}

/// A JSON Schema subset of object and array fields (type, properties, items, required,
/// enum); empty for scalars.
fn shape(schema: &Value) -> String {
    fn subset(s: &Value, depth: usize) -> Value {
        let mut out = Map::new();
        for key in ["type", "required", "enum"] {
            if let Some(v) = s.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if depth > 0 {
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                out.insert(
                    "properties".into(),
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), subset(v, depth - 1)))
                        .collect::<Map<_, _>>()
                        .into(),
                );
            }
            if let Some(items) = s.get("items") {
                out.insert("items".into(), subset(items, depth - 1));
            }
        }
        Value::Object(out)
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | Some("array") => subset(schema, 4).to_string(),
        _ if schema.get("properties").is_some() || schema.get("items").is_some() => {
            subset(schema, 4).to_string()
        }
        _ => String::new(),
    }
}

/// One column of an INSERT template.
#[derive(Clone, Debug, PartialEq)]
pub struct InsertColumn {
    pub name: String,
    /// A sample value for the `<<<json` data block; None for server variables (region),
    /// which are written as literals.
    pub sample: Option<Value>,
    /// The SELECT expression: `{{ ImageName }}` or `'us-east-1'`.
    pub expr: String,
}

/// The columns of an INSERT into `resource` (its first insert method): the body fields
/// in document order (CloudFormation read-only properties left out), other non-server
/// parameters, then server variables. `required_only` keeps the required ones, counting the
/// CloudFormation schema's `required` for `naive_<Prop>` bodies.
pub fn insert_columns(
    service: &Service,
    resource: &Resource,
    required_only: bool,
) -> Result<Vec<InsertColumn>, EngineError> {
    let Some(m) = resource.methods_for(SqlVerb::Insert).first().copied() else {
        return Err(EngineError::Invalid(format!(
            "{} has no INSERT method (see SHOW METHODS IN {})",
            resource.full_name, resource.full_name
        )));
    };
    let cfn = cfn_schema(service, resource)?;
    let strip = |s: &str| s.trim_start_matches("/properties/").to_string();
    let list = |key: &str| -> Vec<String> {
        cfn.and_then(|s| s.get(key))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(strip).collect())
            .unwrap_or_default()
    };
    let cfn_required = list("required");
    // The required properties' example values from the project's generator: what a
    // template needs to be valid for its type. Free-text strings stay `{{ Name }}`
    // placeholders (the reference pages' style, and a name is the user's to choose).
    let generated = if required_only {
        generated_required(service, resource)?
    } else {
        None
    };
    let read_only = list("x-read-only-properties");
    let nested = matches!(m.translate, BodyTranslate::NaiveNested(_));
    let base_keys: Vec<String> = m
        .request
        .as_ref()
        .and_then(|r| r.base.as_ref())
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let mut body = Vec::new();
    let mut servers = Vec::new();
    for p in &m.params {
        let is_body_field = matches!(
            p.location,
            ParamLocation::BodyNested { .. } | ParamLocation::Body { .. }
        );
        if p.location == ParamLocation::Server {
            if !required_only || p.required {
                servers.push(InsertColumn {
                    name: p.name.clone(),
                    sample: None,
                    expr: server_default(m, &p.name)
                        .unwrap_or_else(|| format!("{{{{ {} }}}}", p.name)),
                });
            }
            continue;
        }
        if is_body_field && read_only.contains(&p.wire_name) {
            continue;
        }
        // With `naive_<Prop>` the columns are Prop's properties; the envelope's other fields
        // (ClientToken, RoleArn, ...) are not what a user inserts. Fields `request.base`
        // fills (TypeName) are never asked for.
        if nested && matches!(p.location, ParamLocation::Body { .. }) {
            continue;
        }
        if matches!(p.location, ParamLocation::Body { .. }) && base_keys.contains(&p.wire_name) {
            continue;
        }
        // The generator's example also holds the writable parts of the primary identifier,
        // which a create cannot do without (S3::Bucket's BucketName).
        let required = p.required
            || (nested
                && matches!(p.location, ParamLocation::BodyNested { .. })
                && (cfn_required.contains(&p.wire_name)
                    || generated
                        .as_ref()
                        .is_some_and(|(values, _)| values.contains_key(&p.wire_name))));
        if required_only && !required {
            continue;
        }
        let example = generated.as_ref().and_then(|(values, free_text)| {
            values
                .get(&p.wire_name)
                .filter(|_| nested && !free_text.contains(&p.wire_name))
                .cloned()
        });
        body.push(InsertColumn {
            name: p.name.clone(),
            sample: Some(example.unwrap_or_else(|| sample(&p.name, &p.schema, 6))),
            expr: format!("{{{{ {} }}}}", p.name),
        });
    }
    body.extend(servers);
    Ok(body)
}

/// Example values by property, and the properties that are free text.
type GeneratedExample = (Map<String, Value>, Vec<String>);

/// The generator's required example of a Cloud Control resource, and which of its
/// properties are free text (shown as placeholders).
fn generated_required(
    service: &Service,
    resource: &Resource,
) -> Result<Option<GeneratedExample>, EngineError> {
    let (Some(name), Some(schemas)) = (
        resource.schema_name.as_ref(),
        service
            .document()?
            .pointer("/components/schemas")
            .and_then(Value::as_object),
    ) else {
        return Ok(None);
    };
    let Some(schema) = stackql_examplegen::ResourceSchema::new(schemas, name) else {
        return Ok(None);
    };
    let values = schema.required_example();
    let free_text = values
        .keys()
        .filter(|k| schema.property_is_free_text(k))
        .cloned()
        .collect();
    Ok(Some((values, free_text)))
}

/// The CloudFormation schema the resource names (`x-cfn-schema-name`), if the document has it.
pub fn cfn_schema<'a>(
    service: &'a Service,
    resource: &Resource,
) -> Result<Option<&'a Value>, EngineError> {
    let Some(name) = resource.schema_name.as_ref() else {
        return Ok(None);
    };
    Ok(service.document()?.pointer(&format!(
        "/components/schemas/{}",
        name.replace('~', "~0").replace('/', "~1")
    )))
}

/// A template value for the `<<<json` block: `"{{ Name }}"` for scalars, objects by their
/// properties, arrays as one sample element.
fn sample(name: &str, schema: &Value, depth: usize) -> Value {
    if depth == 0 {
        return json!(format!("{{{{ {name} }}}}"));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        if !props.is_empty() {
            return Value::Object(
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), sample(k, v, depth - 1)))
                    .collect(),
            );
        }
    }
    if let Some(items) = schema.get("items") {
        return json!([sample(name, items, depth - 1)]);
    }
    json!(format!("{{{{ {name} }}}}"))
}

/// JSON with one-space indentation, as StackQL's reference pages print data blocks.
pub fn json_one_space(v: &Value) -> String {
    // serde_json indents by two; JSON strings hold no raw newlines, so every line's leading
    // spaces are indentation and can be halved.
    serde_json::to_string_pretty(v)
        .expect("a JSON value serializes")
        .lines()
        .map(|line| {
            let body = line.trim_start_matches(' ');
            let indent = (line.len() - body.len()) / 2;
            format!("{}{body}", " ".repeat(indent))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `<<<json` data block for the columns that take template values.
pub fn data_block(cols: &[InsertColumn]) -> String {
    let obj: Map<String, Value> = cols
        .iter()
        .filter_map(|c| c.sample.clone().map(|s| (c.name.clone(), s)))
        .collect();
    format!("<<<json\n{}\n>>>\n", json_one_space(&Value::Object(obj)))
}

/// `SHOW [EXTENDED] INSERT INTO`: a ready statement (EXTENDED adds the `<<<json` data block
/// that supplies its `{{ placeholders }}`).
pub fn insert_statement(full_name: &str, cols: &[InsertColumn], with_data: bool) -> String {
    let mut out = String::new();
    if with_data {
        out.push_str(&data_block(cols));
    }
    out.push_str(&format!("INSERT INTO {full_name} (\n"));
    out.push_str(
        &cols
            .iter()
            .map(|c| format!("  {}", c.name))
            .collect::<Vec<_>>()
            .join(",\n"),
    );
    out.push_str("\n)\nSELECT\n");
    out.push_str(
        &cols
            .iter()
            .map(|c| format!("  {}", c.expr))
            .collect::<Vec<_>>()
            .join(",\n"),
    );
    out.push_str("\n;");
    out
}

/// `x-required-permissions` of the CloudFormation schema, for the operations this resource
/// serves, in StackQL's order: Create, Read, Update, Delete, List.
pub fn permissions(
    registry: &Registry,
    service: &Service,
    resource: &Resource,
) -> Result<Vec<(&'static str, Vec<String>)>, EngineError> {
    let Some(perms) = cfn_schema(service, resource)?.and_then(|s| s.get("x-required-permissions"))
    else {
        return Ok(Vec::new());
    };
    let has = |v: SqlVerb| !resource.methods_for(v).is_empty();
    let selects = resource.select_view().is_some() || has(SqlVerb::Select);
    // A list resource (`images`) reads through the list API, a get resource (`image`)
    // through the read API; which one a view uses shows in the table it selects from.
    let lists = selects && reads_a_list(registry, service, resource)?;
    let wanted = [
        ("Create", "create", has(SqlVerb::Insert)),
        ("Read", "read", selects && !lists),
        ("Update", "update", has(SqlVerb::Update)),
        ("Delete", "delete", has(SqlVerb::Delete)),
        ("List", "list", lists),
    ];
    Ok(wanted
        .into_iter()
        .filter(|(_, _, on)| *on)
        .filter_map(|(title, key, _)| {
            let list: Vec<String> = perms
                .get(key)?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            (!list.is_empty()).then_some((title, list))
        })
        .collect())
}

fn reads_a_list(
    registry: &Registry,
    service: &Service,
    resource: &Resource,
) -> Result<bool, EngineError> {
    match resource_def(service, resource)?
        .get("x-type")
        .and_then(Value::as_str)
    {
        Some("list") | Some("cloud_control_view") => return Ok(true),
        Some("get") => return Ok(false),
        _ => {}
    }
    if let Some(view) = resource.select_view() {
        let shape = shape_of(resource, &view.ddl)?;
        if let Some(t) = shape.tables.first() {
            let (_, source) = registry.resource(&t.provider, &t.service, &t.resource)?;
            // A source that needs an identifier reads one resource; otherwise it lists.
            return Ok(!source
                .methods_for(SqlVerb::Select)
                .first()
                .is_some_and(|m| required_params(m).iter().any(|p| p.ends_with("Identifier"))));
        }
    }
    Ok(true)
}
