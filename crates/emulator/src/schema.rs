//! One CloudFormation resource type as the registry describes it, and what the emulator
//! enforces from it: model validation (required, read-only, types, enums, patterns,
//! lengths, ranges, extraneous keys), create-only and read-only checks on update, generated
//! read-only identifiers (ARNs and ids) and the primary identifier.
//!
//! Messages follow the validator AWS uses behind Cloud Control (everit JSON Schema), e.g.
//! `#: required key [ImageRoleArn] not found`, wrapped as `Model validation failed (...)`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use regex::Regex;
use serde_json::{Map, Value};

use crate::error::EmulatorError;

/// A property path from the `x-*-properties` lists: `Dns/Realtime`, `Subscribers/*/Status`.
pub type PropPath = Vec<String>;

#[derive(Debug)]
pub struct TypeSchema {
    pub type_name: String,
    /// `components` of the service document, for `$ref` resolution.
    components: Arc<Value>,
    schema_name: String,
    pub required: Vec<String>,
    pub read_only: Vec<PropPath>,
    pub create_only: Vec<PropPath>,
    pub write_only: Vec<PropPath>,
    pub primary_identifier: Vec<PropPath>,
    /// Compiled `pattern`s; `None` for patterns the `regex` crate cannot compile
    /// (look-arounds, back-references), which are then not enforced.
    patterns: Mutex<HashMap<String, Option<Arc<Regex>>>>,
}

/// The schema that accepts anything (JSON Schema `true`).
static ANY_VALUE: Value = Value::Bool(true);

/// Where values a handler would fill in come from.
pub struct GenerationContext<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    pub ids: &'a crate::ids::IdGen,
    /// The time of the request, for generated timestamps.
    pub now: SystemTime,
}

/// How a schema writes a generated timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimestampKind {
    /// `2024-05-01T12:34:56.789Z`, what handlers return for string timestamps.
    Iso8601,
    /// Fractional epoch seconds, as awsJson writes timestamps.
    EpochSeconds,
    /// The schema says `integer`; which unit the service means is not written down, and
    /// seconds is what most AWS APIs use.
    WholeEpochSeconds,
}

impl TimestampKind {
    fn value(self, at: SystemTime) -> Value {
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        match self {
            TimestampKind::Iso8601 => Value::String(iso8601(at)),
            TimestampKind::EpochSeconds => Value::from(since.as_millis() as f64 / 1000.0),
            TimestampKind::WholeEpochSeconds => Value::from(since.as_secs()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (days-to-civil after Howard Hinnant's algorithm, so
/// no date crate is needed for one format).
pub fn iso8601(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

impl TypeSchema {
    /// Finds `type_name` in a service document's `components`: a schema with that
    /// `x-type-name`, or a StackQL resource with that `x-cfn-type-name` and its
    /// `x-cfn-schema-name`.
    pub fn from_document(
        type_name: &str,
        components: &Arc<Value>,
    ) -> Result<Option<TypeSchema>, EmulatorError> {
        let Some(schemas) = components.get("schemas").and_then(Value::as_object) else {
            return Ok(None);
        };
        let mut schema_name = schemas
            .iter()
            .find(|(_, s)| s.get("x-type-name").and_then(Value::as_str) == Some(type_name))
            .map(|(k, _)| k.clone());
        if schema_name.is_none() {
            schema_name = components
                .get("x-stackQL-resources")
                .and_then(Value::as_object)
                .and_then(|resources| {
                    resources.values().find_map(|r| {
                        if r.get("x-cfn-type-name").and_then(Value::as_str) == Some(type_name) {
                            r.get("x-cfn-schema-name")
                                .and_then(Value::as_str)
                                .filter(|n| schemas.contains_key(*n))
                                .map(str::to_string)
                        } else {
                            None
                        }
                    })
                });
        }
        let Some(schema_name) = schema_name else {
            return Ok(None);
        };
        let root = &schemas[&schema_name];
        let strings = |key: &str| -> Vec<String> {
            root.get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let paths =
            |key: &str| -> Vec<PropPath> { strings(key).iter().map(|p| parse_path(p)).collect() };
        let mut required = strings("required");
        if required.is_empty() {
            required = strings("x-required-properties");
        }
        Ok(Some(TypeSchema {
            type_name: type_name.to_string(),
            components: components.clone(),
            schema_name,
            required,
            read_only: paths("x-read-only-properties"),
            create_only: paths("x-create-only-properties"),
            write_only: paths("x-write-only-properties"),
            primary_identifier: paths("x-stackql-primary-identifier"),
            patterns: Mutex::new(HashMap::new()),
        }))
    }

    fn root(&self) -> &Value {
        &self.components["schemas"][&self.schema_name]
    }

    /// Validates a DesiredState for CreateResource. Errors are everit-style lines.
    pub fn validate_create(&self, model: &Value) -> Result<(), Vec<String>> {
        let Some(obj) = model.as_object() else {
            return Err(vec![format!(
                "#: expected type: JSONObject, found: {}",
                json_type_name(model)
            )]);
        };
        let mut errors = Vec::new();
        for ro in &self.read_only {
            if !get_paths(model, ro).is_empty() {
                errors.push(format!(
                    "#/{}: read-only property cannot be specified",
                    ro.join("/")
                ));
            }
        }
        self.validate_body(obj, &mut errors);
        self.require_nested_identifiers(model, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// An identifier part nested in a property the client writes (`Schedule/ScheduleId` of
    /// QuickSight::RefreshSchedule) is the client's to choose: no handler could invent it,
    /// and without it the resource could not be found by its identifier. Its absence is
    /// reported as everit reports a missing required key, at the deepest object present.
    fn require_nested_identifiers(&self, model: &Value, errors: &mut Vec<String>) {
        for part in &self.primary_identifier {
            let nested = part.len() > 1 && !part.iter().any(|s| s == "*");
            if !nested || self.read_only.contains(part) || !get_paths(model, part).is_empty() {
                continue;
            }
            let mut parent = model;
            let mut at = vec!["#".to_string()];
            for key in part {
                match parent.get(key) {
                    Some(child) => {
                        parent = child;
                        at.push(key.clone());
                    }
                    None => {
                        errors.push(format!("{}: required key [{key}] not found", at.join("/")));
                        break;
                    }
                }
            }
        }
    }

    /// Validates the model an UpdateResource patch produces. Read-only values (kept from the
    /// stored model) are left out: their changes are refused separately.
    pub fn validate_update(&self, model: &Value) -> Result<(), Vec<String>> {
        let Some(_) = model.as_object() else {
            return Err(vec![format!(
                "#: expected type: JSONObject, found: {}",
                json_type_name(model)
            )]);
        };
        let mut stripped = model.clone();
        for ro in &self.read_only {
            remove_path(&mut stripped, ro);
        }
        let mut errors = Vec::new();
        if let Some(obj) = stripped.as_object() {
            self.validate_body(obj, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn validate_body(&self, obj: &Map<String, Value>, errors: &mut Vec<String>) {
        for key in &self.required {
            if !obj.contains_key(key) {
                errors.push(format!("#: required key [{key}] not found"));
            }
        }
        let props = self.root().get("properties").and_then(Value::as_object);
        for (key, value) in obj {
            match props.and_then(|p| p.get(key)) {
                Some(prop_schema) => {
                    self.validate_value(value, prop_schema, &format!("#/{key}"), errors, 0)
                }
                // Resource schemas are closed (`additionalProperties: false` is mandatory
                // in CloudFormation's meta-schema), even where the registry omits it.
                None if props.is_some() => {
                    errors.push(format!("#: extraneous key [{key}] is not permitted"))
                }
                None => {}
            }
        }
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(name) = r.strip_prefix("#/components/schemas/") else {
                break;
            };
            // A property cannot hold its whole resource: such a `$ref` names a nested
            // definition the registry merged into the root by name (`aws`'s
            // CloudFront::MonitoringSubscription). Its real shape is unknown: accept.
            if name == self.schema_name {
                return &ANY_VALUE;
            }
            match self.components["schemas"].get(name) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    fn pattern(&self, pattern: &str) -> Option<Arc<Regex>> {
        let mut cache = self.patterns.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(pattern.to_string())
            .or_insert_with(|| bounded_regex(pattern).map(Arc::new))
            .clone()
    }

    fn validate_value(
        &self,
        value: &Value,
        schema: &Value,
        path: &str,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        // Recursive schemas exist (nested statements); real models are never this deep.
        if depth > 64 {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.validate_value(value, s, path, errors, depth + 1);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
                let matches = alternatives
                    .iter()
                    .filter(|s| {
                        let mut e = Vec::new();
                        self.validate_value(value, s, path, &mut e, depth + 1);
                        e.is_empty()
                    })
                    .count();
                if matches == 0 {
                    errors.push(format!(
                        "{path}: #: 0 subschemas matched instead of one (out of {})",
                        alternatives.len()
                    ));
                    return;
                }
            }
        }
        if let Some(ty) = schema.get("type") {
            let allowed: Vec<&str> = match ty {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !allowed.is_empty() && !allowed.iter().any(|t| type_matches(value, t)) {
                errors.push(format!(
                    "{path}: expected type: {}, found: {}",
                    everit_type(allowed[0]),
                    json_type_name(value)
                ));
                return;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                errors.push(format!(
                    "{path}: {} is not a valid enum value",
                    display(value)
                ));
            }
        }
        match value {
            Value::String(s) => self.validate_string(s, schema, path, errors),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    if x < min {
                        errors.push(format!("{path}: {n} is not greater or equal to {min}"));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    if x > max {
                        errors.push(format!("{path}: {n} is not less or equal to {max}"));
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                    if (items.len() as u64) < min {
                        errors.push(format!(
                            "{path}: expected minimum item count: {min}, found: {}",
                            items.len()
                        ));
                    }
                }
                if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                    if (items.len() as u64) > max {
                        errors.push(format!(
                            "{path}: expected maximum item count: {max}, found: {}",
                            items.len()
                        ));
                    }
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.validate_value(
                            item,
                            item_schema,
                            &format!("{path}/{i}"),
                            errors,
                            depth + 1,
                        );
                    }
                }
            }
            Value::Object(obj) => self.validate_object(obj, schema, path, errors, depth),
            _ => {}
        }
    }

    fn validate_string(&self, s: &str, schema: &Value, path: &str, errors: &mut Vec<String>) {
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
            if len < min {
                errors.push(format!("{path}: expected minLength: {min}, actual: {len}"));
            }
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                errors.push(format!("{path}: expected maxLength: {max}, actual: {len}"));
            }
        }
        if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
            if let Some(re) = self.pattern(p) {
                if !re.is_match(s) {
                    errors.push(format!("{path}: string [{s}] does not match pattern {p}"));
                }
            }
        }
    }

    fn validate_object(
        &self,
        obj: &Map<String, Value>,
        schema: &Value,
        path: &str,
        errors: &mut Vec<String>,
        depth: usize,
    ) {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(key) {
                    errors.push(format!("{path}: required key [{key}] not found"));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        // The registry writes JSON Schema's `patternProperties` as `x-patternProperties`.
        let pattern_props = ["patternProperties", "x-patternProperties"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_object))
            .flatten();
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        for (key, value) in obj {
            let child = format!("{path}/{key}");
            let mut matched = false;
            if let Some(s) = props.and_then(|p| p.get(key)) {
                matched = true;
                self.validate_value(value, s, &child, errors, depth + 1);
            }
            for (pattern, s) in pattern_props.clone() {
                if self.pattern(pattern).is_none_or(|re| re.is_match(key)) {
                    matched = true;
                    self.validate_value(value, s, &child, errors, depth + 1);
                }
            }
            if !matched && closed {
                errors.push(format!("{path}: extraneous key [{key}] is not permitted"));
            }
        }
    }

    /// Fills the read-only properties a create handler would set: ARNs (`...Arn`, in the
    /// service's format, see [`crate::arn`]), timestamps (`CreationTime`, `LastModifiedTime`,
    /// `format: date-time`: the time of the request), the request's account and region
    /// (`AccountId`, `Region`), and any missing top-level part of the primary identifier. Other read-only values (statuses, counts) are left out rather than
    /// invented: a real handler's value could not be guessed from the schema.
    pub fn generate_read_only(&self, model: &mut Value, ctx: &GenerationContext<'_>) {
        let Some(obj) = model.as_object_mut() else {
            return;
        };
        let name = self.name_of(obj).unwrap_or_else(|| ctx.ids.short_id());
        let mut to_fill: Vec<String> = Vec::new();
        for p in self.read_only.iter().chain(self.primary_identifier.iter()) {
            if p.len() == 1 && !obj.contains_key(&p[0]) && !to_fill.contains(&p[0]) {
                let is_identifier = self.primary_identifier.contains(p);
                if is_identifier
                    || p[0].ends_with("Arn")
                    || self.request_scope_value(&p[0], ctx).is_some()
                    || self.timestamp_kind(&p[0]).is_some()
                {
                    to_fill.push(p[0].clone());
                }
            }
        }
        let uuid = ctx.ids.uuid();
        for prop in to_fill {
            let value = if let Some(scope) = self.request_scope_value(&prop, ctx) {
                Value::String(scope.to_string())
            } else if prop.ends_with("Arn") {
                Value::String(self.arn(&prop, ctx, &name, &uuid))
            } else if let Some(kind) = self.timestamp_kind(&prop) {
                kind.value(ctx.now)
            } else if self.property_is_nonstring(&prop) {
                // Numeric ids exist (e.g. integer Ids); keep the type so Get round-trips.
                Value::from(ctx.ids.next_u64() % 1_000_000_000)
            } else if prop.ends_with("Name") {
                Value::String(name.clone())
            } else {
                Value::String(ctx.ids.short_id())
            };
            obj.insert(prop, value);
        }
    }

    /// The request's account for `AccountId`-like properties and its region for `Region`:
    /// the resource lives where it was created, and a generated value would make an
    /// identifier made of them (ARCZonalShift::AutoshiftObserverNotificationStatus) point
    /// nowhere.
    fn request_scope_value<'c>(&self, prop: &str, ctx: &GenerationContext<'c>) -> Option<&'c str> {
        if self.property_is_nonstring(prop) {
            return None;
        }
        if prop.ends_with("AccountId") {
            Some(ctx.account_id)
        } else if prop == "Region" || prop == "AwsRegion" {
            Some(ctx.region)
        } else {
            None
        }
    }

    /// Refreshes the read-only "last changed" timestamps (`LastModifiedTime`,
    /// `LastUpdatedTime`, `UpdatedAt`) that an update handler would set.
    pub fn touch_read_only(&self, model: &mut Value, now: SystemTime) {
        let Some(obj) = model.as_object_mut() else {
            return;
        };
        for p in self.read_only.iter().filter(|p| p.len() == 1) {
            let lower = p[0].to_ascii_lowercase();
            if !(lower.contains("modifi") || lower.contains("updat")) {
                continue;
            }
            if let Some(kind) = self.timestamp_kind(&p[0]) {
                obj.insert(p[0].clone(), kind.value(now));
            }
        }
    }

    /// The ARN a create handler would give read-only property `prop`.
    fn arn(&self, prop: &str, ctx: &GenerationContext<'_>, name: &str, uuid: &str) -> String {
        let pattern = self.property_pattern(prop);
        let compiled = pattern.and_then(|p| self.pattern(p));
        let permission_service = Some(self.arn_service());
        crate::arn::generate(&crate::arn::ArnRequest {
            type_name: &self.type_name,
            property: prop,
            pattern,
            compiled: compiled.as_deref(),
            permission_service: permission_service.as_deref(),
            region: ctx.region,
            account: ctx.account_id,
            name,
            uuid,
        })
    }

    /// The service namespace of the type's ARNs, from its create permissions (see
    /// [`crate::arn::service_namespace`]).
    pub(crate) fn arn_service(&self) -> String {
        let create = self
            .root()
            .get("x-required-permissions")
            .and_then(|p| p.get("create"))
            .and_then(Value::as_array);
        let actions: Vec<&str> = create
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        crate::arn::service_namespace(&self.type_name, &actions)
    }

    /// The `pattern` of top-level property `prop`, if any.
    pub(crate) fn property_pattern(&self, prop: &str) -> Option<&str> {
        self.property_schema(prop)?.get("pattern")?.as_str()
    }

    /// Whether top-level property `prop` is a map: an object whose keys follow patterns.
    #[cfg(test)]
    pub(crate) fn property_is_map(&self, prop: &str) -> bool {
        self.property_schema(prop).is_some_and(|s| {
            s.get("patternProperties").is_some() || s.get("x-patternProperties").is_some()
        })
    }

    /// The resolved schema of top-level property `prop`.
    fn property_schema(&self, prop: &str) -> Option<&Value> {
        let schema = self.root().get("properties")?.get(prop)?;
        Some(self.resolve(schema))
    }

    /// Whether read-only property `prop` is a creation or last-change time, and how it is
    /// written. The name must say creation or change (`CreationTime`, `CreatedAt`,
    /// `LastModifiedDate`, `UpdateDateTime`) and be a time by its suffix or by the schema's
    /// `format: date-time`; other times (`EndDate`, `PreparedAt`) are not the request's.
    fn timestamp_kind(&self, prop: &str) -> Option<TimestampKind> {
        let lower = prop.to_ascii_lowercase();
        if !["creat", "modifi", "updat"]
            .iter()
            .any(|w| lower.contains(w))
        {
            return None;
        }
        let schema = self.property_schema(prop);
        let ty = schema.and_then(|s| s.get("type")).and_then(Value::as_str);
        let is_date_time =
            schema.and_then(|s| s.get("format")).and_then(Value::as_str) == Some("date-time");
        let named = ["time", "date", "timestamp", "at"]
            .iter()
            .any(|suffix| lower.ends_with(suffix));
        if !(is_date_time || named) {
            return None;
        }
        match ty {
            Some("string") | None => Some(TimestampKind::Iso8601),
            Some("number") => Some(TimestampKind::EpochSeconds),
            Some("integer") => Some(TimestampKind::WholeEpochSeconds),
            _ => None,
        }
    }

    fn property_is_nonstring(&self, prop: &str) -> bool {
        let Some(schema) = self.property_schema(prop) else {
            return false;
        };
        matches!(
            schema.get("type").and_then(Value::as_str),
            Some("integer") | Some("number")
        )
    }

    /// The resource's name, for ARNs: `<Type>Name` (ImageName), `Name`, then any create-only
    /// or required string property ending in `Name`.
    fn name_of(&self, obj: &Map<String, Value>) -> Option<String> {
        let short = self.type_name.rsplit("::").next().unwrap_or_default();
        let mut candidates = vec![format!("{short}Name"), "Name".to_string()];
        for p in self.create_only.iter().filter(|p| p.len() == 1) {
            candidates.push(p[0].clone());
        }
        candidates.extend(self.required.iter().cloned());
        candidates
            .iter()
            .filter(|c| c.ends_with("Name"))
            .find_map(|c| obj.get(c).and_then(Value::as_str).map(str::to_string))
    }

    /// The primary identifier of a model: its parts joined with `|`, in schema order.
    /// `None` when a part is missing.
    pub fn identifier_of(&self, model: &Value) -> Option<String> {
        if self.primary_identifier.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(self.primary_identifier.len());
        for p in &self.primary_identifier {
            let v = get_paths(model, p).into_iter().next()?;
            parts.push(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        Some(parts.join("|"))
    }

    /// Create-only properties whose value differs between two models, as `/properties/X`.
    pub fn changed_create_only(&self, old: &Value, new: &Value) -> Vec<String> {
        changed(&self.create_only, old, new)
    }

    /// Read-only properties whose value differs between two models, as `/properties/X`.
    pub fn changed_read_only(&self, old: &Value, new: &Value) -> Vec<String> {
        changed(&self.read_only, old, new)
    }

    /// The model as a read returns it: write-only properties are never returned.
    pub fn readable(&self, model: &Value) -> Value {
        if self.write_only.is_empty() {
            return model.clone();
        }
        let mut out = model.clone();
        for p in &self.write_only {
            remove_path(&mut out, p);
        }
        out
    }
}

/// Compiles a schema's pattern within a fixed budget: patterns come from documents, and a
/// huge one must not cost the emulator its memory. `None` (not enforced) beyond it.
fn bounded_regex(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .ok()
}

fn changed(paths: &[PropPath], old: &Value, new: &Value) -> Vec<String> {
    paths
        .iter()
        .filter(|p| get_paths(old, p) != get_paths(new, p))
        .map(|p| format!("/properties/{}", p.join("/")))
        .collect()
}

/// `A/B/*/C` (or `/properties/A/B`) into segments.
pub fn parse_path(p: &str) -> PropPath {
    let p = p.strip_prefix("/properties/").unwrap_or(p);
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every value at a path; `*` matches every element of an array or every value of an object.
pub fn get_paths<'a>(value: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let Some((head, rest)) = path.split_first() else {
        return vec![value];
    };
    let children: Vec<&Value> = match (head.as_str(), value) {
        ("*", Value::Array(a)) => a.iter().collect(),
        ("*", Value::Object(o)) => o.values().collect(),
        (key, Value::Object(o)) => o.get(key).into_iter().collect(),
        (idx, Value::Array(a)) => idx
            .parse::<usize>()
            .ok()
            .and_then(|i| a.get(i))
            .into_iter()
            .collect(),
        _ => vec![],
    };
    children
        .into_iter()
        .flat_map(|c| get_paths(c, rest))
        .collect()
}

/// Removes every value at a path (with `*` wildcards).
pub fn remove_path(value: &mut Value, path: &[String]) {
    let Some((head, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        if let Value::Object(o) = value {
            o.remove(head);
        }
        return;
    }
    match (head.as_str(), value) {
        ("*", Value::Array(a)) => a.iter_mut().for_each(|c| remove_path(c, rest)),
        ("*", Value::Object(o)) => o.values_mut().for_each(|c| remove_path(c, rest)),
        (key, Value::Object(o)) => {
            if let Some(c) = o.get_mut(key) {
                remove_path(c, rest)
            }
        }
        _ => {}
    }
}

fn type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn everit_type(ty: &str) -> &'static str {
    match ty {
        "string" => "String",
        "integer" => "Integer",
        "number" => "Number",
        "boolean" => "Boolean",
        "object" => "JSONObject",
        "array" => "JSONArray",
        "null" => "Null",
        _ => "Unknown",
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "BigDecimal",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image() -> TypeSchema {
        let components = Arc::new(json!({"schemas": {
            "ImageName": {"type": "string", "pattern": "^[a-zA-Z0-9]([-.]?[a-zA-Z0-9])*$", "minLength": 1, "maxLength": 63},
            "Tag": {"type": "object", "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}, "required": ["Key", "Value"], "additionalProperties": false},
            "Image": {
                "type": "object",
                "properties": {
                    "ImageName": {"$ref": "#/components/schemas/ImageName"},
                    "ImageArn": {"type": "string"},
                    "ImageRoleArn": {"type": "string"},
                    "Size": {"type": "integer", "minimum": 1},
                    "Kind": {"type": "string", "enum": ["A", "B"]},
                    "Tags": {"type": "array", "maxItems": 2, "items": {"$ref": "#/components/schemas/Tag"}},
                    "Secret": {"type": "string"}
                },
                "required": ["ImageName", "ImageRoleArn"],
                "x-type-name": "AWS::SageMaker::Image",
                "x-stackql-primary-identifier": ["ImageArn"],
                "x-create-only-properties": ["ImageName"],
                "x-read-only-properties": ["ImageArn"],
                "x-write-only-properties": ["Secret"]
            }
        }}));
        TypeSchema::from_document("AWS::SageMaker::Image", &components)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn validates_like_aws() {
        let s = image();
        assert!(s
            .validate_create(&json!({"ImageName": "a", "ImageRoleArn": "r"}))
            .is_ok());
        let errs = s
            .validate_create(&json!({"ImageName": "bad name!", "ImageArn": "x", "Size": 0, "Kind": "C", "Nope": 1, "Tags": [{"Key": "k"}, {"Key": "k", "Value": "v", "X": 1}, {}]}))
            .unwrap_err();
        let all = errs.join("\n");
        for expected in [
            "#: required key [ImageRoleArn] not found",
            "#/ImageArn: read-only property cannot be specified",
            "#/ImageName: string [bad name!] does not match pattern",
            "#/Size: 0 is not greater or equal to 1",
            "#/Kind: C is not a valid enum value",
            "#: extraneous key [Nope] is not permitted",
            "#/Tags: expected maximum item count: 2, found: 3",
            "#/Tags/0: required key [Value] not found",
            "#/Tags/1: extraneous key [X] is not permitted",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in\n{all}");
        }
        let errs = s
            .validate_create(&json!({"ImageName": 5, "ImageRoleArn": "r"}))
            .unwrap_err();
        assert_eq!(
            errs,
            vec!["#/ImageName: expected type: String, found: Integer"]
        );
    }

    #[test]
    fn generates_arn_and_identifier() {
        let s = image();
        let ids = crate::ids::IdGen::seeded(7);
        let mut m = json!({"ImageName": "img-1", "ImageRoleArn": "r"});
        s.generate_read_only(
            &mut m,
            &GenerationContext {
                account_id: "123456789012",
                region: "eu-west-1",
                ids: &ids,
                now: std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_714_566_896_789),
            },
        );
        assert_eq!(
            m["ImageArn"],
            "arn:aws:sagemaker:eu-west-1:123456789012:image/img-1"
        );
        assert_eq!(
            s.identifier_of(&m).unwrap(),
            "arn:aws:sagemaker:eu-west-1:123456789012:image/img-1"
        );
        let mut changed = m.clone();
        changed["ImageName"] = json!("other");
        assert_eq!(
            s.changed_create_only(&m, &changed),
            vec!["/properties/ImageName"]
        );
        m["Secret"] = json!("s");
        assert!(s.readable(&m).get("Secret").is_none());
    }

    #[test]
    fn generates_creation_and_change_times() {
        let components = Arc::new(json!({"schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "Name": {"type": "string"},
                    "CreationTime": {"type": "string"},
                    "LastModifiedTime": {"type": "string", "format": "date-time"},
                    "CreatedAt": {"type": "integer"},
                    "EndDate": {"type": "string"},
                    "Status": {"type": "string"}
                },
                "x-type-name": "AWS::Test::Thing",
                "x-stackql-primary-identifier": ["Name"],
                "x-read-only-properties": ["CreationTime", "LastModifiedTime", "CreatedAt", "EndDate", "Status"]
            }
        }}));
        let s = TypeSchema::from_document("AWS::Test::Thing", &components)
            .unwrap()
            .unwrap();
        let ids = crate::ids::IdGen::seeded(7);
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_714_566_896_789);
        let mut m = json!({"Name": "t"});
        s.generate_read_only(
            &mut m,
            &GenerationContext {
                account_id: "123456789012",
                region: "eu-west-1",
                ids: &ids,
                now: at,
            },
        );
        assert_eq!(m["CreationTime"], "2024-05-01T12:34:56.789Z");
        assert_eq!(m["LastModifiedTime"], "2024-05-01T12:34:56.789Z");
        assert_eq!(m["CreatedAt"], 1_714_566_896u64);
        // Not the request's time, and not guessable: left out.
        assert!(
            m.get("EndDate").is_none() && m.get("Status").is_none(),
            "{m}"
        );
        s.touch_read_only(&mut m, at + std::time::Duration::from_secs(61));
        assert_eq!(m["CreationTime"], "2024-05-01T12:34:56.789Z");
        assert_eq!(m["LastModifiedTime"], "2024-05-01T12:35:57.789Z");
    }

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn wildcard_paths() {
        let v = json!({"S": [{"Status": "a"}, {"Status": "b"}]});
        let p = parse_path("S/*/Status");
        assert_eq!(get_paths(&v, &p).len(), 2);
        let mut w = v.clone();
        remove_path(&mut w, &p);
        assert_eq!(w, json!({"S": [{}, {}]}));
    }
}
