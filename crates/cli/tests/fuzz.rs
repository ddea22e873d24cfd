//! Fuzzing (proptest, stable) the three places untrusted text enters: the statement
//! splitter, the whole-statement parser (`parse_statement`, StackQL-only statements and
//! hints included) and the loader of a service document. None may panic, whatever the
//! input. Inputs are mutations of real text read at test time: the SQL examples of the
//! reference page (`../shared/spec/aws.sagemaker.images.md`) with StackQL-only statements,
//! and small service documents of the registry snapshots.
//!
//! Each target runs for `STACKQL_FUZZ_SECS` seconds (default 3). CI runs them for a minute
//! each: `STACKQL_FUZZ_SECS=60 cargo test -p stackql --test fuzz -- --test-threads=1`.
//! A failure prints the shrunk input; it then becomes a named test in `regressions`.
//! The stack overflows a panic hook cannot catch are kept out by `stackql_sql`'s limits.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseResult, TestError, TestRunner};
use stackql_registry::{Service, SqlVerb};
use stackql_sql::{parse_statement, split_statements, Statement};
use stackql_testkit::{reference_examples, shared_dir};
use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn budget() -> Duration {
    let secs = std::env::var("STACKQL_FUZZ_SECS")
        .ok()
        .map(|s| {
            s.parse::<u64>()
                .unwrap_or_else(|_| panic!("STACKQL_FUZZ_SECS={s} is not a number of seconds"))
        })
        .unwrap_or(3);
    Duration::from_secs(secs)
}

/// Runs `property` on inputs from `strategy` until the time budget is spent.
fn fuzz<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value) -> TestCaseResult)
where
    S::Value: Debug,
{
    let deadline = Instant::now() + budget();
    let cases = AtomicUsize::new(0);
    let config = Config {
        cases: 32,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    // A runner stops after `cases` successes in all, so each round gets a fresh runner
    // seeded from the first (whose seed is random).
    let mut seeds = TestRunner::new(config.clone());
    while Instant::now() < deadline {
        let mut runner = TestRunner::new_with_rng(config.clone(), seeds.new_rng());
        let outcome = runner.run(&strategy, |input| {
            cases.fetch_add(1, Ordering::Relaxed);
            property(input)
        });
        match outcome {
            Ok(()) => {}
            Err(TestError::Fail(why, input)) => {
                panic!("{name}: {why}\nshrunk input: {input:?}")
            }
            Err(TestError::Abort(why)) => panic!("{name}: aborted: {why}"),
        }
    }
    let cases = cases.into_inner();
    eprintln!("{name}: {cases} cases in {:?}", budget());
    assert!(cases > 0, "{name}: no case ran");
}

/// One change to a text; positions are picked relative to its length.
#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, &'static str),
    Delete(Index, usize),
    /// Repeat the `len` characters at a position `times` times (deep nesting, long chains).
    Repeat(Index, usize, usize),
    /// Move a span elsewhere (splices one part of a text into another).
    Move(Index, usize, Index),
    Char(Index, char),
}

fn edit(dictionary: &'static [&'static str], max_repeat: usize) -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), prop::sample::select(dictionary)).prop_map(|(i, w)| Edit::Insert(i, w)),
        2 => (any::<Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => (any::<Index>(), 1usize..8, 2usize..max_repeat).prop_map(|(i, n, t)| Edit::Repeat(i, n, t)),
        1 => (any::<Index>(), 1usize..200, any::<Index>()).prop_map(|(i, n, j)| Edit::Move(i, n, j)),
        2 => (any::<Index>(), any::<char>()).prop_map(|(i, c)| Edit::Char(i, c)),
    ]
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut text: Vec<char> = seed.chars().collect();
    let at = |i: &Index, text: &Vec<char>| i.index(text.len() + 1);
    for e in edits {
        match e {
            Edit::Insert(i, w) => {
                let p = at(i, &text);
                text.splice(p..p, w.chars());
            }
            Edit::Delete(i, n) => {
                let p = at(i, &text).min(text.len());
                let end = (p + n).min(text.len());
                text.drain(p..end);
            }
            Edit::Repeat(i, n, times) => {
                let p = at(i, &text).min(text.len());
                let chunk: Vec<char> = text[p..(p + n).min(text.len())].to_vec();
                let copies = chunk.repeat(*times);
                text.splice(p..p, copies);
            }
            Edit::Move(i, n, j) => {
                let p = at(i, &text).min(text.len());
                let span: Vec<char> = text.drain(p..(p + n).min(text.len())).collect();
                let q = at(j, &text);
                text.splice(q..q, span);
            }
            Edit::Char(i, c) => {
                let p = at(i, &text);
                text.insert(p, *c);
            }
        }
    }
    text.into_iter().collect()
}

/// Seeds picked by index, then edited.
fn mutated(
    seeds: Vec<String>,
    dictionary: &'static [&'static str],
    max_edits: usize,
    max_repeat: usize,
) -> impl Strategy<Value = String> {
    let n = seeds.len();
    (
        0..n,
        prop::collection::vec(edit(dictionary, max_repeat), 0..max_edits),
    )
        .prop_map(move |(i, edits)| apply(&seeds[i], &edits))
}

const SQL_WORDS: &[&str] = &[
    "SELECT ",
    "FROM ",
    "WHERE ",
    " AND ",
    " OR ",
    "aws.sagemaker.images",
    "aws.",
    "(",
    ")",
    "'",
    "\"",
    "`",
    ";",
    "--",
    "\n",
    "/*",
    "*/",
    "/*+ AWAIT */",
    "/*+ ALLOW_PARTIAL */",
    "/*+ REQUIRED */",
    "/*+ ",
    "@@json=",
    "@",
    "=",
    ",",
    " IN (",
    "EXEC ",
    "SHOW ",
    "DESCRIBE ",
    "EXTENDED ",
    "METHODS IN ",
    "INSERT INTO ",
    "REGISTRY PULL ",
    "REGISTRY ",
    "EXPLAIN ",
    "EXPLAIN QUERY PLAN ",
    "CREATE VIEW v AS ",
    "CREATE MATERIALIZED VIEW ",
    "REFRESH MATERIALIZED VIEW ",
    "DROP VIEW ",
    "UNION ",
    " + ",
    "-",
    "1",
    "NULL",
    "é",
    "\u{0}",
    "\u{feff}",
    "$1",
    "?",
    "::",
    "[",
    "]",
    "{",
    "}",
    "CASE WHEN ",
    " THEN ",
    " END",
    "JSON_EXTRACT(",
    "LIKE '",
    "string(",
    "WITH x AS (",
    "VALUES (",
    "UPDATE ",
    " SET ",
    "DELETE FROM ",
    "'<ImageArn>'",
    "region",
    "data__Identifier",
    "../",
    "\t",
];

const YAML_WORDS: &[&str] = &[
    "&a ",
    "*a",
    "<<: *a\n",
    "<<: [*a]\n",
    "- ",
    ": ",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "|\n",
    ">-\n",
    "? ",
    "!!binary ",
    "!Ref ",
    "!!str ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "# ",
    "~",
    "null",
    "{}",
    "[]",
    "\u{feff}",
    "0x1F",
    ".inf",
    "1e999",
    "-1",
    "$ref: '#/components/schemas/X'\n",
    "$ref: ../../etc/passwd\n",
    "$ref: '#/components/x-stackQL-resources/images/methods/list'\n",
    "x-stackQL-resources:\n",
    "methods:\n",
    "sqlVerbs:\n",
    "select:\n",
    "operation:\n",
    "response:\n",
    "openAPIDocKey: '200'\n",
    "objectKey: $.Items\n",
    "mediaType: application/json\n",
    "servers:\n",
    "- url: https://{region}.example\n",
    "requestBody:\n",
    "200:\n",
];

/// The reference page's SQL examples and StackQL-only statements.
fn sql_seeds() -> Vec<String> {
    let page = reference_examples();
    let mut seeds = vec![
        page.select,
        page.insert_required,
        page.insert_all,
        page.delete,
    ];
    seeds.extend(
        [
            "SHOW SERVICES IN aws LIKE '%sage%'",
            "SHOW EXTENDED RESOURCES IN aws.sagemaker WHERE name = 'images'",
            "SHOW METHODS IN aws.sagemaker.images",
            "SHOW INSERT INTO aws.sagemaker.images /*+ REQUIRED */",
            "DESCRIBE EXTENDED aws.sagemaker.images",
            "EXEC aws.cloud_control.resource_request.get_resource_request @region='us-east-1', @data__RequestToken='t' @@json='{\"a\": 1}'",
            "REGISTRY PULL aws v24.03.00200",
            "REGISTRY LIST",
            "EXPLAIN SELECT image_name FROM aws.sagemaker.images WHERE region IN ('us-east-1', 'eu-west-1')",
            "CREATE MATERIALIZED VIEW mv AS SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
            "REFRESH MATERIALIZED VIEW mv",
            "UPDATE aws.sagemaker.images SET ImageDescription = 'x' WHERE data__Identifier = 'arn' AND region = 'us-east-1'",
        ]
        .map(str::to_string),
    );
    seeds
}

/// Small real service documents of both snapshots (small so that each case is quick).
fn document_seeds() -> Vec<String> {
    let shared = shared_dir();
    [
        "registry/src/aws/v00.00.00000/services/certificatemanager.yaml",
        "registry/src/aws/v00.00.00000/services/lookoutvision.yaml",
        "registry/src/awscc/v00.00.00000/services/voiceid.yaml",
    ]
    .iter()
    .map(|p| {
        std::fs::read_to_string(shared.join(p)).unwrap_or_else(|e| panic!("../shared/{p}: {e}"))
    })
    .collect()
}

fn check_split(script: &str) -> TestCaseResult {
    let pieces = split_statements(script).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let lines = script.matches('\n').count() + 1;
    let mut last = 1;
    for p in &pieces {
        prop_assert!(!p.text.is_empty() && p.text.trim() == p.text, "{p:?}");
        prop_assert!(script.contains(&p.text), "{p:?} is not from the script");
        prop_assert!(
            p.line >= last && p.line <= lines,
            "line {} after {last}",
            p.line
        );
        last = p.line;
    }
    Ok(())
}

/// Parses, and parses the rewritten SQL of a query again (it goes to SQLite next).
fn check_parse(text: &str) -> TestCaseResult {
    if let Ok(Statement::Query { sql, .. }) = parse_statement(text, 1) {
        let _ = parse_statement(&sql, 1);
    }
    Ok(())
}

fn check_document(text: &str) -> TestCaseResult {
    if let Ok(svc) = Service::parse("aws", "fuzzed", Path::new("fuzzed.yaml"), text) {
        for (_, res) in svc.resources.iter() {
            let _ = res.methods_for(SqlVerb::Select);
            let _ = res.method("list");
        }
        let _ = svc.server_for(&Default::default());
    }
    Ok(())
}

#[test]
fn fuzz_statement_splitter() {
    let scripts = prop::collection::vec(mutated(sql_seeds(), SQL_WORDS, 12, 50), 1..6)
        .prop_map(|statements| statements.join(";\n"));
    fuzz("split_statements", scripts, |script| check_split(&script));
}

#[test]
fn fuzz_statement_parser() {
    fuzz(
        "parse_statement",
        mutated(sql_seeds(), SQL_WORDS, 12, 3000),
        |text| check_parse(&text),
    );
}

#[test]
fn fuzz_service_document_loader() {
    fuzz(
        "Service::parse",
        mutated(document_seeds(), YAML_WORDS, 16, 200),
        |text| check_document(&text),
    );
}

/// Inputs the fuzzers found, kept as named cases.
mod regressions {
    use super::*;

    /// The hint scanner sliced the statement at byte offsets, so any character of more
    /// than one byte outside quotes (`@d𷌒ata`, `-- café`) panicked.
    #[test]
    fn non_ascii_outside_quotes_is_not_a_panic() {
        for text in [
            "EXEC aws.cloud_control.resource_request.get_resource_request @region='us-east-1', @d\u{37312}ata__R",
            "SELECT 1 -- café",
            "SELECT é FROM aws.sagemaker.images /*+ AWAIT */",
        ] {
            check_parse(text).unwrap();
        }
        assert!(matches!(
            parse_statement("SELECT 1 -- café", 1),
            Ok(Statement::Query { .. })
        ));
    }
}
