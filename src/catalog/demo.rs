//! Demo data for an empty database: three cities, four cinemas, auditoriums
//! with real-looking layouts (aisles, premium rows, couple seats), seven
//! movies and a week of showtimes starting today, so `cargo run` is a cinema
//! you can book at once.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use rusqlite::{Connection, params};

use chrono_tz::Tz;

use crate::{clock::local_date, error::AppResult};

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
        rating: "D17+",
        genres: "horror",
    },
    MovieSeed {
        title: "Langit Jingga di Bandung",
        synopsis: "Two architects rebuild a cinema and, slowly, each other.",
        minutes: 105,
        rating: "R13+",
        genres: "drama,romance",
    },
    MovieSeed {
        title: "Garuda Terakhir",
        synopsis: "A test pilot flies the last prototype out of a closing factory.",
        minutes: 128,
        rating: "R13+",
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
        rating: "R13+",
        genres: "comedy,mystery",
    },
    MovieSeed {
        title: "Orbit Nusantara",
        synopsis: "Indonesia's first crewed orbit goes wrong at the worst moment.",
        minutes: 140,
        rating: "R13+",
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

/// Seeds the demo catalog. Call it inside one write transaction on an empty database.
pub fn seed(conn: &Connection, zone: Tz, now: DateTime<Utc>) -> AppResult<DemoSummary> {
    let mut summary = DemoSummary::default();
    let mut city_ids: Vec<(&str, i64)> = Vec::new();
    let mut auditoriums: Vec<(i64, std::collections::HashSet<&str>)> = Vec::new();
    for cinema in CINEMAS {
        let city_id = match city_ids.iter().find(|(name, _)| *name == cinema.city) {
            Some((_, id)) => *id,
            None => {
                conn.execute(query!("catalog/insert_city"), params![cinema.city])?;
                let id = conn.last_insert_rowid();
                city_ids.push((cinema.city, id));
                summary.cities += 1;
                id
            }
        };
        conn.execute(
            query!("catalog/create_cinema"),
            params![city_id, cinema.name, cinema.address, zone.name()],
        )?;
        let cinema_id = conn.last_insert_rowid();
        summary.cinemas += 1;
        for layout in cinema.auditoriums {
            conn.execute(
                query!("catalog/insert_auditorium"),
                params![cinema_id, layout.name],
            )?;
            let auditorium_id = conn.last_insert_rowid();
            summary.auditoriums += 1;
            summary.seats += insert_layout(conn, auditorium_id, layout)?;
            let classes = layout.blocks.iter().map(|b| b.class).collect();
            auditoriums.push((auditorium_id, classes));
        }
    }

    let mut movie_ids = Vec::new();
    for movie in MOVIES {
        conn.execute(
            query!("catalog/insert_movie"),
            params![
                movie.title,
                movie.synopsis,
                movie.minutes,
                movie.rating,
                movie.genres,
                "Indonesian"
            ],
        )?;
        movie_ids.push((conn.last_insert_rowid(), movie.minutes));
        summary.movies += 1;
    }

    let today = local_date(now, zone);
    for day in 0..DAYS {
        let date = today + Duration::days(day);
        let weekend = matches!(date.weekday(), Weekday::Fri | Weekday::Sat | Weekday::Sun);
        for (a, (auditorium_id, classes)) in auditoriums.iter().enumerate() {
            for (s, (hour, minute)) in SLOTS.iter().enumerate() {
                let pick = (a * 3 + s + day as usize) % movie_ids.len().max(1);
                let Some(&(movie_id, minutes)) = movie_ids.get(pick) else {
                    continue;
                };
                let local =
                    date.and_time(NaiveTime::from_hms_opt(*hour, *minute, 0).unwrap_or_default());
                let Some(starts) = zone.from_local_datetime(&local).earliest() else {
                    continue;
                };
                let starts_at = starts.timestamp_millis();
                let ends_at = starts_at + minutes * 60_000;
                conn.execute(
                    query!("catalog/insert_showtime"),
                    params![movie_id, auditorium_id, starts_at, ends_at],
                )?;
                let showtime_id = conn.last_insert_rowid();
                for (class, weekday_price, weekend_price) in PRICES {
                    if classes.contains(class) {
                        let amount = if weekend {
                            weekend_price
                        } else {
                            weekday_price
                        };
                        conn.execute(
                            query!("catalog/insert_price"),
                            params![showtime_id, class, amount],
                        )?;
                    }
                }
                summary.showtimes += 1;
            }
        }
    }
    Ok(summary)
}

fn insert_layout(conn: &Connection, auditorium_id: i64, layout: &Layout) -> AppResult<usize> {
    let mut count = 0;
    let mut grid_row = 0;
    let mut insert = conn.prepare_cached(query!("catalog/insert_seat"))?;
    for block in layout.blocks {
        for row in block.rows.chars() {
            let mut grid_col = 0;
            for number in 1..=block.seats {
                let seat_id = format!("{row}{number}");
                insert.execute(params![
                    auditorium_id,
                    seat_id,
                    row.to_string(),
                    number,
                    block.class,
                    grid_row,
                    grid_col
                ])?;
                count += 1;
                grid_col += if block.class == "couple" { 2 } else { 1 };
                if block.aisles_after.contains(&number) {
                    grid_col += 1;
                }
            }
            grid_row += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_has_between_100_and_300_seats() {
        for layout in [&STUDIO_LARGE, &STUDIO_MEDIUM, &PREMIERE, &STUDIO_XL] {
            let seats: i64 = layout
                .blocks
                .iter()
                .map(|b| b.rows.chars().count() as i64 * b.seats)
                .sum();
            assert!(
                (100..=300).contains(&seats),
                "{} has {seats} seats",
                layout.name
            );
        }
    }
}
