//! The life of an AWS::SageMaker::Image over HTTP against the real registry snapshot:
//! create, await, get, list across pages, update, delete, and the wire shape of answers.

mod common;

use common::{image, registry_config, Client, IMAGE, ROLE};
use serde_json::{json, Value};
use stackql_emulator::{start, EmulatorConfig};

#[tokio::test]
async fn create_await_get_update_delete() {
    let emu = start(registry_config(), 0).await.unwrap();
    assert!(emu.endpoint_url().starts_with("http://127.0.0.1:"));
    assert!(
        emu.type_count() > 1000,
        "registry types: {}",
        emu.type_count()
    );
    let c = Client::connect(&emu, "us-east-1").await;

    // CreateResource answers IN_PROGRESS, without an identifier yet.
    let created = c
        .create(
            IMAGE,
            json!({"ImageName": "my-image", "ImageRoleArn": ROLE, "ImageDescription": "first"}),
        )
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(
        created.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert!(created.header("x-amzn-requestid").is_some());
    let event = created.event().clone();
    assert_eq!(event["TypeName"], IMAGE);
    assert_eq!(event["Operation"], "CREATE");
    assert_eq!(event["OperationStatus"], "IN_PROGRESS");
    assert!(event.get("Identifier").is_none());
    assert!(
        event["EventTime"].is_f64(),
        "EventTime is epoch seconds: {event}"
    );
    let token = event["RequestToken"].as_str().unwrap().to_string();

    // Not visible before the request completes.
    let arn = "arn:aws:sagemaker:us-east-1:123456789012:image/my-image";
    c.get(IMAGE, arn)
        .await
        .err("ResourceNotFoundException", 400);

    // The first status read completes it (default completion).
    let done = c.status(&token).await.ok()["ProgressEvent"].clone();
    assert_eq!(done["OperationStatus"], "SUCCESS");
    assert_eq!(done["Identifier"], arn);
    assert_eq!(done["RequestToken"], token.as_str());
    let model: Value = serde_json::from_str(done["ResourceModel"].as_str().unwrap()).unwrap();
    assert_eq!(model["ImageArn"], arn);
    assert_eq!(model["ImageName"], "my-image");

    // GetResource: ResourceDescription with Properties as a JSON string.
    let got = c.get(IMAGE, arn).await.ok();
    assert_eq!(got["TypeName"], IMAGE);
    assert_eq!(got["ResourceDescription"]["Identifier"], arn);
    let props: Value =
        serde_json::from_str(got["ResourceDescription"]["Properties"].as_str().unwrap()).unwrap();
    assert_eq!(props["ImageDescription"], "first");
    assert_eq!(props["ImageRoleArn"], ROLE);

    // UpdateResource applies the RFC 6902 patch.
    let up = c
        .update(
            IMAGE,
            arn,
            json!([
                {"op": "replace", "path": "/ImageDescription", "value": "second"},
                {"op": "add", "path": "/ImageDisplayName", "value": "Shown"}
            ]),
        )
        .await
        .ok();
    assert_eq!(up["ProgressEvent"]["Operation"], "UPDATE");
    assert_eq!(up["ProgressEvent"]["OperationStatus"], "IN_PROGRESS");
    assert_eq!(up["ProgressEvent"]["Identifier"], arn);
    let done = c
        .await_request(up["ProgressEvent"]["RequestToken"].as_str().unwrap())
        .await;
    assert_eq!(done["OperationStatus"], "SUCCESS");
    let props: Value = serde_json::from_str(
        c.get(IMAGE, arn).await.ok()["ResourceDescription"]["Properties"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(props["ImageDescription"], "second");
    assert_eq!(props["ImageDisplayName"], "Shown");

    // DeleteResource.
    let del = c.delete(IMAGE, arn).await.ok();
    assert_eq!(del["ProgressEvent"]["Operation"], "DELETE");
    let done = c
        .await_request(del["ProgressEvent"]["RequestToken"].as_str().unwrap())
        .await;
    assert_eq!(done["OperationStatus"], "SUCCESS");
    assert!(done.get("ResourceModel").is_none());
    c.get(IMAGE, arn)
        .await
        .err("ResourceNotFoundException", 400);

    // Deleting again: the request FAILS with NotFound, as AWS's handlers report it.
    let again = c.delete(IMAGE, arn).await.ok();
    let done = c
        .await_request(again["ProgressEvent"]["RequestToken"].as_str().unwrap())
        .await;
    assert_eq!(done["OperationStatus"], "FAILED");
    assert_eq!(done["ErrorCode"], "NotFound");

    // The journal saw every exchange, with operation names and statuses.
    let journal = emu.journal();
    assert_eq!(journal[0].operation.as_deref(), Some("CreateResource"));
    assert_eq!(
        journal[0].header("x-amz-target"),
        Some("CloudApiService.CreateResource")
    );
    assert_eq!(journal[0].json()["TypeName"], IMAGE);
    assert_eq!(journal[1].status, 400);
    assert!(journal
        .iter()
        .all(|r| r.method == "POST" && r.path_and_query == "/"));
    emu.shutdown().await;
}

#[tokio::test]
async fn list_resources_pages_with_next_token() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-west-2").await;
    let mut expected = Vec::new();
    for i in 0..45 {
        let name = format!("img-{i:02}");
        let e = c.create_done(IMAGE, image(&name)).await;
        assert_eq!(e["OperationStatus"], "SUCCESS", "{e}");
        expected.push(format!(
            "arn:aws:sagemaker:us-west-2:123456789012:image/{name}"
        ));
    }
    // Default page size 20: three pages, NextToken absent on the last.
    let (ids, sizes) = c.list_all(IMAGE, None).await;
    assert_eq!(sizes, vec![20, 20, 5]);
    let mut sorted = ids.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    // MaxResults lowers the page size.
    let (ids7, sizes7) = c.list_all(IMAGE, Some(7)).await;
    assert_eq!(sizes7, vec![7, 7, 7, 7, 7, 7, 3]);
    assert_eq!(ids7, ids);
    // MaxResults above the configured page size does not raise it.
    let (_, sizes100) = c.list_all(IMAGE, Some(100)).await;
    assert_eq!(sizes100, vec![20, 20, 5]);
    // An exact multiple: no empty trailing page.
    let (_, sizes15) = c.list_all(IMAGE, Some(15)).await;
    assert_eq!(sizes15, vec![15, 15, 15]);
    // Another type has nothing; another region has nothing.
    let (none, sizes) = c.list_all("AWS::SageMaker::Domain", None).await;
    assert!(none.is_empty());
    assert_eq!(sizes, vec![0]);
    let other = Client::connect(&emu, "eu-west-1").await;
    assert!(other.list_all(IMAGE, None).await.0.is_empty());
    // A forged token is refused.
    other
        .call(
            "ListResources",
            json!({"TypeName": IMAGE, "NextToken": "garbage"}),
        )
        .await
        .err("InvalidRequestException", 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn configured_page_size_and_resource_model_filter() {
    let emu = start(
        EmulatorConfig {
            page_size: 4,
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    for i in 0..10 {
        let mut d = image(&format!("p{i}"));
        d["ImageDescription"] = json!(if i % 2 == 0 { "even" } else { "odd" });
        c.create_done(IMAGE, d).await;
    }
    let (_, sizes) = c.list_all(IMAGE, None).await;
    assert_eq!(sizes, vec![4, 4, 2]);
    let page = c
        .call(
            "ListResources",
            json!({"TypeName": IMAGE, "ResourceModel": json!({"ImageDescription": "odd"}).to_string()}),
        )
        .await
        .ok();
    let descs = page["ResourceDescriptions"].as_array().unwrap();
    assert_eq!(descs.len(), 4);
    assert!(page.get("NextToken").is_some());
    emu.shutdown().await;
}

#[tokio::test]
async fn state_is_per_region() {
    let emu = start(registry_config(), 0).await.unwrap();
    let east = Client::connect(&emu, "us-east-1").await;
    let west = Client::connect(&emu, "us-west-2").await;
    let e = east.create_done(IMAGE, image("same-name")).await;
    assert_eq!(e["OperationStatus"], "SUCCESS");
    // The same name in another region is another resource with another ARN.
    let w = west.create_done(IMAGE, image("same-name")).await;
    assert_eq!(w["OperationStatus"], "SUCCESS");
    assert_eq!(
        w["Identifier"],
        "arn:aws:sagemaker:us-west-2:123456789012:image/same-name"
    );
    west.get(IMAGE, e["Identifier"].as_str().unwrap())
        .await
        .err("ResourceNotFoundException", 400);
    // Request tokens are regional too.
    west.status(e["RequestToken"].as_str().unwrap())
        .await
        .err("RequestTokenNotFoundException", 400);
    emu.shutdown().await;
}
