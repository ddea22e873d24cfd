//! `<<<jsonnet` blocks and template loops are bounded: bombs, deep recursion and endless loops
//! fail fast with a clear error.

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

#[test]
fn a_runaway_template_loop_runs_out_of_fuel_quickly() {
    // Nested loops that would print 10^15 lines: stopped by the instruction budget, with
    // little output built, in about a second rather than filling memory.
    let script = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}SELECT 1;\n{% endfor %}{% endfor %}{% endfor %}";
    let started = std::time::Instant::now();
    let err = render_script(script, &Vars::default()).expect_err("a runaway loop is refused");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(msg.to_lowercase().contains("fuel"), "{msg}");
    // An ordinary script with a loop renders.
    let ok = render_script(
        "{% for r in ['us-east-1', 'us-west-2'] %}SELECT '{{ r }}';\n{% endfor %}",
        &Vars::default(),
    )
    .unwrap();
    assert_eq!(ok.lines().count(), 2, "{ok}");
}
