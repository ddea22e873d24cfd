//! S3 (rest-xml) of the May-2024 snapshot against `moto_server`: a bucket of more than
//! 1,000 objects listed through every page (ListObjects markers), buckets listed from the
//! operation's own server, and buckets created (with `CreateBucketConfiguration` outside
//! us-east-1) and deleted by INSERT/DELETE, each compared with what boto3 reads from the
//! same server. With an endpoint override S3 is addressed path-style, as the SDKs do.

mod common;

use common::stackql;
use serde_json::Value;
use stackql_testkit::{aws_registry, start_moto, Moto};
use std::path::Path;

fn rows(reg: &Path, moto: &Moto, sql: &str) -> Vec<Value> {
    let out = stackql(reg, Some(&moto.url), &["exec", "-o", "json", sql])
        .ok()
        .json();
    out.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not a list: {out}"))
}

fn texts(rows: &[Value], column: &str) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .map(|r| {
            r[column]
                .as_str()
                .unwrap_or_else(|| panic!("{column} in {r}"))
                .to_string()
        })
        .collect();
    v.sort();
    v
}

fn boto3_list(moto: &Moto, script: &str) -> Vec<String> {
    let mut v: Vec<String> = serde_json::from_str(&moto.boto3(script)).expect("a JSON list");
    v.sort();
    v
}

const OBJECTS: usize = 1_234;

#[test]
fn every_object_of_a_large_bucket_is_listed_across_pages() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(&format!(
        "s3 = boto3.client('s3')\n\
         s3.create_bucket(Bucket='big-bucket')\n\
         for i in range({OBJECTS}):\n    \
             s3.put_object(Bucket='big-bucket', Key='obj/%05d' % i, Body=b'x' * (i % 7))\n\
         print('[]')"
    ));
    let ours = rows(
        reg.root(),
        &moto,
        "SELECT Key, Size FROM aws.s3_api.objects WHERE region = 'us-east-1' AND bucket = 'big-bucket'",
    );
    let boto = boto3_list(
        &moto,
        "keys = []\n\
         for page in boto3.client('s3').get_paginator('list_objects').paginate(Bucket='big-bucket'):\n    \
             keys += ['%s %s' % (o['Key'], o['Size']) for o in page.get('Contents', [])]\n\
         print(json.dumps(keys))",
    );
    assert_eq!(boto.len(), OBJECTS, "boto3 sees every object");
    let mut ours: Vec<String> = ours
        .iter()
        .map(|r| format!("{} {}", r["Key"].as_str().unwrap(), r["Size"]))
        .collect();
    ours.sort();
    assert_eq!(
        ours.len(),
        OBJECTS,
        "more than one page of 1,000 keys was read"
    );
    assert_eq!(ours, boto);
}

#[test]
fn buckets_are_listed_created_and_deleted_as_boto3_sees_them() {
    let reg = aws_registry();
    let moto = start_moto();
    moto.boto3(
        "s3 = boto3.client('s3')\n\
         for b in ['alpha-bucket', 'beta-bucket']:\n    \
             s3.create_bucket(Bucket=b)\n\
         print('[]')",
    );
    let names =
        "print(json.dumps([b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]))";
    // ListBuckets goes to the operation's server (no bucket in the host).
    let ours = rows(
        reg.root(),
        &moto,
        "SELECT Name, CreationDate FROM aws.s3_api.buckets WHERE region = 'us-east-1'",
    );
    assert_eq!(texts(&ours, "Name"), boto3_list(&moto, names));

    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "INSERT INTO aws.s3_api.buckets (region, bucket) SELECT 'us-east-1', 'made-by-stackql'",
        ],
    )
    .ok();
    // Outside us-east-1 the body names the region (CreateBucketConfiguration).
    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "INSERT INTO aws.s3_api.buckets (region, bucket) SELECT 'eu-west-1', 'made-in-ireland'",
        ],
    )
    .ok();
    let after = boto3_list(&moto, names);
    assert!(after.contains(&"made-by-stackql".to_string()), "{after:?}");
    assert!(after.contains(&"made-in-ireland".to_string()), "{after:?}");
    let location = moto.boto3(
        "print(json.dumps(boto3.client('s3').get_bucket_location(Bucket='made-in-ireland')['LocationConstraint']))",
    );
    assert_eq!(location.trim(), "\"eu-west-1\"");

    stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "DELETE FROM aws.s3_api.buckets WHERE region = 'us-east-1' AND bucket = 'made-by-stackql'",
        ],
    )
    .ok();
    let left = boto3_list(&moto, names);
    assert!(!left.contains(&"made-by-stackql".to_string()), "{left:?}");
    assert_eq!(left.len(), after.len() - 1, "{left:?}");
}

#[test]
fn object_versions_continue_from_the_key_and_version_id_markers() {
    let reg = aws_registry();
    let moto = start_moto();
    // Two keys of three versions each, listed two at a time: page ends fall inside a key's
    // versions, where the key marker alone cannot say where to go on.
    moto.boto3(
        "s3 = boto3.client('s3')\n\
         s3.create_bucket(Bucket='versioned')\n\
         s3.put_bucket_versioning(Bucket='versioned', VersioningConfiguration={'Status': 'Enabled'})\n\
         for key in ['a', 'b']:\n    \
             for i in range(3): s3.put_object(Bucket='versioned', Key=key, Body=b'v%d' % i)\n\
         print('[]')",
    );
    // The markers boto3's paginator continues from, page by page.
    let expected: Vec<(String, String)> = serde_json::from_str(&moto.boto3(
        "out = []\n\
         for page in boto3.client('s3').get_paginator('list_object_versions').paginate(\
             Bucket='versioned', PaginationConfig={'PageSize': 2}):\n    \
             if page.get('IsTruncated'): out.append([page['NextKeyMarker'], page['NextVersionIdMarker']])\n\
         print(json.dumps(out))",
    ))
    .unwrap();
    assert_eq!(expected.len(), 2, "six versions in pages of two");
    let run = stackql(
        reg.root(),
        Some(&moto.url),
        &[
            "exec",
            "-o",
            "json",
            "--http.log.enabled=true",
            // `versions` is the path's `?versions` marker, a required empty parameter.
            "EXEC aws.s3_api.object_versions.object_versions_List \
             @bucket='versioned', @region='us-east-1', @versions='', @max-keys=2",
        ],
    )
    .ok();
    let urls: Vec<url::Url> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("http: GET "))
        .map(|l| url::Url::parse(l.split_whitespace().next().unwrap()).unwrap())
        .collect();
    assert_eq!(urls.len(), 3, "three pages:\n{}", run.stderr);
    let markers: Vec<(String, String)> = urls[1..]
        .iter()
        .map(|u| {
            let q = |k: &str| {
                u.query_pairs()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_else(|| panic!("{k} missing from {u}"))
            };
            (q("key-marker"), q("version-id-marker"))
        })
        .collect();
    assert_eq!(markers, expected);
}
