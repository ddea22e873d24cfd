//! Keeps the facts embedded in `wire.rs` honest against AWS's service model, read at test
//! time from `shared/spec`: the operations, the modelled exceptions, and their statuses.

mod common;

use serde_json::Value;
use stackql_emulator::wire::{ErrorKind, OPERATIONS, TARGET_PREFIX};

fn model() -> Value {
    let text = std::fs::read_to_string(common::service_model()).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn operations_match_the_model() {
    let m = model();
    let mut ops: Vec<&str> = m["operations"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    ops.sort();
    assert_eq!(ops, OPERATIONS.to_vec());
    assert_eq!(
        format!("{}.", m["metadata"]["targetPrefix"].as_str().unwrap()),
        TARGET_PREFIX
    );
    assert_eq!(m["metadata"]["jsonVersion"], "1.0");
}

#[test]
fn exceptions_and_statuses_match_the_model() {
    let m = model();
    let shapes = m["shapes"].as_object().unwrap();
    let mut modelled: Vec<(&str, u16)> = shapes
        .iter()
        .filter(|(_, s)| s["exception"] == true)
        .map(|(name, s)| {
            // The model's own status when it gives one; else awsJson1.0's default.
            let status = s["error"]["httpStatusCode"]
                .as_u64()
                .map(|c| c as u16)
                .unwrap_or(if s["fault"] == true { 500 } else { 400 });
            (name.as_str(), status)
        })
        .collect();
    modelled.sort();
    let mut ours: Vec<(&str, u16)> = ErrorKind::MODELLED
        .iter()
        .map(|k| (k.name(), k.http_status()))
        .collect();
    ours.sort();
    assert_eq!(ours, modelled);
    // Every error an operation declares is one the emulator knows.
    for (name, op) in m["operations"].as_object().unwrap() {
        for e in op["errors"].as_array().into_iter().flatten() {
            let shape = e["shape"].as_str().unwrap();
            assert!(
                ours.iter().any(|(n, _)| *n == shape),
                "{name} declares unknown {shape}"
            );
        }
    }
}
