//! A showtime cancelled with `offer_move` (DESIGN 4c): each paying customer
//! moves to another showtime of the movie, or takes the refund, once; an
//! offer nobody decides is refunded by itself.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Api, Customer, all};

const PATIENCE: Duration = Duration::from_secs(15);

/// A paid booking of a showtime cancelled with the offer, and a showtime of
/// the same movie in the same cinema within the window to move to.
struct Offered {
    admin: String,
    cancelled: i64,
    target: i64,
    customer: Customer,
    booking: String,
    payment: String,
}

impl Api {
    /// Cancels `showtime` with the offer of a move.
    async fn cancel_offering(&self, admin: &str, showtime: i64) -> Value {
        self.post(
            &format!("/api/v1/admin/showtimes/{showtime}/cancel"),
            Some(admin),
            json!({"reason": "projector failure", "offer_move": true}),
        )
        .await
        .assert_status(202)
        .clone()
    }

    /// A showtime of another movie, or of another cinema: never offered.
    fn stranger_to(&self, showtime: i64) -> i64 {
        self.app
            .db()
            .query_row(
                "SELECT t.showtime_id FROM showtime_places s JOIN showtime_places t
                   ON t.movie_id <> s.movie_id OR t.cinema_id <> s.cinema_id
                 WHERE s.showtime_id = ?1 AND t.status = 'scheduled' AND t.starts_at > s.starts_at
                 ORDER BY t.starts_at LIMIT 1",
                [showtime],
                |r| r.get(0),
            )
            .expect("another movie's showtime")
    }

    async fn offered(&self, seats: &[&str]) -> Offered {
        let admin = self.admin().await;
        let cancelled = self.app.bookable_showtime().await;
        let target = self.app.next_showing(cancelled);
        let customer = self.customer().await;
        let (booking, payment) = self.buy(&customer, cancelled, seats).await;
        let answer = self.cancel_offering(&admin, cancelled).await;
        assert_eq!(answer["offers_made"], 1, "{answer}");
        assert_eq!(answer["refunds_queued"], 0, "{answer}");
        Offered {
            admin,
            cancelled,
            target,
            customer,
            booking,
            payment,
        }
    }

    async fn offer(&self, who: &Customer, booking: &str) -> Value {
        self.get(
            &format!("/api/v1/bookings/{booking}/offer"),
            Some(&who.token),
        )
        .await
        .assert_status(200)
        .clone()
    }

    async fn move_to(
        &self,
        who: &Customer,
        booking: &str,
        target: i64,
        seats: &[&str],
    ) -> crate::helpers::Reply {
        self.post(
            &format!("/api/v1/bookings/{booking}/offer/move"),
            Some(&who.token),
            json!({"showtime_id": target, "seats": seats}),
        )
        .await
    }

    async fn take_refund(&self, who: &Customer, booking: &str) -> crate::helpers::Reply {
        self.post(
            &format!("/api/v1/bookings/{booking}/offer/refund"),
            Some(&who.token),
            json!({}),
        )
        .await
    }

    /// A move of `booking` to `seat` of `target` decided and never made, as
    /// a crash between the decision and the move leaves it.
    async fn decided_and_not_made(
        &self,
        booking: &str,
        target: i64,
        seat: &str,
        new_booking: &str,
    ) {
        let (booking, seats, new) = (
            booking.to_string(),
            format!("[\"{seat}\"]"),
            new_booking.to_string(),
        );
        self.app
            .state
            .store
            .write(move |conn| {
                let decided = conn.execute(
                    "UPDATE offers SET decision = 'move', decided_by = 'customer', decided_at = 1,
                       move_showtime_id = ?2, move_seats = ?3, move_booking_id = ?4
                     WHERE booking_id = ?1",
                    rusqlite::params![booking, target, seats, new],
                )?;
                assert_eq!(decided, 1);
                Ok(())
            })
            .await
            .expect("a decision");
    }

    fn refund_status(&self, booking: &str) -> String {
        self.app
            .db()
            .query_row(
                "SELECT status FROM refunds WHERE booking_id = ?1",
                [booking],
                |r| r.get(0),
            )
            .expect("the booking's refund")
    }

    fn queued_attempts(&self, booking: &str) -> i64 {
        self.app
            .db()
            .query_row(
                "SELECT count(*) FROM refund_outbox o JOIN refunds r ON r.id = o.refund_id WHERE r.booking_id = ?1",
                [booking],
                |r| r.get(0),
            )
            .expect("outbox")
    }
}

#[actix_web::test]
async fn a_customer_who_moves_gets_valid_tickets_in_the_other_showtime_and_no_refund_is_paid() {
    let api = Api::spawn().await;
    let o = api.offered(&["D4", "D5"]).await;

    // Offered, not queued: nothing goes to the gateway while they choose.
    assert_eq!(api.refund_status(&o.booking), "offered");
    assert_eq!(api.queued_attempts(&o.booking), 0);
    assert_eq!(
        api.notifications("move_offered").len(),
        1,
        "the customer is told"
    );
    api.app.state.notifier.wake();
    let told = crate::mail::wait_for(
        &api.app.settings.mail.dir,
        &o.customer.email,
        "pilih jadwal lain atau pengembalian dana",
        1,
    )
    .await;
    let link = format!("/#/bookings/{}", o.booking);
    assert!(
        told[0].text.contains(&link),
        "a link to the booking page: {}",
        told[0].text
    );
    assert!(told[0].html.contains(&link));
    let summary = api
        .get(
            &format!("/api/v1/bookings/{}", o.booking),
            Some(&o.customer.token),
        )
        .await;
    assert_eq!(summary.assert_status(200)["refund"]["status"], "offered");

    let offer = api.offer(&o.customer, &o.booking).await;
    assert_eq!(offer["status"], "pending");
    assert_eq!(offer["seats"].as_array().map(Vec::len), Some(2));
    let choice = offer["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .find(|c| c["showtime_id"] == o.target)
        .cloned()
        .expect("the next showtime of the movie is offered");
    let suggested: Vec<String> =
        serde_json::from_value(choice["suggested_seats"].clone()).expect("seats");
    assert_eq!(suggested.len(), 2, "{choice}");
    assert!(
        offer["choices"]
            .as_array()
            .expect("choices")
            .iter()
            .all(|c| c["showtime_id"] != o.cancelled),
        "never the cancelled showtime itself"
    );

    let seats: Vec<&str> = suggested.iter().map(String::as_str).collect();
    let moved = api.move_to(&o.customer, &o.booking, o.target, &seats).await;
    let moved = moved.assert_status(200);
    assert_eq!(moved["status"], "moved");
    let new_booking = moved["moved_to"]
        .as_str()
        .expect("the new booking")
        .to_string();

    let new = api
        .get(
            &format!("/api/v1/bookings/{new_booking}"),
            Some(&o.customer.token),
        )
        .await;
    let new = new.assert_status(200);
    assert_eq!(new["status"], "paid");
    assert_eq!(new["showtime_id"], o.target);
    assert_eq!(new["moved_from"], o.booking.as_str());
    let tickets = new["tickets"].as_array().expect("tickets");
    assert_eq!(tickets.len(), 2);
    assert!(tickets.iter().all(|t| t["status"] == "valid"), "{new}");
    let old = api
        .get(
            &format!("/api/v1/bookings/{}", o.booking),
            Some(&o.customer.token),
        )
        .await;
    let old = old.assert_status(200);
    assert_eq!(old["status"], "moved");
    assert_eq!(old["moved_to"], new_booking.as_str());
    assert!(
        old["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .all(|t| t["status"] == "moved")
    );
    assert_eq!(
        new["total"], old["total"],
        "no extra cost, and no money back"
    );

    // The refund is withdrawn and never paid, however long the queue runs.
    assert_eq!(api.refund_status(&o.booking), "withdrawn");
    assert_eq!(api.queued_attempts(&o.booking), 0);
    api.refund_round().await;
    assert_eq!(api.sandbox_ledger(&o.payment).1, 0, "nothing refunded");
    let sold: Vec<_> = api
        .occupancy(o.target)
        .into_iter()
        .filter(|(_, booking, state)| booking == &new_booking && state == "sold")
        .collect();
    assert_eq!(sold.len(), 2, "the seats are sold in the target");
    assert!(
        api.notifications("e_ticket").len() >= 2,
        "a new e-ticket for the new booking"
    );

    // The old tickets admit nobody; the door says why.
    let old_code: String = api
        .app
        .db()
        .query_row(
            "SELECT checkin_code FROM tickets WHERE booking_id = ?1 LIMIT 1",
            [&o.booking],
            |r| r.get(0),
        )
        .expect("an old ticket");
    api.post("/api/v1/checkin", Some(&o.admin), json!({"code": old_code}))
        .await
        .assert_problem(409, "ticket_moved");

    // One decision: neither a second move nor the refund now.
    let again = api.move_to(&o.customer, &o.booking, o.target, &seats).await;
    again.assert_problem(409, "offer_decided");
    api.take_refund(&o.customer, &o.booking)
        .await
        .assert_problem(409, "offer_decided");
}

#[actix_web::test]
async fn the_sales_report_counts_a_moved_ticket_in_its_new_showtime_only() {
    let api = Api::spawn().await;
    let o = api.offered(&["D4"]).await;
    let offer = api.offer(&o.customer, &o.booking).await;
    let seats: Vec<String> = offer["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["showtime_id"] == o.target))
        .map(|c| serde_json::from_value(c["suggested_seats"].clone()).expect("seats"))
        .expect("the target is offered");
    let seats: Vec<&str> = seats.iter().map(String::as_str).collect();
    api.move_to(&o.customer, &o.booking, o.target, &seats)
        .await
        .assert_status(200);
    let counted = |showtime: i64| -> (i64, i64) {
        let conn = api.app.db();
        let mut stmt = conn
            .prepare(include_str!(
                "../../sql/queries/reports/sales_by_showtime.sql"
            ))
            .expect("the report's query");
        let rows: Vec<(i64, i64, i64)> = stmt
            .query_map(rusqlite::params![0, i64::MAX, Option::<i64>::None], |r| {
                Ok((r.get(0)?, r.get(8)?, r.get(9)?))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("report");
        rows.into_iter()
            .find(|(id, _, _)| *id == showtime)
            .map_or((0, 0), |(_, tickets, amount)| (tickets, amount))
    };
    let (cancelled_tickets, _) = counted(o.cancelled);
    let (target_tickets, target_amount) = counted(o.target);
    assert_eq!(
        cancelled_tickets, 0,
        "the moved ticket left the cancelled showtime"
    );
    assert_eq!(target_tickets, 1);
    assert!(target_amount > 0, "at the price paid");
    let _ = o.admin;
}

#[actix_web::test]
async fn a_customer_who_takes_the_refund_is_paid_back_and_cannot_move_afterwards() {
    let api = Api::spawn().await;
    let o = api.offered(&["E1", "E2"]).await;
    let refunded = api.take_refund(&o.customer, &o.booking).await;
    assert_eq!(refunded.assert_status(200)["status"], "refunded");
    let refunds = api
        .wait_for_refunds(o.cancelled, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(api.sandbox_ledger(&o.payment).1, 1, "paid back once");
    let offer = api.offer(&o.customer, &o.booking).await;
    assert_eq!(offer["status"], "refunded");
    assert_eq!(offer["choices"], json!([]));
    api.move_to(&o.customer, &o.booking, o.target, &["A1", "A2"])
        .await
        .assert_problem(409, "offer_decided");
    assert!(api.occupancy(o.target).is_empty(), "no seat was taken");
}

#[actix_web::test]
async fn an_offer_nobody_decides_is_refunded_when_its_time_runs_out_and_not_a_moment_before() {
    let api = Api::spawn().await;
    let o = api.offered(&["F1"]).await;
    let offers = &api.app.state.offers;

    // offers.decide_within is 48 h: one millisecond before, nothing happens.
    api.app
        .advance(Duration::from_secs(48 * 3600) - Duration::from_millis(1));
    let round = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!(round.refunded, 0);
    assert_eq!(api.refund_status(&o.booking), "offered");

    api.app.advance(Duration::from_millis(1));
    let round = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!(round.refunded, 1, "at the deadline, the refund goes ahead");
    let again = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!(again.refunded, 0, "once");
    api.wait_for_refunds(o.cancelled, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(api.sandbox_ledger(&o.payment).1, 1);
    api.move_to(&o.customer, &o.booking, o.target, &["A1"])
        .await
        .assert_problem(409, "offer_decided");
}

#[actix_web::test]
async fn a_move_and_a_refund_asked_at_the_same_time_end_in_exactly_one_of_them() {
    let api = Api::spawn().await;
    for seat in ["G1", "G2", "G3"] {
        let o = api.offered(&[seat]).await;
        let offer = api.offer(&o.customer, &o.booking).await;
        let suggested = offer["choices"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["showtime_id"] == o.target))
            .and_then(|c| c["suggested_seats"][0].as_str())
            .expect("a seat to move to")
            .to_string();
        let seats = [suggested.as_str()];
        let (moved, refunded) = futures_util::join!(
            api.move_to(&o.customer, &o.booking, o.target, &seats),
            api.take_refund(&o.customer, &o.booking)
        );
        let wins = [moved.status, refunded.status]
            .iter()
            .filter(|&&s| s == 200)
            .count();
        assert_eq!(wins, 1, "move {moved:?}, refund {refunded:?}");
        let refund = api.refund_status(&o.booking);
        if moved.status == 200 {
            refunded.assert_problem(409, "offer_decided");
            assert_eq!(refund, "withdrawn");
            assert_eq!(api.booking_status_in_db(&o.booking), "moved");
        } else {
            moved.assert_problem(409, "offer_decided");
            assert_ne!(refund, "withdrawn");
            assert_eq!(api.booking_status_in_db(&o.booking), "refunded");
            assert!(
                api.occupancy(o.target)
                    .iter()
                    .all(|(seat, _, _)| seat != seats[0]),
                "no seat sold for a refunded offer"
            );
        }
        let _ = (&o.admin, o.cancelled, &o.payment);
    }
}

#[actix_web::test]
async fn two_movers_and_a_live_buyer_racing_for_the_same_seats_never_share_one_and_the_losers_keep_their_offer()
 {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let cancelled = api.app.bookable_showtime().await;
    let target = api.app.next_showing(cancelled);
    let (ani, budi, citra) = (
        api.customer().await,
        api.customer().await,
        api.customer().await,
    );
    let (ani_booking, _) = api.buy(&ani, cancelled, &["H1", "H2"]).await;
    let (budi_booking, _) = api.buy(&budi, cancelled, &["H3", "H4"]).await;
    assert_eq!(
        api.cancel_offering(&admin, cancelled).await["offers_made"],
        2
    );

    let last = ["A5", "A6"];
    let (ani_move, budi_move, citra_hold) = futures_util::join!(
        api.move_to(&ani, &ani_booking, target, &last),
        api.move_to(&budi, &budi_booking, target, &last),
        api.hold(&citra, target, &last)
    );
    let winners = [ani_move.status, budi_move.status, citra_hold.status]
        .iter()
        .filter(|&&s| s == 200 || s == 201)
        .count();
    assert_eq!(winners, 1, "{ani_move:?} {budi_move:?} {citra_hold:?}");
    let owners: Vec<String> = api
        .occupancy(target)
        .into_iter()
        .filter(|(seat, _, _)| last.contains(&seat.as_str()))
        .map(|(_, booking, _)| booking)
        .collect();
    assert_eq!(owners.len(), 2);
    assert_eq!(owners[0], owners[1], "both seats went to one winner");

    for (who, booking, reply) in [
        (&ani, &ani_booking, &ani_move),
        (&budi, &budi_booking, &budi_move),
    ] {
        if reply.status == 200 {
            continue;
        }
        reply.assert_problem(409, "seat_unavailable");
        let offer = api.offer(who, booking).await;
        assert_eq!(offer["status"], "pending", "the loser keeps the offer");
        assert_eq!(api.refund_status(booking), "offered");
    }
}

#[actix_web::test]
async fn a_move_goes_only_to_a_showtime_of_the_same_movie_and_cinema_with_as_many_seats() {
    let api = Api::spawn().await;
    let o = api.offered(&["J1", "J2"]).await;
    let elsewhere = api.stranger_to(o.cancelled);
    api.move_to(&o.customer, &o.booking, elsewhere, &["A1", "A2"])
        .await
        .assert_problem(422, "move_not_offered");
    api.move_to(&o.customer, &o.booking, o.cancelled, &["A1", "A2"])
        .await
        .assert_problem(422, "move_not_offered");
    api.move_to(&o.customer, &o.booking, o.target, &["A1"])
        .await
        .assert_problem(422, "move_seats_not_offered");
    // Someone else's booking has no offer for them.
    let stranger = api.customer().await;
    api.get(
        &format!("/api/v1/bookings/{}/offer", o.booking),
        Some(&stranger.token),
    )
    .await
    .assert_problem(404, "not_found");
    api.move_to(&stranger, &o.booking, o.target, &["A1", "A2"])
        .await
        .assert_problem(404, "not_found");
    // None of it decided anything.
    assert_eq!(
        api.offer(&o.customer, &o.booking).await["status"],
        "pending"
    );
    assert!(api.occupancy(o.target).is_empty());
}

#[actix_web::test]
async fn a_move_is_refused_for_a_cheaper_class_and_allowed_to_a_dearer_one_at_no_extra_cost() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    // A showtime of an auditorium with regular and premium seats.
    let from = bioskop::clock::to_millis(api.app.now()) + 86_400_000;
    let both = "(SELECT count(*) FROM showtime_prices p WHERE p.showtime_id = {}.showtime_id
                   AND p.class IN ('regular', 'premium')) = 2";
    let (cancelled, target): (i64, i64) = api
        .app
        .db()
        .query_row(
            &format!(
                "SELECT s.showtime_id, t.showtime_id FROM showtime_places s
                 JOIN showtime_places t ON t.movie_id = s.movie_id AND t.cinema_id = s.cinema_id
                   AND t.showtime_id <> s.showtime_id AND t.status = 'scheduled'
                   AND t.starts_at > s.starts_at AND t.starts_at < s.starts_at + 7 * 86400000
                 WHERE s.status = 'scheduled' AND s.starts_at >= ?1 AND {} AND {}
                 ORDER BY s.starts_at, t.starts_at LIMIT 1",
                both.replace("{}", "s"),
                both.replace("{}", "t")
            ),
            [from],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the demo shows a movie twice in auditoriums with premium rows");
    let free_seat = |showtime: i64, class: &'static str| {
        let api = &api;
        async move {
            let map = api
                .get(&format!("/api/v1/showtimes/{showtime}/seats"), None)
                .await;
            map.assert_status(200)["seats"]
                .as_array()
                .expect("seats")
                .iter()
                .find(|s| s["class"] == class && s["status"] == "available")
                .and_then(|s| s["id"].as_str())
                .map(str::to_string)
                .expect("a free seat of the class")
        }
    };
    let (premium_buyer, regular_buyer) = (api.customer().await, api.customer().await);
    let premium = free_seat(cancelled, "premium").await;
    let (premium_booking, _) = api
        .buy(&premium_buyer, cancelled, &[premium.as_str()])
        .await;
    let regular = free_seat(cancelled, "regular").await;
    let (regular_booking, _) = api
        .buy(&regular_buyer, cancelled, &[regular.as_str()])
        .await;
    let paid_regular = api
        .get(
            &format!("/api/v1/bookings/{regular_booking}"),
            Some(&regular_buyer.token),
        )
        .await
        .assert_status(200)["total"]
        .clone();
    assert_eq!(
        api.cancel_offering(&admin, cancelled).await["offers_made"],
        2
    );

    let cheaper = free_seat(target, "regular").await;
    api.move_to(
        &premium_buyer,
        &premium_booking,
        target,
        &[cheaper.as_str()],
    )
    .await
    .assert_problem(422, "move_seats_not_offered");
    assert_eq!(
        api.offer(&premium_buyer, &premium_booking).await["status"],
        "pending"
    );

    let dearer = free_seat(target, "premium").await;
    let moved = api
        .move_to(&regular_buyer, &regular_booking, target, &[dearer.as_str()])
        .await;
    let new_booking = moved.assert_status(200)["moved_to"]
        .as_str()
        .expect("moved")
        .to_string();
    let new = api
        .get(
            &format!("/api/v1/bookings/{new_booking}"),
            Some(&regular_buyer.token),
        )
        .await;
    let new = new.assert_status(200);
    assert_eq!(new["seats"][0]["class"], "premium");
    assert_eq!(new["total"], paid_regular, "the upgrade costs nothing");
}

#[actix_web::test]
async fn a_moved_customer_whose_new_showtime_is_cancelled_too_is_refunded_through_the_first_payment()
 {
    let api = Api::spawn().await;
    let o = api.offered(&["C7"]).await;
    let offer = api.offer(&o.customer, &o.booking).await;
    let seat = offer["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["showtime_id"] == o.target))
        .and_then(|c| c["suggested_seats"][0].as_str())
        .expect("a seat")
        .to_string();
    api.move_to(&o.customer, &o.booking, o.target, &[seat.as_str()])
        .await
        .assert_status(200);
    // The new showtime is cancelled as well, refunding at once this time.
    api.cancel(&o.admin, o.target).await.assert_status(202);
    let refunds = api
        .wait_for_refunds(o.target, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        api.sandbox_ledger(&o.payment),
        (1, 1),
        "paid back once, on the payment that took the money"
    );
    assert_eq!(
        api.refund_status(&o.booking),
        "withdrawn",
        "the first refund stays withdrawn"
    );
}

#[actix_web::test]
async fn two_decided_moves_to_one_seat_are_made_by_the_job_once_and_the_other_is_undone() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let cancelled = api.app.bookable_showtime().await;
    let target = api.app.next_showing(cancelled);
    let (ani, budi) = (api.customer().await, api.customer().await);
    let (ani_booking, _) = api.buy(&ani, cancelled, &["B1"]).await;
    let (budi_booking, _) = api.buy(&budi, cancelled, &["B2"]).await;
    api.cancel_offering(&admin, cancelled).await;
    let seat = api.offer(&ani, &ani_booking).await["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["showtime_id"] == target))
        .and_then(|c| c["suggested_seats"][0].as_str())
        .expect("a seat")
        .to_string();
    // Two moves to one seat decided and never made, as a crash leaves them.
    api.decided_and_not_made(&ani_booking, target, &seat, "moved-ani")
        .await;
    api.decided_and_not_made(&budi_booking, target, &seat, "moved-budi")
        .await;

    let offers = &api.app.state.offers;
    let round = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!(
        (round.moved, round.undone),
        (1, 1),
        "{round:?}: one seat, two moves"
    );
    let again = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!((again.moved, again.undone), (0, 0), "made once");
    let (winner, loser) = if api.booking_status_in_db(&ani_booking) == "moved" {
        ((&ani, &ani_booking), (&budi, &budi_booking))
    } else {
        ((&budi, &budi_booking), (&ani, &ani_booking))
    };
    assert_eq!(api.offer(winner.0, winner.1).await["status"], "moved");
    assert_eq!(
        api.offer(loser.0, loser.1).await["status"],
        "pending",
        "the offer stands"
    );
    assert_eq!(api.refund_status(loser.1), "offered");
}

#[actix_web::test]
async fn a_decided_move_that_cannot_be_made_is_tried_until_the_deadline_and_then_refunded() {
    let api = Api::spawn().await;
    let o = api.offered(&["A3"]).await;
    // The target's stored state is damaged (a hand edit): it will not load,
    // which is no refusal, so the decision is kept and tried again.
    let (booking, target) = (o.booking.clone(), o.target);
    api.app
        .state
        .store
        .write(move |conn| {
            conn.execute(
                "INSERT INTO blocked_seats (showtime_id, seat_id, reason, blocked_at)
                 VALUES (?1, 'Z99', 'edited by hand', 0)",
                [target],
            )?;
            Ok(())
        })
        .await
        .expect("a damaged target");
    api.decided_and_not_made(&booking, target, "A1", "stuck")
        .await;
    let offers = &api.app.state.offers;
    let round = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!(
        (round.moved, round.failed, round.refunded),
        (0, 1, 0),
        "{round:?}"
    );
    assert_eq!(api.refund_status(&o.booking), "offered");
    assert_eq!(api.offer(&o.customer, &o.booking).await["status"], "moving");

    api.app.advance(Duration::from_secs(48 * 3600));
    let round = offers.run_due(api.app.now()).await.expect("a round");
    assert_eq!((round.undone, round.refunded), (1, 1), "{round:?}");
    api.wait_for_refunds(o.cancelled, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(api.sandbox_ledger(&o.payment).0, 1, "refunded once");
    assert_eq!(
        api.offer(&o.customer, &o.booking).await["status"],
        "refunded"
    );
}
