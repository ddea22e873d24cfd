//! The parsed-document cache: a hit gives the same model as parsing the source, a changed
//! source is parsed again, a damaged cache falls back to the source, and nothing is ever
//! written into the registry.

use serde_json::{json, Value};
use stackql_registry::{Registry, Service};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn shared_registry() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/registry");
    assert!(
        p.join("src").is_dir(),
        "../shared/registry is missing beside the checkout ({})",
        p.display()
    );
    p
}

/// Everything the engine plans from, as comparable JSON: the service-wide facts and every
/// resource (methods, params, columns, verbs, views, request and response specs).
fn model(svc: &Service) -> Value {
    let resources: serde_json::Map<String, Value> = svc
        .resources
        .iter()
        .map(|(n, r)| (n.clone(), serde_json::to_value(r.as_ref()).unwrap()))
        .collect();
    json!({
        "provider": svc.provider,
        "name": svc.name,
        "title": svc.title,
        "signing_name": svc.signing_name,
        "servers": serde_json::to_value(&svc.servers).unwrap(),
        "pagination": serde_json::to_value(&svc.pagination).unwrap(),
        "request_translate": svc.request_translate,
        "resources": resources,
    })
}

fn cache_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(cache_files(&p, ext));
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
    out
}

#[test]
fn cache_hit_gives_the_model_a_fresh_parse_gives() {
    let cache = tempfile::tempdir().unwrap();
    for (provider, service, resource) in
        [("aws", "ec2_api", "vpcs"), ("awscc", "sagemaker", "images")]
    {
        let fresh = Registry::open(shared_registry()).unwrap();
        let fresh = fresh.provider(provider).unwrap().service(service).unwrap();
        assert!(!fresh.is_cached());

        // The first cached open parses and writes; the second reads the cache.
        let first =
            Registry::open_with_cache(shared_registry(), Some(cache.path().into())).unwrap();
        let first = first.provider(provider).unwrap().service(service).unwrap();
        assert!(
            !first.is_cached(),
            "{provider}.{service}: nothing cached yet"
        );

        let reg = Registry::open_with_cache(shared_registry(), Some(cache.path().into())).unwrap();
        let p = reg.provider(provider).unwrap();
        let fresh_p = Registry::open(shared_registry())
            .unwrap()
            .provider(provider)
            .unwrap();
        assert_eq!(p.version, fresh_p.version);
        assert_eq!(
            p.services.keys().collect::<Vec<_>>(),
            fresh_p.services.keys().collect::<Vec<_>>()
        );
        let cached = p.service(service).unwrap();
        assert!(
            cached.is_cached(),
            "{provider}.{service}: read from the cache"
        );

        // Listing the resources (SHOW RESOURCES) reads the index, no resource.
        let listed: Vec<(String, String)> = cached
            .resources
            .summaries()
            .map(|(n, d)| (n.clone(), d.to_string()))
            .collect();
        let expected: Vec<(String, String)> = fresh
            .resources
            .iter()
            .map(|(n, r)| (n.clone(), r.description.clone()))
            .collect();
        assert_eq!(listed, expected, "{provider}.{service}");
        assert_eq!(cached.resources.loaded(), 0, "{provider}.{service}");

        // One resource alone, as planning asks for it, before anything else is loaded.
        let (_, one) = reg.resource(provider, service, resource).unwrap();
        assert_eq!(
            serde_json::to_value(one.as_ref()).unwrap(),
            serde_json::to_value(fresh.resource(resource).unwrap().as_ref()).unwrap()
        );
        assert!(one.methods.values().any(|m| !m.columns.is_empty()));

        assert_eq!(model(&cached), model(&fresh), "{provider}.{service}");
        assert_eq!(cached.document().unwrap(), fresh.document().unwrap());
        assert!(matches!(
            cached.resource("no_such_thing"),
            Err(stackql_registry::RegistryError::UnknownResource { .. })
        ));
    }
    assert_eq!(cache_files(cache.path(), "svc").len(), 2);
    assert_eq!(cache_files(cache.path(), "json").len(), 2);
}

const PROVIDER: &str = "\
id: demo
name: demo
version: v00.00.00000
providerServices:
  things:
    id: things:v00.00.00000
    name: things
    title: Things
    service:
      $ref: demo/v00.00.00000/services/things.yaml
";

const THINGS: &str = "\
openapi: 3.0.0
info:
  title: Things
  version: '1'
  x-serviceName: things
servers:
  - url: https://things.{region}.example.com
    variables:
      region:
        default: us-east-1
paths:
  /things:
    get:
      operationId: ListThings
      responses:
        '200':
          content:
            application/json:
              schema:
                type: object
                properties:
                  Items:
                    type: array
                    items:
                      $ref: '#/components/schemas/Thing'
components:
  schemas:
    Thing:
      type: object
      properties:
        ColumnA:
          type: string
  x-stackQL-resources:
    things:
      id: demo.things.things
      name: things
      title: Things
      methods:
        list:
          operation:
            $ref: '#/paths/~1things/get'
          response:
            mediaType: application/json
            objectKey: $.Items
      sqlVerbs:
        select:
          - $ref: '#/components/x-stackQL-resources/things/methods/list'
";

/// A registry root with one small provider, written by the test.
fn small_registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let version = dir.path().join("src/demo/v00.00.00000");
    std::fs::create_dir_all(version.join("services")).unwrap();
    std::fs::write(version.join("provider.yaml"), PROVIDER).unwrap();
    std::fs::write(version.join("services/things.yaml"), THINGS).unwrap();
    dir
}

fn things_doc(root: &Path) -> PathBuf {
    root.join("src/demo/v00.00.00000/services/things.yaml")
}

/// A source changed within the last second is not cached (its stamp could miss a second
/// change in the same clock tick); the tests wait that out where they need a cache entry.
fn settle() {
    std::thread::sleep(Duration::from_millis(1100));
}

fn load(root: &Path, cache: &Path) -> std::sync::Arc<Service> {
    Registry::open_with_cache(root, Some(cache.to_path_buf()))
        .unwrap()
        .provider("demo")
        .unwrap()
        .service("things")
        .unwrap()
}

fn columns(svc: &Service) -> Vec<String> {
    svc.resource("things").unwrap().methods["list"]
        .columns
        .iter()
        .map(|c| c.0.clone())
        .collect()
}

#[test]
fn a_changed_source_is_parsed_again() {
    let reg = small_registry();
    let cache = tempfile::tempdir().unwrap();
    let doc = things_doc(reg.path());
    settle();
    assert!(!load(reg.path(), cache.path()).is_cached());
    let svc = load(reg.path(), cache.path());
    assert!(svc.is_cached());
    assert_eq!(columns(&svc), ["ColumnA"]);

    // Same size, mtime put back: the content change still shows (ctime, which no tool
    // can put back, is part of the stamp).
    let mtime = std::fs::metadata(&doc).unwrap().modified().unwrap();
    std::fs::write(&doc, THINGS.replace("ColumnA", "ColumnB")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&doc)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let svc = load(reg.path(), cache.path());
    assert!(!svc.is_cached());
    assert_eq!(columns(&svc), ["ColumnB"]);

    // Touch alone invalidates too.
    settle();
    assert!(!load(reg.path(), cache.path()).is_cached());
    assert!(load(reg.path(), cache.path()).is_cached());
    std::fs::File::options()
        .write(true)
        .open(&doc)
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
    let svc = load(reg.path(), cache.path());
    assert!(!svc.is_cached());
    assert_eq!(columns(&svc), ["ColumnB"]);

    // A new document in provider.yaml is seen as well.
    let provider_yaml = reg.path().join("src/demo/v00.00.00000/provider.yaml");
    std::fs::write(
        &provider_yaml,
        PROVIDER.replace("title: Things", "title: Other"),
    )
    .unwrap();
    let p = Registry::open_with_cache(reg.path(), Some(cache.path().into()))
        .unwrap()
        .provider("demo")
        .unwrap();
    assert_eq!(p.services["things"].title, "Other");
}

#[test]
fn a_damaged_cache_falls_back_to_the_source() {
    let reg = small_registry();
    let cache = tempfile::tempdir().unwrap();
    settle();
    load(reg.path(), cache.path());
    let files = cache_files(cache.path(), "svc");
    assert_eq!(files.len(), 1);
    let file = &files[0];
    let good = std::fs::read(file).unwrap();
    let expected = model(&load(reg.path(), cache.path()));

    // Garbage, a cut-off file, an empty file: the header does not check out.
    for damaged in [
        b"not a cache".to_vec(),
        good[..good.len() / 2].to_vec(),
        vec![],
    ] {
        std::fs::write(file, &damaged).unwrap();
        let svc = load(reg.path(), cache.path());
        assert_eq!(model(&svc), expected);
        // The parse rewrote the cache.
        assert!(load(reg.path(), cache.path()).is_cached());
    }

    // A damaged resource blob behind a good header: found when the resource is read.
    let mut bad_blob = good.clone();
    let header_len = u64::from_le_bytes(good[8..16].try_into().unwrap()) as usize;
    for b in &mut bad_blob[16 + header_len..16 + header_len + 8] {
        *b = b'#';
    }
    std::fs::write(file, &bad_blob).unwrap();
    let svc = load(reg.path(), cache.path());
    assert!(svc.is_cached());
    assert_eq!(columns(&svc), ["ColumnA"]);
    assert_eq!(model(&svc), expected);
    assert_eq!(svc.document().unwrap()["info"]["title"], "Things");
    // ... and the fallback repaired it for the next process.
    assert_eq!(std::fs::read(file).unwrap(), good);

    // A damaged provider cache is a miss as well.
    for f in cache_files(cache.path(), "json") {
        std::fs::write(f, b"{").unwrap();
    }
    let p = Registry::open_with_cache(reg.path(), Some(cache.path().into()))
        .unwrap()
        .provider("demo")
        .unwrap();
    assert_eq!(p.services.len(), 1);
}

/// Every file under `dir` with its length and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), m.len(), m.modified().unwrap()));
        if m.is_dir() {
            out.extend(listing(&p));
        }
    }
    out.sort();
    out
}

#[test]
fn the_registry_is_never_written() {
    let reg = small_registry();
    let cache = tempfile::tempdir().unwrap();
    settle();
    let before = listing(reg.path());
    for _ in 0..2 {
        let svc = load(reg.path(), cache.path());
        svc.document().unwrap();
        columns(&svc);
    }
    assert_eq!(listing(reg.path()), before);
    assert_eq!(cache_files(cache.path(), "svc").len(), 1);
    // No temporary files left behind.
    assert!(listing(cache.path())
        .iter()
        .all(|(p, _, _)| !p.to_string_lossy().ends_with(".tmp")));

    // A cache directory that cannot be created costs the cache, nothing else.
    let blocker = cache.path().join("a-file");
    std::fs::write(&blocker, b"").unwrap();
    let svc = load(reg.path(), &blocker);
    assert_eq!(columns(&svc), ["ColumnA"]);
    assert!(!load(reg.path(), &blocker).is_cached());
}

#[test]
fn entries_of_vanished_registries_are_evicted() {
    let a = small_registry();
    let b = small_registry();
    let cache = tempfile::tempdir().unwrap();
    settle();
    load(a.path(), cache.path());
    assert_eq!(cache_files(cache.path(), "svc").len(), 1);
    assert_eq!(cache_files(cache.path(), "json").len(), 1);
    drop(a);
    // Writing B's entries removes A's, whose sources are gone.
    load(b.path(), cache.path());
    assert_eq!(cache_files(cache.path(), "svc").len(), 1);
    assert_eq!(cache_files(cache.path(), "json").len(), 1);
    assert!(load(b.path(), cache.path()).is_cached());
}

/// provider.yaml `config.snake_case_aliases` names row columns by the snake_case form of
/// their fields; a cache entry parsed under the other setting is not used.
#[test]
fn snake_case_aliases_rename_columns_and_a_config_change_reparses() {
    let reg = small_registry();
    let cache = tempfile::tempdir().unwrap();
    let provider_yaml = reg.path().join("src/demo/v00.00.00000/provider.yaml");
    std::fs::write(
        &provider_yaml,
        format!("{PROVIDER}config:\n  snake_case_aliases: true\n"),
    )
    .unwrap();
    settle();
    let svc = load(reg.path(), cache.path());
    assert_eq!(columns(&svc), ["column_a"]);
    let list = &svc.resource("things").unwrap().methods["list"];
    assert_eq!(list.field_of("column_a"), "ColumnA");
    let svc = load(reg.path(), cache.path());
    assert!(svc.is_cached());
    assert_eq!(columns(&svc), ["column_a"]);

    std::fs::write(&provider_yaml, PROVIDER).unwrap();
    settle();
    let svc = load(reg.path(), cache.path());
    assert!(!svc.is_cached(), "parsed for the other config");
    assert_eq!(columns(&svc), ["ColumnA"]);
}

/// `request.nativeCasing`: each parameter also answers to its snake_case form.
#[test]
fn native_casing_parameters_answer_to_their_snake_case_form() {
    let reg = small_registry();
    let doc = things_doc(reg.path());
    std::fs::write(
        &doc,
        THINGS
            .replace(
                "      operationId: ListThings\n",
                "      operationId: ListThings\n      parameters:\n        - {name: MaxItems, in: query, schema: {type: integer}}\n        - {name: VPCId, in: query, required: true, schema: {type: string}}\n        - {name: Name, in: query, schema: {type: string}}\n",
            )
            .replace(
                "          response:\n",
                "          request:\n            nativeCasing: pascal\n          response:\n",
            ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let svc = load(reg.path(), cache.path());
    let list = &svc.resource("things").unwrap().methods["list"];
    assert_eq!(list.param("max_items").unwrap().name, "MaxItems");
    assert_eq!(list.param("vpc_id").unwrap().name, "VPCId");
    assert_eq!(list.param("VPCId").unwrap().name, "VPCId");
    // `name` is `Name` to SQLite anyway: accepted.
    assert_eq!(list.param("name").unwrap().name, "Name");
    assert!(list.param("vpcid").is_none());
    assert_eq!(
        list.missing_params(|p| p.answers_to("vpc_id") || p.answers_to("region")),
        Vec::<String>::new()
    );
    assert_eq!(list.missing_params(|_| false), ["VPCId", "region"]);
}
