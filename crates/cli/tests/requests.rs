//! Building requests and reading answers as StackQL does (issue 9): a method's
//! `request.default` body, numeric pagination tokens sent back in the declared form, a
//! `region` column on an AWS-style resource that has none (accepted, never sent; no column at
//! all for another provider), and reads of
//! something that does not exist answering no rows while writes still fail. A small
//! provider of our own (`demo`, unsigned, no `region` server variable) is served by a
//! scripted loopback server; the AWS cases use the real registry snapshot.

mod common;
mod loopback;

use common::*;
use loopback::{json, Loopback, Recorded, Reply};
use serde_json::json;
use stackql_testkit::aws_registry;
use std::path::Path;

/// A registry root holding only the `demo` provider, whose server is `url`.
fn demo_registry(url: &str) -> tempfile::TempDir {
    demo_registry_as(url, DEMO_THINGS.to_string())
}

/// The demo service as an AWS-style one: it names its signing service (`x-serviceName`),
/// so a `region` it has no use for is accepted and ignored, as IAM's is. Its provider
/// declares no auth, so nothing is signed; the AWS endpoint override points at `url`.
fn aws_demo_registry(url: &str) -> tempfile::TempDir {
    let doc = DEMO_THINGS.replacen(
        "  version: v1\n",
        "  version: v1\n  x-serviceName: things\n",
        1,
    );
    assert!(doc.contains("x-serviceName"));
    demo_registry_as(url, doc)
}

fn run_aws_demo(registry: &Path, url: &str, sql: &str) -> Run {
    stackql(registry, Some(url), &["exec", "-o", "json", sql])
}

fn demo_registry_as(url: &str, doc: String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let version = dir.path().join("src/demo/v00.00.00000");
    std::fs::create_dir_all(version.join("services")).unwrap();
    std::fs::write(version.join("provider.yaml"), DEMO_PROVIDER).unwrap();
    std::fs::write(
        version.join("services/things.yaml"),
        doc.replace("SERVER_URL", url),
    )
    .unwrap();
    dir
}

fn run_demo(registry: &Path, sql: &str) -> Run {
    stackql(registry, None, &["exec", "-o", "json", sql])
}

/// The demo service: items listed a page at a time (the next page's number comes back as
/// a JSON number and goes out as the `page` query parameter), read by id, created with a
/// `request.default` body, deleted by id.
fn demo_script(r: &Recorded, _: usize) -> Reply {
    let page = |body: serde_json::Value| json(200, &body.to_string());
    match (r.method.as_str(), r.target.as_str()) {
        ("GET", "/items") => page(json!({"items": [{"id": "a"}], "next": 2})),
        ("GET", "/items?page=2") => page(json!({"items": [{"id": "b"}], "next": 3})),
        ("GET", "/items?page=3") => page(json!({"items": [{"id": "c"}]})),
        ("GET", "/items/a") => page(json!({"id": "a", "kind": "standard"})),
        ("POST", "/items") => page(json!({"id": "new"})),
        _ => json(404, r#"{"message": "no such item"}"#),
    }
}

#[test]
fn a_numeric_next_page_token_is_followed_in_the_query() {
    let server = Loopback::start(demo_script);
    let reg = demo_registry(&server.url());
    let r = run_demo(reg.path(), "SELECT id FROM demo.things.items ORDER BY id").ok();
    assert_eq!(r.json(), json!([{"id": "a"}, {"id": "b"}, {"id": "c"}]));
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, ["/items", "/items?page=2", "/items?page=3"]);
}

#[test]
fn a_numeric_token_goes_back_as_the_string_the_request_declares() {
    // Cloud Control's ListResources declares NextToken a string: a number in the answer
    // is sent back as its text, in the body.
    let server = Loopback::start(|r, _| match r.json().get("NextToken") {
        None => json(
            200,
            r#"{"ResourceDescriptions": [{"Identifier": "i-1"}], "NextToken": 20}"#,
        ),
        Some(t) if *t == json!("20") => {
            json(200, r#"{"ResourceDescriptions": [{"Identifier": "i-2"}]}"#)
        }
        Some(_) => json(
            400,
            r#"{"__type": "ValidationException", "message": "bad token"}"#,
        ),
    });
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        Some(&server.url()),
        &[
            "exec",
            "-o",
            "json",
            "SELECT identifier FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image' AND region = 'us-east-1' ORDER BY identifier",
        ],
    )
    .ok();
    assert_eq!(
        r.json(),
        json!([{"Identifier": "i-1"}, {"Identifier": "i-2"}])
    );
    let tokens: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .map(|r| r.json()["NextToken"].clone())
        .collect();
    assert_eq!(tokens, [serde_json::Value::Null, json!("20")]);
}

#[test]
fn a_select_without_body_columns_sends_the_default_body() {
    // CloudHSM's DescribeClusters has `request.default: {"Filters": {}}`.
    let server = Loopback::start(|_, _| json(200, r#"{"Clusters": [{"ClusterId": "c-1"}]}"#));
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        Some(&server.url()),
        &[
            "exec",
            "-o",
            "json",
            "SELECT ClusterId FROM aws.cloudhsm.clusters WHERE region = 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(r.json(), json!([{"ClusterId": "c-1"}]));
    let bodies: Vec<serde_json::Value> = server.requests().iter().map(Recorded::json).collect();
    assert_eq!(bodies, [json!({"Filters": {}})]);
}

#[test]
fn an_insert_without_body_columns_sends_the_default_body() {
    let server = Loopback::start(demo_script);
    let reg = aws_demo_registry(&server.url());
    run_aws_demo(
        reg.path(),
        &server.url(),
        "INSERT INTO demo.things.items (region) SELECT 'us-east-1'",
    )
    .ok();
    // With body columns, the default is not used.
    run_aws_demo(
        reg.path(),
        &server.url(),
        "INSERT INTO demo.things.items (data__kind) SELECT 'special'",
    )
    .ok();
    let bodies: Vec<serde_json::Value> = server.requests().iter().map(Recorded::json).collect();
    assert_eq!(
        bodies,
        [
            json!({"kind": "standard", "size": 1}),
            json!({"kind": "special"})
        ]
    );
}

#[test]
fn region_is_accepted_on_an_aws_resource_without_one_and_never_sent() {
    let server = Loopback::start(demo_script);
    let reg = aws_demo_registry(&server.url());
    let url = server.url();
    // In WHERE (the rows carry it, as every parameter column does) ...
    let r = run_aws_demo(
        reg.path(),
        &url,
        "SELECT id, region FROM demo.things.items WHERE id = 'a' AND region = 'us-east-1'",
    )
    .ok();
    assert_eq!(r.json(), json!([{"id": "a", "region": "us-east-1"}]));
    // ... not in SELECT * (it is not the resource's) ...
    let r = run_aws_demo(
        reg.path(),
        &url,
        "SELECT * FROM demo.things.items WHERE id = 'a'",
    )
    .ok();
    assert_eq!(r.json(), json!([{"id": "a", "kind": "standard"}]));
    // ... and in writes.
    run_aws_demo(
        reg.path(),
        &url,
        "DELETE FROM demo.things.items WHERE id = 'a' AND region = 'eu-west-1'",
    );
    for r in server.requests() {
        assert!(!r.target.contains("region"), "{r:?}");
        assert!(
            !String::from_utf8_lossy(&r.body).contains("region"),
            "{r:?}"
        );
    }
    // A column the resource really lacks is still refused.
    let r = run_aws_demo(
        reg.path(),
        &url,
        "SELECT id FROM demo.things.items WHERE id = 'a' AND zone = 'z'",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("zone"), "{}", r.stderr);
}

#[test]
fn region_is_no_column_of_a_provider_that_is_not_aws() {
    let server = Loopback::start(demo_script);
    let reg = demo_registry(&server.url());
    let r = run_demo(
        reg.path(),
        "SELECT id FROM demo.things.items WHERE id = 'a' AND region = 'us-east-1'",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("region"), "{}", r.stderr);
    assert!(server.requests().is_empty(), "nothing is sent");
}

#[test]
fn a_read_of_something_missing_is_empty_and_a_write_still_fails() {
    let server = Loopback::start(demo_script);
    let reg = demo_registry(&server.url());
    let r = run_demo(
        reg.path(),
        "SELECT COUNT(*) AS n FROM demo.things.items WHERE id = 'nope'",
    )
    .ok();
    assert_eq!(r.json(), json!([{"n": 0}]));
    let r = run_demo(
        reg.path(),
        "DELETE FROM demo.things.items WHERE id = 'nope'",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 404"), "{}", r.stderr);
}

#[test]
fn cloud_control_resource_not_found_reads_as_no_rows() {
    // stackql-deploy's exists/statecheck queries: COUNT(*) of a missing identifier is 0.
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "-o",
            "json",
            "SELECT COUNT(*) AS n FROM aws.sagemaker.image WHERE data__Identifier = 'nope' AND region = 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(r.json(), json!([{"n": 0}]));
    let gets = ops(&emu.journal(), "GetResource").len();
    assert_eq!(gets, 1, "the lookup was made and answered not found");
    // A type that does not exist is a mistake in the query, not an absent resource.
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "SELECT * FROM aws.cloud_control.resource WHERE data__TypeName = 'AWS::No::Such' AND data__Identifier = 'x' AND region = 'us-east-1'",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("TypeNotFoundException"), "{}", r.stderr);
}

const DEMO_PROVIDER: &str = "id: demo
name: demo
version: v00.00.00000
providerServices:
  things:
    id: things:v00.00.00000
    name: things
    preferred: true
    service:
      $ref: demo/v00.00.00000/services/things.yaml
    title: things API
    version: v00.00.00000
    description: test things
";

const DEMO_THINGS: &str = "openapi: 3.0.0
info:
  title: things
  version: v1
servers:
  - url: SERVER_URL
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: page
          in: query
          schema:
            type: integer
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ItemList'
    post:
      operationId: createItem
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                kind:
                  type: string
                size:
                  type: integer
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Item'
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Item'
    delete:
      operationId: deleteItem
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '204':
          description: gone
components:
  schemas:
    Item:
      type: object
      properties:
        id:
          type: string
        kind:
          type: string
    ItemList:
      type: object
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/Item'
        next:
          type: integer
  x-stackQL-resources:
    items:
      id: demo.things.items
      name: items
      title: items
      methods:
        list:
          operation:
            $ref: '#/paths/~1items/get'
          response:
            mediaType: application/json
            openAPIDocKey: '200'
            objectKey: $.items
          config:
            pagination:
              requestToken:
                key: page
                location: query
              responseToken:
                key: next
                location: body
        get:
          operation:
            $ref: '#/paths/~1items~1{id}/get'
          response:
            mediaType: application/json
            openAPIDocKey: '200'
        create:
          operation:
            $ref: '#/paths/~1items/post'
          request:
            mediaType: application/json
            default: |
              {\"kind\": \"standard\", \"size\": 1}
          response:
            mediaType: application/json
            openAPIDocKey: '200'
        delete:
          operation:
            $ref: '#/paths/~1items~1{id}/delete'
          response:
            openAPIDocKey: '204'
      sqlVerbs:
        select:
          - $ref: '#/components/x-stackQL-resources/items/methods/get'
          - $ref: '#/components/x-stackQL-resources/items/methods/list'
        insert:
          - $ref: '#/components/x-stackQL-resources/items/methods/create'
        update: []
        delete:
          - $ref: '#/components/x-stackQL-resources/items/methods/delete'
";
