//! RFC 3339 timestamps in UTC (`2025-01-31T12:00:00Z`, with up to nine
//! fraction digits), as stores record `created_at`. No time-zone database:
//! the civil-date arithmetic is the proleptic Gregorian calendar.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{Error, Result};

const SECS_PER_DAY: u64 = 86_400;

/// Formats a time as RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`, with a
/// fraction of a second only when there is one (trailing zeros dropped).
/// Times before 1970 are shown as `1970-01-01T00:00:00Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use cosign_keys::store::format_rfc3339;
///
/// assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
/// let t = UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000);
/// assert_eq!(format_rfc3339(t), "2023-11-14T22:13:20.25Z");
/// ```
#[must_use]
pub fn format_rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / SECS_PER_DAY);
    let rem = secs % SECS_PER_DAY;
    let (hour, minute, second) = (rem / 3600, rem / 60 % 60, rem % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    let nanos = since.subsec_nanos();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Parses what [`format_rfc3339`] writes: `YYYY-MM-DDTHH:MM:SS[.F]Z` with
/// 1 to 9 fraction digits, in UTC (`Z`), from 1970 on.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use cosign_keys::store::parse_rfc3339;
///
/// let t = parse_rfc3339("2023-11-14T22:13:20.25Z")?;
/// assert_eq!(t, UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000));
/// assert!(parse_rfc3339("2023-02-30T00:00:00Z").is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] naming what is wrong.
pub fn parse_rfc3339(text: &str) -> Result<SystemTime> {
    let bad = |why: &str| Error::InvalidArgument {
        name: "timestamp",
        reason: format!("`{text}` is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS[.F]Z): {why}"),
    };
    let b = text.as_bytes();
    if b.len() < 20 || !text.is_ascii() {
        return Err(bad("too short"));
    }
    let num = |range: std::ops::Range<usize>| -> Result<u64> {
        let s = &text[range];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().map_err(|_| bad("not a number"))
        } else {
            Err(bad("expected digits"))
        }
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return Err(bad("wrong separators"));
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if year < 1970 {
        return Err(bad("before 1970"));
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad("no such date"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("no such time of day"));
    }
    let rest = &text[19..];
    let nanos = match rest.strip_suffix('Z') {
        None => return Err(bad("must end in Z (UTC)")),
        Some("") => 0,
        Some(fraction) => {
            let digits = fraction
                .strip_prefix('.')
                .ok_or_else(|| bad("bad fraction"))?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return Err(bad("the fraction needs 1 to 9 digits"));
            }
            let padded = format!("{digits:0<9}");
            padded.parse::<u32>().map_err(|_| bad("bad fraction"))?
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * SECS_PER_DAY + hour * 3600 + minute * 60 + second;
    Ok(UNIX_EPOCH + Duration::new(secs, nanos))
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 to (year, month, day); only non-negative days.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year >= 1970, month, day) to days since 1970-01-01.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let yoe = year % 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_calendar_edges() {
        for secs in [
            0u64,
            951_782_400,   // 2000-02-29
            951_868_799,   // 2000-02-29T23:59:59
            1_709_164_800, // 2024-02-29
            4_102_444_800, // 2100-01-01
            253_402_300_799,
        ] {
            for nanos in [0, 1, 999_999_999, 500_000_000] {
                let t = UNIX_EPOCH + Duration::new(secs, nanos);
                let s = format_rfc3339(t);
                assert_eq!(parse_rfc3339(&s).unwrap(), t, "{s}");
            }
        }
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(253_402_300_799)),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        for days in (0..146_097 * 2).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
        }
    }

    #[test]
    fn rejects_what_it_does_not_write() {
        for bad in [
            "",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+00:00",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00.1234567890Z",
            "1969-12-31T23:59:59Z",
            "2024-01-01T00:00:0xZ",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
