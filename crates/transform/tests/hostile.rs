//! Hostile bodies and answers: truncated and mutated templates, deep nesting, endless
//! loops and huge outputs end in errors naming the limit, never in a panic or a stack
//! overflow.

use stackql_transform::{
    apply_with_limits, render, render_with_limits, Limits, ResponseTransform, TransformError,
};

const BODIES: &[&str] = &[
    r#"{{- $lst := index . "QueueUrls" -}}{{- $tok := index . "NextToken" -}}{"line_items": [{{- if eq (kindOf $lst) "slice" -}}{{- range $i, $v := $lst -}}{{- if $i }},{{ end }}{"queue_url": {{ toJson $v }}}{{- end -}}{{- end -}}]{{- if $tok }}, "NextToken": {{ toJson $tok }}{{- end }}}"#,
    r#"{{- $s := separator ", " -}}{{- $n := index . "R" -}}{{- if eq (kindOf $n) "map" }}{{ $n = index $n "item" }}{{ else if and (eq (kindOf $n) "string") $n }}{{ $n = "" }}{{ else }}{{ $n = "" }}{{ end -}}[{{- range $x := $n }}{{ call $s }}{{ toJson $x }}{{ end -}}]"#,
    r#"{{/* c */}}{{ with .a }}{{ . | len }}{{ else with .b }}{{ printf "%v" (index . 0) }}{{ end }}{{ range $k, $v := . }}{{ if not $v }}{{ continue }}{{ end }}{{ $k }}{{ break }}{{ end }}`{{ "q\"\x41" }}{{ 'x' }}{{ -1.5e3 }}"#,
];

const INPUT: &[u8] = br#"{"QueueUrls": ["a", "b"], "NextToken": "t", "R": {"item": [1, {"k": null}]}, "a": [1], "b": ["x"]}"#;

/// Renders and returns normally (Ok or Err) for every input; a panic fails the test.
fn survive(body: &str) {
    let _ = render("golang_template_json_v0.3.0", Some(body), INPUT);
}

#[test]
fn truncated_templates_never_panic() {
    for body in BODIES {
        for end in (0..=body.len()).filter(|i| body.is_char_boundary(*i)) {
            survive(&body[..end]);
            survive(&body[end..]);
        }
    }
}

#[test]
fn mutated_templates_never_panic() {
    const ALPHABET: &[u8] = b"{}()$.-|\"`' a0=:,\\\n/*";
    // A fixed linear congruential sequence: the same mutations on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for body in BODIES {
        for _ in 0..3000 {
            let mut bytes = body.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let at = next() % bytes.len();
                match next() % 3 {
                    0 => bytes[at] = ALPHABET[next() % ALPHABET.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, ALPHABET[next() % ALPHABET.len()]),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            if let Ok(s) = String::from_utf8(bytes) {
                survive(&s);
            }
        }
    }
}

fn is_limit(r: Result<Option<String>, TransformError>) -> bool {
    matches!(
        r,
        Err(TransformError::Template {
            source: stackql_transform::TemplateError::Limit(_),
            ..
        })
    )
}

#[test]
fn nesting_within_the_limit_runs() {
    let blocks = format!("{}x{}", "{{ if true }}".repeat(99), "{{ end }}".repeat(99));
    let out = render("golang_template_json_v0.3.0", Some(&blocks), b"{}").unwrap();
    assert_eq!(out.as_deref(), Some("x"));
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(99), ")".repeat(99));
    let out = render("golang_template_json_v0.3.0", Some(&parens), b"{}").unwrap();
    assert_eq!(out.as_deref(), Some("1"));
}

#[test]
fn deep_nesting_is_a_limit_not_a_stack_overflow() {
    let blocks = format!(
        "{}x{}",
        "{{ if true }}".repeat(5000),
        "{{ end }}".repeat(5000)
    );
    assert!(is_limit(render(
        "golang_template_json_v0.3.0",
        Some(&blocks),
        b"{}"
    )));
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(is_limit(render(
        "golang_template_json_v0.3.0",
        Some(&parens),
        b"{}"
    )));
    // Answers nested too deep for the readers are input errors.
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        render(
            "golang_template_json_v0.3.0",
            Some("{{ . }}"),
            json.as_bytes()
        ),
        Err(TransformError::Input { .. })
    ));
    let xml = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert!(matches!(
        render(
            "golang_template_mxj_v0.3.0",
            Some("{{ . }}"),
            xml.as_bytes()
        ),
        Err(TransformError::Input { .. })
    ));
}

#[test]
fn loops_output_and_size_are_bounded() {
    let small = Limits {
        max_template_bytes: 10_000,
        max_output_bytes: 1_000,
        max_steps: 100_000,
        max_iterations: 1_000,
        max_depth: 20,
    };
    let list = format!("[{}]", vec!["1"; 100].join(","));
    let nested = "{{ range .x }}{{ range $.x }}{{ range $.x }}{{ end }}{{ end }}{{ end }}";
    let input = format!("{{\"x\": {list}}}");
    let json = |body: &str, input: &str, limits: &Limits| {
        render_with_limits(
            "golang_template_json_v0.3.0",
            Some(body),
            input.as_bytes(),
            limits,
        )
    };
    assert!(is_limit(json(nested, &input, &small)), "iterations");
    assert!(
        is_limit(json(
            "{{ range .x }}0123456789{{ end }}{{ range .x }}0123456789{{ end }}",
            &input,
            &small
        )),
        "output"
    );
    assert!(
        is_limit(json(&"{{ 1 }}".repeat(2_000), "{}", &small)),
        "template size"
    );
    let many = Limits {
        max_iterations: u64::MAX,
        max_output_bytes: usize::MAX,
        ..small.clone()
    };
    assert!(is_limit(json(nested, &input, &many)), "steps");
    // Within the limits the same bodies run.
    assert_eq!(
        json("{{ range .x }}{{ end }}ok", &input, &small)
            .unwrap()
            .as_deref(),
        Some("ok")
    );
    let t = ResponseTransform {
        kind: "golang_template_json_v0.3.0",
        body: Some("{{ toJson .x }}"),
        ..Default::default()
    };
    assert_eq!(
        apply_with_limits(&t, input.as_bytes(), &small)
            .unwrap()
            .as_array()
            .map(Vec::len),
        Some(100)
    );
}
