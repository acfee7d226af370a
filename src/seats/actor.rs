//! The showtime actor: the single owner of one showtime's seats. Messages
//! are handled one at a time, so two customers can never take the same seat;
//! each change is handed to the store's writer before the next message is
//! handled and answered only once committed, so the actor never blocks on
//! SQLite and an acknowledged change survives a crash.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use actix::prelude::*;
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};

use super::{
    book::{
        BlockedSeats, BookingState, Cancellation, DurableState, Expired, Fresh, MoveChoice, MoveIn,
        OfferWindows, Op, PaymentRequest, PaymentResult, PaymentStarted, Reschedule, Rules,
        SeatBook, Settlement,
    },
    live::{Live, Subscription},
    persist::{self, LayoutCache},
    types::*,
};
use crate::{
    clock::{SharedClock, to_millis},
    error::{AppError, AppResult},
    ids::{RefundId, TicketId},
    store::{Lane, Store},
};

/// Room for a flash sale's burst of requests before senders wait.
const MAILBOX_CAPACITY: usize = 32_768;

pub struct ShowtimeActor {
    book: SeatBook,
    store: Store,
    layouts: Arc<LayoutCache>,
    clock: SharedClock,
    live: Live,
    /// Wakes the actor when the next hold lapses, so live subscribers see
    /// the seat become available at its deadline, not at the next sweep.
    lapse_timer: Option<SpawnHandle>,
    /// Changes handed to the writer and not yet answered. Forgetting ended
    /// bookings and stopping wait for none: memory may drop only what the
    /// database already has.
    pending_writes: Arc<AtomicUsize>,
}

impl ShowtimeActor {
    pub fn new(
        book: SeatBook,
        store: Store,
        layouts: Arc<LayoutCache>,
        clock: SharedClock,
    ) -> ShowtimeActor {
        let first_event_id = u64::try_from(clock.now().timestamp_micros()).unwrap_or(0);
        ShowtimeActor {
            book,
            store,
            layouts,
            clock,
            live: Live::new(first_event_id),
            lapse_timer: None,
            pending_writes: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Hands `ops` to the writer, counted in `pending_writes` until answered.
    fn write(
        &self,
        lane: Lane,
        ops: Vec<Op>,
    ) -> impl std::future::Future<Output = AppResult<()>> + 'static {
        let pending = self.pending_writes.clone();
        pending.fetch_add(1, Ordering::AcqRel);
        let write = self
            .store
            .write_in(lane, move |conn| persist::apply(conn, &ops));
        async move {
            let written = write.await;
            pending.fetch_sub(1, Ordering::AcqRel);
            written
        }
    }

    /// Tells live subscribers what changed, and wakes up for the next lapse.
    fn publish(&mut self, ctx: &mut Context<Self>) {
        self.live.publish(&self.book, to_millis(self.clock.now()));
        self.arm_lapse_timer(ctx);
    }

    /// While someone watches, wake up when the next hold lapses.
    fn arm_lapse_timer(&mut self, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        if let Some(timer) = self.lapse_timer.take() {
            ctx.cancel_future(timer);
        }
        let next = self.book.next_lapse();
        if self.live.has_subscribers() && next < i64::MAX {
            let wait = u64::try_from(next.saturating_sub(to_millis(now))).unwrap_or(0);
            // The hold is expired (and recorded, as the sweep would) when the
            // timer fires, so the next deadline is always a later one.
            self.lapse_timer = Some(ctx.run_later(
                std::time::Duration::from_millis(wait.saturating_add(1)),
                |actor, ctx| {
                    actor.lapse_timer = None;
                    ctx.notify(ExpireHolds {
                        now: actor.clock.now(),
                    });
                },
            ));
        }
    }

    /// Applies one change to the book and persists what it did before
    /// answering: the shape of every message that changes seats.
    fn change<T: 'static>(
        &mut self,
        ctx: &mut Context<Self>,
        apply: impl FnOnce(&mut SeatBook, &mut Vec<Op>) -> AppResult<T>,
    ) -> ResponseFuture<AppResult<T>> {
        if self.book.is_deleted() {
            // Deleted by an admin; the registry forgets this actor.
            return Box::pin(async { Err(AppError::NotFound("showtime")) });
        }
        let mut ops = Vec::new();
        let result = apply(&mut self.book, &mut ops);
        self.persist(ops, result, ctx)
    }

    /// Persists `ops`, then answers `result`. If the write fails, memory may
    /// be ahead of the database: the actor reloads itself before handling
    /// anything else, and the caller gets the storage error.
    fn persist<T: 'static>(
        &mut self,
        ops: Vec<Op>,
        result: AppResult<T>,
        ctx: &mut Context<Self>,
    ) -> ResponseFuture<AppResult<T>> {
        self.persist_in(Lane::Interactive, ops, result, ctx)
    }

    fn persist_in<T: 'static>(
        &mut self,
        lane: Lane,
        ops: Vec<Op>,
        result: AppResult<T>,
        ctx: &mut Context<Self>,
    ) -> ResponseFuture<AppResult<T>> {
        self.publish(ctx);
        if ops.is_empty() {
            return Box::pin(async move { result });
        }
        let write = self.write(lane, ops);
        let me = ctx.address();
        Box::pin(async move {
            match write.await {
                Ok(()) => result,
                Err(error) => {
                    if matches!(
                        error,
                        AppError::ShowtimeOverlap { .. } | AppError::Conflict { .. }
                    ) {
                        // A write that refused by rule (a move onto another
                        // showtime), not a failure.
                        tracing::info!(%error, "a showtime change was refused; reloading the showtime");
                    } else {
                        tracing::error!(%error, "a seat change was not persisted; reloading the showtime");
                    }
                    me.do_send(Reload);
                    Err(error)
                }
            }
        })
    }
}

impl ShowtimeActor {
    /// Like [`ShowtimeActor::change`], but no other message is handled until
    /// the write answers, and a refused write reloads memory before the next
    /// one: for changes the write itself may refuse by rule (a move onto
    /// another showtime). Otherwise a hold handled while the move's write is
    /// pending would lock a seat at a price the refused write rolls back.
    fn change_waiting<T: 'static>(
        &mut self,
        ctx: &mut Context<Self>,
        apply: impl FnOnce(&mut SeatBook, &mut Vec<Op>) -> AppResult<T>,
    ) -> AtomicResponse<Self, AppResult<T>> {
        if self.book.is_deleted() {
            return AtomicResponse::new(Box::pin(fut::ready(Err(AppError::NotFound("showtime")))));
        }
        let mut ops = Vec::new();
        let result = apply(&mut self.book, &mut ops);
        self.publish(ctx);
        if ops.is_empty() {
            return AtomicResponse::new(Box::pin(fut::ready(result)));
        }
        let write = self.write(Lane::Interactive, ops);
        AtomicResponse::new(Box::pin(write.into_actor(self).then(
            move |written, actor, _| match written {
                Ok(()) => Box::pin(fut::ready(result)) as ResponseActFuture<Self, AppResult<T>>,
                Err(error) => {
                    tracing::info!(%error, "a showtime change was refused; reloading the showtime");
                    Box::pin(actor.reload().map(move |(), _, _| Err(error)))
                }
            },
        )))
    }

    /// Replaces memory with what the database holds.
    fn reload(&self) -> impl ActorFuture<Self, Output = ()> + 'static {
        let store = self.store.clone();
        let showtime_id = self.book.showtime_id();
        let rules: Rules = self.book.rules().clone();
        let layouts = self.layouts.clone();
        let now = to_millis(self.clock.now());
        let load = async move {
            store
                .read(move |conn| persist::load(conn, showtime_id, rules, &layouts, now))
                .await
        };
        load.into_actor(self).map(|loaded, actor, ctx| match loaded {
            Ok(Some(mut book)) => {
                book.continue_versions_from(&actor.book);
                actor.book = book;
                actor.live.forget_public_map();
                actor.publish(ctx);
            }
            Ok(None) => ctx.stop(),
            Err(error) => {
                tracing::error!(%error, showtime_id = %actor.book.showtime_id(), "reload failed; retrying");
                ctx.notify_later(Reload, std::time::Duration::from_secs(1));
            }
        })
    }
}

/// What a message is about, to bring an ended booking back from the
/// database when memory forgot it (see [`super::book::ENDED_KEPT_MS`]).
enum About {
    Booking(BookingId),
    Payment(PaymentId),
}

impl ShowtimeActor {
    /// Handles a message about one booking with that booking in memory: if it
    /// was forgotten, it is read back first, and no other message is handled
    /// meanwhile (two late results of one payment must not both read the
    /// database's older state). The usual case costs nothing: the booking
    /// is there and the message is handled at once.
    fn recalling<T: 'static>(
        &mut self,
        ctx: &mut Context<Self>,
        about: About,
        handle: impl FnOnce(&mut Self, &mut Context<Self>) -> ResponseFuture<AppResult<T>> + 'static,
    ) -> ResponseFuture<AppResult<T>> {
        let remembered = match &about {
            About::Booking(id) => self.book.remembers_booking(id),
            About::Payment(id) => self.book.remembers_payment(id),
        };
        if remembered || self.book.is_deleted() {
            return handle(self, ctx);
        }
        let store = self.store.clone();
        let showtime_id = self.book.showtime_id();
        let layout = self.book.layout().clone();
        let read = async move {
            store
                .read(move |conn| {
                    let (booking, payment) = match &about {
                        About::Booking(id) => (Some(id.as_str()), None),
                        About::Payment(id) => (None, Some(id.as_str())),
                    };
                    persist::recall(conn, showtime_id, booking, payment, &layout)
                })
                .await
        };
        let (answer_tx, answer_rx) = tokio::sync::oneshot::channel();
        ctx.wait(read.into_actor(self).map(move |read, actor, ctx| {
            let answer = match read {
                Ok(found) => {
                    if let Some(recalled) = found {
                        actor.book.recall(recalled);
                    }
                    handle(actor, ctx)
                }
                Err(error) => Box::pin(async move { Err(error) }) as ResponseFuture<AppResult<T>>,
            };
            // The caller may have gone: the change, if any, is made anyway.
            let _ = answer_tx.send(answer);
        }));
        Box::pin(async move {
            match answer_rx.await {
                Ok(answer) => answer.await,
                Err(_) => Err(AppError::Internal("the showtime actor stopped".into())),
            }
        })
    }
}

impl Actor for ShowtimeActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX_CAPACITY);
    }
}

/// Lock seats for a new booking, all or none.
#[derive(Message)]
#[rtype(result = "AppResult<BookingState>")]
pub struct HoldSeats {
    pub user: UserId,
    /// An admin at the box office (may hold a wheelchair space alone).
    pub box_office: bool,
    pub seats: Vec<String>,
    pub now: DateTime<Utc>,
}

impl Handler<HoldSeats> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BookingState>>;

    fn handle(&mut self, msg: HoldSeats, ctx: &mut Context<Self>) -> Self::Result {
        let booking_id = BookingId::random();
        self.change(ctx, |book, ops| {
            let now = to_millis(msg.now);
            book.hold(msg.user, msg.box_office, booking_id, &msg.seats, now, ops)
        })
    }
}

/// Hold the best `count` adjacent seats for a new booking (DESIGN 4c).
#[derive(Message)]
#[rtype(result = "AppResult<BookingState>")]
pub struct HoldBestSeats {
    pub user: UserId,
    pub count: usize,
    /// Only seats of this class (`couple`: a couple seat counts as one).
    pub class: Option<String>,
    pub now: DateTime<Utc>,
}

impl Handler<HoldBestSeats> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BookingState>>;

    fn handle(&mut self, msg: HoldBestSeats, ctx: &mut Context<Self>) -> Self::Result {
        let booking_id = BookingId::random();
        self.change(ctx, |book, ops| {
            let class = msg.class.as_deref();
            book.hold_best(
                msg.user,
                booking_id,
                msg.count,
                class,
                to_millis(msg.now),
                ops,
            )
        })
    }
}

/// Whether a one-seat change adds the seat to a held booking or takes it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatEdit {
    Add,
    Remove,
}

/// Add one seat to a held booking, or take one out of it.
#[derive(Message)]
#[rtype(result = "AppResult<BookingState>")]
pub struct EditSeat {
    pub user: UserId,
    /// An admin at the box office (a wheelchair space may stay alone).
    pub box_office: bool,
    pub booking_id: BookingId,
    pub seat: String,
    pub edit: SeatEdit,
    pub now: DateTime<Utc>,
}

impl Handler<EditSeat> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BookingState>>;

    fn handle(&mut self, msg: EditSeat, ctx: &mut Context<Self>) -> Self::Result {
        let about = About::Booking(msg.booking_id.clone());
        self.recalling(ctx, about, move |actor, ctx| {
            actor.change(ctx, |book, ops| {
                let (user, booking, seat, now) =
                    (msg.user, &msg.booking_id, &msg.seat, to_millis(msg.now));
                let box_office = msg.box_office;
                match msg.edit {
                    SeatEdit::Add => book.add_seat(user, box_office, booking, seat, now, ops),
                    SeatEdit::Remove => book.remove_seat(user, box_office, booking, seat, now, ops),
                }
            })
        })
    }
}

/// Give up an open booking (its seats become available).
#[derive(Message)]
#[rtype(result = "AppResult<BookingState>")]
pub struct ReleaseBooking {
    pub user: UserId,
    pub booking_id: BookingId,
    pub now: DateTime<Utc>,
}

impl Handler<ReleaseBooking> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BookingState>>;

    fn handle(&mut self, msg: ReleaseBooking, ctx: &mut Context<Self>) -> Self::Result {
        let about = About::Booking(msg.booking_id.clone());
        self.recalling(ctx, about, move |actor, ctx| {
            actor.change(ctx, |book, ops| {
                book.release(msg.user, &msg.booking_id, to_millis(msg.now), ops)
            })
        })
    }
}

/// Freeze a held booking for payment and record the pending payment.
#[derive(Message)]
#[rtype(result = "AppResult<PaymentStarted>")]
pub struct StartPayment {
    pub user: UserId,
    pub booking_id: BookingId,
    pub provider: String,
    pub now: DateTime<Utc>,
}

impl Handler<StartPayment> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<PaymentStarted>>;

    fn handle(&mut self, msg: StartPayment, ctx: &mut Context<Self>) -> Self::Result {
        let request = PaymentRequest {
            payment_id: PaymentId::random(),
            provider: msg.provider,
        };
        let about = About::Booking(msg.booking_id.clone());
        self.recalling(ctx, about, move |actor, ctx| {
            actor.change(ctx, |book, ops| {
                book.start_payment(msg.user, &msg.booking_id, request, to_millis(msg.now), ops)
            })
        })
    }
}

/// A payment result from the gateway; idempotent.
#[derive(Message)]
#[rtype(result = "AppResult<Settlement>")]
pub struct SettlePayment {
    pub payment_id: PaymentId,
    pub result: PaymentResult,
    pub now: DateTime<Utc>,
}

impl Handler<SettlePayment> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<Settlement>>;

    fn handle(&mut self, msg: SettlePayment, ctx: &mut Context<Self>) -> Self::Result {
        // A late result may be about a booking that ended long ago.
        let about = About::Payment(msg.payment_id.clone());
        self.recalling(ctx, about, move |actor, ctx| {
            actor.change(ctx, |book, ops| {
                let now = to_millis(msg.now);
                book.settle_payment(&msg.payment_id, msg.result, now, &mut RandomIds, ops)
            })
        })
    }
}

/// The gateway could not open a payment (down, or no answer in time): the
/// booking is held again, as it was, so its owner can try once more.
/// Answers whether it was reopened.
#[derive(Message)]
#[rtype(result = "AppResult<bool>")]
pub struct ReopenHold {
    pub payment_id: PaymentId,
    pub now: DateTime<Utc>,
}

impl Handler<ReopenHold> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<bool>>;

    fn handle(&mut self, msg: ReopenHold, ctx: &mut Context<Self>) -> Self::Result {
        let about = About::Payment(msg.payment_id.clone());
        self.recalling(ctx, about, move |actor, ctx| {
            actor.change(ctx, |book, ops| {
                Ok(book.reopen_hold(&msg.payment_id, to_millis(msg.now), ops))
            })
        })
    }
}

/// Release every hold whose deadline is at or before `now`; answers what it released.
#[derive(Message)]
#[rtype(result = "AppResult<Expired>")]
pub struct ExpireHolds {
    pub now: DateTime<Utc>,
}

impl Handler<ExpireHolds> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<Expired>>;

    fn handle(&mut self, msg: ExpireHolds, ctx: &mut Context<Self>) -> Self::Result {
        let now = to_millis(msg.now);
        if self.pending_writes.load(Ordering::Acquire) == 0 {
            // Once a minute (the sweep), with the database up to date.
            self.book.forget_ended(now);
        }
        let mut ops = Vec::new();
        let expired = self.book.expire_due(now, &mut ops);
        // Bulk expiry yields to customers' writes (see `store::Lane`). Later
        // writes of this showtime may overtake it: it is idempotent cleanup,
        // and writes that take a seat accept a lock that ran out.
        self.persist_in(Lane::Background, ops, Ok(expired), ctx)
    }
}

/// A customer of a cancelled showtime moves here (DESIGN 4c): the seats
/// are sold for what they paid and the refund withdrawn, all or nothing.
#[derive(Message)]
#[rtype(result = "AppResult<BookingState>")]
pub struct MoveIntoShowtime {
    pub request: MoveIn,
    pub now: DateTime<Utc>,
}

impl Handler<MoveIntoShowtime> for ShowtimeActor {
    type Result = AtomicResponse<Self, AppResult<BookingState>>;

    /// Waits for its write before the next message: the write may refuse
    /// (the offer is no longer decided for this move), and until memory is
    /// reloaded it would answer a repeated move "done" and keep its seats
    /// from others.
    fn handle(&mut self, msg: MoveIntoShowtime, ctx: &mut Context<Self>) -> Self::Result {
        self.change_waiting(ctx, |book, ops| {
            book.move_in(msg.request, to_millis(msg.now), &mut RandomIds, ops)
        })
    }
}

/// What this showtime can offer a customer who paid for `paid` (class,
/// price) in a cancelled one; `None` when it is cancelled or started.
#[derive(Message)]
#[rtype(result = "AppResult<Option<MoveChoice>>")]
pub struct OfferMove {
    pub paid: Vec<(String, i64)>,
    pub now: DateTime<Utc>,
}

impl Handler<OfferMove> for ShowtimeActor {
    type Result = AppResult<Option<MoveChoice>>;

    /// Read only: nothing is written or published for a customer looking.
    fn handle(&mut self, msg: OfferMove, _ctx: &mut Context<Self>) -> Self::Result {
        if self.book.is_deleted() {
            return Ok(None);
        }
        Ok(self.book.move_choice(&msg.paid, to_millis(msg.now)))
    }
}

/// A booking of this cancelled showtime moved to another one; the target's
/// write already recorded it, memory follows.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BookingMovedOut {
    pub booking_id: BookingId,
}

impl Handler<BookingMovedOut> for ShowtimeActor {
    type Result = ();

    fn handle(&mut self, msg: BookingMovedOut, _ctx: &mut Context<Self>) {
        self.book.moved_out(&msg.booking_id);
    }
}

/// The cinema cancels the showtime (idempotent).
#[derive(Message)]
#[rtype(result = "AppResult<Cancellation>")]
pub struct CancelShowtime {
    pub reason: String,
    /// Offer each paying customer a move or the refund, instead of
    /// refunding at once (DESIGN 4c).
    pub offer: Option<OfferWindows>,
    /// The admin who cancels, for the audit trail.
    pub by: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<CancelShowtime> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<Cancellation>>;

    fn handle(&mut self, msg: CancelShowtime, ctx: &mut Context<Self>) -> Self::Result {
        self.change(ctx, |book, ops| {
            let now = to_millis(msg.now);
            let done = book.cancel(&msg.reason, msg.offer, now, &mut RandomIds, ops);
            let target = format!("showtime:{}", book.showtime_id());
            let entry = crate::audit::Entry::new(msg.by, "showtime.cancel", target)
                .after(serde_json::json!({
                    "status": "cancelled",
                    "reason": msg.reason,
                    "bookings_voided": done.bookings_voided,
                    "tickets_refunded": done.tickets_refunded,
                    "refunds_queued": done.refunds_queued,
                    "offers_made": done.offers_made,
                }))
                .changed(!done.already_cancelled);
            ops.push(Op::Audit { entry, now });
            Ok(done)
        })
    }
}

/// An admin takes seats off sale, all or none (blocking a blocked seat again
/// changes nothing, and the audit row says so).
#[derive(Message)]
#[rtype(result = "AppResult<BlockedSeats>")]
pub struct BlockSeats {
    pub seats: Vec<String>,
    pub reason: String,
    /// The admin, for the audit trail.
    pub by: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<BlockSeats> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BlockedSeats>>;

    fn handle(&mut self, msg: BlockSeats, ctx: &mut Context<Self>) -> Self::Result {
        self.change(ctx, |book, ops| {
            let now = to_millis(msg.now);
            let before = book.blocked_ids();
            let done = book.block(&msg.seats, &msg.reason, msg.by, now, ops)?;
            let target = format!("showtime:{}", book.showtime_id());
            let entry = crate::audit::Entry::new(msg.by, "seats.block", target)
                .before(serde_json::json!({ "blocked": before }))
                .after(serde_json::json!({
                    "seats": msg.seats,
                    "reason": msg.reason,
                    "blocked": done.blocked,
                }))
                .changed(done.changed);
            ops.push(Op::Audit { entry, now });
            Ok(done)
        })
    }
}

/// An admin puts one blocked seat back on sale (a seat that was not blocked:
/// nothing changes, and the audit row says so).
#[derive(Message)]
#[rtype(result = "AppResult<BlockedSeats>")]
pub struct UnblockSeat {
    pub seat: String,
    /// The admin, for the audit trail.
    pub by: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<UnblockSeat> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<BlockedSeats>>;

    fn handle(&mut self, msg: UnblockSeat, ctx: &mut Context<Self>) -> Self::Result {
        self.change(ctx, |book, ops| {
            let now = to_millis(msg.now);
            let before = book.blocked_ids();
            let done = book.unblock(&msg.seat, now, ops)?;
            let target = format!("showtime:{}", book.showtime_id());
            let entry = crate::audit::Entry::new(msg.by, "seats.unblock", target)
                .before(serde_json::json!({ "blocked": before }))
                .after(serde_json::json!({
                    "seat": msg.seat,
                    "blocked": done.blocked,
                }))
                .changed(done.changed);
            ops.push(Op::Audit { entry, now });
            Ok(done)
        })
    }
}

/// An admin changes the showtime's prices and/or moves it, all or none (see
/// [`SeatBook::reschedule`]); recorded as `showtime.update`.
#[derive(Message)]
#[rtype(result = "AppResult<()>")]
pub struct EditShowtime {
    pub edit: Reschedule,
    /// The cinema's zone, for the times of the audit row.
    pub timezone: chrono_tz::Tz,
    /// The admin, for the audit trail.
    pub by: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<EditShowtime> for ShowtimeActor {
    type Result = AtomicResponse<Self, AppResult<()>>;

    fn handle(&mut self, msg: EditShowtime, ctx: &mut Context<Self>) -> Self::Result {
        // The move's collision check is in its write: wait for it.
        self.change_waiting(ctx, |book, ops| {
            let now = to_millis(msg.now);
            let before = book.schedule(msg.timezone);
            book.reschedule(&msg.edit, now, ops)?;
            let after = book.schedule(msg.timezone);
            let target = format!("showtime:{}", book.showtime_id());
            let entry = crate::audit::Entry::new(msg.by, "showtime.update", target)
                .before(json_of(&before)?)
                .after(json_of(&after)?)
                .changed(before != after);
            ops.push(Op::Audit { entry, now });
            Ok(())
        })
    }
}

/// An admin deletes a showtime nobody ever booked (see [`SeatBook::delete`]);
/// recorded as `showtime.delete`. From then on the actor answers 404.
#[derive(Message)]
#[rtype(result = "AppResult<()>")]
pub struct DeleteShowtime {
    /// The cinema's zone, for the times of the audit row.
    pub timezone: chrono_tz::Tz,
    /// The admin, for the audit trail.
    pub by: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<DeleteShowtime> for ShowtimeActor {
    type Result = ResponseFuture<AppResult<()>>;

    fn handle(&mut self, msg: DeleteShowtime, ctx: &mut Context<Self>) -> Self::Result {
        self.change(ctx, |book, ops| {
            let now = to_millis(msg.now);
            let before = book.schedule(msg.timezone);
            book.delete(ops)?;
            let target = format!("showtime:{}", book.showtime_id());
            let entry = crate::audit::Entry::new(msg.by, "showtime.delete", target)
                .before(json_of(&before)?)
                .after(serde_json::json!({ "deleted": true }));
            ops.push(Op::Audit { entry, now });
            Ok(())
        })
    }
}

fn json_of<T: serde::Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// The live seat map as a JSON document (see [`SeatMapDoc`]).
#[derive(Message)]
#[rtype(result = "Bytes")]
pub struct GetSeatMap {
    pub viewer: Option<UserId>,
    pub now: DateTime<Utc>,
}

impl Handler<GetSeatMap> for ShowtimeActor {
    type Result = MessageResult<GetSeatMap>;

    fn handle(&mut self, msg: GetSeatMap, _: &mut Context<Self>) -> Self::Result {
        let now = to_millis(msg.now);
        // Only a viewer with an open booking here has seats marked `mine`.
        let Some(personal) = msg.viewer.filter(|user| self.book.has_open_booking(*user)) else {
            return MessageResult(self.live.public_map(&self.book, now));
        };
        let body = match serde_json::to_vec(&self.book.seat_map_doc(Some(personal), now)) {
            Ok(body) => Bytes::from(body),
            Err(error) => {
                // Plain data always serializes; if it ever does not, say so
                // and serve an empty map rather than nothing at all.
                tracing::error!(%error, showtime_id = %self.book.showtime_id(), "seat map not serialized");
                return MessageResult(Bytes::from_static(b"{}"));
            }
        };
        MessageResult(body)
    }
}

/// Follow the seat map live (Server-Sent Events); see [`super::live`].
#[derive(Message)]
#[rtype(result = "Subscription")]
pub struct Subscribe {
    pub last_event_id: Option<u64>,
}

impl Handler<Subscribe> for ShowtimeActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, ctx: &mut Context<Self>) -> Self::Result {
        let now = to_millis(self.clock.now());
        // Subscribing publishes what was pending to the others first.
        let subscription = self.live.subscribe(&self.book, msg.last_event_id, now);
        self.arm_lapse_timer(ctx);
        MessageResult(subscription)
    }
}

/// How many follow the seat map live.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountSubscribers;

impl Handler<CountSubscribers> for ShowtimeActor {
    type Result = MessageResult<CountSubscribers>;

    fn handle(&mut self, _: CountSubscribers, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.live.subscribers())
    }
}

/// How many bookings and payments the actor keeps in memory.
#[derive(Message)]
#[rtype(result = "(usize, usize)")]
pub struct CountRemembered;

impl Handler<CountRemembered> for ShowtimeActor {
    type Result = MessageResult<CountRemembered>;

    fn handle(&mut self, _: CountRemembered, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.book.remembered())
    }
}

/// Everything that must survive a restart, as it belongs in memory at
/// `now`; tests compare it with the database.
#[derive(Message)]
#[rtype(result = "DurableState")]
pub struct GetDurableState {
    pub now: DateTime<Utc>,
}

impl Handler<GetDurableState> for ShowtimeActor {
    type Result = MessageResult<GetDurableState>;

    fn handle(&mut self, msg: GetDurableState, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.book.durable_state(to_millis(msg.now)))
    }
}

/// Stop if idle, and give the memory back: nothing held or being paid (and
/// no released seat still cooling down), no live subscriber, no write on its way, and either no request for
/// `idle_after` or the showtime over (or deleted). `leave` takes the actor
/// out of the registry, and refuses when a request has just reached for it;
/// the next request loads the showtime afresh. Answers whether it stopped.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct StopIfIdle {
    pub now: DateTime<Utc>,
    /// When a request last reached for this actor (milliseconds).
    pub last_used: i64,
    pub idle_after_ms: i64,
    pub leave: Box<dyn FnOnce() -> bool + Send>,
}

impl Handler<StopIfIdle> for ShowtimeActor {
    type Result = bool;

    fn handle(&mut self, msg: StopIfIdle, ctx: &mut Context<Self>) -> bool {
        let now = to_millis(msg.now);
        self.live.prune();
        let quiet = now.saturating_sub(msg.last_used) >= msg.idle_after_ms
            || now >= self.book.ends_at()
            || self.book.is_deleted();
        let idle = quiet
            && !self.book.is_busy(now)
            && !self.live.has_subscribers()
            && self.pending_writes.load(Ordering::Acquire) == 0;
        if idle && (msg.leave)() {
            ctx.stop();
            return true;
        }
        false
    }
}

/// Replace memory with what the database holds; sent after a failed write.
#[derive(Message)]
#[rtype(result = "()")]
struct Reload;

impl Handler<Reload> for ShowtimeActor {
    type Result = ();

    fn handle(&mut self, _: Reload, ctx: &mut Context<Self>) {
        // `wait` holds back every other message until memory is trustworthy again.
        ctx.wait(self.reload());
    }
}

/// The ids and codes of a change, drawn at random: ticket and refund ids are
/// UUIDs, and a check-in code is 128 random bits so it cannot be guessed.
struct RandomIds;

impl Fresh for RandomIds {
    fn ticket_id(&mut self) -> TicketId {
        TicketId::random()
    }

    fn checkin_code(&mut self) -> String {
        use rand::RngExt;
        hex::encode(rand::rng().random::<[u8; 16]>())
    }

    fn refund_id(&mut self) -> RefundId {
        RefundId::random()
    }
}

impl From<actix::MailboxError> for AppError {
    fn from(error: actix::MailboxError) -> AppError {
        AppError::Internal(format!("the showtime actor is gone: {error}"))
    }
}
