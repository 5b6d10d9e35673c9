//! The check-in QR code holds a URL, so any phone's camera app opens Zhibu and checks in.

use qrcode::{render::svg, EcLevel, QrCode};

/// The URL a scan opens: the meeting, the slot the code proves, and the code.
pub fn checkin_url(origin: &str, meeting_id: &str, slot: i64, code: &str) -> String {
    format!("{origin}/checkin/{meeting_id}?s={slot}&c={code}")
}

/// The app path a scanned text leads to, if it is a check-in QR (of any Zhibu server: the
/// meeting id decides the rest): `/checkin/{meeting}?s={slot}&c={code}`.
pub fn parse_checkin_url(text: &str) -> Option<String> {
    let (_, rest) = text.trim().split_once("/checkin/")?;
    let (meeting, query) = rest.split_once('?')?;
    let well_formed_id = !meeting.is_empty()
        && meeting.len() <= 64
        && meeting
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let slot: i64 = param("s")?.parse().ok()?;
    let code = param("c")?;
    (well_formed_id && super::checkin::is_well_formed(code))
        .then(|| format!("/checkin/{meeting}?s={slot}&c={code}"))
}

/// The text of the first QR code found in a greyscale frame (the camera's, in the browser
/// that has no BarcodeDetector).
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Option<String> {
    if luma.len() < width * height {
        return None;
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// The QR code as an SVG document. Medium error correction survives a glare on a projector.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// The QR code's modules, row by row (`true` is dark), for raster output.
pub fn qr_modules(text: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((width, modules))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meetings::checkin::{code_for_slot, format_code, verify, Window};

    /// A binary PGM (netpbm) image: each module `scale` pixels, a 4-module quiet zone.
    fn to_pgm(width: usize, modules: &[bool], scale: usize) -> Vec<u8> {
        let border = 4;
        let side = (width + 2 * border) * scale;
        let mut out = format!("P5\n{side} {side}\n255\n").into_bytes();
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (
                    (x / scale) as isize - border as isize,
                    (y / scale) as isize - border as isize,
                );
                let dark = mx >= 0
                    && my >= 0
                    && (mx as usize) < width
                    && (my as usize) < width
                    && modules[my as usize * width + mx as usize];
                out.push(if dark { 0 } else { 255 });
            }
        }
        out
    }

    #[test]
    fn a_real_scanner_reads_back_the_url_the_app_accepts() {
        let secret = b"secret of the meeting";
        let meeting = "0192f0c4-7b1e-7cc0-8000-000000000001";
        let window = Window::for_meeting(1_795_431_600, 1_795_438_800, 900);
        let slot = window.first_slot + 40;
        let code = format_code(code_for_slot(secret, meeting, slot));
        let url = checkin_url("http://127.0.0.1:3000", meeting, slot, &code);

        let (width, modules) = qr_modules(&url).unwrap();
        let path = std::env::temp_dir().join(format!("zhibu-qr-{}.pgm", std::process::id()));
        std::fs::write(&path, to_pgm(width, &modules, 6)).unwrap();
        let output = std::process::Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(&path)
            .output()
            .expect("zbarimg (Debian zbar-tools) must be installed: scripts/setup.sh does it");
        let _ = std::fs::remove_file(&path);
        let decoded = String::from_utf8(output.stdout).unwrap();
        assert_eq!(decoded.trim_end(), url);

        // The decoded URL carries what the server needs to accept the check-in.
        let query = decoded.trim_end().split_once('?').unwrap().1;
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_string()
        };
        let scanned_slot: i64 = param("s").parse().unwrap();
        assert_eq!(
            verify(secret, meeting, window, scanned_slot, &param("c")),
            Ok(slot)
        );
    }

    #[test]
    fn the_wasm_decoder_reads_a_camera_like_frame() {
        let url = checkin_url(
            "https://zhibu.example",
            "0192f0c4-7b1e-7cc0-8000-000000000001",
            59_847_720,
            "042137",
        );
        let (width, modules) = qr_modules(&url).unwrap();
        let pgm = to_pgm(width, &modules, 5);
        // Skip the PGM header; grey it down like a photographed screen: dark 40, light 200.
        let header_end = pgm.len() - (width + 8) * 5 * (width + 8) * 5;
        let side = (width + 8) * 5;
        let frame: Vec<u8> = pgm[header_end..]
            .iter()
            .map(|&v| if v == 0 { 40 } else { 200 })
            .collect();
        assert_eq!(
            decode_luma(side, side, &frame).as_deref(),
            Some(url.as_str())
        );
        assert_eq!(decode_luma(side, side, &vec![255; side * side]), None);
        assert_eq!(
            decode_luma(side, side, &frame[..10]),
            None,
            "short frames are refused"
        );
    }

    #[test]
    fn only_check_in_urls_lead_anywhere() {
        let url = checkin_url(
            "https://zhibu.example",
            "0192f0c4-7b1e-7cc0-8000-000000000001",
            59_847_720,
            "042137",
        );
        assert_eq!(
            parse_checkin_url(&url).as_deref(),
            Some("/checkin/0192f0c4-7b1e-7cc0-8000-000000000001?s=59847720&c=042137")
        );
        assert_eq!(
            parse_checkin_url("https://example.com/pay?s=1&c=123456"),
            None
        );
        assert_eq!(
            parse_checkin_url("https://x/checkin/abc?s=1&c=12ab56"),
            None
        );
        assert_eq!(parse_checkin_url("https://x/checkin/abc?c=123456"), None);
        assert_eq!(
            parse_checkin_url("https://x/checkin/a/../../admin?s=1&c=123456"),
            None
        );
        assert_eq!(parse_checkin_url("WIFI:S:branch;P:secret;;"), None);
    }

    #[test]
    fn svg_is_drawn() {
        let svg = qr_svg("http://127.0.0.1:3000/checkin/x?s=1&c=123456").unwrap();
        assert!(svg.contains("<svg") && svg.contains("#000000"));
    }
}
