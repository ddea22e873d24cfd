//! The front end's limits from the outside: statements at the edge of the depth limits
//! parse on any thread (even one with a tiny stack), statements past them are refused
//! with a message naming the limit, oversized statements and scripts are refused, and
//! splitting is linear.

use stackql_sql::{
    instantiate_view, parse_statement, split_statements, view_shape, SqlError, Statement,
    MAX_EXPR_DEPTH, MAX_SCRIPT_BYTES, MAX_STATEMENT_BYTES,
};
use std::time::{Duration, Instant};

/// The deepest statements the limits let through, one per way of building depth.
fn deepest_accepted() -> Vec<String> {
    let n = MAX_EXPR_DEPTH - 10;
    vec![
        // A left-deep chain of binary operators.
        format!("SELECT {}", vec!["1"; n].join(" + ")),
        // Postfix operators chained.
        format!("SELECT 1{}", " IS NULL".repeat(n / 2)),
        // A chain of set operations, commas in between.
        vec!["SELECT 1, 2"; n / 2].join(" UNION "),
        // A WHERE of many conjuncts, as UPDATE/DELETE predicates walk it recursively.
        format!(
            "DELETE FROM aws.s.r WHERE {}",
            vec!["region = 'x'"; n / 3].join(" AND ")
        ),
        // Parentheses nested close to sqlparser's recursion limit, a chain inside.
        format!(
            "SELECT {}{}{}",
            "(".repeat(180),
            vec!["1"; n - 200].join(" + "),
            ")".repeat(180)
        ),
        // Nested subqueries.
        format!("SELECT {}1{}", "(SELECT ".repeat(40), ")".repeat(40)),
    ]
}

/// Runs `f` on a thread with `stack` bytes of stack; a stack overflow would abort the
/// whole test binary, which is the failure this guards against.
fn on_thread<R: Send + 'static>(stack: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn deep_statements_within_the_limits_parse_on_a_small_stack() {
    for sql in deepest_accepted() {
        let head: String = sql.chars().take(40).collect();
        let result = on_thread(128 << 10, move || {
            parse_statement(&sql, 1).map(|s| matches!(s, Statement::Query { .. }))
        });
        assert!(result.is_ok(), "{head}...: {result:?}");
    }
}

#[test]
fn deep_statements_past_the_limits_are_refused_on_a_small_stack() {
    let m = MAX_EXPR_DEPTH * 100;
    let refused = vec![
        format!("SELECT {}", vec!["1"; m].join("+")),
        format!("SELECT 1{}", " IS NULL".repeat(m)),
        vec!["SELECT 1, 2"; m].join(" UNION "),
        format!("SELECT {}1{}", "(".repeat(m), ")".repeat(m)),
        // Within the operator bound, past sqlparser's recursion limit.
        format!("SELECT {}1{}", "(".repeat(300), ")".repeat(300)),
        format!("SELECT {}1", "- ".repeat(m)),
        format!("SELECT {}1", "NOT ".repeat(m)),
        format!("SELECT 1{}", "::INT".repeat(m)),
        format!("SELECT x{}", "->'a'".repeat(m)),
        format!("SELECT {}1{}", "CAST(".repeat(m), " AS INT)".repeat(m)),
        format!("SELECT {}1 END", "CASE WHEN 1 THEN ".repeat(m)),
    ];
    for sql in refused {
        let head: String = sql.chars().take(40).collect();
        let result = on_thread(128 << 10, move || parse_statement(&sql, 1));
        assert!(
            matches!(&result, Err(SqlError::Limit(_))),
            "{head}...: {result:?}"
        );
    }
}

#[test]
fn view_ddl_and_view_shape_are_bounded_too() {
    let ddl = format!(
        "SELECT {} FROM aws.s.r",
        vec!["1"; MAX_EXPR_DEPTH * 10].join("+")
    );
    let no_params = |_: &stackql_sql::QualifiedName| Vec::new();
    assert!(matches!(
        instantiate_view(&ddl, &Default::default(), &no_params),
        Err(SqlError::Limit(_))
    ));
    assert!(matches!(view_shape(&ddl), Err(SqlError::Limit(_))));
}

#[test]
fn oversized_statements_and_scripts_are_refused_by_name() {
    let big = format!("SELECT '{}'", "x".repeat(MAX_STATEMENT_BYTES));
    let err = parse_statement(&big, 7).unwrap_err().to_string();
    assert!(
        err.contains("the statement at line 7 is 1048585 bytes; the limit is 1 MiB"),
        "{err}"
    );
    let script = " ".repeat(MAX_SCRIPT_BYTES + 1);
    let err = split_statements(&script).unwrap_err().to_string();
    assert!(err.contains("the limit is 64 MiB"), "{err}");
}

#[test]
fn a_run_of_explains_is_one_explain() {
    let sql = format!("{}SELECT 1", "EXPLAIN /* c */ ".repeat(50_000));
    let started = Instant::now();
    match on_thread(128 << 10, move || parse_statement(&sql, 1)) {
        Ok(Statement::Explain(inner)) => assert!(matches!(*inner, Statement::Query { .. })),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(parse_statement("EXPLAIN EXPLAIN", 1).is_err());
}

/// The best of three runs, so one descheduling on a busy machine does not count.
fn time_split(n: usize) -> Duration {
    let script = "SELECT 1; -- one\n".repeat(n);
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let pieces = split_statements(&script).unwrap();
            let took = started.elapsed();
            assert_eq!(pieces.len(), n);
            // Each statement after the first starts with the comment on the line before its SELECT.
            assert_eq!(pieces[n - 1].line, n - 1);
            took
        })
        .min()
        .expect("three runs")
}

#[test]
fn splitting_is_linear() {
    // The old splitter counted lines from the start for every statement: 20,000 took
    // seconds and 200,000 did not finish. Generous bounds for a debug build on a busy
    // machine; the ratio catches a return to quadratic (which would be about 100).
    let small = time_split(20_000);
    let large = time_split(200_000);
    assert!(
        large < Duration::from_secs(5),
        "200,000 statements: {large:?}"
    );
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-4);
    assert!(
        ratio < 40.0,
        "20k: {small:?}, 200k: {large:?} (ratio {ratio:.1})"
    );
}
