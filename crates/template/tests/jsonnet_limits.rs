//! `<<<jsonnet` blocks are bounded: bombs, deep recursion and endless loops fail fast with a clear error.

#![cfg(feature = "jsonnet")]

use std::time::{Duration, Instant};

use stackql_template::{render_script, render_script_with, JsonnetLimits, TemplateError, Vars};

/// `local <p>0 = <seed>; local <p>1 = <p>0 + <p>0; ...`: 2^levels copies of `seed`.
fn doubling(seed: &str, levels: usize) -> String {
    let mut s = format!("<<<jsonnet\nlocal a0 = {seed};\n");
    for i in 1..=levels {
        s.push_str(&format!("local a{i} = a{p} + a{p};\n", p = i - 1));
    }
    s.push_str(&format!("{{ x: a{levels} }}\n>>>\nSELECT 1"));
    s
}

/// Renders with the default limits and returns the jsonnet error's message and the time taken.
fn jsonnet_error(script: &str, limits: &JsonnetLimits) -> (String, Duration) {
    let started = Instant::now();
    let err = render_script_with(script, &Vars::new(), limits).unwrap_err();
    let took = started.elapsed();
    match err {
        TemplateError::Jsonnet { line: 1, message } => (message, took),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn array_doubling_bomb_stops_at_the_value_cap() {
    // 2^41 elements: written out whole this is terabytes.
    let (message, took) = jsonnet_error(&doubling("[1, 1]", 40), &JsonnetLimits::default());
    assert!(message.contains("1000000 values"), "{message}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn string_doubling_bomb_stops_at_the_text_cap() {
    let (message, took) = jsonnet_error(
        &doubling("'xxxxxxxxxxxxxxxx'", 40),
        &JsonnetLimits::default(),
    );
    assert!(message.contains("MiB of text"), "{message}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn runaway_recursion_is_an_error_not_a_crash() {
    let script = "<<<jsonnet\nlocal f(n) = if n == 0 then 0 else 1 + f(n - 1);\n{ x: f(1000000) }\n>>>\nSELECT 1";
    let (message, _) = jsonnet_error(script, &JsonnetLimits::default());
    assert!(
        message.to_lowercase().contains("stack overflow"),
        "{message}"
    );
}

#[test]
fn endless_work_hits_the_deadline() {
    let limits = JsonnetLimits {
        timeout: Duration::from_millis(500),
        ..JsonnetLimits::default()
    };
    let script = "<<<jsonnet\n{ x: std.foldl(function(a, b) a + b, std.range(1, 100000000), 0) }\n>>>\nSELECT 1";
    let (message, took) = jsonnet_error(script, &limits);
    assert!(message.contains("took longer than 0.5 s"), "{message}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn ordinary_blocks_are_unaffected() {
    let script = "<<<jsonnet\n{ tags: [{ Key: 'k' + i, Value: std.toString(i) } for i in std.range(1, 3)] }\n>>>\nSELECT {{ tags }}";
    assert_eq!(
        render_script(script, &Vars::new()).unwrap(),
        r#"SELECT '[{"Key":"k1","Value":"1"},{"Key":"k2","Value":"2"},{"Key":"k3","Value":"3"}]'"#
    );
}
