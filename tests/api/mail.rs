//! Reading delivered mail in tests: `.eml` files or a maildir, parsed as RFC
//! 5322 with mail-parser, QR codes decoded from their PNGs with rqrr.

use std::{path::Path, time::Duration};

use mail_parser::{MessageParser, MimeHeaders};

/// A delivered mail, as a reader would see it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// The inline PNGs (decoding them is slow in a debug build: on demand).
    pub pngs: Vec<Vec<u8>>,
}

impl Mail {
    /// Each inline PNG's QR code, decoded.
    pub fn qr_codes(&self) -> Vec<String> {
        self.pngs.iter().map(|png| decode_qr(png)).collect()
    }
}

pub fn parse(raw: &[u8]) -> Mail {
    let message = MessageParser::default()
        .parse(raw)
        .expect("the mail parses as RFC 5322");
    let pngs = message
        .attachments()
        .filter(|part| {
            part.content_type()
                .is_some_and(|ct| ct.ctype() == "image" && ct.subtype() == Some("png"))
        })
        .map(|part| part.contents().to_vec())
        .collect();
    Mail {
        to: message
            .to()
            .and_then(|to| to.first())
            .and_then(|addr| addr.address())
            .unwrap_or_default()
            .to_string(),
        subject: message.subject().unwrap_or_default().to_string(),
        message_id: message.message_id().unwrap_or_default().to_string(),
        text: message.body_text(0).unwrap_or_default().to_string(),
        html: message.body_html(0).unwrap_or_default().to_string(),
        pngs,
    }
}

pub fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a PNG size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (width, height) = (info.width as usize, info.height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

/// Every mail in a folder of `.eml` files or in a maildir (its `new/`).
pub fn read_all(dir: &Path) -> Vec<Mail> {
    let mut mails = Vec::new();
    for folder in [dir.to_path_buf(), dir.join("new"), dir.join("cur")] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if !path.is_file() || name.starts_with('.') {
                continue;
            }
            if folder == dir && !name.ends_with(".eml") {
                continue;
            }
            mails.push(parse(&std::fs::read(&path).expect("read a mail")));
        }
    }
    mails
}

/// Waits until `want` mails to `to` whose subject contains `subject` arrived.
pub async fn wait_for(dir: &Path, to: &str, subject: &str, want: usize) -> Vec<Mail> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let found: Vec<Mail> = read_all(dir)
            .into_iter()
            .filter(|m| m.to == to && m.subject.contains(subject))
            .collect();
        if found.len() >= want {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{want} mail(s) to {to} about {subject:?} never arrived in {}; found {found:?}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
