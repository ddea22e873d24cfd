//! The server in process on 127.0.0.1:0 against the emulator, driven by a real Postgres
//! driver (tokio-postgres): the reference page's INSERT and SELECT over the extended and the
//! simple protocol, typed columns, parameters, SQLSTATE codes, concurrent sessions,
//! password authentication (failures slowed and naming the user), and Postgres cancel
//! requests stopping a runaway query. `psql` and TLS are tested through the binary in the cli crate.

use stackql_engine::{EngineOptions, Session};
use stackql_pgserver::{AuthMethod, PasswordAuth, Server, ServerConfig, FAILED_LOGIN_DELAY};
use stackql_testkit::{aws_registry, Emulator, EmulatorConfig, TempRegistry};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

const ROLE: &str = "arn:aws:iam::123456789012:role/sagemaker-role";
const REF_SELECT: &str =
    "SELECT\nregion,\nimage_arn\nFROM aws.sagemaker.images\nWHERE region = 'us-east-1'";

struct Fixture {
    _reg: TempRegistry,
    _emu: Emulator,
    port: u16,
    runtime: tokio::runtime::Runtime,
}

fn start(auth: Option<PasswordAuth>) -> Fixture {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        page_size: 20,
        ..EmulatorConfig::default()
    });
    let root = reg.root().to_path_buf();
    let url = emu.url();
    let engines: stackql_pgserver::EngineFactory = Arc::new(move || {
        let mut o = EngineOptions::new(root.clone());
        o.env = Arc::new(stackql_testkit::emulator_env(url.clone()));
        Ok(Session::new(o)?)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(Server::bind(ServerConfig {
            address: "127.0.0.1".into(),
            port: 0,
            tls: None,
            auth,
            engines,
            dry_run: false,
        }))
        .unwrap();
    let port = server.local_addr().unwrap().port();
    runtime.spawn(server.serve());
    Fixture {
        _reg: reg,
        _emu: emu,
        port,
        runtime,
    }
}

async fn connect(port: u16, password: Option<&str>) -> Result<Client, tokio_postgres::Error> {
    let mut conf = format!("host=127.0.0.1 port={port} user=tester dbname=stackql");
    if let Some(p) = password {
        conf.push_str(&format!(" password={p}"));
    }
    let (client, conn) = tokio_postgres::connect(&conf, NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

fn insert(name: &str) -> String {
    // The page's INSERT with the template already rendered and the AWAIT hint.
    format!(
        "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (\n ImageName,\n ImageRoleArn,\n region\n)\nSELECT \n'{name}',\n '{ROLE}',\n'us-east-1'"
    )
}

#[test]
fn reference_insert_and_select_over_extended_and_simple_protocol() {
    let f = start(None);
    f.runtime.block_on(async {
        let c = connect(f.port, None).await.unwrap();
        // Extended protocol (Parse/Describe/Bind/Execute): one create call, one row affected.
        let n = c.execute(insert("pg-one").as_str(), &[]).await.unwrap();
        assert_eq!(n, 1);
        // Simple protocol.
        let msgs = c
            .simple_query(&format!("{};", insert("pg-two")))
            .await
            .unwrap();
        assert!(matches!(
            msgs.last(),
            Some(SimpleQueryMessage::CommandComplete(1))
        ));

        let rows = c.query(REF_SELECT, &[]).await.unwrap();
        let mut arns: Vec<String> = rows
            .iter()
            .map(|r| r.get::<_, String>("image_arn"))
            .collect();
        arns.sort();
        assert_eq!(
            arns,
            vec![
                "arn:aws:sagemaker:us-east-1:123456789012:image/pg-one",
                "arn:aws:sagemaker:us-east-1:123456789012:image/pg-two"
            ]
        );
        assert_eq!(rows[0].get::<_, String>("region"), "us-east-1");
        assert_eq!(rows[0].columns()[1].type_(), &Type::TEXT);

        let msgs = c.simple_query(REF_SELECT).await.unwrap();
        let data: Vec<_> = msgs
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r.get("image_arn").unwrap().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(data.len(), 2);

        // A parameter, bound as text and substituted as a literal.
        let rows = c
            .query(
                "SELECT image_arn FROM aws.sagemaker.images WHERE region = $1 ORDER BY image_arn",
                &[&"us-east-1"],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        let rows = c
            .query(
                "SELECT count(*) AS n FROM aws.sagemaker.images WHERE region = $1",
                &[&"eu-west-1"],
            )
            .await
            .unwrap();
        // Announced as text when described without values.
        assert_eq!(rows[0].get::<_, String>(0), "0");
    });
}

#[test]
fn columns_are_typed_from_their_values() {
    let f = start(None);
    f.runtime.block_on(async {
        let c = connect(f.port, None).await.unwrap();
        let rows = c
            .query("SELECT 42 AS i, 2.5 AS r, 'x' AS t, NULL AS n", &[])
            .await
            .unwrap();
        let cols: Vec<&Type> = rows[0].columns().iter().map(|c| c.type_()).collect();
        assert_eq!(
            cols,
            vec![&Type::INT8, &Type::FLOAT8, &Type::TEXT, &Type::TEXT]
        );
        assert_eq!(rows[0].get::<_, i64>("i"), 42);
        assert_eq!(rows[0].get::<_, f64>("r"), 2.5);
        assert_eq!(rows[0].get::<_, &str>("t"), "x");
        assert_eq!(rows[0].get::<_, Option<&str>>("n"), None);
        // The same prepared statement executed twice keeps its announced types.
        let st = c.prepare("SELECT 7 AS seven").await.unwrap();
        for _ in 0..2 {
            let rows = c.query(&st, &[]).await.unwrap();
            assert_eq!(rows[0].get::<_, i64>(0), 7);
        }
        // Session commands drivers send are accepted.
        c.batch_execute("SET extra_float_digits = 3; BEGIN; COMMIT")
            .await
            .unwrap();
    });
}

#[test]
fn errors_carry_sqlstate_codes() {
    let f = start(None);
    f.runtime.block_on(async {
        let c = connect(f.port, None).await.unwrap();
        let code = |e: tokio_postgres::Error| e.as_db_error().map(|d| d.code().clone());
        let e = c.simple_query("SELEC 1").await.unwrap_err();
        assert_eq!(code(e), Some(SqlState::SYNTAX_ERROR));
        let e = c
            .query(
                "SELECT * FROM aws.sagemaker.imagez WHERE region = 'us-east-1'",
                &[],
            )
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code(), &SqlState::UNDEFINED_TABLE);
        assert!(db.message().contains("did you mean"), "{}", db.message());
        let e = c
            .query(
                "SELECT region FROM aws.cloud_control.resources WHERE data__TypeName = 'AWS::SageMaker::Image'",
                &[],
            )
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code(), &SqlState::INVALID_PARAMETER_VALUE);
        assert!(db.message().contains("missing required parameter region"));
        assert_eq!(
            db.hint(),
            Some("supply it in WHERE, e.g. region = 'us-east-1'")
        );
        // A failed API call (an update of a resource that does not exist) is internal_error,
        // never a class psycopg raises as OperationalError (08, 28, 53-58): pystackql
        // answers those by reconnecting and sending the statement again, without end.
        let e = c
            .simple_query(
                r#"UPDATE aws.sagemaker.image SET data__PatchDocument = string('[{"op":"add","path":"/ImageDescription","value":"d"}]') WHERE data__Identifier = 'nope' AND region = 'us-east-1'"#,
            )
            .await
            .unwrap_err();
        let db = e.as_db_error().unwrap();
        assert_eq!(db.code(), &SqlState::INTERNAL_ERROR, "{}", db.message());
        assert!(
            db.message().contains("ResourceNotFoundException"),
            "{}",
            db.message()
        );
        // The session is still usable after errors.
        let rows = c.query("SELECT 1 AS one", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 1);
    });
}

#[test]
fn statements_past_the_limits_are_errors_and_the_server_lives() {
    // A 200,000-term sum used to overflow a stack and take the whole server down.
    let f = start(None);
    f.runtime.block_on(async {
        let c = connect(f.port, None).await.unwrap();
        let deep = format!("SELECT {}", vec!["1"; 200_000].join("+"));
        let nested = format!("SELECT {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        for sql in [&deep, &nested] {
            let e = c.simple_query(sql).await.unwrap_err();
            let db = e.as_db_error().expect("an error response");
            // Not 54000 (program_limit_exceeded): psycopg raises that class as
            // OperationalError, on which pystackql resends the statement.
            assert_eq!(
                db.code(),
                &SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION,
                "{}",
                db.message()
            );
            assert!(
                db.message().contains("more than 2000 operators"),
                "{}",
                db.message()
            );
        }
        let e = c.query(deep.as_str(), &[]).await.unwrap_err();
        assert_eq!(
            e.as_db_error().map(|d| d.code().clone()),
            Some(SqlState::SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
        );
        // The session and the server both carry on.
        let rows = c.query("SELECT 1 AS one", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 1);
        let other = connect(f.port, None).await.unwrap();
        assert_eq!(other.query("SELECT 2", &[]).await.unwrap().len(), 1);
    });
}

#[test]
fn several_sessions_at_once() {
    let f = start(None);
    f.runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..4 {
            let port = f.port;
            tasks.push(tokio::spawn(async move {
                let c = connect(port, None).await.unwrap();
                c.execute(insert(&format!("multi-{i}")).as_str(), &[])
                    .await
                    .unwrap();
                c.query(REF_SELECT, &[]).await.unwrap().len()
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap() >= 1);
        }
        let c = connect(f.port, None).await.unwrap();
        assert_eq!(c.query(REF_SELECT, &[]).await.unwrap().len(), 4);
    });
}

#[test]
fn password_authentication_scram_and_md5() {
    for method in [AuthMethod::Scram, AuthMethod::Md5, AuthMethod::Cleartext] {
        let f = start(Some(PasswordAuth {
            method,
            password: "s3cret".into(),
        }));
        f.runtime.block_on(async {
            let started = Instant::now();
            let Err(e) = connect(f.port, Some("wrong")).await else {
                panic!("{method:?}: a wrong password was accepted");
            };
            let msg = e.to_string();
            assert!(
                e.as_db_error()
                    .is_some_and(|d| d.code() == &SqlState::INVALID_PASSWORD),
                "{method:?}: {msg}"
            );
            // Guessing is slowed, and the message names the user that tried (SCRAM clients
            // leave the user of their own message empty).
            assert!(
                started.elapsed() >= FAILED_LOGIN_DELAY,
                "{method:?}: answered after {:?}",
                started.elapsed()
            );
            let db = e.as_db_error().unwrap();
            assert!(
                db.message().contains("user \"tester\""),
                "{method:?}: {}",
                db.message()
            );
            assert!(
                connect(f.port, None).await.is_err(),
                "{method:?}: no password"
            );
            let c = connect(f.port, Some("s3cret")).await.unwrap();
            let rows = c.query("SELECT 1 AS one", &[]).await.unwrap();
            assert_eq!(rows[0].get::<_, i64>(0), 1);
        });
    }
}

/// A recursive CTE that never ends keeps a core busy until the client cancels it: the
/// cancel request (its own connection, the session's key) stops it with 57014 quickly,
/// and the session goes on.
#[test]
fn cancel_request_stops_a_runaway_query() {
    let f = start(None);
    f.runtime.block_on(async {
        let c = connect(f.port, None).await.unwrap();
        let token = c.cancel_token();
        let runaway = tokio::spawn(async move {
            let r = c
                .simple_query(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n",
                )
                .await;
            (c, r)
        });
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(!runaway.is_finished(), "the runaway query ended on its own");
        let cancelled_at = Instant::now();
        token.cancel_query(NoTls).await.unwrap();
        let (c, result) = tokio::time::timeout(Duration::from_secs(5), runaway)
            .await
            .expect("the query stops within 5 s of the cancel")
            .unwrap();
        let e = result.expect_err("a cancelled query fails");
        assert_eq!(
            e.as_db_error().map(|d| d.code().clone()),
            Some(SqlState::QUERY_CANCELED),
            "{e}"
        );
        assert!(cancelled_at.elapsed() < Duration::from_secs(5));
        // The same session answers the next statement.
        let rows = c.query("SELECT 40 + 2 AS answer", &[]).await.unwrap();
        assert_eq!(rows[0].get::<_, i64>(0), 42);
    });
}

/// `--dryrun`: an INSERT is answered with its text as a one-column result, over the simple
/// and the extended protocol, and nothing reaches the provider.
#[test]
fn dryrun_answers_with_the_statement_and_sends_nothing() {
    let reg = aws_registry();
    let emu = Emulator::start(EmulatorConfig {
        registry_root: Some(reg.root().to_path_buf()),
        ..EmulatorConfig::default()
    });
    let root = reg.root().to_path_buf();
    let url = emu.url();
    let engines: stackql_pgserver::EngineFactory = Arc::new(move || {
        let mut o = EngineOptions::new(root.clone());
        let url = url.clone();
        o.env = Arc::new(move |k| (k == "AWS_ENDPOINT_URL").then(|| url.clone()));
        o.dry_run = true;
        Ok(Session::new(o)?)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Server::bind(ServerConfig {
            address: "127.0.0.1".into(),
            port: 0,
            tls: None,
            auth: None,
            engines,
            dry_run: true,
        })
        .await
        .unwrap();
        let port = server.local_addr().unwrap().port();
        tokio::spawn(server.serve());
        let c = connect(port, None).await.unwrap();
        let sql = insert("dry-pg");
        let rows = c.query(sql.as_str(), &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].columns()[0].name(), "statement");
        assert_eq!(rows[0].get::<_, String>(0), format!("{sql};"));
        let msgs = c.simple_query(&format!("{sql};")).await.unwrap();
        assert!(msgs.iter().any(|m| matches!(m,
            SimpleQueryMessage::Row(r) if r.get(0) == Some(format!("{sql};").as_str()))));
    });
    assert!(
        emu.journal().is_empty(),
        "--dryrun sent {} request(s)",
        emu.journal().len()
    );
}
