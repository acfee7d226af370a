//! Time as an input. The system reads "now" from a [`Clock`] it is built with,
//! so tests can move time forward by ten minutes without waiting ten minutes.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    pub fn advance(&self, by: std::time::Duration) {
        let by = Duration::from_std(by).unwrap_or(Duration::MAX);
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = now
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Milliseconds since the epoch: how instants are stored in SQLite.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A duration in milliseconds, as instants are counted (saturating).
pub fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A cinema's IANA time zone by its stored name. Names are checked when they
/// are written, so only a hand-edited database has an unknown one: its times
/// are then shown in UTC, never at a wrong instant.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// An instant in RFC 3339 in a cinema's time zone, as the API shows the times
/// of its showtimes, bookings and tickets (`2026-11-29T00:30:00+08:00`).
pub fn rfc3339(ms: i64, zone: Tz) -> String {
    from_millis(ms)
        .with_timezone(&zone)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An instant in RFC 3339 in UTC, for times not tied to one cinema
/// (sessions, notifications, alerts, the audit trail).
pub fn rfc3339_utc(ms: i64) -> String {
    from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The calendar date it is now in `zone`: a cinema's "today".
pub fn local_date(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The [start, end) milliseconds of a local calendar day in `zone` (23 or 25
/// hours long on a daylight-saving change; Indonesia has none).
pub fn local_day(date: NaiveDate, zone: Tz) -> (i64, i64) {
    let start_of = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .map(|d| d.timestamp_millis())
            // Midnight itself skipped (a forward jump at 00:00): the day
            // starts at the first instant after it, an hour later at most.
            .unwrap_or_else(|| {
                let one_hour = day.and_time(NaiveTime::MIN) + Duration::hours(1);
                zone.from_local_datetime(&one_hour)
                    .earliest()
                    .map(|d| d.timestamp_millis())
                    .unwrap_or_default()
            })
    };
    let next = date.succ_opt().unwrap_or(date);
    (start_of(date), start_of(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .expect("an RFC 3339 instant")
            .timestamp_millis()
    }

    #[test]
    fn a_cinema_time_carries_its_own_zone_offset() {
        let at = ms("2026-11-28T16:30:00Z");
        assert_eq!(
            rfc3339(at, zone("Asia/Jakarta")),
            "2026-11-28T23:30:00+07:00"
        );
        assert_eq!(
            rfc3339(at, zone("Asia/Makassar")),
            "2026-11-29T00:30:00+08:00"
        );
        assert_eq!(
            rfc3339(at, zone("Asia/Jayapura")),
            "2026-11-29T01:30:00+09:00"
        );
        assert_eq!(rfc3339_utc(at), "2026-11-28T16:30:00Z");
    }

    #[test]
    fn a_local_day_starts_at_the_zones_midnight() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date");
        let (start, end) = local_day(date, zone("Asia/Makassar"));
        assert_eq!(start, ms("2026-11-28T16:00:00Z"));
        assert_eq!(end - start, 86_400_000);
        let instant = from_millis(ms("2026-11-28T16:30:00Z"));
        assert_eq!(local_date(instant, zone("Asia/Makassar")), date);
        assert_eq!(
            local_date(instant, zone("Asia/Jakarta")),
            date.pred_opt().expect("a date")
        );
    }

    #[test]
    fn a_day_with_a_daylight_saving_change_is_23_or_25_hours_long() {
        let berlin = zone("Europe/Berlin");
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).expect("a date");
        let (start, end) = local_day(spring, berlin);
        assert_eq!(end - start, 23 * 3_600_000);
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).expect("a date");
        let (start, end) = local_day(autumn, berlin);
        assert_eq!(end - start, 25 * 3_600_000);
    }

    #[test]
    fn an_unknown_zone_name_shows_utc_rather_than_a_wrong_instant() {
        assert_eq!(zone("Asia/Nowhere"), Tz::UTC);
    }
}
