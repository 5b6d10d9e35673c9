//! Rotating check-in codes. The code for time slot `s` (30 s) is HMAC-SHA256(secret,
//! meeting_id ‖ s) shown as 6 digits; a check-in counts for the slot it proves, never the
//! phone's clock or the time of upload.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SLOT_SECS: i64 = 30;

pub fn slot_of(utc_secs: i64) -> i64 {
    utc_secs.div_euclid(SLOT_SECS)
}

pub fn slot_start(slot: i64) -> i64 {
    slot * SLOT_SECS
}

/// The six digits for `slot`, by HOTP's dynamic truncation of the HMAC.
pub fn code_for_slot(secret: &[u8], meeting_id: &str, slot: i64) -> u32 {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(meeting_id.as_bytes());
    mac.update(&slot.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 1_000_000
}

pub fn format_code(code: u32) -> String {
    format!("{code:06}")
}

/// The slots in which check-in is open: from `opens_before` seconds before the start to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub first_slot: i64,
    pub last_slot: i64,
}

impl Window {
    pub fn for_meeting(starts_at: i64, ends_at: i64, opens_before: i64) -> Self {
        Window {
            first_slot: slot_of(starts_at - opens_before),
            last_slot: slot_of(ends_at),
        }
    }

    pub fn contains(&self, slot: i64) -> bool {
        (self.first_slot..=self.last_slot).contains(&slot)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckinRefusal {
    /// Not six digits.
    Malformed,
    /// The slot lies outside the meeting's check-in window.
    OutsideWindow,
    /// The code is not this meeting's code for that slot.
    WrongCode,
}

/// Six ASCII digits: the only shape a code can have.
pub fn is_well_formed(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// Judges a check-in claiming `slot` with `code`. A code typed just after the screen rotated
/// is still accepted for the slot before; the accepted slot is returned as the proof of time.
pub fn verify(
    secret: &[u8],
    meeting_id: &str,
    window: Window,
    slot: i64,
    code: &str,
) -> Result<i64, CheckinRefusal> {
    let code = code.trim();
    if !is_well_formed(code) {
        return Err(CheckinRefusal::Malformed);
    }
    let value: u32 = code.parse().map_err(|_| CheckinRefusal::Malformed)?;
    let mut outside = true;
    for candidate in [slot, slot - 1] {
        if !window.contains(candidate) {
            continue;
        }
        outside = false;
        if code_for_slot(secret, meeting_id, candidate) == value {
            return Ok(candidate);
        }
    }
    Err(if outside {
        CheckinRefusal::OutsideWindow
    } else {
        CheckinRefusal::WrongCode
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const MEETING: &str = "0192f0c4-7b1e-7cc0-8000-000000000001";

    fn window() -> Window {
        // 19:00–21:00 Shanghai on some day, check-in opens 15 minutes early.
        Window::for_meeting(1_795_431_600, 1_795_438_800, 15 * 60)
    }

    #[test]
    fn codes_are_six_digits_and_change_every_slot() {
        let s = slot_of(1_795_431_600);
        let codes: Vec<u32> = (s..s + 20)
            .map(|slot| code_for_slot(SECRET, MEETING, slot))
            .collect();
        assert!(codes.iter().all(|c| *c < 1_000_000));
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(distinct.len() >= 19, "codes repeat too often: {codes:?}");
        assert_eq!(
            code_for_slot(SECRET, MEETING, s),
            code_for_slot(SECRET, MEETING, s),
            "deterministic"
        );
        assert_eq!(format_code(42), "000042");
    }

    #[test]
    fn the_current_and_the_previous_slot_are_accepted() {
        let w = window();
        let slot = slot_of(1_795_431_600 + 600);
        let code = format_code(code_for_slot(SECRET, MEETING, slot));
        assert_eq!(verify(SECRET, MEETING, w, slot, &code), Ok(slot));
        assert_eq!(
            verify(SECRET, MEETING, w, slot + 1, &code),
            Ok(slot),
            "typed just after rotation"
        );
        assert_eq!(
            verify(SECRET, MEETING, w, slot + 2, &code),
            Err(CheckinRefusal::WrongCode)
        );
    }

    #[test]
    fn window_edges_are_exact() {
        let w = window();
        let first = w.first_slot;
        let last = w.last_slot;
        let at = |slot| format_code(code_for_slot(SECRET, MEETING, slot));
        assert_eq!(verify(SECRET, MEETING, w, first, &at(first)), Ok(first));
        assert_eq!(verify(SECRET, MEETING, w, last, &at(last)), Ok(last));
        assert_eq!(
            verify(SECRET, MEETING, w, first - 1, &at(first - 1)),
            Err(CheckinRefusal::OutsideWindow)
        );
        assert_eq!(
            verify(SECRET, MEETING, w, last + 2, &at(last + 2)),
            Err(CheckinRefusal::OutsideWindow)
        );
        // One slot after the end still proves the last slot, and only that.
        assert_eq!(verify(SECRET, MEETING, w, last + 1, &at(last)), Ok(last));
    }

    #[test]
    fn a_replayed_old_code_proves_only_its_own_time() {
        let w = window();
        let early = w.first_slot + 2;
        let code = at_slot(early);
        // Uploaded an hour later (offline phone): still judged by, and recorded at, its slot.
        assert_eq!(verify(SECRET, MEETING, w, early, &code), Ok(early));
        // Claiming a later slot with the old code (补签 after the fact) fails.
        assert_eq!(
            verify(SECRET, MEETING, w, early + 120, &code),
            Err(CheckinRefusal::WrongCode)
        );
    }

    fn at_slot(slot: i64) -> String {
        format_code(code_for_slot(SECRET, MEETING, slot))
    }

    #[test]
    fn wrong_meeting_forged_and_malformed_codes_fail() {
        let w = window();
        let slot = w.first_slot + 10;
        let other = format_code(code_for_slot(SECRET, "another-meeting", slot));
        let mine = at_slot(slot);
        assert_ne!(other, mine);
        assert_eq!(
            verify(SECRET, MEETING, w, slot, &other),
            Err(CheckinRefusal::WrongCode)
        );
        let forged_secret = format_code(code_for_slot(b"guessed secret", MEETING, slot));
        assert_ne!(forged_secret, mine);
        assert_eq!(
            verify(SECRET, MEETING, w, slot, &forged_secret),
            Err(CheckinRefusal::WrongCode)
        );
        let wrong = format_code((code_for_slot(SECRET, MEETING, slot) + 1) % 1_000_000);
        assert_eq!(
            verify(SECRET, MEETING, w, slot, &wrong),
            Err(CheckinRefusal::WrongCode)
        );
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(
                verify(SECRET, MEETING, w, slot, bad),
                Err(CheckinRefusal::Malformed),
                "{bad:?}"
            );
        }
    }
}
