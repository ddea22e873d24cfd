//! Views, materialized views and user tables, as StackQL has them, kept in the app root so
//! they outlive a process: each step below is a separate `stackql exec` sharing `--approot`.

mod common;

use common::*;
use serde_json::json;
use stackql_testkit::aws_registry;
use std::path::Path;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

fn insert_images(reg: &Path, url: &str, names: &[&str]) {
    let values: Vec<String> = names
        .iter()
        .map(|n| format!("('{n}', '{ROLE}', 'us-east-1')"))
        .collect();
    let insert = format!(
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) VALUES {}",
        values.join(", ")
    );
    stackql(reg, Some(url), &["exec", &insert]).ok();
}

fn with_root<'a>(root: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![root];
    v.extend_from_slice(rest);
    v
}

#[test]
fn a_view_outlives_the_process_and_calls_the_api_when_selected() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    insert_images(reg.root(), &emu.url(), &["a", "b"]);
    let approot = tempfile::tempdir().unwrap();
    let root = format!("--approot={}", approot.path().join("app").display());
    emu.server().clear_journal();

    stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(
            &root,
            &[
                "exec",
                "CREATE VIEW my_images AS SELECT image_arn, region FROM aws.sagemaker.images WHERE region = 'us-east-1'",
            ],
        ),
    )
    .ok();
    assert!(
        ops(&emu.journal(), "ListResources").is_empty(),
        "CREATE VIEW sends nothing: the view runs when selected"
    );
    assert!(approot.path().join("app/stackql.db").is_file());

    // EXPLAIN sees through the view to the call it makes, and sends nothing.
    let explained = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(
            &root,
            &["exec", "-o", "json", "EXPLAIN SELECT * FROM my_images"],
        ),
    )
    .ok()
    .json();
    assert_eq!(
        explained[0]["method"],
        "aws.cloud_control.resources.list_resources"
    );
    assert_eq!(explained[0]["region"], "us-east-1");
    assert!(ops(&emu.journal(), "ListResources").is_empty());

    // A new process: the view is still there and its query runs now.
    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(
            &root,
            &["exec", "-o", "json", "SELECT count(*) AS n FROM my_images"],
        ),
    )
    .ok()
    .json();
    assert_eq!(rows, json!([{"n": 2}]));
    assert_eq!(ops(&emu.journal(), "ListResources").len(), 1);

    // It sees the API's current state every time.
    insert_images(reg.root(), &emu.url(), &["c"]);
    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(
            &root,
            &["exec", "-o", "json", "SELECT count(*) AS n FROM my_images"],
        ),
    )
    .ok()
    .json();
    assert_eq!(rows, json!([{"n": 3}]));

    // CREATE OR REPLACE replaces; plain CREATE of an existing view is refused.
    let dup = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "CREATE VIEW my_images AS SELECT 1 AS x"]),
    );
    assert_eq!(dup.code, 1);
    assert!(dup.stderr.contains("CREATE OR REPLACE"), "{}", dup.stderr);
    stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(
            &root,
            &[
                "exec",
                "CREATE OR REPLACE VIEW my_images AS SELECT 'replaced' AS x",
            ],
        ),
    )
    .ok();
    let rows = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "-o", "json", "SELECT x FROM my_images"]),
    )
    .ok()
    .json();
    assert_eq!(rows, json!([{"x": "replaced"}]));

    stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "DROP VIEW my_images"]),
    )
    .ok();
    let gone = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "SELECT * FROM my_images"]),
    );
    assert_eq!(gone.code, 1);
    assert!(
        gone.stderr.contains("no such table: my_images"),
        "{}",
        gone.stderr
    );
}

#[test]
fn a_materialized_view_keeps_its_rows_until_refreshed() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    insert_images(reg.root(), &emu.url(), &["a"]);
    let approot = tempfile::tempdir().unwrap();
    let root = format!("--approot={}", approot.path().display());
    let run = |sql: &str| {
        stackql(
            reg.root(),
            Some(&emu.url()),
            &with_root(&root, &["exec", "-o", "json", sql]),
        )
        .ok()
    };

    emu.server().clear_journal();
    let created = run("CREATE MATERIALIZED VIEW image_snapshot AS SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'");
    assert_eq!(created.stderr, "DDL Execution Completed\n");
    assert_eq!(ops(&emu.journal(), "ListResources").len(), 1);

    insert_images(reg.root(), &emu.url(), &["b", "c"]);
    emu.server().clear_journal();
    assert_eq!(
        run("SELECT count(*) AS n FROM image_snapshot").json(),
        json!([{"n": 1}])
    );
    assert!(
        emu.journal().is_empty(),
        "selecting a materialized view reads the stored rows"
    );

    run("REFRESH MATERIALIZED VIEW image_snapshot");
    assert_eq!(ops(&emu.journal(), "ListResources").len(), 1);
    assert_eq!(
        run("SELECT count(*) AS n FROM image_snapshot").json(),
        json!([{"n": 3}])
    );

    // A refresh whose calls fail leaves the stored rows as they were.
    let failed = stackql(
        reg.root(),
        None,
        &with_root(
            &root,
            &[
                "--http.retry.maxAttempts=1",
                "exec",
                "REFRESH MATERIALIZED VIEW image_snapshot",
            ],
        ),
    );
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_eq!(
        run("SELECT count(*) AS n FROM image_snapshot").json(),
        json!([{"n": 3}])
    );

    let wrong = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "DROP VIEW image_snapshot"]),
    );
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("use DROP MATERIALIZED VIEW image_snapshot"),
        "{}",
        wrong.stderr
    );
    run("DROP MATERIALIZED VIEW image_snapshot");
    let refresh_gone = stackql(
        reg.root(),
        Some(&emu.url()),
        &with_root(&root, &["exec", "REFRESH MATERIALIZED VIEW image_snapshot"]),
    );
    assert_eq!(refresh_gone.code, 1);
    assert!(
        refresh_gone.stderr.contains("does not exist"),
        "{}",
        refresh_gone.stderr
    );
}

#[test]
fn user_tables_are_sqlite_tables_not_provider_mutations() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    insert_images(reg.root(), &emu.url(), &["a", "b"]);
    let approot = tempfile::tempdir().unwrap();
    let root = format!("--approot={}", approot.path().display());
    let run = |sql: &str| {
        stackql(
            reg.root(),
            Some(&emu.url()),
            &with_root(&root, &["exec", "-o", "json", sql]),
        )
    };

    emu.server().clear_journal();
    run("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); \
         INSERT INTO notes (body) VALUES ('first'), ('second'); \
         UPDATE notes SET body = 'SECOND' WHERE id = 2; \
         DELETE FROM notes WHERE id = 1")
    .ok();
    assert!(
        emu.journal().is_empty(),
        "writes to a user table send nothing"
    );
    assert_eq!(
        run("SELECT id, body FROM notes").ok().json(),
        json!([{"id": 2, "body": "SECOND"}])
    );

    // INSERT ... SELECT from a provider table stores the fetched rows once.
    run("CREATE TABLE arns (arn TEXT)").ok();
    let ins = run("INSERT INTO arns (arn) SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'").ok();
    assert_eq!(ins.stderr, "insert into table completed\n");
    assert_eq!(
        run("SELECT count(*) AS n FROM arns").ok().json(),
        json!([{"n": 2}])
    );
    assert_eq!(ops(&emu.journal(), "ListResources").len(), 1);
    assert!(ops(&emu.journal(), "CreateResource").is_empty());
    // Joins between user tables and provider tables work.
    let joined = run("SELECT count(*) AS n FROM arns a JOIN aws.sagemaker.images i ON i.image_arn = a.arn WHERE i.region = 'us-east-1'")
        .ok()
        .json();
    assert_eq!(joined, json!([{"n": 2}]));

    // CREATE TABLE AS SELECT.
    run("CREATE TABLE copy AS SELECT arn FROM arns").ok();
    assert_eq!(
        run("SELECT count(*) AS n FROM copy").ok().json(),
        json!([{"n": 2}])
    );

    // Unknown names get the closest user objects.
    let typo = run("SELECT * FROM note");
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("did you mean notes"),
        "{}",
        typo.stderr
    );
    let typo = run("INSERT INTO aarns (arn) VALUES ('x')");
    assert_eq!(typo.code, 1);
    assert!(typo.stderr.contains("did you mean arns"), "{}", typo.stderr);
    let typo = run("DROP TABLE nots");
    assert!(
        typo.stderr.contains("did you mean notes"),
        "{}",
        typo.stderr
    );
    // A provider name cannot be a user table.
    let provider = run("CREATE TABLE aws.sagemaker.mine (x TEXT)");
    assert_eq!(provider.code, 1);
    assert!(
        provider.stderr.contains("provider tables"),
        "{}",
        provider.stderr
    );

    run("DROP TABLE notes; DROP TABLE arns; DROP TABLE copy").ok();
    assert_eq!(run("SELECT * FROM notes").code, 1);
}
