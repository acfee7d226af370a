//! Payments: the gateway a booking is paid through, and the settlement of
//! its results. Results reach the showtime actor that owns the seats, which
//! makes them idempotent and safe when late, duplicated or out of order.
//!
//! Two providers: the built-in `sandbox` gateway is a product feature (a
//! checkout page where the payer presses pay or fail, for demos, staging and
//! tests; its notifications are signed with HMAC-SHA256 over the raw body),
//! and [`midtrans`] takes real money through Midtrans Snap.

pub mod gateway;
pub mod midtrans;
pub mod router;
pub mod sandbox;

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    catalog::Locale,
    clock::{SharedClock, millis, rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, ShowtimeId, UserId},
    notify::Notifier,
    refunds::Refunds,
    seats::{
        ShowtimeRegistry,
        actor::{ReopenHold, SettlePayment},
        book::{PaymentResult, PaymentStarted, Settlement},
    },
    status::PaymentStatus,
    store::Store,
};
use midtrans::{
    MidtransClient, Verdict,
    client::{
        Callbacks, CustomerDetails, Expiry, ItemDetail, SnapError, SnapRequest, TransactionDetails,
    },
    reconcile::Reconciler,
};

/// What became of a payment result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SettlementView {
    pub payment_id: PaymentId,
    pub booking_id: BookingId,
    #[serde(flatten)]
    pub settlement: Settlement,
}

/// What the sandbox checkout page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckoutPage {
    pub payment_id: PaymentId,
    pub status: PaymentStatus,
    pub amount: i64,
    pub currency: String,
    pub expires_at: String,
    pub booking_id: BookingId,
    pub movie_title: String,
    pub cinema: String,
    pub starts_at: String,
    /// The cinema's time zone (IANA): the page shows its times there.
    pub timezone: String,
}

/// A signed notification from the gateway.
#[derive(Deserialize, utoipa::ToSchema)]
struct Notification {
    payment_id: PaymentId,
    result: sandbox::Outcome,
}

/// The answer to a recorded Midtrans notification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationReceipt {
    /// Recorded; what it says acts once the status API confirms it.
    pub received: bool,
    pub order_id: String,
}

#[derive(Clone)]
pub struct Payments {
    provider: String,
    public_url: String,
    webhook_secret: Vec<u8>,
    parts: PaymentHandles,
    midtrans: Option<Midtrans>,
}

/// Midtrans, when it is the provider.
#[derive(Clone)]
struct Midtrans {
    client: MidtransClient,
    reconciler: Reconciler,
    check_before_lapse: std::time::Duration,
    /// How long opening a payment at Snap may take (its request timeout).
    open_within: std::time::Duration,
}

/// What a payment needs besides its own settings. The notifier and the
/// refund queue are woken after a settlement: it may have recorded an
/// e-ticket or a refund.
#[derive(Clone)]
pub struct PaymentHandles {
    pub registry: ShowtimeRegistry,
    pub store: Store,
    pub clock: SharedClock,
    pub locale: Locale,
    pub notifier: Notifier,
    pub refunds: Refunds,
}

impl Payments {
    pub fn new(
        provider: String,
        public_url: String,
        webhook_secret: Vec<u8>,
        handles: PaymentHandles,
    ) -> Payments {
        Payments {
            provider,
            public_url: public_url.trim_end_matches('/').to_string(),
            webhook_secret,
            parts: handles,
            midtrans: None,
        }
    }

    /// Takes payments through Midtrans with this client; its reconciler is
    /// run by the caller.
    pub fn with_midtrans(
        mut self,
        client: MidtransClient,
        reconciler: Reconciler,
        check_before_lapse: std::time::Duration,
        open_within: std::time::Duration,
    ) -> Payments {
        self.midtrans = Some(Midtrans {
            client,
            reconciler,
            check_before_lapse,
            open_within,
        });
        self
    }

    /// The Midtrans reconciler, when Midtrans is the provider.
    pub fn reconciler(&self) -> Option<&Reconciler> {
        self.midtrans.as_ref().map(|m| &m.reconciler)
    }

    fn midtrans(&self) -> AppResult<&Midtrans> {
        self.midtrans
            .as_ref()
            .ok_or(AppError::NotFound("Midtrans gateway"))
    }

    pub fn provider(&self) -> &str {
        &self.provider
    }

    pub fn is_sandbox(&self) -> bool {
        self.provider == "sandbox"
    }

    /// Where the payer is sent to pay: the sandbox page, opened by the
    /// payment's checkout token.
    pub fn checkout_url(&self, payment_id: &PaymentId) -> String {
        format!(
            "{}/sandbox/pay/{payment_id}?token={}",
            self.public_url,
            sandbox::checkout_token(&self.webhook_secret, payment_id)
        )
    }

    /// Applies a result from the sandbox gateway to one of its payments (see
    /// [`PaymentHandles::settle`]); a payment made through another provider
    /// is not the sandbox's to settle (404).
    pub async fn settle(
        &self,
        payment_id: &PaymentId,
        succeeded: bool,
    ) -> AppResult<SettlementView> {
        let result = if succeeded {
            PaymentResult::Succeeded
        } else {
            PaymentResult::Failed
        };
        self.parts.settle(payment_id, "sandbox", result).await
    }

    /// Where the payer of a just started payment goes. The sandbox's page
    /// is ours; Midtrans opens a Snap transaction, and when it cannot (down,
    /// or no answer in time) the booking is held again as it was and the
    /// customer is told to try again.
    #[tracing::instrument(skip_all, fields(payment_id = %started.payment_id))]
    pub async fn open_checkout(
        &self,
        user: UserId,
        booking_id: &BookingId,
        showtime_id: ShowtimeId,
        started: &PaymentStarted,
    ) -> AppResult<String> {
        let Some(midtrans) = &self.midtrans else {
            return Ok(self.checkout_url(&started.payment_id));
        };
        let id = started.payment_id.to_string();
        if !started.created {
            // A second click while paying: the same Snap page, if it opened.
            let (opened, created_at): (Option<String>, i64) = self
                .parts
                .store
                .read(move |conn| {
                    conn.prepare_cached(query!("payments/gateway_view"))?
                        .query_row(params![id], |r| Ok((r.get(2)?, r.get(6)?)))
                        .optional()?
                        .ok_or(AppError::NotFound("payment"))
                })
                .await?;
            if let Some(url) = opened {
                return Ok(url);
            }
            // The first click is still waiting for Snap: giving the hold
            // back now could fail a payment whose page is about to open.
            let waited = to_millis(self.parts.clock.now()) - created_at;
            if waited < millis(midtrans.open_within) + 5_000 {
                return Err(AppError::conflict(
                    "payment_opening",
                    "the payment is being opened at the gateway; try again in a few seconds",
                ));
            }
            // Otherwise an opening cut short (a restart before Snap's answer
            // was kept, so nobody has its page): opened again below.
        }
        let request = self.snap_request(user, booking_id, started).await?;
        let now = to_millis(self.parts.clock.now());
        match midtrans.client.create(&request).await {
            Ok(created) => {
                let id = started.payment_id.clone();
                let url = created.redirect_url.clone();
                let check_at = (started.expires_at - millis(midtrans.check_before_lapse)).max(now);
                self.parts
                    .store
                    .write(move |conn| {
                        conn.prepare_cached(query!("payments/opened_at_gateway"))?
                            .execute(params![id, url, check_at])?;
                        Ok(())
                    })
                    .await?;
                tracing::info!(payment_id = %started.payment_id, "Snap transaction opened");
                Ok(created.redirect_url)
            }
            Err(error) => {
                tracing::warn!(payment_id = %started.payment_id, ?error, "Snap did not open the payment; the hold is given back");
                self.reopen_after_failed_open(showtime_id, &started.payment_id)
                    .await?;
                Err(match error {
                    SnapError::Call(call) => call.into(),
                    SnapError::Refused { code, message } => {
                        AppError::GatewayUnavailable(format!("Snap answered {code}: {message}"))
                    }
                })
            }
        }
    }

    /// The booking is held again; the payment, which may exist at Midtrans
    /// all the same (a timeout), is ended there by the reconciler.
    async fn reopen_after_failed_open(
        &self,
        showtime_id: ShowtimeId,
        payment_id: &PaymentId,
    ) -> AppResult<()> {
        let actor = self.parts.registry.get(showtime_id).await?;
        actor
            .send(ReopenHold {
                payment_id: payment_id.clone(),
                now: self.parts.clock.now(),
            })
            .await??;
        self.check_soon(payment_id).await
    }

    /// The Snap transaction of a payment: one item line per seat (their sum
    /// is the gross amount), the payer, an expiry that ends with the hold,
    /// and the booking page to come back to.
    async fn snap_request(
        &self,
        user: UserId,
        booking_id: &BookingId,
        started: &PaymentStarted,
    ) -> AppResult<SnapRequest> {
        let (name, email, phone): (String, String, Option<String>) = self
            .parts
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("payments/payer"))?
                    .query_row(params![user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?
                    .ok_or(AppError::NotFound("user"))
            })
            .await?;
        let now = self.parts.clock.now();
        let minutes_left = (started.expires_at - to_millis(now)) / 60_000;
        Ok(SnapRequest {
            transaction_details: TransactionDetails {
                order_id: started.payment_id.to_string(),
                gross_amount: started.amount,
            },
            item_details: started
                .seats
                .iter()
                .map(|seat| ItemDetail {
                    id: seat.seat_id.clone(),
                    price: seat.price,
                    quantity: 1,
                    name: format!("Seat {} ({})", seat.seat_id, seat.class)
                        .chars()
                        .take(50)
                        .collect(),
                })
                .collect(),
            customer_details: CustomerDetails {
                first_name: name,
                email,
                phone,
            },
            // Whole minutes, rounded down: Midtrans stops taking money no
            // later than the hold ends.
            expiry: Expiry {
                start_time: now
                    .with_timezone(&zone(&started.timezone))
                    .format("%Y-%m-%d %H:%M:%S %z")
                    .to_string(),
                unit: "minute",
                duration: minutes_left.max(1),
            },
            callbacks: Callbacks {
                finish: format!("{}/#/bookings/{booking_id}", self.public_url),
            },
        })
    }

    /// A Midtrans HTTP notification: its `signature_key` checked (403
    /// otherwise, nothing recorded), then recorded and answered; the
    /// reconciler confirms it with the status API before anything acts.
    #[tracing::instrument(skip_all)]
    pub async fn midtrans_notification(&self, body: &[u8]) -> AppResult<NotificationReceipt> {
        let midtrans = self.midtrans()?;
        let note: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| AppError::BadRequest {
                code: "malformed_json",
                detail: format!("the body is not valid JSON: {e}"),
            })?;
        let field = |name: &str| note.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let (Some(order_id), Some(status_code), Some(gross_amount), Some(signature)) = (
            field("order_id"),
            field("status_code"),
            field("gross_amount"),
            field("signature_key"),
        ) else {
            return Err(AppError::SignatureRejected);
        };
        // Our order ids are uuids; Midtrans allows 50 characters of these.
        // Anything else is not ours, and not worth a log line of its own.
        let plausible = !order_id.is_empty()
            && order_id.len() <= 50
            && order_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~' | '.'));
        if !plausible {
            return Err(AppError::SignatureRejected);
        }
        if !midtrans::signature_matches(
            &order_id,
            &status_code,
            &gross_amount,
            &signature,
            midtrans.client.server_key(),
        ) {
            tracing::warn!(%order_id, "a Midtrans notification with a wrong signature was refused");
            return Err(AppError::SignatureRejected);
        }
        let transaction_status = field("transaction_status");
        let now = to_millis(self.parts.clock.now());
        let raw = String::from_utf8_lossy(body).into_owned();
        let order = order_id.clone();
        let (new, payment_known) = self
            .parts
            .store
            .write(move |conn| {
                let new = conn
                    .prepare_cached(query!("payments/record_notification"))?
                    .execute(params![
                        "midtrans",
                        order,
                        transaction_status,
                        status_code,
                        signature,
                        now,
                        raw
                    ])?
                    > 0;
                // The same notification again (Midtrans retries, a replay)
                // asks nothing new: the check it asked for is under way.
                let known = new
                    && conn
                        .prepare_cached(query!("payments/check_now"))?
                        .execute(params![order, now])?
                        > 0;
                Ok((new, known))
            })
            .await?;
        tracing::info!(%order_id, new, payment_known, "Midtrans notification recorded");
        midtrans.reconciler.wake();
        Ok(NotificationReceipt {
            received: true,
            order_id,
        })
    }

    /// An admin's decision on a payment in fraud review: Midtrans' approve
    /// (sells) or deny (frees the seats).
    #[tracing::instrument(skip_all, fields(payment_id = %payment_id, approve))]
    pub async fn decide_challenge(
        &self,
        payment_id: &PaymentId,
        approve: bool,
    ) -> AppResult<SettlementView> {
        let midtrans = self.midtrans()?;
        let id = payment_id.to_string();
        let (status, fraud, amount, currency, provider): (
            PaymentStatus,
            Option<String>,
            i64,
            String,
            String,
        ) = self
            .parts
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("payments/gateway_view"))?
                    .query_row(params![id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(3)?, r.get(4)?, r.get(5)?))
                    })
                    .optional()?
                    .ok_or(AppError::NotFound("payment"))
            })
            .await?;
        if provider != "midtrans"
            || status != PaymentStatus::Pending
            || fraud.as_deref() != Some("challenge")
        {
            return Err(AppError::conflict(
                "payment_not_challenged",
                format!("payment {payment_id} is not waiting for a fraud review decision"),
            ));
        }
        let order = payment_id.to_string();
        let answer = if approve {
            midtrans.client.approve(&order).await
        } else {
            midtrans.client.deny(&order).await
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                // It may have been taken all the same: ask Midtrans soon.
                self.check_soon(payment_id).await?;
                return Err(error.into());
            }
        };
        let decided = answer.transaction();
        let result = match midtrans::verdict(&decided) {
            _ if decided.code >= 300 => {
                // Midtrans moved on meanwhile (412) or failed: ask it again soon.
                self.check_soon(payment_id).await?;
                return Err(AppError::conflict(
                    "payment_not_challenged",
                    format!(
                        "Midtrans did not take the decision: {} {}",
                        decided.code, decided.message
                    ),
                ));
            }
            Verdict::Paid => match midtrans::paid_as_asked(&decided, amount, &currency) {
                Ok(()) => PaymentResult::Succeeded,
                Err((amount, currency)) => PaymentResult::WrongAmount { amount, currency },
            },
            Verdict::Failed => PaymentResult::Failed,
            other => {
                self.check_soon(payment_id).await?;
                return Err(AppError::GatewayUnavailable(format!(
                    "Midtrans answered the decision with {other:?}"
                )));
            }
        };
        let settled = self.parts.settle(payment_id, "midtrans", result).await?;
        self.check_soon(payment_id).await?;
        Ok(settled)
    }

    /// Makes the reconciler look at a payment now (it records what Midtrans
    /// says and stops asking once it is final).
    async fn check_soon(&self, payment_id: &PaymentId) -> AppResult<()> {
        let id = payment_id.clone();
        let now = to_millis(self.parts.clock.now());
        self.parts
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("payments/check_at"))?
                    .execute(params![id, now])?;
                Ok(())
            })
            .await?;
        if let Some(reconciler) = self.reconciler() {
            reconciler.wake();
        }
        Ok(())
    }

    /// 404 unless payments go through the sandbox gateway.
    pub fn ensure_sandbox(&self) -> AppResult<()> {
        if self.is_sandbox() {
            Ok(())
        } else {
            Err(AppError::NotFound("sandbox gateway"))
        }
    }

    /// Applies a notification from the gateway: its signature (hex
    /// HMAC-SHA256 of `body`) checked first, then its result.
    #[tracing::instrument(skip_all)]
    pub async fn notification(&self, body: &[u8], signature: &str) -> AppResult<SettlementView> {
        self.ensure_sandbox()?;
        if !self.verify(body, signature) {
            return Err(AppError::InvalidSignature);
        }
        let note: Notification = serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                AppError::validation("invalid_body", format!("not a payment notification: {e}"))
            } else {
                AppError::BadRequest {
                    code: "malformed_json",
                    detail: format!("the body is not valid JSON: {e}"),
                }
            }
        })?;
        self.settle(&note.payment_id, note.result.succeeded()).await
    }

    /// The sandbox checkout page (HTML) of a payment, for its owner only.
    #[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
    pub async fn sandbox_checkout(
        &self,
        payment_id: &PaymentId,
        payer: &sandbox::Payer,
    ) -> AppResult<String> {
        self.ensure_sandbox()?;
        self.authorize_payer(payment_id, payer).await?;
        Ok(sandbox::checkout_html(
            &self.checkout_page(payment_id).await?,
            &sandbox::checkout_token(&self.webhook_secret, payment_id),
        ))
    }

    /// The payer's choice on the sandbox checkout page, from its owner only.
    /// A choice that could not be read is refused only after that (`E`: the
    /// caller's error type, so a form's own errors keep their answers).
    #[tracing::instrument(skip_all, fields(payment_id = %payment_id))]
    pub async fn sandbox_pay<E: From<AppError>>(
        &self,
        payment_id: &PaymentId,
        payer: &sandbox::Payer,
        choice: Result<sandbox::PayerChoice, E>,
    ) -> Result<SettlementView, E> {
        self.ensure_sandbox()?;
        self.authorize_payer(payment_id, payer).await?;
        Ok(self.settle(payment_id, choice?.result.succeeded()).await?)
    }

    #[tracing::instrument(skip_all, fields(payment_id))]
    pub async fn checkout_page(&self, payment_id: &PaymentId) -> AppResult<CheckoutPage> {
        let id = payment_id.to_string();
        self.parts
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("payments/payment_page"))?
                    .query_row(params![id], |r| {
                        let timezone: String = r.get(9)?;
                        let offset = zone(&timezone);
                        Ok(CheckoutPage {
                            payment_id: r.get(0)?,
                            status: r.get(1)?,
                            amount: r.get(2)?,
                            currency: r.get(3)?,
                            expires_at: rfc3339(r.get(4)?, offset),
                            booking_id: r.get(5)?,
                            movie_title: r.get(6)?,
                            cinema: r.get(7)?,
                            starts_at: rfc3339(r.get(8)?, offset),
                            timezone,
                        })
                    })
                    .optional()?
                    .ok_or(AppError::NotFound("payment"))
            })
            .await
    }

    /// The hex HMAC-SHA256 of a notification body.
    pub fn sign(&self, body: &[u8]) -> String {
        hex::encode(self.mac(body).finalize().into_bytes())
    }

    /// Constant-time check of a notification's signature.
    pub fn verify(&self, body: &[u8], signature_hex: &str) -> bool {
        match hex::decode(signature_hex.trim()) {
            Ok(signature) => self.mac(body).verify_slice(&signature).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.webhook_secret)
            .unwrap_or_else(|_| {
                <Hmac<Sha256> as KeyInit>::new_from_slice(b"bioskop").expect("HMAC takes any key")
            });
        mac.update(body);
        mac
    }
}

impl PaymentHandles {
    /// Applies a result from `provider` to one of its payments. A settled
    /// payment may have recorded an e-ticket or a refund: their workers are
    /// woken, not left to their next poll. Only the provider a payment was
    /// made through can settle it: anything else is told it does not exist.
    #[tracing::instrument(skip_all, fields(payment_id = %payment_id, provider, ?result))]
    pub async fn settle(
        &self,
        payment_id: &PaymentId,
        provider: &str,
        result: PaymentResult,
    ) -> AppResult<SettlementView> {
        let id = payment_id.to_string();
        let provider = provider.to_string();
        let (booking_id, showtime_id) = self
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("payments/payment_route"))?
                    .query_row(params![id, provider], |r| {
                        Ok((r.get::<_, BookingId>(0)?, r.get::<_, ShowtimeId>(1)?))
                    })
                    .optional()?)
            })
            .await?
            .ok_or(AppError::NotFound("payment"))?;
        let actor = self.registry.get(showtime_id).await?;
        let settlement = actor
            .send(SettlePayment {
                payment_id: payment_id.clone(),
                result,
                now: self.clock.now(),
            })
            .await??;
        match &settlement {
            Settlement::RefundRequired { reason } => {
                tracing::warn!(%payment_id, %booking_id, reason, "payment succeeded without seats; marked for refund")
            }
            other => tracing::info!(%payment_id, %booking_id, ?other, "payment settled"),
        }
        self.notifier.wake();
        self.refunds.wake();
        Ok(SettlementView {
            payment_id: payment_id.clone(),
            booking_id,
            settlement,
        })
    }
}

/// The notification signing key: the configured one, or a random key kept in
/// the database so it survives restarts.
pub async fn webhook_secret(store: &Store, configured: &str) -> AppResult<Vec<u8>> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    crate::store::secret(store, "webhook", 32).await
}
