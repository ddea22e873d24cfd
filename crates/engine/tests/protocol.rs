//! The engine through a fake transport (no sockets, no binary): EC2 reads encoded as query
//! forms and read back from XML pages followed by `nextToken`, an EC2 XML error decoded
//! into code, message and request id, and IAM's `Marker` paging.

use stackql_engine::{
    CallError, Engine, EngineError, EngineOptions, FnSender, Outcome, RawResponse, RetryPolicy,
};
use stackql_output::Cell;
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// An engine on the May-2024 snapshot whose requests `answer` answers: (method, URI, body).
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
        record.lock().unwrap().push((
            req.method().to_string(),
            req.uri().to_string(),
            body.clone(),
        ));
        let (status, text) = answer(&body);
        Ok(RawResponse {
            status,
            headers: http::HeaderMap::new(),
            body: text.into_bytes(),
        })
    })));
    (Engine::new(options).expect("engine"), seen)
}

fn rows(engine: &mut Engine, sql: &str) -> Vec<Vec<String>> {
    match engine.execute(sql, 1).expect("statement runs").outcome {
        Outcome::Rows(rs) => rs
            .rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| match c {
                        Cell::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                    .collect()
            })
            .collect(),
        other => panic!("expected rows, got {other:?}"),
    }
}

fn vpcs_page(ids: &[&str], next: Option<&str>) -> String {
    let items: String = ids
        .iter()
        .map(|id| format!("<item><vpcId>{id}</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item>"))
        .collect();
    let next = next
        .map(|t| format!("<nextToken>{t}</nextToken>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><vpcSet>{items}</vpcSet>{next}</DescribeVpcsResponse>"#
    )
}

#[test]
fn ec2_reads_are_query_forms_and_xml_pages_are_followed() {
    let reg = stackql_testkit::aws_registry();
    let (mut engine, seen) = engine(reg.root(), |body| {
        if body.contains("NextToken=page2") {
            (200, vpcs_page(&["vpc-3"], None))
        } else {
            (200, vpcs_page(&["vpc-1", "vpc-2"], Some("page2")))
        }
    });
    let got = rows(
        &mut engine,
        "SELECT vpcId, cidrBlock, isDefault FROM aws.ec2_api.vpcs WHERE region = 'us-east-1' \
         AND VpcId = '[\"vpc-1\", \"vpc-2\", \"vpc-3\"]'",
    );
    let ids: Vec<&str> = got.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["vpc-1", "vpc-2", "vpc-3"]);
    assert_eq!(got[0][1], "10.0.0.0/16");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (method, uri, body) in seen.iter() {
        assert_eq!(method, "POST");
        assert_eq!(uri, "http://127.0.0.1:9/");
        assert!(
            body.starts_with("Action=DescribeVpcs&Version=2016-11-15&")
                && body.contains("VpcId.1=vpc-1&VpcId.2=vpc-2&VpcId.3=vpc-3"),
            "{body}"
        );
    }
    assert!(seen[1].2.contains("NextToken=page2"), "{}", seen[1].2);
}

#[test]
fn an_ec2_xml_error_names_its_code_message_and_request_id() {
    let reg = stackql_testkit::aws_registry();
    let (mut engine, _) = engine(reg.root(), |_| {
        (
            400,
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>not allowed</Message></Error></Errors><RequestID>req-42</RequestID></Response>".into(),
        )
    });
    let err = engine
        .execute(
            "SELECT vpcId FROM aws.ec2_api.vpcs WHERE region = 'us-east-1'",
            1,
        )
        .unwrap_err();
    let EngineError::Calls(calls) = &err else {
        panic!("expected failed calls, got {err:?}");
    };
    assert_eq!(
        calls[0].error,
        CallError::Api {
            status: 400,
            code: "UnauthorizedOperation".into(),
            message: "not allowed".into(),
            request_id: Some("req-42".into()),
        }
    );
}

#[test]
fn iam_listings_follow_the_marker_while_truncated() {
    let reg = stackql_testkit::aws_registry();
    let page = |names: &[&str], marker: Option<&str>| {
        let members: String = names
            .iter()
            .map(|n| format!("<member><RoleName>{n}</RoleName><Path>/</Path></member>"))
            .collect();
        let tail = match marker {
            Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
            None => "<IsTruncated>false</IsTruncated>".into(),
        };
        format!("<ListRolesResponse><ListRolesResult><Roles>{members}</Roles>{tail}</ListRolesResult></ListRolesResponse>")
    };
    let (mut engine, seen) = engine(reg.root(), move |body| {
        if body.contains("Marker=m1") {
            (200, page(&["c"], None))
        } else {
            (200, page(&["a", "b"], Some("m1")))
        }
    });
    let got = rows(
        &mut engine,
        "SELECT RoleName FROM aws.iam_api.roles WHERE region = 'us-east-1'",
    );
    assert_eq!(got, vec![vec!["a"], vec!["b"], vec!["c"]]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].2.starts_with("Action=ListRoles&Version=2010-05-08"),
        "{}",
        seen[0].2
    );
}
