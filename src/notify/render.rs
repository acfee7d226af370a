//! The words of every message, in Indonesian (the default) or English, built
//! at send time from the event's facts and what the database says of the
//! booking. An e-ticket carries one QR code per seat as an inline PNG.

use chrono::Offset;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Message, message::RefundFacts};
use crate::{
    clock::{from_millis, zone},
    config::MailLocale,
    error::{AppError, AppResult},
    html::escape,
    tickets::qr,
};

/// The code of a render error that means "no message is due any more".
pub const NOTHING_TO_SEND: &str = "nothing_to_send";

/// A message ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Inline images the HTML refers to as `cid:<content_id>`.
    pub images: Vec<InlineImage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    pub content_id: String,
    pub png: Vec<u8>,
}

/// Renders a notification in `locale`; links start with `public_url`.
pub fn render(
    conn: &Connection,
    message: &Message,
    locale: MailLocale,
    public_url: &str,
) -> AppResult<Rendered> {
    let words = Words { locale };
    // The refund messages share their facts; the cancellation has its own.
    let (about, refund) = match message {
        Message::ETicket(eticket) => return e_ticket(conn, &eticket.booking_id, &words),
        Message::RefundFailed(facts) => return Ok(refund_failed(facts, &words)),
        Message::AdminAlert(facts) => return Ok(admin_alert(facts, &words)),
        Message::ShowtimeCancelled(facts) => {
            let money = (facts.amount, facts.currency.as_str());
            return about_booking(conn, About::Cancelled, &facts.booking_id, money, &words);
        }
        Message::MoveOffered(facts) => {
            let money = (facts.amount, facts.currency.as_str());
            let offer = About::Offered {
                decide_by: facts.decide_by,
                link: format!(
                    "{}/#/bookings/{}",
                    public_url.trim_end_matches('/'),
                    facts.booking_id
                ),
            };
            return about_booking(conn, offer, &facts.booking_id, money, &words);
        }
        Message::RefundSucceeded(facts) => (About::Refunded, facts),
        Message::RefundNeedsManualHandling(facts) => (About::HandledByStaff, facts),
    };
    let money = (refund.amount, refund.currency.as_str());
    about_booking(conn, about, &refund.booking_id, money, &words)
}

/// What a message about a customer's booking tells them.
#[derive(Debug, Clone)]
enum About {
    Cancelled,
    /// Cancelled, with the choice of another showtime or the refund until
    /// `decide_by`, made on the booking page at `link`.
    Offered {
        decide_by: i64,
        link: String,
    },
    Refunded,
    HandledByStaff,
}

struct Words {
    locale: MailLocale,
}

impl Words {
    fn pick<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            MailLocale::Id => id,
            MailLocale::En => en,
        }
    }

    /// A time in the cinema's zone (`timezone`, an IANA name), with its
    /// Indonesian abbreviation where it has one: `29-11-2026 00:30 WITA (UTC+08:00)`.
    fn when(&self, millis: i64, timezone: &str) -> String {
        let at = from_millis(millis).with_timezone(&zone(timezone));
        let abbreviation = at.format("%Z").to_string();
        let offset = at.offset().fix();
        if abbreviation.starts_with(['+', '-']) {
            format!("{} (UTC{offset})", at.format("%d-%m-%Y %H:%M"))
        } else {
            format!(
                "{} {abbreviation} (UTC{offset})",
                at.format("%d-%m-%Y %H:%M")
            )
        }
    }

    fn money(&self, amount: i64, currency: &str) -> String {
        if currency != "IDR" {
            return format!("{amount} {currency}");
        }
        let digits = amount.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(digit);
        }
        let sign = if amount < 0 { "-" } else { "" };
        format!("{sign}Rp{grouped}")
    }
}

/// Lines of "label: value", as text and as an HTML table.
fn facts_block(facts: &[(&str, String)]) -> (String, String) {
    let text = facts
        .iter()
        .map(|(label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join("\n");
    let rows = facts
        .iter()
        .map(|(label, value)| {
            format!(
                "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                escape(label),
                escape(value)
            )
        })
        .collect::<String>();
    (text, format!("<table>{rows}</table>"))
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem\"><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    )
}

struct TicketLine {
    id: String,
    seat: String,
    class: String,
    price: i64,
    code: String,
    status: String,
}

fn e_ticket(conn: &Connection, booking_id: &str, words: &Words) -> AppResult<Rendered> {
    let mut header = None;
    let mut lines = Vec::new();
    let rows = conn
        .prepare_cached(query!("tickets/eticket"))?
        .query_map(params![booking_id], |r| {
            Ok((
                TicketLine {
                    id: r.get(0)?,
                    seat: r.get(1)?,
                    class: r.get(2)?,
                    price: r.get(3)?,
                    code: r.get(4)?,
                    status: r.get(5)?,
                },
                (
                    r.get::<_, String>(7)?,                           // payment id
                    r.get::<_, i64>(8)?,                              // amount
                    r.get::<_, String>(9)?,                           // currency
                    r.get::<_, String>(11)?,                          // movie
                    r.get::<_, String>(12)?,                          // cinema
                    r.get::<_, String>(13)?,                          // address
                    r.get::<_, String>(14)?,                          // auditorium
                    words.when(r.get(15)?, &r.get::<_, String>(17)?), // starts at
                    r.get::<_, String>(16)?,                          // customer
                ),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Tickets refunded or moved before their e-ticket went out (the showtime
    // was cancelled meanwhile) admit nobody: they are not sent.
    for (line, facts) in rows
        .into_iter()
        .filter(|(l, _)| l.status == "valid" || l.status == "used")
    {
        header.get_or_insert(facts);
        lines.push(line);
    }
    let Some((payment_id, amount, currency, movie, cinema, address, auditorium, starts_at, name)) =
        header
    else {
        return Err(AppError::conflict(
            NOTHING_TO_SEND,
            format!("booking {booking_id} has no valid tickets left to send"),
        ));
    };
    let subject = format!(
        "{}: {movie}, {}",
        words.pick("E-tiket Anda", "Your e-ticket"),
        starts_at
    );
    let greeting = format!("{} {name},", words.pick("Halo", "Hello"));
    let intro = words.pick(
        "terima kasih, pembayaran Anda berhasil. Tunjukkan kode QR setiap kursi di pintu masuk studio.",
        "thank you, your payment went through. Show each seat's QR code at the auditorium door.",
    );
    let seats = lines
        .iter()
        .map(|l| l.seat.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let (facts_text, facts_html) = facts_block(&[
        (words.pick("Film", "Movie"), movie.clone()),
        (
            words.pick("Bioskop", "Cinema"),
            format!("{cinema}, {address}"),
        ),
        (words.pick("Studio", "Auditorium"), auditorium),
        (words.pick("Waktu", "Time"), starts_at),
        (words.pick("Kursi", "Seats"), seats),
        (
            words.pick("Total dibayar", "Total paid"),
            words.money(amount, &currency),
        ),
        (
            words.pick("Kode booking", "Booking reference"),
            booking_id.to_string(),
        ),
        (words.pick("ID transaksi", "Transaction id"), payment_id),
    ]);
    let mut text = format!("{greeting}\n{intro}\n\n{facts_text}\n");
    let mut html = format!(
        "<p>{}</p><p>{}</p>{facts_html}",
        escape(&greeting),
        escape(intro)
    );
    let mut images = Vec::new();
    for line in &lines {
        let seat_label = format!(
            "{} {} ({}, {})",
            words.pick("Kursi", "Seat"),
            line.seat,
            line.class,
            words.money(line.price, &currency)
        );
        text.push_str(&format!(
            "\n{seat_label}\n  {}: {}\n",
            words.pick("Kode check-in", "Check-in code"),
            line.code
        ));
        let content_id = format!("qr-{}", line.id);
        html.push_str(&format!(
            "<h2>{}</h2><p><img src=\"cid:{content_id}\" alt=\"QR {}\" width=\"240\" height=\"240\"><br><code>{}</code></p>",
            escape(&seat_label),
            escape(&line.seat),
            escape(&line.code)
        ));
        images.push(InlineImage {
            content_id,
            png: qr::png(&line.code)?,
        });
    }
    Ok(Rendered {
        html: page(&subject, &html),
        subject,
        text,
        images,
    })
}

fn about_booking(
    conn: &Connection,
    about: About,
    booking_id: &str,
    (amount, currency): (i64, &str),
    words: &Words,
) -> AppResult<Rendered> {
    let (movie, cinema, auditorium, starts_at, name, timezone) = conn
        .prepare_cached(query!("notify/booking_facts"))?
        .query_row(params![booking_id], |r| {
            let timezone = r.get::<_, String>(5)?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                words.when(r.get(3)?, &timezone),
                r.get::<_, String>(4)?,
                timezone,
            ))
        })
        .optional()?
        .ok_or_else(|| AppError::Internal(format!("no booking {booking_id} to write about")))?;
    let money = words.money(amount, currency);
    let mut link = None;
    let (subject, message) = match about {
        About::Offered {
            decide_by,
            link: page_link,
        } => {
            let by = words.when(decide_by, &timezone);
            link = Some(page_link);
            (
                format!(
                    "{}: {movie}",
                    words.pick(
                        "Jadwal tayang dibatalkan: pilih jadwal lain atau pengembalian dana",
                        "Showtime cancelled: choose another showtime or your refund",
                    )
                ),
                format!(
                    "{} {money} {} {by}{}",
                    words.pick(
                        "mohon maaf, jadwal tayang ini dibatalkan oleh bioskop. Anda boleh pindah ke jadwal lain film ini tanpa biaya tambahan, atau menerima kembali dana Anda sebesar",
                        "we are sorry: the cinema cancelled this showtime. You may move to another showtime of this movie at no extra cost, or take back your payment of",
                    ),
                    words.pick(
                        "Pilih di halaman booking Anda sebelum",
                        "Choose on your booking page before",
                    ),
                    words.pick(
                        "; tanpa pilihan, dana Anda dikembalikan secara otomatis.",
                        "; without a choice, your money is refunded by itself.",
                    )
                ),
            )
        }
        About::Cancelled => (
            format!("{}: {movie}", words.pick("Jadwal tayang dibatalkan", "Showtime cancelled")),
            format!(
                "{} {money} {}",
                words.pick(
                    "mohon maaf, jadwal tayang ini dibatalkan oleh bioskop. Dana Anda sebesar",
                    "we are sorry: the cinema cancelled this showtime. Your payment of",
                ),
                words.pick(
                    "sedang dikembalikan; kami kabari lagi setelah selesai.",
                    "is being refunded; we will tell you when it is done.",
                )
            ),
        ),
        About::Refunded => (
            format!("{}: {money}", words.pick("Pengembalian dana berhasil", "Refund succeeded")),
            format!(
                "{} {money} {}",
                words.pick("dana Anda sebesar", "your refund of"),
                words.pick(
                    "telah dikembalikan ke metode pembayaran Anda.",
                    "has been paid back to your payment method.",
                )
            ),
        ),
        About::HandledByStaff => (
            words
                .pick(
                    "Pengembalian dana Anda ditangani staf kami",
                    "Our staff are handling your refund",
                )
                .to_string(),
            format!(
                "{} {money} {}",
                words.pick(
                    "pengembalian otomatis dana Anda sebesar",
                    "the automatic refund of",
                ),
                words.pick(
                    "belum berhasil. Staf kami akan menyelesaikannya secara manual dan menghubungi Anda.",
                    "did not go through. Our staff will complete it by hand and contact you.",
                )
            ),
        ),
    };
    let greeting = format!("{} {name},", words.pick("Halo", "Hello"));
    let (facts_text, facts_html) = facts_block(&[
        (words.pick("Film", "Movie"), movie),
        (words.pick("Bioskop", "Cinema"), cinema),
        (words.pick("Studio", "Auditorium"), auditorium),
        (words.pick("Waktu", "Time"), starts_at),
        (
            words.pick("Kode booking", "Booking reference"),
            booking_id.to_string(),
        ),
    ]);
    let (link_text, link_html) = match &link {
        Some(url) => (
            format!("\n{}: {url}\n", words.pick("Pilih di sini", "Choose here")),
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(url),
                escape(words.pick(
                    "Pilih jadwal atau pengembalian dana",
                    "Choose a showtime or your refund"
                ))
            ),
        ),
        None => (String::new(), String::new()),
    };
    Ok(Rendered {
        text: format!("{greeting}\n{message}\n{link_text}\n{facts_text}\n"),
        html: page(
            &subject,
            &format!(
                "<p>{}</p><p>{}</p>{link_html}{facts_html}",
                escape(&greeting),
                escape(&message)
            ),
        ),
        subject,
        images: Vec::new(),
    })
}

/// An alert as the admins read it: the stored words (English, as the alerts
/// page shows them) under a heading in the mail's language.
fn admin_alert(facts: &super::message::AlertFacts, words: &Words) -> Rendered {
    let subject = format!(
        "{} {}",
        words.pick("Perlu perhatian:", "Needs attention:"),
        facts.subject
    );
    let (facts_text, facts_html) =
        facts_block(&[(words.pick("Jenis", "Kind"), facts.kind.clone())]);
    let more = words.pick(
        "Semua peringatan ada di halaman admin (Peringatan).",
        "Every alert is on the admin pages (Alerts).",
    );
    Rendered {
        text: format!("{}\n\n{facts_text}\n\n{more}\n", facts.message),
        html: page(
            &subject,
            &format!(
                "<p>{}</p>{facts_html}<p>{}</p>",
                escape(&facts.message),
                escape(more)
            ),
        ),
        subject,
        images: Vec::new(),
    }
}

fn refund_failed(facts: &RefundFacts, words: &Words) -> Rendered {
    let refund_id = &facts.refund_id;
    let subject = format!(
        "{} {refund_id}",
        words.pick(
            "Pengembalian dana perlu ditangani manual:",
            "Refund needs manual handling:"
        )
    );
    let message = words.pick(
        "Pengembalian dana ini gagal setelah semua percobaan. Selesaikan secara manual, lalu tandai selesai di halaman admin (POST /api/v1/admin/refunds/{id}/resolve) atau coba lagi (/retry).",
        "This refund failed after its last attempt. Refund it by hand and mark it resolved in the admin pages (POST /api/v1/admin/refunds/{id}/resolve), or retry it (/retry).",
    );
    let (facts_text, facts_html) = facts_block(&[
        ("Refund", refund_id.to_string()),
        (
            words.pick("Kode booking", "Booking"),
            facts.booking_id.to_string(),
        ),
        (
            words.pick("Jumlah", "Amount"),
            words.money(facts.amount, &facts.currency),
        ),
        (
            words.pick("Percobaan", "Attempts"),
            facts.attempts.to_string(),
        ),
        (words.pick("Alasan", "Reason"), facts.reason.clone()),
    ]);
    Rendered {
        text: format!("{message}\n\n{facts_text}\n"),
        html: page(&subject, &format!("<p>{}</p>{facts_html}", escape(message))),
        subject,
        images: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_in_a_message_is_the_cinemas_local_time_with_its_indonesian_zone() {
        let words = Words {
            locale: MailLocale::Id,
        };
        // 2026-11-28T16:30:00Z
        let at = 1_795_883_400_000;
        assert_eq!(
            words.when(at, "Asia/Makassar"),
            "29-11-2026 00:30 WITA (UTC+08:00)"
        );
        assert_eq!(
            words.when(at, "Asia/Jakarta"),
            "28-11-2026 23:30 WIB (UTC+07:00)"
        );
        assert_eq!(
            words.when(at, "Asia/Jayapura"),
            "29-11-2026 01:30 WIT (UTC+09:00)"
        );
    }

    #[test]
    fn rupiah_are_grouped_by_thousands() {
        let words = Words {
            locale: MailLocale::Id,
        };
        assert_eq!(words.money(180_000, "IDR"), "Rp180.000");
        assert_eq!(words.money(1_250_000, "IDR"), "Rp1.250.000");
        assert_eq!(words.money(500, "IDR"), "Rp500");
        assert_eq!(words.money(12, "USD"), "12 USD");
    }
}
