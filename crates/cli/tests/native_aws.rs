//! The May-2024 snapshot's native AWS services through moto (an independent implementation
//! of the AWS APIs): EC2 (query protocol, XML answers) and IAM (query, `.member.N` lists,
//! `Marker` paging). Each test compares the binary's rows with what boto3 reads from the
//! same server, and checks writes through boto3.

mod common;
mod loopback;

use common::*;
use serde_json::Value;
use stackql_testkit::{aws_registry, start_moto};
use std::collections::BTreeSet;

fn rows(run: &Run) -> Vec<Value> {
    match run.json() {
        Value::Array(rows) => rows,
        other => panic!("expected rows, got {other}"),
    }
}

fn texts(rows: &[Value], columns: &[&str]) -> BTreeSet<Vec<String>> {
    rows.iter()
        .map(|r| {
            columns
                .iter()
                // SQLite names a column as declared: EC2's `vpcId` field shares the column
                // of the `VpcId` parameter (names are case-insensitive).
                .map(|c| {
                    match r
                        .as_object()
                        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(c)))
                        .map_or(&Value::Null, |(_, v)| v)
                    {
                        Value::String(s) => s.clone(),
                        // Booleans are SQLite integers.
                        Value::Number(n) if *c == "isDefault" => {
                            (n.as_i64() == Some(1)).to_string()
                        }
                        other => other.to_string(),
                    }
                })
                .collect()
        })
        .collect()
}

fn boto_set(out: &str) -> BTreeSet<Vec<String>> {
    serde_json::from_str::<Vec<Vec<String>>>(out)
        .expect("boto3 printed rows")
        .into_iter()
        .collect()
}

#[test]
fn ec2_vpcs_in_two_regions_match_boto3() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "for region, cidrs in [('us-east-1', ['10.1.0.0/16', '10.2.0.0/16']), ('eu-west-1', ['10.3.0.0/16'])]:\n    \
         ec2 = boto3.client('ec2', region_name=region)\n    \
         for c in cidrs: ec2.create_vpc(CidrBlock=c)",
    );
    let expected = boto_set(&moto.boto3(
        "out = []\n\
         for region in ['us-east-1', 'eu-west-1']:\n    \
         for v in boto3.client('ec2', region_name=region).describe_vpcs()['Vpcs']:\n        \
         out.append([v['VpcId'], v['CidrBlock'], v['State'], str(v['IsDefault']).lower(), region])\n\
         print(json.dumps(out))",
    ));
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "SELECT vpcId, cidrBlock, state, isDefault, region FROM aws.ec2_api.vpcs \
             WHERE region IN ('us-east-1', 'eu-west-1')",
        ],
    )
    .ok();
    let got = rows(&run);
    assert_eq!(
        texts(
            &got,
            &["vpcId", "cidrBlock", "state", "isDefault", "region"]
        ),
        expected
    );
    // Two regions' default VPCs plus the three made here.
    assert_eq!(expected.len(), 5, "{expected:?}");
}

#[test]
fn describe_shows_the_items_fields_and_types() {
    let reg = aws_registry();
    let run = stackql(
        reg.root(),
        None,
        &["exec", "-o", "json", "DESCRIBE aws.ec2_api.vpcs"],
    )
    .ok();
    let fields: Vec<(String, String)> = rows(&run)
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_string(),
                r["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (name, ty) in [
        ("vpcId", "string"),
        ("cidrBlock", "string"),
        ("state", "string"),
        ("isDefault", "boolean"),
        ("tagSet", "array"),
    ] {
        assert!(
            fields.contains(&(name.to_string(), ty.to_string())),
            "{name} {ty} missing from {fields:?}"
        );
    }
    // The item's fields come first; request parameters follow them, as StackQL lists them.
    let first_param = fields
        .iter()
        .position(|(n, _)| n == "Filter")
        .unwrap_or(fields.len());
    assert!(
        fields[..first_param].iter().any(|(n, _)| n == "vpcId") && first_param >= 10,
        "the item's fields lead: {fields:?}"
    );
}

#[test]
fn ec2_instances_follow_next_token_over_several_pages() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "ec2 = boto3.client('ec2', region_name='us-east-1')\n\
         for _ in range(12): ec2.run_instances(ImageId='ami-12c6146b', MinCount=1, MaxCount=1)",
    );
    let expected = boto_set(&moto.boto3(
        "out = []\n\
         for page in boto3.client('ec2').get_paginator('describe_instances').paginate():\n    \
         for r in page['Reservations']:\n        \
         for i in r['Instances']: out.append([i['InstanceId'], i['ImageId']])\n\
         print(json.dumps(out))",
    ));
    assert_eq!(expected.len(), 12);
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "--http.log.enabled=true",
            "SELECT instanceId, imageId FROM aws.ec2_api.instances \
             WHERE region = 'us-east-1' AND MaxResults = 5",
        ],
    )
    .ok();
    assert_eq!(texts(&rows(&run), &["instanceId", "imageId"]), expected);
    let requests = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("http: "))
        .count();
    assert_eq!(requests, 3, "12 instances in pages of 5:\n{}", run.stderr);
}

#[test]
fn iam_roles_follow_the_marker_and_users_match_boto3() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "iam = boto3.client('iam')\n\
         doc = json.dumps({'Version': '2012-10-17', 'Statement': []})\n\
         for i in range(5): iam.create_role(RoleName=f'role{i}', AssumeRolePolicyDocument=doc)\n\
         for i in range(3): iam.create_user(UserName=f'user{i}', Path='/team/')",
    );
    let expected_roles = boto_set(&moto.boto3(
        "out = []\n\
         for page in boto3.client('iam').get_paginator('list_roles').paginate():\n    \
         out += [[r['RoleName'], r['Arn']] for r in page['Roles']]\n\
         print(json.dumps(out))",
    ));
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "--http.log.enabled=true",
            "SELECT RoleName, Arn FROM aws.iam_api.roles WHERE region = 'us-east-1' AND MaxItems = 2",
        ],
    )
    .ok();
    assert_eq!(texts(&rows(&run), &["RoleName", "Arn"]), expected_roles);
    let requests = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("http: "))
        .count();
    assert_eq!(requests, 3, "5 roles in pages of 2:\n{}", run.stderr);

    let expected_users = boto_set(&moto.boto3(
        "print(json.dumps([[u['UserName'], u['Path'], u['Arn']] for u in boto3.client('iam').list_users()['Users']]))",
    ));
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "SELECT UserName, Path, Arn FROM aws.iam_api.users WHERE region = 'us-east-1'",
        ],
    )
    .ok();
    assert_eq!(
        texts(&rows(&run), &["UserName", "Path", "Arn"]),
        expected_users
    );
}

#[test]
fn a_vpc_and_a_user_are_created_and_deleted() {
    let reg = aws_registry();
    let moto = start_moto();
    let exec = |sql: &str| stackql(reg.root(), Some(&moto.url), &["exec", sql]).ok();
    let run =
        exec("INSERT INTO aws.ec2_api.vpcs (CidrBlock, region) SELECT '10.42.0.0/16', 'eu-west-1'");
    assert_eq!(run.stderr, "The operation was despatched successfully\n");
    let vpc_ids = moto.boto3(
        "print(json.dumps([v['VpcId'] for v in boto3.client('ec2', region_name='eu-west-1').describe_vpcs(\
         Filters=[{'Name': 'cidr', 'Values': ['10.42.0.0/16']}])['Vpcs']]))",
    );
    let vpc_ids: Vec<String> = serde_json::from_str(&vpc_ids).unwrap();
    assert_eq!(vpc_ids.len(), 1, "{vpc_ids:?}");
    // Filters go out as EC2 lists (`Filter.1.Name`, `Filter.1.Value.1`).
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "SELECT vpcId FROM aws.ec2_api.vpcs WHERE region = 'eu-west-1' \
             AND Filter = '[{\"Name\": \"cidr\", \"Values\": [\"10.42.0.0/16\"]}]'",
        ],
    )
    .ok();
    assert_eq!(
        texts(&rows(&run), &["vpcId"]),
        [vec![vpc_ids[0].clone()]].into()
    );
    let run = exec(&format!(
        "DELETE /*+ AWAIT */ FROM aws.ec2_api.vpcs WHERE VpcId = '{}' AND region = 'eu-west-1'",
        vpc_ids[0]
    ));
    assert_eq!(run.stderr, "The operation completed successfully\n");
    let left = moto.boto3(
        "print(json.dumps([v['VpcId'] for v in boto3.client('ec2', region_name='eu-west-1').describe_vpcs()['Vpcs']]))",
    );
    assert!(!left.contains(&vpc_ids[0]), "{left}");

    exec(
        "INSERT INTO aws.iam_api.users (UserName, Path, Tags, region) \
         SELECT 'made-here', '/made/', '[{\"Key\": \"team\", \"Value\": \"a\"}]', 'us-east-1'",
    );
    let user = moto.boto3(
        "u = boto3.client('iam').get_user(UserName='made-here')['User']\n\
         print(json.dumps([u['Path'], u.get('Tags', [])]))",
    );
    let user: Value = serde_json::from_str(&user).unwrap();
    assert_eq!(
        user,
        serde_json::json!(["/made/", [{"Key": "team", "Value": "a"}]])
    );
    exec("DELETE FROM aws.iam_api.users WHERE UserName = 'made-here' AND region = 'us-east-1'");
    let names = moto.boto3(
        "print(json.dumps([u['UserName'] for u in boto3.client('iam').list_users()['Users']]))",
    );
    assert!(!names.contains("made-here"), "{names}");
}

#[test]
fn a_create_user_answered_500_is_sent_once_and_its_xml_error_reported() {
    let reg = aws_registry();
    let server = loopback::Loopback::start(|_, _| {
        loopback::Reply::Answer(
            500,
            vec![("Content-Type", "text/xml".into())],
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code>\
             <Message>try later</Message></Error><RequestId>req-500</RequestId></ErrorResponse>"
                .into(),
        )
    });
    let run = stackql(
        reg.root(),
        Some(&server.url()),
        &[
            "exec",
            "INSERT INTO aws.iam_api.users (UserName, region) SELECT 'once', 'us-east-1'",
        ],
    );
    assert_ne!(run.code, 0);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        1,
        "a non-idempotent write is never repeated"
    );
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    let body = String::from_utf8_lossy(&r.body);
    assert!(
        body.starts_with("Action=CreateUser&Version=2010-05-08&") && body.contains("UserName=once"),
        "{body}"
    );
    for part in ["ServiceFailure", "try later", "HTTP 500", "req-500"] {
        assert!(
            run.stderr.contains(part),
            "{part} missing from: {}",
            run.stderr
        );
    }
}

/// A synchronous write's `-v` output: the http log's line for the one request, as sent (a
/// form POST to the endpoint naming its Action, never the document's `GET /?Action=...`),
/// then StackQL's message and what was done, with no hint to AWAIT (the answer already is
/// the outcome; there is no request token to follow). `region` is the log's region label:
/// `-` for a global endpoint such as IAM's, whose region is no parameter.
fn assert_synchronous_report(
    run: &Run,
    endpoint: &str,
    action: &str,
    region: &str,
    verb_and_target: &str,
) {
    let (http, rest): (Vec<&str>, Vec<&str>) =
        run.stderr.lines().partition(|l| l.starts_with("http: "));
    assert_eq!(http.len(), 1, "{}", run.stderr);
    assert!(
        http[0].starts_with(&format!(
            "http: POST {endpoint}/ Action={action} [{region}] HTTP 200"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        rest,
        [
            "The operation was despatched successfully".to_string(),
            format!("  {verb_and_target}: SUCCESS")
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn an_ec2_volume_is_updated_through_modify_volume() {
    let reg = aws_registry();
    let moto = start_moto();
    let volume_id = moto.boto3(
        "v = boto3.client('ec2').create_volume(Size=8, VolumeType='gp2', AvailabilityZone='us-east-1a')\n\
         print(v['VolumeId'])",
    );
    let volume_id = volume_id.trim();
    // `volumes` lists ModifyVolume under sqlVerbs.update; SET columns are its parameters.
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-v",
            &format!(
                "UPDATE aws.ec2_api.volumes SET Size = 20, VolumeType = 'gp3' \
                 WHERE VolumeId = '{volume_id}' AND region = 'us-east-1'"
            ),
        ],
    )
    .ok();
    assert_synchronous_report(
        &run,
        &moto.url,
        "ModifyVolume",
        "us-east-1",
        "UPDATE aws.ec2_api.volumes",
    );
    let volume: Value = serde_json::from_str(&moto.boto3(&format!(
        "v = boto3.client('ec2').describe_volumes(VolumeIds=['{volume_id}'])['Volumes'][0]\n\
         print(json.dumps([v['Size'], v['VolumeType']]))"
    )))
    .unwrap();
    assert_eq!(volume, serde_json::json!([20, "gp3"]));
}

#[test]
fn exec_of_an_iam_action_renames_and_moves_a_user() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3("boto3.client('iam').create_user(UserName='before', Path='/old/')");
    // users_Update (UpdateUser) is under no SQL verb: EXEC is how it is called.
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-v",
            "EXEC aws.iam_api.users.users_Update @UserName='before', @NewUserName='after', \
             @NewPath='/new/', @region='us-east-1'",
        ],
    )
    .ok();
    assert_synchronous_report(&run, &moto.url, "UpdateUser", "-", "EXEC aws.iam_api.users");
    let users: Value = serde_json::from_str(&moto.boto3(
        "print(json.dumps([[u['UserName'], u['Path']] for u in boto3.client('iam').list_users()['Users']]))",
    ))
    .unwrap();
    assert_eq!(users, serde_json::json!([["after", "/new/"]]));
}
