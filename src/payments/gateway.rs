//! The built-in sandbox gateway: refunds paid into its own ledger, and
//! failures an operator can script to rehearse the refund pipeline.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::future::BoxFuture;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    audit::{self, Entry},
    clock::{SharedClock, to_millis},
    error::AppResult,
    gateway::{PaymentGateway, RefundError, RefundRequest},
    ids::UserId,
    store::Store,
};

/// What the sandbox is told to do with the next refund calls
/// (`POST /sandbox/control`), so operators and tests can rehearse failures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxControl {
    /// The next N refund calls fail with a transient error.
    #[serde(default)]
    #[schema(format = "uint32", minimum = 0, maximum = 4294967295_u64)]
    pub fail_next_refunds: u32,
    /// The next N refund calls are refused for good (a permanent error).
    #[serde(default)]
    #[schema(format = "uint32", minimum = 0, maximum = 4294967295_u64)]
    pub reject_next_refunds: u32,
    /// Every refund answer arrives this late, after the money moved: a slow
    /// gateway, or a worker that dies while waiting for the answer.
    #[serde(default)]
    #[schema(format = "uint64", minimum = 0, maximum = 18446744073709551615_u64)]
    pub refund_answer_delay_ms: u64,
}

/// The built-in gateway. Its refunds are real entries in its own ledger
/// (`sandbox_refunds`), one per idempotency key.
#[derive(Clone)]
pub struct SandboxGateway {
    store: Store,
    clock: SharedClock,
    control: Arc<Mutex<SandboxControl>>,
}

impl SandboxGateway {
    pub fn new(store: Store, clock: SharedClock) -> SandboxGateway {
        SandboxGateway {
            store,
            clock,
            control: Arc::default(),
        }
    }

    /// The script. Every change to it is a single assignment, so a poisoned
    /// lock still holds a whole script: it is used, not silently dropped
    /// (which would let refunds through that the operator told to fail).
    fn control(&self) -> std::sync::MutexGuard<'_, SandboxControl> {
        self.control
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces what the sandbox does with the next refund calls; `by` (an
    /// admin) is recorded in the audit trail with the script before and after.
    pub async fn set_control(
        &self,
        control: SandboxControl,
        by: UserId,
    ) -> AppResult<SandboxControl> {
        let before = {
            let mut current = self.control();
            std::mem::replace(&mut *current, control.clone())
        };
        let entry = Entry::new(Some(by), "sandbox.control", "sandbox")
            .before(serde_json::json!(before))
            .after(serde_json::json!(control))
            .changed(before != control);
        let now = to_millis(self.clock.now());
        self.store
            .write(move |conn| audit::record(conn, &entry, now))
            .await?;
        Ok(control)
    }

    /// Takes one scripted failure, if any is left.
    fn scripted_failure(&self) -> (Option<RefundError>, Duration) {
        let mut control = self.control();
        let delay = Duration::from_millis(control.refund_answer_delay_ms);
        if control.reject_next_refunds > 0 {
            control.reject_next_refunds -= 1;
            return (
                Some(RefundError::Permanent(
                    "sandbox: the refund was refused (as told by /sandbox/control)".into(),
                )),
                delay,
            );
        }
        if control.fail_next_refunds > 0 {
            control.fail_next_refunds -= 1;
            return (
                Some(RefundError::Transient(
                    "sandbox: the gateway is temporarily unavailable (as told by /sandbox/control)"
                        .into(),
                )),
                delay,
            );
        }
        (None, delay)
    }
}

impl PaymentGateway for SandboxGateway {
    fn refund(&self, request: RefundRequest) -> BoxFuture<'static, Result<String, RefundError>> {
        let (failure, delay) = self.scripted_failure();
        let store = self.store.clone();
        let now = to_millis(self.clock.now());
        Box::pin(async move {
            if let Some(failure) = failure {
                return Err(failure);
            }
            let reference = format!("sandbox-refund-{}", uuid::Uuid::new_v4());
            // The check and the payout in one write: nothing can change between.
            let paid = store
                .write(move |conn| {
                    let payment: Option<(String, i64)> = conn
                        .prepare_cached(query!("payments/refundable_payment"))?
                        .query_row(params![request.payment_id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?;
                    match payment {
                        Some((status, amount))
                            if status == "succeeded" && request.amount <= amount => {}
                        Some((status, amount)) => {
                            return Ok(Err(RefundError::Permanent(format!(
                                "sandbox: payment {} ({status}, {amount}) cannot be refunded {}",
                                request.payment_id, request.amount
                            ))));
                        }
                        None => {
                            return Ok(Err(RefundError::Permanent(format!(
                                "sandbox: no payment {}",
                                request.payment_id
                            ))));
                        }
                    }
                    Ok(Ok(conn
                        .prepare_cached(query!("payments/sandbox_refund"))?
                        .query_row(
                            params![
                                request.idempotency_key,
                                request.payment_id,
                                request.amount,
                                reference,
                                now
                            ],
                            |r| r.get::<_, String>(0),
                        )?))
                })
                .await
                .map_err(|e| RefundError::Transient(format!("sandbox: {e}")))?;
            let reference = paid?;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(reference)
        })
    }
}
