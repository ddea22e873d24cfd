//! `--state FILE` and `--seed FILE`: a restart sees the same resources, requests and client
//! tokens; `kill -9` during a burst of writes loses nothing acknowledged; seeds load.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{image, registry_config, Client, IMAGE};
use serde_json::json;
use stackql_emulator::{start, Completion, EmulatorConfig};

/// A fresh temporary directory for one test (no tempfile crate needed).
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stackql-emulator-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn restart_sees_resources_requests_and_client_tokens() {
    let dir = temp_dir("restart");
    let state = dir.join("state.db");
    let config = || EmulatorConfig {
        state_file: Some(state.clone()),
        completion: Completion {
            polls: 2,
            delay: None,
        },
        ..registry_config()
    };
    let emu = start(config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let done = c.create_done(IMAGE, image("kept")).await;
    let kept = done["Identifier"].as_str().unwrap().to_string();
    let done_token = done["RequestToken"].as_str().unwrap().to_string();
    // One request left in flight, one with a client token.
    let pending = c.create(IMAGE, image("pending")).await.ok();
    let pending_token = pending["ProgressEvent"]["RequestToken"]
        .as_str()
        .unwrap()
        .to_string();
    c.status(&pending_token).await.ok();
    let with_token = json!({"TypeName": IMAGE, "DesiredState": image("tokened").to_string(), "ClientToken": "persisted-1"});
    let first = c.call("CreateResource", with_token.clone()).await.ok();
    // And one deleted resource.
    let gone = c.create_done(IMAGE, image("gone")).await["Identifier"]
        .as_str()
        .unwrap()
        .to_string();
    let del = c.delete(IMAGE, &gone).await.ok();
    c.await_request(del["ProgressEvent"]["RequestToken"].as_str().unwrap())
        .await;
    emu.shutdown().await;

    let emu = start(config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let got = c.get(IMAGE, &kept).await.ok();
    assert_eq!(got["ResourceDescription"]["Identifier"], kept.as_str());
    c.get(IMAGE, &gone)
        .await
        .err("ResourceNotFoundException", 400);
    let old = c.status(&done_token).await.ok();
    assert_eq!(old["ProgressEvent"]["OperationStatus"], "SUCCESS");
    // The in-flight request kept its poll count: one more read completes it.
    let resumed = c.status(&pending_token).await.ok();
    assert_eq!(resumed["ProgressEvent"]["OperationStatus"], "SUCCESS");
    // The client token still replays the same request.
    let again = c.call("CreateResource", with_token).await.ok();
    assert_eq!(
        again["ProgressEvent"]["RequestToken"],
        first["ProgressEvent"]["RequestToken"]
    );
    // New requests do not reuse old positions in ListResourceRequests.
    c.create_done(IMAGE, image("after")).await;
    let all = c
        .call("ListResourceRequests", json!({"MaxResults": 100}))
        .await
        .ok();
    let summaries = all["ResourceRequestStatusSummaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 6);
    assert_eq!(summaries[0]["Operation"], "CREATE");
    // Reset empties the file too.
    emu.reset().unwrap();
    emu.shutdown().await;
    let emu = start(config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    assert!(c.list_all(IMAGE, None).await.0.is_empty());
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts the standalone binary over the registry with a state file.
fn spawn_emulator(state: &std::path::Path) -> (std::process::Child, std::net::SocketAddr) {
    common::spawn_binary(&[
        "--complete-after-polls".as_ref(),
        "0".as_ref(),
        "--complete-after-ms".as_ref(),
        "0".as_ref(),
        "--state".as_ref(),
        state.as_os_str(),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_writes_loses_nothing_acknowledged() {
    let dir = temp_dir("crash");
    let state = dir.join("state.db");
    let (mut child, addr) = spawn_emulator(&state);
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..4 {
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            let c = Client::connect_to(
                addr,
                "us-east-1",
                stackql_emulator::DEFAULT_ACCESS_KEY_ID,
                stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
            )
            .await;
            for i in 0.. {
                let body = json!({"TypeName": IMAGE, "DesiredState": image(&format!("crash-{w}-{i}")).to_string()});
                match c.try_call("CreateResource", body).await {
                    Ok(r) if r.status == 200 => {
                        let e = r.event();
                        assert_eq!(e["OperationStatus"], "SUCCESS");
                        acked.lock().unwrap().push(e["Identifier"].as_str().unwrap().to_string());
                    }
                    Ok(r) => panic!("unexpected reply {:?}", r.body),
                    Err(_) => break, // The server is gone.
                }
            }
        }));
    }
    // Let a burst of writes through, then kill without warning.
    let deadline = Instant::now() + Duration::from_secs(10);
    while acked.lock().unwrap().len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL on Unix.
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 300,
        "only {} writes acknowledged",
        acked.len()
    );

    let (mut child, addr) = spawn_emulator(&state);
    let c = Client::connect_to(
        addr,
        "us-east-1",
        stackql_emulator::DEFAULT_ACCESS_KEY_ID,
        stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
    )
    .await;
    let (ids, _) = c.list_all(IMAGE, Some(100)).await;
    let missing: Vec<&String> = acked.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged creates lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn seed_file_loads_resources() {
    let dir = temp_dir("seed");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        json!({"resources": [
            {"TypeName": IMAGE, "Region": "us-east-1", "Properties": image("seeded-a")},
            {"TypeName": IMAGE, "Region": "eu-west-1", "Properties": image("seeded-b")},
            {"TypeName": IMAGE, "Region": "us-east-1", "Properties": {
                "ImageName": "seeded-c", "ImageRoleArn": common::ROLE,
                "ImageArn": "arn:aws:sagemaker:us-east-1:123456789012:image/seeded-c"}}
        ]})
        .to_string(),
    )
    .unwrap();
    let emu = start(
        EmulatorConfig {
            seed_file: Some(seed.clone()),
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let (ids, _) = c.list_all(IMAGE, None).await;
    assert_eq!(
        ids,
        vec![
            "arn:aws:sagemaker:us-east-1:123456789012:image/seeded-a",
            "arn:aws:sagemaker:us-east-1:123456789012:image/seeded-c"
        ]
    );
    let eu = Client::connect(&emu, "eu-west-1").await;
    assert_eq!(eu.list_all(IMAGE, None).await.0.len(), 1);
    emu.shutdown().await;

    // A seed that breaks the schema is refused at start, naming the resource.
    std::fs::write(
        &seed,
        json!([{"TypeName": IMAGE, "Region": "us-east-1", "Properties": {"ImageName": "x"}}])
            .to_string(),
    )
    .unwrap();
    let err = start(
        EmulatorConfig {
            seed_file: Some(seed),
            ..registry_config()
        },
        0,
    )
    .await
    .err()
    .expect("invalid seed refused");
    let text = err.to_string();
    assert!(
        text.contains("resource 0") && text.contains("ImageRoleArn"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_second_emulator_on_the_same_state_file_is_refused() {
    let dir = temp_dir("lock");
    let state = dir.join("state.db");
    let config = || EmulatorConfig {
        state_file: Some(state.clone()),
        ..registry_config()
    };
    let first = start(config(), 0).await.unwrap();
    let err = start(config(), 0)
        .await
        .err()
        .expect("a second emulator on the same --state must not start");
    let message = err.to_string();
    assert!(
        message.contains("another emulator is using this state file")
            && message.contains("state.db"),
        "{message}"
    );
    // The lock goes with the first emulator: the file can be used again.
    first.shutdown().await;
    let again = start(config(), 0).await.unwrap();
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
