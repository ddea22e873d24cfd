//! What `exec` says for statements that return no rows: StackQL's messages word for word on
//! stderr, one line per request sent or per statement, and nothing on stdout whatever the
//! output format (pystackql's `executeStmt` returns stderr as the statement's message).

mod common;

use common::*;
use stackql_testkit::aws_registry;

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

fn insert(hint: &str, names: &[&str]) -> String {
    let values: Vec<String> = names
        .iter()
        .map(|n| format!("('{n}', '{ROLE}', 'us-east-1')"))
        .collect();
    format!(
        "INSERT {hint} INTO aws.sagemaker.images (ImageName, ImageRoleArn, region) VALUES {}",
        values.join(", ")
    )
}

#[test]
fn provider_writes_are_despatched_or_completed_in_every_format() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    for (i, format) in ["table", "json", "jsonl", "csv", "text"].iter().enumerate() {
        let sent = stackql(
            reg.root(),
            Some(&emu.url()),
            &["exec", "-o", format, &insert("", &[&format!("sent-{i}")])],
        )
        .ok();
        assert_eq!(sent.stdout, "", "{format}");
        assert_eq!(
            sent.stderr, "The operation was despatched successfully\n",
            "{format}"
        );

        let awaited = stackql(
            reg.root(),
            Some(&emu.url()),
            &[
                "exec",
                "-o",
                format,
                &insert("/*+ AWAIT */", &[&format!("done-{i}")]),
            ],
        )
        .ok();
        assert_eq!(awaited.stdout, "", "{format}");
        assert_eq!(
            awaited.stderr, "The operation completed successfully\n",
            "{format}"
        );
    }
    assert_eq!(ops(&emu.journal(), "CreateResource").len(), 10);
}

#[test]
fn one_message_per_request_and_details_only_when_verbose() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let two = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", &insert("", &["one", "two"])],
    )
    .ok();
    assert_eq!(
        two.stderr,
        "The operation was despatched successfully\nThe operation was despatched successfully\n"
    );

    // -v keeps StackQL's line and adds what was sent, with the token to follow it up.
    let verbose = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", "-v", &insert("", &["three"])],
    )
    .ok();
    let lines: Vec<&str> = verbose.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "The operation was despatched successfully")
        .unwrap_or_else(|| panic!("{}", verbose.stderr));
    let detail = lines.get(at + 1).copied().unwrap_or_default();
    assert!(
        detail.starts_with("  INSERT aws.sagemaker.images")
            && detail.contains("request token ")
            // Cloud Control writes are asynchronous: AWAIT would follow the token.
            && detail.ends_with("; add /*+ AWAIT */ to wait for the outcome"),
        "{}",
        verbose.stderr
    );
    assert_eq!(verbose.stdout, "");
}

#[test]
fn user_objects_report_as_stackql_does() {
    let reg = aws_registry();
    let approot = tempfile::tempdir().unwrap();
    let root = format!("--approot={}", approot.path().display());
    let script = "\
        CREATE TABLE notes (id INTEGER, body TEXT);
        INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b');
        UPDATE notes SET body = 'c' WHERE id = 2;
        DELETE FROM notes WHERE id = 1;
        CREATE VIEW one_view AS SELECT 1 AS one;
        CREATE MATERIALIZED VIEW one_mv AS SELECT 1 AS one;
        REFRESH MATERIALIZED VIEW one_mv;
        DROP VIEW one_view;
        DROP MATERIALIZED VIEW one_mv;
        DROP TABLE notes;";
    for format in ["table", "json"] {
        let run = stackql(reg.root(), None, &[&root, "exec", "-o", format, script]).ok();
        assert_eq!(run.stdout, "", "{format}");
        assert_eq!(
            run.stderr,
            "\
DDL Execution Completed
insert into table completed
exec completed
exec completed
DDL Execution Completed
DDL Execution Completed
refresh materialized view completed
DDL Execution Completed
DDL Execution Completed
DDL Execution Completed
",
            "{format}"
        );
    }
}
