//! Ending sessions: all of one's own at once, the others on a password
//! change, and the expired ones purged. The browser's session cookie and its
//! CSRF check.

use std::collections::HashMap;

use reqwest::{Method, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Api, Reply};

async fn sign_in(api: &Api, email: &str, password: &str) -> String {
    api.post(
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await
    .assert_status(200)["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn logout_all_ends_every_session_of_the_caller_and_no_one_elses() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let phone = sign_in(&api, &ani.email, "correct horse").await;
    let budi = api.customer().await;
    api.get("/api/v1/me", Some(&phone)).await.assert_status(200);

    api.post("/api/v1/auth/logout-all", Some(&ani.token), json!({}))
        .await
        .assert_status(204);
    for token in [&ani.token, &phone] {
        api.get("/api/v1/me", Some(token))
            .await
            .assert_problem(401, "unauthenticated");
    }
    api.get("/api/v1/me", Some(&budi.token))
        .await
        .assert_status(200);
    api.post("/api/v1/auth/logout-all", None, json!({}))
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn a_password_change_checks_the_current_one_and_ends_the_other_sessions() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let laptop = sign_in(&api, &ani.email, "correct horse").await;

    let wrong = api
        .post(
            "/api/v1/me/password",
            Some(&ani.token),
            json!({"current_password": "not it at all", "new_password": "battery staple"}),
        )
        .await;
    wrong.assert_problem(403, "wrong_password");
    api.post(
        "/api/v1/me/password",
        Some(&ani.token),
        json!({"current_password": "correct horse", "new_password": "short"}),
    )
    .await
    .assert_problem(422, "invalid_fields");
    api.get("/api/v1/me", Some(&laptop))
        .await
        .assert_status(200);

    api.post(
        "/api/v1/me/password",
        Some(&ani.token),
        json!({"current_password": "correct horse", "new_password": "battery staple"}),
    )
    .await
    .assert_status(204);
    // This session goes on; the laptop's ends; only the new password signs in.
    api.get("/api/v1/me", Some(&ani.token))
        .await
        .assert_status(200);
    api.get("/api/v1/me", Some(&laptop))
        .await
        .assert_problem(401, "unauthenticated");
    api.post(
        "/api/v1/auth/login",
        None,
        json!({"email": ani.email, "password": "correct horse"}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    sign_in(&api, &ani.email, "battery staple").await;
}

#[actix_web::test]
async fn expired_sessions_are_purged() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let count = |api: &Api| -> i64 {
        api.app
            .db()
            .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
            .unwrap()
    };
    let before = count(&api);
    assert!(before >= 1);
    assert_eq!(
        api.app
            .state
            .accounts
            .purge_expired_sessions()
            .await
            .unwrap(),
        0
    );
    api.app.advance(api.app.settings.accounts.session_ttl);
    let purged = api
        .app
        .state
        .accounts
        .purge_expired_sessions()
        .await
        .unwrap();
    assert_eq!(purged as i64, before);
    assert_eq!(count(&api), 0);
    api.get("/api/v1/me", Some(&ani.token))
        .await
        .assert_problem(401, "unauthenticated");
}

/// One `Set-Cookie` of an answer: its value and its attributes, lowercased
/// (`httponly`, `samesite=strict`, `max-age=…`).
#[derive(Debug)]
struct SetCookie {
    value: String,
    attributes: Vec<String>,
}

impl SetCookie {
    fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a == attribute)
    }
}

/// The answer, and its `Set-Cookie` headers by cookie name.
async fn send(request: reqwest::RequestBuilder) -> (Reply, HashMap<String, SetCookie>) {
    let response = request.send().await.expect("the server answers");
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| {
            let text = value.to_str().expect("an ASCII Set-Cookie");
            let mut parts = text.split(';').map(str::trim);
            let (name, value) = parts.next()?.split_once('=')?;
            let set = SetCookie {
                value: value.to_string(),
                attributes: parts.map(|a| a.to_ascii_lowercase()).collect(),
            };
            Some((name.to_string(), set))
        })
        .collect();
    (Reply::from(response).await, cookies)
}

/// A request carrying the session cookie (as the browser sends it) and,
/// when given, an `X-CSRF-Token` header.
fn by_cookie(
    api: &Api,
    method: Method,
    path: &str,
    session: &str,
    csrf: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = api
        .http
        .request(method, api.app.url(path))
        .header(header::COOKIE, format!("bioskop_session={session}"));
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    request
}

/// What the server's CSRF token of a session must be.
fn csrf_of(session: &str) -> String {
    hex::encode(Sha256::digest(format!("bioskop-csrf-v1:{session}")))
}

/// Signs in by the API as the browser does: the answer and its cookies.
async fn login(api: &Api, email: &str) -> (Value, HashMap<String, SetCookie>) {
    let (reply, cookies) = send(
        api.http
            .post(api.app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "correct horse"})),
    )
    .await;
    (reply.assert_status(200).clone(), cookies)
}

#[actix_web::test]
async fn signing_in_sets_an_http_only_strict_session_cookie_and_a_readable_csrf_cookie_bound_to_it()
{
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let (body, cookies) = login(&api, &ani.email).await;
    let token = body["token"].as_str().expect("the token for API clients");
    let max_age = format!(
        "max-age={}",
        api.app.settings.accounts.session_ttl.as_secs()
    );

    let session = &cookies["bioskop_session"];
    assert_eq!(session.value, token);
    for attribute in ["httponly", "samesite=strict", "path=/", max_age.as_str()] {
        assert!(session.has(attribute), "{attribute}: {session:?}");
    }
    assert!(!session.has("secure"), "plain http: {session:?}");

    let csrf = &cookies["bioskop_csrf"];
    assert_eq!(csrf.value, csrf_of(token));
    for attribute in ["samesite=strict", "path=/", max_age.as_str()] {
        assert!(csrf.has(attribute), "{attribute}: {csrf:?}");
    }
    assert!(!csrf.has("httponly"), "the page reads it: {csrf:?}");
    assert!(!csrf.has("secure"), "plain http: {csrf:?}");

    // Registering signs in the same way.
    let (reply, cookies) = send(api.http.post(api.app.url("/api/v1/auth/register")).json(
        &json!({"email": "cookie-new@example.com", "password": "correct horse", "name": "Baru"}),
    ))
    .await;
    let token = reply.assert_status(201)["token"].as_str().expect("token");
    assert_eq!(cookies["bioskop_session"].value, token);
    assert!(cookies["bioskop_session"].has("httponly"));
    assert_eq!(cookies["bioskop_csrf"].value, csrf_of(token));
    // And the cookie alone signs the browser in.
    let (me, _) = send(by_cookie(&api, Method::GET, "/api/v1/me", token, None)).await;
    assert_eq!(me.assert_status(200)["email"], "cookie-new@example.com");
}

#[actix_web::test]
async fn the_session_cookies_are_secure_when_the_public_address_is_https() {
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(|s| {
            s.http.public_url = "https://bioskop.example".into();
        })
        .await,
    );
    let ani = api.customer().await;
    let (_, cookies) = login(&api, &ani.email).await;
    for name in ["bioskop_session", "bioskop_csrf"] {
        assert!(cookies[name].has("secure"), "{name}: {:?}", cookies[name]);
        assert!(cookies[name].has("samesite=strict"), "{name}");
    }
}

#[actix_web::test]
async fn a_change_signed_in_by_the_cookie_needs_the_sessions_csrf_token_and_a_bearer_change_does_not()
 {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (body, _) = login(&api, &ani.email).await;
    let session = body["token"].as_str().expect("token").to_string();
    let hold = |csrf: Option<&str>| {
        by_cookie(&api, Method::POST, "/api/v1/bookings", &session, csrf)
            .json(&json!({"showtime_id": showtime, "seats": ["A1"]}))
    };

    // Reading needs no CSRF token.
    send(by_cookie(
        &api,
        Method::GET,
        "/api/v1/bookings",
        &session,
        None,
    ))
    .await
    .0
    .assert_status(200);
    // A change without it, with a wrong one, or with another session's, is
    // refused and changes nothing.
    let budi = api.customer().await;
    for csrf in [
        None,
        Some("not-the-token"),
        Some(csrf_of(&budi.token).as_str()),
        Some(&csrf_of(&session).to_uppercase()),
        Some(""),
    ] {
        let (reply, _) = send(hold(csrf)).await;
        reply.assert_problem(403, "csrf_failed");
    }
    assert!(api.occupancy(showtime).is_empty(), "nothing was held");
    let (list, _) = send(by_cookie(
        &api,
        Method::GET,
        "/api/v1/bookings",
        &session,
        None,
    ))
    .await;
    assert_eq!(list.assert_status(200), &json!([]));

    // With the session's own CSRF token, it is done.
    let (reply, _) = send(hold(Some(&csrf_of(&session)))).await;
    assert_eq!(reply.assert_status(201)["seats"][0]["id"], "A1");

    // A bearer request needs no CSRF token, and a cookie sent along with it
    // is not what signs it in.
    api.hold(&budi, showtime, &["A2"]).await.assert_status(201);
    let (reply, _) = send(
        by_cookie(
            &api,
            Method::POST,
            "/api/v1/bookings",
            "a-dead-cookie",
            None,
        )
        .bearer_auth(&budi.token)
        .json(&json!({"showtime_id": showtime, "seats": ["A3"]})),
    )
    .await;
    reply.assert_problem(409, "booking_already_open");

    // An unknown cookie is 401 before any CSRF question.
    let (reply, _) = send(by_cookie(
        &api,
        Method::POST,
        "/api/v1/auth/logout-all",
        "0123abcd",
        None,
    ))
    .await;
    reply.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn signing_out_clears_both_cookies_and_the_old_cookie_is_refused_after() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let (body, _) = login(&api, &ani.email).await;
    let session = body["token"].as_str().expect("token").to_string();
    let cleared = |cookies: &HashMap<String, SetCookie>| {
        for name in ["bioskop_session", "bioskop_csrf"] {
            let cookie = cookies
                .get(name)
                .unwrap_or_else(|| panic!("{name} is cleared"));
            assert_eq!(cookie.value, "", "{name}");
            assert!(cookie.has("max-age=0"), "{name}: {cookie:?}");
            assert!(cookie.has("path=/"), "{name}: {cookie:?}");
        }
    };

    // Without its CSRF token, a sign-out is a change like any other.
    let (reply, cookies) = send(by_cookie(
        &api,
        Method::POST,
        "/api/v1/auth/logout",
        &session,
        None,
    ))
    .await;
    reply.assert_problem(403, "csrf_failed");
    assert!(cookies.is_empty(), "{cookies:?}");

    let (reply, cookies) = send(by_cookie(
        &api,
        Method::POST,
        "/api/v1/auth/logout",
        &session,
        Some(&csrf_of(&session)),
    ))
    .await;
    reply.assert_status(204);
    cleared(&cookies);
    let (me, _) = send(by_cookie(&api, Method::GET, "/api/v1/me", &session, None)).await;
    me.assert_problem(401, "unauthenticated");
    // Signing out again with the dead cookie: 401, and the cookies go anyway.
    let (reply, cookies) = send(by_cookie(
        &api,
        Method::POST,
        "/api/v1/auth/logout",
        &session,
        Some(&csrf_of(&session)),
    ))
    .await;
    reply.assert_problem(401, "unauthenticated");
    cleared(&cookies);

    // Every session at once, asked by the cookie: the bearer ends too.
    let (body, _) = login(&api, &ani.email).await;
    let session = body["token"].as_str().expect("token").to_string();
    let (reply, cookies) = send(by_cookie(
        &api,
        Method::POST,
        "/api/v1/auth/logout-all",
        &session,
        Some(&csrf_of(&session)),
    ))
    .await;
    reply.assert_status(204);
    cleared(&cookies);
    for token in [&session, &ani.token] {
        api.get("/api/v1/me", Some(token))
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn a_password_change_by_the_cookie_keeps_that_cookie_signed_in_and_ends_the_others() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    let (body, _) = login(&api, &ani.email).await;
    let session = body["token"].as_str().expect("token").to_string();
    let (reply, cookies) = send(
        by_cookie(
            &api,
            Method::POST,
            "/api/v1/me/password",
            &session,
            Some(&csrf_of(&session)),
        )
        .json(&json!({"current_password": "correct horse", "new_password": "battery staple"})),
    )
    .await;
    reply.assert_status(204);
    assert!(
        cookies.is_empty(),
        "the cookies stay as they are: {cookies:?}"
    );
    let (me, _) = send(by_cookie(&api, Method::GET, "/api/v1/me", &session, None)).await;
    me.assert_status(200);
    api.get("/api/v1/me", Some(&ani.token))
        .await
        .assert_problem(401, "unauthenticated");
}
