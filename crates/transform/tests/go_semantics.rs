//! Go text/template semantics the transforms rely on, each case checked against Go's own
//! text/template (1.19 for these; `\b`/`\f` in `toJson` follow Go 1.22+, which StackQL builds
//! with): truthiness, nil and missing keys, scoping, trim markers, `else if`, printing and
//! JSON encoding of numbers.

use stackql_transform::render;

const DATA: &str = r#"{"a":null,"f":1.5,"big":1234567,"small":0.00001,"h":"<&>","s":"abc","l":[1,"x",null,true,{"k":[]}],"e":[],"m":{},"t":true,"ctl":"a\u0001\b\f\n\r\t\"\\\u2028<>&é","vb":123456789012,"vs":1.5e-7,"neg":-2.5e30}"#;

fn run(template: &str) -> String {
    render(
        "golang_template_json_v0.3.0",
        Some(template),
        DATA.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("{template}: {e}"))
    .expect("the template runs")
}

/// (template, what Go prints)
const CASES: &[(&str, &str)] = &[
    (r#"{{ $n := index . "x" }}{{ kindOf $n }}|{{ eq $n "a" }}|{{ if $n }}T{{else}}F{{end}}|{{ $n }}|{{ toJson $n }}"#, "invalid|false|F|<no value>|null"),
    (r#"{{ . }}|{{ .f }}|{{ .big }}|{{ .small }}|{{ .h }}"#, "map[a:<nil> big:1.234567e+06 ctl:a\u{1}\u{8}\u{c}\n\r\t\"\\\u{2028}<>&\u{e9} e:[] f:1.5 h:<&> l:[1 x <nil> true map[k:[]]] m:map[] neg:-2.5e+30 s:abc small:1e-05 t:true vb:1.23456789012e+11 vs:1.5e-07]|1.5|1.234567e+06|1e-05|<&>"),
    (r#"{{ eq .f 1.5 }}|{{ eq 1 1 2 }}|{{ and 1 0 2 }}|{{ or 0 "" "x" }}|{{ or 0 "" }}|{{ and 1 "y" }}"#, "true|true|0|x||y"),
    (r#"{{ range $k, $v := . }}{{$k}}={{$v}};{{end}}"#, "a=<no value>;big=1.234567e+06;ctl=a\u{1}\u{8}\u{c}\n\r\t\"\\\u{2028}<>&\u{e9};e=[];f=1.5;h=<&>;l=[1 x <nil> true map[k:[]]];m=map[];neg=-2.5e+30;s=abc;small=1e-05;t=true;vb=1.23456789012e+11;vs=1.5e-07;"),
    (r#"{{ toJson . }}"#, "{\"a\":null,\"big\":1234567,\"ctl\":\"a\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\u2028\\u003c\\u003e\\u0026\u{e9}\",\"e\":[],\"f\":1.5,\"h\":\"\\u003c\\u0026\\u003e\",\"l\":[1,\"x\",null,true,{\"k\":[]}],\"m\":{},\"neg\":-2.5e+30,\"s\":\"abc\",\"small\":0.00001,\"t\":true,\"vb\":123456789012,\"vs\":1.5e-7}"),
    (r#"{{ index .s 1 }}|{{ kindOf (index .s 1) }}|{{ len .s }}|{{ len .l }}|{{ len . }}"#, "98|uint8|3|5|14"),
    (r#"{{ eq . nil }}|{{ eq nil nil }}|{{ eq .a nil }}|{{ ne 1 2 }}|{{ lt 1 2 }}|{{ ge "b" "a" }}"#, "false|true|true|true|true|true"),
    (r#"{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x = 3 }}{{ end }}{{ $x }}"#, "1"),
    (r#"{{ $x := 1 }}{{ if true }}{{ $x = 3 }}{{ end }}{{ $x }}"#, "3"),
    (r#"{{ $x := 1 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}"#, "map[k:[]]"),
    (r#"{{ 1.0 }} {{ 1e3 }} {{ 0x10 }} {{ -3 }} {{ 1000000.0 }} {{ 0.00001 }} {{ 123456.0 }} {{ 'a' }}"#, "1 1000 16 -3 1e+06 1e-05 123456 97"),
    (r#"a  {{- 1 -}}  b {{- /* c */ -}} c {{/* d */}} d"#, "a1bc  d"),
    (r#"{{ if .z }}1{{ else if .f }}2{{ else }}3{{ end }}|{{ if .z }}1{{ else if .a }}2{{ else }}3{{ end }}"#, "2|3"),
    (r#"{{ with .l }}{{ len . }}{{ end }}|{{ with .z }}x{{ else }}none{{ end }}"#, "5|none"),
    (r#"{{ range .e }}x{{ else }}empty{{ end }}|{{ range .z }}x{{ else }}nil{{ end }}|{{ range $i, $v := .l }}{{ if $i }},{{ end }}{{ $i }}:{{ kindOf $v }}{{ end }}"#, "empty|nil|0:float64,1:string,2:invalid,3:bool,4:map"),
    (r#"{{ range $v := .l }}{{ if eq (kindOf $v) "bool" }}{{ break }}{{ end }}{{ toJson $v }}{{ end }}|{{ range .l }}{{ if not . }}{{ continue }}{{ end }}+{{ end }}"#, "1\"x\"null|++++"),
    (r#"{{ not 0 }}{{ not "" }}{{ not .e }}{{ not .m }}{{ not .l }}{{ not 0.0 }}{{ not .a }}"#, "truetruetruetruefalsetruetrue"),
    (r#"{{ .l }}|{{ .m }}|{{ .e }}|{{ .t }}|{{ printf "%v-%s-%d" 1 "x" 2 }}|{{ print 1 2 "a" 3 }}|{{ println 1 "a" }}"#, "[1 x <nil> true map[k:[]]]|map[]|[]|true|1-x-2|1 2a3|1 a\n"),
    (r#"{{ toJson .ctl }}"#, "\"a\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\u2028\\u003c\\u003e\\u0026\u{e9}\""),
    (r#"{{ "a\tb\u00e9\x41" }}|{{ `raw\n` }}"#, "a\tb\u{e9}A|raw\\n"),
    (r#"{{ .l | len }}|{{ "x" | printf "%s-%s" "y" }}|{{ (index .l 4).k | len }}"#, "5|y-x|0"),
    (r#"{{ index .l 1 | kindOf }}|{{ kindOf 1 }}|{{ kindOf 1.5 }}|{{ kindOf true }}|{{ kindOf . }}|{{ kindOf .l }}|{{ kindOf nil }}"#, "string|int|float64|bool|map|slice|invalid"),
    (r#"{{ toJson 1e21 }}|{{ toJson 1e20 }}|{{ toJson 0.000001 }}|{{ toJson 0.0000001 }}|{{ toJson -0.5 }}|{{ toJson .vb }}"#, "1e+21|100000000000000000000|0.000001|1e-7|-0.5|123456789012"),
    (r#"{{ .vb }}|{{ .vs }}|{{ .neg }}"#, "1.23456789012e+11|1.5e-07|-2.5e+30"),
];

#[test]
fn matches_go_text_template() {
    let mut failures = Vec::new();
    for (template, want) in CASES {
        let got = run(template);
        if got != *want {
            failures.push(format!("{template}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

fn run_err(template: &str) -> String {
    match render(
        "golang_template_json_v0.3.0",
        Some(template),
        DATA.as_bytes(),
    ) {
        Ok(out) => panic!("{template}: expected an error, got {out:?}"),
        Err(e) => e.to_string(),
    }
}

/// Go refuses these, at parse or execution time; so must we (the message names the cause).
#[test]
fn errors_where_go_errors() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{{ $n := index . "x" }}{{ index $n "y" }}"#,
            "index of untyped nil",
        ),
        (r#"{{ index . "a" "b" }}"#, "index of nil pointer"),
        (r#"{{ index . "q" "b" }}"#, "index of nil pointer"),
        (r#"{{ index .l 5 }}"#, "index out of range"),
        (
            r#"{{ index .l "x" }}"#,
            "cannot index slice/array with type string",
        ),
        (r#"{{ index . 1 }}"#, "should be string"),
        (r#"{{ index .f 1 }}"#, "can't index item of type float64"),
        (r#"{{ .a.b }}"#, "nil pointer evaluating interface {}.b"),
        (r#"{{ .s.x }}"#, "can't evaluate field x in type string"),
        (r#"{{ eq .f 1 }}"#, "incompatible types for comparison"),
        (r#"{{ eq .l .l }}"#, "non-comparable"),
        (r#"{{ lt .l 1 }}"#, "invalid type for comparison"),
        (r#"{{ eq 1 }}"#, "missing argument for comparison"),
        (r#"{{ and }}"#, "wrong number of args for and"),
        (r#"{{ range .s }}{{ end }}"#, "range can't iterate over abc"),
        (
            r#"{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}"#,
            "undefined variable \"$y\"",
        ),
        (r#"{{ $z = 1 }}"#, "undefined variable \"$z\""),
        (r#"{{ nosuch 1 }}"#, "function \"nosuch\" not defined"),
        (r#"{{ if true }}"#, "without end"),
        (r#"{{ end }}"#, "unexpected {{end}}"),
        (r#"{{ break }}"#, "{{break}} outside {{range}}"),
        (r#"{{ "unterminated }}"#, "unterminated quoted string"),
        (r#"{{ 1 2 }}"#, "can't give argument to non-function"),
        (r#"{{ .f"#, "unclosed action"),
        (r#"{{ (index . "s" }}"#, "unclosed left paren"),
        (r#"{{ separator }}"#, "wrong number of args for separator"),
        (r#"{{ $s := separator "," }}{{ $s }}"#, "can't print"),
        (r#"{{ plus1 .f }}"#, "expected int; got float64"),
    ];
    let mut failures = Vec::new();
    for (template, want) in cases {
        let got = run_err(template);
        if !got.contains(want) {
            failures.push(format!(
                "{template}\n  want an error containing {want:?}\n  got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `toJson`, `kindOf` and `plus1` exist from template version v0.2.0 on, as StackQL
/// registers them; earlier bodies that name them do not parse.
#[test]
fn functions_depend_on_the_template_version() {
    let e = render("golang_template_json_v0.1.0", Some("{{ toJson . }}"), b"{}").unwrap_err();
    assert!(
        e.to_string().contains("function \"toJson\" not defined"),
        "{e}"
    );
    let out = render(
        "golang_template_json_v0.1.0",
        Some("{{ .contents }}"),
        br#"{"contents":"x<y"}"#,
    )
    .unwrap();
    assert_eq!(out.as_deref(), Some("x<y"));
}

/// StackQL's own functions: a separator yields "" first and its text afterwards; toInt
/// reads a leading integer as `Sscanf("%d")` does; toBool only knows "true".
#[test]
fn stackql_functions() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{{ $s := separator ", " }}{{ range .l }}{{ call $s }}x{{ end }}"#,
            "x, x, x, x, x",
        ),
        (
            r#"{{ toInt " 42abc" }}|{{ toInt .f }}|{{ toInt 7 }}|{{ toInt "x" }}"#,
            "42|1|0|0",
        ),
        (
            r#"{{ toBool "true" }}|{{ toBool "True" }}|{{ toBool .t }}|{{ toBool 1 }}"#,
            "true|false|true|false",
        ),
        (
            r#"{{ plus1 3 }}|{{ safeIndex . "s" }}|{{ safeIndex . "zz" }}"#,
            "4|abc|<no value>",
        ),
        (
            r#"{{ $m := jsonMapFromString "{\"k\": [1]}" }}{{ toJson $m }}"#,
            r#"{"k":[1]}"#,
        ),
    ];
    for (template, want) in cases {
        assert_eq!(run(template), *want, "{template}");
    }
}
