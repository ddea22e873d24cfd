//! Fuzzing the renderer: arbitrary templates and values never panic; each renders or returns an error.
//!
//! Templates are built from fragments that matter to the lexers (quotes,
//! comments, tags, data-block delimiters, JSON punctuation), arbitrary
//! characters and pieces of the reference page's statements (read at test
//! time). A normal `cargo test` runs a few hundred cases; CI runs it for a
//! time budget: `scripts/fuzz.sh` (`STACKQL_FUZZ_SECS=60 cargo test -p
//! stackql-template --test fuzz`). A failure prints the seed and the shrunk
//! input; add that input to `regressions()` below.

mod common;

use std::time::{Duration, Instant, SystemTime};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value as Json};
use stackql_template::{render_script_with, JsonnetLimits, Vars};

const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "`",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\\",
    "\n",
    " ",
    "--",
    "/*",
    "*/",
    "-",
    "{{ v }}",
    "{{ v | raw }}",
    "{{ n }}",
    "{{ o }}",
    "{{ .v }}",
    "{{- v -}}",
    "{{ missing }}",
    "{%",
    "%}",
    "{{",
    "}}",
    "{#",
    "#}",
    "{% if v %}",
    "{% endif %}",
    "{% for x in l %}{{ x }}",
    "{% endfor %}",
    "{% raw %}",
    "{% endraw %}",
    "{% set s %}{{ v }}{% endset %}{{ s }}",
    "<<<json\n",
    "<<<jsonnet\n",
    ">>>\n",
    "|||",
    "@'",
    "@\"",
    "//",
    "#",
    "\"k\": ",
    "1",
    "-1",
    "true",
    "null",
    "string(",
    ")",
    "SELECT ",
    "@@json=",
    "\u{E000}",
    "\u{0}",
];

fn fragment(page: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        2 => any::<char>().prop_map(String::from),
        1 => (prop::sample::select(page), any::<prop::sample::Index>(), 0usize..40)
            .prop_map(|(stmt, at, len)| {
                let chars: Vec<char> = stmt.chars().collect();
                let start = at.index(chars.len().max(1)).min(chars.len());
                chars[start..(start + len).min(chars.len())].iter().collect()
            }),
    ]
}

fn template(page: Vec<String>) -> impl Strategy<Value = String> {
    let whole = prop::sample::select(page.clone());
    prop_oneof![
        // A page statement with fragments spliced in.
        (
            whole,
            prop::collection::vec((any::<prop::sample::Index>(), fragment(page.clone())), 0..4)
        )
            .prop_map(|(stmt, edits)| {
                let mut s = stmt;
                for (at, frag) in edits {
                    let cuts: Vec<usize> =
                        s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
                    s.insert_str(cuts[at.index(cuts.len())], &frag);
                }
                s
            }),
        prop::collection::vec(fragment(page), 0..30).prop_map(|f| f.concat()),
    ]
}

fn vars() -> impl Strategy<Value = Vars> {
    let text = prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '\'', '"', '\\', '\n', '{', '}', '\u{E000}', '\u{E001}'
            ])
        ],
        0..12,
    )
    .prop_map(|c| c.into_iter().collect::<String>());
    (text, any::<i64>(), any::<bool>()).prop_map(|(v, n, b)| {
        let mut vars = Vars::new();
        vars.insert("v".into(), Json::String(v.clone()));
        vars.insert("n".into(), json!(n));
        vars.insert("o".into(), json!({"k": v, "b": b}));
        vars.insert("l".into(), json!([v, n]));
        for name in [
            "ImageName",
            "ImageRoleArn",
            "ImageDisplayName",
            "ImageDescription",
            "Key",
            "Value",
        ] {
            vars.insert(name.into(), Json::String(v.clone()));
        }
        vars
    })
}

/// Small jsonnet bounds: fuzzed blocks must not make one case slow.
fn limits() -> JsonnetLimits {
    JsonnetLimits {
        timeout: Duration::from_secs(2),
        max_values: 10_000,
        max_bytes: 1 << 20,
        ..JsonnetLimits::default()
    }
}

fn check(template: &str, vars: &Vars) {
    // Rendering returns; a panic fails the case (proptest catches it and shrinks).
    let _ = render_script_with(template, vars, &limits());
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn renderer_never_panics() {
    let page = common::reference_examples();
    let strategy = (template(page), vars());
    let budget = Duration::from_secs(env_num("STACKQL_FUZZ_SECS").unwrap_or(0));
    let cases = env_num("STACKQL_FUZZ_CASES").unwrap_or(300) as u32;
    let started = Instant::now();
    let mut batches = 0u64;
    // At least one batch; with a time budget, batches with fresh seeds until it is spent.
    loop {
        let seed = env_num("STACKQL_FUZZ_SEED").unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        }) + batches;
        let mut seed_bytes = [0u8; 32];
        seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
        );
        if let Err(e) = runner.run(&strategy, |(t, v)| {
            check(&t, &v);
            Ok(())
        }) {
            panic!("renderer fuzzing failed (STACKQL_FUZZ_SEED={seed}): {e}");
        }
        batches += 1;
        if started.elapsed() >= budget {
            break;
        }
    }
    eprintln!(
        "fuzzed {} cases in {:.1}s",
        batches * u64::from(cases),
        started.elapsed().as_secs_f64()
    );
}

/// Inputs fuzzing (and review) found, kept as fixed cases with their expected outcome.
#[test]
fn regressions() {
    use stackql_template::TemplateError;
    let mut v = Vars::new();
    v.insert("v".into(), json!("x"));
    let render = |t: &str| render_script_with(t, &v, &limits());
    // A backslash right before a placeholder in a JSON string used to swallow the marker.
    assert!(matches!(
        render("<<<json\n{\"a\": \"\\{{ v }}\"}\n>>>\nSELECT 1"),
        Err(TemplateError::Placeholder {
            line: 2,
            column: 9,
            ..
        })
    ));
    // A `{% set %}` block that printed a value, printed again, used to leak markers.
    let r = render("{% set s %}{{ v }}{% endset %}SELECT {{ s }}");
    assert!(
        matches!(r, Err(TemplateError::Render { line: 1, .. })),
        "{r:?}"
    );
    // Fuzzing: a multi-byte character inside a tag panicked the tag scanner.
    assert!(render("{#\u{d0fec}SELECT ,|||").is_err());
    // A raw section keeps the user's tags as text.
    assert_eq!(
        render("SELECT '{% raw %}{{ v }}{% endraw %}'").unwrap(),
        "SELECT '{{ v }}'"
    );
    // A placeholder that control flow puts into a comment could end the comment with a newline.
    assert!(matches!(
        render("SELECT 1 -{% if v %}-{% endif %} {{ v }}"),
        Err(TemplateError::Placeholder { .. })
    ));
}
