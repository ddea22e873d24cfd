//! Hooks of the rest-xml protocol (S3): a JSON body planned for a method whose request
//! media type is XML is sent as XML — an object of one member is that member's element
//! (`{"CreateBucketConfiguration": {...}}`), anything else goes under `default_root`.
//! Reading answers and errors is shared with the query protocol (`xml.rs`).

use super::xml;
use serde_json::Value;

pub fn body_bytes(body: Option<&Value>, default_root: &str) -> Vec<u8> {
    match body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) if map.is_empty() => Vec::new(),
        Some(Value::Object(map)) if map.len() == 1 => {
            let (root, inner) = map.iter().next().expect("one member");
            xml::to_xml(root, inner, &Value::Null).into_bytes()
        }
        Some(other) => xml::to_xml(default_root, other, &Value::Null).into_bytes(),
    }
}

/// Gives a rest-xml request body its root element. A body schema of one object member is
/// that member's element (S3's `CreateBucketConfiguration`, `Tagging`), as planned. Otherwise
/// the fields are the operation input's own members, which AWS encloses in
/// `<Operation>Request` (Route 53's `CreateHostedZoneRequest`): they are put in it, rather
/// than under a made-up root.
pub fn enclose(operation_id: &str, schema: &Value, body: &mut serde_json::Map<String, Value>) {
    if body.is_empty() || operation_id.is_empty() {
        return;
    }
    let members = schema.get("properties").and_then(Value::as_object);
    let one_object = members.is_some_and(|m| {
        m.len() == 1
            && m.values().all(|s| {
                s.get("type").and_then(Value::as_str) == Some("object")
                    || s.get("properties").is_some()
            })
    });
    if !one_object {
        let fields = std::mem::take(body);
        body.insert(format!("{operation_id}Request"), Value::Object(fields));
    }
}

/// S3 creates a bucket in us-east-1 unless the body names another region, and refuses a
/// CreateBucket sent to another region's endpoint without one: the request's region fills
/// `CreateBucketConfiguration.LocationConstraint` when the statement gives none.
pub fn complete_create_bucket(
    operation_id: &str,
    region: Option<&str>,
    body: &mut serde_json::Map<String, Value>,
) {
    let Some(region) = region.filter(|r| operation_id == "CreateBucket" && *r != "us-east-1")
    else {
        return;
    };
    let config = body
        .entry("CreateBucketConfiguration")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(config) = config {
        config
            .entry("LocationConstraint")
            .or_insert_with(|| Value::String(region.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_operation_input_is_enclosed_in_its_request_element() {
        let input = json!({"properties": {"Name": {"type": "string"}, "CallerReference": {"type": "string"}}});
        let mut body = serde_json::Map::new();
        body.insert("Name".into(), json!("example.com"));
        body.insert("CallerReference".into(), json!("r1"));
        enclose("CreateHostedZone", &input, &mut body);
        assert_eq!(
            String::from_utf8(body_bytes(Some(&Value::Object(body)), "Body")).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateHostedZoneRequest>\
             <Name>example.com</Name><CallerReference>r1</CallerReference></CreateHostedZoneRequest>"
        );
        // A payload member is the root itself.
        let payload = json!({"properties": {"CreateBucketConfiguration": {"type": "object"}}});
        let mut body = serde_json::Map::new();
        body.insert(
            "CreateBucketConfiguration".into(),
            json!({"LocationConstraint": "eu-west-1"}),
        );
        enclose("CreateBucket", &payload, &mut body);
        assert!(body.contains_key("CreateBucketConfiguration"));
    }

    #[test]
    fn a_bucket_outside_us_east_1_names_its_region() {
        let mut body = serde_json::Map::new();
        complete_create_bucket("CreateBucket", Some("eu-west-1"), &mut body);
        assert_eq!(
            Value::Object(body.clone()),
            json!({"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}})
        );
        assert_eq!(
            String::from_utf8(body_bytes(Some(&Value::Object(body)), "Body")).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBucketConfiguration>\
             <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"
        );
        let mut east = serde_json::Map::new();
        complete_create_bucket("CreateBucket", Some("us-east-1"), &mut east);
        assert!(east.is_empty());
        // What the statement gave wins.
        let mut given = serde_json::Map::new();
        given.insert(
            "CreateBucketConfiguration".into(),
            json!({"LocationConstraint": "eu-central-1"}),
        );
        complete_create_bucket("CreateBucket", Some("eu-west-1"), &mut given);
        assert_eq!(
            given["CreateBucketConfiguration"]["LocationConstraint"],
            "eu-central-1"
        );
        let mut other = serde_json::Map::new();
        complete_create_bucket("PutBucketTagging", Some("eu-west-1"), &mut other);
        assert!(other.is_empty());
    }
}
