//! End-to-end tests of `render_script` / `vars_from_cli`, including the reference page's INSERT examples.

mod common;

use common::reference_examples;
use serde_json::json;
use stackql_template::{render_script, vars_from_cli, TemplateError, Vars};

fn insert_required() -> String {
    reference_examples().swap_remove(1)
}

fn insert_all() -> String {
    reference_examples().swap_remove(2)
}

fn cli(flags: &[&str]) -> Vars {
    let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
    vars_from_cli(&flags, None).unwrap().vars
}

fn vars(v: serde_json::Value) -> Vars {
    v.as_object().cloned().unwrap()
}

#[test]
fn reference_insert_required_properties() {
    let v = cli(&[
        "ImageName=my-image",
        "ImageRoleArn=arn:aws:iam::123456789012:role/r",
    ]);
    let out = render_script(&insert_required(), &v).unwrap();
    assert_eq!(
        out,
        "--required properties only
INSERT INTO aws.sagemaker.images (
 ImageName,
 ImageRoleArn,
 region
)
SELECT 
'my-image',
 'arn:aws:iam::123456789012:role/r',
'us-east-1';
"
    );
}

#[test]
fn reference_insert_all_properties() {
    let v = cli(&[
        "ImageName=my-image",
        "ImageRoleArn=arn:aws:iam::123456789012:role/r",
        "ImageDisplayName=My Image",
        "ImageDescription=Bob's image",
        "Key=k",
        "Value=v",
    ]);
    let out = render_script(&insert_all(), &v).unwrap();
    assert_eq!(
        out,
        r#"--all properties
INSERT INTO aws.sagemaker.images (
 ImageName,
 ImageRoleArn,
 ImageDisplayName,
 ImageDescription,
 Tags,
 region
)
SELECT 
 'my-image',
 'arn:aws:iam::123456789012:role/r',
 'My Image',
 'Bob''s image',
 '[{"Value":"v","Key":"k"}]',
 'us-east-1';
"#
    );
}

#[test]
fn reference_insert_missing_variable_names_it_and_its_line() {
    let v = cli(&["ImageName=my-image"]);
    let err = render_script(&insert_required(), &v).unwrap_err();
    // The data block (line 4) is where ImageRoleArn is first needed.
    assert_eq!(
        err.to_string(),
        "template variable 'ImageRoleArn' is not defined (line 4); pass it with --var ImageRoleArn=... or --iqldata"
    );
}

#[test]
fn missing_variable_in_sql_body_reports_script_line() {
    let src = "<<<json\n{\"a\": 1}\n>>>\nSELECT {{ a }},\n  {{ b }};\n";
    let err = render_script(src, &Vars::new()).unwrap_err();
    assert_eq!(
        err,
        TemplateError::UndefinedVariable {
            name: "b".into(),
            line: 5
        }
    );
}

#[test]
fn data_block_values_are_json_escaped() {
    let src = "<<<json\n{\"d\": \"{{ d }}\", \"n\": {{ n }}}\n>>>\nSELECT {{ d }}, {{ n }}";
    let out = render_script(src, &vars(json!({"d": "say \"hi\"\n", "n": 3}))).unwrap();
    assert_eq!(out, "SELECT 'say \"hi\"\n', 3");
}

#[test]
fn quoting_and_escaping() {
    let v = vars(json!({
        "s": "O'Brien",
        "id": "we'ird",
        "i": 42,
        "f": 1.5,
        "t": true,
        "z": null,
        "arr": [1, "a'b"],
    }));
    let out = render_script(
        "SELECT {{ s }}, {{ i }}, {{ f }}, {{ t }}, {{ z }}, {{ arr }} FROM \"{{ id }}\" WHERE x = 'pre-{{ s }}-{{ i }}' AND j = '{{ arr }}' AND n = '{{ z }}'",
        &v,
    )
    .unwrap();
    assert_eq!(
        out,
        r#"SELECT 'O''Brien', 42, 1.5, true, NULL, '[1,"a''b"]' FROM "we'ird" WHERE x = 'pre-O''Brien-42' AND j = '[1,"a''b"]' AND n = ''"#
    );
}

#[test]
fn sql_escaped_quotes_keep_string_context() {
    let v = vars(json!({"s": "x'y"}));
    let out = render_script("SELECT 'it''s {{ s }}', {{ s }}", &v).unwrap();
    assert_eq!(out, "SELECT 'it''s x''y', 'x''y'");
}

#[test]
fn go_template_style() {
    let v = vars(json!({"name": "n", "o": {"k": "v"}}));
    let out = render_script("SELECT {{ .name }}, {{.o.k}}, {{- .name -}}", &v).unwrap();
    assert_eq!(out, "SELECT 'n', 'v','n'");
}

#[test]
fn jinja_expressions_and_filters() {
    let v = vars(json!({"o": {"tags": [{"k": "a"}, {"k": "b"}]}, "s": "abc"}));
    let out = render_script(
        "SELECT {{ o.tags[1].k }}, {{ s | upper }}, {{ o.tags | length }}, {{ o | tojson }}",
        &v,
    )
    .unwrap();
    // `tojson` is Jinja's (Python-style `", "` separators); a bare `{{ o }}` is compact.
    assert_eq!(
        out,
        r#"SELECT 'b', 'ABC', 2, '{"tags": [{"k": "a"}, {"k": "b"}]}'"#
    );
}

#[test]
fn raw_filter_opts_out() {
    let v = vars(json!({"tbl": "aws.ec2.instances", "cols": "a, b", "o": {"x": 1}}));
    let out = render_script(
        "SELECT {{ cols | raw }} FROM {{ tbl | raw }} WHERE j = '{{ o | raw }}' -- {{ tbl }}",
        &v,
    )
    .unwrap();
    assert_eq!(
        out,
        r#"SELECT a, b FROM aws.ec2.instances WHERE j = '{"x":1}' -- {{ tbl }}"#
    );
}

#[test]
fn comments_are_not_rendered() {
    let src = "-- uses {{ undefined_thing }}\n/* {{ also | raw }}\n {% if %} */SELECT {{ a }} -- {{ a }}\n";
    let out = render_script(src, &vars(json!({"a": 1}))).unwrap();
    assert_eq!(
        out,
        "-- uses {{ undefined_thing }}\n/* {{ also | raw }}\n {% if %} */SELECT 1 -- {{ a }}\n"
    );
}

#[test]
fn comment_markers_inside_strings_are_not_comments() {
    let out = render_script(
        "SELECT '--{{ a }}', '/*{{ a }}*/'",
        &vars(json!({"a": "x"})),
    )
    .unwrap();
    assert_eq!(out, "SELECT '--x', '/*x*/'");
}

#[test]
fn control_flow_blocks() {
    let src = "SELECT {% for r in regions %}{{ r }}{% if not loop.last %}, {% endif %}{% endfor %}\n{% if limit is defined %}LIMIT {{ limit }}{% endif %}\n";
    let out = render_script(src, &vars(json!({"regions": ["us-east-1", "eu-west-1"]}))).unwrap();
    assert_eq!(out, "SELECT 'us-east-1', 'eu-west-1'\n\n");
    let out = render_script(src, &vars(json!({"regions": [], "limit": 5}))).unwrap();
    assert_eq!(out, "SELECT \nLIMIT 5\n");
}

#[test]
fn data_block_can_use_control_flow_and_defaults() {
    let src = "<<<json\n{\"tags\": [{% for t in tags %}{\"Key\": \"{{ t }}\"}{% if not loop.last %},{% endif %}{% endfor %}], \"r\": \"{{ r | default('us-east-1') }}\"}\n>>>\nSELECT {{ tags }}, {{ r }}";
    let out = render_script(src, &vars(json!({"tags": ["a", "b"]}))).unwrap();
    assert_eq!(out, r#"SELECT '[{"Key":"a"},{"Key":"b"}]', 'us-east-1'"#);
}

#[test]
fn invalid_json_after_rendering_points_at_the_problem() {
    // A number placeholder inside an unquoted position with a string value
    // is fine (it becomes a JSON string); a missing comma is not.
    let src = "-- c\n<<<json\n{\n \"a\": {{ a }}\n \"b\": 2\n}\n>>>\nSELECT 1";
    let err = render_script(src, &vars(json!({"a": "x"}))).unwrap_err();
    match &err {
        TemplateError::DataBlockJson {
            line,
            column,
            snippet,
            ..
        } => {
            assert_eq!(*line, 5, "{err}");
            assert_eq!(*column, 2, "{err}");
            assert!(snippet.contains("\"b\": 2"), "{snippet}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("line 5, column 2"), "{msg}");
    assert!(msg.contains("expected `,` or `}`"), "{msg}");
}

#[test]
fn data_block_errors() {
    assert!(matches!(
        render_script("<<<json\n[1, 2]\n>>>\nSELECT 1", &Vars::new()),
        Err(TemplateError::DataBlockNotObject { line: 1, .. })
    ));
    assert!(matches!(
        render_script("<<<json\n{}\n", &Vars::new()),
        Err(TemplateError::UnterminatedDataBlock { line: 1, .. })
    ));
}

#[test]
fn template_syntax_error_has_line() {
    let err = render_script("SELECT 1,\n {{ a + }}", &vars(json!({"a": 1}))).unwrap_err();
    assert!(
        matches!(err, TemplateError::Syntax { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn script_without_placeholders_is_unchanged() {
    let src = "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';\n";
    assert_eq!(render_script(src, &Vars::new()).unwrap(), src);
}

#[test]
fn jsonnet_data_block() {
    let src = "<<<jsonnet\nlocal n = '{{ name }}';\n{\n  // field order is kept\n  z: n + '-x',\n  a: [i * 2 for i in [1, 2]],\n}\n>>>\nSELECT {{ z }}, {{ a }}";
    let res = render_script(src, &vars(json!({"name": "it's"})));
    if cfg!(feature = "jsonnet") {
        assert_eq!(res.unwrap(), "SELECT 'it''s-x', '[2,4]'");
    } else {
        assert!(matches!(
            res,
            Err(TemplateError::JsonnetUnsupported { line: 1 })
        ));
    }
}

#[test]
fn jsonnet_error_is_reported() {
    if !cfg!(feature = "jsonnet") {
        return;
    }
    let err =
        render_script("<<<jsonnet\n{a: error 'boom'}\n>>>\nSELECT 1", &Vars::new()).unwrap_err();
    assert!(
        matches!(&err, TemplateError::Jsonnet { line: 1, message } if message.contains("boom")),
        "{err:?}"
    );
}

#[test]
fn var_flags_are_jsonnet_external_variables() {
    if !cfg!(feature = "jsonnet") {
        return;
    }
    // As in StackQL: `--var region=...` is what `std.extVar('region')` reads.
    let src = "<<<jsonnet\nlocal r = std.extVar('region');\n{ region: r, zone: r + 'a' }\n>>>\nSELECT {{ region }}, {{ zone }}";
    let out = render_script(src, &cli(&["region=eu-west-1"])).unwrap();
    assert_eq!(out, "SELECT 'eu-west-1', 'eu-west-1a'");
    // A variable nobody passed is still jsonnet's own error, naming it.
    let err = render_script(src, &Vars::new()).unwrap_err();
    assert!(
        matches!(&err, TemplateError::Jsonnet { message, .. } if message.contains("region")),
        "{err:?}"
    );
}

#[test]
fn vars_from_cli_merges_and_validates() {
    let flags = vec!["a=1".to_string(), "url=http://x?y=z".to_string()];
    let v = vars_from_cli(&flags, Some(r#"{"a": 7, "b": {"c": true}}"#))
        .unwrap()
        .vars;
    assert_eq!(v["a"], json!("1"), "--var wins and stays a string");
    assert_eq!(v["url"], json!("http://x?y=z"), "only the first = splits");
    assert_eq!(v["b"], json!({"c": true}));

    let err = vars_from_cli(&["ImageName".to_string()], None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid --var 'ImageName': expected KEY=VALUE"
    );
    assert!(matches!(
        vars_from_cli(&[], Some("[1]")),
        Err(TemplateError::InvalidIqlData { .. })
    ));
    assert!(matches!(
        vars_from_cli(&[], Some("{oops")),
        Err(TemplateError::InvalidIqlData { .. })
    ));
}
