//! Payments: the gateway a booking is paid through, and the settlement of
//! its results. Results reach the showtime actor that owns the seats, which
//! makes them idempotent and safe when late, duplicated or out of order.
//!
//! The built-in `sandbox` gateway is a product feature: a checkout page where
//! the payer presses pay or fail, for demos, staging and tests. Gateway
//! notifications are signed with HMAC-SHA256 over the raw body.

pub mod gateway;
pub mod sandbox;

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    catalog::Locale,
    clock::{SharedClock, rfc3339},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, ShowtimeId},
    notify::Notifier,
    refunds::Refunds,
    seats::{ShowtimeRegistry, actor::SettlePayment, book::Settlement},
    status::PaymentStatus,
    store::Store,
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
}

/// A signed notification from the gateway.
#[derive(Deserialize, utoipa::ToSchema)]
struct Notification {
    payment_id: PaymentId,
    result: sandbox::Outcome,
}

#[derive(Clone)]
pub struct Payments {
    provider: String,
    public_url: String,
    webhook_secret: Vec<u8>,
    parts: PaymentHandles,
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
        }
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

    /// Applies a payment result from the gateway. A settled payment may have
    /// recorded an e-ticket or a refund: their workers are woken, not left to
    /// their next poll.
    #[tracing::instrument(skip_all, fields(payment_id = %payment_id, succeeded = %succeeded))]
    pub async fn settle(
        &self,
        payment_id: &PaymentId,
        succeeded: bool,
    ) -> AppResult<SettlementView> {
        let id = payment_id.to_string();
        let (booking_id, showtime_id) = self
            .parts
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("payments/payment_route"))?
                    .query_row(params![id], |r| {
                        Ok((r.get::<_, BookingId>(0)?, r.get::<_, ShowtimeId>(1)?))
                    })
                    .optional()?)
            })
            .await?
            .ok_or(AppError::NotFound("payment"))?;
        let actor = self.parts.registry.get(showtime_id).await?;
        let settlement = actor
            .send(SettlePayment {
                payment_id: payment_id.clone(),
                succeeded,
                now: self.parts.clock.now(),
            })
            .await??;
        match &settlement {
            Settlement::RefundRequired { reason } => {
                tracing::warn!(%payment_id, %booking_id, reason, "payment succeeded without seats; marked for refund")
            }
            other => tracing::info!(%payment_id, %booking_id, ?other, "payment settled"),
        }
        self.parts.notifier.wake();
        self.parts.refunds.wake();
        Ok(SettlementView {
            payment_id: payment_id.clone(),
            booking_id,
            settlement,
        })
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
        let offset = self.parts.locale.offset;
        self.parts
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("payments/payment_page"))?
                    .query_row(params![id], |r| {
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

/// The notification signing key: the configured one, or a random key kept in
/// the database so it survives restarts.
pub async fn webhook_secret(store: &Store, configured: &str) -> AppResult<Vec<u8>> {
    if !configured.is_empty() {
        return Ok(configured.as_bytes().to_vec());
    }
    crate::store::secret(store, "webhook", 32).await
}
