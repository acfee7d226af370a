//! What a notification is about, as one typed value: the kind and the facts
//! its words are built from. It is stored in the outbox as its `kind` and its
//! facts as JSON (`data`), written and read back here and nowhere else, so a
//! row that does not read back is an error, never a message with blanks.

use serde::{Deserialize, Serialize};

use crate::{
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, RefundId, ShowtimeId, UserId},
};

/// A notification's kind and facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Message {
    /// The tickets of a paid booking, with a QR code per seat.
    #[serde(rename = "e_ticket")]
    ETicket(ETicket),
    /// To a buyer: the cinema cancelled the showtime; the money is on its way.
    ShowtimeCancelled(ShowtimeCancelled),
    /// To a buyer: the cinema cancelled the showtime and offers a move to
    /// another showtime or the refund (DESIGN 4c).
    MoveOffered(MoveOffered),
    /// To a buyer: the refund was paid.
    RefundSucceeded(RefundFacts),
    /// To a buyer: the automatic refund failed; staff take it over.
    #[serde(rename = "refund_manual")]
    RefundNeedsManualHandling(RefundFacts),
    /// To the admins: a refund failed after its last attempt.
    RefundFailed(RefundFacts),
    /// To the admins: an alert raised for them (a payment in fraud review,
    /// one of the wrong amount or never confirmed, a showtime that will not
    /// load), so nobody has to watch the alerts page to learn of it.
    AdminAlert(AlertFacts),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub kind: String,
    pub subject: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ETicket {
    pub booking_id: BookingId,
    pub payment_id: PaymentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowtimeCancelled {
    pub showtime_id: ShowtimeId,
    pub booking_id: BookingId,
    pub refund_id: RefundId,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveOffered {
    pub showtime_id: ShowtimeId,
    pub booking_id: BookingId,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    /// Undecided at this instant (ms), the refund goes ahead.
    pub decide_by: i64,
}

/// A refund's facts as its outcome was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundFacts {
    pub refund_id: RefundId,
    pub user_id: UserId,
    pub amount: i64,
    pub currency: String,
    pub booking_id: BookingId,
    pub reason: String,
    pub attempts: i64,
}

impl Message {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::ETicket(_) => "e_ticket",
            Message::ShowtimeCancelled(_) => "showtime_cancelled",
            Message::MoveOffered(_) => "move_offered",
            Message::RefundSucceeded(_) => "refund_succeeded",
            Message::RefundNeedsManualHandling(_) => "refund_manual",
            Message::RefundFailed(_) => "refund_failed",
            Message::AdminAlert(_) => "admin_alert",
        }
    }

    /// What the admin list shows until the message is sent; sending records
    /// the subject actually sent, in the reader's language, in its place.
    pub fn pending_subject(&self) -> &'static str {
        match self {
            Message::ETicket(_) => "Your e-ticket",
            Message::ShowtimeCancelled(_) => {
                "Your showtime was cancelled; your money is on its way back"
            }
            Message::MoveOffered(_) => {
                "Your showtime was cancelled: choose another showtime or your refund"
            }
            Message::RefundSucceeded(_) => "Refund succeeded",
            Message::RefundNeedsManualHandling(_) => "Your refund is being handled by our staff",
            Message::RefundFailed(_) => "A refund needs manual handling",
            Message::AdminAlert(_) => "An alert for the admins",
        }
    }

    /// The `data` column: the facts alone, as JSON, keys in alphabetical
    /// order (as rows were always written).
    pub fn data(&self) -> AppResult<String> {
        let facts = match self {
            Message::ETicket(facts) => serde_json::to_value(facts),
            Message::ShowtimeCancelled(facts) => serde_json::to_value(facts),
            Message::MoveOffered(facts) => serde_json::to_value(facts),
            Message::RefundSucceeded(facts)
            | Message::RefundNeedsManualHandling(facts)
            | Message::RefundFailed(facts) => serde_json::to_value(facts),
            Message::AdminAlert(facts) => serde_json::to_value(facts),
        };
        facts
            .map(|facts| facts.to_string())
            .map_err(|e| AppError::Internal(format!("a {} message: {e}", self.kind())))
    }

    /// Reads a stored row back.
    pub fn parse(kind: &str, data: &str) -> AppResult<Message> {
        let facts: serde_json::Value = serde_json::from_str(data)
            .map_err(|e| AppError::Internal(format!("a {kind} message's data: {e}")))?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "data": facts }))
            .map_err(|e| AppError::Internal(format!("a {kind} message: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_it_was_written() {
        let refund = RefundFacts {
            refund_id: "r1".into(),
            user_id: UserId(7),
            amount: 90_000,
            currency: "IDR".into(),
            booking_id: "b1".into(),
            reason: "showtime_cancelled".into(),
            attempts: 5,
        };
        let messages = [
            Message::ETicket(ETicket {
                booking_id: "b1".into(),
                payment_id: "p1".into(),
            }),
            Message::ShowtimeCancelled(ShowtimeCancelled {
                showtime_id: ShowtimeId(3),
                booking_id: "b1".into(),
                refund_id: "r1".into(),
                amount: 90_000,
                currency: "IDR".into(),
                reason: "projector broke".into(),
            }),
            Message::RefundSucceeded(refund.clone()),
            Message::RefundNeedsManualHandling(refund.clone()),
            Message::RefundFailed(refund),
            Message::MoveOffered(MoveOffered {
                showtime_id: ShowtimeId(3),
                booking_id: "b1".into(),
                amount: 90_000,
                currency: "IDR".into(),
                reason: "projector broke".into(),
                decide_by: 1_800_000_000_000,
            }),
            Message::AdminAlert(AlertFacts {
                kind: "payment_challenged".into(),
                subject: "Payment p1 is in fraud review".into(),
                message: "Approve or deny it.".into(),
            }),
        ];
        for message in messages {
            let data = message.data().expect("serializes");
            assert_eq!(
                Message::parse(message.kind(), &data).expect("reads back"),
                message
            );
        }
    }

    #[test]
    fn facts_are_stored_with_their_keys_in_alphabetical_order() {
        let message = Message::ETicket(ETicket {
            booking_id: "b1".into(),
            payment_id: "p1".into(),
        });
        assert_eq!(
            message.data().expect("serializes"),
            r#"{"booking_id":"b1","payment_id":"p1"}"#
        );
        let data = Message::RefundSucceeded(RefundFacts {
            refund_id: "r1".into(),
            user_id: UserId(7),
            amount: 1,
            currency: "IDR".into(),
            booking_id: "b1".into(),
            reason: "x".into(),
            attempts: 1,
        })
        .data()
        .expect("serializes");
        assert!(
            data.starts_with(r#"{"amount":1,"attempts":1,"booking_id""#),
            "{data}"
        );
    }

    #[test]
    fn a_row_with_missing_facts_is_an_error_not_a_message_with_blanks() {
        assert!(Message::parse("e_ticket", r#"{"booking_id":"b1"}"#).is_err());
        assert!(Message::parse("no_such_kind", "{}").is_err());
        assert!(Message::parse("e_ticket", "not json").is_err());
    }
}
