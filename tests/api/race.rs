//! Many customers racing for the same seats over HTTP.

use std::collections::{HashMap, HashSet};

use futures_util::future::join_all;
use tokio::sync::Barrier;

use crate::helpers::{Api, Customer};

const CLIENTS: usize = 120;

async fn customers(api: &Api, count: usize) -> Vec<Customer> {
    let mut all = Vec::with_capacity(count);
    for chunk in 0..count.div_ceil(20) {
        let n = 20.min(count - chunk * 20);
        all.extend(join_all((0..n).map(|_| api.customer())).await);
    }
    all
}

#[actix_web::test]
async fn of_many_clients_racing_for_the_same_seats_exactly_one_wins() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let racers = customers(&api, CLIENTS).await;
    let barrier = Barrier::new(CLIENTS);

    let replies = join_all(racers.iter().map(|who| {
        let barrier = &barrier;
        let api = &api;
        async move {
            barrier.wait().await;
            api.hold(who, showtime, &["E7", "E8"]).await
        }
    }))
    .await;

    let winners: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one winner");
    for loser in replies.iter().filter(|r| r.status != 201) {
        loser.assert_problem(409, "seat_unavailable");
    }
    let winner = winners[0].body["id"].as_str().expect("booking id");
    let owners = api.occupancy(showtime);
    assert_eq!(
        owners,
        vec![
            ("E7".to_string(), winner.to_string(), "locked".to_string()),
            ("E8".to_string(), winner.to_string(), "locked".to_string()),
        ]
    );
    let map = api.seat_map(showtime, None).await;
    let locked: Vec<_> = map
        .iter()
        .filter(|(_, s, _)| s == "locked")
        .map(|(id, _, _)| id.as_str())
        .collect();
    assert_eq!(locked, ["E7", "E8"]);
}

#[actix_web::test]
async fn overlapping_requests_are_all_or_none_and_no_seat_has_two_owners() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let racers = customers(&api, CLIENTS).await;
    let barrier = Barrier::new(CLIENTS);
    let seats = ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10"];
    // Client i wants seats i and i+1 (mod 10), so every seat is wanted by 24 clients.
    let wants: Vec<[&str; 2]> = (0..CLIENTS)
        .map(|i| [seats[i % seats.len()], seats[(i + 1) % seats.len()]])
        .collect();

    let replies = join_all(racers.iter().zip(&wants).map(|(who, want)| {
        let barrier = &barrier;
        let api = &api;
        async move {
            barrier.wait().await;
            api.hold(who, showtime, want).await
        }
    }))
    .await;

    let mut owner_of: HashMap<String, String> = HashMap::new();
    for (reply, want) in replies.iter().zip(&wants) {
        if reply.status == 201 {
            let booking = reply.body["id"].as_str().expect("id").to_string();
            let got: Vec<&str> = reply.body["seats"]
                .as_array()
                .expect("seats")
                .iter()
                .filter_map(|s| s["id"].as_str())
                .collect();
            assert_eq!(got, want.to_vec(), "a winner gets every seat it asked for");
            for seat in want {
                let previous = owner_of.insert(seat.to_string(), booking.clone());
                assert!(previous.is_none(), "{seat} was given twice");
            }
        } else {
            reply.assert_problem(409, "seat_unavailable");
        }
    }
    assert!(!owner_of.is_empty());
    let stored: HashMap<String, String> = api
        .occupancy(showtime)
        .into_iter()
        .map(|(seat, booking, _)| (seat, booking))
        .collect();
    assert_eq!(stored, owner_of, "the database agrees with the answers");
    let map = api.seat_map(showtime, None).await;
    let locked: HashSet<String> = map
        .iter()
        .filter(|(_, s, _)| s == "locked")
        .map(|(id, _, _)| id.clone())
        .collect();
    assert_eq!(
        locked,
        owner_of.keys().cloned().collect::<HashSet<_>>(),
        "the seat map agrees too"
    );
}
