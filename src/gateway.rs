//! The payment gateway as the refund worker sees it. It sits below every
//! capability (it names only ids), so refunds can call a gateway without
//! depending on the payments module that owns the implementations.
//!
//! A refund call carries an idempotency key fixed per refund: asked twice (a
//! redelivered message, a retry after a lost answer), a gateway pays once and
//! answers with the same reference.

use futures_util::future::BoxFuture;

use crate::ids::PaymentId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub payment_id: PaymentId,
    /// The provider the payment was made through (`sandbox`, `midtrans`).
    pub provider: String,
    pub amount: i64,
    pub currency: String,
    pub idempotency_key: String,
    /// Why the money goes back, for the gateway's records.
    pub reason: String,
}

/// Why a refund call did not pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundError {
    /// Worth trying again later (gateway down, timeout, rate limit).
    Transient(String),
    /// The gateway will never refund this payment; retrying cannot help.
    Permanent(String),
}

pub trait PaymentGateway: Send + Sync + 'static {
    /// Refunds a payment; answers the gateway's reference for the refund.
    fn refund(&self, request: RefundRequest) -> BoxFuture<'static, Result<String, RefundError>>;
}
