//! The built-in sandbox gateway settles a payment only for its owner: their
//! bearer token (or session cookie with its CSRF token), or the signed
//! checkout page behind `redirect_url`. Nobody
//! at all is 401; anyone or anything else is 404, as if there were no such
//! payment, and nothing changes.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Api, Customer};

/// A customer's payment waiting in the sandbox: (booking, payment, redirect_url).
async fn awaiting(
    api: &Api,
    who: &Customer,
    showtime: i64,
    seat: &str,
) -> (String, String, String) {
    let held = api.hold(who, showtime, &[seat]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("booking id")
        .to_string();
    let checkout = api
        .post(
            &format!("/api/v1/bookings/{booking}/payment"),
            Some(&who.token),
            json!({}),
        )
        .await;
    let checkout = checkout.assert_status(201);
    (
        booking,
        checkout["payment_id"]
            .as_str()
            .expect("payment")
            .to_string(),
        checkout["redirect_url"]
            .as_str()
            .expect("redirect url")
            .to_string(),
    )
}

/// The payment is still waiting and its seat still held: nothing was sold.
async fn nothing_sold(api: &Api, showtime: i64, seat: &str, booking: &str, payment: &str) {
    assert_eq!(api.booking_status_in_db(booking), "awaiting_payment");
    let status: String = api
        .app
        .db()
        .query_row(
            "SELECT status FROM payments WHERE id = ?1",
            [payment],
            |r| r.get(0),
        )
        .expect("payment row");
    assert_eq!(status, "pending");
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, seat),
        "locked"
    );
}

/// The checkout token in a `redirect_url`.
fn token_of(redirect: &str) -> String {
    redirect
        .split_once("?token=")
        .expect("a token in redirect_url")
        .1
        .to_string()
}

/// GET the page, POST JSON and POST the form, each with this bearer (if any)
/// and this query string: every answer must be this problem.
async fn all_refused(
    api: &Api,
    payment: &str,
    query: &str,
    bearer: Option<&str>,
    status: u16,
    code: &str,
) {
    let path = format!("/sandbox/pay/{payment}{query}");
    api.get(&path, bearer).await.assert_problem(status, code);
    api.post(&path, bearer, json!({"result": "success"}))
        .await
        .assert_problem(status, code);
    api.raw(
        Method::POST,
        &path,
        bearer,
        "application/x-www-form-urlencoded",
        b"result=success".to_vec(),
    )
    .await
    .assert_problem(status, code);
}

#[actix_web::test]
async fn the_payment_owner_pays_with_their_bearer_token() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (booking, payment, redirect) = awaiting(&api, &ani, showtime, "E1").await;

    // The page opens for the owner's bearer too, and its forms carry the token.
    let page = api
        .get(&format!("/sandbox/pay/{payment}"), Some(&ani.token))
        .await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap_or_default();
    assert!(
        html.contains(&format!(r#"action="?token={}""#, token_of(&redirect))),
        "{html}"
    );

    let paid = api.sandbox(&ani.token, &payment, "success").await;
    assert_eq!(paid.assert_status(200)["outcome"], "paid");
    assert_eq!(api.booking_status_in_db(&booking), "paid");
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "E1"),
        "sold"
    );
}

#[actix_web::test]
async fn the_signed_page_behind_redirect_url_pays_without_a_bearer() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (booking, payment, redirect) = awaiting(&api, &ani, showtime, "E2").await;
    assert_eq!(
        redirect,
        api.app.url(&format!(
            "/sandbox/pay/{payment}?token={}",
            token_of(&redirect)
        )),
        "redirect_url is the page, opened by its token"
    );

    let page = api.http.get(&redirect).send().await.expect("the page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains(r#"name="result" value="success""#), "{html}");
    // The form posts back to the page's own address (`action="?token=…"`).
    let paid = api
        .http
        .post(&redirect)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("result=success")
        .send()
        .await
        .expect("the form is answered");
    assert_eq!(paid.status(), 200);
    assert!(
        paid.text()
            .await
            .unwrap_or_default()
            .contains(r#"data-outcome="paid""#)
    );
    assert_eq!(api.booking_status_in_db(&booking), "paid");
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "E2"),
        "sold"
    );
}

#[actix_web::test]
async fn the_owners_session_cookie_opens_the_page_but_pays_only_with_its_csrf_token() {
    use sha2::{Digest, Sha256};

    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (booking, payment, _) = awaiting(&api, &ani, showtime, "E5").await;
    let path = api.app.url(&format!("/sandbox/pay/{payment}"));
    let cookie = format!("bioskop_session={}", ani.token);
    let csrf = hex::encode(Sha256::digest(format!("bioskop-csrf-v1:{}", ani.token)));

    let page = api
        .http
        .get(&path)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the page");
    assert_eq!(page.status(), 200, "a page is read: no CSRF token needed");
    // A change by the cookie alone counts as no one: without the page's
    // token, 401, and nothing is sold.
    let refused = api
        .http
        .post(&path)
        .header("cookie", &cookie)
        .json(&json!({"result": "success"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 401);
    nothing_sold(&api, showtime, "E5", &booking, &payment).await;

    let paid = api
        .http
        .post(&path)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"result": "success"}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(paid.status(), 200);
    assert_eq!(api.booking_status_in_db(&booking), "paid");
}

#[actix_web::test]
async fn without_a_token_or_a_bearer_the_sandbox_answers_401_and_sells_nothing() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (booking, payment, _) = awaiting(&api, &ani, showtime, "E3").await;

    all_refused(&api, &payment, "", None, 401, "unauthenticated").await;
    // A bearer that logs nobody in is no bearer.
    all_refused(
        &api,
        &payment,
        "",
        Some("not-a-session"),
        401,
        "unauthenticated",
    )
    .await;
    nothing_sold(&api, showtime, "E3", &booking, &payment).await;
}

#[actix_web::test]
async fn another_customers_bearer_gets_404_and_sells_nothing() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let admin = api.admin().await;
    let (booking, payment, _) = awaiting(&api, &ani, showtime, "E4").await;

    all_refused(&api, &payment, "", Some(&budi.token), 404, "not_found").await;
    // An admin is not the payer either.
    all_refused(&api, &payment, "", Some(&admin), 404, "not_found").await;
    // Exactly what a payment that does not exist answers.
    all_refused(
        &api,
        "no-such-payment",
        "",
        Some(&budi.token),
        404,
        "not_found",
    )
    .await;
    nothing_sold(&api, showtime, "E4", &booking, &payment).await;
}

#[actix_web::test]
async fn a_forged_token_or_another_payments_token_gets_404_and_sells_nothing() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let (booking, payment, redirect) = awaiting(&api, &ani, showtime, "E5").await;
    let (_, _, budi_redirect) = awaiting(&api, &budi, showtime, "E6").await;

    // A notification's signature is no checkout token (and the other way round).
    let notification =
        serde_json::to_vec(&json!({"payment_id": payment, "result": "success"})).expect("json");
    let signature = api.app.state.payments.sign(&notification);
    for forged in [
        "00".repeat(32),
        "nope".to_string(),
        String::new(),
        token_of(&budi_redirect),
        signature,
    ] {
        all_refused(
            &api,
            &payment,
            &format!("?token={forged}"),
            None,
            404,
            "not_found",
        )
        .await;
        // With someone else's bearer besides.
        all_refused(
            &api,
            &payment,
            &format!("?token={forged}"),
            Some(&budi.token),
            404,
            "not_found",
        )
        .await;
    }
    let replayed = api
        .http
        .post(api.app.url("/api/v1/payments/notifications"))
        .header("content-type", "application/json")
        .header("X-Bioskop-Signature", token_of(&redirect))
        .body(notification)
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        replayed.status(),
        401,
        "a checkout token signs no notification"
    );
    nothing_sold(&api, showtime, "E5", &booking, &payment).await;
}
