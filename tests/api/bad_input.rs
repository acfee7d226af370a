//! Every endpoint answers bad input with a problem document and a code, and
//! never falls over.

use reqwest::Method;
use serde_json::json;

use crate::helpers::Api;

#[actix_web::test]
async fn malformed_and_mistyped_bodies_get_problem_documents() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let token = Some(ani.token.as_str());
    let held = api.hold(&ani, showtime, &["A1"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let json_type = "application/json";

    let endpoints: Vec<(Method, String, Option<&str>)> = vec![
        (Method::POST, "/api/v1/auth/register".into(), None),
        (Method::POST, "/api/v1/auth/login".into(), None),
        (Method::POST, "/api/v1/bookings".into(), token),
        (
            Method::POST,
            format!("/api/v1/bookings/{booking_id}/seats"),
            token,
        ),
    ];
    for (method, path, token) in &endpoints {
        let broken = api
            .raw(
                method.clone(),
                path,
                *token,
                json_type,
                b"{\"email\": ".to_vec(),
            )
            .await;
        broken.assert_problem(400, "malformed_json");
        let mistyped = api
            .raw(
                method.clone(),
                path,
                *token,
                json_type,
                b"{\"seats\": 5, \"email\": []}".to_vec(),
            )
            .await;
        mistyped.assert_problem(422, "invalid_body");
        let not_json = api
            .raw(
                method.clone(),
                path,
                *token,
                "text/plain",
                b"hello".to_vec(),
            )
            .await;
        not_json.assert_problem(415, "unsupported_media_type");
        let huge = vec![b' '; 70 * 1024];
        let too_big = api.raw(method.clone(), path, *token, json_type, huge).await;
        too_big.assert_problem(413, "payload_too_large");
    }

    // The sandbox: who asks is known before the body is read. Nobody: 401;
    // a payment that is not the caller's (or none): 404; the owner: 422.
    for (token, status, code) in [(None, 401, "unauthenticated"), (token, 404, "not_found")] {
        let garbage = api
            .raw(
                Method::POST,
                "/sandbox/pay/nope",
                token,
                json_type,
                b"[1,2".to_vec(),
            )
            .await;
        garbage.assert_problem(status, code);
        let unknown = api
            .post("/sandbox/pay/nope", token, json!({"result": "success"}))
            .await;
        unknown.assert_problem(status, code);
    }
    let payment = api.pay(&ani, &booking_id).await;
    let garbage = api
        .raw(
            Method::POST,
            &format!("/sandbox/pay/{payment}"),
            token,
            json_type,
            b"[1,2".to_vec(),
        )
        .await;
    garbage.assert_problem(422, "invalid_body");

    // Gateway notifications.
    let unsigned = api
        .raw(
            Method::POST,
            "/api/v1/payments/notifications",
            None,
            json_type,
            b"{}".to_vec(),
        )
        .await;
    unsigned.assert_problem(401, "invalid_signature");
    let body = b"{\"payment_id\": 7}".to_vec();
    let signature = api.app.state.payments.sign(&body);
    let signed_nonsense = api
        .http
        .post(api.app.url("/api/v1/payments/notifications"))
        .header("content-type", json_type)
        .header("X-Bioskop-Signature", signature)
        .body(body)
        .send()
        .await
        .expect("answer");
    assert_eq!(signed_nonsense.status(), 422);
}

#[actix_web::test]
async fn invalid_values_are_named_in_the_problem() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;

    let register = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "nope", "password": "x", "name": ""}),
        )
        .await;
    register.assert_problem(422, "invalid_fields");
    assert_eq!(register.body["errors"].as_array().map(Vec::len), Some(3));
    let taken = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": ani.email, "password": "long enough", "name": "Again"}),
        )
        .await;
    taken.assert_problem(409, "email_taken");
    let wrong = api
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": ani.email, "password": "not the password"}),
        )
        .await;
    wrong.assert_problem(401, "invalid_credentials");

    api.hold(&ani, showtime, &["Z99"])
        .await
        .assert_problem(422, "unknown_seat");
    api.hold(&ani, showtime, &["A1", "A1"])
        .await
        .assert_problem(422, "unknown_seat");
    api.hold(&ani, showtime, &[])
        .await
        .assert_problem(422, "no_seats");
    let nine = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9"];
    api.hold(&ani, showtime, &nine)
        .await
        .assert_problem(422, "too_many_seats");
    api.hold(&ani, 999_999, &["A1"])
        .await
        .assert_problem(404, "not_found");

    let held = api.hold(&ani, showtime, &nine[..8]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let ninth = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/seats"),
            Some(&ani.token),
            json!({"seat": "A9"}),
        )
        .await;
    ninth.assert_problem(422, "too_many_seats");
    api.delete(
        &format!("/api/v1/bookings/{booking_id}/seats/B1"),
        Some(&ani.token),
    )
    .await
    .assert_problem(404, "not_found");

    api.get("/api/v1/showtimes/not-a-number", None)
        .await
        .assert_problem(404, "not_found");
    api.get("/api/v1/showtimes/999999", None)
        .await
        .assert_problem(404, "not_found");
    api.get("/api/v1/showtimes/999999/seats", None)
        .await
        .assert_problem(404, "not_found");
    api.get("/api/v1/cinemas/1/showtimes?date=tomorrow", None)
        .await
        .assert_problem(422, "invalid_date");
    api.get("/api/v1/cinemas/1/movies?date=2026-13-45", None)
        .await
        .assert_problem(422, "invalid_date");
    api.get("/api/v1/cinemas?city_id=jakarta", None)
        .await
        .assert_problem(422, "invalid_query");
    api.get("/api/v1/cinemas/424242/movies", None)
        .await
        .assert_problem(404, "not_found");
    api.get("/api/v1/no/such/thing", None)
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_hammered_login_is_throttled_with_429() {
    let api = Api::spawn().await;
    let ani = api.customer().await;
    for _ in 0..5 {
        api.post(
            "/api/v1/auth/login",
            None,
            json!({"email": ani.email, "password": "guess guess"}),
        )
        .await
        .assert_problem(401, "invalid_credentials");
    }
    let throttled = api
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": ani.email, "password": "correct horse"}),
        )
        .await;
    throttled.assert_problem(429, "too_many_attempts");
    assert!(
        throttled.body["retry_after"]
            .as_u64()
            .is_some_and(|s| s > 0)
    );
    api.app.advance(std::time::Duration::from_secs(15 * 60 + 1));
    api.post(
        "/api/v1/auth/login",
        None,
        json!({"email": ani.email, "password": "correct horse"}),
    )
    .await
    .assert_status(200);
}
