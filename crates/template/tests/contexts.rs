//! Property tests: a placeholder's value arrives byte-exact in what the engine sends, in every context of the reference page, PatchDocument, Tags and `@@json`.
//!
//! "Arrives" is measured on what the engine really uses: the rendered script is
//! split and parsed by `stackql-sql`, an INSERT's source and an UPDATE's
//! assignments are evaluated by SQLite (with the engine's `string()`), EXEC's
//! `@@json` body and DELETE's predicates are taken from the parsed statement,
//! and JSON text is then parsed as the request body would be.

mod common;

use common::reference_examples;
use proptest::prelude::*;
use rusqlite::functions::FunctionFlags;
use serde_json::{json, Value as Json};
use stackql_sql::{Literal, Statement};
use stackql_template::{render_script, TemplateError, Vars};

/// What the engine takes from one rendered statement: per column, assignment or
/// predicate, the text it turns into a request field; or the `@@json` body.
fn sent_texts(rendered: &str) -> Vec<Option<String>> {
    let statements = stackql_sql::split_statements(rendered).expect("within the limits");
    assert_eq!(statements.len(), 1, "one statement in {rendered:?}");
    let s = &statements[0];
    let parsed = stackql_sql::parse_statement(&s.text, s.line)
        .unwrap_or_else(|e| panic!("rendered statement does not parse: {e}\n{rendered}"));
    match parsed {
        Statement::Insert { source_sql, .. } => sqlite_row(&source_sql),
        Statement::Update { assignments, .. } => {
            let exprs: Vec<&str> = assignments.iter().map(|a| a.expr_sql.as_str()).collect();
            sqlite_row(&format!("SELECT {}", exprs.join(", ")))
        }
        Statement::Delete { predicates, .. } => predicates
            .iter()
            .flat_map(|p| p.values())
            .map(|l| match l {
                Literal::Null => None,
                other => Some(other.as_text()),
            })
            .collect(),
        Statement::Exec { json_body, .. } => vec![json_body],
        other => panic!("unexpected statement {other:?}"),
    }
}

/// The first row of `sql` in SQLite, as text, the way the engine evaluates mutation sources.
fn sqlite_row(sql: &str) -> Vec<Option<String>> {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.create_scalar_function(
        "string",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |c| c.get::<Option<String>>(0),
    )
    .unwrap();
    let mut stmt = conn
        .prepare(sql)
        .unwrap_or_else(|e| panic!("SQLite rejects {sql:?}: {e}"));
    let n = stmt.column_count();
    stmt.query_row([], |row| {
        (0..n)
            .map(|i| row.get::<_, Option<String>>(i))
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
}

fn json_of(text: &Option<String>) -> Json {
    let text = text.as_deref().expect("a value was sent");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
}

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Json::String(v.to_string())))
        .collect()
}

fn is_nul_refusal(r: &Result<String, TemplateError>) -> bool {
    matches!(r, Err(TemplateError::Placeholder { reason, .. }) if reason.contains("NUL"))
}

/// Values mixing every Unicode scalar with the characters that break quoting.
fn value() -> impl Strategy<Value = String> {
    let nasty = prop::sample::select(vec![
        '"',
        '\'',
        '\\',
        '\n',
        '\r',
        '\t',
        '\0',
        '\u{1}',
        '\u{1f}',
        '\u{7f}',
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        ';',
        '-',
        '/',
        '*',
        '`',
        '%',
        '\u{2028}',
        '\u{FEFF}',
        '\u{E000}',
        '\u{E001}',
        '\u{1F600}',
        '\u{10FFFF}',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), nasty], 0..24)
        .prop_map(|cs| cs.into_iter().collect())
}

const PATCH: &str = r#"UPDATE aws.sagemaker.images SET PatchDocument = string('[{"op":"add","path":"/X","value":"{{ v }}"}]') WHERE data__Identifier = 'img' AND region = 'us-east-1'"#;
const TAGS: &str = r#"INSERT INTO aws.sagemaker.images (ImageName, Tags, region) SELECT 'n', '[{"Key":"k","Value":"{{ v }}"}]', 'us-east-1'"#;
const EXEC: &str = r#"EXEC aws.cloud_control.resource_requests.get_status @region = 'us-east-1', @@json='{"RequestToken":"{{ v }}"}'"#;
const TEXT: &str =
    "INSERT INTO aws.sagemaker.images (ImageName, region) SELECT 'pre {{ v }} post', 'us-east-1'";
const CODE: &str =
    "INSERT INTO aws.sagemaker.images (ImageName, region) SELECT {{ v }}, 'us-east-1'";
const PREDICATE: &str =
    "DELETE FROM aws.sagemaker.images WHERE data__Identifier = '{{ v }}' AND region = 'us-east-1'";

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn reference_insert_required(v in value()) {
        let src = reference_examples().swap_remove(1);
        let r = render_script(&src, &vars(&[("ImageName", &v), ("ImageRoleArn", &v)]));
        // The data block carries any value (JSON-escaped); the SQL body puts it in SQL text.
        if v.contains('\0') {
            prop_assert!(is_nul_refusal(&r), "{r:?}");
            return Ok(());
        }
        let sent = sent_texts(&r.unwrap());
        prop_assert_eq!(&sent[0], &Some(v.clone()));
        prop_assert_eq!(&sent[1], &Some(v));
        prop_assert_eq!(&sent[2], &Some("us-east-1".to_string()));
    }

    #[test]
    fn reference_insert_all(v in value()) {
        let src = reference_examples().swap_remove(2);
        let names = ["ImageName", "ImageRoleArn", "ImageDisplayName", "ImageDescription", "Value"];
        let mut pairs: Vec<(&str, &str)> = names.iter().map(|n| (*n, v.as_str())).collect();
        pairs.push(("Key", "k"));
        let r = render_script(&src, &vars(&pairs));
        if v.contains('\0') {
            prop_assert!(is_nul_refusal(&r), "{r:?}");
            return Ok(());
        }
        let sent = sent_texts(&r.unwrap());
        for text in &sent[..4] {
            prop_assert_eq!(text, &Some(v.clone()));
        }
        prop_assert_eq!(json_of(&sent[4]), json!([{"Value": v, "Key": "k"}]));
    }

    #[test]
    fn patch_document(v in value()) {
        let sent = sent_texts(&render_script(PATCH, &vars(&[("v", &v)])).unwrap());
        prop_assert_eq!(json_of(&sent[0]), json!([{"op": "add", "path": "/X", "value": v}]));
    }

    #[test]
    fn tags(v in value()) {
        let sent = sent_texts(&render_script(TAGS, &vars(&[("v", &v)])).unwrap());
        prop_assert_eq!(json_of(&sent[1]), json!([{"Key": "k", "Value": v}]));
    }

    #[test]
    fn exec_json_body(v in value()) {
        let sent = sent_texts(&render_script(EXEC, &vars(&[("v", &v)])).unwrap());
        prop_assert_eq!(json_of(&sent[0]), json!({"RequestToken": v}));
    }

    #[test]
    fn plain_sql_string_code_and_predicate(v in value()) {
        for (template, expected) in [
            (TEXT, format!("pre {v} post")),
            (CODE, v.clone()),
            (PREDICATE, v.clone()),
        ] {
            let r = render_script(template, &vars(&[("v", &v)]));
            if v.contains('\0') {
                prop_assert!(is_nul_refusal(&r), "{r:?}");
                continue;
            }
            let sent = sent_texts(&r.unwrap());
            prop_assert_eq!(&sent[0], &Some(expected));
        }
    }
}

/// The attacks from the issue, spelled out.
#[test]
fn injected_patch_operation_stays_one_value() {
    let evil = r#"benign"},{"op":"replace","path":"/ImageRoleArn","value":"arn:aws:iam::123456789012:role/EVIL"#;
    let sent = sent_texts(&render_script(PATCH, &vars(&[("v", evil)])).unwrap());
    let doc = json_of(&sent[0]);
    assert_eq!(doc.as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(doc[0]["value"], evil);
}

#[test]
fn windows_path_and_quotes_arrive_unchanged() {
    for v in [r"C:\temp\new", r#"say "hi""#] {
        let sent = sent_texts(&render_script(TAGS, &vars(&[("v", v)])).unwrap());
        assert_eq!(json_of(&sent[1])[0]["Value"], v);
    }
}

#[test]
fn ambiguous_places_are_refused_with_line_and_column() {
    let cases = [
        // A SQL string starting with `"`: JSON string or quoting text?
        ("SELECT 1;\nSELECT '\"{{ v }}\"'", 2, 10),
        // Glued to a JSON number.
        ("SELECT '{\"a\": 1{{ v }}}'", 1, 16),
        // Right after a backslash in a JSON string.
        ("SELECT '[\"\\{{ v }}\"]'", 1, 12),
        // A bracketed identifier cannot escape `]`.
        ("SELECT [{{ v }}]", 1, 9),
        // Two SQL literals touching would merge into one string.
        ("SELECT {{ v }}{{ v }}", 1, 15),
    ];
    for (template, line, column) in cases {
        let err = render_script(template, &vars(&[("v", "x")])).unwrap_err();
        match &err {
            TemplateError::Placeholder {
                line: l, column: c, ..
            } => assert_eq!((*l, *c), (line, column), "{template}: {err}"),
            other => panic!("{template}: unexpected {other:?}"),
        }
        assert!(!err.to_string().contains("'x'"), "the value is not echoed");
    }
}

#[test]
fn text_that_merely_starts_with_a_bracket_is_text() {
    let template = "INSERT INTO aws.sagemaker.images (ImageName, region) SELECT '[draft] \"{{ v }}\"', 'us-east-1'";
    let sent = sent_texts(&render_script(template, &vars(&[("v", r#"a"b"#)])).unwrap());
    assert_eq!(sent[0].as_deref(), Some(r#"[draft] "a"b""#));
}

#[test]
fn raw_opts_out_and_keeps_later_contexts_right() {
    // The raw text opens a JSON string; the placeholder after it is escaped for that.
    let template = r#"INSERT INTO aws.sagemaker.images (ImageName, Tags, region) SELECT 'n', '[{"Key":{{ open | raw }}{{ v }}"}]', 'us-east-1'"#;
    let mut vs = vars(&[("v", "a\"b")]);
    vs.insert("open".into(), json!("\"k\",\"Value\":\""));
    let sent = sent_texts(&render_script(template, &vs).unwrap());
    assert_eq!(json_of(&sent[1]), json!([{"Key": "k", "Value": "a\"b"}]));
}
