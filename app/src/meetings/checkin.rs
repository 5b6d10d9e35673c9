//! Rotating check-in codes. The code for time slot `s` (30 s) is HMAC-SHA256(secret,
//! meeting_id ‖ s) shown as 6 digits; a check-in counts for the slot it proves, never the
//! phone's clock or the time of upload.
//!
//! A valid code is not enough, since a code forwarded to a chat is valid too. The slot,
//! the phone's time of the scan (corrected by the clock offset its outbox measured against
//! the server) and the server's receipt time must agree: see [`judge_arrival`].

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
    /// The code belongs to a slot that has not begun when the server received it.
    FutureCode,
    /// Received late, and not scanned while the code was on the screen either: a code
    /// passed on, or a phone's clock set back.
    Expired,
    /// Scanned in time, but synced too long after the meeting to count on the spot.
    SyncedTooLate,
}

impl CheckinRefusal {
    pub const ALL: [CheckinRefusal; 6] = [
        CheckinRefusal::Malformed,
        CheckinRefusal::OutsideWindow,
        CheckinRefusal::WrongCode,
        CheckinRefusal::FutureCode,
        CheckinRefusal::Expired,
        CheckinRefusal::SyncedTooLate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckinRefusal::Malformed => "malformed",
            CheckinRefusal::OutsideWindow => "outside_window",
            CheckinRefusal::WrongCode => "wrong_code",
            CheckinRefusal::FutureCode => "future_code",
            CheckinRefusal::Expired => "expired",
            CheckinRefusal::SyncedTooLate => "synced_too_late",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A received check-in counts as present on the spot when it reaches the server within this
/// long after its code left the screen: time to scan, load the page on one bar of signal
/// and send a few hundred bytes.
pub const ONLINE_GRACE_SECS: i64 = 60;
/// A check-in that arrives later counts only if the phone made it within this long after
/// its code left the screen, by the phone's clock corrected with its measured offset. It
/// covers digits typed just after the code turned, and the error of the offset.
pub const SCAN_GRACE_SECS: i64 = 30;
/// How far a slot may lie ahead of the server's (or the corrected phone's) clock: the
/// secretary's screen computes codes from its own corrected clock, measured to a second or two.
pub const CLOCK_TOLERANCE_SECS: i64 = 15;
/// An offline room's check-ins count when they reach the server before the meeting's end
/// plus this: the way home, or the evening, until the phone finds signal.
pub const OFFLINE_SYNC_SECS: i64 = 6 * 3600;

/// How a check-in that counts reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Received within [`ONLINE_GRACE_SECS`] of its slot.
    Online,
    /// 离线签到: scanned in time with no signal, received `delay_secs` after the scan.
    Offline { delay_secs: i64 },
}

/// The three times of a check-in whose code is valid for `slot` (see [`verify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckinTimes {
    pub slot: i64,
    /// The phone's time of the scan, corrected by its measured clock offset.
    pub scanned_at: i64,
    /// The server's receipt time: the authority.
    pub received_at: i64,
    pub meeting_ends_at: i64,
}

/// Whether the times of a check-in agree (DESIGN, check-in): received within the grace of
/// its slot (online), or scanned within it and received before the meeting's end plus
/// [`OFFLINE_SYNC_SECS`] (an offline room). The phone's time only ever allows the second.
pub fn judge_arrival(t: CheckinTimes) -> Result<Arrival, CheckinRefusal> {
    let shown_from = slot_start(t.slot);
    let shown_until = shown_from + SLOT_SECS;
    if shown_from > t.received_at + CLOCK_TOLERANCE_SECS {
        return Err(CheckinRefusal::FutureCode);
    }
    if t.received_at <= shown_until + ONLINE_GRACE_SECS {
        return Ok(Arrival::Online);
    }
    let scanned_in_time = t.scanned_at >= shown_from - CLOCK_TOLERANCE_SECS
        && t.scanned_at <= shown_until + SCAN_GRACE_SECS;
    if !scanned_in_time {
        return Err(CheckinRefusal::Expired);
    }
    if t.received_at > t.meeting_ends_at + OFFLINE_SYNC_SECS {
        return Err(CheckinRefusal::SyncedTooLate);
    }
    Ok(Arrival::Offline {
        delay_secs: (t.received_at - t.scanned_at).max(0),
    })
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
    for candidate in [Some(slot), slot.checked_sub(1)].into_iter().flatten() {
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

    /// 19:00–21:00, a code of 19:10 (its slot shown 19:10:00–19:10:30).
    fn times(scanned_after: i64, received_after: i64) -> CheckinTimes {
        let slot = slot_of(1_795_431_600 + 600);
        CheckinTimes {
            slot,
            scanned_at: slot_start(slot) + scanned_after,
            received_at: slot_start(slot) + received_after,
            meeting_ends_at: 1_795_438_800,
        }
    }

    #[test]
    fn received_within_the_grace_counts_online_whatever_the_phone_says() {
        assert_eq!(judge_arrival(times(5, 8)), Ok(Arrival::Online));
        assert_eq!(
            judge_arrival(times(5, SLOT_SECS + ONLINE_GRACE_SECS)),
            Ok(Arrival::Online)
        );
        // A phone clock far off changes nothing when the server received it in time.
        assert_eq!(judge_arrival(times(-86_400, 20)), Ok(Arrival::Online));
    }

    #[test]
    fn a_forwarded_code_opened_later_is_refused() {
        // Opened 5 minutes later, online: the phone's time and the receipt agree, both late.
        assert_eq!(judge_arrival(times(300, 301)), Err(CheckinRefusal::Expired));
        // 62 s after the forward at the end of the slot, by a phone whose clock is right.
        assert_eq!(
            judge_arrival(times(SLOT_SECS + 62, SLOT_SECS + 63)),
            Err(CheckinRefusal::Expired)
        );
        // Two days later with the phone's clock set back to the meeting: the scan time looks
        // right, but the receipt is far past the end of the meeting.
        assert_eq!(
            judge_arrival(times(10, 2 * 86_400)),
            Err(CheckinRefusal::SyncedTooLate)
        );
    }

    #[test]
    fn an_offline_room_counts_when_synced_within_hours_of_the_end() {
        let three_hours = 3 * 3600;
        assert_eq!(
            judge_arrival(times(12, three_hours)),
            Ok(Arrival::Offline {
                delay_secs: three_hours - 12
            })
        );
        let t = times(12, 0);
        let last_moment = t.meeting_ends_at + OFFLINE_SYNC_SECS - slot_start(t.slot);
        assert!(matches!(
            judge_arrival(times(12, last_moment)),
            Ok(Arrival::Offline { .. })
        ));
        assert_eq!(
            judge_arrival(times(12, last_moment + 1)),
            Err(CheckinRefusal::SyncedTooLate)
        );
        // The grace of the scan, at both ends.
        assert!(judge_arrival(times(SLOT_SECS + SCAN_GRACE_SECS, three_hours)).is_ok());
        assert_eq!(
            judge_arrival(times(SLOT_SECS + SCAN_GRACE_SECS + 1, three_hours)),
            Err(CheckinRefusal::Expired)
        );
        assert!(judge_arrival(times(-CLOCK_TOLERANCE_SECS, three_hours)).is_ok());
        assert_eq!(
            judge_arrival(times(-CLOCK_TOLERANCE_SECS - 1, three_hours)),
            Err(CheckinRefusal::Expired)
        );
    }

    #[test]
    fn a_code_of_a_slot_not_yet_begun_is_refused() {
        assert_eq!(
            judge_arrival(times(-120, -120)),
            Err(CheckinRefusal::FutureCode)
        );
        // A screen a few seconds fast is tolerated.
        assert_eq!(
            judge_arrival(times(-CLOCK_TOLERANCE_SECS, -CLOCK_TOLERANCE_SECS)),
            Ok(Arrival::Online)
        );
        assert_eq!(
            judge_arrival(times(0, -CLOCK_TOLERANCE_SECS - 1)),
            Err(CheckinRefusal::FutureCode)
        );
    }

    #[test]
    fn refusals_round_trip_through_their_names() {
        for refusal in CheckinRefusal::ALL {
            assert_eq!(CheckinRefusal::parse(refusal.as_str()), Some(refusal));
        }
        assert_eq!(CheckinRefusal::parse("late"), None);
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
