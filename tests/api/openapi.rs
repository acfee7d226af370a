//! The OpenAPI document is served, and every operation in it exists.

use reqwest::Method;
use serde_json::json;

use crate::helpers::Api;

#[actix_web::test]
async fn every_operation_of_the_openapi_document_is_served() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let doc = api.get("/api/v1/openapi.json", None).await;
    let doc = doc.assert_status(200).clone();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 30, "{} paths", paths.len());
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{seat}", "A1")
            .replace("{payment_id}", "no-such-payment");
        for method in operations.as_object().expect("operations").keys() {
            if path.ends_with("/auth/logout") || path.ends_with("/auth/logout-all") {
                continue; // would end the admin's session; covered elsewhere
            }
            let method: Method = method.to_uppercase().parse().expect("a method");
            let mut request = api
                .http
                .request(method.clone(), api.app.url(&concrete))
                .bearer_auth(&admin);
            if method == Method::POST {
                request = request.json(&json!({}));
            }
            let response = request.send().await.expect("an answer");
            let status = response.status().as_u16();
            let streaming = path.ends_with("/events");
            let body = if streaming {
                String::new()
            } else {
                response.text().await.unwrap_or_default()
            };
            assert!(
                !(status == 404 && body.contains("resource not found")),
                "{method} {path} is in the document but not served"
            );
            checked += 1;
        }
    }
    assert!(checked >= 33, "{checked} operations checked");
}

/// The routes the HTTP layer registers, read from its source: `(method, path)`.
fn served_routes() -> Vec<(String, String)> {
    // Every file of the HTTP layer that routes under /api/v1 (a new one is
    // read without being listed here); the front end, ops and the sandbox
    // route elsewhere.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let api: Vec<String> = std::fs::read_dir(&dir)
        .expect("src/http")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".rs") && !["front.rs", "ops.rs", "payments.rs"].contains(&name)
        })
        .map(|path| std::fs::read_to_string(path).expect("a source file"))
        .collect();
    let root = [include_str!("../../src/http/ops.rs")];
    let mut routes = Vec::new();
    let mut read = |source: &str, prefix: &str| {
        let mut rest = source;
        while let Some(at) = rest.find(".route(\"") {
            rest = &rest[at + 8..];
            let Some(end) = rest.find('"') else { break };
            let path = &rest[..end];
            let method = ["get", "post", "delete", "put", "patch"]
                .into_iter()
                .find(|m| {
                    rest[end..]
                        .trim_start_matches(['"', ',', ' ', '\n'])
                        .starts_with(&format!("web::{m}()"))
                })
                .expect("a method");
            routes.push((method.to_string(), format!("{prefix}{path}")));
        }
    };
    for source in &api {
        read(source, "/api/v1");
    }
    for source in root {
        read(source, "");
    }
    // payments.rs names its paths by constants and guards: listed here.
    for (method, path) in [
        ("post", "/api/v1/payments/notifications"),
        ("get", "/sandbox/pay/{payment_id}"),
        ("post", "/sandbox/pay/{payment_id}"),
        ("post", "/sandbox/control"),
    ] {
        routes.push((method.into(), path.into()));
    }
    routes
}

#[actix_web::test]
async fn every_route_served_is_in_the_openapi_document() {
    let api = Api::spawn().await;
    let doc = api.get("/api/v1/openapi.json", None).await;
    let doc = doc.assert_status(200).clone();
    let routes = served_routes();
    assert!(routes.len() >= 35, "{} routes read", routes.len());
    for (method, path) in routes {
        assert!(
            doc["paths"][&path][&method].is_object(),
            "{method} {path} is served but not in the document"
        );
    }
    let ui = api.get("/api/v1/docs/", None).await;
    assert_eq!(ui.status.as_u16(), 200, "the Swagger UI is served");
}

#[actix_web::test]
async fn a_method_a_path_does_not_serve_is_405_with_allow() {
    let api = Api::spawn().await;
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/bookings", "GET, POST"),
        (Method::POST, "/api/v1/cities", "GET"),
        (
            Method::PATCH,
            "/api/v1/bookings/some-booking",
            "GET, DELETE",
        ),
    ] {
        let response = api
            .http
            .request(method.clone(), api.app.url(path))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status().as_u16(), 405, "{method} {path}");
        assert_eq!(
            response.headers()["allow"].to_str().expect("ascii"),
            allow,
            "{method} {path}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value = response.json().await.expect("json");
        assert_eq!(problem["code"], "method_not_allowed");
    }
    let nowhere = api.get("/api/v1/no-such-thing", None).await;
    assert_eq!(
        nowhere.status.as_u16(),
        404,
        "a path nobody serves stays 404"
    );
}

#[actix_web::test]
async fn a_json_body_of_the_wrong_type_is_422_never_200() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let control = api
        .post(
            "/sandbox/control",
            Some(&admin),
            json!(["fail_next_refunds", 1]),
        )
        .await;
    assert_eq!(control.status.as_u16(), 422, "{:?}", control.body);
    assert_eq!(control.body["code"], "invalid_body");
    let login = api
        .post("/api/v1/auth/login", None, json!(["a@b.c", "password"]))
        .await;
    assert_eq!(login.status.as_u16(), 422);
    let number = api.post("/api/v1/checkin", Some(&admin), json!(42)).await;
    assert_eq!(number.status.as_u16(), 422);
}

/// Every `code` the server's source can answer with, read from it: the
/// fixed codes of `AppError::code`, and the ones given to
/// `AppError::validation`, `conflict`, `required_text` and `code:` fields.
fn codes_in_source() -> std::collections::BTreeSet<String> {
    fn words_after(source: &str, marker: &str, skip_args: usize) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            let mut args = rest;
            for _ in 0..skip_args {
                match args.find(',') {
                    Some(comma) => args = &args[comma + 1..],
                    None => break,
                }
            }
            let args = args.trim_start();
            if let Some(text) = args.strip_prefix('"')
                && let Some(end) = text.find('"')
            {
                let word = &text[..end];
                if !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    found.push(word.to_string());
                }
            }
        }
        found
    }
    let mut codes = std::collections::BTreeSet::new();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut dirs = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("source");
            let source = source
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            for (marker, skip) in [
                ("validation(", 0),
                ("conflict(", 0),
                ("code: \"", 0),
                ("required_text(", 3),
            ] {
                if marker == "code: \"" {
                    let mut rest = source;
                    while let Some(at) = rest.find(marker) {
                        rest = &rest[at + marker.len()..];
                        if let Some(end) = rest.find('"') {
                            codes.insert(rest[..end].to_string());
                        }
                    }
                } else {
                    codes.extend(words_after(source, marker, skip));
                }
            }
            // Codes chosen by a `match`: `AppError::code` and `let code = match`.
            for start in ["pub fn code(", "let code = match"] {
                for block in source.split(start).skip(1) {
                    let block = block.split("};").next().unwrap_or_default();
                    codes.extend(words_after(block, "=> ", 0));
                }
            }
        }
    }
    // Codes of start-up errors (a bad configuration) and of the command
    // line (`bioskop admin …`), never an HTTP answer.
    for startup in [
        "not_an_admin",
        "unknown_account",
        "backup_exists",
        "invalid_admin",
        "invalid_mail_from",
        "invalid_smtp_url",
        "missing_setting",
        "unknown_provider",
    ] {
        codes.remove(startup);
    }
    codes
}

#[test]
fn the_readme_lists_every_error_code_the_server_answers_and_no_other() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("<!-- error-codes -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /error-codes -->").next())
        .expect("the README's error-codes table");
    let listed: std::collections::BTreeSet<String> = table
        .lines()
        .filter_map(|line| line.split('`').nth(1).map(str::to_string))
        .collect();
    let answered = codes_in_source();
    assert!(answered.len() >= 30, "{answered:?}");
    let missing: Vec<_> = answered.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&answered).collect();
    assert!(
        missing.is_empty(),
        "answered but not in the README: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "in the README but never answered: {stale:?}"
    );
}
