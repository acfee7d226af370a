//! Seats: one actor per showtime owns the seat state of that showtime in
//! memory, serializes every hold, release, sale and expiry, and answers only
//! after the change is durable in SQLite.
//!
//! - [`book`]: the state machine itself, plain data and methods (no I/O, no
//!   randomness); every change returns the [`book::Op`]s that make it durable.
//! - [`persist`]: applying those ops to SQLite and loading a showtime back.
//! - [`actor`]: the actix actor and its messages.
//! - [`registry`]: finds or starts the actor of a showtime.
//! - [`live`]: the public seat changes sent to live subscribers (SSE).

pub mod actor;
pub mod book;
pub mod live;
pub mod persist;
pub mod registry;
pub mod types;

pub use actor::ShowtimeActor;
pub use book::{SeatBook, SeatView};
pub use registry::{ActorRef, ShowtimeRegistry};
pub use types::*;
