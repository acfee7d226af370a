//! Midtrans (payments.provider = "midtrans"): real money through Snap.
//!
//! A payment opens a Snap transaction whose order id is the payment id. What
//! Midtrans says about it only acts once its status API confirms it: a
//! notification is checked for its signature, recorded and answered, then the
//! [`reconcile::Reconciler`] asks `GET /v2/{order_id}/status` and settles from
//! that answer. The same reconciler asks on its own when a notification never
//! comes, expires the Snap transaction of a hold that lapsed, and denies a
//! challenged payment nobody decided. Refunds go through [`MidtransRefunds`].
//!
//! The protocol is Midtrans' public documentation: docs.midtrans.com
//! (Snap backend integration, HTTP notification, transaction status cycle,
//! get status, expire, approve, deny and refund references).

pub mod client;
pub mod reconcile;
mod refunds;

pub use client::{MidtransClient, Transaction};
pub use refunds::MidtransRefunds;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

/// Checks a notification's `signature_key`: the hex SHA-512 of order_id +
/// status_code + gross_amount + the server key, compared in constant time.
pub fn signature_matches(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    signature_key: &str,
    server_key: &SecretString,
) -> bool {
    let expected = signature(order_id, status_code, gross_amount, server_key);
    let given = signature_key.trim().to_ascii_lowercase();
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The `signature_key` Midtrans computes for a notification.
pub fn signature(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &SecretString,
) -> String {
    let mut digest = Sha512::new();
    digest.update(order_id.as_bytes());
    digest.update(status_code.as_bytes());
    digest.update(gross_amount.as_bytes());
    digest.update(server_key.expose_secret().as_bytes());
    hex::encode(digest.finalize())
}

/// What a confirmed transaction means for the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `settlement`, or `capture` with fraud status `accept` (or none).
    Paid,
    /// `capture` with fraud status `challenge`: an admin approves or denies.
    Challenged,
    /// `pending` (or a card only `authorize`d): the payer is still paying.
    Pending,
    /// `deny`, `cancel`, `expire`, `failure`: no money was taken.
    Failed,
    /// Midtrans has no transaction: nobody picked a payment method yet.
    NotFound,
    /// A status that settles nothing here (a refund made on the dashboard,
    /// a chargeback, a status this version does not know).
    Other(String),
    /// No transaction status at all (an error answer): ask again later.
    Unknown(String),
}

/// Decided by `transaction_status` whenever the answer has one (an expire
/// answers "407" with `transaction_status: expire`); without one, only
/// Midtrans' own "404" in the body means there is no transaction.
pub fn verdict(transaction: &Transaction) -> Verdict {
    if transaction.transaction_status.is_none() && transaction.body_code == Some(404) {
        return Verdict::NotFound;
    }
    let fraud = transaction.fraud_status.as_deref();
    match transaction.transaction_status.as_deref() {
        Some("settlement") if fraud != Some("deny") => Verdict::Paid,
        Some("capture") => match fraud {
            None | Some("accept") => Verdict::Paid,
            Some("challenge") => Verdict::Challenged,
            Some(_) => Verdict::Failed,
        },
        Some("pending" | "authorize") => Verdict::Pending,
        Some("deny" | "cancel" | "expire" | "failure") => Verdict::Failed,
        Some("settlement") => Verdict::Failed,
        Some(other) => Verdict::Other(other.to_string()),
        None => Verdict::Unknown(format!("{} {}", transaction.code, transaction.message)),
    }
}

/// Whether Midtrans took exactly what the payment asked for. Otherwise
/// answers what it did take (amount, currency), which goes back.
pub fn paid_as_asked(
    transaction: &Transaction,
    amount: i64,
    currency: &str,
) -> Result<(), (i64, String)> {
    let paid = transaction.gross_amount.as_deref().and_then(whole_amount);
    // The status API always names the currency; an answer without one is
    // taken as the payment's (IDR is the only currency Snap charges in).
    let paid_currency = transaction
        .currency
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| currency.to_string());
    match paid {
        Some(paid) if paid == amount && paid_currency.eq_ignore_ascii_case(currency) => Ok(()),
        // An amount that does not read is refunded in full: what we asked.
        other => Err((other.unwrap_or(amount), paid_currency)),
    }
}

/// "90000.00" → 90000; an amount with a fraction of a rupiah does not read.
fn whole_amount(text: &str) -> Option<i64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if !fraction.chars().all(|c| c == '0') {
        return None;
    }
    whole.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transaction(status: &str, fraud: Option<&str>) -> Transaction {
        Transaction {
            code: 200,
            body_code: Some(200),
            transaction_status: Some(status.into()),
            fraud_status: fraud.map(String::from),
            gross_amount: Some("90000.00".into()),
            currency: Some("IDR".into()),
            payment_type: Some("credit_card".into()),
            message: String::new(),
        }
    }

    #[test]
    fn a_signature_is_the_sha512_of_the_documented_fields_and_the_server_key() {
        let key = SecretString::from("SB-Mid-server-key");
        let signed = signature("order-1", "200", "90000.00", &key);
        assert_eq!(signed.len(), 128);
        assert!(signature_matches(
            "order-1", "200", "90000.00", &signed, &key
        ));
        assert!(signature_matches(
            "order-1",
            "200",
            "90000.00",
            &signed.to_uppercase(),
            &key
        ));
        assert!(!signature_matches(
            "order-1", "200", "90001.00", &signed, &key
        ));
        assert!(!signature_matches("order-1", "200", "90000.00", "", &key));
        let other = SecretString::from("another-key");
        assert!(!signature_matches(
            "order-1", "200", "90000.00", &signed, &other
        ));
    }

    #[test]
    fn only_settlement_or_an_accepted_capture_is_paid() {
        assert_eq!(verdict(&transaction("settlement", None)), Verdict::Paid);
        assert_eq!(
            verdict(&transaction("settlement", Some("accept"))),
            Verdict::Paid
        );
        assert_eq!(
            verdict(&transaction("capture", Some("accept"))),
            Verdict::Paid
        );
        assert_eq!(
            verdict(&transaction("capture", Some("challenge"))),
            Verdict::Challenged
        );
        assert_eq!(
            verdict(&transaction("capture", Some("deny"))),
            Verdict::Failed
        );
        assert_eq!(verdict(&transaction("pending", None)), Verdict::Pending);
        for failed in ["deny", "cancel", "expire", "failure"] {
            assert_eq!(verdict(&transaction(failed, None)), Verdict::Failed);
        }
        assert_eq!(
            verdict(&transaction("refund", None)),
            Verdict::Other("refund".into())
        );
        let mut missing = transaction("settlement", None);
        missing.transaction_status = None;
        missing.code = 404;
        missing.body_code = Some(404);
        assert_eq!(verdict(&missing), Verdict::NotFound);
        // An HTTP 404 from something in the way is no "transaction doesn't exist".
        missing.body_code = None;
        assert!(matches!(verdict(&missing), Verdict::Unknown(_)));
        // An expire answers 407 with its status: the status decides.
        let mut expired = transaction("expire", None);
        expired.code = 407;
        assert_eq!(verdict(&expired), Verdict::Failed);
    }

    #[test]
    fn the_amount_and_currency_must_be_the_ones_asked_for() {
        let paid = transaction("settlement", None);
        assert_eq!(paid_as_asked(&paid, 90_000, "IDR"), Ok(()));
        assert_eq!(
            paid_as_asked(&paid, 80_000, "IDR"),
            Err((90_000, "IDR".into()))
        );
        assert_eq!(
            paid_as_asked(&paid, 90_000, "USD"),
            Err((90_000, "IDR".into()))
        );
        let mut odd = paid.clone();
        odd.gross_amount = Some("90000.50".into());
        assert_eq!(
            paid_as_asked(&odd, 90_000, "IDR"),
            Err((90_000, "IDR".into()))
        );
    }
}
