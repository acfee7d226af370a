//! An online backup during a burst of holds: the copy passes SQLite's
//! integrity check and holds every booking acknowledged before it began.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use crate::helpers::Api;

#[actix_web::test]
async fn a_backup_taken_during_a_burst_of_holds_is_whole_and_holds_every_acknowledged_booking() {
    let api = Arc::new(Api::spawn().await);
    let showtimes = api.app.bookable_showtimes(4).await;
    let mut customers = Vec::new();
    for _ in 0..24 {
        customers.push(api.customer().await);
    }
    let before_backup = Arc::new(AtomicBool::new(true));
    // Holds keep coming while the backup runs; each remembers whether it was
    // acknowledged before the backup began.
    let burst = {
        let api = api.clone();
        let before_backup = before_backup.clone();
        async move {
            let mut acknowledged = Vec::new();
            for (n, customer) in customers.iter().enumerate() {
                let showtime = showtimes[n % showtimes.len()];
                let seat = format!("F{}", n / showtimes.len() + 1);
                let held = api.hold(customer, showtime, &[seat.as_str()]).await;
                let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
                acknowledged.push((booking, before_backup.load(Ordering::SeqCst)));
            }
            acknowledged
        }
    };
    let backup = {
        let api = api.clone();
        let before_backup = before_backup.clone();
        async move {
            // Some holds first, then the backup in the middle of the burst.
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            before_backup.store(false, Ordering::SeqCst);
            let settings = api.app.settings.clone();
            let file = api.app.db_path().with_file_name("during-the-burst.db");
            let copy = file.clone();
            let line = tokio::task::spawn_blocking(move || bioskop::cli::backup(&settings, &copy))
                .await
                .unwrap()
                .expect("the backup");
            (file, line)
        }
    };
    let (acknowledged, (file, line)) = tokio::join!(burst, backup);
    assert!(line.contains("integrity ok"), "{line}");
    let early: Vec<&String> = acknowledged
        .iter()
        .filter(|(_, before)| *before)
        .map(|(booking, _)| booking)
        .collect();
    assert!(
        !early.is_empty(),
        "some holds were acknowledged before the backup"
    );
    let copy = rusqlite::Connection::open(&file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for booking in early {
        let found: i64 = copy
            .query_row(
                "SELECT COUNT(*) FROM bookings WHERE id = ?1",
                [booking],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            found, 1,
            "booking {booking} was acknowledged before the backup began"
        );
    }
}
