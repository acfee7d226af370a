//! Auditoriums with seat layouts: the seats a layout makes, its refusals,
//! and a layout edit that reaches only showtimes nobody booked.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, Reply};

fn design_layout(name: &str) -> Value {
    json!({
        "name": name,
        "classes": {"R": "regular", "P": "premium", "C": "couple", "W": "wheelchair"},
        "rows": ["WRRR_RRRRRR_RRRW", "RRRR_RRRRRR_RRRR", "PPPP_PPPPPP_PPPP", "CCC__CCC"]
    })
}

async fn put(api: &Api, path: &str, token: &str, body: Value) -> Reply {
    api.request(Method::PUT, path, Some(token), Some(body))
        .await
}

/// A cinema of the demo data.
fn a_cinema(api: &Api) -> i64 {
    api.app
        .db()
        .query_row("SELECT id FROM cinemas ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap()
}

fn seat<'a>(auditorium: &'a Value, id: &str) -> &'a Value {
    auditorium["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no seat {id}"))
}

fn layout_refused(reply: &Reply, field: &str, message: &str) {
    reply.assert_problem(422, "invalid_layout");
    let errors = reply.body["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(message)),
        "{field} / {message} not named: {reply:?}"
    );
}

fn audit_kinds(api: &Api, target: &str) -> Vec<(String, Value)> {
    let conn = api.app.db();
    let mut stmt = conn
        .prepare("SELECT kind, after FROM audit_log WHERE target = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([target], |r| {
        let after: Option<String> = r.get(1)?;
        Ok((
            r.get(0)?,
            after
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[actix_web::test]
async fn an_admin_creates_an_auditorium_from_the_design_layout_and_reads_its_seats_back() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let cinema = a_cinema(&api);
    let path = format!("/api/v1/admin/cinemas/{cinema}/auditoriums");

    let created = api
        .post(&path, Some(&admin), design_layout("Studio 3"))
        .await;
    let created = created.assert_status(201).clone();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Studio 3");
    assert_eq!(created["seats"].as_array().unwrap().len(), 14 + 14 + 14 + 6);
    assert_eq!(seat(&created, "A1")["class"], "wheelchair");
    // A gap is skipped by the numbers but takes its grid column.
    assert_eq!(seat(&created, "A5")["grid_col"], 5);
    assert_eq!(seat(&created, "A14")["grid_col"], 15);
    assert_eq!(seat(&created, "C5")["class"], "premium");
    // Couple seats are two cells wide.
    let d: Vec<i64> = created["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["row"] == "D")
        .map(|s| s["grid_col"].as_i64().unwrap())
        .collect();
    assert_eq!(d, vec![0, 2, 4, 8, 10, 12]);
    assert_eq!(seat(&created, "D6")["grid_row"], 3);

    let read = api
        .get(&format!("/api/v1/admin/auditoriums/{id}"), Some(&admin))
        .await;
    assert_eq!(read.assert_status(200), &created);
    let listed = api.get(&path, Some(&admin)).await;
    assert!(
        listed
            .assert_status(200)
            .as_array()
            .unwrap()
            .contains(&created)
    );

    // The demo auditoriums answer a written form that makes their seats again.
    let demo = &listed.body.as_array().unwrap()[0];
    let again = put(
        &api,
        &format!("/api/v1/admin/auditoriums/{}", demo["id"]),
        &admin,
        json!({"name": demo["name"], "classes": demo["classes"], "rows": demo["rows"]}),
    )
    .await;
    assert_eq!(again.assert_status(200)["seats"], demo["seats"]);

    let kinds = audit_kinds(&api, &format!("auditorium:{id}"));
    assert_eq!(kinds.len(), 1);
    assert_eq!(kinds[0].0, "auditorium.create");
    assert_eq!(kinds[0].1["seats"], created["seats"]);
}

#[actix_web::test]
async fn a_bad_layout_is_refused_naming_its_row_and_column() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let path = format!("/api/v1/admin/cinemas/{}/auditoriums", a_cinema(&api));
    let with =
        |classes: Value, rows: Value| json!({"name": "Bad", "classes": classes, "rows": rows});
    let r = json!({"R": "regular"});

    let unknown = api
        .post(
            &path,
            Some(&admin),
            with(r.clone(), json!(["RRR", "RRR_RRRX"])),
        )
        .await;
    layout_refused(&unknown, "rows[1][7]", "letter X is not in classes");
    let empty = api
        .post(&path, Some(&admin), with(r.clone(), json!(["RRR", ""])))
        .await;
    layout_refused(&empty, "rows[1]", "at least one seat");
    let gaps = api
        .post(&path, Some(&admin), with(r.clone(), json!(["___"])))
        .await;
    layout_refused(&gaps, "rows[0]", "at least one seat");
    let none = api
        .post(&path, Some(&admin), with(r.clone(), json!([])))
        .await;
    layout_refused(&none, "rows", "at least one");
    let rows: Vec<String> = vec!["R".repeat(100); 21];
    let too_many = api
        .post(&path, Some(&admin), with(r.clone(), json!(rows)))
        .await;
    layout_refused(&too_many, "rows", "at most 2000");
    let rows: Vec<String> = vec!["R".to_string(); 27];
    let deep = api
        .post(&path, Some(&admin), with(r.clone(), json!(rows)))
        .await;
    layout_refused(&deep, "rows[26]", "at most 26 rows");
    let long = api
        .post(
            &path,
            Some(&admin),
            with(r.clone(), json!(["R".repeat(101)])),
        )
        .await;
    layout_refused(&long, "rows[0][100]", "at most 100 cells");
    let class = api
        .post(
            &path,
            Some(&admin),
            with(json!({"R": "Regular"}), json!(["R"])),
        )
        .await;
    layout_refused(&class, "classes.R", "lowercase word");
    let letter = api
        .post(
            &path,
            Some(&admin),
            with(json!({"r": "regular"}), json!(["R"])),
        )
        .await;
    layout_refused(&letter, "classes.r", "one uppercase letter");

    let mut nameless = design_layout("");
    nameless["name"] = json!("   ");
    api.post(&path, Some(&admin), nameless)
        .await
        .assert_problem(422, "invalid_fields");
    let unknown_cinema = api
        .post(
            "/api/v1/admin/cinemas/999999/auditoriums",
            Some(&admin),
            design_layout("X"),
        )
        .await;
    assert_eq!(unknown_cinema.status.as_u16(), 404);
    let count: i64 = api
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM auditoriums WHERE name IN ('Bad', 'X')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count, 0);
}

#[actix_web::test]
async fn a_duplicate_name_in_the_cinema_is_409_and_customers_are_403() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let path = format!("/api/v1/admin/cinemas/{}/auditoriums", a_cinema(&api));
    api.post(&path, Some(&admin), design_layout("Studio 9"))
        .await
        .assert_status(201);
    api.post(&path, Some(&admin), design_layout("studio 9"))
        .await
        .assert_problem(409, "auditorium_exists");

    let customer = api.customer().await;
    api.get(&path, Some(&customer.token))
        .await
        .assert_problem(403, "forbidden");
    api.post(&path, Some(&customer.token), design_layout("Mine"))
        .await
        .assert_problem(403, "forbidden");
    put(
        &api,
        "/api/v1/admin/auditoriums/1",
        &customer.token,
        design_layout("Mine"),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(api.get(&path, None).await.status.as_u16(), 401);
}

#[actix_web::test]
async fn a_layout_edit_leaves_a_held_showtime_as_it_was_and_applies_to_one_nobody_booked() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let from = bioskop::clock::to_millis(api.app.now()) + 86_400_000;
    let (auditorium, held, free): (i64, i64, i64) = api
        .app
        .db()
        .query_row(
            "SELECT auditorium_id, MIN(id), MAX(id) FROM showtimes
             WHERE status = 'scheduled' AND starts_at >= ?1
             GROUP BY auditorium_id HAVING COUNT(*) >= 2 ORDER BY auditorium_id LIMIT 1",
            [from],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let customer = api.customer().await;
    let booking = api.hold(&customer, held, &["A1", "A2"]).await;
    let booking = booking.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let held_before = api.seat_map(held, Some(&customer.token)).await;
    // The free showtime's actor is loaded before the edit too.
    let free_before = api.seat_map(free, None).await;
    assert!(free_before.len() > 10);
    let stale = api.showtime_actor(free).await;

    let path = format!("/api/v1/admin/auditoriums/{auditorium}");
    let name = api.get(&path, Some(&admin)).await.assert_status(200)["name"].clone();
    // A class the showtimes have no price for cannot be sold: refused.
    let unpriced = put(
        &api,
        &path,
        &admin,
        json!({"name": name, "classes": {"R": "regular", "W": "wheelchair"}, "rows": ["WRRR"]}),
    )
    .await;
    unpriced.assert_problem(409, "layout_needs_prices");
    assert!(
        unpriced.body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("showtime {free}"))
    );

    let edited = put(
        &api,
        &path,
        &admin,
        json!({"name": name, "classes": {"R": "regular", "P": "premium"}, "rows": ["RRRR_RR", "PPPP"]}),
    )
    .await;
    assert_eq!(
        edited.assert_status(200)["seats"].as_array().unwrap().len(),
        10
    );

    // An actor that loaded the old layout before the edit cannot hold a seat
    // the edit took away: the database refuses, nothing is stored.
    let late = stale
        .send(bioskop::seats::actor::HoldSeats {
            box_office: false,
            user: bioskop::ids::UserId(customer.id),
            seats: vec!["A9".to_string()],
            now: api.app.now(),
        })
        .await
        .unwrap();
    assert!(format!("{late:?}").contains("lock a seat"), "{late:?}");
    assert!(api.occupancy(free).is_empty());

    // The held showtime is exactly as it was, and its hold can be paid.
    assert_eq!(api.seat_map(held, Some(&customer.token)).await, held_before);
    let payment = api.pay(&customer, &booking).await;
    let paid = api.sandbox(&customer.token, &payment, "success").await;
    assert_eq!(paid.assert_status(200)["outcome"], "paid", "{paid:?}");
    // The other one shows the new seats.
    let free_after = api.seat_map(free, None).await;
    let ids: Vec<&str> = free_after.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.contains(&"A6") && ids.contains(&"B4") && !ids.contains(&"A7"));
    let other = api.customer().await;
    api.hold(&other, free, &["B4"]).await.assert_status(201);

    let audit = audit_kinds(&api, &format!("auditorium:{auditorium}"));
    let (kind, after) = audit.last().unwrap();
    assert_eq!(kind, "auditorium.update");
    assert_eq!(
        after["pinned_showtimes"].as_array().unwrap(),
        &vec![json!(held)]
    );
    assert!(
        after["following_showtimes"]
            .as_array()
            .unwrap()
            .contains(&json!(free))
    );

    // Both survive a restart.
    let held_paid = api.seat_map(held, None).await;
    let free_held = api.seat_map(free, None).await;
    let api = Api::with(api.app.restart().await);
    assert_eq!(api.seat_map(held, None).await, held_paid);
    assert_eq!(api.seat_map(free, None).await, free_held);
    let admin = api.admin().await;
    let read = api.get(&path, Some(&admin)).await;
    assert_eq!(read.assert_status(200)["rows"], json!(["RRRR_RR", "PPPP"]));

    // A showtime scheduled after the edit has the new layout, priced per its classes.
    let movie: i64 = api
        .app
        .db()
        .query_row(
            "SELECT movie_id FROM showtimes WHERE id = ?1",
            [free],
            |r| r.get(0),
        )
        .unwrap();
    let starts = (api.app.now() + chrono::Duration::days(30))
        .with_timezone(&api.app.settings.catalog.default_timezone)
        .to_rfc3339();
    let created = api
        .post(
            "/api/v1/admin/showtimes",
            Some(&admin),
            json!({"movie_id": movie, "auditorium_id": auditorium, "starts_at": starts,
                   "prices": {"regular": 40_000, "premium": 60_000}}),
        )
        .await;
    let created = created.assert_status(201)["id"].as_i64().unwrap();
    let seats = api.seat_map(created, None).await;
    let ids: Vec<&str> = seats.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.contains(&"A6") && ids.contains(&"B4"));
}
