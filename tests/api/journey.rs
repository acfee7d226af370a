//! The ticket-buying journey, as a customer walks it.

use serde_json::json;

use crate::helpers::Api;

#[actix_web::test]
async fn a_customer_registers_browses_holds_pays_and_gets_one_ticket_per_seat() {
    let api = Api::spawn().await;

    // Browse without an account.
    let cities = api.get("/api/v1/cities", None).await;
    let cities = cities
        .assert_status(200)
        .as_array()
        .expect("cities")
        .clone();
    assert!(cities.len() >= 2);
    let jakarta = cities
        .iter()
        .find(|c| c["name"] == "Jakarta")
        .expect("Jakarta");
    let cinemas = api
        .get(&format!("/api/v1/cinemas?city_id={}", jakarta["id"]), None)
        .await;
    let cinemas = cinemas
        .assert_status(200)
        .as_array()
        .expect("cinemas")
        .clone();
    assert!(cinemas.iter().all(|c| c["city_id"] == jakarta["id"]));
    let cinema_id = cinemas[0]["id"].as_i64().expect("cinema id");
    let tomorrow = (api.app.now() + chrono::Duration::days(1))
        .with_timezone(&api.app.settings.catalog.default_timezone)
        .date_naive();
    let movies = api
        .get(
            &format!("/api/v1/cinemas/{cinema_id}/movies?date={tomorrow}"),
            None,
        )
        .await;
    let movies = movies
        .assert_status(200)
        .as_array()
        .expect("movies")
        .clone();
    assert!(!movies.is_empty());
    let movie_id = movies[0]["id"].as_i64().expect("movie id");
    let showtimes = api
        .get(
            &format!("/api/v1/cinemas/{cinema_id}/showtimes?date={tomorrow}&movie_id={movie_id}"),
            None,
        )
        .await;
    let showtimes = showtimes
        .assert_status(200)
        .as_array()
        .expect("showtimes")
        .clone();
    assert!(!showtimes.is_empty());
    assert!(showtimes.iter().all(|s| s["movie_id"] == movie_id));
    let showtime = &showtimes[0];
    let showtime_id = showtime["id"].as_i64().expect("showtime id");
    assert_eq!(showtime["seats_available"], showtime["seats_total"]);

    let detail = api
        .get(&format!("/api/v1/showtimes/{showtime_id}"), None)
        .await;
    let detail = detail.assert_status(200);
    assert_eq!(detail["movie"]["id"], movie_id);
    assert!(!detail["prices"].as_array().expect("prices").is_empty());

    // Register, log in, and hold two seats.
    let sari = api.customer().await;
    let me = api.get("/api/v1/me", Some(&sari.token)).await;
    assert_eq!(me.assert_status(200)["role"], "customer");
    let login = api
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": sari.email, "password": "correct horse"}),
        )
        .await;
    let token = login.assert_status(200)["token"]
        .as_str()
        .expect("token")
        .to_string();
    let map = api.seat_map(showtime_id, Some(&token)).await;
    let free: Vec<String> = map
        .iter()
        .filter(|(_, status, _)| status == "available")
        .map(|(id, _, _)| id.clone())
        .take(3)
        .collect();

    let held = api.hold(&sari, showtime_id, &[&free[0], &free[1]]).await;
    let booking = held.assert_status(201).clone();
    let booking_id = booking["id"].as_str().expect("booking id").to_string();
    assert_eq!(booking["status"], "held");
    assert_eq!(booking["seats"].as_array().map(Vec::len), Some(2));

    // Add a third seat, remove the first.
    let added = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/seats"),
            Some(&token),
            json!({"seat": free[2]}),
        )
        .await;
    assert_eq!(
        added.assert_status(200)["expires_at"],
        booking["expires_at"]
    );
    let removed = api
        .delete(
            &format!("/api/v1/bookings/{booking_id}/seats/{}", free[0]),
            Some(&token),
        )
        .await;
    let summary = removed.assert_status(200).clone();
    let seats: Vec<&str> = summary["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(seats, [free[1].as_str(), free[2].as_str()]);
    let lines_total: i64 = summary["price_lines"]
        .as_array()
        .expect("price lines")
        .iter()
        .map(|l| l["amount"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(summary["total"], lines_total);
    assert!(lines_total > 0);
    for field in [
        "movie_title",
        "cinema",
        "auditorium",
        "starts_at",
        "currency",
        "expires_at",
    ] {
        assert!(summary[field].is_string(), "summary lacks {field}");
    }

    let map = api.seat_map(showtime_id, Some(&token)).await;
    assert_eq!(Api::status_of(&map, &free[0]), "available");
    assert!(
        map.iter()
            .any(|(id, status, mine)| id == &free[1] && status == "locked" && *mine)
    );
    let anonymous = api.seat_map(showtime_id, None).await;
    assert!(
        anonymous.iter().all(|(_, _, mine)| !mine),
        "mine is never shown to others"
    );

    // Pay in the sandbox.
    let checkout = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/payment"),
            Some(&token),
            json!({}),
        )
        .await;
    let checkout = checkout.assert_status(201).clone();
    assert_eq!(checkout["amount"], lines_total);
    let redirect = checkout["redirect_url"].as_str().expect("redirect url");
    let page = api.http.get(redirect).send().await.expect("checkout page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap_or_default()
            .contains(r#"data-i18n="sandbox.heading""#)
    );
    let frozen = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/seats"),
            Some(&token),
            json!({"seat": free[0]}),
        )
        .await;
    frozen.assert_problem(409, "booking_awaiting_payment");

    let payment_id = checkout["payment_id"].as_str().expect("payment id");
    let paid = api.sandbox(&token, payment_id, "success").await;
    assert_eq!(paid.assert_status(200)["outcome"], "paid");

    let map = api.seat_map(showtime_id, None).await;
    assert_eq!(Api::status_of(&map, &free[1]), "sold");
    assert_eq!(Api::status_of(&map, &free[2]), "sold");
    let summary = api
        .get(&format!("/api/v1/bookings/{booking_id}"), Some(&token))
        .await;
    let summary = summary.assert_status(200);
    assert_eq!(summary["status"], "paid");
    assert_eq!(summary["payment"]["status"], "succeeded");

    let tickets = api.get("/api/v1/tickets", Some(&token)).await;
    let tickets = tickets
        .assert_status(200)
        .as_array()
        .expect("tickets")
        .clone();
    assert_eq!(tickets.len(), 2);
    for ticket in &tickets {
        assert_eq!(ticket["transaction_id"], payment_id);
        assert_eq!(ticket["booking_id"], booking_id.as_str());
        assert_eq!(ticket["status"], "valid");
        assert!(ticket["purchased_at"].is_string());
        assert!(
            ticket["checkin_code"]
                .as_str()
                .is_some_and(|c| c.len() == 32)
        );
        let one = api
            .get(
                &format!("/api/v1/tickets/{}", ticket["id"].as_str().unwrap_or("")),
                Some(&token),
            )
            .await;
        assert_eq!(one.assert_status(200)["seat"], ticket["seat"]);
    }
    let stored: i64 = api
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM tickets WHERE booking_id = ?1 AND user_id = ?2 AND payment_id = ?3",
            rusqlite::params![booking_id, sari.id, payment_id],
            |r| r.get(0),
        )
        .expect("ticket count");
    assert_eq!(stored, 2);

    let mine = api.get("/api/v1/bookings", Some(&token)).await;
    assert_eq!(mine.assert_status(200)[0]["id"], booking_id.as_str());

    // Logging out revokes the token.
    api.post("/api/v1/auth/logout", Some(&token), json!({}))
        .await
        .assert_status(204);
    api.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn a_failed_payment_frees_the_seats_at_once() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let held = api.hold(&ani, showtime, &["C5", "C6"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment_id = api.pay(&ani, &booking_id).await;

    api.hold(&budi, showtime, &["C6"])
        .await
        .assert_problem(409, "seat_unavailable");
    let failed = api.sandbox(&ani.token, &payment_id, "failure").await;
    assert_eq!(failed.assert_status(200)["outcome"], "failed");

    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "C5"), "available");
    assert_eq!(Api::status_of(&map, "C6"), "available");
    api.hold(&budi, showtime, &["C6"]).await.assert_status(201);
    assert_eq!(api.booking_status_in_db(&booking_id), "payment_failed");
    // A success arriving after the failure cannot take C6 from Budi.
    let late = api.sandbox(&ani.token, &payment_id, "success").await;
    assert_eq!(late.assert_status(200)["outcome"], "refund_required");
    let owners = api.occupancy(showtime);
    assert_eq!(owners.len(), 1);
    assert_ne!(owners[0].1, booking_id);
}

#[actix_web::test]
async fn releasing_a_hold_makes_its_seats_available_and_repeating_it_is_harmless() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["D1", "D2"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let second = api.hold(&ani, showtime, &["D3"]).await;
    second.assert_problem(409, "booking_already_open");
    assert_eq!(second.body["booking_id"], booking_id.as_str());

    api.delete(&format!("/api/v1/bookings/{booking_id}"), Some(&ani.token))
        .await
        .assert_status(204);
    api.delete(&format!("/api/v1/bookings/{booking_id}"), Some(&ani.token))
        .await
        .assert_status(204);
    assert!(api.occupancy(showtime).is_empty());
    let summary = api
        .get(&format!("/api/v1/bookings/{booking_id}"), Some(&ani.token))
        .await;
    assert_eq!(summary.assert_status(200)["status"], "released");
    api.hold(&ani, showtime, &["D1"]).await.assert_status(201);
}

#[actix_web::test]
async fn a_duplicated_signed_notification_issues_tickets_once() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["F1", "F2"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment_id = api.pay(&ani, &booking_id).await;

    let body =
        serde_json::to_vec(&json!({"payment_id": payment_id, "result": "success"})).expect("json");
    let signature = api.app.state.payments.sign(&body);
    let send = || {
        api.http
            .post(api.app.url("/api/v1/payments/notifications"))
            .header("content-type", "application/json")
            .header("X-Bioskop-Signature", signature.clone())
            .body(body.clone())
            .send()
    };
    let (first, second, third) = tokio::join!(send(), send(), send());
    let mut outcomes = Vec::new();
    for response in [first, second, third] {
        let response = response.expect("answer");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        outcomes.push(body["outcome"].as_str().unwrap_or_default().to_string());
    }
    outcomes.sort();
    assert_eq!(outcomes, ["paid", "unchanged", "unchanged"]);
    let tickets: i64 = api
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM tickets WHERE booking_id = ?1",
            [&booking_id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(tickets, 2);

    let forged = api
        .http
        .post(api.app.url("/api/v1/payments/notifications"))
        .header("content-type", "application/json")
        .header("X-Bioskop-Signature", "00".repeat(32))
        .body(body.clone())
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status(), 401);
}

#[actix_web::test]
async fn the_sandbox_checkout_page_pays_with_a_plain_html_form() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["G4"]).await;
    // The answer to a hold is built from memory; it must equal what is stored.
    let id = held.body["id"].as_str().expect("id").to_string();
    let stored = api
        .get(&format!("/api/v1/bookings/{id}"), Some(&ani.token))
        .await;
    assert_eq!(&held.body, stored.assert_status(200));
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let checkout = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/payment"),
            Some(&ani.token),
            json!({}),
        )
        .await;
    let redirect = checkout.assert_status(201)["redirect_url"]
        .as_str()
        .expect("redirect url")
        .to_string();

    // The browser follows redirect_url: no bearer, the page's own token.
    let page = api.http.get(&redirect).send().await.expect("the page");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap_or_default();
    assert!(
        html.contains(r#"name="result" value="success""#) && html.contains(r#"value="failure""#)
    );
    // The forms post back to the same address, token and all.
    let (_, query) = redirect.split_once('?').expect("a token in redirect_url");
    assert!(
        html.contains(&format!(r#"<form method="post" action="?{query}">"#)),
        "{html}"
    );

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
        paid.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let result = paid.text().await.unwrap_or_default();
    assert!(result.contains(r#"data-outcome="paid""#), "{result}");
    let back = format!("/#/bookings/{booking_id}");
    assert!(
        result.contains(&format!(r#"<a href="{back}">"#))
            && result.contains(&format!(r#"content="2;url={back}""#)),
        "the result page sends the payer back to the booking: {result}"
    );
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "G4"),
        "sold"
    );
    let page = api.http.get(&redirect).send().await.expect("the page");
    assert!(
        page.text().await.unwrap_or_default().contains("succeeded"),
        "no second pay button"
    );
}

#[actix_web::test]
async fn operators_can_ask_whether_it_is_alive_and_ready() {
    let api = Api::spawn().await;
    assert_eq!(
        api.get("/healthz", None).await.assert_status(200)["status"],
        "ok"
    );
    let ready = api.get("/readyz", None).await;
    assert_eq!(ready.assert_status(200)["database"], "ok");

    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    api.hold(&ani, showtime, &["A1"]).await.assert_status(201);
    api.app.advance(std::time::Duration::from_secs(600));
    let metrics = api.get("/metrics", None).await;
    let text = metrics.body.as_str().unwrap_or_default().to_string();
    assert!(text.contains("bioskop_showtime_actors 1"), "{text}");
    assert!(
        text.contains("bioskop_database_info{synchronous=\"full\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE bioskop_sweep_last_duration_seconds gauge"),
        "{text}"
    );
}
