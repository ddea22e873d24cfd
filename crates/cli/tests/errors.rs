//! Every user error of `stackql exec`: exit code 1, a message naming what the user did and
//! how to fix it, and (for mutations) nothing sent.

mod common;

use common::*;
use stackql_testkit::aws_registry;

fn fails(run: &Run, needle: &str) {
    assert_eq!(run.code, 1, "expected exit 1\nstderr: {}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "stderr should contain {needle:?}:\n{}",
        run.stderr
    );
}

#[test]
fn unknown_names_suggest_the_closest() {
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM awz.sagemaker.images WHERE region = 'us-east-1'",
        ],
    );
    fails(&r, "unknown provider 'awz'");
    fails(&r, "did you mean 'aws'");
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM aws.sagemakr.images WHERE region = 'us-east-1'",
        ],
    );
    fails(
        &r,
        "unknown service 'sagemakr' in provider 'aws' (did you mean 'sagemaker'",
    );
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM aws.sagemaker.imagez WHERE region = 'us-east-1'",
        ],
    );
    fails(&r, "unknown resource 'imagez' in aws.sagemaker");
    fails(&r, "images");
}

#[test]
fn missing_service_document_is_named() {
    // The snapshot ships every document; this root lacks one that provider.yaml lists.
    let reg = aws_registry();
    std::fs::remove_file(reg.root().join("src/aws/v00.00.00000/services/ecs.yaml")).unwrap();
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM aws.ecs.clusters WHERE region = 'us-east-1'",
        ],
    );
    fails(
        &r,
        "service document for aws.ecs is listed in provider.yaml",
    );
    fails(&r, "ecs.yaml");
}

#[test]
fn missing_region_names_the_table_and_how() {
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SELECT region, Identifier FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image'"],
    );
    fails(
        &r,
        "missing required parameter region for aws.cloud_control.resources (supply it in WHERE, e.g. region = 'us-east-1')",
    );
    let r = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT * FROM aws.sagemaker.image WHERE region = 'us-east-1'",
        ],
    );
    fails(
        &r,
        "missing required parameter data__Identifier for aws.sagemaker.image",
    );
}

#[test]
fn syntax_errors_show_the_position() {
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "SELECT 1;\nSELECT region FROM WHERE"],
    );
    fails(&r, "SQL syntax error");
    fails(&r, "at line 2, column");
}

#[test]
fn invalid_mutations_send_nothing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let cases = [
        // unknown column, with a suggestion
        ("INSERT INTO aws.sagemaker.images (ImageNam, ImageRoleArn, region) SELECT 'a', 'b', 'us-east-1'", "unknown column 'ImageNam'"),
        // no region
        ("INSERT INTO aws.sagemaker.images (ImageName, ImageRoleArn) SELECT 'a', 'b'", "missing required parameter region"),
        // Tags not JSON
        ("INSERT INTO aws.sagemaker.images (ImageName, Tags, region) SELECT 'a', 'not json', 'us-east-1'", "column Tags expects a JSON array"),
        // DELETE without identifier
        ("DELETE FROM aws.sagemaker.images WHERE region = 'us-east-1'", "missing required parameter data__Identifier"),
        // DELETE with a predicate that cannot be a parameter
        ("DELETE FROM aws.sagemaker.images WHERE data__Identifier LIKE 'x%' AND region = 'us-east-1'", "cannot turn"),
        // images has no UPDATE; image does
        ("UPDATE aws.sagemaker.images SET data__PatchDocument = '[]' WHERE region = 'us-east-1'", "does not support UPDATE"),
        // unknown hint
        ("DELETE /*+ FAST */ FROM aws.sagemaker.images WHERE data__Identifier = 'x' AND region = 'us-east-1'", "unknown query hint 'FAST'"),
        // a second row is bad: the first must not be sent either
        ("INSERT INTO aws.sagemaker.images (ImageName, Tags, region) VALUES ('a', '[]', 'us-east-1'), ('b', 'oops', 'us-east-1')", "row 2"),
    ];
    for (sql, needle) in cases {
        let r = stackql(reg.root(), Some(&emu.url()), &["exec", sql]);
        fails(&r, needle);
    }
    assert!(
        emu.journal().is_empty(),
        "nothing may be sent for invalid statements: {:?}",
        emu.journal().len()
    );
}

#[test]
fn api_errors_carry_code_status_and_request_id() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        // A write: a read of something missing is an empty result (tests/requests.rs).
        &[
            "exec",
            r#"UPDATE aws.sagemaker.image SET data__PatchDocument = string('[{"op":"add","path":"/ImageDescription","value":"d"}]') WHERE data__Identifier = 'arn:nope' AND region = 'us-east-1'"#,
        ],
    );
    fails(&r, "ResourceNotFoundException");
    fails(&r, "HTTP 400");
    fails(&r, "request id ");
    fails(&r, "in us-east-1");
}

#[test]
fn missing_template_variable_is_named() {
    let reg = aws_registry();
    let r = stackql(reg.root(), None, &["exec", "SELECT {{ Nope }} AS x"]);
    fails(&r, "'Nope' is not defined");
}

#[test]
fn no_credentials_is_a_clear_error() {
    let reg = aws_registry();
    let r = stackql_with_env(
        reg.root(),
        None,
        &[
            "exec",
            "SELECT region FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        ],
        &[],
    );
    fails(&r, "no AWS credentials found");
}

#[test]
fn dryrun_prints_rendered_statements_and_sends_nothing() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--dryrun",
            "--var",
            "n=x'y",
            "INSERT INTO aws.sagemaker.images (ImageName, region) SELECT {{ n }}, 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(
        r.stdout,
        "INSERT INTO aws.sagemaker.images (ImageName, region) SELECT 'x''y', 'us-east-1';\n"
    );
    assert!(emu.journal().is_empty());
}

#[test]
fn dryrun_plans_each_statement_before_printing_any() {
    // A dry run checks what EXPLAIN checks: a statement that could not run fails, and
    // nothing of the script is printed or sent.
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--dryrun",
            "SELECT 1; SELECT Identifier FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image'",
        ],
    );
    fails(&r, "missing required parameter region");
    assert_eq!(r.stdout, "");
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--dryrun",
            "DELETE FROM aws.sagemaker.imagez WHERE data__Identifier = 'x' AND region = 'us-east-1'",
        ],
    );
    fails(&r, "unknown resource 'imagez'");
    let r = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--dryrun",
            "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(
        r.stdout,
        "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1';\n"
    );
    assert!(emu.journal().is_empty(), "{:?}", emu.journal().len());
}

#[test]
fn var_is_split_at_commas_like_stackql_with_a_warning_and_quoting_keeps_it_whole() {
    let reg = aws_registry();
    let sql = "INSERT INTO aws.sagemaker.images (ImageName, ImageDescription, region) SELECT {{ name }}, {{ desc }}, 'us-east-1'";
    let split = stackql(
        reg.root(),
        None,
        &["exec", "--dryrun", "--var", "desc=owner=alice,name=ml", sql],
    )
    .ok();
    assert!(
        split.stdout.contains("SELECT 'ml', 'owner=alice'"),
        "{}",
        split.stdout
    );
    assert!(
        split
            .stderr
            .contains("warning: --var was split at its commas into 2 variables (desc, name)")
            && split.stderr.contains(r#"--var '"desc=...,..."'"#),
        "{}",
        split.stderr
    );
    assert!(
        !split.stderr.contains("alice"),
        "values stay out of warnings"
    );

    let whole = stackql(
        reg.root(),
        None,
        &[
            "exec",
            "--dryrun",
            "--var",
            r#""desc=owner=alice,team=ml""#,
            "--var",
            "name=n",
            sql,
        ],
    )
    .ok();
    assert!(
        whole.stdout.contains("SELECT 'n', 'owner=alice,team=ml'"),
        "{}",
        whole.stdout
    );
    assert!(!whole.stderr.contains("warning"), "{}", whole.stderr);

    // A piece without `=` is refused (as StackQL does), without echoing it.
    let r = stackql(
        reg.root(),
        None,
        &["exec", "--dryrun", "--var", "pw=abc,secretpart", sql],
    );
    fails(&r, "piece 2 (the one after pw=...) is not KEY=VALUE");
    assert!(!r.stderr.contains("secretpart"), "{}", r.stderr);
}

#[test]
fn json_injection_through_a_var_cannot_add_a_patch_operation() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    let evil = r#"benign"},{"op":"replace","path":"/ImageRoleArn","value":"arn:aws:iam::123456789012:role/EVIL"#;
    let run = stackql(
        reg.root(),
        Some(&emu.url()),
        &[
            "exec",
            "--dryrun",
            "--var",
            &format!("\"v={}\"", evil.replace('"', "\"\"")),
            r#"UPDATE aws.sagemaker.image SET data__PatchDocument = string('[{"op":"add","path":"/ImageDescription","value":"{{ v }}"}]') WHERE data__Identifier = 'img' AND region = 'us-east-1'"#,
        ],
    )
    .ok();
    assert!(
        run.stdout.contains(r#"\"},{\"op\":\"replace\""#),
        "the value's quotes are JSON-escaped: {}",
        run.stdout
    );
    assert!(emu.journal().is_empty());
}

#[test]
fn bad_flag_values_are_refused_not_ignored() {
    let reg = aws_registry();
    let r = stackql(
        reg.root(),
        None,
        &["exec", "--tls.CABundle=/nonexistent/x.pem", "SELECT 1"],
    );
    fails(&r, "cannot read --tls.CABundle /nonexistent/x.pem");
    let r = stackql(reg.root(), None, &["exec", "-o", "yaml", "SELECT 1"]);
    fails(&r, "unknown output format 'yaml'");
}

#[test]
fn http_log_names_requests_never_secrets() {
    let reg = aws_registry();
    let emu = emulator(reg.root(), 20);
    for flag in ["--http.log.enabled", "-v", "--loglevel=debug"] {
        let run = stackql(
            reg.root(),
            Some(&emu.url()),
            &[
                "exec",
                flag,
                "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
            ],
        )
        .ok();
        assert!(
            run.stderr.contains("http: POST ")
                && run
                    .stderr
                    .contains("CloudApiService.ListResources [us-east-1] HTTP 200 in "),
            "{flag}: {}",
            run.stderr
        );
        let (_, secret) = stackql_testkit::test_credentials();
        assert!(
            !run.stderr.contains(secret) && !run.stderr.contains("Signature="),
            "{}",
            run.stderr
        );
    }
    let quiet = stackql(
        reg.root(),
        Some(&emu.url()),
        &["exec", "--loglevel=info", "SELECT 1"],
    )
    .ok();
    assert!(!quiet.stderr.contains("http:"));
    let bad = stackql(reg.root(), None, &["exec", "--loglevel=loud", "SELECT 1"]);
    fails(&bad, "--loglevel loud: expected one of");
}

/// Each subcommand takes only the flags it uses: the emulator has no output format, no
/// dry run and no request log, so they are usage errors there, not silently ignored; flags
/// written before the subcommand (StackQL's style) belong to it all the same; `registry`
/// refuses --dryrun.
#[test]
fn the_emulator_takes_only_its_own_flags() {
    let reg = aws_registry();
    for flags in [&["-v"][..], &["--dryrun"], &["-o", "json"]] {
        let mut args = vec!["emulator", "--port", "0"];
        args.extend_from_slice(flags);
        let r = stackql(reg.root(), None, &args);
        assert_eq!(r.code, 2, "{flags:?} must be a usage error: {}", r.stderr);
        assert!(
            r.stderr.contains("unexpected argument") && r.stderr.contains(flags[0]),
            "{flags:?}: {}",
            r.stderr
        );
        // Before the subcommand it is the same flag of the same subcommand.
        let mut before = flags.to_vec();
        before.extend_from_slice(&["emulator", "--port", "0"]);
        let r = stackql(reg.root(), None, &before);
        assert_eq!(r.code, 2, "{flags:?} before emulator: {}", r.stderr);
    }
    let help = stackql(reg.root(), None, &["emulator", "--help"]).ok();
    assert!(
        help.stdout.contains("--complete-after-polls"),
        "{}",
        help.stdout
    );
    for foreign in [
        "--output",
        "--dryrun",
        "--verbose",
        "--pgsrv.port",
        "--auth",
    ] {
        assert!(
            !help.stdout.contains(foreign),
            "emulator --help lists {foreign}:\n{}",
            help.stdout
        );
    }
    // `registry pull` cannot be rehearsed: --dryrun is refused there, not ignored.
    let r = stackql(reg.root(), None, &["registry", "--dryrun", "pull", "aws"]);
    fails(&r, "--dryrun: `stackql registry`");
    // Flags before the subcommand still work for the subcommands that have them.
    let r = stackql(
        reg.root(),
        None,
        &["--dryrun", "-o", "json", "exec", "SELECT 1"],
    )
    .ok();
    assert_eq!(r.stdout, "SELECT 1;\n");
}
