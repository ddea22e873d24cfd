//! Each output format of `stackql exec`, end to end (the formats' details are snapshot-tested
//! in the output crate).

mod common;

use common::*;
use stackql_testkit::aws_registry;

const Q: &str = "SELECT 'us-east-1' AS region, 'arn:x' AS image_arn, 3 AS n UNION ALL SELECT 'eu-west-1', NULL, 4";

#[test]
fn every_format() {
    let reg = aws_registry();
    let out = |fmt: &str| {
        stackql(reg.root(), None, &["exec", "-o", fmt, Q])
            .ok()
            .stdout
    };
    assert_eq!(
        out("json"),
        "[{\"region\":\"us-east-1\",\"image_arn\":\"arn:x\",\"n\":3},{\"region\":\"eu-west-1\",\"image_arn\":null,\"n\":4}]\n"
    );
    assert_eq!(
        out("jsonl"),
        "{\"region\":\"us-east-1\",\"image_arn\":\"arn:x\",\"n\":3}\n{\"region\":\"eu-west-1\",\"image_arn\":null,\"n\":4}\n"
    );
    assert_eq!(
        out("csv"),
        "region,image_arn,n\nus-east-1,arn:x,3\neu-west-1,,4\n"
    );
    assert_eq!(
        out("text"),
        "region,image_arn,n\nus-east-1,arn:x,3\neu-west-1,,4\n"
    );
    let table = out("table");
    assert_eq!(
        table,
        "|-----------|-----------|---|\n\
         |  region   | image_arn | n |\n\
         |-----------|-----------|---|\n\
         | us-east-1 | arn:x     | 3 |\n\
         |-----------|-----------|---|\n\
         | eu-west-1 | null      | 4 |\n\
         |-----------|-----------|---|\n"
    );
    let hidden = stackql(reg.root(), None, &["exec", "-o", "csv", "-H", "-d", ";", Q])
        .ok()
        .stdout;
    assert_eq!(hidden, "us-east-1;arn:x;3\neu-west-1;;4\n");
}
