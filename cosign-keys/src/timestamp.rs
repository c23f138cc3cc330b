//! The crate's one time module: RFC 3339 in UTC (`2026-11-25T11:26:45Z`),
//! with the calendar of the `time` crate (proleptic Gregorian, no time-zone
//! database). [`Timestamp`] is a point in time to the second (keyring, audit
//! trail, backups); [`format_rfc3339`] and [`parse_rfc3339`] write and read a
//! [`SystemTime`] to the nanosecond (store records, Vault's times).
//!
//! The keyring, the audit trail and the backups record times as text a
//! person can read (`2026-11-25T11:26:45Z`) and a program can compare. Every
//! lifecycle operation takes `now` as an argument, so tests (and a runbook
//! rehearsal) can move time forward without waiting.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// Seconds in a day.
const DAY: u64 = 86_400;
/// The last second of year 9999, the largest time RFC 3339 can write.
const MAX_SECS: u64 = 253_402_300_799;

/// Seconds since the Unix epoch (UTC), shown as `YYYY-MM-DDThh:mm:ssZ`.
///
/// ```
/// use cosign_keys::Timestamp;
///
/// let t: Timestamp = "2026-11-25T11:26:45Z".parse()?;
/// assert_eq!(t.unix_seconds(), 1_795_606_005);
/// assert_eq!(t.to_string(), "2026-11-25T11:26:45Z");
/// assert_eq!(t.plus_days(30).to_string(), "2026-12-25T11:26:45Z");
/// assert!(Timestamp::now() > t.minus_days(100_000));
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The current time of the system clock (the epoch if the clock is
    /// before it).
    ///
    /// ```
    /// assert!(cosign_keys::Timestamp::now().unix_seconds() > 1_700_000_000);
    /// ```
    #[must_use]
    pub fn now() -> Self {
        Self::from(SystemTime::now())
    }

    /// From seconds since the Unix epoch (clamped to year 9999).
    ///
    /// ```
    /// let t = cosign_keys::Timestamp::from_unix_seconds(0);
    /// assert_eq!(t.to_string(), "1970-01-01T00:00:00Z");
    /// ```
    #[must_use]
    pub const fn from_unix_seconds(secs: u64) -> Self {
        if secs > MAX_SECS {
            Self(MAX_SECS)
        } else {
            Self(secs)
        }
    }

    /// Seconds since the Unix epoch.
    ///
    /// ```
    /// assert_eq!(cosign_keys::Timestamp::from_unix_seconds(42).unix_seconds(), 42);
    /// ```
    #[must_use]
    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    /// This time plus `days` days (saturating at year 9999).
    ///
    /// ```
    /// let t = cosign_keys::Timestamp::from_unix_seconds(0).plus_days(1);
    /// assert_eq!(t.unix_seconds(), 86_400);
    /// ```
    #[must_use]
    pub const fn plus_days(self, days: u32) -> Self {
        Self::from_unix_seconds(self.0.saturating_add(days as u64 * DAY))
    }

    /// This time minus `days` days (saturating at the epoch).
    ///
    /// ```
    /// let t = cosign_keys::Timestamp::from_unix_seconds(10).minus_days(1);
    /// assert_eq!(t.unix_seconds(), 0);
    /// ```
    #[must_use]
    pub const fn minus_days(self, days: u32) -> Self {
        Self(self.0.saturating_sub(days as u64 * DAY))
    }

    /// Parses `YYYY-MM-DDThh:mm:ssZ` (UTC only; a fraction of a second is
    /// accepted and dropped). Same as `s.parse()`.
    ///
    /// ```
    /// use cosign_keys::Timestamp;
    /// assert!(Timestamp::parse("2026-02-30T00:00:00Z").is_err());
    /// assert!(Timestamp::parse("2026-01-01T00:00:00+02:00").is_err());
    /// assert_eq!(Timestamp::parse("2026-01-01T00:00:00.5Z")?, Timestamp::parse("2026-01-01T00:00:00Z")?);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidArgument {
            name: "timestamp",
            reason: format!(
                "`{text}` is not an RFC 3339 UTC time like 2026-11-25T11:26:45Z: {reason}"
            ),
        };
        let body = text
            .strip_suffix('Z')
            .or_else(|| text.strip_suffix('z'))
            .ok_or_else(|| bad("it must end in Z (UTC)"))?;
        let body = match body.split_once('.') {
            Some((head, frac)) if !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) => {
                head
            }
            Some(_) => return Err(bad("bad fraction of a second")),
            None => body,
        };
        let b = body.as_bytes();
        let shape_ok = b.len() == 19
            && b[4] == b'-'
            && b[7] == b'-'
            && matches!(b[10], b'T' | b't' | b' ')
            && b[13] == b':'
            && b[16] == b':';
        if !shape_ok {
            return Err(bad("expected YYYY-MM-DDThh:mm:ss"));
        }
        let num = |range: std::ops::Range<usize>| -> Result<u64> {
            let part = &body[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse::<u64>().map_err(|_| bad("not a number"))
            } else {
                Err(bad("not a number"))
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if year < 1970 {
            return Err(bad("years before 1970 are not supported"));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(bad("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("no such time of day"));
        }
        let days = days_from_civil(year, month, day);
        Ok(Self(days * DAY + hour * 3600 + minute * 60 + second))
    }
}

/// The Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

fn month_of(month: u64) -> Option<time::Month> {
    u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
}

/// Days in a month (`month` in 1..=12; 31 otherwise).
fn days_in_month(year: u64, month: u64) -> u64 {
    match (i32::try_from(year), month_of(month)) {
        (Ok(year), Some(month)) => u64::from(month.length(year)),
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid date in or after 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let date = i32::try_from(year)
        .ok()
        .zip(month_of(month))
        .zip(u8::try_from(day).ok())
        .and_then(|((y, m), d)| time::Date::from_calendar_date(y, m, d).ok());
    date.map_or(0, |d| {
        u64::try_from(i64::from(d.to_julian_day()) - EPOCH_JULIAN_DAY).unwrap_or(0)
    })
}

/// The date of a day count since 1970-01-01 (the last day of year 9999 for
/// a later one).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let date = i64::try_from(days)
        .ok()
        .and_then(|d| i32::try_from(d + EPOCH_JULIAN_DAY).ok())
        .and_then(|j| time::Date::from_julian_day(j).ok())
        .filter(|d| d.year() <= 9999)
        .unwrap_or_else(|| {
            time::Date::from_calendar_date(9999, time::Month::December, 31)
                .unwrap_or(time::Date::MAX)
        });
    (
        u64::try_from(date.year()).unwrap_or(0),
        u64::from(u8::from(date.month())),
        u64::from(date.day()),
    )
}

/// Formats a time as RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`, with a
/// fraction of a second only when there is one (trailing zeros dropped).
/// Times before 1970 are shown as `1970-01-01T00:00:00Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use cosign_keys::format_rfc3339;
///
/// assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
/// let t = UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000);
/// assert_eq!(format_rfc3339(t), "2023-11-14T22:13:20.25Z");
/// ```
#[must_use]
pub fn format_rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / DAY);
    let rem = secs % DAY;
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
/// use cosign_keys::parse_rfc3339;
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
    let secs = days * DAY + hour * 3600 + minute * 60 + second;
    Ok(UNIX_EPOCH + Duration::new(secs, nanos))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.0 / DAY);
        let secs = self.0 % DAY;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Self::from_unix_seconds(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        UNIX_EPOCH + Duration::from_secs(t.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_leap_years_and_month_ends() {
        for secs in [
            0,
            951_782_400,   // 2000-02-29
            1_709_164_800, // 2024-02-29
            1_735_689_599, // 2024-12-31T23:59:59
            4_102_444_800, // 2100-01-01
            MAX_SECS,
        ] {
            let t = Timestamp::from_unix_seconds(secs);
            assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t, "{t}");
        }
        assert_eq!(
            Timestamp::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29T00:00:00Z"
        );
        // Every day of four years round-trips.
        for day in 0..(4 * 366) {
            let t = Timestamp::from_unix_seconds(1_700_000_000 + day * DAY + 12_345);
            assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
        }
    }

    #[test]
    fn rejects_what_is_not_rfc3339_utc() {
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T11:26:45",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-11-25T11:26:45.Z",
            "+026-11-25T11:26:45Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

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
