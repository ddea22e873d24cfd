//! Response transforms through the engine (fake transport, the current registry): SQS's
//! `queues` answer reshaped by its Go template and paged by the `NextToken` the template
//! keeps; IAM's `users` XML projected by its `schema_override`, which also gives the
//! columns, and paged by the `Marker` of the answer as it came.

use stackql_engine::{Engine, EngineOptions, FnSender, Outcome, RawResponse, RetryPolicy};
use stackql_output::{Cell, ResultSet};
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<String>>>;

/// An engine on `registry` whose requests `answer` answers from their body.
fn engine(
    registry: &std::path::Path,
    answer: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
) -> (Engine, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let mut options = EngineOptions::new(registry.to_path_buf());
    options.env = Arc::new(|k| match k {
        "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
        "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9".into()),
        _ => None,
    });
    options.retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    options.sender = Some(Arc::new(FnSender(move |req: &http::Request<Vec<u8>>| {
        let body = String::from_utf8_lossy(req.body()).into_owned();
        record.lock().unwrap().push(body.clone());
        let (status, text) = answer(&body);
        Ok(RawResponse {
            status,
            headers: http::HeaderMap::new(),
            body: text.into_bytes(),
        })
    })));
    (Engine::new(options).expect("engine"), seen)
}

fn query(engine: &mut Engine, sql: &str) -> ResultSet {
    match engine.execute(sql, 1).expect("statement runs").outcome {
        Outcome::Rows(rs) => rs,
        other => panic!("expected rows, got {other:?}"),
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Null => "NULL".into(),
        other => format!("{other:?}"),
    }
}

/// The values of the column named `names[0]` (or, once columns are snake_cased, one of
/// the other spellings).
fn column(rs: &ResultSet, names: &[&str]) -> Vec<String> {
    let i = rs
        .columns
        .iter()
        .position(|c| names.contains(&c.as_str()))
        .unwrap_or_else(|| panic!("no column {names:?} in {:?}", rs.columns));
    rs.rows.iter().map(|r| text(&r[i])).collect()
}

#[test]
fn sqs_queues_through_the_json_template_and_its_next_token() {
    let reg = stackql_testkit::aws_current_registry();
    let url = |n: &str| format!("https://sqs.us-east-1.amazonaws.com/123456789012/{n}");
    let (first, second) = (
        serde_json::json!({"QueueUrls": [url("a"), url("b")], "NextToken": "p2"}).to_string(),
        serde_json::json!({"QueueUrls": [url("c")]}).to_string(),
    );
    let (mut engine, seen) = engine(reg.root(), move |body| {
        if body.contains("p2") {
            (200, second.clone())
        } else {
            (200, first.clone())
        }
    });
    let rs = query(
        &mut engine,
        "SELECT * FROM aws.sqs.queues WHERE region = 'us-east-1'",
    );
    assert_eq!(column(&rs, &["queue_url"]), [url("a"), url("b"), url("c")]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].contains("\"NextToken\":\"p2\""), "{}", seen[1]);
}

fn users_page(users: &[&str], marker: Option<&str>) -> String {
    let members: String = users
        .iter()
        .map(|u| {
            format!(
                "<member><Path>/</Path><UserName>{u}</UserName><UserId>AID{u}</UserId>\
                 <Arn>arn:aws:iam::123456789012:user/{u}</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
            )
        })
        .collect();
    let tail = match marker {
        Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".into(),
    };
    format!(
        r#"<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users>{members}</Users>{tail}</ListUsersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListUsersResponse>"#
    )
}

#[test]
fn iam_users_through_the_schema_driven_projection() {
    let reg = stackql_testkit::aws_current_registry();
    let (mut engine, seen) = engine(reg.root(), |body| {
        if body.contains("Marker=m1") {
            (200, users_page(&["carol"], None))
        } else {
            (200, users_page(&["alice", "bob"], Some("m1")))
        }
    });
    let rs = query(
        &mut engine,
        "SELECT * FROM aws.iam.users WHERE region = 'us-east-1'",
    );
    // The columns are the override schema's (UserDisplay), not the raw answer's.
    assert_eq!(
        column(&rs, &["UserName", "user_name"]),
        ["alice", "bob", "carol"]
    );
    assert_eq!(
        column(&rs, &["Arn", "arn"]),
        [
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::123456789012:user/carol"
        ]
    );
    assert_eq!(
        column(&rs, &["PasswordLastUsed", "password_last_used"]),
        ["NULL"; 3]
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].contains("Action=ListUsers"), "{}", seen[0]);
}

#[test]
fn a_template_that_fails_names_the_transform() {
    let reg = stackql_testkit::aws_current_registry();
    // A JSON answer the template cannot index (a list where the object belongs).
    let (mut engine, _) = engine(reg.root(), |_| (200, "[1, 2]".into()));
    let err = engine
        .execute("SELECT * FROM aws.sqs.queues WHERE region = 'us-east-1'", 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("golang_template_json_v0.3.0"), "{err}");
}
