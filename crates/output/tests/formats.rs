//! Snapshot tests of every output format on a small tricky result set and on empty results.

use stackql_output::{render_to_string, Cell, OutputFormat, OutputOptions, ResultSet};

fn sample() -> ResultSet {
    ResultSet {
        columns: vec![
            "id".into(),
            "name".into(),
            "price".into(),
            "note".into(),
            "raw".into(),
        ],
        rows: vec![
            vec![
                Cell::Integer(1),
                Cell::from("us-east-1"),
                Cell::Real(2.0),
                Cell::from("plain"),
                Cell::Blob(b"hi".to_vec()),
            ],
            vec![
                Cell::Integer(-42),
                Cell::from("東京 🗼"),
                Cell::Real(0.125),
                Cell::from("a, \"quoted\" value\nsecond line"),
                Cell::Null,
            ],
            vec![
                Cell::Null,
                Cell::from("Zürich"),
                Cell::Real(f64::NAN),
                Cell::from("it's;semi|pipe"),
                Cell::Blob(vec![]),
            ],
            vec![
                Cell::Integer(i64::MAX),
                Cell::from(""),
                Cell::Null,
                Cell::Null,
                Cell::Null,
            ],
        ],
    }
}

fn empty() -> ResultSet {
    ResultSet {
        columns: vec!["region".into(), "image_arn".into()],
        rows: vec![],
    }
}

fn render(rs: &ResultSet, format: OutputFormat, hide_headers: bool, delimiter: char) -> String {
    let opts = OutputOptions {
        format,
        hide_headers,
        delimiter,
    };
    render_to_string(rs, &opts).unwrap()
}

#[test]
fn table() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Table, false, ','));
}

#[test]
fn table_hide_headers() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Table, true, ','));
}

#[test]
fn table_empty() {
    insta::assert_snapshot!(render(&empty(), OutputFormat::Table, false, ','));
    assert_eq!(render(&empty(), OutputFormat::Table, true, ','), "");
}

#[test]
fn json() {
    let out = render(&sample(), OutputFormat::Json, false, ',');
    // The output must be one valid JSON document.
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 4);
    insta::assert_snapshot!(out);
}

#[test]
fn json_empty() {
    assert_eq!(render(&empty(), OutputFormat::Json, false, ','), "[]\n");
}

#[test]
fn jsonl() {
    let out = render(&sample(), OutputFormat::Jsonl, false, ',');
    for line in out.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    insta::assert_snapshot!(out);
}

#[test]
fn jsonl_empty() {
    assert_eq!(render(&empty(), OutputFormat::Jsonl, false, ','), "");
}

#[test]
fn csv() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Csv, false, ','));
}

#[test]
fn csv_semicolon_no_headers() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Csv, true, ';'));
}

#[test]
fn csv_empty() {
    insta::assert_snapshot!(render(&empty(), OutputFormat::Csv, false, ','));
}

#[test]
fn csv_rejects_non_ascii_delimiter() {
    let opts = OutputOptions {
        format: OutputFormat::Csv,
        hide_headers: false,
        delimiter: '§',
    };
    let err = render_to_string(&sample(), &opts).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn text() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Text, false, ','));
}

#[test]
fn text_pipe_no_headers() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Text, true, '|'));
}

#[test]
fn text_empty() {
    insta::assert_snapshot!(render(&empty(), OutputFormat::Text, false, ','));
}

/// Cloud data with terminal control sequences: `text` and `table` show them escaped, so a
/// resource tag cannot clear or retitle the user's terminal; csv and json keep the value
/// exactly (their own quoting makes it inert).
#[test]
fn terminal_control_characters_are_escaped_in_text_and_table() {
    let rs = ResultSet {
        columns: vec!["tag".into()],
        rows: vec![vec![Cell::from(
            "\u{1b}]0;pwned\u{7}\u{1b}[2Jx\u{9b}y\u{7f}",
        )]],
    };
    let render = |format| {
        render_to_string(
            &rs,
            &OutputOptions {
                format,
                ..OutputOptions::default()
            },
        )
        .unwrap()
    };
    let escaped = "\\u{1b}]0;pwned\\u{7}\\u{1b}[2Jx\\u{9b}y\\u{7f}";
    for format in [OutputFormat::Text, OutputFormat::Table] {
        let out = render(format);
        assert!(out.contains(escaped), "{format}: {out:?}");
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {out:?}"
        );
    }
    assert!(render(OutputFormat::Json).contains("\\u001b]0;pwned\\u0007"));
    assert!(render(OutputFormat::Csv).contains('\u{1b}'));
}
