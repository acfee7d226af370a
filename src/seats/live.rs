//! Live seat changes for Server-Sent Events subscribers, kept by the showtime
//! actor. After each message the actor compares what the public seat map
//! shows with what it last published and sends the difference to every
//! subscriber as one event. Events carry an increasing id (started from the
//! actor's start time in microseconds, so ids of a restarted server are
//! larger than any before); the last events are kept so a client that
//! reconnects with `Last-Event-ID` gets exactly what it missed, or a fresh
//! snapshot when they are gone.
//!
//! A subscriber never slows the actor: its buffer is bounded, a send never
//! waits, and a subscriber whose buffer is full is dropped and told (by its
//! HTTP stream) to resync. `mine` is never in an event: every subscriber sees
//! the anonymous map.

use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use actix_web::web::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

use super::{
    book::SeatBook,
    types::{SeatStatus, ShowtimeId, ShowtimeStatus},
};

/// Frames buffered per subscriber before it counts as too slow.
pub const SUBSCRIBER_BUFFER: usize = 256;
/// Events kept for reconnecting clients.
const KEPT_EVENTS: usize = 1024;

/// What a new subscriber gets: frames to send first, then the live ones.
pub struct Subscription {
    pub initial: Vec<Bytes>,
    pub events: mpsc::Receiver<Bytes>,
    /// Set when the subscriber fell behind and was dropped: it must resync.
    pub overflowed: Arc<AtomicBool>,
}

struct Subscriber {
    frames: mpsc::Sender<Bytes>,
    overflowed: Arc<AtomicBool>,
}

/// One seat's public state: status, and the deadline of a lock.
type Public = (SeatStatus, i64);

#[derive(Serialize)]
struct Change<'a> {
    seat: &'a str,
    status: SeatStatus,
    /// locked, released, expired, sold, refunded, blocked or unblocked.
    reason: &'static str,
}

#[derive(Serialize)]
struct SeatsEvent<'a> {
    showtime_id: ShowtimeId,
    version: u64,
    showtime_status: ShowtimeStatus,
    changes: Vec<Change<'a>>,
}

pub struct Live {
    subscribers: Vec<Subscriber>,
    /// The public map as last published; None while nobody listens (then
    /// nothing is tracked, and reconnecting clients get a snapshot).
    baseline: Option<Vec<Public>>,
    cancelled: bool,
    last_id: u64,
    seen_version: u64,
    /// The last events; every visible change after `kept_from` is in here.
    kept: VecDeque<(u64, Bytes)>,
    kept_from: u64,
    /// The anonymous seat map as JSON, for `GET /seats` and snapshots alike.
    public_map: Option<PublicMap>,
    /// The last snapshot sent: a crowd of new subscribers (a flash sale's
    /// first second) costs one serialized map, not one each.
    snapshot: Option<CachedSnapshot>,
}

/// The anonymous seat map, serialized once per change: in a flash sale most
/// requests, and every new subscriber's snapshot, are reads of the same map.
/// Good while the book's version stays and no hold lapses (a lapse changes
/// the map without a version).
struct PublicMap {
    version: u64,
    valid_until: i64,
    json: Bytes,
}

/// A snapshot frame: the public map's JSON it was framed from, under an id.
struct CachedSnapshot {
    event_id: u64,
    json: Bytes,
    frame: Bytes,
}

impl Live {
    pub fn new(first_id: u64) -> Live {
        Live {
            subscribers: Vec::new(),
            baseline: None,
            cancelled: false,
            last_id: first_id,
            seen_version: 0,
            kept: VecDeque::new(),
            kept_from: first_id,
            public_map: None,
            snapshot: None,
        }
    }

    pub fn has_subscribers(&self) -> bool {
        !self.subscribers.is_empty()
    }

    pub fn subscribers(&self) -> usize {
        self.subscribers.len()
    }

    /// Forgets subscribers that went away, without publishing anything.
    pub fn prune(&mut self) {
        self.subscribers
            .retain(|subscriber| !subscriber.frames.is_closed());
    }

    /// Adds a subscriber. With `last_event_id` it gets the events it missed
    /// (or a snapshot when they are no longer kept); without, a snapshot.
    pub fn subscribe(
        &mut self,
        book: &SeatBook,
        last_event_id: Option<u64>,
        now: i64,
    ) -> Subscription {
        self.publish(book, now);
        let tracked = self.baseline.is_some();
        if !tracked {
            self.baseline = Some(public(book, now));
            self.cancelled = book.is_cancelled();
            self.kept.clear();
            self.kept_from = self.last_id;
        }
        let initial = match last_event_id {
            Some(seen) if tracked && seen >= self.kept_from && seen <= self.last_id => self
                .kept
                .iter()
                .filter(|(id, _)| *id > seen)
                .map(|(_, frame)| frame.clone())
                .collect(),
            _ => vec![self.snapshot(book, now)],
        };
        let (frames, events) = mpsc::channel(SUBSCRIBER_BUFFER);
        let overflowed = Arc::new(AtomicBool::new(false));
        self.subscribers.push(Subscriber {
            frames,
            overflowed: overflowed.clone(),
        });
        Subscription {
            initial,
            events,
            overflowed,
        }
    }

    /// The anonymous seat map as JSON (nobody's seats marked `mine`).
    pub fn public_map(&mut self, book: &SeatBook, now: i64) -> Bytes {
        if let Some(cached) = &self.public_map
            && cached.version == book.version()
            && now < cached.valid_until
        {
            return cached.json.clone();
        }
        let json = Bytes::from(to_json(&book.seat_map_doc(None, now)));
        self.public_map = Some(PublicMap {
            version: book.version(),
            valid_until: book.next_lapse(),
            json: json.clone(),
        });
        json
    }

    /// Forgets the cached map: the book was replaced (reloaded), and its
    /// versions alone may not tell.
    pub fn forget_public_map(&mut self) {
        self.public_map = None;
        self.snapshot = None;
    }

    fn snapshot(&mut self, book: &SeatBook, now: i64) -> Bytes {
        let json = self.public_map(book, now);
        if let Some(cached) = &self.snapshot
            && cached.event_id == self.last_id
            // The same bytes: the map was not serialized again since (the
            // cached frame keeps them alive, so the address is not reused).
            && cached.json.as_ptr() == json.as_ptr()
        {
            return cached.frame.clone();
        }
        let frame = frame(
            self.last_id,
            "snapshot",
            std::str::from_utf8(&json).unwrap_or("{}"),
        );
        self.snapshot = Some(CachedSnapshot {
            event_id: self.last_id,
            json,
            frame: frame.clone(),
        });
        frame
    }

    /// Sends what changed on the public map since the last event.
    pub fn publish(&mut self, book: &SeatBook, now: i64) {
        // Clients that went away are forgotten even when nothing changes.
        self.prune();
        if self.subscribers.is_empty() {
            // Nobody listens: changes are not tracked, only counted, so a
            // client coming back with an old id is sent a snapshot.
            if book.version() != self.seen_version {
                self.seen_version = book.version();
                self.last_id += 1;
                self.baseline = None;
                self.kept.clear();
                self.kept_from = self.last_id;
            }
            return;
        }
        self.seen_version = book.version();
        let current = public(book, now);
        let Some(before) = self.baseline.replace(current.clone()) else {
            return;
        };
        let cancelled_now = book.is_cancelled() && !self.cancelled;
        self.cancelled = book.is_cancelled();
        let changes: Vec<Change<'_>> = before
            .iter()
            .zip(&current)
            .enumerate()
            .filter_map(|(i, (old, new))| {
                let reason = match (old.0, new.0) {
                    (a, b) if a == b => return None,
                    (_, SeatStatus::Blocked) => "blocked",
                    (SeatStatus::Blocked, _) => "unblocked",
                    (_, SeatStatus::Locked) => "locked",
                    (SeatStatus::Locked, SeatStatus::Available) if old.1 <= now => "expired",
                    (SeatStatus::Locked, SeatStatus::Available) => "released",
                    (_, SeatStatus::Sold) => "sold",
                    (SeatStatus::Sold, SeatStatus::Available) => "refunded",
                    _ => "changed",
                };
                Some(Change {
                    seat: book.layout().seat_id(i),
                    status: new.0,
                    reason,
                })
            })
            .collect();
        if changes.is_empty() && !cancelled_now {
            return;
        }
        self.last_id += 1;
        let event = SeatsEvent {
            showtime_id: book.showtime_id(),
            version: book.version(),
            showtime_status: book.showtime_status(),
            changes,
        };
        let name = if cancelled_now {
            "showtime_cancelled"
        } else {
            "seats"
        };
        let frame = frame(self.last_id, name, &to_json(&event));
        self.kept.push_back((self.last_id, frame.clone()));
        if self.kept.len() > KEPT_EVENTS
            && let Some((id, _)) = self.kept.pop_front()
        {
            self.kept_from = id;
        }
        self.subscribers.retain(
            |subscriber| match subscriber.frames.try_send(frame.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    subscriber.overflowed.store(true, Ordering::Release);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            },
        );
    }
}

fn public(book: &SeatBook, now: i64) -> Vec<Public> {
    book.seat_states()
        .iter()
        .map(|state| state.public_at(now))
        .collect()
}

/// An event's data. Plain data always serializes; if it ever does not, the
/// error is logged and the client gets an empty object, not a broken frame.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        tracing::error!(%error, "a live seat event was not serialized");
        "{}".into()
    })
}

/// One SSE frame.
pub fn frame(id: u64, event: &str, data: &str) -> Bytes {
    Bytes::from(format!("id: {id}\nevent: {event}\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::{
        book::fixtures::{self, MINUTE},
        types::UserId,
    };

    fn book() -> SeatBook {
        fixtures::book(&["RRR"], fixtures::rules(3))
    }

    fn locked_in(frame: &Bytes) -> usize {
        String::from_utf8_lossy(frame).matches("\"locked\"").count()
    }

    #[test]
    fn new_subscribers_share_one_snapshot_until_the_map_changes_or_a_hold_lapses() {
        let mut book = book();
        let mut live = Live::new(1);
        let first = live.subscribe(&book, None, 0).initial;
        let second = live.subscribe(&book, None, 0).initial;
        // The same bytes, not a second serialization.
        assert_eq!(first[0].as_ptr(), second[0].as_ptr());

        let mut ops = Vec::new();
        book.hold(
            UserId(1),
            false,
            "b1".into(),
            &["A1".to_string()],
            0,
            &mut ops,
        )
        .expect("hold");
        live.publish(&book, 0);
        let held = live.subscribe(&book, None, 0).initial;
        assert_eq!(locked_in(&held[0]), 1, "the change is in the next snapshot");

        // At the hold's deadline the map changes without a new version.
        let lapsed = live.subscribe(&book, None, 10 * MINUTE).initial;
        assert_eq!(locked_in(&lapsed[0]), 0);
    }
}
