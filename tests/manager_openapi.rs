//! The OpenAPI 3 document at /api/v1/openapi.json: it parses as OpenAPI 3, holds exactly the
//! `/api/v1` routes of the route table with their methods, path parameters and access, every
//! API route is described (the failure says which line to add), and the schemas match what
//! the API really answers. Runs on SQLite and on PostgreSQL.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::manager::{Backend, Who, World};
use common::postgres::Postgres;
use hotspotd::manager::openapi::{DOCS, document};
use hotspotd::manager::routes::{Access, ROUTES};
use serde_json::Value;

fn api_routes() -> impl Iterator<Item = &'static hotspotd::manager::routes::Route> {
    ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/"))
}

#[test]
fn every_api_route_is_described_and_nothing_else() {
    let missing: Vec<String> = api_routes()
        .filter(|r| {
            !DOCS
                .iter()
                .any(|d| d.method == r.method.as_str() && d.path == r.path)
        })
        .map(|r| {
            format!(
                "    {} \"{}\" \"What it does\": None => 200 One(area::ResponseType);",
                r.method, r.path
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "API routes without a description: add these lines to `docs!` in \
         src/manager/openapi/table.rs (request body type before `=>`, success status and \
         response type after; derive utoipa::ToSchema on the types):\n{}",
        missing.join("\n")
    );
    for d in DOCS {
        assert!(
            api_routes().any(|r| r.method.as_str() == d.method && r.path == d.path),
            "{} {} is described in src/manager/openapi/table.rs but not in the route table",
            d.method,
            d.path
        );
    }
}

#[test]
fn the_document_is_openapi_3_with_every_route_its_parameters_and_access() {
    let doc = serde_json::to_value(document()).unwrap();
    // It reads back as utoipa's OpenAPI type (every field where OpenAPI 3 puts it).
    let parsed: utoipa::openapi::OpenApi = serde_path_to_error::deserialize(doc.clone())
        .unwrap_or_else(|e| panic!("not OpenAPI at {}: {e}", e.path()));
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let mut routed = BTreeSet::new();
    for r in api_routes() {
        let method = r.method.as_str().to_lowercase();
        routed.insert((r.path.to_string(), method.clone()));
        let op = &doc["paths"][r.path][&method];
        assert!(
            op.is_object(),
            "{} {} is not in the document",
            r.method,
            r.path
        );
        let params: BTreeSet<&str> = op["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let in_path: BTreeSet<&str> = r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(params, in_path, "{} {}", r.method, r.path);
        let security = op["security"].to_string();
        let description = op["description"].as_str().unwrap_or("");
        match r.access {
            Access::Public => assert_eq!(security, "[]", "{}", r.path),
            Access::MasterKey => assert_eq!(security, r#"[{"master_key":[]}]"#, "{}", r.path),
            Access::Account => assert!(security.contains("session"), "{}", r.path),
            Access::Role(role) => {
                assert!(security.contains("session"), "{}", r.path);
                assert!(
                    description.contains(&format!("Least role: {}", role.as_str())),
                    "{} {}: {description}",
                    r.method,
                    r.path
                );
            }
        }
        if r.method != "GET" && r.access != Access::MasterKey && r.access != Access::Public {
            assert!(
                security.contains("csrf"),
                "{} {}: {security}",
                r.method,
                r.path
            );
        }
        assert!(
            op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .is_some_and(|s| s.ends_with("/ErrorBody"))
        );
    }
    let documented: BTreeSet<(String, String)> = parsed
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [
                ("get", &item.get),
                ("post", &item.post),
                ("put", &item.put),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ]
            .into_iter()
            .filter(|(_, op)| op.is_some())
            .map(|(m, _)| (path.clone(), m.to_string()))
        })
        .collect();
    assert_eq!(
        documented, routed,
        "the document and the route table differ"
    );
    // Cursor pagination and every auth scheme are described.
    assert!(
        doc["paths"]["/api/v1/hotspots"]["get"]["parameters"]
            .to_string()
            .contains("\"cursor\"")
    );
    let query = |path: &str| -> BTreeSet<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(query("/api/v1/audit"), names(&["cursor", "limit"]));
    assert_eq!(
        query("/api/v1/hotspots/{hotspot}/sessions"),
        names(&["q", "live", "from", "to", "cursor", "limit"])
    );
    assert_eq!(
        query("/api/v1/hotspots/{hotspot}/vouchers"),
        names(&["state", "batch", "creator", "cursor", "limit"])
    );
    for scheme in ["session", "csrf", "token", "master_key"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "{scheme}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["master_key"]["in"],
        "header"
    );
}

/// The property names a schema allows and those it requires, following `$ref` and `allOf`.
fn properties(doc: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut all = BTreeSet::new();
    let mut required = BTreeSet::new();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (a, r) = properties(doc, part);
        all.extend(a);
        required.extend(r);
    }
    if let Some(p) = schema["properties"].as_object() {
        all.extend(p.keys().cloned());
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        required.insert(r.as_str().unwrap().to_string());
    }
    (all, required)
}

/// The success schema of `method path` in the document.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let responses = &doc["paths"][path][method]["responses"];
    let (_, ok) = responses
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with('2'))
        .unwrap_or_else(|| panic!("{method} {path} has no success response"));
    &ok["content"]["application/json"]["schema"]
}

/// `object`'s fields are those `schema` lists, and all it requires.
fn matches(doc: &Value, schema: &Value, object: &Value, what: &str) {
    let (all, required) = properties(doc, schema);
    let keys: BTreeSet<String> = object.as_object().unwrap().keys().cloned().collect();
    assert!(
        keys.is_subset(&all),
        "{what}: {keys:?} has fields the schema {all:?} does not list"
    );
    assert!(
        required.is_subset(&keys),
        "{what}: {keys:?} lacks required {required:?}"
    );
    assert!(!all.is_empty(), "{what}: an empty schema");
}

async fn served(backend: Backend) {
    let w = World::new(&backend, 0).await;
    let (status, _, text) = w
        .send(Who::Anonymous, "GET", "/api/v1/openapi.json", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc, serde_json::to_value(document()).unwrap());

    let get = |who, path: String| {
        let w = &w;
        async move {
            let (status, _, text) = w.send(who, "GET", &path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    // A page of hotspots as a reseller: the page's and each hotspot's fields.
    let page = get(Who::ResellerA, "/api/v1/hotspots".into()).await;
    let schema = response_schema(&doc, "get", "/api/v1/hotspots");
    matches(&doc, schema, &page, "hotspots page");
    let item = &schema["properties"]["items"]["items"];
    matches(&doc, item, &page["items"][0], "hotspot");
    let (all, _) = properties(&doc, item);
    assert!(
        all.contains("time_zone") && all.contains("reseller_id"),
        "{all:?}"
    );
    // The caller, a reseller, the audit log, the reports (the last 7 days by default).
    let me = get(Who::DeskA, "/api/v1/me".into()).await;
    matches(&doc, response_schema(&doc, "get", "/api/v1/me"), &me, "me");
    let r = get(Who::Admin, format!("/api/v1/resellers/{}", w.reseller[0])).await;
    matches(
        &doc,
        response_schema(&doc, "get", "/api/v1/resellers/{reseller}"),
        &r,
        "reseller",
    );
    let path = format!("/api/v1/hotspots/{}/reports", w.hotspot[0]);
    let reports = get(Who::DeskA, path).await;
    let schema = response_schema(&doc, "get", "/api/v1/hotspots/{hotspot}/reports");
    matches(&doc, schema, &reports, "reports");
    assert_eq!(reports["days"].as_array().map(Vec::len), Some(7));
    // The one error shape.
    let (status, _, text) = w
        .send(Who::ResellerA, "GET", "/api/v1/hotspots/999999", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: Value = serde_json::from_str(&text).unwrap();
    let schema = &doc["paths"]["/api/v1/hotspots/{hotspot}"]["get"]["responses"]["default"]["content"]
        ["application/json"]["schema"];
    matches(&doc, schema, &error, "error");
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    matches(&doc, detail, &error["error"], "error detail");
    let (status, _, text) = w
        .send(
            Who::ResellerA,
            "PUT",
            &format!("/api/v1/hotspots/{}", w.hotspot[0]),
            Some(r#"{"name":""}"#),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = serde_json::from_str(&text).unwrap();
    matches(&doc, detail, &error["error"], "invalid field");
    assert_eq!(error["error"]["field"], "name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_matches_real_answers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    served(Backend::Sqlite(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_matches_real_answers_on_postgres() {
    let pg = Postgres::start();
    served(Backend::Postgres(pg.url())).await;
}
