//! A thin HTTP client over the in-process test system.

use std::sync::atomic::{AtomicUsize, Ordering};

use bioskop::testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Api {
    pub app: TestApp,
    pub http: reqwest::Client,
}

/// One answer: status, content type and the JSON body (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    /// Asserts an RFC 9457 problem document with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "unexpected status: {self:?}");
        assert_eq!(self.content_type, "application/problem+json", "{self:?}");
        assert_eq!(self.body["code"], code, "{self:?}");
        assert_eq!(self.body["status"], status, "{self:?}");
        assert!(
            self.body["title"].is_string() && self.body["type"].is_string(),
            "{self:?}"
        );
    }

    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected answer: {self:?}");
        &self.body
    }
}

/// A registered customer.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: i64,
    pub email: String,
    pub token: String,
}

static NEXT_EMAIL: AtomicUsize = AtomicUsize::new(0);

impl Api {
    pub async fn spawn() -> Api {
        Api::with(TestApp::spawn().await)
    }

    pub fn with(app: TestApp) -> Api {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(512)
            .build()
            .expect("an HTTP client");
        Api { app, http }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("the server answers")).await
    }

    /// Sends a raw body with a content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, self.app.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("the server answers")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    pub async fn customer(&self) -> Customer {
        let n = NEXT_EMAIL.fetch_add(1, Ordering::Relaxed);
        let email = format!("customer{n}-{}@example.com", std::process::id());
        let reply = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": "correct horse", "name": format!("Customer {n}")}),
            )
            .await;
        let body = reply.assert_status(201);
        Customer {
            id: body["user"]["id"].as_i64().expect("user id"),
            email,
            token: body["token"].as_str().expect("token").to_string(),
        }
    }

    pub async fn hold(&self, who: &Customer, showtime: i64, seats: &[&str]) -> Reply {
        self.post(
            "/api/v1/bookings",
            Some(&who.token),
            json!({"showtime_id": showtime, "seats": seats}),
        )
        .await
    }

    pub async fn pay(&self, who: &Customer, booking_id: &str) -> String {
        let reply = self
            .post(
                &format!("/api/v1/bookings/{booking_id}/payment"),
                Some(&who.token),
                json!({}),
            )
            .await;
        reply.assert_status(201)["payment_id"]
            .as_str()
            .expect("payment id")
            .to_string()
    }

    /// Pays (or fails) a payment in the sandbox as its owner, whose bearer
    /// `token` this is.
    pub async fn sandbox(&self, token: &str, payment_id: &str, result: &str) -> Reply {
        self.post(
            &format!("/sandbox/pay/{payment_id}"),
            Some(token),
            json!({"result": result}),
        )
        .await
    }

    /// The seat map: seat id → (status, mine).
    pub async fn seat_map(
        &self,
        showtime: i64,
        token: Option<&str>,
    ) -> Vec<(String, String, bool)> {
        let reply = self
            .get(&format!("/api/v1/showtimes/{showtime}/seats"), token)
            .await;
        reply.assert_status(200)["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap_or_default().to_string(),
                    s["status"].as_str().unwrap_or_default().to_string(),
                    s["mine"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }

    pub fn status_of(map: &[(String, String, bool)], seat: &str) -> String {
        map.iter()
            .find(|(id, _, _)| id == seat)
            .map(|(_, status, _)| status.clone())
            .unwrap_or_default()
    }

    /// What the database says occupies the showtime: (seat, booking, state).
    pub fn occupancy(&self, showtime: i64) -> Vec<(String, String, String)> {
        let conn = self.app.db();
        let mut stmt = conn
            .prepare("SELECT seat_id, booking_id, state FROM seat_occupancy WHERE showtime_id = ?1 ORDER BY seat_id")
            .expect("query");
        stmt.query_map([showtime], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("occupancy")
    }

    pub fn booking_status_in_db(&self, booking_id: &str) -> String {
        self.app
            .db()
            .query_row(
                "SELECT status FROM bookings WHERE id = ?1",
                [booking_id],
                |r| r.get(0),
            )
            .expect("booking row")
    }
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(if text.is_empty() {
            Value::Null
        } else {
            Value::String(text)
        });
        Reply {
            status,
            content_type,
            body,
        }
    }
}

/// For [`Api::wait_for_refunds`]: every refund has this status.
pub fn all(status: &'static str) -> impl Fn(&[StoredRefund]) -> bool {
    move |refunds| refunds.iter().all(|r| r.status == status)
}

/// A refund as stored: (id, payment, status, attempts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefund {
    pub id: String,
    pub payment_id: String,
    pub status: String,
    pub attempts: i64,
}

impl Api {
    /// The admin's bearer token.
    pub async fn admin(&self) -> String {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": bioskop::testkit::ADMIN_EMAIL, "password": bioskop::testkit::ADMIN_PASSWORD}),
            )
            .await;
        reply.assert_status(200)["token"]
            .as_str()
            .expect("admin token")
            .to_string()
    }

    /// Holds and pays `seats`; answers (booking, payment).
    pub async fn buy(&self, who: &Customer, showtime: i64, seats: &[&str]) -> (String, String) {
        let held = self.hold(who, showtime, seats).await;
        let booking = held.assert_status(201)["id"]
            .as_str()
            .expect("booking id")
            .to_string();
        let payment = self.pay(who, &booking).await;
        let paid = self.sandbox(&who.token, &payment, "success").await;
        assert_eq!(paid.assert_status(200)["outcome"], "paid", "{paid:?}");
        (booking, payment)
    }

    pub async fn cancel(&self, admin: &str, showtime: i64) -> Reply {
        self.post(
            &format!("/api/v1/admin/showtimes/{showtime}/cancel"),
            Some(admin),
            json!({"reason": "projector failure"}),
        )
        .await
    }

    /// Scripts the sandbox gateway's next refund calls.
    pub async fn sandbox_control(&self, admin: &str, control: Value) {
        self.post("/sandbox/control", Some(admin), control)
            .await
            .assert_status(200);
    }

    pub fn refunds_of(&self, showtime: i64) -> Vec<StoredRefund> {
        let conn = self.app.db();
        let mut stmt = conn
            .prepare("SELECT id, payment_id, status, attempts FROM refunds WHERE showtime_id = ?1 ORDER BY payment_id")
            .expect("query");
        stmt.query_map([showtime], |r| {
            Ok(StoredRefund {
                id: r.get(0)?,
                payment_id: r.get(1)?,
                status: r.get(2)?,
                attempts: r.get(3)?,
            })
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("refunds")
    }

    /// What the sandbox gateway paid out for a payment: (refunds, calls).
    pub fn sandbox_ledger(&self, payment_id: &str) -> (i64, i64) {
        self.app
            .db()
            .query_row(
                "SELECT count(*), coalesce(sum(calls), 0) FROM sandbox_refunds WHERE payment_id = ?1",
                [payment_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("ledger")
    }

    /// Attempt outcomes of a refund, in order.
    pub fn attempts_of(&self, refund_id: &str) -> Vec<String> {
        let conn = self.app.db();
        let mut stmt = conn
            .prepare("SELECT outcome FROM refund_attempts WHERE refund_id = ?1 ORDER BY attempt")
            .expect("query");
        stmt.query_map([refund_id], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("attempts")
    }

    /// Notifications recorded for a kind: (channel, recipient).
    pub fn notifications(&self, kind: &str) -> Vec<(String, String)> {
        let conn = self.app.db();
        let mut stmt = conn
            .prepare("SELECT channel, recipient FROM notifications WHERE kind = ?1 ORDER BY id")
            .expect("query");
        stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("notifications")
    }

    /// Waits until every refund of the showtime satisfies `done`, nudging the
    /// queue; fails with the refunds as they are after `within`.
    pub async fn wait_for_refunds(
        &self,
        showtime: i64,
        within: std::time::Duration,
        done: impl Fn(&[StoredRefund]) -> bool,
    ) -> Vec<StoredRefund> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let refunds = self.refunds_of(showtime);
            if !refunds.is_empty() && done(&refunds) {
                return refunds;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "refunds did not get there in {within:?}: {refunds:?}"
            );
            self.app.state.refunds.wake();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// One customer's paid booking on a bookable showtime, with the admin's token.
pub struct Sale {
    pub admin: String,
    pub showtime: i64,
    pub customer: Customer,
    pub payment: String,
}

impl Api {
    pub async fn sale(&self, seats: &[&str]) -> Sale {
        let admin = self.admin().await;
        let showtime = self.app.bookable_showtime().await;
        let customer = self.customer().await;
        let (_, payment) = self.buy(&customer, showtime, seats).await;
        Sale {
            admin,
            showtime,
            customer,
            payment,
        }
    }
}

/// Where most refund tests start: one customer bought `seats`, the sandbox
/// was told `control`, and the admin cancelled the showtime.
pub struct CancelledSale {
    pub admin: String,
    pub showtime: i64,
    pub payment: String,
}

impl Api {
    pub async fn cancelled_sale(&self, seats: &[&str], control: Value) -> CancelledSale {
        let Sale {
            admin,
            showtime,
            payment,
            ..
        } = self.sale(seats).await;
        self.sandbox_control(&admin, control).await;
        self.cancel(&admin, showtime).await.assert_status(202);
        CancelledSale {
            admin,
            showtime,
            payment,
        }
    }

    /// The running actor of a showtime, for tests that talk to it directly.
    pub async fn showtime_actor(&self, showtime: i64) -> bioskop::seats::ActorRef {
        self.app
            .state
            .registry
            .get(bioskop::ids::ShowtimeId(showtime))
            .await
            .expect("the showtime's actor")
    }

    /// One round of the embedded refund queue, now.
    pub async fn refund_round(&self) -> bioskop::refunds::QueueRound {
        self.app
            .state
            .refunds
            .run_embedded_due()
            .await
            .expect("a queue round")
    }

    /// Outbox rows not yet handed to the queue.
    /// The unpublished outbox rows once none are left, or as many as remain
    /// after `patience`: the relay marks a row published after the broker's
    /// confirm, which may land just after the refund it carried succeeded.
    pub async fn unpublished_refunds_after(&self, patience: std::time::Duration) -> i64 {
        let deadline = std::time::Instant::now() + patience;
        loop {
            let left = self.unpublished_refunds();
            if left == 0 || std::time::Instant::now() >= deadline {
                return left;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub fn unpublished_refunds(&self) -> i64 {
        self.app
            .db()
            .query_row(
                "SELECT count(*) FROM refund_outbox WHERE published_at IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("outbox")
    }
}

impl Api {
    /// Moves the clock to half an hour before the showtime starts: its doors are open.
    pub fn open_doors(&self, showtime: i64) {
        let starts_at: i64 = self
            .app
            .db()
            .query_row(
                "SELECT starts_at FROM showtimes WHERE id = ?1",
                [showtime],
                |r| r.get(0),
            )
            .expect("the showtime");
        self.app
            .clock
            .set(bioskop::clock::from_millis(starts_at - 30 * 60_000));
    }
}

/// One row of the audit trail: (user_id, kind, target, before, after,
/// changed), the JSON columns read back.
pub type AuditRow = (
    Option<i64>,
    String,
    String,
    Option<Value>,
    Option<Value>,
    bool,
);

impl Api {
    /// The whole audit trail, oldest first.
    pub fn audit_trail(&self) -> Vec<AuditRow> {
        let conn = self.app.db();
        let mut stmt = conn
            .prepare(
                // The writes; sign-ins are in the trail too, and have their own tests.
                "SELECT user_id, kind, target, before, after, changed FROM audit_log
                 WHERE kind <> 'auth.sign_in' ORDER BY id",
            )
            .expect("query");
        stmt.query_map([], |r| {
            let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                json(r.get(3)?),
                json(r.get(4)?),
                r.get(5)?,
            ))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("audit rows")
    }
}

/// A cinema in Makassar (`Asia/Makassar`, +08:00) with one auditorium of
/// eight seats (`RRRR`, `PPPP`: classes regular and premium) and a two-hour
/// movie, all made through the back office.
pub struct Place {
    pub cinema: i64,
    pub auditorium: i64,
    pub movie: i64,
}

impl Api {
    pub async fn a_makassar_place(&self, admin: &str) -> Place {
        let city: i64 = self
            .app
            .db()
            .query_row("SELECT id FROM cities ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        let cinema = self
            .post(
                "/api/v1/admin/cinemas",
                Some(admin),
                json!({"city_id": city, "name": "Studio Losari", "address": "Jl. Penghibur 1", "timezone": "Asia/Makassar"}),
            )
            .await;
        let cinema = cinema.assert_status(201)["id"].as_i64().unwrap();
        let auditorium = self
            .post(
                &format!("/api/v1/admin/cinemas/{cinema}/auditoriums"),
                Some(admin),
                json!({"name": "Studio 1", "classes": {"R": "regular", "P": "premium"}, "rows": ["RRRR", "PPPP"]}),
            )
            .await;
        let auditorium = auditorium.assert_status(201)["id"].as_i64().unwrap();
        let movie = self
            .post(
                "/api/v1/admin/movies",
                Some(admin),
                json!({"title": "Laskar Pelangi", "synopsis": "", "duration_minutes": 120,
                       "rating": "SU", "genres": ["drama"], "language": "id"}),
            )
            .await;
        let movie = movie.assert_status(201)["id"].as_i64().unwrap();
        Place {
            cinema,
            auditorium,
            movie,
        }
    }
}
