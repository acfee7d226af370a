//! The client address behind a reverse proxy: `X-Forwarded-For` is believed
//! only from `http.trusted_proxies`, and it is what the per-address login
//! limiter counts.

use bioskop::testkit::TestApp;
use serde_json::json;

use crate::helpers::Api;

/// A failed login as sent by `forwarded_for` (through the proxy, if any).
async fn failed_login(api: &Api, n: usize, forwarded_for: &str) -> u16 {
    api.http
        .post(api.app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"email": format!("nobody{n}@example.com"), "password": "wrong password"}))
        .send()
        .await
        .expect("an answer")
        .status()
        .as_u16()
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_customer_is_limited_on_their_own_address() {
    let api = Api::with(
        TestApp::spawn_with(|s| {
            s.http.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
            s.accounts.login_max_failures_per_ip = 3;
        })
        .await,
    );
    for n in 0..3 {
        assert_eq!(failed_login(&api, n, "198.51.100.1").await, 401);
    }
    assert_eq!(failed_login(&api, 3, "198.51.100.1").await, 429);
    // Another customer behind the same proxy is not locked out.
    assert_eq!(failed_login(&api, 4, "198.51.100.2").await, 401);
    // A client cannot pick its own address: the proxy's hop is the last one.
    assert_eq!(
        failed_login(&api, 5, "198.51.100.2, 198.51.100.1").await,
        429
    );
}

#[actix_web::test]
async fn without_trusted_proxies_a_forwarded_for_header_is_not_believed() {
    let api = Api::with(
        TestApp::spawn_with(|s| {
            s.http.trusted_proxies = Vec::new();
            s.accounts.login_max_failures_per_ip = 3;
        })
        .await,
    );
    for n in 0..3 {
        assert_eq!(failed_login(&api, n, &format!("198.51.100.{n}")).await, 401);
    }
    // Every claimed address is the same peer.
    assert_eq!(failed_login(&api, 3, "203.0.113.77").await, 429);
}
