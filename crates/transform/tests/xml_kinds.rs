//! The XML kinds in detail: the map mxj builds (attributes, text beside children,
//! repeated and single elements, namespaces, casting) and the schema-driven walk
//! (EC2's `item` wrappers, a singleton answer, typed conversion of leaves).

use serde_json::{json, Value};
use stackql_transform::{apply, render, ResponseTransform, TransformError};

fn mxj_json(xml: &str) -> Value {
    let out = render(
        "golang_template_mxj_v0.3.0",
        Some("{{ toJson . }}"),
        xml.as_bytes(),
    )
    .expect("mxj template")
    .expect("output");
    serde_json::from_str(&out).expect("toJson output is JSON")
}

#[test]
fn mxj_map_follows_mxj_conventions() {
    let xml = r#"<?xml version="1.0"?>
<r:Root xmlns:r="urn:r" xmlns="urn:default" id="7">
  <Name>  padded text  </Name>
  <Item k="a">first</Item>
  <Item>second</Item>
  <Empty/>
  <Mixed>lead<Child>c</Child></Mixed>
  <Flag>True</Flag><Num>0012.50</Num><Big>1e400</Big><NotNum>nan</NotNum><Id>123456789012</Id>
  <Esc>a &amp; b</Esc>
</r:Root>"#;
    assert_eq!(
        mxj_json(xml),
        json!({"Root": {
            "-id": 7,
            "-r": "urn:r",
            "-xmlns": "urn:default",
            "Name": "padded text",
            "Item": [{"-k": "a", "#text": "first"}, "second"],
            "Empty": "",
            "Mixed": {"#text": "lead", "Child": "c"},
            "Flag": true,
            "Num": 12.5,
            "Big": "1e400",
            "NotNum": "nan",
            "Id": 123456789012u64,
            "Esc": "a & b"
        }})
    );
}

#[test]
fn xml_with_a_dtd_is_refused() {
    let xml = r#"<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>"#;
    let e = render(
        "golang_template_mxj_v0.3.0",
        Some("{{ toJson . }}"),
        xml.as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(e, TransformError::Input { .. }), "{e}");
}

fn ec2_schema() -> Value {
    json!({"type": "object", "properties": {"line_items": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "vpcId": {"type": "string"},
            "isDefault": {"type": "boolean"},
            "ipv6Count": {"type": "integer"},
            "ratio": {"type": "number"},
            "tagSet": {"type": "array"},
            "state": {}
        }
    }}}})
}

#[test]
fn schema_driven_reads_item_wrappers_and_types_leaves() {
    let schema = ec2_schema();
    let t = ResponseTransform {
        kind: "schema_driven_xml_v0.1.0",
        schema: Some(&schema),
        object_key: Some("$.line_items"),
        protocol: Some("ec2"),
        ..Default::default()
    };
    let xml = r#"<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <vpcSet>
    <item><vpcId>vpc-1</vpcId><isDefault>true</isDefault><ipv6Count>3</ipv6Count><ratio>0.5</ratio>
      <tagSet><item><key>Name</key><value>one</value></item></tagSet><state>available</state></item>
    <item><vpcId>vpc-2</vpcId><isDefault>maybe</isDefault><ipv6Count/><ratio>x</ratio><state/></item>
  </vpcSet>
</DescribeVpcsResponse>"#;
    assert_eq!(
        apply(&t, xml.as_bytes()).expect("projection"),
        json!({"line_items": [
            {"vpcId": "vpc-1", "isDefault": true, "ipv6Count": 3, "ratio": 0.5,
             "tagSet": "{\"item\":{\"key\":\"Name\",\"value\":\"one\"}}", "state": "available"},
            {"vpcId": "vpc-2", "isDefault": "maybe", "ipv6Count": null, "ratio": "x",
             "tagSet": null, "state": null}
        ]})
    );
    // One item: mxj's map holds it unwrapped; still one row.
    let one = r#"<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-9</vpcId></item></vpcSet></DescribeVpcsResponse>"#;
    let rows = apply(&t, one.as_bytes()).expect("projection");
    assert_eq!(rows["line_items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rows["line_items"][0]["vpcId"], "vpc-9");
}

#[test]
fn schema_driven_singleton_answer_is_one_row() {
    let schema = json!({"properties": {"line_items": {"items": {"properties": {
        "QueueUrl": {"type": "string"}, "Count": {"type": "integer"}
    }}}}});
    let t = ResponseTransform {
        kind: "schema_driven_xml_v0.1.0",
        schema: Some(&schema),
        object_key: Some("$.line_items"),
        protocol: Some("query"),
        ..Default::default()
    };
    let xml = "<GetQueueUrlResponse><GetQueueUrlResult><QueueUrl>https://q/1</QueueUrl></GetQueueUrlResult></GetQueueUrlResponse>";
    assert_eq!(
        apply(&t, xml.as_bytes()).expect("projection"),
        json!({"line_items": [{"QueueUrl": "https://q/1", "Count": null}]})
    );
}

#[test]
fn schema_driven_needs_a_list_property() {
    let schema = json!({"properties": {"rows": {"type": "string"}}});
    let mut t = ResponseTransform {
        kind: "schema_driven_xml_v0.1.0",
        schema: Some(&schema),
        object_key: Some("$.line_items"),
        ..Default::default()
    };
    let e = apply(&t, b"<a/>").unwrap_err().to_string();
    assert!(
        e.contains("\"line_items\" not found in override schema"),
        "{e}"
    );
    t.object_key = Some("$.rows");
    let e = apply(&t, b"<a/>").unwrap_err().to_string();
    assert!(e.contains("is not an array"), "{e}");
    t.schema = None;
    assert!(matches!(
        apply(&t, b"<a/>"),
        Err(TransformError::Schema { .. })
    ));
}

#[test]
fn unknown_kinds_are_named() {
    let t = ResponseTransform {
        kind: "golang_template_yaml_v9.9.9",
        body: Some("{{ . }}"),
        ..Default::default()
    };
    let e = apply(&t, b"{}").unwrap_err();
    assert_eq!(
        e,
        TransformError::UnknownKind("golang_template_yaml_v9.9.9".into())
    );
    assert!(e.to_string().contains("golang_template_yaml_v9.9.9"));
}

#[test]
fn text_kind_sees_the_body_as_one_string() {
    let t = ResponseTransform {
        kind: "golang_template_text_v0.3.0",
        body: Some(r#"[{"contents": {{ toJson . }}}]"#),
        ..Default::default()
    };
    assert_eq!(
        apply(&t, b"line 1\n<b>&").expect("text"),
        json!([{"contents": "line 1\n<b>&"}])
    );
    assert_eq!(apply(&t, b"").expect("text"), json!([{"contents": ""}]));
}

#[test]
fn json_kind_output_must_be_json() {
    let t = ResponseTransform {
        kind: "golang_template_json_v0.3.0",
        body: Some("{{ .a }}"),
        ..Default::default()
    };
    assert!(matches!(
        apply(&t, br#"{"a": "not json"}"#),
        Err(TransformError::Output { .. })
    ));
    assert_eq!(apply(&t, br#"{"a": 5}"#).expect("number"), json!(5));
    // Nothing to run on: Go's reader yields no value, the template does not run.
    assert_eq!(apply(&t, b"null").expect("null"), Value::Null);
    assert_eq!(apply(&t, b"  ").expect("empty"), Value::Null);
    assert!(matches!(apply(&t, b"{"), Err(TransformError::Input { .. })));
}
