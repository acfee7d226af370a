//! The back office's catalog: cities, cinemas (each in its own time zone)
//! and movies, their validation, and their audit rows.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, Reply};

async fn patch(api: &Api, path: &str, token: &str, body: Value) -> Reply {
    api.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

fn movie_body() -> Value {
    json!({
        "title": "Pengabdi Setan",
        "synopsis": "A family haunted.",
        "duration_minutes": 107,
        "rating": "17+",
        "genres": ["horror", "drama"],
        "language": "Indonesia",
        "poster_url": "https://example.com/poster.jpg"
    })
}

fn field_refused(reply: &Reply, code: &str, field: &str) {
    reply.assert_problem(422, code);
    let errors = reply.body["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["field"] == field),
        "{field} not named: {reply:?}"
    );
}

#[actix_web::test]
async fn an_admin_creates_a_city_a_cinema_in_makassar_and_a_movie_and_reads_them_back() {
    let api = Api::spawn().await;
    let admin = api.admin().await;

    let city = api
        .post(
            "/api/v1/admin/cities",
            Some(&admin),
            json!({"name": "  Makassar "}),
        )
        .await;
    let city = city.assert_status(201).clone();
    assert_eq!(city["name"], "Makassar");
    let cinema = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            json!({"city_id": city["id"], "name": "Bioskop Losari", "address": "Jl. Penghibur 1",
                   "timezone": "Asia/Makassar"}),
        )
        .await;
    let cinema = cinema.assert_status(201).clone();
    assert_eq!(cinema["timezone"], "Asia/Makassar");
    assert_eq!(cinema["city_id"], city["id"]);
    let defaulted = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            json!({"city_id": city["id"], "name": "Bioskop Pantai", "address": "Jl. Somba Opu 2"}),
        )
        .await;
    assert_eq!(defaulted.assert_status(201)["timezone"], "Asia/Jakarta");
    let movie = api
        .post("/api/v1/admin/movies", Some(&admin), movie_body())
        .await;
    let movie = movie.assert_status(201).clone();
    assert_eq!(movie["genres"], json!(["horror", "drama"]));
    assert_eq!(movie["poster_url"], "https://example.com/poster.jpg");
    assert_eq!(movie["archived"], false);

    let cities = api.get("/api/v1/admin/cities", Some(&admin)).await;
    assert!(
        cities
            .assert_status(200)
            .as_array()
            .expect("cities")
            .contains(&city)
    );
    let cinemas = api.get("/api/v1/admin/cinemas", Some(&admin)).await;
    assert!(
        cinemas
            .assert_status(200)
            .as_array()
            .expect("cinemas")
            .contains(&cinema)
    );
    let public = api
        .get(&format!("/api/v1/cinemas?city_id={}", city["id"]), None)
        .await;
    assert!(
        public
            .assert_status(200)
            .as_array()
            .expect("cinemas")
            .contains(&cinema),
        "the public answer carries the time zone"
    );
    let movies = api.get("/api/v1/admin/movies", Some(&admin)).await;
    assert!(
        movies
            .assert_status(200)
            .as_array()
            .expect("movies")
            .contains(&movie)
    );

    let renamed = patch(
        &api,
        &format!("/api/v1/admin/cinemas/{}", cinema["id"]),
        &admin,
        json!({"address": "Jl. Penghibur 10", "timezone": "Asia/Jayapura"}),
    )
    .await;
    let renamed = renamed.assert_status(200);
    assert_eq!(renamed["address"], "Jl. Penghibur 10");
    assert_eq!(renamed["timezone"], "Asia/Jayapura");
    assert_eq!(renamed["name"], "Bioskop Losari");
}

#[actix_web::test]
async fn each_refusal_of_the_back_office_has_its_code() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let city = api
        .post(
            "/api/v1/admin/cities",
            Some(&admin),
            json!({"name": "Makassar"}),
        )
        .await;
    let city_id = city.assert_status(201)["id"].clone();
    let cinema = |name: &str, timezone: &str, city_id: Value| json!({"city_id": city_id, "name": name, "address": "Jl. Penghibur 1", "timezone": timezone});

    let bad_tz = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            cinema("Losari", "Asia/Nowhere", city_id.clone()),
        )
        .await;
    field_refused(&bad_tz, "invalid_fields", "timezone");
    let no_city = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            cinema("Losari", "Asia/Makassar", json!(999_999)),
        )
        .await;
    field_refused(&no_city, "unknown_city", "city_id");
    api.post(
        "/api/v1/admin/cinemas",
        Some(&admin),
        cinema("Losari", "Asia/Makassar", city_id.clone()),
    )
    .await
    .assert_status(201);
    api.post(
        "/api/v1/admin/cinemas",
        Some(&admin),
        cinema("losari", "Asia/Makassar", city_id.clone()),
    )
    .await
    .assert_problem(409, "cinema_exists");
    api.post(
        "/api/v1/admin/cities",
        Some(&admin),
        json!({"name": "MAKASSAR"}),
    )
    .await
    .assert_problem(409, "city_exists");
    let blank = api
        .post("/api/v1/admin/cities", Some(&admin), json!({"name": "   "}))
        .await;
    field_refused(&blank, "invalid_fields", "name");

    for (change, field) in [
        (
            json!({"poster_url": "http://example.com/poster.jpg"}),
            "poster_url",
        ),
        (json!({"rating": "PG-13"}), "rating"),
        (json!({"duration_minutes": 0}), "duration_minutes"),
        (json!({"genres": []}), "genres"),
        (json!({"title": ""}), "title"),
    ] {
        let mut body = movie_body();
        for (key, value) in change.as_object().expect("an object") {
            body[key] = value.clone();
        }
        let refused = api.post("/api/v1/admin/movies", Some(&admin), body).await;
        field_refused(&refused, "invalid_fields", field);
    }
    let unknown_field = patch(
        &api,
        "/api/v1/admin/cities/1",
        &admin,
        json!({"name": "Bandung", "colour": "red"}),
    )
    .await;
    unknown_field.assert_problem(422, "invalid_body");
    patch(
        &api,
        "/api/v1/admin/movies/999999",
        &admin,
        json!({"archived": true}),
    )
    .await
    .assert_problem(404, "not_found");

    let customer = api.customer().await;
    for (method, path) in [
        (Method::GET, "/api/v1/admin/cities"),
        (Method::POST, "/api/v1/admin/cities"),
        (Method::PATCH, "/api/v1/admin/cinemas/1"),
        (Method::POST, "/api/v1/admin/movies"),
    ] {
        let body = (method != Method::GET).then(|| json!({"name": "Bogor"}));
        api.request(method.clone(), path, Some(&customer.token), body.clone())
            .await
            .assert_problem(403, "forbidden");
        api.request(method, path, None, body)
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn an_archived_movie_disappears_from_the_public_movie_list() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let cinemas = api.get("/api/v1/cinemas", None).await;
    let cinema_id = cinemas.assert_status(200)[0]["id"]
        .as_i64()
        .expect("a cinema");
    let tomorrow = (api.app.now() + chrono::Duration::days(1))
        .with_timezone(&api.app.settings.catalog.default_timezone)
        .date_naive();
    let path = format!("/api/v1/cinemas/{cinema_id}/movies?date={tomorrow}");
    let before = api.get(&path, None).await;
    let before = before
        .assert_status(200)
        .as_array()
        .expect("movies")
        .clone();
    let movie_id = before[0]["id"].as_i64().expect("a movie showing");
    assert_eq!(before[0]["archived"], false);

    let archived = patch(
        &api,
        &format!("/api/v1/admin/movies/{movie_id}"),
        &admin,
        json!({"archived": true}),
    )
    .await;
    assert_eq!(archived.assert_status(200)["archived"], true);
    let after = api.get(&path, None).await;
    let after = after.assert_status(200).as_array().expect("movies").clone();
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|m| m["id"] != movie_id));
    let all = api.get("/api/v1/admin/movies", Some(&admin)).await;
    assert!(
        all.assert_status(200)
            .as_array()
            .expect("movies")
            .iter()
            .any(|m| m["id"] == movie_id && m["archived"] == true),
        "the back office still lists it"
    );
}

#[actix_web::test]
async fn every_catalog_write_leaves_its_audit_row_and_a_no_op_patch_says_it_changed_nothing() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let admin_id = api.get("/api/v1/me", Some(&admin)).await.assert_status(200)["id"]
        .as_i64()
        .expect("id");
    let already = api.audit_trail().len();

    let city = api
        .post(
            "/api/v1/admin/cities",
            Some(&admin),
            json!({"name": "Makassar"}),
        )
        .await;
    let city = city.assert_status(201)["id"].as_i64().expect("city");
    patch(
        &api,
        &format!("/api/v1/admin/cities/{city}"),
        &admin,
        json!({"name": "Kota Makassar"}),
    )
    .await
    .assert_status(200);
    let cinema = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            json!({"city_id": city, "name": "Losari", "address": "Jl. Penghibur 1"}),
        )
        .await;
    let cinema = cinema.assert_status(201)["id"].as_i64().expect("cinema");
    patch(
        &api,
        &format!("/api/v1/admin/cinemas/{cinema}"),
        &admin,
        json!({"timezone": "Asia/Makassar"}),
    )
    .await
    .assert_status(200);
    let movie = api
        .post("/api/v1/admin/movies", Some(&admin), movie_body())
        .await;
    let movie = movie.assert_status(201)["id"].as_i64().expect("movie");
    patch(
        &api,
        &format!("/api/v1/admin/movies/{movie}"),
        &admin,
        json!({"duration_minutes": 110}),
    )
    .await
    .assert_status(200);
    patch(
        &api,
        &format!("/api/v1/admin/movies/{movie}"),
        &admin,
        json!({"archived": true}),
    )
    .await
    .assert_status(200);
    patch(
        &api,
        &format!("/api/v1/admin/movies/{movie}"),
        &admin,
        json!({"archived": true}),
    )
    .await
    .assert_status(200);
    patch(
        &api,
        &format!("/api/v1/admin/cities/{city}"),
        &admin,
        json!({}),
    )
    .await
    .assert_status(200);

    let rows = api.audit_trail();
    let rows = rows.get(already..).expect("new rows");
    let kinds: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r.1.as_str(), r.2.as_str(), r.5))
        .collect();
    let (city_t, cinema_t, movie_t) = (
        format!("city:{city}"),
        format!("cinema:{cinema}"),
        format!("movie:{movie}"),
    );
    assert_eq!(
        kinds,
        [
            ("city.create", city_t.as_str(), true),
            ("city.update", city_t.as_str(), true),
            ("cinema.create", cinema_t.as_str(), true),
            ("cinema.update", cinema_t.as_str(), true),
            ("movie.create", movie_t.as_str(), true),
            ("movie.update", movie_t.as_str(), true),
            ("movie.archive", movie_t.as_str(), true),
            ("movie.update", movie_t.as_str(), false),
            ("city.update", city_t.as_str(), false),
        ]
    );
    assert!(rows.iter().all(|r| r.0 == Some(admin_id)));
    let rename = rows.get(1).expect("the rename");
    assert_eq!(rename.3.as_ref().expect("before")["name"], "Makassar");
    assert_eq!(rename.4.as_ref().expect("after")["name"], "Kota Makassar");
    let create = rows.first().expect("the creation");
    assert!(create.3.is_none());
    assert_eq!(create.4.as_ref().expect("after")["name"], "Makassar");
    let archive = rows.get(6).expect("the archive");
    assert_eq!(archive.3.as_ref().expect("before")["archived"], false);
    assert_eq!(archive.4.as_ref().expect("after")["archived"], true);
    let no_op = rows.get(8).expect("the no-op");
    assert_eq!(no_op.3, no_op.4);
}

/// A cinema's coming showtimes were scheduled at local times of its zone, and
/// a movie's end by its duration: neither changes under them.
#[actix_web::test]
async fn a_cinema_with_coming_showtimes_keeps_its_zone_and_a_movie_with_them_its_duration() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    // The demo's first cinema and movie have coming showtimes.
    let (cinema, movie): (i64, i64) = api
        .app
        .db()
        .query_row(
            "SELECT a.cinema_id, s.movie_id FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
             WHERE s.status = 'scheduled' ORDER BY s.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    patch(
        &api,
        &format!("/api/v1/admin/cinemas/{cinema}"),
        &admin,
        json!({"timezone": "Asia/Makassar"}),
    )
    .await
    .assert_problem(409, "cinema_has_showtimes");
    let renamed = patch(
        &api,
        &format!("/api/v1/admin/cinemas/{cinema}"),
        &admin,
        json!({"name": "Bioskop Baru", "timezone": "Asia/Jakarta"}),
    )
    .await;
    assert_eq!(renamed.assert_status(200)["name"], "Bioskop Baru");
    patch(
        &api,
        &format!("/api/v1/admin/movies/{movie}"),
        &admin,
        json!({"duration_minutes": 200}),
    )
    .await
    .assert_problem(409, "movie_has_showtimes");
    let retitled = patch(
        &api,
        &format!("/api/v1/admin/movies/{movie}"),
        &admin,
        json!({"title": "Judul Baru"}),
    )
    .await;
    assert_eq!(retitled.assert_status(200)["title"], "Judul Baru");

    // Without coming showtimes, both change.
    let fresh = api
        .post("/api/v1/admin/movies", Some(&admin), movie_body())
        .await;
    let fresh = fresh.assert_status(201)["id"].as_i64().unwrap();
    let longer = patch(
        &api,
        &format!("/api/v1/admin/movies/{fresh}"),
        &admin,
        json!({"duration_minutes": 200}),
    )
    .await;
    assert_eq!(longer.assert_status(200)["duration_minutes"], 200);
    let city = api.get("/api/v1/admin/cities", Some(&admin)).await;
    let city = city.assert_status(200)[0]["id"].clone();
    let empty = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            json!({"city_id": city, "name": "Bioskop Kosong", "address": "Jl. Sepi 1"}),
        )
        .await;
    let empty = empty.assert_status(201)["id"].as_i64().unwrap();
    let moved = patch(
        &api,
        &format!("/api/v1/admin/cinemas/{empty}"),
        &admin,
        json!({"timezone": "Asia/Jayapura"}),
    )
    .await;
    assert_eq!(moved.assert_status(200)["timezone"], "Asia/Jayapura");
}

/// A programme of many times a minute apart collides with itself thousands
/// of times: the answer lists the first 50 and says how many there are.
#[actix_web::test]
async fn a_batch_that_collides_with_itself_many_times_answers_a_bounded_list() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let (auditorium, classes): (i64, String) = api
        .app
        .db()
        .query_row(
            "SELECT auditorium_id, group_concat(DISTINCT class) FROM auditorium_seats
             GROUP BY auditorium_id ORDER BY auditorium_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let prices: serde_json::Map<String, Value> = classes
        .split(',')
        .map(|c| (c.to_string(), json!(50_000)))
        .collect();
    let movie = api
        .post("/api/v1/admin/movies", Some(&admin), movie_body())
        .await;
    let movie = movie.assert_status(201)["id"].clone();
    let times: Vec<String> = (0..48).map(|m| format!("03:{m:02}")).collect();
    let far = (api.app.now() + chrono::Duration::days(40))
        .with_timezone(&api.app.settings.catalog.default_timezone)
        .date_naive();
    let refused = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": movie, "auditorium_id": auditorium, "from": far.to_string(),
                   "to": (far + chrono::Duration::days(9)).to_string(), "times": times,
                   "prices": prices}),
        )
        .await;
    refused.assert_problem(409, "showtime_overlap");
    let listed = refused.body["overlaps"].as_array().unwrap().len();
    let total = refused.body["overlaps_total"].as_u64().unwrap();
    assert_eq!(listed, 50);
    assert!(total > 1000, "{total}");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.len() < 2000, "{}", detail.len());
    assert!(
        detail.ends_with(&format!("and {} more", total - 5)),
        "{detail}"
    );
}
