//! The May-2024 snapshot's awsJson 1.1 services against `moto_server`: our rows compared
//! with what boto3 reads from the same server, and our writes checked through boto3.
//! Transfer (`TransferService.*`), CloudWatch Logs (`Logs_20140328.*`) and CloudHSM v2
//! (`BaldrApiService.*`, as far as moto implements it).

mod common;

use common::stackql;
use serde_json::Value;
use stackql_testkit::{aws_registry, start_moto, Moto};

fn rows(reg: &std::path::Path, moto: &Moto, sql: &str) -> Vec<Value> {
    let out = stackql(reg, Some(&moto.url), &["exec", "-o", "json", sql])
        .ok()
        .json();
    out.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not a list: {out}"))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn transfer_servers_select_insert_delete_match_boto3() {
    let reg = aws_registry();
    let moto = start_moto();
    // Two servers made by boto3, in two regions.
    let made = moto.boto3(
        "ids = [boto3.client('transfer', region_name=r).create_server()['ServerId'] for r in ['us-east-1', 'us-east-1', 'eu-west-1']]\n\
         print(json.dumps(ids))",
    );
    let made: Vec<String> = serde_json::from_str(&made).unwrap();
    assert_eq!(made.len(), 3);
    let ours = rows(
        reg.root(),
        &moto,
        "SELECT ServerId, Arn, region FROM aws.transfer_api.servers WHERE region IN ('us-east-1', 'eu-west-1')",
    );
    let boto = moto.boto3(
        "out = []\n\
         for r in ['us-east-1', 'eu-west-1']:\n    \
             for s in boto3.client('transfer', region_name=r).list_servers()['Servers']:\n        \
                 out.append(s['ServerId'] + ' ' + s['Arn'] + ' ' + r)\n\
         print(json.dumps(out))",
    );
    let boto: Vec<String> = serde_json::from_str(&boto).unwrap();
    let ours: Vec<String> = ours
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["ServerId"].as_str().unwrap(),
                r["Arn"].as_str().unwrap(),
                r["region"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(sorted(ours), sorted(boto.clone()));
    assert_eq!(boto.len(), 3);

    // INSERT creates one; DELETE removes it; boto3 sees both.
    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "INSERT INTO aws.transfer_api.servers (region, data__Domain) SELECT 'us-east-1', 'S3'",
        ],
    )
    .ok();
    let after: Vec<String> = serde_json::from_str(&moto.boto3(
        "print(json.dumps([s['ServerId'] for s in boto3.client('transfer').list_servers()['Servers']]))",
    ))
    .unwrap();
    assert_eq!(after.len(), 3, "{after:?}");
    let new_id = after
        .iter()
        .find(|id| !made.contains(id))
        .expect("the server our INSERT created")
        .clone();
    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            &format!(
                "DELETE FROM aws.transfer_api.servers WHERE region = 'us-east-1' AND data__ServerId = '{new_id}'"
            ),
        ],
    )
    .ok();
    let left: Vec<String> = serde_json::from_str(&moto.boto3(
        "print(json.dumps([s['ServerId'] for s in boto3.client('transfer').list_servers()['Servers']]))",
    ))
    .unwrap();
    assert!(!left.contains(&new_id), "{left:?}");
    assert_eq!(left.len(), 2);
}

#[test]
fn log_events_match_boto3() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "import time\n\
         logs = boto3.client('logs')\n\
         logs.create_log_group(logGroupName='app')\n\
         logs.create_log_stream(logGroupName='app', logStreamName='web')\n\
         now = int(time.time() * 1000)\n\
         logs.put_log_events(logGroupName='app', logStreamName='web', logEvents=[{'timestamp': now + i, 'message': 'line %d' % i} for i in range(25)])\n\
         print('[]')",
    );
    let ours = rows(
        reg.root(),
        &moto,
        "SELECT message, timestamp FROM aws.cloudwatch_api.log_events WHERE region = 'us-east-1' AND data__logGroupName = 'app' AND data__logStreamName = 'web'",
    );
    let boto: Vec<String> = serde_json::from_str(&moto.boto3(
        "ev = boto3.client('logs').get_log_events(logGroupName='app', logStreamName='web')['events']\n\
         print(json.dumps(['%s %s' % (e['message'], e['timestamp']) for e in ev]))",
    ))
    .unwrap();
    assert_eq!(boto.len(), 25);
    let ours: Vec<String> = ours
        .iter()
        .map(|r| format!("{} {}", r["message"].as_str().unwrap(), r["timestamp"]))
        .collect();
    assert_eq!(sorted(ours), sorted(boto));
}

/// moto implements CreateCluster, DeleteCluster, DescribeClusters, DescribeBackups and
/// the tag operations of CloudHSM v2; not CreateHsm, DeleteHsm, InitializeCluster,
/// ModifyCluster, CopyBackupToRegion, DeleteBackup, ModifyBackupAttributes, RestoreBackup.
#[test]
fn cloudhsm_clusters_and_backups_match_boto3() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "boto3.client('cloudhsmv2').create_cluster(HsmType='hsm1.medium', SubnetIds=['subnet-12345678'])\n\
         print('[]')",
    );
    let ids = "print(json.dumps([c['ClusterId'] for c in boto3.client('cloudhsmv2').describe_clusters()['Clusters']]))";
    let ours = rows(
        reg.root(),
        &moto,
        "SELECT ClusterId, HsmType FROM aws.cloudhsm.clusters WHERE region = 'us-east-1'",
    );
    let ours_ids: Vec<String> = ours
        .iter()
        .map(|r| r["ClusterId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        sorted(ours_ids),
        sorted(serde_json::from_str(&moto.boto3(ids)).unwrap())
    );
    assert_eq!(ours[0]["HsmType"], "hsm1.medium");
    let backups = rows(
        reg.root(),
        &moto,
        "SELECT BackupId, ClusterId FROM aws.cloudhsm.backups WHERE region = 'us-east-1'",
    );
    let boto_backups: Vec<String> = serde_json::from_str(&moto.boto3(
        "print(json.dumps([b['BackupId'] for b in boto3.client('cloudhsmv2').describe_backups()['Backups']]))",
    ))
    .unwrap();
    let ours_backups: Vec<String> = backups
        .iter()
        .map(|r| r["BackupId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sorted(ours_backups), sorted(boto_backups));

    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "INSERT INTO aws.cloudhsm.clusters (region, data__HsmType, data__SubnetIds) SELECT 'us-east-1', 'hsm1.medium', '[\"subnet-87654321\"]'",
        ],
    )
    .ok();
    let after: Vec<String> = serde_json::from_str(&moto.boto3(ids)).unwrap();
    assert_eq!(after.len(), 2, "{after:?}");
    let first = &ours[0]["ClusterId"].as_str().unwrap().to_string();
    let created = after.iter().find(|id| *id != first).unwrap().clone();
    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            &format!("DELETE FROM aws.cloudhsm.clusters WHERE region = 'us-east-1' AND data__ClusterId = '{created}'"),
        ],
    )
    .ok();
    let left: Vec<String> = serde_json::from_str(&moto.boto3(
        "print(json.dumps([c['ClusterId'] for c in boto3.client('cloudhsmv2').describe_clusters()['Clusters'] if c['State'] != 'DELETED']))",
    ))
    .unwrap();
    assert_eq!(left, vec![first.clone()]);
}
