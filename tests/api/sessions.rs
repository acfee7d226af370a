//! Ending sessions: all of one's own at once, the others on a password
//! change, and the expired ones purged.

use serde_json::json;

use crate::helpers::Api;

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
