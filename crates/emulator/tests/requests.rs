//! Resource requests over HTTP: ListResourceRequests filters and paging, completion by
//! polls or by time, permissive mode, faults, latency and the admin reset.

mod common;

use std::time::{Duration, Instant};

use common::{image, registry_config, Client, IMAGE};
use serde_json::{json, Value};
use stackql_emulator::{start, Completion, EmulatorConfig, Faults, LatencyConfig};

#[tokio::test]
async fn list_resource_requests_filters_and_pages() {
    let emu = start(
        EmulatorConfig {
            page_size: 3,
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            c.create_done(IMAGE, image(&format!("r{i}"))).await["Identifier"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // One failed create, one in-flight delete.
    c.create_done(IMAGE, image("r0")).await;
    let del = c.delete(IMAGE, &ids[1]).await.ok();
    let in_flight = del["ProgressEvent"]["RequestToken"]
        .as_str()
        .unwrap()
        .to_string();

    let all = list_requests(&c, json!({})).await;
    assert_eq!(all.len(), 6);
    // Newest first.
    assert_eq!(all[0]["RequestToken"], in_flight.as_str());
    assert_eq!(all[0]["OperationStatus"], "IN_PROGRESS");

    let creates = list_requests(&c, json!({"Operations": ["CREATE"]})).await;
    assert_eq!(creates.len(), 5);
    let failed = list_requests(&c, json!({"OperationStatuses": ["FAILED"]})).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["ErrorCode"], "AlreadyExists");
    let both = list_requests(
        &c,
        json!({"Operations": ["DELETE"], "OperationStatuses": ["IN_PROGRESS", "PENDING"]}),
    )
    .await;
    assert_eq!(both.len(), 1);
    c.call(
        "ListResourceRequests",
        json!({"ResourceRequestStatusFilter": {"Operations": ["EXPLODE"]}}),
    )
    .await
    .err("ValidationException", 400);
    emu.shutdown().await;
}

/// Every page of ListResourceRequests with a filter; checks pages are at most 3 long.
async fn list_requests(c: &Client, filter: Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"ResourceRequestStatusFilter": filter});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = c.call("ListResourceRequests", body).await.ok();
        let items = page["ResourceRequestStatusSummaries"].as_array().unwrap();
        assert!(items.len() <= 3);
        out.extend(items.iter().cloned());
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn completion_by_time_and_immediate() {
    let emu = start(
        EmulatorConfig {
            completion: Completion {
                polls: 0,
                delay: Some(Duration::from_millis(150)),
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let started = Instant::now();
    let r = c.create(IMAGE, image("slow")).await.ok();
    let token = r["ProgressEvent"]["RequestToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        c.status(&token).await.ok()["ProgressEvent"]["OperationStatus"],
        "IN_PROGRESS"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Time alone completes it: a list sees it without any status read.
    assert_eq!(c.list_all(IMAGE, None).await.0.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(150));
    emu.shutdown().await;

    let emu = start(
        EmulatorConfig {
            completion: Completion::immediate(),
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let r = c.create(IMAGE, image("fast")).await.ok();
    assert_eq!(r["ProgressEvent"]["OperationStatus"], "SUCCESS");
    assert!(r["ProgressEvent"]["ResourceModel"].is_string());
    emu.shutdown().await;
}

#[tokio::test]
async fn permissive_mode_accepts_any_type() {
    let emu = start(EmulatorConfig::default(), 0).await.unwrap();
    assert_eq!(emu.type_count(), 0);
    let c = Client::connect(&emu, "ap-south-1").await;
    let e = c
        .create_done(
            "Acme::Widgets::Gadget",
            json!({"Anything": [1, 2], "Goes": true}),
        )
        .await;
    assert_eq!(e["OperationStatus"], "SUCCESS");
    let id = e["Identifier"].as_str().unwrap();
    let got = c.get("Acme::Widgets::Gadget", id).await.ok();
    let props: Value =
        serde_json::from_str(got["ResourceDescription"]["Properties"].as_str().unwrap()).unwrap();
    assert_eq!(props["Anything"], json!([1, 2]));
    // The TypeName must still be well-formed, and DesiredState an object.
    c.create("nonsense", json!({}))
        .await
        .err("ValidationException", 400);
    c.create("Acme::Widgets::Gadget", json!([1]))
        .await
        .err("ValidationException", 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn injected_faults_and_latency() {
    let emu = start(
        EmulatorConfig {
            faults: Faults {
                throttle_rate: 1.0,
                error_rate: 0.0,
                down_regions: vec!["eu-north-1".into()],
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let down = Client::connect(&emu, "eu-north-1").await;
    down.call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .err("ServiceUnavailable", 503);
    let c = Client::connect(&emu, "us-east-1").await;
    let m = c
        .call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .err("ThrottlingException", 400);
    assert_eq!(m, "Rate exceeded");
    emu.shutdown().await;

    let emu = start(
        EmulatorConfig {
            faults: Faults {
                error_rate: 1.0,
                ..Faults::default()
            },
            latency: Some(LatencyConfig {
                fixed: Duration::from_millis(60),
                jitter: Duration::from_millis(20),
            }),
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let t = Instant::now();
    c.call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .err("InternalFailure", 500);
    assert!(t.elapsed() >= Duration::from_millis(60));
    emu.shutdown().await;

    // Rates outside 0..=1 are a configuration error.
    assert!(start(
        EmulatorConfig {
            faults: Faults {
                throttle_rate: 2.0,
                ..Faults::default()
            },
            ..EmulatorConfig::default()
        },
        0
    )
    .await
    .is_err());
}

#[tokio::test]
async fn admin_reset_forgets_everything() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    c.create_done(IMAGE, image("keep")).await;
    assert_eq!(c.list_all(IMAGE, None).await.0.len(), 1);
    // Over HTTP, as a script would.
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(b"POST /_emulator/reset HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(c.list_all(IMAGE, None).await.0.is_empty());
    emu.shutdown().await;
}
