//! Staff and admin accounts managed by the admins, the door page's list, and
//! the audit trail read over HTTP.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, Reply};

async fn patch(api: &Api, path: &str, token: &str, body: Value) -> Reply {
    api.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

async fn login(api: &Api, email: &str, password: &str) -> Reply {
    api.post(
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await
}

async fn token_of(api: &Api, email: &str, password: &str) -> String {
    login(api, email, password).await.assert_status(200)["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A new staff member: (id, e-mail, token).
async fn staff(api: &Api, admin: &str, name: &str) -> (i64, String, String) {
    let email = format!("{name}@bioskop.example");
    let created = api
        .post(
            "/api/v1/admin/users",
            Some(admin),
            json!({"email": email, "name": name, "role": "staff", "password": "pintu masuk"}),
        )
        .await;
    let created = created.assert_status(201).clone();
    assert_eq!(created["role"], "staff");
    assert_eq!(created["disabled"], false);
    let token = token_of(api, &email, "pintu masuk").await;
    (created["id"].as_i64().unwrap(), email, token)
}

#[actix_web::test]
async fn staff_check_tickets_in_and_list_the_doors_showtimes_and_get_403_on_every_admin_path() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let (_, _, door) = staff(&api, &admin, "dewi").await;
    let showtime = api.app.bookable_showtime().await;
    let buyer = api.customer().await;
    api.buy(&buyer, showtime, &["D4"]).await;
    let code = api.get("/api/v1/tickets", Some(&buyer.token)).await;
    let code = code.assert_status(200)[0]["checkin_code"]
        .as_str()
        .unwrap()
        .to_string();
    let starts: i64 = api
        .app
        .db()
        .query_row(
            "SELECT starts_at FROM showtimes WHERE id = ?1",
            [showtime],
            |r| r.get(0),
        )
        .unwrap();
    let day = bioskop::clock::rfc3339(starts, api.app.settings.catalog.default_timezone)[..10]
        .to_string();

    let listed = api
        .get(
            &format!("/api/v1/checkin/showtimes?date={day}"),
            Some(&door),
        )
        .await;
    let listed = listed.assert_status(200).as_array().unwrap().clone();
    let row = listed
        .iter()
        .find(|s| s["id"] == showtime)
        .unwrap_or_else(|| panic!("{showtime} not listed on {day}"));
    assert_eq!(
        (row["sold"].as_i64(), row["admitted"].as_i64()),
        (Some(1), Some(0))
    );
    assert!(
        listed
            .iter()
            .all(|s| s["starts_at"].as_str().unwrap().starts_with(&day))
    );

    api.open_doors(showtime);
    api.post("/api/v1/checkin", Some(&door), json!({"code": code}))
        .await
        .assert_status(200);
    let listed = api
        .get(
            &format!("/api/v1/checkin/showtimes?date={day}"),
            Some(&door),
        )
        .await;
    let row = listed
        .assert_status(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == showtime)
        .cloned()
        .unwrap();
    assert_eq!(row["admitted"], 1);
    // Customers may not use the door's list.
    api.get("/api/v1/checkin/showtimes", Some(&buyer.token))
        .await
        .assert_problem(403, "forbidden");

    let doc = api.get("/api/v1/openapi.json", None).await;
    let doc = doc.assert_status(200).clone();
    let mut refused = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        let concrete = path.replace("{id}", "1").replace("{seat}", "A1");
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let reply = api
                .request(method.clone(), &concrete, Some(&door), body)
                .await;
            assert_eq!(
                (reply.status.as_u16(), reply.body["code"].as_str()),
                (403, Some("forbidden")),
                "{method} {path}"
            );
            refused += 1;
        }
    }
    assert!(refused >= 25, "{refused}");
}

#[actix_web::test]
async fn disabling_a_user_ends_their_token_at_once_and_a_role_or_password_change_ends_sessions() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let (id, email, token) = staff(&api, &admin, "eko").await;
    let me = api.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.assert_status(200)["role"], "staff");
    let path = format!("/api/v1/admin/users/{id}");

    // Disabled: the token fails on the very next request (no cache delay),
    // and signing in is refused like a wrong password.
    let disabled = patch(&api, &path, &admin, json!({"disabled": true})).await;
    assert_eq!(disabled.assert_status(200)["disabled"], true);
    api.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
    login(&api, &email, "pintu masuk")
        .await
        .assert_problem(401, "invalid_credentials");

    // Enabled again; a role change ends the session it had.
    patch(&api, &path, &admin, json!({"disabled": false}))
        .await
        .assert_status(200);
    let token = token_of(&api, &email, "pintu masuk").await;
    let promoted = patch(&api, &path, &admin, json!({"role": "admin"})).await;
    assert_eq!(promoted.assert_status(200)["role"], "admin");
    api.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
    let token = token_of(&api, &email, "pintu masuk").await;
    assert_eq!(
        api.get("/api/v1/me", Some(&token)).await.assert_status(200)["role"],
        "admin"
    );

    // A new password ends it too; only the new one signs in.
    patch(&api, &path, &admin, json!({"password": "kata sandi baru"}))
        .await
        .assert_status(200);
    api.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
    login(&api, &email, "pintu masuk")
        .await
        .assert_problem(401, "invalid_credentials");
    token_of(&api, &email, "kata sandi baru").await;

    // The registration rules apply.
    patch(&api, &path, &admin, json!({"password": "short"}))
        .await
        .assert_problem(422, "invalid_fields");
    api.post(
        "/api/v1/admin/users",
        Some(&admin),
        json!({"email": "not an e-mail", "name": "X", "role": "staff", "password": "long enough"}),
    )
    .await
    .assert_problem(422, "invalid_fields");
    api.post(
        "/api/v1/admin/users",
        Some(&admin),
        json!({"email": "boss@bioskop.example", "name": "X", "role": "customer", "password": "long enough"}),
    )
    .await
    .assert_problem(422, "invalid_fields");
    api.post(
        "/api/v1/admin/users",
        Some(&admin),
        json!({"email": email, "name": "Again", "role": "staff", "password": "long enough"}),
    )
    .await
    .assert_problem(409, "email_taken");
    patch(
        &api,
        "/api/v1/admin/users/999999",
        &admin,
        json!({"disabled": true}),
    )
    .await
    .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_last_active_admin_is_never_disabled_nor_demoted() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let me = api.get("/api/v1/me", Some(&admin)).await;
    let me = me.assert_status(200)["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/users/{me}");
    patch(&api, &path, &admin, json!({"disabled": true}))
        .await
        .assert_problem(409, "last_admin");
    patch(&api, &path, &admin, json!({"role": "staff"}))
        .await
        .assert_problem(409, "last_admin");
    // A disabled admin does not count.
    let (other, _, _) = staff(&api, &admin, "fajar").await;
    let other_path = format!("/api/v1/admin/users/{other}");
    patch(
        &api,
        &other_path,
        &admin,
        json!({"role": "admin", "disabled": true}),
    )
    .await
    .assert_status(200);
    patch(&api, &path, &admin, json!({"role": "staff"}))
        .await
        .assert_problem(409, "last_admin");
    // With another active admin, the first may step down.
    patch(&api, &other_path, &admin, json!({"disabled": false}))
        .await
        .assert_status(200);
    let stepped_down = patch(&api, &path, &admin, json!({"role": "staff"})).await;
    assert_eq!(stepped_down.assert_status(200)["role"], "staff");
    api.get("/api/v1/me", Some(&admin))
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn the_audit_trail_pages_newest_first_with_filters_and_never_holds_a_secret() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let (id, email, _) = staff(&api, &admin, "gita").await;
    patch(
        &api,
        &format!("/api/v1/admin/users/{id}"),
        &admin,
        json!({"password": "rahasia sekali"}),
    )
    .await
    .assert_status(200);
    let door = token_of(&api, &email, "rahasia sekali").await;

    let page = api.get("/api/v1/admin/audit?limit=3", Some(&admin)).await;
    let page = page.assert_status(200).as_array().unwrap().clone();
    let kinds: Vec<&str> = page.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["auth.sign_in", "user.update", "auth.sign_in"],
        "{page:?}"
    );
    assert_eq!(page[0]["user_id"], id);
    assert_eq!(page[0]["user_email"], email.as_str());
    assert!(page[0]["at"].as_str().unwrap().ends_with('Z'), "UTC");
    assert_eq!(page[1]["after"]["password_changed"], true);
    assert_eq!(page[1]["after"]["sessions_ended"], 1);
    let last = page[2]["id"].as_i64().unwrap();
    let next = api
        .get(&format!("/api/v1/admin/audit?before={last}"), Some(&admin))
        .await;
    let next = next.assert_status(200).as_array().unwrap().clone();
    assert!(next.iter().all(|e| e["id"].as_i64().unwrap() < last));
    assert!(next.iter().any(|e| e["kind"] == "user.create"));
    let ids: Vec<i64> = next.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");

    let by_kind = api
        .get("/api/v1/admin/audit?kind=user.create", Some(&admin))
        .await;
    let by_kind = by_kind.assert_status(200).as_array().unwrap().clone();
    assert_eq!(by_kind.len(), 1);
    assert_eq!(by_kind[0]["target"], format!("user:{id}"));
    let by_user = api
        .get(&format!("/api/v1/admin/audit?user_id={id}"), Some(&admin))
        .await;
    let by_user = by_user.assert_status(200).as_array().unwrap().clone();
    assert_eq!(by_user.len(), 2, "two sign-ins: {by_user:?}");
    assert!(
        by_user
            .iter()
            .all(|e| e["user_id"] == id && e["kind"] == "auth.sign_in")
    );
    let both = api
        .get(
            &format!("/api/v1/admin/audit?user_id={id}&kind=user.update"),
            Some(&admin),
        )
        .await;
    assert_eq!(both.assert_status(200).as_array().unwrap().len(), 0);
    let admin_id = page[1]["user_id"].as_i64().unwrap();
    let both = api
        .get(
            &format!("/api/v1/admin/audit?user_id={admin_id}&kind=user.update"),
            Some(&admin),
        )
        .await;
    let both = both.assert_status(200).as_array().unwrap().clone();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0]["target"], format!("user:{id}"));
    api.get("/api/v1/admin/audit?limit=0", Some(&admin))
        .await
        .assert_problem(422, "invalid_query");
    api.get("/api/v1/admin/audit", Some(&door))
        .await
        .assert_problem(403, "forbidden");

    // No password, token or hash anywhere in the trail.
    let stored: Vec<String> = {
        let conn = api.app.db();
        let mut rows = conn
            .prepare("SELECT coalesce(before, '') || coalesce(after, '') || target FROM audit_log")
            .unwrap();
        rows.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for text in &stored {
        for secret in ["pintu masuk", "rahasia sekali", "$argon2", &door, &admin] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
