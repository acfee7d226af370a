//! Hold up under abuse at the door: sign-ins counted when they start and per
//! (account, address), credential stuffing reported instead of locking the
//! owner out, sign-ups limited per address, and password hashing bounded
//! (503 `overloaded` beyond it).

use bioskop::testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::Api;

/// A request's answer `(status, body, Retry-After)` as sent from `address`
/// (through the trusted proxy on 127.0.0.1).
async fn from(api: &Api, address: &str, path: &str, body: Value) -> (u16, Value, Option<String>) {
    let response = api
        .http
        .post(api.app.url(path))
        .header("X-Forwarded-For", address)
        .json(&body)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, retry_after)
}

async fn behind_a_proxy(adjust: impl FnOnce(&mut bioskop::config::Settings)) -> Api {
    Api::with(
        TestApp::spawn_with(|s| {
            s.http.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
            adjust(s);
        })
        .await,
    )
}

#[actix_web::test]
async fn the_owner_signs_in_from_their_own_address_after_a_parallel_burst_of_50_failures() {
    let api = behind_a_proxy(|s| {
        s.accounts.login_max_failures = 5;
        s.accounts.login_max_failures_per_ip = 1000;
    })
    .await;
    let ani = api.customer().await;
    let wrong = json!({"email": ani.email, "password": "guess guess"});
    let burst = futures_util::future::join_all(
        (0..50).map(|_| from(&api, "203.0.113.9", "/api/v1/auth/login", wrong.clone())),
    )
    .await;
    let statuses: Vec<u16> = burst.iter().map(|(s, _, _)| *s).collect();
    let failed = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    // Counted as they start: the burst gets as many hashes as the limit, no more.
    assert_eq!((failed, throttled), (5, 45), "{statuses:?}");
    assert!(
        burst
            .iter()
            .all(|(s, _, retry)| *s != 429 || retry.is_some())
    );

    let right = json!({"email": ani.email, "password": "correct horse"});
    let (status, _, _) = from(&api, "203.0.113.9", "/api/v1/auth/login", right.clone()).await;
    assert_eq!(status, 429, "the hammering address stays throttled");
    let (status, body, _) = from(&api, "198.51.100.7", "/api/v1/auth/login", right).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].as_str().is_some());
}

#[actix_web::test]
async fn failures_on_one_account_from_many_addresses_alert_the_admins_once_and_lock_nobody_out() {
    let api = behind_a_proxy(|s| s.accounts.login_alert_addresses = 3).await;
    let admin = api.admin().await;
    let ani = api.customer().await;
    let wrong = json!({"email": ani.email, "password": "guess guess"});
    for address in ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"] {
        let (status, _, _) = from(&api, address, "/api/v1/auth/login", wrong.clone()).await;
        assert_eq!(status, 401);
    }
    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    let stuffing: Vec<Value> = alerts
        .assert_status(200)
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "credential_stuffing")
        .cloned()
        .collect();
    assert_eq!(stuffing.len(), 1, "{stuffing:?}");
    assert!(
        stuffing[0]["subject"]
            .as_str()
            .unwrap()
            .contains(&ani.email)
    );
    let right = json!({"email": ani.email, "password": "correct horse"});
    let (status, _, _) = from(&api, "198.51.100.7", "/api/v1/auth/login", right).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn sign_ups_from_one_ipv6_network_count_together_whatever_the_host_part() {
    let api = behind_a_proxy(|s| s.accounts.max_signups_per_ip = 2).await;
    let signup = |n: usize| json!({"email": format!("six{n}@example.com"), "password": "correct horse", "name": "Six"});
    for (n, host) in ["2001:db8:5:6::1", "2001:db8:5:6:abcd::2"]
        .iter()
        .enumerate()
    {
        let (status, _, _) = from(&api, host, "/api/v1/auth/register", signup(n)).await;
        assert_eq!(status, 201);
    }
    // A third host of the same /64 is the same subscriber.
    let (status, body, _) = from(
        &api,
        "2001:db8:5:6:ffff:1:2:3",
        "/api/v1/auth/register",
        signup(2),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_signups"))
    );
    // The next /64 is someone else.
    let (status, _, _) = from(&api, "2001:db8:5:7::1", "/api/v1/auth/register", signup(3)).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn sign_ups_are_limited_per_address() {
    let api = behind_a_proxy(|s| s.accounts.max_signups_per_ip = 2).await;
    let signup = |n: usize| json!({"email": format!("flood{n}@example.com"), "password": "correct horse", "name": "Flood"});
    for n in 0..2 {
        let (status, _, _) = from(&api, "203.0.113.5", "/api/v1/auth/register", signup(n)).await;
        assert_eq!(status, 201);
    }
    let (status, body, retry_after) =
        from(&api, "203.0.113.5", "/api/v1/auth/register", signup(2)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_signups"))
    );
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s > 3000)));
    let (status, _, _) = from(&api, "198.51.100.8", "/api/v1/auth/register", signup(3)).await;
    assert_eq!(status, 201, "another address signs up");
}

#[actix_web::test]
async fn beyond_the_bounded_hashing_a_flood_of_sign_ups_gets_503_overloaded_and_nothing_else() {
    let api = behind_a_proxy(|s| {
        s.accounts.max_concurrent_hashes = 1;
        s.accounts.hash_queue = 2;
        s.accounts.hash_wait = std::time::Duration::from_secs(30);
    })
    .await;
    let flood = futures_util::future::join_all((0..12).map(|n| {
        let api = &api;
        async move {
            from(
                api,
                &format!("203.0.113.{n}"),
                "/api/v1/auth/register",
                json!({"email": format!("flood{n}@example.com"), "password": "correct horse", "name": "Flood"}),
            )
            .await
        }
    }))
    .await;
    let created = flood.iter().filter(|(s, _, _)| *s == 201).count();
    let overloaded: Vec<_> = flood.iter().filter(|(s, _, _)| *s == 503).collect();
    assert_eq!(created + overloaded.len(), flood.len(), "{flood:?}");
    assert!(
        created >= 3,
        "one hashing and two waiting at least: {created}"
    );
    assert!(!overloaded.is_empty(), "the queue overflowed");
    for (_, body, retry_after) in overloaded {
        assert_eq!(body["code"], "overloaded");
        assert!(retry_after.is_some());
    }
}
