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
    let (side, pixels) = pixels(&code(text)?);
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

/// The greyscale pixels of the code with its quiet zone: (side, rows).
fn pixels(code: &QrCode) -> (usize, Vec<u8>) {
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
    (side, pixels)
}

fn code(text: &str) -> AppResult<QrCode> {
    QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(format!("cannot make a QR code: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pixels_are_those_of_the_indexed_loop_they_replace() {
        let code = code("0123456789abcdef0123456789abcdef").expect("a code");
        let (side, pixels) = pixels(&code);
        let modules = code.width();
        let mut expected = vec![255u8; side * side];
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let (row, col) = (i / modules + QUIET, i % modules + QUIET);
            for y in row * SCALE..(row + 1) * SCALE {
                expected[y * side + col * SCALE..y * side + (col + 1) * SCALE].fill(0);
            }
        }
        assert_eq!(pixels, expected);
    }
}
