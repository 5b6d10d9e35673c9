//! Times are stored as UTC seconds and shown in Asia/Shanghai (UTC+8 all year, no DST).

/// The current UTC time in seconds, on the server and in the browser.
pub fn now_secs() -> i64 {
    #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

pub const SHANGHAI_OFFSET_SECS: i64 = 8 * 3600;

/// (year, month) of a UTC instant in Asia/Shanghai.
pub fn shanghai_year_month(utc_secs: i64) -> (i64, u32) {
    let (y, m, _) = civil_from_days((utc_secs + SHANGHAI_OFFSET_SECS).div_euclid(86_400));
    (y, m)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">`) as Shanghai time.
pub fn parse_local_datetime(input: &str) -> Option<i64> {
    let (date, time) = input.trim().split_once('T')?;
    let mut d = date.split('-');
    let (year, month, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let mut t = time.split(':');
    let (hour, minute): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute);
    if !valid || d.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 - SHANGHAI_OFFSET_SECS)
}

/// The value an `<input type="datetime-local">` shows for a UTC instant, in Shanghai time.
/// The last second (UTC) of a day typed as `YYYY-MM-DD`, in Shanghai: a needed-by or a
/// due date counts to its end.
pub fn end_of_day(date: &str) -> Option<i64> {
    parse_local_datetime(&format!("{}T23:59", date.trim())).map(|t| t + 59)
}

pub fn format_local_datetime(utc_secs: i64) -> String {
    format_datetime(utc_secs).replacen(' ', "T", 1)
}

pub fn format_date(utc_secs: i64) -> String {
    let local = utc_secs.saturating_add(SHANGHAI_OFFSET_SECS);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    format!("{y}-{m:02}-{d:02}")
}

pub fn format_time(utc_secs: i64) -> String {
    let secs_of_day = utc_secs
        .saturating_add(SHANGHAI_OFFSET_SECS)
        .rem_euclid(86_400);
    format!("{:02}:{:02}", secs_of_day / 3600, (secs_of_day % 3600) / 60)
}

pub fn format_datetime(utc_secs: i64) -> String {
    let local = utc_secs.saturating_add(SHANGHAI_OFFSET_SECS);
    let secs_of_day = local.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}",
        format_date(utc_secs),
        secs_of_day / 3600,
        (secs_of_day % 3600) / 60
    )
}

/// The UTC seconds a Shanghai calendar year begins at, and the next one.
pub fn shanghai_year_range(year: i64) -> (i64, i64) {
    // A year comes from a request: one far out of range would overflow the arithmetic.
    let year = year.clamp(1, 9999);
    let start = |y| days_from_civil(y, 1, 1) * 86_400 - SHANGHAI_OFFSET_SECS;
    (start(year), start(year + 1))
}

/// A span of time in words, to the minute past a minute: "3 小时 5 分钟", "12 分钟", "40 秒".
pub fn format_duration(secs: i64, locale: crate::i18n::Locale) -> String {
    use crate::i18n::Locale;
    let secs = secs.max(0);
    let (hours, minutes) = (secs / 3600, (secs % 3600) / 60);
    match (locale, hours, minutes) {
        (Locale::Zh, 0, 0) => format!("{secs} 秒"),
        (Locale::Zh, 0, m) => format!("{m} 分钟"),
        (Locale::Zh, h, 0) => format!("{h} 小时"),
        (Locale::Zh, h, m) => format!("{h} 小时 {m} 分钟"),
        (Locale::En, 0, 0) => format!("{secs} s"),
        (Locale::En, 0, m) => format!("{m} min"),
        (Locale::En, h, 0) => format!("{h} h"),
        (Locale::En, h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        use crate::i18n::Locale::{En, Zh};
        assert_eq!(format_duration(40, Zh), "40 秒");
        assert_eq!(format_duration(12 * 60 + 5, Zh), "12 分钟");
        assert_eq!(format_duration(3 * 3600, Zh), "3 小时");
        assert_eq!(format_duration(3 * 3600 + 5 * 60, Zh), "3 小时 5 分钟");
        assert_eq!(format_duration(-5, Zh), "0 秒");
        assert_eq!(format_duration(3 * 3600 + 5 * 60, En), "3 h 5 min");
    }

    #[test]
    fn epoch_and_known_instants_in_shanghai() {
        assert_eq!(format_datetime(0), "1970-01-01 08:00");
        assert_eq!(format_time(1_795_437_954), "20:45");
        // 2026-11-23 12:45:54 UTC is 20:45 in Shanghai.
        assert_eq!(format_datetime(1_795_437_954), "2026-11-23 20:45");
        // 16:00 UTC on 31 Dec is already New Year in Shanghai.
        assert_eq!(format_date(1_798_761_600 - 8 * 3600), "2027-01-01");
        assert_eq!(format_date(1_798_761_600 - 8 * 3600 - 1), "2026-12-31");
        assert_eq!(
            parse_local_datetime("2026-11-23T20:45"),
            Some(1_795_437_954 - 54)
        );
        assert_eq!(format_local_datetime(1_795_437_900), "2026-11-23T20:45");
        assert_eq!(parse_local_datetime("2026-02-30T10:00"), None);
        assert_eq!(parse_local_datetime("2026-11-23 20:45"), None);
        assert_eq!(parse_local_datetime("2026-11-23T24:00"), None);
        // Leap day.
        assert_eq!(format_date(1_709_164_800), "2024-02-29");
    }

    #[test]
    fn a_year_far_out_of_range_is_held_to_the_calendar_not_overflowed() {
        assert_eq!(shanghai_year_range(i64::MAX), shanghai_year_range(9999));
        assert_eq!(shanghai_year_range(i64::MIN), shanghai_year_range(1));
    }
}
