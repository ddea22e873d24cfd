//! The transforms of the current AWS registry (`../shared/registry-current`): every
//! template body parses, and the transforms turn answers shaped like AWS's (SQS
//! ListQueues JSON, an autoscaling query-protocol XML list, IAM ListUsers XML) into the
//! exact JSON Go StackQL produces from them.

use serde_json::{json, Value};
use stackql_transform::{apply, check, ResponseTransform};

fn services_dir() -> std::path::PathBuf {
    stackql_testkit::shared_dir().join("registry-current/src/aws/v00.00.00000/services")
}

fn load(service: &str) -> Value {
    let path = services_dir().join(format!("{service}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `transform` mapping (request or response) under `v`, with where it is.
fn transforms<'v>(v: &'v Value, at: &str, out: &mut Vec<(String, &'v Value)>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let here = format!("{at}/{k}");
                if k == "transform" && c.get("type").is_some() {
                    out.push((here.clone(), c));
                }
                transforms(c, &here, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                transforms(c, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Bodies Go's text/template refuses as well (`[{{{- if` opens an action with `{`:
/// "unexpected "{" in command"), so Go StackQL cannot use these methods either; they
/// are registry defects. A listed body that starts to parse fails the test.
const BROKEN_IN_GO: &[&str] = &[
    "cloudformation.yaml stack_refactors.describe_stack_refactor",
    "elasticache.yaml allowed_node_type_modifications.list_allowed_node_type_modifications",
    "elasticbeanstalk.yaml environment_healths.describe_environment_health",
    "iam.yaml organizations_features.list_organizations_features",
    "redshift.yaml resizes.describe_resize",
];

/// `file resource.method` for a transform found at `/components/x-stackQL-resources/<r>/methods/<m>/...`.
fn method_key(file: &str, at: &str) -> String {
    let parts: Vec<&str> = at.split('/').collect();
    match parts.as_slice() {
        ["", "components", "x-stackQL-resources", r, "methods", m, ..] => format!("{file} {r}.{m}"),
        _ => format!("{file} {at}"),
    }
}

#[test]
fn every_template_body_of_the_current_registry_parses() {
    let mut found = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(services_dir())
        .expect("registry-current services")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    let mut mentions = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("service document");
        let n = text.matches("golang_template_").count();
        if n == 0 {
            continue;
        }
        mentions += n;
        let doc: Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut ts = Vec::new();
        transforms(&doc, "", &mut ts);
        for (at, t) in ts {
            let kind = t["type"].as_str().unwrap_or_default();
            if !kind.starts_with("golang_template_") {
                continue;
            }
            found += 1;
            *kinds.entry(kind.to_string()).or_default() += 1;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let key = method_key(&name, &at);
            let known = BROKEN_IN_GO.contains(&key.as_str());
            match check(kind, t.get("body").and_then(Value::as_str)) {
                Err(e) if known && e.to_string().contains("unexpected '{' in command") => {}
                Err(e) => failures.push(format!("{key} ({at}): {e}")),
                Ok(()) if known => {
                    failures.push(format!("{key}: listed in BROKEN_IN_GO but parses"))
                }
                Ok(()) => {}
            }
        }
    }
    // Every mention of a template kind is a transform this walk saw.
    assert_eq!(
        found, mentions,
        "template kinds mentioned outside a transform: {kinds:?}"
    );
    assert!(
        found >= 200,
        "only {found} template transforms found: {kinds:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {found} bodies do not parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The method's response block.
fn response<'v>(doc: &'v Value, resource: &str, method: &str) -> &'v Value {
    &doc["components"]["x-stackQL-resources"][resource]["methods"][method]["response"]
}

fn run_template(doc: &Value, resource: &str, method: &str, answer: &str) -> Value {
    let r = response(doc, resource, method);
    let t = ResponseTransform {
        kind: r["transform"]["type"].as_str().expect("transform type"),
        body: r["transform"]["body"].as_str(),
        ..Default::default()
    };
    apply(&t, answer.as_bytes()).unwrap_or_else(|e| panic!("{resource}.{method}: {e}"))
}

#[test]
fn sqs_list_queues() {
    let doc = load("sqs");
    let url = |n: &str| format!("https://sqs.us-east-1.amazonaws.com/123456789012/{n}");
    assert_eq!(
        run_template(&doc, "queues", "list_queues", "{}"),
        json!({"line_items": []})
    );
    let one = json!({"QueueUrls": [url("a")]}).to_string();
    assert_eq!(
        run_template(&doc, "queues", "list_queues", &one),
        json!({"line_items": [{"queue_url": url("a")}]})
    );
    let several =
        json!({"QueueUrls": [url("a"), url("b<&>"), url("c")], "NextToken": "tok/1=="}).to_string();
    assert_eq!(
        run_template(&doc, "queues", "list_queues", &several),
        json!({
            "line_items": [{"queue_url": url("a")}, {"queue_url": url("b<&>")}, {"queue_url": url("c")}],
            "NextToken": "tok/1=="
        })
    );
}

fn notification_types(members: &str) -> String {
    format!(
        r#"<DescribeAutoScalingNotificationTypesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingNotificationTypesResult>
    {members}
  </DescribeAutoScalingNotificationTypesResult>
  <ResponseMetadata><RequestId>8d798a29-f083-11e1-bdfb-cb223EXAMPLE</RequestId></ResponseMetadata>
</DescribeAutoScalingNotificationTypesResponse>"#
    )
}

#[test]
fn autoscaling_notification_types_one_member_or_several() {
    let doc = load("autoscaling");
    let run = |xml: String| {
        run_template(
            &doc,
            "auto_scaling_notification_types",
            "describe_auto_scaling_notification_types",
            &xml,
        )
    };
    let several = notification_types(
        "<AutoScalingNotificationTypes>
           <member>autoscaling:EC2_INSTANCE_LAUNCH</member>
           <member>autoscaling:EC2_INSTANCE_TERMINATE</member>
         </AutoScalingNotificationTypes>",
    );
    assert_eq!(
        run(several),
        json!({"line_items": [
            {"auto_scaling_notification_type": "autoscaling:EC2_INSTANCE_LAUNCH"},
            {"auto_scaling_notification_type": "autoscaling:EC2_INSTANCE_TERMINATE"}
        ]})
    );
    // One member is not a list in mxj's map; the template handles the string.
    let one = notification_types(
        "<AutoScalingNotificationTypes><member>autoscaling:TEST_NOTIFICATION</member></AutoScalingNotificationTypes>",
    );
    assert_eq!(
        run(one),
        json!({"line_items": [{"auto_scaling_notification_type": "autoscaling:TEST_NOTIFICATION"}]})
    );
    let none = notification_types("<AutoScalingNotificationTypes/>");
    assert_eq!(run(none), json!({"line_items": []}));
    // mxj casts texts that read as numbers or booleans, as Go StackQL's reader asks it to:
    // a lone member "true" is then no string, and this template drops it, as Go's does.
    let cast = notification_types(
        "<AutoScalingNotificationTypes><member>true</member></AutoScalingNotificationTypes>",
    );
    assert_eq!(run(cast), json!({"line_items": []}));
}

/// `$ref`s to `#/components/schemas/...` replaced by what they name (the engine's
/// registry does this before it hands a schema over).
fn resolve(doc: &Value, v: &Value, depth: usize) -> Value {
    assert!(depth < 32, "schema nests too deep");
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                let name = r
                    .strip_prefix("#/components/schemas/")
                    .expect("local schema ref");
                return resolve(doc, &doc["components"]["schemas"][name], depth + 1);
            }
            Value::Object(
                m.iter()
                    .map(|(k, c)| (k.clone(), resolve(doc, c, depth + 1)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|c| resolve(doc, c, depth + 1)).collect()),
        other => other.clone(),
    }
}

fn list_users(users: &str) -> String {
    format!(
        r#"<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListUsersResult>
    <IsTruncated>false</IsTruncated>
    {users}
  </ListUsersResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</ListUsersResponse>"#
    )
}

const ALICE: &str = "<member>
  <Path>/division_abc/</Path>
  <UserName>alice</UserName>
  <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
  <Arn>arn:aws:iam::123456789012:user/division_abc/alice</Arn>
  <CreateDate>2024-01-02T03:04:05Z</CreateDate>
  <Tags><member><Key>team</Key><Value>blue</Value></member></Tags>
</member>";
const BOB: &str = "<member>
  <Path>/</Path>
  <UserName>bob</UserName>
  <UserId>AIDAJQABLZS4A3EXAMPLE</UserId>
  <Arn>arn:aws:iam::123456789012:user/bob</Arn>
  <CreateDate>2024-02-03T04:05:06Z</CreateDate>
  <PasswordLastUsed>2024-03-04T05:06:07Z</PasswordLastUsed>
</member>";

#[test]
fn iam_list_users_schema_driven() {
    let doc = load("iam");
    let r = response(&doc, "users", "list_users");
    assert_eq!(r["transform"]["type"], "schema_driven_xml_v0.1.0");
    let schema = resolve(&doc, &r["schema_override"], 0);
    let t = ResponseTransform {
        kind: "schema_driven_xml_v0.1.0",
        schema: Some(&schema),
        object_key: r["objectKey"].as_str(),
        protocol: doc["info"]["x-protocol"].as_str(),
        ..Default::default()
    };
    let run = |xml: String| apply(&t, xml.as_bytes()).expect("list_users transform");
    let alice = json!({
        "Arn": "arn:aws:iam::123456789012:user/division_abc/alice",
        "CreateDate": "2024-01-02T03:04:05Z",
        "PasswordLastUsed": null,
        "Path": "/division_abc/",
        "PermissionsBoundary": null,
        // Declared a string, answered as a structure: Go prints the map.
        "Tags": "map[member:map[Key:team Value:blue]]",
        "UserId": "AIDACKCEVSQ6C2EXAMPLE",
        "UserName": "alice"
    });
    let bob = json!({
        "Arn": "arn:aws:iam::123456789012:user/bob",
        "CreateDate": "2024-02-03T04:05:06Z",
        "PasswordLastUsed": "2024-03-04T05:06:07Z",
        "Path": "/",
        "PermissionsBoundary": null,
        "Tags": null,
        "UserId": "AIDAJQABLZS4A3EXAMPLE",
        "UserName": "bob"
    });
    assert_eq!(
        run(list_users(&format!("<Users>{ALICE}{BOB}</Users>"))),
        json!({"line_items": [alice, bob]})
    );
    assert_eq!(
        run(list_users(&format!("<Users>{BOB}</Users>"))),
        json!({"line_items": [bob]})
    );
    assert_eq!(run(list_users("<Users/>")), json!({"line_items": []}));
    assert_eq!(
        run(list_users("<Users></Users>")),
        json!({"line_items": []})
    );
    assert_eq!(
        apply(&t, b"").expect("empty body"),
        json!({"line_items": []})
    );
}
