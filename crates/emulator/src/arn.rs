//! Generated ARNs in the format of each service. Sources, most trusted first:
//!
//! 1. well-known formats of popular types whose schema has no usable `pattern` (S3 buckets
//!    have no region or account, Lambda functions use `function:`, SNS topics are a bare
//!    name, ...), from the services' documentation;
//! 2. the `pattern` the schema gives the ARN property: its service and resource-type literals
//!    are read from the regex, and every candidate is tested against it, so a generated ARN
//!    always passes the validation the schema itself describes;
//! 3. otherwise `arn:aws:<service>:<region>:<account>:<kebab-type>/<name>`, the service
//!    being the type's own namespace ([`service_namespace`]): `AWS::<Service>::<Type>` in
//!    lowercase, or the IAM prefix of the create action naming the type where the service
//!    uses another (`states` for StepFunctions, `elasticloadbalancing` for
//!    ElasticLoadBalancingV2). Never the prefix of some other service the handler calls
//!    (`s3:GetObject`, `kms:Decrypt`, `logs:...`), and always lowercase.

use std::sync::LazyLock;

use regex::Regex;

/// What is known about one read-only ARN property when a resource is created.
pub struct ArnRequest<'a> {
    pub type_name: &'a str,
    pub property: &'a str,
    /// The property's `pattern`, when the schema gives one.
    pub pattern: Option<&'a str>,
    /// `pattern` compiled; `None` when absent or beyond the `regex` crate.
    pub compiled: Option<&'a Regex>,
    /// The service namespace from the type's create permissions (`sagemaker`, `states`).
    pub permission_service: Option<&'a str>,
    pub region: &'a str,
    pub account: &'a str,
    /// The resource's name, or a generated id when it has none.
    pub name: &'a str,
    /// A generated UUID, for formats that end in one.
    pub uuid: &'a str,
}

/// `(type, property, template)`: `{region}`, `{account}` and `{name}` are filled in.
const WELL_KNOWN: &[(&str, &str, &str)] = &[
    ("AWS::S3::Bucket", "Arn", "arn:aws:s3:::{name}"),
    (
        "AWS::IAM::Role",
        "Arn",
        "arn:aws:iam::{account}:role/{name}",
    ),
    (
        "AWS::IAM::User",
        "Arn",
        "arn:aws:iam::{account}:user/{name}",
    ),
    (
        "AWS::IAM::ManagedPolicy",
        "PolicyArn",
        "arn:aws:iam::{account}:policy/{name}",
    ),
    (
        "AWS::SNS::Topic",
        "TopicArn",
        "arn:aws:sns:{region}:{account}:{name}",
    ),
    (
        "AWS::SQS::Queue",
        "Arn",
        "arn:aws:sqs:{region}:{account}:{name}",
    ),
    (
        "AWS::Lambda::Function",
        "Arn",
        "arn:aws:lambda:{region}:{account}:function:{name}",
    ),
    (
        "AWS::Logs::LogGroup",
        "Arn",
        "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    ),
    (
        "AWS::DynamoDB::Table",
        "Arn",
        "arn:aws:dynamodb:{region}:{account}:table/{name}",
    ),
    (
        "AWS::Kinesis::Stream",
        "Arn",
        "arn:aws:kinesis:{region}:{account}:stream/{name}",
    ),
    (
        "AWS::ECS::Cluster",
        "Arn",
        "arn:aws:ecs:{region}:{account}:cluster/{name}",
    ),
    (
        "AWS::Events::Rule",
        "Arn",
        "arn:aws:events:{region}:{account}:rule/{name}",
    ),
    (
        "AWS::StepFunctions::StateMachine",
        "Arn",
        "arn:aws:states:{region}:{account}:stateMachine:{name}",
    ),
    (
        "AWS::StepFunctions::Activity",
        "Arn",
        "arn:aws:states:{region}:{account}:activity:{name}",
    ),
];

/// The ARN for one read-only ARN property of a new resource.
pub fn generate(req: &ArnRequest<'_>) -> String {
    let fits = |arn: &str| req.compiled.is_none_or(|re| re.is_match(arn));
    if let Some((_, _, template)) = WELL_KNOWN
        .iter()
        .find(|(t, p, _)| *t == req.type_name && *p == req.property)
    {
        let arn = template
            .replace("{region}", req.region)
            .replace("{account}", req.account)
            .replace("{name}", req.name);
        if fits(&arn) {
            return arn;
        }
    }
    let mut parts = req.type_name.split("::");
    let _aws = parts.next();
    let namespace = parts.next().unwrap_or_default().to_ascii_lowercase();
    let short = parts.next().unwrap_or_default();
    let mined = req.pattern.map(mine).unwrap_or_default();

    let mut services: Vec<&str> = Vec::new();
    services.extend(mined.service.as_deref());
    services.extend(req.permission_service);
    services.push(&namespace);
    let kebab_type = kebab(short);
    let mut resources: Vec<String> = mined.resource.iter().cloned().collect();
    resources.push(kebab_type.clone());
    resources.push(short.to_ascii_lowercase());
    resources.push(lower_camel(short));
    let mut separators: Vec<char> = mined.separator.into_iter().collect();
    separators.extend(['/', ':']);
    let regions = [req.region, ""];
    let tails = [req.name, req.uuid];

    // The first candidate is what the registry and the type name suggest; it is the answer
    // when no pattern can check it.
    let first = format!(
        "arn:aws:{}:{}:{}:{}{}{}",
        services[0], req.region, req.account, resources[0], separators[0], req.name
    );
    if req.compiled.is_none() {
        return first;
    }
    for service in &services {
        for resource in &resources {
            for sep in &separators {
                for region in regions {
                    for tail in tails {
                        let arn = format!(
                            "arn:aws:{service}:{region}:{}:{resource}{sep}{tail}",
                            req.account
                        );
                        if fits(&arn) {
                            return arn;
                        }
                    }
                }
            }
        }
        // Formats without a resource type (`arn:aws:sns:<region>:<account>:<name>`).
        for tail in tails {
            let arn = format!("arn:aws:{service}:{}:{}:{tail}", req.region, req.account);
            if fits(&arn) {
                return arn;
            }
        }
    }
    first
}

/// The ARN service namespace of `AWS::<Service>::<Type>`, given the IAM actions its create
/// handler needs. The namespace in lowercase when it is itself one of their prefixes
/// (`batch`, though the registry writes `Batch:CreateJobQueue`); else the prefix of the
/// first action naming the type (`states:CreateStateMachine`, `geo:CreateMap`); else the
/// namespace in lowercase. Actions on other services (`s3:GetObject` for
/// Amplify::Branch, `kms:Encrypt` for ImageBuilder::Component) never name it.
pub fn service_namespace(type_name: &str, create_actions: &[&str]) -> String {
    let mut parts = type_name.split("::").skip(1);
    let namespace = parts.next().unwrap_or_default().to_ascii_lowercase();
    let short = parts.next().unwrap_or_default().to_ascii_lowercase();
    let split: Vec<(String, String)> = create_actions
        .iter()
        .filter_map(|a| a.split_once(':'))
        .map(|(prefix, op)| (prefix.to_ascii_lowercase(), op.to_ascii_lowercase()))
        .collect();
    if split.iter().any(|(prefix, _)| *prefix == namespace) || short.is_empty() {
        return namespace;
    }
    split
        .into_iter()
        .find(|(_, op)| op.contains(&short))
        .map(|(prefix, _)| prefix)
        .unwrap_or(namespace)
}

/// Literals read from an ARN pattern.
#[derive(Debug, Default, PartialEq)]
struct Mined {
    service: Option<String>,
    resource: Option<String>,
    separator: Option<char>,
}

/// Reads the service (`...:sagemaker:...`) and the resource type after the account
/// (`[0-9]{12}:image\/`) when the pattern writes them as literals.
fn mine(pattern: &str) -> Mined {
    // `[^:]` would look like a field boundary; it never holds a literal we want.
    let p = pattern.replace("[^:]", "X");
    // Compiled once: every create of a type with an ARN pattern reads one.
    static SERVICE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"arn:[^:]*:([a-z][a-z0-9-]*):").expect("regex"));
    static RESOURCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\{12\}\)?\??:([A-Za-z][A-Za-z0-9-]*)(\\?/|:)").expect("regex")
    });
    let service = SERVICE
        .captures(&p)
        .map(|c| c[1].to_string())
        .filter(|s| s != "aws");
    let resource = RESOURCE
        .captures(&p)
        .map(|c| (c[1].to_string(), c[2].ends_with(':')));
    Mined {
        service,
        separator: resource
            .as_ref()
            .map(|(_, colon)| if *colon { ':' } else { '/' }),
        resource: resource.map(|(r, _)| r),
    }
}

/// `AppImageConfig` -> `app-image-config`, `DBInstance` -> `db-instance`: how most services
/// write resource types in ARNs.
pub fn kebab(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev_lower = chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev_lower || (chars[i - 1].is_ascii_uppercase() && next_lower) {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `StateMachine` -> `stateMachine` (Step Functions, AppSync and others write it so).
fn lower_camel(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(
        type_name: &'a str,
        property: &'a str,
        pattern: Option<&'a str>,
        compiled: Option<&'a Regex>,
    ) -> ArnRequest<'a> {
        ArnRequest {
            type_name,
            property,
            pattern,
            compiled,
            permission_service: None,
            region: "eu-west-1",
            account: "123456789012",
            name: "thing",
            uuid: "0f8fad5b-d9cb-469f-a165-70867728950e",
        }
    }

    #[test]
    fn sagemaker_image_from_its_pattern() {
        let p = r"^arn:aws(-[\w]+)*:sagemaker:[a-z0-9\-]*:[0-9]{12}:image\/[a-zA-Z0-9]([-.]?[a-zA-Z0-9])*$";
        let re = Regex::new(p).unwrap();
        assert_eq!(
            generate(&req(
                "AWS::SageMaker::Image",
                "ImageArn",
                Some(p),
                Some(&re)
            )),
            "arn:aws:sagemaker:eu-west-1:123456789012:image/thing"
        );
        assert_eq!(
            generate(&req("AWS::SageMaker::Image", "ImageArn", None, None)),
            "arn:aws:sagemaker:eu-west-1:123456789012:image/thing"
        );
    }

    #[test]
    fn patterns_choose_service_resource_region_and_tail() {
        // Global (no region) and a resource type unlike the type name.
        let p = r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$";
        let re = Regex::new(p).unwrap();
        assert_eq!(
            generate(&req("AWS::Foo::Bar", "Arn", Some(p), Some(&re))),
            "arn:aws:iam::123456789012:role/thing"
        );
        // A UUID tail where the pattern wants one.
        let p = r"^arn:[a-z-]*?:wisdom:[a-z0-9-]*?:[0-9]{12}:[a-z-]*?/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$";
        let re = Regex::new(p).unwrap();
        assert_eq!(
            generate(&req("AWS::Wisdom::KnowledgeBase", "KnowledgeBaseArn", Some(p), Some(&re))),
            "arn:aws:wisdom:eu-west-1:123456789012:knowledge-base/0f8fad5b-d9cb-469f-a165-70867728950e"
        );
        // `:` after the resource type, lower camel case.
        let p = r"^arn:aws:states:[a-z0-9-]+:[0-9]{12}:stateMachine:.+$";
        let re = Regex::new(p).unwrap();
        assert_eq!(
            generate(&req(
                "AWS::StepFunctions::StateMachine",
                "Arn",
                Some(p),
                Some(&re)
            )),
            "arn:aws:states:eu-west-1:123456789012:stateMachine:thing"
        );
    }

    #[test]
    fn well_known_formats() {
        let cases = [
            ("AWS::S3::Bucket", "Arn", "arn:aws:s3:::thing"),
            (
                "AWS::Lambda::Function",
                "Arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:thing",
            ),
            (
                "AWS::SNS::Topic",
                "TopicArn",
                "arn:aws:sns:eu-west-1:123456789012:thing",
            ),
            (
                "AWS::IAM::Role",
                "Arn",
                "arn:aws:iam::123456789012:role/thing",
            ),
            (
                "AWS::Logs::LogGroup",
                "Arn",
                "arn:aws:logs:eu-west-1:123456789012:log-group:thing:*",
            ),
        ];
        for (t, p, want) in cases {
            assert_eq!(generate(&req(t, p, None, None)), want);
        }
    }

    #[test]
    fn permission_prefix_names_the_service() {
        let mut r = req(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            "TargetGroupArn",
            None,
            None,
        );
        r.permission_service = Some("elasticloadbalancing");
        assert_eq!(
            generate(&r),
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:target-group/thing"
        );
    }

    #[test]
    fn service_namespace_is_the_types_own() {
        let cases: [(&str, &[&str], &str); 6] = [
            (
                "AWS::Amplify::Branch",
                &["s3:GetObject", "s3:GetObjectAcl", "amplify:CreateBranch"],
                "amplify",
            ),
            (
                "AWS::ImageBuilder::Component",
                &["kms:Encrypt", "kms:Decrypt", "imagebuilder:CreateComponent"],
                "imagebuilder",
            ),
            ("AWS::Batch::JobQueue", &["Batch:CreateJobQueue"], "batch"),
            (
                "AWS::StepFunctions::StateMachine",
                &["iam:PassRole", "states:CreateStateMachine"],
                "states",
            ),
            (
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                &["elasticloadbalancing:CreateTargetGroup"],
                "elasticloadbalancing",
            ),
            ("AWS::B2BI::Transformer", &["logs:CreateLogGroup"], "b2bi"),
        ];
        for (type_name, actions, want) in cases {
            assert_eq!(service_namespace(type_name, actions), want, "{type_name}");
        }
    }

    #[test]
    fn mining() {
        assert_eq!(
            mine(r"^arn:aws(-[\w]+)*:sagemaker:[a-z0-9\-]*:[0-9]{12}:image\/x$"),
            Mined {
                service: Some("sagemaker".into()),
                resource: Some("image".into()),
                separator: Some('/')
            }
        );
        assert_eq!(mine("arn:.*"), Mined::default());
    }

    #[test]
    fn kebab_case_resource_types() {
        assert_eq!(kebab("AppImageConfig"), "app-image-config");
        assert_eq!(kebab("Image"), "image");
        assert_eq!(kebab("DBInstance"), "db-instance");
    }
}
