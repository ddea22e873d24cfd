//! Every error the emulator answers, with AWS's `__type`, status and headers, driven over
//! HTTP against the real registry snapshot.

mod common;

use common::{image, registry_config, Client, IMAGE, ROLE};
use serde_json::json;
use stackql_emulator::{start, AcceptedKeys, Completion, EmulatorConfig};

#[tokio::test]
async fn request_layer_errors() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;

    // Unknown or missing target.
    let r = c
        .raw(
            Some("CloudApiService.DescribeEverything"),
            b"{}".to_vec(),
            true,
        )
        .await;
    r.err("UnknownOperationException", 400);
    c.raw(None, b"{}".to_vec(), true)
        .await
        .err("UnknownOperationException", 400);
    // Body that is not JSON, or not an object.
    c.raw(Some("CloudApiService.GetResource"), b"{nope".to_vec(), true)
        .await
        .err("SerializationException", 400);
    c.raw(Some("CloudApiService.GetResource"), b"[1]".to_vec(), true)
        .await
        .err("SerializationException", 400);
    // A member of the wrong JSON type.
    c.call("GetResource", json!({"TypeName": 5, "Identifier": "x"}))
        .await
        .err("SerializationException", 400);
    // Missing required members and broken constraints: coral's ValidationException.
    let m = c
        .call("GetResource", json!({"Identifier": "x"}))
        .await
        .err("ValidationException", 400);
    assert!(m.contains("Value null at 'typeName'"), "{m}");
    let m = c
        .call(
            "GetResource",
            json!({"TypeName": "NotATypeAtAll", "Identifier": "x"}),
        )
        .await
        .err("ValidationException", 400);
    assert!(m.contains("regular expression pattern"), "{m}");
    c.call("ListResources", json!({"TypeName": IMAGE, "MaxResults": 0}))
        .await
        .err("ValidationException", 400);
    c.call(
        "ListResources",
        json!({"TypeName": IMAGE, "MaxResults": 101}),
    )
    .await
    .err("ValidationException", 400);
    c.call(
        "CreateResource",
        json!({"TypeName": IMAGE, "DesiredState": "{}", "ClientToken": "bad token!"}),
    )
    .await
    .err("ValidationException", 400);
    let m = c
        .call(
            "GetResource",
            json!({"TypeName": IMAGE, "Identifier": "x", "RoleArn": "arn:aws:iam::1:user/someone"}),
        )
        .await
        .err("ValidationException", 400);
    assert!(m.contains("'roleArn'"), "{m}");
    // A well-formed RoleArn is accepted (and has no effect here).
    c.call(
        "ListResources",
        json!({"TypeName": IMAGE, "RoleArn": "arn:aws:iam::123456789012:role/cc", "TypeVersionId": "00000001"}),
    )
    .await
    .ok();
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_key_is_accepted_when_no_credentials_are_configured() {
    let emu = start(
        EmulatorConfig {
            credentials: AcceptedKeys::Any,
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    // Some SDK's own test keys: accepted.
    let sdk = Client::connect_as(&emu, "eu-west-2", "ASIATESTKEY", "any-secret").await;
    sdk.call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .ok();
    let c = Client::connect(&emu, "us-east-1").await;
    let body = json!({"TypeName": IMAGE}).to_string().into_bytes();
    // Still refused: no signature, a malformed one, an old date, another service, a region
    // that is not one.
    c.raw(Some("CloudApiService.ListResources"), body.clone(), false)
        .await
        .err("MissingAuthenticationTokenException", 403);
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            common::sign_request(req, "K", "s", "us-east-1");
            let auth = req.headers()["authorization"].to_str().unwrap().to_string();
            let cut = auth.rsplit_once("Signature=").unwrap().0.to_string() + "Signature=xyz";
            req.headers_mut()
                .insert("authorization", cut.parse().unwrap());
        })
        .await
        .err("IncompleteSignatureException", 400);
    assert!(m.contains("64 hexadecimal"), "{m}");
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            common::sign_request_at(req, "K", "s", "us-east-1", past);
        })
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.starts_with("Signature expired"), "{m}");
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            let creds = stackql_aws_auth::Credentials::new("K", "s", None);
            stackql_aws_auth::sign(req, &creds, "us-east-1", "s3", std::time::SystemTime::now())
                .unwrap();
        })
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.contains("cloudcontrolapi"), "{m}");
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            common::sign_request(req, "K", "s", "nowhere");
        })
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.contains("valid region"), "{m}");
    emu.shutdown().await;
}

#[tokio::test]
async fn authentication_errors() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    c.raw(Some("CloudApiService.ListResources"), b"{}".to_vec(), false)
        .await
        .err("MissingAuthenticationTokenException", 403);
    let stranger = Client::connect_as(&emu, "us-east-1", "AKIDSTRANGER", "not-the-secret").await;
    stranger
        .call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .err("UnrecognizedClientException", 400);
    // The right key with the wrong secret.
    let impostor = Client::connect_as(
        &emu,
        "us-east-1",
        stackql_emulator::DEFAULT_ACCESS_KEY_ID,
        "wrong-secret",
    )
    .await;
    let m = impostor
        .call("ListResources", json!({"TypeName": IMAGE}))
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.contains("does not match"), "{m}");
    // A body changed after signing.
    let body = json!({"TypeName": IMAGE}).to_string().into_bytes();
    let (key, secret) = (
        stackql_emulator::DEFAULT_ACCESS_KEY_ID,
        stackql_emulator::DEFAULT_SECRET_ACCESS_KEY,
    );
    c.custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
        common::sign_request(req, key, secret, "us-east-1");
        *req.body_mut() = json!({"TypeName": "AWS::SageMaker::Domain"})
            .to_string()
            .into_bytes();
    })
    .await
    .err("InvalidSignatureException", 400);
    // A signature from an hour ago.
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            common::sign_request_at(req, key, secret, "us-east-1", past);
        })
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.starts_with("Signature expired"), "{m}");
    // Signed for another service.
    let m = c
        .custom(Some("CloudApiService.ListResources"), body.clone(), |req| {
            let creds = stackql_aws_auth::Credentials::new(key, secret, None);
            stackql_aws_auth::sign(req, &creds, "us-east-1", "s3", std::time::SystemTime::now())
                .unwrap();
        })
        .await
        .err("InvalidSignatureException", 400);
    assert!(m.contains("cloudcontrolapi"), "{m}");
    // Nothing refused was journalled as a success.
    assert!(emu.journal().iter().all(|r| r.status != 200));

    // With verification off, unsigned requests work and land in us-east-1.
    let open = start(
        EmulatorConfig {
            verify_signatures: false,
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let u = Client::connect(&open, "us-east-1").await;
    let r = u
        .raw(
            Some("CloudApiService.CreateResource"),
            json!({"TypeName": IMAGE, "DesiredState": image("unsigned").to_string()})
                .to_string()
                .into_bytes(),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let e = u
        .await_request(r.event()["RequestToken"].as_str().unwrap())
        .await;
    assert_eq!(
        e["Identifier"],
        "arn:aws:sagemaker:us-east-1:123456789012:image/unsigned"
    );
    emu.shutdown().await;
    open.shutdown().await;
}

#[tokio::test]
async fn type_not_found_and_model_validation() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;

    for op in [
        "GetResource",
        "DeleteResource",
        "UpdateResource",
        "ListResources",
        "CreateResource",
    ] {
        let r = c
            .call(
                op,
                json!({"TypeName": "AWS::Nothing::Here", "Identifier": "x", "DesiredState": "{}", "PatchDocument": "[]"}),
            )
            .await;
        let m = r.err("TypeNotFoundException", 400);
        assert!(m.contains("AWS::Nothing::Here"), "{op}: {m}");
    }

    // Required property missing.
    let m = c
        .create(IMAGE, json!({"ImageName": "no-role"}))
        .await
        .err("ValidationException", 400);
    assert_eq!(
        m,
        "Model validation failed (#: required key [ImageRoleArn] not found)"
    );
    // Read-only property given.
    let m = c
        .create(
            IMAGE,
            json!({"ImageName": "ro", "ImageRoleArn": ROLE, "ImageArn": "arn:aws:sagemaker:us-east-1:123456789012:image/ro"}),
        )
        .await
        .err("ValidationException", 400);
    assert!(m.contains("#/ImageArn"), "{m}");
    // Pattern, type, extraneous key, nested required (Tags items).
    let m = c
        .create(
            IMAGE,
            json!({"ImageName": "bad name!", "ImageRoleArn": ROLE}),
        )
        .await
        .err("ValidationException", 400);
    assert!(
        m.contains("#/ImageName: string [bad name!] does not match pattern"),
        "{m}"
    );
    let m = c
        .create(IMAGE, json!({"ImageName": 12, "ImageRoleArn": ROLE}))
        .await
        .err("ValidationException", 400);
    assert!(
        m.contains("#/ImageName: expected type: String, found: Integer"),
        "{m}"
    );
    let m = c
        .create(
            IMAGE,
            json!({"ImageName": "x", "ImageRoleArn": ROLE, "Colour": "red"}),
        )
        .await
        .err("ValidationException", 400);
    assert!(
        m.contains("#: extraneous key [Colour] is not permitted"),
        "{m}"
    );
    let m = c
        .create(
            IMAGE,
            json!({"ImageName": "x", "ImageRoleArn": ROLE, "Tags": [{"Key": "k"}]}),
        )
        .await
        .err("ValidationException", 400);
    assert!(
        m.contains("#/Tags/0: required key [Value] not found"),
        "{m}"
    );
    // DesiredState that is not JSON, or not an object.
    c.call(
        "CreateResource",
        json!({"TypeName": IMAGE, "DesiredState": "{oops"}),
    )
    .await
    .err("InvalidRequestException", 400);
    c.call(
        "CreateResource",
        json!({"TypeName": IMAGE, "DesiredState": "\"str\""}),
    )
    .await
    .err("ValidationException", 400);
    // Nothing was created by any of this.
    assert!(c.list_all(IMAGE, None).await.0.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn already_exists_fails_the_request() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let first = c.create_done(IMAGE, image("dup")).await;
    assert_eq!(first["OperationStatus"], "SUCCESS");
    let second = c.create(IMAGE, image("dup")).await.ok();
    assert_eq!(second["ProgressEvent"]["OperationStatus"], "IN_PROGRESS");
    let done = c
        .await_request(second["ProgressEvent"]["RequestToken"].as_str().unwrap())
        .await;
    assert_eq!(done["OperationStatus"], "FAILED");
    assert_eq!(done["ErrorCode"], "AlreadyExists");
    assert!(done["StatusMessage"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    emu.shutdown().await;
}

#[tokio::test]
async fn update_errors() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let id = c.create_done(IMAGE, image("upd")).await["Identifier"]
        .as_str()
        .unwrap()
        .to_string();

    let m = c
        .update(
            IMAGE,
            &id,
            json!([{"op": "replace", "path": "/ImageName", "value": "renamed"}]),
        )
        .await
        .err("NotUpdatableException", 400);
    assert_eq!(
        m,
        "Invalid patch update: createOnlyProperties [/properties/ImageName] cannot be updated"
    );
    let m = c
        .update(
            IMAGE,
            &id,
            json!([{"op": "replace", "path": "/ImageArn", "value": "arn:x"}]),
        )
        .await
        .err("InvalidRequestException", 400);
    assert!(
        m.contains("readOnlyProperties [/properties/ImageArn]"),
        "{m}"
    );
    c.update(
        IMAGE,
        &id,
        json!([{"op": "remove", "path": "/ImageRoleArn"}]),
    )
    .await
    .err("ValidationException", 400);
    c.update(
        IMAGE,
        &id,
        json!([{"op": "remove", "path": "/NoSuchThing"}]),
    )
    .await
    .err("InvalidRequestException", 400);
    c.update(IMAGE, &id, json!({"op": "not a list"}))
        .await
        .err("InvalidRequestException", 400);
    c.update(
        IMAGE,
        "arn:aws:sagemaker:us-east-1:123456789012:image/missing",
        json!([]),
    )
    .await
    .err("ResourceNotFoundException", 400);
    // The resource is unchanged by the refused patches.
    let props = c.get(IMAGE, &id).await.ok()["ResourceDescription"]["Properties"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(props.contains("\"ImageName\":\"upd\""), "{props}");
    emu.shutdown().await;
}

#[tokio::test]
async fn concurrent_operations_and_cancel() {
    // Two status reads before completion, so requests stay in flight.
    let emu = start(
        EmulatorConfig {
            completion: Completion {
                polls: 2,
                delay: None,
            },
            ..registry_config()
        },
        0,
    )
    .await
    .unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let created = c.create(IMAGE, image("busy")).await.ok();
    let token = created["ProgressEvent"]["RequestToken"]
        .as_str()
        .unwrap()
        .to_string();
    let id = "arn:aws:sagemaker:us-east-1:123456789012:image/busy";
    // A second create of the same resource while the first is in flight.
    c.create(IMAGE, image("busy"))
        .await
        .err("ConcurrentOperationException", 400);
    assert_eq!(
        c.status(&token).await.ok()["ProgressEvent"]["OperationStatus"],
        "IN_PROGRESS"
    );
    assert_eq!(
        c.status(&token).await.ok()["ProgressEvent"]["OperationStatus"],
        "SUCCESS"
    );
    // An update in flight blocks a delete.
    let up = c
        .update(
            IMAGE,
            id,
            json!([{"op": "add", "path": "/ImageDescription", "value": "d"}]),
        )
        .await
        .ok();
    let up_token = up["ProgressEvent"]["RequestToken"]
        .as_str()
        .unwrap()
        .to_string();
    let m = c
        .delete(IMAGE, id)
        .await
        .err("ConcurrentOperationException", 400);
    assert!(m.contains(&up_token), "{m}");
    // Cancelling it frees the resource and leaves it unchanged.
    let cancelled = c
        .call("CancelResourceRequest", json!({"RequestToken": up_token}))
        .await
        .ok();
    assert_eq!(
        cancelled["ProgressEvent"]["OperationStatus"],
        "CANCEL_IN_PROGRESS"
    );
    assert_eq!(
        c.status(&up_token).await.ok()["ProgressEvent"]["OperationStatus"],
        "CANCEL_COMPLETE"
    );
    let props = c.get(IMAGE, id).await.ok()["ResourceDescription"]["Properties"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!props.contains("ImageDescription"), "{props}");
    // A finished request cannot be cancelled: the model's ConcurrentModificationException.
    c.call("CancelResourceRequest", json!({"RequestToken": token}))
        .await
        .err("ConcurrentModificationException", 500);
    c.call("CancelResourceRequest", json!({"RequestToken": "nope"}))
        .await
        .err("RequestTokenNotFoundException", 400);
    c.status("unknown-token")
        .await
        .err("RequestTokenNotFoundException", 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn client_token_idempotency() {
    let emu = start(registry_config(), 0).await.unwrap();
    let c = Client::connect(&emu, "us-east-1").await;
    let body = json!({"TypeName": IMAGE, "DesiredState": image("idem").to_string(), "ClientToken": "tok-1"});
    let first = c.call("CreateResource", body.clone()).await.ok();
    let again = c.call("CreateResource", body.clone()).await.ok();
    assert_eq!(
        first["ProgressEvent"]["RequestToken"],
        again["ProgressEvent"]["RequestToken"]
    );
    let token = first["ProgressEvent"]["RequestToken"].as_str().unwrap();
    c.await_request(token).await;
    // A retry after completion sees the final event of the same request, and creates nothing.
    let later = c.call("CreateResource", body).await.ok();
    assert_eq!(later["ProgressEvent"]["RequestToken"], token);
    assert_eq!(later["ProgressEvent"]["OperationStatus"], "SUCCESS");
    assert_eq!(c.list_all(IMAGE, None).await.0.len(), 1);
    // The same token with another request.
    let m = c
        .call(
            "CreateResource",
            json!({"TypeName": IMAGE, "DesiredState": image("other").to_string(), "ClientToken": "tok-1"}),
        )
        .await
        .err("ClientTokenConflictException", 400);
    assert!(m.contains("tok-1"), "{m}");
    c.call(
        "DeleteResource",
        json!({"TypeName": IMAGE, "Identifier": "x", "ClientToken": "tok-1"}),
    )
    .await
    .err("ClientTokenConflictException", 400);
    emu.shutdown().await;
}
