//! Security headers on the three kinds of answers: the front end, the API
//! and the sandbox checkout page; HSTS only behind https.

use crate::helpers::Api;

async fn headers_of(api: &Api, path: &str, token: Option<&str>) -> reqwest::header::HeaderMap {
    let mut request = api.http.get(api.app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("an answer");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.headers().clone()
}

fn assert_safe(path: &str, headers: &reqwest::header::HeaderMap) {
    let policy = headers["content-security-policy"].to_str().unwrap();
    for needed in [
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(needed), "{path}: {needed} not in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    assert!(headers.contains_key("referrer-policy"), "{path}");
}

#[actix_web::test]
async fn the_front_end_the_api_and_the_sandbox_page_carry_the_security_headers() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["G1"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    let payment = api.pay(&ani, &booking).await;

    for (path, token) in [
        ("/".to_string(), None),
        ("/web/app.js".to_string(), None),
        ("/api/v1/cities".to_string(), None),
        (format!("/sandbox/pay/{payment}"), Some(ani.token.as_str())),
    ] {
        let headers = headers_of(&api, &path, token).await;
        assert_safe(&path, &headers);
        assert!(
            !headers.contains_key("strict-transport-security"),
            "{path}: no HSTS over plain http"
        );
    }
    // A problem document too.
    let missing = api
        .http
        .get(api.app.url("/api/v1/nowhere"))
        .send()
        .await
        .unwrap();
    assert_safe("a 404", missing.headers());

    // The pages themselves have no inline script or style for the policy to refuse.
    let page = api
        .http
        .get(api.app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("style="), "{page}");
    assert!(
        page.matches("<script").count() == page.matches("<script type=\"module\" src=").count()
    );
    let sandbox = api
        .http
        .get(api.app.url(&format!("/sandbox/pay/{payment}")))
        .bearer_auth(&ani.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!sandbox.contains("style="), "{sandbox}");
    assert!(!sandbox.contains("<style"), "{sandbox}");
}

#[actix_web::test]
async fn behind_https_answers_ask_browsers_to_stay_on_https() {
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(|s| {
            s.http.public_url = "https://bioskop.example".into();
        })
        .await,
    );
    let headers = headers_of(&api, "/api/v1/cities", None).await;
    assert!(
        headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}
