//! The registry model against the real snapshots in `../shared/registry`: every service
//! document of both providers loads, and the facts the engine relies on come out right.

use stackql_registry::{BodyTranslate, ParamLocation, Registry, RegistryError, SqlVerb};
use std::path::PathBuf;

fn shared_registry() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/registry");
    assert!(
        p.join("src").is_dir(),
        "../shared/registry is missing beside the checkout ({}): these tests read the real snapshots",
        p.display()
    );
    p
}

#[test]
fn every_awscc_service_loads() {
    let reg = Registry::open(shared_registry()).unwrap();
    let provider = reg.provider("awscc").unwrap();
    assert_eq!(provider.services.len(), 237);
    let mut resources = 0;
    for name in provider.services.keys() {
        let svc = provider
            .service(name)
            .unwrap_or_else(|e| panic!("awscc.{name}: {e}"));
        resources += svc.resources.len();
    }
    assert!(resources > 2000, "{resources} resources");
}

#[test]
fn every_aws_service_loads() {
    // The May-2024 snapshot ships every document provider.yaml lists (220), sagemaker.yaml
    // with its Cloud Control views among them.
    let reg = Registry::open(shared_registry()).unwrap();
    let provider = reg.provider("aws").unwrap();
    assert_eq!(provider.services.len(), 220);
    let mut resources = 0;
    for name in provider.services.keys() {
        let svc = provider
            .service(name)
            .unwrap_or_else(|e| panic!("aws.{name}: {e}"));
        resources += svc.resources.len();
    }
    assert!(resources > 2000, "{resources} resources");
    let sagemaker = provider.service("sagemaker").unwrap();
    let images = sagemaker.resource("images").unwrap();
    assert!(
        images.select_view().is_some(),
        "aws.sagemaker.images is a view"
    );
}

#[test]
fn a_listed_document_that_is_absent_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let version = dir.path().join("src/aws/v00.00.00000");
    std::fs::create_dir_all(version.join("services")).unwrap();
    std::fs::write(
        version.join("provider.yaml"),
        "id: aws\nname: aws\nversion: v00.00.00000\nproviderServices:\n  sagemaker:\n    id: sagemaker:v00.00.00000\n    name: sagemaker\n    service:\n      $ref: aws/v00.00.00000/services/sagemaker.yaml\n",
    )
    .unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    match reg.provider("aws").unwrap().service("sagemaker") {
        Err(RegistryError::MissingServiceDocument { path, .. }) => {
            assert!(path.ends_with("aws/v00.00.00000/services/sagemaker.yaml"))
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the document is absent"),
    }
}

#[test]
fn cloud_control_list_resources_facts() {
    let reg = Registry::open(shared_registry()).unwrap();
    let (svc, res) = reg.resource("aws", "cloud_control", "resources").unwrap();
    assert_eq!(svc.signing_name.as_deref(), Some("cloudcontrolapi"));
    let p = svc.pagination.as_ref().unwrap();
    assert_eq!(
        (p.request_key.as_str(), p.response_key.as_str()),
        ("NextToken", "NextToken")
    );
    let list = res.methods_for(SqlVerb::Select)[0];
    assert_eq!(list.name, "list_resources");
    assert_eq!(list.translate, BodyTranslate::DataPrefix);
    assert!(list.header_defaults.contains(&(
        "X-Amz-Target".to_string(),
        "CloudApiService.ListResources".to_string()
    )));
    let type_name = list.param("data__TypeName").unwrap();
    assert!(type_name.required);
    assert_eq!(
        type_name.location,
        ParamLocation::Body {
            field: "TypeName".into()
        }
    );
    let region = list.param("region").unwrap();
    assert!(region.required);
    assert_eq!(region.location, ParamLocation::Server);
    let cols: Vec<&str> = list.columns.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(cols, vec!["Identifier", "Properties"]);
    // cn regions pick the .cn server.
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("region".to_string(), "cn-north-1".to_string());
    assert!(svc
        .server_for(&vars)
        .unwrap()
        .render(&vars)
        .ends_with(".amazonaws.com.cn"));
}

#[test]
fn awscc_images_view_and_naive_desired_state() {
    let reg = Registry::open(shared_registry()).unwrap();
    let (_, images) = reg.resource("awscc", "sagemaker", "images").unwrap();
    let view = images.select_view().unwrap();
    assert!(view
        .ddl
        .contains("FROM awscc.cloud_control.resource WHERE TypeName"));
    assert!(view.predicate.contains("sqlite3"));
    assert_eq!(view.required_params, ["Identifier"]);
    // The postgres variant of its fallback chain is not ours.
    assert_eq!(images.select_views.len(), 1);
    let create = images.methods_for(SqlVerb::Insert)[0];
    assert_eq!(
        create.translate,
        BodyTranslate::NaiveNested("DesiredState".into())
    );
    assert!(create.request.as_ref().unwrap().nested_string_only);
    let tags = create.param("Tags").unwrap();
    assert_eq!(tags.column_type().name(), "array");
    assert_eq!(
        tags.location,
        ParamLocation::BodyNested {
            parent: "DesiredState".into(),
            field: "Tags".into()
        }
    );
    assert_eq!(images.type_name.as_deref(), Some("AWS::SageMaker::Image"));
}

#[test]
fn unknown_names_come_with_suggestions() {
    let reg = Registry::open(shared_registry()).unwrap();
    let e = reg.provider("awscx").err().unwrap().to_string();
    assert!(e.contains("did you mean one of: awscc, aws?"), "{e}");
    let e = reg
        .resource("awscc", "sagemaker", "imagess")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("images"), "{e}");
}
