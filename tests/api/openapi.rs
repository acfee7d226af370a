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
            if path.ends_with("/auth/logout") {
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
