//! Customers see only their own things; anonymous callers cannot book.

use serde_json::json;

use crate::helpers::Api;

#[actix_web::test]
async fn another_customer_gets_404_on_someones_booking_and_ticket() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let owner = api.customer().await;
    let other = api.customer().await;
    let held = api.hold(&owner, showtime, &["A1", "A2"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();

    let other_token = Some(other.token.as_str());
    let booking = format!("/api/v1/bookings/{booking_id}");
    api.get(&booking, other_token)
        .await
        .assert_problem(404, "not_found");
    api.post(
        &format!("{booking}/seats"),
        other_token,
        json!({"seat": "A3"}),
    )
    .await
    .assert_problem(404, "not_found");
    api.delete(&format!("{booking}/seats/A1"), other_token)
        .await
        .assert_problem(404, "not_found");
    api.post(&format!("{booking}/payment"), other_token, json!({}))
        .await
        .assert_problem(404, "not_found");
    api.delete(&booking, other_token)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        api.occupancy(showtime).len(),
        2,
        "nothing was released by the other customer"
    );
    let theirs = api.get("/api/v1/bookings", other_token).await;
    assert_eq!(theirs.assert_status(200).as_array().map(Vec::len), Some(0));

    let payment = api.pay(&owner, &booking_id).await;
    api.sandbox(&owner.token, &payment, "success")
        .await
        .assert_status(200);
    let tickets = api.get("/api/v1/tickets", Some(&owner.token)).await;
    let ticket_id = tickets.assert_status(200)[0]["id"]
        .as_str()
        .expect("ticket")
        .to_string();
    api.get(&format!("/api/v1/tickets/{ticket_id}"), other_token)
        .await
        .assert_problem(404, "not_found");
    let theirs = api.get("/api/v1/tickets", other_token).await;
    assert_eq!(theirs.assert_status(200).as_array().map(Vec::len), Some(0));
}

#[actix_web::test]
async fn an_anonymous_caller_gets_401_on_every_booking_endpoint() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let some_id = "00000000-0000-0000-0000-000000000000";
    let booking = format!("/api/v1/bookings/{some_id}");
    let replies = vec![
        api.post(
            "/api/v1/bookings",
            None,
            json!({"showtime_id": showtime, "seats": ["A1"]}),
        )
        .await,
        api.get("/api/v1/bookings", None).await,
        api.get(&booking, None).await,
        api.delete(&booking, None).await,
        api.post(&format!("{booking}/seats"), None, json!({"seat": "A1"}))
            .await,
        api.delete(&format!("{booking}/seats/A1"), None).await,
        api.post(&format!("{booking}/payment"), None, json!({}))
            .await,
        api.get("/api/v1/tickets", None).await,
        api.get(&format!("/api/v1/tickets/{some_id}"), None).await,
        api.get("/api/v1/me", None).await,
        api.post("/api/v1/auth/logout", None, json!({})).await,
    ];
    for reply in replies {
        reply.assert_problem(401, "unauthenticated");
    }
    let forged = api.get("/api/v1/bookings", Some("not-a-real-token")).await;
    forged.assert_problem(401, "unauthenticated");
}

/// Every admin operation the OpenAPI document lists (so every one added
/// later too) refuses a customer before it reads anything of the request.
#[actix_web::test]
async fn a_customer_gets_403_on_every_admin_operation_of_the_document() {
    let api = Api::spawn().await;
    let customer = api.customer().await;
    let doc = api.get("/api/v1/openapi.json", None).await;
    let doc = doc.assert_status(200).clone();
    let mut checked = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        let concrete = path
            .replace("{id}", "1")
            .replace("{seat}", "A1")
            .replace("{payment_id}", "no-such-payment");
        for method in operations.as_object().expect("operations").keys() {
            let method: reqwest::Method = method.to_uppercase().parse().expect("a method");
            let body = (method != reqwest::Method::GET && method != reqwest::Method::DELETE)
                .then(|| json!({}));
            let reply = api
                .request(method.clone(), &concrete, Some(&customer.token), body)
                .await;
            assert_eq!(
                (reply.status.as_u16(), reply.body["code"].as_str()),
                (403, Some("forbidden")),
                "{method} {path}: {reply:?}"
            );
            checked.push(format!("{method} {path}"));
        }
    }
    assert!(checked.len() >= 20, "only {checked:?}");
}
