//! Demo data for an empty database: three cities, four cinemas, auditoriums
//! with real-looking layouts (aisles, premium rows, couple seats), seven
//! movies and a week of showtimes starting today, so `cargo run` is a cinema
//! you can book at once.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use rusqlite::Connection;

use std::collections::{BTreeMap, BTreeSet};

use super::{
    admin,
    auditoriums::{self, AuditoriumLayout},
    showtimes::{self, NewShowtime, ScheduleRules},
};
use crate::{
    clock::{local_date, millis, rfc3339, to_millis},
    config::Settings,
    error::{AppError, AppResult},
};

/// One block of identical rows in a layout.
struct RowBlock {
    rows: &'static str,
    seats: i64,
    class: &'static str,
    /// Seat numbers after which an aisle (an empty grid column) runs.
    aisles_after: &'static [i64],
}

/// One line of a layout table: rows, seats per row, class, aisles after.
const fn block(
    rows: &'static str,
    seats: i64,
    class: &'static str,
    aisles_after: &'static [i64],
) -> RowBlock {
    RowBlock {
        rows,
        seats,
        class,
        aisles_after,
    }
}

struct Layout {
    name: &'static str,
    blocks: &'static [RowBlock],
}

impl Layout {
    /// The layout as an operator writes it (DESIGN 4a): a row of class
    /// letters per row, `_` for each aisle.
    fn written(&self) -> AuditoriumLayout {
        let mut classes = BTreeMap::new();
        let mut rows = Vec::new();
        for block in self.blocks {
            let letter = block.class.get(..1).unwrap_or("X").to_ascii_uppercase();
            classes.insert(letter.clone(), block.class.to_string());
            let mut row = String::new();
            for number in 1..=block.seats {
                row.push_str(&letter);
                if block.aisles_after.contains(&number) {
                    row.push('_');
                }
            }
            rows.extend(block.rows.chars().map(|_| row.clone()));
        }
        AuditoriumLayout {
            name: self.name.into(),
            classes,
            rows,
        }
    }
}

const STUDIO_LARGE: Layout = Layout {
    name: "Studio 1",
    blocks: &[
        block("ABCDEFGHIJ", 16, "regular", &[4, 12]),
        block("KL", 14, "premium", &[7]),
        block("M", 8, "couple", &[4]),
    ],
};

const STUDIO_MEDIUM: Layout = Layout {
    name: "Studio 2",
    blocks: &[
        block("ABCDEFGH", 14, "regular", &[7]),
        block("IJ", 12, "premium", &[6]),
        block("K", 6, "couple", &[3]),
    ],
};

const PREMIERE: Layout = Layout {
    name: "Premiere",
    blocks: &[
        block("ABCDEFGH", 12, "premium", &[6]),
        block("I", 6, "couple", &[3]),
    ],
};

/// Exactly 300 seats: the house the flash-sale benchmark fills.
const STUDIO_XL: Layout = Layout {
    name: "Studio XL",
    blocks: &[
        block("ABCDEFGHIJKL", 20, "regular", &[5, 15]),
        block("MNO", 20, "premium", &[5, 15]),
    ],
};

struct CinemaSeed {
    city: &'static str,
    name: &'static str,
    address: &'static str,
    auditoriums: &'static [&'static Layout],
}

const CINEMAS: &[CinemaSeed] = &[
    CinemaSeed {
        city: "Jakarta",
        name: "Bioskop Grand Indonesia",
        address: "Jl. M.H. Thamrin No. 1, Jakarta Pusat",
        auditoriums: &[&STUDIO_LARGE, &STUDIO_MEDIUM, &PREMIERE],
    },
    CinemaSeed {
        city: "Jakarta",
        name: "Bioskop Kota Kasablanka",
        address: "Jl. Casablanca Raya Kav. 88, Jakarta Selatan",
        auditoriums: &[&STUDIO_LARGE, &STUDIO_XL],
    },
    CinemaSeed {
        city: "Bandung",
        name: "Bioskop Paris Van Java",
        address: "Jl. Sukajadi No. 131-139, Bandung",
        auditoriums: &[&STUDIO_LARGE, &STUDIO_MEDIUM],
    },
    CinemaSeed {
        city: "Surabaya",
        name: "Bioskop Tunjungan Plaza",
        address: "Jl. Basuki Rahmat No. 8-12, Surabaya",
        auditoriums: &[&STUDIO_MEDIUM, &PREMIERE],
    },
];

struct MovieSeed {
    title: &'static str,
    synopsis: &'static str,
    minutes: i64,
    rating: &'static str,
    genres: &'static str,
}

const MOVIES: &[MovieSeed] = &[
    MovieSeed {
        title: "Pengabdi Malam",
        synopsis: "A family moves into a house whose night shift never ends.",
        minutes: 117,
        rating: "17+",
        genres: "horror",
    },
    MovieSeed {
        title: "Langit Jingga di Bandung",
        synopsis: "Two architects rebuild a cinema and, slowly, each other.",
        minutes: 105,
        rating: "13+",
        genres: "drama,romance",
    },
    MovieSeed {
        title: "Garuda Terakhir",
        synopsis: "A test pilot flies the last prototype out of a closing factory.",
        minutes: 128,
        rating: "13+",
        genres: "action",
    },
    MovieSeed {
        title: "Si Kancil dan Kota Hujan",
        synopsis: "The clever mouse-deer saves a city that forgot the sun.",
        minutes: 92,
        rating: "SU",
        genres: "animation,family",
    },
    MovieSeed {
        title: "Detektif Kopi Tubruk",
        synopsis: "A barista solves crimes one cup at a time.",
        minutes: 101,
        rating: "13+",
        genres: "comedy,mystery",
    },
    MovieSeed {
        title: "Orbit Nusantara",
        synopsis: "Indonesia's first crewed orbit goes wrong at the worst moment.",
        minutes: 140,
        rating: "13+",
        genres: "science fiction",
    },
    MovieSeed {
        title: "Warung Mbok Darmi",
        synopsis: "A food stall fights a franchise with recipes and gossip.",
        minutes: 98,
        rating: "SU",
        genres: "comedy",
    },
];

/// Local start times of the daily slots.
const SLOTS: &[(u32, u32)] = &[(12, 0), (14, 45), (17, 30), (20, 15)];
const DAYS: i64 = 7;

/// Prices per class: (weekday, weekend).
const PRICES: &[(&str, i64, i64)] = &[
    ("regular", 45_000, 55_000),
    ("premium", 75_000, 90_000),
    ("couple", 120_000, 150_000),
];

#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub cities: usize,
    pub cinemas: usize,
    pub auditoriums: usize,
    pub seats: usize,
    pub movies: usize,
    pub showtimes: usize,
}

/// Seeds the demo catalog through the back office's own paths (the same
/// validation, the same seat layouts, audit rows by nobody): one way to
/// create a cinema, whether an operator or the demo does it.
pub fn seed(conn: &Connection, settings: &Settings, now: DateTime<Utc>) -> AppResult<DemoSummary> {
    let zone = settings.catalog.default_timezone;
    let rules = ScheduleRules {
        gap_ms: millis(settings.catalog.cleaning_gap),
        currency: settings.booking.currency.clone(),
    };
    let now_ms = to_millis(now);
    let mut summary = DemoSummary::default();
    let mut city_ids: Vec<(&str, i64)> = Vec::new();
    let mut auditoriums: Vec<(i64, BTreeSet<String>)> = Vec::new();
    for seed in CINEMAS {
        let city_id = match city_ids.iter().find(|(name, _)| *name == seed.city) {
            Some((_, id)) => *id,
            None => {
                let city = admin::create_city(
                    conn,
                    &admin::NewCity {
                        name: seed.city.into(),
                    },
                    None,
                    now_ms,
                )?;
                city_ids.push((seed.city, city.id));
                summary.cities += 1;
                city.id
            }
        };
        let new = admin::NewCinema {
            city_id,
            name: seed.name.into(),
            address: seed.address.into(),
            timezone: Some(zone.name().into()),
        };
        let cinema = admin::create_cinema(conn, &new, zone, None, now_ms)?;
        summary.cinemas += 1;
        for layout in seed.auditoriums {
            let created =
                auditoriums::create_auditorium(conn, cinema.id, &layout.written(), None, now_ms)?;
            summary.auditoriums += 1;
            summary.seats += created.seats.len();
            let classes = created.seats.iter().map(|s| s.class.clone()).collect();
            auditoriums.push((created.id, classes));
        }
    }

    let mut movie_ids = Vec::new();
    for movie in MOVIES {
        let new = admin::NewMovie {
            title: movie.title.into(),
            synopsis: movie.synopsis.into(),
            duration_minutes: movie.minutes,
            rating: movie.rating.into(),
            genres: movie.genres.split(',').map(String::from).collect(),
            language: "Indonesian".into(),
            poster_url: None,
        };
        let created = admin::create_movie(conn, &new, None, now_ms)?;
        movie_ids.push(created.id);
        summary.movies += 1;
    }

    let today = local_date(now, zone);
    for day in 0..DAYS {
        let date = today + Duration::days(day);
        let weekend = matches!(date.weekday(), Weekday::Fri | Weekday::Sat | Weekday::Sun);
        for (a, (auditorium_id, classes)) in auditoriums.iter().enumerate() {
            for (s, (hour, minute)) in SLOTS.iter().enumerate() {
                let pick = (a * 3 + s + day as usize) % movie_ids.len().max(1);
                let Some(&movie_id) = movie_ids.get(pick) else {
                    continue;
                };
                let local =
                    date.and_time(NaiveTime::from_hms_opt(*hour, *minute, 0).unwrap_or_default());
                // Today's slots that have begun are not scheduled: a start
                // in the past is refused to the seed as to an operator.
                let Some(starts) = zone.from_local_datetime(&local).earliest() else {
                    continue;
                };
                if starts.timestamp_millis() <= now_ms {
                    continue;
                }
                let prices = PRICES
                    .iter()
                    .filter(|(class, _, _)| classes.contains(*class))
                    .map(|(class, weekday, weekend_price)| {
                        let amount = if weekend { weekend_price } else { weekday };
                        (class.to_string(), *amount)
                    })
                    .collect();
                let new = NewShowtime {
                    movie_id,
                    auditorium_id: *auditorium_id,
                    starts_at: rfc3339(starts.timestamp_millis(), zone),
                    prices,
                };
                // A configured cleaning gap longer than the demo's slots
                // allow leaves that slot out rather than the whole demo.
                match showtimes::create_showtime(conn, &new, &rules, None, now_ms) {
                    Ok(_) => summary.showtimes += 1,
                    Err(AppError::ShowtimeOverlap { .. }) => {}
                    Err(error) => return Err(error),
                }
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_is_a_valid_written_layout_of_100_to_300_seats() {
        for layout in [&STUDIO_LARGE, &STUDIO_MEDIUM, &PREMIERE, &STUDIO_XL] {
            let written = layout.written();
            let seats = crate::catalog::layout::parse(&written.classes, &written.rows)
                .unwrap_or_else(|e| panic!("{}: {e:?}", layout.name));
            assert!(
                (100..=300).contains(&seats.len()),
                "{} has {} seats",
                layout.name,
                seats.len()
            );
        }
    }

    #[test]
    fn a_written_layout_numbers_seats_around_its_aisles() {
        let written = STUDIO_LARGE.written();
        assert_eq!(
            written.rows.first().map(String::as_str),
            Some("RRRR_RRRRRRRR_RRRR")
        );
        assert_eq!(written.rows.last().map(String::as_str), Some("CCCC_CCCC"));
        let seats = crate::catalog::layout::parse(&written.classes, &written.rows).expect("valid");
        let m5 = seats.iter().find(|s| s.id == "M5").expect("M5");
        // Four couple seats of two cells each, then the aisle.
        assert_eq!((m5.class.as_str(), m5.grid_col), ("couple", 9));
    }
}
