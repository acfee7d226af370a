//! QR codes of check-in codes: SVG for the API and web pages, PNG for
//! e-mails (mail clients show PNG inline; many do not show SVG).

use qrcode::{Color, QrCode, render::svg};

use crate::error::{AppError, AppResult};

/// Pixels per QR module in the PNG, and the quiet zone around it (modules).
const SCALE: usize = 8;
const QUIET: usize = 4;

pub fn svg(text: &str) -> AppResult<String> {
    Ok(code(text)?
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// A greyscale PNG of the code.
pub fn png(text: &str) -> AppResult<Vec<u8>> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (row, col) = (i / modules + QUIET, i % modules + QUIET);
        let span = col * SCALE..(col + 1) * SCALE;
        for line in pixels.chunks_exact_mut(side).skip(row * SCALE).take(SCALE) {
            if let Some(run) = line.get_mut(span.clone()) {
                run.fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|_| AppError::Internal("QR too large".into()))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&pixels))
        .map_err(|e| AppError::Internal(format!("cannot encode a QR PNG: {e}")))?;
    Ok(out)
}

fn code(text: &str) -> AppResult<QrCode> {
    QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(format!("cannot make a QR code: {e}")))
}
