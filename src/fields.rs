//! What several services ask of request fields, in one place: a field that
//! may be left out but, when sent, is not `null`; and a local calendar date
//! written exactly `YYYY-MM-DD`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "present")]`: left out is
/// `None`, `null` is refused like any value of the wrong type.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A date written exactly `YYYY-MM-DD` (not `2026-1-5`), or `None`.
pub fn local_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_read_only_in_its_one_spelling() {
        assert_eq!(
            local_date("2026-11-29"),
            NaiveDate::from_ymd_opt(2026, 11, 29)
        );
        assert_eq!(local_date("2026-1-5"), None);
        assert_eq!(local_date("29-11-2026"), None);
        assert_eq!(local_date(""), None);
    }
}
