//! The `github` provider of registry-current end to end, through the binary, against a
//! GitHub-shaped server of our own on loopback: basic auth from the variables provider.yaml
//! names (checked by the server on every request), `Link` pagination over every page (the
//! next page at another path, as GitHub's `/organizations/<id>/...` links are), repos,
//! orgs and issues joined and aggregated, GitHub's error bodies, a 401 that fails loudly
//! without leaking the credentials, and missing variables that send nothing. The provider
//! is pointed at the server with `STACKQL_ENDPOINT_URL_GITHUB`.

mod common;
mod loopback;

use base64::Engine as _;
use common::scratch_dir;
use loopback::{Loopback, Recorded, Reply};
use serde_json::{json, Value};
use stackql_testkit::{current_registry, TempRegistry};
use std::collections::BTreeMap;
use std::process::Command;

const USER: &str = "octo-user";
const PASSWORD: &str = "s3cret-Pa55word";
const ORG: &str = "acme";
const ORG_ID: u64 = 4242;
const REPOS: usize = 250;
/// The repos that have issues, and how many.
const ISSUES: &[(&str, usize)] = &[("repo-007", 75), ("repo-042", 3)];
/// GitHub's default page size, used when the request names none.
const DEFAULT_PER_PAGE: usize = 30;

const FORBIDDEN: &str = "Resource protected by organization SAML enforcement.";

const LANGUAGES: &[&str] = &["Rust", "Go", "Python", "TypeScript", "Shell", "C"];

/// What the server holds: every repo of `acme`.
fn repos() -> Vec<Value> {
    (1..=REPOS)
        .map(|i| {
            let name = format!("repo-{i:03}");
            json!({
                "id": 1000 + i,
                "name": name,
                "full_name": format!("{ORG}/{name}"),
                "private": i % 4 == 0,
                "language": LANGUAGES[i % LANGUAGES.len()],
                "stargazers_count": i * 3,
                "owner": {"login": ORG, "id": ORG_ID, "type": "Organization"},
            })
        })
        .collect()
}

fn orgs_of(user: &str) -> Vec<Value> {
    if user != "alice" {
        return vec![];
    }
    vec![
        json!({"login": ORG, "id": ORG_ID, "description": "Acme Inc."}),
        json!({"login": "empty-org", "id": 7, "description": "nothing here"}),
    ]
}

fn issues_of(repo: &str) -> Vec<Value> {
    let count = ISSUES
        .iter()
        .find(|(r, _)| *r == repo)
        .map_or(0, |(_, n)| *n);
    (1..=count)
        .map(|n| {
            json!({
                "id": 90_000 + n,
                "number": n,
                "title": format!("issue {n} of {repo}"),
                "state": if n % 3 == 0 { "closed" } else { "open" },
                "user": {"login": "alice"},
            })
        })
        .collect()
}

fn expected_basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    )
}

fn github_error(status: u16, message: &str) -> Reply {
    Reply::Answer(
        status,
        vec![("Content-Type", "application/json; charset=utf-8".into())],
        json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.to_string(),
        })
        .to_string(),
    )
}

/// The query string of a request target as a map.
fn query_of(target: &str) -> BTreeMap<String, String> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One page of `items` as GitHub serves it: `page` and `per_page` from the query, a `Link`
/// header naming the next and last pages at `link_path` (absolute, on the Host asked).
fn paged(req: &Recorded, items: Vec<Value>, link_path: &str) -> Reply {
    let query = query_of(&req.target);
    let per_page = query
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let host = req.header("host").unwrap_or("127.0.0.1");
    let link = |p: usize| format!("<http://{host}{link_path}?per_page={per_page}&page={p}>");
    let mut rels = Vec::new();
    if page < last {
        rels.push(format!("{}; rel=\"next\"", link(page + 1)));
        rels.push(format!("{}; rel=\"last\"", link(last)));
    }
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", link(1)));
        rels.push(format!("{}; rel=\"prev\"", link(page - 1)));
    }
    let mut headers = vec![("Content-Type", "application/json; charset=utf-8".into())];
    if !rels.is_empty() {
        headers.push(("Link", rels.join(", ")));
    }
    Reply::Answer(200, headers, Value::Array(body).to_string())
}

/// The GitHub-shaped server: every request must carry the test's basic credentials.
fn github(req: &Recorded, _: usize) -> Reply {
    if req.header("authorization") != Some(expected_basic().as_str()) {
        return github_error(401, "Bad credentials");
    }
    if req.method != "GET" {
        return github_error(404, "Not Found");
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let org_repos = format!("/organizations/{ORG_ID}/repos");
    match segments.as_slice() {
        // The first page is asked by name, the next ones at the id GitHub links to.
        ["orgs", org, "repos"] if *org == ORG => paged(req, repos(), &org_repos),
        ["organizations", id, "repos"] if *id == ORG_ID.to_string() => {
            paged(req, repos(), &org_repos)
        }
        ["orgs", "locked-org", "repos"] => github_error(403, FORBIDDEN),
        ["orgs", _, "repos"] => github_error(404, "Not Found"),
        ["users", user, "orgs"] => paged(req, orgs_of(user), path),
        ["repos", owner, repo, "issues"] if *owner == ORG => paged(req, issues_of(repo), path),
        _ => github_error(404, "Not Found"),
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stackql failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

fn registry() -> TempRegistry {
    current_registry(&["github"])
}

/// Runs `stackql exec -o json <sql>` against `server` with `credentials` (None: the
/// variables are unset).
fn exec(
    reg: &TempRegistry,
    server: &Loopback,
    credentials: Option<(&str, &str)>,
    sql: &str,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackql"));
    cmd.current_dir(scratch_dir());
    cmd.arg(format!("--registry={}", reg.root().display()));
    cmd.args(["exec", "-o", "json", sql]);
    for var in [
        "STACKQL_GITHUB_USERNAME",
        "STACKQL_GITHUB_PASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("STACKQL_ENDPOINT_URL_GITHUB", server.url());
    if let Some((user, password)) = credentials {
        cmd.env("STACKQL_GITHUB_USERNAME", user);
        cmd.env("STACKQL_GITHUB_PASSWORD", password);
    }
    let out = cmd.output().expect("run stackql");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn good() -> Option<(&'static str, &'static str)> {
    Some((USER, PASSWORD))
}

#[test]
fn repos_of_an_org_are_read_over_every_link_page() {
    let reg = registry();
    let server = Loopback::start(github);
    let rows = exec(
        &reg,
        &server,
        good(),
        &format!("SELECT id, name, full_name, language FROM github.repos.repos WHERE org = '{ORG}' AND per_page = 100 ORDER BY id"),
    )
    .json();
    let held: Vec<Value> = repos()
        .into_iter()
        .map(|r| json!({"id": r["id"], "name": r["name"], "full_name": r["full_name"], "language": r["language"]}))
        .collect();
    assert_eq!(rows, Value::Array(held));
    // 250 repos at 100 a page: three requests, the later ones where the Link header said.
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            format!("/orgs/{ORG}/repos?per_page=100"),
            format!("/organizations/{ORG_ID}/repos?per_page=100&page=2"),
            format!("/organizations/{ORG_ID}/repos?per_page=100&page=3"),
        ]
    );
    // GitHub's default page size: nine pages, all of them.
    let server = Loopback::start(github);
    let count = exec(
        &reg,
        &server,
        good(),
        &format!("SELECT COUNT(*) AS n FROM github.repos.repos WHERE org = '{ORG}'"),
    )
    .json();
    assert_eq!(count, json!([{"n": REPOS}]));
    assert_eq!(server.requests().len(), REPOS.div_ceil(DEFAULT_PER_PAGE));
}

#[test]
fn orgs_join_repos_with_an_aggregate() {
    let reg = registry();
    let server = Loopback::start(github);
    let rows = exec(
        &reg,
        &server,
        good(),
        "SELECT o.login, r.language, COUNT(*) AS repos, SUM(r.stargazers_count) AS stars \
         FROM github.orgs.orgs o JOIN github.repos.repos r ON r.org = o.login \
         WHERE o.username = 'alice' GROUP BY o.login, r.language ORDER BY r.language",
    )
    .json();
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in repos() {
        let e = expected
            .entry(r["language"].as_str().unwrap().to_string())
            .or_default();
        e.0 += 1;
        e.1 += r["stargazers_count"].as_u64().unwrap();
    }
    let expected: Vec<Value> = expected
        .into_iter()
        .map(|(lang, (n, stars))| json!({"login": ORG, "language": lang, "repos": n, "stars": stars}))
        .collect();
    assert_eq!(rows, Value::Array(expected));
    // The empty org was listed too (one page, no repos).
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.target.starts_with("/orgs/empty-org/repos")),
        "{:?}",
        server
            .requests()
            .iter()
            .map(|r| &r.target)
            .collect::<Vec<_>>()
    );
}

#[test]
fn issues_join_repos_and_group_by_state() {
    let reg = registry();
    let server = Loopback::start(github);
    let rows = exec(
        &reg,
        &server,
        good(),
        &format!(
            "SELECT r.name, i.state, COUNT(*) AS n \
             FROM github.repos.repos r JOIN github.issues.issues i \
             ON i.owner = '{ORG}' AND i.repo = r.name \
             WHERE r.org = '{ORG}' AND r.per_page = 100 AND r.name IN ('repo-007', 'repo-042', 'repo-100') \
             GROUP BY r.name, i.state ORDER BY r.name, i.state"
        ),
    )
    .json();
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (repo, _) in ISSUES {
        for issue in issues_of(repo) {
            *expected
                .entry((repo.to_string(), issue["state"].as_str().unwrap().into()))
                .or_default() += 1;
        }
    }
    let expected: Vec<Value> = expected
        .into_iter()
        .map(|((name, state), n)| json!({"name": name, "state": state, "n": n}))
        .collect();
    assert_eq!(rows, Value::Array(expected));
    // repo-007's 75 issues came in three pages of GitHub's default 30.
    let issue_pages = server
        .requests()
        .iter()
        .filter(|r| {
            r.target
                .starts_with(&format!("/repos/{ORG}/repo-007/issues"))
        })
        .count();
    assert_eq!(issue_pages, 3);
}

#[test]
fn explain_names_the_link_header_and_no_region() {
    let reg = registry();
    let server = Loopback::start(github);
    let plan = exec(
        &reg,
        &server,
        good(),
        &format!("EXPLAIN SELECT * FROM github.repos.repos WHERE org = '{ORG}'"),
    )
    .json();
    let row = &plan[0];
    assert_eq!(
        row["pages"], "unknown (follows the Link header's rel=\"next\")",
        "{plan}"
    );
    assert!(row.get("region").is_none(), "{plan}");
    assert!(server.requests().is_empty(), "EXPLAIN sent nothing");
    // Nor does a GitHub table have a region column or parameter.
    let cols = exec(&reg, &server, good(), "DESCRIBE github.repos.repos").json();
    let names: Vec<&str> = cols
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"full_name"), "{names:?}");
    assert!(!names.contains(&"region"), "{names:?}");
    let refused = exec(
        &reg,
        &server,
        good(),
        &format!(
            "SELECT name FROM github.repos.repos WHERE org = '{ORG}' AND region = 'us-east-1'"
        ),
    );
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(refused.stderr.contains("region"), "{}", refused.stderr);
    assert!(server.requests().is_empty());
}

/// No secret anywhere the user can see.
fn assert_no_secret(run: &Run) {
    let basic = expected_basic();
    let token = basic.trim_start_matches("Basic ");
    for text in [&run.stdout, &run.stderr] {
        for secret in [PASSWORD, token, "Authorization", "authorization"] {
            assert!(!text.contains(secret), "{secret:?} leaked:\n{text}");
        }
    }
}

#[test]
fn bad_credentials_fail_loudly_with_githubs_message_and_no_secret() {
    let reg = registry();
    let server = Loopback::start(github);
    let run = exec(
        &reg,
        &server,
        Some((USER, "wrong-password")),
        &format!("SELECT name FROM github.repos.repos WHERE org = '{ORG}'"),
    );
    assert_ne!(run.code, 0, "stdout:\n{}", run.stdout);
    assert!(run.stderr.contains("Bad credentials"), "{}", run.stderr);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong-password"), "{}", run.stderr);
    assert!(
        run.stdout.trim().is_empty() || run.stdout.trim() == "[]",
        "{}",
        run.stdout
    );
    assert_no_secret(&run);
    // A 401 is not retried: one request.
    assert_eq!(server.requests().len(), 1);
    // The request carried basic credentials, not something else.
    let sent = server.requests()[0]
        .header("authorization")
        .map(str::to_string);
    assert!(sent.is_some_and(|a| a.starts_with("Basic ")));
    // Another error body is decoded the same way: status and GitHub's message.
    let run = exec(
        &reg,
        &server,
        good(),
        "SELECT name FROM github.repos.repos WHERE org = 'locked-org'",
    );
    assert_ne!(run.code, 0, "stdout:\n{}", run.stdout);
    assert!(run.stderr.contains(FORBIDDEN), "{}", run.stderr);
    assert!(run.stderr.contains("403"), "{}", run.stderr);
    assert_no_secret(&run);
    // A missing thing reads as no rows, like an empty table (StackQL's behaviour).
    let run = exec(
        &reg,
        &server,
        good(),
        "SELECT name FROM github.repos.repos WHERE org = 'no-such-org'",
    );
    assert_eq!(run.json(), json!([]));
}

#[test]
fn missing_variables_are_named_and_nothing_is_sent() {
    let reg = registry();
    let server = Loopback::start(github);
    let run = exec(
        &reg,
        &server,
        None,
        &format!("SELECT name FROM github.repos.repos WHERE org = '{ORG}'"),
    );
    assert_ne!(run.code, 0, "stdout:\n{}", run.stdout);
    for var in ["STACKQL_GITHUB_USERNAME", "STACKQL_GITHUB_PASSWORD"] {
        assert!(run.stderr.contains(var), "{var} not named:\n{}", run.stderr);
    }
    assert!(server.requests().is_empty(), "sent without credentials");
    // One of the two missing: still nothing sent, and the missing one named.
    let run = exec(
        &reg,
        &server,
        Some((USER, "")),
        &format!("SELECT name FROM github.repos.repos WHERE org = '{ORG}'"),
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("STACKQL_GITHUB_PASSWORD"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("STACKQL_GITHUB_USERNAME is not set"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty(), "sent without credentials");
    assert!(!run.stderr.contains(USER), "{}", run.stderr);
}
