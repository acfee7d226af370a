//! Every stored status, as an enum, and its one spelling: the same lowercase
//! word in SQLite and in the API. [`stored_status!`] writes the conversions
//! (text, SQL, serde) once for all of them, so a status cannot be spelled
//! two ways, and a word the database holds that is no status is an error.

/// Declares a status enum with its stored word per variant, plus `as_str`,
/// `parse`, `NAMES`, `Display`, serde and rusqlite conversions.
macro_rules! stored_status {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every stored word, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::NAMES.iter().copied()))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!("`{text}` is not a {}", stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

stored_status! {
    /// A showtime: `scheduled → cancelled`.
    ShowtimeStatus {
        Scheduled = "scheduled", Cancelled = "cancelled",
    }
}

stored_status! {
    /// A booking: `held → awaiting_payment → paid`, or closed on the way;
    /// a paid one is `refunded` when its showtime is cancelled, and `moved`
    /// when its owner took the offer of another showtime instead.
    BookingStatus {
        Held = "held", AwaitingPayment = "awaiting_payment", Paid = "paid",
        Expired = "expired", Released = "released", PaymentFailed = "payment_failed",
        Voided = "voided", Refunded = "refunded", Moved = "moved",
    }
}

impl BookingStatus {
    /// Open bookings hold seats and can still expire.
    pub fn is_open(self) -> bool {
        matches!(self, BookingStatus::Held | BookingStatus::AwaitingPayment)
    }
}

stored_status! {
    /// A payment as the gateway reported it. `challenged` (Midtrans' fraud
    /// review) is stored as `pending` with fraud_status `challenge`: for the
    /// seats it is a pending payment; answers read it back as `challenged`.
    PaymentStatus {
        Pending = "pending", Succeeded = "succeeded", Failed = "failed", Expired = "expired",
        Voided = "voided", Challenged = "challenged",
    }
}

stored_status! {
    /// A refund: `pending → retrying … → succeeded | failed → resolved`;
    /// `offered → pending` (the customer chose it, or the offer ran out) or
    /// `offered → withdrawn` (the customer moved to another showtime).
    RefundStatus {
        Offered = "offered", Pending = "pending", Retrying = "retrying", Succeeded = "succeeded",
        Failed = "failed", Resolved = "resolved", Withdrawn = "withdrawn",
    }
}

impl RefundStatus {
    /// Still on its way to the customer: the queue owes it an attempt.
    pub fn is_open(self) -> bool {
        matches!(self, RefundStatus::Pending | RefundStatus::Retrying)
    }
}

stored_status! {
    /// A ticket: `valid → used` at the door, or `valid → refunded`; a
    /// refunded one of a cancelled showtime is `moved` when its owner took
    /// seats in another showtime instead (new tickets there).
    TicketStatus {
        Valid = "valid", Used = "used", Refunded = "refunded", Moved = "moved",
    }
}

stored_status! {
    /// A notification in the outbox.
    NotificationStatus {
        Pending = "pending", Sent = "sent", Failed = "failed", Skipped = "skipped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_stored_word() {
        for name in BookingStatus::NAMES {
            let status = BookingStatus::parse(name).expect("a booking status");
            assert_eq!(status.as_str(), *name);
            assert_eq!(serde_json::to_value(status).expect("json"), *name);
        }
        for name in RefundStatus::NAMES {
            assert_eq!(RefundStatus::parse(name).map(|s| s.as_str()), Some(*name));
        }
        assert_eq!(TicketStatus::parse("VALID"), None, "one spelling only");
    }

    #[test]
    fn a_word_that_is_no_status_is_an_error_from_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        let read: rusqlite::Result<PaymentStatus> =
            conn.query_row("SELECT 'paid_twice'", [], |r| r.get(0));
        assert!(read.is_err());
        let read: PaymentStatus = conn
            .query_row("SELECT ?1", [PaymentStatus::Voided], |r| r.get(0))
            .expect("round trip");
        assert_eq!(read, PaymentStatus::Voided);
    }
}
