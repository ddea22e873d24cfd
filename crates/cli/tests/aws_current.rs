//! The current `aws` provider (`../shared/registry-current`, what `REGISTRY PULL aws` installs
//! today: awsJson, rest-json, query and rest-xml services, `nativeCasing`, snake_case columns)
//! against `moto_server`, an independent implementation of the AWS APIs. Rows the binary
//! reads are compared with what boto3 reads from the same server; writes are checked through
//! boto3. Columns and parameters are written in snake_case (`table_name`), as StackQL's
//! `snake_case_aliases` and `nativeCasing` let users write them.

mod common;
mod loopback;

use common::{stackql, Run};
use loopback::{json, Loopback, Recorded};
use serde_json::Value;
use stackql_testkit::{aws_current_registry, start_moto, Moto, TempRegistry};
use std::collections::BTreeSet;

/// One moto server and the current registry, for one test.
struct World {
    reg: TempRegistry,
    moto: Moto,
}

impl World {
    fn start() -> World {
        World {
            reg: aws_current_registry(),
            moto: start_moto(),
        }
    }

    /// Runs a statement through the binary against moto, failing the test if it fails.
    fn exec(&self, sql: &str) -> Run {
        stackql(self.reg.root(), Some(&self.moto.url), &["exec", sql]).ok()
    }

    /// The rows of a query, as JSON objects.
    fn rows(&self, sql: &str) -> Vec<Value> {
        let run = stackql(
            self.reg.root(),
            Some(&self.moto.url),
            &["exec", "-o", "json", sql],
        )
        .ok();
        match run.json() {
            Value::Array(rows) => rows,
            other => panic!("expected rows from {sql}, got {other}"),
        }
    }

    /// The given columns of a query's rows, as text, as a set.
    fn table(&self, sql: &str, columns: &[&str]) -> BTreeSet<Vec<String>> {
        self.rows(sql).iter().map(|r| cells(r, columns)).collect()
    }

    /// What a boto3 script prints as a JSON list of lists of strings, as a set.
    fn boto_table(&self, script: &str) -> BTreeSet<Vec<String>> {
        serde_json::from_str::<Vec<Vec<String>>>(&self.moto.boto3(script))
            .unwrap_or_else(|e| panic!("boto3 printed no rows ({e}):\n{script}"))
            .into_iter()
            .collect()
    }
}

/// A row's columns as text (JSON values other than strings as JSON).
fn cells(row: &Value, columns: &[&str]) -> Vec<String> {
    columns
        .iter()
        .map(|c| match row.get(*c) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => panic!("column {c} missing from {row}"),
        })
        .collect()
}

fn set(rows: &[&[&str]]) -> BTreeSet<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn dynamodb_tables_insert_describe_delete_match_boto3() {
    let w = World::start();
    w.moto.boto3(
        "boto3.client('dynamodb').create_table(TableName='made', BillingMode='PAY_PER_REQUEST', \
         AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}], \
         KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}])",
    );
    // snake_case names for PascalCase body fields; JSON text for list fields.
    w.exec(
        "INSERT INTO aws.dynamodb.tables (table_name, attribute_definitions, key_schema, billing_mode, region) \
         SELECT 'ours', '[{\"AttributeName\": \"id\", \"AttributeType\": \"N\"}]', \
         '[{\"AttributeName\": \"id\", \"KeyType\": \"HASH\"}]', 'PAY_PER_REQUEST', 'us-east-1'",
    );
    let names =
        "print(json.dumps([[t] for t in boto3.client('dynamodb').list_tables()['TableNames']]))";
    assert_eq!(w.boto_table(names), set(&[&["made"], &["ours"]]));

    // DescribeTable, chosen because the statement supplies its TableName (as `table_name`).
    let ours = w.table(
        "SELECT table_name, table_arn, table_status, item_count FROM aws.dynamodb.tables \
         WHERE region = 'us-east-1' AND table_name IN ('made', 'ours')",
        &["table_name", "table_arn", "table_status", "item_count"],
    );
    let boto = w.boto_table(
        "out = []\n\
         for n in ['made', 'ours']:\n    \
             t = boto3.client('dynamodb').describe_table(TableName=n)['Table']\n    \
             out.append([t['TableName'], t['TableArn'], t['TableStatus'], str(t['ItemCount'])])\n\
         print(json.dumps(out))",
    );
    assert_eq!(ours, boto);
    assert_eq!(ours.len(), 2);
    // The wire name works as well, and the key schema arrives as JSON.
    let made = w.rows(
        "SELECT key_schema FROM aws.dynamodb.tables WHERE region = 'us-east-1' AND TableName = 'made'",
    );
    assert_eq!(made.len(), 1, "{made:?}");
    let key: Value = serde_json::from_str(made[0]["key_schema"].as_str().expect("JSON text"))
        .expect("key_schema is JSON");
    assert_eq!(key[0]["AttributeName"], "pk");

    w.exec("DELETE FROM aws.dynamodb.tables WHERE region = 'us-east-1' AND table_name = 'ours'");
    assert_eq!(w.boto_table(names), set(&[&["made"]]));
}

#[test]
fn sqs_queue_insert_lookup_delete_checked_through_boto3() {
    let w = World::start();
    w.exec("INSERT INTO aws.sqs.queues (queue_name, region) SELECT 'ours', 'us-east-1'");
    let urls =
        "print(json.dumps([[u] for u in boto3.client('sqs').list_queues().get('QueueUrls', [])]))";
    let listed = w.boto_table(urls);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let url = listed.iter().next().unwrap()[0].clone();
    assert!(url.ends_with("/ours"), "{url}");

    let found = w.table(
        "SELECT queue_url FROM aws.sqs.queue_urls WHERE region = 'us-east-1' AND queue_name = 'ours'",
        &["queue_url"],
    );
    assert_eq!(found, set(&[&[url.as_str()]]));

    w.exec(&format!(
        "DELETE FROM aws.sqs.queues WHERE region = 'us-east-1' AND queue_url = '{url}'"
    ));
    assert!(w.boto_table(urls).is_empty());
}

#[test]
fn s3_buckets_are_created_in_their_region_and_deleted() {
    let w = World::start();
    w.exec("INSERT INTO aws.s3.buckets (bucket, region) SELECT 'ours-east', 'us-east-1'");
    // Outside us-east-1 the request names the region (CreateBucketConfiguration).
    w.exec("INSERT INTO aws.s3.buckets (bucket, region) SELECT 'ours-west', 'eu-west-1'");
    let located = "s3 = boto3.client('s3')\n\
         print(json.dumps([[b['Name'], s3.get_bucket_location(Bucket=b['Name'])['LocationConstraint'] or 'us-east-1'] for b in s3.list_buckets()['Buckets']]))";
    assert_eq!(
        w.boto_table(located),
        set(&[&["ours-east", "us-east-1"], &["ours-west", "eu-west-1"]])
    );
    w.exec("DELETE FROM aws.s3.buckets WHERE bucket = 'ours-west' AND region = 'eu-west-1'");
    assert_eq!(w.boto_table(located), set(&[&["ours-east", "us-east-1"]]));
}

#[test]
fn lambda_functions_match_boto3() {
    let w = World::start();
    // The role and the zip (base64, as the JSON body carries it) for the functions.
    let made: Vec<String> = serde_json::from_str(&w.moto.boto3(
        "import io, zipfile, base64\n\
         role = boto3.client('iam').create_role(RoleName='fn', AssumeRolePolicyDocument='{}')['Role']['Arn']\n\
         b = io.BytesIO()\n\
         with zipfile.ZipFile(b, 'w') as z: z.writestr('h.py', 'def h(e, c): return 1')\n\
         for n in ['one', 'two']:\n    \
             boto3.client('lambda').create_function(FunctionName=n, Runtime='python3.12', Role=role, Handler='h.h', Code={'ZipFile': b.getvalue()})\n\
         print(json.dumps([role, base64.b64encode(b.getvalue()).decode()]))",
    ))
    .unwrap();
    // CreateFunction: a rest-json POST whose body holds the snake_case columns' fields.
    w.exec(&format!(
        "INSERT INTO aws.lambda.functions (function_name, runtime, role, handler, code, region) \
         SELECT 'three', 'python3.12', '{}', 'h.h', '{{\"ZipFile\": \"{}\"}}', 'us-east-1'",
        made[0], made[1]
    ));
    // ListFunctions (rest-json GET, `$.Functions`), one function a page: `max_items` is the
    // `MaxItems` query parameter, and every page is followed by `Marker`.
    let ours = w.table(
        "SELECT function_name, function_arn, runtime, handler FROM aws.lambda.functions \
         WHERE region = 'us-east-1' AND max_items = 1",
        &["function_name", "function_arn", "runtime", "handler"],
    );
    let boto = w.boto_table(
        "print(json.dumps([[f['FunctionName'], f['FunctionArn'], f['Runtime'], f['Handler']] for f in boto3.client('lambda').list_functions()['Functions']]))",
    );
    assert_eq!(ours, boto);
    assert_eq!(ours.len(), 3);
    // GetFunction: the name goes into the path.
    let one = w.rows(
        "SELECT function_name, configuration FROM aws.lambda.functions WHERE region = 'us-east-1' AND function_name = 'one'",
    );
    assert_eq!(one.len(), 1, "{one:?}");
    let config: Value =
        serde_json::from_str(one[0]["configuration"].as_str().expect("JSON text")).unwrap();
    let arn = boto
        .iter()
        .find(|r| r[0] == "one")
        .map(|r| r[1].clone())
        .unwrap();
    assert_eq!(config["FunctionArn"], arn.as_str());

    w.exec(
        "DELETE FROM aws.lambda.functions WHERE region = 'us-east-1' AND function_name = 'three'",
    );
    let names = w.boto_table(
        "print(json.dumps([[f['FunctionName']] for f in boto3.client('lambda').list_functions()['Functions']]))",
    );
    assert_eq!(names, set(&[&["one"], &["two"]]));
}

#[test]
fn log_groups_insert_select_delete_match_boto3() {
    let w = World::start();
    w.moto
        .boto3("boto3.client('logs').create_log_group(logGroupName='made')");
    w.exec("INSERT INTO aws.logs.log_groups (log_group_name, region) SELECT 'ours', 'us-east-1'");
    let groups = "print(json.dumps([[g['logGroupName'], g['arn']] for g in boto3.client('logs').describe_log_groups()['logGroups']]))";
    let ours = w.table(
        "SELECT log_group_name, arn FROM aws.logs.log_groups WHERE region = 'us-east-1'",
        &["log_group_name", "arn"],
    );
    let boto = w.boto_table(groups);
    assert_eq!(ours, boto);
    assert_eq!(boto.len(), 2);
    w.exec(
        "DELETE FROM aws.logs.log_groups WHERE region = 'us-east-1' AND log_group_name = 'ours'",
    );
    let left = w.boto_table(groups);
    assert_eq!(left.len(), 1);
    assert_eq!(left.iter().next().unwrap()[0], "made");
}

#[test]
fn kms_keys_list_describe_and_create_match_boto3() {
    let w = World::start();
    w.moto
        .boto3("for d in ['first', 'second']: boto3.client('kms').create_key(Description=d)");
    let keys = "print(json.dumps([[k['KeyId'], k['KeyArn']] for k in boto3.client('kms').list_keys()['Keys']]))";
    let ours = w.table(
        "SELECT key_id, key_arn FROM aws.kms.keys WHERE region = 'us-east-1'",
        &["key_id", "key_arn"],
    );
    assert_eq!(ours, w.boto_table(keys));
    assert_eq!(ours.len(), 2);
    // DescribeKey, chosen by its KeyId (`key_id`).
    let first = ours.iter().next().unwrap()[0].clone();
    let described = w.table(
        &format!(
            "SELECT key_id, description, key_state, arn FROM aws.kms.keys WHERE region = 'us-east-1' AND key_id = '{first}'"
        ),
        &["key_id", "description", "key_state", "arn"],
    );
    let boto = w.boto_table(&format!(
        "m = boto3.client('kms').describe_key(KeyId='{first}')['KeyMetadata']\n\
         print(json.dumps([[m['KeyId'], m['Description'], m['KeyState'], m['Arn']]]))"
    ));
    assert_eq!(described, boto);

    w.exec("INSERT INTO aws.kms.keys (description, region) SELECT 'ours', 'us-east-1'");
    let descriptions = w.boto_table(
        "kms = boto3.client('kms')\n\
         print(json.dumps([[kms.describe_key(KeyId=k['KeyId'])['KeyMetadata']['Description']] for k in kms.list_keys()['Keys']]))",
    );
    assert_eq!(descriptions, set(&[&["first"], &["second"], &["ours"]]));
}

#[test]
fn ecs_clusters_insert_describe_delete_match_boto3() {
    let w = World::start();
    // ECS spells its fields in camelCase (`clusterName`); the snake form is the same.
    w.exec("INSERT INTO aws.ecs.clusters (cluster_name, region) SELECT 'ours', 'us-east-1'");
    let arns =
        "print(json.dumps([[a] for a in boto3.client('ecs').list_clusters()['clusterArns']]))";
    let listed = w.boto_table(arns);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let arn = listed.iter().next().unwrap()[0].clone();
    assert!(arn.ends_with("/ours"), "{arn}");
    // DescribeClusters answers {clusters, failures}: one row, its list as JSON.
    let rows = w.rows(
        "SELECT clusters FROM aws.ecs.clusters WHERE region = 'us-east-1' AND clusters = '[\"ours\"]'",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    let clusters: Value = serde_json::from_str(rows[0]["clusters"].as_str().unwrap()).unwrap();
    assert_eq!(clusters[0]["clusterArn"], arn.as_str());
    assert_eq!(clusters[0]["clusterName"], "ours");
    w.exec("DELETE FROM aws.ecs.clusters WHERE region = 'us-east-1' AND cluster = 'ours'");
    let status = w.boto_table(
        "print(json.dumps([[c['status']] for c in boto3.client('ecs').describe_clusters(clusters=['ours'])['clusters']]))",
    );
    assert!(
        status.is_empty() || status == set(&[&["INACTIVE"]]),
        "{status:?}"
    );
}

#[test]
fn iam_users_are_created_with_tags_and_deleted() {
    let w = World::start();
    // IAM is global: no region. Tags travel as the query protocol's `Tags.member.1.Key`.
    w.exec(
        "INSERT INTO aws.iam.users (user_name, path, tags) \
         SELECT 'ours', '/team/', '[{\"Key\": \"env\", \"Value\": \"test\"}]'",
    );
    let users = w.boto_table(
        "iam = boto3.client('iam')\n\
         print(json.dumps([[u['UserName'], u['Path']] + [t['Key'] + '=' + t['Value'] for t in iam.list_user_tags(UserName=u['UserName'])['Tags']] for u in iam.list_users()['Users']]))",
    );
    assert_eq!(users, set(&[&["ours", "/team/", "env=test"]]));
    w.exec("DELETE FROM aws.iam.users WHERE user_name = 'ours'");
    assert!(w
        .boto_table("print(json.dumps([[u['UserName']] for u in boto3.client('iam').list_users()['Users']]))")
        .is_empty());
}

#[test]
fn sns_topics_are_created_and_deleted() {
    let w = World::start();
    // SNS's `Name` parameter: `name` is the same SQLite column.
    w.exec("INSERT INTO aws.sns.topics (name, region) SELECT 'ours', 'us-east-1'");
    let topics =
        "print(json.dumps([[t['TopicArn']] for t in boto3.client('sns').list_topics()['Topics']]))";
    let listed = w.boto_table(topics);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let arn = listed.iter().next().unwrap()[0].clone();
    assert!(arn.ends_with(":ours"), "{arn}");
    w.exec(&format!(
        "DELETE FROM aws.sns.topics WHERE region = 'us-east-1' AND topic_arn = '{arn}'"
    ));
    assert!(w.boto_table(topics).is_empty());
}

#[test]
fn describe_shows_snake_case_columns_and_the_wire_parameters() {
    let reg = aws_current_registry();
    let run = stackql(
        reg.root(),
        None,
        &["exec", "-o", "json", "DESCRIBE aws.dynamodb.tables"],
    )
    .ok();
    let names: Vec<String> = match run.json() {
        Value::Array(rows) => rows
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_string())
            .collect(),
        other => panic!("{other}"),
    };
    for column in [
        "table_name",
        "table_arn",
        "key_schema",
        "item_count",
        "region",
    ] {
        assert!(
            names.iter().any(|n| n == column),
            "{column} missing: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "TableArn"),
        "response fields show their snake_case form only: {names:?}"
    );
}

/// A write without an idempotency token may have taken effect when the answer is a 500:
/// it is sent once, whether the service speaks awsJson (SQS) or the query protocol (IAM).
#[test]
fn a_write_without_a_client_token_is_sent_once_on_a_500() {
    let reg = aws_current_registry();
    for (sql, check) in [
        (
            "INSERT INTO aws.sqs.queues (queue_name, region) SELECT 'q', 'us-east-1'",
            (|r: &Recorded| {
                assert_eq!(r.target, "/");
                assert_eq!(r.header("x-amz-target"), Some("AmazonSQS.CreateQueue"));
                assert_eq!(r.json()["QueueName"], "q");
            }) as fn(&Recorded),
        ),
        (
            "INSERT INTO aws.iam.users (user_name) SELECT 'u'",
            (|r: &Recorded| {
                assert_eq!(r.method, "POST");
                let form = String::from_utf8_lossy(&r.body);
                assert!(form.contains("Action=CreateUser"), "{form}");
                assert!(form.contains("UserName=u"), "{form}");
            }) as fn(&Recorded),
        ),
    ] {
        let server = Loopback::start(|_, _| {
            json(500, r#"{"__type":"InternalFailure","message":"try again"}"#)
        });
        let run = stackql(
            reg.root(),
            Some(&server.url()),
            &["exec", "--http.retry.maxAttempts", "5", sql],
        );
        assert_eq!(run.code, 1, "{sql}: {}", run.stderr);
        assert!(run.stderr.contains("500"), "{sql}: {}", run.stderr);
        let sent = server.requests();
        assert_eq!(sent.len(), 1, "{sql}: a 500 is not retried: {sent:?}");
        check(&sent[0]);
    }
    // The same request answered: it is a read, retried until it succeeds.
    let server = Loopback::start(|_, n| {
        if n == 0 {
            json(500, r#"{"__type":"InternalFailure"}"#)
        } else {
            json(200, r#"{"QueueUrl": "http://q/1/x"}"#)
        }
    });
    let run = stackql(
        reg.root(),
        Some(&server.url()),
        &[
            "exec",
            "-o",
            "json",
            "SELECT queue_url FROM aws.sqs.queue_urls WHERE region = 'us-east-1' AND queue_name = 'x'",
        ],
    )
    .ok();
    assert_eq!(server.requests().len(), 2);
    assert!(run.stdout.contains("http://q/1/x"), "{}", run.stdout);
}

#[test]
fn route53_hosted_zones_are_created_and_deleted() {
    let w = World::start();
    // Route 53 is rest-xml and global: the body is XML, no region is needed.
    w.exec(
        "INSERT INTO aws.route53.hosted_zones (name, caller_reference) SELECT 'example.com', 'ref-1'",
    );
    let zones = "print(json.dumps([[z['Id'].split('/')[-1], z['Name'], z['CallerReference']] for z in boto3.client('route53').list_hosted_zones()['HostedZones']]))";
    let listed = w.boto_table(zones);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let zone = listed.iter().next().unwrap().clone();
    assert_eq!(zone[1..], ["example.com.".to_string(), "ref-1".to_string()]);
    w.exec(&format!(
        "DELETE FROM aws.route53.hosted_zones WHERE id = '{}'",
        zone[0]
    ));
    assert!(w.boto_table(zones).is_empty());
}

/// Listings answered through a `response.transform` (the registry's `$.line_items`
/// objectKey): awsJson reshaped by a Go template, query and rest-xml answers by the
/// schema-driven XML projection.
#[test]
fn listings_through_response_transforms_match_boto3() {
    let w = World::start();
    w.moto.boto3(
        "boto3.client('sqs').create_queue(QueueName='q1')\n\
         boto3.client('sqs').create_queue(QueueName='q2')\n\
         boto3.client('dynamodb').create_table(TableName='t1', BillingMode='PAY_PER_REQUEST', \
           AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}], \
           KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}])\n\
         boto3.client('s3').create_bucket(Bucket='b-one')\n\
         boto3.client('s3').create_bucket(Bucket='b-two')\n\
         iam = boto3.client('iam')\n\
         for u in ['alice', 'bob']: iam.create_user(UserName=u, Path='/people/')\n\
         for t in ['t-a', 't-b']: boto3.client('sns').create_topic(Name=t)\n\
         boto3.client('route53').create_hosted_zone(Name='example.org', CallerReference='r1')",
    );
    // SQS ListQueues (awsJson, golang_template_json).
    assert_eq!(
        w.table(
            "SELECT queue_url FROM aws.sqs.queues WHERE region = 'us-east-1'",
            &["queue_url"]
        ),
        w.boto_table(
            "print(json.dumps([[u] for u in boto3.client('sqs').list_queues()['QueueUrls']]))"
        )
    );
    // DynamoDB ListTables (awsJson, golang_template_json).
    assert_eq!(
        w.table(
            "SELECT table_name FROM aws.dynamodb.tables WHERE region = 'us-east-1'",
            &["table_name"]
        ),
        set(&[&["t1"]])
    );
    // S3 ListBuckets (rest-xml, schema_driven_xml).
    assert_eq!(
        w.table(
            "SELECT name FROM aws.s3.buckets WHERE region = 'us-east-1'",
            &["name"]
        ),
        set(&[&["b-one"], &["b-two"]])
    );
    // IAM ListUsers (query, schema_driven_xml); IAM is global.
    assert_eq!(
        w.table(
            "SELECT user_name, user_id, arn, path FROM aws.iam.users",
            &["user_name", "user_id", "arn", "path"]
        ),
        w.boto_table("print(json.dumps([[u['UserName'], u['UserId'], u['Arn'], u['Path']] for u in boto3.client('iam').list_users()['Users']]))")
    );
    // STS GetCallerIdentity.
    assert_eq!(
        w.table(
            "SELECT account, arn, user_id FROM aws.sts.caller_identities",
            &["account", "arn", "user_id"]
        ),
        w.boto_table("i = boto3.client('sts').get_caller_identity()\nprint(json.dumps([[i['Account'], i['Arn'], i['UserId']]]))")
    );
    // SNS ListTopics.
    assert_eq!(
        w.table(
            "SELECT topic_arn FROM aws.sns.topics WHERE region = 'us-east-1'",
            &["topic_arn"]
        ),
        w.boto_table("print(json.dumps([[t['TopicArn']] for t in boto3.client('sns').list_topics()['Topics']]))")
    );
    // Route 53 ListHostedZones (rest-xml, global).
    assert_eq!(
        w.table(
            "SELECT id, name, caller_reference FROM aws.route53.hosted_zones",
            &["id", "name", "caller_reference"]
        ),
        w.boto_table("print(json.dumps([[z['Id'], z['Name'], z['CallerReference']] for z in boto3.client('route53').list_hosted_zones()['HostedZones']]))")
    );
}
