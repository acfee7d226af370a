//! The ids that cross module boundaries, one type each, so a booking id can
//! never be passed where a payment id is meant. They live here, below every
//! capability, so that naming a booking or a payment never makes one module
//! import another. In JSON and in SQLite they are the plain value they wrap.

/// SQL and OpenAPI for an id: stored as the `$inner` it wraps, described by
/// `$describe` applied to an empty schema.
macro_rules! stored_as {
    ($name:ident, $inner:ty, $describe:expr) => {
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                <$inner>::column_result(value).map($name)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let describe = $describe;
                describe(utoipa::openapi::ObjectBuilder::new()).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// An id that is text (a UUID the server drew, or a code from outside).
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id (UUID v4).
            pub fn random() -> $name {
                $name(uuid::Uuid::new_v4().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> $name {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> $name {
                $name(text.to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        stored_as!($name, String, |schema: utoipa::openapi::ObjectBuilder| schema
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(64)));
    };
}

/// An id that is a database row number.
macro_rules! number_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(number: i64) -> $name {
                $name(number)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        stored_as!($name, i64, |schema: utoipa::openapi::ObjectBuilder| schema
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            ))));
    };
}

text_id! {
    /// A booking (a hold, then a purchase).
    BookingId
}
text_id! {
    /// A payment attempt of a booking.
    PaymentId
}
text_id! {
    /// A ticket: one sold seat.
    TicketId
}
text_id! {
    /// A refund of a payment.
    RefundId
}
number_id! {
    /// A registered user (customer, staff or admin).
    UserId
}
number_id! {
    /// A showtime: one screening of a movie in an auditorium.
    ShowtimeId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_plain_value_in_json_and_sqlite() {
        let booking = BookingId::from("b-1");
        assert_eq!(serde_json::to_string(&booking).expect("json"), r#""b-1""#);
        let showtime: ShowtimeId = serde_json::from_str("42").expect("json");
        assert_eq!(showtime, ShowtimeId(42));
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        let (text, number): (BookingId, ShowtimeId) = conn
            .query_row("SELECT ?1, ?2", rusqlite::params![booking, showtime], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("round trip");
        assert_eq!((text, number), (booking, showtime));
    }
}
